"""How to: pin the time, so the timestamps HyperTrack writes are ones your test can predict."""
from datetime import datetime, timezone

import requests

BODY = {"track_mode": "on_time", "worker_handle": "james@ht.com",
        "orders": [{"order_handle": "order-1", "destination": {"geometry": {"coordinates": [-121.88, 37.33]}}}]}


def test_timestamps_come_from_the_frozen_clock(hypertrack_mock):
    hypertrack_mock.freeze_clock(datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc))
    tracked = requests.post(hypertrack_mock.url + "/orders/track", json=BODY, auth=hypertrack_mock.auth).json()

    hypertrack_mock.advance_clock(45 * 60)
    completed = requests.post(hypertrack_mock.url + "/orders/order-1/complete", auth=hypertrack_mock.auth).json()

    assert tracked["created_at"] == "2024-03-01T09:30:00.000Z"
    assert completed["completed_at"] == "2024-03-01T10:15:00.000Z"
