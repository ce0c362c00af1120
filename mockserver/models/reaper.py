"""Freeing discarded tenants, so that a reset takes microseconds, and giving the memory back after.

A small tenant is simply dropped (freed at once, in the caller).  A large one is handed to a
background thread that takes it apart a slice at a time.  After a reset, once the thread is done,
it asks the C allocator to hand freed pages back to the system (glibc's ``malloc_trim``), so that the
process's RSS comes back down, as a long-running container's should.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import queue
import sys
import threading
import time

#: Entries (routes, orders, timelines, log items...) past which a tenant is taken apart in the background.
LARGE = 2000


def _malloc_trim():
    """glibc's ``malloc_trim(0)``, or None where there is none (another libc, another system)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


class Reaper:
    """Dismantles the large tenants it is handed, after a grace period, a slice at a time.

    Dropping the last reference to a tenant with 10,000 routes frees ~100,000 objects at once, which
    takes tens of milliseconds inside whichever request did it and holds the interpreter meanwhile.
    Handing it to this thread makes a reset take microseconds, and the slices let requests run between.
    A request that fetched the tenant just before the reset may still be using it, so the thread waits
    a grace period first, and takes the tenant's lock for each slice.
    """

    SLICE = 500
    GRACE_SECONDS = 1.0
    #: The least time between two trims of the allocator (each walks the heap).
    TRIM_EVERY = 5.0

    def __init__(self):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._trim = _malloc_trim()
        self._trim_wanted = False
        self._trimmed_at = 0.0

    def discard(self, tenants, give_back: bool = False) -> None:
        """Let ``tenants`` go: the large ones to the background thread, the others at once.  With
        ``give_back`` (a reset), the freed memory is handed back to the system afterwards."""
        tenants = list(tenants)
        for tenant in tenants:
            tenant.retire()  # nothing more is delivered to its webhook
        large = [tenant for tenant in tenants if tenant.own_entries() > LARGE]
        if large or (give_back and self._trim is not None):
            self._queue.put((time.monotonic() + self.GRACE_SECONDS, large, give_back))
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="hypertrack-mock-reaper", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            due, tenants, give_back = self._queue.get()
            time.sleep(max(0.0, due - time.monotonic()))
            for tenant in tenants:
                self._dismantle(tenant)
            del tenants
            self._trim_wanted |= give_back
            if self._trim_wanted and self._queue.empty() and time.monotonic() - self._trimmed_at >= self.TRIM_EVERY:
                self._trim(0)
                self._trim_wanted, self._trimmed_at = False, time.monotonic()

    def _dismantle(self, tenant) -> None:
        for value in tenant.holders():
            # a copy-on-write tenant's own layer (a Layered dict is its own entries, a Log's own list):
            # the startup state beneath is shared, and never taken apart here
            container = getattr(value, "own", value)
            if isinstance(container, list):
                while container:
                    with tenant.lock:
                        del container[-self.SLICE:]
                    time.sleep(0)
            elif isinstance(container, dict):
                while dict.__len__(container):
                    with tenant.lock:
                        for key in list(itertools.islice(dict.keys(container), self.SLICE)):
                            dict.__delitem__(container, key)
                    time.sleep(0)


reaper = Reaper()
