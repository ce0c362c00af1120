"""CONTRACT §4: an order and a route followed to their end, through HTTP only."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import conformance
import pytest
import requests
from conftest import FROZEN_AT, Api, basic, seed_request

ROUTE = "7ac07153-5590-46c5-9ada-a6ca84f5b48f"
#: James and his ops group, without default's planned route, so listings start empty.
JUST_JAMES = {"ops_groups": [{"ops_group_handle": "SAN_JOSE_WH"}],
              "workers": [{"worker_handle": "james@ht.com", "device_ids": ["JAMES-PHONE"]}]}
T0 = "2023-11-01T22:47:53.512Z"
T1 = "2023-11-01T22:57:53.512Z"  # ten minutes later


def order(handle, **extra):
    return {"order_handle": handle, "destination": {"geometry": {"coordinates": [-121.9, 37.3]}}, **extra}


def track(api, *handles, **changes):
    status, body = api.track(seed_request(orders=[order(h) for h in handles], **changes))
    assert status == 201, body
    return body


def timeline(api, handle, **query):
    status, body = api.call("GET", f"/orders/{handle}", query_string=query)
    assert status == 200, body
    return [(event["type"], event["recorded_at"]) for event in body["timeline"]]


def test_an_order_is_followed_from_tracking_to_completion(api, backend):
    clock = backend.tenant("acme").clock
    clock.freeze(FROZEN_AT)
    route = track(api, "o-1", "o-2")
    assert timeline(api, "o-1") == [("order_created", T0), ("order_assigned", T0),
                                    ("order_started", T0)]

    clock.advance(600)
    status, done = api.call("POST", "/orders/o-1/complete", {"metadata": {"signed_by": "Ana"}})

    assert status == 200
    assert (done["status"], done["completed_at"], done["metadata"]) == ("completed", T1, {"signed_by": "Ana"})
    assert done["timeline"][-1]["type"] == "order_completed"
    status, again = api.call("GET", "/orders/o-1")
    assert (status, again["status"], again["metadata"]) == (200, "completed", {"signed_by": "Ana"})
    assert timeline(api, "o-1")[-1] == ("order_completed", T1)
    status, still = api.call("GET", f"/orders/routes/{route['route_handle']}")
    assert (status, still["status"]) == (200, "tracking")  # o-2 is not finished yet


def test_a_route_completes_when_its_last_order_finishes(api, backend):
    backend.tenant("acme").clock.freeze(FROZEN_AT)
    route = track(api, "o-1", "o-2")
    api.call("POST", "/orders/o-1/complete")

    status, _ = api.call("POST", "/orders/o-2/cancel")

    assert status == 200
    status, body = api.call("GET", f"/orders/routes/{route['route_handle']}")
    assert (body["status"], body["completed_at"]) == ("completed", T0)
    assert [(o["order_handle"], o["status"]) for o in body["orders"]] == [("o-1", "completed"), ("o-2", "cancelled")]
    assert body["orders"][1]["cancelled_at"] == T0


@pytest.mark.parametrize("first, second, title", [
    ("complete", "complete", "Order already completed"),
    ("complete", "cancel", "Order already completed"),
    ("cancel", "cancel", "Order already cancelled"),
    ("cancel", "complete", "Order already cancelled"),
])
def test_a_finished_order_is_not_finished_again(api, first, second, title):
    track(api, "o-1", "o-2")
    assert api.call("POST", f"/orders/o-1/{first}")[0] == 200
    before = api.call("GET", "/orders/o-1")[1]

    status, body = api.call("POST", f"/orders/o-1/{second}", {"metadata": {"x": 1}})

    state = title.rsplit(" ", 1)[1]
    assert (status, body) == (409, {"code": "validation_error", "title": title,
                                    "detail": f"Order with the given handle is already {state}"})
    assert api.call("GET", "/orders/o-1")[1] == before


def test_completing_a_route_cancels_its_unfinished_orders(api, backend):
    backend.tenant("acme").clock.freeze(FROZEN_AT)
    route = track(api, "o-1", "o-2")["route_handle"]
    api.call("POST", "/orders/o-1/complete")

    status, body = api.call("POST", f"/orders/routes/{route}/complete")

    assert (status, body["status"], body["completed_at"]) == (200, "completed", T0)
    assert [(o["order_handle"], o["status"]) for o in body["orders"]] == [("o-1", "completed"), ("o-2", "cancelled")]
    assert timeline(api, "o-2")[-1] == ("order_cancelled", T0)
    assert api.call("POST", f"/orders/routes/{route}/complete") == (409, {
        "code": "validation_error", "title": "Route already completed",
        "detail": "Route with the given ID is already completed"})


def test_a_finished_orders_handle_is_tracked_again_as_the_next_attempt(api):
    track(api, "o-1")
    api.call("POST", "/orders/o-1/complete")

    retracked = track(api, "o-1")

    assert retracked["orders"][0]["fulfillment_attempt"] == 1
    status, latest = api.call("GET", "/orders/o-1")
    assert (latest["fulfillment_attempt"], latest["status"], latest["previous_fulfillments"]) == (
        1, "ongoing", [{"order_handle": "o-1", "fulfillment_attempt": 0}])
    status, first = api.call("GET", "/orders/o-1", query_string={"fulfillment_attempt": 0})
    assert (first["fulfillment_attempt"], first["status"], first["previous_fulfillments"]) == (0, "completed", [])
    assert api.call("GET", "/orders/o-1", query_string={"fulfillment_attempt": 5})[0] == 404


def test_a_planned_route_is_tracked_completed_and_then_refused(api):
    api.load_scenario("route_planned")
    by_handle = {"track_mode": "on_time", "route_handle": ROUTE}
    assert [kind for kind, _ in timeline(api, "planned-order-1")] == ["order_created", "order_planned", "order_assigned"]

    assert api.track(by_handle)[0] == 201
    assert [kind for kind, _ in timeline(api, "planned-order-1")] == [
        "order_created", "order_planned", "order_assigned", "order_started"]
    assert api.call("POST", f"/orders/routes/{ROUTE}/complete")[0] == 200

    assert api.track(by_handle) == (400, {"code": "validation_error", "title": "Route already completed",
                                          "detail": "Route with the given ID is already completed"})


@pytest.mark.parametrize("method, path, message", [
    ("GET", "/orders/nope", "Order not found"),
    ("POST", "/orders/nope/complete", "Order not found"),
    ("POST", "/orders/nope/cancel", "Order not found"),
    ("GET", "/orders/routes/nope", "Route not found"),
    ("POST", "/orders/routes/nope/complete", "Route not found"),
    ("GET", "/workers/nope", "Worker not found"),
    ("DELETE", "/workers/nope", "Worker not found"),
    ("POST", "/workers/nope/undelete", "Worker not found"),
])
def test_unknown_handles_answer_404(api, method, path, message):
    assert api.call(method, path) == (404, {"detail": {}, "message": message})


def test_complete_and_cancel_check_type_and_type_index_when_given(api):
    track(api, "o-1")  # no type

    assert api.call("POST", "/orders/o-1/complete", query_string={"type": "drop"})[0] == 404
    assert api.call("POST", "/orders/o-1/complete", query_string={"type_index": 0})[0] == 200


@pytest.mark.parametrize("method, path, query, body, errors", [
    ("GET", "/orders/o-1", {"fulfillment_attempt": "first"}, None,
     {"query": {"fulfillment_attempt": ["Not a valid integer."]}}),
    ("POST", "/orders/o-1/complete", {"type": "deliver"}, None, {"query": {"type": ["Must be one of: pick, drop."]}}),
    ("POST", "/orders/o-1/complete", {}, {"signature": "x"}, {"json": {"signature": ["Unknown field."]}}),
    ("POST", "/orders/o-1/cancel", {}, {"metadata": "x"}, {"json": {"metadata": ["Not a valid mapping type."]}}),
    ("POST", "/orders/routes/r/complete", {}, {"force": True}, {"json": {"force": ["Unknown field."]}}),
    ("GET", "/orders/", {"status": "ongoing,lost"}, None, {"query": {"status": [
        "Unknown value(s) lost; must be among: completed, cancelled, rescheduled, disabled, ongoing, unplanned, "
        "assigned, planned, dispatched, summarizing."]}}),
    ("GET", "/orders/", {"limit": 0}, None, {"query": {"limit": [
        "Must be greater than or equal to 1 and less than or equal to 1000."]}}),
    ("GET", "/orders/", {"pagination_token": "garbage"}, None, {"query": {"pagination_token": [
        "Not a valid pagination token."]}}),
    ("GET", "/orders/routes/", {"status": "lost"}, None, {"query": {"status": [
        "Unknown value(s) lost; must be among: planned, assigned, tracking, completed, summarizing."]}}),
    ("POST", "/workers/", {}, {"name": "no handle"}, {"json": {"worker_handle": ["Missing data for required field."]}}),
    ("POST", "/workers/", {}, {"worker_handle": "w", "device_id": "not-a-uuid"}, {"json": {"device_id": ["Not a valid UUID."]}}),
    ("POST", "/workers/ops-groups/", {}, {"ops_group_handle": "X"}, {"json": {"ops_group_label": [
        "Missing data for required field."]}}),
])
def test_invalid_parameters_answer_422_naming_them(api, method, path, query, body, errors):
    track(api, "o-1")
    before = api.call("GET", "/orders/o-1")[1]

    assert api.call(method, path, body, query_string=query) == (422, {"detail": errors, "message": "Validation error"})
    assert api.call("GET", "/orders/o-1")[1] == before


def test_a_pagination_token_of_one_listing_is_refused_by_the_other(api):
    track(api, "o-1", "o-2")
    token = api.call("GET", "/orders/", query_string={"limit": 1})[1]["pagination_token"]

    status, body = api.call("GET", "/orders/routes/", query_string={"pagination_token": token})

    assert (status, body["detail"]) == (422, {"query": {"pagination_token": ["Not a valid pagination token."]}})


# --- listing -------------------------------------------------------------------------------------

def listed(api, path, key, **query):
    """A page and the token of the next: Get Orders says null on its last page, Get Routes (as
    HyperTrack's examples) leaves the token out."""
    status, body = api.call("GET", path, query_string=query)
    assert status == 200, body
    if key == "routes" and "pagination_token" not in body:
        return body[key], None
    return body[key], body["pagination_token"]


def test_orders_are_listed_with_filters(api):
    api.load_scenario({"ops_groups": [{"ops_group_handle": "NYC"}],
                       "workers": [{"worker_handle": "ana", "device_ids": ["A"]},
                                   {"worker_handle": "bo", "device_ids": ["B"]}]})
    first = api.track({"track_mode": "flex", "worker_handle": "ana", "orders": [order("a-1"), order("a-2")]})[1]
    api.track({"track_mode": "flex", "worker_handle": "bo", "ops_group_handle": "NYC", "orders": [order("b-1")]})
    api.call("POST", "/orders/a-2/cancel")

    def handles(**query):
        orders, token = listed(api, "/orders/", "orders", **query)
        assert token is None
        for item in orders:
            conformance.check_item("OrderResponse", item)
        return [o["order_handle"] for o in orders]

    assert handles() == ["a-1", "a-2", "b-1"]
    assert handles(status="ongoing") == ["a-1", "b-1"]
    assert handles(status="cancelled,completed") == ["a-2"]
    assert handles(worker_handle="bo") == ["b-1"]
    assert handles(route_handle=first["route_handle"]) == ["a-1", "a-2"]
    assert handles(ops_group_handle="NYC") == ["b-1"]
    assert handles(worker_handle="nobody") == []


def test_only_the_latest_attempt_of_an_order_is_listed(api):
    api.load_scenario(JUST_JAMES)
    track(api, "o-1")
    api.call("POST", "/orders/o-1/complete")
    track(api, "o-1")

    orders, _ = listed(api, "/orders/", "orders")

    assert [(o["order_handle"], o["fulfillment_attempt"], o["status"]) for o in orders] == [("o-1", 1, "ongoing")]


def test_routes_are_listed_with_filters_and_paged(api):
    api.load_scenario("route_planned")
    tracked = track(api, "o-1")["route_handle"]
    done = track(api, "o-2", route={"route_handle": "done"})["route_handle"]
    api.call("POST", f"/orders/routes/{done}/complete")

    routes, token = listed(api, "/orders/routes/", "routes", limit=2)
    rest, end = listed(api, "/orders/routes/", "routes", limit=2, pagination_token=token)

    assert [r["route_handle"] for r in routes + rest] == [ROUTE, tracked, done]
    assert end is None
    for route in routes + rest:
        conformance.check_item("RouteList", route)
    assert [r["route_handle"] for r in listed(api, "/orders/routes/", "routes", status="tracking,completed")[0]] == [
        tracked, done]
    assert [r["route_handle"] for r in listed(api, "/orders/routes/", "routes", status="planned")[0]] == [ROUTE]


def test_paging_never_skips_or_repeats_while_orders_are_added(live):
    headers = basic("pager")
    session = requests.Session()
    assert session.post(live + "/__mock/scenarios", json=JUST_JAMES, headers=headers, timeout=10).status_code == 200

    def add(handles, route):
        body = seed_request(orders=[order(h) for h in handles], route={"route_handle": route})
        response = session.post(live + "/orders/track", json=body, headers=headers, timeout=10)
        assert response.status_code == 201, response.text

    for n in range(10):
        add([f"early-{n}-a", f"early-{n}-b"], f"early-{n}")
    stop = threading.Event()
    added = []

    def writer():
        with requests.Session() as own:
            n = 0
            while not stop.is_set() and n < 200:
                body = seed_request(orders=[order(f"late-{n}")], route={"route_handle": f"late-{n}"})
                assert own.post(live + "/orders/track", json=body, headers=headers, timeout=10).status_code == 201
                added.append(f"late-{n}")
                n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    while len(added) < 5 and thread.is_alive():  # paging starts while the writer is under way
        threading.Event().wait(0.005)
    seen, token = [], None
    try:
        while True:
            query = {"limit": 3, **({"pagination_token": token} if token else {})}
            body = session.get(live + "/orders/", params=query, headers=headers, timeout=10).json()
            seen += [o["order_handle"] for o in body["orders"]]
            token = body["pagination_token"]
            if token is None:
                break
    finally:
        stop.set()
        thread.join()

    assert len(seen) == len(set(seen)), "an order was listed twice"
    early = [f"early-{n}-{s}" for n in range(10) for s in "ab"]
    assert seen[:20] == early, "orders that existed before paging began were skipped or reordered"
    assert len(seen) > 25, "the writer added nothing while paging: the test proved nothing"
    assert seen[20:] == added[:len(seen) - 20], "orders added while paging came out of order or with gaps"


# --- workers and ops groups ----------------------------------------------------------------------

def test_a_worker_is_created_linked_deleted_and_undeleted(api, backend):
    backend.tenant("acme").clock.freeze(FROZEN_AT)
    device = "5E6F7A8B-1C2D-4E3F-9A0B-C1D2E3F4A5B6"
    status, created = api.call("POST", "/workers/", {"worker_handle": "ana", "name": "Ana",
                                                     "device_id": device.lower(), "profile": {"team": "7"}})
    assert (status, created) == (201, {
        "worker_handle": "ana", "name": "Ana", "ops_group_handle": "default", "profile": {"team": "7"},
        "product_types": [], "unavailable_on": [], "schedule": None, "deleted": False,
        "created_at": T0, "deleted_at": None, "device_id": device,
        "work_status": {"tracking": False, "available": True}, "timezone": "UTC",
        "device_status": {"value": "inactive", "data": {"reason": "tracking_stopped"}}})
    body = {"track_mode": "on_time", "worker_handle": "ana", "orders": [order("o-1")]}
    assert api.track(body)[1]["device_id"] == device

    status, worker = api.call("GET", "/workers/ana")
    assert (status, worker["work_status"], worker["current_date"], worker["devices"], worker["device_status"]) == (
        200, {"tracking": True, "available": True}, "2023-11-01", [{"device_id": device, "start_time": T0}],
        {"value": "active", "data": {}})

    assert api.call("DELETE", "/workers/ana") == (204, None)
    assert api.track(dict(body, orders=[order("o-2")]))[1]["code"] == "driver_deleted"
    assert api.call("GET", "/workers/ana")[0] == 404
    status, deleted = api.call("GET", "/workers/ana", query_string={"include_deleted": "true"})
    assert (status, deleted["deleted"], deleted["deleted_at"]) == (200, True, T0)

    status, undeleted = api.call("POST", "/workers/ana/undelete")
    assert (status, undeleted["deleted"], undeleted["deleted_at"]) == (200, False, None)
    assert api.track(dict(body, orders=[order("o-2")]))[0] == 201


def test_deleting_a_worker_from_the_workers_api_gives_driver_deleted_on_track(api):
    assert api.call("DELETE", "/workers/james@ht.com")[0] == 204

    assert api.track(seed_request())[1]["code"] == "driver_deleted"


def test_a_worker_without_a_device_cannot_be_tracked_until_one_is_linked(api):
    api.call("POST", "/workers/", {"worker_handle": "new"})
    body = {"track_mode": "on_time", "worker_handle": "new", "orders": [order("o-1")]}
    assert api.track(body)[1]["code"] == "driver_not_linked_to_device"

    api.call("POST", "/workers/", {"worker_handle": "new", "device_id": "11111111-2222-4333-8444-555555555555"})

    assert api.track(body)[0] == 201


def test_ops_groups_are_created_and_required_by_workers_and_tracking(api):
    assert api.call("POST", "/workers/", {"worker_handle": "w", "ops_group_handle": "NYC"})[1]["code"] == (
        "ops_group_not_defined")
    status, group = api.call("POST", "/workers/ops-groups", {"ops_group_handle": "NYC", "ops_group_label": "New York",
                                                             "timezone": "America/New_York"})
    assert (status, group) == (200, {
        "route_capacity": 10, "route_max_distance": 20000, "ops_group_handle": "NYC",
        "ops_group_label": "New York", "route_start_location": "live_location",
        "route_completion_type": "end_at_last_order", "objective_fn": "minimise_time",
        "timezone": "America/New_York", "shift_availability_mode": "manual", "deleted": False})

    assert api.call("POST", "/workers/", {"worker_handle": "w", "ops_group_handle": "NYC"})[1]["timezone"] == (
        "America/New_York")
    assert api.track(seed_request(ops_group_handle="NYC"))[0] == 201


# --- tenants ---------------------------------------------------------------------------------------

def test_no_lifecycle_endpoint_shows_or_changes_another_tenants_state(client):
    acme, globex = Api(client, "acme"), Api(client, "globex")
    route = track(acme, "o-1")["route_handle"]
    acme.call("POST", "/workers/", {"worker_handle": "ana"})
    acme.call("POST", "/workers/ops-groups/", {"ops_group_handle": "NYC", "ops_group_label": "NYC"})

    assert globex.call("GET", "/orders/o-1")[0] == 404
    assert globex.call("POST", "/orders/o-1/complete")[0] == 404
    assert globex.call("POST", "/orders/o-1/cancel")[0] == 404
    assert globex.call("GET", f"/orders/routes/{route}")[0] == 404
    assert globex.call("POST", f"/orders/routes/{route}/complete")[0] == 404
    assert [o["order_handle"] for o in globex.call("GET", "/orders/")[1]["orders"]] == [
        "planned-order-1", "planned-order-2"]  # its own, from the startup scenario
    assert [r["route_handle"] for r in globex.call("GET", "/orders/routes/")[1]["routes"]] == [ROUTE]  # its own
    assert globex.call("GET", "/workers/ana")[0] == 404
    assert globex.call("DELETE", "/workers/ana")[0] == 404
    assert globex.track(seed_request(ops_group_handle="NYC"))[1]["code"] == "ops_group_not_defined"
    assert acme.call("GET", "/orders/o-1")[1]["status"] == "ongoing"


@pytest.mark.parametrize("method, path", [
    ("GET", "/orders/o-1"), ("POST", "/orders/o-1/complete"), ("POST", "/orders/o-1/cancel"), ("GET", "/orders/"),
    ("GET", "/orders/routes/r"), ("POST", "/orders/routes/r/complete"), ("GET", "/orders/routes/"),
    ("POST", "/workers/"), ("GET", "/workers/w"), ("DELETE", "/workers/w"), ("POST", "/workers/w/undelete"),
    ("POST", "/workers/ops-groups/"),
])
def test_every_lifecycle_endpoint_requires_credentials(client, method, path):
    response = client.open(path, method=method)
    assert (response.status_code, response.get_json()) == (401, {"detail": {}, "message": "Unauthorized"})


def test_the_frozen_clock_orders_timeline_events(api, backend):
    clock = backend.tenant("acme").clock
    clock.freeze(FROZEN_AT)
    track(api, "o-1")
    clock.advance(60)
    api.call("POST", "/orders/o-1/cancel")

    events = timeline(api, "o-1")

    assert [kind for kind, _ in events] == ["order_created", "order_assigned", "order_started",
                                            "order_cancelled"]
    stamps = [stamp for _, stamp in events]
    assert stamps == sorted(stamps) and stamps[-1] == "2023-11-01T22:48:53.512Z"
    assert (FROZEN_AT + timedelta(seconds=60)).strftime("%H:%M:%S") in stamps[-1]


# --- Get Workers ---------------------------------------------------------------------------------

def test_workers_are_listed_in_handle_order_and_paged(api):
    api.load_scenario({"ops_groups": [{"ops_group_handle": "NYC"}],
                       "workers": [{"worker_handle": handle, "name": handle.title(), "device_ids": [f"{handle}-PHONE"],
                                    **({"ops_group_handle": "NYC"} if handle == "cy" else {})}
                                   for handle in ("cy", "ana", "bo", "dee")]})
    api.call("DELETE", "/workers/dee")

    first, token = listed(api, "/workers/", "workers", limit=2)
    rest, end = listed(api, "/workers/", "workers", limit=2, pagination_token=token)

    assert [w["worker_handle"] for w in first + rest] == ["ana", "bo", "cy"] and end is None
    for worker in first + rest:
        conformance.check_item("Worker", worker)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first[0].pop("created_at"))
    assert first[0] == {"worker_handle": "ana", "name": "Ana", "ops_group_handle": "default", "profile": {},
                        "product_types": [], "unavailable_on": [], "schedule": None, "deleted": False,
                        "deleted_at": None, "device_id": "ana-PHONE",
                        "work_status": {"tracking": False, "available": True}, "timezone": "UTC",
                        "device_status": {"value": "inactive", "data": {"reason": "tracking_stopped"}}}
    assert [w["worker_handle"] for w in listed(api, "/workers/", "workers", ops_group_handle="NYC")[0]] == ["cy"]
    assert [w["worker_handle"] for w in listed(api, "/workers/", "workers", include_deleted="true")[0]] == [
        "ana", "bo", "cy", "dee"]
    assert [w["worker_handle"] for w in listed(api, "/workers/", "workers", device_id="bo-PHONE")[0]] == ["bo"]


def test_a_worker_created_meanwhile_is_not_repeated_by_the_next_page(api):
    api.load_scenario({"workers": [{"worker_handle": h} for h in ("a", "c", "e")]})
    first, token = listed(api, "/workers/", "workers", limit=2)
    api.call("POST", "/workers/", {"worker_handle": "b"})
    api.call("POST", "/workers/", {"worker_handle": "d"})

    rest, _ = listed(api, "/workers/", "workers", limit=10, pagination_token=token)

    assert [w["worker_handle"] for w in first] == ["a", "c"]
    assert [w["worker_handle"] for w in rest] == ["d", "e"]


@pytest.mark.parametrize("query, where", [({"limit": 0}, {"limit": ["Must be greater than or equal to 1 and less "
                                                                     "than or equal to 1000."]}),
                                          ({"pagination_token": "bad"}, {"pagination_token": [
                                              "Not a valid pagination token."]})])
def test_a_bad_workers_query_is_a_422(api, query, where):
    assert api.call("GET", "/workers/", query_string=query) == (
        422, {"detail": {"query": where}, "message": "Validation error"})


def test_a_home_given_by_its_address_is_geocoded_and_kept(api):
    status, worker = api.call("POST", "/workers/", {"worker_handle": "hal", "home": {"address": "1 Main St"}})

    assert status == 201 and worker["home"]["address"] == "1 Main St"
    assert worker["home"]["geometry"]["type"] == "Point" and len(worker["home"]["geometry"]["coordinates"]) == 2
    assert api.call("GET", "/workers/hal")[1]["home"] == worker["home"]


def test_an_ops_group_sent_with_nulls_answers_with_hyper_tracks_defaults(api):
    status, group = api.call("POST", "/workers/ops-groups/", {
        "ops_group_handle": "N", "ops_group_label": "North", "shift_availability_mode": None, "objective_fn": None,
        "route_capacity": None, "default_shift_start_time": None, "ops_group_home": None})

    assert (status, group) == (200, {
        "ops_group_handle": "N", "ops_group_label": "North", "route_start_location": "live_location",
        "route_completion_type": "end_at_last_order", "objective_fn": "minimise_time", "timezone": "UTC",
        "shift_availability_mode": "manual", "route_capacity": 10, "route_max_distance": 20000, "deleted": False})
