"""The pytest plugin (entry point ``pytest11``): fixtures only; the server lives in ``mockserver.testing``.

    def test_dispatch(hypertrack_mock):
        r = requests.post(hypertrack_mock.url + "/orders/track", json=body, auth=hypertrack_mock.auth)

In-process (the default), one server per test session (per xdist worker) runs in a thread, and each
test gets a clean server.  ``hypertrack_webhooks`` adds a receiver of the test's webhooks.  With
``HYPERTRACK_MOCK_URL`` set, the fixtures drive that server instead
(for example the Docker container) and each test gets a fresh account, so parallel workers and CI jobs
sharing one server never see each other.

At the end of a session that used the mock, the plugin prints which of HyperTrack's documented outcomes
its tests met (``GET /__mock/coverage``), and ``--hypertrack-coverage=PATH`` writes the whole as JSON:
in-process, the server's counts added up before each test's reset and read once at the end; against
``HYPERTRACK_MOCK_URL``, each test's tenant read before it is freed, added up; under pytest-xdist, each
worker's sum added up on the controller.

``--hypertrack-pact=PATH`` writes the session's pact with HyperTrack (``GET /__mock/pact``): each test's
tenant's pact, read as the test ends (before its tenant is reset), merged, each distinct interaction once.
A test that outgrows its tenant's journal (``--journal-cap``) leaves its oldest exchanges out of the pact;
``metadata["hypertrack-mock"]["journalDropped"]`` counts them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .config import env_name
from .models.coverage import Coverage
from .testing import (
    CoverageTotals,
    HyperTrackMock,
    InboxReceiver,
    MockServer,
    NoMockAnswers,
    WebhookReceiver,
    check_answers,
)

URL_VARIABLE = "HYPERTRACK_MOCK_URL"
#: Each test's pact, gathered for ``--hypertrack-pact`` (on an xdist worker, that worker's tests').
_PACTS = pytest.StashKey[list]()
_INI = {"fixtures": "directory of scenario files (default: the shipped ones)",
        "scenario": "startup scenario (default: default)",
        "seed": "seed for generated values (default: none)",
        "strict_parameters": "true: a query parameter the mock does not apply answers 422 (default: false, "
                             "named in the X-Mock-Ignored-Parameters header)"}
#: The session's coverage readings, added up (on the controller, every xdist worker's too).
COVERAGE = pytest.StashKey[CoverageTotals]()
#: What the in-process server's tests met, added up before each reset (read as a whole once, at the end).
IN_PROCESS = pytest.StashKey[Coverage]()
#: Where an xdist worker hands its sum to the controller (``workeroutput``).
WORKER_OUTPUT = "hypertrack_mock_coverage"
PACT_OUTPUT = "hypertrack_pact"


def pytest_addoption(parser):
    for key, help_text in _INI.items():
        parser.addini(f"hypertrack_mock_{key}", f"hypertrack-mock: {help_text}; "
                      f"{env_name(key)} overrides it", default=None)
    parser.addoption("--hypertrack-coverage", metavar="PATH", default=None,
                     help="hypertrack-mock: write which of HyperTrack's documented outcomes and webhooks the "
                          "session's tests met (GET /__mock/coverage, added up) to PATH as JSON")
    group = parser.getgroup("hypertrack-mock")
    group.addoption("--hypertrack-pact", metavar="PATH", default=None,
                    help="write the session's pact with HyperTrack (every test's exchanges) to PATH")
    group.addoption("--hypertrack-pact-consumer", metavar="NAME", default=None,
                    help="the consumer the pact names (default: the name of pytest's rootdir)")


def pytest_configure(config):
    config.stash[COVERAGE] = CoverageTotals()
    config.stash[IN_PROCESS] = Coverage()
    config.stash[_PACTS] = []
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


@pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down: the last reading is in
def pytest_sessionfinish(session):
    """Hand the session's coverage and pact to the controller (an xdist worker), or write them to
    ``--hypertrack-coverage``'s and ``--hypertrack-pact``'s files."""
    _finish_coverage(session.config)
    _finish_pact(session.config)


def _finish_coverage(config) -> None:
    totals = config.stash[COVERAGE]
    if not totals.readings:
        return
    if hasattr(config, "workerinput"):
        config.workeroutput[WORKER_OUTPUT] = totals.reading()
    elif config.getoption("hypertrack_coverage"):
        path = Path(config.getoption("hypertrack_coverage")).expanduser()
        path.write_text(json.dumps(totals.reading(), indent=2) + "\n")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """An xdist worker's coverage and pact, added up on the controller."""
    output = getattr(node, "workeroutput", {})
    reading = output.get(WORKER_OUTPUT)
    if reading is not None:
        node.config.stash[COVERAGE].add(reading)
    found = output.get(PACT_OUTPUT)
    if found:
        node.config.stash[_PACTS].append(json.loads(found))


def pytest_terminal_summary(terminalreporter, config):
    """A few lines on which of HyperTrack's documented outcomes the session's tests met."""
    totals = config.stash[COVERAGE]
    if not totals.readings or hasattr(config, "workerinput"):
        return
    terminalreporter.write_sep("-", "hypertrack-mock coverage")
    for line in totals.summary():
        terminalreporter.write_line(line)
    path = config.getoption("hypertrack_coverage")
    terminalreporter.write_line(f"written whole to {path}" if path else
                                "(--hypertrack-coverage=PATH writes the whole as JSON)")


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
    met = pytestconfig.stash[IN_PROCESS]
    met.add(server.backend.coverage)  # what the last test met (the others': at each reset)
    pytestconfig.stash[COVERAGE].add(server.coverage(met))
    server.stop()


@pytest.fixture
def hypertrack_mock(request, hypertrack_mock_server):
    """A clean mock for this test: ``.url``, ``.auth`` and the control plane as methods."""
    if hypertrack_mock_server is None:
        mock = HyperTrackMock.fresh_tenant(os.environ[URL_VARIABLE])
    else:
        request.config.stash[IN_PROCESS].add(hypertrack_mock_server.backend.coverage)  # before the reset clears it
        hypertrack_mock_server.backend.reset()
        mock = HyperTrackMock.fresh_tenant(hypertrack_mock_server.url, hypertrack_mock_server)
    marker = request.node.get_closest_marker("hypertrack_scenario")
    if marker is not None:
        mock.load_scenario(marker.args[0])
    yield mock
    if request.config.getoption("hypertrack_pact"):
        request.config.stash[_PACTS].append(mock.pact(_consumer(request.config)))
    if hypertrack_mock_server is None:
        request.config.stash[COVERAGE].add(mock.coverage())  # the tenant's, before it is freed
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


def _consumer(config) -> str:
    return config.getoption("hypertrack_pact_consumer") or config.rootpath.name


def _finish_pact(config) -> None:
    """``--hypertrack-pact``: the session's pact written (on an xdist worker: handed to the controller)."""
    path = config.getoption("hypertrack_pact")
    if not path:
        return
    from .web.pact import merge

    pact = merge(config.stash[_PACTS], _consumer(config))
    if hasattr(config, "workerinput"):
        config.workeroutput[PACT_OUTPUT] = json.dumps(pact)
        return
    target = config.invocation_params.dir / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(pact, indent=2) + "\n")
