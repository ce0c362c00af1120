"""How to: test the code that reacts to HyperTrack's webhooks (an order completed, a driver arrived).

``hypertrack_webhooks`` is a receiver already set as your tenant's webhook: the mock delivers to it
what HyperTrack would deliver to your endpoint (a POST whose body is a JSON array of events, SNS's
headers, ``x-hypertrack-signature``).  In-process it is a local HTTP server; against the container it is
the mock's own inbox, so the same test runs both ways.  Here the receiver's deliveries are handed to
``handle_webhook``, which stands for your endpoint's code.
"""
import requests

BODY = {"track_mode": "on_time", "worker_handle": "james@ht.com",
        "orders": [{"order_handle": "order-1", "destination": {"geometry": {"coordinates": [-121.88, 37.33]}},
                    "metadata": {"customer_id": "c-42"}}]}


def handle_webhook(events, database):
    """Stands for your endpoint: HyperTrack sends an array, possibly out of order, possibly twice."""
    for event in sorted(events, key=lambda e: e["recorded_at"]):
        if event["type"] != "order":
            continue
        order = database.setdefault(event["data"]["order_handle"], {"notified": []})
        order["status"] = event["data"]["status"]
        if event["data"]["value"] == "arrived" and "arrived" not in order["notified"]:
            order["notified"].append("arrived")  # text the customer once, even if the event comes again


def test_the_order_is_marked_completed_when_its_webhook_arrives(hypertrack_mock, hypertrack_webhooks):
    auth = hypertrack_mock.auth
    assert requests.post(f"{hypertrack_mock.url}/orders/track", json=BODY, auth=auth, timeout=10).status_code == 201
    hypertrack_mock.emit("order-1", "arrived")  # only a phone causes this one: the control plane stands in
    assert requests.post(f"{hypertrack_mock.url}/orders/order-1/complete", auth=auth, timeout=10).status_code == 200

    completed = hypertrack_webhooks.wait_for(value="completed", order_handle="order-1", timeout=10)
    database = {}
    for delivery in hypertrack_webhooks.deliveries():
        handle_webhook(delivery.events, database)

    assert completed["data"]["metadata"] == {"customer_id": "c-42"}
    assert database == {"order-1": {"status": "completed", "notified": ["arrived"]}}


def test_a_receiver_that_fails_gets_the_same_message_again(hypertrack_mock, hypertrack_webhooks):
    hypertrack_webhooks.answer_with(503, 503)  # your endpoint is down for two deliveries

    requests.post(f"{hypertrack_mock.url}/orders/track", json=BODY, auth=hypertrack_mock.auth, timeout=10)
    hypertrack_mock.drain()  # returns once nothing is left to deliver or retry

    deliveries = hypertrack_webhooks.deliveries()
    assert [d.status for d in deliveries] == [503, 503, 200]
    assert len({d.message_id for d in deliveries}) == 1  # dedupe on x-amz-sns-message-id
