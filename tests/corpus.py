"""About three hundred varied requests, as bytes on the wire: what a careful user might send the mock.

Valid calls of every operation, every documented error (each shipped scenario's examples, a 422 for
each constraint of HyperTrack's track request), malformed JSON and malformed HTTP, odd content types,
odd methods, odd credentials and fault rules.  Each request goes on a connection of its own and asks
for it to be closed, so that its answer is everything read until then; the order matters (the
requests build and change state), so the list is sent as it is.
"""
from __future__ import annotations

import base64
import json
from urllib.parse import quote

from conftest import SHIPPED, seed_request
from raw_http import request
from test_conformance import TRACK_CASES

FROZEN = "2023-11-01T22:47:53.512Z"


def _basic(account: str, secret: str = "s3cret") -> str:
    return "Basic " + base64.b64encode(f"{account}:{secret}".encode()).decode()


def _json(method: str, path: str, body=None, *, account: str | None = "corpus", raw: bytes | None = None,
          content_type: str | None = "application/json", extra=()) -> bytes:
    headers = []
    if account is not None:
        headers.append(("Authorization", _basic(account)))
    if content_type is not None and (body is not None or raw is not None):
        headers.append(("Content-Type", content_type))
    headers.extend(extra)
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    return request(method, path, data, headers)


def _orders(suffix: str) -> dict:
    body = seed_request()
    for order in body["orders"]:
        order["order_handle"] += suffix
    return body


def corpus() -> list[tuple[str, bytes]]:
    """``(name, bytes)`` for every request, in the order they are sent."""
    items: list[tuple[str, bytes]] = []

    def add(name: str, data: bytes, **kwargs) -> None:
        items.append((name, data))

    # The clock stands still, so that every timestamp is the same on every run.
    add("freeze the clock server-wide", _json("POST", "/__mock/clock", {"frozen_at": FROZEN}, account=None))

    # Every shipped scenario's documented answers, each scenario in a tenant of its own.
    for name in SHIPPED.names():
        if name == "large":
            continue
        account = f"scenario-{name}"
        add(f"load {name}", _json("POST", f"/__mock/scenarios/{name}", account=account))
        for example in SHIPPED.get(name)["examples"]:
            add(f"{name}: {example['name']}", _json("POST", "/orders/track", example["request"], account=account))

    # A 422 for every constraint of HyperTrack's track request.
    for case, body, _ in TRACK_CASES:
        add(f"422: {case}", _json("POST", "/orders/track", body))

    # The lifecycle, with its errors.
    add("track", _json("POST", "/orders/track", _orders("-a")))
    add("track again: 409", _json("POST", "/orders/track", _orders("-a")))
    add("track with a route handle and metadata", _json("POST", "/orders/track", dict(
        _orders("-b"), route={"route_handle": "route-b", "metadata": {"shift": "night", "big": 2 ** 70}})))
    add("a duplicate route handle", _json("POST", "/orders/track", dict(_orders("-c"), route={"route_handle": "route-b"})))
    add("kept but not echoed fields", _json("POST", "/orders/track", dict(_orders("-d"), orders=[dict(
        _orders("-d")["orders"][0], tasks_list={"tasks": [{"label": "scan"}]}, facility_name="dock", workflow_ids=["w"],
        priority="high", metadata={"x": 1}, product_type=["fragile"], scheduled_after="2023-11-02T01:00:00+02:00")])))
    for path in ("/orders/order-1-a", "/orders/order-1-a?fulfillment_attempt=0", "/orders/order-1-a?fulfillment_attempt=9",
                 "/orders/nope", "/orders/order-1-a?fulfillment_attempt=x", "/orders/routes/route-b",
                 "/orders/routes/nope", "/orders/", "/orders/?limit=1", "/orders/?status=ongoing,completed&limit=2",
                 "/orders/?status=bogus", "/orders/?limit=0", "/orders/?pagination_token=bad", "/orders",
                 "/orders/routes/", "/orders/routes/?track_mode=on_time&limit=1", "/orders/routes/?track_mode=x",
                 "/orders/?worker_handle=james@ht.com&ops_group_handle=SAN_JOSE_WH&route_handle=route-b",
                 "/workers/james@ht.com", "/workers/nobody", "/workers/james@ht.com?include_deleted=maybe"):
        add(f"GET {path}", _json("GET", path))
    add("complete an order", _json("POST", "/orders/order-1-a/complete", {"metadata": {"signed_by": "Ana"}}))
    add("complete it again: 409", _json("POST", "/orders/order-1-a/complete"))
    add("cancel the other", _json("POST", "/orders/order-2-a/cancel"))
    add("cancel with a type that does not match", _json("POST", "/orders/order-1-b/cancel?type=drop"))
    add("cancel with an unknown body field", _json("POST", "/orders/order-1-b/cancel", {"reason": "x"}))
    add("complete an unknown order", _json("POST", "/orders/nope/complete"))
    add("track order-1-a again: attempt 1", _json("POST", "/orders/track", dict(_orders("-a"), orders=_orders("-a")["orders"][:1])))
    add("read attempt 1", _json("GET", "/orders/order-1-a"))
    add("complete a route", _json("POST", "/orders/routes/route-b/complete", {}))
    add("complete it again: 409", _json("POST", "/orders/routes/route-b/complete", {}))
    add("complete an unknown route", _json("POST", "/orders/routes/nope/complete", {}))
    planned = [{"order_handle": f"plan-{n}", "scheduled_at": "2023-11-02T02:00:00Z",
                "destination": {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}}} for n in (1, 2)]
    add("plan orders for a worker", _json("POST", "/orders/", {"plan_mode": "manual", "worker_handle": "james@ht.com",
                                                                "orders": planned}))
    add("plan them again: 409", _json("POST", "/orders/", {"plan_mode": "manual", "orders": planned}))
    add("take orders in unplanned", _json("POST", "/orders/", {"plan_mode": "manual", "orders": [
        {"order_handle": "loose-1", "scheduled_at": "2023-11-02T03:00:00Z", "destination": {"address": "1 Main St"}}]}))
    add("plan on demand, asynchronously", _json("POST", "/orders/", {"plan_mode": "on_demand", "orders": [
        dict(planned[0], order_handle="demand-1")]}))
    add("plan for later", _json("POST", "/orders/", {"plan_mode": "scheduled", "orders": [
        dict(planned[0], order_handle="later-1")]}))
    for case, body in (("no scheduled_at", {"plan_mode": "manual", "orders": [{"order_handle": "p", "destination": {
            "geometry": {"type": "Point", "coordinates": [1, 2]}}}]}), ("no orders", {"plan_mode": "manual", "orders": []}),
            ("an unknown plan_mode", {"plan_mode": "pool", "orders": planned}),
            ("an unknown worker", {"plan_mode": "manual", "worker_handle": "ghost", "orders": [dict(planned[0], order_handle="g")]}),
            ("an unknown ops group", {"plan_mode": "manual", "ops_group_handle": "NOPE", "orders": planned})):
        add(f"plan: {case}", _json("POST", "/orders/", body))
    add("update an ongoing order", _json("PATCH", "/orders/order-1-b", {"metadata": {"gate": "4"},
                                                                        "scheduled_at": "2023-11-02T05:00:00Z"}))
    add("move an ongoing order: 422", _json("PATCH", "/orders/order-1-b", {"destination": {"address": "x", "geometry": {
        "type": "Point", "coordinates": [-121.8, 37.4]}}}))
    add("move a planned order", _json("PATCH", "/orders/plan-1", {"destination": {"geometry": {
        "type": "Point", "coordinates": [-121.8, 37.4]}}, "attachments": [{"type": "note", "data": "gate code 4411"}]}))
    add("update an unknown order", _json("PATCH", "/orders/nope", {"metadata": {}}))
    add("update with a wrong type", _json("PATCH", "/orders/plan-1", {"expected_service_time": "long"}))
    for path in ("/workers/", "/workers/?limit=1", "/workers/?include_deleted=true&ops_group_handle=default",
                 "/workers/?pagination_token=bad", "/workers?limit=0"):
        add(f"GET {path}", _json("GET", path))
    add("create a worker", _json("POST", "/workers/", {"worker_handle": "ana", "name": "Ana",
                                                      "device_id": "0b5a4f1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"}))
    add("create a worker without the slash", _json("POST", "/workers", {"worker_handle": "bo"}))
    add("a worker in an unknown ops group", _json("POST", "/workers/", {"worker_handle": "cy", "ops_group_handle": "NO"}))
    add("a worker with a bad device id", _json("POST", "/workers/", {"worker_handle": "dee", "device_id": "not-a-uuid"}))
    add("delete a worker", _json("DELETE", "/workers/ana"))
    add("read the deleted worker", _json("GET", "/workers/ana"))
    add("read it with include_deleted", _json("GET", "/workers/ana?include_deleted=true"))
    add("undelete it", _json("POST", "/workers/ana/undelete"))
    add("delete an unknown worker", _json("DELETE", "/workers/nobody"))
    add("an ops group", _json("POST", "/workers/ops-groups/", {"ops_group_handle": "NORTH", "ops_group_label": "North"}))
    add("an ops group without a label", _json("POST", "/workers/ops-groups", {"ops_group_handle": "SOUTH"}))

    # The phone: driven along a route by the (frozen) clock, in a tenant of its own.
    stops = [{"order_handle": f"stop-{n}", "scheduled_at": "2023-11-01T22:50:00Z", "destination": {
        "geometry": {"type": "Point", "coordinates": [-121.9, 37.3 + 0.01 * n]}, "radius": 50}} for n in (1, 2)]
    phone, path = {"account": "phone"}, "/__mock/workers/james@ht.com/phone"
    add("phone: a route to drive", _json("POST", "/orders/track", dict(_orders("-p"), orders=stops), **phone))
    add("phone: at rest", _json("GET", path, **phone))
    add("phone: drive", _json("PUT", path, {"driving": True, "speed_kmh": 50}, **phone))
    add("phone: the first estimate", _json("GET", "/orders/stop-1", **phone))
    add("phone: advance the tenant's clock", _json("POST", "/__mock/clock", {"advance_seconds": 150}, **phone))
    add("phone: arrived and left stop 1", _json("GET", "/orders/stop-1", **phone))
    add("phone: the route's estimate", _json("GET", "/orders/routes/?worker_handle=james@ht.com", **phone))
    add("phone: the worker's location", _json("GET", "/workers/james@ht.com", **phone))
    add("phone: park, with an outage", _json("PATCH", path, {"driving": False, "outage": "uninstalled"}, **phone))
    add("phone: late and at risk", _json("POST", "/__mock/clock", {"advance_seconds": 600}, **phone))
    add("phone: stop 2's risks", _json("GET", "/orders/stop-2", **phone))
    add("phone: a bad latitude", _json("PUT", path, {"location": [-121.9, 91]}, **phone))
    add("phone: an unknown outage", _json("PUT", path, {"outage": "meteor"}, **phone))
    add("phone: an unknown worker", _json("GET", "/__mock/workers/nobody/phone", **phone))
    add("phone: thresholds", _json("PUT", "/__mock/thresholds", {"minutes_away": 10}, **phone))
    add("phone: the new thresholds", _json("GET", "/__mock/thresholds", **phone))

    # The other operations' inputs, each broken once.
    wrong = {"worker_handle": "", "name": 7, "ops_group_handle": 7, "profile": [], "home": {"geometry": 1},
             "product_types": "x", "unavailable_on": {}, "device_id": 12, "schedule": "daily", "unknown": 1}
    for field, value in wrong.items():
        add(f"worker: {field}", _json("POST", "/workers/", {"worker_handle": "w", field: value}))
    wrong = {"ops_group_label": None, "route_start_location": "moon", "route_completion_type": "never",
             "objective_fn": "fastest", "shift_availability_mode": "x", "route_capacity": 1.5, "route_max_distance": "1",
             "operations_radius": True, "enforce_operations_radius": "yes", "schedule": {}, "app_config": [], "unknown": 1}
    for field, value in wrong.items():
        add(f"ops group: {field}", _json("POST", "/workers/ops-groups/",
                                         {"ops_group_handle": "G", "ops_group_label": "G", field: value}))
    for path in ("/orders/order-1-b?fulfillment_attempt=-1", "/orders/order-1-b?on_shift_only=perhaps",
                 "/orders/?limit=1001", "/orders/?limit=x", "/orders/routes/?status=lost", "/orders/routes/?limit=-5",
                 "/orders/routes/?pagination_token=" + base64.urlsafe_b64encode(b"orders:1").decode(),
                 "/workers/james@ht.com?from_time=yesterday", "/orders/routes/route-b?include_summary=2",
                 "/orders/?unknown_filter=1&limit=1"):
        add(f"GET {path}", _json("GET", path))
    for path in ("/orders/order-1-b/complete?type=pickup", "/orders/order-1-b/complete?type_index=-1",
                 "/orders/routes/route-b/complete?version=x"):
        add(f"POST {path}", _json("POST", path, {}))

    # The control plane, as a test would call it.
    for path in ("/__mock/health", "/__mock/scenarios", "/__mock/clock", "/__mock/requests?path=/nowhere/*&status=4xx",
                 "/__mock/requests?status=teapot", "/__mock/requests?method=BREW",
                 "/__mock/faults"):
        add(f"control: GET {path}", _json("GET", path))
    for rule in ({"path": "/x"}, {"status": 99}, {"drop_connection": "sometimes"}, {"drop_connection": True, "status": 500},
                 {"delay_ms": -1}, {"probability": 2, "status": 500}, {"method": "BREW", "status": 500}):
        add(f"control: a bad fault {rule}", _json("POST", "/__mock/faults", rule))
    for document in ({"workers": "broken"}, {"unknown": 1}, {"routes": [{"route_handle": "r", "worker_handle": "ghost"}]},
                     {"workers": [{"worker_handle": "w"}, {"worker_handle": "w"}]}):
        add(f"control: a bad scenario {list(document)}", _json("POST", "/__mock/scenarios", document, account="bad-scenarios"))
    add("control: an unknown scenario", _json("POST", "/__mock/scenarios/nope"))
    add("control: a worker linked to a phone", _json("POST", "/__mock/workers", {"worker_handle": "eve", "device_ids": ["EVE-PHONE"]}))
    add("control: a worker without credentials", _json("POST", "/__mock/workers", {"worker_handle": "x"}, account=None))
    add("control: an unknown fault", _json("DELETE", "/__mock/faults/999"))
    add("control: a bad clock", _json("POST", "/__mock/clock", {"frozen_at": "yesterday"}))
    add("control: a clock with nothing to do", _json("POST", "/__mock/clock", {}))
    add("control: move a tenant's clock", _json("POST", "/__mock/clock", {"advance_seconds": 60}, account="clocked"))
    add("a track on the moved clock", _json("POST", "/orders/track", _orders("-k"), account="clocked"))
    add("control: a body that is not JSON", _json("POST", "/__mock/faults", raw=b"{", content_type="application/json"))

    # Credentials of every kind.
    add("no credentials", _json("POST", "/orders/track", _orders("-e"), account=None))
    for name, value in (("malformed Basic", "Basic not-base64!"), ("empty secret", "Basic " + base64.b64encode(b"x:").decode()),
                        ("an unknown scheme", "Digest abc"), ("an unknown Bearer token", "Bearer nope"),
                        ("an empty header", ""), ("a bare scheme", "Basic")):
        add(f"credentials: {name}", request("GET", "/orders/", headers=[("Authorization", value)]))
    add("a token", request("POST", "/oauth/token", b"grant_type=client_credentials&client_id=corpus&client_secret=s3cret",
                           [("Content-Type", "application/x-www-form-urlencoded")]))
    add("a token for a bad grant", request("POST", "/oauth/token", b"grant_type=password&client_id=corpus&client_secret=x",
                                           [("Content-Type", "application/x-www-form-urlencoded")]))
    add("a token without a secret", request("POST", "/oauth/token", b"grant_type=client_credentials&client_id=corpus",
                                            [("Content-Type", "application/x-www-form-urlencoded")]))
    add("a token asked in JSON", _json("POST", "/oauth/token", {"grant_type": "client_credentials"}, account=None))
    add("a token in a multipart form", request(
        "POST", "/oauth/token", b'--b\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n'
        b'--b\r\nContent-Disposition: form-data; name="client_id"\r\n\r\ncorpus\r\n--b\r\nContent-Disposition: form-data; '
        b'name="client_secret"\r\n\r\ns3cret\r\n--b--\r\n', [("Content-Type", "multipart/form-data; boundary=b")]))

    # Bodies that are no usable JSON document, and odd content types.
    for name, raw in (("truncated JSON", b'{"track_mode":'), ("NaN", b'{"track_mode": NaN}'),
                      ("a duplicate key", b'{"track_mode": "on_time", "track_mode": "flex"}'),
                      ("invalid UTF-8", b'{"track_mode": "on_\xfftime"}'), ("deep nesting", b"[" * 50_000 + b"]" * 50_000),
                      ("a JSON array", b"[]"), ("a JSON string", b'"x"'), ("whitespace only", b"  \n"),
                      ("a BOM", b'\xef\xbb\xbf{"track_mode": "on_time"}')):
        add(f"body: {name}", _json("POST", "/orders/track", raw=raw))
    for content_type in ("text/plain", "application/json; charset=utf-8", "application/vnd.api+json",
                         "application/x-www-form-urlencoded", "APPLICATION/JSON", "multipart/form-data; boundary=x"):
        add(f"content type {content_type}", _json("POST", "/orders/track", _orders("-" + quote(content_type, safe="")[:12]),
                                                  content_type=content_type))
    add("a body without a content type", _json("POST", "/orders/track", _orders("-f"), content_type=None))
    add("an empty body", _json("POST", "/orders/track", raw=b""))
    add("a body on a GET", _json("GET", "/orders/order-1-a", {"x": 1}))
    add("a body over the limit", _json("POST", "/orders/track", raw=b'{"x": "' + b"y" * (1024 * 1024) + b'"}'))

    # Odd methods and paths.
    for method, path in (("PUT", "/orders/track"), ("PATCH", "/orders/track"), ("DELETE", "/orders/track"),
                         ("GET", "/orders/track"), ("OPTIONS", "/orders/track"), ("HEAD", "/orders/order-1-a"),
                         ("HEAD", "/orders/nope"), ("TRACE", "/orders/track"), ("GET", "/orders/track/"),
                         ("POST", "/orders/order-1-a/complete/"), ("GET", "/nope"), ("GET", "/"), ("GET", "//orders/track"),
                         ("GET", "/orders/%E6%9D%B1%E4%BA%AC"), ("GET", "/orders/a%2Fb"), ("DELETE", "/workers/"),
                         ("GET", "/__mock/nope"), ("OPTIONS", "*")):
        add(f"{method} {path}", _json(method, path))
    add("a very long path", _json("GET", "/orders/" + "x" * 8000))
    add("a query string on track", _json("POST", "/orders/track?trace=1&trace=2", _orders("-g")))
    add("an absolute target", _json("GET", "http://mock/orders/order-1-a"))

    # Malformed HTTP, and headers of every kind.
    for name, raw in (
            ("garbage", b"GARBAGE\r\n\r\n"),
            ("lower-case method", b"post /orders/track HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"),
            ("negative Content-Length", b"POST /orders/track HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
            ("two Content-Lengths", b"POST /orders/track HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
            ("Content-Length and chunked", b"POST /orders/track HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                           b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            ("a bad chunk size", b"POST /orders/track HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            ("a header without a colon", b"GET /orders/ HTTP/1.1\r\nHost: x\r\nBroken\r\n\r\n"),
            ("a space before the colon", b"GET /orders/ HTTP/1.1\r\nHost : x\r\n\r\n"),
            ("HTTP/1.0", b"GET /orders/ HTTP/1.0\r\nAuthorization: " + _basic("corpus").encode() + b"\r\n\r\n"),
            ("no Host", b"GET /orders/nope HTTP/1.1\r\nConnection: close\r\n\r\n"),
            ("CONNECT", b"CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            ("an upgrade", b"GET /orders/nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")):
        add(f"HTTP: {name}", raw)
    headers = [("Authorization", _basic("corpus")), ("X-Repeated", "a"), ("X-Repeated", "b"), ("X_Underscore", "u"),
               ("X-Name", "Zoë".encode().decode("latin-1")), ("x-lower-case", "l")]
    add("odd headers", request("GET", "/orders/nope", headers=headers))
    add("122 headers", request("GET", "/orders/nope", headers=[("Authorization", _basic("corpus"))] + [
        (f"X-Extra-{n}", str(n)) for n in range(121)]))
    add("a huge header", request("GET", "/orders/nope", headers=[("Authorization", _basic("corpus")), ("X-Big", "x" * 70_000)]))
    chunked = json.dumps(_orders("-h")).encode()
    add("a chunked body", b"POST /orders/track HTTP/1.1\r\nHost: x\r\nAuthorization: " + _basic("corpus").encode() +
        b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
        b"%x\r\n%s\r\n0\r\n\r\n" % (len(chunked), chunked))
    add("Expect: 100-continue", _json("POST", "/orders/track", _orders("-i"), extra=[("Expect", "100-continue")]))

    # Faults: a status, a body, headers, a delay, every kind of drop, a probability.
    faults = [{"method": "POST", "path": "/orders/track", "status": 503, "times": 1},
              {"path": "/orders/teapot", "status": 418, "body": {"why": "tea"}, "headers": {"Retry-After": "1"}, "times": 1},
              {"path": "/orders/slow", "delay_ms": 30, "times": 1},
              {"path": "/orders/reset", "drop_connection": "reset", "times": 1},
              {"path": "/orders/empty", "drop_connection": "empty", "times": 1},
              {"path": "/orders/cut", "drop_connection": "truncated", "times": 1},
              {"path": "/orders/maybe-*", "status": 500, "probability": 0.5, "seed": 3, "body": None}]
    for n, rule in enumerate(faults):
        add(f"fault {n}", _json("POST", "/__mock/faults", rule))
    add("a server-wide fault", _json("POST", "/__mock/faults", {"path": "/orders/everyone", "status": 502}, account=None))
    for path in ("/orders/track", "/orders/teapot", "/orders/slow", "/orders/reset", "/orders/empty", "/orders/cut",
                 *(f"/orders/maybe-{n}" for n in range(6)), "/orders/everyone"):
        add(f"faulted {path}", _json("POST" if path == "/orders/track" else "GET", path,
                                     _orders("-j") if path == "/orders/track" else None))
    add("the faults left", _json("GET", "/__mock/faults"))
    add("the tenant's state", _json("GET", "/__mock/state"))
    return items
