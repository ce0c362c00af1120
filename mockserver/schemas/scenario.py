"""The scenario document: the same JSON whether it is ``fixtures/<name>.json`` or a control-plane body."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from .control import FaultRule, PhoneSettings, Thresholds
from .fields import FreeFormObject, FreeFormValue, LeanSchema, StrictInteger
from .track import (
    ORDER_STATUSES,
    ROUTE_STATUSES,
    TRACK_MODES,
    PointGeometry,
    PolygonGeometry,
    TrackOrder,
)
from .webhooks import ScenarioWebhook

_handle = {"required": True, "validate": validate.Length(min=1)}


class Geometry(fields.Field):
    """A Point or Polygon geometry, validated by the same schemas as order destinations."""

    variants = {"Point": PointGeometry(), "Polygon": PolygonGeometry()}

    def openapi(self, resolve):
        return {"oneOf": [resolve(schema) for schema in self.variants.values()]}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("Invalid input type.")
        schema = self.variants.get(value.get("type", "Point"))
        if schema is None:
            raise ValidationError({"type": ["Must be one of: Point, Polygon."]})
        return schema.load(value)


def _listed_once(device_ids: list) -> None:
    seen = set()
    for device_id in device_ids:
        if device_id in seen:
            raise ValidationError(f"Device '{device_id}' is listed twice.")
        seen.add(device_id)


class Account(LeanSchema):
    account_id = fields.String(**_handle)
    secret_key = fields.String(**_handle)


class OpsGroup(LeanSchema):
    ops_group_handle = fields.String(**_handle)
    ops_group_label = fields.String(allow_none=True)
    timezone = fields.String(allow_none=True)


class Worker(LeanSchema):
    worker_handle = fields.String(**_handle)
    name = fields.String(allow_none=True)
    ops_group_handle = fields.String(allow_none=True)
    profile = FreeFormObject(allow_none=True)
    device_ids = fields.List(fields.String(validate=validate.Length(min=1)), validate=_listed_once,
                             metadata={"description": "absent: one generated device; []: not linked"})
    deleted = fields.Boolean(load_default=False)


class ScenarioWorker(Worker):
    """A worker as a scenario declares it: with its phone's settings, if they are not the defaults."""

    phone = fields.Nested(PhoneSettings, metadata={"description": "as PUT /__mock/workers/<handle>/phone"})


class Device(LeanSchema):
    """A device known to HyperTrack but linked to no worker."""

    device_id = fields.String(**_handle)
    name = fields.String(allow_none=True)


class Place(LeanSchema):
    place_handle = fields.String(**_handle)
    address = fields.String(allow_none=True)
    geometry = Geometry(required=True)
    radius = StrictInteger(load_default=100, validate=validate.Range(min=0))


class Geofence(LeanSchema):
    geofence_id = fields.String(**_handle)
    geometry = Geometry(required=True)
    radius = StrictInteger(load_default=100, validate=validate.Range(min=0))


class ScenarioOrder(TrackOrder):
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))
    share_url = fields.String()


class Route(LeanSchema):
    route_handle = fields.String(**_handle)
    status = fields.String(load_default="planned", validate=validate.OneOf(ROUTE_STATUSES))
    worker_handle = fields.String(allow_none=True)
    device_id = fields.String(allow_none=True)
    track_mode = fields.String(allow_none=True, validate=validate.OneOf(TRACK_MODES))
    ops_group_handle = fields.String(allow_none=True)
    metadata = FreeFormObject(allow_none=True)
    orders = fields.List(fields.Nested(ScenarioOrder), load_default=list)


class Example(LeanSchema):
    """A request to send under the scenario and the answer it gets: documentation and test table."""

    name = fields.String(required=True)
    request = FreeFormObject(required=True)
    status = StrictInteger(required=True, validate=validate.Range(min=200, max=599))
    body = FreeFormValue(allow_none=True, metadata={"description": "the whole expected body, if fixed"})


def _duplicates(items, key):
    seen, found = set(), {}
    for index, item in enumerate(items):
        if item[key] in seen:
            found[index] = {key: [f"Duplicate {key} '{item[key]}'."]}
        seen.add(item[key])
    return found


class Scenario(LeanSchema):
    description = fields.String(load_default="")
    accounts = fields.List(fields.Nested(Account), load_default=list)
    ops_groups = fields.List(fields.Nested(OpsGroup), load_default=list)
    workers = fields.List(fields.Nested(ScenarioWorker), load_default=list)
    devices = fields.List(fields.Nested(Device), load_default=list)
    places = fields.List(fields.Nested(Place), load_default=list)
    geofences = fields.List(fields.Nested(Geofence), load_default=list)
    routes = fields.List(fields.Nested(Route), load_default=list)
    faults = fields.List(fields.Nested(FaultRule), load_default=list)
    webhook = fields.Nested(ScenarioWebhook, allow_none=True)
    thresholds = fields.Nested(Thresholds)
    examples = fields.List(fields.Nested(Example), load_default=list)

    @validates_schema
    def check_references(self, data, **kwargs):
        """Handles are unique, and everything a route or order names exists in the document."""
        problems = {}
        for name, key in (("accounts", "account_id"), ("ops_groups", "ops_group_handle"),
                          ("workers", "worker_handle"), ("devices", "device_id"),
                          ("places", "place_handle"), ("geofences", "geofence_id"),
                          ("routes", "route_handle")):
            found = _duplicates(data[name], key)
            if found:
                problems[name] = found
        device_owner = {}
        for index, worker in enumerate(data["workers"]):
            for device_id in worker.get("device_ids") or ():
                owner = device_owner.setdefault(device_id, worker["worker_handle"])
                if owner != worker["worker_handle"]:
                    problems.setdefault("workers", {})[index] = {
                        "device_ids": [f"Device '{device_id}' is already linked to worker '{owner}'."]}
        devices = set(device_owner) | {d["device_id"] for d in data["devices"]}
        workers = {w["worker_handle"] for w in data["workers"]}
        ops_groups = {g["ops_group_handle"] for g in data["ops_groups"]} | {"default"}
        places = {p["place_handle"] for p in data["places"]}
        geofences = {g["geofence_id"] for g in data["geofences"]}
        for index, worker in enumerate(data["workers"]):
            if worker.get("ops_group_handle") and worker["ops_group_handle"] not in ops_groups:
                problems.setdefault("workers", {}).setdefault(index, {})["ops_group_handle"] = [
                    f"Unknown ops group '{worker['ops_group_handle']}'."]
            if "phone" in worker and worker.get("device_ids") == []:
                problems.setdefault("workers", {}).setdefault(index, {})["phone"] = [
                    "The worker has no device: give it device_ids, or leave them out for a generated one."]
            elif "phone" in worker and worker["deleted"]:
                problems.setdefault("workers", {}).setdefault(index, {})["phone"] = [
                    "A deleted worker has no phone."]
        unfinished = {}
        for index, route in enumerate(data["routes"]):
            route_problems = {}
            if route.get("worker_handle") and route["worker_handle"] not in workers:
                route_problems["worker_handle"] = [f"Unknown worker '{route['worker_handle']}'."]
            if route.get("device_id") and route["device_id"] not in devices:
                route_problems["device_id"] = [f"Unknown device '{route['device_id']}'."]
            if route.get("ops_group_handle") and route["ops_group_handle"] not in ops_groups:
                route_problems["ops_group_handle"] = [f"Unknown ops group '{route['ops_group_handle']}'."]
            if route["status"] != "planned" and not route.get("track_mode"):
                route_problems["track_mode"] = [f"A {route['status']} route needs a track_mode."]
            order_problems = {}
            for order_index, order in enumerate(route["orders"]):
                destination = order["destination"]
                if destination.get("place_handle") and destination["place_handle"] not in places:
                    order_problems[order_index] = {"destination": {"place_handle": [
                        f"Unknown place '{destination['place_handle']}'."]}}
                elif destination.get("geofence_id") and destination["geofence_id"] not in geofences:
                    order_problems[order_index] = {"destination": {"geofence_id": [
                        f"Unknown geofence '{destination['geofence_id']}'."]}}
                status = order.get("status")
                if status not in ("completed", "cancelled") and not (
                        status is None and route["status"] in ("completed", "summarizing")):
                    holder = unfinished.setdefault(order["order_handle"], route["route_handle"])
                    if holder != route["route_handle"]:
                        order_problems[order_index] = {"order_handle": [
                            f"Order '{order['order_handle']}' is already unfinished in route '{holder}'."]}
            if order_problems:
                route_problems["orders"] = order_problems
            if route_problems:
                problems.setdefault("routes", {})[index] = route_problems
        if problems:
            raise ValidationError(problems)

