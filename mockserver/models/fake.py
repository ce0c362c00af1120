"""Generated values (UUIDs, device ids, names, points, share codes, keys), repeatable under a seed.

Names are drawn from Faker's en_US first and last names with its weights, by the seeded source
directly (Faker's own ``name()`` costs 0.2 ms, five seconds for the 37,000 workers of a 1 MB scenario);
its data is only loaded once a name is needed.  Each tenant has its own ``FakeValues`` seeded from the server's seed
and the account id, so the values one tenant sees never depend on what other tenants did, and a reset
tenant sees the same values again.
"""
from __future__ import annotations

import bisect
import itertools
import random
import string
import threading

_ALPHANUMERIC = string.ascii_letters + string.digits
_KEY_ALPHABET = _ALPHANUMERIC + "-_"

#: The bits ``uuid.UUID(version=4)`` clears and sets: the variant (RFC 4122) and the version.
_UUID_CLEAR = ~((0xc000 << 48) | (0xf000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)
#: Faker's en_US first and last names and their cumulative weights, read on first use.
_names: tuple | None = None
_names_lock = threading.Lock()


def _name_data() -> tuple:
    global _names
    if _names is None:
        with _names_lock:
            if _names is None:
                from faker.providers.person.en_US import Provider

                _names = tuple((list(table), list(itertools.accumulate(table.values())))
                               for table in (Provider.first_names, Provider.last_names))
    return _names


class FakeValues:
    """One tenant's (or the server's) source of generated values."""

    def __init__(self, seed: int | None, scope: str):
        self.random = random.Random(f"{seed}/{scope}") if seed is not None else random.Random()

    def uuid(self) -> str:
        """A version 4 UUID: what ``str(uuid.UUID(int=bits, version=4))`` writes, without its checks (a
        fifth of the cost of a scenario's generated devices)."""
        bits = self.random.getrandbits(128) & _UUID_CLEAR | _UUID_SET
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def device_id(self) -> str:
        """An iOS-style device id, as in HyperTrack's examples."""
        return self.uuid().upper()

    def name(self) -> str:
        """A person's first and last name, as common as they are in the US."""
        (firsts, first_weights), (lasts, last_weights) = _name_data()
        draw = self.random.random  # what random.choices does with cum_weights, without its overhead
        first = firsts[bisect.bisect(first_weights, draw() * first_weights[-1], 0, len(firsts) - 1)]
        return f"{first} {lasts[bisect.bisect(last_weights, draw() * last_weights[-1], 0, len(lasts) - 1)]}"

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
