"""Strict marshmallow fields shared by HyperTrack's request schemas and the scenario schema."""
from __future__ import annotations

import math
from datetime import datetime, timezone

from marshmallow import ValidationError, fields

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


def reject(message: str):
    """A marshmallow validation error for one field."""
    return ValidationError(message)
