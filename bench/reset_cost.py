"""How long a reset takes with a full tenant: ``python bench/reset_cost.py [routes]``.

Fills one tenant with ROUTES tracked routes (two orders each, so 3 x ROUTES timeline events) through
the backend, then times what a reset costs its caller: a tenant reset and a server-wide reset (the old
state is freed afterwards by a background thread), and the first request after a reset, which rebuilds
the tenant from the startup scenario.  Prints the median of several runs.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockserver import create_app


def fill(backend, account: str, routes: int) -> None:
    tenant = backend.tenant(account)
    for n in range(routes):
        tenant.track_orders({"track_mode": "on_time", "worker_handle": "james@ht.com",
                             "ops_group_handle": "SAN_JOSE_WH", "route": {"route_handle": f"r-{n}"},
                             "orders": [{"order_handle": f"o-{n}-{k}", "destination": {
                                 "geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}, "radius": 100}}
                                 for k in range(2)]})


def timed_us(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1e6


def main(routes: int = 10_000, repeats: int = 5) -> dict:
    backend = create_app({"seed": 1}).backend
    tenant_resets, server_resets, rebuilds = [], [], []
    for _ in range(repeats):
        fill(backend, "acme", routes)
        tenant_resets.append(timed_us(lambda: backend.reset_tenant("acme")))
        rebuilds.append(timed_us(lambda: backend.tenant("acme")))
        fill(backend, "acme", routes)
        server_resets.append(timed_us(backend.reset))
        time.sleep(0.2)  # let the background thread free the old state between runs
    figures = {"tenant_reset_us": statistics.median(tenant_resets),
               "server_reset_us": statistics.median(server_resets),
               "rebuild_us": statistics.median(rebuilds)}
    print(f"with {routes} routes ({2 * routes} orders) in the tenant, median of {repeats}:")
    print(f"  tenant reset (POST /__mock/reset with credentials): {figures['tenant_reset_us']:8.1f} us")
    print(f"  server-wide reset (POST /__mock/reset):               {figures['server_reset_us']:8.1f} us")
    print(f"  first request after a reset rebuilds the tenant:      {figures['rebuild_us']:8.1f} us")
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
