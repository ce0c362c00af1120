"""Tenants and scenarios: health, reset, the scenarios loaded, and workers added as HyperTrack's SDK would."""
from __future__ import annotations

from apiflask import APIBlueprint, HTTPError
from flask import request

from ...models.budget import BudgetExceeded
from ...scenarios import ScenarioError, validate
from ...schemas.scenario import Worker
from ..body import flask_document, json_body
from ..errors import bad_request, over_budget, validation_error
from .scope import TAG, mock, scope, tenant_scope

bp = APIBlueprint("tenants", __name__, url_prefix="/__mock", tag=TAG)


def _apply(scenario: dict, name: str | None):
    target = scope()
    try:
        target.load(scenario)
    except BudgetExceeded as error:  # a tenant's: the server's startup scenario has no budget
        raise over_budget(error, "The scenario's state") from None
    if target.account is not None:  # its phones go on from the load, with or without a request
        mock().dispatcher.after_change(mock().backend.tenant(target.account))
    return {"status": "ok", "scenario": name, **target.whose}


@bp.get("/health")
@bp.doc(summary="Ready once the fixtures are loaded")
def health():
    return {"status": "ok"}


@bp.post("/reset")
@bp.doc(summary="Back to the startup scenario: the caller's tenant, or every tenant without credentials")
def reset():
    target = scope()
    target.reset()
    return {"status": "ok", **target.whose}


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
@bp.doc(summary="Load a scenario document sent as the body",
        responses={200: "Loaded", 400: "No body, or one that is not JSON", 415: "Not sent as JSON",
                   422: "Not a valid scenario: each bad field named"})
def load_inline_scenario():
    if not request.get_data(cache=True).strip():  # only {} is the empty scenario, never a missing body
        raise bad_request("Send the scenario document as the body (an empty scenario is {}).")
    document = flask_document()
    try:
        scenario = validate(document, "request body")
    except ScenarioError as error:
        raise validation_error(error.messages) from None
    return _apply(scenario, None)


@bp.post("/workers")
@bp.doc(summary="Add or replace a worker of the tenant and link its devices (as HyperTrack's SDK would)",
        responses={201: "The worker", 400: "No credentials: workers belong to a tenant"})
@json_body(Worker)
def put_worker(json_data):
    target = tenant_scope("Workers")
    return {"worker": target.tenant.put_worker(json_data), **target.whose}, 201
