"""Clocks and timestamps: the server's clock, each tenant's, and HyperTrack's way of writing an instant.

Real UTC time by default; the control plane can freeze a clock at an instant, move it, and release it.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone


def isoformat(instant: datetime) -> str:
    """An aware datetime as HyperTrack writes it: UTC, milliseconds, ``Z`` (``2023-11-01T22:47:56.027Z``)."""
    if instant.tzinfo is not timezone.utc:  # what the clock and the request schemas give is UTC already
        instant = instant.astimezone(timezone.utc)
    return instant.isoformat(timespec="milliseconds")[:-6] + "Z"  # "+00:00" -> "Z"


_wall = [0, ""]  # [the millisecond, its ISO string]: the last one written


def wall_now_iso() -> str:
    """Real UTC time as ``isoformat`` writes it, whatever any clock says (when a webhook is made);
    written once a millisecond, since it may be asked for thousands of times in one."""
    millisecond = time.time_ns() // 1_000_000
    if millisecond != _wall[0]:
        _wall[1] = isoformat(datetime.fromtimestamp(millisecond / 1000, timezone.utc))
        _wall[0] = millisecond
    return _wall[1]


def parse(text: str) -> datetime:
    """An instant ``isoformat`` wrote, back into an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


#: What a clock may be moved by at once: a hundred years, either way.
MAX_ADVANCE_SECONDS = 100 * 365.25 * 24 * 3600
#: ``Clock.change``'s "leave it as it is".
KEEP = object()


class ClockOutOfRange(ValueError):
    """A change that would take a clock out of the dates Python (and HyperTrack's format) can write."""


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

    def is_frozen(self) -> bool:
        """Whether the clock stands still (frozen itself, or following a frozen parent)."""
        return self.frozen_at is not None or (self.parent is not None and self.parent.is_frozen())

    def now_iso(self) -> str:
        return isoformat(self.now())

    def changed(self, freeze=KEEP, advance: float = 0.0) -> tuple[datetime | None, timedelta]:
        """``(frozen_at, offset)`` after freezing at ``freeze`` (``None``: running again) and then moving
        by ``advance`` seconds; ``ClockOutOfRange`` if that leaves the range of dates.  Changes nothing."""
        frozen_at, offset = (self.frozen_at, self.offset) if freeze is KEEP else (
            freeze.astimezone(timezone.utc) if freeze else None, timedelta(0))
        try:
            delta = timedelta(seconds=advance)
            if frozen_at is not None:
                frozen_at += delta
            else:
                offset += delta
                (self.parent.now() if self.parent is not None else datetime.now(timezone.utc)) + offset
        except OverflowError:
            raise ClockOutOfRange("The clock would leave the range of dates (years 1 to 9999).") from None
        return frozen_at, offset

    def set(self, state: tuple[datetime | None, timedelta]) -> None:
        """Take a state ``changed`` computed."""
        with self._lock:
            self.frozen_at, self.offset = state

    def change(self, freeze=KEEP, advance: float = 0.0) -> None:
        """Freeze (or release) and move the clock at once, or change nothing (``ClockOutOfRange``)."""
        with self._lock:
            self.frozen_at, self.offset = self.changed(freeze, advance)

    def freeze(self, instant: datetime | None) -> None:
        """Stop the clock at ``instant``; with ``None``, let it run again (and follow its parent)."""
        self.change(instant)

    def advance(self, seconds: float) -> None:
        self.change(KEEP, seconds)

    def describe(self) -> dict:
        return {"now": self.now_iso(),
                "frozen_at": isoformat(self.frozen_at) if self.frozen_at else None,
                "offset_seconds": self.offset.total_seconds()}
