"""The tenant's parts: the records that travel between them are named, and read the same from JSON; a
discarded tenant's parts are taken apart a slice at a time."""
from __future__ import annotations

import time

import orjson

from mockserver.models.journal import ENTRY_OVERHEAD, HEADER_OVERHEAD, Entry
from mockserver.models.outbox import OrderNote, RouteNote, TrackNote, event, events, plain
from mockserver.models.reaper import LARGE, Reaper
from mockserver.models.tenant import Tenant

POINT = {"type": "Point", "coordinates": [-122.4, 37.8]}


def tracked() -> Tenant:
    """A tenant with a receiver (never reached: nothing here delivers) and one route tracked."""
    tenant = Tenant("acme", 1)
    tenant.add_worker({"worker_handle": "w1", "device_ids": ["D1"]})
    tenant.set_webhook({"url": "http://127.0.0.1:9/hook"})
    tenant.track_orders({"worker_handle": "w1", "track_mode": "on_time", "route": {"route_handle": "r1"},
                         "orders": [{"order_handle": "o1", "destination": {"geometry": POINT}}]})
    return tenant


def test_a_track_notes_one_named_record_of_its_route_and_orders():
    [track] = tracked().take_outbox()

    assert type(track) is TrackNote and track.kind == "track" and track.created is True
    assert (track.route.route_handle, track.route.device_id, track.route.worker_handle) == ("r1", "D1", "w1")
    assert [(o.order_handle, o.route_handle, o.status) for o in track.orders] == [("o1", "r1", "ongoing")]


def test_records_are_written_as_the_json_arrays_they_were_and_read_back_as_the_same_events():
    tenant = tracked()
    tenant.finish_order("o1", "completed")
    records = tenant.take_outbox()
    [track, completed_order, completed_route] = records

    written = orjson.loads(orjson.dumps(records, default=plain))

    assert type(completed_order) is OrderNote and type(completed_route) is RouteNote
    assert written == [["track", track.recorded_at, track.created_at, True, list(track.route),
                        [list(order) for order in track.orders]],
                       list(completed_order), list(completed_route)]
    assert written[1][:2] == ["order", "completed"] and written[2][:2] == ["route", "completed"]
    assert events(written, "acme") == events(records, "acme")
    assert [(e["type"], e["data"]["value"]) for e in events(records, "acme")] == [
        ("route", "created"), ("route", "started"), ("order", "assigned"), ("order", "started"),
        ("order", "completed"), ("route", "completed")]
    assert event(tuple(completed_order), "acme") == event(completed_order, "acme")


def test_a_journal_entry_is_a_named_tuple_that_reckons_its_id_and_size():
    headers = [("host", "127.0.0.1"), ("accept", "*/*")]
    first = Entry(1.5, "acme", "GET", "/orders/o1", "a=1", headers, b"", 404, b'{"x":1}', None, None, 0.25)
    second = Entry(1.5, "acme", "GET", "/orders/o1", "a=1", headers, None, None, None, "dropped", None, 0.25)

    assert isinstance(first, tuple) and second.id == first.id + 1
    assert first._asdict() == {
        "id": first.id, "received_at": 1.5, "tenant": "acme", "method": "GET", "path": "/orders/o1", "query": "a=1",
        "headers": headers, "body": b"", "status": 404, "response": b'{"x":1}', "reason": None, "fault": None,
        "duration_ms": 0.25, "ignored": (),
        "size": ENTRY_OVERHEAD + len("/orders/o1") + len("a=1") + len(b'{"x":1}') + 2 * HEADER_OVERHEAD + 4 + 9 + 6 + 3}
    assert second.matches(status="dropped") and not first.matches(status="2xx") and first.matches(path="/orders/*")


def test_the_reaper_takes_a_discarded_tenants_parts_apart_in_the_background():
    tenant = tracked()
    for n in range(LARGE):
        tenant.add_worker({"worker_handle": f"w-{n}", "device_ids": [f"D-{n}"]})
    reaper = Reaper()
    reaper.GRACE_SECONDS = 0
    assert tenant.own_entries() > LARGE

    reaper.discard([tenant])
    deadline = time.monotonic() + 30
    while tenant.own_entries() and time.monotonic() < deadline:
        time.sleep(0.01)

    assert (tenant.own_entries(), len(tenant.workers), len(tenant.devices), len(tenant.routes)) == (0, 0, 0, 0)
