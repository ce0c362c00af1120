"""In-memory state: tenants (one per HyperTrack account), their dictionaries, and the tracking rules.

Nothing here knows about HTTP.  Business rule failures are raised as ``errors.HyperTrackError``.
Every mutable field of a ``Tenant`` and of the ``Store`` is created in one method, so a reset
(building that object anew) cannot forget one.
"""
from __future__ import annotations

import itertools
import queue
import threading
import time

from . import errors
from .clock import Clock
from .faults import FaultSet
from .generate import Generator
from .journal import Journal
from .schemas.fields import format_timestamp

TERMINAL_ORDER_STATUSES = frozenset({"completed", "cancelled"})
TRACKABLE_ROUTE_STATUSES = frozenset({"planned", "assigned"})
#: The status a scenario route's orders get when the scenario does not say.
ORDER_STATUS_FOR_ROUTE = {
    "planned": "planned", "assigned": "assigned", "tracking": "ongoing",
    "completed": "completed", "summarizing": "completed",
}
DEFAULT_OPS_GROUP = "default"
EMBED_URL = "https://embed.hypertrack.com/routes/{route_handle}?publishable_key={key}"
ORDER_EMBED_URL = "https://embed.hypertrack.com/orders/{order_handle}?publishable_key={key}"
SHARE_URL = "https://trck.at/{code}"
TOKEN_LIFETIME_SECONDS = 3600

# Optional order fields echoed in responses only when the request (or scenario) set them.
_ECHOED_ORDER_FIELDS = ("priority", "metadata", "product_type", "tasks_list", "facility_name",
                        "workflow_ids")


class Tenant:
    """One account's workers, devices, ops groups, places, geofences, routes and orders."""

    def __init__(self, account_id: str, seed: int | None, server_clock: Clock | None = None,
                 journal_cap: int = 1000):
        self.account_id = account_id
        self.lock = threading.RLock()
        self.generate = Generator(seed, account_id)
        self.clock = Clock(parent=server_clock)
        self.faults = FaultSet()
        self.journal = Journal(journal_cap)
        self.publishable_key = self.generate.publishable_key()
        self.ops_groups: dict[str, dict] = {DEFAULT_OPS_GROUP: {"ops_group_handle": DEFAULT_OPS_GROUP}}
        self.workers: dict[str, dict] = {}
        self.devices: dict[str, dict] = {}
        self.places: dict[str, dict] = {}
        self.geofences: dict[str, dict] = {}
        self.routes: dict[str, dict] = {}
        #: order_handle -> the order's latest fulfilment (the dict also held in its route's list)
        self.orders: dict[str, dict] = {}
        #: order_handle -> every fulfilment of that handle, oldest first
        self.order_attempts: dict[str, list[dict]] = {}
        #: (order_handle, fulfillment_attempt) -> the events the mock has seen, oldest first, as
        #: (kind, recorded_at, device_id, worker_handle): the rest is the order's (see ``_event``)
        self.timelines: dict[tuple[str, int], list[tuple]] = {}
        #: every order and every route in creation order: what listings page through
        self.order_log: list[dict] = []
        self.route_log: list[dict] = []

    # --- loading a scenario -------------------------------------------------------------------

    def populate(self, scenario: dict) -> None:
        """Fill an empty tenant from a validated scenario document."""
        for group in scenario.get("ops_groups", ()):
            self.ops_groups[group["ops_group_handle"]] = dict(group)
        for device in scenario.get("devices", ()):
            self._add_device(device["device_id"], device.get("name"), None)
        for worker in scenario.get("workers", ()):
            self.add_worker(worker)
        for place in scenario.get("places", ()):
            self.places[place["place_handle"]] = dict(place)
        for geofence in scenario.get("geofences", ()):
            self.geofences[geofence["geofence_id"]] = dict(geofence)
        for route in scenario.get("routes", ()):
            self._add_scenario_route(route)
        for rule in scenario.get("faults", ()):
            self.faults.add(rule)

    def to_scenario(self) -> dict:
        """The tenant's state as a scenario document: loading it gives this state back."""
        with self.lock:
            linked = {d for w in self.workers.values() for d in w["device_ids"]}
            return {
                "description": f"State of tenant {self.account_id}",
                "ops_groups": [dict(g) for h, g in self.ops_groups.items() if h != DEFAULT_OPS_GROUP],
                "workers": [{key: w[key] for key in ("worker_handle", "name", "ops_group_handle", "profile",
                                                     "device_ids", "deleted")}
                            for w in self.workers.values()],
                "devices": [{"device_id": d["device_id"], "name": d["name"]}
                            for d in self.devices.values() if d["device_id"] not in linked],
                "places": [dict(p) for p in self.places.values()],
                "geofences": [dict(g) for g in self.geofences.values()],
                "routes": [_route_as_scenario(r) for r in self.route_log],
                "faults": self.faults.rules(),
            }

    def add_worker(self, worker: dict) -> dict:
        """Store a worker; absent ``device_ids`` get one generated device, ``[]`` gets none."""
        handle = worker["worker_handle"]
        device_ids = worker.get("device_ids")
        if device_ids is None:
            device_ids = [self.generate.device_id()]
        deleted = bool(worker.get("deleted", False))
        now = self.clock.now_iso()
        record = {
            "worker_handle": handle,
            "name": worker.get("name") or self.generate.name(),
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
            self._add_device(device_id, None, handle, owner=record["name"])
        self.workers[handle] = record
        return record

    def put_worker(self, worker: dict) -> dict:
        """Add or replace a worker and link its devices (what HyperTrack's SDK does on a phone)."""
        with self.lock:
            old = self.workers.get(worker["worker_handle"])
            for device_id in old["device_ids"] if old else ():
                self.devices[device_id]["worker_handle"] = None
            for device_id in worker.get("device_ids") or ():
                owner = self.devices.get(device_id, {}).get("worker_handle")
                if owner and owner != worker["worker_handle"]:
                    self.workers[owner]["device_ids"].remove(device_id)
            record = self.add_worker(worker)
            return dict(self._worker_view(record), device_ids=list(record["device_ids"]))

    # --- Workers API ---------------------------------------------------------------------------

    def upsert_worker(self, request: dict) -> dict:
        """Create a worker, or update the one with that handle (HyperTrack documents no conflict)."""
        with self.lock:
            ops_group = request.get("ops_group_handle") or DEFAULT_OPS_GROUP
            if ops_group not in self.ops_groups:
                raise errors.OpsGroupNotDefined(ops_group)
            device_id = str(request["device_id"]).upper() if request.get("device_id") else None
            if device_id and self.devices.get(device_id, {}).get("worker_handle") not in (
                    None, request["worker_handle"]):
                self.workers[self.devices[device_id]["worker_handle"]]["device_ids"].remove(device_id)
            worker = self.workers.get(request["worker_handle"])
            if worker is None:
                worker = self.add_worker({"worker_handle": request["worker_handle"], "device_ids": [],
                                          "name": request.get("name")})
            for key in ("name", "profile", "home", "product_types", "unavailable_on", "schedule"):
                if request.get(key) is not None:
                    worker[key] = request[key]
            worker["ops_group_handle"] = ops_group
            if device_id and device_id not in worker["device_ids"]:
                worker["device_ids"].insert(0, device_id)
                self._add_device(device_id, None, worker["worker_handle"])
                self.devices[device_id]["worker_handle"] = worker["worker_handle"]
            return self._worker_view(worker)

    def worker_view(self, handle: str, include_deleted: bool = False) -> dict:
        """Get Worker: the worker, its devices and (no location data here) an empty timeline."""
        with self.lock:
            worker = self._find_worker(handle, include_deleted)
            view = self._worker_view(worker)
            view["current_date"] = self.clock.now().date().isoformat()
            view["devices"] = [dict(self.devices[d], worker_handle=handle) for d in worker["device_ids"]]
            view["timeline"] = []
            return view

    def delete_worker(self, handle: str) -> None:
        """Soft-delete: tracking the worker then answers ``driver_deleted`` until it is undeleted."""
        with self.lock:
            worker = self._find_worker(handle)
            worker["deleted"] = True
            worker["deleted_at"] = self.clock.now_iso()

    def undelete_worker(self, handle: str) -> dict:
        with self.lock:
            worker = self._find_worker(handle, include_deleted=True)
            worker["deleted"] = False
            worker["deleted_at"] = None
            return self._worker_view(worker)

    def upsert_ops_group(self, request: dict) -> dict:
        with self.lock:
            group = {"route_capacity": None, "route_max_distance": None, **request}
            self.ops_groups[request["ops_group_handle"]] = group
            return dict(group, deleted=False, deleted_at=None)

    def _find_worker(self, handle: str, include_deleted: bool = False) -> dict:
        worker = self.workers.get(handle)
        if worker is None or (worker["deleted"] and not include_deleted):
            raise errors.NotFound("Worker not found")
        return worker

    def _worker_view(self, worker: dict) -> dict:
        handle = worker["worker_handle"]
        tracking = any(r["status"] == "tracking" and r["worker_handle"] == handle for r in self.routes.values())
        view = {key: value for key, value in worker.items() if key != "device_ids"}
        view["device_id"] = worker["device_ids"][0] if worker["device_ids"] else None
        view["work_status"] = {"tracking": tracking, "available": not worker["deleted"]}
        view["timezone"] = self.ops_groups.get(worker["ops_group_handle"], {}).get("timezone") or "UTC"
        return view

    def _add_device(self, device_id: str, name: str | None, worker_handle: str | None,
                    owner: str | None = None) -> None:
        """A device, named after its owner (the worker's name) unless it has a name already."""
        device = self.devices.setdefault(device_id, {"device_id": device_id, "name": None,
                                                     "worker_handle": None})
        device["name"] = name or device["name"] or (owner or self.generate.name()) + "'s phone"
        if worker_handle:
            device["worker_handle"] = worker_handle

    def _add_scenario_route(self, route: dict) -> None:
        now = self.clock.now_iso()
        status = route.get("status", "planned")
        worker_handle = route.get("worker_handle")
        device_id = route.get("device_id")
        if device_id is None and worker_handle and self.workers[worker_handle]["device_ids"]:
            if status not in ("planned",):
                device_id = self.workers[worker_handle]["device_ids"][0]
        record = self._route_record(
            route_handle=route["route_handle"], status=status, now=now,
            track_mode=route.get("track_mode"), ops_group=route.get("ops_group_handle") or DEFAULT_OPS_GROUP,
            worker_handle=worker_handle, device_id=device_id, metadata=route.get("metadata"),
            started=status in ("tracking", "completed", "summarizing"),
        )
        if status in ("completed", "summarizing"):
            record["completed_at"] = now
        default_order_status = ORDER_STATUS_FOR_ROUTE[status]
        for order in route.get("orders", ()):
            destination = self._resolve_destination(order)
            record["orders"].append(self._order_record(
                order, destination, record, order.get("status") or default_order_status, now,
                share_url=order.get("share_url")))
        self._commit_route(record)
        for order in record["orders"]:
            self._record_event(order, "created", now)
            if order["assigned_at"]:
                self._record_event(order, "assigned", now)
            if order["started_at"]:
                self._record_event(order, "started", now)
            if order["status"] in TERMINAL_ORDER_STATUSES:
                self._record_event(order, order["status"], now)

    # --- POST /orders/track --------------------------------------------------------------------

    def track_orders(self, request: dict) -> dict:
        """Create and track a route (new-route form) or start tracking a planned one (by handle)."""
        if request.get("route_handle"):
            return self._track_planned_route(request)
        orders = request.get("orders")
        worker_handle = request.get("worker_handle") or request.get("driver_handle")
        device_id = request.get("device_id")
        if not orders or not (worker_handle or device_id):
            raise errors.OrderRequestMalformed()
        with self.lock:
            ops_group = request.get("ops_group_handle") or DEFAULT_OPS_GROUP
            if ops_group not in self.ops_groups:
                raise errors.OpsGroupNotDefined(ops_group)
            worker = None
            if worker_handle:
                worker = self.workers.get(worker_handle)
                if worker is None:
                    raise errors.DriverNotFound(worker_handle)
                if worker["deleted"]:
                    raise errors.DriverDeleted()
            if device_id:
                if device_id not in self.devices:
                    raise errors.DeviceNotFound()
                if worker is None:
                    worker_handle = self.devices[device_id]["worker_handle"]
            elif not worker["device_ids"]:
                raise errors.DriverNotLinkedToDevice()
            else:
                device_id = worker["device_ids"][0]
            self._check_places(orders)
            destinations = [self._resolve_destination(order) for order in orders]
            route_options = request.get("route") or {}
            route_handle = route_options.get("route_handle")
            if route_handle and route_handle in self.routes:
                raise errors.DuplicateRoute()
            self._check_order_handles(orders)

            while not route_handle or route_handle in self.routes:
                route_handle = self.generate.uuid()
            now = self.clock.now_iso()
            route = self._route_record(
                route_handle=route_handle, status="tracking", now=now, track_mode=request["track_mode"],
                ops_group=ops_group, worker_handle=worker_handle, device_id=device_id,
                metadata=route_options.get("metadata"), started=True,
                device_switch_mode=request.get("device_switch_mode"),
            )
            for order, destination in zip(orders, destinations):
                route["orders"].append(self._order_record(order, destination, route, "ongoing", now))
            self._commit_route(route)
            for order in route["orders"]:
                for kind in ("created", "assigned", "started"):
                    self._record_event(order, kind, now)
            return _snapshot(route)

    def _track_planned_route(self, request: dict) -> dict:
        with self.lock:
            route = self.routes.get(request["route_handle"])
            if route is None:
                raise errors.RouteNotFound()
            if route["status"] == "completed":
                raise errors.RouteAlreadyCompleted()
            if route["status"] == "tracking":
                raise errors.RouteAlreadyTracking()
            if route["status"] not in TRACKABLE_ROUTE_STATUSES:
                raise errors.RouteCannotBeTracked()
            device_id = request.get("device_id") or route.get("device_id")
            worker = self.workers.get(route.get("worker_handle") or "")
            if device_id:
                if device_id not in self.devices:
                    raise errors.DeviceNotFound()
            elif worker is None:
                raise errors.RouteCannotBeTracked()
            elif worker["deleted"]:
                raise errors.DriverDeleted()
            elif not worker["device_ids"]:
                raise errors.DriverNotLinkedToDevice()
            else:
                device_id = worker["device_ids"][0]
            self._check_order_handles(route["orders"], route_handle=route["route_handle"])

            now = self.clock.now_iso()
            route.update(status="tracking", track_mode=request["track_mode"], device_id=device_id,
                         started_at=now, assigned_at=route.get("assigned_at") or now)
            for order in route["orders"]:
                if not order.get("assigned_at"):
                    self._record_event(order, "assigned", now)
                order.update(status="ongoing", track_mode=request["track_mode"], device_id=device_id,
                             started_at=now, assigned_at=order.get("assigned_at") or now)
                self._record_event(order, "started", now)
            return _snapshot(route)

    # --- the rest of an order's and a route's life ---------------------------------------------

    def order_view(self, handle: str, attempt: int | None = None) -> dict:
        """An order (its latest fulfilment, or ``attempt``) with its timeline: Get Order Timeline."""
        with self.lock:
            return self._order_view(self._find_order(handle, attempt))

    def finish_order(self, handle: str, outcome: str, *, metadata: dict | None = None,
                     attempt: int | None = None, order_type: str | None = None,
                     type_index: int | None = None) -> dict:
        """Complete or cancel an unfinished order; its route completes when all its orders are finished."""
        with self.lock:
            order = self._find_order(handle, attempt, order_type, type_index)
            if order["status"] in TERMINAL_ORDER_STATUSES:
                raise errors.OrderAlreadyFinished(order["status"])
            now = self.clock.now_iso()
            order["status"] = outcome
            order[f"{outcome}_at"] = now
            if metadata:
                order["metadata"] = {**(order.get("metadata") or {}), **metadata}
            self._record_event(order, outcome, now)
            route = self.routes[order["route_handle"]]
            if route["status"] != "completed" and all(
                    o["status"] in TERMINAL_ORDER_STATUSES for o in route["orders"]):
                self._complete_route(route, now)
            return self._order_view(order)

    def route_view(self, route_handle: str) -> dict:
        with self.lock:
            route = self.routes.get(route_handle)
            if route is None:
                raise errors.NotFound("Route not found")
            return _snapshot(route)

    def complete_route(self, route_handle: str) -> dict:
        """Complete a route, cancelling its unfinished orders."""
        with self.lock:
            route = self.routes.get(route_handle)
            if route is None:
                raise errors.NotFound("Route not found")
            if route["status"] == "completed":
                raise errors.RouteAlreadyCompletedConflict()
            now = self.clock.now_iso()
            for order in route["orders"]:
                if order["status"] not in TERMINAL_ORDER_STATUSES:
                    order["status"] = "cancelled"
                    order["cancelled_at"] = now
                    self._record_event(order, "cancelled", now)
            self._complete_route(route, now)
            return _snapshot(route)

    def list_orders(self, *, statuses=None, worker_handle=None, route_handle=None,
                    ops_group_handle=None, limit: int, after: int = -1):
        """One page of orders (latest fulfilments, oldest first) and the cursor of the next page."""
        def keep(order):
            return (self.orders.get(order["order_handle"]) is order
                    and (not statuses or order["status"] in statuses)
                    and (worker_handle is None or order["worker_handle"] == worker_handle)
                    and (route_handle is None or order["route_handle"] == route_handle)
                    and (ops_group_handle is None or order["ops_group_handle"] == ops_group_handle))
        with self.lock:
            page, cursor = _page(self.order_log, keep, limit, after)
            return [dict(order) for order in page], cursor

    def list_routes(self, *, statuses=None, worker_handle=None, ops_group_handle=None, track_mode=None,
                    limit: int, after: int = -1):
        """One page of routes (oldest first) and the cursor of the next page."""
        def keep(route):
            return ((not statuses or route["status"] in statuses)
                    and (worker_handle is None or route["worker_handle"] == worker_handle)
                    and (ops_group_handle is None or route["ops_group_handle"] == ops_group_handle)
                    and (track_mode is None or route["track_mode"] == track_mode))
        with self.lock:
            page, cursor = _page(self.route_log, keep, limit, after)
            return [_snapshot(route) for route in page], cursor

    def _find_order(self, handle, attempt=None, order_type=None, type_index=None) -> dict:
        attempts = self.order_attempts.get(handle, ())
        if attempt is None:
            order = attempts[-1] if attempts else None
        else:
            order = next((o for o in attempts if o["fulfillment_attempt"] == attempt), None)
        if order is None or (order_type is not None and order.get("type") != order_type) or (
                type_index is not None and order["type_index"] != type_index):
            raise errors.NotFound("Order not found")
        return order

    def _order_view(self, order: dict) -> dict:
        handle, attempt = order["order_handle"], order["fulfillment_attempt"]
        view = dict(order)
        view["embed_url"] = ORDER_EMBED_URL.format(order_handle=handle, key=self.publishable_key)
        view["previous_fulfillments"] = [
            {"order_handle": handle, "fulfillment_attempt": o["fulfillment_attempt"]}
            for o in self.order_attempts[handle] if o["fulfillment_attempt"] < attempt]
        view["timeline"] = [self._event(order, *event) for event in self.timelines[(handle, attempt)]]
        return view

    def _complete_route(self, route: dict, now: str) -> None:
        route["status"] = "completed"
        route["completed_at"] = now

    def _record_event(self, order: dict, kind: str, now: str) -> None:
        """Note an event compactly (what can change later: the device and the worker); see ``_event``."""
        self.timelines.setdefault((order["order_handle"], order["fulfillment_attempt"]), []).append(
            (kind, now, order["device_id"], order["worker_handle"]))

    @staticmethod
    def _event(order: dict, kind: str, recorded_at: str, device_id, worker_handle) -> dict:
        destination = order["destination"]
        return {
            "type": f"driver_order_{kind}",
            "recorded_at": recorded_at,
            "order_handle": order["order_handle"],
            "route_handle": order["route_handle"],
            "order_type": order.get("type"),
            "destination_address": destination.get("address"),
            "destination_location": destination["geometry"],
            "fulfillment_attempt": order["fulfillment_attempt"],
            "driver_handle": worker_handle,
            "device_id": device_id,
        }

    def _check_places(self, orders: list[dict]) -> None:
        """Unknown place handles first (400), then unknown geofences (404), as HyperTrack checks."""
        for order in orders:
            place_handle = order["destination"].get("place_handle")
            if place_handle and place_handle not in self.places:
                raise errors.DestinationPlaceNotFound(place_handle, order["order_handle"])
        for order in orders:
            geofence_id = order["destination"].get("geofence_id")
            if geofence_id and geofence_id not in self.geofences:
                raise errors.GeofenceNotFound(geofence_id)

    def _check_order_handles(self, orders, route_handle: str | None = None) -> None:
        """Refuse a handle repeated in the request or held by another route's unfinished order."""
        seen = set()
        for order in orders:
            handle = order["order_handle"]
            current = self.orders.get(handle)
            if handle in seen or (current is not None and current["status"] not in TERMINAL_ORDER_STATUSES
                                  and current["route_handle"] != route_handle):
                raise errors.DuplicateOrder()
            seen.add(handle)

    def _resolve_destination(self, order: dict) -> dict:
        """The order's destination as HyperTrack answers it: geometry always, radius for points."""
        sent = order["destination"]
        geometry = sent.get("geometry")
        if geometry is None:
            known = (self.places[sent["place_handle"]] if sent.get("place_handle")
                     else self.geofences[sent["geofence_id"]])
            destination = {"geometry": known["geometry"], "address": sent.get("address") or known.get("address")}
            if known["geometry"]["type"] == "Point":
                destination["radius"] = known.get("radius") or 100
        else:
            destination = {"geometry": geometry, "address": sent.get("address")}
            if geometry["type"] == "Point":
                destination["radius"] = sent.get("radius", 100)
        for key in ("place_handle", "geofence_id", "place_id"):
            if sent.get(key):
                destination[key] = sent[key]
        return destination

    def _route_record(self, *, route_handle, status, now, track_mode, ops_group, worker_handle,
                      device_id, metadata, started, device_switch_mode=None) -> dict:
        route = {
            "route_handle": route_handle,
            "status": status,
            "version": 1,
            "embed_url": EMBED_URL.format(route_handle=route_handle, key=self.publishable_key),
            "orders": [],
            "started_at": now if started else None,
            "assigned_at": now if (started or worker_handle) else None,
            "created_at": now,
            "device_id": device_id,
            "worker_handle": worker_handle,
            "planned_at": now,
            "track_mode": track_mode,
            "ops_group_handle": ops_group,
        }
        if device_switch_mode:
            route["device_switch_mode"] = device_switch_mode
        if metadata is not None:
            route["metadata"] = metadata
        return route

    def _order_record(self, order: dict, destination: dict, route: dict, status: str, now: str,
                      share_url: str | None = None) -> dict:
        handle = order["order_handle"]
        previous = self.orders.get(handle)
        record = {
            "order_handle": handle,
            "fulfillment_attempt": previous["fulfillment_attempt"] + 1 if previous else 0,
            "status": status,
            "destination": destination,
            "track_mode": route["track_mode"],
            "scheduled_at": _iso(order.get("scheduled_at")),
            "started_at": route["started_at"],
            "type": order.get("type"),
            "type_index": order.get("type_index") or 0,
            "expected_service_time": order.get("expected_service_time") or 0,
            "capacity_used": 1 if order.get("capacity_used") is None else order["capacity_used"],
            "share_url": share_url or SHARE_URL.format(code=self.generate.share_code()),
            "device_id": route["device_id"],
            "worker_handle": route["worker_handle"],
            "ops_group_handle": route["ops_group_handle"],
            "created_at": now,
            "assigned_at": route["assigned_at"],
            "route_handle": route["route_handle"],
            "planned_at": now,
        }
        if record["type"] is None:
            del record["type"]  # HyperTrack's spec lets `type` be absent, not null (its enum has no null)
        if order.get("scheduled_after") is not None:
            record["scheduled_after"] = _iso(order["scheduled_after"])
        for key in _ECHOED_ORDER_FIELDS:
            if order.get(key) is not None:
                record[key] = order[key]
        if status in TERMINAL_ORDER_STATUSES:
            record[f"{status}_at"] = now
        return record

    def _commit_route(self, route: dict) -> None:
        self.routes[route["route_handle"]] = route
        self.route_log.append(route)
        for order in route["orders"]:
            self.orders[order["order_handle"]] = order
            self.order_attempts.setdefault(order["order_handle"], []).append(order)
            self.order_log.append(order)


class _Reaper:
    """Frees discarded tenants in a background thread, a slice at a time.

    Dropping the last reference to a tenant with 10,000 routes frees ~100,000 objects at once, which
    takes tens of milliseconds inside whichever request did it and holds the interpreter meanwhile.
    Handing it to this thread makes a reset take microseconds, and the slices let requests run between.
    A request that fetched the tenant just before the reset may still be using it, so the thread waits
    a grace period first, and takes the tenant's lock for each slice.
    """

    SLICE = 500
    GRACE_SECONDS = 1.0

    def __init__(self):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def discard(self, tenants) -> None:
        tenants = list(tenants)
        if not tenants:
            return
        self._queue.put((time.monotonic() + self.GRACE_SECONDS, tenants))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hypertrack-mock-reaper", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            due, tenants = self._queue.get()
            time.sleep(max(0.0, due - time.monotonic()))
            for tenant in tenants:
                self._dismantle(tenant)
            del tenants, tenant

    def _dismantle(self, tenant: Tenant) -> None:
        for container in list(vars(tenant).values()):
            if not isinstance(container, (list, dict)):
                continue
            while container:
                with tenant.lock:
                    if isinstance(container, list):
                        del container[-self.SLICE:]
                    else:
                        for key in list(itertools.islice(container, self.SLICE)):
                            del container[key]
                time.sleep(0)


_reaper = _Reaper()


class Store:
    """Every tenant, the scenario new tenants start from, and who may log in."""

    def __init__(self, startup_scenario: dict, seed: int | None = None, journal_cap: int = 1000):
        self.seed = seed
        self.journal_cap = journal_cap
        self._lock = threading.Lock()
        self._init_state(startup_scenario)

    def _init_state(self, startup_scenario: dict) -> None:
        _reaper.discard(getattr(self, "tenants", {}).values())
        self.startup_scenario = startup_scenario
        self.accounts = {a["account_id"]: a["secret_key"] for a in startup_scenario.get("accounts", ())}
        self.tenants: dict[str, Tenant] = {}
        self.tokens: dict[str, tuple[str, float]] = {}
        self.generate = Generator(self.seed, "/server")
        #: Server-wide: the clock every tenant's follows, faults for every tenant, and every request.
        self.clock = Clock()
        self.faults = FaultSet()
        self.journal = Journal(self.journal_cap)

    def reset(self) -> None:
        """Every tenant back to the startup scenario; journals, faults and clocks cleared.

        Tokens survive: a reset restarts the data, not the logins.
        """
        with self._lock:
            tokens = self.tokens
            self._init_state(self.startup_scenario)
            self.tokens = tokens

    def load_startup_scenario(self, scenario: dict) -> None:
        """Make ``scenario`` the one every tenant starts from, and start every tenant again."""
        with self._lock:
            self._init_state(scenario)

    def record(self, entry) -> None:
        """Journal a data-plane request: in its tenant's journal (if it had one) and the server's."""
        if entry.tenant:
            self.tenant(entry.tenant).journal.record(entry)
        self.journal.record(entry)

    def reset_tenant(self, account_id: str) -> None:
        with self._lock:
            tenant = self.tenants.pop(account_id, None)
        _reaper.discard([tenant] if tenant else [])

    def load_tenant_scenario(self, account_id: str, scenario: dict) -> Tenant:
        """Replace one tenant's state with ``scenario`` (whose ``accounts`` are ignored)."""
        tenant = self._new_tenant(account_id, scenario)
        with self._lock:
            old = self.tenants.get(account_id)
            self.tenants[account_id] = tenant
        _reaper.discard([old] if old else [])
        return tenant

    def _new_tenant(self, account_id: str, scenario: dict) -> Tenant:
        tenant = Tenant(account_id, self.seed, self.clock, self.journal_cap)
        tenant.populate(scenario)
        return tenant

    def tenant(self, account_id: str) -> Tenant:
        """The account's tenant, created from the startup scenario on first use."""
        tenant = self.tenants.get(account_id)
        if tenant is not None:
            return tenant
        with self._lock:
            tenant = self.tenants.get(account_id)
            if tenant is None:
                tenant = self.tenants[account_id] = self._new_tenant(account_id, self.startup_scenario)
            return tenant

    # --- server-wide clock ------------------------------------------------------------------

    def freeze_clock(self, instant) -> None:
        """Every tenant's clock to ``instant`` (or running again with ``None``), tenants' own settings dropped."""
        with self._lock:
            self.clock.freeze(instant)
            for tenant in self.tenants.values():
                tenant.clock.freeze(None)

    def advance_clock(self, seconds: float) -> None:
        """Every tenant's clock forward, frozen or not."""
        with self._lock:
            self.clock.advance(seconds)
            for tenant in self.tenants.values():
                if tenant.clock.frozen_at is not None:
                    tenant.clock.advance(seconds)

    # --- credentials ------------------------------------------------------------------------

    def check_secret(self, account_id: str, secret_key: str) -> bool:
        """Declared accounts must match exactly; in open mode any non-empty pair is accepted."""
        if not account_id or not secret_key:
            return False
        accounts = self.accounts
        return not accounts or accounts.get(account_id) == secret_key

    def issue_token(self, account_id: str) -> dict:
        with self._lock:
            token = self.generate.token()
            self.tokens[token] = (account_id, time.monotonic() + TOKEN_LIFETIME_SECONDS)
        return {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECONDS}

    def account_for_token(self, token: str) -> str | None:
        entry = self.tokens.get(token)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]


#: The fields of a stored order that a scenario's order (HyperTrack's TrackOrder) carries back.
_SCENARIO_ORDER_FIELDS = ("order_handle", "status", "share_url", "destination", "scheduled_at",
                          "scheduled_after", "type", "type_index", "expected_service_time", "capacity_used",
                          "priority", "metadata", "product_type", "tasks_list", "facility_name", "workflow_ids")


def _route_as_scenario(route: dict) -> dict:
    document = {key: route[key] for key in ("route_handle", "status", "worker_handle", "device_id", "track_mode",
                                            "ops_group_handle")}
    if "metadata" in route:
        document["metadata"] = route["metadata"]
    document["orders"] = [{key: order[key] for key in _SCENARIO_ORDER_FIELDS if order.get(key) is not None}
                          for order in route["orders"]]
    return document


def _iso(value):
    return None if value is None else format_timestamp(value)


def _page(log: list, keep, limit: int, after: int):
    """Up to ``limit`` kept items after position ``after``, and the position to continue from (or None).

    Items are only ever appended to a log, so a cursor never skips or repeats one while others arrive.
    """
    items, last = [], after
    for index in range(after + 1, len(log)):
        if keep(log[index]):
            if len(items) == limit:
                return items, last
            items.append(log[index])
            last = index
    return items, None


def _snapshot(route: dict) -> dict:
    """A copy of a route and its orders, safe to serialise after the lock is released."""
    return dict(route, orders=[dict(order) for order in route["orders"]])
