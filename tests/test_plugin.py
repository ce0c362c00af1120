"""The pytest plugin, as a downstream project sees it: a generated test file run by pytest itself."""
from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading

import pytest
import requests
from conftest import ROOT, as_downstream

DOWNSTREAM = '''
import os
import pytest
import requests

ORDER_1 = {"track_mode": "on_time", "worker_handle": "james@ht.com",
           "orders": [{"order_handle": "order-1", "destination": {"geometry": {"coordinates": [-121.9, 37.3]}}}]}


def track(mock, body=ORDER_1):
    return requests.post(mock.url + "/orders/track", json=body, auth=mock.auth, timeout=10)


@pytest.mark.parametrize("repeat", range(12))
def test_order_1_is_always_new(hypertrack_mock, repeat):
    assert track(hypertrack_mock).status_code == 201
    assert track(hypertrack_mock).status_code == 409


def test_the_journal_holds_only_this_tests_requests(hypertrack_mock):
    track(hypertrack_mock)
    assert [(r["method"], r["path"], r["status"]) for r in hypertrack_mock.requests()] == [
        ("POST", "/orders/track", 201)]


def test_a_fault_then_the_real_answer(hypertrack_mock):
    hypertrack_mock.add_fault(method="POST", path="/orders/track", status=503, times=1)
    assert track(hypertrack_mock).status_code == 503
    assert track(hypertrack_mock).status_code == 201


def test_faults_do_not_leak_into_the_next_test(hypertrack_mock):
    assert track(hypertrack_mock).status_code == 201


def test_a_frozen_clock(hypertrack_mock):
    hypertrack_mock.freeze_clock("2024-01-02T03:04:05Z")
    hypertrack_mock.advance_clock(1)
    assert track(hypertrack_mock).json()["created_at"] == "2024-01-02T03:04:06.000Z"


def test_an_unlinked_worker(hypertrack_mock):
    hypertrack_mock.add_worker("w", device_ids=[])
    response = track(hypertrack_mock, dict(ORDER_1, worker_handle="w"))
    assert response.json()["code"] == "driver_not_linked_to_device"


@pytest.mark.hypertrack_scenario("worker_deleted")
def test_the_scenario_marker(hypertrack_mock):
    assert track(hypertrack_mock).json()["code"] == "driver_deleted"


def test_a_scenario_document(hypertrack_mock):
    hypertrack_mock.load_scenario({"workers": [{"worker_handle": "solo", "device_ids": ["S"]}]})
    assert track(hypertrack_mock).status_code == 404


def test_the_backend_is_there_in_process_only(hypertrack_mock):
    if os.environ.get("HYPERTRACK_MOCK_URL"):
        with pytest.raises(RuntimeError, match="only available in-process"):
            hypertrack_mock.backend
    else:
        track(hypertrack_mock)
        assert list(hypertrack_mock.tenant.orders) == ["planned-order-1", "planned-order-2", "order-1"]


def test_a_webhook_for_each_step(hypertrack_mock, hypertrack_webhooks):
    track(hypertrack_mock)
    requests.post(hypertrack_mock.url + "/orders/order-1/complete", auth=hypertrack_mock.auth, timeout=10)
    event = hypertrack_webhooks.wait_for(value="completed", order_handle="order-1")
    assert event["account_id"] == hypertrack_mock.account_id
    assert [e["data"]["value"] for e in hypertrack_webhooks.events(type="order")] == [
        "assigned", "started", "completed"]


def test_a_receiver_that_fails_twice(hypertrack_mock, hypertrack_webhooks):
    hypertrack_webhooks.answer_with(500, 500)
    track(hypertrack_mock)
    hypertrack_mock.drain()
    assert [d.status for d in hypertrack_webhooks.deliveries()] == [500, 500, 200]
    assert len({d.message_id for d in hypertrack_webhooks.deliveries()}) == 1
'''
PASSED = 12 + 10


@pytest.fixture
def downstream(pytester, monkeypatch):
    """A project whose only tie to the mock is the installed package (its entry point)."""
    as_downstream(monkeypatch)
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    return pytester


def test_in_process(downstream):
    downstream.runpytest().assert_outcomes(passed=PASSED)


def test_under_xdist(downstream):
    downstream.runpytest_subprocess("-n", "2").assert_outcomes(passed=PASSED)


@pytest.fixture
def cli_server():
    """``hypertrack-mock`` started by its CLI on a free port, as CI would start the container."""
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "--port", "0"], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        ready = lines.get(timeout=20)
        yield ready.split("serving ", 1)[1].split(" ", 1)[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_external_mode_against_a_cli_server(downstream, monkeypatch, cli_server):
    monkeypatch.setenv("HYPERTRACK_MOCK_URL", cli_server)

    downstream.runpytest_subprocess("-n", "2").assert_outcomes(passed=PASSED)

    assert requests.get(cli_server + "/__mock/state", timeout=5).json() == {"tenants": {}}, \
        "every test's tenant is freed when the test ends"


STARTUP_SCENARIO_TEST = '''
import requests

def test_startup_scenario(hypertrack_mock):
    body = {"track_mode": "on_time", "worker_handle": "james@ht.com",
            "orders": [{"order_handle": "o", "destination": {"geometry": {"coordinates": [1, 2]}}}]}
    answer = requests.post(hypertrack_mock.url + "/orders/track", json=body, auth=hypertrack_mock.auth)
    assert answer.json()["code"] == "%s"
'''


@pytest.mark.parametrize("environment, expected", [
    ({}, "driver_not_found"),                                             # the ini option
    ({"HYPERTRACK_MOCK_SCENARIO": "worker_deleted"}, "driver_deleted"),  # the environment overrides it
], ids=["ini option", "environment over ini"])
def test_ini_options_and_the_environment_configure_the_in_process_server(downstream, monkeypatch, environment,
                                                                          expected):
    downstream.makeini("[pytest]\nhypertrack_mock_scenario = worker_not_found\nhypertrack_mock_seed = 5\n")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    downstream.makepyfile(test_startup=STARTUP_SCENARIO_TEST % expected)

    downstream.runpytest("test_startup.py").assert_outcomes(passed=1)


def test_a_mock_url_where_nothing_answers_stops_the_run_with_one_clear_message(downstream, monkeypatch):
    with socket.socket() as placeholder:  # a port nothing listens on
        placeholder.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{placeholder.getsockname()[1]}"
    monkeypatch.setenv("HYPERTRACK_MOCK_URL", url)

    result = downstream.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    message = f"hypertrack-mock: no mock answers at {url}: start it with"
    assert output.count(message) == 1, output
    assert "Traceback" not in output and "ConnectionError" not in output, output
