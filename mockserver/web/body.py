"""The one body loader: a request's bytes into a JSON document (or form fields), strictly, or a clear 4xx.

Strict JSON means: UTF-8 only, no ``NaN``/``Infinity``, no duplicate keys, nesting the parser can
handle, and a JSON content type for a non-empty body (415 otherwise).  APIFlask's ``@input`` would
parse leniently and ignore the content type, so neither plane uses it for bodies.
"""
from __future__ import annotations

import io
import json
from functools import wraps
from urllib.parse import parse_qsl

from marshmallow import Schema, ValidationError

from .errors import HTTPError, bad_request, too_large, validation_error

#: Why a body that ended before its ``Content-Length`` is refused (400).
SHORT_BODY = "The body is shorter than its Content-Length."
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class _BodyError(ValueError):
    pass


def _reject_constant(name: str):
    raise _BodyError(f"{name} is not a valid JSON number.")


def _unique_keys(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _BodyError(f"Duplicate key '{key}' in a JSON object.")
            seen.add(key)
    return result


_decoder = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


def mimetype(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(content_type: str | None) -> bool:
    """``application/json`` or any ``+json`` type, as Flask's ``is_json`` has it."""
    kind = mimetype(content_type)
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def document(body: bytes | None, content_type: str | None, limit: int):
    """The JSON document in a request body; ``{}`` for an empty one; an ``HTTPError`` saying why not."""
    if body is None:  # the server refused to read it: over the limit
        raise too_large(limit)
    if not body.strip():
        return {}
    if not is_json(content_type):
        raise HTTPError(415, "Unsupported Media Type",
                        detail={"json": ["Send the body as JSON with 'Content-Type: application/json'."]})
    return decode(body)


def decode(raw: bytes):
    """The JSON document in ``raw``: strict (no NaN, no duplicate keys, UTF-8 only), or a 400 saying why."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("The body is not valid UTF-8.") from None
    try:
        return _decoder.decode(text)
    except _BodyError as error:
        raise bad_request(str(error)) from None
    except RecursionError:
        raise bad_request("The JSON body is nested too deeply.") from None
    except ValueError:
        raise bad_request("Invalid JSON body.") from None


def form(body: bytes | None, content_type: str | None, limit: int) -> dict:
    """The fields of a form body (URL-encoded or multipart; the first value of each), ``{}`` for another type."""
    if body is None:
        raise too_large(limit)
    kind = mimetype(content_type)
    if kind == "application/x-www-form-urlencoded":
        return dict(reversed(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)))
    if kind == "multipart/form-data":
        from werkzeug.formparser import FormDataParser
        from werkzeug.http import parse_options_header

        _, options = parse_options_header(content_type)
        _, fields, _ = FormDataParser(max_content_length=limit).parse(
            io.BytesIO(body), kind, len(body), options)
        return fields.to_dict()
    return {}


def load(schema: Schema, data, location: str = "json") -> dict:
    """``data`` through ``schema``: the loaded values, or APIFlask's 422 naming each bad field."""
    try:
        return schema.load(data)
    except ValidationError as error:
        # marshmallow's frame holds the error it raises: without its traceback, no cycle outlives the request
        error.__traceback__ = None
        raise validation_error(error.messages, location) from None


def json_body(schema: Schema | type[Schema], example=None, examples=None):
    """For a Flask view (the control plane): pass the loaded body as ``json_data``, and document it."""
    schema = schema() if isinstance(schema, type) else schema

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            kwargs["json_data"] = load(schema, flask_document())
            return view(*args, **kwargs)

        # The same annotation APIFlask's @input leaves, so the schema appears in /openapi.json.
        spec = dict(getattr(view, "_spec", {}))
        spec.update(body=schema, body_example=example, body_examples=examples, content_type="application/json")
        wrapper._spec = spec
        return wrapper

    return decorator


def flask_document():
    """The JSON document of the Flask request being served (the control plane's)."""
    from flask import current_app, request

    return document(request.get_data(cache=True), request.content_type, current_app.config["MAX_CONTENT_LENGTH"])
