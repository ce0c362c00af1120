"""Every row of the CONTRACT §3 error catalogue, reached through the shipped scenarios, with exact bodies."""
from __future__ import annotations

import pytest
from conftest import SHIPPED, scenario_examples, seed_request

MALFORMED = {"code": "validation_error", "title": "Order request is malformed",
             "detail": "The request does not have the correct format. Please review the invalid parameters"}


@pytest.mark.parametrize("scenario, example", scenario_examples())
def test_each_shipped_scenario_gives_the_answer_it_documents(api, scenario, example):
    api.load_scenario(scenario)

    status, body = api.track(example["request"])

    assert status == example["status"], body
    if "body" in example:
        assert body == example["body"]


def test_every_error_scenario_is_named_for_an_error_it_gives():
    """Each shipped scenario but default and large documents at least one example."""
    for name in SHIPPED.names():
        if name != "large":
            assert SHIPPED.get(name)["examples"], name


@pytest.mark.parametrize("body", [
    {"track_mode": "on_time"},
    {"track_mode": "on_time", "orders": []},
    {"track_mode": "on_time", "orders": None, "route_handle": None, "worker_handle": "james@ht.com"},
    {"track_mode": "on_time", "orders": seed_request()["orders"], "worker_handle": ""},
], ids=["nothing", "empty orders", "nulls", "empty worker_handle"])
def test_prose_rules_answer_400_malformed(api, body):
    assert api.track(body) == (400, MALFORMED)


def test_ops_group_is_checked_before_the_worker(api):
    status, body = api.track(seed_request(ops_group_handle="NOWHERE", worker_handle="nobody"))

    assert (status, body["code"]) == (400, "ops_group_not_defined")
    assert body["detail"] == {"description": "Ops Group NOWHERE does not exist"}


def test_unknown_worker_is_checked_before_an_unknown_device(api):
    status, body = api.track(seed_request(worker_handle="nobody", device_id="NO-DEVICE"))

    assert (status, body["code"]) == (404, "driver_not_found")


def test_a_deleted_worker_is_refused_even_with_a_device_id(api):
    api.load_scenario("worker_deleted")

    status, body = api.track(seed_request(device_id="FFA58DDB-5CA0-4CD5-8BDE-E4EC7E077E3D"))

    assert (status, body["code"]) == (404, "driver_deleted")


def test_unlinked_worker_can_track_on_an_explicit_device(api):
    api.load_scenario({"workers": [{"worker_handle": "w", "device_ids": []}],
                       "devices": [{"device_id": "SPARE-DEVICE"}]})

    assert api.track({"track_mode": "on_time", "worker_handle": "w", "orders": seed_request()["orders"]})[0] == 400
    status, body = api.track({"track_mode": "on_time", "worker_handle": "w", "device_id": "SPARE-DEVICE",
                              "orders": seed_request()["orders"]})
    assert (status, body["device_id"], body["worker_handle"]) == (201, "SPARE-DEVICE", "w")


def test_places_are_checked_before_geofences_across_all_orders(api):
    orders = [{"order_handle": "a", "destination": {"geofence_id": "no-geofence"}},
              {"order_handle": "b", "destination": {"place_handle": "no-place"}}]

    status, body = api.track(seed_request(orders=orders))

    assert (status, body["code"]) == (400, "destination_place_not_found")
    assert body["detail"] == {"description": "Place not defined for place handle no-place in order "
                                             "destination for order b"}


def test_duplicate_route_is_checked_before_duplicate_orders(api):
    api.load_scenario("order_in_progress")
    api.track(seed_request(route={"route_handle": "taken"}, orders=[
        {"order_handle": "x", "destination": {"geometry": {"coordinates": [1, 2]}}}]))

    status, body = api.track(seed_request(route={"route_handle": "taken"}))  # order-1 also in progress

    assert (status, body["title"]) == (409, "Duplicate route found with this ID")


def test_an_order_handle_repeated_inside_one_request_is_a_duplicate(api):
    orders = seed_request()["orders"]
    orders[1]["order_handle"] = orders[0]["order_handle"]

    status, body = api.track(seed_request(orders=orders))

    assert (status, body["title"]) == (409, "Duplicate order handle found")


def test_planned_route_with_unknown_device_answers_device_not_found(api):
    status, body = api.track({"track_mode": "on_time", "route_handle": "7ac07153-5590-46c5-9ada-a6ca84f5b48f",
                              "device_id": "NO-DEVICE"})

    assert (status, body) == (404, {"code": "device_not_found", "title": "Device could not be found",
                                    "detail": None})


def test_failed_requests_change_no_state(api, client):
    api.load_scenario("order_in_progress")
    refused = seed_request(route={"route_handle": "fresh-route"}, orders=[
        {"order_handle": "fresh-order", "destination": {"geometry": {"coordinates": [1, 2]}}},
        {"order_handle": "order-1", "destination": {"geometry": {"coordinates": [1, 2]}}},  # in progress
    ])

    assert api.track(refused)[0] == 409
    status, body = api.track(seed_request(route={"route_handle": "fresh-route"}, orders=refused["orders"][:1]))
    assert (status, body["route_handle"], body["orders"][0]["fulfillment_attempt"]) == (201, "fresh-route", 0)
