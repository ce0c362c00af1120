"""HyperTrack's own request examples (from its published spec) are accepted by the mock."""
from __future__ import annotations

import datetime

import pytest

from contract.reference import published


def _jsonable(value):
    """PyYAML reads the spec's unquoted timestamps as datetimes (a known quirk); send them as ISO text."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def _request_examples():
    spec = published()
    examples = spec["paths"]["/orders/track"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    return [pytest.param(_jsonable(example["value"]), id=name) for name, example in examples.items()]


@pytest.mark.parametrize("body", _request_examples())
def test_reference_request_examples_answer_201_under_the_default_scenario(api, body):
    status, answer = api.track(body)

    assert status == 201, answer
    assert answer["status"] == "tracking"


#: HyperTrack's examples that break its own schemas even as ``contract/reference.py`` reads them: quirks
#: the mock need not relax, because it never sends such a value (``docs/conformance.md`` lists them).
BROKEN_EXAMPLES = {
    ("get", "/workers/", "200", "Filter on profile"): "workers without product_types and unavailable_on (required), "
                                                      "a summary and device_info their schemas do not describe",
    ("get", "/workers/", "200", "Filter on ops group"): "a worker without product_types, unavailable_on (required)",
    ("get", "/workers/", "200", "Filter on worker handle"): "a worker without the required product_types",
    ("get", "/workers/", "200", "Filter on work status"): "a worker without the required product_types",
    ("get", "/workers/", "200", "Fetch aggregate"): "an aggregate its schema does not describe",
    ("post", "/workers/", "201", "example"): "no unavailable_on, no work_status (required); a device_status "
                                             "{value: unavailable} no variant describes",
    ("get", "/workers/{worker_handle}", "200", "example"): "no current_date, no work_status (required); a summary "
                                                           "and timeline events (route_started) not described",
    ("post", "/workers/{worker_handle}/undelete", "200", "example"): "no unavailable_on, no work_status (required)",
    ("post", "/orders/track", "201", "Create and track orders"): "no route-level track_mode (required)",
    ("post", "/orders/track", "201", "Track orders using the route_handle"): "no route-level track_mode",
    ("get", "/orders/routes/", "200", "Filtered by ops_group_handle and completion date"): "embed_url null",
    ("get", "/orders/routes/", "200", "Filtered by status and schedule timerange"): "embed_url null",
    ("post", "/workers/ops-groups/", "200", "example"): "default_shift_end_time 1140 (a number; typed string)",
    ("get", "/orders/{order_handle}", "200", "example"): "an order_geofence_exited event whose geometry is null",
    ("post", "/orders/routes/{route_handle}/complete", "200", "example"): "no created_at (required)",
    ("get", "/orders/{order_handle}/webhooks", "200", "example"): "no created_at, recorded_at, version (required)",
}


def _all_examples() -> list:
    return list(_examples())


def _examples():
    from contract.reference import reference

    spec = reference()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            parts = [(None, operation.get("requestBody"))] + list(operation["responses"].items())
            for status, part in parts:
                content = ((part or {}).get("content") or {}).get("application/json") or {}
                found = content.get("examples") or ({"example": {"value": content["example"]}}
                                                    if "example" in content else {})
                for name, example in found.items():
                    key = (method, path, status or "request", name)
                    yield pytest.param(content["schema"], example["value"], key, id="-".join(key))


@pytest.mark.parametrize("schema, value, key", _all_examples())
def test_every_example_of_the_reference_fits_its_schema_but_the_known_broken_ones(schema, value, key):
    """Proof that the relaxations in contract/reference.py are enough for HyperTrack's own answers, and
    that the list of the provider's examples that remain broken is exact."""
    from openapi_schema_validator import OAS30Validator

    from contract.reference import reference

    problems = [error.message for error in OAS30Validator(
        {**schema, "components": reference()["components"]}).iter_errors(value)]
    if key in BROKEN_EXAMPLES:
        assert problems, f"{key} is listed as broken ({BROKEN_EXAMPLES[key]}) but fits its schema now"
    else:
        assert problems == []
