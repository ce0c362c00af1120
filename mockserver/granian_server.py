"""Serving the app with granian (the CLI's and the container's default): a Rust HTTP server, one worker.

granian's supervisor forks one worker process from this one after the app is built, so the worker
starts with the app, its scenarios and its frozen garbage-collector state already in memory.  State
lives in that worker, so there is never more than one.  The app is served through granian's RSGI
interface by ``rsgi.Bridge`` (why: see there).  What is different from waitress, and handled here:

- granian binds with ``SO_REUSEPORT``, so a second server on a busy port would start silently and
  take half the connections: the port is checked with a plain bind first, and refused if in use.
  Port 0 is resolved to a free port here, held until granian has bound it.
- granian binds in the worker, after start-up: the ready line waits until the port answers.
- If the supervisor is killed outright, the worker is told to stop too (Linux), not left serving.
- The app cannot reach its connection through granian: ``rsgi.cut`` finds it among the process's
  sockets for a ``drop_connection`` fault.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time

from .config import CannotListen, url_for


def check_port(host: str, port: int) -> socket.socket | None:
    """``CannotListen`` if the address cannot be bound; for port 0, a socket holding a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        probe = socket.socket(family, socket.SOCK_STREAM)
    except OSError as error:  # pragma: no cover - no IPv6 on this machine
        raise CannotListen.because(error, host, port) from None
    try:
        if port == 0:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # granian joins it; nobody else can
        probe.bind((host, port))
    except OSError as error:
        probe.close()
        raise CannotListen.because(error, host, port) from None
    if port == 0:
        return probe
    probe.close()
    return None


def _stop_with(supervisor: int) -> None:
    """In the worker: be sent SIGTERM when the supervisor dies, even by SIGKILL (Linux), so no orphan
    keeps serving the port or holds its parent's stdout open."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != supervisor:  # it died before that took effect
        os.kill(os.getpid(), signal.SIGTERM)


def serve(app, host: str, port: int, ready) -> None:
    """Serve ``app`` until SIGTERM or SIGINT; ``ready(url)`` is called once the port is listening."""
    from granian.constants import Interfaces
    from granian.log import LOGGING_CONFIG, LogLevels
    from granian.server import Server

    from .rsgi import Bridge

    holder = check_port(host, port)
    if holder is not None:
        port = holder.getsockname()[1]

    class MockServer(Server):
        def _spawn_workers(self, *args, **kwargs):
            super()._spawn_workers(*args, **kwargs)
            # Only now, after the fork: a thread alive while forking could leave the worker a held lock.
            threading.Thread(target=listening, name="ready-line", daemon=True).start()

    # granian's own messages go to stderr: the ready line stays the only line on stdout.
    logging = {"handlers": {name: dict(handler, stream="ext://sys.stderr")
                            for name, handler in LOGGING_CONFIG["handlers"].items()}}
    server = MockServer(
        "mockserver.wsgi:app", address=host, port=port, interface=Interfaces.RSGI, workers=1,
        blocking_threads=1, backlog=1024, websockets=False, log_level=LogLevels.error, log_dictconfig=logging,
        workers_kill_timeout=1,
    )

    def listening():
        """Once the worker listens (granian binds in the worker, after start-up), say so."""
        probe_host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection((probe_host, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.005)
        ready(url_for(host, port))

    supervisor = os.getpid()

    def load_in_worker(*args, **kwargs):
        _stop_with(supervisor)
        return Bridge(app, collects=True)

    multiprocessing.set_start_method("fork", force=True)  # the worker inherits the built app
    try:
        server.serve(target_loader=load_in_worker, wrap_loader=False)
    finally:
        if holder is not None:
            holder.close()
    sys.stdout.flush()
