"""The wheel and sdist a release would publish: their metadata and what the sdist carries (issue 26).

Both are built by setuptools' PEP 517 backend (the test extra installs it) from a copy of the checkout, as
``python -m build`` does in .ci/run, so nothing is fetched.
"""
import email
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from configparser import ConfigParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
URL = "https://github.com/your-org/hypertrack-mock"


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """Builds the sdist and the wheel from a copy of the checkout and gives their paths."""
    work = tmp_path_factory.mktemp("dist")
    source, out = work / "source", work / "out"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "node_modules"))
    script = ("import json, sys\nfrom setuptools import build_meta as backend\n"
              "out = sys.argv[1]\n"
              "print(json.dumps([backend.build_sdist(out), backend.build_wheel(out)]))\n")
    result = subprocess.run([sys.executable, "-c", script, str(out)], cwd=source, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    sdist, wheel = json.loads(result.stdout.splitlines()[-1])
    return out / sdist, out / wheel


def _metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(archive.read(name))


def test_the_version_has_one_source():
    from mockserver.version import __version__

    config = ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config["metadata"]["version"] == "attr: mockserver.version.__version__"
    assert not [p for p in ROOT.glob("mockserver/**/*.py")
                if p.name != "version.py" and f'"{__version__}"' in p.read_text()]


def test_the_wheel_carries_the_metadata_a_release_needs(dist):
    from mockserver.version import __version__

    meta = _metadata(dist[1])

    assert meta["Name"] == "hypertrack-mock"
    assert meta["Version"] == __version__
    assert meta["Requires-Python"] == ">=3.10"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().startswith("# hypertrack-mock")
    classifiers = meta.get_all("Classifier")
    for expected in ["Framework :: Pytest",
                     "Topic :: Software Development :: Testing",
                     *(f"Programming Language :: Python :: 3.{minor}" for minor in (10, 11, 12, 13))]:
        assert expected in classifiers
    # PEP 639: the licence is an SPDX expression (setuptools refuses a licence classifier beside it)
    assert (meta["License-Expression"], meta["License-File"]) == ("MIT", "LICENSE")
    assert (ROOT / "LICENSE").read_text().splitlines()[0] == "MIT License"
    assert not [c for c in classifiers if c.startswith("License ::")]
    assert sorted(meta.get_all("Project-URL")) == [
        f"Changelog, {URL}/blob/main/CHANGELOG.md",
        f"Documentation, {URL}#readme",
        f"Issues, {URL}/issues",
        f"Source, {URL}",
    ]


def test_the_sdist_holds_the_tests_fixtures_and_contract_the_suite_needs(dist):
    with tarfile.open(dist[0]) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}

    # every file of these folders, as the build's copy of the checkout has them (no git: runs from an sdist too)
    wanted = [p.relative_to(ROOT).as_posix() for folder in ("tests", "fixtures", "contract", "postman")
              for p in (ROOT / folder).rglob("*")
              if p.is_file() and not {"node_modules", "__pycache__", ".pytest_cache"} & set(p.parts)
              and p.suffix != ".pyc"]
    assert "tests/conftest.py" in wanted and "tests/data/custom-fixtures/mounted_only.json" in wanted
    assert sorted(set(wanted) - names) == []
    for needed in ["LICENSE", "README.md", "CHANGELOG.md", "Dockerfile", ".ci/run", "docs/api.md", "setup.cfg",
                   ".github/workflows/ci.yml", ".github/workflows/release.yml"]:
        assert needed in names
    assert not [n for n in names if "node_modules" in n or "__pycache__" in n or n.startswith("docs/img/")]
