"""The image as the engine sees it: its OCI labels, and whether this run's root filesystem is read-only.

Run by .ci/run through container-check like test_container.py, once as built and once with
``--read-only`` (EXPECT_READ_ONLY=1), where every test of tests/container runs too.  The container is
found by the host port of MOCK_URL, among podman's containers (container-check's) and docker's.
"""
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

URL = os.environ["MOCK_URL"]
DESCRIPTION = next(line.split("=", 1)[1].strip() for line in
                   (Path(__file__).resolve().parents[2] / "setup.cfg").read_text().splitlines()
                   if line.startswith("description"))


@pytest.fixture(scope="module")
def container() -> dict:
    """The engine's inspection of the container that publishes MOCK_URL's port (podman's or docker's: a
    runner may have both, with the container in either)."""
    port = urlsplit(URL).port
    for engine in filter(shutil.which, ("podman", "docker")):
        listed = subprocess.run([engine, "ps", "--format", "{{.ID}} {{.Ports}}"], capture_output=True, text=True,
                                check=False).stdout.splitlines()
        ids = [line.split()[0] for line in listed if f":{port}->" in line]
        if ids:
            assert len(ids) == 1, listed
            return json.loads(subprocess.run([engine, "inspect", ids[0]], capture_output=True, text=True,
                                             check=True).stdout)[0]
    raise AssertionError(f"no podman or docker container publishes port {port}")


def test_the_image_carries_its_oci_labels(container):
    labels = {k: v for k, v in container["Config"]["Labels"].items() if k.startswith("org.opencontainers.")}

    # A build without --build-arg VERSION (container-check's) says so; a release passes the package's version.
    assert labels == {
        "org.opencontainers.image.title": "hypertrack-mock",
        "org.opencontainers.image.description": DESCRIPTION,
        "org.opencontainers.image.source": os.environ.get("EXPECT_SOURCE",
                                                          "https://github.com/your-org/hypertrack-mock"),
        "org.opencontainers.image.version": os.environ.get("EXPECT_VERSION", "dev"),
        "org.opencontainers.image.licenses": "MIT",
    }


def test_the_root_filesystem_is_read_only_when_this_run_asks(container, hypertrack_mock):
    """With --read-only the mock still tracks, loads a scenario, resets and writes a pact: it writes no file."""
    seed = {"track_mode": "on_time", "worker_handle": "james@ht.com", "ops_group_handle": "SAN_JOSE_WH",
            "orders": [{"order_handle": "ro-1", "destination": {"geometry": {"coordinates": [-121.9, 37.3]}}}]}

    tracked = requests.post(hypertrack_mock.url + "/orders/track", json=seed, auth=hypertrack_mock.auth, timeout=10)
    pact = hypertrack_mock.pact("read-only")
    hypertrack_mock.load_scenario("route_tracking")
    hypertrack_mock.reset()

    assert container["HostConfig"]["ReadonlyRootfs"] is (os.environ.get("EXPECT_READ_ONLY") == "1")
    assert tracked.status_code == 201, tracked.text
    assert [i["response"]["status"] for i in pact["interactions"]] == [201]
