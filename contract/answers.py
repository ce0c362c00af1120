"""HyperTrack's documented answers, as the mock ships them for the pacts it writes.

    python -m contract.answers          # writes mockserver/web/hypertrack_answers.json
    python -m contract.answers --check  # exits 1 if the shipped file is not what the spec gives

``contract/`` is not installed with the package, and the pact call (``GET /__mock/pact``) needs, at
run time, what HyperTrack's spec documents for each operation: its statuses and the schemas of their
bodies.  This writes exactly that, from ``reference.typed()`` (the spec as published, only typed), with
the components those schemas reach and without what a validator does not read (descriptions,
examples).  ``tests/test_pact.py`` checks that the shipped file is this module's output.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .reference import reachable, typed

SHIPPED = Path(__file__).resolve().parent.parent / "mockserver" / "web" / "hypertrack_answers.json"
#: Keywords that say nothing a validator checks.
_PROSE = frozenset({"description", "example", "examples", "deprecated", "title", "summary"})


def _without_prose(node, names: bool = False):
    """``node`` without prose keywords; ``names``: a map of names (``properties``), whose keys are kept."""
    if isinstance(node, dict):
        return {key: _without_prose(value, key == "properties" and not names) for key, value in node.items()
                if names or key not in _PROSE}
    if isinstance(node, list):
        return [_without_prose(value) for value in node]
    return node


def answers() -> dict:
    """``{"operations": {"GET /orders/{order_handle}": {"200": schema or None, ...}}, "schemas": {...}}``:
    each operation's documented statuses, each with the schema of its JSON body (None: no body)."""
    spec = typed()
    operations = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                operations[f"{method.upper()} {path}"] = {
                    status: (answer.get("content") or {}).get("application/json", {}).get("schema")
                    for status, answer in operation["responses"].items()}
    components = spec["components"]["schemas"]
    reached = reachable(operations, components)
    return _without_prose({"source": "contract/hypertrack/hypertrack-orders-track.openapi.yaml, typed "
                                     "(contract/reference.py typed()); written by python -m contract.answers",
                           "operations": operations,
                           "schemas": {name: schema for name, schema in components.items() if name in reached}})


def render(document: dict) -> str:
    """The file's text: one operation, and one schema, a line (a change shows as the lines it touches)."""
    def block(mapping: dict) -> str:
        return ",\n".join(f"  {json.dumps(key)}: {json.dumps(value, separators=(',', ':'))}"
                          for key, value in mapping.items())
    return (f'{{"source": {json.dumps(document["source"])},\n"operations": {{\n{block(document["operations"])}\n}},\n'
            f'"schemas": {{\n{block(document["schemas"])}\n}}}}\n')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the shipped file is up to date")
    args = parser.parse_args(argv)
    text = render(answers())
    if args.check:
        if SHIPPED.read_text() != text:
            print(f"{SHIPPED} is not what the spec gives: run python -m contract.answers", file=sys.stderr)
            return 1
        return 0
    SHIPPED.write_text(text)
    print(f"wrote {SHIPPED} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
