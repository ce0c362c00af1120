"""Validate the mock's data-plane answers against the schemas HyperTrack's spec declares for them.

The reference, its quirks and the answers the mock gives beyond it live in ``contract/reference.py``.
Every object is closed (``additionalProperties: false``), so a renamed or invented field fails.
"""
from __future__ import annotations

import json
import re
from functools import cache

from openapi_schema_validator import OAS30Validator

from contract.reference import UNDOCUMENTED_ANSWERS, strict
from mockserver.web.responses import FAULT_HEADER


def _operations():
    """(method, path pattern, spec path) of every operation the reference excerpt documents, literal
    paths first (``/orders/routes/`` is not an order handle); a collection's trailing slash is optional,
    as the mock answers ``/workers`` as ``/workers/``."""
    found = []
    for spec_path, item in strict()["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(spec_path))
        pattern = pattern[:-1] + "/?" if spec_path.endswith("/") else pattern
        for method in item:
            found.append((method.upper(), re.compile(f"^{pattern}$"), spec_path))
    return sorted(found, key=lambda op: (op[2].count("{"), -len(op[2])))


#: (method, path pattern, spec path) of every operation the reference excerpt documents.
OPERATIONS = _operations()


class NotConformant(AssertionError):
    pass


class _NoBody:
    """A documented answer without content (``204`` of Delete Worker): its body must be empty."""

    @staticmethod
    def iter_errors(body):
        if body is not None:
            yield NotConformant(f"a body where the reference documents none: {body!r}")


NO_BODY = _NoBody()


@cache
def _validator(spec_path: str, method: str, status: str):
    spec = strict()
    responses = spec["paths"][spec_path][method.lower()]["responses"]
    if (method, spec_path, status) in UNDOCUMENTED_ANSWERS:
        schema = {"$ref": f"#/components/schemas/{UNDOCUMENTED_ANSWERS[method, spec_path, status]}"}
    elif status in responses and "content" not in responses[status]:
        return NO_BODY
    elif status in responses:
        schema = responses[status]["content"]["application/json"]["schema"]
    else:
        return None
    return OAS30Validator({**schema, "components": spec["components"]})


def operation_of(method: str, path: str) -> str | None:
    """The reference's path for a request, or None if the excerpt does not document it."""
    for op_method, pattern, spec_path in OPERATIONS:
        if op_method == method and pattern.match(path):
            return spec_path
    return None


def _raise_for(errors, what):
    errors = sorted(errors, key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:300]}"
                            for e in errors[:5])
        raise NotConformant(f"{what} breaks the reference schema: {details}")


def well_formed(body: bytes | None, content_type: str | None) -> bool:
    """A request HyperTrack's spec speaks about: no body, or a JSON document declared as JSON."""
    if not body:
        return True
    if not (content_type or "").split(";")[0].strip().endswith("json"):
        return False
    def unique(pairs):
        if len({key for key, _ in pairs}) != len(pairs):
            raise ValueError("duplicate key")
        return dict(pairs)

    try:
        json.loads(body, parse_constant=lambda name: 1 / 0, object_pairs_hook=unique)
    except (ValueError, ZeroDivisionError, RecursionError):
        return False
    return True


def check(method: str, path: str, status: int, body, request_body: bytes | None = None,
          content_type: str | None = None, headers=None) -> None:
    """Raise ``NotConformant`` if ``body`` breaks the reference schema of that operation and status.

    A status the reference does not document for the operation is itself a failure.  An answer a
    test's fault rule chose (it carries the fault header) is the test's own, and is not judged.
    """
    spec_path = operation_of(method, path.split("?")[0])
    if spec_path is None or status >= 500 or FAULT_HEADER in (headers or {}):
        # 5xx answers are outages, not the API's contract: the mock gives them only when a test's
        # fault rule asks for one, with the body the rule chose.
        return
    if not well_formed(request_body, content_type) or status in (413, 415, 431):
        # The reference speaks of well-formed requests only (its README's last quirk): a body that is
        # not JSON, not declared as JSON, or over a size limit (body or headers) gets the plain error
        # {"detail": ..., "message": ...}, which other tests assert whole.
        if not (isinstance(body, dict) and set(body) == {"detail", "message"}):
            raise NotConformant(f"{method} {spec_path} {status}: a malformed request must get "
                                f"{{'detail', 'message'}}, not {body!r}")
        return
    validator = _validator(spec_path, method, str(status))
    if validator is None:
        raise NotConformant(f"{method} {spec_path} answered {status}, which the reference does not document")
    _raise_for(validator.iter_errors(body), f"{method} {spec_path} {status}")


def check_item(schema_name: str, item) -> None:
    """Validate one object (a listed order or route) against a named reference component."""
    spec = strict()
    validator = OAS30Validator({"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]})
    _raise_for(validator.iter_errors(item), schema_name)
