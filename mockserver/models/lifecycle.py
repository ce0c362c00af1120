"""The rest of an order's and a route's life: read back with a timeline, update, complete, cancel, list."""
from __future__ import annotations

from . import errors
from .clock import Clock, isoformat
from .destinations import Destinations
from .filters import OrderFilter, RouteFilter
from .outbox import Outbox
from .records import ORDER_EMBED_URL, TERMINAL_ORDER_STATUSES, Store
from .workers import Roster

#: What Update Order changes as sent (a timestamp as HyperTrack writes them); the destination and the
#: ops group are checked first, and the closeout fields are kept for the tenant's state only.
UPDATED_ORDER_FIELDS = ("metadata", "scheduled_at", "scheduled_after", "expected_service_time",
                        "product_type", "type", "type_index", "capacity_used", "ops_group_handle")
KEPT_UPDATE_FIELDS = ("timesheets", "worker_locations", "messages", "facility_name")
#: Shown by the order's own answers (Get, Update, Complete, Cancel Order), not by routes and listings.
DETAIL_ONLY_FIELDS = ("attachments",)

#: The fields of each kind of timeline event, besides ``type`` and ``recorded_at``, in the order of
#: HyperTrack's examples (Get Order Timeline, Complete Order, Cancel Order).
EVENT_FIELDS = {
    "created": ("order_handle", "metadata"),
    "planned": ("order_handle", "route_handle", "fulfillment_attempt"),
    "assigned": ("order_handle", "driver_handle", "fulfillment_attempt"),
    "started": ("order_handle", "route_handle", "order_type", "fulfillment_attempt"),
    "completed": ("order_handle", "route_handle", "order_type"),
    "cancelled": ("order_handle", "route_handle", "fulfillment_attempt"),
}


def _nowhere(order: dict) -> bool:
    """No phone is inside any destination (a lifecycle without phones)."""
    return False


class Lifecycle:
    """The rules of an order's and a route's life once made: they read and change the ``store``, check
    with the ``roster`` and the ``destinations``, note events in the ``outbox``.  The tenant calls them
    under its lock."""

    def __init__(self, store: Store, roster: Roster, destinations: Destinations, outbox: Outbox, clock: Clock,
                 publishable_key: str):
        self.store, self.roster, self.destinations, self.outbox, self.clock = store, roster, destinations, outbox, clock
        self.publishable_key = publishable_key

    def order_view(self, handle: str, attempt: int | None = None) -> dict:
        """An order (its latest fulfilment, or ``attempt``) with its timeline: Get Order Timeline."""
        return self._order_view(self.store.find_order(handle, attempt))

    def finish_order(self, handle: str, outcome: str, *, metadata: dict | None = None,
                     attempt: int | None = None, order_type: str | None = None,
                     type_index: int | None = None) -> dict:
        """Complete or cancel an unfinished order; its route completes when all its orders are finished."""
        order = self.store.find_order(handle, attempt, order_type, type_index)
        if order["status"] in TERMINAL_ORDER_STATUSES:
            raise errors.OrderAlreadyFinished(order["status"])
        order = self.store.own_order(order)
        route = self.store.route(order["route_handle"]) if order.get("route_handle") else None
        now = self.clock.now_iso()
        order["status"] = outcome
        order[f"{outcome}_at"] = now
        if metadata:
            order["metadata"] = {**(order.get("metadata") or {}), **metadata}
        self.store.note_event(order, outcome, now)
        self.outbox.finished_order_event(order, outcome, now)
        if route is not None and route["status"] != "completed" and all(
                o["status"] in TERMINAL_ORDER_STATUSES for o in route["orders"]):
            self._complete_route(route, now)
        return self._order_view(order)

    def route_view(self, route_handle: str) -> dict:
        route = self.store.route(route_handle)
        if route is None:
            raise errors.NotFound("Route not found")
        return self.store.snapshot(route)

    def complete_route(self, route_handle: str) -> dict:
        """Complete a route, cancelling its unfinished orders."""
        route = self.store.route(route_handle)
        if route is None:
            raise errors.NotFound("Route not found")
        if route["status"] == "completed":
            raise errors.RouteAlreadyCompletedConflict()
        route = self.store.own_route(route_handle)
        now = self.clock.now_iso()
        for order in route["orders"]:
            if order["status"] not in TERMINAL_ORDER_STATUSES:
                order["status"] = "cancelled"
                order["cancelled_at"] = now
                self.store.note_event(order, "cancelled", now)
                self.outbox.finished_order_event(order, "cancelled", now)
        self._complete_route(route, now)
        return self.store.snapshot(route)

    def list_orders(self, filters: dict, *, limit: int, after: int | None = None, descending: bool = False,
                    inside=None):
        """One page of orders (latest fulfilments) that pass Get Orders' ``filters``, by ``created_at``
        (``descending``: newest first), and the cursor of the next page; ``inside(order)`` tells whether
        the order's worker's phone is in its destination now."""
        keep = OrderFilter(filters, roster=self.roster, route=self.store.route, inside=inside or _nowhere).keep
        orders, cursor = self.store.page_orders(keep, limit, after, descending)
        return [dict(order) for order in orders], cursor

    def list_routes(self, filters: dict, *, limit: int, after: int | None = None, descending: bool = False):
        """One page of routes that pass Get Routes' ``filters``, by ``created_at``, and the cursor of the next."""
        routes, cursor = self.store.page_routes(RouteFilter(filters).keep, limit, after, descending)
        return [self.store.listed(route) for route in routes], cursor

    def update_order(self, handle: str, changes: dict, *, attempt: int | None = None,
                     order_type: str | None = None, type_index: int | None = None) -> dict:
        """Update Order: each field sent replaces the order's, in Get Order and in its route alike (one
        record).  HyperTrack's spec: the destination "can only be updated before tracking is started"."""
        order = self.store.find_order(handle, attempt, order_type, type_index)
        destination = changes.get("destination")
        if destination is not None:
            if order.get("started_at"):
                raise errors.Invalid("destination", "The destination can only be updated before tracking "
                                                    "is started for an order.")
            try:
                self.destinations.check([{"order_handle": handle, "destination": destination}])
            except errors.HyperTrackError as refused:
                raise errors.Invalid("destination", refused.title) from None
            destination = self.destinations.resolve({"destination": destination})
        ops_group = changes.get("ops_group_handle")
        if ops_group is not None and not self.roster.has_ops_group(ops_group):
            raise errors.Invalid("ops_group_handle", f"No ops group with the handle {ops_group}.")

        order = self.store.own_order(order)
        if destination is not None:
            order["destination"] = destination
        for key in UPDATED_ORDER_FIELDS:
            if key in changes:
                value = changes[key]
                if key in ("scheduled_at", "scheduled_after") and value is not None:
                    value = isoformat(value)
                if value is None and key in ("type_index", "expected_service_time", "capacity_used",
                                             "ops_group_handle"):
                    continue  # HyperTrack's answers always carry these: null leaves them as they are
                if value is None:
                    order.pop(key, None)
                else:
                    order[key] = value
        kept = {key: changes[key] for key in KEPT_UPDATE_FIELDS + DETAIL_ONLY_FIELDS
                if changes.get(key) is not None}
        if kept:
            self.store.keep_fields(order, kept)
        self.outbox.order_event(order, "updated", self.clock.now_iso())
        view = self._order_view(order)
        del view["timeline"]  # Update Order's answer (PatchOrderResponse) has none
        return view

    def _order_view(self, order: dict) -> dict:
        handle, attempt = order["order_handle"], order["fulfillment_attempt"]
        view = dict(order)
        view["embed_url"] = ORDER_EMBED_URL.format(order_handle=handle, key=self.publishable_key)
        view["previous_fulfillments"] = [
            {"order_handle": handle, "fulfillment_attempt": o["fulfillment_attempt"]}
            for o in self.store.attempts(handle) if o["fulfillment_attempt"] < attempt]
        view["timeline"] = [self._event(order, *event) for event in self.store.timeline(order)]
        kept = self.store.kept_fields(order)
        for key in DETAIL_ONLY_FIELDS:
            if key in kept:
                view[key] = kept[key]
        return view

    def _complete_route(self, route: dict, now: str) -> None:
        route["status"] = "completed"
        route["completed_at"] = now
        self.outbox.route_event(route, "completed", now)

    @staticmethod
    def _event(order: dict, kind: str, recorded_at: str, device_id, worker_handle, extra=None) -> dict:
        """A timeline event as HyperTrack's examples write it: ``order_<kind>``, with the fields each kind
        carries there (``EVENT_FIELDS``); a phone's geofence events as ``OrderEnterExitEvent``."""
        if extra is not None:
            return {"type": f"order_{kind}", "recorded_at": recorded_at, "order_handle": order["order_handle"],
                    "order_type": order.get("type"), "fulfillment_attempt": order["fulfillment_attempt"], **extra}
        values = {"order_handle": order["order_handle"], "metadata": order.get("metadata"),
                  "route_handle": order["route_handle"], "driver_handle": worker_handle,
                  "order_type": order.get("type"), "fulfillment_attempt": order["fulfillment_attempt"]}
        return {"type": f"order_{kind}", "recorded_at": recorded_at,
                **{field: values[field] for field in EVENT_FIELDS[kind]}}
