"""How to: plan a route with HyperTrack's Batch and Sequence Orders, move an order before it starts,
start the route by its handle, and list the workers (no scenario needed)."""
import requests


def call(mock, method, path, body=None, **params):
    response = requests.request(method, mock.url + path, json=body, params=params, auth=mock.auth, timeout=10)
    return response.status_code, response.json()


def test_a_planned_route_is_changed_then_tracked(hypertrack_mock):
    order = {"order_handle": "order-1", "scheduled_at": "2023-11-02T02:00:00Z",
             "destination": {"geometry": {"type": "Point", "coordinates": [-121.88, 37.33]}}}
    status, route = call(hypertrack_mock, "POST", "/orders/", {"plan_mode": "manual", "worker_handle": "james@ht.com",
                                                               "orders": [order]})
    assert (status, route["status"], route["orders"][0]["status"]) == (201, "assigned", "assigned")

    moved = {"address": "1710 Old Oakland Rd, San Jose, CA 95131",
             "geometry": {"type": "Point", "coordinates": [-121.8970798, 37.3838274]}}
    status, updated = call(hypertrack_mock, "PATCH", "/orders/order-1", {"destination": moved})
    assert (status, updated["destination"]) == (200, dict(moved, radius=100))

    status, tracked = call(hypertrack_mock, "POST", "/orders/track",
                           {"track_mode": "on_time", "route_handle": route["route_handle"]})
    assert (status, tracked["status"], tracked["orders"][0]["destination"]["address"]) == (
        201, "tracking", moved["address"])

    status, refused = call(hypertrack_mock, "PATCH", "/orders/order-1", {"destination": moved})
    assert (status, list(refused["detail"]["json"])) == (422, ["destination"])


def test_workers_are_listed_a_page_at_a_time(hypertrack_mock):
    hypertrack_mock.add_worker("ana@ht.com", device_ids=["ANA-PHONE"])

    status, first = call(hypertrack_mock, "GET", "/workers/", limit=1)
    status, second = call(hypertrack_mock, "GET", "/workers/", limit=1, pagination_token=first["pagination_token"])

    assert [w["worker_handle"] for w in first["workers"] + second["workers"]] == ["ana@ht.com", "james@ht.com"]
