"""The backend: every tenant, the scenario new tenants start from, who may log in, and what is server-wide.

Tenants come from the data model (moto's per-account backends): the first request of an account
builds its tenant, a copy-on-write layer over the startup state (``Tenant.derived``), which is built
from the startup scenario once (and again when the server's clock changes, so that its timestamps
follow).  Filling a tenant from a scenario document is the ``scenarios`` package's job, handed in as
``populate`` so that the model never imports it.

Tenants are bounded in bytes (``tenants_bytes``, an estimate of what each holds: ``tenant_bytes``), and
in number if ``max_tenants`` is set: past a bound, the least recently used goes first, but never one
used in the last ``ACTIVE_SECONDS``; when none can go, a new account is refused (``MemoryFull``, a 503)
rather than another's state lost.  What the control plane stores for an account (fault rules, a
scenario loaded for it, the webhook messages kept) is bounded by ``account_bytes``.
"""
from __future__ import annotations

import secrets
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from .budget import BudgetExceeded
from .clock import KEEP, Clock
from .coverage import Coverage
from .errors import HyperTrackError
from .faults import Fault, FaultSet, fault_size
from .journal import Journal
from .reaper import reaper
from .tenant import Tenant

TOKEN_LIFETIME_SECONDS = 3600
#: An account used this recently is never let go to make room for another.
ACTIVE_SECONDS = 60
#: What an account costs before it holds anything of its own (its tenant, clock, fake values, journal,
#: the layers over the startup state), and each entry of its own state (a route, an order, a worker, a
#: timeline, an index entry: an order tracked costs about five), measured with tracemalloc (8.4 KB
#: and 647 bytes with the default scenario).
TENANT_BYTES = 9 * 1024
RECORD_BYTES = 650


class MemoryFull(HyperTrackError):
    """A new account, when the accounts' byte budget is full of accounts used in the last minute."""

    status, code, title = 503, "mock_memory_full", "The mock's memory for accounts is full"


def tenant_bytes(tenant: Tenant) -> int:
    """An estimate of what a tenant holds: its journal, what the control plane stored for it, and its
    own records at their measured cost."""
    journal = tenant.journal
    records = tenant.own_entries() - len(journal.entries)
    return TENANT_BYTES + journal.bytes + control_bytes(tenant) + RECORD_BYTES * records


def control_bytes(tenant: Tenant) -> int:
    """What the control plane stored for a tenant: fault rules, the scenario loaded, webhook messages kept."""
    return tenant.faults.bytes + tenant.scenario_bytes + tenant.sent_bytes


class Backend:
    """Every tenant, the startup scenario, accounts and tokens, and the server-wide clock, faults and journal."""

    def __init__(self, startup_scenario: dict, populate: Callable[[Tenant, dict], None], seed: int | None = None,
                 journal_cap: int = 1000, journal_bytes: int = 1024 * 1024, max_tenants: int | None = None,
                 tenants_bytes: int = 256 * 1024 * 1024, account_bytes: int = 64 * 1024 * 1024,
                 max_tokens: int = 100_000):
        self.seed = seed
        self.journal_cap = journal_cap
        self.journal_bytes = journal_bytes
        self.max_tenants = max_tenants
        self.tenants_bytes = tenants_bytes
        self.account_bytes = account_bytes
        self.max_tokens = max_tokens
        self.active_seconds = ACTIVE_SECONDS
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
        #: token -> (account, when it expires on the account's clock), the oldest issued first
        self.tokens: dict[str, tuple[str, datetime]] = {}
        #: what every tenant holds (``tenant_bytes``), as last added up, and when (``time.monotonic``)
        self._bytes_total, self._bytes_counted = 0, float("-inf")
        #: Server-wide: the clock every tenant's follows, faults for every tenant, and every request.
        self.clock = Clock()
        self.faults = FaultSet()
        self.journal = Journal(self.journal_cap, self.journal_bytes)
        #: what every request and webhook of every tenant exercised (each tenant's counts into it)
        self.coverage = Coverage()

    # --- tenants ------------------------------------------------------------------------------

    def tenant(self, account_id: str) -> Tenant:
        """The account's tenant, created from the startup scenario on first use; now the most recently used."""
        tenant = self.tenants.get(account_id)
        if tenant is not None:
            tenant.last_used = time.monotonic()
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
        """Hold ``tenant`` as the account's (under the lock), letting the least recently used go to stay
        within the bounds, or ``MemoryFull`` (nothing changed) if those left were all used in the last
        ``active_seconds``."""
        tenant.control_budget = self.account_bytes
        tenant.last_used = now = time.monotonic()
        tenants = self.tenants
        old = tenants.get(account_id)
        needed = tenant_bytes(tenant) - (tenant_bytes(old) if old is not None else 0)
        total = self._total(now)
        count = len(tenants) + (old is None)
        if total + needed > self.tenants_bytes or (self.max_tenants and count > self.max_tenants):
            gone = []
            for other_id, other in list(tenants.items()):  # the least recently used first (a copy: others move)
                if total + needed <= self.tenants_bytes and not (self.max_tenants and count > self.max_tenants):
                    break
                if other_id == account_id:
                    continue
                if now - other.last_used < self.active_seconds:
                    raise MemoryFull({"budget": "tenants_bytes" if total + needed > self.tenants_bytes else
                                      "max_tenants", "tenants_bytes": self.tenants_bytes, "used": total,
                                      "needed": needed, "accounts": len(tenants), "message": (
                                          f"Every account kept was used in the last {self.active_seconds} s; "
                                          "one idle that long makes room (or start the mock with a larger "
                                          "--tenants-bytes, or reset accounts you are done with).")})
                gone.append(other_id)
                total -= tenant_bytes(other)
                count -= 1
            # (every other account gone, the new one is kept however large it is)
            discarded = [tenants.pop(other_id) for other_id in gone]
            reaper.discard(discarded)
        old = tenants.pop(account_id, None)
        # a scenario loaded for the account replaces its state, not what it exercised since its last reset
        tenant.coverage = old.coverage if old is not None else Coverage(self.coverage)
        tenants[account_id] = tenant
        self._bytes_total = total + needed
        reaper.discard([old] if old is not None else [])

    def _total(self, now: float) -> int:
        """What every tenant holds, added up again at most once a second (about 2 us a tenant); in between,
        the last sum, with what new tenants added, evicted ones took away and journals grew by.  (Records
        grow between sums; only a new one's arrival lets others go.)"""
        if now - self._bytes_counted > 1.0:
            self._bytes_total = sum(tenant_bytes(tenant) for tenant in list(self.tenants.values()))
            self._bytes_counted = now
        return self._bytes_total

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
            if tenant is not None:  # room for another account at once, not at the next sum
                self._reset.add(tenant)
                self._bytes_total -= tenant_bytes(tenant)
        reaper.discard([tenant] if tenant else [], give_back=True)

    def kept(self, account_id: str) -> Tenant | None:
        """The account's tenant if one is kept, without making one or counting it as used."""
        return self.tenants.get(account_id)

    def stamp(self, tenant: Tenant | None) -> tuple:
        """What a reset changes for the requests of ``tenant`` (None: of no tenant): a request that waited (a
        fault's delay) compares it with ``current`` to know whether the state it was made against was reset
        meanwhile."""
        return self.generation, tenant

    def current(self, stamp: tuple) -> bool:
        """Whether neither the server nor the tenant of ``stamp`` (``stamp``'s) was reset since it was taken."""
        generation, tenant = stamp
        return generation == self.generation and (tenant is None or tenant not in self._reset)

    def load_tenant_scenario(self, account_id: str, scenario: dict) -> Tenant:
        """Replace one tenant's state with ``scenario`` (whose ``accounts`` are ignored); ``BudgetExceeded``
        (nothing changed) if the state it makes would not fit in ``account_bytes``."""
        tenant = self._new_tenant(account_id, scenario)
        tenant.scenario_bytes = RECORD_BYTES * (tenant.own_entries() - len(tenant.journal.entries))
        if control_bytes(tenant) > self.account_bytes:
            raise BudgetExceeded("account_bytes", self.account_bytes, 0, control_bytes(tenant))
        with self._lock:
            old = self.tenants.get(account_id)
            if old is not None:
                self._reset.add(old)
            self._keep(account_id, tenant)
        return tenant

    def add_fault(self, target, rule: dict) -> Fault:
        """Add a fault rule to a tenant's rules (or, ``target`` the backend, the server's); ``BudgetExceeded``
        if it would take what the control plane stores for the account past ``account_bytes``."""
        size = fault_size(rule)
        used = target.faults.bytes + (target.scenario_bytes if target is not self else 0)
        if used + size > self.account_bytes:
            raise BudgetExceeded("account_bytes", self.account_bytes, used, size)
        return target.faults.add(rule)

    # --- what a request meets before its tenant -------------------------------------------------

    def take_fault(self, tenant: Tenant | None, method: str, path: str):
        """The first fault rule matching a request, used up: ``tenant``'s rules first (the caller's, if it
        has one), then the server's."""
        fault = tenant.faults.take(method, path) if tenant is not None else None
        return fault or self.faults.take(method, path)

    def record(self, entry, tenant: Tenant | None, outcome: tuple | None = None) -> None:
        """Journal a data-plane request: in ``tenant``'s journal (the caller's, if it has one) and the server's;
        and count its ``outcome`` in their coverage (a tenant's counts into the server's)."""
        if outcome is not None:
            (tenant.coverage if tenant is not None else self.coverage).count(outcome)
        if tenant is not None:
            journal = tenant.journal
            before = journal.bytes
            journal.record(entry)
            # Counted at once, so that the room a reset frees is not eaten by the next sum of what journals
            # grew by meanwhile (the tenant's own records are counted at the next sum, within a second).
            self._bytes_total += journal.bytes - before
        self.journal.record(entry)

    # --- the server-wide clock ------------------------------------------------------------------

    def change_clock(self, freeze=KEEP, advance: float = 0.0) -> None:
        """The server's clock frozen at ``freeze`` (``None``: running again; every tenant's own setting
        dropped) and moved by ``advance`` seconds, with every frozen tenant's; every clock checked first,
        so that a change that would take one out of the range of dates (``ClockOutOfRange``) changes none.
        The phones of every tenant do what they do up to the change, and then up to the new instant."""
        moving = [tenant for tenant in list(self.tenants.values()) if tenant.motion.phones]
        for tenant in moving:
            tenant.catch_up()
        self._change_clock(freeze, advance)
        for tenant in moving:
            tenant.catch_up()

    def _change_clock(self, freeze, advance: float) -> None:
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

    def _clock_of(self, account_id: str) -> Clock:
        """The account's clock: its tenant's, or (no tenant yet) the server's, which a new tenant's follows."""
        tenant = self.tenants.get(account_id)
        return tenant.clock if tenant is not None else self.clock

    def issue_token(self, account_id: str) -> dict:
        """A Bearer token for the account: unguessable (never from the seeded source, so that a seed cannot
        replay another account's token), and never one that is live already; it expires on the account's
        clock.  Past ``max_tokens``, the oldest is forgotten; expired ones are forgotten from the oldest."""
        with self._lock:
            tokens = self.tokens
            while tokens and (len(tokens) >= self.max_tokens or self._expired(tokens[next(iter(tokens))])):
                del tokens[next(iter(tokens))]
            token = secrets.token_urlsafe(30)
            while token in tokens:
                token = secrets.token_urlsafe(30)
            expires = self._clock_of(account_id).now() + timedelta(seconds=self.token_lifetime)
            tokens[token] = (account_id, expires)
        return {"access_token": token, "token_type": "Bearer", "expires_in": round(self.token_lifetime)}

    def _expired(self, entry: tuple[str, datetime]) -> bool:
        return entry[1] <= self._clock_of(entry[0]).now()

    def account_for_token(self, token: str) -> str | None:
        """The account a live token was issued to; None if unknown, forgotten or expired on its clock."""
        entry = self.tokens.get(token)
        if entry is None or self._expired(entry):
            return None
        return entry[0]
