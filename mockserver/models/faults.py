"""Fault rules: which data-plane requests fail, wait or lose their connection, decided here and only here.

A rule is pure data (method, path pattern, what to do, how many times, how likely); carrying it out
(an answer, a wait, a dropped connection) is the web layer's and the server's job.
"""
from __future__ import annotations

import fnmatch
import itertools
import random
import threading

from .budget import deep_size

_ids = itertools.count(1)
#: What a rule costs besides its fields' values (the ``Fault``, its ``Random``, its path matcher).
FAULT_OVERHEAD = 3000


def fault_size(rule: dict) -> int:
    """What a rule holds in memory, its body included."""
    return FAULT_OVERHEAD + deep_size(rule)


class Fault:
    """One validated rule, with its remaining uses and its own random draws."""

    def __init__(self, rule: dict):
        self.id = next(_ids)
        self.rule = rule
        self.remaining = rule.get("times")
        self.random = random.Random(rule["seed"]) if rule.get("seed") is not None else random.Random()
        path = rule["path"]
        self._match_path = (lambda p: fnmatch.fnmatchcase(p, path)) if "*" in path else path.__eq__
        #: what the rule holds in memory, its body included
        self.size = fault_size(rule)
        body = rule.get("body")
        #: the ``code`` of the body it answers, if that is one of HyperTrack's business errors (coverage)
        self.code = body["code"] if isinstance(body, dict) and isinstance(body.get("code"), str) else None

    @property
    def delay_seconds(self) -> float:
        return (self.rule.get("delay_ms") or 0) / 1000

    @property
    def drop(self) -> str | None:
        """How the connection is dropped (``reset``, ``empty``, ``truncated``), or None."""
        return self.rule.get("drop_connection")

    @property
    def status(self) -> int | None:
        """The status answered instead of the real answer, or None (the real answer follows)."""
        return self.rule.get("status")

    def matches(self, method: str, path: str) -> bool:
        return self.rule["method"] in ("*", method) and self._match_path(path)

    def describe(self) -> dict:
        return {"id": self.id, **self.rule, "remaining": self.remaining}


class FaultSet:
    """An ordered list of rules; the first matching rule whose draw succeeds is applied (and used up)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.faults: list[Fault] = []

    @property
    def bytes(self) -> int:
        """What the rules in force hold in memory."""
        return sum(fault.size for fault in self.faults)

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
        """The first rule that matches and whose draw succeeds, with one use counted; None if none."""
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
