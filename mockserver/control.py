"""The mock's own ``/__mock/`` control plane.  It meets the data plane only in the store.

Each call acts on the tenant of its ``Authorization`` header; without one it acts server-wide.
"""
from __future__ import annotations

from apiflask import APIBlueprint, HTTPError
from flask import request

from .app import mock
from .auth import account_for
from .jsonbody import parse_json_body, validation_error
from .scenarios import ScenarioError, validate

bp = APIBlueprint("control", __name__, url_prefix="/__mock", tag="Mock control")


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
