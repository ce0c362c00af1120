"""A worker's phone and the tenant's thresholds through the control plane (``/__mock/workers/<h>/phone``,
``/__mock/thresholds``) and in scenarios: whole answers, each refusal naming its field and changing nothing."""
from __future__ import annotations

import pytest
from conftest import Api

from mockserver.models.phone import OUTAGES
from mockserver.testing import HyperTrackMock, WebhookReceiver

JAMES = "james@ht.com"
JAMES_DEVICE = "FFA58DDB-5CA0-4CD5-8BDE-E4EC7E077E3D"
PHONE = f"/__mock/workers/{JAMES}/phone"
#: James's phone as the default scenario leaves it: nothing set yet.
AT_REST = {"worker_handle": JAMES, "device_id": JAMES_DEVICE, "location": None, "speed_kmh": 36.0,
           "driving": False, "dwell_seconds": 60, "battery": 100, "connected": True, "outage": None,
           "heading_to": None, "tenant": "acme"}
DEFAULT_THRESHOLDS = {"eta_change_seconds": 120, "minutes_away": 5, "tenant": "acme"}
STORE = [-121.8863, 37.3382]  # the default scenario's place store-1


def refusal(field: str, message: str) -> dict:
    return {"detail": {"json": {field: [message]}}, "message": "Validation error"}


@pytest.fixture
def default(api):
    api.load_scenario("default")
    return api


def test_a_phone_nothing_has_set_answers_its_defaults(default):
    assert default.call("GET", PHONE) == (200, AT_REST)


def test_put_changes_the_fields_sent_and_answers_the_new_state(default):
    status, body = default.call("PUT", PHONE, {"location": STORE, "speed_kmh": 50, "battery": 40})

    changed = dict(AT_REST, location=STORE, speed_kmh=50.0, battery=40)
    assert (status, body) == (200, changed)
    assert default.call("GET", PHONE) == (200, changed)


def test_patch_changes_only_what_is_sent(default):
    default.call("PUT", PHONE, {"location": STORE, "outage": "airplane_mode_detected", "connected": False})

    status, body = default.call("PATCH", PHONE, {"battery": 12.5, "dwell_seconds": 300})

    changed = dict(AT_REST, location=STORE, outage="airplane_mode_detected", connected=False, battery=12.5,
                   dwell_seconds=300)
    assert (status, body) == (200, changed)
    assert default.call("GET", PHONE) == (200, changed)


def test_an_outage_and_a_location_are_cleared_with_null(default):
    default.call("PUT", PHONE, {"location": STORE, "outage": "uninstalled"})

    assert default.call("PUT", PHONE, {"location": None, "outage": None}) == (200, AT_REST)


def test_an_empty_body_changes_nothing(default):
    assert default.call("PUT", PHONE, {}) == (200, AT_REST)


UNKNOWN_OUTAGE = f"Unknown outage 'meteor_strike': one of {', '.join(OUTAGES)}, or null."


@pytest.mark.parametrize("field, value, message", [
    ("location", [-121.88, 90.5], "Latitude 90.5 is not between -90 and 90."),
    ("location", [-180.1, 37.3], "Longitude -180.1 is not between -180 and 180."),
    ("location", [-121.88], "Must be [longitude, latitude] in degrees, or null."),
    ("location", [-121.88, 37.3, 10], "Must be [longitude, latitude] in degrees, or null."),
    ("location", "San Jose", "Must be [longitude, latitude] in degrees, or null."),
    ("location", {"lat": 37.3, "lon": -121.88}, "Must be [longitude, latitude] in degrees, or null."),
    ("location", [True, 37.3], "Must be [longitude, latitude] in degrees, or null."),
    ("speed_kmh", 0, "Must be above 0 and at most 300."),
    ("speed_kmh", -5, "Must be above 0 and at most 300."),
    ("speed_kmh", 300.5, "Must be above 0 and at most 300."),
    ("speed_kmh", "36", "Not a valid number."),
    ("speed_kmh", None, "Field may not be null."),
    ("battery", -1, "Must be between 0 and 100."),
    ("battery", 100.1, "Must be between 0 and 100."),
    ("dwell_seconds", -1, "Must be between 0 and 604800 (a week)."),
    ("driving", "yes", "Not a valid boolean."),
    ("driving", 1, "Not a valid boolean."),
    ("connected", None, "Field may not be null."),
    ("outage", "meteor_strike", UNKNOWN_OUTAGE),
    ("outage", 3, "Not a valid string."),
    ("colour", "red", "Unknown field."),
])
def test_a_bad_field_is_refused_by_name_and_changes_nothing(default, field, value, message):
    for method in ("PUT", "PATCH"):
        # a good field beside the bad one: the whole request is refused, the good one not applied
        status, body = default.call(method, PHONE, {"battery": 50, field: value})

        assert (status, body) == (422, refusal(field, message))
        assert default.call("GET", PHONE) == (200, AT_REST)


def test_a_body_that_is_not_an_object_is_refused(default):
    assert default.call("PUT", PHONE, [1, 2]) == (
        422, {"detail": {"json": {"_schema": ["Invalid input type."]}}, "message": "Validation error"})
    assert default.call("GET", PHONE) == (200, AT_REST)


def test_an_unknown_worker_has_no_phone(default):
    for method, body in (("GET", None), ("PUT", {"driving": True}), ("PATCH", {"battery": 5})):
        assert default.call(method, "/__mock/workers/nobody@ht.com/phone", body) == (
            404, {"detail": {}, "message": "Worker not found"})


def test_a_worker_without_a_device_has_no_phone(default):
    assert default.call("POST", "/__mock/workers", {"worker_handle": "walker", "device_ids": []})[0] == 201

    for method, body in (("GET", None), ("PUT", {"driving": True}), ("PATCH", {"battery": 5})):
        assert default.call(method, "/__mock/workers/walker/phone", body) == (
            404, {"detail": {}, "message": "The worker has no device"})


def test_phones_and_thresholds_belong_to_a_tenant(client):
    for method, path, body, what in (("GET", PHONE, None, "Phones"), ("PUT", PHONE, {"battery": 5}, "Phones"),
                                     ("GET", "/__mock/thresholds", None, "Thresholds"),
                                     ("PUT", "/__mock/thresholds", {"minutes_away": 3}, "Thresholds")):
        response = client.open(path, method=method, json=body)

        assert (response.status_code, response.get_json()) == (400, {
            "detail": {}, "message": f"{what} belong to a tenant: send the tenant's credentials."})


def test_one_tenants_phone_is_not_anothers(default, client):
    default.call("PUT", PHONE, {"location": STORE, "battery": 7})
    other = Api(client, "other", "pw")

    assert other.call("GET", PHONE) == (200, dict(AT_REST, tenant="other"))


# --- thresholds -------------------------------------------------------------------------------------

def test_thresholds_have_defaults_and_change_one_at_a_time(api):
    assert api.call("GET", "/__mock/thresholds") == (200, DEFAULT_THRESHOLDS)

    assert api.call("PUT", "/__mock/thresholds", {"minutes_away": 10}) == (
        200, dict(DEFAULT_THRESHOLDS, minutes_away=10))
    assert api.call("PUT", "/__mock/thresholds", {"eta_change_seconds": 300}) == (
        200, dict(DEFAULT_THRESHOLDS, minutes_away=10, eta_change_seconds=300))
    assert api.call("GET", "/__mock/thresholds") == (200, dict(DEFAULT_THRESHOLDS, minutes_away=10,
                                                               eta_change_seconds=300))


@pytest.mark.parametrize("field, value, message", [
    ("minutes_away", 0, "Must be a whole number above 0 and at most 86400."),
    ("minutes_away", 86401, "Must be a whole number above 0 and at most 86400."),
    ("eta_change_seconds", -120, "Must be a whole number above 0 and at most 86400."),
    ("eta_change_seconds", 1.5, "Not a valid integer."),
    ("eta_change_seconds", True, "Not a valid integer."),
    ("eta_change_seconds", None, "Field may not be null."),
    ("distance", 5, "Unknown field."),
])
def test_a_bad_threshold_is_refused_by_name_and_changes_nothing(api, field, value, message):
    status, body = api.call("PUT", "/__mock/thresholds", {"minutes_away": 9, field: value})

    assert (status, body) == (422, refusal(field, message))
    assert api.call("GET", "/__mock/thresholds") == (200, DEFAULT_THRESHOLDS)


def test_a_reset_puts_phones_and_thresholds_back(default):
    default.call("PUT", PHONE, {"location": STORE, "battery": 7})
    default.call("PUT", "/__mock/thresholds", {"minutes_away": 10})

    default.load_scenario("default")

    assert default.call("GET", PHONE) == (200, AT_REST)
    assert default.call("GET", "/__mock/thresholds") == (200, DEFAULT_THRESHOLDS)


# --- scenarios ----------------------------------------------------------------------------------------

SCENARIO = {
    "workers": [
        {"worker_handle": "ana", "device_ids": ["ANA-PHONE"],
         "phone": {"location": [-121.9, 37.3], "battery": 64, "outage": "low_battery", "connected": False}},
        {"worker_handle": "ben", "device_ids": ["BEN-PHONE"], "phone": {"speed_kmh": 72, "dwell_seconds": 30}},
        {"worker_handle": "cy", "device_ids": ["CY-PHONE"]},
    ],
    "thresholds": {"eta_change_seconds": 60, "minutes_away": 3},
}
ANA = {"worker_handle": "ana", "device_id": "ANA-PHONE", "location": [-121.9, 37.3], "speed_kmh": 36.0,
       "driving": False, "dwell_seconds": 60, "battery": 64, "connected": False, "outage": "low_battery",
       "heading_to": None}
BEN = {"worker_handle": "ben", "device_id": "BEN-PHONE", "location": None, "speed_kmh": 72.0, "driving": False,
       "dwell_seconds": 30, "battery": 100, "connected": True, "outage": None, "heading_to": None}
CY = dict(BEN, worker_handle="cy", device_id="CY-PHONE", speed_kmh=36.0, dwell_seconds=60)


def test_a_scenario_gives_each_worker_its_phone_and_the_tenant_its_thresholds(api):
    api.load_scenario(SCENARIO)

    assert api.call("GET", "/__mock/workers/ana/phone") == (200, dict(ANA, tenant="acme"))
    assert api.call("GET", "/__mock/workers/ben/phone") == (200, dict(BEN, tenant="acme"))
    assert api.call("GET", "/__mock/workers/cy/phone") == (200, dict(CY, tenant="acme"))
    assert api.call("GET", "/__mock/thresholds") == (
        200, {"eta_change_seconds": 60, "minutes_away": 3, "tenant": "acme"})


def test_the_state_gives_phones_and_thresholds_back_and_loads_the_same(api, client):
    api.load_scenario(SCENARIO)
    api.call("PUT", "/__mock/workers/cy/phone", {"battery": 55})

    status, state = api.call("GET", "/__mock/state")

    assert status == 200
    assert {w["worker_handle"]: w.get("phone") for w in state["workers"]} == {
        "ana": {key: ANA[key] for key in ANA if key not in ("worker_handle", "device_id", "heading_to")},
        "ben": {key: BEN[key] for key in BEN if key not in ("worker_handle", "device_id", "heading_to")},
        "cy": {key: CY[key] for key in CY if key not in ("worker_handle", "device_id", "heading_to")} | {
            "battery": 55},
    }
    assert state["thresholds"] == {"eta_change_seconds": 60, "minutes_away": 3}
    other = Api(client, "other", "pw")
    other.load_scenario(state)
    for handle in ("ana", "ben", "cy"):
        assert other.call("GET", f"/__mock/workers/{handle}/phone")[1] == dict(
            api.call("GET", f"/__mock/workers/{handle}/phone")[1], tenant="other")
    assert other.call("GET", "/__mock/thresholds") == (
        200, {"eta_change_seconds": 60, "minutes_away": 3, "tenant": "other"})
    assert other.call("GET", "/__mock/state")[1] == dict(state, description="State of tenant other")


def test_a_state_with_no_phone_set_has_no_phone_or_thresholds_key(default):
    status, state = default.call("GET", "/__mock/state")

    assert status == 200
    assert "thresholds" not in state
    assert [sorted(w) for w in state["workers"]] == [
        ["deleted", "device_ids", "name", "ops_group_handle", "profile", "worker_handle"]] * 2


@pytest.mark.parametrize("document, errors", [
    ({"workers": [{"worker_handle": "ana", "phone": {"speed_kmh": 0}}]},
     {"workers": {"0": {"phone": {"speed_kmh": ["Must be above 0 and at most 300."]}}}}),
    ({"workers": [{"worker_handle": "ana", "phone": {"location": [0, 91]}}]},
     {"workers": {"0": {"phone": {"location": ["Latitude 91 is not between -90 and 90."]}}}}),
    ({"workers": [{"worker_handle": "ana", "phone": {"outage": None, "wings": 2}}]},
     {"workers": {"0": {"phone": {"wings": ["Unknown field."]}}}}),
    ({"workers": [{"worker_handle": "ana", "phone": "driving"}]},
     {"workers": {"0": {"phone": {"_schema": ["Invalid input type."]}}}}),
    ({"workers": [{"worker_handle": "ana", "device_ids": [], "phone": {"battery": 50}}]},
     {"workers": {"0": {"phone": [
         "The worker has no device: give it device_ids, or leave them out for a generated one."]}}}),
    ({"workers": [{"worker_handle": "ana", "deleted": True, "phone": {"battery": 50}}]},
     {"workers": {"0": {"phone": ["A deleted worker has no phone."]}}}),
    ({"thresholds": {"minutes_away": 0}},
     {"thresholds": {"minutes_away": ["Must be a whole number above 0 and at most 86400."]}}),
    ({"thresholds": {"eta_change_seconds": "2 minutes"}},
     {"thresholds": {"eta_change_seconds": ["Not a valid integer."]}}),
])
def test_a_scenario_with_a_bad_phone_or_threshold_is_refused_naming_the_path(default, document, errors):
    status, body = default.call("POST", "/__mock/scenarios", document)

    assert (status, body) == (422, {"detail": {"json": errors}, "message": "Validation error"})
    assert default.call("GET", PHONE) == (200, AT_REST)  # the default scenario is still there


def test_a_driving_phone_in_a_scenario_drives_its_tracking_route_from_the_load(api, client):
    """Phones are set after the routes: James drives from where the scenario loaded, 1,000 m south of his
    first order (no location given), and enters its 100 m circle 900 m later, 90 s at 36 km/h."""
    frozen = client.post("/__mock/clock", json={"frozen_at": "2023-11-01T22:00:00.000Z"})  # server-wide
    assert frozen.status_code == 200, frozen.get_json()
    api.load_scenario({
        "workers": [{"worker_handle": JAMES, "device_ids": [JAMES_DEVICE], "phone": {"driving": True}}],
        "routes": [{"route_handle": "r-1", "status": "tracking", "worker_handle": JAMES, "track_mode": "on_time",
                    "orders": [{"order_handle": "o-1", "destination": {
                        "geometry": {"type": "Point", "coordinates": STORE}, "radius": 100}}]}]})

    status, phone = api.call("GET", PHONE)

    assert status == 200
    assert (phone["driving"], phone["heading_to"], phone["location"][0]) == (True, "o-1", STORE[0])
    assert phone["location"][1] == pytest.approx(STORE[1] - 1000 / 111_195, abs=1e-6)  # 1,000 m due south
    assert api.call("POST", "/__mock/clock", {"advance_seconds": 100})[0] == 200
    status, order = api.call("GET", "/orders/o-1")
    assert (status, order["arrived_at"]) == (200, "2023-11-01T22:01:30.000Z")
    assert api.call("GET", PHONE)[1]["heading_to"] is None


def test_a_scenario_loaded_on_the_running_clock_sends_its_phones_webhooks_with_no_request(app):
    """The scenario's driving phone is followed from the load: its arrival is delivered though nothing
    asks the mock anything after the load (the receiver is all the test watches)."""
    receiver = WebhookReceiver()
    mock = HyperTrackMock(app.url, "acme", "s3cret")
    try:
        near = [STORE[0], STORE[1] - 120 / 111_195]  # 20 m from the 100 m circle: a quarter second at 300 km/h
        mock.load_scenario({
            "workers": [{"worker_handle": JAMES, "device_ids": [JAMES_DEVICE],
                         "phone": {"location": near, "speed_kmh": 300, "driving": True}}],
            "routes": [{"route_handle": "r-1", "status": "tracking", "worker_handle": JAMES,
                        "track_mode": "on_time", "orders": [{"order_handle": "o-1", "destination": {
                            "geometry": {"type": "Point", "coordinates": STORE}, "radius": 100}}]}],
            "webhook": {"url": receiver.url, "retry_delay_ms": 10}})

        arrived = receiver.wait_for(timeout=10, value="arrived", order_handle="o-1")

        assert arrived["data"]["arrival"]["recorded_at"] == arrived["recorded_at"]
    finally:
        receiver.close()
        mock.close()


def test_the_fixtures_helpers_read_and_set_the_phone_and_the_thresholds(app):
    mock = HyperTrackMock(app.url, "acme", "s3cret")
    try:
        mock.load_scenario("default")

        assert mock.phone(JAMES) == AT_REST
        assert mock.phone(JAMES, battery=20, outage="low_battery") == dict(AT_REST, battery=20, outage="low_battery")
        assert mock.phone(JAMES) == dict(AT_REST, battery=20, outage="low_battery")
        assert mock.thresholds() == DEFAULT_THRESHOLDS
        assert mock.thresholds(minutes_away=2) == dict(DEFAULT_THRESHOLDS, minutes_away=2)
        with pytest.raises(AssertionError, match=r"answered 422: .*speed_kmh"):
            mock.phone(JAMES, speed_kmh=0)
    finally:
        mock.close()


def test_the_state_of_a_deleted_or_unlinked_worker_with_a_phone_loads_back(default, client):
    """Their phone cannot be shown (404) nor given in a scenario: the state leaves it out, and loads."""
    for handle in (JAMES, "maria@ht.com"):
        assert default.call("PUT", f"/__mock/workers/{handle}/phone", {"battery": 5})[0] == 200
    assert default.call("DELETE", f"/workers/{JAMES}")[0] == 204
    assert default.call("POST", "/__mock/workers", {"worker_handle": "maria@ht.com", "device_ids": []})[0] == 201

    state = default.call("GET", "/__mock/state")[1]

    assert [("phone" in worker) for worker in state["workers"]] == [False, False]
    other = Api(client, "other", "pw")
    other.load_scenario(state)
    assert other.call("GET", "/__mock/state")[1] == dict(state, description="State of tenant other")


def test_a_startup_scenarios_phones_are_each_tenants_own(client):
    """Loaded server-wide, the scenario's phones and thresholds start every tenant; one tenant's changes
    stay its own, and its reset brings the scenario's back."""
    scenario = {"workers": [{"worker_handle": "ana", "device_ids": ["ANA-PHONE"],
                             "phone": {"battery": 50, "location": [-121.9, 37.3]}}],
                "thresholds": {"minutes_away": 7}}
    assert client.post("/__mock/scenarios", json=scenario).status_code == 200  # no credentials: server-wide
    one, two = Api(client, "one", "pw"), Api(client, "two", "pw")
    ana = dict(ANA, battery=50, outage=None, connected=True)

    assert one.call("PUT", "/__mock/workers/ana/phone", {"battery": 10, "location": [1, 2]}) == (
        200, dict(ana, battery=10, location=[1, 2], tenant="one"))
    assert one.call("PUT", "/__mock/thresholds", {"minutes_away": 3})[0] == 200
    assert two.call("GET", "/__mock/workers/ana/phone") == (200, dict(ana, tenant="two"))
    assert two.call("GET", "/__mock/thresholds") == (200, {"eta_change_seconds": 120, "minutes_away": 7,
                                                           "tenant": "two"})
    assert one.call("POST", "/__mock/reset")[0] == 200
    assert one.call("GET", "/__mock/workers/ana/phone") == (200, dict(ana, tenant="one"))
