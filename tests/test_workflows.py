"""The GitHub workflows (issue 26): CI runs what .ci/run runs; a version tag releases to PyPI and GHCR.

They cannot run here: .ci/run checks them against GitHub's schema and with zizmor; these tests hold the
choices neither checks (every check of .ci/run in CI, the grants of each job, the release's steps).
"""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def _load(name):
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as true
    return workflow


def _steps(workflow):
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _run_lines(workflow):
    return {line.strip() for step in _steps(workflow) for line in step.get("run", "").splitlines()}


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_every_action_is_pinned_by_a_full_commit_with_its_version_in_a_comment(name):
    uses = [line.strip() for line in (WORKFLOWS / name).read_text().splitlines() if "uses:" in line]

    assert uses
    assert [u for u in uses if not re.fullmatch(r"(- )?uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", u)] == []


@pytest.mark.parametrize("name", ["ci.yml", "release.yml"])
def test_nothing_is_granted_by_default_and_checkouts_keep_no_credentials(name):
    workflow = _load(name)

    assert workflow["permissions"] == {}
    assert all("permissions" in job for job in workflow["jobs"].values())
    checkouts = [s for s in _steps(workflow) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_ci_runs_every_check_of_ci_run_on_each_supported_python():
    workflow = _load("ci.yml")
    lines = _run_lines(workflow)
    ci_run = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]

    assert set(workflow["on"]) == {"push", "pull_request"}
    assert workflow["jobs"]["tests"]["strategy"]["matrix"]["python"] == ["3.10", "3.11", "3.12", "3.13"]
    assert workflow["jobs"]["tests"]["runs-on"] == "ubuntu-latest"
    quick_start = next(line for line in ci_run if line.startswith('(cd "$alone/hypertrack-mock" && '))
    assert quick_start.removeprefix('(cd "$alone/hypertrack-mock" && ').removesuffix(")") in lines
    # every command of the checkout's venv (lint, drift, fuzzing, build, twine, the workflow checks, the
    # CLI server for newman, Prism, the pact) is a line of a step, or a step's command after its venv
    missing = [c for c in ci_run if c.startswith(".venv/bin/")
               and not any(line == c or line.endswith("&& " + c) for line in lines)]
    assert missing == []
    text = "\n".join(lines)
    for check in ["tests/browser", "newman run", "--install-strategy=nested", "docker build",
                  "tests/container tests/examples", "EXPECT_SCENARIOS=default,mounted_only"]:
        assert check in text


def test_a_version_tag_publishes_to_pypi_by_trusted_publishing_and_pushes_the_image():
    workflow = _load("release.yml")
    jobs = workflow["jobs"]
    uses = {job: [s["uses"].split("@")[0] for s in jobs[job]["steps"] if "uses" in s] for job in jobs}

    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    assert {"twine check --strict dist/*", ".venv/bin/twine check --strict dist/*"} & _run_lines(
        {"jobs": {"dist": jobs["dist"]}})
    assert jobs["pypi"]["permissions"] == {"id-token": "write"}
    assert jobs["pypi"]["environment"]["name"] == "pypi"
    assert uses["pypi"] == ["actions/download-artifact", "pypa/gh-action-pypi-publish"]
    assert jobs["image"]["permissions"] == {"contents": "read", "packages": "write"}
    assert [j for j, job in jobs.items() if "id-token" in job["permissions"]] == ["pypi"]
    assert [j for j, job in jobs.items() if "packages" in job["permissions"]] == ["image"]
    assert uses["image"] == ["actions/checkout", "docker/setup-buildx-action", "docker/login-action",
                             "docker/metadata-action", "docker/build-push-action"]
    steps = {s["uses"].split("@")[0]: s.get("with", {}) for s in jobs["image"]["steps"]}
    assert steps["docker/login-action"]["registry"] == "ghcr.io"
    assert steps["docker/login-action"]["password"] == "${{ secrets.GITHUB_TOKEN }}"
    assert "type=semver,pattern={{version}}" in steps["docker/metadata-action"]["tags"]
    assert "org.opencontainers.image.licenses=MIT" in steps["docker/metadata-action"]["labels"]
    assert steps["docker/build-push-action"]["push"] is True
    assert steps["docker/build-push-action"]["labels"] == "${{ steps.meta.outputs.labels }}"
