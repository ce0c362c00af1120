"""The phone: what a worker's device reports (HyperTrack's SDK), set by hand, and the tenant's thresholds of
estimate webhooks.  Both belong to a tenant; what the clock makes of them is the models'."""
from __future__ import annotations

from apiflask import APIBlueprint

from ...schemas.control import PhoneSettings, Thresholds
from ..body import json_body
from .scope import TAG, mock, tenant_scope

bp = APIBlueprint("phone", __name__, url_prefix="/__mock", tag=TAG)

PHONE_ANSWERS = {200: "The phone: its settings, where it is, and the order it heads to (heading_to)",
                 400: "No credentials: phones belong to a tenant",
                 404: "No such worker, or one without a device"}
THRESHOLD_ANSWERS = {200: "The tenant's thresholds", 400: "No credentials: thresholds belong to a tenant"}
PHONE_EXAMPLE = {"location": [-121.88, 37.33], "speed_kmh": 36, "driving": True}


@bp.get("/workers/<worker_handle>/phone")
@bp.doc(summary="A worker's phone: location, speed, driving, dwell, battery, connection, outage, heading_to",
        responses=PHONE_ANSWERS)
def get_phone(worker_handle):
    target = tenant_scope("Phones")
    return {**target.tenant.phone_view(worker_handle), **target.whose}


def _set_phone(worker_handle, json_data):
    target = tenant_scope("Phones")
    tenant = target.tenant
    view = tenant.set_phone(worker_handle, json_data)
    mock().dispatcher.after_change(tenant)
    return {**view, **target.whose}


@bp.put("/workers/<worker_handle>/phone")
@bp.doc(summary="Change the fields sent of a worker's phone, at the tenant's current instant (the others stay)",
        responses=PHONE_ANSWERS)
@json_body(PhoneSettings, example=PHONE_EXAMPLE)
def put_phone(worker_handle, json_data):
    return _set_phone(worker_handle, json_data)


@bp.patch("/workers/<worker_handle>/phone")
@bp.doc(summary="The same as PUT: change the fields sent of a worker's phone", responses=PHONE_ANSWERS)
@json_body(PhoneSettings, example=PHONE_EXAMPLE)
def patch_phone(worker_handle, json_data):
    return _set_phone(worker_handle, json_data)


@bp.get("/thresholds")
@bp.doc(summary="The tenant's thresholds of estimate webhooks (eta_change, n_minutes_away)",
        responses=THRESHOLD_ANSWERS)
def get_thresholds():
    target = tenant_scope("Thresholds")
    return {**target.tenant.thresholds_view(), **target.whose}


@bp.put("/thresholds")
@bp.doc(summary="Change the tenant's thresholds of estimate webhooks (the fields sent)", responses=THRESHOLD_ANSWERS)
@json_body(Thresholds, example={"eta_change_seconds": 300, "minutes_away": 10})
def put_thresholds(json_data):
    target = tenant_scope("Thresholds")
    tenant = target.tenant
    view = tenant.set_thresholds(json_data)
    mock().dispatcher.after_change(tenant)
    return {**view, **target.whose}
