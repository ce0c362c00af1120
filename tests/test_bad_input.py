"""Bodies that are not a usable JSON document, sent to the real server: a clear 4xx, and nothing changes."""
from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
import requests
from conftest import basic, seed_request

LIMIT = 1024 * 1024  # the default --max-body-bytes
JSON = {"Content-Type": "application/json"}


def bad_request(message: str) -> dict:
    return {"detail": {"json": [message]}, "message": "Bad Request"}


TOO_LARGE = {"detail": {"json": [f"The body is larger than the {LIMIT}-byte limit."]},
             "message": "Request Entity Too Large"}
INVALID_INPUT_TYPE = {"detail": {"json": {"_schema": ["Invalid input type."]}}, "message": "Validation error"}


def oversized_in_chunks():
    """A JSON document just over the limit, sent with ``Transfer-Encoding: chunked`` (no Content-Length)."""
    yield b'{"track_mode": "'
    for _ in range(LIMIT // 1024 + 1):
        yield b"x" * 1024
    yield b'"}'


CASES = [
    pytest.param(b'{"track_mode":', JSON, 400, bad_request("Invalid JSON body."), id="truncated JSON"),
    pytest.param(b"track_mode=on_time", {"Content-Type": "text/plain"}, 415,
                 {"detail": {"json": ["Send the body as JSON with 'Content-Type: application/json'."]},
                  "message": "Unsupported Media Type"}, id="text/plain body"),
    pytest.param(b'{"track_mode": "' + b"x" * LIMIT + b'"}', JSON, 413, TOO_LARGE,
                 id="body over the limit"),
    pytest.param(oversized_in_chunks, JSON, 413, TOO_LARGE, id="chunked body over the limit"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, JSON, 400,
                 bad_request("The JSON body is nested too deeply."), id="100000-deep nesting"),
    pytest.param(b'{"track_mode": "on_\xff\xfetime"}', JSON, 400,
                 bad_request("The body is not valid UTF-8."), id="invalid UTF-8 in a string"),
    pytest.param(b'{"track_mode": "on_time", "orders": [{"type_index": NaN}]}', JSON, 400,
                 bad_request("NaN is not a valid JSON number."), id="NaN"),
    pytest.param(b'{"track_mode": "on_time", "orders": [{"type_index": Infinity}]}', JSON, 400,
                 bad_request("Infinity is not a valid JSON number."), id="Infinity"),
    pytest.param(b'{"track_mode": "on_time", "orders": [{"type_index": -Infinity}]}', JSON, 400,
                 bad_request("-Infinity is not a valid JSON number."), id="-Infinity"),
    pytest.param(b'{"track_mode": "on_time", "track_mode": "flex"}', JSON, 400,
                 bad_request("Duplicate key 'track_mode' in a JSON object."), id="duplicate key"),
    pytest.param(json.dumps([seed_request()]).encode(), JSON, 422, INVALID_INPUT_TYPE, id="JSON array"),
    pytest.param(b'"track me"', JSON, 422, INVALID_INPUT_TYPE, id="JSON string"),
    pytest.param(b"", JSON, 422,
                 {"detail": {"json": {"track_mode": ["Missing data for required field."]}},
                  "message": "Validation error"}, id="empty body"),
]


def assert_seed_request_still_tracks(url: str) -> None:
    """order-1 and order-2 are still free and James can still be tracked: the refused request changed nothing."""
    response = requests.post(url + "/orders/track", json=seed_request(), headers=basic(), timeout=10)
    assert response.status_code == 201, response.text
    assert [order["order_handle"] for order in response.json()["orders"]] == ["order-1", "order-2"]


@pytest.mark.parametrize("body, headers, status, expected", CASES)
def test_a_body_that_is_not_a_usable_document_is_refused_and_changes_nothing(live, body, headers, status,
                                                                             expected):
    data = body() if callable(body) else body

    response = requests.post(live + "/orders/track", data=data, headers={**basic(), **headers}, timeout=30)

    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == expected
    assert_seed_request_still_tracks(live)


def test_a_refused_body_leaves_the_connection_usable(live):
    """A keep-alive connection that sent a refused body still carries the next request."""
    with requests.Session() as session:
        session.headers.update(basic())
        refused = session.post(live + "/orders/track", data=b'{"track_mode":', headers=JSON, timeout=10)
        accepted = session.post(live + "/orders/track", json=seed_request(), timeout=10)

    assert refused.status_code == 400
    assert accepted.status_code == 201, accepted.text


def test_a_body_shorter_than_its_content_length_gets_a_400_and_changes_nothing(live):
    """A client that promises more bytes than it sends and stops sending gets a 400 saying why, and
    nothing is tracked.  requests cannot send a lying Content-Length, so this one is written on a raw socket.
    """
    address = urlsplit(live)
    body = json.dumps(seed_request()).encode()
    head = (f"POST /orders/track HTTP/1.1\r\nHost: {address.netloc}\r\n"
            f"Authorization: {basic()['Authorization']}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body) + 100}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as raw:
        raw.sendall(head + body)
        raw.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert json.loads(body) == bad_request("The body is shorter than its Content-Length.")
    assert_seed_request_still_tracks(live)


def test_a_body_of_exactly_the_limit_is_accepted(live):
    body = json.dumps(seed_request()).encode()
    body += b" " * (LIMIT - len(body))  # trailing whitespace is still one JSON document

    response = requests.post(live + "/orders/track", data=body, headers={**basic(), **JSON}, timeout=30)

    assert len(body) == LIMIT
    assert response.status_code == 201, response.text


def test_metadata_beyond_what_a_64_bit_integer_holds_and_non_ascii_text_is_echoed_exactly(live):
    """Answers are encoded by orjson, which refuses integers over 64 bits; Flask's encoder takes those over."""
    metadata = {"big": 2**70, "negative": -(2**65), "name": "Zoë · 東京", "nested": [{"float": 1e300}]}

    response = requests.post(live + "/orders/track", json=seed_request(route={"metadata": metadata}),
                             headers=basic(), timeout=10)

    assert response.status_code == 201, response.text
    assert response.json()["metadata"] == metadata
    assert json.loads(response.content.decode("utf-8"))["metadata"]["big"] == 2**70
