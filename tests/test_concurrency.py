"""Racing requests on the real server: a handle is taken exactly once, and a refused request takes nothing."""
from __future__ import annotations

import copy
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import basic, seed_request

RACERS = 32
DUPLICATE_ROUTE = {"code": "duplicate_resource", "title": "Duplicate route found with this ID",
                   "detail": "System already has a route with this ID"}
DUPLICATE_ORDER = {"code": "duplicate_resource", "title": "Duplicate order handle found",
                   "detail": "System already has an incompleted order with this handle. "
                             "Please complete or cancel it first"}


@pytest.fixture
def account():
    """Credentials of a tenant of this test's own."""
    return basic(f"race-{uuid.uuid4().hex}")


def with_handles(route_handle: str, *order_handles: str) -> dict:
    """The seed request with its orders renamed and its route named ``route_handle``."""
    body = seed_request(route={"route_handle": route_handle})
    template = body["orders"]
    body["orders"] = [dict(copy.deepcopy(template[i % len(template)]), order_handle=handle)
                      for i, handle in enumerate(order_handles)]
    return body


def track(url: str, headers: dict, body: dict) -> tuple[int, dict]:
    response = requests.post(url + "/orders/track", json=body, headers=headers, timeout=30)
    return response.status_code, response.json()


def race(url: str, headers: dict, bodies: list[dict]) -> list[tuple[int, dict]]:
    """Send ``bodies`` from as many threads, released together by a barrier; ``(status, body)`` of each."""
    barrier = threading.Barrier(len(bodies))

    def send(body):
        barrier.wait(timeout=30)
        return track(url, headers, body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def test_racing_requests_for_one_route_handle_create_it_once(live, account):
    bodies = [with_handles("race-route", f"order-{i}-a", f"order-{i}-b") for i in range(RACERS)]

    results = race(live, account, bodies)

    assert Counter(status for status, _ in results) == {201: 1, 409: RACERS - 1}
    assert [body for status, body in results if status == 409] == [DUPLICATE_ROUTE] * (RACERS - 1)
    [created] = [body for status, body in results if status == 201]
    assert created["route_handle"] == "race-route"


def test_racing_requests_for_one_order_handle_track_it_once(live, account):
    bodies = [with_handles(f"route-{i}", "race-order") for i in range(RACERS)]

    results = race(live, account, bodies)

    assert Counter(status for status, _ in results) == {201: 1, 409: RACERS - 1}
    assert [body for status, body in results if status == 409] == [DUPLICATE_ORDER] * (RACERS - 1)
    [created] = [body for status, body in results if status == 201]
    assert [order["order_handle"] for order in created["orders"]] == ["race-order"]


def test_a_request_refused_for_its_second_order_takes_neither_its_first_order_nor_its_route(live, account):
    assert track(live, account, with_handles("ongoing-route", "ongoing-order"))[0] == 201

    refused = track(live, account, with_handles("new-route", "new-order", "ongoing-order"))

    assert refused == (409, DUPLICATE_ORDER)
    status, created = track(live, account, with_handles("new-route", "new-order"))
    assert status == 201, created
    assert created["route_handle"] == "new-route"
    assert [order["order_handle"] for order in created["orders"]] == ["new-order"]
