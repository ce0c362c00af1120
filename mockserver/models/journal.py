"""The journal: what the data plane was asked and what it answered, bounded, per tenant and server-wide.

Entries keep the raw bytes of both bodies (or, past ``MAX_KEPT_BODY``, their start and their length);
they are decoded only when read (``web.journal``), so recording costs little on the hot path.  A
journal is bounded in entries and in bytes: the oldest entries are dropped first, and counted.
"""
from __future__ import annotations

import fnmatch
import itertools
import threading
from collections import deque
from typing import NamedTuple

_ids = itertools.count(1)
#: A body (sent or answered) longer than this is kept as its first ``KEPT_START`` bytes and its length.
MAX_KEPT_BODY = 64 * 1024
KEPT_START = 1024
#: What a ``Cut`` costs besides the bytes of its start (the object, its ``bytes`` and ``int``).
CUT_OVERHEAD = 120
#: What an entry costs besides the characters of its path, query, bodies and headers: the tuple and
#: its fields (id, times, path, query, the two bodies' ``bytes`` objects, the list of headers) and the
#: journal's slot, measured with ``tracemalloc`` on CPython 3.11 (about 290 bytes), rounded up.
ENTRY_OVERHEAD = 320
#: What each header costs besides its characters: its tuple, its slot in the list, its name's and its
#: value's ``str`` objects (56 + 8 + 49 + 49 bytes on CPython 3.11; a header of one-byte name and
#: value costs about 120 bytes, not 2).
HEADER_OVERHEAD = 162
#: What the names of the query parameters an answer did not apply cost besides their characters: the
#: tuple (40 bytes, and 8 a slot) and each name's ``str`` object (49 bytes), on CPython 3.11.
IGNORED_OVERHEAD = 40
IGNORED_NAME_OVERHEAD = 57


class Cut:
    """The start of a body too long to keep whole, and its whole length."""

    __slots__ = ("start", "size")

    def __init__(self, raw: bytes):
        self.start, self.size = raw[:KEPT_START], len(raw)


def kept(raw: bytes | None):
    """``raw`` as a journal keeps it: whole, or past ``MAX_KEPT_BODY`` its start and length (a ``Cut``).

    Kept whole, it is copied: an answer's bytes come from orjson, which allocates at least 4 KiB for
    each (its buffer, never shrunk), so that keeping the original would cost twice what it counts."""
    if raw is None:
        return None
    return Cut(raw) if len(raw) > MAX_KEPT_BODY else bytes(memoryview(raw))


def _length(body) -> int:
    """What a kept body costs besides the entry's overhead: its bytes (and a ``Cut``'s own object)."""
    return 0 if body is None else len(body.start) + CUT_OVERHEAD if type(body) is Cut else len(body)


class EntryFields(NamedTuple):
    """What an ``Entry`` holds, by name."""

    id: int
    received_at: float
    tenant: str | None
    method: str
    path: str
    query: str
    headers: list
    body: bytes | Cut | None
    status: int | None
    response: bytes | Cut | None
    reason: str | None
    fault: str | None
    duration_ms: float
    ignored: tuple
    size: int


class Entry(EntryFields):
    """One request and its answer: ``headers`` as received, bodies as bytes (or ``Cut``), ``status`` None
    if the connection was dropped, ``ignored`` the query parameters the answer did not apply; ``id`` is
    drawn and ``size`` (what it holds, in bytes) reckoned when it is made, from the other fields.

    A ``NamedTuple`` cannot define its own ``__new__``; its subclass (no ``__dict__``: empty slots) can,
    and so keeps the one constructor every caller uses."""

    __slots__ = ()

    def __new__(cls, received_at, tenant, method, path, query, headers, body, status, response, reason, fault,
                duration_ms, ignored=()):
        body, response = kept(body), kept(response)
        size = (ENTRY_OVERHEAD + len(path) + len(query) + _length(body) + _length(response)
                + HEADER_OVERHEAD * len(headers) + sum(len(name) + len(value) for name, value in headers))
        if ignored:
            size += IGNORED_OVERHEAD + sum(IGNORED_NAME_OVERHEAD + len(name) for name in ignored)
        return tuple.__new__(cls, (next(_ids), received_at, tenant, method, path, query, headers, body, status,
                                   response, reason, fault, duration_ms, tuple(ignored), size))

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
    """The last entries, at most ``cap`` of them (0: none kept) and ``max_bytes`` of them, oldest first."""

    def __init__(self, cap: int, max_bytes: int):
        self.cap = cap
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self.entries: deque[Entry] = deque()
        self.bytes = 0
        self.dropped = 0

    def record(self, entry: Entry) -> None:
        if self.cap <= 0 or entry.size > self.max_bytes:
            self.dropped += 1
            return
        with self._lock:
            entries = self.entries
            while entries and (len(entries) >= self.cap or self.bytes + entry.size > self.max_bytes):
                self.bytes -= entries.popleft().size
                self.dropped += 1
            entries.append(entry)
            self.bytes += entry.size

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()
            self.bytes = 0
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
