"""Issue 25, item 2: coverage of HyperTrack's outcomes.  ``GET /__mock/coverage`` lists every documented
outcome (operation x status x error code) with the hits of the tenant's (or the server's) requests since
its last reset, and every webhook value delivered, retried and given up; the pytest plugin adds up a
session's readings, prints a short summary and writes the whole with ``--hypertrack-coverage``."""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading

import pytest
import requests
from conftest import ROOT, as_downstream, make_app, seed_request

from contract.reference import UNDOCUMENTED_ANSWERS, published
from mockserver.testing import CoverageTotals, HyperTrackMock, WebhookReceiver

TRACK = "POST /orders/track"
#: Every operation's documented outcomes: HyperTrack's spec's statuses, with the mock's few beyond it
#: (contract/reference.py UNDOCUMENTED_ANSWERS), the business errors split by code.
TOTAL = 82


def order(handle):
    return {"order_handle": handle, "destination": {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}}}


def one_order(handle="o-1", worker="james@ht.com"):
    return {"track_mode": "on_time", "worker_handle": worker, "ops_group_handle": "SAN_JOSE_WH",
            "orders": [order(handle)]}


class Tenant(HyperTrackMock):
    def call(self, method, path, body=None, **kwargs):
        return self.session.request(method, self.url + path, json=body, timeout=30, **kwargs)

    def hits(self) -> list[tuple]:
        """The outcomes this tenant met, ``(operation, status, code, hits)``, in the catalogue's order."""
        return hits(self.coverage())


def hits(reading: dict) -> list[tuple]:
    return [(o["operation"], o["status"], o["code"], o["hits"]) for o in reading["outcomes"] if o["hits"]]


def met(reading: dict) -> list[tuple]:
    return [(w["type"], w["value"], w["delivered"], w["retried"], w["given_up"]) for w in reading["webhooks"]
            if w["delivered"] or w["retried"] or w["given_up"]]


@pytest.fixture
def served():
    return make_app({"seed": 7})


@pytest.fixture
def acme(served):
    tenant = Tenant(served.url, "acme", "s3cret", served.server)
    yield tenant
    tenant.close()


def exercise(tenant: Tenant) -> None:
    """A few requests and errors: two tracks (201, then 409), an unknown worker, an order read and a
    missing one, a bad body (422), a body that is no JSON, two faults, and calls that name no operation."""
    assert tenant.call("POST", "/orders/track", seed_request()).status_code == 201
    assert tenant.call("POST", "/orders/track", seed_request()).json()["code"] == "duplicate_resource"
    assert tenant.call("POST", "/orders/track", one_order(worker="nobody")).json()["code"] == "driver_not_found"
    assert tenant.call("GET", "/orders/order-1").status_code == 200
    assert tenant.call("GET", "/orders/missing").status_code == 404
    assert tenant.call("POST", "/orders/track", {}).status_code == 422
    assert tenant.call("POST", "/orders/track", data=b"{", headers={"Content-Type": "application/json"}
                       ).status_code == 400
    tenant.add_fault(method="POST", path="/orders/track", status=409, times=1, body={
        "code": "duplicate_resource", "title": "Duplicate route found with this ID",
        "detail": "System already has a route with this ID"})
    assert tenant.call("POST", "/orders/track", one_order("o-9")).status_code == 409
    tenant.add_fault(method="POST", path="/orders/track", status=503, times=1)
    assert tenant.call("POST", "/orders/track", one_order("o-9")).status_code == 503
    assert tenant.call("OPTIONS", "/orders/").status_code == 200  # no operation's outcome
    assert tenant.call("GET", "/nowhere").status_code == 404  # no operation
    assert tenant.call("DELETE", "/orders/").status_code == 405  # no operation


EXERCISED = [
    (TRACK, 201, None, 1), (TRACK, 404, "driver_not_found", 1), (TRACK, 409, "duplicate_resource", 2),
    (TRACK, 422, None, 1), ("GET /orders/{order_handle}", 200, None, 1), ("GET /orders/{order_handle}", 404, None, 1)]
UNDOCUMENTED = [{"operation": TRACK, "status": 400, "code": None, "hits": 1},
                {"operation": TRACK, "status": 503, "code": None, "hits": 1}]


def test_after_a_few_requests_and_errors_the_counts_are_exact(acme):
    exercise(acme)

    reading = acme.coverage()

    assert acme.hits() == EXERCISED
    assert (reading["exercised"], reading["total"], reading["tenant"]) == (6, TOTAL, "acme")
    assert reading["undocumented"] == UNDOCUMENTED
    assert reading["outcomes"][:3] == [
        {"operation": TRACK, "status": 201, "code": None, "hits": 1},
        {"operation": TRACK, "status": 400, "code": "validation_error", "hits": 0},
        {"operation": TRACK, "status": 400, "code": "ops_group_not_defined", "hits": 0}]
    assert met(reading) == []
    assert reading["webhooks"][0] == {"type": "route", "value": "created", "delivered": 0, "retried": 0,
                                      "given_up": 0}


def test_counts_run_from_the_last_reset_whatever_the_journal_keeps(served, acme):
    served.backend.journal_cap = 1  # a journal of one entry: the counts do not come from it
    exercise(acme)
    acme.load_scenario("worker_deleted")  # a scenario replaces the state, not what was exercised
    assert acme.call("POST", "/orders/track", one_order()).json()["code"] == "driver_deleted"

    assert acme.hits() == [*EXERCISED[:2], (TRACK, 404, "driver_deleted", 1), *EXERCISED[2:]]

    acme.reset()

    assert acme.hits() == []
    assert acme.coverage()["exercised"] == 0


def test_server_wide_coverage_sums_every_tenant_and_counts_what_no_tenant_sent(served, acme):
    bob = Tenant(served.url, "bob", "secret", served.server)
    exercise(acme)
    assert bob.call("POST", "/orders/track", seed_request()).status_code == 201
    assert requests.get(served.url + "/orders/", timeout=10).status_code == 401  # no tenant: the server's

    server = requests.get(served.url + "/__mock/coverage", timeout=10).json()

    assert hits(server) == [(TRACK, 201, None, 2), *EXERCISED[1:], ("GET /orders/", 401, None, 1)]
    assert (server["exercised"], server["total"], server["tenant"]) == (7, TOTAL, None)
    assert server["undocumented"] == UNDOCUMENTED
    assert bob.hits() == [(TRACK, 201, None, 1)]

    bob.reset()  # a tenant's reset clears its own counts, not the server's

    assert bob.hits() == []
    assert hits(requests.get(served.url + "/__mock/coverage", timeout=10).json())[0] == (TRACK, 201, None, 2)

    requests.post(served.url + "/__mock/reset", timeout=10).raise_for_status()

    assert hits(requests.get(served.url + "/__mock/coverage", timeout=10).json()) == []
    assert acme.hits() == []
    bob.close()


def test_webhook_events_delivered_retried_and_given_up(served, acme):
    receiver = WebhookReceiver()
    try:
        acme.set_webhook(receiver.url, timeout_ms=2000, retries=3, retry_delay_ms=10)
        receiver.answer_with(500, 500)  # the track's delivery: two failures, then delivered
        assert acme.call("POST", "/orders/track", one_order()).status_code == 201
        acme.drain()
        acme.set_webhook(receiver.url, timeout_ms=2000, retries=2, retry_delay_ms=10)
        receiver.answer_with(500, 500, 500)  # the completion's: failed, retried twice, given up
        assert acme.call("POST", "/orders/o-1/complete").status_code == 200
        acme.drain()
    finally:
        receiver.close()

    reading = acme.coverage()

    assert met(reading) == [
        ("route", "created", 1, 2, 0), ("route", "started", 1, 2, 0), ("route", "completed", 0, 2, 1),
        ("order", "assigned", 1, 2, 0), ("order", "started", 1, 2, 0), ("order", "completed", 0, 2, 1)]
    assert met(requests.get(served.url + "/__mock/coverage", timeout=10).json()) == met(reading)
    assert [(w["type"], w["value"]) for w in reading["webhooks"]] == [
        ("route", value) for value in ("created", "assigned", "started", "updated", "completed")] + [
        ("order", value) for value in ("assigned", "started", "updated", "completed", "cancelled", "first_eta",
                                       "eta_change", "n_minutes_away", "delayed", "arrived", "exited",
                                       "risk_updated")]


def test_a_server_wide_reading_needs_the_admin_token_when_the_server_has_one():
    served = make_app({"seed": 7, "admin_token": "t0ken"})

    assert requests.get(served.url + "/__mock/coverage", timeout=10).status_code == 401
    assert requests.get(served.url + "/__mock/coverage", headers={"X-Mock-Admin-Token": "t0ken"},
                        timeout=10).json()["total"] == TOTAL


def test_the_catalogue_is_the_openapi_documents_statuses_split_by_hypertracks_error_codes(served, acme):
    reading = acme.coverage()
    catalogue = {}
    for outcome in reading["outcomes"]:
        catalogue.setdefault(outcome["operation"], {}).setdefault(str(outcome["status"]), []).append(outcome["code"])
    documented = {f"{method.upper()} {path}": set(operation["responses"])
                  for path, item in served.mock.spec["paths"].items() if not path.startswith("/__mock/")
                  for method, operation in item.items() if isinstance(operation, dict)}
    hypertrack = {f"{method.upper()} {path}": operation["responses"]
                  for path, item in published()["paths"].items() for method, operation in item.items()}

    assert {operation: set(statuses) for operation, statuses in catalogue.items()} == documented
    assert set(catalogue) == set(hypertrack) | {"POST /oauth/token"}  # the token call is not in the excerpt
    for operation, responses in hypertrack.items():
        method, path = operation.split(" ", 1)
        beyond = {status for m, p, status in UNDOCUMENTED_ANSWERS if (m, p) == (method, path)}
        assert set(catalogue[operation]) == set(responses) | beyond, operation
        for status, response in responses.items():  # each code HyperTrack's examples give is an outcome
            examples = (response.get("content") or {}).get("application/json", {}).get("examples") or {}
            codes = {example["value"]["code"] for example in examples.values() if "code" in example["value"]}
            assert codes <= set(catalogue[operation][status]), (operation, status)
            if not codes and status not in {s for m, p, s in UNDOCUMENTED_ANSWERS if (m, p) == (method, path)}:
                assert catalogue[operation][status] == [None], (operation, status)
    assert catalogue[TRACK] == {
        "201": [None], "400": ["validation_error", "ops_group_not_defined", "driver_not_linked_to_device",
                               "destination_place_not_found"], "401": [None],
        "404": ["driver_not_found", "route_not_found", "driver_deleted", "device_not_found", "geofence_not_found"],
        "409": ["duplicate_resource"], "422": [None]}
    assert reading["total"] == len(reading["outcomes"]) == TOTAL


def test_totals_add_readings_up_and_say_what_was_never_met():
    one = {"outcomes": [{"operation": TRACK, "status": 201, "code": None, "hits": 1},
                        {"operation": TRACK, "status": 409, "code": "duplicate_resource", "hits": 0},
                        {"operation": "GET /orders/", "status": 401, "code": None, "hits": 0}],
           "undocumented": [], "webhooks": [{"type": "order", "value": "started", "delivered": 1, "retried": 1,
                                             "given_up": 0}]}
    totals = CoverageTotals()
    totals.add(one)
    totals.add(one)

    assert totals.reading()["outcomes"][0]["hits"] == 2
    assert totals.reading()["webhooks"] == [
        {"type": "order", "value": "started", "delivered": 2, "retried": 2, "given_up": 0}]
    assert totals.summary() == [
        "HyperTrack outcomes exercised: 1 of 3; never: 409 duplicate_resource on POST /orders/track, "
        "401 on GET /orders/",
        "HyperTrack webhooks: 1 of 1 values delivered, 2 events in all; never: a webhook given up"]


# --- the pytest plugin ----------------------------------------------------------------------------

DOWNSTREAM = '''
import requests


def body(worker="james@ht.com"):
    return {"track_mode": "on_time", "worker_handle": worker,
            "orders": [{"order_handle": "order-1", "destination": {"geometry": {"coordinates": [-121.9, 37.3]}}}]}


def test_a_duplicate(hypertrack_mock):
    assert requests.post(hypertrack_mock.url + "/orders/track", json=body(), auth=hypertrack_mock.auth).status_code == 201
    assert requests.post(hypertrack_mock.url + "/orders/track", json=body(), auth=hypertrack_mock.auth).status_code == 409


def test_an_unknown_worker(hypertrack_mock):
    answer = requests.post(hypertrack_mock.url + "/orders/track", json=body("nobody"), auth=hypertrack_mock.auth)
    assert answer.json()["code"] == "driver_not_found"


def test_a_receiver_that_fails_once(hypertrack_mock, hypertrack_webhooks):
    hypertrack_webhooks.answer_with(500)
    assert requests.post(hypertrack_mock.url + "/orders/track", json=body(), auth=hypertrack_mock.auth).status_code == 201
    hypertrack_mock.drain()
'''
#: What the session above met, whichever way it ran.
SESSION = [(TRACK, 201, None, 2), (TRACK, 404, "driver_not_found", 1), (TRACK, 409, "duplicate_resource", 1)]
SESSION_WEBHOOKS = [("route", "created", 1, 1, 0), ("route", "started", 1, 1, 0), ("order", "assigned", 1, 1, 0),
                    ("order", "started", 1, 1, 0)]
SUMMARY = [
    "HyperTrack outcomes exercised: 3 of 82; never: 400 validation_error on POST /orders/track, "
    "400 ops_group_not_defined on POST /orders/track, 400 driver_not_linked_to_device on POST /orders/track, "
    "400 destination_place_not_found on POST /orders/track, and 75 more",
    "HyperTrack webhooks: 4 of 17 values delivered, 4 events in all; never: a webhook given up"]


@pytest.fixture
def downstream(pytester, monkeypatch):
    as_downstream(monkeypatch)
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    return pytester


@pytest.fixture
def cli_server():
    """``hypertrack-mock`` started by its CLI on a free port, as CI starts the container."""
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "--port", "0"], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        yield lines.get(timeout=20).split("serving ", 1)[1].split(" ", 1)[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("workers", [None, "2"], ids=["one process", "xdist"])
def test_the_plugin_prints_a_summary_and_writes_the_session_in_process(downstream, workers):
    path = downstream.path / "coverage.json"
    options = ["-n", workers] if workers else []

    result = downstream.runpytest_subprocess(*options, f"--hypertrack-coverage={path}")

    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*- hypertrack-mock coverage -*", *SUMMARY, f"written whole to {path}"])
    written = json.loads(path.read_text())
    assert hits(written) == SESSION
    assert met(written) == SESSION_WEBHOOKS
    assert (written["exercised"], written["total"]) == (3, TOTAL)


def test_against_an_external_server_the_plugin_sums_the_sessions_tenants(downstream, monkeypatch, cli_server):
    monkeypatch.setenv("HYPERTRACK_MOCK_URL", cli_server)
    path = downstream.path / "coverage.json"

    result = downstream.runpytest_subprocess("-n", "2", f"--hypertrack-coverage={path}")

    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([*SUMMARY, f"written whole to {path}"])
    written = json.loads(path.read_text())
    assert hits(written) == SESSION
    assert met(written) == SESSION_WEBHOOKS
    assert hits(requests.get(cli_server + "/__mock/coverage", timeout=5).json()) == SESSION, \
        "the server-wide reading holds the same: the tenants were freed, their counts kept in it"


def test_a_session_that_never_used_the_mock_prints_nothing(pytester, monkeypatch):
    as_downstream(monkeypatch)
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")

    result = pytester.runpytest_subprocess()

    result.assert_outcomes(passed=1)
    assert "hypertrack-mock coverage" not in result.stdout.str()
