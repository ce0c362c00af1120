"""Serving the app with a production WSGI server (waitress) in this one process.

State lives in this process's memory, so the mock must never run more than one worker process.
"""
from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from .config import CannotListen, url_for


class JsonErrorTask(ErrorTask):
    """waitress's own refusals (headers too large, a malformed request line) in the API's JSON shape."""

    def execute(self):
        error = self.request.error
        body = json.dumps({"detail": {"request": [str(error.body)]}, "message": error.reason}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class JsonErrorChannel(HTTPChannel):
    error_task_class = JsonErrorTask


def bind(app, host: str, port: int, threads: int = 4):
    """A bound (listening) server, or ``CannotListen`` saying why not."""
    logging.getLogger("waitress").setLevel(logging.ERROR)
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="hypertrack-mock",
                               clear_untrusted_proxy_headers=True, channel_timeout=30)
    except OSError as error:
        raise CannotListen.because(error, host, port) from None
    except ValueError as error:  # waitress: a host it cannot resolve
        raise CannotListen(f"cannot listen on {host}:{port}: {error}") from None
    server.channel_class = JsonErrorChannel
    lend_threads(app, server)
    return server


def lend_threads(app, server) -> None:
    """Let a request that waits on purpose (a fault's delay) lend its thread back to the pool.

    waitress serves with a fixed pool; a delayed request holds a thread while it sleeps, so twenty
    delayed requests on four threads would take five delays.  While a request waits, the pool grows by
    one thread, and shrinks again after.
    """
    from .app import EXTENSION

    dispatcher = server.task_dispatcher
    base = len(dispatcher.threads)
    lock = threading.Lock()
    waiting = 0

    @contextlib.contextmanager
    def blocking():
        nonlocal waiting
        with lock:
            waiting += 1
            dispatcher.set_thread_count(base + waiting)
        try:
            yield
        finally:
            with lock:
                waiting -= 1
                dispatcher.set_thread_count(base + waiting)

    if EXTENSION in getattr(app, "extensions", {}):  # any other WSGI app (a benchmark's floor) has no waits
        app.extensions[EXTENSION].blocking = blocking


def url_of(server) -> str:
    return url_for(server.effective_host, server.effective_port)


def serve_forever(server) -> None:
    """Serve until SIGTERM or SIGINT, then close the listening socket and return."""
    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        server.close()
