"""A tenant: one HyperTrack account's world, every piece of its state declared here.

Its behaviour lives with the state it concerns, one mixin per module (``workers``, ``destinations``,
``tracking``, ``lifecycle``, ``records``); all of it is declared in ``__init__``, so a reset (building
the tenant anew) cannot forget a field.  A re-entrant lock guards it: the server is concurrent.

A tenant started from the startup scenario is a copy-on-write layer over the scenario's state, built
once (``Tenant.derived``): its dictionaries are ``Layered`` over the scenario's, its logs ``Log``s
over the scenario's, so that a new account costs the same whatever the scenario's size.  A
record of the scenario's is copied into the tenant's own layer the first time the tenant changes it
(``_own``, ``_own_route``); until then every tenant reads the one the scenario built.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from .clock import Clock
from .destinations import Destinations
from .fake import FakeValues
from .faults import FaultSet
from .journal import Journal
from .lifecycle import Lifecycle
from .planning import Planning
from .records import DEFAULT_OPS_GROUP, Records
from .tracking import Tracking
from .webhooks import Webhooks
from .workers import Workers

#: The dictionaries of a tenant's state, and how one of their values is copied into a tenant's own layer.
STATE = {"ops_groups": dict, "workers": lambda worker: dict(worker, device_ids=list(worker["device_ids"])),
         "devices": dict, "places": dict, "geofences": dict, "routes": None, "orders": None,
         "order_attempts": list, "timelines": list, "kept_order_fields": dict}


_ABSENT = object()


class Layered(dict):
    """A tenant's own entries (the dict itself) over a shared, frozen ``base``: reads fall through to the
    base, writes stay here.  (``collections.ChainMap`` does the same five to eight times slower.)"""

    __slots__ = ("base",)

    def __init__(self, base: Mapping):
        super().__init__()
        self.base = base

    def __missing__(self, key):
        return self.base[key]

    def get(self, key, default=None):
        value = dict.get(self, key, _ABSENT)
        return self.base.get(key, default) if value is _ABSENT else value

    def __contains__(self, key) -> bool:
        return dict.__contains__(self, key) or key in self.base

    def __iter__(self):
        yield from (key for key in self.base if not dict.__contains__(self, key))
        yield from dict.__iter__(self)

    def __len__(self) -> int:
        return dict.__len__(self) + sum(1 for key in self.base if not dict.__contains__(self, key))

    def keys(self):
        return list(self)

    def values(self):
        return [self[key] for key in self]

    def items(self):
        return [(key, self[key]) for key in self]


class Log:
    """A sequence that only grows: a shared, frozen start (``base``) and what was added since (``own``)."""

    __slots__ = ("base", "own")

    def __init__(self, base: tuple = ()):
        self.base, self.own = base, []

    def append(self, item) -> None:
        self.own.append(item)

    def __len__(self) -> int:
        return len(self.base) + len(self.own)

    def __getitem__(self, index: int):
        start = len(self.base)
        return self.base[index] if index < start else self.own[index - start]

    def __iter__(self):
        yield from self.base
        yield from self.own


class Tenant(Workers, Destinations, Tracking, Planning, Lifecycle, Webhooks, Records):
    """One account's workers, devices, ops groups, places, geofences, routes and orders."""

    def __init__(self, account_id: str, seed: int | None, server_clock: Clock | None = None,
                 journal: Journal | None = None, template: Tenant | None = None):
        self.account_id = account_id
        self.lock = threading.RLock()
        self.fake = FakeValues(seed, account_id)
        self.clock = Clock(parent=server_clock)
        self.faults = FaultSet()
        self.journal = journal if journal is not None else Journal(1000, 1024 * 1024)
        self.publishable_key = self.fake.publishable_key()
        self.ops_groups: Mapping[str, dict] = {DEFAULT_OPS_GROUP: {"ops_group_handle": DEFAULT_OPS_GROUP}}
        self.workers: Mapping[str, dict] = {}
        self.devices: Mapping[str, dict] = {}
        self.places: Mapping[str, dict] = {}
        self.geofences: Mapping[str, dict] = {}
        self.routes: Mapping[str, dict] = {}
        #: order_handle -> the order's latest fulfilment (the dict also held in its route's list)
        self.orders: Mapping[str, dict] = {}
        #: order_handle -> every fulfilment of that handle, oldest first (fulfillment_attempt is the index)
        self.order_attempts: Mapping[str, list[dict]] = {}
        #: (order_handle, fulfillment_attempt) -> the events the mock has seen, oldest first, as
        #: (kind, recorded_at, device_id, worker_handle): the rest is the order's (``Lifecycle._event``)
        self.timelines: Mapping[tuple[str, int], list[tuple]] = {}
        #: (order_handle, fulfillment_attempt) -> fields the request sent that answers do not carry
        self.kept_order_fields: Mapping[tuple[str, int], dict] = {}
        #: every route (its handle) and every order ((handle, fulfillment_attempt)) in creation order:
        #: what listings page through
        self.route_log = Log()
        self.order_log = Log()
        self._init_webhooks(template)
        if template is not None:
            for name in STATE:
                setattr(self, name, Layered(getattr(template, name)))
            routes, orders = template.frozen_logs()
            self.route_log, self.order_log = Log(routes), Log(orders)
            for rule in template.faults.rules():
                self.faults.add(rule)

    @classmethod
    def derived(cls, template: Tenant, account_id: str, seed: int | None, server_clock: Clock | None,
                journal: Journal) -> Tenant:
        """A new tenant whose world starts as ``template``'s (which must never change again)."""
        return cls(account_id, seed, server_clock, journal, template=template)

    def own_entries(self) -> int:
        """How many entries the tenant's own state holds (what freeing it would cost)."""
        return sum(dict.__len__(getattr(self, name)) for name in STATE) + len(self.route_log.own) + len(
            self.order_log.own) + len(self.journal.entries)

    def frozen_logs(self) -> tuple[tuple, tuple]:
        """This (startup) state's logs as they stand, made once and shared by every tenant derived from it."""
        frozen = self.__dict__.get("_frozen_logs")
        if frozen is None:
            frozen = self.__dict__["_frozen_logs"] = (tuple(self.route_log), tuple(self.order_log))
        return frozen

    # --- copy-on-write ------------------------------------------------------------------------

    def _own(self, name: str, key):
        """The tenant's own ``self.<name>[key]``, copied from the startup state the first time it changes."""
        mapping = getattr(self, name)
        if type(mapping) is not Layered or dict.__contains__(mapping, key):
            return mapping[key]
        copy: Callable = STATE[name]
        value = mapping[key] = copy(mapping.base[key])
        return value

    def _append(self, name: str, key, item) -> None:
        """Add ``item`` to the list ``self.<name>[key]`` (the tenant's own copy of it), or start the list."""
        mapping = getattr(self, name)
        if key in mapping:
            self._own(name, key).append(item)
        else:
            mapping[key] = [item]

    def _own_route(self, route_handle: str) -> dict:
        """The tenant's own copy of a route and of its orders, which the indexes then point to."""
        routes = self.routes
        if type(routes) is not Layered or dict.__contains__(routes, route_handle):
            return routes[route_handle]
        shared = routes[route_handle]
        route = routes[route_handle] = dict(shared, orders=[dict(order) for order in shared["orders"]])
        for old, new in zip(shared["orders"], route["orders"], strict=True):
            handle = new["order_handle"]
            self._own("order_attempts", handle)[new["fulfillment_attempt"]] = new
            if self.orders[handle] is old:
                self.orders[handle] = new
        return route
