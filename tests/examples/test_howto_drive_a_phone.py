"""How to: test what depends on the driver's phone (ETAs, "5 minutes away" texts, arrivals), with time
under your test's control.

``hypertrack_mock.phone(worker, **changes)`` sets the worker's simulated phone (where it is, driving or
parked, its speed); it then drives the worker's tracking route in straight lines at that speed, arrives
when it enters each destination's area, stays the order's service time and drives on.  On a frozen
clock nothing moves until you advance it, and one advance produces every event in between at its own
instant.  Here ``send_texts`` stands for your backend's code that texts the customer.
"""
from datetime import datetime, timezone

import requests

START = datetime(2024, 3, 1, 14, 0, tzinfo=timezone.utc)
STOP_1, STOP_2 = [-121.88, 37.33], [-121.88, 37.36]  # about 3.3 km apart, due north
BODY = {"track_mode": "on_time", "worker_handle": "james@ht.com", "orders": [
    {"order_handle": "order-1", "destination": {"geometry": {"type": "Point", "coordinates": STOP_1}, "radius": 50}},
    {"order_handle": "order-2", "destination": {"geometry": {"type": "Point", "coordinates": STOP_2}, "radius": 50}}]}


def send_texts(events, sent):
    """Stands for your backend: one "5 minutes away" text per order, however often the event comes."""
    for event in events:
        if event["type"] == "order" and event["data"]["value"] == "n_minutes_away":
            text = (event["data"]["order_handle"], f"{event['data']['remaining_minutes']} minutes away")
            if text not in sent:
                sent.append(text)


def test_james_drives_arrives_and_the_customer_is_texted_once(hypertrack_mock, hypertrack_webhooks):
    hypertrack_mock.freeze_clock(START)
    assert requests.post(f"{hypertrack_mock.url}/orders/track", json=BODY, auth=hypertrack_mock.auth,
                         timeout=10).status_code == 201
    hypertrack_mock.phone("james@ht.com", driving=True, speed_kmh=36)  # starts 1,000 m south of order-1

    hypertrack_mock.advance_clock(5 * 60)

    def order(handle):
        return requests.get(f"{hypertrack_mock.url}/orders/{handle}", auth=hypertrack_mock.auth, timeout=10).json()
    assert order("order-1")["arrived_at"] == "2024-03-01T14:01:35.000Z"  # 950 m at 10 m/s
    assert order("order-2")["estimate"]["arrive_at"] == "2024-03-01T14:08:03.596Z"  # a 60 s stay, then 3.2 km
    hypertrack_mock.drain()
    sent = []
    for delivery in hypertrack_webhooks.deliveries():
        send_texts(delivery.events, sent)
    assert sent == [("order-1", "5 minutes away"), ("order-2", "5 minutes away")]
