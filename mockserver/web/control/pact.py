"""The tenant's journal as a Pact, for PactFlow's bi-directional contract testing (``web.pact`` writes it)."""
from __future__ import annotations

from apiflask import APIBlueprint

from ...schemas.control import PactQuery
from .. import pact
from .scope import TAG, tenant_scope

bp = APIBlueprint("pact", __name__, url_prefix="/__mock", tag=TAG)


@bp.get("/pact")
@bp.input(PactQuery, location="query")
@bp.doc(summary="The tenant's journal as a Pact (specification 3) with HyperTrack, reduced to what its spec "
                "promises; metadata lists what was left out and why",
        responses={200: "The pact", 400: "No credentials: a pact is a tenant's",
                   422: "No consumer name"})
def get_pact(query_data):
    target = tenant_scope("Pacts")
    entries, dropped = target.journal.select()
    return pact.build(entries, query_data["consumer"], dropped)
