"""What a large startup scenario costs: ``python bench/scenario_load.py [workers]``.

Builds a valid scenario of WORKERS workers (about 1 MB at the default 37,000: the largest body the mock
takes by default), serves the mock from a thread, loads the scenario server-wide (``POST
/__mock/scenarios`` without credentials), then times a new account's first request (which starts its
tenant from the startup state) while another client polls ``GET /__mock/health``: the slowest health
answer meanwhile is how long everyone else was held up.  Prints the median of several runs.
"""
from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockserver.testing import MockServer


def scenario(workers: int) -> dict:
    """A valid scenario of ``workers`` workers, named only (a worker's fields are optional but its handle)."""
    return {"description": f"{workers} workers", "workers": [{"worker_handle": f"w{n:05d}"} for n in range(workers)]}


def timed_ms(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def once(server: MockServer, body: bytes, run: int) -> dict:
    load_ms, answer = timed_ms(lambda: requests.post(server.url + "/__mock/scenarios", data=body, timeout=120,
                                                     headers={"Content-Type": "application/json"}))
    assert answer.status_code == 200, answer.text
    slowest, done = [0.0], threading.Event()

    def poll():
        with requests.Session() as session:
            while not done.is_set():
                health_ms, _ = timed_ms(lambda: session.get(server.url + "/__mock/health", timeout=120))
                slowest[0] = max(slowest[0], health_ms)

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.05)
    first_ms, answer = timed_ms(lambda: requests.get(server.url + "/orders/routes/", timeout=120,
                                                     auth=(f"new-{run}", "secret")))
    done.set()
    poller.join()
    assert answer.status_code == 200, answer.text
    return {"load_ms": load_ms, "first_request_ms": first_ms, "slowest_health_ms": slowest[0]}


def main(workers: int = 37_000, repeats: int = 5) -> dict:
    body = json.dumps(scenario(workers), separators=(",", ":")).encode()
    server = MockServer().start()
    try:
        runs = [once(server, body, run) for run in range(repeats)]
    finally:
        server.stop()
    figures = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print(f"a scenario of {workers} workers ({len(body) / 1e6:.2f} MB), loaded server-wide; median of {repeats}:")
    print(f"  POST /__mock/scenarios (validate, load, build the startup state): {figures['load_ms']:8.1f} ms")
    print(f"  a new account's first request (GET /orders/routes/):            {figures['first_request_ms']:8.1f} ms")
    print(f"  the slowest health answer meanwhile:                            {figures['slowest_health_ms']:8.1f} ms")
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 37_000)
