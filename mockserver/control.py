"""The mock's own ``/__mock/`` control plane.  It meets the data plane only in the store.

Each call acts on the tenant of its ``Authorization`` header; without one it acts server-wide.
"""
from __future__ import annotations

from apiflask import APIBlueprint, HTTPError
from flask import request

from .app import mock
from .auth import account_for
from .jsonbody import json_body, parse_json_body, validation_error
from .scenarios import ScenarioError, validate
from .schemas.control import ClockRequest, FaultRule, JournalQuery
from .schemas.scenario import Worker

bp = APIBlueprint("control", __name__, url_prefix="/__mock",
                  tag={"name": "Mock control", "description": "The mock's own /__mock/ control plane"})


def _caller() -> str | None:
    return account_for(mock().store, request.headers.get("Authorization"))


def _scope(account_id):
    return {"tenant": account_id} if account_id else {"tenant": None}


def _apply(scenario: dict, name: str | None):
    account_id = _caller()
    store = mock().store
    if account_id is None:
        store.load_startup_scenario(scenario)
    else:
        store.load_tenant_scenario(account_id, scenario)
    return {"status": "ok", "scenario": name, **_scope(account_id)}


@bp.get("/health")
@bp.doc(summary="Ready once the fixtures are loaded")
def health():
    return {"status": "ok"}


@bp.post("/reset")
@bp.doc(summary="Back to the startup scenario: the caller's tenant, or every tenant without credentials")
def reset():
    account_id = _caller()
    store = mock().store
    if account_id is None:
        store.reset()
    else:
        store.reset_tenant(account_id)
    return {"status": "ok", **_scope(account_id)}


@bp.get("/scenarios")
@bp.doc(summary="The scenarios in the fixtures directory")
def list_scenarios():
    return {"scenarios": mock().library.describe()}


@bp.post("/scenarios/<name>")
@bp.doc(summary="Load a named scenario for the caller's tenant (or as the startup scenario)")
def load_named_scenario(name):
    scenario = mock().library.get(name)
    if scenario is None:
        raise HTTPError(404, f"No scenario named '{name}'.",
                        detail={"known": mock().library.names()})
    return _apply(scenario, name)


@bp.post("/scenarios")
@bp.doc(summary="Load a scenario document sent as the body")
def load_inline_scenario():
    document = parse_json_body()
    try:
        scenario = validate(document, "request body")
    except ScenarioError as error:
        raise validation_error(error.messages) from None
    return _apply(scenario, None)


def _target():
    """``(account, tenant)`` for a tenant's call, ``(None, store)`` for a server-wide one."""
    account_id = _caller()
    store = mock().store
    return account_id, (store.tenant(account_id) if account_id else store)


@bp.get("/state")
@bp.doc(summary="The tenant's state as a scenario document (server-wide: every tenant's)")
def state():
    account_id, target = _target()
    if account_id:
        return target.to_scenario()
    store = mock().store
    return {"tenants": {name: tenant.to_scenario() for name, tenant in list(store.tenants.items())}}


@bp.post("/workers")
@bp.doc(summary="Add or replace a worker of the tenant and link its devices (as HyperTrack's SDK would)",
        responses={201: "The worker", 400: "No credentials: workers belong to a tenant"})
@json_body(Worker)
def put_worker(json_data):
    account_id = _caller()
    if account_id is None:
        raise HTTPError(400, "Workers belong to a tenant: send the tenant's credentials.")
    tenant = mock().store.tenant(account_id)
    group = json_data.get("ops_group_handle")
    if group and group not in tenant.ops_groups:
        raise validation_error({"ops_group_handle": [f"Unknown ops group '{group}'."]})
    return {"worker": tenant.put_worker(json_data), **_scope(account_id)}, 201


# --- journal -------------------------------------------------------------------------------------

@bp.get("/requests")
@bp.input(JournalQuery, location="query")
@bp.doc(summary="The journal: data-plane requests and their answers, oldest first")
def journal(query_data):
    account_id, target = _target()
    return {**target.journal.read(**query_data), **_scope(account_id)}


@bp.delete("/requests")
@bp.doc(summary="Empty the journal")
def clear_journal():
    account_id, target = _target()
    target.journal.clear()
    return {"status": "ok", **_scope(account_id)}


# --- faults --------------------------------------------------------------------------------------

@bp.post("/faults")
@bp.doc(summary="Add a fault rule (the tenant's, or every tenant's without credentials)",
        responses={201: "The rule, with its id"})
@json_body(FaultRule)
def add_fault(json_data):
    account_id, target = _target()
    return {"fault": target.faults.add(json_data).describe(), **_scope(account_id)}, 201


@bp.get("/faults")
@bp.doc(summary="The fault rules in force, in the order they are tried")
def list_faults():
    account_id, target = _target()
    return {"faults": target.faults.describe(), **_scope(account_id)}


@bp.delete("/faults")
@bp.doc(summary="Remove every fault rule")
def clear_faults():
    account_id, target = _target()
    target.faults.clear()
    return {"status": "ok", **_scope(account_id)}


@bp.delete("/faults/<int:fault_id>")
@bp.doc(summary="Remove one fault rule")
def remove_fault(fault_id):
    account_id, target = _target()
    if not target.faults.remove(fault_id):
        raise HTTPError(404, f"No fault {fault_id}.")
    return {"status": "ok", **_scope(account_id)}


# --- clock ---------------------------------------------------------------------------------------

@bp.get("/clock")
@bp.doc(summary="The clock the tenant's data plane writes timestamps with")
def get_clock():
    account_id, target = _target()
    return {**target.clock.describe(), **_scope(account_id)}


@bp.post("/clock")
@bp.doc(summary="Freeze the clock at frozen_at, release it (frozen_at null), or move it by advance_seconds")
@json_body(ClockRequest)
def set_clock(json_data):
    account_id, target = _target()
    store = mock().store
    if "frozen_at" in json_data:
        if account_id:
            target.clock.freeze(json_data["frozen_at"])
        else:
            store.freeze_clock(json_data["frozen_at"])
    if "advance_seconds" in json_data:
        if account_id:
            target.clock.advance(json_data["advance_seconds"])
        else:
            store.advance_clock(json_data["advance_seconds"])
    return {**target.clock.describe(), **_scope(account_id)}
