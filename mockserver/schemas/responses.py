"""HyperTrack's answers as the mock sends them: documented in ``/openapi.json`` from these schemas.

Answers are encoded from the tenant's records directly (a marshmallow dump would cost as much as the
rest of a request); ``tests/test_declared_answers.py`` proves that every key any answer carries is
declared here, so the document never hides a field.
"""
from __future__ import annotations

from marshmallow import fields

from .fields import LeanSchema
from .track import (
    DEVICE_SWITCH_MODES,
    ORDER_STATUSES,
    ORDER_TYPES,
    PRIORITIES,
    ROUTE_STATUSES,
    TRACK_MODES,
    nullable_string,
    one_of,
)


class GeometryOut(LeanSchema):
    type = fields.String(required=True)
    coordinates = fields.Raw(required=True)


class DestinationOut(LeanSchema):
    geometry = fields.Nested(GeometryOut, required=True)
    address = nullable_string()
    radius = fields.Integer(allow_none=True)
    place_handle = nullable_string()
    geofence_id = nullable_string()
    place_id = nullable_string()


class TrackedOrder(LeanSchema):
    order_handle = fields.String(required=True)
    fulfillment_attempt = fields.Integer(required=True)
    status = one_of(ORDER_STATUSES, required=True)
    destination = fields.Nested(DestinationOut, required=True)
    track_mode = one_of(TRACK_MODES, allow_none=True, required=True)
    scheduled_at = nullable_string(required=True)
    scheduled_after = nullable_string()
    started_at = nullable_string(required=True)
    type = one_of(ORDER_TYPES, allow_none=True)
    type_index = fields.Integer(required=True)
    expected_service_time = fields.Integer(required=True)
    capacity_used = fields.Integer(required=True)
    priority = one_of(PRIORITIES, allow_none=True)
    share_url = fields.String(required=True)
    device_id = nullable_string(required=True)
    worker_handle = nullable_string(required=True)
    ops_group_handle = fields.String(required=True)
    created_at = fields.String(required=True)
    assigned_at = nullable_string(required=True)
    route_handle = fields.String(required=True)
    planned_at = nullable_string(required=True)
    completed_at = nullable_string()
    cancelled_at = nullable_string()
    metadata = fields.Dict(allow_none=True)
    product_type = fields.List(fields.String(), allow_none=True)


class TrackOrdersResponse(LeanSchema):
    route_handle = fields.String(required=True)
    status = one_of(ROUTE_STATUSES, required=True)
    version = fields.Integer(required=True)
    embed_url = fields.String(required=True)
    orders = fields.List(fields.Nested(TrackedOrder), required=True)
    started_at = fields.String(required=True)
    assigned_at = fields.String(required=True)
    created_at = fields.String(required=True)
    planned_at = nullable_string(required=True)
    completed_at = nullable_string()
    device_id = nullable_string(required=True)
    worker_handle = nullable_string(required=True)
    track_mode = one_of(TRACK_MODES, required=True)
    ops_group_handle = fields.String(required=True)
    device_switch_mode = one_of(DEVICE_SWITCH_MODES, allow_none=True)
    metadata = fields.Dict(allow_none=True)


class Route(TrackOrdersResponse):
    """A route read back or listed (HyperTrack's ``GetOrdersByRouteHandleResponse``): a planned route
    has no ``track_mode`` yet, and one not started no ``started_at``."""

    track_mode = one_of(TRACK_MODES, allow_none=True)
    started_at = nullable_string()
    assigned_at = nullable_string()


class BusinessError(LeanSchema):
    """HyperTrack's ``Error``: ``detail`` is an object, a string or null depending on the code."""

    code = fields.String(required=True)
    title = fields.String(required=True)
    detail = fields.Raw(allow_none=True)


class TimelineEvent(LeanSchema):
    """An order's timeline event, as HyperTrack's examples write it (each kind with its own fields)."""

    type = one_of(tuple(f"order_{kind}" for kind in ("created", "planned", "assigned", "started", "completed",
                                                     "cancelled")), required=True)
    recorded_at = fields.String(required=True)
    order_handle = fields.String(required=True)
    metadata = fields.Dict(allow_none=True)
    route_handle = fields.String()
    driver_handle = nullable_string()
    order_type = one_of(ORDER_TYPES, allow_none=True)
    fulfillment_attempt = fields.Integer()


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
    pagination_token = nullable_string()


class RoutesPage(LeanSchema):
    routes = fields.List(fields.Nested(Route))
    pagination_token = nullable_string()


class WorkStatus(LeanSchema):
    tracking = fields.Boolean()
    available = fields.Boolean()


class WorkerOut(LeanSchema):
    worker_handle = fields.String()
    name = nullable_string()
    ops_group_handle = fields.String()
    profile = fields.Dict()
    home = fields.Dict(allow_none=True)
    product_types = fields.List(fields.String())
    unavailable_on = fields.List(fields.String())
    schedule = fields.List(fields.Dict(), allow_none=True)
    deleted = fields.Boolean()
    created_at = fields.String()
    deleted_at = nullable_string()
    device_id = nullable_string()
    work_status = fields.Nested(WorkStatus)
    timezone = fields.String()


class DeviceOut(LeanSchema):
    device_id = fields.String()
    name = nullable_string()
    worker_handle = nullable_string()


class WorkerTimeline(WorkerOut):
    current_date = fields.String()
    devices = fields.List(fields.Nested(DeviceOut))
    timeline = fields.List(fields.Dict())


class CompletedOrder(OrderTimeline):
    completed_at = fields.String(required=True)


class CancelledOrder(OrderTimeline):
    cancelled_at = fields.String(required=True)


class CompletedRoute(Route):
    completed_at = fields.String(required=True)
