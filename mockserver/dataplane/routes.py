"""Routes: read one, complete one (cancelling its unfinished orders), list them."""
from apiflask import APIBlueprint
from flask import g

from ..jsonbody import json_body
from ..schemas.hypertrack import BusinessError, CompletedRoute, RoutesPage, TrackOrdersResponse
from ..schemas.lifecycle import CompleteRouteQuery, CompleteRouteRequest, ListRoutesQuery, RouteQuery
from . import ORDERS_TAG, authenticate, documented, page

bp = APIBlueprint("routes", __name__, tag=ORDERS_TAG)
bp.before_request(authenticate)


@bp.get("/orders/routes/<route_handle>")
@bp.input(RouteQuery, location="query")
@bp.doc(summary="Get Order by Route Handle", security=["BasicAuth", "TokenAuth"],
        responses={200: documented(TrackOrdersResponse, "The route and its orders"), 404: "Not Found"})
def get_route(route_handle, query_data):
    return g.tenant.route_view(route_handle)


@bp.post("/orders/routes/<route_handle>/complete")
@bp.input(CompleteRouteQuery, location="query")
@bp.doc(summary="Complete Route", security=["BasicAuth", "TokenAuth"],
        responses={200: documented(CompletedRoute, "The completed route"), 404: "Not Found",
                   409: documented(BusinessError, "Route already completed")})
@json_body(CompleteRouteRequest)
def complete_route(route_handle, query_data, json_data):
    return g.tenant.complete_route(route_handle)


@bp.get("/orders/routes/")
@bp.input(ListRoutesQuery, location="query")
@bp.doc(summary="List Routes", description="Routes oldest first.", security=["BasicAuth", "TokenAuth"],
        responses={200: documented(RoutesPage, "A page of routes")})
def list_routes(query_data):
    routes, cursor = g.tenant.list_routes(
        statuses=query_data.get("status"), worker_handle=query_data.get("worker_handle"),
        ops_group_handle=query_data.get("ops_group_handle"), track_mode=query_data.get("track_mode"),
        limit=query_data["limit"], after=query_data.get("pagination_token", -1))
    return page("routes", routes, ListRoutesQuery, cursor)
