"""Request schemas of the endpoints around ``POST /orders/track``: orders, routes, workers, ops groups.

Parameter names, types and enums follow HyperTrack's full published spec (Get Order Timeline, Complete
and Cancel Order, List Orders, Get and Complete Route, List Routes, Workers, Ops Groups).  A parameter
the mock accepts but does not apply is declared with ``not_applied``: a request that sends it is told so
(``X-Mock-Ignored-Parameters``), or refused with ``--strict-parameters``.
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime, timedelta

from marshmallow import ValidationError, fields, validate, validates_schema

from ..models.filters import LOCAL_WINDOWS, ORDER_WINDOWS, ROUTE_WINDOWS
from .fields import FreeFormObject, LeanSchema, StrictInteger
from .planning import PLAN_MODES
from .track import DEVICE_SWITCH_MODES, ORDER_TYPES, ROUTE_STATUSES, TRACK_MODES, PointLocationGeometry

#: The statuses GET /orders/ may filter on, as HyperTrack lists them (plus the ones its orders can have).
ORDER_FILTER_STATUSES = ("completed", "cancelled", "rescheduled", "disabled", "ongoing", "unplanned",
                         "assigned", "planned", "dispatched", "summarizing")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
#: Why a parameter is marked ``not_applied`` in the OpenAPI document.
NOT_APPLIED = ("Accepted, not applied by the mock (its state cannot answer it): named in the answer's "
               "X-Mock-Ignored-Parameters header, refused with --strict-parameters.")
SORT_DIRECTIONS = ("asc", "desc")


def not_applied(field: fields.Field | None = None) -> fields.Field:
    """A documented parameter the mock accepts but does not apply (a string unless ``field`` says)."""
    field = field if field is not None else fields.String(allow_none=True)
    field.metadata = {**field.metadata, "ignored": True, "description": NOT_APPLIED}
    return field


def applied_names(schema) -> frozenset:
    """The query parameters a schema loads that the mock applies (those not marked ``not_applied``)."""
    return frozenset(field.data_key or name for name, field in schema.fields.items()
                     if not field.metadata.get("ignored"))


class QueryText(fields.String):
    """A query parameter written as text and loaded as something else; ``DESCRIPTION`` documents it (the
    parameters of ``/openapi.json`` are typed from the field's class, described from its metadata)."""

    DESCRIPTION = ""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata = {"description": self.DESCRIPTION, **self.metadata}

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class Handles(QueryText):
    """``w1,w2`` -> ``{"w1", "w2"}``: a comma-separated list of handles, any of which matches."""

    DESCRIPTION = "One handle, or several separated by commas (any of them matches)."

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Not a valid string.")
        return {part.strip() for part in value.split(",") if part.strip()}


class Day(QueryText):
    """A date as HyperTrack's filters write it, ``YYYY-MM-DD``."""

    DESCRIPTION = "A date, YYYY-MM-DD."

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ValidationError("Not a valid date: YYYY-MM-DD.")


#: What a window's bound may be written as, and how long the instant it names lasts.
BOUND_FORMATS = (("%Y-%m-%d %H:%M:%S", timedelta(seconds=1)), ("%Y-%m-%dT%H:%M:%S", timedelta(seconds=1)),
                 ("%Y-%m-%d", timedelta(days=1)))


class Bound(QueryText):
    """One end of a window, ``YYYY-MM-DD HH:mm:ss`` (or a date alone: that day's start, or its end), as a
    naive datetime: the window's first instant (``end=False``) or the first instant past it (``end=True``:
    the window is inclusive of its last second, or day)."""

    DESCRIPTION = "YYYY-MM-DD HH:mm:ss (or YYYY-MM-DD, the whole day); the window includes both ends."

    def __init__(self, *, end: bool = False, **kwargs):
        super().__init__(allow_none=True, **kwargs)
        self.end = end

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            for pattern, step in BOUND_FORMATS:
                try:
                    instant = datetime.strptime(value, pattern)
                except ValueError:
                    continue
                return instant + step if self.end else instant
        raise ValidationError("Not a valid timestamp: YYYY-MM-DD HH:mm:ss (or YYYY-MM-DD).")


class JSONObject(QueryText):
    """A JSON-encoded object (``order_metadata_filter={"zone": "north"}``), decoded."""

    DESCRIPTION = "A JSON-encoded object: matches when every key it names is there with an equal value."

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            document = json.loads(value) if isinstance(value, str) else None
        except (ValueError, RecursionError):
            document = None
        if not isinstance(document, dict):
            raise ValidationError("Not a valid JSON-encoded object.")
        return document


def _choice(choices):
    return fields.String(allow_none=True, validate=validate.OneOf(choices))


def _windows(*names: str, days: bool = True) -> dict:
    """The ``<name>_date``, ``<name>_from`` and ``<name>_to`` fields of each name."""
    declared = {}
    for name in names:
        if days:
            declared[f"{name}_date"] = Day()
        declared[f"{name}_from"] = Bound()
        declared[f"{name}_to"] = Bound(end=True)
    return declared


class CommaSeparated(fields.String):
    """``status=completed,cancelled`` -> ``{"completed", "cancelled"}``, each value checked."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.metadata = {"description": f"One, or several separated by commas, among: {', '.join(choices)}.",
                         **self.metadata}

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
    on_shift_only = not_applied(fields.Boolean(allow_none=True))
    from_time = not_applied()
    to_time = not_applied()
    allow_mocked_events = not_applied(fields.Boolean(allow_none=True))
    device_id = not_applied()


class FinishOrderQuery(LeanSchema):
    type = fields.String(allow_none=True, validate=validate.OneOf(ORDER_TYPES))
    type_index = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    fulfillment_attempt = fields.Integer(allow_none=True, validate=validate.Range(min=0))


class FinishOrderRequest(LeanSchema):
    """HyperTrack's Complete/Cancel Order bodies declare no properties; the mock keeps ``metadata``."""

    metadata = FreeFormObject(allow_none=True)


def _local_windows(windows) -> dict:
    return {name: Day() if kind == "date" else Bound(end=kind == "to") for name, _, kind in windows}


class ListOrdersQuery(LeanSchema):
    """Get Orders' 56 parameters: each one the mock's state can answer applied as HyperTrack's spec
    describes it, the others ``not_applied``."""

    status = CommaSeparated(ORDER_FILTER_STATUSES)
    worker_handle = fields.String()
    driver_handle = fields.String(metadata={"deprecated": True})
    route_handle = fields.String()
    ops_group_handle = fields.String()
    place_handle = fields.String()
    device_id = fields.String()
    plan_mode = _choice(PLAN_MODES + ("pool",))
    track_mode = _choice(TRACK_MODES)
    device_switch_mode = _choice(DEVICE_SWITCH_MODES)
    fulfillment_attempt = fields.Integer(allow_none=True)
    search_term = fields.String()
    order_metadata_filter = JSONObject()
    worker_profile_filter = JSONObject()
    destination_geohash = fields.String(validate=validate.Regexp(
        r"^[0123456789bcdefghjkmnpqrstuvwxyz]{1,12}$", error="Not a valid geohash."))
    risk_status = fields.Boolean(allow_none=True)
    worker_inside_destination = fields.Boolean(allow_none=True)
    tracking_status = _choice(("tracked", "untracked"))
    sort_direction = _choice(SORT_DIRECTIONS)
    # a class body's namespace is its locals(): the 30 date and window fields, declared from their names
    locals().update(_windows(*ORDER_WINDOWS, "route_started_at"))
    locals().update(_local_windows(LOCAL_WINDOWS))
    plan_id = not_applied()
    region_filter = not_applied()
    aggregate = not_applied(fields.Boolean(allow_none=True))
    send_outage = not_applied(fields.Boolean(allow_none=True))
    filter_outage_category = not_applied()
    limit = _page_size()
    pagination_token = PaginationToken("orders")


# --- routes ----------------------------------------------------------------------------------------

class RouteQuery(LeanSchema):
    include_summary = not_applied(fields.Boolean(load_default=True, allow_none=True))


class CompleteRouteQuery(LeanSchema):
    version = not_applied(fields.Integer(allow_none=True))


class CompleteRouteRequest(LeanSchema):
    """HyperTrack's Complete Route body: an object with no properties."""


class ListRoutesQuery(LeanSchema):
    """Get Routes' 33 parameters: each one the mock's state can answer applied, the others ``not_applied``."""

    status = CommaSeparated(ROUTE_STATUSES)
    worker_handle = fields.String()
    driver_handle = fields.String(metadata={"deprecated": True})
    ops_group_handle = Handles()
    track_mode = fields.String(validate=validate.OneOf(TRACK_MODES))
    plan_mode = _choice(PLAN_MODES)
    device_switch_mode = _choice(DEVICE_SWITCH_MODES)
    device_id = fields.String()
    search_term = fields.String()
    route_metadata_filter = JSONObject()
    sort_direction = _choice(SORT_DIRECTIONS)
    locals().update(_windows(*ROUTE_WINDOWS))  # as Get Orders' windows
    start_by_date = not_applied(Day())
    start_by_from = not_applied(Bound())
    start_by_to = not_applied(Bound(end=True))
    scheduled_start_at_from = not_applied(Bound())
    scheduled_start_at_to = not_applied(Bound(end=True))
    plan_id = not_applied()
    region_filter = not_applied()
    device_metadata_filter = not_applied()
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
    from_time = not_applied(fields.DateTime(allow_none=True))
    to_time = not_applied(fields.DateTime(allow_none=True))
    date = not_applied()
    include_summary = not_applied(fields.Boolean(load_default=True))
    include_schedule = not_applied(fields.Boolean(load_default=True))
    include_timeline = not_applied(fields.Boolean(load_default=False))


class ListWorkersQuery(LeanSchema):
    """Get Workers' 25 parameters: the filters on what the mock keeps of a worker applied, the summary's
    and the aggregates' (periods, outages, regions) ``not_applied``."""

    ops_group_handle = Handles()
    worker_handle = Handles()
    device_id = fields.String()
    search_term = fields.String()
    profile = JSONObject()
    work_status = JSONObject()
    filter_status = _choice(("active", "inactive", "disconnected"))
    include_deleted = fields.Boolean(load_default=False)
    include_schedule = fields.Boolean(load_default=True)
    include_summary = not_applied(fields.Boolean(allow_none=True))
    from_date = not_applied(Day())
    to_date = not_applied(Day())
    from_time = not_applied(fields.String(allow_none=True, metadata={"deprecated": True}))
    to_time = not_applied(fields.String(allow_none=True, metadata={"deprecated": True}))
    filter_outage = not_applied()
    filter_outage_category = not_applied()
    filter_geofence_metadata = not_applied()
    aggregate = not_applied(fields.Boolean(allow_none=True))
    tracked = not_applied(fields.Boolean(allow_none=True))
    worked = not_applied(fields.Boolean(allow_none=True))
    intended_to_track = not_applied(fields.Boolean(allow_none=True))
    include_lp = not_applied(fields.Boolean(allow_none=True))
    region_filter = not_applied()
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
