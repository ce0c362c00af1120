"""Which server to ship: ``python bench/servers.py [seconds]``.

Serves the mock (the ``default`` scenario) under granian through its RSGI interface (shipped), granian's
WSGI interface with one and with 32 blocking threads, waitress and gunicorn (gthread, one worker), each
in its own process, and loads it with wrk: POST /orders/track with the seed body and fresh order handles,
16 connections, after a 3 s warm-up.  Needs wrk (Debian's package) and ``pip install gunicorn``.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import Served, load  # noqa: E402

PORT = 18500
BIN = Path(sys.executable).parent
CANDIDATES = {
    "granian rsgi bridge, 1 worker (shipped)": [sys.executable, "-m", "mockserver", "--port", str(PORT)],
    "waitress, 4 threads (--server waitress)": [sys.executable, "-m", "mockserver", "--port", str(PORT),
                                                "--server", "waitress", "--threads", "4"],
    "waitress, 1 thread": [sys.executable, "-m", "mockserver", "--port", str(PORT), "--server", "waitress",
                           "--threads", "1"],
    "gunicorn gthread, 1 worker, 4 threads": [str(BIN / "gunicorn"), "-w", "1", "-k", "gthread", "--threads", "4",
                                               "-b", f"127.0.0.1:{PORT}", "mockserver.wsgi:app"],
    "granian wsgi, 1 worker, 1 blocking thread": [str(BIN / "granian"), "--interface", "wsgi", "--workers", "1",
                                                   "--blocking-threads", "1", "--host", "127.0.0.1", "--port",
                                                   str(PORT), "mockserver.wsgi:app"],
    "granian wsgi, 1 worker, 32 blocking threads": [str(BIN / "granian"), "--interface", "wsgi", "--workers",
                                                     "1", "--blocking-threads", "32", "--host", "127.0.0.1",
                                                     "--port", str(PORT), "mockserver.wsgi:app"],
}


def measure(command: list[str], seconds: int) -> dict | None:
    if not Path(command[0]).exists():
        return None
    with Served(command, PORT) as served:
        return load(served, seconds)


def main(seconds: int = 8) -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    print(f"{'server':45} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7}", flush=True)
    for name, command in CANDIDATES.items():
        result = measure(command, seconds)
        if result is None:
            print(f"{name:45} (not installed)")
            continue
        print(f"{name:45} {result['rps']:>7.0f} {result['p50_ms']:>7.2f} {result['p99_ms']:>7.2f} "
              f"{result['non2xx']:>7.0f}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
