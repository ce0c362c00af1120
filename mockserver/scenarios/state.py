"""A scenario document into a tenant's state, and a tenant's state back into a scenario document."""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

from ..models.lifecycle import DETAIL_ONLY_FIELDS
from ..models.phone import THRESHOLD_DEFAULTS
from ..models.records import DEFAULT_OPS_GROUP
from ..models.tenant import Tenant

#: The fields of a stored order that a scenario's order (HyperTrack's TrackOrder) carries back.
_SCENARIO_ORDER_FIELDS = ("order_handle", "status", "share_url", "destination", "scheduled_at",
                          "scheduled_after", "type", "type_index", "expected_service_time", "capacity_used",
                          "priority", "metadata", "product_type")
_WORKER_FIELDS = ("worker_handle", "name", "ops_group_handle", "profile", "device_ids", "deleted")
_ROUTE_FIELDS = ("route_handle", "status", "worker_handle", "device_id", "track_mode", "ops_group_handle")
#: A receiver as a scenario declares it (the handshake is the control plane's alone).
_WEBHOOK_FIELDS = ("url", "secret", "content_type", "timeout_ms", "retries", "retry_delay_ms")


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a scenario is read or built, then restore it."""
    # Tens of thousands of new dicts, none of them garbage, make the collector walk the growing heap
    # again and again: half the cost of building a 37,000-worker scenario.  Nested or concurrent
    # uses keep it paused until the last ends.
    global _pauses
    with _pause_lock:
        _pauses += 1
        if _pauses == 1:
            _was_enabled[0] = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled[0]:
                gc.enable()


_pauses = 0
_was_enabled = [True]
_pause_lock = threading.Lock()


def populate(tenant: Tenant, scenario: dict) -> None:
    """Fill an empty tenant from a validated scenario document (its references checked already)."""
    with collector_paused():
        _populate(tenant, scenario)


def _populate(tenant: Tenant, scenario: dict) -> None:
    for group in scenario.get("ops_groups", ()):
        tenant.add_ops_group(group)
    for device in scenario.get("devices", ()):
        tenant.add_device(device["device_id"], device.get("name"), None)
    now = tenant.clock.now_iso()  # once: tens of thousands of workers are made at one instant
    for worker in scenario.get("workers", ()):
        tenant.add_worker(worker, now)
    for place in scenario.get("places", ()):
        tenant.add_place(place)
    for geofence in scenario.get("geofences", ()):
        tenant.add_geofence(geofence)
    for route in scenario.get("routes", ()):
        tenant.add_route(route)
    # Phones last: a driving phone starts on the tracking route it now has.
    for worker in scenario.get("workers", ()):
        if "phone" in worker:
            tenant.set_phone(worker["worker_handle"], worker["phone"])
    if scenario.get("thresholds"):
        tenant.set_thresholds(scenario["thresholds"])
    for rule in scenario.get("faults", ()):
        tenant.faults.add(rule)
    if scenario.get("webhook"):
        tenant.set_webhook(scenario["webhook"])


def describe(tenant: Tenant) -> dict:
    """The tenant's state as a scenario document: loading it gives this state back."""
    with tenant.lock:
        linked = {d for w in tenant.workers.values() for d in w["device_ids"]}
        phones = tenant.phones_described()
        thresholds = tenant.thresholds_view()
        return {
            "description": f"State of tenant {tenant.account_id}",
            "ops_groups": [dict(g) for h, g in tenant.ops_groups.items() if h != DEFAULT_OPS_GROUP],
            "workers": [_worker(w, phones) for w in tenant.workers.values()],
            "devices": [{"device_id": d["device_id"], "name": d["name"]}
                        for d in tenant.devices.values() if d["device_id"] not in linked],
            "places": [dict(p) for p in tenant.places.values()],
            "geofences": [dict(g) for g in tenant.geofences.values()],
            "routes": [_route(tenant, tenant.routes[handle]) for handle in tenant.route_log],
            "faults": tenant.faults.rules(),
            **({"webhook": {key: tenant.webhook[key] for key in _WEBHOOK_FIELDS}} if tenant.webhook else {}),
            **({"thresholds": thresholds} if thresholds != THRESHOLD_DEFAULTS else {}),
        }


def _worker(worker: dict, phones: dict) -> dict:
    document = {key: worker[key] for key in _WORKER_FIELDS}
    # A deleted worker, or one left without a device, has no phone to show (its GET answers 404), and a
    # scenario may not give it one: the phone kept for it is left out.
    if worker["worker_handle"] in phones and worker["device_ids"] and not worker["deleted"]:
        document["phone"] = phones[worker["worker_handle"]]
    return document


def _route(tenant: Tenant, route: dict) -> dict:
    document = {key: route[key] for key in _ROUTE_FIELDS}
    if "metadata" in route:
        document["metadata"] = route["metadata"]
    document["orders"] = [_order(tenant, order) for order in route["orders"]]
    return document


def _order(tenant: Tenant, order: dict) -> dict:
    document = {key: order[key] for key in _SCENARIO_ORDER_FIELDS if order.get(key) is not None}
    kept = tenant.kept_order_fields.get((order["order_handle"], order["fulfillment_attempt"]), {})
    document.update({key: value for key, value in kept.items() if key not in DETAIL_ONLY_FIELDS})
    return document
