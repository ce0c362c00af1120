"""Workers and ops groups: create or update, read, list, soft-delete and undelete."""
from ...models import errors
from ...schemas.lifecycle import ListWorkersQuery, OpsGroupOut, OpsGroupRequest, WorkerQuery, WorkerRequest
from ...schemas.responses import BusinessError, WorkerOut, WorkersPage, WorkerTimeline
from ..operations import DataPlaneBlueprint, documented
from . import shared

bp = DataPlaneBlueprint("workers", __name__, tag=shared.WORKERS)


@bp.operation("POST", "/workers/", body=WorkerRequest, status=201, summary="Create (or update) a worker",
              responses={201: documented(WorkerOut, "The worker"),
                         400: documented(BusinessError, "Ops Group is not defined")},
              errors=(errors.OpsGroupNotDefined,))
def create_worker(tenant, body):
    return tenant.upsert_worker(body)


@bp.operation("GET", "/workers/", query=ListWorkersQuery, summary="Get Workers",
              description="Workers that pass the filters, in handle order; deleted ones only with include_deleted.",
              responses={200: documented(WorkersPage, "A page of workers")})
def list_workers(tenant, query):
    workers, cursor = tenant.list_workers(query, limit=query["limit"], after=query.get("pagination_token"))
    return shared.page("workers", workers, list_workers.operation.query, cursor)


@bp.operation("GET", "/workers/<worker_handle>", query=WorkerQuery, summary="Get Worker",
              responses={200: documented(WorkerTimeline, "The worker and its devices"), 404: "Not Found"})
def get_worker(tenant, worker_handle, query):
    return tenant.worker_view(worker_handle, include_deleted=query["include_deleted"])


@bp.operation("DELETE", "/workers/<worker_handle>", status=204, summary="Delete Worker (soft: undelete restores it)",
              responses={204: "Worker deleted", 404: "Not Found"})
def delete_worker(tenant, worker_handle):
    tenant.delete_worker(worker_handle)


@bp.operation("POST", "/workers/<worker_handle>/undelete", summary="Undelete Worker",
              responses={200: documented(WorkerOut, "The worker"), 404: "Not Found"})
def undelete_worker(tenant, worker_handle):
    return tenant.undelete_worker(worker_handle)


@bp.operation("POST", "/workers/ops-groups/", body=OpsGroupRequest, summary="Create (or update) an ops group",
              responses={200: documented(OpsGroupOut, "The ops group")})
def create_ops_group(tenant, body):
    return tenant.upsert_ops_group(body)
