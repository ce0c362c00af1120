"""``POST /orders/track`` succeeding: both request forms and the whole 201 body."""
from __future__ import annotations

import re

import pytest
from conftest import SEED_REQUEST, seed_request

TIMESTAMP = "2023-11-01T22:47:53.512Z"  # conftest.FROZEN_AT as HyperTrack writes it
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SHARE_URL = re.compile(r"^https://trck\.at/[A-Za-z0-9]{10}$")
EMBED_URL = re.compile(r"^https://embed\.hypertrack\.com/routes/(?P<route>[^?]+)\?publishable_key=[A-Za-z0-9_-]{86}$")
JAMES_DEVICE = "FFA58DDB-5CA0-4CD5-8BDE-E4EC7E077E3D"


def expected_order(handle, order_type, address, route_handle, **changes):
    order = {
        "order_handle": handle,
        "fulfillment_attempt": 0,
        "status": "ongoing",
        "destination": {"geometry": {"type": "Point", "coordinates": [17.803927, 34.832173]},
                        "address": address, "radius": 100},
        "track_mode": "on_time",
        "scheduled_at": "2023-11-02T02:00:00.000Z",
        "started_at": TIMESTAMP,
        "type": order_type,
        "type_index": 0,
        "expected_service_time": 0,
        "capacity_used": 1,
        "share_url": "<generated>",
        "device_id": JAMES_DEVICE,
        "worker_handle": "james@ht.com",
        "ops_group_handle": "SAN_JOSE_WH",
        "created_at": TIMESTAMP,
        "assigned_at": TIMESTAMP,
        "route_handle": route_handle,
        "planned_at": TIMESTAMP,
    }
    order.update(changes)
    return order


def without_generated(body):
    """Check the generated values' shapes, then blank them so the rest compares exactly."""
    match = EMBED_URL.match(body["embed_url"])
    assert match and match["route"] == body["route_handle"], body["embed_url"]
    body = dict(body, embed_url="<generated>")
    orders = []
    for order in body["orders"]:
        assert SHARE_URL.match(order["share_url"]), order["share_url"]
        orders.append(dict(order, share_url="<generated>"))
    return dict(body, orders=orders)


def test_seed_request_answers_the_whole_201_body(api, frozen):
    status, body = api.track(SEED_REQUEST)

    assert status == 201
    assert UUID.match(body["route_handle"])
    route_handle = body["route_handle"]
    assert without_generated(body) == {
        "route_handle": route_handle,
        "status": "tracking",
        "version": 1,
        "embed_url": "<generated>",
        "orders": [
            expected_order("order-1", "pick", "1709 Automation Pkwy, San Jose, CA 95101", route_handle),
            expected_order("order-2", "drop", "748 Story Rd, San Jose, CA 95112", route_handle),
        ],
        "started_at": TIMESTAMP,
        "assigned_at": TIMESTAMP,
        "created_at": TIMESTAMP,
        "device_id": JAMES_DEVICE,
        "worker_handle": "james@ht.com",
        "planned_at": TIMESTAMP,
        "track_mode": "on_time",
        "ops_group_handle": "SAN_JOSE_WH",
        "device_switch_mode": "login",
    }
    assert body["orders"][0]["share_url"] != body["orders"][1]["share_url"]


def test_route_handle_and_metadata_from_the_request_are_kept(api, frozen):
    status, body = api.track(seed_request(route={"route_handle": "route-42", "metadata": {"shift": "am"}}))

    assert status == 201
    assert body["route_handle"] == "route-42"
    assert body["metadata"] == {"shift": "am"}
    assert [o["route_handle"] for o in body["orders"]] == ["route-42", "route-42"]
    assert body["embed_url"].startswith("https://embed.hypertrack.com/routes/route-42?publishable_key=")


def test_defaults_fill_what_the_order_leaves_out(api, frozen):
    status, body = api.track({
        "track_mode": "flex", "worker_handle": "james@ht.com",
        "orders": [{"order_handle": "bare", "destination": {"geometry": {"coordinates": [-121.9, 37.3]}}}],
    })

    assert status == 201
    assert body["ops_group_handle"] == "default"
    assert without_generated(body)["orders"] == [{
        "order_handle": "bare", "fulfillment_attempt": 0, "status": "ongoing",
        "destination": {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}, "address": None,
                        "radius": 100},
        "track_mode": "flex", "scheduled_at": None, "started_at": TIMESTAMP,
        "type_index": 0, "expected_service_time": 0, "capacity_used": 1, "share_url": "<generated>",
        "device_id": JAMES_DEVICE, "worker_handle": "james@ht.com", "ops_group_handle": "default",
        "created_at": TIMESTAMP, "assigned_at": TIMESTAMP, "route_handle": body["route_handle"],
        "planned_at": TIMESTAMP,
    }]


def test_optional_order_fields_are_echoed(api):
    order = {"order_handle": "rich", "type": "drop", "priority": "high", "capacity_used": 3,
             "type_index": 2, "expected_service_time": 300, "metadata": {"customer": {"tier": "gold"}},
             "product_type": ["fragile"], "scheduled_after": "2023-11-02T01:00:00+02:00",
             "destination": {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}, "radius": 25}}
    status, body = api.track({"track_mode": "on_time", "worker_handle": "james@ht.com", "orders": [order]})

    assert status == 201
    tracked = body["orders"][0]
    assert {k: tracked[k] for k in ("priority", "capacity_used", "type_index", "expected_service_time",
                                    "metadata", "product_type", "scheduled_after")} == {
        "priority": "high", "capacity_used": 3, "type_index": 2, "expected_service_time": 300,
        "metadata": {"customer": {"tier": "gold"}}, "product_type": ["fragile"],
        "scheduled_after": "2023-11-01T23:00:00.000Z"}
    assert tracked["destination"]["radius"] == 25


def test_order_fields_hypertrack_does_not_answer_with_are_kept_in_the_state_but_not_echoed(api):
    kept = {"tasks_list": {"tasks": [{"label": "scan the parcel"}]}, "facility_name": "dock 4", "workflow_ids": ["w-1"]}
    order = {"order_handle": "kept", "destination": {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}},
             **kept}

    status, body = api.track({"track_mode": "on_time", "worker_handle": "james@ht.com", "orders": [order]})

    assert status == 201
    assert not set(kept) & set(body["orders"][0])
    assert not set(kept) & set(api.call("GET", "/orders/kept")[1])
    [route] = [r for r in api.call("GET", "/__mock/state")[1]["routes"] if r["route_handle"] == body["route_handle"]]
    assert {k: route["orders"][0][k] for k in kept} == kept


@pytest.mark.parametrize("destination, expected", [
    ({"place_handle": "store-1"},
     {"geometry": {"type": "Point", "coordinates": [-121.8863, 37.3382]},
      "address": "1709 Automation Pkwy, San Jose, CA 95101", "radius": 50, "place_handle": "store-1"}),
    ({"geofence_id": "geofence-1", "address": "Dock 4"},
     {"geometry": {"type": "Polygon", "coordinates": [[[-121.89, 37.33], [-121.88, 37.33], [-121.88, 37.34],
                                                      [-121.89, 37.34], [-121.89, 37.33]]]},
      "address": "Dock 4", "geofence_id": "geofence-1"}),
    ({"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
     {"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "address": None}),
], ids=["place_handle", "geofence_id", "polygon"])
def test_each_destination_variant_answers_with_its_geometry(api, destination, expected):
    status, body = api.track({"track_mode": "on_time", "worker_handle": "james@ht.com",
                              "orders": [{"order_handle": "o", "destination": destination}]})

    assert status == 201, body
    assert body["orders"][0]["destination"] == expected


def test_device_id_form_tracks_on_that_device_and_its_worker(api):
    status, body = api.track(seed_request(worker_handle=None, device_id=JAMES_DEVICE))

    assert status == 201
    assert (body["device_id"], body["worker_handle"]) == (JAMES_DEVICE, "james@ht.com")


def test_deprecated_driver_handle_is_an_alias_of_worker_handle(api):
    body = seed_request(driver_handle="maria@ht.com")
    del body["worker_handle"]
    status, body = api.track(body)

    assert status == 201
    assert body["worker_handle"] == "maria@ht.com"
    assert body["device_id"] == "0B0BC5A3-7B9E-4C5D-9E6A-3C2B1A0F9E8D"


def test_planned_route_is_tracked_by_its_handle(api, frozen):
    status, body = api.track({"track_mode": "flex", "route_handle": "7ac07153-5590-46c5-9ada-a6ca84f5b48f",
                              "device_id": JAMES_DEVICE, "orders": SEED_REQUEST["orders"]})  # ignored in this form

    assert status == 201
    assert (body["route_handle"], body["status"], body["track_mode"], body["device_id"]) == (
        "7ac07153-5590-46c5-9ada-a6ca84f5b48f", "tracking", "flex", JAMES_DEVICE)
    assert [(o["order_handle"], o["status"], o["track_mode"], o["started_at"]) for o in body["orders"]] == [
        ("planned-order-1", "ongoing", "flex", TIMESTAMP), ("planned-order-2", "ongoing", "flex", TIMESTAMP)]
    # Once tracking, the same request is refused: the state really changed.
    status, body = api.track({"track_mode": "flex", "route_handle": "7ac07153-5590-46c5-9ada-a6ca84f5b48f"})
    assert (status, body["title"]) == (400, "Route already tracking")


def test_planned_route_without_device_id_uses_its_workers_device(api):
    status, body = api.track({"track_mode": "on_time", "route_handle": "7ac07153-5590-46c5-9ada-a6ca84f5b48f"})

    assert status == 201
    assert body["device_id"] == JAMES_DEVICE


def test_a_finished_orders_handle_can_be_tracked_again_as_a_new_attempt(api):
    api.load_scenario("duplicate_route")  # holds old-order-1, completed

    status, body = api.track(seed_request(orders=[{
        "order_handle": "old-order-1", "destination": {"geometry": {"coordinates": [-121.9, 37.3]}}}]))

    assert status == 201
    assert (body["orders"][0]["status"], body["orders"][0]["fulfillment_attempt"]) == ("ongoing", 1)


def test_timestamps_are_utc_with_milliseconds(api):
    status, body = api.track(SEED_REQUEST)

    assert status == 201
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
    for key in ("created_at", "planned_at", "assigned_at", "started_at"):
        assert stamp.match(body[key]), (key, body[key])
        assert stamp.match(body["orders"][0][key]), (key, body["orders"][0][key])
