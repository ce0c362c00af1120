"""A tenant: one HyperTrack account's world, a façade over the parts that hold it and the rules that change it.

The parts, each an object with its own state and public methods:

- ``store`` (``records.Store``): routes and orders, their indexes and logs, each order's timeline;
- ``roster`` (``workers.Roster``): workers, their devices, ops groups (and the Workers API over them);
- ``destinations`` (``destinations.Destinations``): places and geofences;
- ``outbox`` (``outbox.Outbox``): the records of the events made since the last call;
- ``webhooks`` (``webhooks.Webhooks``): the receiver, what was sent to it, every delivery attempt;
- ``motion`` (``motion.Motion``): the workers' phones, moving with the tenant's clock.

The rules (``tracking.Tracking``, ``planning.Planning``, ``lifecycle.Lifecycle``) call the parts'
public methods.  The tenant's own public methods are what the views and the control plane call: each
takes the tenant's re-entrant lock (the server is concurrent) and hands over to a rule or a part, which
never lock themselves.

A tenant started from the startup scenario is a copy-on-write layer over the scenario's state, built
once (``Tenant.derived``): each part derived from the startup tenant's holds its dictionaries as
``layers.Layered`` over the startup part's and its logs as ``layers.Log``, so that a new account costs
the same whatever the scenario's size.  A record of the scenario's is copied into the tenant's own
layer the first time the tenant changes it (``layers.own``, ``Store.own_route``).
"""
from __future__ import annotations

import threading

from . import errors
from .clock import Clock, isoformat
from .coverage import Coverage
from .destinations import Destinations
from .fake import FakeValues
from .faults import FaultSet
from .journal import Journal
from .lifecycle import Lifecycle
from .motion import Motion
from .outbox import Outbox, event, order_note
from .planning import Planning
from .readings import Readings
from .records import Store
from .tracking import Tracking
from .webhooks import Webhooks, device_fields, order_webhooks_page
from .workers import Roster


class Tenant:
    """One account's workers, devices, ops groups, places, geofences, routes and orders."""

    def __init__(self, account_id: str, seed: int | None, server_clock: Clock | None = None,
                 journal: Journal | None = None, template: Tenant | None = None):
        self.account_id = account_id
        self.lock = threading.RLock()
        self.fake = FakeValues(seed, account_id)
        self.clock = Clock(parent=server_clock)
        self.faults = FaultSet()
        self.journal = journal if journal is not None else Journal(1000, 1024 * 1024)
        #: what the account's requests and webhooks exercised (the backend links it to the server's)
        self.coverage = Coverage()
        self.publishable_key = self.fake.publishable_key()
        #: set by the backend: the bytes this account's control-plane state may hold (None: unbounded),
        #: and what the scenario loaded for it holds
        self.control_budget: int | None = None
        self.scenario_bytes = 0
        self.store = Store(self.publishable_key, self.fake, template and template.store)
        self.roster = Roster(self.fake, self.clock, self.store, template and template.roster)
        self.destinations = Destinations(self.fake, template and template.destinations)
        self.outbox = Outbox()
        self.webhooks = Webhooks(self.outbox, template and template.webhooks)
        parts = (self.store, self.roster, self.destinations, self.outbox, self.clock)
        self.tracking = Tracking(*parts)
        self.planning = Planning(*parts, self.fake)
        self.lifecycle = Lifecycle(*parts, self.publishable_key)
        self.motion = Motion(self.store, self.roster, self.outbox, self.clock, self.fake, template and template.motion)
        self.readings = Readings(self.motion)
        if template is not None:
            for rule in template.faults.rules():
                self.faults.add(rule)

    @classmethod
    def derived(cls, template: Tenant, account_id: str, seed: int | None, server_clock: Clock | None,
                journal: Journal) -> Tenant:
        """A new tenant whose world starts as ``template``'s (which must never change again)."""
        return cls(account_id, seed, server_clock, journal, template=template)

    def holders(self) -> list:
        """What the tenant's parts hold, among it the dictionaries and lists of its state (which the reaper
        takes apart)."""
        return [value for part in (self.store, self.roster, self.destinations, self.webhooks)
                for value in vars(part).values()] + [self.outbox]

    def own_entries(self) -> int:
        """How many entries the tenant's own state holds (what freeing it would cost)."""
        return (self.store.own_entries() + self.roster.own_entries() + self.destinations.own_entries()
                + len(self.journal.entries))

    # --- the state, as scenarios describe it and tests read it -----------------------------------

    routes = property(lambda self: self.store.routes)
    orders = property(lambda self: self.store.orders)
    route_log = property(lambda self: self.store.route_log)
    kept_order_fields = property(lambda self: self.store.kept_order_fields)
    workers = property(lambda self: self.roster.workers)
    devices = property(lambda self: self.roster.devices)
    ops_groups = property(lambda self: self.roster.ops_groups)
    places = property(lambda self: self.destinations.places)
    geofences = property(lambda self: self.destinations.geofences)
    webhook = property(lambda self: self.webhooks.webhook)
    sent = property(lambda self: self.webhooks.sent)
    sent_bytes = property(lambda self: self.webhooks.sent_bytes)
    sent_dropped = property(lambda self: self.webhooks.sent_dropped)
    deliveries = property(lambda self: self.webhooks.deliveries)
    retired = property(lambda self: self.webhooks.retired)

    @property
    def delivery_channel(self):
        """Set by the dispatcher: told when the tenant is discarded, so that nothing more is delivered."""
        return self.webhooks.delivery_channel

    @delivery_channel.setter
    def delivery_channel(self, channel) -> None:
        self.webhooks.delivery_channel = channel

    # --- building (a scenario) -----------------------------------------------------------------

    def add_ops_group(self, group: dict) -> None:
        self.roster.add_ops_group(group)

    def add_device(self, device_id: str, name: str | None, worker_handle: str | None, owner: str | None = None,
                   now: str | None = None) -> None:
        self.roster.add_device(device_id, name, worker_handle, owner, now)

    def add_worker(self, worker: dict, now: str | None = None) -> dict:
        return self.roster.add_worker(worker, now)

    def add_place(self, place: dict) -> None:
        self.destinations.add_place(place)

    def add_geofence(self, geofence: dict) -> None:
        self.destinations.add_geofence(geofence)

    def add_route(self, route: dict) -> None:
        """A route as a scenario declares it (already validated: its references exist)."""
        self.tracking.add_route(route)

    # --- orders and routes ---------------------------------------------------------------------

    def track_orders(self, request: dict) -> dict:
        """Track Orders: a new route from orders, or a planned route started."""
        with self.lock:
            motion = self.motion
            if not motion.phones:  # the hot path: no phone, nothing more
                return self.tracking.track_orders(request)
            route = self.store.route(request.get("route_handle") or "")
            device_id = request.get("device_id")
            self._settle(request.get("worker_handle") or request.get("driver_handle")
                         or (route and route["worker_handle"])
                         or (self.roster.device_worker(device_id) if device_id and self.roster.has_device(device_id)
                             else None))
            answer = self.tracking.track_orders(request)
            motion.replan(answer["worker_handle"])
            self.readings.annotate_route(answer)
            return answer

    def plan_orders(self, request: dict) -> dict:
        """Batch and Sequence Orders: orders planned into a route, or taken in unplanned."""
        with self.lock:
            return self.planning.plan_orders(request)

    def order_view(self, handle: str, attempt: int | None = None) -> dict:
        """Get Order Timeline."""
        with self.lock:
            self.motion.catch_up()
            view = self.lifecycle.order_view(handle, attempt)
            self.readings.annotate_orders([view])
            return view

    def finish_order(self, handle: str, outcome: str, **options) -> dict:
        """Complete or Cancel Order."""
        with self.lock:
            self._settle(self._worker_of(handle))
            view = self.lifecycle.finish_order(handle, outcome, **options)
            self.motion.replan(view["worker_handle"], "route_change")
            return view

    def update_order(self, handle: str, changes: dict, **options) -> dict:
        """Update Order."""
        with self.lock:
            self._settle(self._worker_of(handle))
            view = self.lifecycle.update_order(handle, changes, **options)
            self.motion.replan(view["worker_handle"], "route_change")
            self.readings.annotate_orders([view])
            return view

    def list_orders(self, filters: dict, **paging):
        """Get Orders: one page and the cursor of the next."""
        with self.lock:
            self.motion.catch_up()
            orders, cursor = self.lifecycle.list_orders(filters, inside=self.motion.inside_destination, **paging)
            self.readings.annotate_orders(orders)
            return orders, cursor

    def route_view(self, route_handle: str) -> dict:
        """Get Route."""
        with self.lock:
            self.motion.catch_up()
            view = self.lifecycle.route_view(route_handle)
            self.readings.annotate_route(view)
            return view

    def complete_route(self, route_handle: str) -> dict:
        """Complete Route."""
        with self.lock:
            route = self.store.route(route_handle)
            self._settle(route and route["worker_handle"])
            view = self.lifecycle.complete_route(route_handle)
            self.motion.replan(view["worker_handle"], "route_change")
            return view

    def list_routes(self, filters: dict, **paging):
        """Get Routes: one page and the cursor of the next."""
        with self.lock:
            self.motion.catch_up()
            routes, cursor = self.lifecycle.list_routes(filters, **paging)
            for route in routes:
                self.readings.annotate_route(route, listed=True)
            return routes, cursor

    # --- workers -------------------------------------------------------------------------------

    def put_worker(self, worker: dict) -> dict:
        """Add or replace a worker and link its devices (the control plane's, as HyperTrack's SDK)."""
        with self.lock:
            self._settle(worker["worker_handle"])
            return self._worker(self.roster.put_worker(worker))

    def upsert_worker(self, request: dict) -> dict:
        with self.lock:
            self._settle(request["worker_handle"])
            return self._worker(self.roster.upsert_worker(request))

    def worker_view(self, handle: str, include_deleted: bool = False) -> dict:
        with self.lock:
            self.motion.catch_up()
            return self._worker(self.roster.worker_view(handle, include_deleted))

    def list_workers(self, filters: dict, **paging):
        """Get Workers: one page and the cursor of the next."""
        with self.lock:
            self.motion.catch_up()
            workers, cursor = self.roster.list_workers(filters, device_status=self.readings.device_status, **paging)
            for worker in workers:
                self.readings.annotate_worker(worker)
            return workers, cursor

    def delete_worker(self, handle: str) -> None:
        with self.lock:
            self.roster.delete_worker(handle)

    def undelete_worker(self, handle: str) -> dict:
        with self.lock:
            return self._worker(self.roster.undelete_worker(handle))

    def upsert_ops_group(self, request: dict) -> dict:
        with self.lock:
            return self.roster.upsert_ops_group(request)

    # --- webhooks ------------------------------------------------------------------------------

    def set_webhook(self, options: dict, confirm_url: str | None = None) -> dict:
        """Set (or replace) the receiver (``Webhooks.set_webhook``)."""
        with self.lock:
            return self.webhooks.set_webhook(options, confirm_url)

    def confirm_webhook(self, token: str) -> bool:
        with self.lock:
            return self.webhooks.confirm_webhook(token)

    def clear_webhook(self) -> None:
        with self.lock:
            self.webhooks.clear_webhook()

    def webhook_view(self) -> dict | None:
        return self.webhooks.webhook_view()

    def retire(self) -> None:
        """The tenant is discarded (reset, a scenario loaded, too many accounts): deliver nothing more."""
        self.webhooks.retire()

    def take_outbox(self) -> list:
        """The records of the events made since the last call, handed over once."""
        with self.lock:
            return self.outbox.take()

    def emit_device_event(self, handle: str, value: str, fields: dict) -> dict:
        """An event a device would cause, for the order's latest attempt, with realistic fields where
        ``fields`` gives none: it changes the state the phone would (``arrived_at``, ...), and is noted for
        delivery if a receiver is set; the event as it is (or would be) delivered."""
        with self.lock:
            self._settle(self._worker_of(handle))
            order = self.store.find_order(handle)
            if not order.get("device_id") or not order.get("route_handle"):
                raise errors.Invalid("order_handle", "The order is not being tracked: no device is working on it.")
            now = self.clock.now()
            data = device_fields(order, value, fields, now)
            self.motion.emitted(order, value, data, now)
            note = order_note(self.store.find_order(handle), value, isoformat(now), data)
            if self.outbox.active:
                self.outbox.append(note)
            return event(note, self.account_id)

    # --- the phones -----------------------------------------------------------------------------

    def phone_view(self, worker_handle: str) -> dict:
        """A worker's phone: its settings, where it is now, the open order it heads to."""
        with self.lock:
            self.motion.catch_up()
            return self.readings.view(worker_handle)

    def set_phone(self, worker_handle: str, changes: dict) -> dict:
        """Change just the phone's fields given, at the tenant's current instant."""
        with self.lock:
            self.motion.set_phone(worker_handle, changes)
            return self.readings.view(worker_handle)

    def phones_described(self) -> dict[str, dict]:
        """Each phone that was set, as a scenario's ``workers[].phone`` gives it back."""
        with self.lock:
            self.motion.catch_up()
            return self.motion.described()

    def thresholds_view(self) -> dict:
        with self.lock:
            return dict(self.motion.thresholds)

    def set_thresholds(self, changes: dict) -> dict:
        with self.lock:
            self.motion.catch_up()
            return self.motion.set_thresholds(changes)

    def change_clock(self, freeze, advance: float) -> None:
        """The tenant's clock frozen at ``freeze`` (``KEEP``: as it is; None: running) and moved by
        ``advance`` seconds: what the phones do meanwhile happens at its own instants."""
        with self.lock:
            self.motion.catch_up()
            self.clock.change(freeze, advance)
            self.motion.catch_up()

    def catch_up(self) -> None:
        """What the phones did up to the current instant."""
        with self.lock:
            self.motion.catch_up()

    def next_wake(self) -> float | None:
        """Seconds of real time until a phone's next event, when the clock runs (None: nothing to wait for)."""
        with self.lock:
            if not self.motion.phones or self.clock.is_frozen():
                return None
            instant = self.motion.next_instant()
            return None if instant is None else (instant - self.clock.now()).total_seconds()

    def _settle(self, worker_handle: str | None) -> None:
        """Before a change of the worker's route: the phones' events up to now, and its phone where it is now."""
        if self.motion.phones:
            self.motion.catch_up()
            self.motion.settle(worker_handle)

    def _worker_of(self, order_handle: str) -> str | None:
        order = self.store.orders.get(order_handle)
        return order and order.get("worker_handle")

    def _worker(self, view: dict) -> dict:
        self.readings.annotate_worker(view)
        return view

    def note_sent(self, message) -> None:
        """The dispatcher's first attempt of ``message``, kept within the account's budget: its
        ``control_budget`` less what its fault rules and scenario hold."""
        with self.lock:
            room = None if self.control_budget is None else (
                self.control_budget - self.faults.bytes - self.scenario_bytes)
            self.webhooks.note_sent(message, room)

    def note_attempt(self, attempt: dict) -> None:
        self.webhooks.note_attempt(attempt)

    def attempts(self) -> list[dict]:
        return self.webhooks.attempts()

    def sent_events(self, message_id: str) -> list[dict] | None:
        return self.webhooks.sent_events(message_id)

    def order_webhooks(self, handle: str, **filters):
        """Get Order Webhooks: a page of the order's events that were sent, and the position to go on from."""
        with self.lock:
            fulfilments = self.store.attempts(handle)
            if fulfilments is None:
                raise errors.NotFound("Order not found")
            sent = self.webhooks.sent_to_order(handle)
            fulfilments = list(fulfilments)
        return order_webhooks_page(sent, fulfilments, **filters)
