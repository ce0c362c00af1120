"""A data-plane request looks its account's tenant up once: the fault rule, the view and the journal all
take it from the ``Caller`` (``web/auth.py``) rather than looking the account up again each."""
from __future__ import annotations

from collections import OrderedDict

import pytest
from conftest import basic, seed_request


class CountingTenants(OrderedDict):
    """The backend's ``account -> tenant`` map, counting every look-up of an account in it."""

    lookups = 0

    def get(self, key, default=None):
        self.lookups += 1
        return super().get(key, default)

    def __getitem__(self, key):
        self.lookups += 1
        return super().__getitem__(key)

    def __contains__(self, key):
        self.lookups += 1
        return super().__contains__(key)


@pytest.fixture
def counted(app, client):
    """The ``acme`` account's tenant made (by a first request) and its look-ups counted from here on."""
    assert client.get("/orders/none", headers=basic()).status_code == 404
    app.backend.tenants = CountingTenants(app.backend.tenants)
    return app.backend.tenants


def _bearer(client) -> dict:
    answer = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "acme",
                                               "client_secret": "s3cret"})
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", "/orders/track", seed_request(), 201),
    ("POST", "/orders/track", {"track_mode": "nope"}, 422),
    ("GET", "/orders/unknown", None, 404),
    ("GET", "/no/such/path", None, 404),
], ids=["a track", "a refused track", "an unknown order", "an unknown path"])
def test_a_request_looks_its_tenant_up_once(client, counted, method, path, body, status):
    assert client.open(path, method, json=body, headers=basic()).status_code == status

    assert counted.lookups == 1


def test_a_faults_answer_looks_the_tenant_up_once(client, counted):
    assert client.post("/__mock/faults", json={"path": "/orders/track", "status": 503}, headers=basic()).status_code == 201
    counted.lookups = 0

    assert client.post("/orders/track", json=seed_request(), headers=basic()).status_code == 503
    assert counted.lookups == 1
    assert client.get("/__mock/requests", headers=basic()).get_json()["requests"][-1]["status"] == 503


def test_a_bearer_request_reads_the_tokens_clock_then_looks_its_tenant_up_once(client, counted):
    """The token's expiry is read on its account's clock (a look-up that makes no tenant), then the tenant."""
    headers = _bearer(client)
    counted.lookups = 0

    assert client.post("/orders/track", json=seed_request(), headers=headers).status_code == 201
    assert counted.lookups == 2


def test_a_delayed_request_looks_its_tenant_up_again_after_the_wait(client, counted):
    """Once for the fault rule, once when it resumes (the account may have been let go meanwhile)."""
    assert client.post("/__mock/faults", json={"path": "/orders/track", "delay_ms": 10},
                       headers=basic()).status_code == 201
    counted.lookups = 0

    assert client.post("/orders/track", json=seed_request(), headers=basic()).status_code == 201
    assert counted.lookups == 2
    assert [entry["status"] for entry in client.get("/__mock/requests", headers=basic()).get_json()["requests"]][-1] == 201
