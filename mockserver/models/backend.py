"""The backend: every tenant, the scenario new tenants start from, who may log in, and what is server-wide.

Tenants come from the data model (moto's per-account backends): the first request of an account
builds its tenant, a copy-on-write layer over the startup state (``Tenant.derived``), which is built
from the startup scenario once (and again when the server's clock changes, so that its timestamps
follow).  Filling a tenant from a scenario document is the ``scenarios`` package's job, handed in as
``populate`` so that the model never imports it.  At most ``max_tenants`` tenants are kept: past
that, the least recently used goes first.
"""
from __future__ import annotations

import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta

from .clock import KEEP, Clock
from .faults import FaultSet
from .journal import Journal
from .reaper import reaper
from .tenant import Tenant

TOKEN_LIFETIME_SECONDS = 3600


class Backend:
    """Every tenant, the startup scenario, accounts and tokens, and the server-wide clock, faults and journal."""

    def __init__(self, startup_scenario: dict, populate: Callable[[Tenant, dict], None], seed: int | None = None,
                 journal_cap: int = 1000, journal_bytes: int = 1024 * 1024, max_tenants: int = 500):
        self.seed = seed
        self.journal_cap = journal_cap
        self.journal_bytes = journal_bytes
        self.max_tenants = max_tenants
        self.token_lifetime = TOKEN_LIFETIME_SECONDS
        self.populate = populate
        self._lock = threading.Lock()
        #: Bumped by every server-wide reset; with ``_reset``, what ``stamp`` compares.
        self.generation = 0
        #: Tenants reset (or replaced by a scenario) since they were made, held weakly.
        self._reset: weakref.WeakSet = weakref.WeakSet()
        self._init_state(startup_scenario)

    def _init_state(self, startup_scenario: dict) -> None:
        # The old startup state goes with the tenants made from it (a large one would take tens of
        # milliseconds to free in this request); nothing made from it is kept.
        template = getattr(self, "template", None)
        reaper.discard([*getattr(self, "tenants", {}).values(), *([template] if template else [])], give_back=True)
        self.startup_scenario = startup_scenario
        self.accounts = {a["account_id"]: a["secret_key"] for a in startup_scenario.get("accounts", ())}
        #: account -> tenant, the least recently used first
        self.tenants: OrderedDict[str, Tenant] = OrderedDict()
        #: the startup scenario's state, which new tenants start from (built when a scenario is loaded
        #: server-wide, else on first use)
        self.template: Tenant | None = None
        self.tokens: dict[str, tuple[str, float]] = {}
        #: Server-wide: the clock every tenant's follows, faults for every tenant, and every request.
        self.clock = Clock()
        self.faults = FaultSet()
        self.journal = Journal(self.journal_cap, self.journal_bytes)

    # --- tenants ------------------------------------------------------------------------------

    def tenant(self, account_id: str) -> Tenant:
        """The account's tenant, created from the startup scenario on first use; now the most recently used."""
        tenant = self.tenants.get(account_id)
        if tenant is not None:
            try:
                self.tenants.move_to_end(account_id)
                return tenant
            except KeyError:  # discarded meanwhile: made again below
                pass
        with self._lock:
            tenant = self.tenants.get(account_id)
            if tenant is None:
                if self.template is None:
                    self.template = self._new_tenant("(startup)", self.startup_scenario)
                tenant = Tenant.derived(self.template, account_id, self.seed, self.clock, self._journal())
                self._keep(account_id, tenant)
            return tenant

    def _new_tenant(self, account_id: str, scenario: dict) -> Tenant:
        """A tenant holding all of ``scenario``'s state itself."""
        tenant = Tenant(account_id, self.seed, self.clock, self._journal())
        self.populate(tenant, scenario)
        return tenant

    def _journal(self) -> Journal:
        return Journal(self.journal_cap, self.journal_bytes)

    def _keep(self, account_id: str, tenant: Tenant) -> None:
        """Hold ``tenant`` as the account's (under the lock), letting the least recently used go past the cap."""
        old = self.tenants.pop(account_id, None)
        self.tenants[account_id] = tenant
        gone = [old] if old is not None else []
        while len(self.tenants) > self.max_tenants:
            gone.append(self.tenants.popitem(last=False)[1])
        reaper.discard(gone)

    def reset(self) -> None:
        """Every tenant back to the startup scenario; journals, faults and clocks cleared.

        Tokens survive: a reset restarts the data, not the logins.
        """
        with self._lock:
            tokens = self.tokens
            self._init_state(self.startup_scenario)
            self.tokens = tokens
            self.generation += 1

    def load_startup_scenario(self, scenario: dict) -> None:
        """Make ``scenario`` the one every tenant starts from, its startup state built now, and start every
        tenant again."""
        with self._lock:
            self._init_state(scenario)
            self.generation += 1
            # Built here rather than by the next new account's first request, which would otherwise
            # pay for a large scenario while holding the lock every new account waits on.
            self.template = self._new_tenant("(startup)", scenario)

    def reset_tenant(self, account_id: str) -> None:
        with self._lock:
            tenant = self.tenants.pop(account_id, None)
            if tenant is not None:
                self._reset.add(tenant)
        reaper.discard([tenant] if tenant else [], give_back=True)

    def stamp(self, account_id: str | None) -> tuple:
        """What a reset changes for ``account_id``'s requests: a request that waited (a fault's delay) compares
        it with ``current`` to know whether the state it was made against was reset meanwhile."""
        return self.generation, self.tenants.get(account_id) if account_id else None

    def current(self, stamp: tuple) -> bool:
        """Whether neither the server nor the tenant of ``stamp`` (``stamp``'s) was reset since it was taken."""
        generation, tenant = stamp
        return generation == self.generation and (tenant is None or tenant not in self._reset)

    def load_tenant_scenario(self, account_id: str, scenario: dict) -> Tenant:
        """Replace one tenant's state with ``scenario`` (whose ``accounts`` are ignored)."""
        tenant = self._new_tenant(account_id, scenario)
        with self._lock:
            old = self.tenants.get(account_id)
            if old is not None:
                self._reset.add(old)
            self._keep(account_id, tenant)
        return tenant

    # --- what a request meets before its tenant -------------------------------------------------

    def take_fault(self, account_id: str | None, method: str, path: str):
        """The first fault rule matching a request, used up: the tenant's rules first, then the server's."""
        fault = self.tenant(account_id).faults.take(method, path) if account_id else None
        return fault or self.faults.take(method, path)

    def record(self, entry) -> None:
        """Journal a data-plane request: in its tenant's journal (if it had one) and the server's."""
        if entry.tenant:
            self.tenant(entry.tenant).journal.record(entry)
        self.journal.record(entry)

    # --- the server-wide clock ------------------------------------------------------------------

    def change_clock(self, freeze=KEEP, advance: float = 0.0) -> None:
        """The server's clock frozen at ``freeze`` (``None``: running again; every tenant's own setting
        dropped) and moved by ``advance`` seconds, with every frozen tenant's; every clock checked first,
        so that a change that would take one out of the range of dates (``ClockOutOfRange``) changes none."""
        with self._lock:
            server = self.clock.changed(freeze, advance)
            self.template = None  # rebuilt on the clock's new time when the next tenant starts
            tenants = {} if freeze is not KEEP else {
                tenant: tenant.clock.changed(KEEP, advance)
                for tenant in self.tenants.values() if tenant.clock.frozen_at is not None}
            self.clock.set(server)
            if freeze is not KEEP:
                for tenant in self.tenants.values():
                    tenant.clock.set((None, timedelta(0)))
            for tenant, state in tenants.items():
                tenant.clock.set(state)

    # --- credentials ----------------------------------------------------------------------------

    def check_secret(self, account_id: str, secret_key: str) -> bool:
        """Declared accounts must match exactly; in open mode any non-empty pair is accepted."""
        if not account_id or not secret_key:
            return False
        accounts = self.accounts
        return not accounts or accounts.get(account_id) == secret_key

    def issue_token(self, account_id: str) -> dict:
        """A Bearer token for the account: unguessable (never from the seeded source, so that a seed cannot
        replay another account's token), and never one that is live already.  Expired tokens are
        forgotten here: they were issued first, so they are the oldest entries."""
        with self._lock:
            now = time.monotonic()
            tokens = self.tokens
            while tokens and tokens[oldest := next(iter(tokens))][1] < now:
                del tokens[oldest]
            token = secrets.token_urlsafe(30)
            while token in tokens:
                token = secrets.token_urlsafe(30)
            tokens[token] = (account_id, now + self.token_lifetime)
        return {"access_token": token, "token_type": "Bearer", "expires_in": round(self.token_lifetime)}

    def account_for_token(self, token: str) -> str | None:
        entry = self.tokens.get(token)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]
