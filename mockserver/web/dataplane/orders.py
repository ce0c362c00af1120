"""Orders: track, plan (Batch and Sequence Orders), read back (Get Order Timeline), update, complete,
cancel, and list."""
from ...models import errors
from ...schemas.lifecycle import FinishOrderQuery, FinishOrderRequest, ListOrdersQuery, OrderTimelineQuery
from ...schemas.planning import BatchOrdersRequest, PatchOrderQuery, PatchOrderRequest
from ...schemas.responses import (
    BusinessError,
    CancelledOrder,
    CompletedOrder,
    OrderDetail,
    OrderList,
    OrdersPage,
    OrderTimeline,
    OrderWebhooksPage,
    PlanAnswer,
    Route,
    TrackOrdersResponse,
)
from ...schemas.track import TrackOrdersRequest
from ...schemas.webhooks import OrderWebhooksQuery
from ..operations import DataPlaneBlueprint, documented
from . import shared

bp = DataPlaneBlueprint("orders", __name__, tag=shared.ORDERS)


@bp.operation(
    "POST", "/orders/track", body=TrackOrdersRequest, status=201,
    summary="Track Orders",
    description="Create a route from orders and start tracking it, or start tracking a planned "
                "route by its route_handle.",
    responses={
        201: documented(TrackOrdersResponse, "Successful response"),
        400: documented({"oneOf": [BusinessError, {"$ref": "#/components/schemas/HTTPError"}]},
                        "A business rule refused (code, title, detail), or a body that is no JSON (detail, message)"),
        404: documented(BusinessError, "Not Found"),
        409: documented(BusinessError, "Conflict"),
    },
    errors=(errors.OrderRequestMalformed, errors.RouteAlreadyCompleted, errors.RouteAlreadyTracking,
            errors.RouteCannotBeTracked, errors.OpsGroupNotDefined, errors.DriverNotLinkedToDevice,
            errors.DestinationPlaceNotFound, errors.DriverNotFound, errors.RouteNotFound, errors.DriverDeleted,
            errors.DeviceNotFound, errors.GeofenceNotFound, errors.DuplicateRoute, errors.DuplicateOrder),
)
def track_orders(tenant, body):
    return tenant.track_orders(body)


@bp.operation("GET", "/orders/<order_handle>", query=OrderTimelineQuery, summary="Get Order Timeline",
              responses={200: documented(OrderTimeline, "The order and its timeline"), 404: "Not Found"})
def get_order(tenant, order_handle, query):
    return tenant.order_view(order_handle, query.get("fulfillment_attempt"))


@bp.operation("PATCH", "/orders/<order_handle>", query=PatchOrderQuery, body=PatchOrderRequest,
              summary="Update Order",
              description="Each field sent replaces the order's; the destination only until tracking starts.",
              responses={200: documented(OrderDetail, "The updated order"), 404: "Not Found"})
def update_order(tenant, order_handle, query, body):
    return tenant.update_order(order_handle, body, attempt=query.get("fulfillment_attempt"),
                               order_type=query.get("type"), type_index=query.get("type_index"))


@bp.operation(
    "POST", "/orders/", body=BatchOrdersRequest, status=201, summary="Batch and Sequence Orders",
    description="Plan orders into a route that is not tracking yet (manual with a worker, on_demand), or "
                "take them in unplanned (manual without a worker); scheduled and asynchronous on_demand "
                "planning answer the plan.",
    responses={
        201: documented({"oneOf": [Route, PlanAnswer, OrderList]}, "The route, the plan or the orders"),
        400: documented(BusinessError, "Ops Group is not defined, or a place_handle is unknown"),
        404: documented(BusinessError, "Worker, or geofence, not found"),
        409: documented(BusinessError, "An order with that handle is still in progress"),
    },
    errors=(errors.OpsGroupNotDefined, errors.DestinationPlaceNotFound, errors.DriverNotFound, errors.DriverDeleted,
            errors.GeofenceNotFound, errors.DuplicateOrder),
)
def plan_orders(tenant, body):
    return tenant.plan_orders(body)


@bp.operation("GET", "/orders/<order_handle>/webhooks", query=OrderWebhooksQuery, summary="Get Order Webhooks",
              description="The webhooks sent for an order (to the receiver set with PUT /__mock/webhook), "
                          "newest first.",
              responses={200: documented(OrderWebhooksPage, "A page of the order's webhooks"), 404: "Not Found"})
def order_webhooks(tenant, order_handle, query):
    events, cursor = tenant.order_webhooks(
        order_handle, values=query.get("value"), from_time=query.get("from_time"), to_time=query.get("to_time"),
        attempt=query.get("fulfillment_attempt"), limit=query["limit"], cursor=query.get("pagination_token"),
        ascending=query["sort_direction"] == "asc")
    return shared.page("webhooks", events, order_webhooks.operation.query, cursor)


def _finish(tenant, order_handle, outcome, query, body):
    return tenant.finish_order(
        order_handle, outcome, metadata=body.get("metadata"), attempt=query.get("fulfillment_attempt"),
        order_type=query.get("type"), type_index=query.get("type_index"))


@bp.operation("POST", "/orders/<order_handle>/complete", query=FinishOrderQuery, body=FinishOrderRequest,
              summary="Complete Order",
              responses={200: documented(CompletedOrder, "The completed order"), 404: "Not Found",
                         409: documented(BusinessError, "The order is already finished")},
              errors=(errors.OrderAlreadyFinished,))
def complete_order(tenant, order_handle, query, body):
    return _finish(tenant, order_handle, "completed", query, body)


@bp.operation("POST", "/orders/<order_handle>/cancel", query=FinishOrderQuery, body=FinishOrderRequest,
              summary="Cancel Order",
              responses={200: documented(CancelledOrder, "The cancelled order"), 404: "Not Found",
                         409: documented(BusinessError, "The order is already finished")},
              errors=(errors.OrderAlreadyFinished,))
def cancel_order(tenant, order_handle, query, body):
    return _finish(tenant, order_handle, "cancelled", query, body)


@bp.operation("GET", "/orders/", query=ListOrdersQuery, summary="List Orders",
              description="Latest fulfilment of each order that passes the filters, by created_at "
                          "(sort_direction: asc, the default, or desc).",
              responses={200: documented(OrdersPage, "A page of orders")})
def list_orders(tenant, query):
    orders, cursor = tenant.list_orders(query, **shared.paging(query))
    return shared.page("orders", orders, list_orders.operation.query, cursor)
