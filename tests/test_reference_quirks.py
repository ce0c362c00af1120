"""The relaxations of HyperTrack's spec in ``contract/reference.py`` are the provider's own contradictions,
shown here on the published text: no answer could satisfy the schema as written."""
from __future__ import annotations

import pytest
from openapi_schema_validator import OAS30Validator

from contract.reference import _stringify_dates, published, reference

PUBLISHED = _stringify_dates(published())
SCHEMAS = PUBLISHED["components"]["schemas"]


def errors(schema: dict, value) -> list[str]:
    validator = OAS30Validator({**schema, "components": PUBLISHED["components"]})
    return [error.message for error in validator.iter_errors(value)]


def examples(method: str, path: str, status: str | None = None) -> list:
    operation = PUBLISHED["paths"][path][method]
    content = (operation["responses"][status] if status else operation["requestBody"])["content"]["application/json"]
    if "example" in content:
        return [content["example"]]
    return [example["value"] for example in content["examples"].values()]


@pytest.mark.parametrize("answer", ["GetOrderTimelineResponse", "CompleteOrderResponse", "CancelOrderResponse",
                                    "PatchOrderResponse"])
def test_a_destination_using_a_property_its_variant_declares_matches_two_variants(answer):
    """The point variant declares place_handle; the place-handle variant requires only place_handle."""
    destination = SCHEMAS[answer]["properties"]["destination"]
    point = {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}, "place_handle": "store-1"}

    assert errors({"$ref": "#/components/schemas/OrderDetailPointDestination"}, point) == []
    assert errors({"$ref": "#/components/schemas/OrderDetailPlaceHandleDestination"}, point) == []
    [message] = errors(destination, point)
    assert "is valid under each of" in message


def test_every_example_of_batch_and_sequence_orders_matches_two_destination_variants():
    """The address-only variant is open and needs only an address: a point with an address fits both."""
    destination = SCHEMAS["OrderRequest"]["properties"]["destination"]
    sent = [order["destination"] for body in examples("post", "/orders/") for order in body["orders"]]

    assert len(sent) == 10
    for value in sent:
        assert any("is valid under each of" in message for message in errors(destination, value))


def test_get_workers_examples_list_workers_without_their_required_home():
    listed = [worker for body in examples("get", "/workers/", "200") for worker in body.get("workers", ())]

    assert "home" in SCHEMAS["Worker"]["required"]
    assert sum("home" not in worker for worker in listed) == 6 and len(listed) == 7


def test_worker_shifts_type_their_times_as_strings_and_every_example_sends_a_number():
    shifts = [shift for body in [*examples("get", "/workers/", "200"), *examples("post", "/workers/")]
              for worker in body.get("workers", [body]) for shift in worker.get("schedule") or ()]

    assert SCHEMAS["DriverRecurringSchedule"]["properties"]["end_time"]["type"] == "string"
    assert shifts and all(isinstance(shift["end_time"], int) for shift in shifts)


def test_get_routes_requires_a_pagination_token_that_none_of_its_examples_has():
    bodies = examples("get", "/orders/routes/", "200")

    assert "pagination_token" in SCHEMAS["GetRoutesResponse"]["required"]
    assert len(bodies) == 3 and not any("pagination_token" in body for body in bodies)


def test_a_listed_routes_expected_service_time_is_typed_string_and_sent_as_a_number():
    sent = [order["expected_service_time"] for body in examples("get", "/orders/routes/", "200")
            for route in body["routes"] for order in route["orders"] if "expected_service_time" in order]

    assert SCHEMAS["RouteListOrder"]["properties"]["expected_service_time"]["type"] == "string"
    assert sent and all(isinstance(value, int) for value in sent)


def _untyped_nullables(node) -> int:
    if isinstance(node, dict):
        return int(bool(node.get("nullable")) and "type" not in node) + sum(map(_untyped_nullables, node.values()))
    if isinstance(node, list):
        return sum(map(_untyped_nullables, node))
    return 0


def test_nullable_without_type_is_everywhere_in_the_published_spec_and_nowhere_in_the_handled_one():
    """Ajv (Prism's validator) cannot compile such a schema and skips the answer: contract/prism.py shows
    that with the handled spec it flags a broken answer of every operation."""
    assert _untyped_nullables(PUBLISHED) > 100
    assert _untyped_nullables(reference()) == 0


def test_error_detail_is_typed_string_but_the_examples_hold_objects_and_null():
    error = PUBLISHED["components"]["schemas"]["Error"]
    examples = PUBLISHED["paths"]["/orders/track"]["post"]["responses"]
    details = [example["value"]["detail"] for status in ("400", "404")
               for example in examples[status]["content"]["application/json"]["examples"].values()]

    assert error["properties"]["detail"]["type"] == "string"
    assert any(isinstance(detail, dict) for detail in details) and None in details


def test_a_typed_timeline_event_matches_the_catch_all_too_so_only_the_examples_types_can_be_sent():
    timeline = PUBLISHED["components"]["schemas"]["GetOrderTimelineResponse"]["properties"]["timeline"]
    typed = {"type": "driver_order_created", "recorded_at": "2023-10-23T19:09:27.904Z", "order_handle": "o"}
    example = {"type": "order_created", "recorded_at": "2023-10-23T19:09:27.904Z", "order_handle": "o",
               "metadata": None}

    assert any("is valid under each of" in message for message in errors(timeline, [typed]))
    assert errors(timeline, [example]) == []
