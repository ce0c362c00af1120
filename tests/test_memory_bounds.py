"""Memory bounded in bytes, honestly counted (issue 22, items 7 to 11): inboxes, the journal's count,
each account's control-plane state, OAuth tokens, and the accounts kept."""
from __future__ import annotations

import time
import tracemalloc

from mockserver.models.journal import Entry, Journal

# --- 8. the journal counts what an entry costs -----------------------------------------------------


def _tiny_header_entry(n: int) -> Entry:
    """An entry as the server makes one for a request with 100 one-byte headers (names lower-cased,
    values decoded from latin-1, as ``serve.http`` reads them)."""
    headers = [(f"X-{i}".lower(), b"a".decode("latin-1")) for i in range(100)]
    return Entry(time.time(), "acme", "GET", f"/orders/o-{n}", "", headers, b"", 404,
                 b'{"detail": {}, "message": "Order not found"}', None, None, 0.1)


def test_a_journal_of_tiny_header_requests_holds_about_its_byte_budget():
    budget = 4 * 1024 * 1024
    journal = Journal(cap=1_000_000, max_bytes=budget)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(2000):
            journal.record(_tiny_header_entry(n))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert budget / 2 < held < 1.2 * budget, f"a journal of {budget} bytes holds {held}"
    assert journal.dropped > 0 and journal.bytes <= budget
