"""The journal step: each data-plane exchange recorded (tenant and server-wide), and entries shown as JSON."""
from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs

from ..models.clock import isoformat
from ..models.journal import Cut, Entry

#: Where secrets travel in bodies: the token call's form (``client_secret``) and answer (``access_token``).
TOKEN_PATH = "/oauth/token"
REDACTED = "[redacted]"
_SECRET_FIELD = re.compile(rb"(client_secret=)[^&]*")
_SECRET_PART = re.compile(rb'(name="client_secret"\r\n\r\n)[^\r]*')


def record(backend, request, account: str | None, answer, fault, reason: str | None) -> None:
    """Journal one request and what it got (``answer.drop``: nothing, the connection was cut)."""
    dropped = answer.drop is not None
    body, response = request.body or None, None if dropped else answer.body
    if request.path == TOKEN_PATH:
        body, response = _without_secrets(body), _without_token(response)
    backend.record(Entry(
        request.received_at, account, request.method, request.path, request.query, request.headers,
        body, None if dropped else answer.status, response, reason, fault.id if fault is not None else None,
        round((time.perf_counter() - request.started) * 1000, 3),
    ))


def _without_secrets(body: bytes | None) -> bytes | None:
    """A token call's form with its ``client_secret`` redacted (URL-encoded or multipart)."""
    if not body:
        return body
    body = _SECRET_FIELD.sub(rb"\g<1>" + REDACTED.encode(), body)
    return _SECRET_PART.sub(rb"\g<1>" + REDACTED.encode(), body)


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
    """An entry as ``GET /__mock/requests`` shows it: bodies decoded, ``Authorization`` redacted."""
    return {
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
        if name == "Authorization":
            value = _redact(value)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _redact(value: str) -> str:
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
