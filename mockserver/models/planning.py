"""``POST /orders/`` (Batch and Sequence Orders): orders planned into a route that is not tracking yet,
or taken in unplanned, as HyperTrack's spec describes each ``plan_mode``.

HyperTrack's automatic planning (a route solver, run on its side) is not the mock's to copy; the mock
plans at once and simply: the orders go, in the order sent, into one route.
"""
from __future__ import annotations

from .clock import Clock
from .destinations import Destinations
from .outbox import Outbox
from .records import DEFAULT_OPS_GROUP, Store
from .workers import Roster

#: A route not tracking yet, that ``on_demand`` planning may add orders to.
OPEN_ROUTE_STATUSES = ("planned", "assigned")


class Planning:
    """The rules of planning orders: they check with the ``roster`` and the ``destinations``, write to
    the ``store`` and note events in the ``outbox``.  The tenant calls them under its lock."""

    def __init__(self, store: Store, roster: Roster, destinations: Destinations, outbox: Outbox, clock: Clock,
                 fake):
        self.store, self.roster, self.destinations, self.outbox, self.clock = store, roster, destinations, outbox, clock
        self.fake = fake

    def plan_orders(self, request: dict) -> dict:
        """Plan orders; the answer is the route (``RouteDetail``), the orders (``OrderList``) or the plan
        (``PlanResponse``), as ``plan_mode`` and ``enable_sync_planning`` ask.

        - ``manual`` with a worker: a new route for that worker, the orders in the sequence given;
        - ``manual`` without one: the orders, ``unplanned`` (no route) until they are planned;
        - ``on_demand``: added to the worker's route that is not tracking yet, or to a new route (for
          the worker, or for none); the route, or with asynchronous planning (the default) the plan;
        - ``scheduled``: as ``on_demand`` without a worker, always asynchronous (the plan).
        """
        mode = request["plan_mode"]
        worker_handle = request.get("worker_handle") or request.get("driver_handle")
        if mode == "scheduled":
            worker_handle = None
        orders = request["orders"]
        ops_group = request.get("ops_group_handle") or DEFAULT_OPS_GROUP
        self.roster.check_ops_group_and_worker(ops_group, worker_handle)
        self.destinations.check(orders)
        destinations = [self.destinations.resolve(order) for order in orders]
        self.store.check_order_handles(orders)

        now = self.clock.now_iso()
        if mode == "manual" and not worker_handle:
            unplanned = {"route_handle": None, "track_mode": None, "started_at": None, "device_id": None,
                         "worker_handle": None, "assigned_at": None, "ops_group_handle": ops_group}
            records = [self.store.order_record(order, destination, unplanned, "unplanned", now, planned=False)
                       for order, destination in zip(orders, destinations, strict=True)]
            for record in records:
                record["plan_mode"] = mode
                self.store.commit_order(record)
                self.store.start_timeline(record, ("created",), now)
            return {"orders": [dict(record) for record in records]}

        route = self._open_route(worker_handle) if mode != "manual" else None
        if route is None:
            route = self._new_planned_route(worker_handle, ops_group, mode, now)
            self.outbox.route_event(route, "created", now)
            if worker_handle:
                self.outbox.route_event(route, "assigned", now)
        else:
            route["version"] += 1
            self.outbox.route_event(route, "updated", now)
        status = "assigned" if worker_handle else "planned"
        kinds = ("created", "planned", "assigned") if worker_handle else ("created", "planned")
        for order, destination in zip(orders, destinations, strict=True):
            record = self.store.order_record(order, destination, route, status, now)
            record["plan_mode"] = mode
            route["orders"].append(record)
            self.store.commit_order(record)
            self.store.start_timeline(record, kinds, now)
        if mode == "manual" or (mode == "on_demand" and request.get("enable_sync_planning")):
            return self.store.snapshot(route)
        plan_id = self.fake.uuid()
        return {"route_handle": route["route_handle"], "version": route["version"], "status": route["status"],
                "message": "Planned", "plan": {"id": plan_id, "href": f"/orders/plans/{plan_id}"}}

    def _open_route(self, worker_handle: str | None) -> dict | None:
        """The latest route of the worker (or without one) that is not tracking yet: the tenant's own copy."""
        for route in self.store.newest_routes():
            if route["status"] in OPEN_ROUTE_STATUSES and route["worker_handle"] == worker_handle:
                return self.store.own_route(route["route_handle"])
        return None

    def _new_planned_route(self, worker_handle: str | None, ops_group: str, mode: str, now: str) -> dict:
        route = self.store.route_record(
            route_handle=self.store.free_route_handle(), status="assigned" if worker_handle else "planned",
            now=now, track_mode=None, ops_group=ops_group, worker_handle=worker_handle, device_id=None,
            metadata=None, started=False)
        route["plan_mode"] = mode
        self.store.commit_route(route)  # no orders yet: they are committed as they are added
        return route
