"""Running the mock inside a test process, and driving any running mock: no pytest here.

``MockServer`` serves the app from a thread on a free port of 127.0.0.1, with the same server the CLI
and the container run (``serve.Server``; bound before the thread starts, so it answers as soon as
``start`` returns).  ``HyperTrackMock`` is what a test holds: the URL, credentials for its own tenant,
and helpers that call the control plane, so the same code works against an in-process server and
against an external one (the Docker container).
"""
from __future__ import annotations

import uuid
from datetime import datetime

import requests

from .models.clock import isoformat


class NoMockAnswers(ConnectionError):
    """Nothing answers at the URL a test was given."""

    def __init__(self, url: str):
        super().__init__(
            f"no mock answers at {url}: start it with `hypertrack-mock --port PORT` or "
            "`docker run -p 8080:8080 hypertrack-mock`, or unset HYPERTRACK_MOCK_URL to run one in-process")


def check_answers(url: str) -> None:
    """``NoMockAnswers`` unless a mock answers ``GET /__mock/health`` at ``url``."""
    try:
        requests.get(url.rstrip("/") + "/__mock/health", timeout=5).raise_for_status()
    except requests.RequestException:
        raise NoMockAnswers(url) from None


class MockServer:
    """The mock, served in a daemon thread of this process by the server the CLI runs."""

    def __init__(self, config: dict | None = None):
        from .serve import Server
        from .web.app import create_app

        self.app = create_app(config)
        self._server = Server(self.app, "127.0.0.1", 0)
        self.url = self._server.url

    @property
    def backend(self):
        """The mock's state: ``backend.tenant(account_id).routes`` and so on."""
        return self.app.backend

    def start(self) -> MockServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()


class HyperTrackMock:
    """One test's handle on a running mock: its own tenant, and the control plane as methods."""

    def __init__(self, url: str, account_id: str, secret_key: str, server: MockServer | None = None):
        self.url = url.rstrip("/")
        self.account_id = account_id
        self.secret_key = secret_key
        self.auth = (account_id, secret_key)  # what `requests` takes as auth=
        self._server = server
        self.session = requests.Session()
        self.session.auth = self.auth

    @classmethod
    def fresh_tenant(cls, url: str, server: MockServer | None = None) -> HyperTrackMock:
        """A handle on a brand-new account: a tenant no other test (or CI job) can see."""
        return cls(url, f"pytest-{uuid.uuid4().hex[:12]}", "secret", server)

    # --- in-process inspection ----------------------------------------------------------------

    @property
    def backend(self):
        """The server's state (in-process servers only): ``backend.tenant(account_id).routes`` and so on."""
        if self._server is None:
            raise RuntimeError("hypertrack_mock.backend is only available in-process; this test drives an "
                               f"external server at {self.url} (HYPERTRACK_MOCK_URL)")
        return self._server.backend

    @property
    def tenant(self):
        """This test's tenant in the in-process server."""
        return self.backend.tenant(self.account_id)

    # --- the control plane --------------------------------------------------------------------

    def _control(self, verb: str, path: str, json=None, params=None) -> dict:
        response = self.session.request(verb, f"{self.url}/__mock/{path}", json=json, params=params, timeout=30)
        if response.status_code >= 400:
            raise AssertionError(f"{verb} /__mock/{path} answered {response.status_code}: {response.text}")
        return response.json()

    def reset(self) -> None:
        """This tenant back to the startup scenario; journal, faults and clock cleared."""
        self._control("POST", "reset")

    def load_scenario(self, name_or_document) -> None:
        """Replace this tenant's state with a shipped scenario (by name) or a scenario document."""
        if isinstance(name_or_document, str):
            self._control("POST", f"scenarios/{name_or_document}")
        else:
            self._control("POST", "scenarios", json=name_or_document)

    def add_worker(self, worker_handle: str, device_ids=None, name: str | None = None, deleted: bool = False,
                   ops_group_handle: str | None = None) -> dict:
        """Add (or replace) a worker linked to ``device_ids`` (``None``: one generated device; ``[]``: none)."""
        body = {"worker_handle": worker_handle, "deleted": deleted}
        for key, value in (("device_ids", device_ids), ("name", name), ("ops_group_handle", ops_group_handle)):
            if value is not None:
                body[key] = list(value) if key == "device_ids" else value
        return self._control("POST", "workers", json=body)["worker"]

    def requests(self, method: str | None = None, path: str | None = None, status=None) -> list[dict]:
        """The journal of this tenant's data-plane requests, oldest first, optionally filtered."""
        params = {k: str(v) for k, v in (("method", method), ("path", path), ("status", status)) if v is not None}
        return self._control("GET", "requests", params=params)["requests"]

    def add_fault(self, **rule) -> dict:
        """Add a fault rule (``method``, ``path``, ``status``, ``body``, ``delay_ms``, ``drop_connection``,
        ``times``, ``probability``, ``seed``); returns it with its ``id``."""
        return self._control("POST", "faults", json=rule)["fault"]

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def freeze_clock(self, instant) -> dict:
        """Stop this tenant's clock at ``instant`` (a datetime or an ISO-8601 string)."""
        if isinstance(instant, datetime):
            instant = isoformat(instant) if instant.tzinfo else instant.isoformat() + "Z"
        return self._control("POST", "clock", json={"frozen_at": instant})

    def advance_clock(self, seconds: float) -> dict:
        return self._control("POST", "clock", json={"advance_seconds": seconds})

    def release_clock(self) -> dict:
        return self._control("POST", "clock", json={"frozen_at": None})

    def state(self) -> dict:
        """This tenant's state as a scenario document."""
        return self._control("GET", "state")

    def close(self) -> None:
        self.session.close()
