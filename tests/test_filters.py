"""Issue 25, item 1: Get Orders, Get Routes and Get Workers filter as HyperTrack's spec describes each
parameter, and what the mock does not apply is never silent (CONTRACT §10).

The world: two ops groups either side of the date line (Los Angeles, UTC-8 in March 2025; Tokyo, UTC+9)
and the default one (UTC), a worker in each of the first two, and four orders made on a frozen clock:

    order  worker  ops group  scheduled_at (UTC)  local                created_at (UTC)
    o-1    ana     LA         2025-03-04 07:00    2025-03-03 23:00     2025-03-04 06:30
    o-2    ana     LA         2025-03-04 20:00    2025-03-04 12:00     2025-03-04 06:30
    o-3    bo      TOKYO      2025-03-03 20:00    2025-03-04 05:00     2025-03-04 07:30
    o-4    none    default    2025-03-04 12:00    2025-03-04 12:00     2025-03-04 08:30  (unplanned)

then o-1 and o-3 completed at 2025-03-04 09:30 UTC.
"""
from __future__ import annotations

import json

import pytest
import requests
from conftest import Api, make_app

from mockserver.cli import parser
from mockserver.config import load_settings
from mockserver.models.journal import IGNORED_NAME_OVERHEAD
from mockserver.web.pipeline import NOT_APPLIED, UNKNOWN

T0 = "2025-03-04T06:30:00.000Z"
SAN_JOSE = [-121.8863, 37.3382]   # geohash 9q9kd...
SAN_JOSE_2 = [-121.8655, 37.3297]
TOKYO = [139.6917, 35.6895]       # geohash xn774...
PARIS = [2.3522, 48.8566]         # geohash u09tv...
WORLD = {
    "description": "filters",
    "ops_groups": [{"ops_group_handle": "LA", "ops_group_label": "Los Angeles", "timezone": "America/Los_Angeles"},
                   {"ops_group_handle": "TOKYO", "ops_group_label": "Tokyo", "timezone": "Asia/Tokyo"}],
    "workers": [{"worker_handle": "ana", "name": "Ana Lima", "ops_group_handle": "LA", "device_ids": ["A-1"],
                 "profile": {"team": "north", "skills": {"van": True}}},
                {"worker_handle": "bo", "name": "Bo Chen", "ops_group_handle": "TOKYO", "device_ids": ["B-1"],
                 "profile": {"team": "south"}}],
    "places": [{"place_handle": "store-1", "geometry": {"type": "Point", "coordinates": SAN_JOSE}, "radius": 50}],
}


def point(coordinates, radius=50):
    return {"geometry": {"type": "Point", "coordinates": coordinates}, "radius": radius}


def clock(api, **body):
    status, answer = api.call("POST", "/__mock/clock", body)
    assert status == 200, answer


@pytest.fixture
def world(api):
    """The world of the module's docstring, in the tenant ``acme``."""
    clock(api, frozen_at=T0)
    api.load_scenario(WORLD)
    clock(api, frozen_at=T0)
    assert api.track({"track_mode": "on_time", "worker_handle": "ana", "ops_group_handle": "LA",
                      "route": {"route_handle": "r-1", "metadata": {"shift": "am"}},
                      "orders": [{"order_handle": "o-1", "destination": {"place_handle": "store-1"},
                                  "scheduled_at": "2025-03-04T07:00:00Z",
                                  "metadata": {"zone": "north", "customer": {"tier": "gold"}}},
                                 {"order_handle": "o-2", "destination": point(SAN_JOSE_2),
                                  "scheduled_at": "2025-03-04T20:00:00Z", "metadata": {"zone": "south"}}]})[0] == 201
    clock(api, advance_seconds=3600)
    assert api.track({"track_mode": "on_time", "worker_handle": "bo", "ops_group_handle": "TOKYO",
                      "route": {"route_handle": "r-2", "metadata": {"shift": "pm"}},
                      "orders": [{"order_handle": "o-3", "destination": point(TOKYO),
                                  "scheduled_at": "2025-03-03T20:00:00Z", "metadata": {"zone": "north"}}]})[0] == 201
    clock(api, advance_seconds=3600)
    assert api.call("POST", "/orders/", {"plan_mode": "manual", "orders": [
        {"order_handle": "o-4", "destination": point(PARIS), "scheduled_at": "2025-03-04T12:00:00Z"}]})[0] == 201
    clock(api, advance_seconds=3600)
    for handle in ("o-1", "o-3"):
        assert api.call("POST", f"/orders/{handle}/complete")[0] == 200
    return api


def listing(api, path="/orders/", key="orders", **query) -> list[str]:
    """The handles a listing gives for ``query`` (every page of it)."""
    handles, token = [], None
    while True:
        status, body = api.call("GET", path, query_string=dict(query, **({"pagination_token": token} if token else {})))
        assert status == 200, body
        handles += [item[{"orders": "order_handle", "routes": "route_handle", "workers": "worker_handle"}[key]]
                    for item in body[key]]
        token = body.get("pagination_token")
        if not token:
            return handles


# --- Get Orders -----------------------------------------------------------------------------------

def test_hypertracks_close_out_example_lists_the_days_completed_orders_only(world):
    everything = {order["order_handle"]: order for order in world.call("GET", "/orders/")[1]["orders"]}

    status, body = world.call("GET", "/orders/", query_string={"status": "completed",
                                                                "scheduled_at_date": "2025-03-04"})

    assert (status, body) == (200, {"orders": [everything["o-1"]], "pagination_token": None})
    assert everything["o-1"]["status"] == "completed" and everything["o-1"]["scheduled_at"].startswith("2025-03-04")


@pytest.mark.parametrize("query, expected", [
    ({}, ["o-1", "o-2", "o-3", "o-4"]),
    ({"status": "completed,unplanned"}, ["o-1", "o-3", "o-4"]),
    ({"worker_handle": "ana"}, ["o-1", "o-2"]),
    ({"driver_handle": "bo"}, ["o-3"]),
    ({"route_handle": "r-2"}, ["o-3"]),
    ({"ops_group_handle": "default"}, ["o-4"]),
    ({"place_handle": "store-1"}, ["o-1"]),
    ({"device_id": "B-1"}, ["o-3"]),
    ({"plan_mode": "manual"}, ["o-4"]),
    ({"track_mode": "on_time"}, ["o-1", "o-2", "o-3"]),
    ({"track_mode": "flex"}, []),
    ({"device_switch_mode": "login"}, ["o-1", "o-2", "o-3"]),
    ({"fulfillment_attempt": "0"}, ["o-1", "o-2", "o-3", "o-4"]),
    ({"fulfillment_attempt": "1"}, []),
    ({"tracking_status": "tracked"}, ["o-1", "o-2", "o-3"]),
    ({"tracking_status": "untracked"}, ["o-4"]),
    ({"destination_geohash": "9q9"}, ["o-1", "o-2"]),
    ({"destination_geohash": "xn7"}, ["o-3"]),
    ({"search_term": "GOLD"}, ["o-1"]),       # a nested metadata value, whatever its case
    ({"search_term": "tokyo"}, ["o-3"]),      # the ops group
    ({"search_term": "ana"}, ["o-1", "o-2"]),  # the worker
    ({"search_term": "o-4"}, ["o-4"]),         # the order's handle
    ({"order_metadata_filter": '{"zone": "north"}'}, ["o-1", "o-3"]),
    ({"order_metadata_filter": '{"customer": {"tier": "gold"}}'}, ["o-1"]),
    ({"order_metadata_filter": '{"zone": "north", "customer": {"tier": "silver"}}'}, []),
    ({"worker_profile_filter": '{"team": "north"}'}, ["o-1", "o-2"]),
    ({"worker_profile_filter": '{"skills": {"van": true}}'}, ["o-1", "o-2"]),
    ({"worker_profile_filter": '{"skills": {"van": 1}}'}, []),  # true is not 1
    ({"worker_handle": "ana", "status": "ongoing"}, ["o-2"]),
], ids=lambda value: json.dumps(value) if isinstance(value, dict) else None)
def test_get_orders_applies_each_filter(world, query, expected):
    assert listing(world, **query) == expected


@pytest.mark.parametrize("query, expected", [
    ({"scheduled_at_date": "2025-03-04"}, ["o-1", "o-2", "o-4"]),
    ({"scheduled_at_from": "2025-03-04 07:00:00", "scheduled_at_to": "2025-03-04 12:00:00"}, ["o-1", "o-4"]),
    ({"scheduled_at_to": "2025-03-04 06:59:59"}, ["o-3"]),
    ({"created_at_date": "2025-03-04"}, ["o-1", "o-2", "o-3", "o-4"]),
    ({"created_at_from": "2025-03-04 07:30:00"}, ["o-3", "o-4"]),
    ({"created_at_from": "2025-03-04 07:30:01"}, ["o-4"]),
    ({"created_at_to": "2025-03-04 06:30:00"}, ["o-1", "o-2"]),
    ({"planned_at_date": "2025-03-04"}, ["o-1", "o-2", "o-3"]),  # o-4 is unplanned
    ({"completed_at_date": "2025-03-04"}, ["o-1", "o-3"]),
    ({"completed_at_from": "2025-03-04 09:30:00", "completed_at_to": "2025-03-04 09:30:00"}, ["o-1", "o-3"]),
    ({"cancelled_at_date": "2025-03-04"}, []),
    ({"rescheduled_marked_at_date": "2025-03-04"}, []),
    ({"route_started_at_date": "2025-03-04"}, ["o-1", "o-2", "o-3"]),
    ({"route_started_at_from": "2025-03-04 07:00:00"}, ["o-3"]),
    ({"created_at_to": "2025-03-04"}, ["o-1", "o-2", "o-3", "o-4"]),  # a date alone: the whole day
], ids=lambda value: json.dumps(value) if isinstance(value, dict) else None)
def test_date_and_window_filters_read_utc_inclusively(world, query, expected):
    assert listing(world, **query) == expected


@pytest.mark.parametrize("query, expected", [
    # o-1 is scheduled on the 4th in UTC but the 3rd in Los Angeles; o-3 the 3rd in UTC, the 4th in Tokyo
    ({"scheduled_at_date_without_tz": "2025-03-04"}, ["o-2", "o-3", "o-4"]),
    ({"scheduled_at_date_without_tz": "2025-03-03"}, ["o-1"]),
    ({"scheduled_at_without_tz_from": "2025-03-04 05:00:00", "scheduled_at_without_tz_to": "2025-03-04 11:59:59"},
     ["o-3"]),
    ({"scheduled_at_without_tz_from": "2025-03-04 05:00:00", "scheduled_at_without_tz_to": "2025-03-04 12:00:00"},
     ["o-2", "o-3", "o-4"]),
    ({"created_at_date_without_tz": "2025-03-03"}, ["o-1", "o-2"]),   # 22:30 in Los Angeles
    ({"created_at_without_tz_from": "2025-03-04", "created_at_without_tz_to": "2025-03-04"}, ["o-3", "o-4"]),
    ({"completed_at_date_without_tz": "2025-03-04"}, ["o-1", "o-3"]),  # 01:30 in LA, 18:30 in Tokyo
    ({"completed_at_without_tz_from": "2025-03-04 18:00:00"}, ["o-3"]),
    ({"completed_at_without_tz_to": "2025-03-04 02:00:00"}, ["o-1"]),
], ids=lambda value: json.dumps(value) if isinstance(value, dict) else None)
def test_without_tz_filters_read_each_orders_local_time(world, query, expected):
    assert listing(world, **query) == expected


def test_an_ops_group_whose_timezone_is_unknown_reads_in_utc(world):
    assert world.call("POST", "/workers/ops-groups/", {"ops_group_handle": "MARS", "ops_group_label": "Mars",
                                                       "timezone": "Mars/Olympus_Mons"})[0] == 200
    assert world.call("POST", "/orders/", {"plan_mode": "manual", "ops_group_handle": "MARS", "orders": [
        {"order_handle": "o-5", "destination": point(PARIS), "scheduled_at": "2025-03-04T23:30:00Z"}]})[0] == 201

    assert listing(world, ops_group_handle="MARS", scheduled_at_date_without_tz="2025-03-04") == ["o-5"]


def test_desc_is_the_ascending_listing_reversed_across_pages_even_for_an_order_made_on_an_earlier_clock(world):
    assert listing(world, limit=3) == ["o-1", "o-2", "o-3", "o-4"]
    assert listing(world, limit=3, sort_direction="desc") == ["o-4", "o-3", "o-2", "o-1"]
    clock(world, frozen_at="2025-03-01T00:00:00Z")   # made last, created first
    assert world.call("POST", "/orders/", {"plan_mode": "manual", "orders": [
        {"order_handle": "o-0", "destination": point(PARIS), "scheduled_at": "2025-03-02T12:00:00Z"}]})[0] == 201

    ascending = ["o-0", "o-1", "o-2", "o-3", "o-4"]  # ties (o-1, o-2) in creation order
    for limit in (1, 2, 3, 5, 100):
        assert listing(world, limit=limit) == ascending, limit
        assert listing(world, limit=limit, sort_direction="asc") == ascending, limit
        assert listing(world, limit=limit, sort_direction="desc") == ascending[::-1], limit
    first = world.call("GET", "/orders/", query_string={"limit": 2, "sort_direction": "desc"})[1]
    assert [o["order_handle"] for o in first["orders"]] == ["o-4", "o-3"]
    second = world.call("GET", "/orders/", query_string={"limit": 2, "sort_direction": "desc",
                                                          "pagination_token": first["pagination_token"]})[1]
    assert [o["order_handle"] for o in second["orders"]] == ["o-2", "o-1"]


def test_risk_status_and_worker_inside_destination_come_from_the_phone(world):
    assert listing(world, worker_inside_destination="true") == []
    assert listing(world, risk_status="true") == []
    assert world.call("PUT", "/__mock/workers/ana/phone", {"location": SAN_JOSE_2, "battery": 10})[0] == 200

    # ana's phone stands in o-2's area (o-1, at store-1, is 2 km away): it arrived, and on a low battery
    assert listing(world, worker_inside_destination="true") == ["o-2"]
    assert listing(world, worker_inside_destination="false") == ["o-1", "o-3", "o-4"]
    order = world.call("GET", "/orders/o-2")[1]
    assert order["arrived_at"] == "2025-03-04T09:30:00.000Z"
    world.call("PUT", "/__mock/workers/ana/phone", {"location": SAN_JOSE})
    assert listing(world, worker_inside_destination="true") == ["o-1"]  # finished, but the phone is there


def test_risk_status_lists_the_orders_at_risk(world):
    world.call("PUT", "/__mock/workers/ana/phone", {"location": [-121.95, 37.2], "battery": 10})

    at_risk = world.call("GET", "/orders/o-2")[1]
    assert at_risk["risk_status"] is True and at_risk["risks"]["in_low_battery"] == "red"
    assert listing(world, risk_status="true") == ["o-2"]
    assert listing(world, risk_status="false") == ["o-1", "o-3", "o-4"]


@pytest.mark.parametrize("query, field, message", [
    ({"status": "lost"}, "status", "Unknown value(s) lost; must be among: completed, cancelled, rescheduled, "
                                   "disabled, ongoing, unplanned, assigned, planned, dispatched, summarizing."),
    ({"scheduled_at_date": "2025-3-4"}, "scheduled_at_date", "Not a valid date: YYYY-MM-DD."),
    ({"created_at_from": "yesterday"}, "created_at_from",
     "Not a valid timestamp: YYYY-MM-DD HH:mm:ss (or YYYY-MM-DD)."),
    ({"completed_at_without_tz_to": "2025-03-04 25:00:00"}, "completed_at_without_tz_to",
     "Not a valid timestamp: YYYY-MM-DD HH:mm:ss (or YYYY-MM-DD)."),
    ({"order_metadata_filter": "zone=north"}, "order_metadata_filter", "Not a valid JSON-encoded object."),
    ({"worker_profile_filter": "[1]"}, "worker_profile_filter", "Not a valid JSON-encoded object."),
    ({"sort_direction": "up"}, "sort_direction", "Must be one of: asc, desc."),
    ({"risk_status": "maybe"}, "risk_status", "Not a valid boolean."),
    ({"worker_inside_destination": "2"}, "worker_inside_destination", "Not a valid boolean."),
    ({"fulfillment_attempt": "first"}, "fulfillment_attempt", "Not a valid integer."),
    ({"destination_geohash": "9qa"}, "destination_geohash", "Not a valid geohash."),
    ({"plan_mode": "magic"}, "plan_mode", "Must be one of: on_demand, scheduled, manual, pool."),
])
def test_a_bad_filter_value_is_a_422_naming_the_parameter(world, query, field, message):
    assert world.call("GET", "/orders/", query_string=query) == (
        422, {"detail": {"query": {field: [message]}}, "message": "Validation error"})


# --- what the mock does not apply -----------------------------------------------------------------

def test_a_parameter_not_applied_is_named_in_a_header_and_the_journal(world):
    everything = world.call("GET", "/orders/")[1]
    world.call("DELETE", "/__mock/requests")

    response = world.client.open("/orders/", headers=world.headers, query_string={
        "status": "completed", "region_filter": '{"city": "San Jose"}', "aggregate": "true", "colour": "blue"})

    assert response.status_code == 200
    assert response.headers["X-Mock-Ignored-Parameters"] == "aggregate,colour,region_filter"
    assert response.get_json() == {"orders": [o for o in everything["orders"] if o["status"] == "completed"],
                                   "pagination_token": None}
    entry, = world.call("GET", "/__mock/requests")[1]["requests"]
    assert entry["ignored_parameters"] == ["aggregate", "colour", "region_filter"]
    assert entry["query"] == {"status": "completed", "region_filter": '{"city": "San Jose"}', "aggregate": "true",
                              "colour": "blue"}


def test_a_name_no_header_can_carry_is_named_percent_encoded_over_http(app):
    """Found by schemathesis: a parameter named ``Ā`` (not latin-1) made a header the server could not
    write, and the connection was dropped."""
    response = requests.get(f"{app.url}/orders/?%C4%80=1&=2&status=completed", auth=("acme", "s3cret"), timeout=10)

    assert response.status_code == 200
    assert response.headers["X-Mock-Ignored-Parameters"] == '"",%C4%80'
    entry, = requests.get(f"{app.url}/__mock/requests", auth=("acme", "s3cret"), timeout=10).json()["requests"]
    assert (entry["path"], entry["ignored_parameters"]) == ("/orders/", ["", "Ā"])


def test_an_answer_that_applied_everything_has_no_header_and_its_entry_no_field(world):
    world.call("DELETE", "/__mock/requests")

    response = world.client.open("/orders/", headers=world.headers, query_string={"status": "completed"})

    assert response.status_code == 200 and "X-Mock-Ignored-Parameters" not in response.headers
    entry, = world.call("GET", "/__mock/requests")[1]["requests"]
    assert "ignored_parameters" not in entry


def test_an_entrys_size_counts_the_names_it_keeps(world, backend):
    journal = backend.tenant("acme").journal
    journal.clear()
    world.call("GET", "/orders/", query_string={"colour": "blue"})
    world.call("GET", "/orders/", query_string={"colour": "blue", "plan_id": "p"})

    plain, named = journal.entries

    assert (plain.ignored, named.ignored) == (("colour",), ("colour", "plan_id"))
    assert named.size - plain.size == len("&plan_id=p") + IGNORED_NAME_OVERHEAD + len("plan_id")


@pytest.fixture
def strict():
    return Api(make_app({"seed": 7, "strict_parameters": True}).test_client())


def test_strict_parameters_refuses_what_the_mock_would_not_apply(strict):
    assert strict.call("GET", "/orders/", query_string={"aggregate": "true", "colour": "blue", "status": "ongoing"}) == (
        422, {"detail": {"query": {"aggregate": [NOT_APPLIED], "colour": [UNKNOWN]}}, "message": "Validation error"})
    assert strict.call("GET", "/orders/routes/", query_string={"start_by_date": "2025-03-04"}) == (
        422, {"detail": {"query": {"start_by_date": [NOT_APPLIED]}}, "message": "Validation error"})
    assert strict.call("GET", "/workers/", query_string={"from_date": "2025-03-04"}) == (
        422, {"detail": {"query": {"from_date": [NOT_APPLIED]}}, "message": "Validation error"})
    status, body = strict.call("GET", "/orders/", query_string={"status": "ongoing", "sort_direction": "desc"})
    assert status == 200 and body["pagination_token"] is None


def test_strict_parameters_is_a_setting_a_flag_and_a_variable():
    assert load_settings({})["strict_parameters"] is False
    assert load_settings({}, environ={"HYPERTRACK_MOCK_STRICT_PARAMETERS": "true"})["strict_parameters"] is True
    assert load_settings(vars(parser().parse_args(["--strict-parameters"])))["strict_parameters"] is True


STRICT_TEST = '''
import requests


def test_strict(hypertrack_mock):
    answer = requests.get(hypertrack_mock.url + "/orders/", params={"plan_id": "p"}, auth=hypertrack_mock.auth)
    assert answer.status_code == %d, answer.text
'''


@pytest.mark.parametrize("ini, status", [("", 200), ("hypertrack_mock_strict_parameters = true\n", 422)],
                         ids=["default", "ini option"])
def test_the_pytest_ini_option_makes_the_in_process_server_strict(pytester, monkeypatch, ini, status):
    from conftest import as_downstream

    as_downstream(monkeypatch)
    pytester.makeini("[pytest]\n" + ini)
    pytester.makepyfile(test_strict=STRICT_TEST % status)

    pytester.runpytest("test_strict.py").assert_outcomes(passed=1)


# --- Get Routes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ({}, ["r-1", "r-2"]),
    ({"status": "completed"}, ["r-2"]),
    ({"worker_handle": "ana"}, ["r-1"]),
    ({"driver_handle": "bo"}, ["r-2"]),
    ({"ops_group_handle": "LA,TOKYO"}, ["r-1", "r-2"]),
    ({"ops_group_handle": "TOKYO"}, ["r-2"]),
    ({"track_mode": "on_time"}, ["r-1", "r-2"]),
    ({"plan_mode": "manual"}, []),
    ({"device_switch_mode": "login"}, ["r-1", "r-2"]),
    ({"device_id": "A-1"}, ["r-1"]),
    ({"search_term": "PM"}, ["r-2"]),
    ({"search_term": "r-1"}, ["r-1"]),
    ({"route_metadata_filter": '{"shift": "am"}'}, ["r-1"]),
    ({"created_at_from": "2025-03-04 07:00:00"}, ["r-2"]),
    ({"started_at_date": "2025-03-04"}, ["r-1", "r-2"]),
    ({"completed_at_to": "2025-03-04 09:30:00"}, ["r-2"]),
    ({"planned_at_date": "2025-03-05"}, []),
    ({"sort_direction": "desc"}, ["r-2", "r-1"]),
    ({"sort_direction": "desc", "limit": "1"}, ["r-2", "r-1"]),
], ids=lambda value: json.dumps(value) if isinstance(value, dict) else None)
def test_get_routes_applies_each_filter(world, query, expected):
    # the route the scenario does not hold: o-4 is unplanned, so the world has r-1 and r-2 only
    assert listing(world, "/orders/routes/", "routes", **query) == expected


def test_get_routes_names_what_it_did_not_apply(world):
    response = world.client.open("/orders/routes/", headers=world.headers,
                                 query_string={"start_by_date": "2025-03-04", "plan_id": "p", "status": "tracking"})

    assert response.status_code == 200 and response.headers["X-Mock-Ignored-Parameters"] == "plan_id,start_by_date"
    assert [r["route_handle"] for r in response.get_json()["routes"]] == ["r-1"]


# --- Get Workers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ({}, ["ana", "bo"]),
    ({"ops_group_handle": "TOKYO"}, ["bo"]),
    ({"ops_group_handle": "TOKYO,LA"}, ["ana", "bo"]),
    ({"worker_handle": "bo,nobody"}, ["bo"]),
    ({"device_id": "A-1"}, ["ana"]),
    ({"search_term": "chen"}, ["bo"]),                      # the name
    ({"search_term": "south"}, ["bo"]),                     # a profile value
    ({"profile": '{"team": "north"}'}, ["ana"]),
    ({"profile": '{"skills": {"van": true}}'}, ["ana"]),
    ({"work_status": '{"tracking": true}'}, ["ana"]),       # bo's route is completed
    ({"work_status": '{"tracking": false, "available": true}'}, ["bo"]),
    ({"filter_status": "active"}, ["ana"]),
    ({"filter_status": "inactive"}, ["bo"]),
    ({"filter_status": "disconnected"}, []),
], ids=lambda value: json.dumps(value) if isinstance(value, dict) else None)
def test_get_workers_applies_each_filter(world, query, expected):
    assert listing(world, "/workers/", "workers", **query) == expected


def test_get_workers_filter_status_follows_the_phone(world):
    world.call("PUT", "/__mock/workers/bo/phone", {"connected": False})

    assert listing(world, "/workers/", "workers", filter_status="disconnected") == ["bo"]


def test_get_workers_include_schedule_false_leaves_the_schedule_out(world):
    with_schedule = world.call("GET", "/workers/", query_string={"worker_handle": "ana"})[1]["workers"][0]

    without = world.call("GET", "/workers/", query_string={"worker_handle": "ana", "include_schedule": "false"})

    assert "schedule" in with_schedule
    assert without == (200, {"workers": [{k: v for k, v in with_schedule.items() if k != "schedule"}],
                             "pagination_token": None})


def test_get_workers_names_what_it_did_not_apply(world):
    response = world.client.open("/workers/", headers=world.headers,
                                 query_string={"from_date": "2025-03-04", "aggregate": "true", "limit": "1"})

    assert response.status_code == 200 and response.headers["X-Mock-Ignored-Parameters"] == "aggregate,from_date"
    assert [w["worker_handle"] for w in response.get_json()["workers"]] == ["ana"]


def test_the_openapi_document_lists_every_parameter_and_the_header(client):
    spec = client.get("/openapi.json").get_json()

    operation = spec["paths"]["/orders/"]["get"]
    assert len(operation["parameters"]) == 56
    assert "X-Mock-Ignored-Parameters" in operation["responses"]["200"]["headers"]
    assert len(spec["paths"]["/orders/routes/"]["get"]["parameters"]) == 33
    assert len(spec["paths"]["/workers/"]["get"]["parameters"]) == 25
    not_applied = {p["name"] for p in operation["parameters"] if "not applied" in p.get("description", "")}
    assert not_applied == {"plan_id", "region_filter", "aggregate", "send_outage", "filter_outage_category"}
