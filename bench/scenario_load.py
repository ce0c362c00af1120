"""What a large startup scenario costs: ``python bench/scenario_load.py [workers]``.

Builds a valid scenario of WORKERS workers (about 1 MB at the default 37,000: the largest body the mock
takes by default), serves the mock from a thread, loads the scenario server-wide (``POST
/__mock/scenarios`` without credentials), then times a new account's first request (which starts its
tenant from the startup state); another client polls ``GET /__mock/health`` during each, and its
slowest answer is how long everyone else was held up.  Prints the median of several runs.
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


class Health:
    """Another client polling ``GET /__mock/health`` while open: ``slowest`` is its slowest answer (ms)."""

    def __init__(self, url: str):
        self.url, self.slowest, self._done = url, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._poll)

    def _poll(self):
        with requests.Session() as session:
            while not self._done.is_set():
                health_ms, _ = timed_ms(lambda: session.get(self.url + "/__mock/health", timeout=120))
                self.slowest = max(self.slowest, health_ms)

    def __enter__(self):
        self._thread.start()
        time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


def once(server: MockServer, body: bytes, run: int) -> dict:
    with Health(server.url) as during_load:
        load_ms, answer = timed_ms(lambda: requests.post(server.url + "/__mock/scenarios", data=body, timeout=120,
                                                         headers={"Content-Type": "application/json"}))
    assert answer.status_code == 200, answer.text
    with Health(server.url) as during_first:
        first_ms, answer = timed_ms(lambda: requests.get(server.url + "/orders/routes/", timeout=120,
                                                         auth=(f"new-{run}", "secret")))
    assert answer.status_code == 200, answer.text
    return {"load_ms": load_ms, "health_during_load_ms": during_load.slowest, "first_request_ms": first_ms,
            "health_during_first_ms": during_first.slowest}


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
    print(f"    the slowest health answer meanwhile:                            "
          f"{figures['health_during_load_ms']:8.1f} ms")
    print(f"  a new account's first request (GET /orders/routes/):            {figures['first_request_ms']:8.1f} ms")
    print(f"    the slowest health answer meanwhile:                            "
          f"{figures['health_during_first_ms']:8.1f} ms")
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 37_000)
