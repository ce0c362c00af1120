"""Strict JSON request bodies: parsed once, validated by a marshmallow schema, refused with a clear 4xx.

APIFlask's ``@input`` would parse leniently (NaN, duplicate keys, a 500 on absurd nesting) and ignore a
non-JSON content type; this decorator keeps its error shapes and its OpenAPI annotation but refuses
all of those, and is cheaper on the hot path.
"""
from __future__ import annotations

import json
from functools import wraps

from apiflask import HTTPError
from flask import current_app, request
from marshmallow import Schema, ValidationError

from .intercept import seen


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


#: Why a body that ended before its ``Content-Length`` is refused (400).
SHORT_BODY = "The body is shorter than its Content-Length."


def bad_request(message: str) -> HTTPError:
    return HTTPError(400, "Bad Request", detail={"json": [message]})


def _read_body(req, limit: int) -> bytes:
    """The body's bytes; a 413 beyond ``limit``.  Kept for the journal, which would otherwise read it again."""
    environ = req.environ
    declared = environ.get("CONTENT_LENGTH", "")
    request_seen = seen(environ)
    if request_seen is None or not declared.isdigit() or "HTTP_TRANSFER_ENCODING" in environ:
        # Anything unusual (chunked, no length, outside the data plane) is read werkzeug's way.
        if req.content_length is not None and req.content_length > limit:
            raise _too_large(limit)
        return req.get_data(cache=True)
    length = int(declared)
    if length > limit:
        raise _too_large(limit)
    stream, chunks, left = environ["wsgi.input"], [], length
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            raise bad_request(SHORT_BODY)
        chunks.append(chunk)
        left -= len(chunk)
    request_seen.body = b"".join(chunks)
    return request_seen.body


def _too_large(limit: int) -> HTTPError:
    return HTTPError(413, "Request Entity Too Large", detail={"json": [f"The body is larger than the {limit}-byte limit."]})


def parse_json_body():
    """The request's JSON document; ``{}`` for an empty body; an ``HTTPError`` for anything else."""
    req = request._get_current_object()
    raw = _read_body(req, current_app.config["MAX_CONTENT_LENGTH"])
    if not raw.strip():
        return {}
    if not req.is_json:
        raise HTTPError(415, "Unsupported Media Type",
                        detail={"json": ["Send the body as JSON with 'Content-Type: application/json'."]})
    return decode(raw)


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


def validation_error(messages, location: str = "json") -> HTTPError:
    """APIFlask's (and HyperTrack's) 422 body: ``{"detail": {"json": {...}}, "message": "Validation error"}``."""
    return HTTPError(422, "Validation error", detail={location: messages})


#: Where a lane that already parsed and loaded the body (``express``) leaves ``(schema class, outcome)``:
#: the loaded data, or the ``HTTPError`` or ``ValidationError`` that refused it.
LOADED = "hypertrack_mock.loaded"


def json_body(schema: Schema | type[Schema], example=None, examples=None):
    """Pass the validated body to the view as ``json_data``, and document it in the OpenAPI spec."""
    schema = schema() if isinstance(schema, type) else schema

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            loaded = request.environ.get(LOADED)
            try:
                if loaded is not None and loaded[0] is type(schema):
                    if isinstance(loaded[1], Exception):
                        raise loaded[1]
                    kwargs["json_data"] = loaded[1]
                else:
                    kwargs["json_data"] = schema.load(parse_json_body())
            except ValidationError as error:
                raise validation_error(error.messages) from None
            return view(*args, **kwargs)

        # The same annotation APIFlask's @input leaves, so the schema appears in /openapi.json.
        spec = dict(getattr(view, "_spec", {}))
        spec.update(body=schema, body_example=example, body_examples=examples,
                    content_type="application/json")
        wrapper._spec = spec
        return wrapper

    return decorator
