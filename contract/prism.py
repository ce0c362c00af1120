"""An independent validator: Stoplight Prism's proxy judges every answer of the Postman collection.

    python -m contract.prism [--node-modules postman/node_modules]

The repo's other conformance checks share code with the mock; this one shares nothing with it but the
spec.  It starts the CLI server (``hypertrack-mock --port 0``) and, in front of it, Prism's proxy
(``@stoplight/prism-cli``, installed by ``npm install`` in ``postman/``) with HyperTrack's spec
(``contract/reference.py``'s ``proxied()``: the vendored excerpt, its listed quirks handled, every
object an answer can hold closed).  Then:

1. Prism must really validate: for every operation of the spec, a fault rule makes the mock give a
   deliberately broken answer, and Prism must flag it.  (Prism skips, silently, any schema its
   validator cannot compile; this proves none of the spec's answers is skipped.)
2. The collection runs through the proxy with newman, and Prism's verdict on each exchange is read
   from the ``sl-violations`` header it adds.

It fails when an answer breaks HyperTrack's spec, when a request breaks it without being one the
collection sends wrong on purpose (marked "Deliberately wrong", ``postman/generate.py``), when a
data-plane request matches no operation of the spec, or when a newman check fails on a request that is
not deliberately wrong (Prism answers a body that is not JSON itself, so that check cannot pass
through it).  Only the mock's own calls are not HyperTrack's to judge: ``UNJUDGED``.
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from .reference import proxied

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = ROOT / "postman" / "hypertrack-mock.postman_collection.json"
ENVIRONMENT = ROOT / "postman" / "hypertrack-mock.postman_environment.json"
DELIBERATE = "Deliberately wrong"
#: Paths that are the mock's own, not HyperTrack's Orders API: the control plane, and the OAuth token
#: call the contract adds (HyperTrack's spec documents its Bearer scheme, not how a token is issued).
UNJUDGED = re.compile(r"^/(__mock/|oauth/token$)")
ROUTE_NOT_FOUND = "Selected route not found"
CHECK_AUTH = "Basic " + base64.b64encode(b"prism-check:prism-check").decode()


class Failed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_mock() -> tuple[subprocess.Popen, str]:
    """The CLI server on a free port, and its URL (from the line it prints when it is ready)."""
    command = [str(Path(sys.executable).parent / "hypertrack-mock"), "--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = process.stdout.readline()
    found = re.search(r"serving (http://\S+)", line)
    if not found:
        process.kill()
        raise Failed(f"the mock did not start: {line.strip()!r}")
    threading.Thread(target=process.stdout.read, daemon=True).start()  # keep its pipe drained
    return process, found.group(1)


def start_prism(prism: Path, spec: Path, upstream: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [str(prism), "proxy", str(spec), upstream, "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "Prism is listening" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise Failed("Prism did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    return process, f"http://127.0.0.1:{port}"


def violations(headers) -> list[dict]:
    return json.loads(headers.get("sl-violations") or "[]")


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method.upper(), path, operation


def prove_prism_validates(spec: dict, mock: str, proxy: str) -> None:
    """For every operation, a broken answer (its documented success status with a body no schema of
    the spec allows, or a status it does not document) must come back flagged."""
    print("== Prism must flag a deliberately broken answer for every operation of the spec", flush=True)
    unflagged = []
    for method, path, operation in operations(spec):
        concrete = re.sub(r"\{[^}]+\}", "prism-check", path)
        success = sorted(code for code in operation["responses"] if code.startswith("2"))
        has_body = bool(success) and "content" in operation["responses"][success[0]]
        rule = ({"status": int(success[0]), "body": {"prism_check": True}} if has_body else {"status": 599})
        requests.post(f"{mock}/__mock/faults", headers={"Authorization": CHECK_AUTH}, timeout=10,
                      json=dict(rule, method=method, path=concrete, times=1)).raise_for_status()
        answer = requests.request(method, proxy + concrete, headers={"Authorization": CHECK_AUTH},
                                  json={} if method in ("POST", "PATCH", "PUT") else None, timeout=30)
        flagged = [v for v in violations(answer.headers) if v["location"][0] == "response"]
        verdict = "flagged" if flagged else "NOT FLAGGED"
        print(f"  {verdict:11} {method:6} {path}: {rule} -> {flagged[0]['message'] if flagged else '-'}")
        if not flagged:
            unflagged.append(f"{method} {path}")
    requests.post(f"{mock}/__mock/reset", headers={"Authorization": CHECK_AUTH}, timeout=10).raise_for_status()
    if unflagged:
        raise Failed("Prism let a broken answer through (does a schema fail to compile?): " + ", ".join(unflagged))


def deliberately_wrong(collection: dict) -> set[str]:
    names, stack = [], list(collection["item"])
    while stack:
        item = stack.pop()
        stack.extend(item.get("item", ()))
        if str(item.get("request", {}).get("description", "")).startswith(DELIBERATE):
            names.append(item["name"])
    if len(names) != len(set(names)):
        raise Failed(f"two deliberately wrong requests share a name: {sorted(names)}")
    return set(names)


def run_collection(newman: Path, proxy: str, report: Path) -> dict:
    print("\n== the Postman collection through Prism's proxy (newman)", flush=True)
    subprocess.run([str(newman), "run", str(COLLECTION), "-e", str(ENVIRONMENT), "--env-var", f"baseUrl={proxy}",
                    "--reporters", "json", "--reporter-json-export", str(report), "--suppress-exit-code"],
                   check=True, stdout=subprocess.DEVNULL)
    return json.loads(report.read_text())


def judge(run: dict, wrong_on_purpose: set[str]) -> list[str]:
    problems, judged, unjudged = [], 0, 0
    failed_checks = {}
    for failure in run["run"]["failures"]:
        failed_checks.setdefault(failure["source"]["name"], []).append(failure["error"]["message"])
    for execution in run["run"]["executions"]:
        name = execution["item"]["name"]
        answer = execution.get("response") or {}
        headers = {h["key"].lower(): h["value"] for h in answer.get("header", ())}
        path = "/" + "/".join(execution["request"]["url"]["path"])
        method = execution["request"]["method"]
        found = violations(headers)
        on_purpose = name in wrong_on_purpose
        unrouted = any(v["message"] == ROUTE_NOT_FOUND for v in found)
        on_answer = [v["message"] for v in found if v["location"][0] == "response"]
        on_request = [v["message"] for v in found if v["location"][0] == "request" and v["message"] != ROUTE_NOT_FOUND]
        if unrouted and UNJUDGED.match(path):
            unjudged += 1
            verdict = "the mock's own"
        elif unrouted and not on_purpose:
            verdict = "NOT IN THE SPEC"
            problems.append(f"{name}: {method} {path} matches no operation of HyperTrack's spec")
        else:
            judged += 1
            verdict = "wrong on purpose" if on_purpose else ("VIOLATION" if found else "valid")
            if not on_purpose and (on_answer or on_request):
                problems.append(f"{name}: {method} {path}: {on_answer + on_request}")
        if name in failed_checks and not on_purpose:
            problems.append(f"{name}: newman checks failed through the proxy: {failed_checks[name]}")
        detail = "; ".join(on_request + on_answer) if found and not unrouted else ""
        line = f"  {verdict:16} {answer.get('code', '-'):>3} {method:6} {path}  {name}"
        print(line + (f"  [{detail}]" if detail else ""))
    print(f"\n{judged} exchanges judged by Prism against HyperTrack's spec, {unjudged} of the mock's own calls "
          f"left to the mock's spec, {len(wrong_on_purpose)} requests wrong on purpose")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, default=ROOT / "postman" / "node_modules",
                        help="where npm installed @stoplight/prism-cli and newman (default: postman/node_modules)")
    args = parser.parse_args(argv)
    prism, newman = args.node_modules / ".bin" / "prism", args.node_modules / ".bin" / "newman"
    for tool in (prism, newman):
        if not tool.exists():
            print(f"{tool} is missing: run `npm install` in postman/ first", file=sys.stderr)
            return 2
    spec = proxied()
    processes = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            spec_file = Path(tmp) / "hypertrack-proxied.json"
            spec_file.write_text(json.dumps(spec))
            mock_process, mock = start_mock()
            processes.append(mock_process)
            prism_process, proxy = start_prism(prism, spec_file, mock, Path(tmp) / "prism.log")
            processes.append(prism_process)
            print(f"mock at {mock}, Prism's proxy at {proxy}", flush=True)
            prove_prism_validates(spec, mock, proxy)
            problems = judge(run_collection(newman, proxy, Path(tmp) / "newman.json"),
                             deliberately_wrong(json.loads(COLLECTION.read_text())))
    except Failed as failure:
        print(f"\nFAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        for process in processes:
            process.kill()
            process.wait()
    for problem in problems:
        print(f"FAILED: {problem}")
    print("Prism: " + (f"{len(problems)} problems" if problems else "no violation"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
