"""``POST /orders/track``'s rules: a new route from orders, or a planned route started, checked in HyperTrack's order.

Every check runs before anything is written or any value is drawn, so a refused track changes no state.
"""
from __future__ import annotations

from . import errors
from .clock import Clock
from .destinations import Destinations
from .outbox import Outbox
from .records import DEFAULT_OPS_GROUP, TERMINAL_ORDER_STATUSES, Store
from .workers import Roster

TRACKABLE_ROUTE_STATUSES = frozenset({"planned", "assigned"})
#: The status a scenario route's orders get when the scenario does not say.
ORDER_STATUS_FOR_ROUTE = {
    "planned": "planned", "assigned": "assigned", "tracking": "ongoing",
    "completed": "completed", "summarizing": "completed",
}


class Tracking:
    """The rules of tracking orders, and of the routes a scenario starts with: they check with the
    ``roster`` and the ``destinations``, write to the ``store`` and note events in the ``outbox``.  The
    tenant calls them under its lock."""

    def __init__(self, store: Store, roster: Roster, destinations: Destinations, outbox: Outbox, clock: Clock):
        self.store, self.roster, self.destinations, self.outbox, self.clock = store, roster, destinations, outbox, clock

    def track_orders(self, request: dict) -> dict:
        """Create and track a route (new-route form) or start tracking a planned one (by handle)."""
        if request.get("route_handle"):
            return self._track_planned_route(request)
        orders = request.get("orders")
        worker_handle = request.get("worker_handle") or request.get("driver_handle")
        device_id = request.get("device_id")
        if not orders or not (worker_handle or device_id):
            raise errors.OrderRequestMalformed()
        ops_group = request.get("ops_group_handle") or DEFAULT_OPS_GROUP
        worker = self.roster.check_ops_group_and_worker(ops_group, worker_handle)
        if device_id:
            if not self.roster.has_device(device_id):
                raise errors.DeviceNotFound()
            if worker is None:
                worker_handle = self.roster.device_worker(device_id)
        elif not worker["device_ids"]:
            raise errors.DriverNotLinkedToDevice()
        else:
            device_id = worker["device_ids"][0]
        self.destinations.check(orders)
        destinations = [self.destinations.resolve(order) for order in orders]
        route_options = request.get("route") or {}
        route_handle = route_options.get("route_handle")
        if route_handle and self.store.route(route_handle) is not None:
            raise errors.DuplicateRoute()
        self.store.check_order_handles(orders)

        route_handle = self.store.free_route_handle(route_handle)
        now = self.clock.now_iso()
        route = self.store.route_record(
            route_handle=route_handle, status="tracking", now=now, track_mode=request["track_mode"],
            ops_group=ops_group, worker_handle=worker_handle, device_id=device_id,
            metadata=route_options.get("metadata"), started=True,
            device_switch_mode=request.get("device_switch_mode"),
        )
        for order, destination in zip(orders, destinations, strict=True):
            route["orders"].append(self.store.order_record(order, destination, route, "ongoing", now))
        self.store.commit_route(route)
        for order in route["orders"]:
            self.store.start_timeline(order, ("created", "assigned", "started"), now)
        self.outbox.tracking_events(route, now, created=True)
        return self.store.snapshot(route)

    def _track_planned_route(self, request: dict) -> dict:
        route = self.store.route(request["route_handle"])
        if route is None:
            raise errors.RouteNotFound()
        if route["status"] == "completed":
            raise errors.RouteAlreadyCompleted()
        if route["status"] == "tracking":
            raise errors.RouteAlreadyTracking()
        if route["status"] not in TRACKABLE_ROUTE_STATUSES:
            raise errors.RouteCannotBeTracked()
        device_id = request.get("device_id") or route.get("device_id")
        worker = self.roster.worker(route.get("worker_handle"))
        if device_id:
            if not self.roster.has_device(device_id):
                raise errors.DeviceNotFound()
        elif worker is None:
            raise errors.RouteCannotBeTracked()
        elif worker["deleted"]:
            raise errors.DriverDeleted()
        elif not worker["device_ids"]:
            raise errors.DriverNotLinkedToDevice()
        else:
            device_id = worker["device_ids"][0]
        self.store.check_order_handles(route["orders"], route_handle=route["route_handle"])

        route = self.store.own_route(route["route_handle"])
        now = self.clock.now_iso()
        route.update(status="tracking", track_mode=request["track_mode"], device_id=device_id,
                     started_at=now, assigned_at=route.get("assigned_at") or now)
        for order in route["orders"]:
            if not order.get("assigned_at"):
                self.store.note_event(order, "assigned", now)
            order.update(status="ongoing", track_mode=request["track_mode"], device_id=device_id,
                         started_at=now, assigned_at=order.get("assigned_at") or now)
            self.store.note_event(order, "started", now)
        self.outbox.tracking_events(route, now, created=False)
        return self.store.snapshot(route)

    def add_route(self, route: dict) -> None:
        """A route as a scenario declares it (already validated: its references exist)."""
        now = self.clock.now_iso()
        status = route.get("status", "planned")
        worker_handle = route.get("worker_handle")
        device_id = route.get("device_id")
        if device_id is None and status != "planned" and worker_handle:
            device_ids = self.roster.worker(worker_handle)["device_ids"]
            device_id = device_ids[0] if device_ids else None
        record = self.store.route_record(
            route_handle=route["route_handle"], status=status, now=now,
            track_mode=route.get("track_mode"), ops_group=route.get("ops_group_handle") or DEFAULT_OPS_GROUP,
            worker_handle=worker_handle, device_id=device_id, metadata=route.get("metadata"),
            started=status in ("tracking", "completed", "summarizing"),
        )
        if status in ("completed", "summarizing"):
            record["completed_at"] = now
        default_order_status = ORDER_STATUS_FOR_ROUTE[status]
        for order in route.get("orders", ()):
            destination = self.destinations.resolve(order)
            record["orders"].append(self.store.order_record(
                order, destination, record, order.get("status") or default_order_status, now,
                share_url=order.get("share_url")))
        self.store.commit_route(record)
        for order in record["orders"]:
            self.store.note_event(order, "created", now)
            self.store.note_event(order, "planned", now)
            if order["assigned_at"]:
                self.store.note_event(order, "assigned", now)
            if order["started_at"]:
                self.store.note_event(order, "started", now)
            if order["status"] in TERMINAL_ORDER_STATUSES:
                self.store.note_event(order, order["status"], now)
