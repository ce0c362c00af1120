"""HyperTrack's own request examples (from its published spec) are accepted by the mock."""
from __future__ import annotations

import datetime

import pytest
import yaml

from contract.reference import REFERENCE


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
    spec = yaml.safe_load(REFERENCE.read_text())
    examples = spec["paths"]["/orders/track"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    return [pytest.param(_jsonable(example["value"]), id=name) for name, example in examples.items()]


@pytest.mark.parametrize("body", _request_examples())
def test_reference_request_examples_answer_201_under_the_default_scenario(api, body):
    status, answer = api.track(body)

    assert status == 201, answer
    assert answer["status"] == "tracking"
