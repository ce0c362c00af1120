"""How to: start the mock's image from a test with Testcontainers, and drive it with the fixture's helpers.

Needs ``pip install 'hypertrack-mock[containers]'`` and a Docker API.  .ci/run runs it against podman's
(``podman system service``) with the image the container check built, named by HYPERTRACK_MOCK_IMAGE;
collected only when that is set (see tests/conftest.py).
"""
import os

import pytest
import requests

from mockserver.containers import HyperTrackMockContainer

SEED = {"track_mode": "on_time", "worker_handle": "james@ht.com", "ops_group_handle": "SAN_JOSE_WH",
        "orders": [{"order_handle": "order-1", "destination": {"geometry": {"coordinates": [-121.9, 37.3]}}}]}


@pytest.fixture(scope="module")
def mock():
    with HyperTrackMockContainer(os.environ["HYPERTRACK_MOCK_IMAGE"], publish_on="127.0.0.1") as container:
        yield container


def test_the_container_answers_at_its_url(mock):
    assert requests.get(mock.url + "/__mock/health", timeout=5).json() == {"status": "ok"}


def test_an_account_tracks_and_its_tenant_helper_sees_the_journal(mock):
    response = requests.post(mock.url + "/orders/track", json=SEED, auth=mock.auth_for("acme"), timeout=10)

    assert response.status_code == 201, response.text
    journal = mock.tenant("acme").requests()
    assert [(r["method"], r["path"], r["status"]) for r in journal] == [("POST", "/orders/track", 201)]


def test_a_fresh_tenant_sees_nothing_of_another_and_takes_faults(mock):
    fresh = mock.tenant()
    fresh.add_fault(path="/orders/track", status=503, times=1)

    first = requests.post(mock.url + "/orders/track", json=SEED, auth=fresh.auth, timeout=10)
    second = requests.post(mock.url + "/orders/track", json=SEED, auth=fresh.auth, timeout=10)

    assert (first.status_code, second.status_code) == (503, 201)
    assert fresh.account_id != "acme" and len(fresh.requests()) == 2
