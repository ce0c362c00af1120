"""Checks of the Docker image, run by .ci/run through the container check of this workplace with MOCK_URL set.

The plugin's external mode (HYPERTRACK_MOCK_URL=$MOCK_URL) gives each test its own tenant on the
container.  Collected only when MOCK_URL is set (see tests/conftest.py).
"""
import os
from pathlib import Path

import pytest
import requests

URL = os.environ["MOCK_URL"]
SHIPPED = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "fixtures").glob("*.json"))
SEED = {"track_mode": "on_time", "worker_handle": "james@ht.com", "ops_group_handle": "SAN_JOSE_WH",
        "orders": [{"order_handle": "order-1", "destination": {"geometry": {"coordinates": [-121.9, 37.3]}}}]}


def test_the_container_is_healthy():
    assert requests.get(URL + "/__mock/health", timeout=5).json() == {"status": "ok"}


def test_the_image_ships_every_scenario():
    expected = os.environ.get("EXPECT_SCENARIOS", ",".join(SHIPPED)).split(",")
    listed = requests.get(URL + "/__mock/scenarios", timeout=5).json()["scenarios"]
    assert [s["name"] for s in listed] == expected


def test_the_seed_request_answers_201(hypertrack_mock):
    response = requests.post(hypertrack_mock.url + "/orders/track", json=SEED, auth=hypertrack_mock.auth, timeout=10)

    assert response.status_code == 201, response.text
    assert hypertrack_mock.requests()[0]["status"] == 201


def test_faults_drop_connections_in_the_container(hypertrack_mock):
    hypertrack_mock.add_fault(path="/orders/track", drop_connection="reset", times=1)

    with pytest.raises(requests.ConnectionError):
        requests.post(hypertrack_mock.url + "/orders/track", json=SEED, auth=hypertrack_mock.auth, timeout=10)
    assert requests.post(hypertrack_mock.url + "/orders/track", json=SEED, auth=hypertrack_mock.auth,
                         timeout=10).status_code == 201


def test_the_image_serves_the_dashboard_and_its_assets():
    page = requests.get(URL + "/__mock/ui", timeout=5)
    script = requests.get(URL + "/__mock/ui/app.js", timeout=5)
    style = requests.get(URL + "/__mock/ui/app.css", timeout=5)

    assert (page.status_code, page.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert "/__mock/ui/app.js?v=" in page.text
    assert (script.status_code, script.headers["Content-Type"]) == (200, "text/javascript; charset=utf-8")
    assert (style.status_code, style.headers["Content-Type"]) == (200, "text/css; charset=utf-8")


def test_the_image_writes_a_pact_without_the_repository_s_contract_folder(hypertrack_mock):
    """The installed package carries HyperTrack's documented answers (``contract/`` is not installed)."""
    requests.post(hypertrack_mock.url + "/orders/track", json=SEED, auth=hypertrack_mock.auth, timeout=10)

    pact = hypertrack_mock.pact("container-check")

    assert [(i["request"]["path"], i["response"]["status"]) for i in pact["interactions"]] == [("/orders/track", 201)]
    assert pact["interactions"][0]["request"]["headers"]["Authorization"] == "Basic [redacted]"
