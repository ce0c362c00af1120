"""Coverage: which of HyperTrack's answers and webhooks a tenant's (or the server's) code has met.

A ``Coverage`` counts, from the tenant's last reset, the answers its requests got, keyed by
``(operation, status, code)`` (the operation as HyperTrack's spec spells it, ``code`` the business
error's or None), and the webhook events delivered, retried and given up, keyed by ``(type, value)``.
Counting is a dictionary increment: the pipeline knows the key when it journals a request, the
dispatcher when an attempt has its answer.  A tenant's coverage also counts into its ``parent``, the
server's, so that a server-wide reading needs no sum over tenants (some of which may have been let go).
Which outcomes are HyperTrack's documented ones is the web layer's catalogue; this module only counts.
"""
from __future__ import annotations

#: What became of a webhook event's attempt: the index of its count in ``Coverage.webhooks``' lists.
DELIVERED, RETRIED, GIVEN_UP = 0, 1, 2
#: The webhook values the mock sends, by type (docs/webhooks.md "Which events"), in a reading's order.
WEBHOOK_VALUES = (
    ("route", ("created", "assigned", "started", "updated", "completed")),
    ("order", ("assigned", "started", "updated", "completed", "cancelled", "first_eta", "eta_change",
               "n_minutes_away", "delayed", "arrived", "exited", "risk_updated")),
)


class Coverage:
    """Hits per ``(operation, status, code)`` and webhook events per ``(type, value)``, counted into
    ``parent`` (the server's) too."""

    __slots__ = ("hits", "webhooks", "parent")

    def __init__(self, parent: Coverage | None = None):
        self.hits: dict[tuple, int] = {}
        #: (type, value) -> [delivered, retried, given up]
        self.webhooks: dict[tuple[str, str], list[int]] = {}
        self.parent = parent

    def count(self, outcome: tuple) -> None:
        """One request answered with ``outcome``: ``(operation, status, code)``."""
        hits = self.hits
        hits[outcome] = hits.get(outcome, 0) + 1
        if self.parent is not None:
            self.parent.count(outcome)

    def count_webhooks(self, kinds: list[tuple[str, str]], what: int) -> None:
        """The events of one attempt (their ``(type, value)``) ``DELIVERED``, ``RETRIED`` or ``GIVEN_UP``."""
        webhooks = self.webhooks
        for kind in kinds:
            counts = webhooks.get(kind)
            if counts is None:
                counts = webhooks[kind] = [0, 0, 0]
            counts[what] += 1
        if self.parent is not None:
            self.parent.count_webhooks(kinds, what)

    def add(self, other: Coverage) -> None:
        """``other``'s counts added to these (not to the parent's)."""
        for outcome, hits in list(other.hits.items()):
            self.hits[outcome] = self.hits.get(outcome, 0) + hits
        for kind, counts in list(other.webhooks.items()):
            mine = self.webhooks.setdefault(kind, [0, 0, 0])
            for index, count in enumerate(counts):
                mine[index] += count

