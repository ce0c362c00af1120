"""Issue 24: the phone (CONTRACT §9), moving with the tenant's clock, seen through HTTP: Get Order, Get
Route, Get Worker, the timeline and the webhooks carry the same instants.

Every data-plane answer is checked against HyperTrack's spec by the test client (``conftest``); the
instants expected here are worked out from the contract's rules (36 km/h is 10 m/s; a Point's area is
its radius; the stay is the order's service time, else the phone's 60 s dwell).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import conformance
import pytest
import requests
import test_webhooks
from test_webhooks import FAST, Tenant

from mockserver.models import geo
from mockserver.models.clock import isoformat

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
JAMES = "james@ht.com"
STOP_1 = [-121.9, 37.3]
STOP_2 = geo.south_of(STOP_1, -2000)  # 2,000 m due north of stop 1: 2,000 m from edge to edge


def at(seconds: float) -> str:
    return isoformat(T0 + timedelta(seconds=seconds))


def destination(point, radius=50):
    return {"geometry": {"type": "Point", "coordinates": point}, "radius": radius}


def route_body(**changes):
    orders = changes.pop("orders", None) or [
        {"order_handle": "o-1", "destination": destination(STOP_1)},
        {"order_handle": "o-2", "destination": destination(STOP_2), "expected_service_time": 120}]
    return {"track_mode": "on_time", "worker_handle": JAMES, "ops_group_handle": "SAN_JOSE_WH", "orders": orders,
            **changes}


#: the served mock, a tenant of it, a webhook receiver: the fixtures of the webhook tests
served, mock, receiver = test_webhooks.served, test_webhooks.mock, test_webhooks.receiver


def get(mock, path) -> dict:
    response = mock.call("GET", path)
    assert response.status_code == 200, response.text
    return response.json()


def driving(mock, **route_changes) -> dict:
    """James, at T0 on a frozen clock, tracking o-1 then o-2, his phone driving from 1,000 m south of o-1."""
    mock.freeze_clock(T0)
    route = mock.call("POST", "/orders/track", route_body(**route_changes)).json()
    mock.phone(JAMES, driving=True)
    return route


# --- driving, arriving, staying, leaving ----------------------------------------------------------

def test_a_driving_phone_arrives_stays_and_exits_at_exact_instants(mock):
    route = driving(mock)
    first = get(mock, "/orders/o-1")
    assert first["estimate"] == {"arrive_at": at(95), "distance": 950, "duration": 95, "initial_arrive_at": at(95)}
    assert get(mock, "/orders/o-2")["estimate"] == {  # 95 s, the 60 s stay, 2,000 m more
        "arrive_at": at(355), "distance": 2950, "duration": 355, "initial_arrive_at": at(355)}

    mock.advance_clock(600)  # one advance: every event at its own instant

    o1, o2 = get(mock, "/orders/o-1"), get(mock, "/orders/o-2")
    assert (o1["arrived_at"], o1["exited_at"], o1["actual_service_time"]) == (at(95), at(155), 60)
    assert (o2["arrived_at"], o2["exited_at"], o2["actual_service_time"]) == (at(355), at(475), 120)
    assert "estimate" not in o1 and "estimate" not in o2 and o1["status"] == "ongoing"
    entered, exited = o1["timeline"][-2:]
    assert (entered["type"], entered["recorded_at"], exited["type"], exited["recorded_at"], exited["duration"]) == (
        "order_geofence_entered", at(95), "order_geofence_exited", at(155), 60)
    assert entered["location"]["geometry"]["coordinates"] == pytest.approx(geo.south_of(STOP_1, 50))
    listed = get(mock, f"/orders/routes/{route['route_handle']}")
    assert [(o["arrived_at"], o["exited_at"]) for o in listed["orders"]] == [(at(95), at(155)), (at(355), at(475))]
    assert "estimate" not in listed  # nothing left open
    phone = mock.phone(JAMES)
    assert phone["heading_to"] is None and phone["location"] == pytest.approx(geo.south_of(STOP_2, 50))


def test_estimates_and_the_route_polyline_follow_the_phone_as_the_clock_moves(mock):
    route = driving(mock)
    mock.advance_clock(30)
    assert get(mock, "/orders/o-1")["estimate"] == {
        "arrive_at": at(95), "distance": 650, "duration": 65, "initial_arrive_at": at(95)}
    detail = get(mock, f"/orders/routes/{route['route_handle']}")
    assert (detail["estimate"]["distance"], detail["estimate"]["duration"]) == (2650, 325)
    polyline = detail["estimate"]["polyline"]
    assert polyline["type"] == "LineString" and len(polyline["coordinates"]) == 3
    assert polyline["coordinates"][0] == pytest.approx(geo.south_of(STOP_1, 700))
    assert mock.phone(JAMES)["location"] == pytest.approx(geo.south_of(STOP_1, 700))
    worker = get(mock, f"/workers/{JAMES}")
    assert worker["location"]["geometry"]["coordinates"] == pytest.approx(geo.south_of(STOP_1, 700))
    assert (worker["location"]["speed"], worker["location"]["recorded_at"], worker["device_status"]) == (
        10.0, at(30), {"value": "active", "data": {"activity": "drive"}})
    assert worker["battery"] == {"battery_percent": 100, "recorded_at": at(0)}
    # Get Routes sorts by created_at: the route made on the frozen clock comes before the scenario's
    listed, = [r for r in get(mock, "/orders/routes")["routes"] if r["route_handle"] == route["route_handle"]]
    assert listed["estimate"] == {"distance": 2650, "duration": 325}
    assert listed["orders"][0]["estimate"]["arrive_at"] == at(95)


def test_each_webhook_carries_the_instant_its_rest_field_records(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    driving(mock)
    mock.advance_clock(600)
    mock.drain()
    events = [(e["data"]["value"], e["data"]["order_handle"], e["recorded_at"])
              for e in receiver.events(type="order") if e["data"]["value"] not in ("assigned", "started")]
    assert events == [
        ("first_eta", "o-1", at(0)), ("n_minutes_away", "o-1", at(0)), ("first_eta", "o-2", at(0)),
        ("n_minutes_away", "o-2", at(55)),  # 355 s away at T0: 5 minutes at 55 s
        ("arrived", "o-1", at(95)), ("exited", "o-1", at(155)), ("arrived", "o-2", at(355)),
        ("exited", "o-2", at(475))]
    arrived = receiver.events(value="arrived")[0]["data"]
    assert arrived["arrival"]["recorded_at"] == get(mock, "/orders/o-1")["arrived_at"]
    assert (arrived["initial_eta"], arrived["arrival"]["location"]["type"]) == (at(95), "Point")
    first = receiver.events(value="first_eta")[1]["data"]
    assert (first["remaining_duration"], first["remaining_distance"]) == (355, 2950)
    exited = receiver.events(value="exited")[0]["data"]
    assert (exited["exit"]["recorded_at"], exited["reason"]) == (get(mock, "/orders/o-1")["exited_at"], "location")
    page = mock.webhook_page("o-1", sort_direction="asc")["webhooks"]
    assert [w["data"]["value"] for w in page][-4:] == ["first_eta", "n_minutes_away", "arrived", "exited"]


DATA_SCHEMAS = {"first_eta": "OrderFirstEtaWebhookEventData", "eta_change": "OrderEtaChangeWebhookEventData",
                "n_minutes_away": "OrderNMinutesAwayWebhookEventData", "delayed": "OrderDelayedWebhookEventData",
                "risk_updated": "OrderRiskUpdatedWebhookEventData", "arrived": "OrderArrivedWebhookEventData",
                "exited": "OrderExitedWebhookEventData"}


def test_every_event_the_phone_sends_is_one_hypertracks_spec_describes(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    driving(mock, orders=[{"order_handle": "o-1", "destination": destination(STOP_1), "scheduled_at": at(60)},
                          {"order_handle": "o-2", "destination": destination(STOP_2), "scheduled_at": at(900)}])
    mock.phone(JAMES, battery=5)  # a risk
    mock.advance_clock(30)
    mock.phone(JAMES, speed_kmh=9)  # an eta change, and late
    mock.advance_clock(3600)
    mock.drain()
    sent = [event for event in receiver.events(type="order") if event["data"]["value"] in DATA_SCHEMAS]
    assert {event["data"]["value"] for event in sent} == set(DATA_SCHEMAS)
    for event in sent:
        conformance.check_item("OrderWebhookEvent", event)
        conformance.check_item(DATA_SCHEMAS[event["data"]["value"]], event["data"])


# --- parked, delayed, risks -------------------------------------------------------------------------

def test_a_parked_phones_estimate_slides_until_it_is_late(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    mock.freeze_clock(T0)
    body = route_body(orders=[{"order_handle": "o-1", "destination": destination(STOP_1),
                               "scheduled_at": at(200)}])
    mock.call("POST", "/orders/track", body)
    mock.phone(JAMES, location=geo.south_of(STOP_1, 1050))  # parked: 1,000 m to drive, 100 s
    assert get(mock, "/orders/o-1")["estimate"]["arrive_at"] == at(100)
    mock.advance_clock(60)
    order = get(mock, "/orders/o-1")
    assert (order["estimate"]["arrive_at"], order["estimate"]["duration"], order["risk_status"]) == (
        at(160), 100, False)
    mock.advance_clock(50)  # late from T0 + 100.001 s: arrive_at passes scheduled_at
    order = get(mock, "/orders/o-1")
    assert order["risks"] == {
        "moving_away_from_destination": "green", "is_offline": "green", "delayed_from_scheduled_at": "red",
        "deviating_from_expected_route": "green", "in_outage": "green", "moving_too_slow": "green",
        "delayed_from_initial_eta": "green", "in_low_battery": "green"}
    assert order["risk_status"] is True
    mock.drain()
    delayed = receiver.events(value="delayed")
    assert [(e["recorded_at"], e["data"]["arrive_at"], e["data"]["scheduled_at"]) for e in delayed] == [
        (at(100.001), at(200.001), at(200))]
    risk = receiver.events(value="risk_updated")[0]
    assert risk["recorded_at"] == at(100.001)
    assert risk["data"]["risks"]["delayed_from_scheduled_at"] == {
        "intensity_label": "red", "intensity_value": 1.0, "previous_intensity_label": "green"}
    assert receiver.events(value="eta_change") == []  # a parked phone's sliding estimate makes none
    mock.advance_clock(60)  # from T0 + 120 s the estimate is 120 s or more after the first (T0 + 100 s)
    assert get(mock, "/orders/o-1")["risks"]["delayed_from_initial_eta"] == "red"


def test_outage_offline_and_low_battery_are_risks_and_device_statuses(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    driving(mock)
    mock.phone(JAMES, outage="location_permissions_denied", battery=10)
    worker = get(mock, f"/workers/{JAMES}")
    assert worker["device_status"] == {"value": "inactive", "data": {"reason": "location_permissions_denied"}}
    assert worker["battery"] == {"battery_percent": 10, "recorded_at": at(0)}
    risks = get(mock, "/orders/o-1")["risks"]
    assert (risks["in_outage"], risks["in_low_battery"], risks["is_offline"]) == ("red", "red", "green")
    mock.phone(JAMES, outage=None, connected=False)
    assert get(mock, f"/workers/{JAMES}")["device_status"] == {"value": "disconnected", "data": {}}
    assert get(mock, "/orders/o-2")["risks"]["is_offline"] == "red"
    mock.drain()
    updates = [e["data"]["risks"]["in_outage"]["intensity_label"] for e in receiver.events(value="risk_updated")
               if e["data"]["order_handle"] == "o-1"]
    assert updates == ["red", "green"]


# --- changes by hand ----------------------------------------------------------------------------------

def test_moving_a_phone_in_by_hand_arrives_and_moving_it_out_exits(mock):
    driving(mock)
    mock.phone(JAMES, driving=False)
    mock.advance_clock(10)
    mock.phone(JAMES, location=STOP_2)  # o-2's area, the second stop: an arrival too
    assert get(mock, "/orders/o-2")["arrived_at"] == at(10)
    mock.advance_clock(3600)  # parked, moved in by hand: it stays
    assert "exited_at" not in get(mock, "/orders/o-2")
    mock.phone(JAMES, location=STOP_1)
    o1, o2 = get(mock, "/orders/o-1"), get(mock, "/orders/o-2")
    assert (o2["exited_at"], o2["actual_service_time"]) == (at(3610), 3600)
    assert o1["arrived_at"] == at(3610)
    assert mock.phone(JAMES)["heading_to"] is None


def test_completing_an_order_takes_it_out_of_the_drive_with_a_route_change(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    driving(mock, orders=[{"order_handle": "o-1", "destination": destination(STOP_1), "expected_service_time": 300},
                          {"order_handle": "o-2", "destination": destination(STOP_2)}])
    assert get(mock, "/orders/o-2")["estimate"]["arrive_at"] == at(95 + 300 + 200)
    mock.advance_clock(30)
    assert mock.call("POST", "/orders/o-1/complete").status_code == 200
    assert mock.phone(JAMES)["heading_to"] == "o-2"
    # from 700 m south of o-1 straight to o-2's edge (1,950 m north of it), at 10 m/s, from T0 + 30 s
    assert get(mock, "/orders/o-2")["estimate"]["arrive_at"] == at(30 + 265)
    mock.drain()
    change = receiver.events(value="eta_change")
    assert [(e["data"]["order_handle"], e["data"]["change_reason"], e["recorded_at"]) for e in change] == [
        ("o-2", "route_change", at(30))]
    mock.advance_clock(300)
    assert get(mock, "/orders/o-2")["arrived_at"] == at(295)
    assert "arrived_at" not in get(mock, "/orders/o-1")  # passing it is neither an arrival nor an exit


def test_moving_the_clock_back_keeps_what_was_recorded(mock):
    driving(mock)
    mock.advance_clock(100)
    assert get(mock, "/orders/o-1")["arrived_at"] == at(95)
    mock.advance_clock(-3600)
    assert get(mock, "/orders/o-1")["arrived_at"] == at(95)
    mock.advance_clock(60)  # the stay had 55 s left when the clock went back
    assert get(mock, "/orders/o-1")["exited_at"] == at(-3600 + 100 + 55)


def test_a_server_wide_advance_moves_the_phones_of_every_tenant(served):
    tenants = [Tenant(served.url, account, "s3cret", served.server) for account in ("acme", "globex")]
    try:
        for tenant in tenants:
            driving(tenant)
        assert requests.post(f"{served.url}/__mock/clock", json={"advance_seconds": 100},
                             timeout=10).status_code == 200  # no credentials: the whole server
        assert [get(tenant, "/orders/o-1")["arrived_at"] for tenant in tenants] == [at(95), at(95)]
    finally:
        for tenant in tenants:
            tenant.close()


def test_on_the_running_clock_the_webhooks_go_out_without_a_request(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    mock.call("POST", "/orders/track", route_body())
    mock.phone(JAMES, location=geo.south_of(STOP_1, 60), driving=True)  # 10 m from the edge: 1 s away
    arrived = receiver.wait_for(value="arrived", timeout=5)
    assert arrived["data"]["order_handle"] == "o-1"
    recorded = datetime.fromisoformat(arrived["recorded_at"].replace("Z", "+00:00"))
    delivered = datetime.fromisoformat(arrived["created_at"].replace("Z", "+00:00"))
    assert timedelta(0) <= delivered - recorded < timedelta(seconds=1)
    assert get(mock, "/orders/o-1")["arrived_at"] == arrived["recorded_at"]


# --- what does not change -------------------------------------------------------------------------------

def test_a_tenant_without_a_phone_answers_as_before(mock):
    mock.freeze_clock(T0)
    mock.call("POST", "/orders/track", route_body())
    order = get(mock, "/orders/o-1")
    assert not {"estimate", "arrived_at", "risks", "risk_status"} & order.keys()
    assert mock.backend.tenant("acme").motion.phones == {}


def test_a_slower_phone_changes_the_etas_it_moves_by_the_threshold(mock, receiver):
    mock.set_webhook(receiver.url, **FAST)
    driving(mock)
    mock.advance_clock(30)
    mock.phone(JAMES, speed_kmh=18)  # 5 m/s: o-1 65 s later (under 120 s), o-2 265 s later
    assert get(mock, "/orders/o-1")["estimate"]["arrive_at"] == at(30 + 130)
    assert get(mock, "/orders/o-2")["estimate"]["arrive_at"] == at(30 + 130 + 60 + 400)
    mock.drain()
    assert [(e["data"]["order_handle"], e["data"]["change_reason"], e["recorded_at"], e["data"]["remaining_duration"])
            for e in receiver.events(value="eta_change")] == [("o-2", "position_update", at(30), 590)]


def test_a_polygon_is_arrived_at_where_the_drive_crosses_its_edge(mock):
    mock.freeze_clock(T0)
    west, east, south, north = STOP_1[0] - 0.005, STOP_1[0] + 0.005, STOP_1[1] - 0.005, STOP_1[1] + 0.005
    square = {"geometry": {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                               [west, north], [west, south]]]}}
    mock.call("POST", "/orders/track", route_body(orders=[{"order_handle": "o-1", "destination": square}]))
    mock.phone(JAMES, driving=True)  # 1,000 m due south of the square's centre
    to_edge = 1000 - geo.distance(STOP_1, [STOP_1[0], south])  # about 444 m
    estimate = get(mock, "/orders/o-1")["estimate"]
    assert estimate["distance"] == round(to_edge)
    mock.advance_clock(60)
    order = get(mock, "/orders/o-1")
    arrived = datetime.fromisoformat(order["arrived_at"].replace("Z", "+00:00"))
    assert abs((arrived - T0).total_seconds() - to_edge / 10) < 0.002
    assert order["timeline"][-1]["location"]["geometry"]["coordinates"] == pytest.approx([STOP_1[0], south])
