"""How to: test what depends on the driver's phone (an ETA, a "5 minutes away" text, an arrival) on a clock
your test moves.

HyperTrack learns these from its SDK on the worker's phone; the mock simulates the phone.
``hypertrack_mock.phone(worker, **changes)`` sets it (here James drives at 36 km/h, 10 m/s, from 3 km
south of his first stop, in straight lines), and each ``advance_clock`` produces every arrival, exit
and estimate in between at its own instant.  Get Order shows them, and the webhooks carry the same
instants.
"""
import math

import requests

EARTH_RADIUS = 6_371_008.8
STOP_1 = [-121.8863, 37.3382]
STOP_2 = [STOP_1[0], STOP_1[1] + math.degrees(2000 / EARTH_RADIUS)]  # 2 km due north of the first
START = [STOP_1[0], STOP_1[1] - math.degrees(3000 / EARTH_RADIUS)]  # 3 km due south of it
BODY = {"track_mode": "on_time", "worker_handle": "james@ht.com",
        "orders": [{"order_handle": handle, "destination": {"geometry": {"coordinates": stop}, "radius": 50}}
                   for handle, stop in (("order-1", STOP_1), ("order-2", STOP_2))]}


def texts_to_send(events):
    """Stands for your backend: one "5 minutes away" text per order, however often the event comes."""
    texted = {}
    for event in sorted(events, key=lambda e: e["recorded_at"]):
        if event["type"] == "order" and event["data"]["value"] == "n_minutes_away":
            texted.setdefault(event["data"]["order_handle"], event["recorded_at"])
    return texted


def test_james_drives_his_route_on_the_clock(hypertrack_mock, hypertrack_webhooks):
    url, auth = hypertrack_mock.url, hypertrack_mock.auth
    hypertrack_mock.freeze_clock("2024-03-01T09:00:00Z")
    assert requests.post(f"{url}/orders/track", json=BODY, auth=auth, timeout=10).status_code == 201

    phone = hypertrack_mock.phone("james@ht.com", location=START, speed_kmh=36, driving=True)
    hypertrack_mock.advance_clock(7 * 60)  # to 09:07

    order_1 = requests.get(f"{url}/orders/order-1", auth=auth, timeout=10).json()
    order_2 = requests.get(f"{url}/orders/order-2", auth=auth, timeout=10).json()
    assert phone["heading_to"] == "order-1"
    # 2,950 m to the edge of its 50 m circle: 295 s; then the default 60 s stay
    assert (order_1["arrived_at"], order_1["exited_at"]) == ("2024-03-01T09:04:55.000Z", "2024-03-01T09:05:55.000Z")
    # then 2,000 m more: 200 s
    assert order_2.get("arrived_at") is None  # not yet
    assert (order_2["estimate"]["arrive_at"], order_2["estimate"]["duration"]) == ("2024-03-01T09:09:15.000Z", 135)

    hypertrack_mock.drain()
    assert texts_to_send(hypertrack_webhooks.events()) == {
        "order-1": "2024-03-01T09:00:00.000Z",  # its first estimate, 295 s, was within 5 minutes already
        "order-2": "2024-03-01T09:04:15.000Z",  # 555 s away at first: 300 s left 255 s later
    }
