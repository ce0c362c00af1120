"""The conformance checks catch drift: a renamed field, a dropped enum value, a reshaped error body."""
from __future__ import annotations

import copy

import conformance
import pytest
from conftest import SEED_REQUEST, seed_request

from contract.reference import reference

# --- responses -------------------------------------------------------------------------------------


@pytest.fixture
def tracked(api):
    status, body = api.track(SEED_REQUEST)
    assert status == 201
    return body


def renamed(body, old, new):
    body = copy.deepcopy(body)
    body[new] = body.pop(old)
    return body


@pytest.mark.parametrize("mutate, message", [
    (lambda b: renamed(b, "embed_url", "embedUrl"), "'embedUrl' was unexpected"),
    (lambda b: {**b, "orders": [renamed(b["orders"][0], "share_url", "tracking_url")]}, "'tracking_url' was unexpected"),
    (lambda b: {k: v for k, v in b.items() if k != "route_handle"}, "'route_handle' is a required property"),
    (lambda b: {**b, "status": "in_progress"}, "'in_progress' is not one of"),
    (lambda b: {**b, "orders": [{**b["orders"][0], "type": "delivery"}]}, "'delivery' is not one of"),
    (lambda b: {**b, "version": "1"}, "'1' is not of type 'integer'"),
], ids=["route field renamed", "order field renamed", "required field dropped", "route status not in enum",
        "order type not in enum", "type changed"])
def test_a_mutated_201_is_caught(tracked, mutate, message):
    conformance.check("POST", "/orders/track", 201, tracked)  # the real answer conforms

    with pytest.raises(conformance.NotConformant, match=message):
        conformance.check("POST", "/orders/track", 201, mutate(tracked))


@pytest.mark.parametrize("status, body, message", [
    (404, {"error": "driver_not_found", "title": "Worker Not Found", "detail": None}, "'error' was unexpected"),
    (409, {"code": "duplicate_resource", "title": "Duplicate order handle found", "detail": 7}, "detail"),
    (401, {"message": "Unauthorized", "details": {}}, "'details' was unexpected"),
    (422, {"detail": {"json": "track_mode"}, "message": "Validation error"}, "detail"),
    (418, {"detail": {}, "message": "I'm a teapot"}, "does not document"),
], ids=["error reshaped", "detail of the wrong type", "401 reshaped", "422 reshaped", "undocumented status"])
def test_a_reshaped_error_is_caught(status, body, message):
    with pytest.raises(conformance.NotConformant, match=message):
        conformance.check("POST", "/orders/track", status, body)


def test_the_real_error_bodies_conform(api):
    api.load_scenario("worker_not_linked")
    for body in (SEED_REQUEST, {"track_mode": "x"}, {"track_mode": "on_time", "route_handle": "nope"}):
        status, answer = api.track(body)  # the client checks each answer; this shows they were errors
        assert status in (400, 404, 422)


# --- requests: a table derived from the reference's own constraints ---------------------------------

def _resolve(schema):
    while "$ref" in schema:
        schema = reference()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0])
    return schema


WRONG_TYPE = {"string": 12345, "integer": "12", "number": "1.5", "array": {"not": "a list"},
              "object": ["not", "an", "object"], "boolean": "yes"}


def _cases(schema, base, at):
    """(case id, body, field path) for each constraint of ``schema`` that a body can break."""
    schema = _resolve(schema)
    properties, required = schema.get("properties", {}), schema.get("required", [])
    for name in required:
        yield f"{at}{name} missing", {k: v for k, v in base.items() if k != name}, (*at_path(at), name)
    for name, prop in properties.items():
        prop = _resolve(prop) if "$ref" in prop or "allOf" in prop else prop
        if "enum" in prop:
            yield f"{at}{name} outside its enum", {**base, name: "not-in-the-enum"}, (*at_path(at), name)
        if prop.get("type") in WRONG_TYPE:
            yield f"{at}{name} of the wrong type", {**base, name: WRONG_TYPE[prop["type"]]}, (*at_path(at), name)
        if prop.get("minLength"):
            yield f"{at}{name} too short", {**base, name: ""}, (*at_path(at), name)
    yield f"{at}an unknown field", {**base, "not_a_field": 1}, (*at_path(at), "not_a_field")


def at_path(at):
    return tuple(part for part in at.rstrip(".").split(".") if part)


def _track_cases():
    request = reference()["components"]["schemas"]
    order = SEED_REQUEST["orders"][0]
    point = order["destination"]
    yield from _cases(request["TrackOrdersRequest"], SEED_REQUEST, "")
    for case, body, path in _cases(request["TrackOrder"], order, ""):
        yield f"orders.0.{case}", seed_request(orders=[body]), ("orders", "0", *path)
    variants = {"OrderListPointDestination": point,
                "OrderListPolygonDestination": {"geometry": {"type": "Polygon", "coordinates": [
                    [[0, 0], [1, 0], [1, 1], [0, 0]]]}},
                "OrderListPlaceHandleDestination": {"place_handle": "store-1"},
                "OrderListGeofenceIdDestination": {"geofence_id": "geofence-1"}}
    for name, destination in variants.items():
        for case, body, path in _cases(request[name], destination, ""):
            if path[0] in ("geometry", "place_handle", "geofence_id") and "missing" in case:
                continue  # without the key that names the variant it is no variant at all: see test_validation
            yield (f"{name}: {case}", seed_request(orders=[dict(order, destination=body)]),
                   ("orders", "0", "destination", *path))
    for name, destination in (("PointGeometry", point), ("PolygonGeometry", variants["OrderListPolygonDestination"])):
        for case, body, path in _cases(request[name], destination["geometry"], ""):
            if path == ("type",) and name == "PolygonGeometry":
                continue  # a geometry's type chooses its variant: see test_validation
            yield (f"{name}: {case}", seed_request(orders=[dict(order, destination=dict(destination, geometry=body))]),
                   ("orders", "0", "destination", "geometry", *path))
    for case, body, path in _cases(request["TrackOrderRoute"], {"route_handle": "r"}, ""):
        yield f"route.{case}", seed_request(route=body), ("route", *path)
    for case, body, path in _cases(request["OrderTaskList"], {"tasks": []}, ""):
        yield f"tasks_list.{case}", seed_request(orders=[dict(order, tasks_list=body)]), ("orders", "0", "tasks_list", *path)


TRACK_CASES = list(_track_cases())


def test_the_table_covers_the_references_constraints():
    ids = [case for case, _, _ in TRACK_CASES]
    assert "track_mode missing" in ids and "orders.0.order_handle too short" in ids
    assert "orders.0.type outside its enum" in ids and "orders.0.priority outside its enum" in ids
    assert len(TRACK_CASES) >= 60


@pytest.mark.parametrize("body, path", [pytest.param(b, p, id=c) for c, b, p in TRACK_CASES])
def test_a_body_breaking_a_reference_constraint_answers_422_naming_the_field(api, body, path):
    status, answer = api.track(body)

    assert status == 422, answer
    node = answer["detail"]["json"]
    for part in path:
        assert part in node, f"{'.'.join(path)} not named in {answer['detail']['json']}"
        node = node[part]
