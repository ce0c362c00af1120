"""Workers, their devices and ops groups: HyperTrack's Workers API, and linking as its SDK does on a phone."""
from __future__ import annotations

from . import errors
from .filters import WorkerFilter
from .layers import layered, own, own_entries
from .records import DEFAULT_OPS_GROUP, Store

#: What an ops group created without them answers for ``route_capacity`` and ``route_max_distance``,
#: which HyperTrack's answer requires: the values of its own example (it documents no default).
DEFAULT_ROUTE_CAPACITY = 10
DEFAULT_ROUTE_MAX_DISTANCE = 20000


def _copy_worker(worker: dict) -> dict:
    return dict(worker, device_ids=list(worker["device_ids"]))


class Roster:
    """A tenant's workers, their devices and ops groups: HyperTrack's Workers API over them.  The
    tenant calls it under its lock; a worker's ``work_status`` asks the ``store`` of routes."""

    def __init__(self, fake, clock, store: Store, template: Roster | None = None):
        self.fake, self.clock, self.store = fake, clock, store
        self.ops_groups: dict[str, dict] = layered(template and template.ops_groups)
        if template is None:
            self.ops_groups[DEFAULT_OPS_GROUP] = {"ops_group_handle": DEFAULT_OPS_GROUP}
        self.workers: dict[str, dict] = layered(template and template.workers)
        self.devices: dict[str, dict] = layered(template and template.devices)

    def own_entries(self) -> int:
        """How many entries the roster holds itself (not shared with the startup state)."""
        return own_entries(self.ops_groups) + own_entries(self.workers) + own_entries(self.devices)

    # --- what the rules ask ---------------------------------------------------------------------

    def worker(self, handle: str | None) -> dict | None:
        """The worker with this handle (deleted or not), or None."""
        return self.workers.get(handle or "")

    def has_device(self, device_id: str) -> bool:
        return device_id in self.devices

    def device_worker(self, device_id: str) -> str | None:
        """The handle of the worker the device is linked to, or None."""
        return self.devices[device_id]["worker_handle"]

    def timezone(self, ops_group_handle: str | None) -> str:
        """The timezone of an ops group (``UTC`` if it names none, or if there is no such ops group)."""
        return self.ops_groups.get(ops_group_handle or "", {}).get("timezone") or "UTC"

    def has_ops_group(self, handle: str) -> bool:
        return handle in self.ops_groups

    def check_ops_group_and_worker(self, ops_group: str, worker_handle: str | None) -> dict | None:
        """HyperTrack's first checks of a new route: the ops group exists, and the worker, if one is
        named, exists and is not deleted (which it returns)."""
        if ops_group not in self.ops_groups:
            raise errors.OpsGroupNotDefined(ops_group)
        if not worker_handle:
            return None
        worker = self.workers.get(worker_handle)
        if worker is None:
            raise errors.DriverNotFound(worker_handle)
        if worker["deleted"]:
            raise errors.DriverDeleted()
        return worker

    # --- the Workers API ------------------------------------------------------------------------

    def add_ops_group(self, group: dict) -> None:
        self.ops_groups[group["ops_group_handle"]] = dict(group)

    def add_device(self, device_id: str, name: str | None, worker_handle: str | None,
                   owner: str | None = None, now: str | None = None) -> None:
        """A device, named after its owner (the worker's name) unless it has a name already; ``now`` is
        the clock's time, when the caller has it already."""
        if device_id in self.devices:
            device = own(self.devices, device_id, dict)
        else:
            device = self.devices[device_id] = {"device_id": device_id, "name": None, "worker_handle": None}
        device["name"] = name or device["name"] or (owner or self.fake.name()) + "'s phone"
        if worker_handle:
            if device["worker_handle"] != worker_handle or "linked_at" not in device:
                device["linked_at"] = now or self.clock.now_iso()
            device["worker_handle"] = worker_handle

    def add_worker(self, worker: dict, now: str | None = None) -> dict:
        """Store a worker; absent ``device_ids`` get one generated device, ``[]`` gets none; ``now`` is the
        clock's time, when the caller has it already (a scenario's workers are all made at one instant)."""
        handle = worker["worker_handle"]
        device_ids = worker.get("device_ids")
        if device_ids is None:
            device_ids = [self.fake.device_id()]
        deleted = bool(worker.get("deleted", False))
        now = now or self.clock.now_iso()
        record = {
            "worker_handle": handle,
            "name": worker.get("name") or self.fake.name(),
            "ops_group_handle": worker.get("ops_group_handle") or DEFAULT_OPS_GROUP,
            "profile": worker.get("profile") or {},
            "home": worker.get("home"),
            "product_types": worker.get("product_types") or [],
            "unavailable_on": worker.get("unavailable_on") or [],
            "schedule": worker.get("schedule"),
            "device_ids": list(device_ids),
            "deleted": deleted,
            "created_at": now,
            "deleted_at": now if deleted else None,
        }
        for device_id in device_ids:
            self.add_device(device_id, None, handle, owner=record["name"], now=now)
        self.workers[handle] = record
        return record

    def put_worker(self, worker: dict) -> dict:
        """Add or replace a worker and link its devices (what HyperTrack's SDK does on a phone); ``Invalid``
        (nothing changed) if it names an ops group the tenant does not have."""
        group = worker.get("ops_group_handle")
        if group and group not in self.ops_groups:
            raise errors.Invalid("ops_group_handle", f"Unknown ops group '{group}'.")
        old = self.workers.get(worker["worker_handle"])
        for device_id in old["device_ids"] if old else ():
            own(self.devices, device_id, dict)["worker_handle"] = None
        for device_id in worker.get("device_ids") or ():
            owner = self.devices.get(device_id, {}).get("worker_handle")
            if owner and owner != worker["worker_handle"]:
                own(self.workers, owner, _copy_worker)["device_ids"].remove(device_id)
        record = self.add_worker(worker)
        return dict(self._worker_view(record), device_ids=list(record["device_ids"]))

    def upsert_worker(self, request: dict) -> dict:
        """Create a worker, or update the one with that handle (HyperTrack documents no conflict)."""
        ops_group = request.get("ops_group_handle") or DEFAULT_OPS_GROUP
        if ops_group not in self.ops_groups:
            raise errors.OpsGroupNotDefined(ops_group)
        device_id = str(request["device_id"]).upper() if request.get("device_id") else None
        if device_id and self.devices.get(device_id, {}).get("worker_handle") not in (
                None, request["worker_handle"]):
            owner = own(self.workers, self.devices[device_id]["worker_handle"], _copy_worker)
            owner["device_ids"].remove(device_id)
        if request["worker_handle"] in self.workers:
            worker = own(self.workers, request["worker_handle"], _copy_worker)
        else:
            worker = self.add_worker({"worker_handle": request["worker_handle"], "device_ids": [],
                                      "name": request.get("name")})
        for key in ("name", "profile", "home", "product_types", "unavailable_on", "schedule"):
            if request.get(key) is not None:
                worker[key] = request[key]
        if worker["home"] is not None and not worker["home"].get("geometry"):
            # HyperTrack geocodes a home given by its address; the mock makes up a point
            worker["home"] = dict(worker["home"], geometry=self.fake.point())
        worker["ops_group_handle"] = ops_group
        if device_id and device_id not in worker["device_ids"]:
            worker["device_ids"].insert(0, device_id)
            self.add_device(device_id, None, worker["worker_handle"])
        return self._worker_view(worker)

    def worker_view(self, handle: str, include_deleted: bool = False) -> dict:
        """Get Worker: the worker, its devices and (no location data here) an empty timeline."""
        worker = self._find_worker(handle, include_deleted)
        view = self._worker_view(worker)
        view["current_date"] = self.clock.now().date().isoformat()
        view["devices"] = [{"device_id": device_id, "start_time": self.devices[device_id]["linked_at"]}
                           for device_id in worker["device_ids"]]
        view["timeline"] = []
        return view

    def list_workers(self, filters: dict, *, limit: int, after: str | None = None, device_status=None):
        """One page of workers in handle order that pass Get Workers' ``filters``, and the last handle of the
        page if more follow; ``device_status(view)`` gives the value of a worker's ``device_status``."""
        tracking = self.store.tracking_workers()

        def work_status(worker):
            return self._worker_view(worker, tracking)["work_status"]

        def status(worker):
            return device_status(self._worker_view(worker, tracking)) if device_status else None
        keep = WorkerFilter(filters, work_status=work_status, device_status=status).keep
        chosen = [worker for handle, worker in sorted(self.workers.items())
                  if (after is None or handle > after) and keep(worker)]
        page = [self._worker_view(worker, tracking) for worker in chosen[:limit]]
        if filters.get("include_schedule") is False:
            for view in page:
                view.pop("schedule", None)
        return page, (page[-1]["worker_handle"] if len(chosen) > limit else None)

    def delete_worker(self, handle: str) -> None:
        """Soft-delete: tracking the worker then answers ``driver_deleted`` until it is undeleted."""
        worker = own(self.workers, self._find_worker(handle)["worker_handle"], _copy_worker)
        worker["deleted"] = True
        worker["deleted_at"] = self.clock.now_iso()

    def undelete_worker(self, handle: str) -> dict:
        worker = own(self.workers, self._find_worker(handle, include_deleted=True)["worker_handle"], _copy_worker)
        worker["deleted"] = False
        worker["deleted_at"] = None
        return self._worker_view(worker)

    def upsert_ops_group(self, request: dict) -> dict:
        """Create or replace an ops group; the answer leaves out what has no value (HyperTrack's schema
        types those keys without null), and gives capacity and distance their defaults."""
        group = {key: value for key, value in request.items() if value is not None}
        group.setdefault("route_capacity", DEFAULT_ROUTE_CAPACITY)
        group.setdefault("route_max_distance", DEFAULT_ROUTE_MAX_DISTANCE)
        group.setdefault("shift_availability_mode", "manual")  # null: HyperTrack's default
        group.setdefault("objective_fn", "minimise_time")
        self.ops_groups[request["ops_group_handle"]] = group
        return dict(group, deleted=False)

    def _find_worker(self, handle: str, include_deleted: bool = False) -> dict:
        worker = self.workers.get(handle)
        if worker is None or (worker["deleted"] and not include_deleted):
            raise errors.NotFound("Worker not found")
        return worker

    def _worker_view(self, worker: dict, tracking_workers: set | None = None) -> dict:
        handle = worker["worker_handle"]
        tracking = self.store.is_tracking(handle) if tracking_workers is None else handle in tracking_workers
        view = {key: value for key, value in worker.items()
                if key != "device_ids" and not (key == "home" and value is None)}  # no home: none sent
        view["device_id"] = worker["device_ids"][0] if worker["device_ids"] else None
        view["work_status"] = {"tracking": tracking, "available": not worker["deleted"]}
        view["timezone"] = self.timezone(worker["ops_group_handle"])
        return view
