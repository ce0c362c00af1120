"""The journal: what the data plane was asked and what it answered, bounded, per tenant and server-wide.

Entries keep the raw bytes of both bodies; they are decoded only when read (``web.journal``), so
recording costs little on the hot path.  The oldest entries are dropped first once the cap is
reached, and the drops counted.
"""
from __future__ import annotations

import fnmatch
import itertools
import threading
from collections import deque

_ids = itertools.count(1)


class Entry:
    """One request and its answer: ``headers`` as received, bodies as bytes, ``status`` None if dropped."""

    __slots__ = ("id", "received_at", "tenant", "method", "path", "query", "headers", "body", "status",
                 "response", "reason", "fault", "duration_ms")

    def __init__(self, received_at, tenant, method, path, query, headers, body, status, response, reason, fault,
                 duration_ms):
        self.id = next(_ids)
        self.received_at, self.tenant, self.method, self.path, self.query = received_at, tenant, method, path, query
        self.headers, self.body, self.status, self.response = headers, body, status, response
        self.reason, self.fault, self.duration_ms = reason, fault, duration_ms

    def matches(self, method=None, path=None, status=None) -> bool:
        """Whether the entry passes the journal's filters: a method, a path (``*`` patterns), a status
        (``404``), a class (``4xx``) or ``dropped``."""
        if method and self.method != method:
            return False
        if path and not (fnmatch.fnmatchcase(self.path, path) if "*" in path else self.path == path):
            return False
        if status:
            shown = "dropped" if self.status is None else str(self.status)
            if (status.endswith("xx") and shown[0] != status[0]) or (not status.endswith("xx") and shown != status):
                return False
        return True


class Journal:
    """The last ``cap`` entries (0: none kept), oldest first."""

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

    def select(self, method=None, path=None, status=None, limit=None) -> tuple[list[Entry], int]:
        """The entries passing the filters (the last ``limit`` of them), and how many were dropped."""
        with self._lock:
            entries = list(self.entries)
            dropped = self.dropped
        chosen = [e for e in entries if e.matches(method, path, status)]
        if limit:
            chosen = chosen[-limit:]
        return chosen, dropped
