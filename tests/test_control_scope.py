"""A control call acts for a tenant or for the whole server through one interface (``control.scope.Scope``)."""
from __future__ import annotations

import pytest

from mockserver.web.control.scope import Scope, ServerScope, TenantScope

#: What ``Scope`` declares: its annotated attributes, properties and methods.
MEMBERS = set(Scope.__annotations__) | {name for name in vars(Scope) if not name.startswith("_")}


@pytest.mark.parametrize("make", [lambda backend: TenantScope(backend, "acme"), ServerScope],
                         ids=["a tenant", "the server"])
def test_both_scopes_have_every_member_of_the_interface(backend, make):
    scope = make(backend)

    assert {name for name in MEMBERS if not hasattr(scope, name)} == set()
    assert scope.whose == {"tenant": scope.account}


def test_the_scopes_hold_the_tenants_or_the_servers_conditions(backend):
    tenant, server = TenantScope(backend, "acme"), ServerScope(backend)

    assert (tenant.journal, tenant.faults, tenant.clock) == (
        backend.tenant("acme").journal, backend.tenant("acme").faults, backend.tenant("acme").clock)
    assert (server.journal, server.faults, server.clock) == (backend.journal, backend.faults, backend.clock)
    assert server.tenants() == [backend.tenant("acme")] and tenant.tenants() == [backend.tenant("acme")]


def test_a_tenants_reset_makes_no_tenant(backend):
    TenantScope(backend, "never-used").reset()

    assert "never-used" not in backend.tenants
