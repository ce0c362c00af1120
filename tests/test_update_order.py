"""``PATCH /orders/{order_handle}`` (Update Order): the fields sent replace the order's, and the change
shows in Get Order and in the order's route.  Every answer is also checked against HyperTrack's spec
(``PatchOrderResponse``) by the test client."""
from __future__ import annotations

import pytest
from conftest import FROZEN_AT, seed_request

T0 = "2023-11-01T22:47:53.512Z"
POINT = {"type": "Point", "coordinates": [-121.8970798, 37.3838274]}


def order(handle, **extra):
    return {"order_handle": handle, "destination": {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}},
            **extra}


@pytest.fixture
def tracked(api, backend):
    """Two ongoing orders, o-1 and o-2, on one tracking route; the clock frozen at T0."""
    backend.tenant("acme").clock.freeze(FROZEN_AT)
    status, route = api.track(seed_request(orders=[order("o-1", metadata={"a": 1}), order("o-2")]))
    assert status == 201, route
    return route


def test_an_ongoing_order_is_updated_and_the_change_shows_everywhere(api, tracked):
    status, updated = api.call("PATCH", "/orders/o-1", {
        "metadata": {"customerId": "1442", "name": "Jordan"}, "scheduled_after": "2023-10-31T02:00:00Z",
        "scheduled_at": "2023-10-31T04:00:00+00:00", "expected_service_time": 300, "product_type": ["frozen"]})

    changed = {"metadata": {"customerId": "1442", "name": "Jordan"}, "scheduled_after": "2023-10-31T02:00:00.000Z",
               "scheduled_at": "2023-10-31T04:00:00.000Z", "expected_service_time": 300, "product_type": ["frozen"]}
    assert status == 200
    assert {key: updated[key] for key in changed} == changed
    assert "timeline" not in updated and updated["status"] == "ongoing"
    status, read = api.call("GET", "/orders/o-1")
    assert {key: read[key] for key in changed} == changed
    status, route = api.call("GET", f"/orders/routes/{tracked['route_handle']}")
    assert {key: route["orders"][0][key] for key in changed} == changed
    listed = api.call("GET", "/orders/", query_string={"route_handle": tracked["route_handle"]})[1]["orders"]
    assert {key: listed[0][key] for key in changed} == changed


def test_the_answer_is_the_order_as_get_order_shows_it_without_the_timeline(api, tracked):
    status, updated = api.call("PATCH", "/orders/o-2", {"metadata": {"gate": "4"}})

    status, read = api.call("GET", "/orders/o-2")
    del read["timeline"]
    assert (status, updated) == (200, read)


def test_the_destination_of_an_order_being_tracked_cannot_change(api, tracked):
    before = api.call("GET", "/orders/o-1")[1]

    status, refused = api.call("PATCH", "/orders/o-1", {"metadata": {"b": 2}, "destination": {"geometry": POINT}})

    assert (status, refused) == (422, {"detail": {"json": {"destination": [
        "The destination can only be updated before tracking is started for an order."]}},
        "message": "Validation error"})
    assert api.call("GET", "/orders/o-1")[1] == before  # nothing changed, not even the metadata


def test_the_destination_of_a_planned_order_changes_in_the_order_and_its_route(api, backend):
    backend.tenant("acme").clock.freeze(FROZEN_AT)
    route = api.call("POST", "/orders/", {"plan_mode": "manual", "worker_handle": "james@ht.com", "orders": [
        dict(order("p-1"), scheduled_at="2023-11-02T02:00:00Z")]})[1]

    status, updated = api.call("PATCH", "/orders/p-1", {
        "destination": {"address": "1710 Old Oakland Rd, San Jose, CA 95131", "geometry": POINT}})

    moved = {"geometry": POINT, "address": "1710 Old Oakland Rd, San Jose, CA 95131", "radius": 100}
    assert (status, updated["destination"]) == (200, moved)
    assert api.call("GET", f"/orders/routes/{route['route_handle']}")[1]["orders"][0]["destination"] == moved


def test_attachments_are_kept_and_shown_by_the_orders_own_answers(api, tracked):
    attachments = [{"type": "image", "url": "https://example.com/a.png", "caption": None},
                   {"type": "note", "data": "left at the door"}, {"type": "signature", "url": "https://example.com/s"}]

    status, updated = api.call("PATCH", "/orders/o-1", {"attachments": attachments})

    assert (status, updated["attachments"]) == (200, attachments)
    assert api.call("GET", "/orders/o-1")[1]["attachments"] == attachments
    assert api.call("POST", "/orders/o-1/complete")[1]["attachments"] == attachments
    route = api.call("GET", f"/orders/routes/{tracked['route_handle']}")[1]
    assert "attachments" not in route["orders"][0]  # HyperTrack's route orders have no such field


def test_an_earlier_attempt_is_chosen_by_fulfillment_attempt(api, tracked):
    api.call("POST", "/orders/o-1/complete")
    assert api.track(seed_request(orders=[order("o-1")]))[0] == 201

    status, updated = api.call("PATCH", "/orders/o-1", {"metadata": {"late": True}},
                               query_string={"fulfillment_attempt": 0})

    assert (status, updated["fulfillment_attempt"], updated["metadata"]) == (200, 0, {"late": True})
    latest = api.call("GET", "/orders/o-1")[1]
    assert (latest["fulfillment_attempt"], "metadata" in latest) == (1, False)


@pytest.mark.parametrize("path, query", [("/orders/nope", {}), ("/orders/o-1", {"fulfillment_attempt": 3}),
                                          ("/orders/o-1", {"type": "pick"})])
def test_an_unknown_order_is_a_404(api, tracked, path, query):
    assert api.call("PATCH", path, {"metadata": {}}, query_string=query) == (
        404, {"detail": {}, "message": "Order not found"})


def test_another_tenants_order_is_not_found(api, tracked, client):
    from conftest import Api

    other = Api(client, "globex", "secret")

    assert other.call("PATCH", "/orders/o-1", {"metadata": {"x": 1}})[0] == 404
    assert api.call("GET", "/orders/o-1")[1]["metadata"] == {"a": 1}


@pytest.mark.parametrize("body, where", [
    ({"expected_service_time": "long"}, {"expected_service_time": ["Not a valid integer."]}),
    ({"type": "deliver"}, {"type": ["Must be one of: pick, drop."]}),
    ({"attachments": [{"type": "video", "url": "x"}]}, {"attachments": {"0": {"type": [
        "Must be one of: image, note, signature."]}}}),
    ({"attachments": [{"type": "note"}]}, {"attachments": {"0": {"data": ["Missing data for required field."]}}}),
    ({"scheduled_at": "tomorrow"}, {"scheduled_at": ["Not a valid datetime."]}),
    ({"colour": "red"}, {"colour": ["Unknown field."]}),
    ({"ops_group_handle": "NOPE"}, {"ops_group_handle": ["No ops group with the handle NOPE."]}),
], ids=["a string for a number", "an unknown type", "an unknown attachment", "a note without data", "a bad time",
        "an unknown field", "an unknown ops group"])
def test_a_bad_update_is_a_422_naming_the_field_and_changes_nothing(api, tracked, body, where):
    before = api.call("GET", "/orders/o-1")[1]

    assert api.call("PATCH", "/orders/o-1", body) == (422, {"detail": {"json": where}, "message": "Validation error"})
    assert api.call("GET", "/orders/o-1")[1] == before


def test_updates_are_journaled_and_can_be_faulted(api, tracked, client):
    fault = client.post("/__mock/faults", json={"method": "PATCH", "path": "/orders/*", "status": 503, "times": 1},
                        headers=api.headers)
    assert fault.status_code == 201

    assert api.call("PATCH", "/orders/o-1", {"metadata": {"x": 1}})[0] == 503
    assert api.call("PATCH", "/orders/o-1", {"metadata": {"x": 1}})[0] == 200
    journal = client.get("/__mock/requests", query_string={"method": "PATCH"}, headers=api.headers).get_json()
    assert [(entry["path"], entry["status"], entry["body"]) for entry in journal["requests"]] == [
        ("/orders/o-1", 503, {"metadata": {"x": 1}}), ("/orders/o-1", 200, {"metadata": {"x": 1}})]
