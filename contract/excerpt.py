"""How ``contract/hypertrack/hypertrack-orders-track.openapi.yaml`` is cut from HyperTrack's whole spec.

    python -m contract.excerpt PROVIDER_SPEC [--out FILE]

PROVIDER_SPEC is ``openapi/_original/hypertrack-openapi.yaml`` of the mirror repository
api-evangelist/hypertrack (commit ``SOURCE_COMMIT``), a byte copy of
https://hypertrack.com/reference/openapi.yaml; it is 1.2 MB, so the repository keeps only the excerpt
and this script, which nothing else runs.  The excerpt is the provider's text line for line: each
operation of ``OPERATIONS`` (its whole block, examples included), every component schema they reach
through ``$ref`` (transitively, in the provider's order) and the two security schemes the operations
name.  The one change to the provider's text: the enum value ``off`` is quoted, so that YAML 1.1
loaders (PyYAML) keep it a string instead of reading ``false``.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

SOURCE = "api-evangelist/hypertrack, openapi/_original/hypertrack-openapi.yaml"
SOURCE_COMMIT = "f28bed9115d1d9229b87cb8f1166a11ab91bb99c"
EXCERPT = Path(__file__).resolve().parent / "hypertrack" / "hypertrack-orders-track.openapi.yaml"

#: (path, method, the spec's summary): what the mock serves of HyperTrack's API, in the provider's order.
OPERATIONS = [
    ("/orders/", "get", "Get Orders"),
    ("/orders/", "post", "Batch and Sequence Orders"),
    ("/workers/", "get", "Get Workers"),
    ("/workers/", "post", "Create Worker"),
    ("/orders/track", "post", "Track Orders"),
    ("/orders/routes/", "get", "Get Routes"),
    ("/workers/ops-groups/", "post", "Create Ops Group"),
    ("/orders/{order_handle}", "get", "Get Order Timeline"),
    ("/orders/{order_handle}", "patch", "Update Order"),
    ("/workers/{worker_handle}", "get", "Get Worker By Handle"),
    ("/workers/{worker_handle}", "delete", "Delete Worker"),
    ("/orders/{order_handle}/cancel", "post", "Cancel Order"),
    ("/orders/{order_handle}/webhooks", "get", "Get Order Webhooks"),
    ("/orders/routes/{route_handle}", "get", "Get Order by Route Handle"),
    ("/orders/{order_handle}/complete", "post", "Complete Order"),
    ("/workers/{worker_handle}/undelete", "post", "Undelete Worker"),
    ("/orders/routes/{route_handle}/complete", "post", "Complete Route"),
]
SECURITY_SCHEMES = ("BasicAuth", "TokenAuth")


def blocks(lines: list[str], start: int, end: int, indent: int) -> dict[str, tuple[int, int]]:
    """The keys at ``indent`` between ``start`` and ``end``, each with the span of its lines."""
    found, key, begun = {}, None, start
    for number in range(start, end + 1):
        line = lines[number] if number < end else ""
        depth = len(line) - len(line.lstrip(" "))
        if number == end or (line.strip() and depth <= indent):
            if key is not None:
                found[key] = (begun, number)
            key = None
            if number < end and depth == indent:
                key, begun = line.strip().rstrip(":").strip("'\""), number
    return found


def section(lines: list[str], name: str, indent: int, start: int = 0, end: int | None = None) -> tuple[int, int]:
    return blocks(lines, start, len(lines) if end is None else end, indent)[name]


def refs(text: str) -> list[str]:
    return re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", text)


def excerpt(source: str) -> str:
    lines = source.split("\n")
    paths = blocks(lines, *section(lines, "paths", 0), 2)
    components = section(lines, "components", 0)
    schemas = blocks(lines, *section(lines, "schemas", 2, *components), 4)
    security = blocks(lines, *section(lines, "securitySchemes", 2, *components), 4)

    out = [*header(), "openapi: 3.0.3", "info:", "  title: HyperTrack API", '  version: "1.0"', "servers:",
           "  - url: https://v3.api.hypertrack.com", "paths:"]
    wanted: list[str] = []
    for path in dict.fromkeys(path for path, _, _ in OPERATIONS):
        start, end = paths[path]
        out.append(lines[start])
        methods = blocks(lines, start + 1, end, 4)
        for method in [m for p, m, _ in OPERATIONS if p == path]:
            text = lines[slice(*methods[method])]
            summary = next(line for line in text if line.startswith("      summary:"))
            expected = next(s for p, m, s in OPERATIONS if p == path and m == method)
            if summary.split(":", 1)[1].strip() != expected:
                raise SystemExit(f"{method.upper()} {path} is {summary.strip()!r}, not {expected!r}")
            out.extend(text)
            wanted.extend(refs("\n".join(text)))
    reached, todo = set(), list(wanted)
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(refs("\n".join(lines[slice(*schemas[name])])))
    out.extend(["components:", "  schemas:"])
    for name, span in schemas.items():  # the provider's order
        if name in reached:
            out.extend(lines[slice(*span)])
    out.append("  securitySchemes:")
    for name in SECURITY_SCHEMES:
        out.extend(lines[slice(*security[name])])
    text = "\n".join(out) + "\n"
    return re.sub(r"^(\s*- )off$", r'\1"off"', text, flags=re.MULTILINE), len(reached)


def header() -> list[str]:
    width = max(len(f"{m.upper()} {p}") for p, m, _ in OPERATIONS)
    return [
        "# Excerpt of HyperTrack's public OpenAPI spec (provider URL: https://hypertrack.com/reference/openapi.yaml).",
        f"# Taken from the mirror repository {SOURCE},",
        f"# commit {SOURCE_COMMIT} (a byte mirror of the provider's file, OpenAPI 3.0.3),",
        "# by contract/excerpt.py, which says what is taken and how.",
        "#",
        "# Operations included (path spellings exactly as in the spec; text copied as-is, examples included):",
        *[f"#   {f'{m.upper()} {p}':{width}}  - {s}" for p, m, s in OPERATIONS],
        "#",
        "# components.schemas: every schema those operations reference, followed transitively, in the",
        "# provider's order. components.securitySchemes: BasicAuth and TokenAuth. info is cut down to title and",
        "# version. The one textual change: the enum value off is written \"off\" (quoted) so YAML 1.1 loaders",
        "# keep it a string.",
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="HyperTrack's whole spec (hypertrack-openapi.yaml)")
    parser.add_argument("--out", type=Path, default=EXCERPT)
    args = parser.parse_args(argv)
    text, count = excerpt(args.source.read_text(encoding="utf-8"))
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(OPERATIONS)} operations, {count} schemas, {len(text.splitlines())} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
