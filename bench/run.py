"""The benchmark: ``python bench/run.py [seconds]`` prints a table with each figure beside its goal.

Load comes from wrk (Debian's package) with bench/track.lua: POST /orders/track with fresh order
handles on 16 connections from one thread, after a 3 s warm-up.  The mock runs as the CLI runs it (its
own process, the shipped settings).  Measured, in one run on one machine:
- requests/s and latency for the seed body, a 100-order body and the 422 path;
- CLI spawn to first answered track, in-process start (``MockServer``), reset cost with 10,000 routes;
- memory per stored order (RSS growth over 100,000 orders) and the RSS after 100,000 requests with the
  journal on (422 answers, so that only the journal, bounded by its cap, could grow).
The peers (WireMock, Prism, Mockoon) are measured by ``bench/peers.py``; ``bench/servers.py``
compares the servers the mock could run under.
"""
from __future__ import annotations

import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LUA = ROOT / "bench" / "track.lua"
AUTH = ("account-1", "secret-1")
SEED = json.loads((ROOT / "fixtures" / "default.json").read_text())["examples"][0]["request"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def wrk(port: int, seconds: int, **env) -> dict:
    out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "-s", str(LUA), f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, env={**os.environ, **env}, check=True).stdout
    return {k: float(v) for k, v in (p.split("=") for p in out.strip().splitlines()[-1].split())}


def rss_mb(pid: int) -> float:
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class Served:
    """A server process on a fixed port, up until the with-block ends."""

    def __init__(self, command: list[str], port: int):
        self.port = port
        self.started = time.perf_counter()
        # Its output goes to a file: a pipe nobody reads would fill up and stop a server that logs.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__, with the server
        self.process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=self.log, start_new_session=True,
                                        stderr=subprocess.STDOUT)
        try:
            self.ready_s = self._first_answer()
        except BaseException:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise

    def _first_answer(self) -> float:
        url = f"http://127.0.0.1:{self.port}/orders/track"
        body = dict(SEED, orders=[dict(SEED["orders"][0], order_handle="warm-up")])
        while time.perf_counter() - self.started < 30:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.process.args} exited: {self.log.read().decode(errors='replace')}")
            try:
                if requests.post(url, json=body, auth=AUTH, timeout=1).status_code == 201:
                    return time.perf_counter() - self.started
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.005)
        raise RuntimeError(f"{self.process.args} never answered 201")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)  # the server and any worker process it forked
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10  # the next server takes this port: wait until nothing listens
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                time.sleep(0.05)
            except OSError:
                break
        time.sleep(0.3)
        self.log.close()


def mock(port: int, *args: str) -> Served:
    return Served([sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", str(port), *args], port)


def load(served: Served, seconds: int, **env) -> dict:
    wrk(served.port, 3, **env)
    return wrk(served.port, seconds, **env)


def memory_per_order() -> float:
    """Bytes of RSS per stored order, over 100,000 orders (50,000 routes of two) tracked by one tenant."""
    code = r'''
import os, sys, gc
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from mockserver import create_app
from mockserver.schemas.track import TrackOrdersRequest
def rss():
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
tenant = create_app({"seed": 1}).backend.tenant("acme")
schema = TrackOrdersRequest()
seed = __import__("json").loads(sys.argv[2])
requests_ = []
for n in range(50_000):
    body = dict(seed, orders=[dict(o, order_handle=f"{o['order_handle']}-{n}") for o in seed["orders"]])
    requests_.append(schema.load(body))
gc.collect()
before = rss()
for body in requests_:
    tenant.track_orders(body)
del requests_
gc.collect()
print((rss() - before) / 100_000)
'''
    out = subprocess.run([sys.executable, "-c", code, str(ROOT), json.dumps(SEED)], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())


def in_process_start_ms() -> float:
    """From nothing imported to a ``MockServer`` answering in a thread, as the pytest plugin starts one."""
    code = ("import sys, time; t = time.perf_counter(); sys.path.insert(0, sys.argv[1]); "
            "from mockserver.testing import MockServer; s = MockServer().start(); "
            "print((time.perf_counter() - t) * 1000); s.stop()")
    return float(subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True,
                                check=True).stdout)


def main(seconds: int = 10) -> None:
    rows = []

    def row(what, figure, goal=""):
        rows.append((what, figure, goal))
        print(f"{what:62} {figure:>22} {goal}", flush=True)

    print(f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}; wrk -t1 -c16 -d{seconds}s\n")
    spawns = []
    cases = (("seed body (2 orders)", {}), ("100-order body", {"BODY_ORDERS": "100"}), ("422 path", {"INVALID": "1"}))
    for kind, env in cases:
        with mock(18702) as served:
            spawns.append(served.ready_s)
            result = load(served, seconds, **env)
        row(f"mock, {kind}: req/s, p50 / p99 ms",
            f"{result['rps']:.0f}, {result['p50_ms']:.1f} / {result['p99_ms']:.1f}")
        assert result["errors"] == 0, result
    row("CLI spawn to first answered track (median of 3)", f"{statistics.median(spawns):.2f} s", "goal <= 0.5 s")
    row("in-process start, imports included (MockServer)", f"{in_process_start_ms():.0f} ms")
    from bench.reset_cost import main as reset_cost
    figures = reset_cost(10_000, 3)
    row("reset with 10,000 routes in the tenant", f"{figures['tenant_reset_us'] / 1000:.3f} ms", "goal <= 1 ms")
    row("memory per stored order (100,000 orders)", f"{memory_per_order():.0f} bytes", "goal <= 3 KB")
    with mock(18703) as served:
        before = rss_mb(served.process.pid)
        total = 0
        while total < 100_000:
            result = wrk(served.port, 10, INVALID="1")
            total += int(result["rps"] * 10)
        after = rss_mb(served.process.pid)
        journal = requests.get(f"http://127.0.0.1:{served.port}/__mock/requests?limit=1", timeout=5).json()
    row(f"RSS before / after {total:,} journaled requests", f"{before:.0f} / {after:.0f} MB",
        f"journal kept {journal['cap']}, dropped {journal['dropped']:,}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
