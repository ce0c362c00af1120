"""Every key of every answer the data plane sends is declared in the mock's own ``/openapi.json``.

Answers are encoded from the tenant's records, not dumped through the response schemas (which would
cost as much as the rest of a request), so this proves the two agree: each answer of the ~300
requests of the corpus is validated against the schema its operation documents for its status (or,
for a status it does not document, APIFlask's ``HTTPError``), with every object closed, so that a key
the document does not name fails.
"""
from __future__ import annotations

import copy
import json
import re

import pytest
from corpus import corpus
from openapi_schema_validator import OAS30Validator
from raw_http import replies, send

from contract.reference import close_objects
from mockserver.testing import MockServer
from mockserver.web.responses import FAULT_HEADER


@pytest.fixture(scope="module")
def served():
    server = MockServer({"seed": 5}).start()
    yield server
    server.stop()


def _operation(spec: dict, method: str, path: str):
    """The documented operation a request reached: ``(spec path, operation)``, or None."""
    for spec_path, operations in spec["paths"].items():
        if spec_path.startswith("/__mock/") or method.lower() not in operations:
            continue
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", spec_path.rstrip("/")) + "/?$"
        if re.match(pattern, path):
            return spec_path, operations[method.lower()]
    return None


def _validator(spec: dict, schema: dict) -> OAS30Validator:
    return OAS30Validator({**schema, "components": spec["components"]})


def test_every_key_of_every_data_plane_answer_is_declared(served):
    spec = close_objects(copy.deepcopy(served.app.spec))
    checked, problems = 0, []
    for name, data in corpus():
        if name.startswith("HTTP:"):
            continue  # not valid HTTP: refused by the server before it reached an operation
        how, raw = send(served.url, data)
        head = data.split(b"\r\n", 1)[0].split(b" ")
        if len(head) < 3:
            continue
        method, path = head[0].decode(), head[1].decode().split("?")[0]
        found = _operation(spec, method, path)
        if found is None or not raw:
            continue
        reply = next(r for r in replies(raw) if r.status != 100)
        if (reply.header(FAULT_HEADER) or not reply.body or reply.header("Content-Type") != "application/json"
                or len(reply.body) != int(reply.header("Content-Length"))):  # a fault's answer, or a cut one
            continue
        documented = found[1]["responses"].get(str(reply.status))
        schema = (documented["content"]["application/json"]["schema"] if documented and "content" in documented
                  else {"$ref": "#/components/schemas/HTTPError"})
        errors = [e.message for e in _validator(spec, schema).iter_errors(json.loads(reply.body))]
        if errors:
            problems.append(f"{name} ({method} {found[0]} {reply.status}): {errors[:3]}")
        checked += 1

    assert problems == [], "\n".join(problems)
    assert checked > 200


def test_an_undeclared_key_is_caught(served):
    spec = close_objects(copy.deepcopy(served.app.spec))
    schema = spec["paths"]["/orders/track"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    answer = {"route_handle": "r", "status": "tracking", "version": 1, "embed_url": "e", "orders": [], "tasks_list": {}}

    assert "Additional properties are not allowed ('tasks_list' was unexpected)" in [
        e.message for e in _validator(spec, schema).iter_errors(answer)]
