"""The soak: ``python bench/soak.py [minutes] [server flags]`` (default 10) of mixed traffic, and the
server's memory.

The mock runs as the CLI runs it (default settings, or the flags given: ``--tenants-bytes 67108864``
reaches that budget in a short soak); wrk (Debian's package) sends, on 16 connections, a mix over
1,000 made-up accounts: tracks with fresh handles (most of it), listings, bodies of 1 MiB that are
refused (invalid JSON just under the size limit: 400; just over it: 413), fault rules added (a 503
once, a short delay once), tenant resets; and the abuse of issue 22: JSON arrays of 1 MiB POSTed to
64 inboxes (item 7), and tracks from accounts never seen before, one each (account churn, item 11).
The script samples the server's RSS every few seconds (and counts the 503s of a full budget), then
resets the whole server and samples RSS again.  It prints the figures,
and fails if the RSS ever passes the bound that ``docs/performance.md`` documents (start-up plus the
byte budgets of the settings), after the reset included.  (It no longer asks RSS to come back near its
start after the reset: with a thousand accounts kept, which the bound by bytes now allows where 500
were let go, the allocator keeps its fragmented pages for the next traffic, as it did before this
change at --max-tenants 1000.)
"""
from __future__ import annotations

import base64
import os
import socket
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
from mockserver.cli import parser  # noqa: E402
from mockserver.config import load_settings  # noqa: E402

#: Ports of the abuse checks, each on a server of its own.
PIPELINING_PORT, TRAILERS_PORT, PACKET_PORT = 18761, 18762, 18763

PORT = 18720
ACCOUNTS = 1000
#: What the server holds besides its budgets: start-up (50 MB), and what is in flight (16 connections'
#: requests of up to 1 MiB, each read, parsed and answered) and the allocator keeps between.
SLACK_MB = 50 + 150


def bound_mb(flags: list[str]) -> float:
    """The bound the soak holds the server to: start-up and slack, the accounts' budget, the inboxes',
    the server-wide journal's and the tokens' (about 300 bytes each)."""
    settings = load_settings(vars(parser().parse_args(flags)))
    budgets = (settings["tenants_bytes"] + settings["inboxes_bytes"] + settings["journal_bytes"]
               + 300 * settings["max_tokens"])
    return SLACK_MB + budgets / 2**20

LUA = r"""
local counter = 0
local auths = {%(auths)s}
local big = string.rep("x", 1024 * 1024 - 100)
local array = "[" .. string.rep("123456,", (1024 * 1024 - 2000) / 7) .. "0]"
local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(data)
  return ((data:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b %% 2 ^ i - b %% 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%%d%%d%%d?%%d?%%d?%%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({"", "==", "="})[#data %% 3 + 1])
end
local seed = '{"worker_handle":"james@ht.com","track_mode":"on_time","orders":[' ..
  '{"order_handle":"o1-%%s","destination":{"geometry":{"type":"Point","coordinates":[-121.9,37.3]}}},' ..
  '{"order_handle":"o2-%%s","destination":{"geometry":{"type":"Point","coordinates":[-121.9,37.3]}}}]}'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status == 503 and body:find("mock_memory_full", 1, true) then full = (full or 0) + 1 end
end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do print("memory full: " .. tostring(thread:get("full") or 0)) end
end
function init(args) math.randomseed(os.time()); prefix = string.format("%%06x", math.random(0, 0xffffff)) end
request = function()
  counter = counter + 1
  local auth = auths[math.random(#auths)]
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = auth}
  local kind = counter %% 100
  if kind < 80 then
    local handle = prefix .. "-" .. counter
    return wrk.format("POST", "/orders/track", headers, string.format(seed, handle, handle))
  elseif kind < 85 then
    local handle = prefix .. "-" .. counter
    headers["Authorization"] = "Basic " .. b64("churn-" .. handle .. ":secret")
    return wrk.format("POST", "/orders/track", headers, string.format(seed, handle, handle))
  elseif kind < 87 then
    return wrk.format("POST", "/__mock/inbox/soak-" .. (math.floor(counter / 100) %% 64),
                      {["Content-Type"] = "application/json"}, array)
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


def main(minutes: float = 10, flags: list[str] | None = None) -> int:
    flags = flags or []
    bound = bound_mb(flags)
    samples: list[tuple[float, float]] = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script())
    try:
        with Served([sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", str(PORT), *flags],
                    PORT) as served:
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
            inbox = requests.get(f"http://127.0.0.1:{PORT}/__mock/inbox/soak-0", timeout=60).json()
            requests.post(f"http://127.0.0.1:{PORT}/__mock/reset", timeout=60).raise_for_status()
            time.sleep(6)  # the reaper frees the old state a slice at a time
            # and hands memory back at most every 5 s: a reset with nothing to free asks it again
            requests.post(f"http://127.0.0.1:{PORT}/__mock/reset", timeout=60).raise_for_status()
            time.sleep(2)
            after = rss_mb(pid)
    finally:
        os.unlink(script.name)
    total = next(line for line in out.splitlines() if "requests in" in line).strip()
    refused = next((line.strip() for line in out.splitlines() if "Non-2xx" in line), "no non-2xx answers")
    full = sum(int(line.split(":")[1]) for line in out.splitlines() if line.startswith("memory full:"))
    print(f"wrk: {total}; {refused} (the refused bodies and faults), {full} of them 503 mock_memory_full")
    print(f"RSS: {start:.0f} MB at start, {during:.0f} MB at most (bound {bound:.0f} MB), "
          f"{after:.0f} MB after a server-wide reset; {tenants} tenants kept at the end; "
          f"inbox soak-0 kept {len(inbox['deliveries'])} deliveries "
          f"({inbox['bytes']} bytes), dropped {inbox['dropped']}")
    print("RSS samples (s, MB): " + ", ".join(f"{t - samples[0][0] + 5:.0f}:{mb:.0f}" for t, mb in samples))
    ok = during <= bound and after <= bound
    print("within the bound, and after a reset too" if ok else "OUT OF BOUNDS")
    return max(0 if ok else 1, abuse())  # then the server under abuse, each check on a server of its own


# --- the server under abuse (issue 22, items 1 and 2): each on a fresh server, peak RSS from VmHWM ---------


def peak_mb(pid: int) -> float:
    """The process's peak RSS so far (``VmHWM``), in MB."""
    line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def health_ms(port: int) -> float:
    """How long another client waits for ``GET /__mock/health``, in ms."""
    started = time.perf_counter()
    requests.get(f"http://127.0.0.1:{port}/__mock/health", timeout=60).raise_for_status()
    return (time.perf_counter() - started) * 1000


def pipelining_without_reading(connections: int = 8, seconds: float = 10) -> dict:
    """Item 1: ``connections`` clients each send one 256 KiB packet of pipelined ``GET /openapi.json`` and never
    read the answers; the server's peak RSS over ``seconds`` (the answers must wait in the socket, not in memory)."""
    one = b"GET /openapi.json HTTP/1.1\r\nHost: mock\r\n\r\n"
    packet = one * (256 * 1024 // len(one))
    with Served([sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", str(PIPELINING_PORT)],
                PIPELINING_PORT) as served:
        pid = served.process.pid
        start = rss_mb(pid)
        socks = [socket.create_connection(("127.0.0.1", PIPELINING_PORT)) for _ in range(connections)]
        try:
            for sock in socks:
                sock.setblocking(False)
                try:
                    sock.send(packet)  # as much as the socket takes at once: the client never waits
                except BlockingIOError:
                    pass
            latencies = []
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                latencies.append(health_ms(PIPELINING_PORT))
                time.sleep(0.5)
            peak = peak_mb(pid)
        finally:
            for sock in socks:
                sock.close()
    return {"start_mb": start, "peak_mb": peak, "health_ms_max": max(latencies)}


def endless_trailer(seconds: float = 10) -> dict:
    """Item 2: a chunked request whose last chunk is followed by a trailer that never ends; bytes the server
    read before closing, its peak RSS, and another client's health meanwhile."""
    with Served([sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", str(TRAILERS_PORT)],
                TRAILERS_PORT) as served:
        pid = served.process.pid
        start = rss_mb(pid)
        sent = 0
        latencies = [health_ms(TRAILERS_PORT)]
        sock = socket.create_connection(("127.0.0.1", TRAILERS_PORT))
        try:
            sock.sendall(b"POST /orders/track HTTP/1.1\r\nHost: mock\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"0\r\nX-Trailer: ")
            filler = b"x" * 65536
            sock.settimeout(1)
            deadline = time.monotonic() + seconds
            last_health = time.monotonic()
            while time.monotonic() < deadline:
                try:
                    sock.sendall(filler)
                    sent += len(filler)
                except (BrokenPipeError, ConnectionResetError, TimeoutError):
                    break  # the server closed the connection (or stopped reading)
                if time.monotonic() - last_health > 0.5:
                    latencies.append(health_ms(TRAILERS_PORT))
                    last_health = time.monotonic()
            latencies.append(health_ms(TRAILERS_PORT))
            peak = peak_mb(pid)
        finally:
            sock.close()
    return {"start_mb": start, "peak_mb": peak, "sent_mb": sent / 2**20, "health_ms_max": max(latencies)}


def one_packet_of_pipelined_requests(rounds: int = 5) -> dict:
    """Item 6: one client sends a 256 KiB packet of pipelined ``GET /orders/{handle}`` (and reads the answers);
    the longest another client then waits for health, against its wait on an idle server."""
    auth = "Basic " + base64.b64encode(b"acme:s3cret").decode()
    one = f"GET /orders/nope HTTP/1.1\r\nHost: mock\r\nAuthorization: {auth}\r\n\r\n".encode()
    count = 256 * 1024 // len(one)
    with Served([sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", str(PACKET_PORT)],
                PACKET_PORT) as served:
        idle = max(health_ms(PACKET_PORT) for _ in range(20))
        waits = []
        for _ in range(rounds):
            with socket.create_connection(("127.0.0.1", PACKET_PORT)) as sock:
                reader = threading.Thread(target=_read_answers, args=(sock, count), daemon=True)
                reader.start()
                sock.sendall(one * count)
                time.sleep(0.005)  # the packet is being answered
                while reader.is_alive():
                    waits.append(health_ms(PACKET_PORT))
                reader.join()
        peak = peak_mb(served.process.pid)
    return {"requests_per_packet": count, "health_ms_idle": idle, "health_ms_max": max(waits), "peak_mb": peak}


def _read_answers(sock: socket.socket, count: int) -> None:
    """Read until ``count`` answers (status lines) have come."""
    seen, tail = 0, b""
    while seen < count:
        chunk = sock.recv(1 << 20)
        if not chunk:
            return
        seen += (tail + chunk).count(b"HTTP/1.1 ")
        tail = chunk[-8:]


ABUSE = {"pipelining": pipelining_without_reading, "trailers": endless_trailer,
         "packet": one_packet_of_pipelined_requests}


def abuse(names=tuple(ABUSE)) -> int:
    """Run the abuse checks named, print each one's figures; fails if any peak RSS passes ``ABUSE_BOUND_MB``."""
    ok = True
    for name in names:
        figures = ABUSE[name]()
        print(f"{name}: " + ", ".join(f"{key} {value:.0f}" for key, value in figures.items()))
        ok &= figures["peak_mb"] <= ABUSE_BOUND_MB
    print("within the bound" if ok else "OUT OF BOUNDS")
    return 0 if ok else 1


#: The peak RSS an abuse check may reach: start-up (~50 MB) plus room for what is in flight.
ABUSE_BOUND_MB = 300


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ABUSE:  # python bench/soak.py pipelining trailers
        sys.exit(abuse(sys.argv[1:]))
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 10, sys.argv[2:]))
