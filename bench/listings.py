"""What Get Orders costs with HyperTrack's filters: ``python bench/listings.py [runs]``.

Serves the ``large`` scenario in-process (no HTTP: the pipeline called with a request, as the server
calls it) and prints the median time of ``GET /orders/`` for a few queries: a page of 100, filters
that keep some orders or none (so that every order is read), a ``*_without_tz`` date (each order's time
in its ops group's timezone), the descending walk, and, once an order was made on a clock set back,
the same listing in ``created_at`` order that is no longer the order of creation.
"""
from __future__ import annotations

import base64
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockserver import create_app
from mockserver.web.exchange import Request

AUTH = [("authorization", "Basic " + base64.b64encode(b"acme:s3cret").decode())]
QUERIES = ("limit=100", "status=completed&limit=100", "worker_handle=nobody&limit=100",
           "scheduled_at_date_without_tz=2023-11-02&limit=100", "sort_direction=desc&limit=100",
           'order_metadata_filter={"nobody":1}&limit=100')


def median_us(app, method: str, path: str, query: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        request = Request(method, path, query, AUTH, b"", started=time.perf_counter())
        start = time.perf_counter()
        answer = app(request)
        times.append(time.perf_counter() - start)
        assert answer.status == 200, answer.body[:300]
    return statistics.median(times) * 1e6


def main(runs: int = 200) -> None:
    app = create_app({"scenario": "large", "seed": 1})
    tenant = app.backend.tenant("acme")
    print(f"{len(tenant.orders)} orders, {len(tenant.routes)} routes; median of {runs} runs")
    for query in QUERIES:
        print(f"  {query:55s} {median_us(app, 'GET', '/orders/', query, runs):8.0f} us")
    tenant.clock.freeze(tenant.clock.now().replace(year=2000))  # an order created before all the others
    body = json.dumps({"plan_mode": "manual", "orders": [{"order_handle": "early", "destination": {
        "geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}}, "scheduled_at": "2000-01-02T00:00:00Z"}]})
    made = app(Request("POST", "/orders/", "", AUTH + [("content-type", "application/json")], body.encode()))
    assert made.status == 201, made.body
    print("after an order made on a clock set back (created_at no longer in the order of creation):")
    for query in QUERIES[:1] + QUERIES[4:5]:
        print(f"  {query:55s} {median_us(app, 'GET', '/orders/', query, runs):8.0f} us")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
