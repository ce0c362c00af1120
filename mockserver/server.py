"""Serving the app with a production WSGI server (waitress) in this one process.

State lives in this process's memory, so the mock must never run more than one worker process.
"""
from __future__ import annotations

import errno
import logging
import signal

from waitress.server import create_server


class CannotListen(OSError):
    """The address cannot be bound: in use, not on this machine, or not an address at all."""


def bind(app, host: str, port: int, threads: int = 4):
    """A bound (listening) server, or ``CannotListen`` saying why not."""
    logging.getLogger("waitress").setLevel(logging.ERROR)
    try:
        return create_server(app, host=host, port=port, threads=threads, ident="hypertrack-mock",
                             clear_untrusted_proxy_headers=True, channel_timeout=30)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise CannotListen(f"port {port} on {host} is already in use; stop what is using it "
                               "or choose another with --port") from None
        raise CannotListen(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    except ValueError as error:  # waitress: a host it cannot resolve
        raise CannotListen(f"cannot listen on {host}:{port}: {error}") from None


def url_of(server) -> str:
    host = server.effective_host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{server.effective_port}"


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
