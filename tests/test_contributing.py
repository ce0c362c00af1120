"""What a contributor is pointed to exists: CONTRIBUTING.md's files and commits, the ruff hook, the peer bench."""
from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import sys

import yaml
from conftest import ROOT
from packaging.requirements import Requirement

CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text()


def test_contributing_names_only_files_that_exist():
    named = set(re.findall(r"`((?:mockserver|tests|contract|postman|docs|bench|\.ci)/[\w./-]+?)`", CONTRIBUTING))
    linked = set(re.findall(r"\]\(([\w./-]+)\)", CONTRIBUTING))

    assert "docs/architecture.md" in linked
    assert {"tests/conformance.py", "tests/conftest.py", ".ci/run"} <= named | linked
    assert sorted(p for p in named | linked if not (ROOT / p).exists()) == []


def test_contributing_cites_the_commits_that_show_the_files_to_touch():
    shown = {}
    for commit in re.findall(r"git show --stat ([0-9a-f]{7})", CONTRIBUTING):
        out = subprocess.run(["git", "show", "--stat", "--format=%s", commit], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
        shown[commit] = out
    assert "PATCH /orders/{order_handle}" in shown["de98e5a"]
    assert "mockserver/web/control/phone.py" in shown["1bb24d2"]


def test_the_ruff_hook_runs_a_ruff_that_setup_cfg_allows():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options.extras_require"]["test"].split("\n")
    ruff = next(Requirement(line) for line in lines if line.strip().startswith("ruff"))
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"]
    (repo,) = [r for r in hooks if r["repo"] == "https://github.com/astral-sh/ruff-pre-commit"]

    assert ruff.specifier.contains(repo["rev"].removeprefix("v")), (repo["rev"], str(ruff.specifier))
    assert [h["id"] for h in repo["hooks"]] == ["ruff-check"]


def test_no_document_or_bench_sends_a_user_to_the_workplace_s_tools():
    """A user has a clone, not the workplace beside it: the peer figures come from bench/peers.py."""
    texts = [*ROOT.glob("*.md"), *(ROOT / "docs").glob("*.md"), *(ROOT / "bench").glob("*.py")]

    assert [p.name for p in texts if "shared/tools" in p.read_text()] == []
    assert "python bench/peers.py" in (ROOT / "docs" / "performance.md").read_text()


def test_the_peer_bench_s_wiremock_stub_answers_hypertrack_s_documented_201():
    sys.path.insert(0, str(ROOT))
    from bench.peers import wiremock_root

    root = wiremock_root()
    stub = json.loads((root / "mappings" / "track.json").read_text())
    shutil.rmtree(root)

    assert stub["request"]["method"] == "POST" and stub["request"]["url"] == "/orders/track"
    assert stub["response"]["status"] == 201
    body = stub["response"]["jsonBody"]
    assert body["route_handle"] == "7ac07153-5590-46c5-9ada-a6ca84f5b48f"
    assert [o["order_handle"] for o in body["orders"]] == ["order-1", "order-2"]
    assert body["orders"][0]["scheduled_at"] == "2023-11-02T02:00:00.000Z"
