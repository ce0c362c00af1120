"""The outbox: the records of the events a tenant's rules cause, noted as they happen, made into
HyperTrack's webhook envelopes only when they are needed.

A record is a ``NamedTuple`` of what the event shows, as it was then (``OrderNote``, ``RouteNote``, and
a track's ``TrackNote``, which stands for several events).  The dispatcher (``mockserver.webhooks``)
keeps the records of what it sent as JSON, where a record is an array of the same values in the same
order (``orjson`` does not serialise tuple subclasses itself: ``plain`` is its ``default``); ``event``
and ``events`` read both.  Without a receiver (``active`` false) no record is made at all: a track
costs what it cost before.
"""
from __future__ import annotations

from typing import NamedTuple

from .clock import parse, wall_now_iso

VERSION = "3.0.0"


class OrderNote(NamedTuple):
    """An order event (HyperTrack's ``OrderWebhookEvent``): ``fields`` are the value's own."""

    kind: str  # "order"
    value: str
    recorded_at: str
    created_at: str
    device_id: str
    worker_handle: str | None
    order_handle: str
    route_handle: str
    status: str
    share_url: str | None
    metadata: dict | None
    fields: dict | None


class RouteNote(NamedTuple):
    """A route event."""

    kind: str  # "route"
    value: str
    recorded_at: str
    created_at: str
    device_id: str | None
    worker_handle: str | None
    route_handle: str
    status: str
    version: int
    ops_group_handle: str
    metadata: dict | None


class RouteSeen(NamedTuple):
    """A tracked route as its events show it (part of a ``TrackNote``)."""

    device_id: str | None
    worker_handle: str | None
    route_handle: str
    status: str
    version: int
    ops_group_handle: str
    metadata: dict | None


class OrderSeen(NamedTuple):
    """A tracked order as its events show it (part of a ``TrackNote``)."""

    device_id: str
    worker_handle: str | None
    order_handle: str
    route_handle: str
    status: str
    share_url: str | None
    metadata: dict | None
    assigned_at: str


class TrackNote(NamedTuple):
    """A route tracked: route ``created`` (if ``created``) and ``started``, then each order ``assigned``
    and ``started`` (``events`` makes them): what a track costs the API with a receiver set."""

    kind: str  # "track"
    recorded_at: str
    created_at: str
    created: bool
    route: RouteSeen
    orders: list[OrderSeen]


_new = tuple.__new__


class Outbox(list):
    """The records of the events made since the tenant's outbox was last handed over, oldest first; it
    notes nothing while no receiver is set (``active``)."""

    __slots__ = ("active",)

    def __init__(self, active: bool = False):
        super().__init__()
        self.active = active

    def take(self) -> list:
        """The records noted, handed over once."""
        taken = self[:]
        del self[:]
        return taken

    def order_event(self, order: dict, value: str, now: str, fields: dict | None = None) -> None:
        """Note an order event with the value's own ``fields``; an order no device has worked on
        (planned, unplanned) has none: HyperTrack's order events are a device's."""
        if not self.active or not order.get("device_id") or not order.get("route_handle"):
            return
        self.append(order_note(order, value, now, fields))

    def route_event(self, route: dict, value: str, now: str) -> None:
        """Note a route event."""
        if not self.active:
            return
        self.append(RouteNote("route", value, now, wall_now_iso(), route.get("device_id"), route.get("worker_handle"),
                              route["route_handle"], route["status"], route["version"], route["ops_group_handle"],
                              route.get("metadata")))

    def tracking_events(self, route: dict, now: str, created: bool) -> None:
        """Note a route tracked, as one ``TrackNote``."""
        if not self.active:
            return
        # made with tuple.__new__: a NamedTuple's own __new__ is a Python call, a third of this method's cost
        orders = [_new(OrderSeen, (o["device_id"], o.get("worker_handle"), o["order_handle"], o["route_handle"],
                                   o["status"], o.get("share_url"), o.get("metadata"), o.get("assigned_at") or now))
                  for o in route["orders"] if o.get("device_id") and o.get("route_handle")]
        self.append(_new(TrackNote, ("track", now, wall_now_iso(), created,
                                     _new(RouteSeen, (route.get("device_id"), route.get("worker_handle"),
                                                      route["route_handle"], route["status"], route["version"],
                                                      route["ops_group_handle"], route.get("metadata"))),
                                     orders)))

    def finished_order_event(self, order: dict, outcome: str, now: str) -> None:
        """Note an order completed or cancelled, with how long it took since it started."""
        if not self.active:
            return
        started = order.get("started_at")
        # a clock set back meanwhile must not make it negative
        duration = max(0, int((parse(now) - parse(started)).total_seconds())) if started else 0
        self.order_event(order, outcome, now, {"duration": duration, "distance": None})


def order_note(order: dict, value: str, now: str, fields: dict | None = None) -> OrderNote:
    """The record of an order event (of an order a device works on) as it stands now."""
    return OrderNote("order", value, now, wall_now_iso(), order["device_id"], order.get("worker_handle"),
                     order["order_handle"], order["route_handle"], order["status"], order.get("share_url"),
                     order.get("metadata"), fields)


def plain(record) -> tuple:
    """A record as ``orjson`` can write it (its ``default``): a plain tuple, written as a JSON array."""
    if isinstance(record, tuple):
        return tuple(record)
    raise TypeError(f"{type(record).__name__} is not a record of events")


def events(records, account_id: str) -> list[dict]:
    """The events the records of an outbox stand for, in the order they were made."""
    made = []
    for record in records:
        if record[0] != "track":
            made.append(event(record, account_id))
            continue
        track = TrackNote._make(record)
        for value in ("created", "started") if track.created else ("started",):
            made.append(event(RouteNote("route", value, track.recorded_at, track.created_at, *track.route),
                              account_id))
        for order in track.orders:
            common = (track.recorded_at, track.created_at, *order[:7])
            made.append(event(OrderNote("order", "assigned", *common, {"assigned_at": order[7]}), account_id))
            made.append(event(OrderNote("order", "started", *common, None), account_id))
    return made


def kinds(records) -> list[tuple[str, str]]:
    """The ``(type, value)`` of each event the records of an outbox stand for, in the order ``events``
    makes them, without making them."""
    found = []
    for record in records:
        if record[0] != "track":
            found.append((record[0], record[1]))
            continue
        track = TrackNote._make(record)
        found.extend((("route", "created"), ("route", "started")) if track.created else (("route", "started"),))
        for _ in track.orders:
            found.extend((("order", "assigned"), ("order", "started")))
    return found


def event(record, account_id: str) -> dict:
    """The event (HyperTrack's envelope) a record stands for: ``created_at`` when the webhook was made
    (the wall clock), ``recorded_at`` when it happened (the tenant's clock).  A record read back from
    JSON (a list) or a plain tuple of the same values stands for the same event."""
    if record[0] == "order":
        note = record if type(record) is OrderNote else OrderNote._make(record)
        data = {"value": note.value, "order_handle": note.order_handle, "route_handle": note.route_handle,
                "status": note.status, "share_url": note.share_url, "metadata": note.metadata}
        if note.fields:
            data.update(note.fields)
    else:
        note = record if type(record) is RouteNote else RouteNote._make(record)
        data = {"value": note.value, "route_handle": note.route_handle, "status": note.status,
                "version": note.version, "ops_group_handle": note.ops_group_handle, "metadata": note.metadata}
    return {"created_at": note.created_at, "recorded_at": note.recorded_at, "account_id": account_id,
            "device_id": note.device_id, "worker_handle": note.worker_handle, "type": note.kind, "data": data,
            "version": VERSION}
