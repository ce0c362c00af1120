"""Order timelines as HyperTrack sends them: its examples' event types, with its examples' fields, in its
examples' order (issue 15).  The conformance check judges every timeline as published (oneOf); this
test pins what the open catch-all those events fall under does not: the fields of each kind."""
from __future__ import annotations

from conftest import FROZEN_AT, seed_request

from contract.reference import published

T0 = "2023-11-01T22:47:53.512Z"
T1 = "2023-11-01T22:57:53.512Z"
OPERATIONS = [("/orders/{order_handle}", "get"), ("/orders/{order_handle}/complete", "post"),
              ("/orders/{order_handle}/cancel", "post")]


def example_fields() -> dict[str, set]:
    """For each event type of HyperTrack's examples of the three operations, the fields it carries."""
    spec = published()
    fields: dict[str, set] = {}
    for path, method in OPERATIONS:
        example = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["example"]
        for event in example["timeline"]:
            fields.setdefault(event["type"], set()).update(event)
    return fields


def test_every_event_the_mock_writes_carries_exactly_the_fields_of_hypertracks_examples(api, frozen):
    api.load_scenario("route_planned")
    api.track({"track_mode": "on_time", "route_handle": "7ac07153-5590-46c5-9ada-a6ca84f5b48f"})
    api.call("POST", "/orders/planned-order-1/complete")
    api.call("POST", "/orders/planned-order-2/cancel")
    events = [event for handle in ("planned-order-1", "planned-order-2")
              for event in api.call("GET", f"/orders/{handle}")[1]["timeline"]]
    examples = example_fields()

    assert {event["type"] for event in events} == {"order_created", "order_planned", "order_assigned",
                                                   "order_started", "order_completed", "order_cancelled"}
    for event in events:
        assert set(event) == examples[event["type"]], event["type"]


def test_a_tracked_and_completed_order_has_the_timeline_of_hypertracks_example(api, backend):
    backend.tenant("acme").clock.freeze(FROZEN_AT)
    body = seed_request()
    body["orders"][0]["metadata"] = {"customerID": "12654"}
    status, route = api.track(body)
    backend.tenant("acme").clock.advance(600)

    status, done = api.call("POST", "/orders/order-1/complete")

    assert status == 200
    handle = route["route_handle"]
    assert done["timeline"] == [
        {"type": "order_created", "recorded_at": T0, "order_handle": "order-1", "metadata": {"customerID": "12654"}},
        {"type": "order_assigned", "recorded_at": T0, "order_handle": "order-1", "driver_handle": "james@ht.com",
         "fulfillment_attempt": 0},
        {"type": "order_started", "recorded_at": T0, "order_handle": "order-1", "route_handle": handle,
         "order_type": "pick", "fulfillment_attempt": 0},
        {"type": "order_completed", "recorded_at": T1, "order_handle": "order-1", "route_handle": handle,
         "order_type": "pick"},
    ]


def test_the_examples_types_are_the_ones_the_mock_documents(client):
    documented = client.get("/openapi.json").get_json()["components"]["schemas"]["TimelineEvent"]

    assert set(documented["properties"]["type"]["enum"]) <= set(example_fields())
