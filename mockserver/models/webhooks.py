"""Webhooks, the model's side: a tenant's receiver, what was sent to it, every delivery attempt.

HyperTrack delivers events to one URL per account (set in its dashboard); the mock's equivalent is a
control-plane call.  The rules note their events in the tenant's ``Outbox`` (``outbox``), each as a
record of what the event shows, as it was then; ``event`` makes of a record the envelope HyperTrack's
webhook docs and its spec's ``OrderWebhookEvent`` describe.  The web layer hands the outbox to the
dispatcher (``mockserver.webhooks``) once the call that caused them has its answer; the events
themselves are made when they are sent.  Nothing here speaks HTTP.
"""
from __future__ import annotations

import secrets
import uuid
from collections import deque
from datetime import timedelta

from .clock import isoformat, parse
from .outbox import Outbox, event, events

__all__ = ["ATTEMPTS_KEPT", "DEVICE_VALUES", "WEBHOOK_DEFAULTS", "Webhooks", "device_fields", "event", "events",
           "order_webhooks_page"]

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


def message_size(message) -> int:
    """What a message kept for Get Order Webhooks holds in memory, reckoned from the JSON of its records."""
    return MESSAGE_OVERHEAD + MESSAGE_BYTES_PER_RECORD_BYTE * len(message.records)


class Webhooks:
    """A tenant's receiver (``webhook``), the events sent to it (``sent``, indexed per order when Get
    Order Webhooks asks) and every delivery attempt (``deliveries``); it turns the ``outbox`` on and
    off with the receiver.  The tenant calls it under its lock where a method says so."""

    def __init__(self, outbox: Outbox, template: Webhooks | None = None):
        self.outbox = outbox
        self.webhook: dict | None = dict(template.webhook) if template is not None and template.webhook else None
        outbox.active = self.webhook is not None
        #: the message of each delivery's first attempt, oldest first (the dispatcher's: its
        #: ``events()`` as sent, its ``delivery`` status); replays are not in it.  Within the room the
        #: tenant gives (``note_sent``): past it, the oldest go first (``sent_dropped``), the data plane
        #: never refused for this bookkeeping
        self.sent: list = []
        self.sent_bytes = 0
        self.sent_dropped = 0
        #: order_handle -> [(event, delivery)], oldest first, of ``sent[:indexed]``: Get Order Webhooks'
        #: answers, indexed when it is called rather than on each delivery (which is on the hot path)
        self.sent_by_order: dict[str, list] = {}
        #: order_handle -> how many of its events were dropped (the first kept one's position)
        self.dropped_by_order: dict[str, int] = {}
        self.indexed = 0
        self.deliveries: deque = deque(maxlen=ATTEMPTS_KEPT)
        #: set by the dispatcher: told when the tenant is discarded, so that nothing more is delivered
        self.delivery_channel = None
        self.retired = False

    # --- the receiver ---------------------------------------------------------------------------

    def set_webhook(self, options: dict, confirm_url: str | None = None) -> dict:
        """Set (or replace) the receiver (under the lock); the events already waiting for the old one are
        dropped.  With ``confirm_subscription``, nothing is delivered until the receiver visits
        ``confirm_url`` and the token this appends (SNS's ``SubscribeURL``)."""
        token = secrets.token_urlsafe(24)
        config = {**WEBHOOK_DEFAULTS, **options}
        self.webhook = {**config, "subscription_id": str(uuid.uuid4()), "token": token,
                        "subscribe_url": confirm_url + token if confirm_url else None,
                        "confirmed": not config["confirm_subscription"]}
        self._stop(active=True)
        return self.webhook_view()

    def confirm_webhook(self, token: str) -> bool:
        """The receiver visited its SubscribeURL (under the lock): True if the token is the receiver's."""
        if self.webhook is None or not secrets.compare_digest(self.webhook["token"], token):
            return False
        self.webhook["confirmed"] = True
        return True

    def clear_webhook(self) -> None:
        """No receiver any more (under the lock)."""
        self.webhook = None
        self._stop(active=False)

    def webhook_view(self) -> dict | None:
        """The receiver as the control plane shows it: the secret redacted."""
        if self.webhook is None:
            return None
        shown = {key: self.webhook[key] for key in ("url", *WEBHOOK_DEFAULTS, "confirmed")}
        return dict(shown, secret=None if shown["secret"] is None else "[redacted]")

    def retire(self) -> None:
        """The tenant is discarded (reset, a scenario loaded, too many accounts): deliver nothing more."""
        self.retired = True
        self._stop(active=self.outbox.active)

    def _stop(self, active: bool) -> None:
        """Drop the events waiting and stop the deliveries under way."""
        self.outbox.clear()
        self.outbox.active = active
        if self.delivery_channel is not None:
            self.delivery_channel.cancel()

    # --- what was sent --------------------------------------------------------------------------

    def note_sent(self, message, room: int | None) -> None:
        """The dispatcher's first attempt of ``message`` (under the lock): its ``events()``, and its
        ``delivery`` (the HTTP status and retry count, updated as the attempts go on); the oldest kept
        go while they hold more than ``room`` bytes (None: unbounded)."""
        self.sent.append(message)
        self.sent_bytes += message_size(message)
        if room is not None:
            while len(self.sent) > 1 and self.sent_bytes > room:
                self._drop_oldest_sent()

    def _drop_oldest_sent(self) -> None:
        """Forget the oldest message kept, and its events in Get Order Webhooks' index."""
        message = self.sent.pop(0)
        self.sent_bytes -= message_size(message)
        self.sent_dropped += 1
        if self.indexed == 0:
            return
        self.indexed -= 1
        for shown in message.events():
            if shown["type"] == "order":
                handle = shown["data"]["order_handle"]
                kept = self.sent_by_order.get(handle)
                if kept:
                    del kept[0]
                    self.dropped_by_order[handle] = self.dropped_by_order.get(handle, 0) + 1

    def sent_to_order(self, handle: str) -> list[tuple[int, tuple]]:
        """The order's events that were sent (under the lock), oldest first, each with its position
        among them: what was sent since the last call is indexed by order first."""
        new, by_order = self.sent[self.indexed:], self.sent_by_order  # the dispatcher may append meanwhile
        for message in new:
            delivery = message.delivery
            for shown in message.events():
                if shown["type"] == "order":
                    by_order.setdefault(shown["data"]["order_handle"], []).append((shown, delivery))
        self.indexed += len(new)
        return list(enumerate(self.sent_by_order.get(handle, ()), self.dropped_by_order.get(handle, 0)))

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


def order_webhooks_page(sent, fulfilments, *, values=None, from_time=None, to_time=None, attempt=None,
                        limit: int = 50, cursor: int | None = None, ascending: bool = False):
    """Get Order Webhooks' page of an order's events ``sent`` (``Webhooks.sent_to_order``), newest first
    unless ``ascending``, and the position of its last event to continue from (or None).  Events are
    only ever added, so a page never repeats one while others are sent."""
    if not ascending:
        sent.reverse()
    page, more, last = [], None, None
    for position, (shown, delivery) in sent:
        if cursor is not None and (position <= cursor if ascending else position >= cursor):
            continue
        recorded = parse(shown["recorded_at"])
        if ((values and shown["data"]["value"] not in values) or (from_time and recorded < from_time)
                or (to_time and recorded > to_time)
                or (attempt is not None and _attempt_of(fulfilments, shown) != attempt)):
            continue
        if len(page) == limit:
            more = last
            break
        page.append(dict(shown, delivery_http_status=delivery["status"], retry_count=delivery["retries"]))
        last = position
    return page, more


def _attempt_of(fulfilments, sent_event: dict) -> int | None:
    """The fulfilment attempt an event belongs to: the last that started before it was recorded."""
    number = None
    for order in fulfilments:
        if order["created_at"] <= sent_event["recorded_at"]:
            number = order["fulfillment_attempt"]
    return number


def device_fields(order: dict, value: str, sent: dict, now) -> dict:
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
