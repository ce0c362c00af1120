"""The mock served by other servers, for ``bench/servers.py`` only (never shipped): same app, same steps.

    python bench/adapters.py SERVER PORT [--fixed]

SERVER is ``shipped`` (``serve.Server``, as the CLI runs it), ``shipped-autogc`` (the same with
Python's automatic garbage collection instead of collecting between requests), ``uvloop`` (the same
on uvloop's event loop), ``granian-embed`` (granian's embedded RSGI server on this process's event loop, as the pytest
plugin would run it), ``granian`` (granian with one RSGI worker process, as the CLI ran before) or
``waitress`` (WSGI, 4 threads).  Each hands ``web.exchange.Request``s to the same ``MockApp``; with
``--fixed`` the app is a fixed 201 instead, so that the figure is the server's own cost.  Needs the
``bench`` extra (``pip install '.[bench]'``).
"""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockserver import create_app
from mockserver.web.exchange import Answer, Request, Wait

FIXED = Answer(201, [("Content-Type", "application/json")], b'{"route_handle":"fixed","status":"tracking"}\n')


def fixed_app(request: Request) -> Answer:
    return FIXED


def rsgi(app):
    """The app as an RSGI callable (granian): a fault's delay awaited on the loop."""
    async def handle(scope, proto):
        body = await proto()
        request = Request(scope.method, scope.path, scope.query_string, list(scope.headers.items()), body,
                          client=scope.client, received_at=time.time(), started=time.perf_counter())
        outcome = app(request)
        if isinstance(outcome, Wait):
            await asyncio.sleep(outcome.seconds)
            outcome = outcome.resume()
        proto.response_bytes(outcome.status, outcome.headers, outcome.body)
    return handle


def wsgi(app):
    """The app as a WSGI callable (waitress): a fault's delay holds the thread."""
    def handle(environ, start_response):
        headers = [(k[5:].lower().replace("_", "-"), v) for k, v in environ.items() if k.startswith("HTTP_")]
        if environ.get("CONTENT_TYPE"):
            headers.append(("content-type", environ["CONTENT_TYPE"]))
        body = environ["wsgi.input"].read()
        request = Request(environ["REQUEST_METHOD"], environ["PATH_INFO"], environ.get("QUERY_STRING", ""), headers,
                          body, client=environ.get("REMOTE_ADDR", ""), received_at=time.time(),
                          started=time.perf_counter())
        outcome = app(request)
        if isinstance(outcome, Wait):
            time.sleep(outcome.seconds)
            outcome = outcome.resume()
        start_response(f"{outcome.status} -", [*outcome.headers, ("Content-Length", str(len(outcome.body)))])
        return [outcome.body]
    return handle


def main(server: str, port: int, fixed: bool) -> None:
    app = fixed_app if fixed else create_app()
    print(f"{server}: serving http://127.0.0.1:{port}", flush=True)
    if server in ("shipped", "shipped-autogc", "uvloop"):
        from mockserver.serve import Server

        if server == "uvloop":
            import uvloop

            uvloop.install()
        served = Server(create_app(), "127.0.0.1", port)
        if fixed:
            served.app = fixed_app
        served.serve_forever(collect=server != "shipped-autogc")
    elif server == "granian-embed":
        from granian.constants import Interfaces
        from granian.server.embed import Server

        asyncio.run(Server(rsgi(app), address="127.0.0.1", port=port, interface=Interfaces.RSGI).serve())
    elif server == "granian":
        from granian.constants import Interfaces
        from granian.server import Server

        Server(rsgi(app), address="127.0.0.1", port=port, interface=Interfaces.RSGI, workers=1).serve(
            target_loader=lambda *args, **kwargs: rsgi(app), wrap_loader=False)
    elif server == "waitress":
        from waitress import serve

        serve(wsgi(app), host="127.0.0.1", port=port, threads=4, _quiet=True)
    else:
        sys.exit(f"unknown server {server!r}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), "--fixed" in sys.argv[3:])
