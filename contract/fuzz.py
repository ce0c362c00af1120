"""Property-based fuzzing with schemathesis, against HyperTrack's spec and against the mock's own.

    python -m contract.fuzz [--examples N] [--seed N]

Serves the mock in-process, then runs schemathesis four times with a pinned seed and number of
examples: well-formed requests (positive mode) against HyperTrack's reference spec (its quirks handled,
its objects closed: ``contract/reference.py``) and against the mock's own ``/openapi.json``, checking
that no answer is a 5xx, has an undocumented status or breaks its schema; then malformed requests
(negative mode) against both, checking only that no answer is a 5xx (HyperTrack's spec does not say
what malformed requests get).  The control plane's state-changing calls are left out of the mock's own
run: fuzzing fault rules would make the mock fail on purpose.
"""
from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from mockserver.testing import MockServer

from .reference import fuzzable

CONFORMANCE = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
#: The mock's own calls that change state, left out of fuzzing (the webhook's among them: a generated
#: URL would send deliveries off this machine, and a generated drain would wait minutes).
STATE_CHANGING_CONTROL = r"^/__mock/(faults|clock|scenarios|reset|workers|requests|webhook|orders|inbox)"


def schemathesis(spec: Path, url: str, mode: str, checks: str, examples: int, seed: int, extra=()) -> int:
    """One run, from the spec's (temporary) directory: schemathesis keeps a cache of past runs in
    ``.schemathesis/`` under its working directory, which would otherwise land in the checkout and be
    replayed by the next run."""
    auth = "Basic " + base64.b64encode(b"fuzz:fuzz-secret").decode()
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", str(spec), "--url", url,
               "--mode", mode, "--checks", checks, "--max-examples", str(examples), "--seed", str(seed),
               "--header", f"Authorization: {auth}", "--phases", "examples,coverage,fuzzing",
               "--suppress-health-check", "all", "--request-timeout", "10", "--workers", "1",
               "--generation-deterministic", *extra]
    print(f"\n== schemathesis, {mode} mode, {spec.name}: {checks}", flush=True)
    started = time.monotonic()
    code = subprocess.call(command, cwd=spec.parent)
    print(f"== {time.monotonic() - started:.0f} s, exit {code}", flush=True)
    return code


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    server = MockServer({"seed": 1}).start()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        reference_spec = Path(tmp) / "hypertrack-reference.json"
        reference_spec.write_text(json.dumps(fuzzable()))
        own_spec = Path(tmp) / "mock-openapi.json"
        own_spec.write_text(requests.get(server.url + "/openapi.json", timeout=10).text)
        runs = [
            (reference_spec, "positive", CONFORMANCE, ()),
            (own_spec, "positive", CONFORMANCE, ("--exclude-path-regex", STATE_CHANGING_CONTROL)),
            (reference_spec, "negative", "not_a_server_error", ()),
            (own_spec, "negative", "not_a_server_error", ("--exclude-path-regex", STATE_CHANGING_CONTROL)),
        ]
        for spec, mode, checks, extra in runs:
            failures += schemathesis(spec, server.url, mode, checks, args.examples, args.seed, extra) != 0
    server.stop()
    print(f"\n{failures} of {len(runs)} schemathesis runs failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
