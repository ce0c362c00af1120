"""What the phone costs: ``python bench/phones.py [phones] [seconds] [routes] [orders]``.

1. **Running clock.** One mock process; a tenant with ``phones`` (1,000) workers, each tracking a route of
   ``orders`` (20) stops 200 m apart and its phone driving at 36 km/h (an arrival every 20 s, then a
   60 s stay); then no request at all for ``seconds`` (60): the mock's CPU time over that while (from
   ``/proc``), per second, and how many arrivals it recorded.  The simulation wakes at each next event,
   never ticks every phone.
2. **A 24-hour advance.** Another tenant, its clock frozen: ``routes`` (100) routes of ``orders`` (20)
   stops (200 m apart), their phones driving; then one ``POST /__mock/clock {"advance_seconds": 86400}``:
   its time,
   and the arrivals it made (every stop of every route is reached within the day).

Everything goes through HTTP, as a user's test would.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import Served  # noqa: E402
from mockserver.models import geo  # noqa: E402

PORT = 18540
URL = f"http://127.0.0.1:{PORT}"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def setup(session: requests.Session, phones: int, orders: int, prefix: str) -> None:
    """``phones`` workers with a device, each tracking ``orders`` stops 1 km apart, its phone driving."""
    for n in range(phones):
        worker = f"{prefix}-{n}"
        start = [-122.0 + (n % 100) * 0.05, 37.0 + (n // 100) * 0.5]
        device = f"00000000-0000-4000-{'8' if prefix == 'r' else '9'}000-{n:012d}"
        answer = session.post(f"{URL}/workers/", json={"worker_handle": worker, "device_id": device})
        assert answer.status_code in (200, 201), answer.text
        stops = [geo.south_of(start, -200 * (k + 1)) for k in range(orders)]
        route = [{"order_handle": f"{worker}-o{k}", "destination": {
            "geometry": {"type": "Point", "coordinates": stop}, "radius": 50}} for k, stop in enumerate(stops)]
        answer = session.post(f"{URL}/orders/track", json={"track_mode": "on_time", "worker_handle": worker,
                                                           "orders": route})
        assert answer.status_code == 201, answer.text
        answer = session.put(f"{URL}/__mock/workers/{worker}/phone", json={"location": start, "driving": True})
        assert answer.status_code == 200, answer.text


def arrivals(session: requests.Session, phones: int, orders: int, prefix: str) -> int:
    count = 0
    for n in range(phones):
        listed = session.get(f"{URL}/orders/", params={"worker_handle": f"{prefix}-{n}", "limit": orders}).json()
        count += sum(1 for order in listed["orders"] if order.get("arrived_at"))
    return count


def main(phones: int = 1000, seconds: int = 60, routes: int = 100, orders: int = 20) -> None:
    command = [sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", str(PORT)]
    with Served(command, PORT) as served:
        running = requests.Session()
        running.auth = ("running", "s3cret")
        began = time.perf_counter()
        setup(running, phones, orders, "r")
        print(f"{phones} phones driving {orders} stops each, set up in {time.perf_counter() - began:.1f} s", flush=True)
        before, start = cpu_seconds(served.process.pid), time.perf_counter()
        time.sleep(seconds)
        used, elapsed = cpu_seconds(served.process.pid) - before, time.perf_counter() - start
        print(f"running clock, no requests: {used:.2f} CPU s in {elapsed:.1f} s = {100 * used / elapsed:.1f}% "
              f"of a core ({1000 * used / elapsed / phones:.3f} ms per phone per second); "
              f"{arrivals(running, phones, orders, 'r')} arrivals recorded", flush=True)

        frozen = requests.Session()
        frozen.auth = ("frozen", "s3cret")
        assert frozen.post(f"{URL}/__mock/clock", json={"frozen_at": "2026-01-05T09:00:00Z"}).status_code == 200
        setup(frozen, routes, orders, "f")
        began = time.perf_counter()
        answer = frozen.post(f"{URL}/__mock/clock", json={"advance_seconds": 86400})
        took = time.perf_counter() - began
        assert answer.status_code == 200, answer.text
        made = arrivals(frozen, routes, orders, "f")
        print(f"24-hour advance over {routes} routes of {orders} orders: {took:.2f} s, {made} arrivals "
              f"(of {routes * orders})", flush=True)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
