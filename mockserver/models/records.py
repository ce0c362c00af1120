"""The store of routes and orders: how a tenant keeps what HyperTrack answers, and how listings page through them.

A record is the dict HyperTrack's answer carries (its keys and values are the wire's), stored once
and shared by the route's list and the order indexes; answers are copies taken under the lock.
"""
from __future__ import annotations

import bisect
from datetime import datetime, timezone

from . import errors
from .clock import isoformat, parse
from .layers import Layered, Log, layered, own, own_entries

TERMINAL_ORDER_STATUSES = frozenset({"completed", "cancelled"})
DEFAULT_OPS_GROUP = "default"
EMBED_URL = "https://embed.hypertrack.com/routes/{route_handle}?publishable_key={key}"
ORDER_EMBED_URL = "https://embed.hypertrack.com/orders/{order_handle}?publishable_key={key}"
SHARE_URL = "https://trck.at/{code}"

#: Optional order fields echoed in answers only when the request (or scenario) set them.
ECHOED_ORDER_FIELDS = ("priority", "metadata", "product_type")
#: What a listed route (Get Routes' ``RouteListOrder``) says of each of its orders.
LISTED_ORDER_FIELDS = ("order_handle", "status", "type", "type_index", "started_at", "completed_at", "cancelled_at",
                       "expected_service_time", "actual_service_time")
#: Order fields a request may send that HyperTrack's answers do not carry: kept for the tenant's
#: state (``GET /__mock/state`` gives them back), never sent.
KEPT_ORDER_FIELDS = ("tasks_list", "facility_name", "workflow_ids")


class Store:
    """A tenant's routes and orders: building their records, committing, owning (copy-on-write),
    snapshots, paging; and each order's timeline.  The rules call it under the tenant's lock."""

    def __init__(self, publishable_key: str, fake, template: Store | None = None):
        self.publishable_key, self.fake = publishable_key, fake
        self.routes: dict[str, dict] = layered(template and template.routes)
        #: order_handle -> the order's latest fulfilment (the dict also held in its route's list)
        self.orders: dict[str, dict] = layered(template and template.orders)
        #: order_handle -> every fulfilment of that handle, oldest first (fulfillment_attempt is the index)
        self.order_attempts: dict[str, list[dict]] = layered(template and template.order_attempts)
        #: (order_handle, fulfillment_attempt) -> the events the mock has seen, oldest first, as
        #: (kind, recorded_at, device_id, worker_handle[, extra]): the rest is the order's (``Lifecycle._event``)
        self.timelines: dict[tuple[str, int], list[tuple]] = layered(template and template.timelines)
        #: (order_handle, fulfillment_attempt) -> fields the request sent that answers do not carry
        self.kept_order_fields: dict[tuple[str, int], dict] = layered(template and template.kept_order_fields)
        #: every route (its handle) and every order ((handle, fulfillment_attempt)) in creation order:
        #: what listings page through
        routes, orders = template.frozen_logs() if template is not None else ((), ())
        self.route_log, self.order_log = Log(routes), Log(orders)
        #: what each log's ``created_at`` order is known to be: ``CreationOrder``s, made on the first listing
        self.creation_orders: dict[str, CreationOrder] = {}

    def frozen_logs(self) -> tuple[tuple, tuple]:
        """This (startup) store's logs as they stand, made once and shared by every store derived from it."""
        frozen = self.__dict__.get("frozen")
        if frozen is None:
            frozen = self.__dict__["frozen"] = (tuple(self.route_log), tuple(self.order_log))
        return frozen

    def own_entries(self) -> int:
        """How many entries the store holds itself (not shared with the startup state)."""
        return (own_entries(self.routes) + own_entries(self.orders) + own_entries(self.order_attempts)
                + own_entries(self.timelines) + own_entries(self.kept_order_fields) + len(self.route_log.own)
                + len(self.order_log.own))

    # --- new records ----------------------------------------------------------------------------

    def route_record(self, *, route_handle, status, now, track_mode, ops_group, worker_handle,
                     device_id, metadata, started, device_switch_mode=None) -> dict:
        """A new route's record (not stored yet: ``commit_route``)."""
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

    def order_record(self, order: dict, destination: dict, route: dict, status: str, now: str,
                     share_url: str | None = None, planned: bool = True) -> dict:
        """The record of one order of ``route`` (for an unplanned order, a route whose values are all
        None but the ops group); called only once every check has passed."""
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
            "share_url": share_url or SHARE_URL.format(code=self.fake.share_code()),
            "device_id": route["device_id"],
            "worker_handle": route["worker_handle"],
            "ops_group_handle": route["ops_group_handle"],
            "created_at": now,
            "assigned_at": route["assigned_at"],
            "route_handle": route["route_handle"],
            "planned_at": now if planned else None,
        }
        if record["type"] is None:
            del record["type"]  # HyperTrack's spec lets `type` be absent, not null (its enum has no null)
        if order.get("scheduled_after") is not None:
            record["scheduled_after"] = _iso(order["scheduled_after"])
        for key in ECHOED_ORDER_FIELDS:
            if order.get(key) is not None:
                record[key] = order[key]
        if status in TERMINAL_ORDER_STATUSES:
            record[f"{status}_at"] = now
        kept = {key: order[key] for key in KEPT_ORDER_FIELDS if order.get(key) is not None}
        if kept:
            self.kept_order_fields[(handle, record["fulfillment_attempt"])] = kept
        return record

    def free_route_handle(self, wanted: str | None = None) -> str:
        """``wanted`` if no route has it, else a new handle no route has."""
        handle = wanted
        while not handle or handle in self.routes:
            handle = self.fake.uuid()
        return handle

    def commit_route(self, route: dict) -> None:
        """Store a new route and index its orders."""
        self.routes[route["route_handle"]] = route
        self.route_log.append(route["route_handle"])
        for order in route["orders"]:
            self.commit_order(order)

    def commit_order(self, order: dict) -> None:
        """Index a new order (its route, if it has one, holds the same record)."""
        handle = order["order_handle"]
        self.orders[handle] = order
        attempts = self.order_attempts
        if handle in attempts:
            own(attempts, handle, list).append(order)
        else:
            attempts[handle] = [order]
        self.order_log.append((handle, order["fulfillment_attempt"]))

    # --- finding ------------------------------------------------------------------------------

    def route(self, route_handle: str) -> dict | None:
        """The route with this handle (shared with the startup state until owned), or None."""
        return self.routes.get(route_handle)

    def newest_routes(self):
        """Every route, the newest first."""
        routes = self.routes
        return (routes[handle] for handle in reversed(self.route_log))

    def find_order(self, handle, attempt=None, order_type=None, type_index=None) -> dict:
        """The order's latest fulfilment (or ``attempt``), if of ``order_type`` and ``type_index`` when
        given; else ``NotFound``."""
        attempts = self.order_attempts.get(handle, ())
        if attempt is None:
            order = attempts[-1] if attempts else None
        else:
            order = next((o for o in attempts if o["fulfillment_attempt"] == attempt), None)
        if order is None or (order_type is not None and order.get("type") != order_type) or (
                type_index is not None and order["type_index"] != type_index):
            raise errors.NotFound("Order not found")
        return order

    def attempts(self, handle: str) -> list[dict] | None:
        """Every fulfilment of the order, oldest first, or None if there is no such order."""
        return self.order_attempts.get(handle)

    def check_order_handles(self, orders, route_handle: str | None = None) -> None:
        """Refuse a handle repeated in the request or held by another route's unfinished order."""
        seen = set()
        for order in orders:
            handle = order["order_handle"]
            current = self.orders.get(handle)
            if handle in seen or (current is not None and current["status"] not in TERMINAL_ORDER_STATUSES
                                  and (route_handle is None or current["route_handle"] != route_handle)):
                raise errors.DuplicateOrder()
            seen.add(handle)

    def is_tracking(self, worker_handle: str) -> bool:
        """Whether a route of the worker is tracking."""
        return any(r["status"] == "tracking" and r["worker_handle"] == worker_handle for r in self.routes.values())

    def tracking_workers(self) -> set[str]:
        """The workers a route of which is tracking."""
        return {route["worker_handle"] for route in self.routes.values() if route["status"] == "tracking"}

    # --- changing ------------------------------------------------------------------------------

    def own_route(self, route_handle: str) -> dict:
        """The tenant's own copy of a route and of its orders, which the indexes then point to."""
        routes = self.routes
        if type(routes) is not Layered or dict.__contains__(routes, route_handle):
            return routes[route_handle]
        shared = routes[route_handle]
        route = routes[route_handle] = dict(shared, orders=[dict(order) for order in shared["orders"]])
        for old, new in zip(shared["orders"], route["orders"], strict=True):
            handle = new["order_handle"]
            own(self.order_attempts, handle, list)[new["fulfillment_attempt"]] = new
            if self.orders[handle] is old:
                self.orders[handle] = new
        return route

    def own_order(self, order: dict) -> dict:
        """The tenant's own copy of an order record (and of its route, which holds the same record)."""
        handle, attempt = order["order_handle"], order["fulfillment_attempt"]
        if order.get("route_handle"):
            self.own_route(order["route_handle"])
        else:
            attempts = own(self.order_attempts, handle, list)
            if attempts[attempt] is order and type(self.order_attempts) is not dict:
                attempts[attempt] = dict(order)
                if self.orders[handle] is order:
                    self.orders[handle] = attempts[attempt]
        return self.order_attempts[handle][attempt]

    def keep_fields(self, order: dict, fields: dict) -> None:
        """Keep (merged over those kept before) fields of the order that answers do not carry."""
        key = (order["order_handle"], order["fulfillment_attempt"])
        self.kept_order_fields[key] = {**self.kept_order_fields.get(key, {}), **fields}

    def kept_fields(self, order: dict) -> dict:
        """The fields of the order that answers do not carry."""
        return self.kept_order_fields.get((order["order_handle"], order["fulfillment_attempt"]), {})

    # --- timelines ----------------------------------------------------------------------------

    def start_timeline(self, order: dict, kinds: tuple[str, ...], now: str) -> None:
        """The first events of a new order's timeline (its key is new: no copy to make, nothing to add to)."""
        event = (now, order["device_id"], order["worker_handle"])
        self.timelines[(order["order_handle"], order["fulfillment_attempt"])] = [(kind, *event) for kind in kinds]

    def note_event(self, order: dict, kind: str, now: str, extra: dict | None = None) -> None:
        """Note an event compactly (what can change later: the device and the worker), with the fields
        of its own (``extra``: a phone's geofence events) if it has any."""
        key = (order["order_handle"], order["fulfillment_attempt"])
        event = (kind, now, order["device_id"], order["worker_handle"])
        if extra is not None:
            event += (extra,)
        if key in self.timelines:
            own(self.timelines, key, list).append(event)
        else:
            self.timelines[key] = [event]

    def timeline(self, order: dict) -> list[tuple]:
        """The events noted of the order, oldest first, as (kind, recorded_at, device_id, worker_handle)."""
        return self.timelines[(order["order_handle"], order["fulfillment_attempt"])]

    # --- answers ------------------------------------------------------------------------------

    def snapshot(self, route: dict) -> dict:
        """A copy of a route and its orders, safe to serialise after the lock is released; its
        ``embed_url`` carries this account's publishable key (a startup route was built without it)."""
        return dict(route, embed_url=EMBED_URL.format(route_handle=route["route_handle"], key=self.publishable_key),
                    orders=[dict(order) for order in route["orders"]])

    def listed(self, route: dict) -> dict:
        """A route as Get Routes lists it: the route's own fields, and of each order only its summary."""
        return dict(self.snapshot(route), orders=[
            {key: order[key] for key in LISTED_ORDER_FIELDS if key in order} for order in route["orders"]])

    def page_orders(self, keep, limit: int, after: int | None = None, descending: bool = False):
        """Up to ``limit`` latest fulfilments that ``keep`` keeps, by ``created_at`` (ties in creation
        order; ``descending``: the exact reverse), after the one at position ``after`` of the order log, and
        the position to continue from (or None)."""
        orders, attempts = self.orders, self.order_attempts

        def select(key):
            order = orders[key[0]]
            return order if order["fulfillment_attempt"] == key[1] and keep(order) else None

        def created(key):
            return attempts[key[0]][key[1]]["created_at"]
        positions = self._creation_order("orders", self.order_log, created).after(after, descending)
        return page(self.order_log, select, limit, positions)

    def page_routes(self, keep, limit: int, after: int | None = None, descending: bool = False):
        """Up to ``limit`` routes that ``keep`` keeps, by ``created_at`` as ``page_orders``, after the one at
        position ``after`` of the route log, and the position to continue from (or None)."""
        routes = self.routes

        def select(handle):
            route = routes[handle]
            return route if keep(route) else None

        def created(handle):
            return routes[handle]["created_at"]
        positions = self._creation_order("routes", self.route_log, created).after(after, descending)
        return page(self.route_log, select, limit, positions)

    def _creation_order(self, name: str, log, created) -> CreationOrder:
        known = self.creation_orders.get(name)
        if known is None:
            known = self.creation_orders[name] = CreationOrder(log, created)
        return known


def _iso(value):
    return None if value is None else isoformat(value)


#: Where a record without ``created_at`` sorts: first.
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


class CreationOrder:
    """The positions of a log in ``created_at`` order, ties in log order: the log's own order while each
    item was created no earlier than the one before, else a sorted list of keys kept up to date.  Each
    item's key is read once, when the first listing after its arrival looks.

    The key of a position, ``(created_at, position)``, never changes, so that a cursor (the position of
    the last item given) continues after that key, in either direction, whatever arrived meanwhile: no
    item is skipped or repeated, and the descending walk is exactly the ascending one reversed."""

    def __init__(self, log, created):
        self.log, self.created = log, created
        #: each position's creation instant, in log order (as far as looked)
        self.instants: list[datetime] = []
        #: None while the log is in creation order; else every ``(instant, position)``, sorted
        self.sorted: list[tuple] | None = None

    def _look(self) -> None:
        """Read the keys of the items added since the last look."""
        instants, log = self.instants, self.log
        while len(instants) < len(log):
            position = len(instants)
            created = self.created(log[position])
            instant = parse(created) if created else EARLIEST
            if self.sorted is None and instants and instant < instants[-1]:
                self.sorted = sorted((earlier, index) for index, earlier in enumerate(instants))
            instants.append(instant)
            if self.sorted is not None:
                bisect.insort(self.sorted, (instant, position))

    def after(self, cursor: int | None, descending: bool):
        """The positions that follow ``cursor`` (None: from the first) in the listing's direction."""
        self._look()
        size = len(self.instants)
        if cursor is not None and not 0 <= cursor < size:
            return iter(())
        if self.sorted is None:
            if descending:
                return iter(range((size if cursor is None else cursor) - 1, -1, -1))
            return iter(range(0 if cursor is None else cursor + 1, size))
        keys = self.sorted
        if descending:
            at = size if cursor is None else bisect.bisect_left(keys, (self.instants[cursor], cursor))
            return (keys[index][1] for index in range(at - 1, -1, -1))
        at = 0 if cursor is None else bisect.bisect_right(keys, (self.instants[cursor], cursor))
        return (keys[index][1] for index in range(at, size))


def page(log, select, limit: int, positions):
    """Up to ``limit`` records of a log, taken at ``positions`` in turn, and the position to continue from
    (or None); ``select`` turns a log's item into its record, or None to leave it out."""
    records, last = [], None
    for index in positions:
        record = select(log[index])
        if record is not None:
            if len(records) == limit:
                return records, last
            records.append(record)
            last = index
    return records, None
