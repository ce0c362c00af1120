"""``POST /orders/track``."""
from apiflask import APIBlueprint
from flask import g

from ..jsonbody import json_body
from ..schemas.hypertrack import BusinessError, TrackOrdersRequest, TrackOrdersResponse
from . import authenticate

bp = APIBlueprint("orders", __name__, tag="Orders")
bp.before_request(authenticate)


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@bp.post("/orders/track")
@bp.doc(
    summary="Track Orders",
    description="Create a route from orders and start tracking it, or start tracking a planned "
                "route by its route_handle.",
    security=["BasicAuth", "TokenAuth"],
    responses={
        201: _json(TrackOrdersResponse, "Successful response"),
        400: _json(BusinessError, "Bad Request"),
        404: _json(BusinessError, "Not Found"),
        409: _json(BusinessError, "Conflict"),
    },
)
@json_body(TrackOrdersRequest)
def track_orders(json_data):
    return g.tenant.track_orders(json_data), 201
