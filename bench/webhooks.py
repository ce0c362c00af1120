"""What webhooks cost: ``python bench/webhooks.py [seconds] [tenants] [rounds] [probes]`` (needs wrk, Debian's package).

Two figures:
- **throughput**: POST /orders/track with the seed body spread over ``tenants`` accounts (wrk, 16
  connections, one thread, after a 3 s warm-up), with no webhook and with one set on every tenant, in
  turn, ``rounds`` times; the drop is the median of the rounds' ratios, printed beside the mock's CPU
  time per track (from /proc), a steadier figure on a machine whose two cores the mock, wrk and the
  receiver share.  What webhooks cost under a load no test suite makes: a figure to report (issue 22),
  no longer a goal (issue 16's was at most 10%);
- **latency**: from the track request being sent to its events reaching the receiver, for the first
  track after the webhook is set on a fresh server (what getting ready to deliver costs, once), then
  for tracks sent one at a time (median and p99: what a test waiting for a webhook sees; issue 16's
  goal, under 5 ms at the median); and, during the loaded run, from each event's ``recorded_at`` (millisecond
  resolution) to its arrival.  With ``rounds`` 0, only ``probes`` tracks one at a time (500 by default).

The mock runs as the CLI runs it; the receiver is a small server in a process of its own that
answers 200 at once and remembers when each delivery arrived.  Wall-clock time (``time.time``) is
compared across the processes, which share the machine's clock.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import SEED, mock, wrk  # noqa: E402

MOCK_PORT, RECEIVER_PORT = 18710, 18711
RECEIVER = f"http://127.0.0.1:{RECEIVER_PORT}"


# --- the receiver (its own process) ---------------------------------------------------------------

def receive(port: int) -> None:
    """Serve the receiver: a POST is kept as (arrival, body) and answered 200 at once; GET /stats gives
    ``[(arrival, [(order_handle, value, recorded_at)])]``, DELETE /stats forgets.  A protocol of its own
    on httptools, so that what it costs the machine (whose two cores the mock and wrk share) is small."""
    import httptools

    arrivals: list = []
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

    class Receiving(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.parser, self.body = transport, httptools.HttpRequestParser(self), []

        def data_received(self, data):
            self.parser.feed_data(data)

        def on_body(self, chunk):
            self.body.append(chunk)

        def on_message_complete(self):
            method, body, self.body = self.parser.get_method(), b"".join(self.body), []
            if method == b"POST":
                arrivals.append((time.time(), body))
                self.transport.write(ok)
                return
            if method == b"DELETE":
                arrivals.clear()
                answer = b"{}"
            else:
                answer = json.dumps([(at, [(e["data"].get("order_handle"), e["data"]["value"], e["recorded_at"])
                                           for e in json.loads(body)]) for at, body in arrivals]).encode()
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                 + str(len(answer)).encode() + b"\r\n\r\n" + answer)

    loop = asyncio.new_event_loop()
    loop.run_until_complete(loop.create_server(Receiving, "127.0.0.1", port))
    loop.run_forever()


class Receiver:
    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, __file__, "--receiver", str(RECEIVER_PORT)], cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.delete(RECEIVER + "/stats", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the receiver never answered")

    def stats(self) -> list:
        return requests.get(RECEIVER + "/stats", timeout=60).json()

    def forget(self) -> None:
        requests.delete(RECEIVER + "/stats", timeout=10)

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(10)


# --- the measures ---------------------------------------------------------------------------------

def accounts(tenants: int) -> list[tuple[str, str]]:
    return [(f"account-{n}", f"secret-{n}") for n in range(1, tenants + 1)]


def auths(tenants: int) -> str:
    return ",".join(base64.b64encode(f"{a}:{s}".encode()).decode() for a, s in accounts(tenants))


def set_webhooks(tenants: int) -> None:
    for auth in accounts(tenants):
        answer = requests.put(f"http://127.0.0.1:{MOCK_PORT}/__mock/webhook", json={"url": RECEIVER + "/"},
                              auth=auth, timeout=10)
        answer.raise_for_status()


def drain() -> None:
    requests.post(f"http://127.0.0.1:{MOCK_PORT}/__mock/webhooks/drain", json={"timeout_ms": 60000},
                  timeout=70).raise_for_status()


def parse(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput(seconds: int, tenants: int, webhook: bool, receiver: Receiver) -> tuple[dict, list]:
    """wrk's figures (with ``cpu_us``, the mock's CPU time per track), and the latencies (ms) from
    ``recorded_at`` to arrival of the events delivered."""
    with mock(MOCK_PORT) as served:
        if webhook:
            set_webhooks(tenants)
        receiver.forget()
        wrk(served.port, 3, AUTHS=auths(tenants))  # warm-up
        used = cpu_seconds(served.process.pid)
        result = wrk(served.port, seconds, AUTHS=auths(tenants))
        result["cpu_us"] = (cpu_seconds(served.process.pid) - used) / (result["rps"] * seconds) * 1e6
        assert result["errors"] == 0 and result["non2xx"] == 0, result
        lags = []
        if webhook:
            drain()
            lags = [(at - parse(recorded)) * 1000 for at, events in receiver.stats() for _, _, recorded in events]
    return result, lags


def one_at_a_time(count: int, receiver: Receiver) -> tuple[float, list[float]]:
    """Milliseconds from sending a track to its last event's arrival: for the first track after the
    webhook is set on a fresh server (what getting ready to deliver costs), then for ``count`` tracks
    sent one at a time."""
    with mock(MOCK_PORT):
        receiver.forget()
        set_webhooks(1)
        session = requests.Session()
        session.auth = accounts(1)[0]

        def track(handle: str) -> float:
            body = dict(SEED, orders=[dict(SEED["orders"][0], order_handle=handle)])
            sent = time.time()
            assert session.post(f"http://127.0.0.1:{MOCK_PORT}/orders/track", json=body, timeout=10).status_code == 201
            return sent

        def arrivals() -> dict:
            return {handle: at for at, events in receiver.stats() for handle, value, _ in events if value == "started"}

        first = track("first")
        drain()
        first = (arrivals()["first"] - first) * 1000
        receiver.forget()
        sent = {}
        for n in range(count):
            sent[f"probe-{n}"] = track(f"probe-{n}")
            time.sleep(0.01)  # the next track comes when this one's delivery is long done
        drain()
        arrived = arrivals()
        assert all(handle in arrived for handle in sent), "some tracks' events never arrived"
        return first, [(arrived[handle] - sent[handle]) * 1000 for handle in sent]


def loaded(seconds: int, tenants: int, rounds: int, receiver: Receiver) -> None:
    """The throughput rounds, and the latencies under that load; printed."""
    ratios, costs, lags = [], [], []
    for round_ in range(1, rounds + 1):
        plain, _ = throughput(seconds, tenants, False, receiver)
        hooked, lag = throughput(seconds, tenants, True, receiver)
        ratios.append(hooked["rps"] / plain["rps"])
        costs.append(hooked["cpu_us"] / plain["cpu_us"])
        lags += lag
        print(f"round {round_}: no webhook {plain['rps']:,.0f} req/s (p99 {plain['p99_ms']:.1f} ms, "
              f"{plain['cpu_us']:.0f} µs of CPU a track), webhook on every tenant {hooked['rps']:,.0f} req/s "
              f"(p99 {hooked['p99_ms']:.1f} ms, {hooked['cpu_us']:.0f} µs): {(1 - ratios[-1]) * 100:+.1f}% drop",
              flush=True)
    drops = [(1 - ratio) * 100 for ratio in ratios]
    print(f"\nthroughput drop with a webhook on every tenant (median of {rounds} rounds): "
          f"{(1 - statistics.median(ratios)) * 100:.1f}% (rounds {min(drops):+.1f}% to {max(drops):+.1f}%)")
    print(f"the mock's CPU time a track, with a webhook against without (median of {rounds} rounds): "
          f"{(statistics.median(costs) - 1) * 100:+.1f}%   (what the drop is when the mock has a core to itself)")
    lags.sort()
    print(f"under load, recorded_at to arrival: median {statistics.median(lags):.1f} ms, "
          f"p99 {lags[int(len(lags) * 0.99)]:.1f} ms over {len(lags):,} events", flush=True)


def main(seconds: int = 10, tenants: int = 4, rounds: int = 3, probes: int = 500) -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    print(f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}; "
          f"wrk -t1 -c16 -d{seconds}s over {tenants} tenants\n", flush=True)
    with Receiver() as receiver:
        if rounds:  # 0: only the tracks one at a time
            loaded(seconds, tenants, rounds, receiver)
        first, probe = one_at_a_time(probes, receiver)
        probe.sort()
        print(f"the first track after setting the webhook on a fresh server, request sent to events received: "
              f"{first:.1f} ms")
        print(f"then one track at a time, request sent to events received: median {statistics.median(probe):.2f} ms, "
              f"p99 {probe[int(len(probe) * 0.99)]:.2f} ms over {len(probe)} tracks")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--receiver"]:
        receive(int(sys.argv[2]))
    else:
        main(*(int(arg) for arg in sys.argv[1:5]))
