"""Fault rules: make matching data-plane requests fail, wait, or lose their connection, on demand."""
from __future__ import annotations

import fnmatch
import itertools
import random
import socket
import struct
import threading
from http import HTTPStatus

_ids = itertools.count(1)


def default_body(status: int) -> dict:
    """HyperTrack's (APIFlask's) error shape for a status: ``{"detail": {}, "message": "<reason>"}``."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return {"detail": {}, "message": reason}


class Fault:
    """One validated rule, with its remaining uses and its own random draws."""

    def __init__(self, rule: dict):
        self.id = next(_ids)
        self.rule = rule
        self.remaining = rule.get("times")
        self.random = random.Random(rule["seed"]) if rule.get("seed") is not None else random.Random()
        path = rule["path"]
        self._match_path = (lambda p: fnmatch.fnmatchcase(p, path)) if "*" in path else path.__eq__

    def matches(self, method: str, path: str) -> bool:
        return self.rule["method"] in ("*", method) and self._match_path(path)

    def describe(self) -> dict:
        return {"id": self.id, **self.rule, "remaining": self.remaining}


class FaultSet:
    """An ordered list of rules; the first matching rule whose draw succeeds is applied (and used up)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.faults: list[Fault] = []

    def add(self, rule: dict) -> Fault:
        fault = Fault(rule)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults = []

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            kept = [f for f in self.faults if f.id != fault_id]
            found = len(kept) != len(self.faults)
            self.faults = kept
            return found

    def describe(self) -> list[dict]:
        with self._lock:
            return [f.describe() for f in self.faults]

    def rules(self) -> list[dict]:
        """The rules as a scenario's ``faults`` holds them (remaining uses as ``times``)."""
        with self._lock:
            return [dict(f.rule, times=f.remaining) for f in self.faults]

    def take(self, method: str, path: str) -> Fault | None:
        if not self.faults:  # the common case, without the lock
            return None
        with self._lock:
            for fault in self.faults:
                if not fault.matches(method, path):
                    continue
                if fault.rule["probability"] < 1 and fault.random.random() >= fault.rule["probability"]:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self.faults.remove(fault)
                return fault
        return None


class ConnectionDropped(Exception):
    """Raised out of a response body after its connection was cut on purpose."""


def dropping_body(environ: dict, mode: str, partial: bytes):
    """A response body whose iteration cuts the connection (``mode``: reset, empty or truncated).

    Under waitress the socket is reached and cut as asked (``drop_connection``).  Where it cannot be
    reached, the body ends after one chunk (half a body for ``truncated``, nothing for the others),
    short of the ``Content-Length`` it promised, and the server closes the connection.  (Under granian,
    ``rsgi.Bridge`` does the cutting itself and never iterates this.)
    """
    if _waitress_socket(environ) is not None:
        drop_connection(environ, mode, partial)
    yield partial if mode == "truncated" else b""  # then ends short of its Content-Length


def truncated_length(partial: bytes) -> int:
    """The ``Content-Length`` a truncated answer promises: more than the two halves it sends."""
    return len(partial) * 2 + 1


def _waitress_socket(environ: dict):
    disconnected = environ.get("waitress.client_disconnected")
    return getattr(getattr(disconnected, "__self__", None), "socket", None)


def drop_connection(environ: dict, mode: str, partial: bytes = b"") -> None:
    """Cut the client's connection: ``reset`` (RST), ``empty`` (closed, nothing sent) or ``truncated``
    (headers promising more than the body that is sent).  Then raise so the server stops the request.

    WSGI has no portable way to reach the socket, so this knows where waitress keeps it; on a server
    where it cannot find one, it only raises, and the server closes the connection its own way.
    """
    sock = _waitress_socket(environ)
    if sock is not None:
        try:
            if mode == "truncated":
                head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\n\r\n" % truncated_length(partial))
                sock.sendall(head + partial)
                sock.shutdown(socket.SHUT_WR)
            elif mode == "empty":
                sock.shutdown(socket.SHUT_WR)
            else:  # a zero linger makes the server's close() send RST instead of FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    try:  # waitress closes a channel quietly on its own ClientDisconnected
        from waitress.channel import ClientDisconnected
    except ImportError:  # pragma: no cover - waitress is a dependency
        ClientDisconnected = ConnectionDropped
    raise ClientDisconnected(f"connection dropped by a fault ({mode})")
