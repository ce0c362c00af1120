"""Defects found by probing the mock as an attacker or a careless CI job would, each pinned by a test
that failed before its fix (issue 14)."""
from __future__ import annotations

import json
import socket
import time
import tracemalloc
from urllib.parse import urlsplit

import pytest
import requests
from conftest import basic, make_app, seed_request
from raw_http import exchange


def token(client, account: str) -> str:
    response = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": account,
                                                  "client_secret": "s3cret"})
    assert response.status_code == 200, response.text
    return response.get_json()["access_token"]


# --- 1. a Bearer token never moves to another account ---------------------------------------------

def test_a_token_keeps_its_account_across_a_server_wide_reset_under_a_seed():
    client = make_app({"seed": 3}).test_client()
    bobs = token(client, "bob")

    assert client.post("/__mock/reset").status_code == 200
    alices = token(client, "alice")

    assert alices != bobs
    tracked = client.post("/orders/track", json=seed_request(), headers={"Authorization": f"Bearer {bobs}"})
    assert tracked.status_code == 201
    bob_routes = client.get("/orders/routes/", headers=basic("bob")).get_json()["routes"]
    alice_routes = client.get("/orders/routes/", headers=basic("alice")).get_json()["routes"]
    assert tracked.get_json()["route_handle"] in {r["route_handle"] for r in bob_routes}
    assert tracked.get_json()["route_handle"] not in {r["route_handle"] for r in alice_routes}


def test_tokens_are_unguessable_even_under_a_seed():
    first = make_app({"seed": 3}).test_client()
    second = make_app({"seed": 3}).test_client()

    assert token(first, "bob") != token(second, "bob")


# --- 2. the journal keeps no secret ------------------------------------------------------------------

def test_the_journal_redacts_the_token_it_answered_and_the_client_secret_it_was_sent():
    client = make_app({}).test_client()
    issued = token(client, "bob")

    [entry] = client.get("/__mock/requests").get_json()["requests"]
    assert entry["response"] == {"access_token": "[redacted]", "token_type": "Bearer", "expires_in": 3600}
    assert entry["body"] == "grant_type=client_credentials&client_id=bob&client_secret=[redacted]"
    assert issued not in json.dumps(entry) and "s3cret" not in json.dumps(entry)


def test_the_journal_redacts_a_client_secret_sent_as_multipart():
    client = make_app({}).test_client()
    form = (b'--b\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n'
            b'--b\r\nContent-Disposition: form-data; name="client_id"\r\n\r\nbob\r\n'
            b'--b\r\nContent-Disposition: form-data; name="client_secret"\r\n\r\ns3cret\r\n--b--\r\n')
    answer = client.post("/oauth/token", data=form, content_type="multipart/form-data; boundary=b")

    [entry] = client.get("/__mock/requests").get_json()["requests"]
    assert answer.status_code == 200
    assert 'name="client_secret"\r\n\r\n[redacted]\r\n' in entry["body"] and "s3cret" not in entry["body"]


# --- 3. the journal is bounded in bytes ----------------------------------------------------------------

def test_a_long_body_is_journaled_as_its_start_and_its_length():
    app = make_app({})
    client = app.test_client()
    long_body = json.dumps({"track_mode": "x" * 200_000}).encode()

    client.post("/orders/track", data=long_body, headers={**basic(), "Content-Type": "application/json"})

    [entry] = client.get("/__mock/requests", headers=basic()).get_json()["requests"]
    assert entry["body"] == {"truncated": True, "bytes": len(long_body),
                             "start": long_body[:1024].decode()}
    assert entry["status"] == 422
    [kept] = app.backend.tenant("acme").journal.entries
    assert kept.size < 4096, "only the start of the body is kept in memory"


def test_the_journal_keeps_no_more_bytes_than_its_budget():
    app = make_app({"journal_bytes": 64 * 1024})
    client = app.test_client()
    body = json.dumps({"track_mode": "sometimes", "metadata": "y" * 20_000}).encode()
    for _ in range(40):
        client.post("/orders/track", data=body, headers={**basic(), "Content-Type": "application/json"})

    tenant = app.backend.tenant("acme").journal
    journal = client.get("/__mock/requests", headers=basic()).get_json()
    assert tenant.bytes <= 64 * 1024
    assert len(journal["requests"]) + journal["dropped"] == 40
    assert 2 <= len(journal["requests"]) < 5


# --- 2. the control plane can be locked ---------------------------------------------------------------

SERVER_WIDE_CALLS = [("GET", "/__mock/state", None), ("GET", "/__mock/requests", None),
                     ("POST", "/__mock/reset", None), ("POST", "/__mock/scenarios/worker_deleted", None),
                     ("POST", "/__mock/scenarios", {"accounts": [{"account_id": "me", "secret_key": "x"}]}),
                     ("POST", "/__mock/faults", {"status": 500}), ("DELETE", "/__mock/faults", None),
                     ("POST", "/__mock/clock", {"advance_seconds": 60}), ("DELETE", "/__mock/requests", None)]
UNAUTHORIZED = {"detail": {}, "message": "Unauthorized"}


def test_with_an_admin_token_a_server_wide_call_needs_it():
    app = make_app({"admin_token": "let-me-in"})
    client = app.test_client()
    client.post("/orders/track", json=seed_request(), headers=basic())

    for method, path, body in SERVER_WIDE_CALLS:
        refused = client.open(path, method, json=body)
        wrong = client.open(path, method, json=body, headers={"X-Mock-Admin-Token": "guess"})
        assert (refused.status_code, refused.get_json()) == (401, UNAUTHORIZED), path
        assert (wrong.status_code, wrong.get_json()) == (401, UNAUTHORIZED), path
    assert app.backend.accounts == {} and list(app.backend.tenants) == ["acme"], "nothing changed"

    admitted = client.get("/__mock/state", headers={"X-Mock-Admin-Token": "let-me-in"})
    assert list(admitted.get_json()["tenants"]) == ["acme"]
    # a tenant's own calls need only its credentials; health and the scenario list stay open
    assert client.get("/__mock/state", headers=basic()).status_code == 200
    assert client.post("/__mock/reset", headers=basic()).status_code == 200
    assert client.get("/__mock/health").status_code == 200
    assert client.get("/__mock/scenarios").status_code == 200


def test_without_an_admin_token_server_wide_calls_stay_open():
    client = make_app({}).test_client()

    assert client.get("/__mock/state").status_code == 200


def test_an_empty_authorization_header_on_the_control_plane_is_a_401_not_a_server_wide_call():
    app = make_app({})
    client = app.test_client()
    client.post("/orders/track", json=seed_request(), headers=basic())

    response = client.post("/__mock/reset", headers={"Authorization": ""})
    bare = exchange(app.url, b"POST /__mock/reset HTTP/1.1\r\nHost: x\r\nAuthorization:   \r\nConnection: close\r\n\r\n")

    assert (response.status_code, response.get_json()) == (401, UNAUTHORIZED)
    assert (bare.status, bare.json()) == (401, UNAUTHORIZED)
    assert list(app.backend.tenants) == ["acme"], "nothing was reset"


# --- 5. dates out of range are a 422 naming the field ------------------------------------------------

@pytest.mark.parametrize("instant", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_date_out_of_range_is_a_422_naming_the_field(instant):
    app = make_app({})
    client = app.test_client()
    order = dict(seed_request()["orders"][0], scheduled_at=instant, scheduled_after=instant)

    tracked = client.post("/orders/track", json=seed_request(orders=[order]), headers=basic())
    scenario = client.post("/__mock/scenarios", headers=basic("other"), json={"routes": [
        {"route_handle": "r", "orders": [{"order_handle": "o", "scheduled_at": instant,
                                          "destination": {"geometry": {"coordinates": [1, 2]}}}]}]})
    clock = client.post("/__mock/clock", json={"frozen_at": instant}, headers=basic())

    out_of_range = ["Not a valid datetime: outside the range of dates (years 1 to 9999, in UTC)."]
    assert (tracked.status_code, tracked.get_json()) == (422, {"detail": {"json": {"orders": {"0": {
        "scheduled_at": out_of_range, "scheduled_after": out_of_range}}}}, "message": "Validation error"})
    assert (scenario.status_code, scenario.get_json()["detail"]) == (
        422, {"json": {"routes": {"0": {"orders": {"0": {"scheduled_at": out_of_range}}}}}})
    assert (clock.status_code, clock.get_json()["detail"]) == (422, {"json": {"frozen_at": out_of_range}})
    assert client.get("/__mock/clock", headers=basic()).get_json()["frozen_at"] is None


# --- 6. the clock never leaves the range of dates ---------------------------------------------------

@pytest.mark.parametrize("body", [{"advance_seconds": 250_000_000_000}, {"advance_seconds": 1e300},
                                  {"frozen_at": "9999-12-31T23:00:00Z", "advance_seconds": 7200}])
def test_moving_a_clock_out_of_the_range_of_dates_is_a_422_and_moves_nothing(body):
    client = make_app({}).test_client()
    client.post("/__mock/clock", json={"frozen_at": "2030-01-01T00:00:00Z"}, headers=basic())
    client.post("/__mock/clock", json={"frozen_at": "2030-01-01T00:00:00Z"})

    tenant, server = (client.post("/__mock/clock", json=body, headers=basic()),
                      client.post("/__mock/clock", json=body))

    for answer in (tenant, server):
        assert answer.status_code == 422, answer.get_json()
    assert client.get("/__mock/clock", headers=basic()).get_json()["now"] == "2030-01-01T00:00:00.000Z"
    assert client.get("/__mock/clock").get_json()["now"] == "2030-01-01T00:00:00.000Z"
    assert client.post("/orders/track", json=seed_request(), headers=basic()).status_code == 201


# --- 7. an empty scenario only when sent as {} --------------------------------------------------------

def test_loading_a_scenario_without_a_body_is_refused_and_changes_nothing():
    app = make_app({})
    client = app.test_client()
    client.post("/orders/track", json=seed_request(), headers=basic())

    for headers in ({}, basic()):
        refused = client.post("/__mock/scenarios", headers=headers)
        assert (refused.status_code, refused.get_json()) == (400, {"detail": {"json": [
            "Send the scenario document as the body (an empty scenario is {})."]}, "message": "Bad Request"})
    assert app.backend.startup_scenario["workers"], "the startup scenario is still default"
    assert client.get("/orders/order-1", headers=basic()).status_code == 200
    assert client.post("/__mock/scenarios", json={}, headers=basic()).status_code == 200


# --- 9. device ownership stays consistent ---------------------------------------------------------

DEVICE = "0B5A4F1E-1C2D-4E5F-8A9B-0C1D2E3F4A5B"


def test_a_worker_cannot_list_a_device_twice():
    client = make_app({}).test_client()

    control = client.post("/__mock/workers", json={"worker_handle": "w1", "device_ids": [DEVICE, DEVICE]},
                          headers=basic())
    scenario = client.post("/__mock/scenarios", json={"workers": [{"worker_handle": "w1",
                                                                   "device_ids": [DEVICE, DEVICE]}]},
                           headers=basic())

    duplicate = {"device_ids": [f"Device '{DEVICE}' is listed twice."]}
    assert (control.status_code, control.get_json()["detail"]) == (422, {"json": duplicate})
    assert (scenario.status_code, scenario.get_json()["detail"]) == (422, {"json": {"workers": {"0": duplicate}}})


def test_a_device_moving_between_workers_has_one_owner_at_every_step():
    client = make_app({}).test_client()
    assert client.post("/__mock/workers", json={"worker_handle": "w1", "device_ids": [DEVICE]},
                       headers=basic()).status_code == 201

    for handle in ("w2", "w1", "w3", "w1"):
        answer = client.post("/workers/", json={"worker_handle": handle, "device_id": DEVICE}, headers=basic())
        assert answer.status_code == 201, answer.get_json()
        owners = {w: client.get(f"/workers/{w}", headers=basic()).get_json()
                  for w in ("w1", "w2", "w3") if client.get(f"/workers/{w}", headers=basic()).status_code == 200}
        assert [w for w, view in owners.items() if [d["device_id"] for d in view["devices"]] == [DEVICE]] == [handle]
        assert all(view["devices"] == [] for w, view in owners.items() if w != handle)


# --- 10. numbers are finite everywhere ----------------------------------------------------------------

def test_a_number_json_cannot_hold_in_a_double_is_refused_everywhere():
    client = make_app({}).test_client()
    huge = b'{"x": 1e400}'

    tracked = client.post("/orders/track", data=json.dumps(seed_request(route={"metadata": {"x": 1}}))
                          .replace('{"x": 1}', huge.decode()).encode(),
                          headers={**basic(), "Content-Type": "application/json"})
    fault = client.post("/__mock/faults", data=b'{"status": 500, "body": ' + huge + b"}",
                        headers={**basic(), "Content-Type": "application/json"})
    scenario = client.post("/__mock/scenarios", data=b'{"workers": [{"worker_handle": "w", "profile": ' + huge + b"}]}",
                           headers={**basic(), "Content-Type": "application/json"})

    not_finite = ["Not a finite number: it is beyond what a double holds."]
    assert (tracked.status_code, tracked.get_json()["detail"]) == (422, {"json": {"route": {"metadata": not_finite}}})
    assert (fault.status_code, fault.get_json()["detail"]) == (422, {"json": {"body": not_finite}})
    assert (scenario.status_code, scenario.get_json()["detail"]) == (
        422, {"json": {"workers": {"0": {"profile": not_finite}}}})
    assert client.post("/__mock/scenarios", json=client.get("/__mock/state", headers=basic()).get_json(),
                       headers=basic()).status_code == 200


# --- 11. a fault rule cannot break the answer's framing ----------------------------------------------

@pytest.mark.parametrize("headers, problem", [
    ({"X-Evil": "a\r\nContent-Length: 0"}, "X-Evil: a header value cannot hold a line break or a control character."),
    ({"Bad Name": "x"}, "Bad Name: not a header name."),
    ({"Content-Length": "5"}, "Content-Length: the mock sets this header itself."),
    ({"transfer-encoding": "chunked"}, "transfer-encoding: the mock sets this header itself."),
    ({"Connection": "close"}, "Connection: the mock sets this header itself."),
], ids=["CR LF in a value", "space in a name", "Content-Length", "Transfer-Encoding", "Connection"])
def test_a_fault_rule_with_headers_that_would_break_the_answer_is_refused(headers, problem):
    client = make_app({}).test_client()

    answer = client.post("/__mock/faults", json={"status": 503, "headers": headers}, headers=basic())

    assert (answer.status_code, answer.get_json()["detail"]) == (422, {"json": {"headers": [problem]}})
    assert client.get("/__mock/faults", headers=basic()).get_json()["faults"] == []


# --- 12. every answer is JSON ------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("OPTIONS", "/orders/track"), ("OPTIONS", "/__mock/faults"), ("POST", "/orders//track"),
    ("GET", "/__mock//health"), ("GET", "/__mock/health/"), ("POST", "//orders/track"),
    ("OPTIONS", "/nope"), ("PUT", "/__mock/clock"),
])
def test_every_answer_of_the_mock_is_json(method, path):
    app = make_app({})

    reply = exchange(app.url, f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {basic()['Authorization']}\r\n"
                              "Connection: close\r\n\r\n".encode())

    assert reply.header("Content-Type") == "application/json", reply
    assert isinstance(reply.json(), dict)
    assert reply.status < 500


# --- 14. a delay in one tenant never slows another -------------------------------------------------

def test_a_hundred_and_fifty_delayed_requests_of_one_tenant_do_not_slow_another(live):
    requests.post(live + "/__mock/faults", json={"path": "/orders/slow", "delay_ms": 3000},
                  headers=basic("patient"), timeout=10).raise_for_status()
    address = urlsplit(live)
    waiting = []
    try:
        for _ in range(150):
            sock = socket.create_connection((address.hostname, address.port), timeout=10)
            sock.sendall(b"GET /orders/slow HTTP/1.1\r\nHost: x\r\nAuthorization: "
                         + basic("patient")["Authorization"].encode() + b"\r\n\r\n")
            waiting.append(sock)
        time.sleep(0.2)  # every one of them in its delay
        started = time.perf_counter()
        for _ in range(5):
            assert requests.post(live + "/orders/track", json=seed_request(), headers=basic("hurried"),
                                 timeout=10).status_code in (201, 409)
        elapsed = time.perf_counter() - started
    finally:
        for sock in waiting:
            sock.close()

    assert elapsed < 1.0, f"five tracks of another tenant took {elapsed:.2f} s behind 150 delayed requests"


# --- 4. new tenants cost O(1) in the startup scenario's size; open-mode tenants are capped --------------

def _own_bytes(backend, account: str) -> int:
    tracemalloc.start()
    try:
        backend.tenant(account)
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def test_a_new_tenant_costs_as_little_with_the_large_scenario_as_with_the_default_one():
    large, default = make_app({"scenario": "large"}).backend, make_app({}).backend
    large.tenant("warm-up"), default.tenant("warm-up")

    assert _own_bytes(large, "new") < 16 * 1024
    assert _own_bytes(large, "new-2") < 2 * _own_bytes(default, "new") + 4096


def test_tenants_started_from_one_scenario_never_see_each_others_changes():
    client = make_app({}).test_client()
    alice, bob = basic("alice"), basic("bob")
    planned = {"track_mode": "on_time", "route_handle": "7ac07153-5590-46c5-9ada-a6ca84f5b48f"}
    bob_before = {path: client.get(path, headers=bob).get_json() for path in (
        "/orders/routes/7ac07153-5590-46c5-9ada-a6ca84f5b48f", "/orders/planned-order-1", "/workers/james@ht.com")}

    assert client.post("/orders/track", json=planned, headers=alice).status_code == 201
    assert client.post("/orders/planned-order-1/complete", headers=alice).status_code == 200
    assert client.delete("/workers/james@ht.com", headers=alice).status_code == 204
    assert client.post("/workers/", json={"worker_handle": "maria@ht.com", "device_id": DEVICE},
                       headers=alice).status_code == 201

    for path, before in bob_before.items():
        assert client.get(path, headers=bob).get_json() == before, path
    assert client.get("/orders/planned-order-1", headers=alice).get_json()["status"] == "completed"
    assert client.post("/orders/track", json=planned, headers=bob).status_code == 201


def test_the_least_recently_used_tenant_goes_first_past_the_cap():
    app = make_app({"max_tenants": 3})
    app.backend.active_seconds = 0  # no account counts as in use (see test_memory_bounds for those that do)
    client = app.test_client()
    for account in ("t1", "t2", "t3"):
        assert client.post("/orders/track", json=seed_request(), headers=basic(account)).status_code == 201
    client.get("/orders/order-1", headers=basic("t1"))  # t1 used again: t2 is now the least recently used

    client.get("/orders/order-1", headers=basic("t4"))

    assert sorted(app.backend.tenants) == ["t1", "t3", "t4"]
    assert client.get("/orders/order-1", headers=basic("t2")).status_code == 404  # started over


def test_expired_tokens_are_forgotten():
    app = make_app({})
    client = app.test_client()
    app.backend.token_lifetime = 0.2
    issued = [token(client, f"a{n}") for n in range(3)]
    time.sleep(0.3)

    assert client.get("/orders/", headers={"Authorization": f"Bearer {issued[0]}"}).status_code == 401
    app.backend.token_lifetime = 3600
    token(client, "fresh")
    assert not set(issued) & set(app.backend.tokens)
