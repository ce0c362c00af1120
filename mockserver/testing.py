"""Running the mock inside a test process, and driving any running mock: no pytest here.

``MockServer`` serves the app from a thread on a free port of 127.0.0.1, with the same server the CLI
and the container run (``serve.Server``; bound before the thread starts, so it answers as soon as
``start`` returns).  ``HyperTrackMock`` is what a test holds: the URL, credentials for its own tenant,
and helpers that call the control plane, so the same code works against an in-process server and
against an external one (the Docker container).  ``WebhookReceiver`` collects the webhooks the mock
delivers: a local HTTP server, or, for an external mock that cannot reach this process, the mock's own
inbox (``InboxReceiver``); both wait for an event the same way.  ``CoverageTotals`` adds up readings of
``GET /__mock/coverage`` (a session's tenants) and says in a few lines what they never met.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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

    @property
    def loop(self):
        """The event loop the server runs the app on (in the server's thread, once ``start`` returned)."""
        return self._server._loop

    def start(self) -> MockServer:
        self._server.start()
        return self

    def coverage(self, counts=None) -> dict:
        """The server-wide coverage, as ``GET /__mock/coverage`` without credentials answers it (read here,
        without HTTP: no admin token needed); or ``counts`` (a ``models.coverage.Coverage``) read the same way."""
        from .web.control.coverage import report

        return report(self.backend.coverage if counts is None else counts, self.app.pipeline.routes.catalogue())

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

    def scenarios(self) -> list[dict]:
        """The scenarios the mock can load: each one's ``name`` and ``description``."""
        return self._control("GET", "scenarios")["scenarios"]

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

    def pact(self, consumer: str) -> dict:
        """This tenant's journal as a Pact (specification 3) between ``consumer`` and HyperTrack, reduced to
        what HyperTrack's spec promises; its ``metadata`` lists what was left out and why."""
        return self._control("GET", "pact", params={"consumer": consumer})

    def clear_requests(self) -> None:
        """Empty this tenant's journal."""
        self._control("DELETE", "requests")

    def add_fault(self, **rule) -> dict:
        """Add a fault rule (``method``, ``path``, ``status``, ``body``, ``delay_ms``, ``drop_connection``,
        ``times``, ``probability``, ``seed``); returns it with its ``id``."""
        return self._control("POST", "faults", json=rule)["fault"]

    def faults(self) -> list[dict]:
        """This tenant's fault rules in force, in the order they are tried (with what each has left)."""
        return self._control("GET", "faults")["faults"]

    def remove_fault(self, fault_id: int) -> None:
        self._control("DELETE", f"faults/{fault_id}")

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def clock(self) -> dict:
        """This tenant's clock: ``now``, ``frozen_at`` (or None) and ``offset_seconds``."""
        return self._control("GET", "clock")

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

    def coverage(self) -> dict:
        """Which of HyperTrack's documented outcomes (``outcomes``: operation, status, code, hits) and
        webhook values (``webhooks``: delivered, retried, given up) this tenant met since its last reset."""
        return self._control("GET", "coverage")

    # --- the phone ------------------------------------------------------------------------------

    def phone(self, worker_handle: str, **changes) -> dict:
        """A worker's phone (``location``, ``speed_kmh``, ``driving``, ``dwell_seconds``, ``battery``,
        ``connected``, ``outage``, and ``heading_to``); with ``changes``, those fields set first, at the
        tenant's current instant: ``mock.phone("james@ht.com", speed_kmh=36, driving=True)``."""
        if changes:
            return self._control("PUT", f"workers/{worker_handle}/phone", json=changes)
        return self._control("GET", f"workers/{worker_handle}/phone")

    def thresholds(self, **changes) -> dict:
        """This tenant's thresholds of estimate webhooks (``eta_change_seconds``, ``minutes_away``); with
        ``changes``, those set first."""
        if changes:
            return self._control("PUT", "thresholds", json=changes)
        return self._control("GET", "thresholds")

    # --- webhooks -------------------------------------------------------------------------------

    def set_webhook(self, url: str | None = None, **options) -> dict:
        """Deliver this tenant's events to ``url``, or to the mock's own ``inbox=<name>`` (options:
        ``secret``, ``content_type``, ``timeout_ms``, ``retries``, ``retry_delay_ms``,
        ``confirm_subscription``)."""
        body = {"url": url, **options} if url is not None else options
        return self._control("PUT", "webhook", json=body)["webhook"]

    def webhook(self) -> dict | None:
        """This tenant's webhook receiver (its secret redacted), or None."""
        return self._control("GET", "webhook")["webhook"]

    def clear_webhook(self) -> None:
        self._control("DELETE", "webhook")

    def emit(self, order_handle: str, value: str, **fields) -> dict:
        """Emit now what only a device causes (``arrived``, ``first_eta``, ...) for a tracked order."""
        return self._control("POST", f"orders/{order_handle}/events", json={"value": value, **fields})["event"]

    def deliveries(self) -> list[dict]:
        """Every delivery attempt of this tenant's webhook, oldest first."""
        return self._control("GET", "webhooks")["deliveries"]

    def drain(self, timeout_ms: int = 10_000) -> None:
        """Wait until nothing is left to deliver (AssertionError if something is, after ``timeout_ms``)."""
        self._control("POST", "webhooks/drain", json={"timeout_ms": timeout_ms})

    def replay(self, message_id: str) -> dict:
        return self._control("POST", "webhooks/replay", json={"message_id": message_id})

    def close(self) -> None:
        self.session.close()


# --- coverage of HyperTrack's outcomes --------------------------------------------------------------

def _described(outcome: tuple) -> str:
    operation, status, code = outcome
    return f"{status} {code} on {operation}" if code else f"{status} on {operation}"


class CoverageTotals:
    """Readings of ``GET /__mock/coverage`` added up (a session's tenants, xdist workers' sums):
    ``reading()`` is their sum in the same shape, ``summary()`` a few lines."""

    def __init__(self):
        self.readings = 0
        #: (operation, status, code) -> hits, in the order of the first reading
        self.outcomes: dict[tuple, int] = {}
        self.undocumented: dict[tuple, int] = {}
        #: (type, value) -> [delivered, retried, given up]
        self.webhooks: dict[tuple, list[int]] = {}

    def add(self, reading: dict) -> None:
        """Add one reading (a tenant's, a server's, or a sum of either)."""
        for into, key in ((self.outcomes, "outcomes"), (self.undocumented, "undocumented")):
            for outcome in reading.get(key, ()):
                found = (outcome["operation"], outcome["status"], outcome["code"])
                into[found] = into.get(found, 0) + outcome["hits"]
        for webhook in reading.get("webhooks", ()):
            counts = self.webhooks.setdefault((webhook["type"], webhook["value"]), [0, 0, 0])
            for index, name in enumerate(("delivered", "retried", "given_up")):
                counts[index] += webhook[name]
        self.readings += 1

    def reading(self) -> dict:
        """The sum, shaped as ``GET /__mock/coverage`` answers."""
        outcomes = [{"operation": o, "status": s, "code": c, "hits": n} for (o, s, c), n in self.outcomes.items()]
        return {"outcomes": outcomes, "exercised": sum(1 for outcome in outcomes if outcome["hits"]),
                "total": len(outcomes),
                "undocumented": [{"operation": o, "status": s, "code": c, "hits": n}
                                 for (o, s, c), n in self.undocumented.items()],
                "webhooks": [{"type": t, "value": v, "delivered": d, "retried": r, "given_up": g}
                             for (t, v), (d, r, g) in self.webhooks.items()]}

    def summary(self, shown: int = 4) -> list[str]:
        """Two lines: how many outcomes were exercised and the first few never met (business errors
        first, then the other refusals, then successes); how many webhook values were delivered, and
        whether a webhook was ever retried or given up."""
        never = sorted((outcome for outcome, hits in self.outcomes.items() if not hits),
                       key=lambda outcome: (outcome[2] is None, outcome[1] < 400))
        line = f"HyperTrack outcomes exercised: {len(self.outcomes) - len(never)} of {len(self.outcomes)}"
        if never:
            line += "; never: " + ", ".join(_described(outcome) for outcome in never[:shown])
            if len(never) > shown:
                line += f", and {len(never) - shown} more"
        counts = list(self.webhooks.values())
        webhooks = (f"HyperTrack webhooks: {sum(1 for c in counts if c[0])} of {len(counts)} values delivered, "
                    f"{sum(c[0] for c in counts)} events in all")
        missing = [what for what, index in (("a retried webhook", 1), ("a webhook given up", 2))
                   if not any(c[index] for c in counts)]
        if missing:
            webhooks += "; never: " + ", ".join(missing)
        return [line, webhooks]


# --- receiving webhooks ---------------------------------------------------------------------------

class Delivery:
    """One delivery as a receiver got it: ``headers`` (names in lower case), ``body``, the ``events``
    it carried (its JSON array; empty for SNS's subscription confirmation), the ``status`` answered."""

    def __init__(self, headers: dict, body: bytes, status: int, at: float | None = None):
        self.headers = {name.lower(): value for name, value in headers.items()}
        self.body, self.status = body, status
        self.at = time.time() if at is None else at  # when it arrived (seconds since the epoch)
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            document = None
        self.document = document
        self.events = document if isinstance(document, list) else []

    @property
    def message_id(self) -> str | None:
        return self.headers.get("x-amz-sns-message-id")

    def __repr__(self) -> str:
        values = [event.get("data", {}).get("value") for event in self.events]
        return f"<Delivery {self.message_id} {values} answered {self.status}>"


def _matches(event: dict, match: dict) -> bool:
    data = event.get("data") or {}
    return all((event.get(key) if key in ("type", "device_id", "worker_handle", "account_id") else data.get(key))
               == value for key, value in match.items())


class _Receiving:
    """What both receivers do with the deliveries they got."""

    def deliveries(self) -> list[Delivery]:
        raise NotImplementedError

    def events(self, **match) -> list[dict]:
        """Every event delivered so far that matches (``type``, or any key of ``data``: ``value``,
        ``order_handle``...), in the order they arrived; a retried delivery's events once."""
        seen, found = set(), []
        for delivery in self.deliveries():
            if delivery.status >= 500 or delivery.message_id in seen:
                continue
            seen.add(delivery.message_id)
            found.extend(event for event in delivery.events if _matches(event, match))
        return found

    def wait_for(self, timeout: float = 5.0, **match) -> dict:
        """The first event that matches, once it has arrived; AssertionError after ``timeout`` seconds,
        saying what did arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.events(**match)
            if found:
                return found[0]
            if time.monotonic() >= deadline:
                got = [(e.get("type"), (e.get("data") or {}).get("value"), (e.get("data") or {}).get("order_handle"))
                       for e in self.events()]
                raise AssertionError(f"no webhook event {match} within {timeout} s; received {got}")
            time.sleep(0.01)


class WebhookReceiver(_Receiving):
    """A local HTTP server on 127.0.0.1 (a free port) that collects the mock's deliveries and answers each
    with the next of ``answer_with``'s statuses (200 once they are used up), ``answer_after`` seconds
    after it arrived (a slow receiver), or once ``release()`` lets it go after ``hold()``."""

    def __init__(self):
        self._received: list[Delivery] = []
        self._answers: list[int] = []
        self._delay = 0.0
        self._open = threading.Event()  # cleared by hold(): deliveries wait for release()
        self._open.set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    status = receiver._answers.pop(0) if receiver._answers else 200
                    receiver._received.append(Delivery(dict(self.headers), body, status))
                    delay = receiver._delay
                if delay:
                    time.sleep(delay)
                receiver._open.wait(60)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hypertrack"
        self.target = {"url": self.url}
        # (serve_forever notices a shutdown only between polls: close() waits up to one, at the end of each test)
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), name="webhook-receiver",
                                        daemon=True)
        self._thread.start()

    def answer_with(self, *statuses: int) -> None:
        """Answer the next deliveries with these statuses, in turn."""
        with self._lock:
            self._answers = list(statuses)

    def hold(self) -> None:
        """Keep every delivery waiting for its answer until ``release()`` (a receiver that hangs);
        each is in ``deliveries()`` as soon as it arrives."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    @property
    def holding(self) -> bool:
        return not self._open.is_set()

    def answer_after(self, seconds: float) -> None:
        """Wait this long before answering each delivery (0: at once)."""
        with self._lock:
            self._delay = seconds

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._received)

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


class InboxReceiver(_Receiving):
    """The mock's own inbox (``/__mock/inbox/<name>``) as a receiver: for a mock this process's
    receiver cannot be reached from (a container); the mock delivers to itself."""

    def __init__(self, mock: HyperTrackMock):
        self.mock = mock
        self.name = f"inbox-{uuid.uuid4().hex[:12]}"
        self.answer_with()

    @property
    def target(self) -> dict:
        """What ``HyperTrackMock.set_webhook`` takes to deliver here."""
        return {"inbox": self.name}

    def answer_with(self, *statuses: int) -> None:
        self.mock._control("PUT", f"inbox/{self.name}", json={"answers": list(statuses)})

    def hold(self) -> None:
        raise self._local_only("hold()")

    def release(self) -> None:
        raise self._local_only("release()")

    @property
    def holding(self) -> bool:
        return False

    def answer_after(self, seconds: float) -> None:
        raise self._local_only("answer_after()")

    def _local_only(self, call: str) -> NotImplementedError:
        """Why ``call`` needs the receiver of an in-process mock."""
        return NotImplementedError(
            f"hypertrack_webhooks.{call} needs a receiver in this test's process, and against "
            f"HYPERTRACK_MOCK_URL ({self.mock.url}) the webhooks go to the mock's own inbox "
            f"(/__mock/inbox/{self.name}), which answers each delivery at once; a receiver that hangs or is "
            "slow can be tried in-process (unset HYPERTRACK_MOCK_URL), and a failing one here with "
            "answer_with(500, ...)")

    def deliveries(self) -> list[Delivery]:
        received = self.mock._control("GET", f"inbox/{self.name}")["deliveries"]
        return [Delivery(entry["headers"], entry["body"].encode(), entry["status"], entry["at"])
                for entry in received]

    def close(self) -> None:
        pass
