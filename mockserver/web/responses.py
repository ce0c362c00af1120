"""Answers: JSON bodies encoded by orjson, errors in HyperTrack's shapes, and what a fault rule answers instead."""
from __future__ import annotations

import json
from http import HTTPStatus

import orjson
from flask.json.provider import DefaultJSONProvider

from .errors import render
from .exchange import Answer

JSON = "application/json"
#: Marks an answer a fault rule gave instead of the real one (its value: the rule's id).
FAULT_HEADER = "X-Hypertrack-Mock-Fault"
#: The half body a truncated drop sends.
PARTIAL_BODY = b'{"route_handle": "'


def encode(document) -> bytes:
    """``document`` as compact JSON and a newline, as Flask answers it.

    orjson does it several times faster than the standard library, which stays the fallback for what
    orjson refuses: integers beyond 64 bits, which a client may send in ``metadata`` and get back.
    """
    try:
        return orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def json_answer(document, status: int = 200, headers: dict | None = None) -> Answer:
    pairs = [("Content-Type", JSON)]
    if headers:
        pairs.extend(headers.items())
    return Answer(status, pairs, encode(document))


def options_answer(methods) -> Answer:
    """``OPTIONS``: the methods a path answers, in the ``Allow`` header and as JSON."""
    allowed = sorted(methods)
    return json_answer({"allow": allowed}, 200, {"Allow": ", ".join(allowed)})


def error_answer(error: Exception) -> Answer:
    """The answer to a request refused with ``error`` (the one error handler's rendering)."""
    status, body, headers = render(error)
    return json_answer(body, status, headers)


def default_fault_body(status: int) -> dict:
    """HyperTrack's (APIFlask's) shape for a status: ``{"detail": {}, "message": "<reason>"}``."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return {"detail": {}, "message": reason}


def fault_answer(fault) -> Answer:
    """What a fault rule sends instead of the real answer: a dropped connection, or its status and body."""
    if fault.drop:
        return Answer(200, [("Content-Type", JSON), ("Content-Length", str(len(PARTIAL_BODY) * 2 + 1))],
                      PARTIAL_BODY, drop=fault.drop)
    rule = fault.rule
    body = rule["body"] if "body" in rule else default_fault_body(fault.status)
    headers = [("Content-Type", JSON)] if body is not None else []
    headers.extend((rule.get("headers") or {}).items())
    headers.append((FAULT_HEADER, str(fault.id)))
    return Answer(fault.status, headers, b"" if body is None else encode(body))


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON for the control plane, encoded as the data plane's answers are (``encode``)."""

    sort_keys = False  # keep the order the code writes (code, title, detail; route before orders)

    def response(self, *args, **kwargs):
        if self._app.debug or kwargs or len(args) != 1:
            return super().response(*args, **kwargs)
        return self._app.response_class(encode(args[0]), mimetype=self.mimetype)
