"""The floor: a bare Flask app answering POST /orders/track with a fixed 201, under the mock's server.

``python bench/bare_app.py PORT [granian|waitress]``: served exactly as ``hypertrack-mock`` serves the
mock (granian through the same RSGI bridge, one worker; or waitress with 4 threads).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from flask import Flask, Response, request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockserver.server import bind, serve_forever  # noqa: E402

BODY = json.dumps(json.loads((Path(__file__).resolve().parent / "seed-response.json").read_text())).encode()


def create() -> Flask:
    app = Flask("bare")

    @app.post("/orders/track")
    def track():
        request.get_data()
        return Response(BODY, status=201, mimetype="application/json")

    @app.get("/__mock/health")
    def health():
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    port, kind = int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "granian"
    if kind == "granian":
        from mockserver.granian_server import serve

        serve(create(), "127.0.0.1", port, lambda url: print(f"bare: serving {url}", flush=True))
    else:
        server = bind(create(), "127.0.0.1", port, threads=4)
        print(f"bare: serving http://127.0.0.1:{server.effective_port}", flush=True)
        serve_forever(server)
