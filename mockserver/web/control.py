"""The mock's own ``/__mock/`` control plane, served by Flask.  It meets the data plane only in the models.

Each call acts on the tenant of its ``Authorization`` header; without one it acts server-wide, which,
when the server has an admin token, needs that token in ``X-Mock-Admin-Token``.
"""
from __future__ import annotations

import hmac

from apiflask import APIBlueprint, HTTPError
from flask import current_app, request

from ..models.clock import KEEP, ClockOutOfRange
from ..scenarios import ScenarioError, describe, validate
from ..schemas.control import ClockRequest, FaultRule, JournalQuery
from ..schemas.scenario import Worker
from . import journal as journals
from .auth import identify
from .body import flask_document, json_body
from .errors import bad_request, unauthorized, validation_error

bp = APIBlueprint("control", __name__, url_prefix="/__mock",
                  tag={"name": "Mock control", "description": "The mock's own /__mock/ control plane"})

#: Where the app factory keeps the ``MockApp`` in ``flask_app.extensions``.
EXTENSION = "hypertrack_mock"


def mock():
    """The mock this Flask app belongs to: its backend, scenario library and settings."""
    return current_app.extensions[EXTENSION]


#: The header a server-wide call carries when the server has an admin token.
ADMIN_HEADER = "X-Mock-Admin-Token"


def _caller() -> str | None:
    """The caller's account; None for a server-wide call (no credentials, and the admin token if the
    server has one); 401 if the credentials prove nothing, or are empty."""
    header = request.headers.get("Authorization")
    if header is not None and not header.strip():
        raise unauthorized("an empty Authorization header")
    caller = identify(mock().backend, header)
    if caller.refusal is not None:
        raise unauthorized(caller.refusal)
    admin_token = mock().settings["admin_token"]
    if caller.account is None and admin_token and not hmac.compare_digest(
            request.headers.get(ADMIN_HEADER, "").encode(), admin_token.encode()):
        raise unauthorized(f"a server-wide call without the admin token ({ADMIN_HEADER})")
    return caller.account


def _scope(account_id):
    return {"tenant": account_id}


def _target():
    """``(account, tenant)`` for a tenant's call, ``(None, backend)`` for a server-wide one."""
    account_id = _caller()
    backend = mock().backend
    return account_id, (backend.tenant(account_id) if account_id else backend)


def _apply(scenario: dict, name: str | None):
    account_id = _caller()
    backend = mock().backend
    if account_id is None:
        backend.load_startup_scenario(scenario)
    else:
        backend.load_tenant_scenario(account_id, scenario)
    return {"status": "ok", "scenario": name, **_scope(account_id)}


@bp.get("/health")
@bp.doc(summary="Ready once the fixtures are loaded")
def health():
    return {"status": "ok"}


@bp.post("/reset")
@bp.doc(summary="Back to the startup scenario: the caller's tenant, or every tenant without credentials")
def reset():
    account_id = _caller()
    backend = mock().backend
    if account_id is None:
        backend.reset()
    else:
        backend.reset_tenant(account_id)
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
        raise HTTPError(404, f"No scenario named '{name}'.", detail={"known": mock().library.names()})
    return _apply(scenario, name)


@bp.post("/scenarios")
@bp.doc(summary="Load a scenario document sent as the body")
def load_inline_scenario():
    if not request.get_data(cache=True).strip():  # only {} is the empty scenario, never a missing body
        raise bad_request("Send the scenario document as the body (an empty scenario is {}).")
    document = flask_document()
    try:
        scenario = validate(document, "request body")
    except ScenarioError as error:
        raise validation_error(error.messages) from None
    return _apply(scenario, None)


@bp.get("/state")
@bp.doc(summary="The tenant's state as a scenario document (server-wide: every tenant's)")
def state():
    account_id, target = _target()
    if account_id:
        return describe(target)
    return {"tenants": {name: describe(tenant) for name, tenant in list(target.tenants.items())}}


@bp.post("/workers")
@bp.doc(summary="Add or replace a worker of the tenant and link its devices (as HyperTrack's SDK would)",
        responses={201: "The worker", 400: "No credentials: workers belong to a tenant"})
@json_body(Worker)
def put_worker(json_data):
    account_id = _caller()
    if account_id is None:
        raise HTTPError(400, "Workers belong to a tenant: send the tenant's credentials.")
    tenant = mock().backend.tenant(account_id)
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
    return {**journals.read(target.journal, **query_data), **_scope(account_id)}


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
    change = target.clock.change if account_id else target.change_clock
    try:
        change(json_data.get("frozen_at", KEEP), json_data.get("advance_seconds", 0.0))
    except ClockOutOfRange as error:
        raise validation_error({"advance_seconds": [str(error)]}) from None
    return {**target.clock.describe(), **_scope(account_id)}
