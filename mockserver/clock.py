"""A tenant's clock: real UTC time, or an instant frozen (and moved) by the control plane."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from .schemas.fields import format_timestamp


class Clock:
    def __init__(self):
        self._lock = threading.Lock()
        self.frozen_at: datetime | None = None
        self.offset = timedelta(0)

    def now(self) -> datetime:
        with self._lock:
            if self.frozen_at is not None:
                return self.frozen_at
            return datetime.now(timezone.utc) + self.offset

    def now_iso(self) -> str:
        return format_timestamp(self.now())

    def freeze(self, instant: datetime | None) -> None:
        """Stop the clock at ``instant``, or let it run again (from now) with ``None``."""
        with self._lock:
            self.frozen_at = instant.astimezone(timezone.utc) if instant else None
            self.offset = timedelta(0)

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self.frozen_at is not None:
                self.frozen_at += timedelta(seconds=seconds)
            else:
                self.offset += timedelta(seconds=seconds)
