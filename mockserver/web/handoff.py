"""Requests for the mock's own paths (the control plane, ``/openapi.json``, ``/docs``), handed to Flask.

The server reads HTTP itself; the Flask app serving the control plane is called as WSGI defines,
with an environ built from the ``Request``, and its answer collected in one piece; a view that waits
for something (a drain of the webhooks) hands over a ``Wait`` instead, through ``answer_later``.
"""
from __future__ import annotations

import io
import sys
from contextvars import ContextVar

from .errors import no_endpoint, too_large
from .exchange import Answer, Request, Wait
from .responses import error_answer, options_answer

#: The ``Wait`` a view of the call being handed off answers with (``answer_later``), if any.
_later: ContextVar[list | None] = ContextVar("hypertrack_mock_later", default=None)


def answer_later(wait: Wait) -> tuple[dict, int]:
    """Have the handoff answer the current call with ``wait`` (a call that waits for something, a drain)
    rather than with what the view returns, which is this placeholder."""
    later = _later.get()
    if later is None:
        raise RuntimeError("answer_later outside a call handed off to Flask")
    later.append(wait)
    return {"pending": None}, 202


class FlaskHandoff:
    """Calls the Flask app for one request and returns its answer."""

    def __init__(self, flask_app, server_name: str = "127.0.0.1", server_port: str = "80"):
        self.app = flask_app
        self.server = (server_name, server_port)

    def __call__(self, request: Request) -> Answer | Wait:
        if request.problem is not None:
            return error_answer(request.problem)
        if request.body is None:
            return error_answer(too_large(self.app.config["MAX_CONTENT_LENGTH"]))
        if request.method == "OPTIONS":  # Flask's own answer would be an empty text/html
            methods = self.app.url_map.bind("localhost").allowed_methods(request.path)
            return options_answer(methods) if methods else error_answer(no_endpoint("OPTIONS", request.path))
        answer: list = []
        later: list[Wait] = []
        token = _later.set(later)
        try:
            chunks = self.app(self._environ(request),
                              lambda status, headers, exc_info=None: answer.extend((status, headers)))
            try:
                body = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        finally:
            _later.reset(token)
        # the view waits for something (the server does, idle); unless it failed after asking: its error goes
        if later and answer[0].startswith("202"):
            return later[-1]
        for wait in later:  # asked for, then the view failed: no one waits for what it was waiting for
            if wait.until is not None:
                wait.until.cancel()
        return Answer(int(answer[0][:3]), answer[1], body)

    def _environ(self, request: Request) -> dict:
        host, _, port = request.client.rpartition(":")
        environ = {
            "REQUEST_METHOD": request.method, "SCRIPT_NAME": "",
            "PATH_INFO": request.path.encode("utf-8").decode("latin-1"), "QUERY_STRING": request.query,
            "SERVER_NAME": self.server[0], "SERVER_PORT": self.server[1], "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": host.strip("[]"), "REMOTE_PORT": port,
            "CONTENT_LENGTH": str(len(request.body)),
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(request.body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "wsgi.input_terminated": True,
        }
        for name, value in request.headers:
            if "_" in name or name in ("content-length", "transfer-encoding"):
                continue  # as WSGI servers do: an underscore could pass for a dash (HTTP_X_USER)
            key = "CONTENT_TYPE" if name == "content-type" else "HTTP_" + name.upper().replace("-", "_")
            environ[key] = f"{environ[key]}, {value}" if key in environ else value
        return environ
