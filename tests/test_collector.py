"""granian's worker collects garbage between requests (``rsgi.collect_young``), not in the middle of one.

The survivors of each collection are frozen for good, so anything alive at that moment had better be
state: a request's cyclic objects frozen mid-request would never be freed.  Flask leaves about a
hundred such objects per request; thousands of requests through Flask's lane (the 422 path) must
leave the frozen set where the journal's cap holds it, while collections do run.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

CODE = r'''
import asyncio, gc, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from fake_rsgi import send
from mockserver import create_app
from mockserver.rsgi import Bridge

bridge = Bridge(create_app({"journal_cap": 100}), collects=True)
invalid = {"track_mode": "sometimes", "worker_handle": "james@ht.com", "orders": []}

async def requests(n, start=0, tracks=True):
    for i in range(start, start + n):
        if i % 4 or not tracks:
            assert (await send(bridge, "POST", "/orders/track", invalid))[0] == 422
        else:
            order = {"order_handle": f"o-{i}", "destination": {"geometry": {"type": "Point", "coordinates": [1, 2]}}}
            answer = await send(bridge, "POST", "/orders/track", dict(invalid, track_mode="on_time", orders=[order]))
            assert answer[0] == 201, answer

async def main():
    await requests(2000)  # the journals full, every lane warm
    frozen, collections = gc.get_freeze_count(), gc.get_stats()[0]["collections"]
    await requests(8000, 2000, tracks=False)
    refused = gc.get_freeze_count()
    await requests(4000, 10000)
    print(json.dumps({"enabled": gc.isenabled(), "frozen": frozen, "after_refused": refused,
                      "after_tracks": gc.get_freeze_count(),
                      "collections": gc.get_stats()[0]["collections"] - collections}))

asyncio.run(main())
'''


def test_collections_run_between_requests_and_freeze_only_what_lives_on():
    out = subprocess.run([sys.executable, "-c", CODE, str(TESTS.parent), str(TESTS)], check=False, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)

    assert figures["enabled"] is False
    assert figures["collections"] >= 10
    # 8,000 refused requests through Flask add nothing that lives on (the journals were full already),
    # where freezing in the middle of one would keep its hundred cyclic objects at every collection.
    assert abs(figures["after_refused"] - figures["frozen"]) < 500, figures
    # 1,000 stored routes of one order (a dozen objects each) are frozen, as they should be.
    assert 1000 * 4 < figures["after_tracks"] - figures["after_refused"] < 1000 * 20, figures
