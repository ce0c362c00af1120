"""When the garbage collector runs in a process the mock owns (the CLI): between requests, young objects only.

The state only grows between resets and is acyclic; the collector's full passes over it were the
latency tail (0.4 s pauses at 4,000 requests/s).  So automatic collection is off, the start-up state
is frozen (``gc.freeze``) out of every pass, and between two requests, once enough objects have
accumulated, the young generation is collected and the survivors frozen too.  Between requests
nothing half-done is alive that could become garbage later, so nothing frozen is ever missed, and no
pass grows with the store.  A process that hosts the mock (a test run) keeps its own settings.
"""
from __future__ import annotations

import gc

#: Tracked objects allocated (net) since the last collection, past which the next pause collects.
COLLECT_AFTER = 10_000


class Collector:
    """Installed once for the process: freezes what exists, turns automatic collection off."""

    def __init__(self):
        # Frozen without a full collection first: that would walk every object of the start-up (60,000,
        # about 15 ms of the time to the first answer) to free the few cycles importing left (a handful).
        gc.disable()
        gc.freeze()

    @staticmethod
    def between_requests() -> None:
        if gc.get_count()[0] > COLLECT_AFTER:
            gc.collect(0)
            gc.freeze()

    @staticmethod
    def uninstall() -> None:
        gc.enable()
        gc.unfreeze()
