"""``POST /orders/track``'s rules: a new route from orders, or a planned route started, checked in HyperTrack's order.

Every check runs before anything is written or any value is drawn, so a refused track changes no state.
"""
from __future__ import annotations

from . import errors
from .records import DEFAULT_OPS_GROUP, TERMINAL_ORDER_STATUSES

TRACKABLE_ROUTE_STATUSES = frozenset({"planned", "assigned"})
#: The status a scenario route's orders get when the scenario does not say.
ORDER_STATUS_FOR_ROUTE = {
    "planned": "planned", "assigned": "assigned", "tracking": "ongoing",
    "completed": "completed", "summarizing": "completed",
}


class Tracking:
    """A mixin of ``Tenant``: tracking orders, and routes a scenario starts with."""

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
            worker = self._check_ops_group_and_worker(ops_group, worker_handle)
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
                route_handle = self.fake.uuid()
            now = self.clock.now_iso()
            route = self._route_record(
                route_handle=route_handle, status="tracking", now=now, track_mode=request["track_mode"],
                ops_group=ops_group, worker_handle=worker_handle, device_id=device_id,
                metadata=route_options.get("metadata"), started=True,
                device_switch_mode=request.get("device_switch_mode"),
            )
            for order, destination in zip(orders, destinations, strict=True):
                route["orders"].append(self._order_record(order, destination, route, "ongoing", now))
            self._commit_route(route)
            for order in route["orders"]:
                self._start_timeline(order, ("created", "assigned", "started"), now)
            self._tracking_events(route, now, created=True)
            return self._snapshot(route)

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

            route = self._own_route(route["route_handle"])
            now = self.clock.now_iso()
            route.update(status="tracking", track_mode=request["track_mode"], device_id=device_id,
                         started_at=now, assigned_at=route.get("assigned_at") or now)
            for order in route["orders"]:
                if not order.get("assigned_at"):
                    self._record_event(order, "assigned", now)
                order.update(status="ongoing", track_mode=request["track_mode"], device_id=device_id,
                             started_at=now, assigned_at=order.get("assigned_at") or now)
                self._record_event(order, "started", now)
            self._tracking_events(route, now, created=False)
            return self._snapshot(route)

    def _check_ops_group_and_worker(self, ops_group: str, worker_handle: str | None) -> dict | None:
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

    def _check_order_handles(self, orders, route_handle: str | None = None) -> None:
        """Refuse a handle repeated in the request or held by another route's unfinished order."""
        seen = set()
        for order in orders:
            handle = order["order_handle"]
            current = self.orders.get(handle)
            if handle in seen or (current is not None and current["status"] not in TERMINAL_ORDER_STATUSES
                                  and (route_handle is None or current["route_handle"] != route_handle)):
                raise errors.DuplicateOrder()
            seen.add(handle)

    def add_route(self, route: dict) -> None:
        """A route as a scenario declares it (already validated: its references exist)."""
        now = self.clock.now_iso()
        status = route.get("status", "planned")
        worker_handle = route.get("worker_handle")
        device_id = route.get("device_id")
        if device_id is None and status != "planned" and worker_handle and self.workers[worker_handle]["device_ids"]:
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
            self._record_event(order, "planned", now)
            if order["assigned_at"]:
                self._record_event(order, "assigned", now)
            if order["started_at"]:
                self._record_event(order, "started", now)
            if order["status"] in TERMINAL_ORDER_STATUSES:
                self._record_event(order, order["status"], now)
