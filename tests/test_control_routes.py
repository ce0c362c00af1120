"""The control plane's routes against ``mockserver/testing.py``: every ``/__mock/`` route has a helper a test
can call, save the few a test has no reason to call, each with its reason; and the helpers do what they say."""
from __future__ import annotations

import ast

import pytest
import requests
from conftest import ROOT, basic

from mockserver.testing import HyperTrackMock
from mockserver.web.app import create_app

TESTING = ROOT / "mockserver" / "testing.py"
#: Routes no test needs a helper for: ``(method, rule) -> why``.
HELPER_LESS = {
    ("POST", "/__mock/inbox/<name>"): "the inbox's receiving end: the mock delivers webhooks to it, tests read it",
    ("GET", "/__mock/webhook/confirm"): "SNS's SubscribeURL: the receiver under test calls it, not the test",
    ("GET", "/__mock/peek/<path:target>"): "the dashboard's reading of the data plane: a test calls the data plane",
    ("GET", "/__mock/ui"): "the dashboard's page, for people",
    ("GET", "/__mock/ui/<asset>"): "the dashboard's script and style sheet",
    ("PATCH", "/__mock/workers/<worker_handle>/phone"): "PUT's twin, for clients that PATCH: phone() PUTs",
}
VERBS = {"get", "post", "put", "delete", "patch"}


def _path(node: ast.AST) -> str | None:
    """The text of a path argument, each ``{...}`` of an f-string read as ``1``; None if it is not text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "1" for part in node.values)
    if isinstance(node, ast.BinOp):  # url + "/__mock/health"
        return _path(node.right)
    return None


def helper_calls(source: str) -> set[tuple[str, str]]:
    """``(method, path)`` of every control call written in ``source``: ``._control("VERB", "path", ...)``, and
    ``requests.<verb>(... "/__mock/...")``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
            continue
        if node.func.attr == "_control":
            path = _path(node.args[1])
            if path is not None:
                found.add((node.args[0].value, "/__mock/" + path))
        elif node.func.attr in VERBS and getattr(node.func.value, "id", None) == "requests":
            path = _path(node.args[0])
            if path is not None and path.startswith("/__mock/"):
                found.add((node.func.attr.upper(), path))
    return found


def control_routes(flask) -> set[tuple[str, str]]:
    """``(method, rule)`` of every ``/__mock/`` route of the Flask app."""
    return {(method, rule.rule) for rule in flask.url_map.iter_rules() if rule.rule.startswith("/__mock/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def routes_called(flask, calls) -> set[tuple[str, str]]:
    """The routes the calls reach, matched as the app matches a request."""
    adapter = flask.url_map.bind("localhost")
    return {(method, adapter.match(path, method, return_rule=True)[0].rule) for method, path in calls}


@pytest.fixture(scope="module")
def flask():
    return create_app({"seed": 7}).flask


def test_every_control_route_has_a_testing_helper(flask):
    called = routes_called(flask, helper_calls(TESTING.read_text()))

    assert control_routes(flask) - called - HELPER_LESS.keys() == set()


def test_the_helper_less_routes_are_routes_and_have_no_helper(flask):
    """The allow-list stays honest: each entry is a route, and none of them has a helper after all."""
    called = routes_called(flask, helper_calls(TESTING.read_text()))

    assert HELPER_LESS.keys() <= control_routes(flask)
    assert HELPER_LESS.keys() & called == set()


def test_the_check_reads_the_helpers_calls(flask):
    """The reading above is not vacuous: a helper's f-string path and a module function's URL are found."""
    calls = helper_calls(TESTING.read_text())

    assert ("POST", "/__mock/orders/1/events") in calls
    assert ("GET", "/__mock/health") in calls
    assert routes_called(flask, {("DELETE", "/__mock/faults/1")}) == {("DELETE", "/__mock/faults/<int:fault_id>")}


def test_the_reading_helpers_answer_for_the_tests_tenant(app):
    mock = HyperTrackMock(app.url, "acme", "s3cret")
    assert "default" in [scenario["name"] for scenario in mock.scenarios()]

    fault = mock.add_fault(status=503, path="/orders/track")
    other = mock.add_fault(status=500, path="/orders/")
    assert mock.faults() == [fault, other]
    mock.remove_fault(fault["id"])
    assert mock.faults() == [other]

    mock.freeze_clock("2023-11-01T22:47:53.512Z")
    assert mock.clock() == {"now": "2023-11-01T22:47:53.512Z", "frozen_at": "2023-11-01T22:47:53.512Z",
                            "offset_seconds": 0.0, "tenant": "acme"}

    assert mock.webhook() is None
    mock.set_webhook(inbox="helpers")
    assert mock.webhook()["url"].endswith("/__mock/inbox/helpers")

    requests.get(app.url + "/orders/unknown", headers=basic(), timeout=10)
    assert [entry["path"] for entry in mock.requests()] == ["/orders/unknown"]
    mock.clear_requests()
    assert mock.requests() == []
    mock.close()
