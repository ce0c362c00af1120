"""Scenario documents (CONTRACT §5) and the control plane that loads them (CONTRACT §6)."""
from __future__ import annotations

import json
import re

import pytest
from conftest import FIXTURES, SHIPPED, Api, basic, make_app, seed_request

from mockserver import create_app
from mockserver.scenarios import ScenarioError, ScenarioLibrary, large


def test_health_answers_ok(client):
    response = client.get("/__mock/health")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_scenarios_lists_every_fixture_file_with_its_description(client):
    listed = client.get("/__mock/scenarios").get_json()["scenarios"]

    files = sorted(path.stem for path in FIXTURES.glob("*.json"))
    assert [s["name"] for s in listed] == files
    for entry in listed:
        description = json.loads((FIXTURES / f"{entry['name']}.json").read_text())["description"]
        assert entry["description"] == description != ""


def test_loading_an_unknown_scenario_answers_404_and_keeps_state(client):
    api = Api(client)
    api.track(seed_request())

    response = client.post("/__mock/scenarios/nope", headers=api.headers)

    assert response.status_code == 404
    assert response.get_json() == {"detail": {"known": SHIPPED.names()}, "message": "No scenario named 'nope'."}
    assert api.track(seed_request())[0] == 409  # order-1 still in progress: nothing was replaced


@pytest.mark.parametrize("document, errors", [
    ({"colour": "red"}, {"colour": ["Unknown field."]}),
    ({"workers": [{"worker_handle": "w", "device_ids": "D1"}]}, {"workers": {"0": {"device_ids": ["Not a valid list."]}}}),
    ({"workers": [{"worker_handle": "w"}, {"worker_handle": "w"}]},
     {"workers": {"1": {"worker_handle": ["Duplicate worker_handle 'w'."]}}}),
    ({"workers": [{"worker_handle": "a", "device_ids": ["D"]}, {"worker_handle": "b", "device_ids": ["D"]}]},
     {"workers": {"1": {"device_ids": ["Device 'D' is already linked to worker 'a'."]}}}),
    ({"routes": [{"route_handle": "r", "worker_handle": "ghost"}]},
     {"routes": {"0": {"worker_handle": ["Unknown worker 'ghost'."]}}}),
    ({"routes": [{"route_handle": "r", "status": "tracking"}]},
     {"routes": {"0": {"track_mode": ["A tracking route needs a track_mode."]}}}),
    ({"routes": [{"route_handle": "r", "orders": [{"order_handle": "o", "destination": {"place_handle": "p"}}]}]},
     {"routes": {"0": {"orders": {"0": {"destination": {"place_handle": ["Unknown place 'p'."]}}}}}}),
    ({"routes": [{"route_handle": "r", "orders": [{"order_handle": "o"}]}]},
     {"routes": {"0": {"orders": {"0": {"destination": ["Missing data for required field."]}}}}}),
    ({"places": [{"place_handle": "p", "geometry": {"type": "Point", "coordinates": [500, 0]}}]},
     {"places": {"0": {"geometry": {"coordinates": ["Longitude must be between -180 and 180."]}}}}),
    ([], {"_schema": ["Invalid input type."]}),
], ids=["unknown key", "bad type", "duplicate worker", "shared device", "unknown worker",
        "tracking without mode", "unknown place", "order without destination", "bad place geometry", "not an object"])
def test_invalid_inline_scenarios_are_refused_naming_the_field_and_keep_state(client, document, errors):
    api = Api(client)
    api.track(seed_request())

    response = client.post("/__mock/scenarios", json=document, headers=api.headers)

    assert (response.status_code, response.get_json()) == (
        422, {"detail": {"json": errors}, "message": "Validation error"})
    assert api.track(seed_request())[0] == 409


def test_a_scenario_loaded_without_credentials_becomes_everyones_startup_scenario(client):
    Api(client, "early").track(seed_request())

    assert client.post("/__mock/scenarios/worker_deleted").get_json() == {
        "status": "ok", "scenario": "worker_deleted", "tenant": None}

    for account in ("early", "late"):
        assert Api(client, account).track(seed_request())[1]["code"] == "driver_deleted"
    client.post("/__mock/reset")
    assert Api(client, "early").track(seed_request())[1]["code"] == "driver_deleted"  # still the startup one


def test_server_wide_reset_restores_every_tenant(client):
    for account in ("a", "b"):
        assert Api(client, account).track(seed_request())[0] == 201

    assert client.post("/__mock/reset").get_json() == {"status": "ok", "tenant": None}

    for account in ("a", "b"):
        assert Api(client, account).track(seed_request())[0] == 201


def test_inline_scenario_builds_the_state_it_describes(client):
    api = Api(client)
    api.load_scenario({
        "ops_groups": [{"ops_group_handle": "NYC"}],
        "workers": [{"worker_handle": "ana", "device_ids": ["ANA-PHONE"]}],
        "places": [{"place_handle": "dock", "geometry": {"type": "Point", "coordinates": [-74.0, 40.7]}}],
    })

    status, body = api.track({"track_mode": "on_shift", "worker_handle": "ana", "ops_group_handle": "NYC",
                              "orders": [{"order_handle": "o", "destination": {"place_handle": "dock"}}]})

    assert status == 201
    assert (body["device_id"], body["orders"][0]["destination"]["radius"]) == ("ANA-PHONE", 100)
    assert api.track(seed_request())[1]["code"] == "ops_group_not_defined"


def test_a_worker_without_device_ids_gets_a_generated_device(client):
    api = Api(client)
    api.load_scenario({"workers": [{"worker_handle": "w"}]})

    status, body = api.track({"track_mode": "flex", "worker_handle": "w",
                              "orders": [{"order_handle": "o", "destination": {"geometry": {"coordinates": [1, 2]}}}]})

    assert status == 201
    assert len(body["device_id"]) == 36 and body["device_id"] == body["device_id"].upper()


def test_a_bad_fixture_file_stops_start_up_naming_file_and_field(tmp_path):
    (tmp_path / "default.json").write_text(json.dumps({"workers": [{"worker_handle": 7}]}))

    with pytest.raises(ScenarioError) as raised:
        create_app({"fixtures": str(tmp_path)})

    assert str(raised.value) == f"{tmp_path / 'default.json'}: workers.0.worker_handle: Not a valid string."


def test_a_fixture_file_that_is_not_json_stops_start_up(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")

    with pytest.raises(ScenarioError, match=r"broken\.json: Not a readable JSON document"):
        ScenarioLibrary(tmp_path)


def test_a_missing_startup_scenario_stops_start_up(tmp_path):
    (tmp_path / "mine.json").write_text("{}")

    with pytest.raises(ScenarioError, match=re.escape("No scenario named 'default'; known: mine.")):
        create_app({"fixtures": str(tmp_path)})


def test_a_custom_fixtures_directory_serves_its_own_scenarios(tmp_path):
    (tmp_path / "solo.json").write_text(json.dumps({"description": "one worker",
                                                    "workers": [{"worker_handle": "solo", "device_ids": ["S"]}]}))
    client = make_app({"fixtures": str(tmp_path), "scenario": "solo"}).test_client()

    assert client.get("/__mock/scenarios").get_json() == {"scenarios": [{"name": "solo", "description": "one worker"}]}
    status, body = Api(client).track(seed_request(worker_handle="solo", ops_group_handle=None))
    assert (status, body["device_id"]) == (201, "S")


def test_the_shipped_large_scenario_is_what_its_generator_makes():
    assert (FIXTURES / "large.json").read_text() == large.dumps(large.build())


def test_the_large_scenario_loads_and_serves(client):
    api = Api(client)
    api.load_scenario("large")

    status, body = api.track({"track_mode": "on_time", "worker_handle": "worker-0000@example.com",
                              "ops_group_handle": "OPS_01", "orders": [
                                  {"order_handle": "fresh", "destination": {"place_handle": "place-007"}}]})
    assert status == 201, body
    assert api.track({"track_mode": "on_time", "worker_handle": "worker-0049@example.com",
                      "orders": seed_request()["orders"]})[1]["code"] == "driver_deleted"


def test_control_calls_answer_json_errors_for_unknown_paths(client):
    response = client.get("/__mock/nothing-here", headers=basic())
    assert (response.status_code, response.get_json()) == (404, {"detail": {}, "message": "Not Found"})
