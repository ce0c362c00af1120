"""The server: a bound socket, an asyncio event loop serving ``http.Connection``s, and a clean stop.

One class for every way of running.  ``serve_forever`` runs the loop in the calling thread until
SIGTERM or SIGINT (the CLI, the container); ``start`` runs it in a thread of its own and returns once
the port listens (the pytest plugin).  The socket is bound before either, so a port in use is known at
once, and port 0 is resolved to the free port chosen.

Connections are accepted by the server's own loop rather than asyncio's ``create_server``, whose accept
loop, out of file descriptors (``EMFILE``), logs a traceback for every try left in its batch and
schedules as many retries (64,282 tracebacks in 15 s under ``ulimit -n 1024``): here accepting pauses,
and says so once.  At most ``max_connections`` are held: past it, the connection idle longest is closed
to make room, or, if none is idle, the new one gets a 503 and is closed.  A connection is closed when
its request head takes longer than ``header_seconds`` (408), or when idle for ``idle_seconds``.
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
from .http import Connection, Refusal

try:
    import resource
except ImportError:  # Windows
    resource = None

#: A connection with no request in progress and nothing received for this long is closed.
IDLE_SECONDS = 75.0
#: A connection whose request head has not arrived whole this long after its first byte is closed (with a 408).
HEADER_SECONDS = 15.0
#: How long accepting pauses when the process is out of file descriptors, before it is tried again.
ACCEPT_RETRY_SECONDS = 0.5
#: Connections accepted in one turn of the loop at most (asyncio accepts up to its backlog).
ACCEPT_BATCH = 100

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


def default_max_connections() -> int:
    """The file-descriptor soft limit, less a tenth of it (at least 64) for webhook deliveries, files and the
    listening socket; 1,000 where there is no such limit to read."""
    if resource is None:
        return 1000
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft > 1 << 20:
        soft = 1 << 20
    return max(16, soft - max(64, soft // 10))


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
                 idle_seconds: float = IDLE_SECONDS, header_seconds: float | None = None,
                 max_connections: int | None = None):
        self.app = app
        self.idle_seconds = idle_seconds
        # (explicit values first, then the app's settings, then the defaults)
        self.header_seconds = header_seconds or app.settings.get("header_timeout") or HEADER_SECONDS
        self.max_connections = (max_connections or app.settings.get("max_connections")
                                or default_max_connections())
        self.max_body_bytes = app.settings["max_body_bytes"]
        self.log_requests = log_requests
        self.sock = bind(host, port)
        self.port = self.sock.getsockname()[1]
        self.url = url_for(host, self.port)
        # how the mock reaches itself (its webhook inbox): the loopback when it listens everywhere
        app.own_url = url_for({"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host), self.port)
        self.connections: set[Connection] = set()
        self._arriving = 0  # accepted, and their protocol not made yet
        self._accept_retry: asyncio.TimerHandle | None = None
        self._told_out_of_files = -3600.0  # when the log last said accepting paused for want of descriptors
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
        loop.add_reader(self.sock.fileno(), self._accept)
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
            if self._accept_retry is not None:
                self._accept_retry.cancel()
            else:
                loop.remove_reader(self.sock.fileno())
            self.sock.close()
            for connection in list(self.connections):
                if connection.transport is not None:
                    connection.transport.close()
            dispatcher = getattr(self.app, "dispatcher", None)
            if dispatcher is not None:
                await dispatcher.aclose()  # every webhook delivery under way ends with the server
            await asyncio.sleep(0)  # let the closes happen

    # --- accepting --------------------------------------------------------------------------------

    def _accept(self) -> None:
        """Accept the connections waiting (a batch at most); pause on running out of file descriptors."""
        loop = self._loop
        for _ in range(ACCEPT_BATCH):
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:
                if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._pause_accepting(error)
                    return
                raise
            conn.setblocking(False)
            if len(self.connections) + self._arriving < self.max_connections or self._make_room():
                factory = lambda: Connection(self)  # noqa: E731
            else:
                factory = lambda: Refusal(self.max_connections)  # noqa: E731
            self._arriving += 1
            task = loop.create_task(loop.connect_accepted_socket(factory, conn))
            task.add_done_callback(lambda task, conn=conn: self._arrived(task, conn))

    def _arrived(self, task: asyncio.Task, conn: socket.socket) -> None:
        self._arriving -= 1
        if task.cancelled() or task.exception() is not None:  # gone before it was set up
            conn.close()

    def _make_room(self) -> bool:
        """Close the connection idle longest (nothing being read or answered on it) to make room for a new
        one; False if every connection is in use."""
        idle = [c for c in self.connections if c.transport is not None and not c.done and not c.busy
                and not c.waiting and not c.in_message and c.head_started is None]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c.last_active)
        oldest.done = True
        oldest.transport.close()
        self.connections.discard(oldest)  # its descriptor is freed on the loop's next turn
        return True

    def _pause_accepting(self, error: OSError) -> None:
        """Out of file descriptors: stop accepting for a while, and say so (once in a while, not per try)."""
        self._loop.remove_reader(self.sock.fileno())
        # An idle connection closed frees a descriptor on the loop's next turn: try again then.
        delay = 0.0 if self._make_room() else ACCEPT_RETRY_SECONDS
        self._accept_retry = self._loop.call_later(delay, self._resume_accepting)
        now = time.monotonic()
        if now - self._told_out_of_files >= 60:
            self._told_out_of_files = now
            log.warning("cannot accept connections: %s (%d open; lower --max-connections or raise `ulimit -n`); "
                        "accepting again as descriptors free up", error.strerror or error, len(self.connections))

    def _resume_accepting(self) -> None:
        self._accept_retry = None
        self._loop.add_reader(self.sock.fileno(), self._accept)

    # --- closing what has lasted too long ---------------------------------------------------------

    @property
    def _sweep_every(self) -> float:
        return min(5.0, self.idle_seconds / 2, self.header_seconds / 2)

    def _sweep(self) -> None:
        """Close the connections that have sat idle too long (no request in progress), and those whose
        request head is taking too long to arrive."""
        now = time.monotonic()
        for connection in list(self.connections):
            if connection.busy or not connection.transport:
                continue
            if (connection.head_started is not None and not connection.waiting
                    and now - connection.head_started > self.header_seconds):
                connection.time_out_head(self.header_seconds)
            elif now - connection.last_active > self.idle_seconds:
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
