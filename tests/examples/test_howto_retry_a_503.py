"""How to: make HyperTrack fail the way production does, and check that your code retries."""
import time

import requests

BODY = {"track_mode": "on_time", "worker_handle": "james@ht.com",
        "orders": [{"order_handle": "order-1", "destination": {"geometry": {"coordinates": [-121.88, 37.33]}}}]}


def track_with_retries(base_url, auth, body, attempts=3):
    """Stands for your code: it retries 5xx answers and dropped connections."""
    for attempt in range(attempts):
        try:
            response = requests.post(f"{base_url}/orders/track", json=body, auth=auth, timeout=10)
        except requests.ConnectionError:
            response = None
        if response is not None and response.status_code < 500:
            return response
        time.sleep(0.01 * attempt)
    return response


def test_a_503_is_retried(hypertrack_mock):
    hypertrack_mock.add_fault(method="POST", path="/orders/track", status=503, times=1)

    response = track_with_retries(hypertrack_mock.url, hypertrack_mock.auth, BODY)

    assert response.status_code == 201
    assert [r["status"] for r in hypertrack_mock.requests()] == [503, 201]


def test_a_dropped_connection_is_retried(hypertrack_mock):
    hypertrack_mock.add_fault(path="/orders/track", drop_connection="reset", times=1)

    response = track_with_retries(hypertrack_mock.url, hypertrack_mock.auth, BODY)

    assert response.status_code == 201
    assert [r["status"] for r in hypertrack_mock.requests()] == [None, 201]  # None: the dropped one
