"""How fast the dashboard loads: ``python bench/dashboard.py [runs]`` prints a table, one row a view.

The mock runs as the CLI runs it (its own process) with the ``large`` scenario; a tenant's journal is
filled first (1,200 reads of its orders: the journal keeps what fits in its 1,000 entries and 1 MiB).
Each run opens the page in a new browser context (nothing cached, already signed in: the session is put
in the tab's storage before the page loads) and measures, inside the page, the time from the start of
navigation to the end of the first full render of the view (``performance.mark``: every fetch the view
makes answered and drawn).  Then the same with 10,000 orders in the tenant (1,000 routes of 10).
Needs Debian's chromium and the ``ui-test`` extra: ``pip install '.[ui-test]'``.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
BROWSER = os.environ.get("HYPERTRACK_MOCK_BROWSER", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWS = ("overview", "routes", "orders", "journal", "webhooks", "control")
AUTH = ("bench", "bench-secret")
GOAL_MS = 300


def serve(scenario: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", "--scenario", scenario, "--seed", "1",
         "--max-body-bytes", str(64 << 20)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        text=True)
    line = process.stdout.readline()
    if "serving http" not in line:
        raise SystemExit(f"the mock did not start: {line!r}")
    return process, line.split("serving ", 1)[1].split(" ", 1)[0]


def ten_thousand_orders() -> dict:
    return {"workers": [{"worker_handle": f"w{i}@example.com", "device_ids": [f"PHONE-{i}"]} for i in range(200)],
            "routes": [{"route_handle": f"r-{r:04d}", "status": "tracking" if r % 2 else "planned",
                        "worker_handle": f"w{r % 200}@example.com", "track_mode": "on_time", "orders": [
                            {"order_handle": f"o-{r:04d}-{k}", "destination": {"geometry": {
                                "type": "Point", "coordinates": [-121.9 + k / 100, 37.3 + r / 10_000]}, "radius": 50}}
                            for k in range(10)]} for r in range(1000)]}


def fill_journal(url: str, handles: list[str]) -> None:
    with requests.Session() as session:
        session.auth = AUTH
        for n in range(1200):
            session.get(f"{url}/orders/{handles[n % len(handles)]}", timeout=10)


def measure(browser, url: str, view: str) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    session = {"scheme": "basic", "account": AUTH[0], "secret": AUTH[1], "token": "", "admin": ""}
    context.add_init_script(f"sessionStorage.setItem('hypertrack-mock.session', {json.dumps(json.dumps(session))});")
    page = context.new_page()
    page.goto(f"{url}/__mock/ui#{view}")
    page.wait_for_selector(f'body[data-rendered^="{view}:"]', state="attached", timeout=30_000)
    elapsed = page.evaluate("performance.getEntriesByName('hypertrack-mock:rendered')[0].startTime")
    context.close()
    return elapsed


def table(title: str, browser, url: str, runs: int) -> None:
    print(f"\n{title}\n\n| view | median ms | max ms | goal |\n|---|---:|---:|---|")
    for view in VIEWS:
        measure(browser, url, view)  # the first is the browser's warm-up, not the page's
        times = [measure(browser, url, view) for _ in range(runs)]
        median = statistics.median(times)
        verdict = "met" if median < GOAL_MS else "NOT MET"
        print(f"| {view} | {median:.0f} | {max(times):.0f} | {verdict} (< {GOAL_MS} ms) |", flush=True)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    process, url = serve("large")
    try:
        large = json.loads((ROOT / "fixtures" / "large.json").read_text())
        fill_journal(url, [o["order_handle"] for r in large["routes"] for o in r["orders"]])
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=BROWSER, args=ARGS)
            table(f"`large` ({len(large['routes'])} routes, {sum(len(r['orders']) for r in large['routes'])} orders, "
                  f"{len(large['workers'])} workers), a full journal; {runs} runs each", browser, url, runs)
            loaded = requests.post(f"{url}/__mock/scenarios", json=ten_thousand_orders(), auth=AUTH, timeout=60)
            loaded.raise_for_status()
            fill_journal(url, [f"o-{r:04d}-0" for r in range(1000)])
            table(f"10,000 orders (1,000 routes), a full journal; {runs} runs each", browser, url, runs)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
