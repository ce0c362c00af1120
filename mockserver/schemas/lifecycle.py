"""Request schemas of the endpoints around ``POST /orders/track``: orders, routes, workers, ops groups.

Parameter names, types and enums follow HyperTrack's full published spec (Get Order Timeline, Complete
and Cancel Order, List Orders, Get and Complete Route, List Routes, Workers, Ops Groups).  Documented
parameters the mock accepts but does not act on are listed in the README.
"""
from __future__ import annotations

import base64
import binascii

from marshmallow import ValidationError, fields, validate, validates_schema

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
    """An opaque cursor bound to one listing: the log position after which the next page starts."""

    def __init__(self, kind: str, **kwargs):
        super().__init__(**kwargs)
        self.kind = kind

    def serialize_position(self, position) -> str:
        return base64.urlsafe_b64encode(f"{self.kind}:{position}".encode()).decode().rstrip("=")

    @staticmethod
    def _position(text: str):
        """The position a token holds, or None if it holds none."""
        return int(text) if text.isdigit() else None

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            kind, colon, held = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition(":")
            position = self._position(held) if kind == self.kind and colon else None
            if position is not None:
                return position
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
        raise ValidationError("Not a valid pagination token.")


class HandleToken(PaginationToken):
    """A cursor over a listing in handle order: the last handle of the page before."""

    @staticmethod
    def _position(text: str):
        return text


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

DAYS_OF_WEEK = ("SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")
AUTOMATION_MODES = ("auto", "auto_start", "auto_stop")


class WorkerHome(LeanSchema):
    """HyperTrack's ``LocationWithoutRadius``: an address, a point, or both."""

    address = fields.String(allow_none=True)
    geometry = fields.Nested(PointLocationGeometry, allow_none=True)


class ShiftTime(fields.Field):
    """A shift's start or end: ``"HH:mm"`` as HyperTrack's schema types it, or minutes of the day
    (``1080``) as every example of its worker operations sends it; kept as sent."""

    def openapi(self, resolve):
        return {"anyOf": [{"type": "string"}, {"type": "integer"}]}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValidationError("Not a valid time: a string (HH:mm) or minutes of the day.")
        return value


class OpsGroupSchedule(LeanSchema):
    """One shift: on a ``date`` (``OpsGroupDateSchedule``) or every ``day_of_week``
    (``OpsGroupRecurringSchedule``); exactly one of the two."""

    start_time = fields.String(required=True)
    end_time = fields.String(required=True)
    date = fields.String()
    day_of_week = fields.String(validate=validate.OneOf(DAYS_OF_WEEK))
    priority = StrictInteger(allow_none=True)

    @validates_schema
    def _date_or_day(self, data, **kwargs):
        if ("date" in data) == ("day_of_week" in data):
            raise ValidationError("A schedule has a date or a day_of_week, not both and not neither.")


class Schedule(OpsGroupSchedule):
    """A worker's shift (``DriverDateSchedule`` / ``DriverRecurringSchedule``), in an ops group."""

    start_time = ShiftTime(required=True)
    end_time = ShiftTime(required=True)
    ops_group_handle = fields.String(allow_none=True)


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
    schedule = fields.List(fields.Nested(Schedule), allow_none=True)


class WorkerQuery(LeanSchema):
    include_deleted = fields.Boolean(load_default=False)
    from_time = fields.DateTime(allow_none=True)
    to_time = fields.DateTime(allow_none=True)
    date = fields.String(allow_none=True)
    include_summary = fields.Boolean(load_default=True)
    include_schedule = fields.Boolean(load_default=True)
    include_timeline = fields.Boolean(load_default=False)


class ListWorkersQuery(LeanSchema):
    """Get Workers: the filters the mock acts on (HyperTrack's others are accepted and ignored)."""

    ops_group_handle = fields.String()
    worker_handle = fields.String()
    device_id = fields.String()
    include_deleted = fields.Boolean(load_default=False)
    limit = _page_size()
    pagination_token = HandleToken("workers")


class OpsGroupHome(LeanSchema):
    geometry = fields.Nested(PointLocationGeometry, required=True)
    address = fields.String(allow_none=True)


class CancelAutomation(LeanSchema):
    """``ApprovalAutomation`` and ``AcceptanceAutomation``."""

    auto_cancel = fields.Boolean(required=True)
    cancel_before_scheduled_in_seconds = StrictInteger(allow_none=True)


class TrackingAutomation(LeanSchema):
    """``OpsGroupOrderTrackingAutomation``."""

    type = fields.String(required=True, validate=validate.OneOf(("manual", "shift", "order", "route",
                                                                 "order_and_route")))
    mode = fields.String(allow_none=True, validate=validate.OneOf(AUTOMATION_MODES))
    lead_time = StrictInteger(allow_none=True, validate=validate.Range(min=0, max=86399))
    lag_time = StrictInteger(allow_none=True, validate=validate.Range(min=0, max=86399))
    approval = fields.Nested(CancelAutomation, allow_none=True)
    acceptance = fields.Nested(CancelAutomation, allow_none=True)


class WorkStatusAutomation(LeanSchema):
    type = fields.String(required=True, validate=validate.OneOf(("manual", "tracking", "available")))
    mode = fields.String(allow_none=True, validate=validate.OneOf(AUTOMATION_MODES))


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
    order_tracking_automation = fields.Nested(TrackingAutomation, allow_none=True)
    work_status_automation = fields.List(fields.Nested(WorkStatusAutomation), allow_none=True)
    ops_group_home = fields.Nested(OpsGroupHome, allow_none=True)
    default_shift_start_time = fields.String(allow_none=True)
    default_shift_end_time = fields.String(allow_none=True)
    route_capacity = StrictInteger(allow_none=True)
    route_max_distance = StrictInteger(allow_none=True)
    operations_radius = StrictInteger(allow_none=True)
    enforce_operations_radius = fields.Boolean(allow_none=True)
    schedule = fields.List(fields.Nested(OpsGroupSchedule), allow_none=True)
    app_config = FreeFormObject(allow_none=True)


class OpsGroupOut(OpsGroupRequest):
    """What ``POST /workers/ops-groups/`` answers (``PostOpsGroupResponse``): the ops group as stored,
    without the keys it has no value for; capacity and distance default as ``records`` says."""

    route_capacity = StrictInteger(required=True)
    route_max_distance = StrictInteger(required=True)
    timezone = fields.String(required=True)
    shift_availability_mode = fields.String(required=True)
    deleted = fields.Boolean()
    deleted_at = fields.String()
