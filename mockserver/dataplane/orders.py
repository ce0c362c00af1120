"""Orders: track, read back (Get Order Timeline), complete, cancel, and list."""
from apiflask import APIBlueprint
from flask import g

from ..jsonbody import json_body
from ..schemas.hypertrack import (
    BusinessError, CancelledOrder, CompletedOrder, OrdersPage, OrderTimeline, TrackOrdersRequest,
    TrackOrdersResponse,
)
from ..schemas.lifecycle import (
    FinishOrderQuery, FinishOrderRequest, ListOrdersQuery, OrderTimelineQuery,
)
from . import ORDERS_TAG, authenticate, documented, page

bp = APIBlueprint("orders", __name__, tag=ORDERS_TAG)
bp.before_request(authenticate)


@bp.post("/orders/track")
@bp.doc(
    summary="Track Orders",
    description="Create a route from orders and start tracking it, or start tracking a planned "
                "route by its route_handle.",
    security=["BasicAuth", "TokenAuth"],
    responses={
        201: documented(TrackOrdersResponse, "Successful response"),
        400: documented(BusinessError, "Bad Request"),
        404: documented(BusinessError, "Not Found"),
        409: documented(BusinessError, "Conflict"),
    },
)
@json_body(TrackOrdersRequest)
def track_orders(json_data):
    return g.tenant.track_orders(json_data), 201


@bp.get("/orders/<order_handle>")
@bp.input(OrderTimelineQuery, location="query")
@bp.doc(summary="Get Order Timeline", security=["BasicAuth", "TokenAuth"],
        responses={200: documented(OrderTimeline, "The order and its timeline"), 404: "Not Found"})
def get_order(order_handle, query_data):
    return g.tenant.order_view(order_handle, query_data.get("fulfillment_attempt"))


def _finish(order_handle, outcome, query_data, json_data):
    return g.tenant.finish_order(
        order_handle, outcome, metadata=json_data.get("metadata"),
        attempt=query_data.get("fulfillment_attempt"), order_type=query_data.get("type"),
        type_index=query_data.get("type_index"))


@bp.post("/orders/<order_handle>/complete")
@bp.input(FinishOrderQuery, location="query")
@bp.doc(summary="Complete Order", security=["BasicAuth", "TokenAuth"],
        responses={200: documented(CompletedOrder, "The completed order"), 404: "Not Found",
                   409: documented(BusinessError, "The order is already finished")})
@json_body(FinishOrderRequest)
def complete_order(order_handle, query_data, json_data):
    return _finish(order_handle, "completed", query_data, json_data)


@bp.post("/orders/<order_handle>/cancel")
@bp.input(FinishOrderQuery, location="query")
@bp.doc(summary="Cancel Order", security=["BasicAuth", "TokenAuth"],
        responses={200: documented(CancelledOrder, "The cancelled order"), 404: "Not Found",
                   409: documented(BusinessError, "The order is already finished")})
@json_body(FinishOrderRequest)
def cancel_order(order_handle, query_data, json_data):
    return _finish(order_handle, "cancelled", query_data, json_data)


@bp.get("/orders/")
@bp.input(ListOrdersQuery, location="query")
@bp.doc(summary="List Orders", description="Latest fulfilment of each order, oldest first.",
        security=["BasicAuth", "TokenAuth"], responses={200: documented(OrdersPage, "A page of orders")})
def list_orders(query_data):
    orders, cursor = g.tenant.list_orders(
        statuses=query_data.get("status"), worker_handle=query_data.get("worker_handle"),
        route_handle=query_data.get("route_handle"), ops_group_handle=query_data.get("ops_group_handle"),
        limit=query_data["limit"], after=query_data.get("pagination_token", -1))
    return page("orders", orders, ListOrdersQuery, cursor)
