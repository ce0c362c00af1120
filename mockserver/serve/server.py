"""The server: a bound socket, an asyncio event loop serving ``http.Connection``s, and a clean stop.

One class for every way of running.  ``serve_forever`` runs the loop in the calling thread until
SIGTERM or SIGINT (the CLI, the container); ``start`` runs it in a thread of its own and returns once
the port listens (the pytest plugin).  The socket is bound before either, so a port in use is known at
once, and port 0 is resolved to the free port chosen.
"""
from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
import sys
import threading
import time

from .collector import Collector
from .http import Connection

#: A connection with no request in progress and nothing received for this long is closed.
IDLE_SECONDS = 75.0

log = logging.getLogger("hypertrack_mock")


class CannotListen(OSError):
    """The address cannot be bound: in use, not on this machine, or not an address at all."""

    @classmethod
    def because(cls, error: OSError, host: str, port: int) -> CannotListen:
        """Why binding ``host:port`` failed with ``error``, in words for the command line."""
        if error.errno == errno.EADDRINUSE:
            return cls(f"port {port} on {host} is already in use; stop what is using it or choose another "
                       "with --port")
        return cls(f"cannot listen on {host}:{port}: {error.strerror or error}")


def url_for(host: str, port: int) -> str:
    """The base URL of a server listening on ``host`` (an IPv6 address in brackets) and ``port``."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or ``CannotListen`` saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as error:
        raise CannotListen.because(error if isinstance(error, OSError) else OSError(str(error)), host, port) from None
    try:
        if sys.platform != "win32":  # restart at once after a stop; never shares a port someone listens on
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError as error:
        sock.close()
        raise CannotListen.because(error, host, port) from None
    sock.setblocking(False)
    return sock


class Server:
    """Serves ``app`` (a ``web.app.MockApp``) on ``host:port``; ``url`` says where."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *, log_requests: bool = False,
                 idle_seconds: float = IDLE_SECONDS):
        self.app = app
        self.idle_seconds = idle_seconds
        self.max_body_bytes = app.settings["max_body_bytes"]
        self.log_requests = log_requests
        self.sock = bind(host, port)
        self.port = self.sock.getsockname()[1]
        self.url = url_for(host, self.port)
        # how the mock reaches itself (its webhook inbox): the loopback when it listens everywhere
        app.own_url = url_for({"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host), self.port)
        self.connections: set[Connection] = set()
        self.collector: Collector | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()

    # --- ways of running ------------------------------------------------------------------------

    def serve_forever(self, ready=None, collect: bool = False) -> None:
        """Serve in this thread until SIGTERM or SIGINT; ``ready(url)`` once listening.

        With ``collect``, this process is the mock's own: garbage is collected between requests
        (``collector``), not in the middle of one.
        """
        if collect:
            self.collector = Collector()
        try:
            asyncio.run(self._serve(ready, handle_signals=True))
        finally:
            if self.collector is not None:
                self.collector.uninstall()
                self.collector = None

    def start(self) -> Server:
        """Serve from a daemon thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve(None, handle_signals=False)),
                                        name="hypertrack-mock", daemon=True)
        self._thread.start()
        self._started.wait(10)
        return self

    def stop(self) -> None:
        """Stop serving (from any thread), close every connection, and wait for the loop to end."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the loop closed meanwhile
                pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)

    # --- the loop -------------------------------------------------------------------------------

    async def _serve(self, ready, handle_signals: bool) -> None:
        self._loop = loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await loop.create_server(lambda: Connection(self), sock=self.sock, backlog=1024)
        if handle_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self._stop.set)
        sweep = loop.call_later(self._sweep_every, self._sweep)
        self._started.set()
        if ready is not None:
            ready(self.url)
        try:
            await self._stop.wait()
        finally:
            sweep.cancel()
            server.close()
            for connection in list(self.connections):
                if connection.transport is not None:
                    connection.transport.close()
            dispatcher = getattr(self.app, "dispatcher", None)
            if dispatcher is not None:
                await dispatcher.aclose()  # every webhook delivery under way ends with the server
            await asyncio.sleep(0)  # let the closes happen

    @property
    def _sweep_every(self) -> float:
        return min(5.0, self.idle_seconds / 2)

    def _sweep(self) -> None:
        """Close the connections that have sat idle too long (no request in progress)."""
        now = time.monotonic()
        for connection in list(self.connections):
            if not connection.busy and now - connection.last_active > self.idle_seconds and connection.transport:
                connection.transport.close()
        self._loop.call_later(self._sweep_every, self._sweep)

    # --- after each answer ----------------------------------------------------------------------

    def answered(self, request, answer) -> None:
        """Called once per answer: the request log line, and collection between requests."""
        if self.log_requests:
            status = "dropped" if answer.drop else answer.status
            log.info('%s "%s %s%s" %s %.1f ms', request.client, request.method, request.path,
                     f"?{request.query}" if request.query else "", status,
                     (time.perf_counter() - request.started) * 1000)
        if self.collector is not None:
            self.collector.between_requests()
