"""Defects a team hits in its first hour with the mock, tried as a new user would, each pinned by a test
that failed before its fix (issue 22, items 15 to 21 but 17)."""
from __future__ import annotations

import os
import shutil
import socket

import pytest
from conftest import ROOT

from mockserver.testing import HyperTrackMock, InboxReceiver, MockServer

ONE_TEST = '''
import requests

def test_health(hypertrack_mock):
    assert requests.get(hypertrack_mock.url + "/__mock/health", timeout=5).status_code == 200
'''


@pytest.fixture
def downstream(pytester, monkeypatch):
    """A project whose only tie to the mock is the installed package (its entry point)."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # subprocess runs import this checkout, not a stale install
    for name in list(os.environ):
        if name.startswith("HYPERTRACK_MOCK_"):
            monkeypatch.delenv(name)
    return pytester


def nowhere() -> str:
    """A URL of 127.0.0.1 where nothing listens."""
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{placeholder.getsockname()[1]}"


# --- 15. a mock URL where nothing answers, under xdist ----------------------------------------------

def test_a_mock_url_where_nothing_answers_stops_an_xdist_run_with_one_clear_message(downstream, monkeypatch):
    url = nowhere()
    monkeypatch.setenv("HYPERTRACK_MOCK_URL", url)
    downstream.makepyfile(test_downstream=ONE_TEST)

    result = downstream.runpytest_subprocess("-n", "2")

    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, output
    assert output.count(f"hypertrack-mock: no mock answers at {url}: start it with") == 1, output
    assert "INTERNALERROR" not in output and "Traceback" not in output, output


# --- 16. the fixtures directory of the ini file, from any directory ------------------------------------

def test_the_ini_fixtures_directory_is_relative_to_the_ini_file_not_to_where_pytest_runs(downstream, monkeypatch):
    shutil.copytree(ROOT / "tests" / "data" / "custom-fixtures", downstream.path / "scenarios")
    downstream.makeini("[pytest]\nhypertrack_mock_fixtures = scenarios\n")
    tests = downstream.mkpydir("tests")
    (tests / "test_mounted.py").write_text('''
def test_the_scenarios_of_the_ini_files_directory(hypertrack_mock):
    assert [w["device_ids"] for w in hypertrack_mock.state()["workers"]] == [["MOUNTED-PHONE"]]
''')
    monkeypatch.chdir(tests)

    result = downstream.runpytest_subprocess("test_mounted.py")

    result.assert_outcomes(passed=1)


# --- 18. what a receiver of a remote mock cannot do -------------------------------------------------------

@pytest.mark.parametrize("call", ["hold", "release", "answer_after"])
def test_holding_the_webhooks_of_a_remote_mock_says_why_it_cannot(call):
    server = MockServer().start()
    try:
        mock = HyperTrackMock.fresh_tenant(server.url)  # as the plugin drives HYPERTRACK_MOCK_URL
        receiver = InboxReceiver(mock)
        with pytest.raises(NotImplementedError) as raised:
            getattr(receiver, call)(*([0.5] if call == "answer_after" else []))
        assert str(raised.value).startswith(f"hypertrack_webhooks.{call}() needs a receiver in this test's "
                                            f"process, and against HYPERTRACK_MOCK_URL ({server.url})")
        assert "unset HYPERTRACK_MOCK_URL" in str(raised.value) and receiver.holding is False
    finally:
        server.stop()
