"""HyperTrack's request body for ``POST /orders/track`` (``TrackOrdersRequest``), as marshmallow schemas.

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


def nullable_string(**kwargs):
    return fields.String(allow_none=True, **kwargs)


def one_of(choices, **kwargs):
    return fields.String(validate=validate.OneOf(choices), **kwargs)


def _bounded_list(inner):
    """An optional (nullable) list of at most ``MAX_ITEMS`` items."""
    return fields.List(inner, allow_none=True, validate=validate.Length(max=MAX_ITEMS))


# --- geometry ------------------------------------------------------------------------------------

def plain_numbers(value) -> list | None:
    """A copy of a list of finite numbers (what ``List(StrictNumber)`` gives for it), else None."""
    if type(value) is list and all(type(n) is int or (type(n) is float and math.isfinite(n)) for n in value):
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
    type = one_of(("Point",), load_default="Point")
    coordinates = Position(required=True)


class PolygonGeometry(LeanSchema):
    type = one_of(("Polygon",), required=True)
    coordinates = fields.List(LinearRing(), required=True, validate=validate.Length(min=1))


class PointLocationGeometry(LeanSchema):
    type = one_of(("Point",), required=True)
    coordinates = Position(required=True)


# --- destinations: one of four shapes ------------------------------------------------------------

class OrderListPointDestination(LeanSchema):
    geometry = fields.Nested(PointGeometry, required=True)
    address = nullable_string()
    geofence_id = nullable_string()
    place_handle = nullable_string()
    place_id = nullable_string()
    radius = StrictInteger(load_default=100, validate=validate.Range(min=0))


class OrderListPolygonDestination(LeanSchema):
    geometry = fields.Nested(PolygonGeometry, required=True)
    address = nullable_string()
    geofence_id = nullable_string()
    place_handle = nullable_string()
    place_id = nullable_string()


class OrderListGeofenceIdDestination(LeanSchema):
    geofence_id = fields.String(required=True, validate=validate.Length(min=1))
    address = nullable_string()


class OrderListPlaceHandleDestination(LeanSchema):
    place_handle = fields.String(required=True, validate=validate.Length(min=1))
    address = nullable_string()


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
        return self.variants[kind]._do_load(value, many=None, partial=None, unknown=None, postprocess=True)


# --- orders --------------------------------------------------------------------------------------

class BaseOrderTask(LeanSchema):
    label = fields.String(required=True)
    task_definition_id = nullable_string()
    metadata = FreeFormObject(allow_none=True)
    priority = one_of(TASK_PRIORITIES, allow_none=True)


class OrderTaskList(LeanSchema):
    task_definition_id = nullable_string()
    tasks = _bounded_list(fields.Nested(BaseOrderTask))


class CloseoutTimesheetBreak(LeanSchema):
    start_time = fields.String(required=True)
    end_time = fields.String(required=True)
    duration = StrictInteger(allow_none=True)
    type = one_of(("meal", "rest", "other"), allow_none=True)


class CloseoutTimesheetEvent(LeanSchema):
    start = nullable_string()
    duration = StrictInteger(allow_none=True)
    type = nullable_string()
    data = FreeFormObject(allow_none=True)


class CloseoutTimesheet(LeanSchema):
    type = one_of(("system", "worker", "requester", "reconciled"), required=True)
    source = one_of(("api", "sms", "email", "phone", "agent"), allow_none=True)
    start_time = nullable_string()
    end_time = nullable_string()
    total_duration_worked = StrictInteger(allow_none=True)
    total_break_duration = StrictInteger(allow_none=True)
    total_payment_amount = StrictNumber(allow_none=True)
    approved_at = nullable_string()
    breaks = fields.List(fields.Nested(CloseoutTimesheetBreak), allow_none=True,
                         validate=validate.Length(max=50))
    events = _bounded_list(fields.Nested(CloseoutTimesheetEvent))
    raw = FreeFormObject(allow_none=True)


class CloseoutWorkerLocation(LeanSchema):
    geometry = fields.Nested(PointLocationGeometry, required=True)
    reported_at = nullable_string()
    inserted_at = nullable_string()
    duration_at_location = StrictInteger(allow_none=True)


class CloseoutMessage(LeanSchema):
    timestamp = nullable_string()
    from_ = nullable_string(data_key="from", attribute="from")
    to = nullable_string()
    type = nullable_string()
    phone_number = nullable_string()
    body = nullable_string()
    duration = StrictInteger(allow_none=True)


class TrackOrder(LeanSchema):
    order_handle = fields.String(required=True, validate=validate.Length(min=1))
    destination = Destination(required=True)
    scheduled_at = Timestamp(allow_none=True)
    scheduled_after = Timestamp(allow_none=True)
    expected_service_time = StrictInteger(allow_none=True, validate=validate.Range(min=0))
    metadata = FreeFormObject(allow_none=True)
    product_type = _bounded_list(fields.String())
    type = one_of(ORDER_TYPES, allow_none=True)
    capacity_used = StrictInteger(allow_none=True, validate=validate.Range(min=0))
    priority = one_of(PRIORITIES, allow_none=True)
    type_index = StrictInteger(allow_none=True, validate=validate.Range(min=0))
    tasks_list = fields.Nested(OrderTaskList, allow_none=True)
    timesheets = fields.List(fields.Nested(CloseoutTimesheet), allow_none=True,
                             validate=validate.Length(max=20))
    worker_locations = _bounded_list(fields.Nested(CloseoutWorkerLocation))
    messages = _bounded_list(fields.Nested(CloseoutMessage))
    facility_name = nullable_string()
    workflow_ids = _bounded_list(fields.String())


class TrackOrderRoute(LeanSchema):
    route_handle = nullable_string(validate=validate.Length(min=1))
    metadata = FreeFormObject(allow_none=True)


class TrackOrdersRequest(LeanSchema):
    route_handle = nullable_string()
    driver_handle = nullable_string(metadata={"deprecated": True})
    worker_handle = nullable_string()
    ops_group_handle = nullable_string()
    device_id = nullable_string()
    orders = _bounded_list(fields.Nested(TrackOrder))
    track_mode = one_of(TRACK_MODES, required=True)
    route = fields.Nested(TrackOrderRoute, allow_none=True)
    version = StrictInteger(allow_none=True)
    agent_mode = one_of(AGENT_MODES, allow_none=True)
    closeout_mode = one_of(AGENT_MODES, allow_none=True)
    worker_phone_number = nullable_string()
    device_switch_mode = one_of(DEVICE_SWITCH_MODES, allow_none=True, load_default="login")
