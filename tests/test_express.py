"""The express lane (``mockserver/express.py``) answers a plain track exactly as the Flask view does.

Two apps with the same seed get the same requests through granian's RSGI bridge, called in-process:
one with the express lane, one with every request going to Flask.  Every answer (status, headers,
bytes), the journal and the saved state must be identical, and the express lane must have answered
the plain tracks itself.
"""
from __future__ import annotations

import base64
import json

import pytest
from conftest import make_app, seed_request
from fake_rsgi import ACME, call

from mockserver.intercept import FAULT_HEADER
from mockserver.rsgi import Bridge


class NoExpress:
    @staticmethod
    def takes(method, path, query):
        return False


def orders(suffix, **changes):
    body = seed_request(**changes)
    for order in body["orders"]:
        order["order_handle"] += suffix
    return body


#: (what, request arguments, answered by the express lane)
CASES = [
    ("the seed", ("POST", "/orders/track", orders("-1")), True),
    ("route options with metadata", ("POST", "/orders/track", orders("-2", route={
        "route_handle": "route-2", "metadata": {"shift": "night", "n": [1, 2.5, None, True]}})), True),
    ("unicode", ("POST", "/orders/track", orders("-é", ops_group_handle=None)), True),
    ("an integer beyond 64 bits echoed in metadata (Flask's encoder)",
     ("POST", "/orders/track", orders("-3", route={"metadata": {"big": 2 ** 70}})), True),
    ("the planned route, by its handle", ("POST", "/orders/track", {
        "route_handle": "7ac07153-5590-46c5-9ada-a6ca84f5b48f", "track_mode": "on_time"}), True),
    ("the planned route again (400: already tracking)", ("POST", "/orders/track", {
        "route_handle": "7ac07153-5590-46c5-9ada-a6ca84f5b48f", "track_mode": "on_time"}), False),
    ("a duplicate order handle (409)", ("POST", "/orders/track", orders("-1")), False),
    ("a duplicate route handle (409)", ("POST", "/orders/track", orders("-4", route={"route_handle": "route-2"})),
     False),
    ("an unknown worker (404)", ("POST", "/orders/track", orders("-5", worker_handle="nobody")), False),
    ("an invalid track mode (422)", ("POST", "/orders/track", orders("-6", track_mode="sometimes")), False),
    ("an empty body", ("POST", "/orders/track", None), False),
    ("invalid JSON", ("POST", "/orders/track"), False, {"raw": b'{"orders": ['}),
    ("a duplicate key", ("POST", "/orders/track"), False,
     {"raw": b'{"track_mode": "on_time", "track_mode": "on_time"}'}),
    ("invalid UTF-8", ("POST", "/orders/track"), False, {"raw": b'{"worker_handle": "\xff"}'}),
    ("text/plain (415)", ("POST", "/orders/track", orders("-7")), False, {"content_type": "text/plain"}),
    ("JSON with a charset (Flask's path, 201)", ("POST", "/orders/track", orders("-8")), False,
     {"content_type": "application/json; charset=utf-8"}),
    ("a query string (Flask's path, 201)", ("POST", "/orders/track", orders("-9")), False, {"query": "x=1"}),
    ("no credentials (401)", ("POST", "/orders/track", orders("-10")), False, {"authorization": None}),
    ("malformed credentials (401)", ("POST", "/orders/track", orders("-11")), False,
     {"authorization": "Basic not-base64!"}),
    ("a trailing slash", ("POST", "/orders/track/", orders("-12")), False),
    ("another tenant", ("POST", "/orders/track", orders("-13")), True,
     {"authorization": "Basic " + base64.b64encode(b"other:pw").decode()}),
    ("a fault rule's answer", ("POST", "/__mock/faults", {"method": "POST", "path": "/orders/track", "status": 503,
                                                          "times": 1}), False),
    ("the faulted track", ("POST", "/orders/track", orders("-14")), False),
    ("the next track, plain again", ("POST", "/orders/track", orders("-14")), True),
    ("the order read back", ("GET", "/orders/" + orders("-1")["orders"][0]["order_handle"]), False),
]


OTHER = "Basic " + base64.b64encode(b"other:pw").decode()


def run(bridge) -> list:
    """``(what, status, headers, body, answered by the express lane)`` for each case, in order."""
    hits = []
    if not isinstance(bridge.express, NoExpress):
        answer = bridge.express.answer
        bridge.express.answer = lambda *args: hits.append(result := answer(*args)) or result
    answers, fault_id = [], None
    for case in CASES:
        what, args, _, options = (*case, {}) if len(case) == 3 else case
        before = sum(hit is not None for hit in hits)
        status, headers, body = call(bridge, *args, **options)
        if args[1] == "/__mock/faults":  # fault ids count across apps: the same rule gets "ID" in both runs
            fault_id = json.loads(body)["fault"]["id"]
        headers = [(k, "ID" if k == FAULT_HEADER and v == str(fault_id) else v) for k, v in headers]
        body = body.replace(b'"id":%d,' % fault_id, b'"id":"ID",') if args[1] == "/__mock/faults" else body
        answers.append((what, status, headers, body, sum(hit is not None for hit in hits) > before))
    return answers


@pytest.fixture
def pair():
    """Two bridges over apps with the same seed and frozen clocks: the express lane's, and Flask's alone."""
    bridges = []
    for express in (True, False):
        bridge = Bridge(make_app({"seed": 42}))
        if not express:
            bridge.express = NoExpress()
        # The server's clock, frozen before any tenant starts (and stamps its scenario's planned route).
        assert call(bridge, "POST", "/__mock/clock", {"frozen_at": "2023-11-01T22:47:53.512Z"},
                    authorization=None)[0] == 200
        bridges.append(bridge)
    return bridges


def test_the_express_lane_answers_as_flask_does(pair):
    fast, flask = pair

    expressed, plain = run(fast), run(flask)

    for got, expected in zip(expressed, plain):
        assert got[:4] == expected[:4]
    assert [what for what, *_, hit in expressed if hit] == [what for what, _, hit, *_ in CASES if hit]
    assert not any(hit for *_, hit in plain)
    statuses = {what: status for what, status, *_ in expressed}
    assert statuses["the seed"] == statuses["JSON with a charset (Flask's path, 201)"] == 201
    assert statuses["a duplicate order handle (409)"] == 409 and statuses["the faulted track"] == 503
    assert statuses["the next track, plain again"] == 201 and statuses["a fault rule's answer"] == 201


def journal_and_state(bridge, account):
    journal = json.loads(call(bridge, "GET", "/__mock/requests", authorization=account)[2])
    for entry in journal["requests"]:
        del entry["id"], entry["received_at"], entry["duration_ms"]
        if entry["fault"] is not None:  # fault ids count across apps
            entry["fault"] = "ID"
            entry["reason"] = entry["reason"].split()[0]
    return journal, json.loads(call(bridge, "GET", "/__mock/state", authorization=account)[2])


def test_the_express_lane_journals_and_stores_as_flask_does(pair):
    fast, flask = pair
    answers = run(fast)
    run(flask)

    for account in (ACME, OTHER, None):
        assert journal_and_state(fast, account) == journal_and_state(flask, account)
    journal, state = journal_and_state(fast, ACME)
    not_acmes = {"no credentials (401)", "malformed credentials (401)", "another tenant", "a fault rule's answer"}
    assert [(entry["path"], entry["status"]) for entry in journal["requests"]] == [
        (case[1][1], status) for case, (what, status, *_) in zip(CASES, answers) if what not in not_acmes]
    assert [route["status"] for route in state["routes"]] == ["tracking"] * 8


def test_a_body_the_express_lane_refused_is_not_loaded_again(pair, monkeypatch):
    from mockserver.schemas.hypertrack import TrackOrdersRequest

    fast, _ = pair
    loads = []
    load = TrackOrdersRequest.load
    monkeypatch.setattr(TrackOrdersRequest, "load", lambda self, *a, **k: loads.append(1) or load(self, *a, **k))

    invalid = call(fast, "POST", "/orders/track", orders("-20", track_mode="sometimes"))
    unknown_worker = call(fast, "POST", "/orders/track", orders("-21", worker_handle="nobody"))

    assert (invalid[0], unknown_worker[0]) == (422, 404)
    assert json.loads(invalid[2]) == {"detail": {"json": {"track_mode": [
        "Must be one of: full_shift, pre_shift, on_shift, on_time, flex."]}}, "message": "Validation error"}
    assert len(loads) == 2  # once each, by the express lane; Flask's view took its outcome
