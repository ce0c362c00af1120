"""Defects found by probing the mock as an attacker or a careless CI job would, each pinned by a test
that failed before its fix (issue 14)."""
from __future__ import annotations

import json

import pytest
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
