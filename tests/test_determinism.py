"""``--seed`` (``HYPERTRACK_MOCK_SEED``) makes every generated value and UUID repeatable."""
from __future__ import annotations

from conftest import FROZEN_AT, Api, make_app, seed_request


def tracked(config, account="acme", repeats=2):
    """The 201 bodies of ``repeats`` seed requests (new order handles each) on a fresh app."""
    app = make_app(config)
    app.backend.tenant(account).clock.freeze(FROZEN_AT)
    api = Api(app.test_client(), account)
    bodies = []
    for n in range(repeats):
        body = seed_request()
        for order in body["orders"]:
            order["order_handle"] += f"-{n}"
        status, answer = api.track(body)
        assert status == 201
        bodies.append(answer)
    return bodies


def test_the_same_seed_gives_identical_answers():
    assert tracked({"seed": 1234}) == tracked({"seed": 1234})


def test_another_seed_gives_other_values():
    first, second = tracked({"seed": 1}), tracked({"seed": 2})

    assert first[0]["route_handle"] != second[0]["route_handle"]
    assert first[0]["orders"][0]["share_url"] != second[0]["orders"][0]["share_url"]
    assert first[0]["embed_url"] != second[0]["embed_url"]


def test_without_a_seed_values_differ_between_starts():
    assert tracked({})[0]["route_handle"] != tracked({})[0]["route_handle"]


def test_the_seed_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("HYPERTRACK_MOCK_SEED", "99")
    from_environment = tracked(None)

    assert from_environment == tracked({"seed": 99})


def test_each_tenants_values_do_not_depend_on_other_tenants():
    alone = tracked({"seed": 5}, account="acme")

    app = make_app({"seed": 5})
    backend = app.backend
    Api(app.test_client(), "someone-else").track(seed_request())  # another tenant draws values first
    backend.tenant("acme").clock.freeze(FROZEN_AT)
    status, body = Api(app.test_client(), "acme").track(
        {**seed_request(), "orders": [dict(o, order_handle=o["order_handle"] + "-0") for o in seed_request()["orders"]]})

    assert (status, body) == (201, alone[0])


def test_a_reset_tenant_sees_the_same_values_again():
    app = make_app({"seed": 8})
    client = app.test_client()
    api = Api(client)
    first = api.track(seed_request())[1]

    client.post("/__mock/reset", headers=api.headers)
    second = api.track(seed_request())[1]

    assert (first["route_handle"], first["orders"][0]["share_url"]) == (
        second["route_handle"], second["orders"][0]["share_url"])
