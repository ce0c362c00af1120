"""HyperTrack's reference spec, loaded once, with its known quirks handled here and only here.

The quirks are listed in ``contract/hypertrack/README.md``, beside the vendored spec.  Each is handled
by name below, with the reason; validation itself is never switched off.  ``strict()`` also closes every object schema
(``additionalProperties: false``) so that a renamed or invented response field is caught.
"""
from __future__ import annotations

import copy
import datetime
from functools import lru_cache
from pathlib import Path

import yaml

REFERENCE = Path(__file__).resolve().parent / "hypertrack" / "hypertrack-orders-track.openapi.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same documents, read ten times faster

#: Answers the mock gives that the reference does not document for the operation (or documents without
#: a body), each with the reference schema its body must still match and the reason.
UNDOCUMENTED_ANSWERS = {
    # HyperTrack documents no answer for finishing a finished order; the mock mirrors the 409 that
    # Complete Route documents for a completed route, rather than re-finishing the order.
    ("POST", "/orders/{order_handle}/complete", "409"): "Error",
    ("POST", "/orders/{order_handle}/cancel", "409"): "Error",
    # Create Worker documents no 400; an ops group that does not exist answers as Track Orders does.
    ("POST", "/workers/", "400"): "Error",
    # Batch and Sequence Orders documents 409 without a body ("planning request already executing"),
    # and no 400 or 404: an order still in progress, an unknown ops group, worker, place or geofence
    # answer with Track Orders' business errors.
    ("POST", "/orders/", "400"): "Error",
    ("POST", "/orders/", "404"): "Error",
    ("POST", "/orders/", "409"): "Error",
}


def _stringify_dates(node):
    """Quirk: the examples' unquoted timestamps are read by PyYAML as datetimes; the schemas want strings."""
    if isinstance(node, dict):
        return {key: _stringify_dates(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_stringify_dates(value) for value in node]
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat().replace("+00:00", "Z")
    return node


def _patch_quirks(spec: dict) -> dict:
    schemas = spec["components"]["schemas"]
    # Quirk: Error.detail is typed string, but the provider's own 400/404 examples put an object
    # ({"description": ...}) or null there.  Accept exactly those three forms.
    schemas["Error"]["properties"]["detail"] = {"anyOf": [{"type": "string", "nullable": True}, {"type": "object"}]}
    # Quirk: ValidationError.detail names its keys "<location>" and "<field_name>": placeholders for a map
    # from location ("json", "query", "form") to field errors (nested objects for nested fields, items
    # keyed by index, lists of messages at the leaves).  Written as the map it is.
    schemas["ValidationError"]["properties"]["detail"] = {
        "type": "object",
        "additionalProperties": {"anyOf": [{"type": "object"}, {"type": "array", "items": {"type": "string"}}]}}
    # Quirk: an order's destination (Get, Update, Complete and Cancel Order) is a oneOf whose point and
    # polygon variants declare place_handle and geofence_id, while the place-handle and geofence
    # variants require nothing but that key and are open: a destination that uses a property its
    # variant declares matches two variants (test_reference_quirks proves it).  Read as anyOf: it
    # must still match at least one variant in full.  (Timelines are judged as published: oneOf.)
    # Batch and Sequence Orders' OrderRequest adds an address-only variant, open and requiring only
    # the address, so every point with an address matches two: the provider's own five request examples
    # fail its oneOf.  Same reading.
    for name in ("GetOrderTimelineResponse", "CompleteOrderResponse", "CancelOrderResponse", "PatchOrderResponse",
                 "OrderRequest"):
        properties = schemas[name]["properties"]
        destination = dict(properties["destination"])
        destination["anyOf"] = destination.pop("oneOf")
        properties["destination"] = destination
    # Quirk: a worker's home is required in Worker (Get Workers), PostWorkerResponse and
    # UndeleteWorkerResponse, but Get Workers' own examples list workers without one (six of seven).
    # A worker without a home has none in the answer, as the examples show.
    for name in ("Worker", "PostWorkerResponse", "UndeleteWorkerResponse"):
        schemas[name]["required"].remove("home")
    # Quirk: a worker's shift (DriverRecurringSchedule, DriverDateSchedule) types start_time and end_time
    # as strings ("HH:mm"), while every example of the four worker operations, the request of Create
    # Worker among them, sends end_time as a number (1080: minutes of the day).  Both are accepted.
    for name in ("DriverRecurringSchedule", "DriverDateSchedule"):
        for key in ("start_time", "end_time"):
            schemas[name]["properties"][key] = {"anyOf": [schemas[name]["properties"][key], {"type": "integer"}]}
    # Quirk: Get Routes requires pagination_token (a string), and none of its three examples has one.
    # The last page leaves it out, as the examples do.
    schemas["GetRoutesResponse"]["required"].remove("pagination_token")
    # Quirk: a listed route's order types expected_service_time as a string; every example of Get
    # Routes sends a number (0), as every other order schema types it.  Both are accepted.
    schemas["RouteListOrder"]["properties"]["expected_service_time"] = {"anyOf": [
        {"type": "integer"}, schemas["RouteListOrder"]["properties"]["expected_service_time"]]}
    return spec


#: "null and nothing else" in OpenAPI 3.0 (``nullable`` widens ``type``, ``not`` takes the type away
#: again).  Not ``enum: [null]``: converters that turn ``nullable`` into JSON Schema append ``null`` to
#: an ``enum`` themselves, and Ajv refuses the duplicate.
NULL_ONLY = {"type": "string", "nullable": True, "not": {"type": "string"}}


def _type_nullables(node):
    """Quirk: 153 schemas say ``nullable: true`` without a ``type``.  OpenAPI 3.0.3 defines ``nullable``
    only as a widening of ``type``, so such a schema is void, and JSON-Schema validators built on Ajv
    (Stoplight Prism among them) refuse to compile it and then skip the whole response unvalidated.
    Each is rewritten to what it plainly means: a bare ``nullable`` (any value) loses the keyword; a
    nullable ``enum`` gets its values' type (``nullable`` then admits null); a nullable ``anyOf``/``oneOf``
    gets a variant that is null and nothing else.  No value valid before becomes invalid, or back."""
    if isinstance(node, list):
        return [_type_nullables(value) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: _type_nullables(value) for key, value in node.items()}
    if not node.get("nullable") or "type" in node:
        return node
    del node["nullable"]
    if "enum" in node:
        kinds = {type(value) for value in node["enum"] if value is not None}
        node["type"] = {str: "string", int: "integer", float: "number", bool: "boolean"}[kinds.pop()]
        node["nullable"] = True
    for combinator in ("anyOf", "oneOf"):
        if combinator in node:
            node[combinator] = [*node[combinator], dict(NULL_ONLY)]
    return node


def _null_in_nullable_enums(node, add: bool = True):
    """Quirk: 84 nullable enums (a planned route's ``track_mode``, ...) do not list null.  OpenAPI 3.0.3
    says ``nullable: true`` "adds null to the allowed values"; validators that read ``enum`` strictly
    (openapi-schema-validator) refuse null unless it is listed, so it is listed.  (``add=False`` takes
    it out again, for Prism, whose converter lists it itself and whose Ajv refuses a duplicate.)"""
    if isinstance(node, list):
        for value in node:
            _null_in_nullable_enums(value, add)
    elif isinstance(node, dict):
        if node.get("nullable") and isinstance(node.get("enum"), list):
            values = [value for value in node["enum"] if value is not None]
            node["enum"] = [*values, None] if add else values
        for value in node.values():
            _null_in_nullable_enums(value, add)
    return node


@lru_cache(maxsize=1)
def published() -> dict:
    """HyperTrack's spec as published, parsed once per process (read-only: copy before changing)."""
    return yaml.load(REFERENCE.read_text(), Loader=_LOADER)


@lru_cache(maxsize=1)
def typed() -> dict:
    """HyperTrack's spec as published, only typed as JSON-Schema validators need it: its void nullables
    typed and its nullable enums listing null (read-only: copy before changing).  What a pact of the
    mock is checked against (``contract/pact_check.py``), and what the mock reduces a pact's answers to."""
    # (_stringify_dates builds new dicts and lists: what follows leaves published() as it was)
    return _null_in_nullable_enums(_type_nullables(_stringify_dates(published())))


@lru_cache(maxsize=1)
def reference() -> dict:
    """The reference spec with its quirks handled (read-only: copy before changing)."""
    return _patch_quirks(copy.deepcopy(typed()))


def close_objects(node):
    """Every object schema in ``node`` closed (``additionalProperties: false``), in place, so that a key
    the schema does not name fails; but not the maps that APIFlask's ``ValidationError`` documents with
    placeholder keys (``<location>``, ``<field_name>``), whose keys are the field names."""
    if isinstance(node, dict):
        if (node.get("type") == "object" and "properties" in node and "additionalProperties" not in node
                and not any(key.startswith("<") for key in node["properties"])):
            node["additionalProperties"] = False
        for value in node.values():
            close_objects(value)
    elif isinstance(node, list):
        for value in node:
            close_objects(value)
    return node


#: Objects that stay open in ``strict()``: OrderCustomEvent is the timeline's catch-all, an event of any
#: type with any fields, which HyperTrack's own examples (order_created, order_assigned, ...) rely on.
OPEN_SCHEMAS = ("OrderCustomEvent",)


@lru_cache(maxsize=1)
def strict() -> dict:
    """The reference with every object closed (but ``OPEN_SCHEMAS``): the mock may send only fields
    HyperTrack's spec names."""
    spec = close_objects(copy.deepcopy(reference()))
    for name in OPEN_SCHEMAS:
        spec["components"]["schemas"][name].pop("additionalProperties", None)
    return spec


def _with_undocumented_answers(spec: dict) -> dict:
    for (method, path, status), schema in UNDOCUMENTED_ANSWERS.items():
        spec["paths"][path][method.lower()]["responses"][status] = {
            "description": "Answered by the mock beyond HyperTrack's spec (contract/reference.py)",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    return spec


@lru_cache(maxsize=1)
def fuzzable() -> dict:
    """``strict()`` plus the answers the mock gives beyond the reference (``UNDOCUMENTED_ANSWERS``),
    so that a fuzzer judges those by the schema chosen for them instead of calling them undocumented."""
    return _with_undocumented_answers(copy.deepcopy(strict()))


def reachable(node, schemas: dict) -> set[str]:
    """The names of the components ``node`` refers to, directly or through other components."""
    seen, todo = set(), list(_refs(node))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    return seen


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"].rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@lru_cache(maxsize=1)
def proxied() -> dict:
    """For a validator that judges requests as well as answers (Prism's proxy, ``contract/prism.py``):
    like ``fuzzable()``, but only what an answer can contain is closed.  Request bodies stay as
    published, open, so that a field the mock accepts beyond HyperTrack's (``metadata`` on Complete
    Order) is not reported as a bad request; the geometries, shared by both, are closed."""
    spec = copy.deepcopy(reference())
    schemas = spec["components"]["schemas"]
    answers = [op["responses"] for item in spec["paths"].values() for op in item.values()
               if isinstance(op, dict) and "responses" in op]
    close_objects(answers)
    for name in reachable(answers, schemas):
        close_objects(schemas[name])
    for name in OPEN_SCHEMAS:
        schemas[name].pop("additionalProperties", None)
    return _null_in_nullable_enums(_with_undocumented_answers(spec), add=False)
