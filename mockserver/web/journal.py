"""The journal step: each data-plane exchange recorded (tenant and server-wide), and entries shown as JSON."""
from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote_plus

from ..models.clock import isoformat
from ..models.journal import Cut, Entry

#: Where secrets travel: the token call's form (``client_secret``) and answer (``access_token``), and the
#: control plane's admin token, sent by mistake on a data-plane call.  Any request's query string or body
#: that names a ``client_secret`` has it redacted too: the journal keeps no secret, wherever it was sent.
TOKEN_PATH = "/oauth/token"
REDACTED = "[redacted]"
SECRET_FIELD = "client_secret"
_SECRET_HEADERS = ("authorization", "x-mock-admin-token")
_SECRET_PART = re.compile(rb'(name="?client_secret"?\r\n(?:[^\r\n]+\r\n)*\r\n)[^\r]*')
_JSON_START = re.compile(rb"[ \t\r\n]*[{\[]")


def record(backend, request, caller, answer, fault, reason: str | None, outcome: tuple | None = None) -> None:
    """Journal one request and what it got (``answer.drop``: nothing, the connection was cut), its secrets
    redacted: in the server's journal, and in the journal of the caller's tenant if it has one; and count
    its ``outcome`` (``(operation, status, code)``, None if it named no operation) in their coverage."""
    dropped = answer.drop is not None
    response = None if dropped else answer.body
    if request.path == TOKEN_PATH:
        response = _without_token(response)
    headers = request.headers
    if any(name in _SECRET_HEADERS for name, _ in headers):
        headers = [(name, redact(value) if name in _SECRET_HEADERS else value) for name, value in headers]
    backend.record(Entry(
        request.received_at, caller.account, request.method, request.path, _without_secret_field(request.query),
        headers, _without_secrets(request.body or None), None if dropped else answer.status, response, reason,
        fault.id if fault is not None else None, round((time.perf_counter() - request.started) * 1000, 3),
        answer.ignored,
    ), caller.tenant, outcome)


def _without_secret_field(form: str) -> str:
    """A query string (or URL-encoded form) with the value of any ``client_secret`` redacted, however its
    name is encoded (``client%5Fsecret`` is the same field); the rest kept as sent."""
    if "secret" not in form and "%" not in form:  # the common case, without splitting
        return form
    parts = form.split("&")
    for index, part in enumerate(parts):
        name, equals, _ = part.partition("=")
        if equals and unquote_plus(name) == SECRET_FIELD:
            parts[index] = f"{name}={REDACTED}"
    return "&".join(parts)


def _without_secrets(body: bytes | None) -> bytes | None:
    """A body with any ``client_secret`` redacted: a JSON document's (at any depth), a URL-encoded form's
    or a multipart form's."""
    if not body:
        return body
    # Each test below scans the body without copying it: every data-plane request comes here.
    if _JSON_START.match(body):
        return _without_json_secret(body)
    if b"secret" in body or b"%" in body:
        body = _without_secret_field(body.decode("latin-1")).encode("latin-1")
    if b"client_secret" in body:
        body = _SECRET_PART.sub(rb"\g<1>" + REDACTED.encode(), body)
    return body


def _without_json_secret(body: bytes) -> bytes:
    """A JSON body with the value of every ``client_secret`` key redacted (re-serialized only if it had one)."""
    if b"client_secret" not in body and b"\\u" not in body:  # no such key, even escaped
        return body
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return body
    found, pending = False, [document]
    while pending:  # a loop, not recursion: the document may be nested as deep as the parser went
        node = pending.pop()
        if isinstance(node, dict):
            if SECRET_FIELD in node:
                node[SECRET_FIELD], found = REDACTED, True
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    if not found:
        return body
    try:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    except RecursionError:
        return REDACTED.encode()


def _without_token(response: bytes | None) -> bytes | None:
    """A token call's answer with its ``access_token`` redacted."""
    try:
        document = json.loads(response) if response else None
    except ValueError:
        return response
    if isinstance(document, dict) and "access_token" in document:
        return json.dumps(dict(document, access_token=REDACTED), separators=(",", ":")).encode()
    return response


def render(entry: Entry) -> dict:
    """An entry as ``GET /__mock/requests`` shows it: bodies decoded, ``Authorization`` redacted, and
    ``ignored_parameters`` when the answer did not apply some of the query's."""
    shown = {
        "id": entry.id,
        "received_at": isoformat(datetime.fromtimestamp(entry.received_at, timezone.utc)),
        "tenant": entry.tenant,
        "method": entry.method,
        "path": entry.path,
        "query": {k: v if len(v) > 1 else v[0] for k, v in parse_qs(entry.query, keep_blank_values=True).items()},
        "headers": _headers(entry.headers),
        "body": _decode(entry.body),
        "status": entry.status,
        "response": _decode(entry.response),
        "reason": entry.reason,
        "fault": entry.fault,
        "duration_ms": entry.duration_ms,
    }
    if entry.ignored:
        shown["ignored_parameters"] = list(entry.ignored)
    return shown


def read(journal, method=None, path=None, status=None, limit=None) -> dict:
    entries, dropped = journal.select(method, path, status, limit)
    return {"requests": [render(e) for e in entries], "dropped": dropped, "cap": journal.cap}


def _headers(pairs) -> dict:
    """Header names in their usual spelling (``Content-Type``), repeated ones joined with ", ", values
    read as UTF-8 where they are, and the ``Authorization`` value redacted."""
    headers: dict[str, str] = {}
    for key, value in pairs:
        name = "-".join(part.capitalize() for part in key.split("-"))
        try:
            value = value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        if name == "Authorization":  # redacted when recorded too; entries recorded before kept it
            value = redact(value)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def redact(value: str) -> str:
    """A credential's value redacted, its scheme (``Basic``, ``Bearer``) kept."""
    scheme, _, credential = value.partition(" ")
    return f"{scheme} [redacted]" if credential else "[redacted]"


def _decode(raw):
    if not raw:
        return None
    if type(raw) is Cut:
        return {"truncated": True, "bytes": raw.size, "start": raw.start.decode("utf-8", "replace")}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # a body nested deeper than the parser goes is shown as text
        return raw.decode("utf-8", "replace")
