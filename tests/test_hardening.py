"""Defects found by probing the mock as an attacker or a careless CI job would, each pinned by a test
that failed before its fix (issue 14)."""
from __future__ import annotations

from conftest import basic, make_app, seed_request


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
