"""Observation and conditions: the state, the journal, the fault rules and the clock, of the caller's tenant
or (without credentials) of the whole server."""
from __future__ import annotations

from apiflask import APIBlueprint, HTTPError

from ...models.budget import BudgetExceeded
from ...models.clock import KEEP, ClockOutOfRange
from ...schemas.control import ClockRequest, FaultRule, JournalQuery
from .. import journal as journals
from ..body import json_body
from ..errors import over_budget, validation_error
from .scope import TAG, mock, scope

bp = APIBlueprint("observation", __name__, url_prefix="/__mock", tag=TAG)


@bp.get("/state")
@bp.doc(summary="The tenant's state as a scenario document (server-wide: every tenant's)")
def state():
    return scope().state()


# --- journal -------------------------------------------------------------------------------------

@bp.get("/requests")
@bp.input(JournalQuery, location="query")
@bp.doc(summary="The journal: data-plane requests and their answers, oldest first")
def journal(query_data):
    target = scope()
    return {**journals.read(target.journal, **query_data), **target.whose}


@bp.delete("/requests")
@bp.doc(summary="Empty the journal")
def clear_journal():
    target = scope()
    target.journal.clear()
    return {"status": "ok", **target.whose}


# --- faults --------------------------------------------------------------------------------------

@bp.post("/faults")
@bp.doc(summary="Add a fault rule (the tenant's, or every tenant's without credentials)",
        responses={201: "The rule, with its id"})
@json_body(FaultRule)
def add_fault(json_data):
    target = scope()
    try:
        fault = target.add_fault(json_data)
    except BudgetExceeded as error:
        raise over_budget(error, "The rule") from None
    return {"fault": fault.describe(), **target.whose}, 201


@bp.get("/faults")
@bp.doc(summary="The fault rules in force, in the order they are tried")
def list_faults():
    target = scope()
    return {"faults": target.faults.describe(), **target.whose}


@bp.delete("/faults")
@bp.doc(summary="Remove every fault rule")
def clear_faults():
    target = scope()
    target.faults.clear()
    return {"status": "ok", **target.whose}


@bp.delete("/faults/<int:fault_id>")
@bp.doc(summary="Remove one fault rule")
def remove_fault(fault_id):
    target = scope()
    if not target.faults.remove(fault_id):
        raise HTTPError(404, f"No fault {fault_id}.")
    return {"status": "ok", **target.whose}


# --- clock ---------------------------------------------------------------------------------------

@bp.get("/clock")
@bp.doc(summary="The clock the tenant's data plane writes timestamps with")
def get_clock():
    target = scope()
    return {**target.clock.describe(), **target.whose}


@bp.post("/clock")
@bp.doc(summary="Freeze the clock at frozen_at, release it (frozen_at null), or move it by advance_seconds")
@json_body(ClockRequest)
def set_clock(json_data):
    target = scope()
    try:
        target.change_clock(json_data.get("frozen_at", KEEP), json_data.get("advance_seconds", 0.0))
    except ClockOutOfRange as error:
        raise validation_error({"advance_seconds": [str(error)]}) from None
    for tenant in target.tenants():  # what the phones did meanwhile is delivered now; the next is waited for
        mock().dispatcher.after_change(tenant)
    return {**target.clock.describe(), **target.whose}
