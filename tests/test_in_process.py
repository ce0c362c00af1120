"""The tests' in-process client (``client.InProcess``): the mock's pipeline without HTTP, every answer still
judged against HyperTrack's spec, and what the server waits out waited out the same way."""
from __future__ import annotations

import socket

import conformance
import pytest
import requests
from conftest import basic, seed_request

from mockserver.testing import WebhookReceiver
from mockserver.web.exchange import Answer


def test_the_in_process_client_opens_no_connection(app, monkeypatch):
    def refuse(sock, address):
        raise AssertionError(f"a connection to {address} was opened")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    client = app.test_client()

    assert client.post("/orders/track", json=seed_request(), headers=basic()).status_code == 201
    assert client.get("/__mock/requests", headers=basic()).get_json()["requests"][0]["status"] == 201


@pytest.mark.parametrize("make_client", ["test_client", "http_client"])
def test_an_answer_that_breaks_the_spec_fails_the_test_in_process_as_over_http(app, monkeypatch, make_client):
    client = getattr(app, make_client)()
    invented = Answer(200, [("Content-Type", "application/json")], b'{"order_handle": "x", "invented": 1}')
    monkeypatch.setattr(app.mock, "pipeline", lambda request: invented)

    with pytest.raises(conformance.NotConformant, match="invented"):
        client.get("/orders/x", headers=basic())


def test_a_faults_delay_is_waited_out_then_the_request_carried_out(app):
    client = app.test_client()
    client.post("/__mock/faults", json={"method": "GET", "path": "/orders/x", "delay_ms": 50}, headers=basic())

    answer = client.get("/orders/x", headers=basic())

    assert (answer.status_code, answer.get_json()) == (404, {"detail": {}, "message": "Order not found"})
    [journaled] = client.get("/__mock/requests", headers=basic()).get_json()["requests"]
    assert (journaled["path"], journaled["status"]) == ("/orders/x", 404)


def test_a_dropped_connection_is_a_connection_error(app):
    client = app.test_client()
    client.post("/__mock/faults", json={"path": "/orders/x", "drop_connection": "empty"}, headers=basic())

    with pytest.raises(requests.ConnectionError):
        client.get("/orders/x", headers=basic())


def test_a_drain_waits_for_the_deliveries_and_answers_at_its_timeout_or_once_they_end(app):
    client = app.test_client()
    receiver = WebhookReceiver()
    try:
        receiver.hold()
        client.put("/__mock/webhook", json={"url": receiver.url, "timeout_ms": 5000}, headers=basic())
        assert client.post("/orders/track", json=seed_request(), headers=basic()).status_code == 201
        drain = {"timeout_ms": 100}

        timed_out = client.post("/__mock/webhooks/drain", json=drain, headers=basic())
        receiver.release()
        drained = client.post("/__mock/webhooks/drain", json={"timeout_ms": 10_000}, headers=basic())

        assert (timed_out.status_code, timed_out.get_json()["pending"]) == (408, 1)
        assert (drained.status_code, drained.get_json()) == (200, {"pending": 0, "tenant": "acme"})
        assert len(receiver.deliveries()) == 1
    finally:
        receiver.close()
