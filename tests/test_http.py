"""HTTP as the one server speaks it, the same under the CLI and the plugin's thread: whatever arrives gets
a JSON answer, framing problems included, and a connection carries requests in order."""
from __future__ import annotations

import json
import socket
import time

import pytest
import requests
from conftest import basic, seed_request
from raw_http import exchange, replies, request, send

ACME = basic()["Authorization"]
UNAUTHORIZED = {"detail": {}, "message": "Unauthorized"}


def unreadable(why: str) -> dict:
    return {"detail": {"request": [f"Not a valid HTTP/1.1 request ({why})."]}, "message": "Bad Request"}


C = b"Connection: close\r\n"
MALFORMED = [
    pytest.param(b"GARBAGE\r\n\r\n", unreadable("Invalid method encountered"), id="no request line"),
    pytest.param(b"post /orders/track HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
                 unreadable("Invalid method encountered"), id="lower-case method"),
    pytest.param(b"FETCH /orders/track HTTP/1.1\r\nHost: x\r\n\r\n", unreadable("Invalid method encountered"),
                 id="unknown method"),
    pytest.param(b"POST /orders/track HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                 unreadable("Invalid character in Content-Length"), id="negative Content-Length"),
    pytest.param(b"POST /orders/track HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
                 unreadable("Duplicate Content-Length"), id="two Content-Lengths"),
    pytest.param(b"POST /orders/track HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"2\r\n{}\r\n0\r\n\r\n", unreadable("Transfer-Encoding can't be present with Content-Length"),
                 id="Content-Length and chunked"),
    pytest.param(b"POST /orders/track HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                 unreadable("Invalid character in chunk size"), id="bad chunk size"),
    pytest.param(b"POST /orders/track HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n" + C + b"\r\n",
                 unreadable("Request has invalid `Transfer-Encoding`"), id="unknown transfer coding"),
    pytest.param(b"GET /orders/x HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", unreadable("Invalid header token"),
                 id="header without colon"),
    pytest.param(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n" + C + b"\r\n",
                 unreadable("the request target is not a path"), id="CONNECT"),
]


@pytest.mark.parametrize("data, expected", MALFORMED)
def test_a_request_that_is_not_valid_http_gets_a_json_400_and_the_connection_is_closed(live, data, expected):
    how, raw = send(live, data)

    [reply] = replies(raw)
    assert (how, reply.status, reply.header("Content-Type"), reply.header("Connection")) == (
        "closed", 400, "application/json", "close")
    assert reply.json() == expected


def test_a_malformed_request_that_got_as_far_as_its_path_is_journaled(live):
    send(live, b"POST /orders/track HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}")

    [entry] = requests.get(live + "/__mock/requests", params={"status": "400"}, timeout=10).json()["requests"]
    assert (entry["method"], entry["path"], entry["status"], entry["reason"]) == (
        "POST", "/orders/track", 400, "Bad Request (request: Not a valid HTTP/1.1 request (Duplicate Content-Length).)")


def test_headers_over_the_limit_get_a_json_431_even_when_they_never_end(live):
    head = b"GET /orders/x HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"x" * 300_000  # no end of headers

    how, raw = send(live, head)

    [reply] = replies(raw)
    assert (reply.status, reply.json()) == (431, {
        "detail": {"headers": ["The request headers are larger than the 65536-byte limit."]},
        "message": "Request Header Fields Too Large"})


def test_many_headers_within_the_limit_are_served(live):
    headers = [("Authorization", ACME), ("Content-Type", "application/json")]
    headers += [(f"X-Extra-{n}", "v") for n in range(120)]

    reply = exchange(live, request("POST", "/orders/track", json.dumps(seed_request()).encode(), headers))

    assert reply.status == 201, reply


def test_pipelined_requests_are_answered_in_order_on_one_connection(live):
    data = b"".join([
        request("GET", "/orders/nope", headers=[("Authorization", ACME)], close=False),
        request("POST", "/orders/track", json.dumps(seed_request()).encode(),
                [("Authorization", ACME), ("Content-Type", "application/json")], close=False),
        request("GET", "/orders/order-1", headers=[("Authorization", ACME)], close=False),
        request("GET", "/__mock/health"),
    ])

    how, raw = send(live, data)

    assert [r.status for r in replies(raw)] == [404, 201, 200, 200]
    assert replies(raw)[2].json()["order_handle"] == "order-1"


def test_a_delayed_request_holds_up_only_what_comes_after_it_on_its_connection(live):
    requests.post(live + "/__mock/faults", json={"path": "/orders/slow", "delay_ms": 500}, headers=basic(),
                  timeout=10).raise_for_status()
    data = request("GET", "/orders/slow", headers=[("Authorization", ACME)], close=False) + request(
        "GET", "/orders/after", headers=[("Authorization", ACME)])

    started = time.perf_counter()
    assert requests.get(live + "/__mock/health", timeout=10).status_code == 200  # another connection meanwhile
    how, raw = send(live, data)

    assert [(r.status, r.json()["message"]) for r in replies(raw)] == [(404, "Order not found")] * 2
    assert time.perf_counter() - started >= 0.5


def test_head_answers_the_headers_of_get_without_a_body(live):
    get = exchange(live, request("GET", "/orders/nope", headers=[("Authorization", ACME)]))
    head = exchange(live, request("HEAD", "/orders/nope", headers=[("Authorization", ACME)]))

    assert (head.status, head.headers, head.body) == (get.status, get.headers, b"")
    assert int(head.header("Content-Length")) == len(get.body) > 0


def test_expect_100_continue_is_answered_before_the_body(live):
    body = json.dumps(seed_request()).encode()
    how, raw = send(live, request("POST", "/orders/track", body, [
        ("Authorization", ACME), ("Content-Type", "application/json"), ("Expect", "100-continue")]))

    assert [r.status for r in replies(raw)] == [100, 201]


def test_a_chunked_body_is_read_whole(live):
    body = json.dumps(seed_request()).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:])) + b"0\r\n\r\n"
    data = (b"POST /orders/track HTTP/1.1\r\nHost: x\r\nAuthorization: " + ACME.encode() +
            b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked)

    reply = exchange(live, data)

    assert reply.status == 201, reply


def test_an_absolute_target_as_a_proxy_sends_it_is_served(live):
    reply = exchange(live, request("GET", "http://mock/orders/nope?limit=1", headers=[("Authorization", ACME)]))

    assert (reply.status, reply.json()) == (404, {"detail": {}, "message": "Order not found"})


def test_a_percent_encoded_handle_is_decoded(live):
    reply = exchange(live, request("GET", "/orders/order%201", headers=[("Authorization", ACME)]))

    assert (reply.status, reply.json()) == (404, {"detail": {}, "message": "Order not found"})
    journal = requests.get(live + "/__mock/requests", headers=basic(), timeout=10).json()["requests"]
    assert journal[-1]["path"] == "/orders/order 1"


def test_options_lists_the_methods_of_a_path(live):
    """/orders/track is Track Orders (POST), and also an order handle (Get and Update Order)."""
    reply = exchange(live, request("OPTIONS", "/orders/track", headers=[("Authorization", ACME)]))

    assert (reply.status, reply.header("Allow"), reply.json()) == (
        200, "GET, HEAD, OPTIONS, PATCH, POST", {"allow": ["GET", "HEAD", "OPTIONS", "PATCH", "POST"]})


def test_an_upgrade_is_answered_in_http_1_1_and_the_connection_closed(live):
    how, raw = send(live, b"GET /orders/x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")

    [reply] = replies(raw)
    assert (how, reply.status, reply.json()) == ("closed", 401, UNAUTHORIZED)


def test_a_body_over_the_limit_is_refused_unread_and_the_connection_closed(live):
    """The head declares more than the limit: 413 at once, without reading (or waiting for) the body."""
    head = (b"POST /orders/track HTTP/1.1\r\nHost: x\r\nAuthorization: " + ACME.encode() +
            b"\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\nExpect: 100-continue\r\n\r\n")

    started = time.perf_counter()
    how, raw = send(live, head)

    [reply] = replies(raw)
    assert (reply.status, reply.header("Connection")) == (413, "close")
    assert time.perf_counter() - started < 2


def test_a_connection_left_idle_is_closed_and_one_in_use_is_not():
    from mockserver import create_app
    from mockserver.serve import Server

    server = Server(create_app(), "127.0.0.1", 0, idle_seconds=0.5).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as idle, \
                socket.create_connection(("127.0.0.1", server.port), timeout=5) as stalled:
            stalled.sendall(b"POST /orders/track HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            time.sleep(1.6)
            assert idle.recv(1024) == b""  # closed by the server, nothing sent
            assert stalled.recv(1024) == b""  # half a body and silence: closed too
            kept = requests.Session()
            for _ in range(4):  # a keep-alive connection in use stays open
                assert kept.get(server.url + "/__mock/health", timeout=5).status_code == 200
                time.sleep(0.2)
    finally:
        server.stop()


def test_each_answer_carries_its_own_headers_past_the_header_lines_kept():
    """Header lines are encoded once and kept, at most ``MAX_HEADER_LINES`` of them: past that bound an
    answer's headers are encoded afresh, and still its own."""
    from mockserver.serve import http
    from mockserver.testing import HyperTrackMock, MockServer

    server = MockServer({}).start()
    try:
        mock = HyperTrackMock.fresh_tenant(server.url, server)
        seen = []
        for n in range(http.MAX_HEADER_LINES + 10):
            mock.add_fault(path="/orders/nope", status=429, headers={"Retry-After": str(n)}, times=1)
            answer = mock.session.get(f"{server.url}/orders/nope", timeout=10)
            seen.append((answer.status_code, answer.headers["Retry-After"], answer.headers["Content-Type"]))
    finally:
        server.stop()

    assert seen == [(429, str(n), "application/json") for n in range(http.MAX_HEADER_LINES + 10)]
    assert len(http._HEADER_LINES) <= http.MAX_HEADER_LINES
