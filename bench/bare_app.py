"""The floor: a bare Flask app answering POST /orders/track with a fixed 201, under the mock's server."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from flask import Flask, Response, request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockserver.server import bind, serve_forever  # noqa: E402

BODY = json.dumps(json.loads((Path(__file__).resolve().parents[2] / "shared" / "tools" / "peer-bench" /
                              "track-response.json").read_text())).encode()


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
    server = bind(create(), "127.0.0.1", int(sys.argv[1]), threads=int(sys.argv[2]) if len(sys.argv) > 2 else 4)
    print(f"bare: serving http://127.0.0.1:{server.effective_port}", flush=True)
    serve_forever(server)
