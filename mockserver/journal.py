"""The journal: what the data plane was asked and what it answered, bounded, per tenant and server-wide.

Entries keep the raw bytes of both bodies and are decoded only when read, so recording costs little on
the hot path.  The oldest entries are dropped first once the cap is reached, and the drops counted.
"""
from __future__ import annotations

import fnmatch
import itertools
import json
import threading
from collections import deque
from datetime import datetime, timezone
from urllib.parse import parse_qs

from .schemas.fields import format_timestamp

_ids = itertools.count(1)
#: Journaled bodies longer than this are shown cut, with their length.
MAX_SHOWN_BODY = 64 * 1024


class Entry:
    __slots__ = ("id", "received_at", "tenant", "method", "path", "query", "headers", "body", "status",
                 "response", "reason", "fault", "duration_ms")

    def __init__(self, received_at, tenant, method, path, query, headers, body, status, response, reason, fault,
                 duration_ms):
        self.id = next(_ids)
        self.received_at, self.tenant, self.method, self.path, self.query = received_at, tenant, method, path, query
        self.headers, self.body, self.status, self.response = headers, body, status, response
        self.reason, self.fault, self.duration_ms = reason, fault, duration_ms

    def render(self) -> dict:
        return {
            "id": self.id,
            "received_at": format_timestamp(datetime.fromtimestamp(self.received_at, timezone.utc)),
            "tenant": self.tenant,
            "method": self.method,
            "path": self.path,
            "query": {k: v if len(v) > 1 else v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()},
            "headers": _headers(self.headers),
            "body": _decode(self.body),
            "status": self.status,
            "response": _decode(self.response),
            "reason": self.reason,
            "fault": self.fault,
            "duration_ms": self.duration_ms,
        }

    def matches(self, method=None, path=None, status=None) -> bool:
        if method and self.method != method:
            return False
        if path and not (fnmatch.fnmatchcase(self.path, path) if "*" in path else self.path == path):
            return False
        if status:
            shown = "dropped" if self.status is None else str(self.status)
            if status.endswith("xx") and shown[0] != status[0] or not status.endswith("xx") and shown != status:
                return False
        return True


def _headers(environ_items) -> dict:
    """WSGI environ entries back to header names, the ``Authorization`` value redacted."""
    headers = {}
    for key, value in environ_items:
        name = key[5:] if key.startswith("HTTP_") else key
        name = "-".join(part.capitalize() for part in name.split("_"))
        headers[name] = _redact(value) if name == "Authorization" else value
    return headers


def _redact(value: str) -> str:
    scheme, _, credential = value.partition(" ")
    return f"{scheme} [redacted]" if credential else "[redacted]"


def _decode(raw: bytes | None):
    if not raw:
        return None
    if len(raw) > MAX_SHOWN_BODY:
        return {"truncated": True, "bytes": len(raw), "start": raw[:1024].decode("utf-8", "replace")}
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


class Journal:
    def __init__(self, cap: int):
        self.cap = cap
        self._lock = threading.Lock()
        self.entries: deque[Entry] = deque()
        self.dropped = 0

    def record(self, entry: Entry) -> None:
        if self.cap <= 0:
            self.dropped += 1
            return
        with self._lock:
            if len(self.entries) >= self.cap:
                self.entries.popleft()
                self.dropped += 1
            self.entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()
            self.dropped = 0

    def read(self, method=None, path=None, status=None, limit=None) -> dict:
        with self._lock:
            entries = list(self.entries)
            dropped = self.dropped
        chosen = [e for e in entries if e.matches(method, path, status)]
        if limit:
            chosen = chosen[-limit:]
        return {"requests": [e.render() for e in chosen], "dropped": dropped, "cap": self.cap}
