"""Issue 16: webhooks, delivered to a real local receiver (an HTTP server on 127.0.0.1, never a stub of the
HTTP client), with HyperTrack's envelope, SNS's headers and its delivery rules.

``receiver`` is ``mockserver.testing.WebhookReceiver``, the one the pytest plugin gives users; the
slow receiver below holds each delivery until the test lets it go.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from conftest import FROZEN_AT, ROOT, basic, make_app

from mockserver.testing import HyperTrackMock, WebhookReceiver

T0 = "2023-11-01T22:47:53.512Z"  # FROZEN_AT
ENVELOPE_KEYS = {"created_at", "recorded_at", "account_id", "device_id", "worker_handle", "type", "data", "version"}
FAST = {"timeout_ms": 2000, "retry_delay_ms": 20}


def order(handle, **extra):
    return {"order_handle": handle, "destination": {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]}},
            **extra}


def track_body(*handles, worker="james@ht.com", **changes):
    return {"track_mode": "on_time", "worker_handle": worker, "ops_group_handle": "SAN_JOSE_WH",
            "orders": [order(handle) for handle in handles], **changes}


class Tenant(HyperTrackMock):
    """A tenant of the served mock, with the data-plane calls the tests make."""

    def call(self, method, path, body=None, **params):
        return self.session.request(method, self.url + path, json=body, params=params or None, timeout=30)

    def track(self, *handles, **changes):
        response = self.call("POST", "/orders/track", track_body(*handles, **changes))
        assert response.status_code == 201, response.text
        return response.json()

    def webhook_page(self, handle, **params):
        response = self.call("GET", f"/orders/{handle}/webhooks", **params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def served():
    return make_app({"seed": 7})


@pytest.fixture
def mock(served):
    tenant = Tenant(served.url, "acme", "s3cret", served.server)
    yield tenant
    tenant.close()


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


def values(delivery_or_events):
    events = getattr(delivery_or_events, "events", delivery_or_events)
    return [(event["type"], event["data"]["value"]) for event in events]


def settle(seconds=0.3):
    """Leave time for anything that should not happen (a retry, a delivery after a reset) to show."""
    time.sleep(seconds)


@pytest.fixture
def held():
    """A receiver that keeps each delivery waiting until ``release()``: what a slow receiver does."""
    receiver = WebhookReceiver()
    receiver.hold()
    yield receiver
    receiver.close()


def arrived(receiver, count=1):
    deadline = time.monotonic() + 5
    while len(receiver.deliveries()) < count and time.monotonic() < deadline:
        time.sleep(0.005)
    return receiver.deliveries()


# --- the envelope and the headers ---------------------------------------------------------------

def test_a_track_is_one_delivery_of_hypertracks_events_with_sns_headers(mock, receiver):
    mock.freeze_clock(FROZEN_AT)
    mock.set_webhook(receiver.url, **FAST)
    route = mock.track(orders=[order("o-1", metadata={"customer": "c-9"})])
    receiver.wait_for(type="order", value="started")
    mock.drain()

    [delivery] = receiver.deliveries()
    assert values(delivery) == [("route", "created"), ("route", "started"), ("order", "assigned"),
                                ("order", "started")]
    topic = "arn:aws:sns:us-west-2:000000000000:hypertrack-mock-acme"
    assert uuid.UUID(delivery.headers["x-amz-sns-message-id"])
    assert {k: v for k, v in delivery.headers.items() if k not in ("host", "content-length")} == {
        "content-type": "application/json",
        "user-agent": "Amazon Simple Notification Service Agent",
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": delivery.message_id,
        "x-amz-sns-topic-arn": topic,
        "x-amz-sns-subscription-arn": delivery.headers["x-amz-sns-subscription-arn"],
        "x-hypertrack-signature": hmac.new(b"", delivery.body, hashlib.sha256).hexdigest(),
    }
    assert delivery.headers["x-amz-sns-subscription-arn"].startswith(topic + ":")

    [placed] = route["orders"]
    sent_at = delivery.events[0]["created_at"]
    assert abs(datetime.fromisoformat(sent_at.replace("Z", "+00:00")).timestamp() - delivery.at) < 60
    assert all(set(event) == ENVELOPE_KEYS for event in delivery.events)
    assert delivery.events[3] == {
        "created_at": sent_at, "recorded_at": T0, "account_id": "acme", "device_id": route["device_id"],
        "worker_handle": "james@ht.com", "type": "order", "version": "3.0.0",
        "data": {"value": "started", "order_handle": "o-1", "route_handle": route["route_handle"],
                 "status": "ongoing", "share_url": placed["share_url"], "metadata": {"customer": "c-9"}}}
    assert delivery.events[2]["data"]["assigned_at"] == T0
    assert delivery.events[0] == {
        "created_at": sent_at, "recorded_at": T0, "account_id": "acme", "device_id": route["device_id"],
        "worker_handle": "james@ht.com", "type": "route", "version": "3.0.0",
        "data": {"value": "created", "route_handle": route["route_handle"], "status": "tracking",
                 "version": route["version"], "ops_group_handle": "SAN_JOSE_WH", "metadata": None}}


def test_the_signature_is_hex_hmac_sha256_of_the_raw_body_keyed_by_the_secret(mock, receiver):
    mock.set_webhook(receiver.url, secret="whsec-1", **FAST)
    mock.track("o-1")
    receiver.wait_for(value="started", type="order")
    [delivery] = receiver.deliveries()
    expected = hmac.new(b"whsec-1", delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["x-hypertrack-signature"] == expected
    assert hmac.new(b"another", delivery.body, hashlib.sha256).hexdigest() != expected


def test_text_plain_is_sns_default_content_type_with_the_same_json_array(mock, receiver):
    mock.set_webhook(receiver.url, content_type="text/plain", **FAST)
    mock.track("o-1")
    receiver.wait_for(value="started", type="order")
    [delivery] = receiver.deliveries()
    assert delivery.headers["content-type"] == "text/plain; charset=UTF-8"
    assert values(delivery)[-1] == ("order", "started")


def test_the_receiver_is_shown_with_its_secret_redacted_and_cleared(mock, receiver):
    shown = mock.set_webhook(receiver.url, secret="whsec-1")
    expected = {"url": receiver.url, "secret": "[redacted]", "content_type": "application/json",
                "timeout_ms": 10000, "retries": 3, "retry_delay_ms": 20000, "confirm_subscription": False,
                "confirmed": True}
    assert shown == expected
    assert mock._control("GET", "webhook") == {"webhook": expected, "tenant": "acme"}
    mock.clear_webhook()
    assert mock._control("GET", "webhook") == {"webhook": None, "tenant": "acme"}


@pytest.mark.parametrize("body, field", [
    ({}, "_schema"),
    ({"url": "http://127.0.0.1:1/x", "inbox": "a"}, "_schema"),
    ({"url": "ftp://127.0.0.1/x"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "http://127.0.0.1:1/x", "timeout_ms": 0}, "timeout_ms"),
    ({"url": "http://127.0.0.1:1/x", "retries": -1}, "retries"),
    ({"url": "http://127.0.0.1:1/x", "content_type": "text/html"}, "content_type"),
    ({"url": "http://127.0.0.1:1/x", "secret": ""}, "secret"),
    ({"url": "http://127.0.0.1:1/x", "colour": "red"}, "colour"),
])
def test_a_bad_receiver_is_a_422_naming_the_field_and_changes_nothing(mock, receiver, body, field):
    mock.set_webhook(receiver.url)
    response = mock.session.put(mock.url + "/__mock/webhook", json=body, timeout=10)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]["json"]
    assert mock._control("GET", "webhook")["webhook"]["url"] == receiver.url


def test_a_receiver_belongs_to_a_tenant(served):
    response = requests.put(served.url + "/__mock/webhook", json={"url": "http://127.0.0.1:1/"}, timeout=10)
    assert response.status_code == 400
    assert "credentials" in response.json()["message"]


# --- the lifecycle's events -----------------------------------------------------------------------

def test_completing_and_cancelling_orders_emit_their_events_and_the_last_one_completes_the_route(
        mock, receiver):
    mock.freeze_clock(FROZEN_AT)
    mock.set_webhook(receiver.url, **FAST)
    route = mock.track("o-1", "o-2")
    mock.advance_clock(600)
    assert mock.call("POST", "/orders/o-1/complete").status_code == 200
    assert mock.call("POST", "/orders/o-2/cancel").status_code == 200
    mock.drain()
    finished = receiver.events(value="completed") + receiver.events(value="cancelled")
    assert values(finished) == [("order", "completed"), ("route", "completed"), ("order", "cancelled")]
    completed, route_completed, cancelled = finished
    assert completed["data"]["order_handle"] == "o-1" and completed["data"]["status"] == "completed"
    assert cancelled["data"]["order_handle"] == "o-2" and cancelled["data"]["status"] == "cancelled"
    assert completed["data"]["distance"] is None and completed["data"]["duration"] == 600
    assert route_completed["data"]["route_handle"] == route["route_handle"]
    assert route_completed["data"]["status"] == "completed"
    assert sorted(values(receiver.events())) == sorted([
        ("route", "created"), ("route", "started"), ("order", "assigned"), ("order", "started"),
        ("order", "assigned"), ("order", "started"), ("order", "completed"), ("route", "completed"),
        ("order", "cancelled")])


def test_completing_a_route_cancels_its_open_orders_then_completes_it(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    route = mock.track("o-1", "o-2")
    assert mock.call("POST", "/orders/o-1/complete").status_code == 200
    mock.drain()
    before = len(receiver.events())
    assert mock.call("POST", f"/orders/routes/{route['route_handle']}/complete").status_code == 200
    mock.drain()
    after = receiver.events()[before:]
    assert [(event["type"], event["data"]["value"], event["data"].get("order_handle")) for event in after] == [
        ("order", "cancelled", "o-2"), ("route", "completed", None)]


def test_duration_of_a_completed_order_is_the_time_since_it_started(mock, receiver):
    mock.freeze_clock(FROZEN_AT)
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    mock.advance_clock(754)
    mock.call("POST", "/orders/o-1/complete")
    event = receiver.wait_for(value="completed", type="order")
    assert event["data"]["duration"] == 754
    assert event["recorded_at"] == "2023-11-01T23:00:27.512Z"


def test_updating_an_order_emits_updated(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    response = mock.call("PATCH", "/orders/o-1", {"metadata": {"gate": "B"}})
    assert response.status_code == 200, response.text
    event = receiver.wait_for(value="updated")
    assert event["data"]["metadata"] == {"gate": "B"} and event["data"]["order_handle"] == "o-1"


def test_planning_emits_the_routes_events_and_tracking_it_the_orders(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    planned = mock.call("POST", "/orders/", {
        "plan_mode": "manual", "worker_handle": "james@ht.com", "ops_group_handle": "SAN_JOSE_WH",
        "orders": [dict(order("p-1"), scheduled_at="2023-11-02T02:00:00Z")]})
    assert planned.status_code == 201, planned.text
    mock.drain()
    assert values(receiver.events()) == [("route", "created"), ("route", "assigned")]  # no device: no order event
    route_handle = planned.json()["route_handle"]
    tracked = mock.call("POST", "/orders/track", {"track_mode": "on_time", "route_handle": route_handle})
    assert tracked.status_code == 201, tracked.text
    mock.drain()
    assert values(receiver.events())[2:] == [("route", "started"), ("order", "assigned"), ("order", "started")]
    assert receiver.events(type="order")[0]["device_id"] == tracked.json()["device_id"]


def test_a_failed_request_emits_nothing(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    mock.drain()
    refused = mock.call("POST", "/orders/track", track_body("o-1"))  # still in progress: 409
    assert refused.status_code == 409
    invalid = mock.call("POST", "/orders/track", track_body("o-9", track_mode="sideways"))
    assert invalid.status_code == 422
    assert mock.call("POST", "/orders/o-404/complete").status_code == 404
    mock.drain()
    settle(0.1)
    assert len(receiver.deliveries()) == 1


def test_without_a_receiver_nothing_is_kept_or_sent(mock, receiver, served):
    mock.track("o-1")
    tenant = served.backend.tenant("acme")
    assert tenant.outbox == [] and tenant.sent == []
    mock.set_webhook(receiver.url, **FAST)
    mock.drain()
    assert receiver.deliveries() == []
    assert mock.webhook_page("o-1") == {"webhooks": [], "pagination_token": None}


# --- events only a device causes -----------------------------------------------------------------

DEVICE_FIELDS = {
    "first_eta": {"remaining_duration", "remaining_distance"},
    "eta_change": {"remaining_duration", "remaining_distance", "change_reason"},
    "n_minutes_away": {"remaining_duration", "remaining_distance", "remaining_minutes"},
    "delayed": {"arrive_at", "scheduled_at", "initial_eta"},
    "arrived": {"place_handle", "scheduled_at", "initial_eta", "arrival"},
    "exited": {"place_handle", "scheduled_at", "initial_eta", "exit", "reason"},
    "risk_updated": {"risks"},
}
COMMON = {"value", "order_handle", "route_handle", "status", "share_url", "metadata"}


@pytest.mark.parametrize("value", sorted(DEVICE_FIELDS))
def test_a_device_event_carries_its_values_own_fields(mock, receiver, value):
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    event = mock.emit("o-1", value)
    delivered = receiver.wait_for(value=value)
    assert delivered == dict(event, created_at=delivered["created_at"])
    assert set(delivered["data"]) == COMMON | DEVICE_FIELDS[value]
    assert delivered["data"]["order_handle"] == "o-1" and delivered["data"]["status"] == "ongoing"


def test_an_arrival_is_at_the_destination_now_unless_told_otherwise(mock, receiver):
    mock.freeze_clock(FROZEN_AT)
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    data = mock.emit("o-1", "arrived")["data"]
    assert data["arrival"] == {"location": {"type": "Point", "coordinates": [-121.9, 37.3]}, "recorded_at": T0}
    there = {"type": "Point", "coordinates": [-121.8, 37.2]}
    assert mock.emit("o-1", "arrived", location=there)["data"]["arrival"]["location"] == there


def test_eta_fields_given_are_kept_and_the_rest_follow_from_them(mock, receiver):
    mock.freeze_clock(FROZEN_AT)
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    data = mock.emit("o-1", "n_minutes_away", remaining_minutes=5, remaining_distance=1200)["data"]
    assert (data["remaining_minutes"], data["remaining_duration"], data["remaining_distance"]) == (5, 300, 1200)
    data = mock.emit("o-1", "eta_change", change_reason="traffic_update")["data"]
    assert data["change_reason"] == "traffic_update"
    risks = {"is_offline": {"intensity_label": "red", "intensity_value": 1, "previous_intensity_label": "green"}}
    assert mock.emit("o-1", "risk_updated", risks=risks)["data"]["risks"] == risks


def test_an_emitted_arrival_changes_the_order_without_a_receiver(mock):
    mock.track("o-1")
    emitted = mock.session.post(f"{mock.url}/__mock/orders/o-1/events", json={"value": "arrived"}, timeout=10)
    assert emitted.status_code == 201, emitted.text
    order = mock.call("GET", "/orders/o-1").json()
    event = emitted.json()["event"]
    assert order["arrived_at"] == event["recorded_at"] == event["data"]["arrival"]["recorded_at"]
    entered = order["timeline"][-1]
    assert (entered["type"], entered["recorded_at"]) == ("order_geofence_entered", order["arrived_at"])
    assert entered["location"]["geometry"] == event["data"]["arrival"]["location"]


def test_device_event_errors(mock, receiver):
    def emit(handle, body):
        return mock.session.post(f"{mock.url}/__mock/orders/{handle}/events", json=body, timeout=10)

    mock.track("o-1")
    mock.set_webhook(receiver.url, **FAST)
    unknown = emit("o-404", {"value": "arrived"})
    assert unknown.status_code == 404 and unknown.json() == {"detail": {}, "message": "Order not found"}
    bad_value = emit("o-1", {"value": "completed"})
    assert bad_value.status_code == 422 and "value" in bad_value.json()["detail"]["json"]
    assert emit("o-1", {"value": "arrived", "remaining_minutes": -1}).status_code == 422
    planned = mock.call("POST", "/orders/", {"plan_mode": "manual", "ops_group_handle": "SAN_JOSE_WH",
                                              "orders": [dict(order("p-1"), scheduled_at="2023-11-02T02:00:00Z")]})
    assert planned.status_code == 201, planned.text
    untracked = emit("p-1", {"value": "arrived"})
    assert untracked.status_code == 422 and "order_handle" in untracked.json()["detail"]["json"]
    mock.drain()
    assert receiver.events(value="arrived") == []


# --- delivery: retries, failures, batching -------------------------------------------------------

def test_500_twice_then_200_is_exactly_three_deliveries_with_one_message_id(mock, receiver):
    mock.set_webhook(receiver.url, timeout_ms=2000, retry_delay_ms=50)
    receiver.answer_with(500, 500)
    mock.track("o-1")
    mock.drain()
    settle()
    deliveries = receiver.deliveries()
    assert [d.status for d in deliveries] == [500, 500, 200]
    assert len({d.message_id for d in deliveries}) == 1
    assert len({d.body for d in deliveries}) == 1
    assert deliveries[1].at - deliveries[0].at >= 0.045 and deliveries[2].at - deliveries[1].at >= 0.045
    attempts = mock.deliveries()
    assert [(a["attempt"], a["status"], a["delivered"], a["error"]) for a in attempts] == [
        (1, 500, False, None), (2, 500, False, None), (3, 200, True, None)]
    assert {a["message_id"] for a in attempts} == {deliveries[0].message_id}
    assert all(a["latency_ms"] >= 0 and a["events"] == deliveries[0].events for a in attempts)


def test_a_404_counts_as_delivered_exactly_once(mock, receiver):
    mock.set_webhook(receiver.url, timeout_ms=2000, retry_delay_ms=20)
    receiver.answer_with(404)
    mock.track("o-1")
    mock.drain()
    settle()
    assert [d.status for d in receiver.deliveries()] == [404]
    assert [(a["attempt"], a["status"], a["delivered"]) for a in mock.deliveries()] == [(1, 404, True)]


def test_after_the_retries_an_event_is_dropped(mock, receiver):
    mock.set_webhook(receiver.url, timeout_ms=2000, retries=2, retry_delay_ms=10)
    receiver.answer_with(503, 502, 500, 500)
    mock.track("o-1")
    mock.drain()
    settle()
    assert [d.status for d in receiver.deliveries()] == [503, 502, 500]
    assert [a["delivered"] for a in mock.deliveries()] == [False, False, False]
    mock.call("POST", "/orders/o-1/complete")
    receiver.wait_for(value="completed", type="order")  # the next event goes (the 4th answer is a 500, retried)
    mock.drain()
    assert [d.status for d in receiver.deliveries()][3:] == [500, 200]


def test_no_answer_within_the_timeout_is_retried(mock, receiver):
    mock.set_webhook(receiver.url, timeout_ms=100, retries=1, retry_delay_ms=10)
    receiver.answer_after(0.4)
    mock.track("o-1")
    mock.drain()
    attempts = mock.deliveries()
    assert [(a["attempt"], a["status"], a["error"], a["delivered"]) for a in attempts] == [
        (1, None, "no answer within 100 ms", False), (2, None, "no answer within 100 ms", False)]
    assert all(a["latency_ms"] >= 100 for a in attempts)
    assert len(receiver.deliveries()) == 2


def test_a_refused_connection_is_retried_then_dropped(mock):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    mock.set_webhook(f"http://127.0.0.1:{port}/gone", timeout_ms=1000, retries=2, retry_delay_ms=10)
    mock.track("o-1")
    mock.drain()
    attempts = mock.deliveries()
    assert [(a["attempt"], a["status"], a["delivered"]) for a in attempts] == [
        (1, None, False), (2, None, False), (3, None, False)]
    assert all("Connect" in a["error"] for a in attempts), attempts[0]["error"]


def test_events_that_happen_together_go_in_one_array(mock, held):
    """While a delivery is under way, the tenant's next events wait and then go together."""
    mock.set_webhook(held.url, **FAST)
    mock.track("o-1")
    assert len(arrived(held)) == 1
    for handle in ("o-2", "o-3", "o-4"):
        mock.add_worker(f"w-{handle}", ops_group_handle="SAN_JOSE_WH")
        mock.track(handle, worker=f"w-{handle}")
    held.release()
    mock.drain()
    first, second = held.deliveries()
    assert [(e["type"], e["data"]["value"]) for e in second.events] == [
        ("route", "created"), ("route", "started"), ("order", "assigned"), ("order", "started")] * 3


def test_an_answer_never_waits_for_the_receiver(mock, held):
    mock.set_webhook(held.url, **FAST)
    mock.track("o-1")  # its delivery is held by the receiver
    assert len(arrived(held)) == 1, "the first delivery never reached the receiver"
    answers = [mock.call("POST", f"/orders/o-1/{'complete'}").status_code,
               mock.call("GET", "/orders/o-1").status_code,
               mock.call("GET", "/__mock/webhooks").status_code]
    assert answers == [200, 200, 200]
    assert held.holding and len(held.deliveries()) == 1  # every answer came while the receiver held on
    drain = mock.session.post(mock.url + "/__mock/webhooks/drain", json={"timeout_ms": 50}, timeout=10)
    assert drain.status_code == 408
    assert drain.json()["pending"] >= 1 and "still to deliver" in drain.json()["message"]
    held.release()
    mock.drain()


def test_drain_answers_200_once_nothing_is_pending(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    response = mock.session.post(mock.url + "/__mock/webhooks/drain", json={}, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"pending": 0, "tenant": "acme"}
    assert len(receiver.deliveries()) == 1  # drained means delivered
    bad = mock.session.post(mock.url + "/__mock/webhooks/drain", json={"timeout_ms": -1}, timeout=10)
    assert bad.status_code == 422 and "timeout_ms" in bad.json()["detail"]["json"]


def test_drains_whose_clients_left_leave_no_waiter_behind_and_nothing_polls(served, mock, held):
    """Once, each abandoned drain kept asking every 2 ms whether anything was pending, up to its timeout."""
    dispatcher = served.mock.dispatcher
    asked = []
    counted = dispatcher.pending
    dispatcher.pending = lambda tenant: asked.append(1) or counted(tenant)  # how often anyone asks
    mock.set_webhook(held.url, **FAST)
    mock.track("o-1")
    assert len(arrived(held)) == 1  # held: the drains below wait
    request = (b"POST /__mock/webhooks/drain HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Authorization: " + basic()["Authorization"].encode() + b"\r\nContent-Length: 21\r\n\r\n"
               b'{"timeout_ms": 60000}')
    clients = [socket.create_connection(("127.0.0.1", urlsplit(served.url).port), timeout=10) for _ in range(200)]
    for client in clients:
        client.sendall(request)
    deadline = time.monotonic() + 10
    while len(getattr(dispatcher, "waiters", ())) < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(getattr(dispatcher, "waiters", ())) == 200  # every drain waits, none answered yet
    for client in clients:
        client.close()  # every client leaves at once
    deadline = time.monotonic() + 10
    while dispatcher.waiters and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dispatcher.waiters == {}
    before = len(asked)
    settle(0.3)
    assert len(asked) == before  # nobody asks any more
    held.release()
    mock.drain()


def test_a_drain_answers_as_soon_as_the_deliveries_end(served, mock, held):
    mock.set_webhook(held.url, **FAST)
    mock.track("o-1")
    assert len(arrived(held)) == 1
    answers = []
    waiting = threading.Thread(target=lambda: answers.append(mock.session.post(
        mock.url + "/__mock/webhooks/drain", json={"timeout_ms": 60000}, timeout=90)))
    waiting.start()
    dispatcher = served.mock.dispatcher
    deadline = time.monotonic() + 10
    while not dispatcher.waiters and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(dispatcher.waiters) == 1 and waiting.is_alive()
    held.release()
    waiting.join(90)
    [answer] = answers
    assert (answer.status_code, answer.json()) == (200, {"pending": 0, "tenant": "acme"})
    assert dispatcher.waiters == {}
    assert [a["delivered"] for a in mock.deliveries()] == [True]


def test_a_replay_delivers_the_same_events_again_as_a_new_message(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    mock.drain()
    [first] = receiver.deliveries()
    replayed = mock.replay(first.message_id)
    mock.drain()
    [_, again] = receiver.deliveries()
    assert again.message_id != first.message_id
    assert replayed == {"replayed": 4, "message_id": again.message_id, "tenant": "acme"}  # the new message's id
    assert [dict(e, created_at=None) for e in again.events] == [dict(e, created_at=None) for e in first.events]
    assert [w["data"]["value"] for w in mock.webhook_page("o-1")["webhooks"]] == ["started", "assigned"]  # once
    unknown = mock.session.post(mock.url + "/__mock/webhooks/replay", json={"message_id": "nope"}, timeout=10)
    assert unknown.status_code == 404 and "nope" in unknown.json()["message"]


def test_the_deliveries_are_listed_after_a_replay_and_a_replay_can_be_replayed(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    mock.drain()
    [first] = receiver.deliveries()
    second = mock.replay(first.message_id)["message_id"]
    mock.drain()
    listed = mock.session.get(mock.url + "/__mock/webhooks", timeout=10)
    assert listed.status_code == 200, listed.text
    attempts = listed.json()["deliveries"]
    assert [(a["message_id"], a["attempt"], a["status"], a["delivered"]) for a in attempts] == [
        (first.message_id, 1, 200, True), (second, 1, 200, True)]
    assert attempts[1]["events"] == receiver.deliveries()[1].events
    third = mock.replay(second)["message_id"]  # a replay's events, found by its own id
    mock.drain()
    assert [d.message_id for d in receiver.deliveries()] == [first.message_id, second, third]
    assert [a["message_id"] for a in mock.deliveries()] == [first.message_id, second, third]


def test_replays_wait_their_turn_one_delivery_at_a_time_and_another_tenant_is_served(served, mock, receiver):
    """A replay goes in the tenant's line like any delivery: never more than one at a time to a receiver
    that holds them (once, each replay was a delivery of its own at once: a burst of them ran out of
    file descriptors and failed another account's webhook)."""
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    mock.drain()
    [first] = receiver.deliveries()
    receiver.hold()
    ids = [mock.replay(first.message_id)["message_id"] for _ in range(20)]
    assert len(set(ids) | {first.message_id}) == 21
    other = WebhookReceiver()
    try:
        bob = Tenant(served.url, "bob", "b", served.server)
        bob.set_webhook(other.url, **FAST)
        bob.track("b-1")
        bob.drain()  # bob's delivery went while acme's replays wait
        assert [d.status for d in other.deliveries()] == [200]
        assert len(arrived(receiver, 2)) == 2
        settle(0.2)
        assert len(receiver.deliveries()) == 2  # the first replay, held; the 19 others wait their turn
        assert mock._control("GET", "webhooks")["pending"] == 20
        receiver.release()
        mock.drain()
        assert [d.message_id for d in receiver.deliveries()] == [first.message_id, *ids]  # in turn, in order
        assert all(a["delivered"] for a in mock.deliveries())
    finally:
        other.close()


# --- the handshake ------------------------------------------------------------------------------

def test_sns_subscription_confirmation_holds_events_until_the_receiver_confirms(mock, receiver):
    mock.set_webhook(receiver.url, confirm_subscription=True, **FAST)
    deadline = time.monotonic() + 5
    while not receiver.deliveries() and time.monotonic() < deadline:
        time.sleep(0.005)
    [confirmation] = receiver.deliveries()
    assert confirmation.headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert confirmation.headers["content-type"] == "text/plain; charset=UTF-8"
    document = confirmation.document
    assert document["Type"] == "SubscriptionConfirmation"
    assert document["TopicArn"] == "arn:aws:sns:us-west-2:000000000000:hypertrack-mock-acme"
    assert document["SubscribeURL"].endswith(document["Token"])
    assert mock._control("GET", "webhook")["webhook"]["confirmed"] is False

    mock.track("o-1")
    settle(0.1)
    assert len(receiver.deliveries()) == 1  # held back
    wrong = requests.get(document["SubscribeURL"] + "x", timeout=10)
    assert wrong.status_code == 404
    confirmed = requests.get(document["SubscribeURL"], timeout=10)  # as SNS's receivers do: a plain GET
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    receiver.wait_for(type="order", value="started")
    assert mock._control("GET", "webhook")["webhook"]["confirmed"] is True


# --- account ids in headers --------------------------------------------------------------------

def tenant_by_header(served, account_id: str, authorization: str) -> Tenant:
    tenant = Tenant(served.url, account_id, "unused", served.server)
    tenant.session.auth = None  # requests encodes Basic credentials as Latin-1, and these are not
    tenant.session.headers["Authorization"] = authorization
    return tenant


def test_an_account_id_holding_cr_lf_adds_no_header_to_a_delivery(served, receiver):
    """The topic ARN names the account id percent-encoded (once, its CR LF split the request's head)."""
    account_id = "evil\r\nX-Injected: yes"
    token = requests.post(served.url + "/oauth/token", data={
        "grant_type": "client_credentials", "client_id": account_id, "client_secret": "s"}, timeout=10)
    assert token.status_code == 200, token.text
    tenant = tenant_by_header(served, account_id, f"Bearer {token.json()['access_token']}")
    tenant.set_webhook(receiver.url, confirm_subscription=True, **FAST)
    [confirmation] = arrived(receiver)
    requests.get(confirmation.document["SubscribeURL"], timeout=10).raise_for_status()
    tenant.track("o-1")
    tenant.drain()
    topic = "arn:aws:sns:us-west-2:000000000000:hypertrack-mock-evil%0D%0AX-Injected:%20yes"
    assert confirmation.document["TopicArn"] == topic
    [_, delivery] = receiver.deliveries()
    assert "x-injected" not in confirmation.headers and "x-injected" not in delivery.headers
    assert confirmation.headers["x-amz-sns-topic-arn"] == delivery.headers["x-amz-sns-topic-arn"] == topic
    assert delivery.headers["x-amz-sns-subscription-arn"].startswith(topic + ":")
    assert {event["account_id"] for event in delivery.events} == {account_id}  # the JSON body says it as it is
    assert [(a["status"], a["delivered"]) for a in tenant.deliveries()] == [(200, True), (200, True)]


def test_an_account_id_outside_latin_1_is_delivered_percent_encoded_in_the_headers(served, receiver):
    """Once, an account id such as ``€uro`` failed every delivery ("the courier did not answer")."""
    tenant = tenant_by_header(served, "€uro", basic("€uro", "s")["Authorization"])
    tenant.set_webhook(receiver.url, secret="k", **FAST)
    tenant.track("o-1")
    tenant.drain()
    [delivery] = receiver.deliveries()
    assert delivery.headers["x-amz-sns-topic-arn"] == "arn:aws:sns:us-west-2:000000000000:hypertrack-mock-%E2%82%ACuro"
    assert {event["account_id"] for event in delivery.events} == {"€uro"}
    assert delivery.headers["x-hypertrack-signature"] == hmac.new(b"k", delivery.body, hashlib.sha256).hexdigest()
    assert [(a["attempt"], a["status"], a["error"]) for a in tenant.deliveries()] == [(1, 200, None)]


# --- tenants, reset, shutdown --------------------------------------------------------------------

def test_a_tenants_events_never_reach_another_tenants_receiver_nor_wait_for_it(served, receiver, held):
    alice = Tenant(served.url, "alice", "a", served.server)
    bob = Tenant(served.url, "bob", "b", served.server)
    alice.set_webhook(held.url, **FAST)  # alice's receiver holds every delivery
    bob.set_webhook(receiver.url, **FAST)
    alice.track("a-1")
    bob.track("b-1")
    receiver.wait_for(type="order", value="started", order_handle="b-1")  # while alice's is still held
    assert held.holding
    held.release()
    alice.drain()
    assert {event["account_id"] for event in receiver.events()} == {"bob"}
    assert {event["account_id"] for event in held.events()} == {"alice"}


@pytest.mark.parametrize("how", ["reset", "scenario", "clear", "new receiver"])
def test_pending_deliveries_are_cancelled_and_nothing_arrives_after(mock, receiver, how):
    mock.set_webhook(receiver.url, timeout_ms=2000, retry_delay_ms=300)
    receiver.answer_with(500, 500, 500)
    mock.track("o-1")
    deadline = time.monotonic() + 5
    while not receiver.deliveries() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert [d.status for d in receiver.deliveries()] == [500]  # the retry is 300 ms away
    if how == "reset":
        mock.reset()
    elif how == "scenario":
        mock.load_scenario("default")
    elif how == "clear":
        mock.clear_webhook()
    else:
        mock.set_webhook(receiver.url + "/other", **FAST)
    assert mock._control("GET", "webhooks")["pending"] == 0
    settle(0.6)
    assert [d.status for d in receiver.deliveries()] == [500]


def test_a_reset_forgets_the_receiver_and_what_was_sent(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    mock.drain()
    mock.reset()
    assert mock._control("GET", "webhook")["webhook"] is None
    assert mock.deliveries() == []


def children(pid: int) -> list[str]:
    """The processes a process started and that still run (Linux)."""
    return [child for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def test_stopping_the_server_cancels_deliveries_and_leaves_no_thread_nor_process(receiver):
    before = {thread.ident for thread in threading.enumerate()}
    processes = set(children(os.getpid()))  # the session's own servers (the CLI's), started by other tests
    served = make_app({"seed": 7})
    tenant = Tenant(served.url, "acme", "s3cret", served.server)
    tenant.set_webhook(receiver.url, timeout_ms=2000, retry_delay_ms=300)
    receiver.answer_with(500, 500)
    tenant.track("o-1")
    deadline = time.monotonic() + 5
    while not receiver.deliveries() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert set(children(os.getpid())) - processes == set()  # delivered by the server itself
    served.server.stop()
    tenant.close()
    served.backend.reset()  # after the stop: cancels what the stop cancelled already, starts nothing
    settle(0.6)
    assert [d.status for d in receiver.deliveries()] == [500]
    left = [t for t in threading.enumerate() if t.ident not in before
            and not t.name.startswith(("webhook-receiver", "hypertrack-mock-reaper"))]  # the reaper: one a process
    assert [t.name for t in left if t.is_alive()] == []
    assert served.mock.dispatcher.sender.session is None  # its connections closed with the server


def test_the_cli_delivers_itself_whatever_its_directory_holds_and_stops_quietly_on_ctrl_c(tmp_path, receiver):
    """Run from a directory with a ``mockserver`` package of its own (once, the process delivering the
    webhooks imported that one and never delivered), stopped by Ctrl-C, which a terminal sends to the
    whole process group (once, that process printed its traceback)."""
    (tmp_path / "mockserver").mkdir()
    (tmp_path / "mockserver" / "__init__.py").write_text("raise ImportError('the mockserver of the directory')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPERTRACK_MOCK_")}
    env["PYTHONPATH"] = str(ROOT)
    start = "import sys; del sys.path[0]; from mockserver.cli import main; sys.exit(main(sys.argv[1:]))"
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen([sys.executable, "-c", start, "--host", "127.0.0.1", "--port", "0"],
                                   cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                   start_new_session=True)
        try:
            url = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline()).group(0)
            tenant = HyperTrackMock(url, "acme", "s3cret")
            tenant.set_webhook(receiver.url, **FAST)
            assert requests.post(url + "/orders/track", json=track_body("o-1"), auth=("acme", "s3cret"),
                                 timeout=10).status_code == 201
            tenant.drain()
            assert [(a["attempt"], a["status"], a["error"]) for a in tenant.deliveries()] == [(1, 200, None)]
            assert [d.status for d in receiver.deliveries()] == [200]
            assert children(process.pid) == []
            tenant.close()
            os.killpg(process.pid, signal.SIGINT)
            assert process.wait(timeout=30) == 0
            stderr.seek(0)
            assert "Traceback" not in stderr.read().decode("utf-8", "replace")
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            process.stdout.close()


# --- what was sent, as HyperTrack answers it ------------------------------------------------------

def test_get_order_webhooks_lists_what_was_sent_newest_first(mock, receiver):
    mock.freeze_clock(FROZEN_AT)
    mock.set_webhook(receiver.url, **FAST)
    route = mock.track("o-1", "o-2")
    mock.advance_clock(60)
    mock.emit("o-1", "arrived")
    mock.advance_clock(60)
    mock.call("POST", "/orders/o-1/complete")
    mock.drain()
    page = mock.webhook_page("o-1")
    assert page["pagination_token"] is None
    assert [(w["data"]["value"], w["recorded_at"]) for w in page["webhooks"]] == [
        ("completed", "2023-11-01T22:49:53.512Z"), ("arrived", "2023-11-01T22:48:53.512Z"),
        ("started", T0), ("assigned", T0)]
    latest = page["webhooks"][0]
    delivered = receiver.events(value="completed", type="order")[0]
    assert latest == dict(delivered, delivery_http_status=200, retry_count=0)
    assert latest["device_id"] == route["device_id"]
    assert [w["data"]["value"] for w in mock.webhook_page("o-1", sort_direction="asc")["webhooks"]] == [
        "assigned", "started", "arrived", "completed"]
    assert [w["data"]["value"] for w in mock.webhook_page("o-1", value="arrived,completed")["webhooks"]] == [
        "completed", "arrived"]
    window = mock.webhook_page("o-1", from_time="2023-11-01T22:48:00Z", to_time="2023-11-01T22:49:00Z")
    assert [w["data"]["value"] for w in window["webhooks"]] == ["arrived"]
    assert [w["data"]["value"] for w in mock.webhook_page("o-2")["webhooks"]] == ["started", "assigned"]


def test_get_order_webhooks_pages_each_event_once(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    for _ in range(5):
        mock.emit("o-1", "eta_change")
    mock.drain()
    seen, token, pages = [], None, 0
    while True:
        page = mock.webhook_page("o-1", limit=3, **({"pagination_token": token} if token else {}))
        pages += 1
        seen += [w["data"]["value"] for w in page["webhooks"]]
        token = page["pagination_token"]
        if not token:
            break
    assert pages == 3
    assert seen == ["eta_change"] * 5 + ["started", "assigned"]


def test_retries_show_in_get_order_webhooks(mock, receiver):
    mock.set_webhook(receiver.url, timeout_ms=2000, retry_delay_ms=20)
    receiver.answer_with(500)
    mock.track("o-1")
    mock.drain()
    assert [(w["delivery_http_status"], w["retry_count"]) for w in mock.webhook_page("o-1")["webhooks"]] == [
        (200, 1), (200, 1)]


@pytest.mark.parametrize("params, field", [
    ({"value": "landed"}, "value"), ({"limit": "0"}, "limit"), ({"sort_direction": "up"}, "sort_direction"),
    ({"from_time": "yesterday"}, "from_time"), ({"pagination_token": "%%%"}, "pagination_token"),
])
def test_get_order_webhooks_refuses_a_bad_query(mock, receiver, params, field):
    mock.set_webhook(receiver.url, **FAST)
    mock.track("o-1")
    response = mock.call("GET", "/orders/o-1/webhooks", **params)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]["query"]


def test_get_order_webhooks_of_an_unknown_order_is_a_404(mock):
    response = mock.call("GET", "/orders/o-404/webhooks")
    assert response.status_code == 404
    assert response.json() == {"detail": {}, "message": "Order not found"}
    assert requests.get(mock.url + "/orders/o-404/webhooks", timeout=10).status_code == 401


# --- scenarios, the inbox, many at once ------------------------------------------------------------

def test_a_scenario_declares_the_receiver(mock, receiver):
    scenario = {"ops_groups": [{"ops_group_handle": "SAN_JOSE_WH"}],
                "workers": [{"worker_handle": "james@ht.com", "device_ids": ["JAMES-PHONE"]}],
                "webhook": {"url": receiver.url, "secret": "whsec-2", "retry_delay_ms": 10}}
    mock.load_scenario(scenario)
    assert mock._control("GET", "webhook")["webhook"]["url"] == receiver.url
    assert mock.state()["webhook"] == {"url": receiver.url, "secret": "whsec-2", "content_type": "application/json",
                                       "timeout_ms": 10000, "retries": 3, "retry_delay_ms": 10}
    mock.track("o-1")
    delivery = receiver.wait_for(value="started", type="order") and receiver.deliveries()[0]
    assert delivery.events[0]["device_id"] == "JAMES-PHONE"
    assert delivery.headers["x-hypertrack-signature"] == hmac.new(
        b"whsec-2", delivery.body, hashlib.sha256).hexdigest()
    bad = mock.session.post(mock.url + "/__mock/scenarios", json={"webhook": {"inbox": "x"}}, timeout=10)
    assert bad.status_code == 422 and "webhook" in bad.text


def test_the_inbox_receives_and_answers_as_scripted(mock):
    mock.set_webhook(inbox="acme-box", timeout_ms=2000, retry_delay_ms=10)
    assert mock._control("PUT", "inbox/acme-box", json={"answers": [500]}) == {"answers": [500]}
    mock.track("o-1")
    mock.drain()
    received = mock._control("GET", "inbox/acme-box")["deliveries"]
    assert [entry["status"] for entry in received] == [500, 200]
    assert received[0]["headers"]["X-Amz-Sns-Message-Id"] == received[1]["headers"]["X-Amz-Sns-Message-Id"]
    assert [event["data"]["value"] for event in received[1]["json"]] == ["created", "started", "assigned", "started"]
    bad = mock.session.put(mock.url + "/__mock/inbox/acme-box", json={"answers": [99]}, timeout=10)
    assert bad.status_code == 422


def test_concurrent_calls_lose_and_duplicate_no_event(served, receiver):
    tenants = [Tenant(served.url, f"t{i}", "s", served.server) for i in range(4)]
    for tenant in tenants:
        tenant.set_webhook(receiver.url, **FAST)

    def work(tenant):
        for n in range(10):
            tenant.add_worker(f"{tenant.account_id}-w{n}", ops_group_handle="SAN_JOSE_WH")
            tenant.track(f"{tenant.account_id}-o{n}", worker=f"{tenant.account_id}-w{n}")

    threads = [threading.Thread(target=work, args=(tenant,)) for tenant in tenants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for tenant in tenants:
        tenant.drain()
    started = [(e["account_id"], e["data"]["order_handle"]) for e in receiver.events(type="order", value="started")]
    assert sorted(started) == sorted((f"t{i}", f"t{i}-o{n}") for i in range(4) for n in range(10))


def test_the_server_wide_drain_waits_for_every_tenant(served, receiver):
    alice = Tenant(served.url, "alice", "a", served.server)
    alice.set_webhook(receiver.url, **FAST)
    alice.track("a-1")
    response = requests.post(served.url + "/__mock/webhooks/drain", json={}, timeout=10)
    assert response.status_code == 200 and response.json() == {"pending": 0, "tenant": None}
    assert receiver.events(order_handle="a-1", value="started")
