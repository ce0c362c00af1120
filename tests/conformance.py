"""Validate the mock's responses against the schemas HyperTrack's published spec declares for them.

The reference spec has known quirks (``../shared/reference/README.md``).  They are handled here, in one
place, by ``_patch_quirks``, each with the reason; validation is never switched off.
"""
from __future__ import annotations

import copy
import datetime
import re
from functools import lru_cache

import yaml
from openapi_schema_validator import OAS30Validator

from conftest import REFERENCE

#: (method, path pattern) of every operation the reference excerpt documents -> its spec path.
OPERATIONS = [
    ("POST", re.compile(r"^/orders/track$"), "/orders/track"),
    ("POST", re.compile(r"^/orders/routes/[^/]+/complete$"), "/orders/routes/{route_handle}/complete"),
    ("GET", re.compile(r"^/orders/routes/[^/]+$"), "/orders/routes/{route_handle}"),
    ("POST", re.compile(r"^/orders/[^/]+/complete$"), "/orders/{order_handle}/complete"),
    ("POST", re.compile(r"^/orders/[^/]+/cancel$"), "/orders/{order_handle}/cancel"),
    ("GET", re.compile(r"^/orders/(?!routes/)[^/]+$"), "/orders/{order_handle}"),
]


#: Answers the mock gives that the reference does not document for the operation, each with the
#: reference schema its body must still match and the reason.  Anything else undocumented fails.
UNDOCUMENTED_ANSWERS = {
    # HyperTrack documents no answer for finishing a finished order; the mock mirrors the 409 that
    # Complete Route documents for a completed route, rather than re-finishing the order.
    ("POST", "/orders/{order_handle}/complete", "409"): "Error",
    ("POST", "/orders/{order_handle}/cancel", "409"): "Error",
}


class NotConformant(AssertionError):
    pass


def _stringify_dates(node):
    """PyYAML reads the spec's unquoted example timestamps as datetimes; the schemas want strings."""
    if isinstance(node, dict):
        return {key: _stringify_dates(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_stringify_dates(value) for value in node]
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return node


def _patch_quirks(spec: dict) -> dict:
    schemas = spec["components"]["schemas"]
    # Quirk 1: Error.detail is typed string, but the provider's own 400/404 examples put an object
    # ({"description": ...}) or null there.  Accept exactly those three forms.
    schemas["Error"]["properties"]["detail"] = {
        "anyOf": [{"type": "string", "nullable": True}, {"type": "object"}]}
    # Quirk 2: order timelines are a oneOf whose catch-all OrderCustomEvent (any recorded_at + type)
    # also matches every typed event, so no event can match exactly one.  Destinations are a oneOf of
    # four variants without additionalProperties, so a place's point matches two.  Both are read as
    # anyOf: each item must still match at least one variant in full.
    for name in ("GetOrderTimelineResponse", "CompleteOrderResponse", "CancelOrderResponse"):
        properties = schemas[name]["properties"]
        properties["timeline"]["items"] = {"anyOf": properties["timeline"]["items"]["oneOf"]}
        if "oneOf" in properties["destination"]:
            destination = dict(properties["destination"])
            destination["anyOf"] = destination.pop("oneOf")
            properties["destination"] = destination
    return spec


@lru_cache(maxsize=1)
def reference() -> dict:
    return _patch_quirks(_stringify_dates(yaml.safe_load(REFERENCE.read_text())))


@lru_cache(maxsize=None)
def _validator(spec_path: str, method: str, status: str):
    spec = reference()
    responses = spec["paths"][spec_path][method.lower()]["responses"]
    if status in responses:
        schema = responses[status]["content"]["application/json"]["schema"]
    elif (method, spec_path, status) in UNDOCUMENTED_ANSWERS:
        schema = {"$ref": f"#/components/schemas/{UNDOCUMENTED_ANSWERS[method, spec_path, status]}"}
    else:
        return None
    return OAS30Validator({**copy.deepcopy(schema), "components": spec["components"]})


def operation_of(method: str, path: str) -> str | None:
    """The reference's path for a request, or None if the excerpt does not document it."""
    for op_method, pattern, spec_path in OPERATIONS:
        if op_method == method and pattern.match(path):
            return spec_path
    return None


def check(method: str, path: str, status: int, body) -> None:
    """Raise ``NotConformant`` if ``body`` breaks the reference schema of that operation and status.

    A status the reference does not document for the operation is itself a failure.
    """
    spec_path = operation_of(method, path.split("?")[0])
    if spec_path is None or status >= 500:
        # 5xx answers are outages, not the API's contract: the mock gives them only when a test's
        # fault rule asks for one, with the body the rule chose.
        return
    validator = _validator(spec_path, method, str(status))
    if validator is None:
        raise NotConformant(f"{method} {spec_path} answered {status}, which the reference does not document")
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:300]}"
                            for e in errors[:5])
        raise NotConformant(f"{method} {spec_path} {status} breaks the reference schema: {details}")


def check_item(schema_name: str, item) -> None:
    """Validate one object (a listed order or route) against a named reference component."""
    spec = reference()
    validator = OAS30Validator({"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]})
    errors = list(validator.iter_errors(item))
    if errors:
        raise NotConformant(f"{schema_name}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:5]))
