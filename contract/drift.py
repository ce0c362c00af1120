"""Drift between the mock's own OpenAPI document and HyperTrack's reference, per operation.

    python -m contract.drift            # prints every difference; exit 1 if one is not allow-listed

For each operation of the reference it compares the documented status codes, the query parameters,
the request body and the success response: fields the mock has that HyperTrack does not, fields
HyperTrack requires that the mock lacks, required lists, and enum values.  Differences the project
accepts are listed, each with its reason, in ``contract/drift-allowlist.json``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .reference import reference

ALLOWLIST = Path(__file__).resolve().parent / "drift-allowlist.json"


def _is_null(variant: dict) -> bool:
    """``{"type": "null"}``, apispec's way of saying "or null" for a nested schema, or the reference's
    null-only variant (``contract/reference.py``)."""
    return (variant.get("type") == "null" or variant.get("not") == {"type": "string"}
            or (variant.get("nullable") and set(variant) <= {"type", "nullable"}))


def _resolve(schema: dict, spec: dict) -> tuple[dict, str | None]:
    name = None
    while True:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            schema = spec["components"]["schemas"][name]
        elif len(schema.get("allOf", ())) == 1:
            schema = schema["allOf"][0]
        elif len([v for v in schema.get("anyOf", ()) if not _is_null(v)]) == 1:
            schema = next(v for v in schema["anyOf"] if not _is_null(v))
        else:
            return schema, name


def flatten(schema: dict, spec: dict, path: str = "", depth: int = 0) -> dict:
    """``{"orders[].destination<OrderListPointDestination>.radius": {"required": False, "enum": None}}``."""
    fields = {}
    schema, _ = _resolve(schema, spec)
    if depth > 6:
        return fields
    variants = schema.get("oneOf") or schema.get("anyOf")
    if variants:
        # One of several shapes: their fields together; a field is required only where every shape
        # requires it (the two specs name and split their variants differently).
        flattened = [flatten(variant, spec, path, depth + 1) for variant in variants]
        for shape in flattened:
            for key, field in shape.items():
                merged = fields.setdefault(key, dict(field))
                merged["required"] = all(other.get(key, {}).get("required") for other in flattened)
                if field["enum"] and merged["enum"] != field["enum"]:
                    merged["enum"] = sorted(set(merged["enum"] or ()) | set(field["enum"]))
        return fields
    kinds = schema.get("type")
    if (kinds == "array" or (isinstance(kinds, list) and "array" in kinds)) and "items" in schema:
        return flatten(schema["items"], spec, path + "[]", depth + 1)
    required = set(schema.get("required", ()))
    for name, prop in (schema.get("properties") or {}).items():
        resolved, _ = _resolve(prop, spec)
        key = f"{path}.{name}" if path else name
        enum = [value for value in resolved.get("enum") or () if value is not None]  # null: nullability
        fields[key] = {"required": name in required, "enum": sorted(map(str, enum)) if enum else None}
        fields.update(flatten(prop, spec, key, depth + 1))
    return fields


def _json_schema(part: dict | None) -> dict | None:
    return ((part or {}).get("content") or {}).get("application/json", {}).get("schema")


def compare_schemas(label: str, mock: dict, mock_spec: dict, ref: dict, ref_spec: dict, request: bool) -> list[str]:
    ours, theirs = flatten(mock, mock_spec), flatten(ref, ref_spec)
    found = []
    for key in sorted(ours.keys() - theirs.keys()):
        found.append(f"{label}: field {key} is the mock's, not HyperTrack's")
    for key in sorted(theirs.keys() - ours.keys()):
        if (theirs[key]["required"] and key.rsplit(".", 1)[0] in ours | {"": None}) or (
                theirs[key]["required"] and "." not in key):
            found.append(f"{label}: required field {key} is missing from the mock")
    for key in sorted(ours.keys() & theirs.keys()):
        a, b = ours[key], theirs[key]
        if request and a["required"] != b["required"]:
            found.append(f"{label}: field {key} is {'required' if a['required'] else 'optional'} in the mock, "
                         f"{'required' if b['required'] else 'optional'} in HyperTrack's spec")
        if not request and b["required"] and not a["required"]:
            found.append(f"{label}: field {key} is required by HyperTrack's spec, optional in the mock's")
        if a["enum"] != b["enum"] and a["enum"] is not None and b["enum"] is not None:
            only_ours, only_theirs = sorted(set(a["enum"]) - set(b["enum"])), sorted(set(b["enum"]) - set(a["enum"]))
            found.append(f"{label}: enum of {key} differs: mock-only {only_ours}, HyperTrack-only {only_theirs}")
    return found


def differences(mock_spec: dict, ref_spec: dict | None = None) -> list[str]:
    ref_spec = ref_spec or reference()
    found = []
    for path, operations in ref_spec["paths"].items():
        for method, ref_op in operations.items():
            label = f"{method.upper()} {path}"
            mock_op = mock_spec["paths"].get(path, {}).get(method)
            if mock_op is None:
                found.append(f"{label}: not in the mock's OpenAPI document")
                continue
            ref_codes, mock_codes = set(ref_op["responses"]), set(mock_op["responses"])
            for code in sorted(mock_codes - ref_codes):
                found.append(f"{label}: status {code} is the mock's, not HyperTrack's")
            for code in sorted(ref_codes - mock_codes):
                found.append(f"{label}: status {code} is HyperTrack's, not documented by the mock")
            ref_query = {p["name"] for p in ref_op.get("parameters", ()) if p["in"] == "query"}
            mock_query = {p["name"] for p in mock_op.get("parameters", ()) if p["in"] == "query"}
            if mock_query - ref_query:
                found.append(f"{label}: query parameters only the mock's: {', '.join(sorted(mock_query - ref_query))}")
            if ref_query - mock_query:
                found.append(f"{label}: query parameters the mock ignores: {', '.join(sorted(ref_query - mock_query))}")
            ref_body, mock_body = _json_schema(ref_op.get("requestBody")), _json_schema(mock_op.get("requestBody"))
            if ref_body and mock_body:
                found += compare_schemas(f"{label} request", mock_body, mock_spec, ref_body, ref_spec, True)
            elif ref_body or mock_body:
                found.append(f"{label}: request body only in {'HyperTrack' if ref_body else 'the mock'}")
            success = sorted(code for code in ref_codes & mock_codes if code.startswith("2"))
            for code in success:
                ref_schema, mock_schema = (_json_schema(ref_op["responses"][code]),
                                           _json_schema(mock_op["responses"][code]))
                if ref_schema and mock_schema:
                    found += compare_schemas(f"{label} {code}", mock_schema, mock_spec, ref_schema, ref_spec, False)
    return found


def load_allowlist() -> dict[str, str]:
    return json.loads(ALLOWLIST.read_text())


def main() -> int:
    from mockserver import create_app

    found = differences(create_app().spec)
    allowed = load_allowlist()
    unexplained = [d for d in found if d not in allowed]
    for difference in found:
        mark = "allowed" if difference in allowed else "DRIFT  "
        print(f"{mark} {difference}" + (f"\n          because: {allowed[difference]}" if difference in allowed else ""))
    stale = sorted(set(allowed) - set(found))
    for entry in stale:
        print(f"stale   allow-list entry no longer needed: {entry}")
    print(f"{len(found)} differences, {len(unexplained)} not allow-listed, {len(stale)} stale allow-list entries")
    return 1 if unexplained or stale else 0


if __name__ == "__main__":
    sys.exit(main())
