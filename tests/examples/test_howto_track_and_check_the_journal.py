"""How to: call the mock as your code would, then check what your code sent.

The journal keeps every request of this test's tenant, with its JSON body and the answer it got.
"""
import requests

ORDER = {"order_handle": "order-1", "type": "drop",
         "destination": {"geometry": {"type": "Point", "coordinates": [-121.88, 37.33]}}}


def dispatch(base_url, auth, worker_handle, orders):
    """Stands for your code: it tracks orders for a worker."""
    body = {"track_mode": "on_time", "worker_handle": worker_handle, "orders": orders}
    return requests.post(f"{base_url}/orders/track", json=body, auth=auth, timeout=10)


def test_dispatch_sends_what_hypertrack_expects(hypertrack_mock):
    response = dispatch(hypertrack_mock.url, hypertrack_mock.auth, "james@ht.com", [ORDER])

    assert response.status_code == 201
    sent, = hypertrack_mock.requests(method="POST", path="/orders/track")
    assert sent["body"] == {"track_mode": "on_time", "worker_handle": "james@ht.com", "orders": [ORDER]}
    assert sent["headers"]["Authorization"] == "Basic [redacted]"
    assert sent["response"]["orders"][0]["share_url"].startswith("https://trck.at/")
