"""HyperTrack's request and response bodies for ``POST /orders/track``, as marshmallow schemas.

Field names, types, enums and nullability follow ``TrackOrdersRequest`` and its components in
HyperTrack's published OpenAPI spec.  Where the spec allows anything (a Point with no coordinates,
an unclosed polygon) we are stricter and say so in the README.
"""
from __future__ import annotations

import math

from marshmallow import ValidationError, fields, validate

from .fields import FreeFormObject, LeanSchema, StrictInteger, StrictNumber, Timestamp

TRACK_MODES = ("full_shift", "pre_shift", "on_shift", "on_time", "flex")
#: The most items a list in a request may hold.  HyperTrack's spec sets no limit; a thousand orders is
#: beyond any real route, and a bound keeps one request from holding a tenant for seconds.
MAX_ITEMS = 1000
ORDER_TYPES = ("pick", "drop")
PRIORITIES = ("low", "medium", "high")
TASK_PRIORITIES = ("none", "low", "medium", "high")
DEVICE_SWITCH_MODES = ("manual", "login", "closest_to_destination")
AGENT_MODES = ("standalone", "tracked", "off")
ROUTE_STATUSES = ("planned", "assigned", "tracking", "completed", "summarizing")
ORDER_STATUSES = (
    "planned", "assigned", "dispatched", "ongoing", "disabled", "cancelled", "completed",
    "summarizing", "unplanned",
)


def _nullable_str(**kwargs):
    return fields.String(allow_none=True, **kwargs)


def _enum(choices, **kwargs):
    return fields.String(validate=validate.OneOf(choices), **kwargs)


def _bounded_list(inner):
    """An optional (nullable) list of at most ``MAX_ITEMS`` items."""
    return fields.List(inner, allow_none=True, validate=validate.Length(max=MAX_ITEMS))


# --- geometry ------------------------------------------------------------------------------------

def plain_numbers(value) -> list | None:
    """A copy of a list of finite numbers (what ``List(StrictNumber)`` gives for it), else None."""
    if type(value) is list and all(type(n) is int or type(n) is float and math.isfinite(n) for n in value):
        return value[:]
    return None


class Position(fields.List):
    """A GeoJSON position: ``[longitude, latitude]`` or ``[longitude, latitude, altitude]``."""

    default_error_messages = {
        "length": "A position has 2 or 3 numbers: [longitude, latitude(, altitude)].",
        "longitude": "Longitude must be between -180 and 180.",
        "latitude": "Latitude must be between -90 and 90.",
    }

    def __init__(self, **kwargs):
        super().__init__(StrictNumber(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        position = plain_numbers(value)
        if position is None:
            position = super()._deserialize(value, attr, data, **kwargs)
        if not 2 <= len(position) <= 3:
            raise self.make_error("length")
        if not -180 <= position[0] <= 180:
            raise self.make_error("longitude")
        if not -90 <= position[1] <= 90:
            raise self.make_error("latitude")
        return position


class LinearRing(fields.List):
    """A closed ring of at least four positions, as GeoJSON polygons need."""

    default_error_messages = {
        "short": "A polygon ring needs at least 4 positions.",
        "open": "A polygon ring must end where it starts.",
    }

    def __init__(self, **kwargs):
        super().__init__(Position(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        ring = super()._deserialize(value, attr, data, **kwargs)
        if len(ring) < 4:
            raise self.make_error("short")
        if ring[0] != ring[-1]:
            raise self.make_error("open")
        return ring


class PointGeometry(LeanSchema):
    type = _enum(("Point",), load_default="Point")
    coordinates = Position(required=True)


class PolygonGeometry(LeanSchema):
    type = _enum(("Polygon",), required=True)
    coordinates = fields.List(LinearRing(), required=True, validate=validate.Length(min=1))


class PointLocationGeometry(LeanSchema):
    type = _enum(("Point",), required=True)
    coordinates = Position(required=True)


# --- destinations: one of four shapes ------------------------------------------------------------

class OrderListPointDestination(LeanSchema):
    geometry = fields.Nested(PointGeometry, required=True)
    address = _nullable_str()
    geofence_id = _nullable_str()
    place_handle = _nullable_str()
    place_id = _nullable_str()
    radius = StrictInteger(load_default=100, validate=validate.Range(min=0))


class OrderListPolygonDestination(LeanSchema):
    geometry = fields.Nested(PolygonGeometry, required=True)
    address = _nullable_str()
    geofence_id = _nullable_str()
    place_handle = _nullable_str()
    place_id = _nullable_str()


class OrderListGeofenceIdDestination(LeanSchema):
    geofence_id = fields.String(required=True, validate=validate.Length(min=1))
    address = _nullable_str()


class OrderListPlaceHandleDestination(LeanSchema):
    place_handle = fields.String(required=True, validate=validate.Length(min=1))
    address = _nullable_str()


class Destination(fields.Field):
    """HyperTrack's ``oneOf`` destination, dispatched on its keys instead of trying each variant.

    The variant is chosen from what the body names (``geometry`` and its ``type``, else
    ``geofence_id``, else ``place_handle``), so each order is validated by exactly one schema,
    whose instances are built once.
    """

    variants = {
        "Point": OrderListPointDestination(),
        "Polygon": OrderListPolygonDestination(),
        "geofence_id": OrderListGeofenceIdDestination(),
        "place_handle": OrderListPlaceHandleDestination(),
    }
    default_error_messages = {
        "invalid": "Invalid input type.",
        "no_variant": "A destination needs one of: geometry (Point or Polygon), geofence_id, place_handle.",
        "geometry_type": "Must be one of: Point, Polygon.",
    }

    def openapi(self, resolve):
        return {"oneOf": [resolve(self.variants[k]) for k in ("Polygon", "Point", "geofence_id", "place_handle")]}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        if "geometry" in value:
            geometry = value["geometry"]
            kind = geometry.get("type", "Point") if isinstance(geometry, dict) else "Point"
            if kind not in ("Point", "Polygon"):
                raise ValidationError({"geometry": {"type": [self.error_messages["geometry_type"]]}})
        elif "geofence_id" in value:
            kind = "geofence_id"
        elif "place_handle" in value:
            kind = "place_handle"
        else:
            raise self.make_error("no_variant")
        return self.variants[kind].load(value)


# --- orders --------------------------------------------------------------------------------------

class BaseOrderTask(LeanSchema):
    label = fields.String(required=True)
    task_definition_id = _nullable_str()
    metadata = FreeFormObject(allow_none=True)
    priority = _enum(TASK_PRIORITIES, allow_none=True)


class OrderTaskList(LeanSchema):
    task_definition_id = _nullable_str()
    tasks = _bounded_list(fields.Nested(BaseOrderTask))


class CloseoutTimesheetBreak(LeanSchema):
    start_time = fields.String(required=True)
    end_time = fields.String(required=True)
    duration = StrictInteger(allow_none=True)
    type = _enum(("meal", "rest", "other"), allow_none=True)


class CloseoutTimesheetEvent(LeanSchema):
    start = _nullable_str()
    duration = StrictInteger(allow_none=True)
    type = _nullable_str()
    data = FreeFormObject(allow_none=True)


class CloseoutTimesheet(LeanSchema):
    type = _enum(("system", "worker", "requester", "reconciled"), required=True)
    source = _enum(("api", "sms", "email", "phone", "agent"), allow_none=True)
    start_time = _nullable_str()
    end_time = _nullable_str()
    total_duration_worked = StrictInteger(allow_none=True)
    total_break_duration = StrictInteger(allow_none=True)
    total_payment_amount = StrictNumber(allow_none=True)
    approved_at = _nullable_str()
    breaks = fields.List(fields.Nested(CloseoutTimesheetBreak), allow_none=True,
                         validate=validate.Length(max=50))
    events = _bounded_list(fields.Nested(CloseoutTimesheetEvent))
    raw = FreeFormObject(allow_none=True)


class CloseoutWorkerLocation(LeanSchema):
    geometry = fields.Nested(PointLocationGeometry, required=True)
    reported_at = _nullable_str()
    inserted_at = _nullable_str()
    duration_at_location = StrictInteger(allow_none=True)


class CloseoutMessage(LeanSchema):
    timestamp = _nullable_str()
    from_ = _nullable_str(data_key="from", attribute="from")
    to = _nullable_str()
    type = _nullable_str()
    phone_number = _nullable_str()
    body = _nullable_str()
    duration = StrictInteger(allow_none=True)


class TrackOrder(LeanSchema):
    order_handle = fields.String(required=True, validate=validate.Length(min=1))
    destination = Destination(required=True)
    scheduled_at = Timestamp(allow_none=True)
    scheduled_after = Timestamp(allow_none=True)
    expected_service_time = StrictInteger(allow_none=True, validate=validate.Range(min=0))
    metadata = FreeFormObject(allow_none=True)
    product_type = _bounded_list(fields.String())
    type = _enum(ORDER_TYPES, allow_none=True)
    capacity_used = StrictInteger(allow_none=True, validate=validate.Range(min=0))
    priority = _enum(PRIORITIES, allow_none=True)
    type_index = StrictInteger(allow_none=True, validate=validate.Range(min=0))
    tasks_list = fields.Nested(OrderTaskList, allow_none=True)
    timesheets = fields.List(fields.Nested(CloseoutTimesheet), allow_none=True,
                             validate=validate.Length(max=20))
    worker_locations = _bounded_list(fields.Nested(CloseoutWorkerLocation))
    messages = _bounded_list(fields.Nested(CloseoutMessage))
    facility_name = _nullable_str()
    workflow_ids = _bounded_list(fields.String())


class TrackOrderRoute(LeanSchema):
    route_handle = _nullable_str(validate=validate.Length(min=1))
    metadata = FreeFormObject(allow_none=True)


class TrackOrdersRequest(LeanSchema):
    route_handle = _nullable_str()
    driver_handle = _nullable_str(metadata={"deprecated": True})
    worker_handle = _nullable_str()
    ops_group_handle = _nullable_str()
    device_id = _nullable_str()
    orders = _bounded_list(fields.Nested(TrackOrder))
    track_mode = _enum(TRACK_MODES, required=True)
    route = fields.Nested(TrackOrderRoute, allow_none=True)
    version = StrictInteger(allow_none=True)
    agent_mode = _enum(AGENT_MODES, allow_none=True)
    closeout_mode = _enum(AGENT_MODES, allow_none=True)
    worker_phone_number = _nullable_str()
    device_switch_mode = _enum(DEVICE_SWITCH_MODES, allow_none=True, load_default="login")


# --- responses (documentation of what the mock sends) ----------------------------------------------

class GeometryOut(LeanSchema):
    type = fields.String(required=True)
    coordinates = fields.Raw(required=True)


class DestinationOut(LeanSchema):
    geometry = fields.Nested(GeometryOut, required=True)
    address = _nullable_str()
    radius = fields.Integer(allow_none=True)
    place_handle = _nullable_str()
    geofence_id = _nullable_str()
    place_id = _nullable_str()


class TrackedOrder(LeanSchema):
    order_handle = fields.String(required=True)
    fulfillment_attempt = fields.Integer(required=True)
    status = _enum(ORDER_STATUSES, required=True)
    destination = fields.Nested(DestinationOut, required=True)
    track_mode = _enum(TRACK_MODES, allow_none=True, required=True)
    scheduled_at = _nullable_str(required=True)
    scheduled_after = _nullable_str()
    started_at = _nullable_str(required=True)
    type = _enum(ORDER_TYPES, allow_none=True)
    type_index = fields.Integer(required=True)
    expected_service_time = fields.Integer(required=True)
    capacity_used = fields.Integer(required=True)
    priority = _enum(PRIORITIES, allow_none=True)
    share_url = fields.String(required=True)
    device_id = _nullable_str(required=True)
    worker_handle = _nullable_str(required=True)
    ops_group_handle = fields.String(required=True)
    created_at = fields.String(required=True)
    assigned_at = _nullable_str(required=True)
    route_handle = fields.String(required=True)
    planned_at = _nullable_str(required=True)
    completed_at = _nullable_str()
    cancelled_at = _nullable_str()
    metadata = fields.Dict(allow_none=True)
    product_type = fields.List(fields.String(), allow_none=True)


class TrackOrdersResponse(LeanSchema):
    route_handle = fields.String(required=True)
    status = _enum(ROUTE_STATUSES, required=True)
    version = fields.Integer(required=True)
    embed_url = fields.String(required=True)
    orders = fields.List(fields.Nested(TrackedOrder), required=True)
    started_at = fields.String(required=True)
    assigned_at = fields.String(required=True)
    created_at = fields.String(required=True)
    planned_at = _nullable_str(required=True)
    completed_at = _nullable_str()
    device_id = _nullable_str(required=True)
    worker_handle = _nullable_str(required=True)
    track_mode = _enum(TRACK_MODES, required=True)
    ops_group_handle = fields.String(required=True)
    device_switch_mode = _enum(DEVICE_SWITCH_MODES, allow_none=True)
    metadata = fields.Dict(allow_none=True)


class BusinessError(LeanSchema):
    """HyperTrack's ``Error``: ``detail`` is an object, a string or null depending on the code."""

    code = fields.String(required=True)
    title = fields.String(required=True)
    detail = fields.Raw(allow_none=True)


class TimelineEvent(LeanSchema):
    type = _enum(tuple(f"driver_order_{k}" for k in ("created", "assigned", "started", "completed", "cancelled")), required=True)
    recorded_at = fields.String(required=True)
    order_handle = fields.String(required=True)
    route_handle = fields.String(required=True)
    order_type = _enum(ORDER_TYPES, allow_none=True)
    destination_address = _nullable_str(required=True)
    destination_location = fields.Nested(GeometryOut, required=True)
    fulfillment_attempt = fields.Integer(required=True)
    driver_handle = _nullable_str(required=True)
    device_id = _nullable_str()


class FulfillmentAttempt(LeanSchema):
    order_handle = fields.String(required=True)
    fulfillment_attempt = fields.Integer(required=True)


class OrderTimeline(TrackedOrder):
    """Get Order Timeline, and the answer of Complete and Cancel Order."""

    embed_url = fields.String(required=True)
    previous_fulfillments = fields.List(fields.Nested(FulfillmentAttempt), required=True)
    timeline = fields.List(fields.Nested(TimelineEvent))


class OrdersPage(LeanSchema):
    orders = fields.List(fields.Nested(TrackedOrder))
    pagination_token = _nullable_str()


class RoutesPage(LeanSchema):
    routes = fields.List(fields.Nested(TrackOrdersResponse))
    pagination_token = _nullable_str()


class WorkStatus(LeanSchema):
    tracking = fields.Boolean()
    available = fields.Boolean()


class WorkerOut(LeanSchema):
    worker_handle = fields.String()
    name = _nullable_str()
    ops_group_handle = fields.String()
    profile = fields.Dict()
    home = fields.Dict(allow_none=True)
    product_types = fields.List(fields.String())
    unavailable_on = fields.List(fields.String())
    schedule = fields.List(fields.Dict(), allow_none=True)
    deleted = fields.Boolean()
    created_at = fields.String()
    deleted_at = _nullable_str()
    device_id = _nullable_str()
    work_status = fields.Nested(WorkStatus)
    timezone = fields.String()


class DeviceOut(LeanSchema):
    device_id = fields.String()
    name = _nullable_str()
    worker_handle = _nullable_str()


class WorkerTimeline(WorkerOut):
    current_date = fields.String()
    devices = fields.List(fields.Nested(DeviceOut))
    timeline = fields.List(fields.Dict())


class CompletedOrder(OrderTimeline):
    completed_at = fields.String(required=True)


class CancelledOrder(OrderTimeline):
    cancelled_at = fields.String(required=True)


class CompletedRoute(TrackOrdersResponse):
    completed_at = fields.String(required=True)
