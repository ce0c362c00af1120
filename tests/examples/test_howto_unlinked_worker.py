"""How to: set up a worker whose phone is not linked yet, by helper or by shipped scenario."""
import pytest
import requests

NOT_LINKED = {"code": "driver_not_linked_to_device", "title": "Worker needs to be linked to a device first",
              "detail": {"description": "The worker is not yet linked to a device"}}


def track(mock, worker_handle):
    body = {"track_mode": "on_time", "worker_handle": worker_handle,
            "orders": [{"order_handle": "order-1", "destination": {"geometry": {"coordinates": [-121.88, 37.33]}}}]}
    return requests.post(mock.url + "/orders/track", json=body, auth=mock.auth, timeout=10)


def test_a_worker_without_a_device_cannot_be_tracked(hypertrack_mock):
    hypertrack_mock.add_worker("new-hire@ht.com", device_ids=[])

    response = track(hypertrack_mock, "new-hire@ht.com")

    assert (response.status_code, response.json()) == (400, NOT_LINKED)


def test_linking_a_device_makes_the_worker_trackable(hypertrack_mock):
    hypertrack_mock.add_worker("new-hire@ht.com", device_ids=["NEW-HIRE-PHONE"])

    response = track(hypertrack_mock, "new-hire@ht.com")

    assert (response.status_code, response.json()["device_id"]) == (201, "NEW-HIRE-PHONE")


@pytest.mark.hypertrack_scenario("worker_not_linked")
def test_the_shipped_scenario_does_the_same(hypertrack_mock):
    response = track(hypertrack_mock, "james@ht.com")

    assert (response.status_code, response.json()) == (400, NOT_LINKED)
