"""Bodies of the control plane's own calls: fault rules, the clock, a phone and the thresholds."""
from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate, validates_schema

from ..models import errors as model_errors
from ..models.clock import MAX_ADVANCE_SECONDS
from ..models.phone import MAX_SPEED_KMH, OUTAGES, check_phone, check_thresholds
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


class PactQuery(LeanSchema):
    consumer = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={
        "description": "the consumer's name, as the pact names it (your application's)"})


def _checked_by(check, key: str):
    """A validator that asks the model's ``check`` about field ``key``: one rule, and one message, for the
    control call and the scenario alike."""
    def validator(value) -> None:
        try:
            check({key: value})
        except model_errors.Invalid as error:
            raise ValidationError(error.message) from None

    return validator


class StrictBoolean(fields.Boolean):
    """``true`` or ``false``, never ``1``, ``"yes"`` or ``"true"``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Position(fields.Field):
    """``[longitude, latitude]`` in degrees, or null (where the phone is unknown)."""

    def openapi(self, resolve):
        return {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2, "nullable": True,
                "description": "[longitude, latitude] in degrees (-180..180, -90..90); null: unknown"}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return check_phone({"location": value})["location"]
        except model_errors.Invalid as error:
            raise ValidationError(error.message) from None


class PhoneSettings(LeanSchema):
    """What a worker's phone reports (HyperTrack's SDK), as the control plane sets it: any of the fields,
    each changed alone."""

    location = Position(allow_none=True)
    speed_kmh = StrictNumber(validate=_checked_by(check_phone, "speed_kmh"), metadata={
        "minimum": 0, "exclusiveMinimum": True, "maximum": MAX_SPEED_KMH,
        "description": "the speed it drives at, in km/h (default 36: 10 m/s)"})
    driving = StrictBoolean(metadata={"description": "drives to the open orders of its tracking route"})
    dwell_seconds = StrictNumber(validate=_checked_by(check_phone, "dwell_seconds"), metadata={
        "minimum": 0, "maximum": 7 * 86400,
        "description": "how long it stays at an order with no expected_service_time (default 60)"})
    battery = StrictNumber(validate=_checked_by(check_phone, "battery"), metadata={
        "minimum": 0, "maximum": 100, "description": "percent (default 100)"})
    connected = StrictBoolean(metadata={"description": "false: the worker's device_status is disconnected"})
    outage = fields.String(allow_none=True, validate=_checked_by(check_phone, "outage"), metadata={
        "enum": [*OUTAGES, None], "description": "a code of HyperTrack's List of Outages, or null"})


class Thresholds(LeanSchema):
    """The tenant's thresholds of estimate webhooks."""

    eta_change_seconds = StrictInteger(validate=_checked_by(check_thresholds, "eta_change_seconds"), metadata={
        "minimum": 1, "maximum": 86400,
        "description": "an eta_change when arrive_at moves this much from the last eta event (default 120)"})
    minutes_away = StrictInteger(validate=_checked_by(check_thresholds, "minutes_away"), metadata={
        "minimum": 1, "maximum": 86400, "description": "the N of n_minutes_away (default 5)"})
