"""CONTRACT §6: the journal, faults, the clock and the state, each scoped to a tenant."""
from __future__ import annotations

import concurrent.futures
import threading
import time
from datetime import datetime, timezone

import pytest
import requests
from conftest import Api, basic, make_app, seed_request

FAULT_BODY = {"detail": {}, "message": "Service Unavailable"}


def control(api, method, path, body=None, **kwargs):
    status, payload = api.call(method, f"/__mock/{path}", body, **kwargs)
    assert status in (200, 201), payload
    return payload


# --- journal -------------------------------------------------------------------------------------

def test_the_journal_shows_a_refused_request_with_its_reason(api):
    api.call("POST", "/orders/track", {"track_mode": "sometimes"}, query_string={"trace": "1"})

    entry, = control(api, "GET", "requests")["requests"]

    assert isinstance(entry.pop("id"), int) and entry.pop("duration_ms") >= 0
    received = datetime.strptime(entry.pop("received_at"), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - received).total_seconds()) < 60
    assert entry.pop("headers")["Authorization"] == "Basic [redacted]"
    assert entry == {
        "tenant": "acme", "method": "POST", "path": "/orders/track", "query": {"trace": "1"},
        "body": {"track_mode": "sometimes"}, "status": 422,
        "response": {"detail": {"json": {"track_mode": [
            "Must be one of: full_shift, pre_shift, on_shift, on_time, flex."]}}, "message": "Validation error"},
        "reason": "Validation error (json.track_mode: Must be one of: full_shift, pre_shift, on_shift, on_time, flex.)",
        "fault": None,
    }


def test_the_journal_filters_by_method_path_and_status(api):
    api.track(seed_request())
    api.track(seed_request())                      # 409
    api.call("GET", "/orders/order-1")
    api.call("GET", "/no/such/path")               # 404

    def shown(**query):
        return [(e["method"], e["path"], e["status"]) for e in control(api, "GET", "requests", query_string=query)["requests"]]

    assert shown(method="GET") == [("GET", "/orders/order-1", 200), ("GET", "/no/such/path", 404)]
    assert shown(path="/orders/track") == [("POST", "/orders/track", 201), ("POST", "/orders/track", 409)]
    assert shown(path="/orders/*") == shown(path="/orders/track") + [("GET", "/orders/order-1", 200)]
    assert shown(status="4xx") == [("POST", "/orders/track", 409), ("GET", "/no/such/path", 404)]
    assert shown(status="409") == [("POST", "/orders/track", 409)]
    assert control(api, "GET", "requests", query_string={"path": "/no/such/path"})["requests"][0]["reason"] == (
        "no GET endpoint at /no/such/path")


def test_requests_that_name_no_tenant_are_in_the_server_wide_journal_only(client):
    acme = Api(client)
    client.post("/orders/track", json=seed_request())                           # no credentials
    client.post("/orders/track", json=seed_request(), headers=basic("acme", ""))  # empty secret
    acme.track(seed_request())

    everything = client.get("/__mock/requests").get_json()
    assert [(e["tenant"], e["status"], e["reason"]) for e in everything["requests"]] == [
        (None, 401, "no Authorization header"), (None, 401, "empty account id or secret key"), ("acme", 201, None)]
    assert [e["status"] for e in control(acme, "GET", "requests")["requests"]] == [201]


def test_the_journal_is_bounded_dropping_the_oldest_first():
    api = Api(make_app({"journal_cap": 3}).test_client())
    for n in range(5):
        api.call("GET", f"/orders/o-{n}")

    journal = control(api, "GET", "requests")

    assert [e["path"] for e in journal["requests"]] == ["/orders/o-2", "/orders/o-3", "/orders/o-4"]
    assert (journal["dropped"], journal["cap"]) == (2, 3)
    control(api, "DELETE", "requests")
    assert control(api, "GET", "requests") == {"requests": [], "dropped": 0, "cap": 3, "tenant": "acme"}


def test_control_calls_are_not_journaled(api):
    control(api, "GET", "clock")
    control(api, "POST", "reset")

    assert control(api, "GET", "requests")["requests"] == []


# --- faults --------------------------------------------------------------------------------------

def test_a_fault_answers_instead_then_the_real_answer_comes_back(api):
    fault = control(api, "POST", "faults", {"method": "POST", "path": "/orders/track", "status": 503, "times": 1})

    assert fault == {"fault": {"id": fault["fault"]["id"], "method": "POST", "path": "/orders/track", "status": 503,
                               "drop_connection": None, "times": 1, "probability": 1.0, "remaining": 1},
                     "tenant": "acme"}
    assert api.track(seed_request()) == (503, FAULT_BODY)
    assert api.track(seed_request())[0] == 201  # the 503 changed nothing
    assert control(api, "GET", "faults")["faults"] == []
    assert [e["reason"] for e in control(api, "GET", "requests")["requests"]] == [
        f"fault {fault['fault']['id']}", None]


def test_a_fault_can_carry_its_own_body_and_headers_and_match_a_pattern(api):
    control(api, "POST", "faults", {"path": "/orders/*/complete", "status": 429, "headers": {"Retry-After": "2"},
                                    "body": {"detail": {}, "message": "Too Many Requests"}})
    api.track(seed_request())

    response = api.client.post("/orders/order-1/complete", headers=api.headers)

    assert (response.status_code, response.headers["Retry-After"], response.get_json()) == (
        429, "2", {"detail": {}, "message": "Too Many Requests"})
    assert api.call("GET", "/orders/order-1")[0] == 200  # other paths and methods are untouched


def test_probability_with_a_seed_is_repeatable():
    def outcomes():
        api = Api(make_app({}).test_client())
        control(api, "POST", "faults", {"path": "/orders/*", "status": 503, "probability": 0.5, "seed": 42})
        return [api.call("GET", "/orders/nope")[0] for _ in range(30)]

    first = outcomes()
    assert first == outcomes()
    assert {503, 404} == set(first)


def test_a_fault_rule_can_be_removed_alone(api):
    keep = control(api, "POST", "faults", {"path": "/orders/a", "status": 500})["fault"]["id"]
    gone = control(api, "POST", "faults", {"path": "/orders/b", "status": 500})["fault"]["id"]

    assert control(api, "DELETE", f"faults/{gone}") == {"status": "ok", "tenant": "acme"}

    assert [f["id"] for f in control(api, "GET", "faults")["faults"]] == [keep]
    assert api.call("DELETE", f"/__mock/faults/{gone}") == (404, {"detail": {}, "message": f"No fault {gone}."})
    control(api, "DELETE", "faults")
    assert control(api, "GET", "faults")["faults"] == []


@pytest.mark.parametrize("rule, errors", [
    ({"path": "/x"}, {"_schema": ["A fault needs at least one of: status, delay_ms, drop_connection."]}),
    ({"status": 99}, {"status": ["Must be greater than or equal to 100 and less than or equal to 599."]}),
    ({"status": 500, "probability": 2}, {"probability": [
        "Must be greater than or equal to 0 and less than or equal to 1."]}),
    ({"drop_connection": "sometimes"}, {"drop_connection": ["Must be true, false or one of: reset, empty, truncated."]}),
    ({"drop_connection": True, "status": 500}, {"status": ["A dropped connection has no status."]}),
    ({"status": 500, "times": 0}, {"times": ["Must be greater than or equal to 1."]}),
    ({"status": 500, "method": "FETCH"}, {"method": [
        "Must be one of: *, GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS."]}),
])
def test_invalid_fault_rules_are_refused(api, rule, errors):
    assert api.call("POST", "/__mock/faults", rule) == (422, {"detail": {"json": errors}, "message": "Validation error"})
    assert control(api, "GET", "faults")["faults"] == []


def test_faults_in_a_scenario_apply_to_that_tenant(api):
    api.load_scenario({"workers": [{"worker_handle": "w"}], "faults": [{"path": "/orders/track", "status": 500}]})

    assert api.track(seed_request())[0] == 500


def test_a_delay_alone_makes_a_slow_success(live):
    headers = basic("slow")
    requests.post(live + "/__mock/faults", json={"path": "/orders/track", "delay_ms": 300}, headers=headers,
                  timeout=5).raise_for_status()

    started = time.perf_counter()
    response = requests.post(live + "/orders/track", json=seed_request(), headers=headers, timeout=10)

    assert response.status_code == 201
    assert time.perf_counter() - started >= 0.3


def test_twenty_concurrent_delayed_requests_take_about_one_delay(live):
    """With four server threads, twenty 1-second delays would take five seconds if each held its thread."""
    headers = basic("delayed")
    requests.post(live + "/__mock/faults", json={"path": "/orders/*", "delay_ms": 1000}, headers=headers,
                  timeout=5).raise_for_status()
    barrier = threading.Barrier(20)

    def call(n):
        barrier.wait()
        return requests.get(f"{live}/orders/o-{n}", headers=headers, timeout=30).status_code

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(call, range(20)))
    elapsed = time.perf_counter() - started

    assert statuses == [404] * 20
    assert 1.0 <= elapsed < 2.5, f"20 concurrent 1 s delays took {elapsed:.2f} s"


CUT_OFF = requests.exceptions.ChunkedEncodingError  # the head, then less body than it promised


@pytest.mark.parametrize("mode, error", [
    ("reset", requests.exceptions.ConnectionError),
    ("empty", requests.exceptions.ConnectionError),
    ("truncated", CUT_OFF),
])
def test_a_dropped_connection_fails_the_client_and_the_server_keeps_serving(live, mode, error):
    """Under both servers: reset and empty end the connection with no reply, truncated cuts the body off."""
    headers = basic(f"drop-{mode}")
    requests.post(live + "/__mock/faults", json={"path": "/orders/track", "drop_connection": mode, "times": 1},
                  headers=headers, timeout=5).raise_for_status()

    with pytest.raises(error):
        requests.post(live + "/orders/track", json=seed_request(), headers=headers, timeout=10)

    assert requests.post(live + "/orders/track", json=seed_request(), headers=headers, timeout=10).status_code == 201
    journal = requests.get(live + "/__mock/requests", headers=headers, timeout=5).json()["requests"]
    dropped, served = journal
    assert (dropped["status"], dropped["reason"], served["status"]) == (
        None, f"connection dropped by fault {dropped['fault']} ({mode})", 201)


def test_a_server_wide_fault_applies_to_every_tenant_and_anonymous_requests(client):
    client.post("/__mock/faults", json={"path": "/orders/track", "status": 502})

    for account in ("a", "b"):
        assert Api(client, account).track(seed_request()) == (502, {"detail": {}, "message": "Bad Gateway"})
    assert client.post("/orders/track", json={}).status_code == 502
    assert client.get("/__mock/health").status_code == 200  # never the control plane


# --- clock ---------------------------------------------------------------------------------------

def test_a_frozen_clock_writes_every_timestamp(api):
    control(api, "POST", "clock", {"frozen_at": "2024-02-29T12:00:00Z"})
    first = api.track(seed_request())[1]
    control(api, "POST", "clock", {"advance_seconds": 90.5})
    completed = api.call("POST", "/orders/order-1/complete")[1]

    assert {first[k] for k in ("created_at", "planned_at", "assigned_at", "started_at")} == {"2024-02-29T12:00:00.000Z"}
    assert completed["completed_at"] == "2024-02-29T12:01:30.500Z"
    assert control(api, "GET", "clock") == {"now": "2024-02-29T12:01:30.500Z", "frozen_at": "2024-02-29T12:01:30.500Z",
                                            "offset_seconds": 0.0, "tenant": "acme"}


def test_a_released_clock_runs_again_from_now(api):
    control(api, "POST", "clock", {"frozen_at": "2001-01-01T00:00:00Z"})

    clock = control(api, "POST", "clock", {"frozen_at": None})

    assert clock["frozen_at"] is None and clock["now"].startswith(str(datetime.now(timezone.utc).year))


def test_an_advanced_running_clock_keeps_its_offset(api):
    clock = control(api, "POST", "clock", {"advance_seconds": 86400})

    assert clock["offset_seconds"] == 86400.0
    ahead = datetime.strptime(api.track(seed_request())[1]["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert 86000 < (ahead - datetime.utcnow()).total_seconds() < 86800


def test_the_server_wide_clock_moves_every_tenant(client):
    acme = Api(client, "acme")
    control(acme, "POST", "clock", {"frozen_at": "2030-01-01T00:00:00Z"})

    client.post("/__mock/clock", json={"frozen_at": "2025-06-01T08:00:00Z"})
    client.post("/__mock/clock", json={"advance_seconds": 60})

    for account in ("acme", "newcomer"):
        assert Api(client, account).track(seed_request())[1]["created_at"] == "2025-06-01T08:01:00.000Z"


@pytest.mark.parametrize("body, errors", [
    ({}, {"_schema": ["Send frozen_at (an instant, or null to release) and/or advance_seconds."]}),
    ({"frozen_at": "yesterday"}, {"frozen_at": ["Not a valid datetime."]}),
    ({"advance_seconds": "10"}, {"advance_seconds": ["Not a valid number."]}),
])
def test_invalid_clock_requests_are_refused(api, body, errors):
    assert api.call("POST", "/__mock/clock", body) == (422, {"detail": {"json": errors}, "message": "Validation error"})


# --- state ---------------------------------------------------------------------------------------

def test_the_state_is_a_scenario_that_loads_back_identical(api):
    api.track(seed_request())
    api.call("POST", "/orders/order-1/complete", {"metadata": {"signed": True}})
    api.track(seed_request(orders=[seed_request()["orders"][0]], route={"route_handle": "again", "metadata": {"n": 2}}))
    api.track({"track_mode": "flex", "worker_handle": "maria@ht.com", "orders": [
        {"order_handle": "g", "destination": {"geofence_id": "geofence-1"}},
        {"order_handle": "p", "destination": {"place_handle": "store-1"}, "priority": "high"}]})
    api.call("POST", "/workers/", {"worker_handle": "ana", "profile": {"team": 3}})
    api.call("DELETE", "/workers/ana")
    control(api, "POST", "faults", {"path": "/never", "status": 500, "times": 2})
    saved = control(api, "GET", "state")

    control(api, "POST", "scenarios", saved)

    assert control(api, "GET", "state") == saved
    assert [r["route_handle"] for r in saved["routes"]][-2:][0] == "again"
    assert api.call("GET", "/orders/order-1")[1]["fulfillment_attempt"] == 1  # attempts rebuilt in order


def test_the_state_follows_the_data_plane(api):
    api.load_scenario({"workers": [{"worker_handle": "w", "device_ids": ["D"], "name": "W"}]})
    api.track({"track_mode": "flex", "worker_handle": "w", "orders": [
        {"order_handle": "o", "destination": {"geometry": {"coordinates": [1, 2]}}}], "route": {"route_handle": "r"}})

    state = control(api, "GET", "state")

    assert state["workers"] == [{"worker_handle": "w", "name": "W", "ops_group_handle": "default", "profile": {},
                                 "device_ids": ["D"], "deleted": False}]
    route, = state["routes"]
    assert (route["route_handle"], route["status"], route["device_id"]) == ("r", "tracking", "D")
    assert route["orders"][0]["status"] == "ongoing"


def test_server_wide_state_lists_every_tenant(client):
    Api(client, "a").track(seed_request())
    Api(client, "b")

    assert sorted(client.get("/__mock/state").get_json()["tenants"]) == ["a"]


# --- reset and tenants ---------------------------------------------------------------------------

def test_reset_clears_the_tenants_journal_faults_and_clock(api):
    api.track(seed_request())
    control(api, "POST", "faults", {"path": "/x", "status": 500})
    control(api, "POST", "clock", {"frozen_at": "2001-01-01T00:00:00Z"})

    control(api, "POST", "reset")

    assert control(api, "GET", "requests")["requests"] == []
    assert control(api, "GET", "faults")["faults"] == []
    assert control(api, "GET", "clock")["frozen_at"] is None


def test_server_wide_reset_clears_server_wide_journal_faults_and_clock(client):
    client.post("/__mock/faults", json={"path": "/x", "status": 500})
    client.post("/__mock/clock", json={"frozen_at": "2001-01-01T00:00:00Z"})
    client.get("/x")

    client.post("/__mock/reset")

    assert client.get("/__mock/requests").get_json()["requests"] == []
    assert client.get("/__mock/faults").get_json()["faults"] == []
    assert client.get("/__mock/clock").get_json()["frozen_at"] is None


def _views(api):
    clock = control(api, "GET", "clock")
    return {"faults": control(api, "GET", "faults"), "requests": control(api, "GET", "requests"),
            "state": control(api, "GET", "state"), "clock": (clock["frozen_at"], clock["offset_seconds"])}


@pytest.mark.parametrize("method, path, body", [
    ("POST", "faults", {"path": "/orders/track", "status": 500}),
    ("DELETE", "faults", None),
    ("POST", "clock", {"frozen_at": "2001-01-01T00:00:00Z"}),
    ("POST", "clock", {"advance_seconds": 3600}),
    ("DELETE", "requests", None),
    ("POST", "reset", None),
    ("POST", "scenarios/worker_deleted", None),
    ("POST", "scenarios", {"workers": []}),
])
def test_no_control_call_of_one_tenant_touches_another(client, method, path, body):
    acme, globex = Api(client, "acme"), Api(client, "globex")
    for api in (acme, globex):
        api.track(seed_request())
        control(api, "POST", "faults", {"path": "/keep", "status": 500})
    before = _views(globex)

    control(acme, method, path, body)

    assert _views(globex) == before
    assert globex.track(seed_request())[0] == 409
