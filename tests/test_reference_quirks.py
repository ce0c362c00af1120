"""The relaxations of HyperTrack's spec in ``contract/reference.py`` are the provider's own contradictions,
shown here on the published text: no answer could satisfy the schema as written."""
from __future__ import annotations

import yaml
from openapi_schema_validator import OAS30Validator

from contract.reference import REFERENCE, _stringify_dates

PUBLISHED = _stringify_dates(yaml.safe_load(REFERENCE.read_text()))


def errors(schema: dict, value) -> list[str]:
    validator = OAS30Validator({**schema, "components": PUBLISHED["components"]})
    return [error.message for error in validator.iter_errors(value)]


def test_a_destination_using_a_property_its_variant_declares_matches_two_variants():
    """The point variant declares place_handle; the place-handle variant requires only place_handle."""
    destination = PUBLISHED["components"]["schemas"]["GetOrderTimelineResponse"]["properties"]["destination"]
    point = {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}, "place_handle": "store-1"}

    assert errors({"$ref": "#/components/schemas/OrderDetailPointDestination"}, point) == []
    assert errors({"$ref": "#/components/schemas/OrderDetailPlaceHandleDestination"}, point) == []
    [message] = errors(destination, point)
    assert "is valid under each of" in message


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
