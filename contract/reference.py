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

#: Answers the mock gives that the reference does not document for the operation, each with the
#: reference schema its body must still match and the reason.
UNDOCUMENTED_ANSWERS = {
    # HyperTrack documents no answer for finishing a finished order; the mock mirrors the 409 that
    # Complete Route documents for a completed route, rather than re-finishing the order.
    ("POST", "/orders/{order_handle}/complete", "409"): "Error",
    ("POST", "/orders/{order_handle}/cancel", "409"): "Error",
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
    # Quirk: an order's destination (Get Order, Complete and Cancel Order) is a oneOf whose point and
    # polygon variants declare place_handle and geofence_id, while the place-handle and geofence
    # variants require nothing but that key and are open: a destination that uses a property its
    # variant declares matches two variants (test_reference_quirks proves it).  Read as anyOf: it
    # must still match at least one variant in full.  (Timelines are judged as published: oneOf.)
    for name in ("GetOrderTimelineResponse", "CompleteOrderResponse", "CancelOrderResponse"):
        properties = schemas[name]["properties"]
        destination = dict(properties["destination"])
        destination["anyOf"] = destination.pop("oneOf")
        properties["destination"] = destination
    return spec


@lru_cache(maxsize=1)
def reference() -> dict:
    """The reference spec with its quirks handled (read-only: copy before changing)."""
    return _patch_quirks(_stringify_dates(yaml.safe_load(REFERENCE.read_text())))


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


@lru_cache(maxsize=1)
def fuzzable() -> dict:
    """``strict()`` plus the answers the mock gives beyond the reference (``UNDOCUMENTED_ANSWERS``),
    so that a fuzzer judges those by the schema chosen for them instead of calling them undocumented."""
    spec = copy.deepcopy(strict())
    for (method, path, status), schema in UNDOCUMENTED_ANSWERS.items():
        spec["paths"][path][method.lower()]["responses"][status] = {
            "description": "Answered by the mock beyond HyperTrack's spec (contract/reference.py)",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}
    return spec
