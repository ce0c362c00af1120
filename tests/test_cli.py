"""``python -m mockserver`` as a user runs it: a real process, its stdout line, its exit codes and messages."""
from __future__ import annotations

import importlib.util
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from conftest import FIXTURES, ROOT, basic, seed_request

READY_LINE = re.compile(r"hypertrack-mock: serving (http://127\.0\.0\.1:(\d+)) \(scenario '([^']+)'\)\n")
START_TIMEOUT = 30  # seconds for the interpreter to import the app and bind
EXIT_TIMEOUT = 30   # seconds for a refused start to exit


def cli_env(**variables) -> dict:
    """This environment without any ``HYPERTRACK_MOCK_*`` setting, the checkout importable, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPERTRACK_MOCK_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(variables)
    return env


class RunningCli:
    """A started ``python -m mockserver``: its stdout lines as they come, its stderr once it has exited."""

    def __init__(self, process: subprocess.Popen, stderr_file):
        self.process = process
        self._stderr_file = stderr_file
        self._lines: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()

    def _read_stdout(self):
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)  # end of stdout

    def stderr(self) -> str:
        self._stderr_file.seek(0)
        return self._stderr_file.read().decode("utf-8", "replace")

    def ready_line(self, timeout: float = START_TIMEOUT) -> str:
        """The first stdout line, waiting at most ``timeout`` seconds for it."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no line on stdout within {timeout} s; stderr so far:\n{self.stderr()}")
        if line is None:
            self.process.wait(timeout=EXIT_TIMEOUT)
            pytest.fail(f"exited with {self.process.returncode} before printing a line; stderr:\n{self.stderr()}")
        return line

    def url(self, scenario: str = "default") -> str:
        line = self.ready_line()
        match = READY_LINE.fullmatch(line)
        assert match, f"unexpected ready line {line!r}"
        assert match.group(3) == scenario
        assert int(match.group(2)) > 0
        return match.group(1)

    def remaining_stdout(self, timeout: float = 5) -> list[str]:
        """The stdout lines printed after those already read, once the process has closed stdout."""
        self._reader.join(timeout)
        assert not self._reader.is_alive(), "stdout still open"
        lines = []
        while (line := self._lines.get_nowait()) is not None:
            lines.append(line)
        return lines

    def exit(self, timeout: float = EXIT_TIMEOUT) -> tuple[int, str]:
        """``(exit code, stderr)`` once the process has exited by itself within ``timeout`` seconds."""
        code = self.process.wait(timeout=timeout)
        return code, self.stderr()


@contextmanager
def running_cli(*args: str, env: dict | None = None):
    """Start ``python -m mockserver ARGS`` from the checkout; it is always killed (and reaped) at the end."""
    with tempfile.TemporaryFile() as stderr_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", *args], cwd=ROOT, env=env or cli_env(),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr_file, text=True,
        )
        try:
            yield RunningCli(process, stderr_file)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            process.stdout.close()


def refused_start(*args: str, env: dict | None = None) -> tuple[int, str]:
    """``(exit code, stderr)`` of a start that must be refused; a server that starts instead is killed."""
    with running_cli(*args, env=env) as cli:
        return cli.exit()


def track_seed(url: str) -> requests.Response:
    return requests.post(url + "/orders/track", json=seed_request(), headers=basic(), timeout=10)


# --- serving ----------------------------------------------------------------------------------

def test_cli_prints_its_url_serves_and_exits_cleanly_on_sigterm():
    with running_cli("--host", "127.0.0.1", "--port", "0", "--seed", "3") as cli:
        url = cli.url("default")

        response = track_seed(url)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "tracking"

        cli.process.send_signal(signal.SIGTERM)
        assert cli.process.wait(timeout=1) == 0
        assert cli.remaining_stdout() == [], "the ready line must be the only line on stdout"


def test_cli_says_its_version():
    from mockserver import __version__

    result = subprocess.run([sys.executable, "-m", "mockserver", "--version"], cwd=ROOT, env=cli_env(),
                            capture_output=True, text=True, timeout=EXIT_TIMEOUT)

    assert (result.returncode, result.stdout) == (0, f"hypertrack-mock {__version__}\n")


def test_cli_logs_one_line_per_request_when_asked():
    with running_cli("--port", "0", "--log-requests") as cli:
        url = cli.url()
        assert track_seed(url).status_code == 201
        assert requests.get(url + "/__mock/health", timeout=10).status_code == 200
        assert requests.get(url + "/orders/nope?x=1", headers=basic(), timeout=10).status_code == 404

        cli.process.send_signal(signal.SIGTERM)
        code, stderr = cli.exit()

    assert code == 0
    lines = stderr.splitlines()
    assert len(lines) == 3, stderr
    assert re.fullmatch(r'hypertrack-mock: 127\.0\.0\.1:\d+ "POST /orders/track" 201 \d+\.\d ms', lines[0])
    assert re.fullmatch(r'hypertrack-mock: 127\.0\.0\.1:\d+ "GET /__mock/health" 200 \d+\.\d ms', lines[1])
    assert re.fullmatch(r'hypertrack-mock: 127\.0\.0\.1:\d+ "GET /orders/nope\?x=1" 404 \d+\.\d ms', lines[2])


def test_cli_logs_nothing_per_request_by_default():
    with running_cli("--port", "0") as cli:
        assert track_seed(cli.url()).status_code == 201
        cli.process.send_signal(signal.SIGTERM)
        code, stderr = cli.exit()

    assert (code, stderr) == (0, "")


def test_killing_the_cli_outright_leaves_nothing_serving():
    """The CLI serves from its own process: killed outright (SIGKILL), nothing keeps the port."""
    with running_cli("--port", "0") as cli:
        url = cli.url()
        assert track_seed(url).status_code == 201

        cli.process.kill()
        cli.process.wait(timeout=5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                requests.get(url + "/__mock/health", timeout=1)
            except requests.ConnectionError:
                break
            time.sleep(0.05)
        else:
            pytest.fail("something still answers after the CLI was killed")


def test_cli_reads_its_settings_from_the_environment():
    env = cli_env(HYPERTRACK_MOCK_SCENARIO="worker_deleted", HYPERTRACK_MOCK_PORT="0")
    with running_cli(env=env) as cli:
        url = cli.url("worker_deleted")

        response = track_seed(url)

        assert response.status_code == 404
        assert response.json() == {
            "code": "driver_deleted",
            "title": "Worker is in deleted state for given handle",
            "detail": "Worker with the given handle is in deleted state. Please undelete it using Workers API",
        }


# --- refusing to start ------------------------------------------------------------------------

def test_cli_refuses_a_port_in_use():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        code, stderr = refused_start("--host", "127.0.0.1", "--port", str(port))

    assert code == 2
    assert "already in use" in stderr
    assert str(port) in stderr


def test_cli_refuses_a_fixture_with_a_bad_field(tmp_path):
    bad = tmp_path / "default.json"
    bad.write_text(json.dumps({"workers": [{"worker_handle": "w", "device_ids": "not-a-list"}]}))

    code, stderr = refused_start("--port", "0", "--fixtures", str(tmp_path))

    assert code == 2
    assert str(bad) in stderr
    assert "workers.0.device_ids" in stderr


def test_cli_refuses_an_unknown_scenario_and_lists_the_known_ones():
    code, stderr = refused_start("--port", "0", "--scenario", "nope")

    assert code == 2
    assert "No scenario named 'nope'" in stderr
    assert "default" in stderr
    assert "worker_deleted" in stderr


def test_cli_refuses_a_seed_that_is_not_an_integer():
    code, stderr = refused_start("--port", "0", env=cli_env(HYPERTRACK_MOCK_SEED="abc"))

    assert code == 2
    assert "HYPERTRACK_MOCK_SEED" in stderr
    assert "'abc'" in stderr


@pytest.mark.parametrize("args, message", [
    (("--port", "70000"), "port must be between 0 and 65535, not 70000."),
    (("--port", "-1"), "port must be between 0 and 65535, not -1."),
    (("--port", "0", "--journal-cap", "-1"), "journal_cap must be at least 0, not -1."),
    (("--port", "0", "--max-body-bytes", "0"), "max_body_bytes must be at least 1, not 0."),
    (("--port", "0", "--host", "203.0.113.5"), "cannot listen on 203.0.113.5:0: Cannot assign requested address"),
], ids=["port too high", "negative port", "negative journal cap", "no body", "foreign address"])
def test_cli_refuses_settings_it_cannot_serve_with_one_line(args, message):
    code, stderr = refused_start(*args)

    assert code == 2
    assert stderr.startswith("hypertrack-mock: ") and message in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


# --- an installed copy ------------------------------------------------------------------------

def _pip(*args: str, cwd: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def test_an_installed_wheel_ships_every_scenario(tmp_path):
    # Build from a copy of the checkout, so the build leaves no build/ or *.egg-info in it, and a
    # stale build/ from an earlier build cannot slip into the wheel.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".venv"))
    wheels, site, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Without build isolation pip needs the build backend here; with it, pip installs it for the build.
    has_backend = all(importlib.util.find_spec(name) for name in ("setuptools", "wheel"))
    _pip("wheel", "--no-deps", *(["--no-build-isolation"] if has_backend else []),
         "-w", str(wheels), ".", cwd=source)
    [wheel] = wheels.glob("*.whl")
    _pip("install", "--no-deps", "--target", str(site), str(wheel), cwd=tmp_path)

    script = (
        "import json, mockserver\n"
        "from mockserver.scenarios import ScenarioLibrary\n"
        "library = ScenarioLibrary()\n"
        "print(json.dumps({'file': mockserver.__file__, 'directory': str(library.directory),"
        " 'names': library.names()}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPERTRACK_MOCK_")}
    env["PYTHONPATH"] = str(site)
    result = subprocess.run([sys.executable, "-c", script], cwd=elsewhere, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    installed = json.loads(result.stdout)

    assert Path(installed["file"]).resolve().is_relative_to(site.resolve())
    assert Path(installed["directory"]).resolve().is_relative_to(site.resolve())
    assert sorted(installed["names"]) == sorted(path.stem for path in FIXTURES.glob("*.json"))


# --- issue 14: restarts, fixture directories ----------------------------------------------------------

def test_the_cli_restarts_at_once_on_the_port_it_left_while_a_client_held_a_connection():
    with running_cli("--port", "0") as cli:
        url = cli.url()
        port = url.rsplit(":", 1)[1]
        held = requests.Session()
        assert held.get(url + "/__mock/health", timeout=10).status_code == 200  # a keep-alive connection
        cli.process.send_signal(signal.SIGTERM)
        assert cli.process.wait(timeout=5) == 0

    with running_cli("--port", port) as again:
        assert again.url().endswith(f":{port}")
    held.close()


@pytest.mark.parametrize("kind", ["fifo", "dangling symlink"])
def test_a_fixture_that_is_not_a_readable_file_is_refused_with_its_name(tmp_path, kind):
    shutil.copy(FIXTURES / "default.json", tmp_path / "default.json")
    odd = tmp_path / "odd.json"
    if kind == "fifo":
        os.mkfifo(odd)
    else:
        odd.symlink_to(tmp_path / "gone.json")

    code, stderr = refused_start("--port", "0", "--fixtures", str(tmp_path))

    assert code == 2
    assert stderr.startswith(f"hypertrack-mock: {odd}: ") and len(stderr.strip().splitlines()) == 1, stderr
