"""Schema validation (CONTRACT §3 step 2): 422 with APIFlask's body, nested fields nested, items by index."""
from __future__ import annotations

import copy

import pytest
from conftest import SEED_REQUEST, seed_request

MISSING = ["Missing data for required field."]
UNKNOWN = ["Unknown field."]
POINT = {"geometry": {"type": "Point", "coordinates": [1.0, 2.0]}}


def with_order(**changes):
    """The seed request whose first order has ``changes`` (a value of ``...`` deletes the key)."""
    body = copy.deepcopy(SEED_REQUEST)
    for key, value in changes.items():
        if value is ...:
            del body["orders"][0][key]
        else:
            body["orders"][0][key] = value
    return body


def _deep(levels):
    node = leaf = {}
    for _ in range(levels):
        leaf["x"] = {}
        leaf = leaf["x"]
    return node


def first_order(errors):
    return {"orders": {"0": errors}}


CASES = [
    ("track_mode missing", {k: v for k, v in SEED_REQUEST.items() if k != "track_mode"},
     {"track_mode": MISSING}),
    ("track_mode unknown", seed_request(track_mode="always"),
     {"track_mode": ["Must be one of: full_shift, pre_shift, on_shift, on_time, flex."]}),
    ("unknown top-level field", seed_request(colour="red"), {"colour": UNKNOWN}),
    ("worker_handle not a string", seed_request(worker_handle=42), {"worker_handle": ["Not a valid string."]}),
    ("orders not a list", seed_request(orders={"order_handle": "x"}), {"orders": ["Not a valid list."]}),
    ("device_switch_mode unknown", seed_request(device_switch_mode="never"),
     {"device_switch_mode": ["Must be one of: manual, login, closest_to_destination."]}),
    ("agent_mode unknown", seed_request(agent_mode="on"),
     {"agent_mode": ["Must be one of: standalone, tracked, off."]}),
    ("version a boolean", seed_request(version=True), {"version": ["Not a valid integer."]}),
    ("route unknown field", seed_request(route={"handle": "r"}), {"route": {"handle": UNKNOWN}}),
    ("route_handle empty", seed_request(route={"route_handle": ""}),
     {"route": {"route_handle": ["Shorter than minimum length 1."]}}),
    ("order_handle missing", with_order(order_handle=...), first_order({"order_handle": MISSING})),
    ("order_handle empty", with_order(order_handle=""),
     first_order({"order_handle": ["Shorter than minimum length 1."]})),
    ("order type unknown", with_order(type="deliver"), first_order({"type": ["Must be one of: pick, drop."]})),
    ("priority unknown", with_order(priority="urgent"),
     first_order({"priority": ["Must be one of: low, medium, high."]})),
    ("capacity_used a string", with_order(capacity_used="3"), first_order({"capacity_used": ["Not a valid integer."]})),
    ("type_index a float", with_order(type_index=1.5), first_order({"type_index": ["Not a valid integer."]})),
    ("scheduled_at not a date", with_order(scheduled_at="tomorrow"),
     first_order({"scheduled_at": ["Not a valid datetime."]})),
    ("unknown order field", with_order(colour="red"), first_order({"colour": UNKNOWN})),
    ("destination missing", with_order(destination=...), first_order({"destination": MISSING})),
    ("destination not an object", with_order(destination="here"),
     first_order({"destination": ["Invalid input type."]})),
    ("destination with no variant", with_order(destination={"address": "somewhere"}),
     first_order({"destination": [
         "A destination needs one of: geometry (Point or Polygon), geofence_id, place_handle."]})),
    ("geometry type unknown", with_order(destination={"geometry": {"type": "LineString", "coordinates": []}}),
     first_order({"destination": {"geometry": {"type": ["Must be one of: Point, Polygon."]}}})),
    ("point coordinates missing", with_order(destination={"geometry": {"type": "Point"}}),
     first_order({"destination": {"geometry": {"coordinates": MISSING}}})),
    ("point with one number", with_order(destination={"geometry": {"coordinates": [1.0]}}),
     first_order({"destination": {"geometry": {"coordinates": [
         "A position has 2 or 3 numbers: [longitude, latitude(, altitude)]."]}}})),
    ("point coordinates strings", with_order(destination={"geometry": {"coordinates": ["1", "2"]}}),
     first_order({"destination": {"geometry": {"coordinates": {"0": ["Not a valid number."],
                                                               "1": ["Not a valid number."]}}}})),
    ("latitude out of range", with_order(destination={"geometry": {"coordinates": [10, 95]}}),
     first_order({"destination": {"geometry": {"coordinates": ["Latitude must be between -90 and 90."]}}})),
    ("radius a string", with_order(destination=dict(POINT, radius="100")),
     first_order({"destination": {"radius": ["Not a valid integer."]}})),
    ("radius on a polygon", with_order(destination={"geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "radius": 5}),
     first_order({"destination": {"radius": UNKNOWN}})),
    ("polygon ring open", with_order(destination={"geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}}),
     first_order({"destination": {"geometry": {"coordinates": {"0": [
         "A polygon ring must end where it starts."]}}}})),
    ("polygon without type", with_order(destination={"geometry": {"coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}),
     first_order({"destination": {"geometry": {"coordinates": {"0": ["Not a valid number."]}}}})),
    ("place_handle empty", with_order(destination={"place_handle": ""}),
     first_order({"destination": {"place_handle": ["Shorter than minimum length 1."]}})),
    ("geofence destination with radius", with_order(destination={"geofence_id": "g", "radius": 10}),
     first_order({"destination": {"radius": UNKNOWN}})),
    ("metadata not an object", with_order(metadata=["a"]), first_order({"metadata": ["Not a valid mapping type."]})),
    ("metadata nested too deep", with_order(metadata=_deep(40)),
     first_order({"metadata": ["Nested deeper than 32 levels."]})),
    ("second order broken", seed_request(orders=[SEED_REQUEST["orders"][0], {"order_handle": "x"}]),
     {"orders": {"1": {"destination": MISSING}}}),
    ("task without label", with_order(tasks_list={"tasks": [{"priority": "low"}]}),
     first_order({"tasks_list": {"tasks": {"0": {"label": MISSING}}}})),
    ("timesheet type unknown", with_order(timesheets=[{"type": "robot"}]),
     first_order({"timesheets": {"0": {"type": ["Must be one of: system, worker, requester, reconciled."]}}})),
    ("messages keep the 'from' key", with_order(messages=[{"from": 5}]),
     first_order({"messages": {"0": {"from": ["Not a valid string."]}}})),
]




@pytest.mark.parametrize("body, errors", [pytest.param(body, errors, id=name) for name, body, errors in CASES])
def test_invalid_bodies_answer_422_naming_the_field(api, body, errors):
    assert api.track(body) == (422, {"detail": {"json": errors}, "message": "Validation error"})


def test_validation_comes_after_auth(client):
    response = client.post("/orders/track", json={"track_mode": "never"})

    assert (response.status_code, response.get_json()) == (401, {"detail": {}, "message": "Unauthorized"})


def test_every_problem_is_reported_at_once(api):
    status, body = api.track({"track_mode": "x", "orders": [{"order_handle": ""}], "extra": 1})

    assert status == 422
    assert body["detail"]["json"] == {
        "track_mode": ["Must be one of: full_shift, pre_shift, on_shift, on_time, flex."],
        "orders": {"0": {"order_handle": ["Shorter than minimum length 1."], "destination": MISSING}},
        "extra": UNKNOWN,
    }


def test_nulls_are_accepted_where_the_spec_says_nullable(api):
    body = seed_request(route=None, device_id=None, version=None, agent_mode=None, device_switch_mode=None)
    body["orders"][0].update(type=None, priority=None, metadata=None, scheduled_at=None)

    status, _ = api.track(body)

    assert status == 201
