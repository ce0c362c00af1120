"""Property-based fuzzing with schemathesis, against HyperTrack's spec and against the mock's own.

    python -m contract.fuzz [--examples N] [--seed N]

Serves the mock in-process, then runs schemathesis six times with a pinned seed and number of
examples: well-formed requests (positive mode) against HyperTrack's reference spec (its quirks handled,
its objects closed: ``contract/reference.py``) and against the mock's own ``/openapi.json``, checking
that no answer is a 5xx, has an undocumented status or breaks its schema; then malformed requests
(negative mode) against both, checking only that no answer is a 5xx (HyperTrack's spec does not say
what malformed requests get).  The control plane's state-changing calls are left out of those runs
(a fuzzed fault rule would make the mock fail on purpose), and fuzzed on a second server of their
own, both ways: fault rules there touch only the data plane, which that run does not call.  Its
webhook receivers cannot leave the machine: that server refuses any receiver but its own inboxes
(``/__mock/inbox/<name>``), and the spec it is fuzzed from says so; a drain waits at most a second.
"""
from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from mockserver.testing import MockServer

from .reference import fuzzable

CONFORMANCE = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
#: The mock's own calls that change state, left out of the runs that fuzz the data plane.
STATE_CHANGING_CONTROL = r"^/__mock/(faults|clock|scenarios|reset|workers|requests|webhook|orders|inbox|thresholds)"
#: The control plane, fuzzed on a server of its own.
CONTROL = r"^/__mock/"
#: What a generated drain may wait, at most (the mock takes up to ten minutes).
DRAIN_MS = 1000


@contextmanager
def inbox_receivers_only(server: MockServer):
    """While open, ``server`` refuses (422) any webhook receiver but its own inboxes; yields the prefix
    of their URLs."""
    from mockserver.models.errors import Invalid
    from mockserver.models.tenant import Tenant

    prefix = f"{server.app.own_url}/__mock/inbox/"
    set_webhook = Tenant.set_webhook

    def guarded(tenant, options, confirm_url=None):
        # Every receiver goes through here: PUT /__mock/webhook (url or inbox) and a scenario's webhook.
        if not (options.get("url") or "").startswith(prefix):  # the host and port are the mock's own
            raise Invalid("url", f"The fuzzed mock only delivers to its own inboxes ({prefix}<name>).")
        return set_webhook(tenant, options, confirm_url)

    Tenant.set_webhook = guarded
    try:
        yield prefix
    finally:
        Tenant.set_webhook = set_webhook


def control_spec(spec: dict, inbox_prefix: str) -> dict:
    """The mock's own spec as the control plane's fuzzing reads it: receivers the mock's own inboxes
    (so that well-formed requests set ones it accepts), drains at most ``DRAIN_MS``."""
    schemas = spec["components"]["schemas"]
    url = schemas["WebhookReceiver"]["properties"]["url"]
    url.clear()
    url.update({"type": "string", "enum": [inbox_prefix + "fuzz", inbox_prefix + "fuzz-2"]})
    schemas["DrainRequest"]["properties"]["timeout_ms"].update({"maximum": DRAIN_MS, "default": DRAIN_MS})
    return spec


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
    control_server = MockServer({"seed": 1}).start()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp, inbox_receivers_only(control_server) as inbox_prefix:
        reference_spec = Path(tmp) / "hypertrack-reference.json"
        reference_spec.write_text(json.dumps(fuzzable()))
        own = requests.get(server.url + "/openapi.json", timeout=10).json()
        own_spec = Path(tmp) / "mock-openapi.json"
        own_spec.write_text(json.dumps(own))
        own_control_spec = Path(tmp) / "mock-openapi-control.json"
        own_control_spec.write_text(json.dumps(control_spec(own, inbox_prefix)))
        runs = [
            (reference_spec, server, "positive", CONFORMANCE, ()),
            (own_spec, server, "positive", CONFORMANCE, ("--exclude-path-regex", STATE_CHANGING_CONTROL)),
            (reference_spec, server, "negative", "not_a_server_error", ()),
            (own_spec, server, "negative", "not_a_server_error", ("--exclude-path-regex", STATE_CHANGING_CONTROL)),
            (own_control_spec, control_server, "positive", CONFORMANCE, ("--include-path-regex", CONTROL)),
            # A malformed drain may ask for minutes the mock allows: drains are fuzzed well-formed only.
            (own_control_spec, control_server, "negative", "not_a_server_error",
             ("--include-path-regex", CONTROL, "--exclude-path-regex", r"^/__mock/webhooks/drain")),
        ]
        for spec, target, mode, checks, extra in runs:
            failures += schemathesis(spec, target.url, mode, checks, args.examples, args.seed, extra) != 0
    server.stop()
    control_server.stop()
    print(f"\n{failures} of {len(runs)} schemathesis runs failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
