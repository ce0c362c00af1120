"""HyperTrack's answers as the mock sends them: documented in ``/openapi.json`` from these schemas.

Answers are encoded from the tenant's records directly (a marshmallow dump would cost as much as the
rest of a request); ``tests/test_declared_answers.py`` proves that every key any answer carries is
declared here, so the document never hides a field.
"""
from __future__ import annotations

from marshmallow import fields

from .fields import LeanSchema
from .planning import PLAN_MODES
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


class OrderEstimateOut(LeanSchema):
    """An open order's estimate while a phone drives to it (HyperTrack's ``OrderListEstimate``)."""

    arrive_at = nullable_string()
    distance = fields.Integer(allow_none=True)
    duration = fields.Integer(allow_none=True)
    initial_arrive_at = nullable_string()


class PolylineOut(LeanSchema):
    type = fields.String(required=True)
    coordinates = fields.List(fields.List(fields.Float()), required=True)


class RouteEstimateOut(LeanSchema):
    """A driven route's estimate (``RouteDetailEstimate``; Get Routes' ``RouteListEstimate`` has no polyline)."""

    distance = fields.Integer(required=True)
    duration = fields.Integer(required=True)
    polyline = fields.Nested(PolylineOut)


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
    plan_mode = one_of(PLAN_MODES, allow_none=True)
    estimate = fields.Nested(OrderEstimateOut)
    arrived_at = nullable_string()
    exited_at = nullable_string()
    actual_service_time = fields.Integer(allow_none=True)
    risks = fields.Dict(allow_none=True)
    risk_status = fields.Boolean(allow_none=True)


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
    plan_mode = one_of(PLAN_MODES, allow_none=True)


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
                                                     "cancelled", "geofence_entered", "geofence_exited")),
                  required=True)
    recorded_at = fields.String(required=True)
    order_handle = fields.String(required=True)
    metadata = fields.Dict(allow_none=True)
    route_handle = nullable_string()
    driver_handle = nullable_string()
    order_type = one_of(ORDER_TYPES, allow_none=True)
    fulfillment_attempt = fields.Integer()
    event_id = fields.String()
    location = fields.Dict(allow_none=True)
    duration = fields.Integer(allow_none=True)


class FulfillmentAttempt(LeanSchema):
    order_handle = fields.String(required=True)
    fulfillment_attempt = fields.Integer(required=True)


class AttachmentOut(LeanSchema):
    """An attachment as Update Order took it: an image or signature (``url``) or a note (``data``)."""

    type = one_of(("image", "note", "signature"), required=True)
    url = fields.String()
    caption = nullable_string()
    data = fields.String()


class OrderDetail(TrackedOrder):
    """An order on its own (Update Order's answer): where to watch it, its earlier attempts and
    attachments.  An order taken in unplanned has no route yet."""

    route_handle = nullable_string(required=True)
    share_url = nullable_string(required=True)
    embed_url = fields.String(required=True)
    previous_fulfillments = fields.List(fields.Nested(FulfillmentAttempt), required=True)
    attachments = fields.List(fields.Nested(AttachmentOut))


class OrderTimeline(OrderDetail):
    """Get Order Timeline, and the answer of Complete and Cancel Order."""

    timeline = fields.List(fields.Nested(TimelineEvent))


class ListedOrderOut(TrackedOrder):
    """An order as Get Orders lists it, or as planning takes it in (possibly unplanned: no route)."""

    route_handle = nullable_string(required=True)


class OrdersPage(LeanSchema):
    orders = fields.List(fields.Nested(ListedOrderOut))
    pagination_token = nullable_string()


class OrderList(LeanSchema):
    """Batch and Sequence Orders' answer when the orders are taken in unplanned (``OrderList``)."""

    orders = fields.List(fields.Nested(ListedOrderOut), required=True)


class Plan(LeanSchema):
    id = fields.String(required=True)
    href = fields.String(required=True)


class PlanAnswer(LeanSchema):
    """Batch and Sequence Orders' answer when planning is asynchronous (``PlanResponse``)."""

    route_handle = fields.String(required=True)
    version = fields.Integer(required=True)
    status = one_of(ROUTE_STATUSES, required=True)
    message = nullable_string(required=True)
    plan = fields.Nested(Plan, required=True)


class ListedOrder(LeanSchema):
    """An order of a listed route (HyperTrack's ``RouteListOrder``): its summary only."""

    order_handle = fields.String(required=True)
    status = one_of(ORDER_STATUSES, required=True)
    type = one_of(ORDER_TYPES, allow_none=True)
    type_index = fields.Integer()
    started_at = nullable_string()
    completed_at = nullable_string()
    cancelled_at = nullable_string()
    expected_service_time = fields.Integer()
    actual_service_time = fields.Integer(allow_none=True)
    estimate = fields.Nested(OrderEstimateOut)


class ListedRoute(Route):
    orders = fields.List(fields.Nested(ListedOrder), required=True)


class RoutesPage(LeanSchema):
    """Get Routes: ``pagination_token`` only when there is a next page (as HyperTrack's examples)."""

    routes = fields.List(fields.Nested(ListedRoute), required=True)
    pagination_token = fields.String()


class OrderWebhookData(LeanSchema):
    """An order webhook's ``data``: what every value carries, and each value's own fields (HyperTrack's
    ``Order<Value>WebhookEventData``)."""

    value = one_of(("assigned", "started", "updated", "completed", "cancelled", "first_eta", "eta_change",
                    "n_minutes_away", "delayed", "arrived", "exited", "risk_updated"), required=True)
    order_handle = fields.String(required=True)
    route_handle = fields.String(required=True)
    status = fields.String(required=True)
    share_url = nullable_string()
    metadata = fields.Dict(allow_none=True)
    assigned_at = fields.String()
    duration = fields.Integer()
    distance = fields.Integer(allow_none=True)
    remaining_duration = fields.Integer()
    remaining_distance = fields.Integer()
    remaining_minutes = fields.Integer()
    change_reason = nullable_string()
    arrive_at = fields.String()
    scheduled_at = nullable_string()
    initial_eta = nullable_string()
    place_handle = nullable_string()
    arrival = fields.Dict()
    exit = fields.Dict()
    reason = nullable_string()
    risks = fields.Dict()


class WebhookEventOut(LeanSchema):
    """An order's webhook as it was sent (HyperTrack's ``OrderWebhookEvent``), with how its delivery went."""

    account_id = fields.String(required=True)
    recorded_at = fields.String(required=True)
    created_at = fields.String(required=True)
    device_id = fields.String(required=True)
    worker_handle = nullable_string()
    type = one_of(("order",), required=True)
    data = fields.Nested(OrderWebhookData, required=True)
    version = fields.String(required=True)
    delivery_http_status = fields.Integer(allow_none=True)
    retry_count = fields.Integer(allow_none=True)


class OrderWebhooksPage(LeanSchema):
    webhooks = fields.List(fields.Nested(WebhookEventOut), required=True)
    pagination_token = nullable_string()


class WorkStatus(LeanSchema):
    tracking = fields.Boolean(required=True)
    available = fields.Boolean(required=True)


class HomeOut(LeanSchema):
    """A worker's home: a point always (HyperTrack geocodes a home given by its address alone)."""

    address = nullable_string()
    geometry = fields.Nested(GeometryOut, required=True)


class WorkerLocationOut(LeanSchema):
    """Where the worker's phone is (HyperTrack's ``MovementLocationResponse``): speed in m/s."""

    geometry = fields.Nested(GeometryOut, required=True)
    accuracy = fields.Float(allow_none=True)
    bearing = fields.Float(allow_none=True)
    speed = fields.Float(allow_none=True)
    recorded_at = nullable_string()


class DeviceStatusOut(LeanSchema):
    value = one_of(("active", "inactive", "disconnected"), required=True)
    data = fields.Dict(required=True)


class BatteryOut(LeanSchema):
    battery_percent = fields.Integer(required=True)
    recorded_at = fields.String(required=True)


class WorkerOut(LeanSchema):
    worker_handle = fields.String(required=True)
    name = nullable_string()
    ops_group_handle = fields.String(required=True)
    profile = fields.Dict(required=True)
    home = fields.Nested(HomeOut)
    product_types = fields.List(fields.String(), required=True)
    unavailable_on = fields.List(fields.String(), required=True)
    schedule = fields.List(fields.Dict(), allow_none=True)
    deleted = fields.Boolean()
    created_at = fields.String(required=True)
    deleted_at = nullable_string()
    device_id = nullable_string()
    work_status = fields.Nested(WorkStatus, required=True)
    timezone = fields.String()
    location = fields.Nested(WorkerLocationOut, allow_none=True)
    device_status = fields.Nested(DeviceStatusOut)
    battery = fields.Nested(BatteryOut)


class WorkersPage(LeanSchema):
    workers = fields.List(fields.Nested(WorkerOut), required=True)
    pagination_token = nullable_string()


class DeviceOut(LeanSchema):
    """A device of the worker (HyperTrack's ``DriverDevice``): since when it is linked."""

    device_id = fields.String(required=True)
    start_time = fields.String(required=True)


class WorkerTimeline(WorkerOut):
    current_date = fields.String(required=True)
    devices = fields.List(fields.Nested(DeviceOut))
    timeline = fields.List(fields.Dict())


class CompletedOrder(OrderTimeline):
    completed_at = fields.String(required=True)


class CancelledOrder(OrderTimeline):
    cancelled_at = fields.String(required=True)


class CompletedRoute(Route):
    completed_at = fields.String(required=True)
