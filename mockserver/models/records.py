"""Route and order records: how a tenant stores what HyperTrack answers, and how listings page through them.

A record is the dict HyperTrack's answer carries (its keys and values are the wire's), stored once
and shared by the route's list and the order indexes; answers are copies taken under the lock.
"""
from __future__ import annotations

from .clock import isoformat

TERMINAL_ORDER_STATUSES = frozenset({"completed", "cancelled"})
DEFAULT_OPS_GROUP = "default"
EMBED_URL = "https://embed.hypertrack.com/routes/{route_handle}?publishable_key={key}"
ORDER_EMBED_URL = "https://embed.hypertrack.com/orders/{order_handle}?publishable_key={key}"
SHARE_URL = "https://trck.at/{code}"

#: Optional order fields echoed in answers only when the request (or scenario) set them.
ECHOED_ORDER_FIELDS = ("priority", "metadata", "product_type")
#: What a listed route (Get Routes' ``RouteListOrder``) says of each of its orders.
LISTED_ORDER_FIELDS = ("order_handle", "status", "type", "type_index", "started_at", "completed_at", "cancelled_at",
                       "expected_service_time")
#: Order fields a request may send that HyperTrack's answers do not carry: kept for the tenant's
#: state (``GET /__mock/state`` gives them back), never sent.
KEPT_ORDER_FIELDS = ("tasks_list", "facility_name", "workflow_ids")


class Records:
    """Building and storing route and order records (a mixin of ``Tenant``)."""

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

    def _commit_route(self, route: dict) -> None:
        self.routes[route["route_handle"]] = route
        self.route_log.append(route["route_handle"])
        for order in route["orders"]:
            self._commit_order(order)

    def _commit_order(self, order: dict) -> None:
        """Index a new order (its route, if it has one, holds the same record)."""
        handle = order["order_handle"]
        self.orders[handle] = order
        self._append("order_attempts", handle, order)
        self.order_log.append((handle, order["fulfillment_attempt"]))

    def _snapshot(self, route: dict) -> dict:
        """A copy of a route and its orders, safe to serialise after the lock is released; its
        ``embed_url`` carries this account's publishable key (a startup route was built without it)."""
        return dict(route, embed_url=EMBED_URL.format(route_handle=route["route_handle"], key=self.publishable_key),
                    orders=[dict(order) for order in route["orders"]])


    def _listed(self, route: dict) -> dict:
        """A route as Get Routes lists it: the route's own fields, and of each order only its summary."""
        return dict(self._snapshot(route), orders=[
            {key: order[key] for key in LISTED_ORDER_FIELDS if key in order} for order in route["orders"]])


def _iso(value):
    return None if value is None else isoformat(value)


def page(log, select, limit: int, after: int):
    """Up to ``limit`` records after position ``after`` of a log, and the position to continue from (or
    None); ``select`` turns a log's item into its record, or None to leave it out.

    Items are only ever appended to a log, so a cursor never skips or repeats one while others arrive.
    """
    records, last = [], after
    for index in range(after + 1, len(log)):
        record = select(log[index])
        if record is not None:
            if len(records) == limit:
                return records, last
            records.append(record)
            last = index
    return records, None
