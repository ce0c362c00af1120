"""The README tells the truth: its commands are CI's, its examples are the real requests and answers."""
from __future__ import annotations

import json
import re

import requests
from conftest import ROOT, SEED_REQUEST, SHIPPED

from mockserver.testing import MockServer

README = (ROOT / "README.md").read_text()
#: Fields whose value is the time of the request.
REQUEST_TIME = ("created_at", "planned_at", "assigned_at", "started_at")


def quick_start_commands():
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def blocks(language: str, after: str) -> list[str]:
    """The fenced ``language`` blocks of the README that come after the text ``after``."""
    return re.findall(rf"```{language}\n(.*?)```", README.split(after, 1)[1], re.S)


def without_request_times(document):
    if isinstance(document, dict):
        return {k: "<time>" if k in REQUEST_TIME else without_request_times(v) for k, v in document.items()}
    if isinstance(document, list):
        return [without_request_times(v) for v in document]
    return document


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


def test_the_answers_the_readme_shows_are_the_ones_the_mock_gives():
    """The 201 of ``--seed 1`` (but for the time of the request; shown whole in docs/api.md), the 409 that
    follows, and the 400 after loading the scenario the README names."""
    answer = (ROOT / "docs" / "api.md").read_text().split("### The seed request's answer", 1)[1]
    whole = json.loads(re.search(r"```json\n(.*?)```", answer, re.S).group(1))
    conflict = json.loads(blocks("json", "### The seed request")[0])
    server = MockServer({"seed": 1}).start()
    try:
        first = requests.post(server.url + "/orders/track", json=SEED_REQUEST, auth=("acme", "s3cret"), timeout=10)
        again = requests.post(server.url + "/orders/track", json=SEED_REQUEST, auth=("acme", "s3cret"), timeout=10)
        scenario = requests.post(server.url + "/__mock/scenarios/worker_not_linked", auth=("acme", "s3cret"), timeout=10)
        after = requests.post(server.url + "/orders/track", json=SEED_REQUEST, auth=("acme", "s3cret"), timeout=10)
    finally:
        server.stop()

    assert (first.status_code, without_request_times(first.json())) == (201, without_request_times(whole))
    assert (again.status_code, again.json()) == (409, conflict)
    assert (scenario.status_code, scenario.json()) == (200, {"status": "ok", "scenario": "worker_not_linked",
                                                             "tenant": "acme"})
    assert (after.status_code, after.json()["code"]) == (400, "driver_not_linked_to_device")


def test_the_pytest_example_passes_as_it_is(pytester):
    example = blocks("python", "## In your pytest suite")[0]
    pytester.makepyfile(test_from_the_readme=example)

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_webhooks_example_passes_as_it_is(pytester):
    example = blocks("python", "## Webhooks")[0]
    pytester.makepyfile(test_webhooks_from_the_readme=example)

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_phone_example_passes_as_it_is(pytester):
    [example] = blocks("python", "## The phone")[:1]
    pytester.makepyfile(test_phone_from_the_readme=example)

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_scenario_table_lists_every_shipped_scenario_and_the_readme_names_each():
    table = (ROOT / "docs" / "scenarios.md").read_text().split("## The shipped scenarios", 1)[1]
    listed = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    named = README.split("The shipped scenarios", 1)[1].split("\n\n", 1)[0]

    assert listed == set(SHIPPED.names()) - {"default"}
    assert set(re.findall(r"`(\w+)`", named)) == listed


def test_every_setting_is_in_the_settings_table():
    from mockserver.config import DEFAULTS, env_name

    table = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    for key in DEFAULTS:
        assert f"`{env_name(key)}`" in table, key
        assert f"`--{key.replace('_', '-')}" in table, key


def test_the_readme_links_to_documents_that_exist():
    for target in re.findall(r"\]\(((?:docs/)?[\w./-]+\.md|LICENSE)\)", README):
        assert (ROOT / target).is_file(), target
