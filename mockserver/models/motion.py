"""The phone moving with the tenant's clock (CONTRACT §9): driving, arriving, staying, leaving, and what
the estimates make of it (``first_eta``, ``eta_change``, ``n_minutes_away``, ``delayed``, risks).

The simulation works from each phone's next event: between two events a phone's state is constant (it
drives in a straight line at its speed, stays, or stands), so the instant of its next arrival, exit or
threshold is worked out, and a queue ordered by instant holds one entry per phone.  ``catch_up(now)``
takes every event up to ``now`` in order, each at its own instant; nothing is ticked.  A tenant none of
whose phones was ever set has an empty ``phones`` and pays one truth test a request.

Estimates at any instant: ``arrive_at`` = now + what remains of the current stay + the drive to the edge
of the order's area, with the stays at the open orders before it.  While the phone drives (or stays on
its way) an order's ``arrive_at`` does not change; while it stands parked it slides with the clock, which
is when ``delayed`` and the risks of delay can start without anything else happening.
"""
from __future__ import annotations

import heapq
from datetime import datetime, timedelta

from . import errors, geo
from .clock import Clock, isoformat, parse
from .outbox import Outbox
from .phone import THRESHOLD_DEFAULTS, Phone, Stay, check_phone, check_thresholds
from .records import TERMINAL_ORDER_STATUSES, Store
from .workers import Roster

#: The risks of HyperTrack's Get Order example, in its order; the mock raises the last five of §9.
RISK_KEYS = ("moving_away_from_destination", "is_offline", "delayed_from_scheduled_at",
             "deviating_from_expected_route", "in_outage", "moving_too_slow", "delayed_from_initial_eta",
             "in_low_battery")
RISK_VALUES = {"green": 0.0, "yellow": 0.5, "red": 1.0}
LOW_BATTERY = 15
START_METRES = 1000
MS = timedelta(milliseconds=1)
EPSILON = timedelta(microseconds=500)  # float error allowed when an instant worked out comes round


def ceil_ms(instant: datetime) -> datetime:
    """The instant rounded up to its millisecond (HyperTrack writes milliseconds)."""
    extra = instant.microsecond % 1000
    return instant if not extra else instant + timedelta(microseconds=1000 - extra)


class Facts:
    """What the phone has told of one order fulfilment: its first estimate, the last eta event's, and
    which once-only events were made."""

    __slots__ = ("initial", "last_eta", "minutes_away", "delayed")

    def __init__(self, initial: datetime):
        self.initial = self.last_eta = initial
        self.minutes_away = self.delayed = False

    def copy(self) -> Facts:
        twin = Facts(self.initial)
        twin.last_eta, twin.minutes_away, twin.delayed = self.last_eta, self.minutes_away, self.delayed
        return twin


class Motion:
    """Every phone of a tenant and the rules of their movement: they read the ``store``'s routes, record
    arrivals and risks on its orders and timelines, note the events in the ``outbox``.  The tenant
    calls them under its lock."""

    def __init__(self, store: Store, roster: Roster, outbox: Outbox, clock: Clock, fake,
                 template: Motion | None = None):
        self.store, self.roster, self.outbox, self.clock, self.fake = store, roster, outbox, clock, fake
        self.phones: dict[str, Phone] = {}
        self.facts: dict[tuple, Facts] = {}
        self.thresholds = dict(THRESHOLD_DEFAULTS)
        self.queue: list = []
        self.versions: dict[str, int] = {}
        self.counter = 0
        #: worker_handle -> the handle of its tracking route, as last found (checked at each use)
        self.routes_of: dict[str, str] = {}
        self.until = clock.now()
        if template is not None:
            self.phones = {handle: phone.copy() for handle, phone in template.phones.items()}
            self.facts = {key: facts.copy() for key, facts in template.facts.items()}
            self.thresholds = dict(template.thresholds)
            self.until = template.until
            if self.phones:
                self._rebase(clock.now())  # the simulation starts when the tenant does

    # --- the clock ------------------------------------------------------------------------------

    def catch_up(self, now: datetime | None = None) -> None:
        """Every event up to ``now`` (the clock's), each at its own instant, in order; a clock set back
        leaves what was recorded and goes on from its new instant."""
        if not self.phones:
            return
        now = self.clock.now() if now is None else now
        if now < self.until:
            self._rebase(now)
            return
        queue, versions = self.queue, self.versions
        while queue and queue[0][0] <= now:
            instant, _, handle, version = heapq.heappop(queue)
            if versions.get(handle) == version:
                self._step(handle, instant)
        self.until = now

    def next_instant(self) -> datetime | None:
        """The instant of the next event of any phone, or None."""
        queue, versions = self.queue, self.versions
        while queue and versions.get(queue[0][2]) != queue[0][3]:
            heapq.heappop(queue)
        return queue[0][0] if queue else None

    def _rebase(self, now: datetime) -> None:
        """Every phone goes on from ``now``, where it stood at ``until``, with what remained of its stay."""
        shift = now - self.until
        for handle, phone in self.phones.items():
            phone.location = self.where(handle, phone, self.until)
            phone.at = now
            if phone.stay is not None:
                phone.stay.until += shift
        self.until = now
        for handle, phone in self.phones.items():
            self.routes_of.pop(handle, None)
            self._observe(handle, phone, now, None)
            self._plan(handle)

    # --- the control plane ----------------------------------------------------------------------

    def phone(self, handle: str) -> Phone:
        """The worker's phone (made at rest the first time it is asked for); ``NotFound`` for an unknown
        worker or one without a device."""
        worker = self.roster.worker(handle)
        if worker is None or worker["deleted"]:
            raise errors.NotFound("Worker not found")
        if not worker["device_ids"]:
            raise errors.NotFound("The worker has no device")
        phone = self.phones.get(handle)
        if phone is None:
            phone = Phone(self.until)
        return phone

    def set_phone(self, handle: str, changes: dict) -> None:
        """Change just the fields given, at the current instant."""
        checked = check_phone(changes)
        phone = self.phone(handle)
        now = self.clock.now()
        self.catch_up(now)
        if handle not in self.phones:
            if not self.phones:
                self.until = now  # the first phone: the simulation starts here
            phone.at = phone.battery_at = now
            self.phones[handle] = phone
            self.versions[handle] = 0
        self._move(handle, phone, now)
        reason = "position_update" if {"driving", "speed_kmh", "dwell_seconds"} & checked.keys() else None
        for key, value in checked.items():
            setattr(phone, key, value)
        if "battery" in checked:
            phone.battery_at = now
        if "location" in checked:
            phone.located_at = now if phone.location is not None else None
            self._moved_by_hand(handle, phone, now)
            reason = "route_change"
        self.replan(handle, reason)

    def described(self) -> dict[str, dict]:
        """Each phone that was set, as a scenario's ``workers[].phone`` gives it back."""
        now = self.clock.now()
        return {handle: dict(phone.settings(), location=self.where(handle, phone, now))
                for handle, phone in self.phones.items()}

    def set_thresholds(self, changes: dict) -> dict:
        self.thresholds.update(check_thresholds(changes))
        return dict(self.thresholds)

    def _moved_by_hand(self, handle: str, phone: Phone, now: datetime) -> None:
        """A location set: leaving the area of the order it arrived at is the exit; entering an open
        order's area is an arrival (and it stays there until moved out or driven on)."""
        stay = phone.stay
        if stay is not None:
            order = self._order(stay.key)
            if order is not None and phone.location is not None and geo.inside(phone.location, order["destination"]):
                return
            self._exit(handle, phone, now, phone.location)
        if phone.location is None:
            return
        for order in self.open_orders(handle):
            if geo.inside(phone.location, order["destination"]):
                self._arrive(handle, phone, order, now, list(phone.location), hold=True)
                return

    # --- what the rules tell it -----------------------------------------------------------------

    def settle(self, handle: str | None) -> None:
        """The worker's phone brought to the current instant, before its route changes under it (a drive so
        far went to the destination it had)."""
        phone = self.phones.get(handle or "")
        if phone is not None:
            self._move(handle, phone, self.clock.now())

    def replan(self, handle: str | None, reason: str | None = None) -> None:
        """The worker's route or phone changed at the current instant: estimates looked at again (with
        ``reason`` an eta change may be made), the next event worked out."""
        phone = self.phones.get(handle or "")
        if phone is None:
            return
        now = self.clock.now()
        self._move(handle, phone, now)
        self.routes_of.pop(handle, None)
        self._start(handle, phone, now)
        self._observe(handle, phone, now, reason)
        self._plan(handle)

    # --- estimates ----------------------------------------------------------------------------------

    def schedule(self, handle: str, now: datetime) -> tuple[list, list]:
        """The estimate of each open order of the worker's tracking route at ``now`` (``(order,
        arrive_at, metres)``, in sequence) and the straight segments driven (the phone's position first)."""
        phone = self.phones.get(handle)
        if phone is None:
            return [], []
        location = self.where(handle, phone, now)
        if location is None:
            return [], []
        clock = now
        stay = phone.stay
        if stay is not None and stay.until > now:
            clock = stay.until
        speed, metres, points, estimates = phone.speed, 0.0, [location], []
        for order in self.open_orders(handle):
            driven, entry = geo.to_edge(location, order["destination"])
            metres += driven
            clock += timedelta(seconds=driven / speed)
            estimates.append((order, ceil_ms(clock), metres))
            points.append(entry)
            location = entry
            clock += timedelta(seconds=self._service(phone, order))
        return estimates, points

    # --- the manual emit ------------------------------------------------------------------------

    def emitted(self, order: dict, value: str, fields: dict, now: datetime) -> None:
        """An event emitted by hand changes the same state the phone would."""
        key = (order["order_handle"], order["fulfillment_attempt"])
        handle = order.get("worker_handle")
        phone = self.phones.get(handle or "")
        if value == "arrived" and not order.get("arrived_at"):
            location = fields["arrival"]["location"]["coordinates"]
            if phone is not None and phone.stay is None:
                self._move(handle, phone, now)
                self._arrive(handle, phone, order, now, list(location), hold=True, note=False)
            else:
                self._record_arrival(order, now, list(location), note=False)
        elif value == "exited" and not order.get("exited_at"):
            if phone is not None and phone.stay is not None and phone.stay.key == key:
                self._move(handle, phone, now)
                self._exit(handle, phone, now, phone.stay.where, note=False)
            else:
                location = (fields.get("exit") or {}).get("location") or {}
                self._record_exit(order, now, location.get("coordinates"), note=False)
        elif value in ("first_eta", "n_minutes_away", "delayed"):
            facts = self.facts.get(key)
            if facts is None:
                facts = self.facts[key] = Facts(parse(fields["initial_eta"]) if "initial_eta" in fields else now)
            facts.minutes_away |= value == "n_minutes_away"
            facts.delayed |= value == "delayed"
        elif value == "risk_updated":
            order = self.store.own_order(order)
            risks = dict(order.get("risks") or dict.fromkeys(RISK_KEYS, "green"))
            for name, risk in fields["risks"].items():
                risks[name] = risk.get("intensity_label", "green") if isinstance(risk, dict) else str(risk)
            order["risks"], order["risk_status"] = risks, any(label != "green" for label in risks.values())
        self.replan(handle)

    # --- the steps ------------------------------------------------------------------------------

    def _step(self, handle: str, instant: datetime) -> None:
        """What happens to the phone at ``instant`` (its next event's), then its next event."""
        phone = self.phones[handle]
        reason = None
        stay = phone.stay
        if stay is not None:
            phone.at = max(phone.at, instant)
            if (not stay.hold or phone.driving) and stay.until <= instant + EPSILON:
                self._exit(handle, phone, instant, stay.where)
                reason = "position_update"
        elif phone.driving and phone.location is not None:
            open_orders = self.open_orders(handle)
            if open_orders:
                target = open_orders[0]
                driven, entry = geo.to_edge(phone.location, target["destination"])
                if phone.speed * (instant - phone.at).total_seconds() >= driven - 0.01:
                    phone.location, phone.at, phone.located_at = entry, instant, instant
                    self._arrive(handle, phone, target, instant, entry, hold=False)
                    reason = "position_update"
        self._move(handle, phone, instant)
        self._observe(handle, phone, instant, reason)
        self._plan(handle)

    def _arrive(self, handle: str, phone: Phone, order: dict, now: datetime, where: list, hold: bool,
                note: bool = True) -> None:
        order = self._record_arrival(order, now, where, note)
        phone.stay = Stay((order["order_handle"], order["fulfillment_attempt"]), now,
                          now + timedelta(seconds=self._service(phone, order)), where, hold)

    def _record_arrival(self, order: dict, now: datetime, where: list, note: bool = True) -> dict:
        order = self.store.own_order(order)
        recorded_at = isoformat(now)
        order["arrived_at"] = recorded_at
        self.store.note_event(order, "geofence_entered", recorded_at, {
            "event_id": self.fake.uuid(), "location": {"geometry": {"type": "Point", "coordinates": where},
                                                       "recorded_at": recorded_at}})
        if note:
            self.outbox.order_event(order, "arrived", recorded_at, {
                **self._place(order), "arrival": {"location": {"type": "Point", "coordinates": where},
                                                  "recorded_at": recorded_at}})
        return order

    def _exit(self, handle: str, phone: Phone, now: datetime, where, note: bool = True) -> None:
        stay, phone.stay = phone.stay, None
        order = self._order(stay.key)
        if where is not None and phone.location is None:
            phone.location = list(where)
        if order is not None and not order.get("exited_at"):
            self._record_exit(order, now, where, note)

    def _record_exit(self, order: dict, now: datetime, where, note: bool = True) -> None:
        order = self.store.own_order(order)
        recorded_at = isoformat(now)
        arrived = parse(order["arrived_at"]) if order.get("arrived_at") else now
        order["exited_at"] = recorded_at
        order["actual_service_time"] = max(0, int((now - arrived).total_seconds()))
        self.store.note_event(order, "geofence_exited", recorded_at, {
            "event_id": self.fake.uuid(), "duration": order["actual_service_time"],
            "location": {"geometry": {"type": "Point", "coordinates": where} if where else None,
                         "recorded_at": recorded_at}})
        if note:
            self.outbox.order_event(order, "exited", recorded_at, {
                **self._place(order), "exit": {"location": {"type": "Point", "coordinates": where} if where else None,
                                               "recorded_at": recorded_at},
                "reason": "location" if where else "outage"})

    def _observe(self, handle: str, phone: Phone, now: datetime, reason: str | None) -> None:
        """The estimates at ``now``: first, changed, n minutes away, delayed; then the risks."""
        estimates, _ = self.schedule(handle, now)
        minutes = timedelta(minutes=self.thresholds["minutes_away"])
        change = timedelta(seconds=self.thresholds["eta_change_seconds"])
        recorded_at = isoformat(now)
        arrivals = {}
        for order, arrive, metres in estimates:
            key = (order["order_handle"], order["fulfillment_attempt"])
            arrivals[key] = arrive
            remaining = {"remaining_duration": whole_seconds(arrive - now), "remaining_distance": round(metres)}
            facts = self.facts.get(key)
            if facts is None:
                facts = self.facts[key] = Facts(arrive)
                self.outbox.order_event(order, "first_eta", recorded_at, remaining)
            elif reason and abs(arrive - facts.last_eta) >= change:
                facts.last_eta = arrive
                self.outbox.order_event(order, "eta_change", recorded_at, {**remaining, "change_reason": reason})
            if not facts.minutes_away and arrive - now <= minutes + EPSILON:
                facts.minutes_away = True
                self.outbox.order_event(order, "n_minutes_away", recorded_at, {
                    **remaining, "remaining_minutes": self.thresholds["minutes_away"]})
            scheduled = order.get("scheduled_at")
            if not facts.delayed and scheduled and arrive > parse(scheduled):
                facts.delayed = True
                self.outbox.order_event(order, "delayed", recorded_at, {
                    "arrive_at": isoformat(arrive), "scheduled_at": scheduled, "initial_eta": isoformat(facts.initial)})
        self._risks(handle, phone, arrivals, recorded_at, change)

    def _risks(self, handle: str, phone: Phone, arrivals: dict, recorded_at: str, change: timedelta) -> None:
        """Each unfinished order of the route the phone has told of: its risks, and ``risk_updated`` when
        they change."""
        route = self._route(handle)
        if route is None:
            return
        for order in route["orders"]:
            key = (order["order_handle"], order["fulfillment_attempt"])
            facts = self.facts.get(key)
            if facts is None or order["status"] in TERMINAL_ORDER_STATUSES:
                continue
            before = order.get("risks") or dict.fromkeys(RISK_KEYS, "green")
            risks = dict(before, is_offline="green" if phone.connected else "red",
                         in_outage="red" if phone.outage else "green",
                         in_low_battery="red" if phone.battery < LOW_BATTERY else "green")
            arrive = arrivals.get(key)
            if arrive is not None:
                scheduled = order.get("scheduled_at")
                risks["delayed_from_scheduled_at"] = "red" if scheduled and arrive > parse(scheduled) else "green"
                risks["delayed_from_initial_eta"] = "red" if arrive >= facts.initial + change - EPSILON else "green"
            if risks == order.get("risks"):
                continue
            order = self.store.own_order(order)
            order["risks"], order["risk_status"] = risks, any(label != "green" for label in risks.values())
            if risks != before:
                self.outbox.order_event(order, "risk_updated", recorded_at, {"risks": {
                    name: {"intensity_label": label, "intensity_value": RISK_VALUES[label],
                           "previous_intensity_label": before.get(name, "green")}
                    for name, label in risks.items()}})

    def _plan(self, handle: str) -> None:
        """Work out the phone's next event from where it stands, and queue it."""
        version = self.versions[handle] = self.versions.get(handle, 0) + 1
        phone = self.phones[handle]
        at, stay, candidates = phone.at, phone.stay, []
        if stay is not None and (not stay.hold or phone.driving):
            candidates.append(max(stay.until, at))
        elif stay is None and phone.driving and phone.location is not None:
            open_orders = self.open_orders(handle)
            if open_orders:
                driven, _ = geo.to_edge(phone.location, open_orders[0]["destination"])
                candidates.append(at + timedelta(seconds=driven / phone.speed))
        # while driving (or staying on its way) estimates stand still; parked, they slide from ``slides``
        if phone.driving or (stay is not None and not stay.hold):
            slides = None
        else:
            slides = max(stay.until, at) if stay is not None else at
        minutes = timedelta(minutes=self.thresholds["minutes_away"])
        change = timedelta(seconds=self.thresholds["eta_change_seconds"])
        thresholds = []  # instants an estimate crosses a threshold: strictly later than now
        for order, arrive, _ in self.schedule(handle, at)[0]:
            facts = self.facts.get((order["order_handle"], order["fulfillment_attempt"]))
            if facts is None:
                continue
            if not facts.minutes_away and (slides is None or arrive - minutes <= slides):
                thresholds.append(arrive - minutes)
            if slides is None:
                continue
            scheduled = order.get("scheduled_at")
            if scheduled and arrive <= parse(scheduled):
                thresholds.append(slides + (parse(scheduled) - arrive) + MS)
            if arrive < facts.initial + change:
                thresholds.append(slides + (facts.initial + change - arrive))
        later = [ceil_ms(instant) for instant in thresholds if instant > at]
        later += [ceil_ms(instant) for instant in candidates if instant >= at]
        if later:
            self.counter += 1
            heapq.heappush(self.queue, (min(later), self.counter, handle, version))

    # --- where things are -----------------------------------------------------------------------

    def _start(self, handle: str, phone: Phone, now: datetime) -> None:
        """A driving phone with no location starts 1,000 m due south of its first destination."""
        if phone.location is None and phone.driving:
            open_orders = self.open_orders(handle)
            if open_orders:
                phone.location = geo.south_of(geo.centre(open_orders[0]["destination"]["geometry"]), START_METRES)
                phone.located_at = now

    def driving_now(self, handle: str, phone: Phone) -> bool:
        return phone.driving and phone.stay is None and phone.location is not None and bool(self.open_orders(handle))

    def where(self, handle: str, phone: Phone, now: datetime):
        """Where the phone is at ``now`` (no later than its next event), or None."""
        if phone.location is None or phone.stay is not None or not phone.driving or now <= phone.at:
            return None if phone.location is None else list(phone.location)
        open_orders = self.open_orders(handle)
        if not open_orders:
            return list(phone.location)
        destination = open_orders[0]["destination"]
        driven, entry = geo.to_edge(phone.location, destination)
        travelled = phone.speed * (now - phone.at).total_seconds()
        if travelled >= driven:
            return entry
        centre = geo.centre(destination["geometry"])
        total = geo.distance(phone.location, centre)
        return geo.along(phone.location, centre, travelled / total if total else 1.0)

    def inside_destination(self, order: dict) -> bool:
        """Whether the phone of the order's worker is inside the order's destination area now."""
        handle = order.get("worker_handle")
        phone = self.phones.get(handle or "")
        if phone is None or not order.get("destination"):
            return False
        location = self.where(handle, phone, self.clock.now())
        return location is not None and geo.inside(location, order["destination"])

    def _move(self, handle: str, phone: Phone, now: datetime) -> None:
        """The phone's position brought to ``now``."""
        if now <= phone.at:
            return
        if phone.location is not None and phone.stay is None and phone.driving and self.open_orders(handle):
            phone.location = self.where(handle, phone, now)
            phone.located_at = now
        phone.at = now

    def _route(self, handle: str) -> dict | None:
        """The worker's tracking route (its newest), or None."""
        known = self.store.route(self.routes_of.get(handle, ""))
        if known is not None and known["status"] == "tracking" and known["worker_handle"] == handle:
            return known
        for route in self.store.newest_routes():
            if route["status"] == "tracking" and route["worker_handle"] == handle:
                self.routes_of[handle] = route["route_handle"]
                return route
        return None

    def open_orders(self, handle: str) -> list[dict]:
        """The open orders of the worker's tracking route, in sequence: neither finished nor arrived at."""
        route = self._route(handle)
        if route is None:
            return []
        return [order for order in route["orders"]
                if order["status"] not in TERMINAL_ORDER_STATUSES and not order.get("arrived_at")]

    def _order(self, key: tuple) -> dict | None:
        attempts = self.store.attempts(key[0]) or ()
        return next((order for order in attempts if order["fulfillment_attempt"] == key[1]), None)

    @staticmethod
    def _service(phone: Phone, order: dict) -> float:
        return order.get("expected_service_time") or phone.dwell_seconds

    def _place(self, order: dict) -> dict:
        """What ``arrived`` and ``exited`` say of the order's place and times."""
        facts = self.facts.get((order["order_handle"], order["fulfillment_attempt"]))
        return {"place_handle": order["destination"].get("place_handle"), "scheduled_at": order.get("scheduled_at"),
                "initial_eta": isoformat(facts.initial) if facts else None}


def whole_seconds(delta: timedelta) -> int:
    return max(0, round(delta.total_seconds()))
