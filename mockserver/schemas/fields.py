"""Strict marshmallow fields shared by HyperTrack's request schemas and the scenario schema."""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from marshmallow.error_store import ErrorStore
from marshmallow.utils import is_collection, set_value
from marshmallow.utils import missing as missing_
from marshmallow.validate import And

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


FREE_FORM_ERRORS = {"too_deep": f"Nested deeper than {MAX_FREE_FORM_DEPTH} levels.",
                    "not_finite": "Not a finite number: it is beyond what a double holds."}


def check_free_form(value, make_error) -> None:
    """Any JSON value: nested at most ``MAX_FREE_FORM_DEPTH`` levels, every number finite (``1e400`` reads
    as infinity, which JSON cannot write back)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if type(node) is float and not math.isfinite(node):
            raise make_error("not_finite")
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_FREE_FORM_DEPTH:
            raise make_error("too_deep")
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list, float)):
                stack.append((child, depth + 1))


class FreeFormObject(fields.Dict):
    """A JSON object with any content (``metadata``): bounded in nesting depth, numbers finite."""

    default_error_messages = FREE_FORM_ERRORS

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        check_free_form(value, self.make_error)
        return value


class FreeFormValue(fields.Raw):
    """Any JSON value (a fault's answer body): bounded in nesting depth, numbers finite."""

    default_error_messages = FREE_FORM_ERRORS

    def _deserialize(self, value, attr, data, **kwargs):
        check_free_form(value, self.make_error)
        return value


#: The formats marshmallow's ``DateTime`` reads with ``datetime.fromisoformat``, which ``Timestamp`` calls directly.
_ISO_FORMATS = (None, "iso", "iso8601")


class Timestamp(fields.DateTime):
    """An ISO-8601 instant, in UTC; a value without an offset is read as UTC.  An instant that UTC cannot
    hold (``9999-12-31T23:59:59-14:00`` is in the year 10000) is refused."""

    default_error_messages = {"range": "Not a valid datetime: outside the range of dates (years 1 to 9999, in UTC)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is str and self.format in _ISO_FORMATS:  # what DateTime does for one, without its calls
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None
        else:
            parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        try:
            return parsed.astimezone(timezone.utc)
        except OverflowError:
            raise self.make_error("range") from None


class LeanSchema(Schema):
    """A marshmallow schema with the same data and errors as marshmallow's, for less work.

    - Absent optional fields are not visited.  marshmallow deserializes every declared field, present
      or not; for an absent field that is neither required nor defaulted, that only confirms it is
      absent.  HyperTrack's order declares seventeen fields, and a typical one sends four.
    - A plain field (no field-level hooks, ``deserialize`` and ``_validate`` as marshmallow wrote them)
      is loaded by a closure that does what ``Field.deserialize`` does, with its validators combined
      once instead of on every call (a single one of marshmallow's own called as it is), a ``str`` taken
      as it is by a ``String``, and a ``Nested`` value handed to its lean schema directly.
    - A schema without hooks (``pre_load``, ``validates`` and the like) skips marshmallow's hook
      machinery in ``load``; one with hooks goes the whole way.

    ``tests/test_lean_schema.py`` compares the answers with plain marshmallow's on generated bodies.
    """

    def _lean_plan(self):
        plan = self.__dict__.get("_lean")
        if plan is None or plan[0] is not self.load_fields:  # built once, again if the fields are rebuilt
            entries = [(field.data_key if field.data_key is not None else attr, field.attribute or attr,
                        "." in (field.attribute or attr), _loader(field),
                        field.required or field.load_default is not missing_)
                       for attr, field in self.load_fields.items()]
            plan = self.__dict__["_lean"] = (self.load_fields, entries, {e[0] for e in entries},
                                             not any(self._hooks.values()))
        return plan

    def _do_load(self, data, *, many=None, partial=None, unknown=None, postprocess=True):
        plan = self._lean_plan()
        if many or self.many or partial or self.partial or not plan[3]:
            return super()._do_load(data, many=many, partial=partial, unknown=unknown, postprocess=postprocess)
        error_store = ErrorStore()
        unknown = self.unknown if unknown is None else unknown
        if unknown == RAISE and type(data) is dict:
            result = self._lean_fields(data, error_store, plan, None)
        else:
            result = self._deserialize(data, error_store=error_store, many=False, partial=partial, unknown=unknown)
        if error_store.errors:
            error = ValidationError(error_store.errors, data=data, valid_data=result)
            self.handle_error(error, data, many=False, partial=partial)
            raise error
        return result

    def _deserialize(self, data, *, error_store, many=False, partial=None, unknown=RAISE, index=None):
        if many or partial or unknown != RAISE or not (type(data) is dict or isinstance(data, Mapping)):
            return super()._deserialize(data, error_store=error_store, many=many, partial=partial,
                                        unknown=unknown, index=index)
        return self._lean_fields(data, error_store, self._lean_plan(), index if self.opts.index_errors else None)

    def _lean_fields(self, data, error_store, plan, index):
        """The fields of ``data`` loaded in the schema's order, the absent optional ones skipped; errors
        stored as marshmallow stores them."""
        result = self.dict_class()
        _, entries, known, _ = plan
        for key, attribute, dotted, load, needed_when_absent in entries:
            raw = data.get(key, missing_)
            if raw is missing_ and not needed_when_absent:
                continue
            try:
                value = load(raw, key, data)
            except ValidationError as error:
                error_store.store_error(error.messages, key, index=index)
                value = error.valid_data or missing_
            if value is not missing_:
                if dotted:
                    set_value(result, attribute, value)
                else:
                    result[attribute] = value
        for key in data:
            if key not in known:
                error_store.store_error([self.error_messages["unknown"]], key, index)
        return result


def _loader(field: fields.Field):
    """``field.deserialize``, or a closure doing exactly what it does for a plain field."""
    kind = type(field)
    if (kind.deserialize is not fields.Field.deserialize or kind._validate is not fields.Field._validate
            or kind._validate_missing is not fields.Field._validate_missing or field.pre_load or field.post_load):
        return field.deserialize
    validate_missing, deserialize = field._validate_missing, field._deserialize
    if kind is fields.List and _plain_nested(field.inner):
        deserialize = _nested_list(field)
    elif _plain_nested(field):
        deserialize = _nested(field)
    elif kind is fields.String:
        deserialize = _string(field)
    validators = _combined(field.validators)

    def load(value, attr, data):
        if value is missing_:
            validate_missing(value)
            default = field.load_default
            return default() if callable(default) else default
        if value is None:
            validate_missing(value)  # "Field may not be null." unless it may
            return None
        output = deserialize(value, attr, data)
        if validators is not None:
            validators(output)
        return output

    return load


def _combined(validators):
    """What ``Field._validate`` calls, once: ``And`` of the validators, or a single validator of marshmallow's
    own (whose errors are strings, which ``And`` would only put in a list again), or None for none."""
    if not validators:
        return None
    if len(validators) == 1 and type(validators[0]).__module__ == validate.__name__:
        return validators[0]
    return And(*validators)


def _string(field: fields.String):
    """``String._deserialize``, which gives a ``str`` back as it is, without its calls for one."""
    deserialize = field._deserialize

    def load(value, attr, data, **kwargs):
        return value if type(value) is str else deserialize(value, attr, data, **kwargs)

    return load


def _nested(field: fields.Nested):
    """What ``Nested._deserialize`` does for a plain ``Nested``: the value handed to the schema's load
    directly, three calls fewer."""
    schema = field.schema

    def load(value, attr, data, **kwargs):
        return schema._do_load(value, many=None, partial=None, unknown=None, postprocess=True)

    return load


def _plain_nested(field: fields.Field) -> bool:
    """A ``Nested`` of one lean schema, without hooks or validators of its own."""
    return (type(field) is fields.Nested and not field.many and not field.validators and field.unknown is None
            and not field.pre_load and not field.post_load and isinstance(field.schema, LeanSchema)
            and not field.schema.many)


def _nested_list(field: fields.List):
    """What ``List._deserialize`` does over a plain ``Nested``, each item handed to the schema's load
    directly: five calls an item fewer (a scenario's 37,000 workers go through here)."""
    inner = field.inner
    load = _nested(inner)

    def deserialize(value, attr, data, **kwargs):
        if not is_collection(value):
            raise field.make_error("invalid")
        result, errors = [], {}
        for index, each in enumerate(value):
            try:
                if each is None:
                    inner._validate_missing(each)  # "Field may not be null." unless it may
                    result.append(None)
                else:
                    result.append(load(each, attr, data))
            except ValidationError as error:
                if error.valid_data is not None:
                    result.append(error.valid_data)
                errors[index] = error.messages
        if errors:
            raise ValidationError(errors, valid_data=result)
        return result

    return deserialize
