"""``POST /orders/`` (Batch and Sequence Orders): orders planned into a route that is not tracking yet, so
that the route-handle form of ``POST /orders/track`` is reachable without a scenario; and the orders
taken in unplanned.  Every answer is also checked against HyperTrack's spec by the test client."""
from __future__ import annotations

import re

import pytest
from conftest import FROZEN_AT

T0 = "2023-11-01T22:47:53.512Z"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SHARE_URL = re.compile(r"^https://trck\.at/[A-Za-z0-9]{10}$")
ROUTE_EMBED_URL = re.compile(r"^https://embed\.hypertrack\.com/routes/(?P<route>[^?]+)\?publishable_key=[\w-]{86}$")
JAMES = "james@ht.com"
POINT = {"type": "Point", "coordinates": [-121.8871193, 37.390611]}


def planned(handle, **extra):
    return {"order_handle": handle, "scheduled_at": "2023-11-02T02:00:00Z",
            "destination": {"address": "1709 Automation Pkwy, San Jose, CA 95101", "geometry": POINT}, **extra}


def plan(api, status=201, **body):
    code, answer = api.call("POST", "/orders/", body)
    assert code == status, answer
    return answer


@pytest.fixture
def frozen_api(api, backend):
    backend.tenant("acme").clock.freeze(FROZEN_AT)
    return api


def test_manual_planning_for_a_worker_makes_a_route_assigned_to_them_in_the_order_given(frozen_api):
    route = plan(frozen_api, plan_mode="manual", worker_handle=JAMES,
                 orders=[planned("p-1", type="pick", metadata={"customerID": "12654"}), planned("p-2", type="drop")])

    handle = route["route_handle"]
    assert UUID.match(handle) and ROUTE_EMBED_URL.match(route["embed_url"]).group("route") == handle
    share_urls = [order.pop("share_url") for order in route["orders"]]
    assert all(SHARE_URL.match(url) for url in share_urls)
    common = {"fulfillment_attempt": 0, "status": "assigned", "track_mode": None, "scheduled_at": "2023-11-02T02:00:00.000Z",
              "started_at": None, "type_index": 0, "expected_service_time": 0, "capacity_used": 1, "device_id": None,
              "worker_handle": JAMES, "ops_group_handle": "default", "created_at": T0, "assigned_at": T0,
              "route_handle": handle, "planned_at": T0, "plan_mode": "manual",
              "destination": {"geometry": POINT, "address": "1709 Automation Pkwy, San Jose, CA 95101", "radius": 100}}
    assert {key: value for key, value in route.items() if key not in ("route_handle", "embed_url")} == {
        "status": "assigned", "version": 1, "started_at": None, "assigned_at": T0, "created_at": T0,
        "device_id": None, "worker_handle": JAMES, "planned_at": T0, "track_mode": None,
        "ops_group_handle": "default", "plan_mode": "manual",
        "orders": [dict(common, order_handle="p-1", type="pick", metadata={"customerID": "12654"}),
                   dict(common, order_handle="p-2", type="drop")]}

    status, read = frozen_api.call("GET", f"/orders/routes/{handle}")
    assert (status, read["status"], [o["order_handle"] for o in read["orders"]]) == (200, "assigned", ["p-1", "p-2"])
    status, order = frozen_api.call("GET", "/orders/p-1")
    assert (status, order["status"], [event["type"] for event in order["timeline"]]) == (
        200, "assigned", ["order_created", "order_planned", "order_assigned"])


def test_a_planned_route_is_then_tracked_by_its_route_handle(frozen_api):
    handle = plan(frozen_api, plan_mode="manual", worker_handle=JAMES, orders=[planned("p-1")])["route_handle"]

    status, tracked = frozen_api.track({"track_mode": "on_time", "route_handle": handle})

    assert (status, tracked["status"], tracked["route_handle"], tracked["device_id"]) == (
        201, "tracking", handle, "FFA58DDB-5CA0-4CD5-8BDE-E4EC7E077E3D")
    assert [(o["order_handle"], o["status"], o["started_at"]) for o in tracked["orders"]] == [("p-1", "ongoing", T0)]
    status, order = frozen_api.call("GET", "/orders/p-1")
    assert [event["type"] for event in order["timeline"]] == [
        "order_created", "order_planned", "order_assigned", "order_started"]


def test_manual_planning_without_a_worker_takes_the_orders_in_unplanned(frozen_api):
    answer = plan(frozen_api, plan_mode="manual", ops_group_handle="SAN_JOSE_WH",
                  orders=[planned("u-1"), planned("u-2", destination={"address": "1 Main St, San Jose", "radius": 50})])

    orders = answer["orders"]
    assert list(answer) == ["orders"]
    assert [(o["order_handle"], o["status"], o["route_handle"], o["planned_at"], o["ops_group_handle"], o["plan_mode"])
            for o in orders] == [("u-1", "unplanned", None, None, "SAN_JOSE_WH", "manual"),
                                 ("u-2", "unplanned", None, None, "SAN_JOSE_WH", "manual")]
    geocoded = orders[1]["destination"]
    assert (geocoded["address"], geocoded["radius"], geocoded["geometry"]["type"]) == ("1 Main St, San Jose", 50, "Point")
    status, listed = frozen_api.call("GET", "/orders/", query_string={"status": "unplanned"})
    assert (status, [o["order_handle"] for o in listed["orders"]]) == (200, ["u-1", "u-2"])
    status, read = frozen_api.call("GET", "/orders/u-1")
    assert (status, read["route_handle"], [event["type"] for event in read["timeline"]]) == (
        200, None, ["order_created"])


def test_an_unplanned_order_is_cancelled_and_updated_without_a_route(frozen_api):
    plan(frozen_api, plan_mode="manual", orders=[planned("u-1")])

    status, patched = frozen_api.call("PATCH", "/orders/u-1", {"metadata": {"gate": "4"}})
    assert (status, patched["metadata"], patched["route_handle"]) == (200, {"gate": "4"}, None)
    status, cancelled = frozen_api.call("POST", "/orders/u-1/cancel")
    assert (status, cancelled["status"], cancelled["cancelled_at"]) == (200, "cancelled", T0)
    assert [event["type"] for event in cancelled["timeline"]] == ["order_created", "order_cancelled"]


def test_an_unplanned_order_keeps_its_handle_until_it_is_finished(frozen_api):
    plan(frozen_api, plan_mode="manual", orders=[planned("u-1")])

    status, refused = frozen_api.track({"track_mode": "on_time", "worker_handle": JAMES, "orders": [planned("u-1")]})

    assert (status, refused["code"]) == (409, "duplicate_resource")


def test_on_demand_planning_adds_to_the_workers_route_that_is_not_tracking_yet(frozen_api):
    first = plan(frozen_api, plan_mode="manual", worker_handle=JAMES, orders=[planned("p-1")])

    added = plan(frozen_api, plan_mode="on_demand", worker_handle=JAMES, enable_sync_planning=True,
                 orders=[planned("p-2")])

    assert (added["route_handle"], added["version"], [o["order_handle"] for o in added["orders"]]) == (
        first["route_handle"], 2, ["p-1", "p-2"])
    assert added["orders"][1]["plan_mode"] == "on_demand"


def test_asynchronous_planning_answers_the_plan(frozen_api):
    answer = plan(frozen_api, plan_mode="on_demand", orders=[planned("d-1")])

    plan_id = answer["plan"]["id"]
    assert UUID.match(plan_id)
    assert {key: value for key, value in answer.items() if key != "route_handle"} == {
        "version": 1, "status": "planned", "message": "Planned",
        "plan": {"id": plan_id, "href": f"/orders/plans/{plan_id}"}}
    status, route = frozen_api.call("GET", f"/orders/routes/{answer['route_handle']}")
    assert (status, route["worker_handle"], [o["order_handle"] for o in route["orders"]]) == (200, None, ["d-1"])


def test_scheduled_planning_is_always_asynchronous_and_for_no_worker_in_particular(frozen_api):
    answer = plan(frozen_api, plan_mode="scheduled", worker_handle=JAMES, enable_sync_planning=True,
                  orders=[planned("s-1")])

    assert (set(answer), answer["status"]) == ({"route_handle", "version", "status", "message", "plan"}, "planned")
    assert frozen_api.call("GET", "/orders/s-1")[1]["worker_handle"] is None


ERRORS = [
    ("an unknown worker", {"worker_handle": "ghost"}, 404,
     {"code": "driver_not_found", "title": "Worker Not Found",
      "detail": {"description": "Worker not found for handle ghost"}}),
    ("an ops group that does not exist", {"ops_group_handle": "NOPE"}, 400, None),
    ("an unknown place", {"orders": [planned("x-1", destination={"place_handle": "nowhere"})]}, 400, None),
]


@pytest.mark.parametrize("case, change, status, body", ERRORS, ids=[case for case, *_ in ERRORS])
def test_planning_refuses_what_tracking_refuses_and_changes_nothing(frozen_api, case, change, status, body):
    before = frozen_api.call("GET", "/orders/routes/")[1]

    code, answer = frozen_api.call("POST", "/orders/", {"plan_mode": "manual", "worker_handle": JAMES,
                                                         "orders": [planned("x-1")], **change})

    assert code == status, answer
    if body is not None:
        assert answer == body
    else:
        assert set(answer) == {"code", "title", "detail"}
    assert frozen_api.call("GET", "/orders/routes/")[1] == before
    assert frozen_api.call("GET", "/orders/x-1")[0] == 404


def test_a_deleted_worker_gets_driver_deleted(frozen_api):
    frozen_api.call("DELETE", f"/workers/{JAMES}")

    code, answer = frozen_api.call("POST", "/orders/", {"plan_mode": "manual", "worker_handle": JAMES,
                                                         "orders": [planned("x-1")]})

    assert (code, answer["code"]) == (404, "driver_deleted")


def test_an_order_still_in_progress_cannot_be_planned_again(frozen_api):
    plan(frozen_api, plan_mode="manual", worker_handle=JAMES, orders=[planned("p-1")])

    code, answer = frozen_api.call("POST", "/orders/", {"plan_mode": "manual", "orders": [planned("p-1")]})

    assert (code, answer) == (409, {
        "code": "duplicate_resource", "title": "Duplicate order handle found",
        "detail": "System already has an incompleted order with this handle. Please complete or cancel it first"})


@pytest.mark.parametrize("body, where", [
    ({"orders": [planned("x")]}, {"plan_mode": ["Missing data for required field."]}),
    ({"plan_mode": "pool", "orders": [planned("x")]}, {"plan_mode": ["Must be one of: on_demand, scheduled, manual."]}),
    ({"plan_mode": "manual", "orders": []}, {"orders": ["Length must be between 1 and 1000."]}),
    ({"plan_mode": "manual", "orders": [{"order_handle": "x", "destination": {"geometry": POINT}}]},
     {"orders": {"0": {"scheduled_at": ["Missing data for required field."]}}}),
    ({"plan_mode": "manual", "orders": [planned("x", destination={"radius": 5})]},
     {"orders": {"0": {"destination": [
         "A destination needs one of: geometry (Point or Polygon), geofence_id, place_handle."]}}}),
], ids=["no plan_mode", "an unknown plan_mode", "no orders", "no scheduled_at", "no destination"])
def test_a_malformed_plan_is_a_422_naming_the_field(frozen_api, body, where):
    assert frozen_api.call("POST", "/orders/", body) == (422, {"detail": {"json": where}, "message": "Validation error"})
