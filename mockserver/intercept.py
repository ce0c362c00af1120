"""Around every data-plane request: fault rules before it is answered, and the journal after.

These hooks belong to neither plane: they see HyperTrack's endpoints from outside, as a proxy would.
"""
from __future__ import annotations

import time

from flask import Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from .app import mock
from .auth import account_for, refusal_reason
from .faults import default_body, drop_connection
from .journal import Entry
from .scenarios import flatten

NOT_DATA_PLANE = ("/__mock/", "/openapi.json", "/docs")
#: Marks an answer a fault rule gave instead of the real one (its value: the rule's id).
FAULT_HEADER = "X-Hypertrack-Mock-Fault"
_PARTIAL_BODY = b'{"route_handle": "'


#: Requests with more header bytes than this are refused with 431 (waitress's own, cruder, limit is 256 KiB).
MAX_HEADER_BYTES = 64 * 1024


def install(app) -> None:
    app.before_request(refuse_huge_headers)
    app.before_request(apply_faults)
    app.after_request(record)


def refuse_huge_headers():
    size = sum(len(k) + len(v) for k, v in request.environ.items() if k.startswith("HTTP_") and isinstance(v, str))
    if size > MAX_HEADER_BYTES:
        from apiflask import HTTPError

        raise HTTPError(431, "Request Header Fields Too Large", detail={
            "headers": [f"The request headers are larger than the {MAX_HEADER_BYTES}-byte limit."]})


def _account() -> str | None:
    """The caller's account if its credentials are good, else None (the view answers 401 itself)."""
    try:
        return account_for(mock().store, request.headers.get("Authorization"))
    except Exception:
        return None


def apply_faults():
    if request.path.startswith(NOT_DATA_PLANE):
        return None
    g.received = time.time(), time.perf_counter()
    store = mock().store
    account = g.account = _account()
    fault = store.tenant(account).faults.take(request.method, request.path) if account else None
    fault = fault or store.faults.take(request.method, request.path)
    if fault is None:
        return None
    g.fault = fault
    rule = fault.rule
    if rule.get("delay_ms"):
        with mock().blocking():
            time.sleep(rule["delay_ms"] / 1000)
    if rule.get("drop_connection"):
        return _dropped(rule["drop_connection"])
    if rule.get("status") is None:
        return None  # a delay alone: the real answer follows
    body = rule["body"] if "body" in rule else default_body(rule["status"])
    response = Response() if body is None else current_app.json.response(body)
    response.status_code = rule["status"]
    response.headers.update(rule.get("headers") or {})
    response.headers[FAULT_HEADER] = str(fault.id)
    return response


def _dropped(mode: str) -> Response:
    environ = request.environ

    def body():
        drop_connection(environ, mode, _PARTIAL_BODY)
        yield b""  # pragma: no cover - drop_connection always raises

    g.dropped = mode
    return Response(body(), status=200, mimetype="application/json")


def record(response):
    if request.path.startswith(NOT_DATA_PLANE) or "received" not in g:
        return response
    received_at, started = g.received
    store = mock().store
    account = g.get("account")
    dropped = g.get("dropped")
    fault = g.get("fault")
    status = None if dropped else response.status_code
    entry = Entry(
        received_at=received_at, tenant=account, method=request.method, path=request.path,
        query=request.query_string.decode("latin-1"),
        headers=[(k, v) for k, v in request.environ.items() if k.startswith(("HTTP_", "CONTENT_"))],
        body=_request_body(),
        status=status,
        response=None if dropped or response.is_streamed else response.get_data(),
        reason=_reason(response, dropped, fault),
        fault=fault.id if fault else None,
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
    )
    if account:
        store.tenant(account).journal.record(entry)
    store.journal.record(entry)
    return response


def _request_body() -> bytes | None:
    """The body as received, or None when it was refused unread (over the size limit)."""
    try:
        return request.get_data(cache=True) or None
    except HTTPException:
        return None


def _reason(response, dropped, fault) -> str | None:
    """Why the request was not answered as asked: the fault, or the refusal in a few words."""
    if dropped:
        return f"connection dropped by fault {fault.id} ({dropped})"
    if fault is not None and fault.rule.get("status") is not None:
        return f"fault {fault.id}"
    if response.status_code < 400:
        return None
    if response.status_code == 401:
        return refusal_reason(mock().store, request.headers.get("Authorization"))
    if request.url_rule is None and response.status_code in (404, 405):
        return f"no {request.method} endpoint at {request.path}"
    body = response.get_json(silent=True) or {}
    if "code" in body:
        return f"{body['code']}: {body.get('title')}"
    detail = body.get("detail")
    problems = "; ".join(f"{path}: {text}" for path, text in flatten(detail)) if detail else ""
    return f"{body.get('message', response.status)}" + (f" ({problems})" if problems else "")
