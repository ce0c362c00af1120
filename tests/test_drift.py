"""The drift report: every difference from HyperTrack's spec is known and explained, and new ones fail."""
from __future__ import annotations

import copy

import pytest

from contract.drift import differences, load_allowlist


@pytest.fixture(scope="module")
def mock_spec():
    from mockserver import create_app

    return create_app().spec


def test_every_difference_from_the_reference_is_allow_listed_with_a_reason(mock_spec):
    found = differences(mock_spec)
    allowed = load_allowlist()

    assert [d for d in found if d not in allowed] == []
    assert sorted(set(allowed) - set(found)) == [], "allow-list entries that no longer match any difference"
    assert all(len(reason) > 40 for reason in allowed.values())


def _mutated(spec, change):
    spec = copy.deepcopy(spec)
    change(spec)
    return spec


def _rename(schema, old, new):
    schema["properties"][new] = schema["properties"].pop(old)


@pytest.mark.parametrize("change, expected", [
    (lambda s: _rename(s["components"]["schemas"]["TrackOrdersResponse"], "embed_url", "embedUrl"),
     "POST /orders/track 201: field embedUrl is the mock's, not HyperTrack's"),
    (lambda s: _rename(s["components"]["schemas"]["TrackOrder"], "scheduled_at", "scheduled"),
     "POST /orders/track request: field orders[].scheduled is the mock's, not HyperTrack's"),
    (lambda s: s["components"]["schemas"]["TrackOrdersRequest"]["properties"]["track_mode"]["enum"].remove("flex"),
     "POST /orders/track request: enum of track_mode differs: mock-only [], HyperTrack-only ['flex']"),
    (lambda s: s["paths"]["/orders/track"]["post"]["responses"].pop("409"),
     "POST /orders/track: status 409 is HyperTrack's, not documented by the mock"),
    (lambda s: s["components"]["schemas"]["TrackOrder"]["required"].remove("order_handle"),
     "POST /orders/track request: field orders[].order_handle is optional in the mock, required in HyperTrack's spec"),
], ids=["response field renamed", "request field renamed", "enum value dropped", "status dropped",
        "required field made optional"])
def test_a_drift_in_the_mocks_document_is_reported(mock_spec, change, expected):
    assert expected in differences(_mutated(mock_spec, change))
