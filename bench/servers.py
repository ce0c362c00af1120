"""Which server to ship: ``python bench/servers.py [seconds]``.

Serves the mock (the ``default`` scenario) under each candidate in turn, each in its own process with
the same app (``bench/adapters.py``), and loads it with wrk: POST /orders/track with the seed body and
fresh order handles, 16 connections from one thread, after a 3 s warm-up.  Each server is measured
twice: with the mock, and with a fixed 201 (the server's own cost).  Needs wrk (Debian's package) and
the ``bench`` extra (``pip install '.[bench]'``); a candidate whose package is missing is skipped.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import Served, load  # noqa: E402

PORT = 18500
CANDIDATES = {  # name: (adapter, the package it needs)
    "shipped: asyncio + httptools (serve.Server)": ("shipped", "httptools"),
    "the same, automatic garbage collection": ("shipped-autogc", "httptools"),
    "the same on uvloop": ("uvloop", "uvloop"),
    "granian embedded, RSGI, in-process loop": ("granian-embed", "granian"),
    "granian, 1 RSGI worker process": ("granian", "granian"),
    "waitress, WSGI, 4 threads": ("waitress", "waitress"),
}


def measure(adapter: str, seconds: int, fixed: bool) -> dict:
    command = [sys.executable, str(ROOT / "bench" / "adapters.py"), adapter, str(PORT), *(["--fixed"] if fixed else [])]
    with Served(command, PORT) as served:
        return load(served, seconds)


def main(seconds: int = 8) -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    print(f"{'server':45} {'mock req/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'fixed 201 req/s':>16}", flush=True)
    for name, (adapter, package) in CANDIDATES.items():
        if importlib.util.find_spec(package) is None:
            print(f"{name:45} (not installed: pip install '.[bench]')")
            continue
        mock = measure(adapter, seconds, fixed=False)
        floor = measure(adapter, seconds, fixed=True)
        print(f"{name:45} {mock['rps']:>10.0f} {mock['p50_ms']:>7.2f} {mock['p99_ms']:>7.2f} {floor['rps']:>16.0f}",
              flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
