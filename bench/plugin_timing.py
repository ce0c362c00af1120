"""What the pytest plugin costs a test session: ``python bench/plugin_timing.py``.

- imports, in a fresh process with pytest imported: what pytest pays to load the plugin in any session (the package
  installed), and what a session that uses the fixture then pays, once, to import the mock itself;
- start-up: from building the session's in-process server (imports done) to the first answered
  ``POST /orders/track``;
- per test: what the ``hypertrack_mock`` fixture does around each test (a reset of the server, a fresh
  tenant's handle, closing it), and the first request of the test, which builds its tenant.
Medians of many runs.
"""
from __future__ import annotations

import importlib
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from mockserver.testing import HyperTrackMock, MockServer  # noqa: E402

BODY = {"track_mode": "on_time", "worker_handle": "james@ht.com",
        "orders": [{"order_handle": "order-1", "destination": {"geometry": {"coordinates": [-121.9, 37.3]}}}]}


def startup_ms() -> float:
    started = time.perf_counter()
    server = MockServer().start()
    response = requests.post(server.url + "/orders/track", json=BODY, auth=("acme", "s3cret"), timeout=10)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 201, response.text
    server.stop()
    return elapsed


def per_test_us(server: MockServer, runs: int = 500) -> tuple[float, float]:
    fixture, first_request = [], []
    for _ in range(runs):
        started = time.perf_counter()
        server.backend.reset()
        mock = HyperTrackMock.fresh_tenant(server.url, server)
        mock.close()
        fixture.append((time.perf_counter() - started) * 1e6)
        started = time.perf_counter()
        server.backend.tenant(mock.account_id)
        first_request.append((time.perf_counter() - started) * 1e6)
    return statistics.median(fixture), statistics.median(first_request)


IMPORTS = (
    "import time, pytest; t = time.perf_counter(); import mockserver.plugin; p = time.perf_counter(); "
    "import mockserver.web.app, mockserver.serve; m = time.perf_counter(); "
    "print((p - t) * 1000, (m - p) * 1000)")


def imports_ms() -> tuple[float, float]:
    """``(loading the plugin, importing the mock)`` in a fresh interpreter, milliseconds (median of 5)."""
    runs = [tuple(map(float, subprocess.run([sys.executable, "-c", IMPORTS], capture_output=True, text=True,
                                            check=True, cwd=ROOT).stdout.split())) for _ in range(5)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> dict:
    plugin, mock = imports_ms()
    importlib.import_module("mockserver.web.app")  # imported before the timing, as a session's first use has
    first = startup_ms()  # the first one also reads and validates every fixture file
    later = statistics.median(startup_ms() for _ in range(5))
    server = MockServer().start()
    fixture, tenant = per_test_us(server)
    server.stop()
    print(f"imports: loading the plugin {plugin:5.1f} ms (every session), the mock {mock:5.1f} ms "
          "(once, in a session that uses it)")
    print(f"session start-up to first answered request: {first:6.1f} ms (first in the process), "
          f"{later:5.1f} ms (median of 5 more)")
    print(f"per test: fixture reset and handle {fixture:6.1f} us, building the test's tenant {tenant:6.1f} us")
    return {"plugin_import_ms": plugin, "mock_import_ms": mock, "startup_ms": first, "fixture_us": fixture,
            "tenant_us": tenant}


if __name__ == "__main__":
    main()
