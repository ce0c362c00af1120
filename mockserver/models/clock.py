"""Clocks and timestamps: the server's clock, each tenant's, and HyperTrack's way of writing an instant.

Real UTC time by default; the control plane can freeze a clock at an instant, move it, and release it.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


def isoformat(instant: datetime) -> str:
    """An aware datetime as HyperTrack writes it: UTC, milliseconds, ``Z`` (``2023-11-01T22:47:56.027Z``)."""
    if instant.tzinfo is not timezone.utc:  # what the clock and the request schemas give is UTC already
        instant = instant.astimezone(timezone.utc)
    return instant.isoformat(timespec="milliseconds")[:-6] + "Z"  # "+00:00" -> "Z"


class Clock:
    """A clock that follows its parent (or real time) unless frozen or moved."""

    def __init__(self, parent: Clock | None = None):
        self._lock = threading.Lock()
        self.parent = parent
        self.frozen_at: datetime | None = None
        self.offset = timedelta(0)

    def now(self) -> datetime:
        frozen_at, offset = self.frozen_at, self.offset
        if frozen_at is not None:
            return frozen_at
        base = self.parent.now() if self.parent is not None else datetime.now(timezone.utc)
        return base + offset

    def now_iso(self) -> str:
        return isoformat(self.now())

    def freeze(self, instant: datetime | None) -> None:
        """Stop the clock at ``instant``; with ``None``, let it run again (and follow its parent)."""
        with self._lock:
            self.frozen_at = instant.astimezone(timezone.utc) if instant else None
            self.offset = timedelta(0)

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self.frozen_at is not None:
                self.frozen_at += timedelta(seconds=seconds)
            else:
                self.offset += timedelta(seconds=seconds)

    def describe(self) -> dict:
        return {"now": self.now_iso(),
                "frozen_at": isoformat(self.frozen_at) if self.frozen_at else None,
                "offset_seconds": self.offset.total_seconds()}
