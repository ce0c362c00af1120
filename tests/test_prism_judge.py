"""``contract/prism.py`` judges a newman run by the ``sl-violations`` Prism adds: what it lets pass and
what it fails, on runs made up here (CI runs it for real, with Prism and newman from npm)."""
from __future__ import annotations

import json

from contract.prism import COLLECTION, deliberately_wrong, judge


def execution(name, method, path, code, violations=None, *, failed=False):
    header = [{"key": "sl-violations", "value": json.dumps(violations)}] if violations is not None else []
    return {"item": {"name": name}, "request": {"method": method, "url": {"path": path.strip("/").split("/")}},
            "response": {"code": code, "header": header}}


def run(*executions, failures=()):
    return {"run": {"executions": list(executions),
                    "failures": [{"source": {"name": name}, "error": {"message": "expected"}} for name in failures]}}


ANSWER = [{"location": ["response", "body"], "severity": "Error", "message": "Response body must have required property 'x'"}]
REQUEST = [{"location": ["request", "body"], "severity": "Error", "message": "Request body must be object"}]
UNROUTED = [{"location": ["request"], "severity": "Warning", "message": "Selected route not found"}]


def test_valid_exchanges_and_the_mocks_own_calls_pass():
    assert judge(run(execution("Track", "POST", "/orders/track", 201, []),
                     execution("Reset", "POST", "/__mock/reset", 200, UNROUTED),
                     execution("Token", "POST", "/oauth/token", 200, UNROUTED)), set()) == []


def test_a_broken_answer_fails_even_for_a_request_wrong_on_purpose_it_is_excused():
    problems = judge(run(execution("Track", "POST", "/orders/track", 201, ANSWER),
                         execution("Bad on purpose", "POST", "/orders/track", 422, REQUEST + ANSWER)),
                     {"Bad on purpose"})

    assert problems == ["Track: POST /orders/track: [\"Response body must have required property 'x'\"]"]


def test_a_request_the_spec_refuses_fails_unless_it_is_wrong_on_purpose():
    assert len(judge(run(execution("Oops", "POST", "/orders/track", 422, REQUEST)), set())) == 1
    assert judge(run(execution("Oops", "POST", "/orders/track", 422, REQUEST)), {"Oops"}) == []


def test_a_data_plane_call_outside_the_spec_fails():
    [problem] = judge(run(execution("List", "GET", "/orders/plans", 200, UNROUTED)), set())

    assert "matches no operation of HyperTrack's spec" in problem


def test_a_newman_check_that_fails_through_the_proxy_fails_unless_the_request_is_wrong_on_purpose():
    assert len(judge(run(execution("Get", "GET", "/orders/o", 200, []), failures=["Get"]), set())) == 1
    assert judge(run(execution("Not JSON", "POST", "/orders/track", 400), failures=["Not JSON"]), {"Not JSON"}) == []


def test_the_collection_marks_its_deliberately_wrong_requests_by_unique_names():
    marked = deliberately_wrong(json.loads(COLLECTION.read_text()))

    assert {"No credentials: 401", "Not JSON: 400", "Track: the 503"} <= marked
    assert "Track two orders" not in marked
