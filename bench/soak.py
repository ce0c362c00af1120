"""The soak: ``python bench/soak.py [minutes]`` (default 10) of mixed traffic, and the server's memory.

The mock runs as the CLI runs it (default settings); wrk (Debian's package) sends, on 16 connections,
a mix over 1,000 made-up accounts: tracks with fresh handles (most of it), listings, bodies of 1 MiB
that are refused (invalid JSON just under the size limit: 400; just over it: 413), fault rules added
(a 503 once, a short delay once), and tenant resets.  The script samples the server's RSS every few
seconds, then resets the whole server and samples it again.  It prints the figures, and fails if the
RSS ever passes the bound that ``docs/performance.md`` documents, or does not come back near its
start after the reset.
"""
from __future__ import annotations

import base64
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import Served, rss_mb  # noqa: E402

PORT = 18720
ACCOUNTS = 1000
#: The bound the soak holds the server to: start-up, plus every kept tenant's journal at its byte cap
#: (--max-tenants x --journal-bytes, 500 MiB at the defaults), plus room for what the tenants hold.
BOUND_MB = 50 + 500 + 250

LUA = r"""
local counter = 0
local auths = {%(auths)s}
local big = string.rep("x", 1024 * 1024 - 100)
local seed = '{"worker_handle":"james@ht.com","track_mode":"on_time","orders":[' ..
  '{"order_handle":"o1-%%s","destination":{"geometry":{"type":"Point","coordinates":[-121.9,37.3]}}},' ..
  '{"order_handle":"o2-%%s","destination":{"geometry":{"type":"Point","coordinates":[-121.9,37.3]}}}]}'
function setup(thread) thread:set("tid", 1) end
function init(args) math.randomseed(os.time()); prefix = string.format("%%06x", math.random(0, 0xffffff)) end
request = function()
  counter = counter + 1
  local auth = auths[math.random(#auths)]
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = auth}
  local kind = counter %% 100
  if kind < 85 then
    local handle = prefix .. "-" .. counter
    return wrk.format("POST", "/orders/track", headers, string.format(seed, handle, handle))
  elseif kind < 92 then
    return wrk.format("GET", "/orders/?limit=5", headers)
  elseif kind < 95 then
    return wrk.format("POST", "/orders/track", headers, '{"track_mode": "' .. big)
  elseif kind < 96 then
    return wrk.format("POST", "/orders/track", headers, big .. big)
  elseif kind < 97 then
    return wrk.format("POST", "/__mock/faults", headers, '{"path": "/orders/track", "status": 503, "times": 1}')
  elseif kind < 98 then
    return wrk.format("POST", "/__mock/faults", headers, '{"path": "/orders/*", "delay_ms": 5, "times": 1}')
  else
    return wrk.format("POST", "/__mock/reset", headers)
  end
end
"""


def lua_script() -> str:
    auths = ", ".join(f'"Basic {base64.b64encode(f"soak-{n}:secret".encode()).decode()}"'
                      for n in range(ACCOUNTS))
    return LUA % {"auths": auths}


def main(minutes: float = 10) -> int:
    samples: list[tuple[float, float]] = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script())
    try:
        with Served([sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", str(PORT)], PORT) as served:
            pid = served.process.pid
            start = rss_mb(pid)
            done = threading.Event()

            def sample():
                while not done.wait(5):
                    samples.append((time.monotonic(), rss_mb(pid)))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            seconds = int(minutes * 60)
            out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "--timeout", "10s", "-s", script.name,
                                  f"http://127.0.0.1:{PORT}"], capture_output=True, text=True, check=True).stdout
            done.set()
            sampler.join()
            during = max(mb for _, mb in samples)
            tenants = len(requests.get(f"http://127.0.0.1:{PORT}/__mock/state", timeout=60).json()["tenants"])
            requests.post(f"http://127.0.0.1:{PORT}/__mock/reset", timeout=60).raise_for_status()
            time.sleep(5)  # the reaper frees the old state a slice at a time
            after = rss_mb(pid)
    finally:
        os.unlink(script.name)
    total = next(line for line in out.splitlines() if "requests in" in line).strip()
    print(f"wrk: {total}")
    print(f"RSS: {start:.0f} MB at start, {during:.0f} MB at most (bound {BOUND_MB} MB), "
          f"{after:.0f} MB after a server-wide reset; {tenants} tenants kept at the end")
    ok = during <= BOUND_MB and after <= start + 30
    print("within the bound, and back near the start after a reset" if ok else "OUT OF BOUNDS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 10))
