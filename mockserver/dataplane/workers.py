"""Workers and ops groups: create or update, read, soft-delete and undelete."""
from apiflask import APIBlueprint
from flask import g

from ..jsonbody import json_body
from ..schemas.hypertrack import BusinessError, WorkerOut, WorkerTimeline
from ..schemas.lifecycle import OpsGroupOut, OpsGroupRequest, WorkerQuery, WorkerRequest
from . import authenticate, documented

bp = APIBlueprint("workers", __name__, tag={"name": "Workers", "description": "HyperTrack's Workers API (data plane)"})
bp.before_request(authenticate)
_auth = ["BasicAuth", "TokenAuth"]


@bp.post("/workers/")
@bp.doc(summary="Create (or update) a worker", security=_auth,
        responses={201: documented(WorkerOut, "The worker"), 400: documented(BusinessError, "Ops Group is not defined")})
@json_body(WorkerRequest)
def create_worker(json_data):
    return g.tenant.upsert_worker(json_data), 201


bp.add_url_rule("/workers", view_func=create_worker, methods=["POST"], endpoint="create_worker_no_slash")


@bp.get("/workers/<worker_handle>")
@bp.input(WorkerQuery, location="query")
@bp.doc(summary="Get Worker", security=_auth,
        responses={200: documented(WorkerTimeline, "The worker and its devices"), 404: "Not Found"})
def get_worker(worker_handle, query_data):
    return g.tenant.worker_view(worker_handle, include_deleted=query_data["include_deleted"])


@bp.delete("/workers/<worker_handle>")
@bp.doc(summary="Delete Worker (soft: undelete restores it)", security=_auth,
        responses={204: "Worker deleted", 404: "Not Found"})
def delete_worker(worker_handle):
    g.tenant.delete_worker(worker_handle)
    return "", 204


@bp.post("/workers/<worker_handle>/undelete")
@bp.doc(summary="Undelete Worker", security=_auth,
        responses={200: documented(WorkerOut, "The worker"), 404: "Not Found"})
def undelete_worker(worker_handle):
    return g.tenant.undelete_worker(worker_handle)


@bp.post("/workers/ops-groups/")
@bp.doc(summary="Create (or update) an ops group", security=_auth,
        responses={200: documented(OpsGroupOut, "The ops group")})
@json_body(OpsGroupRequest)
def create_ops_group(json_data):
    return g.tenant.upsert_ops_group(json_data)


bp.add_url_rule("/workers/ops-groups", view_func=create_ops_group, methods=["POST"],
                endpoint="create_ops_group_no_slash")
