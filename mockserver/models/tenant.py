"""A tenant: one HyperTrack account's world, every piece of its state declared here.

Its behaviour lives with the state it concerns, one mixin per module (``workers``, ``destinations``,
``tracking``, ``lifecycle``, ``records``); all of it is declared in ``__init__``, so a reset (building
the tenant anew) cannot forget a field.  A re-entrant lock guards it: the server is concurrent.
"""
from __future__ import annotations

import threading

from .clock import Clock
from .destinations import Destinations
from .fake import FakeValues
from .faults import FaultSet
from .journal import Journal
from .lifecycle import Lifecycle
from .records import DEFAULT_OPS_GROUP, Records
from .tracking import Tracking
from .workers import Workers


class Tenant(Workers, Destinations, Tracking, Lifecycle, Records):
    """One account's workers, devices, ops groups, places, geofences, routes and orders."""

    def __init__(self, account_id: str, seed: int | None, server_clock: Clock | None = None,
                 journal: Journal | None = None):
        self.account_id = account_id
        self.lock = threading.RLock()
        self.fake = FakeValues(seed, account_id)
        self.clock = Clock(parent=server_clock)
        self.faults = FaultSet()
        self.journal = journal if journal is not None else Journal(1000, 1024 * 1024)
        self.publishable_key = self.fake.publishable_key()
        self.ops_groups: dict[str, dict] = {DEFAULT_OPS_GROUP: {"ops_group_handle": DEFAULT_OPS_GROUP}}
        self.workers: dict[str, dict] = {}
        self.devices: dict[str, dict] = {}
        self.places: dict[str, dict] = {}
        self.geofences: dict[str, dict] = {}
        self.routes: dict[str, dict] = {}
        #: order_handle -> the order's latest fulfilment (the dict also held in its route's list)
        self.orders: dict[str, dict] = {}
        #: order_handle -> every fulfilment of that handle, oldest first
        self.order_attempts: dict[str, list[dict]] = {}
        #: (order_handle, fulfillment_attempt) -> the events the mock has seen, oldest first, as
        #: (kind, recorded_at, device_id, worker_handle): the rest is the order's (``Lifecycle._event``)
        self.timelines: dict[tuple[str, int], list[tuple]] = {}
        #: (order_handle, fulfillment_attempt) -> fields the request sent that answers do not carry
        self.kept_order_fields: dict[tuple[str, int], dict] = {}
        #: every order and every route in creation order: what listings page through
        self.order_log: list[dict] = []
        self.route_log: list[dict] = []
