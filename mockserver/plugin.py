"""The pytest plugin (entry point ``pytest11``): fixtures only; the server lives in ``mockserver.testing``.

    def test_dispatch(hypertrack_mock):
        r = requests.post(hypertrack_mock.url + "/orders/track", json=body, auth=hypertrack_mock.auth)

In-process (the default), one server per test session (per xdist worker) runs in a thread, and each
test gets a clean server.  ``hypertrack_webhooks`` adds a receiver of the test's webhooks.  With
``HYPERTRACK_MOCK_URL`` set, the fixtures drive that server instead
(for example the Docker container) and each test gets a fresh account, so parallel workers and CI jobs
sharing one server never see each other.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from .config import env_name
from .testing import HyperTrackMock, InboxReceiver, MockServer, NoMockAnswers, WebhookReceiver, check_answers

URL_VARIABLE = "HYPERTRACK_MOCK_URL"
_INI = {"fixtures": "directory of scenario files (default: the shipped ones)",
        "scenario": "startup scenario (default: default)",
        "seed": "seed for generated values (default: none)",
        "strict_parameters": "true: a query parameter the mock does not apply answers 422 (default: false, "
                             "named in the X-Mock-Ignored-Parameters header)"}


def pytest_addoption(parser):
    for key, help_text in _INI.items():
        parser.addini(f"hypertrack_mock_{key}", f"hypertrack-mock: {help_text}; "
                      f"{env_name(key)} overrides it", default=None)


def pytest_configure(config):
    config.addinivalue_line("markers", "hypertrack_scenario(name): load this shipped scenario (or scenario "
                                       "document) for the test's tenant before it runs")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Stop the run with one message if ``HYPERTRACK_MOCK_URL`` names a URL where no mock answers."""
    # Checked once, here, before xdist's own pytest_sessionstart (trylast) starts its workers: a worker
    # that stops the run makes xdist print an INTERNALERROR of forty lines instead of the message.
    if os.environ.get(URL_VARIABLE) and not hasattr(session.config, "workerinput"):
        try:
            check_answers(os.environ[URL_VARIABLE])
        except NoMockAnswers as error:
            raise pytest.UsageError(f"hypertrack-mock: {error}") from None


def _settings(config) -> dict:
    """ini values, overridden by HYPERTRACK_MOCK_* variables (create_app reads those itself)."""
    settings = {}
    for key in _INI:
        value = config.getini(f"hypertrack_mock_{key}")
        if value and not os.environ.get(env_name(key)):
            settings[key] = value
    if "fixtures" in settings:
        # An ini file's path means the same from any directory pytest runs in: relative to that file.
        base = config.inipath.parent if config.inipath else config.rootpath
        settings["fixtures"] = str(base / Path(settings["fixtures"]).expanduser())
    return settings


@pytest.fixture(scope="session")
def hypertrack_mock_server(pytestconfig):
    """The session's in-process server, or ``None`` when ``HYPERTRACK_MOCK_URL`` names an external one
    (checked once, when the session starts: if nothing answers there, the run stops with one message)."""
    if os.environ.get(URL_VARIABLE):
        yield None
        return
    server = MockServer(_settings(pytestconfig)).start()
    yield server
    server.stop()


@pytest.fixture
def hypertrack_mock(request, hypertrack_mock_server):
    """A clean mock for this test: ``.url``, ``.auth`` and the control plane as methods."""
    if hypertrack_mock_server is None:
        mock = HyperTrackMock.fresh_tenant(os.environ[URL_VARIABLE])
    else:
        hypertrack_mock_server.backend.reset()
        mock = HyperTrackMock.fresh_tenant(hypertrack_mock_server.url, hypertrack_mock_server)
    marker = request.node.get_closest_marker("hypertrack_scenario")
    if marker is not None:
        mock.load_scenario(marker.args[0])
    yield mock
    if hypertrack_mock_server is None:
        mock.reset()  # frees the tenant on the shared server
    mock.close()


@pytest.fixture
def hypertrack_webhooks(hypertrack_mock, hypertrack_mock_server):
    """A receiver of this test's webhooks, already set as its tenant's: ``wait_for(value="completed",
    order_handle="o-1")``, ``events(...)``, ``deliveries()``, ``answer_with(500, 500)``.  In-process it is
    a local HTTP server; against ``HYPERTRACK_MOCK_URL`` (which may not reach this process: a container)
    it is the mock's own inbox.  Failed deliveries are retried 50 ms apart, not HyperTrack's 20 s."""
    receiver = WebhookReceiver() if hypertrack_mock_server is not None else InboxReceiver(hypertrack_mock)
    hypertrack_mock.set_webhook(**receiver.target, timeout_ms=2000, retry_delay_ms=50)
    yield receiver
    hypertrack_mock.clear_webhook()
    receiver.close()
