"""Shared fixtures: a mock served in-process with a client, the CLI on a free port, and the shipped scenarios.

Every mock here is served by the server users run (``mockserver.serve``).  A test's ``client`` hands its
requests to the mock's pipeline on that server's loop, without HTTP (``client.InProcess``); the tests
about HTTP speak it to the server's URL.  Every answer either way is checked against HyperTrack's spec
(``conformant_requests``).
"""
from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from client import Client, InProcess

import mockserver.serve  # noqa: F401 - see below
from mockserver.scenarios import ScenarioLibrary
from mockserver.testing import MockServer

# The server (and httptools) is imported before any test runs: pytester's inline runs (test_plugin.py) drop
# from sys.modules what was first imported during them, and httptools imported again has new error classes,
# which no longer catch the ones its parser (an extension module, never reloaded) raises.

pytest_plugins = ["pytester"]
#: The container's checks need a running container (MOCK_URL); .ci/run runs them through container-check.
#: The dashboard's browser tests need a browser (HYPERTRACK_MOCK_BROWSER=/usr/bin/chromium, as .ci/run sets).
#: The Testcontainers how-to needs a Docker API and an image (HYPERTRACK_MOCK_IMAGE, as .ci/run sets).
collect_ignore = ([] if os.environ.get("MOCK_URL") else ["container"]) + (
    [] if os.environ.get("HYPERTRACK_MOCK_BROWSER") else ["browser"]) + (
    [] if os.environ.get("HYPERTRACK_MOCK_IMAGE") else ["docker_api"])

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHIPPED = ScenarioLibrary(FIXTURES)
#: The seed request: HyperTrack's own "Create and track orders" example, first example of default.json.
SEED_REQUEST = SHIPPED.get("default")["examples"][0]["request"]
FROZEN_AT = datetime(2023, 11, 1, 22, 47, 53, 512000, tzinfo=timezone.utc)


def basic(account_id: str = "acme", secret_key: str = "s3cret") -> dict:
    token = base64.b64encode(f"{account_id}:{secret_key}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def seed_request(**changes) -> dict:
    body = copy.deepcopy(SEED_REQUEST)
    body.update(changes)
    return body


@pytest.fixture(scope="session", autouse=True)
def conformant_requests():
    """Every answer a test gets from a mock on 127.0.0.1, over HTTP or in-process (``client.InProcess``, a
    transport of ``requests`` too), is checked against HyperTrack's spec."""
    import conformance

    send = requests.Session.send

    def checked_send(session, prepared, **kwargs):
        response = send(session, prepared, **kwargs)
        url = urlsplit(prepared.url)
        if url.hostname == "127.0.0.1" and not kwargs.get("stream"):
            try:
                body = response.json()
            except ValueError:
                body = None
            raw = prepared.body if isinstance(prepared.body, (bytes, type(None))) else (
                prepared.body.encode() if isinstance(prepared.body, str) else b"<stream>")
            conformance.check(prepared.method, url.path, response.status_code, body, raw,
                              prepared.headers.get("Content-Type"), response.headers)
        return response

    requests.Session.send = checked_send
    yield
    requests.Session.send = send


class App:
    """A mock served in a thread of this process, by the server users run; stopped after the test.

    ``test_client()`` hands its requests to the mock's pipeline directly, on the server's loop (no HTTP:
    ``client.InProcess``); ``http_client()`` and ``url`` reach the same mock over HTTP.
    """

    def __init__(self, config=None):
        self.server = MockServer(config).start()
        self.url = self.server.url
        self.mock = self.server.app
        self.backend = self.mock.backend
        _serving.append(self.server)

    def test_client(self) -> Client:
        return Client(self.url, InProcess(self.server))

    def http_client(self) -> Client:
        return Client(self.url)


_serving: list[MockServer] = []


@pytest.fixture(autouse=True)
def _stop_servers():
    """Every mock a test started is stopped when it ends."""
    yield
    while _serving:
        _serving.pop().stop()


def make_app(config=None) -> App:
    return App(config)


@pytest.fixture
def app():
    return make_app({"seed": 7})


@pytest.fixture
def backend(app):
    return app.backend


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """A tenant's view of the in-process mock: JSON in, (status, JSON) out.

    Its client checks every data-plane answer against the schema HyperTrack's spec declares for it.
    """

    def __init__(self, client, account_id="acme", secret_key="s3cret"):
        self.client = client
        self.headers = basic(account_id, secret_key)

    def call(self, method, path, body=None, **kwargs):
        response = self.client.open(path, method=method, json=body, headers=self.headers, **kwargs)
        return response.status_code, response.get_json(silent=True)

    def track(self, body):
        return self.call("POST", "/orders/track", body)

    def load_scenario(self, name_or_document):
        if isinstance(name_or_document, str):
            response = self.client.post(f"/__mock/scenarios/{name_or_document}", headers=self.headers)
        else:
            response = self.client.post("/__mock/scenarios", json=name_or_document, headers=self.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def frozen(backend):
    """Freeze the clock of tenant ``acme`` at ``FROZEN_AT``."""
    backend.tenant("acme").clock.freeze(FROZEN_AT)
    return FROZEN_AT


class LiveUrl(str):
    """A live server's URL; ``.server`` says which server serves it."""

    server: str


def live_url(url: str, server: str) -> LiveUrl:
    live = LiveUrl(url)
    live.server = server
    return live


@pytest.fixture(scope="session", params=["cli", "thread"])
def live_server(request):
    """The mock on a free port of 127.0.0.1, run both ways users run it: the CLI (a process of its own,
    as in the container) and the pytest plugin's server (a thread of this process)."""
    if request.param == "thread":
        server = MockServer({"seed": 11}).start()
        yield live_url(server.url, "thread")
        server.stop()
        return
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--host", "127.0.0.1", "--port", "0", "--seed", "11"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert "serving http" in line, f"the CLI did not start: {line!r}"
        yield live_url(line.split("serving ", 1)[1].split(" ", 1)[0], "cli")
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.fixture
def live(live_server):
    """The live server's URL, reset to the startup scenario for this test."""
    requests.post(live_server + "/__mock/reset", timeout=5).raise_for_status()
    return live_server


#: The pytest plugins of this checkout's test tools (hypothesis, schemathesis, anyio): a downstream project
#: has the mock and its dependencies, not these, and each costs a pytest process a second of imports.
TOOL_PLUGINS = ("hypothesispytest", "schemathesis", "anyio")


def as_downstream(monkeypatch) -> None:
    """Make pytester's runs a downstream project's, whose only tie to the mock is the installed package (its
    entry point): this checkout on the path, no HYPERTRACK_MOCK_* setting, no plugin of our test tools."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # subprocess runs import this checkout, not a stale install
    for name in list(os.environ):
        if name.startswith("HYPERTRACK_MOCK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PYTEST_ADDOPTS", " ".join(f"-p no:{name}" for name in TOOL_PLUGINS))


def scenario_examples():
    """``(scenario, example)`` for every example in every shipped scenario."""
    return [pytest.param(name, example, id=f"{name}: {example['name']}")
            for name in SHIPPED.names() for example in SHIPPED.get(name)["examples"]]


def dumps(body) -> bytes:
    return json.dumps(body).encode()
