"""The mock against its peers: ``python bench/peers.py [seconds] [systems...]`` prints one row a system.

The peers are the ones a user would pick instead, fetched from npm into ``bench/peers/`` (its own
package.json, as ``postman/`` holds newman's): WireMock 3 (the npm package's standalone jar, run with
Java) with a static stub of the 201 HyperTrack documents for the seed request, and Prism 5 and Mockoon
CLI 9, both fed HyperTrack's own spec excerpt (``contract/hypertrack/``).  The mock is installed from
this checkout into a venv of its own and started as the CLI starts it.  Each system gets the same load
as ``bench/run.py`` gives (wrk -t1 -c16 with bench/track.lua, after a 3 s warm-up); a row is the time
from spawn to the first answered track, wrk's req/s, p50 and p99, and the RSS of the system's process
tree; then the mock's req/s over each peer's.  Systems: mock wiremock prism mockoon (all by default).
This reproduces the workplace's peer bench that docs/performance.md's earlier figures came from.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import Served, load  # noqa: E402 - after the path that makes bench importable

PEERS = ROOT / "bench" / "peers"
SPEC = ROOT / "contract" / "hypertrack" / "hypertrack-orders-track.openapi.yaml"
SYSTEMS = ("mock", "wiremock", "prism", "mockoon")


def npm_peers() -> Path:
    """Installs the peers' npm packages into bench/peers/ once and gives their node_modules."""
    modules = PEERS / "node_modules"
    if not (modules / "wiremock").is_dir():
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund"], cwd=PEERS, check=True)
    return modules


def mock_venv() -> Path:
    """A venv with this checkout installed as a user installs it (not editable), built once a commit."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip() or "worktree"
    venv = Path(tempfile.gettempdir()) / f"hypertrack-mock-peers-{commit}"
    if not (venv / "bin" / "hypertrack-mock").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(ROOT)], check=True,
                       stderr=subprocess.DEVNULL)  # the index's warnings; a failure shows in pip's exit code
    return venv


def wiremock_root() -> Path:
    """A WireMock root directory whose one mapping answers POST /orders/track with the spec's first 201 example."""
    from contract.reference import published

    examples = published()["paths"]["/orders/track"]["post"]["responses"]["201"]["content"]["application/json"]
    body = next(iter(examples["examples"].values()))["value"]
    stub = {"request": {"method": "POST", "url": "/orders/track",
                        "headers": {"Content-Type": {"contains": "application/json"}}},
            "response": {"status": 201, "headers": {"Content-Type": "application/json"}, "jsonBody": body}}
    root = Path(tempfile.mkdtemp(prefix="wiremock-"))
    (root / "mappings").mkdir()
    # YAML gives the example's timestamps as datetimes; HyperTrack writes them as ISO strings in Z.
    (root / "mappings" / "track.json").write_text(json.dumps(stub, default=lambda d: d.isoformat(
        timespec="milliseconds").replace("+00:00", "Z")))
    return root


def mockoon_environment(modules: Path) -> Path:
    """Mockoon's environment imported from the spec excerpt (once: it does not change with the code)."""
    environment = PEERS / "mockoon-env.json"
    if not environment.exists():
        subprocess.run([str(modules / ".bin" / "mockoon-cli"), "import", "--input", str(SPEC), "--output",
                        str(environment)], check=True, capture_output=True)
    return environment


def command(system: str, port: int) -> list[str]:
    """The command line that serves one system on 127.0.0.1:port."""
    if system == "mock":
        return [str(mock_venv() / "bin" / "hypertrack-mock"), "--host", "127.0.0.1", "--port", str(port)]
    modules = npm_peers()
    if system == "wiremock":
        jar = next((modules / "wiremock" / "build").glob("wiremock-standalone-*.jar"))
        return ["java", "-jar", str(jar), "--port", str(port), "--bind-address", "127.0.0.1",
                "--root-dir", str(wiremock_root()), "--disable-banner"]
    if system == "prism":
        return [str(modules / ".bin" / "prism"), "mock", "-p", str(port), "-h", "127.0.0.1", str(SPEC)]
    if system == "mockoon":
        return [str(modules / ".bin" / "mockoon-cli"), "start", "--data", str(mockoon_environment(modules)),
                "--port", str(port), "--disable-log-to-file"]
    raise SystemExit(f"unknown system {system!r}: choose from {', '.join(SYSTEMS)}")


def tree_rss_mb(pid: int) -> float:
    """The resident memory of a process and its descendants (npx-style launchers fork the real server)."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True,
                         check=False).stdout
    return sum(int(kb) for kb in out.split()) / 1024


def main(seconds: int = 10, systems: tuple[str, ...] = SYSTEMS) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (Debian: apt-get install wrk)")
    commands = {s: command(s, 18100 + n) for n, s in enumerate(systems, start=1)}  # installs before any timing
    print(f"wrk -t1 -c16 -d{seconds}s, POST /orders/track (bench/track.lua), after a 3 s warm-up\n", flush=True)
    rps = {}
    for n, system in enumerate(systems, start=1):
        try:
            with Served(commands[system], 18100 + n) as served:
                result = load(served, seconds)
                rss = tree_rss_mb(served.process.pid)
        except RuntimeError as error:
            print(f"{system:9} never answered 201: {str(error)[-300:]}", flush=True)
            continue
        if not (result["errors"] or result["non2xx"]):  # a system that fails requests has no throughput to compare
            rps[system] = result["rps"]
        print(f"{system:9} ready_s={served.ready_s:.2f} rps={result['rps']:.0f} p50_ms={result['p50_ms']:.2f} "
              f"p99_ms={result['p99_ms']:.2f} errors={result['errors']:.0f} non2xx={result['non2xx']:.0f} "
              f"rss_mb={rss:.0f}", flush=True)
    for peer in ("wiremock", "prism", "mockoon"):
        if "mock" in rps and peer in rps:
            print(f"mock/{peer} rps ratio={rps['mock'] / rps[peer]:.2f}")
    return rps


if __name__ == "__main__":
    asked = tuple(sys.argv[2:]) or SYSTEMS
    answered = main(int(sys.argv[1]) if len(sys.argv) > 1 else 10, asked)
    sys.exit(0 if len(answered) == len(asked) else 1)  # one that never answered, or failed requests, fails CI's run
