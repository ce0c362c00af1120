"""The mock's pact against HyperTrack's spec, judged by PactFlow's own validator.

    python -m contract.pact_check [--node-modules contract/validator/node_modules] [--keep DIR]

PactFlow's bi-directional contract testing compares a consumer's pact with the provider's OpenAPI
using ``@pactflow/swagger-mock-validator`` (installed by ``npm install`` in ``contract/validator/``).  This starts
the CLI server (``hypertrack-mock --port 0``), plays in one tenant a journal that calls every operation
of HyperTrack's spec and gets each of its documented answers (``CALLS``; ``UNREACHED`` lists, with the
reason, the few documented answers that no request to the mock can get), fetches the tenant's pact
(``GET /__mock/pact``), writes it and HyperTrack's spec (``reference.typed()``: as published, typed as
JSON-Schema validators need it, nullable enums admitting null) to a temporary directory, and runs the
validator.  It fails on any error the validator reports, on a documented answer that the pact lacks,
on an exchange the pact leaves out that the journal did not mean to leave out, and if the validator
lets through a copy of the pact broken on purpose (an unnamed property, an undocumented status).
"""
from __future__ import annotations

import argparse
import base64
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import requests

from .prism import Failed, start_mock
from .reference import typed

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "pact-check"
AUTH = "Basic " + base64.b64encode(f"{ACCOUNT}:secret".encode()).decode()
CONSUMER = "hypertrack-mock pact check"
#: Documented answers (operation, status) that no request to the mock gets, each with the reason: none.
UNREACHED: dict[tuple[str, str], str] = {}


def _seed() -> dict:
    """HyperTrack's own "Create and track orders" example: the default scenario's first example."""
    document = json.loads((ROOT / "fixtures" / "default.json").read_text())
    return copy.deepcopy(document["examples"][0]["request"])


def _tracked(suffix: str) -> dict:
    body = _seed()
    for order in body["orders"]:
        order["order_handle"] += suffix
    return body


class Call(NamedTuple):
    """A call of the journal: ``fault``, a status a fault rule of the tenant answers it with instead."""

    method: str
    path: str
    body: dict | None = None
    fault: int | None = None


#: A 401 HyperTrack sends an unknown caller has no tenant to be journaled in; a test that checks its
#: handling of one asks its own tenant's mock for it with a fault rule, as this journal does.
UNAUTHORIZED = 401


def calls() -> list[Call]:
    """Every call, in order (they build on each other's state)."""
    point = {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}}
    planned = [{"order_handle": f"plan-{n}", "scheduled_at": "2023-11-02T02:00:00Z", "destination": point}
               for n in (1, 2)]
    found = [
        # Track Orders: 201, then each documented error
        Call("POST", "/orders/track", _tracked("-a")),
        Call("POST", "/orders/track", dict(_tracked("-b"), route={"route_handle": "route-b"})),
        Call("POST", "/orders/track", _tracked("-a")),                                       # 409
        Call("POST", "/orders/track", dict(_tracked("-c"), ops_group_handle="NOPE")),        # 400
        Call("POST", "/orders/track", {"track_mode": "on_time"}),                            # 400, another
        Call("POST", "/orders/track", {"track_mode": "on_time", "route_handle": "no-such-route"}),  # 404
        Call("POST", "/orders/track", {"track_mode": "sometimes"}),                          # 422
        Call("POST", "/orders/track", _tracked("-d"), fault=UNAUTHORIZED),
        # the orders
        Call("GET", "/orders/order-1-a"),
        Call("GET", "/orders/order-1-a?fulfillment_attempt=0"),
        Call("GET", "/orders/nope"),
        Call("GET", "/orders/order-1-a?fulfillment_attempt=x"),
        Call("GET", "/orders/order-1-a", fault=UNAUTHORIZED),
        Call("PATCH", "/orders/order-1-b", {"metadata": {"gate": "4"}}),
        Call("PATCH", "/orders/nope", {"metadata": {}}),
        Call("PATCH", "/orders/order-1-b", {"expected_service_time": "long"}),
        Call("PATCH", "/orders/order-1-b", {"metadata": {}}, fault=UNAUTHORIZED),
        Call("GET", "/orders/"),
        Call("GET", "/orders/?status=ongoing&limit=1"),
        Call("GET", "/orders/?limit=0"),
        Call("GET", "/orders/", fault=UNAUTHORIZED),
        Call("GET", "/orders/order-1-a/webhooks"),
        Call("GET", "/orders/nope/webhooks"),
        Call("GET", "/orders/order-1-a/webhooks?limit=0"),
        Call("GET", "/orders/order-1-a/webhooks", fault=UNAUTHORIZED),
        Call("POST", "/orders/order-1-a/complete", {}),
        Call("POST", "/orders/nope/complete", {}),
        Call("POST", "/orders/order-2-a/complete", {"bogus": 1}),
        Call("POST", "/orders/order-2-a/complete", {}, fault=UNAUTHORIZED),
        Call("POST", "/orders/order-2-a/cancel", {}),
        Call("POST", "/orders/nope/cancel", {}),
        Call("POST", "/orders/order-1-b/cancel", {"reason": "x"}),
        Call("POST", "/orders/order-1-b/cancel", {}, fault=UNAUTHORIZED),
        Call("POST", "/orders/order-2-a/cancel", {}),           # 409: undocumented, left out on purpose
        # the routes
        Call("GET", "/orders/routes/"),
        Call("GET", "/orders/routes/?limit=0"),
        Call("GET", "/orders/routes/", fault=UNAUTHORIZED),
        Call("GET", "/orders/routes/route-b"),
        Call("GET", "/orders/routes/nope"),
        Call("GET", "/orders/routes/route-b?include_summary=2"),
        Call("GET", "/orders/routes/route-b", fault=UNAUTHORIZED),
        Call("POST", "/orders/routes/route-b/complete", {}),
        Call("POST", "/orders/routes/route-b/complete", {}),                                 # 409
        Call("POST", "/orders/routes/nope/complete", {}),
        Call("POST", "/orders/routes/route-b/complete", {"bogus": 1}),
        Call("POST", "/orders/routes/route-b/complete", {}, fault=UNAUTHORIZED),
        # Batch and Sequence Orders
        Call("POST", "/orders/", {"plan_mode": "manual", "worker_handle": "james@ht.com", "orders": planned}),
        Call("POST", "/orders/", {"plan_mode": "manual", "orders": planned}),                # 409
        Call("POST", "/orders/", {"plan_mode": "pool", "orders": planned}),                  # 422
        Call("POST", "/orders/", {"plan_mode": "manual", "orders": planned}, fault=UNAUTHORIZED),
        # the workers
        Call("POST", "/workers/", {"worker_handle": "ana", "name": "Ana"}),
        Call("POST", "/workers/", {"worker_handle": "dee", "device_id": "not-a-uuid"}),
        Call("POST", "/workers/", {"worker_handle": "ana"}, fault=UNAUTHORIZED),
        Call("GET", "/workers/"),
        Call("GET", "/workers/?limit=0"),
        Call("GET", "/workers/", fault=UNAUTHORIZED),
        Call("GET", "/workers/james@ht.com"),
        Call("GET", "/workers/nobody"),
        Call("GET", "/workers/james@ht.com?include_deleted=maybe"),
        Call("GET", "/workers/james@ht.com", fault=UNAUTHORIZED),
        Call("DELETE", "/workers/ana"),
        Call("DELETE", "/workers/nobody"),
        Call("DELETE", "/workers/ana", fault=UNAUTHORIZED),
        Call("POST", "/workers/ana/undelete"),
        Call("POST", "/workers/nobody/undelete"),
        Call("POST", "/workers/ana/undelete", fault=UNAUTHORIZED),
        Call("POST", "/workers/ops-groups/", {"ops_group_handle": "NORTH", "ops_group_label": "North"}),
        Call("POST", "/workers/ops-groups/", {"ops_group_label": "no handle"}),
        Call("POST", "/workers/ops-groups/", {"ops_group_handle": "NORTH"}, fault=UNAUTHORIZED),
        # left out on purpose (and the 409 of cancelling a finished order, above): no such operation
        Call("GET", "/orders/routes/route-b/nothing-here"),
    ]
    return found


#: Exchanges of ``calls()`` the pact must leave out, by reason (a prefix of it).
LEFT_OUT_ON_PURPOSE = ("not an operation of HyperTrack's spec", "HyperTrack's spec documents no")


def play(mock: str) -> None:
    """Every call of ``calls()``, in the tenant ``ACCOUNT``, from a clean start."""
    session = requests.Session()
    session.headers["Authorization"] = AUTH
    session.post(f"{mock}/__mock/reset", timeout=10).raise_for_status()
    for method, path, body, fault in calls():
        if fault is not None:
            session.post(f"{mock}/__mock/faults", json={"method": method, "path": path.split("?")[0], "status": fault,
                                                      "times": 1}, timeout=10).raise_for_status()
        answer = session.request(method, mock + path, json=body, timeout=30)
        print(f"  {answer.status_code} {method:6} {path}")


def fetch_pact(mock: str) -> dict:
    answer = requests.get(f"{mock}/__mock/pact", params={"consumer": CONSUMER}, headers={"Authorization": AUTH},
                          timeout=30)
    answer.raise_for_status()
    return answer.json()


def missing_answers(pact: dict) -> list[str]:
    """The documented answers (operation and status) that no interaction of ``pact`` states."""
    from mockserver.web.pact import reading

    spec = reading()
    stated = {(spec.operation(i["request"]["method"], i["request"]["path"]), str(i["response"]["status"]))
              for i in pact["interactions"]}
    return [f"{status} on {operation}" for operation, statuses in spec.operations.items() for status in statuses
            if (operation, status) not in stated and (operation, status) not in UNREACHED]


def validate(validator: Path, spec_file: Path, pact_file: Path) -> tuple[int, str]:
    done = subprocess.run([str(validator), str(spec_file), str(pact_file)], capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def broken_copy(pact: dict) -> dict:
    """``pact`` with two things PactFlow must refuse: a property HyperTrack's schema does not name in an
    answer, and a status the operation does not document."""
    broken = copy.deepcopy(pact)
    with_body = next(i for i in broken["interactions"] if isinstance(i["response"].get("body"), dict))
    with_body["response"]["body"]["pact_check"] = True
    broken["interactions"][-1]["response"]["status"] = 599
    return broken


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, default=ROOT / "contract" / "validator" / "node_modules",
                        help="where npm installed @pactflow/swagger-mock-validator "
                             "(default: contract/validator/node_modules)")
    parser.add_argument("--keep", type=Path, help="write the pact and the spec here too")
    args = parser.parse_args(argv)
    validator = args.node_modules / ".bin" / "swagger-mock-validator"
    if not validator.exists():
        print(f"{validator} is missing: run `npm install` in postman/ first", file=sys.stderr)
        return 2
    process, mock = start_mock()
    try:
        print(f"mock at {mock}; the journal:", flush=True)
        play(mock)
        pact = fetch_pact(mock)
    except Failed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        process.kill()
        process.wait()
    problems = []
    left_out = pact["metadata"]["hypertrack-mock"]["leftOut"]
    for entry in left_out:
        if not entry["reason"].startswith(LEFT_OUT_ON_PURPOSE):
            problems.append(f"left out: {entry}")
    problems += [f"the pact states no {missing}" for missing in missing_answers(pact)]
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        spec_file, pact_file = directory / "hypertrack-typed.json", directory / "pact.json"
        spec_file.write_text(json.dumps(typed()))
        pact_file.write_text(json.dumps(pact, indent=1))
        code, output = validate(validator, spec_file, pact_file)
        # The validator must really judge: a broken copy of the same pact is refused, for both faults.
        broken_file = directory / "pact-broken-on-purpose.json"
        broken_file.write_text(json.dumps(broken_copy(pact)))
        broken_code, broken_output = validate(validator, spec_file, broken_file)
    for expected in ("response.body.incompatible", "response.status.unknown"):
        if broken_code == 0 or expected not in broken_output:
            problems.append(f"the validator let a broken pact through ({expected} not reported): {broken_output}")
    print(f"\n{len(pact['interactions'])} interactions, {len(left_out)} kinds of exchange left out, "
          f"{len(pact['metadata']['hypertrack-mock']['reduced'])} answers reduced")
    for entry in left_out:
        print(f"  left out ({entry['count']}): {entry['status']} {entry['request']}: {entry['reason']}")
    print("\n== swagger-mock-validator:\n" + output.strip())
    if code != 0:
        problems.append(f"swagger-mock-validator exited {code}")
    for problem in problems:
        print(f"FAILED: {problem}")
    print("pact check: " + (f"{len(problems)} problems" if problems else "the pact passes"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
