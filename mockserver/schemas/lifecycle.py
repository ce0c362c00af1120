"""Request schemas of the endpoints around ``POST /orders/track``: orders, routes, workers, ops groups.

Parameter names, types and enums follow HyperTrack's full published spec (Get Order Timeline, Complete
and Cancel Order, List Orders, Get and Complete Route, List Routes, Workers, Ops Groups).  Documented
parameters the mock accepts but does not act on are listed in the README.
"""
from __future__ import annotations

import base64
import binascii

from marshmallow import ValidationError, fields, validate

from .fields import FreeFormObject, LeanSchema, StrictInteger
from .track import ORDER_TYPES, ROUTE_STATUSES, TRACK_MODES, PointLocationGeometry

#: The statuses GET /orders/ may filter on, as HyperTrack lists them (plus the ones its orders can have).
ORDER_FILTER_STATUSES = ("completed", "cancelled", "rescheduled", "disabled", "ongoing", "unplanned",
                         "assigned", "planned", "dispatched", "summarizing")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class CommaSeparated(fields.Field):
    """``status=completed,cancelled`` -> ``{"completed", "cancelled"}``, each value checked."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def openapi(self, resolve):
        return {"type": "string", "description": f"comma-separated, among: {', '.join(self.choices)}"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Not a valid string.")
        values = {part.strip() for part in value.split(",") if part.strip()}
        unknown = sorted(values - set(self.choices))
        if unknown:
            raise ValidationError(f"Unknown value(s) {', '.join(unknown)}; must be among: "
                                  f"{', '.join(self.choices)}.")
        return values


class PaginationToken(fields.String):
    """An opaque cursor: the log position after which the next page starts, bound to one listing."""

    def __init__(self, kind: str, **kwargs):
        super().__init__(**kwargs)
        self.kind = kind

    def serialize_position(self, position: int) -> str:
        return base64.urlsafe_b64encode(f"{self.kind}:{position}".encode()).decode().rstrip("=")

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            kind, _, position = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition(":")
            if kind == self.kind and position.isdigit():
                return int(position)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
        raise ValidationError("Not a valid pagination token.")


def _page_size():
    return fields.Integer(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


# --- orders ----------------------------------------------------------------------------------------

class OrderTimelineQuery(LeanSchema):
    fulfillment_attempt = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    on_shift_only = fields.Boolean(allow_none=True)
    from_time = fields.String(allow_none=True)
    to_time = fields.String(allow_none=True)
    allow_mocked_events = fields.Boolean(allow_none=True)
    device_id = fields.String(allow_none=True)


class FinishOrderQuery(LeanSchema):
    type = fields.String(allow_none=True, validate=validate.OneOf(ORDER_TYPES))
    type_index = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    fulfillment_attempt = fields.Integer(allow_none=True, validate=validate.Range(min=0))


class FinishOrderRequest(LeanSchema):
    """HyperTrack's Complete/Cancel Order bodies declare no properties; the mock keeps ``metadata``."""

    metadata = FreeFormObject(allow_none=True)


class ListOrdersQuery(LeanSchema):
    status = CommaSeparated(ORDER_FILTER_STATUSES)
    worker_handle = fields.String()
    route_handle = fields.String()
    ops_group_handle = fields.String()
    limit = _page_size()
    pagination_token = PaginationToken("orders")


# --- routes ----------------------------------------------------------------------------------------

class RouteQuery(LeanSchema):
    include_summary = fields.Boolean(load_default=True, allow_none=True)


class CompleteRouteQuery(LeanSchema):
    version = fields.Integer(allow_none=True)


class CompleteRouteRequest(LeanSchema):
    """HyperTrack's Complete Route body: an object with no properties."""


class ListRoutesQuery(LeanSchema):
    status = CommaSeparated(ROUTE_STATUSES)
    worker_handle = fields.String()
    ops_group_handle = fields.String()
    track_mode = fields.String(validate=validate.OneOf(TRACK_MODES))
    limit = _page_size()
    pagination_token = PaginationToken("routes")


# --- workers and ops groups ----------------------------------------------------------------------

class WorkerHome(LeanSchema):
    address = fields.String(allow_none=True)
    geometry = fields.Nested(PointLocationGeometry, allow_none=True)


class WorkerRequest(LeanSchema):
    """HyperTrack's ``PostWorkerRequest``."""

    worker_handle = fields.String(required=True, validate=validate.Length(min=1))
    ops_group_handle = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    profile = FreeFormObject(allow_none=True)
    home = fields.Nested(WorkerHome, allow_none=True)
    product_types = fields.List(fields.String(), allow_none=True)
    unavailable_on = fields.List(fields.String(), allow_none=True)
    device_id = fields.UUID(allow_none=True)
    schedule = fields.List(FreeFormObject(), allow_none=True)


class WorkerQuery(LeanSchema):
    include_deleted = fields.Boolean(load_default=False)
    from_time = fields.DateTime(allow_none=True)
    to_time = fields.DateTime(allow_none=True)
    date = fields.String(allow_none=True)
    include_summary = fields.Boolean(load_default=True)
    include_schedule = fields.Boolean(load_default=True)
    include_timeline = fields.Boolean(load_default=False)


class OpsGroupRequest(LeanSchema):
    """HyperTrack's ``PostOpsGroupRequest``."""

    ops_group_handle = fields.String(required=True, validate=validate.Length(min=1))
    ops_group_label = fields.String(required=True)
    route_start_location = fields.String(
        load_default="live_location", validate=validate.OneOf(("driver_home", "ops_group_home", "live_location")))
    route_completion_type = fields.String(
        load_default="end_at_last_order",
        validate=validate.OneOf(("end_at_last_order", "return_to_start_location", "manual")))
    objective_fn = fields.String(allow_none=True, load_default="minimise_time",
                                 validate=validate.OneOf(("minimise_time", "minimise_distance")))
    timezone = fields.String(load_default="UTC")
    shift_availability_mode = fields.String(allow_none=True, load_default="manual",
                                            validate=validate.OneOf(("auto", "manual")))
    order_tracking_mode = fields.String(allow_none=True)
    order_tracking_automation = FreeFormObject(allow_none=True)
    work_status_automation = fields.List(FreeFormObject(), allow_none=True)
    ops_group_home = FreeFormObject(allow_none=True)
    default_shift_start_time = fields.String(allow_none=True)
    default_shift_end_time = fields.String(allow_none=True)
    route_capacity = StrictInteger(allow_none=True)
    route_max_distance = StrictInteger(allow_none=True)
    operations_radius = StrictInteger(allow_none=True)
    enforce_operations_radius = fields.Boolean(allow_none=True)
    schedule = fields.List(FreeFormObject(), allow_none=True)
    app_config = FreeFormObject(allow_none=True)


class OpsGroupOut(OpsGroupRequest):
    """What ``POST /workers/ops-groups/`` answers: the ops group as stored."""

    route_capacity = StrictInteger(allow_none=True, required=True)
    route_max_distance = StrictInteger(allow_none=True, required=True)
    deleted = fields.Boolean(required=True)
    deleted_at = fields.String(allow_none=True, required=True)
