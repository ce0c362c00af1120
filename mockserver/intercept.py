"""Around every data-plane request: fault rules before it is answered, and the journal after.

These hooks belong to neither plane: they see HyperTrack's endpoints from outside, as a proxy would.
"""
from __future__ import annotations

import time

from apiflask import HTTPError
from flask import Response, request
from werkzeug.exceptions import HTTPException

from .app import EXTENSION
from .auth import account_for, refusal_reason
from .faults import default_body, dropping_body, truncated_length
from .journal import Entry
from .scenarios import flatten

NOT_DATA_PLANE = ("/__mock/", "/openapi.json", "/docs")
#: Marks an answer a fault rule gave instead of the real one (its value: the rule's id).
FAULT_HEADER = "X-Hypertrack-Mock-Fault"
#: The half body a truncated drop sends.
PARTIAL_BODY = b'{"route_handle": "'


#: Requests with more header bytes than this are refused with 431 (waitress's own, cruder, limit is 256 KiB).
MAX_HEADER_BYTES = 64 * 1024


#: Where the hooks keep what they saw of a request, in its WSGI environ.
SEEN = "hypertrack_mock.seen"


class Seen:
    """What the hooks saw of one data-plane request (plain attributes: cheaper than ``flask.g``)."""

    __slots__ = ("received_at", "started", "headers", "account", "fault", "dropped", "body")

    def __init__(self, received_at, started, headers, account):
        self.received_at, self.started, self.headers, self.account = received_at, started, headers, account
        self.fault = self.dropped = self.body = None


def seen(environ) -> Seen | None:
    return environ.get(SEEN)


#: Where a server that waits out delays itself (``rsgi.Bridge``) leaves the fault it took, once it
#: has found the headers within the limit: ``(account, fault, received_at, started, headers)``.
TAKEN = "hypertrack_mock.taken"


def take_fault(store, authorization: str | None, method: str, path: str):
    """``(account, fault)``: the caller's account (None if missing or refused: the view answers 401)
    and the first fault rule matching the request, used up; the tenant's rules first, then the server's."""
    try:
        account = account_for(store, authorization)
    except HTTPError:
        account = None
    fault = store.tenant(account).faults.take(method, path) if account else None
    return account, fault or store.faults.take(method, path)


def request_headers(environ) -> list[tuple[str, str]]:
    """The request's headers as WSGI environ entries (what the journal keeps)."""
    return [(k, v) for k, v in environ.items() if k[:5] == "HTTP_" or k[:8] == "CONTENT_"]


def header_bytes(headers) -> int:
    return sum(len(k) + len(v) for k, v in headers)


def install(app) -> None:
    state = app.extensions[EXTENSION]

    @app.before_request
    def intercept():
        """Refuse huge headers, note the caller, and apply the first matching fault rule."""
        req = request._get_current_object()
        environ = req.environ
        taken = environ.get(TAKEN)
        if taken is None:
            headers = request_headers(environ)
            if header_bytes(headers) > MAX_HEADER_BYTES:
                raise HTTPError(431, "Request Header Fields Too Large", detail={
                    "headers": [f"The request headers are larger than the {MAX_HEADER_BYTES}-byte limit."]})
            path = req.path
            if path.startswith(NOT_DATA_PLANE):
                return None
            received, started = time.time(), time.perf_counter()
            account, fault = take_fault(state.store, environ.get("HTTP_AUTHORIZATION"), req.method, path)
        else:  # the server checked the headers, took the fault and waited out its delay, before the app
            account, fault, received, started, headers = taken
        environ[SEEN] = request_seen = Seen(received, started, headers, account)
        if fault is None:
            return None
        request_seen.fault = fault
        rule = fault.rule
        if rule.get("delay_ms") and taken is None:
            with state.blocking():
                time.sleep(rule["delay_ms"] / 1000)
        if rule.get("drop_connection"):
            request_seen.dropped = rule["drop_connection"]
            return _dropped(environ, rule["drop_connection"])
        if rule.get("status") is None:
            return None  # a delay alone: the real answer follows
        body = rule["body"] if "body" in rule else default_body(rule["status"])
        response = Response() if body is None else app.json.response(body)
        response.status_code = rule["status"]
        response.headers.update(rule.get("headers") or {})
        response.headers[FAULT_HEADER] = str(fault.id)
        return response

    @app.after_request
    def record(response):
        """Journal the request and its answer, in the caller's tenant and server-wide."""
        req = request._get_current_object()
        request_seen = req.environ.get(SEEN)
        if request_seen is None:
            return response
        dropped, fault, account = request_seen.dropped, request_seen.fault, request_seen.account
        entry = Entry(
            request_seen.received_at, account, req.method, req.path, req.environ.get("QUERY_STRING", ""),
            request_seen.headers,
            (request_seen.body or None) if request_seen.body is not None else _request_body(req),
            None if dropped else response.status_code,
            None if dropped or response.is_streamed else response.get_data(),
            _reason(state.store, req, response, dropped, fault),
            fault.id if fault else None,
            round((time.perf_counter() - request_seen.started) * 1000, 3),
        )
        state.store.record(entry)
        return response


def _dropped(environ, mode: str) -> Response:
    response = Response(dropping_body(environ, mode, PARTIAL_BODY), status=200, mimetype="application/json")
    response.headers["Content-Length"] = str(truncated_length(PARTIAL_BODY))  # more than will be sent
    return response


def _request_body(req) -> bytes | None:
    """The body as received, or None when it was refused unread (over the size limit)."""
    try:
        return req.get_data(cache=True) or None
    except HTTPException:
        return None


def _reason(store, req, response, dropped, fault) -> str | None:
    """Why the request was not answered as asked: the fault, or the refusal in a few words."""
    if dropped:
        return f"connection dropped by fault {fault.id} ({dropped})"
    if fault is not None and fault.rule.get("status") is not None:
        return f"fault {fault.id}"
    if response.status_code < 400:
        return None
    if response.status_code == 401:
        return refusal_reason(store, req.headers.get("Authorization"))
    if req.url_rule is None and response.status_code in (404, 405):
        return f"no {req.method} endpoint at {req.path}"
    body = response.get_json(silent=True) or {}
    if "code" in body:
        return f"{body['code']}: {body.get('title')}"
    detail = body.get("detail")
    problems = "; ".join(f"{path}: {text}" for path, text in flatten(detail)) if detail else ""
    return f"{body.get('message', response.status)}" + (f" ({problems})" if problems else "")
