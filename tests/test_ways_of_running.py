"""One server for every way of running: the same ~300 requests get the same answers, byte for byte, and
leave the same journal and state under the CLI (as the container runs it) and under the pytest plugin's
in-process server (a thread of a Python process), both started fresh with the same seed."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from contextlib import contextmanager

import requests
from conftest import ROOT
from corpus import corpus
from raw_http import send

SEED = "5"
IN_A_THREAD = ("import sys; from mockserver.testing import MockServer; "
               f"server = MockServer({{'seed': {SEED}}}).start(); print('serving', server.url, flush=True); "
               "sys.stdin.read()")


@contextmanager
def served(command: list[str]):
    """A server process started from the checkout; yields its URL from the line it prints when ready."""
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        line = process.stdout.readline()
        yield line.split("serving ", 1)[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stdin.close()


TOKEN = re.compile(rb'"access_token":"[^"]+"')


def play(url: str) -> tuple[list, list, dict]:
    """Every request of the corpus on a new connection; then the server-wide journal (without the times,
    which are the wall clock's) and state.  Bearer tokens are random by design: compared by their length."""
    answers = [(name, how, TOKEN.sub(lambda m: b'"access_token":"%d chars"' % (len(m[0]) - 17), raw))
               for name, data in corpus() for how, raw in [send(url, data)]]
    journal = requests.get(url + "/__mock/requests", timeout=30).json()
    entries = [{k: v for k, v in entry.items() if k not in ("received_at", "duration_ms")}
               for entry in journal["requests"]]
    state = requests.get(url + "/__mock/state", timeout=30).json()
    return answers, entries, state


def test_the_cli_and_the_plugins_server_answer_the_same_requests_the_same_way():
    with served([sys.executable, "-m", "mockserver", "--port", "0", "--seed", SEED]) as url:
        cli = play(url)
    with served([sys.executable, "-c", IN_A_THREAD]) as url:
        thread = play(url)

    assert len(cli[0]) >= 290
    for (name, how, raw), (_, other_how, other_raw) in zip(cli[0], thread[0], strict=True):
        assert (how, raw) == (other_how, other_raw), name
    assert cli[1] == thread[1]
    assert cli[2] == thread[2]
    # The corpus reached what it means to: every kind of answer, and a journal of nearly all of it.
    statuses = {raw[9:12] for _, how, raw in cli[0] if raw}
    assert {b"200", b"201", b"204", b"400", b"401", b"404", b"405", b"409", b"413", b"415", b"418", b"422",
            b"431", b"500", b"502", b"503"} <= statuses, statuses
    assert {how for _, how, _ in cli[0]} == {"closed", "reset"}
    assert len(cli[1]) > 230
