"""Routes: read one, complete one (cancelling its unfinished orders), list them."""
from ...models import errors
from ...schemas.lifecycle import CompleteRouteQuery, CompleteRouteRequest, ListRoutesQuery, RouteQuery
from ...schemas.responses import BusinessError, CompletedRoute, Route, RoutesPage
from ..operations import DataPlaneBlueprint, documented
from . import shared

bp = DataPlaneBlueprint("routes", __name__, tag=shared.ORDERS)


@bp.operation("GET", "/orders/routes/<route_handle>", query=RouteQuery, summary="Get Order by Route Handle",
              responses={200: documented(Route, "The route and its orders"), 404: "Not Found"})
def get_route(tenant, route_handle, query):
    return tenant.route_view(route_handle)


@bp.operation("POST", "/orders/routes/<route_handle>/complete", query=CompleteRouteQuery,
              body=CompleteRouteRequest, summary="Complete Route",
              responses={200: documented(CompletedRoute, "The completed route"), 404: "Not Found",
                         409: documented(BusinessError, "Route already completed")},
              errors=(errors.RouteAlreadyCompletedConflict,))
def complete_route(tenant, route_handle, query, body):
    return tenant.complete_route(route_handle)


@bp.operation("GET", "/orders/routes/", query=ListRoutesQuery, summary="List Routes",
              description="Routes that pass the filters, by created_at (sort_direction: asc, the default, or desc).",
              responses={200: documented(RoutesPage, "A page of routes")})
def list_routes(tenant, query):
    routes, cursor = tenant.list_routes(query, **shared.paging(query))
    return shared.page("routes", routes, list_routes.operation.query, cursor, last_page_token=False)
