"""Webhooks, the model's side: a tenant's receiver, the events its lifecycle causes, what was sent.

HyperTrack delivers events to one URL per account (set in its dashboard); the mock's equivalent is a
control-plane call.  Here the lifecycle notes its events in the tenant's outbox, each as a record (a
tuple of what the event shows, as it was then), and ``event`` makes of a record the envelope
HyperTrack's webhook docs and its spec's ``OrderWebhookEvent`` describe.  The web layer hands the
outbox to the dispatcher (``mockserver.webhooks``) once the call that caused them has its answer; the
events themselves are made when they are sent.  Nothing here speaks HTTP.
Without a receiver no record is made at all: a track costs what it cost before.
"""
from __future__ import annotations

import secrets
import uuid
from collections import deque
from datetime import timedelta

from . import errors
from .clock import isoformat, parse, wall_now_iso

VERSION = "3.0.0"

#: The receiver's options and their defaults: HyperTrack's delivery rules (10 s to answer, 3 retries
#: 20 s apart), JSON as its docs say.
WEBHOOK_DEFAULTS = {"secret": None, "content_type": "application/json", "timeout_ms": 10000, "retries": 3,
                    "retry_delay_ms": 20000, "confirm_subscription": False}
#: What only a device causes, emitted on demand by the control plane.
DEVICE_VALUES = ("first_eta", "eta_change", "n_minutes_away", "delayed", "arrived", "exited", "risk_updated")
#: Delivery attempts a tenant keeps for ``GET /__mock/webhooks``, oldest dropped first.
ATTEMPTS_KEPT = 1000
#: What a message kept for Get Order Webhooks costs: its object and delivery status, and for each byte
#: of the JSON of its records, what it and the events indexed from it hold (measured with tracemalloc).
MESSAGE_OVERHEAD = 1000
MESSAGE_BYTES_PER_RECORD_BYTE = 10


class Webhooks:
    """A mixin of ``Tenant``: the receiver (``webhook``), the ``outbox`` of events not yet handed over,
    the events sent (``sent``, indexed per order when Get Order Webhooks asks) and every delivery
    attempt (``deliveries``)."""

    def _init_webhooks(self, template=None) -> None:
        self.webhook: dict | None = dict(template.webhook) if template is not None and template.webhook else None
        self.outbox: list[tuple] = []  # records of the events made since the last call (``event``)
        #: the message of each delivery's first attempt, oldest first (the dispatcher's: its
        #: ``events()`` as sent, its ``delivery`` status); replays are not in it.  Within the account's
        #: byte budget (``control_budget``, less what its fault rules and scenario hold): past it, the
        #: oldest go first (``sent_dropped``), the data plane never refused for this bookkeeping
        self.sent: list = []
        self.sent_sizes: list[int] = []
        self.sent_bytes = 0
        self.sent_dropped = 0
        #: order_handle -> [(event, delivery)], oldest first, of ``sent[:indexed]``: Get Order Webhooks'
        #: answers, indexed when it is called rather than on each delivery (which is on the hot path)
        self.sent_by_order: dict[str, list] = {}
        #: order_handle -> how many of its events were dropped (the first kept one's position)
        self.dropped_by_order: dict[str, int] = {}
        self.indexed = 0
        #: set by the backend: the bytes this account's control-plane state may hold (None: unbounded),
        #: and what the scenario loaded for it holds
        self.control_budget: int | None = None
        self.scenario_bytes = 0
        self.deliveries: deque = deque(maxlen=ATTEMPTS_KEPT)
        #: set by the dispatcher: told when the tenant is discarded, so that nothing more is delivered
        self.delivery_channel = None
        self.retired = False

    # --- the receiver ---------------------------------------------------------------------------

    def set_webhook(self, options: dict, confirm_url: str | None = None) -> dict:
        """Set (or replace) the receiver; the events already waiting for the old one are dropped.  With
        ``confirm_subscription``, nothing is delivered until the receiver visits ``confirm_url`` and the
        token this appends (SNS's ``SubscribeURL``)."""
        with self.lock:
            token = secrets.token_urlsafe(24)
            config = {**WEBHOOK_DEFAULTS, **options}
            self.webhook = {**config, "subscription_id": str(uuid.uuid4()), "token": token,
                            "subscribe_url": confirm_url + token if confirm_url else None,
                            "confirmed": not config["confirm_subscription"]}
            self.outbox.clear()
            if self.delivery_channel is not None:
                self.delivery_channel.cancel()
            return self.webhook_view()

    def confirm_webhook(self, token: str) -> bool:
        """The receiver visited its SubscribeURL: True if the token is the receiver's."""
        with self.lock:
            if self.webhook is None or not secrets.compare_digest(self.webhook["token"], token):
                return False
            self.webhook["confirmed"] = True
            return True

    def clear_webhook(self) -> None:
        with self.lock:
            self.webhook = None
            self.outbox.clear()
            if self.delivery_channel is not None:
                self.delivery_channel.cancel()

    def webhook_view(self) -> dict | None:
        """The receiver as the control plane shows it: the secret redacted."""
        if self.webhook is None:
            return None
        shown = {key: self.webhook[key] for key in ("url", *WEBHOOK_DEFAULTS, "confirmed")}
        return dict(shown, secret=None if shown["secret"] is None else "[redacted]")

    def retire(self) -> None:
        """The tenant is discarded (reset, a scenario loaded, too many accounts): deliver nothing more."""
        self.retired = True
        self.outbox.clear()
        if self.delivery_channel is not None:
            self.delivery_channel.cancel()

    def take_outbox(self) -> list[tuple]:
        """The records of the events made since the last call, handed over once."""
        with self.lock:
            events, self.outbox = self.outbox, []
            return events

    # --- events of the lifecycle ----------------------------------------------------------------

    def _order_event(self, order: dict, value: str, now: str, fields: dict | None = None) -> None:
        """Note an order event (HyperTrack's ``OrderWebhookEvent``) with the value's own ``fields``; an
        order no device has worked on (planned, unplanned) has none: HyperTrack's order events are a
        device's."""
        if self.webhook is None or not order.get("device_id") or not order.get("route_handle"):
            return
        self.outbox.append(("order", value, now, wall_now_iso(), order["device_id"], order.get("worker_handle"),
                            order["order_handle"], order["route_handle"], order["status"], order.get("share_url"),
                            order.get("metadata"), fields))

    def _route_event(self, route: dict, value: str, now: str) -> None:
        if self.webhook is None:
            return
        self.outbox.append(("route", value, now, wall_now_iso(), route.get("device_id"), route.get("worker_handle"),
                            route["route_handle"], route["status"], route["version"], route["ops_group_handle"],
                            route.get("metadata")))

    def _tracking_events(self, route: dict, now: str, created: bool) -> None:
        """A route is tracked: route ``created`` (a new one) and ``started``, then each order ``assigned``
        and ``started``, noted as one ``"track"`` record (``events`` makes the events of it): what a
        track costs the API with a webhook set is this one tuple."""
        if self.webhook is None:
            return
        orders = [(o["device_id"], o.get("worker_handle"), o["order_handle"], o["route_handle"], o["status"],
                   o.get("share_url"), o.get("metadata"), o.get("assigned_at") or now)
                  for o in route["orders"] if o.get("device_id") and o.get("route_handle")]
        self.outbox.append(("track", now, wall_now_iso(), created,
                            (route.get("device_id"), route.get("worker_handle"), route["route_handle"],
                             route["status"], route["version"], route["ops_group_handle"], route.get("metadata")),
                            orders))

    def _finished_order_event(self, order: dict, outcome: str, now: str) -> None:
        started = order.get("started_at")
        # a clock set back meanwhile must not make it negative
        duration = max(0, int((parse(now) - parse(started)).total_seconds())) if started else 0
        self._order_event(order, outcome, now, {"duration": duration, "distance": None})

    # --- what only a device causes ---------------------------------------------------------------

    def emit_device_event(self, handle: str, value: str, fields: dict) -> dict:
        """An event a device would cause (``DEVICE_VALUES``) for the order's latest attempt, with
        realistic fields where ``fields`` gives none; the event as it will be delivered."""
        with self.lock:
            order = self._find_order(handle)
            if not order.get("device_id") or not order.get("route_handle"):
                raise errors.Invalid("order_handle", "The order is not being tracked: no device is working on it.")
            now = self.clock.now()
            data = _device_fields(order, value, fields, now)
            if self.webhook is None:
                raise errors.Invalid("webhook", "No webhook receiver is set for this account: PUT /__mock/webhook.")
            self._order_event(order, value, isoformat(now), data)
            return event(self.outbox[-1], self.account_id)

    # --- what was sent --------------------------------------------------------------------------

    def note_sent(self, message) -> None:
        """The dispatcher's first attempt of ``message``: its ``events()``, and its ``delivery`` (the
        HTTP status and retry count, updated as the attempts go on); the oldest kept go past the budget."""
        records = getattr(message, "records", b"")
        size = MESSAGE_OVERHEAD + MESSAGE_BYTES_PER_RECORD_BYTE * (len(records) if type(records) is bytes else 0)
        with self.lock:
            self.sent.append(message)
            self.sent_sizes.append(size)
            self.sent_bytes += size
            if self.control_budget is not None:
                room = self.control_budget - self.faults.bytes - self.scenario_bytes
                while len(self.sent) > 1 and self.sent_bytes > room:
                    self._drop_oldest_sent()

    def _drop_oldest_sent(self) -> None:
        """Forget the oldest message kept, and its events in Get Order Webhooks' index (under the lock)."""
        message = self.sent.pop(0)
        self.sent_bytes -= self.sent_sizes.pop(0)
        self.sent_dropped += 1
        if self.indexed == 0:
            return
        self.indexed -= 1
        for event in message.events():
            if event["type"] == "order":
                handle = event["data"]["order_handle"]
                kept = self.sent_by_order.get(handle)
                if kept:
                    del kept[0]
                    self.dropped_by_order[handle] = self.dropped_by_order.get(handle, 0) + 1

    def _index_sent(self) -> None:
        """Index by order what was sent since the last call (under the lock)."""
        new, by_order = self.sent[self.indexed:], self.sent_by_order  # the dispatcher may append meanwhile
        for message in new:
            delivery = message.delivery
            for event in message.events():
                if event["type"] == "order":
                    by_order.setdefault(event["data"]["order_handle"], []).append((event, delivery))
        self.indexed += len(new)

    def note_attempt(self, attempt: dict) -> None:
        """A delivery attempt: its ``message`` (None for a subscription confirmation) carried the events."""
        self.deliveries.append(attempt)

    def attempts(self) -> list[dict]:
        """Every delivery attempt kept, oldest first, with the ``events`` it carried."""
        return [{**{k: v for k, v in attempt.items() if k != "message"},
                 "events": attempt["message"].events() if attempt["message"] is not None else []}
                for attempt in list(self.deliveries)]

    def sent_events(self, message_id: str) -> list[dict] | None:
        """The events of the message with this id (its latest attempt kept), or None."""
        for attempt in reversed(list(self.deliveries)):
            if attempt["message_id"] == message_id and attempt["message"] is not None:
                return attempt["message"].events()
        return None

    def order_webhooks(self, handle: str, *, values=None, from_time=None, to_time=None, attempt=None,
                       limit: int = 50, cursor: int | None = None, ascending: bool = False):
        """Get Order Webhooks: the order's events that were sent, newest first unless ``ascending``; a
        page, and the position of its last event to continue from (or None).  Events are only ever
        added, so a page never repeats one while others are sent."""
        with self.lock:
            if handle not in self.order_attempts:
                raise errors.NotFound("Order not found")
            self._index_sent()
            sent = list(enumerate(self.sent_by_order.get(handle, ()), self.dropped_by_order.get(handle, 0)))
        if not ascending:
            sent.reverse()
        page, more, last = [], None, None
        for position, (event, delivery) in sent:
            if cursor is not None and (position <= cursor if ascending else position >= cursor):
                continue
            recorded = parse(event["recorded_at"])
            if ((values and event["data"]["value"] not in values) or (from_time and recorded < from_time)
                    or (to_time and recorded > to_time)
                    or (attempt is not None and self._attempt_of(handle, event) != attempt)):
                continue
            if len(page) == limit:
                more = last
                break
            page.append(dict(event, delivery_http_status=delivery["status"], retry_count=delivery["retries"]))
            last = position
        return page, more

    def _attempt_of(self, handle: str, event: dict) -> int | None:
        """The fulfilment attempt an event belongs to: the last that started before it was recorded."""
        number = None
        for order in self.order_attempts.get(handle, ()):
            if order["created_at"] <= event["recorded_at"]:
                number = order["fulfillment_attempt"]
        return number


def events(records, account_id: str) -> list[dict]:
    """The events the records of an outbox stand for, in the order they were made."""
    made = []
    for record in records:
        if record[0] != "track":
            made.append(event(record, account_id))
            continue
        _, now, created_at, created, route, orders = record
        device_id, worker_handle, route_handle, status, version, ops_group, metadata = route
        for value in ("created", "started") if created else ("started",):
            made.append(event(("route", value, now, created_at, device_id, worker_handle, route_handle, status,
                               version, ops_group, metadata), account_id))
        for device_id, worker_handle, handle, route_handle, status, share_url, metadata, assigned_at in orders:
            common = (now, created_at, device_id, worker_handle, handle, route_handle, status, share_url, metadata)
            made.append(event(("order", "assigned", *common, {"assigned_at": assigned_at}), account_id))
            made.append(event(("order", "started", *common, None), account_id))
    return made


def event(record, account_id: str) -> dict:
    """The event (HyperTrack's envelope) a record of the outbox stands for: ``created_at`` when the
    webhook was made (the wall clock), ``recorded_at`` when it happened (the tenant's clock).

    The lifecycle notes a record, a tuple of the values the event shows as they were then; the event
    itself is made only where it is needed (the dispatcher that delivers it, the control plane that shows
    it).  A record read back from JSON (a list) stands for the same event."""
    if record[0] == "order":
        _, value, recorded_at, created_at, device_id, worker_handle, handle, route_handle, status, share_url, \
            metadata, fields = record
        data = {"value": value, "order_handle": handle, "route_handle": route_handle, "status": status,
                "share_url": share_url, "metadata": metadata}
        if fields:
            data.update(fields)
    else:
        _, value, recorded_at, created_at, device_id, worker_handle, route_handle, status, version, ops_group, \
            metadata = record
        data = {"value": value, "route_handle": route_handle, "status": status, "version": version,
                "ops_group_handle": ops_group, "metadata": metadata}
    return {"created_at": created_at, "recorded_at": recorded_at, "account_id": account_id, "device_id": device_id,
            "worker_handle": worker_handle, "type": record[0], "data": data, "version": VERSION}


def _device_fields(order: dict, value: str, sent: dict, now) -> dict:
    """The value's own fields, as HyperTrack's webhook data schemas name them."""
    destination = order["destination"]["geometry"]
    point = destination if destination["type"] == "Point" else {
        "type": "Point", "coordinates": destination["coordinates"][0][0]}
    remaining_duration = sent.get("remaining_duration", 60 * sent.get("remaining_minutes", 15))
    remaining = {"remaining_duration": remaining_duration, "remaining_distance": sent.get("remaining_distance", 5000)}
    initial_eta = sent.get("initial_eta", now + timedelta(seconds=remaining_duration))
    place = {"place_handle": order["destination"].get("place_handle"), "scheduled_at": order.get("scheduled_at"),
             "initial_eta": isoformat(initial_eta)}
    if value == "first_eta":
        return remaining
    if value == "eta_change":
        return {**remaining, "change_reason": sent.get("change_reason", "position_update")}
    if value == "n_minutes_away":
        return {**remaining, "remaining_minutes": sent.get("remaining_minutes", round(remaining_duration / 60))}
    if value == "delayed":
        return {"arrive_at": isoformat(sent.get("arrive_at", now + timedelta(seconds=remaining_duration))),
                "scheduled_at": order.get("scheduled_at"), "initial_eta": place["initial_eta"]}
    if value == "arrived":
        return {**place, "arrival": {"location": sent.get("location", point), "recorded_at": isoformat(now)}}
    if value == "exited":
        return {**place, "exit": {"location": sent.get("location", point), "recorded_at": isoformat(now)},
                "reason": sent.get("reason", "location")}
    return {"risks": sent.get("risks", {"delayed_from_scheduled_at": {
        "intensity_label": "yellow", "intensity_value": 0.5, "previous_intensity_label": "green"}})}
