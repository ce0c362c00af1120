"""LeanSchema (which skips absent optional fields) answers exactly as plain marshmallow does."""
from __future__ import annotations

import copy
from contextlib import contextmanager

from conftest import SEED_REQUEST
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, validate

from mockserver.schemas import fields as schema_fields
from mockserver.schemas import track
from mockserver.schemas.fields import LeanSchema
from mockserver.schemas.scenario import Scenario
from mockserver.schemas.track import TrackOrdersRequest

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.floats(-200, 200, allow_nan=False) |
    st.sampled_from(["", "on_time", "pick", "Point", "Polygon", "low", "2023-11-02T02:00:00Z", "x"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "coordinates", "order_handle", "geometry", "label", "extra"]), children, max_size=4),
    max_leaves=8)


@contextmanager
def plain_marshmallow():
    """LeanSchema's shortcuts, and those in Position and Timestamp, replaced by marshmallow's own code."""
    lean = LeanSchema._deserialize, LeanSchema._do_load, track.plain_numbers, schema_fields._ISO_FORMATS
    LeanSchema._deserialize, LeanSchema._do_load = Schema._deserialize, Schema._do_load
    track.plain_numbers = lambda value: None
    schema_fields._ISO_FORMATS = ()
    try:
        yield
    finally:
        LeanSchema._deserialize, LeanSchema._do_load, track.plain_numbers, schema_fields._ISO_FORMATS = lean


def outcome(schema, body):
    try:
        return "ok", schema.load(copy.deepcopy(body))
    except ValidationError as error:
        return "error", error.messages


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


SEED_PATHS = [p for p in paths(SEED_REQUEST) if p]


@st.composite
def mutated_bodies(draw):
    body = copy.deepcopy(SEED_REQUEST)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(SEED_PATHS))
        parent = body
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["delete", "replace", "add"]))
            if action == "delete" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            elif action == "replace":
                parent[path[-1]] = draw(json_values)
            elif isinstance(parent, dict):
                parent[draw(st.sampled_from(["extra", "metadata", "priority", "route", "tasks_list"]))] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation removed or replaced the path: this one is skipped
    return body


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(mutated_bodies())
def test_track_requests_load_exactly_as_plain_marshmallow(body):
    schema = TrackOrdersRequest()
    lean = outcome(schema, body)
    with plain_marshmallow():
        plain = outcome(TrackOrdersRequest(), body)
    assert lean == plain


EDGE_VALUES = [None, True, False, 0, -1, 1.5, 200, -200, 1e300, "", "x", "Point", "2023-11-02T02:00:00Z", [], {},
               [1], [1, 2], [1, 2, 3, 4], [True, 1], [1, "2"], [[1, 2]], {"type": "Point"},
               "2023-11-02T02:00:00.123+05:30", "2023-11-02T02:00:00", "2023-11-02", "2023-13-02T02:00:00Z",
               "9999-12-31T23:59:59-14:00", "2023-11-02T02:00:00Zjunk"]


def test_every_field_of_the_seed_set_to_each_edge_value_loads_as_plain_marshmallow():
    """Each leaf and branch of the seed body, deleted or replaced by each edge value in turn."""
    mismatches = []
    for path in SEED_PATHS:
        for value in [...] + EDGE_VALUES:  # Ellipsis: delete the key (or item)
            body = copy.deepcopy(SEED_REQUEST)
            parent = body
            for part in path[:-1]:
                parent = parent[part]
            if value is ...:
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(value)
            lean = outcome(TrackOrdersRequest(), body)
            with plain_marshmallow():
                plain = outcome(TrackOrdersRequest(), body)
            if lean != plain:
                mismatches.append((path, value, lean, plain))
    assert mismatches == []


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.dictionaries(st.sampled_from(["workers", "routes", "places", "accounts", "description", "x"]),
                       json_values, max_size=4))
def test_scenarios_load_exactly_as_plain_marshmallow(document):
    lean = outcome(Scenario(), document)
    with plain_marshmallow():
        plain = outcome(Scenario(), document)
    assert lean == plain


def _dict_error(value):
    if value == "bad":
        raise ValidationError({"deep": ["A dict of errors, which And puts in a list."]})


class _Inner(LeanSchema):
    name = fields.String(required=True, validate=validate.Length(min=2))
    kind = fields.String(validate=validate.OneOf(["a", "b"]), allow_none=True)


class _EveryShortcut(LeanSchema):
    """A field of each kind the lean loader takes a shortcut for, and of kinds it must leave alone."""

    text = fields.String(load_default="x")
    one_validator = fields.String(validate=validate.OneOf(["on_time", "flex"]))
    two_validators = fields.String(validate=[validate.Length(min=2), validate.OneOf(["ab", "abc"])])
    custom_validator = fields.String(validate=_dict_error)
    range_ = fields.Integer(validate=validate.Range(min=0), data_key="range")
    nested = fields.Nested(_Inner, allow_none=True)
    required_nested = fields.Nested(_Inner, required=True)
    items = fields.List(fields.Nested(_Inner), validate=validate.Length(max=2))
    constant = fields.Constant(None)
    dotted = fields.String(attribute="deep.dotted")


SHORTCUT_VALUES = [..., None, "", "x", "ab", "on_time", "bad", 5, -1, True, b"bytes", [], {}, {"name": "nm"},
                   {"name": "n"}, {"name": "nm", "kind": "c"}, {"name": "nm", "extra": 1}, [{"name": "nm"}],
                   [None, {"name": 1}], [{"name": "nm"}] * 3]


def test_each_kind_of_field_the_lean_loader_shortcuts_loads_as_plain_marshmallow():
    """Each field of a schema built for it, absent or set to each value in turn, beside a valid rest."""
    base = {"required_nested": {"name": "nm"}}
    mismatches = []
    for key in ["text", "one_validator", "two_validators", "custom_validator", "range", "nested",
                "required_nested", "items", "constant", "dotted", "unknown"]:
        for value in SHORTCUT_VALUES:
            body = dict(base)
            if value is ...:
                body.pop(key, None)
            else:
                body[key] = copy.deepcopy(value)
            lean = outcome(_EveryShortcut(), body)
            with plain_marshmallow():
                plain = outcome(_EveryShortcut(), body)
            if lean != plain:
                mismatches.append((key, value, lean, plain))
    assert mismatches == []
