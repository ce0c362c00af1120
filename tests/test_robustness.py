"""Under abuse the mock answers clear 4xx JSON, loses nothing, keeps serving, and never writes fixtures."""
from __future__ import annotations

import concurrent.futures
import shutil
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
import requests
from conftest import FIXTURES, ROOT, basic, seed_request


def order(handle, **destination):
    return {"order_handle": handle, "destination": destination or {"geometry": {"coordinates": [-121.9, 37.3]}}}


def test_a_thousand_concurrent_requests_across_ten_tenants_lose_nothing(live):
    accounts = [f"crowd-{n}" for n in range(10)]
    work = [(accounts[n % 10], f"o-{n}") for n in range(1000)]

    def track(job):
        account, handle = job
        body = seed_request(orders=[order(handle)])
        return requests.post(live + "/orders/track", json=body, headers=basic(account), timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(48) as pool:
        statuses = list(pool.map(track, work))

    assert statuses == [201] * 1000
    for account in accounts:
        listed = requests.get(live + "/orders/", params={"limit": 1000}, headers=basic(account), timeout=10).json()
        tracked = {o["order_handle"] for o in listed["orders"]} - {"planned-order-1", "planned-order-2"}
        assert tracked == {handle for who, handle in work if who == account}
        journal = requests.get(live + "/__mock/requests", params={"path": "/orders/track"}, headers=basic(account),
                               timeout=10).json()
        assert [e["status"] for e in journal["requests"]] == [201] * 100


@pytest.mark.parametrize("body, status, expected", [
    (seed_request(worker_handle="w" * 900_000), 404, None),
    (seed_request(track_mode="x" * 900_000), 422, {"track_mode": [
        "Must be one of: full_shift, pre_shift, on_shift, on_time, flex."]}),
    (seed_request(orders=[order(f"o{n}", place_handle="store-1") for n in range(10_000)]), 422,
     {"orders": ["Longer than maximum length 1000."]}),
    (seed_request(orders=[dict(order("o"), product_type=["x"] * 10_000)]), 422,
     {"orders": {"0": {"product_type": ["Longer than maximum length 1000."]}}}),
], ids=["huge worker_handle", "huge enum value", "10,000 orders", "10,000-item list in an order"])
def test_huge_values_get_a_clear_4xx(live, body, status, expected):
    response = requests.post(live + "/orders/track", json=body, headers=basic(), timeout=30)

    assert response.status_code == status
    if expected is not None:
        assert response.json() == {"detail": {"json": expected}, "message": "Validation error"}
    else:
        assert response.json()["code"] == "driver_not_found"
    assert requests.post(live + "/orders/track", json=seed_request(), headers=basic(), timeout=10).status_code == 201


def test_headers_that_are_too_large_get_a_json_431(live):
    response = requests.post(live + "/orders/track", json=seed_request(), timeout=10,
                             headers={**basic(), "X-Big": "x" * 100_000})

    assert (response.status_code, response.json()) == (431, {
        "detail": {"headers": ["The request headers are larger than the 65536-byte limit."]},
        "message": "Request Header Fields Too Large"})
    assert requests.post(live + "/orders/track", json=seed_request(), headers=basic(), timeout=10).status_code == 201


def test_a_client_that_stalls_half_way_through_its_body_blocks_no_one(live):
    url = urlsplit(live)
    stalled = []
    for _ in range(8):  # more stalled clients than server threads
        conn = socket.create_connection((url.hostname, url.port), timeout=10)
        conn.sendall(b"POST /orders/track HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n" + b'{"track_mode": "on_time", ' + b" " * 400)
        stalled.append(conn)
    try:
        started = time.perf_counter()
        for n in range(5):
            body = seed_request(orders=[order(f"fast-{n}")])
            assert requests.post(live + "/orders/track", json=body, headers=basic(), timeout=5).status_code == 201
        assert time.perf_counter() - started < 5
    finally:
        for conn in stalled:
            conn.close()


def _snapshot(directory):
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def test_the_server_never_writes_to_its_fixture_files(tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, fixtures)
    before = _snapshot(fixtures)
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "--port", "0", "--fixtures", str(fixtures)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               text=True)
    try:
        url = process.stdout.readline().split("serving ", 1)[1].split(" ", 1)[0]
        session = requests.Session()
        session.auth = ("acme", "s3cret")
        session.post(url + "/orders/track", json=seed_request(), timeout=10)
        session.post(url + "/__mock/scenarios/worker_deleted", timeout=10)
        state = session.get(url + "/__mock/state", timeout=10).json()
        session.post(url + "/__mock/scenarios", json=state, timeout=10)
        requests.post(url + "/__mock/scenarios/large", timeout=10)
        requests.post(url + "/__mock/reset", timeout=10)
        refused = session.post(url + "/__mock/scenarios", json={"workers": "broken"}, timeout=10)
        assert refused.status_code == 422
        assert session.get(url + "/__mock/health", timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=1) == 0, "SIGTERM must stop the server cleanly within a second"

    assert _snapshot(fixtures) == before
