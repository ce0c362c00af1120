"""The README tells the truth: its commands are CI's, its curl is the seed request, its table is complete."""
from __future__ import annotations

import json
import re

from conftest import ROOT, SEED_REQUEST, SHIPPED

README = (ROOT / "README.md").read_text()


def quick_start_commands():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_has_exactly_two_commands_serve_then_test():
    serve, test = quick_start_commands()

    assert serve.endswith("hypertrack-mock")
    assert test.endswith("python -m pytest")


def test_ci_runs_the_quick_start_test_command_in_a_clone_with_nothing_beside_it():
    lines = (ROOT / ".ci" / "run").read_text().splitlines()

    assert 'git clone -q "$PWD" "$alone/hypertrack-mock"' in lines
    assert f'(cd "$alone/hypertrack-mock" && {quick_start_commands()[1]})' in lines


def test_the_readme_curl_sends_the_seed_request():
    body = re.search(r"curl -s -u acme:s3cret http://127\.0\.0\.1:8080/orders/track .*? -d '(.*?)'\n", README, re.S)

    assert json.loads(body.group(1)) == SEED_REQUEST


def test_the_scenario_table_lists_every_shipped_scenario():
    listed = set(re.findall(r"^\| `(\w+)` \|", README, re.M))

    assert listed == set(SHIPPED.names()) - {"default"}
