"""Generated values (UUIDs, device ids, names, points, share codes, keys), repeatable under a seed.

Faker makes the names; the rest, drawn on every request or when an account is first seen, come from
the same seeded source directly, so that Faker (a tenth of a second to import and build) is only
loaded once a name is needed.  Each tenant has its own ``FakeValues`` seeded from the server's seed
and the account id, so the values one tenant sees never depend on what other tenants did, and a reset
tenant sees the same values again.
"""
from __future__ import annotations

import random
import string
import threading
import uuid

_ALPHANUMERIC = string.ascii_letters + string.digits
_KEY_ALPHABET = _ALPHANUMERIC + "-_"

# One Faker shared by every source, built on first use: building one costs milliseconds, and
# swapping its source of randomness costs nothing.  The lock makes "swap, then draw" atomic.
_faker = None
_faker_lock = threading.Lock()


class FakeValues:
    """One tenant's (or the server's) source of generated values."""

    def __init__(self, seed: int | None, scope: str):
        self.random = random.Random(f"{seed}/{scope}") if seed is not None else random.Random()

    def _fake(self, method: str, *args, **kwargs):
        global _faker
        with _faker_lock:
            if _faker is None:
                from faker import Faker

                _faker = Faker("en_US")
            _faker.random = self.random
            return getattr(_faker, method)(*args, **kwargs)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.random.getrandbits(128), version=4))

    def device_id(self) -> str:
        """An iOS-style device id, as in HyperTrack's examples."""
        return self.uuid().upper()

    def name(self) -> str:
        return self._fake("name")

    def point(self) -> dict:
        """A GeoJSON point somewhere in the San Francisco Bay Area (where HyperTrack's examples are)."""
        return {"type": "Point", "coordinates": [round(self.random.uniform(-122.5, -121.7), 6),
                                                 round(self.random.uniform(37.2, 37.9), 6)]}

    def share_code(self) -> str:
        # On every tracked order, so drawn straight from the seeded source: Faker's lexify costs ten
        # calls per code, a fifth of a request.
        return "".join(self.random.choices(_ALPHANUMERIC, k=10))

    def publishable_key(self) -> str:
        return "".join(self.random.choices(_KEY_ALPHABET, k=86))
