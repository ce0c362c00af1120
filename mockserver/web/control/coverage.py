"""Coverage of HyperTrack's outcomes: which documented answers, and which webhooks, the caller's tenant (or,
without credentials, the whole server) has met since its last reset.

The catalogue is the data plane's own: each operation's documented statuses (what ``/openapi.json``
lists for it), split by the ``code`` of each business error it can answer with (``errors=`` where the
operation is declared, ``models.errors``).  Answers outside it (a body that is no JSON, a fault's 500, a
503 of a full memory) are listed apart as ``undocumented``.  The counting is the models'
(``models.coverage``): the pipeline counts each answer as it journals it, the dispatcher each attempt.
"""
from __future__ import annotations

from apiflask import APIBlueprint

from ...models.coverage import WEBHOOK_VALUES, Coverage
from .scope import TAG, mock, scope

bp = APIBlueprint("coverage", __name__, url_prefix="/__mock", tag=TAG)


def _outcome(operation: str, status: int, code: str | None, hits: int) -> dict:
    return {"operation": operation, "status": status, "code": code, "hits": hits}


def report(coverage: Coverage, catalogue: list[tuple[str, int, str | None]]) -> dict:
    """``coverage`` against ``catalogue`` (``Routes.catalogue()``): every documented outcome with its hits,
    how many were exercised of how many, the answers outside the catalogue, and every webhook value the
    mock sends (and any other delivered) with its events delivered, retried and given up."""
    hits = dict(coverage.hits)
    outcomes = [_outcome(operation, status, code, hits.pop((operation, status, code), 0))
                for operation, status, code in catalogue]
    undocumented = [_outcome(*key, count) for key, count in sorted(
        hits.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or ""))]
    counted = {kind: list(counts) for kind, counts in list(coverage.webhooks.items())}
    kinds = [(kind, value) for kind, values in WEBHOOK_VALUES for value in values]
    kinds += sorted(set(counted) - set(kinds), key=lambda kind: tuple(map(str, kind)))
    webhooks = []
    for kind, value in kinds:
        delivered, retried, given_up = counted.get((kind, value), (0, 0, 0))
        webhooks.append({"type": kind, "value": value, "delivered": delivered, "retried": retried,
                         "given_up": given_up})
    return {"outcomes": outcomes, "exercised": sum(1 for outcome in outcomes if outcome["hits"]),
            "total": len(outcomes), "undocumented": undocumented, "webhooks": webhooks}


@bp.get("/coverage")
@bp.doc(summary="HyperTrack's documented outcomes (operation, status, code) and webhook values, with how "
                "many of the tenant's (or the server's) requests and deliveries met each since its last reset")
def coverage():
    target = scope()
    return {**report(target.coverage, mock().pipeline.routes.catalogue()), **target.whose}
