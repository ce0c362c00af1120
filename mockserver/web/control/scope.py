"""Who a control call acts for: the tenant of its credentials, or, without any, the whole server.

Both are a ``Scope``: the same methods, each a tenant's or the server's, so that a view says what it
does once, for either.  A server-wide call needs the admin token in ``X-Mock-Admin-Token`` when the
server has one.
"""
from __future__ import annotations

import hmac
from functools import cached_property
from typing import Protocol

from apiflask import HTTPError
from flask import current_app, request

from ...scenarios import describe
from ..auth import identify
from ..errors import unauthorized

#: Where the app factory keeps the ``MockApp`` in ``flask_app.extensions``.
EXTENSION = "hypertrack_mock"
#: The tag of every control route in ``/openapi.json`` (listed once: ``app.one_tag_each``).
TAG = {"name": "Mock control", "description": "The mock's own /__mock/ control plane"}
#: The header a server-wide call carries when the server has an admin token.
ADMIN_HEADER = "X-Mock-Admin-Token"


def mock():
    """The mock this Flask app belongs to: its backend, scenario library, settings, dispatcher and inboxes."""
    return current_app.extensions[EXTENSION]


class Scope(Protocol):
    """What a control call acts on: a tenant (``account``), or the whole server (``account`` None)."""

    account: str | None

    @property
    def whose(self) -> dict:
        """What every answer says of whose it was: ``{"tenant": account}`` (null: the server's)."""

    @property
    def journal(self): ...

    @property
    def faults(self): ...

    @property
    def clock(self): ...

    @property
    def coverage(self):
        """What the requests and webhooks exercised since the last reset (``models.coverage.Coverage``)."""

    def reset(self) -> None:
        """Back to the startup scenario."""

    def load(self, scenario: dict) -> None:
        """Start again from ``scenario``; ``BudgetExceeded`` (nothing changed) if it would not fit."""

    def state(self) -> dict:
        """The state as scenario documents."""

    def add_fault(self, rule: dict):
        """A fault rule added; ``BudgetExceeded`` if it would not fit."""

    def change_clock(self, freeze, advance: float) -> None:
        """The clock frozen at ``freeze`` (``KEEP``: as it is; None: running) and moved by ``advance`` seconds."""

    def tenants(self) -> list:
        """The tenants the scope holds."""


class TenantScope:
    """A ``Scope`` of one account: its tenant, made on first use, looked up at most once a call."""

    def __init__(self, backend, account: str):
        self.backend, self.account = backend, account
        self.whose = {"tenant": account}

    @cached_property
    def tenant(self):
        return self.backend.tenant(self.account)

    @property
    def journal(self):
        return self.tenant.journal

    @property
    def faults(self):
        return self.tenant.faults

    @property
    def clock(self):
        return self.tenant.clock

    @property
    def coverage(self):
        return self.tenant.coverage

    def reset(self) -> None:
        self.backend.reset_tenant(self.account)  # not made to be reset: a reset makes no tenant

    def load(self, scenario: dict) -> None:
        self.backend.load_tenant_scenario(self.account, scenario)

    def state(self) -> dict:
        return describe(self.tenant)

    def add_fault(self, rule: dict):
        return self.backend.add_fault(self.tenant, rule)

    def change_clock(self, freeze, advance: float) -> None:
        self.tenant.change_clock(freeze, advance)

    def tenants(self) -> list:
        return [self.tenant]


class ServerScope:
    """A ``Scope`` of the whole server: what every tenant shares, and every tenant."""

    account = None
    whose = {"tenant": None}

    def __init__(self, backend):
        self.backend = backend

    @property
    def journal(self):
        return self.backend.journal

    @property
    def faults(self):
        return self.backend.faults

    @property
    def clock(self):
        return self.backend.clock

    @property
    def coverage(self):
        return self.backend.coverage

    def reset(self) -> None:
        self.backend.reset()

    def load(self, scenario: dict) -> None:
        self.backend.load_startup_scenario(scenario)

    def state(self) -> dict:
        return {"tenants": {name: describe(tenant) for name, tenant in list(self.backend.tenants.items())}}

    def add_fault(self, rule: dict):
        return self.backend.add_fault(self.backend, rule)

    def change_clock(self, freeze, advance: float) -> None:
        self.backend.change_clock(freeze, advance)

    def tenants(self) -> list:
        return list(self.backend.tenants.values())


def caller() -> str | None:
    """The caller's account; None for a server-wide call (no credentials, and the admin token if the
    server has one); 401 if the credentials prove nothing, or are empty."""
    header = request.headers.get("Authorization")
    if header is not None and not header.strip():
        raise unauthorized("an empty Authorization header")
    found = identify(mock().backend, header)
    if found.refusal is not None:
        raise unauthorized(found.refusal)
    admin_token = mock().settings["admin_token"]
    if found.account is None and admin_token and not hmac.compare_digest(
            request.headers.get(ADMIN_HEADER, "").encode(), admin_token.encode()):
        raise unauthorized(f"a server-wide call without the admin token ({ADMIN_HEADER})")
    return found.account


def scope() -> Scope:
    """The call's scope: its caller's tenant, or the whole server without credentials."""
    account = caller()
    backend = mock().backend
    return ServerScope(backend) if account is None else TenantScope(backend, account)


def tenant_scope(what: str) -> TenantScope:
    """The caller's tenant, for a call only a tenant has (``what`` belongs to one): 400 without credentials."""
    account = caller()
    if account is None:
        raise HTTPError(400, f"{what} belong to a tenant: send the tenant's credentials.")
    return TenantScope(mock().backend, account)
