"""The server under abuse: answers wait for a client that does not read them, trailers are held to the head's
limit, pipelined requests are answered by a loop (others served in between), connections are capped and
slow heads timed out, request lines are strict, and a reset discards a request still waiting out a delay."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
from conftest import basic, seed_request
from raw_http import replies, request, send

from mockserver import create_app
from mockserver.serve import Server

#: The server's high-water mark of unsent bytes (``serve.http.HIGH_WATER``).
HIGH_WATER = 64 * 1024

ACME = basic()["Authorization"]


def unreadable(why: str) -> dict:
    return {"detail": {"request": [f"Not a valid HTTP/1.1 request ({why})."]}, "message": "Bad Request"}


@pytest.fixture
def serve():
    """Start servers with the settings given; each is stopped after the test."""
    started = []

    def start(config=None, **kwargs) -> Server:
        server = Server(create_app({"seed": 3, **(config or {})}), "127.0.0.1", 0, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def talk(url_or_port, data: bytes, answers: int, timeout: float = 30) -> list:
    """Send ``data`` on one connection from a thread while reading, until ``answers`` answers came (or the
    connection closed); the answers read."""
    port = url_or_port if isinstance(url_or_port, int) else int(url_or_port.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sender = threading.Thread(target=_send_quietly, args=(sock, data), daemon=True)
        sender.start()
        return _read(sock, answers)


def _send_quietly(sock, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:  # the server closed the connection: what it answered is what the test looks at
        pass


def _read(sock, answers: int) -> list:
    raw = b""
    while raw.count(b"HTTP/1.1 ") < answers or not _complete(raw):
        try:
            chunk = sock.recv(1 << 20)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        raw += chunk
    return replies(raw)


def _complete(raw: bytes) -> bool:
    try:
        replies(raw)
    except ValueError:
        return False
    head, _, rest = raw.rpartition(b"HTTP/1.1 ")[2].partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(
        b"content-length:")), 0)
    return len(rest) >= length


# --- 1. answers wait for the client to read them ------------------------------------------------------------


def test_answers_to_pipelined_requests_wait_in_the_socket_not_in_memory_while_the_client_does_not_read(serve):
    server = serve()
    one = request("GET", "/openapi.json", close=False)
    size = len(requests.get(server.url + "/openapi.json", timeout=10).content)
    count = 200
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(one * (count - 1) + request("GET", "/openapi.json"))
        time.sleep(1)  # the server does what it will with the requests
        [connection] = list(server.connections)
        buffered = connection.transport.get_write_buffer_size()
        assert buffered <= HIGH_WATER + 2 * size < count * size / 4
        assert connection.waiting  # the rest wait for the client to read
        raw = b""
        while chunk := sock.recv(1 << 20):  # reading, the client gets every answer, in order
            raw += chunk
    answers = replies(raw)
    assert [r.status for r in answers] == [200] * count
    assert {len(r.body) for r in answers} == {size}


# --- 2. trailers are held to the limit of a head --------------------------------------------------------------


def test_a_trailer_that_never_ends_gets_a_json_431_and_the_connection_closed(live):
    head = (b"POST /orders/track HTTP/1.1\r\nHost: x\r\nAuthorization: " + ACME.encode() +
            b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n")
    [reply] = talk(live, head + b"0\r\nX-Trailer: " + b"x" * 2_000_000, 1)

    assert (reply.status, reply.header("Connection"), reply.json()) == (431, "close", {
        "detail": {"headers": ["The request headers are larger than the 65536-byte limit."]},
        "message": "Request Header Fields Too Large"})


def test_a_trailer_is_not_taken_as_a_header(live):
    body = json.dumps(seed_request()).encode()
    data = (b"POST /orders/track HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + b"%x\r\n%s\r\n" % (len(body), body) +
            b"0\r\nAuthorization: " + ACME.encode() + b"\r\n\r\n")

    [reply] = talk(live, data, 1)

    assert (reply.status, reply.json()) == (401, {"detail": {}, "message": "Unauthorized"})


# --- 3. pipelining behind a delayed answer ---------------------------------------------------------------------


def test_two_thousand_requests_pipelined_behind_a_delayed_one_are_all_answered_in_order(live):
    auth = basic("pipeliner")
    requests.post(live + "/__mock/faults", json={"path": "/orders/slow", "delay_ms": 300, "times": 1},
                  headers=auth, timeout=10).raise_for_status()
    header = [("Authorization", auth["Authorization"])]
    data = request("GET", "/orders/slow", headers=header, close=False) + b"".join(
        request("GET", f"/orders/p-{n}", headers=header, close=False) if n % 2 == 0
        else request("OPTIONS", "/orders/track", headers=header, close=False) for n in range(1999)
    ) + request("OPTIONS", "/orders/track", headers=header)

    answers = talk(live, data, 2001, timeout=60)

    assert [r.status for r in answers] == [404] + [404, 200] * 1000


# --- 4. a cap on connections, a timeout on heads, and out of descriptors -------------------------------------------


def test_past_the_cap_a_new_connection_gets_a_503_when_none_is_idle(serve):
    server = serve(max_connections=2)
    busy = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(2)]
    try:
        for sock in busy:  # half a head each: in use, not idle
            sock.sendall(b"GET /__mock/health HTTP/1.1\r\n")
        time.sleep(0.3)
        how, raw = send(server.url, b"")

        [reply] = replies(raw)
        assert (reply.status, reply.header("Connection"), reply.json()) == (503, "close", {
            "detail": {"connections": ["The server holds its limit of 2 connections; try again shortly."]},
            "message": "Service Unavailable"})
        busy[0].sendall(b"Host: x\r\n\r\n")  # those held are served
        assert busy[0].recv(65536).startswith(b"HTTP/1.1 200 OK")
    finally:
        for sock in busy:
            sock.close()


def test_past_the_cap_the_connection_idle_longest_makes_room(serve):
    server = serve(max_connections=2)
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(2)]
    try:
        time.sleep(0.3)
        reply = requests.get(server.url + "/__mock/health", timeout=10)

        assert (reply.status_code, reply.json()) == (200, {"status": "ok"})
        assert idle[0].recv(1024) == b""  # the oldest was closed, nothing sent
    finally:
        for sock in idle:
            sock.close()


def test_a_head_not_complete_within_the_timeout_gets_a_408_and_the_connection_closed(serve):
    server = serve(header_seconds=0.5)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as slow:
        slow.sendall(b"GET /__mock/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        raw = b""
        while chunk := slow.recv(65536):
            raw += chunk
    [reply] = replies(raw)
    assert (reply.status, reply.header("Connection"), reply.json()) == (408, "close", {
        "detail": {"request": ["The request head was not complete within 0.5 seconds."]},
        "message": "Request Timeout"})
    assert requests.get(server.url + "/__mock/health", timeout=10).status_code == 200


def test_out_of_file_descriptors_the_server_says_so_once_and_serves_on():
    script = ("import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (200, 200)); "
              "from mockserver.cli import main; sys.exit(main(['--port', '0', '--max-connections', '1000']))")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    socks = []
    try:
        url = process.stdout.readline().split("serving ")[1].split()[0]
        port = int(url.rsplit(":", 1)[1])
        socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(250)]
        time.sleep(1.5)  # the server runs out of descriptors, and tries again a few times

        reply = requests.get(url + "/__mock/health", timeout=10)  # an idle connection makes room

        assert reply.status_code == 200
    finally:
        for sock in socks:
            sock.close()
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "Traceback" not in err
    [line] = [line for line in err.splitlines() if "cannot accept" in line]
    assert re.fullmatch(r"cannot accept connections: Too many open files \(\d+ open; lower --max-connections or "
                        r"raise `ulimit -n`\); accepting again as descriptors free up", line), err


# --- 5. strict request lines -----------------------------------------------------------------------------------


@pytest.mark.parametrize("data, why", [
    (b"GET /__mock/health HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/2.0 is not served; send HTTP/1.1 or HTTP/1.0"),
    (b"GET /__mock/health\r\n\r\n", "HTTP/0.9 is not served; send HTTP/1.1 or HTTP/1.0"),
    (b"GET /__mock/health HTTP/1.1\r\n\r\n", "no Host header"),
    (b"GET /__mock/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "more than one Host header"),
], ids=["HTTP/2.0", "HTTP/0.9", "no Host", "two Hosts"])
def test_a_request_line_of_another_version_or_no_host_gets_a_json_400_and_the_connection_closed(live, data, why):
    how, raw = send(live, data)

    [reply] = replies(raw)
    assert (how, reply.status, reply.header("Connection"), reply.json()) == ("closed", 400, "close", unreadable(why))


def test_http_1_0_without_host_is_served(live):
    how, raw = send(live, b"GET /__mock/health HTTP/1.0\r\n\r\n")

    [reply] = replies(raw)
    assert (reply.status, reply.json()) == (200, {"status": "ok"})


def test_the_answer_to_an_upgrade_says_the_connection_closes(live):
    how, raw = send(live, b"GET /orders/x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")

    [reply] = replies(raw)
    assert (how, reply.status, reply.header("Connection")) == ("closed", 401, "close")


# --- 6. one connection's packet of requests holds no one else up -----------------------------------------------------


def test_another_connection_is_answered_between_the_requests_of_a_pipelined_packet(serve):
    server = serve({"journal_cap": 5000, "journal_bytes": 64 << 20})
    header = [("Authorization", ACME)]
    count = 2000
    packet = b"".join(request("GET", f"/orders/a-{n}", headers=header, close=False) for n in range(count - 1))
    packet += request("GET", f"/orders/a-{count - 1}", headers=header)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as first, \
            socket.create_connection(("127.0.0.1", server.port), timeout=30) as other:
        first.sendall(packet)
        assert first.recv(64).startswith(b"HTTP/1.1 404")  # the packet is being answered
        other.sendall(request("GET", "/orders/b", headers=header))
        assert other.recv(65536).startswith(b"HTTP/1.1 404")
        while first.recv(1 << 20):
            pass
    journal = requests.get(server.url + "/__mock/requests", headers=basic(), params={"limit": 5000},
                           timeout=10).json()["requests"]
    paths = [entry["path"] for entry in journal]
    assert len(paths) == count + 1
    assert paths.index("/orders/b") < paths.index(f"/orders/a-{count - 1}")


# --- 17. a reset discards a request still waiting out a delay --------------------------------------------------------


def _delayed_track(live, account: str, handle: str) -> socket.socket:
    """A track for ``account`` held by a fault's 500 ms delay, sent on a socket left open; once it is waiting."""
    auth = basic(account)
    requests.post(live + "/__mock/faults", json={"path": "/orders/track", "delay_ms": 500, "times": 1},
                  headers=auth, timeout=10).raise_for_status()
    port = int(live.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(request("POST", "/orders/track", json.dumps(seed_request(
        orders=[dict(seed_request()["orders"][0], order_handle=handle)])).encode(),
        [("Authorization", auth["Authorization"]), ("Content-Type", "application/json")]))
    deadline = time.monotonic() + 10
    while requests.get(live + "/__mock/faults", headers=auth, timeout=10).json()["faults"]:
        assert time.monotonic() < deadline  # the rule is used up once the request waits
        time.sleep(0.01)
    return sock


def test_a_request_waiting_out_a_delay_when_its_tenant_is_reset_is_not_carried_out(live):
    sock = _delayed_track(live, "reset-waiting", "held")
    requests.post(live + "/__mock/reset", headers=basic("reset-waiting"), timeout=10).raise_for_status()

    raw = b""
    while chunk := sock.recv(65536):
        raw += chunk
    sock.close()

    [reply] = replies(raw)
    assert (reply.status, reply.json()) == (503, {"detail": {"request": [
        "The mock was reset while this request waited out a fault's delay; it was not carried out."]},
        "message": "Service Unavailable"})
    assert requests.get(live + "/orders/held", headers=basic("reset-waiting"), timeout=10).status_code == 404
    journal = requests.get(live + "/__mock/requests", headers=basic("reset-waiting"), timeout=10).json()
    assert [entry["path"] for entry in journal["requests"]] == ["/orders/held"]  # the GET just made


def test_a_request_abandoned_in_its_delay_does_not_recreate_its_account_after_a_reset(live):
    sock = _delayed_track(live, "reset-abandoned", "stray")
    sock.close()
    requests.post(live + "/__mock/reset", headers=basic("reset-abandoned"), timeout=10).raise_for_status()

    time.sleep(1)  # past the delay

    assert "reset-abandoned" not in requests.get(live + "/__mock/state", timeout=10).json()["tenants"]


def test_a_request_abandoned_in_its_delay_without_a_reset_is_still_carried_out(live):
    sock = _delayed_track(live, "abandoned-only", "kept")
    sock.close()

    time.sleep(1)  # past the delay

    reply = requests.get(live + "/orders/kept", headers=basic("abandoned-only"), timeout=10)
    assert (reply.status_code, reply.json()["order_handle"]) == (200, "kept")
