"""Bodies of the control plane's own calls: fault rules and the clock."""
from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates_schema

from ..models.clock import MAX_ADVANCE_SECONDS
from .fields import FreeFormValue, LeanSchema, StrictInteger, StrictNumber, Timestamp

DROP_MODES = ("reset", "empty", "truncated")
#: Headers that frame an answer: the server writes them, a fault rule may not.
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_VALUE = re.compile(r"^[\t\x20-\x7e\x80-\xff]*$")


def answer_headers(headers: dict) -> None:
    """Headers a fault rule adds to its answer: real header names, values without line breaks or control
    characters, and none of the headers that frame the answer."""
    for name, value in headers.items():
        if not _TOKEN.match(name):
            raise ValidationError(f"{name}: not a header name.")
        if name.lower() in FRAMING_HEADERS:
            raise ValidationError(f"{name}: the mock sets this header itself.")
        if not _VALUE.match(value):
            raise ValidationError(f"{name}: a header value cannot hold a line break or a control character.")
METHODS = ("*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class DropMode(fields.Field):
    """``true`` (a reset), ``false``, or one of ``reset``, ``empty``, ``truncated``."""

    def openapi(self, resolve):
        return {"oneOf": [{"type": "boolean"}, {"type": "string", "enum": list(DROP_MODES)}], "nullable": True}

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True:
            return "reset"
        if value is False or value is None:
            return None
        if value in DROP_MODES:
            return value
        raise ValidationError(f"Must be true, false or one of: {', '.join(DROP_MODES)}.")


class FaultRule(LeanSchema):
    """What to do instead of (or, for ``delay_ms`` alone, before) the real answer to matching requests."""

    method = fields.String(load_default="*", validate=validate.OneOf(METHODS))
    path = fields.String(load_default="*", validate=validate.Length(min=1), metadata={
        "description": "an exact path, or a pattern where * matches any characters (/orders/*)"})
    status = StrictInteger(validate=validate.Range(min=100, max=599))
    body = FreeFormValue(allow_none=True, metadata={
        "description": "the answer's JSON body; default: HyperTrack's shape for the status"})
    headers = fields.Dict(keys=fields.String(), values=fields.String(), validate=answer_headers, metadata={
        "description": "added to the answer; not Content-Length, Transfer-Encoding or Connection"})
    delay_ms = StrictInteger(validate=validate.Range(min=0, max=300_000))
    drop_connection = DropMode(load_default=None)
    times = StrictInteger(allow_none=True, validate=validate.Range(min=1), metadata={
        "description": "how many matching requests get the fault before the rule expires; null: all"})
    probability = StrictNumber(load_default=1.0, validate=validate.Range(min=0, max=1))
    seed = StrictInteger(allow_none=True, metadata={"description": "makes the probability draws repeatable"})

    @validates_schema
    def does_something(self, data, **kwargs):
        if data.get("status") is None and data.get("delay_ms") is None and not data.get("drop_connection"):
            raise ValidationError("A fault needs at least one of: status, delay_ms, drop_connection.",
                                  "_schema")
        if data.get("drop_connection") and data.get("status") is not None:
            raise ValidationError("A dropped connection has no status.", "status")


class ClockRequest(LeanSchema):
    frozen_at = Timestamp(allow_none=True)
    advance_seconds = StrictNumber(validate=validate.Range(min=-MAX_ADVANCE_SECONDS, max=MAX_ADVANCE_SECONDS))

    @validates_schema
    def does_something(self, data, **kwargs):
        if "frozen_at" not in data and "advance_seconds" not in data:
            raise ValidationError("Send frozen_at (an instant, or null to release) and/or advance_seconds.",
                                  "_schema")


class JournalQuery(LeanSchema):
    method = fields.String(validate=validate.OneOf(METHODS[1:]))
    path = fields.String(metadata={"description": "exact, or a pattern where * matches any characters"})
    status = fields.String(validate=validate.Regexp(r"^([1-5][0-9]{2}|[1-5]xx)$", error=(
        "Must be a status (404) or a class (4xx).")))
    limit = fields.Integer(validate=validate.Range(min=1))
