"""Strict marshmallow fields shared by HyperTrack's request schemas and the scenario schema."""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone

from marshmallow import RAISE, Schema, fields
from marshmallow.utils import missing as missing_
from marshmallow.utils import set_value

#: How deep a free-form object (``metadata`` and friends) may nest.  Deeper documents are refused
#: with a 422 so that echoing them back can never exhaust the JSON encoder's recursion budget.
MAX_FREE_FORM_DEPTH = 32


class StrictInteger(fields.Integer):
    """An integer that refuses booleans, floats and numeric strings, as JSON Schema's ``integer`` does."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


class StrictNumber(fields.Float):
    """A JSON number (int or float, never a boolean or a string), kept as sent."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.make_error("special")
        return value


class FreeFormObject(fields.Dict):
    """A JSON object with any content (``metadata``), bounded in nesting depth."""

    default_error_messages = {"too_deep": f"Nested deeper than {MAX_FREE_FORM_DEPTH} levels."}

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        stack = [(value, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_FREE_FORM_DEPTH:
                raise self.make_error("too_deep")
            children = node.values() if isinstance(node, dict) else node
            for child in children:
                if isinstance(child, (dict, list)):
                    stack.append((child, depth + 1))
        return value


class Timestamp(fields.DateTime):
    """An ISO-8601 instant; a value without an offset is read as UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)


def format_timestamp(instant: datetime) -> str:
    """Render an aware datetime as HyperTrack does: UTC, milliseconds, ``Z``."""
    instant = instant.astimezone(timezone.utc)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


class LeanSchema(Schema):
    """A marshmallow schema that does not visit absent optional fields.

    marshmallow deserializes every declared field, present or not; for an absent field that is neither
    required nor defaulted, that only confirms it is absent.  Skipping those gives the same data and
    the same errors for a fraction of the work: HyperTrack's order declares eighteen fields, and a
    typical one sends four.  (``tests/test_lean_schema.py`` compares the two on generated bodies.)
    """

    def _lean_plan(self):
        plan = self.__dict__.get("_lean")
        if plan is None or plan[0] is not self.load_fields:
            entries = [(attr, field, field.data_key if field.data_key is not None else attr,
                        field.required or field.load_default is not missing_)
                       for attr, field in self.load_fields.items()]
            plan = self.__dict__["_lean"] = (self.load_fields, entries, {e[2] for e in entries})
        return plan[1], plan[2]

    def _deserialize(self, data, *, error_store, many=False, partial=None, unknown=RAISE, index=None):
        if many or partial is not None or unknown != RAISE or not isinstance(data, Mapping):
            return super()._deserialize(data, error_store=error_store, many=many, partial=partial,
                                        unknown=unknown, index=index)
        index = index if self.opts.index_errors else None
        result = self.dict_class()
        entries, known = self._lean_plan()
        for attr, field, key, needed_when_absent in entries:
            raw = data.get(key, missing_)
            if raw is missing_ and not needed_when_absent:
                continue
            value = self._call_and_store(
                getter_func=lambda value, field=field, key=key: field.deserialize(value, key, data),
                data=raw, field_name=key, error_store=error_store, index=index)
            if value is not missing_:
                set_value(result, field.attribute or attr, value)
        for key in data:
            if key not in known:
                error_store.store_error([self.error_messages["unknown"]], key, index)
        return result
