"""The pact call (``GET /__mock/pact``): a tenant's journal as a Pact with HyperTrack, for PactFlow's
bi-directional contract testing.

PactFlow's ``swagger-mock-validator`` judges the pact in CI (``python -m contract.pact_check``); here, in
pure Python, every answer a pact states is held to HyperTrack's spec read as that validator reads it
(``as_validator_reads``: every object closed, ``required`` only beside a ``oneOf``), independently of
the mock's own reading (``mockserver/web/pact.py``).
"""
from __future__ import annotations

import copy
import json
import textwrap

import pytest
import requests
from conftest import ROOT, as_downstream, basic, seed_request
from openapi_schema_validator import OAS30Validator

from contract import answers, pact_check
from contract.reference import typed
from mockserver.web import pact as pacts

CONSUMER = "dispatch-app"


def as_validator_reads(node):
    """HyperTrack's schemas as swagger-mock-validator reads a response's (its ``transformSchema``)."""
    if isinstance(node, list):
        return [as_validator_reads(value) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: ({name: as_validator_reads(value) for name, value in value.items()} if key == "properties"
                  else as_validator_reads(value)) for key, value in node.items()}
    if (node.get("type") == "object" and node.get("additionalProperties", True) is True
            and not {"oneOf", "anyOf", "allOf"} & node.keys()):
        node["additionalProperties"] = False
    if "oneOf" not in node:
        node.pop("required", None)
    return node


@pytest.fixture(scope="module")
def judged_spec():
    spec = copy.deepcopy(typed())
    spec["components"]["schemas"] = as_validator_reads(spec["components"]["schemas"])
    return spec


def spec_errors(spec: dict, interaction: dict) -> list[str]:
    """What the spec, as the validator reads it, finds wrong with an interaction's answer."""
    reading = pacts.reading()
    operation = reading.operation(interaction["request"]["method"], interaction["request"]["path"])
    method, path = operation.split(" ", 1)
    documented = spec["paths"][path][method.lower()]["responses"][str(interaction["response"]["status"])]
    if "content" not in documented:
        return ["a body where HyperTrack documents none"] if "body" in interaction["response"] else []
    schema = as_validator_reads(documented["content"]["application/json"]["schema"])
    validator = OAS30Validator({**schema, "components": spec["components"]})
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in validator.iter_errors(interaction["response"].get("body"))]


def get_pact(client, account="acme", consumer=CONSUMER):
    response = client.get(f"/__mock/pact?consumer={consumer}", headers=basic(account))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_pact_of_one_exchange_says_who_what_and_which_specification(api, client):
    status, answer = api.track(seed_request())
    assert status == 201

    pact = get_pact(client)

    assert pact["consumer"] == {"name": CONSUMER}
    assert pact["provider"] == {"name": "HyperTrack"}
    assert pact["metadata"]["pactSpecification"] == {"version": "3.0.0"}
    [interaction] = pact["interactions"]
    assert interaction["description"] == "POST /orders/track answering 201"
    assert interaction["request"] == {
        "method": "POST", "path": "/orders/track", "body": seed_request(),
        "headers": {"Accept": "*/*", "Authorization": "Basic [redacted]", "Content-Type": "application/json"}}
    assert interaction["response"]["status"] == 201
    assert interaction["response"]["headers"] == {"Content-Type": "application/json"}
    assert interaction["response"]["body"] == answer, "a track answer is all HyperTrack's schema names"
    assert pact["metadata"]["hypertrack-mock"]["leftOut"] == []
    assert pact["metadata"]["hypertrack-mock"]["reduced"] == []


def test_the_query_is_a_map_of_lists_and_a_bearer_token_is_redacted(api, client):
    api.track(seed_request())
    token = client.post("/oauth/token", data=b"grant_type=client_credentials&client_id=acme&client_secret=s3cret",
                        content_type="application/x-www-form-urlencoded").get_json()["access_token"]

    response = client.get("/orders/?status=ongoing&limit=5", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200

    pact = get_pact(client)
    listed = next(i for i in pact["interactions"] if i["request"]["path"] == "/orders/")
    assert listed["request"]["query"] == {"status": ["ongoing"], "limit": ["5"]}
    assert listed["request"]["headers"]["Authorization"] == "Bearer [redacted]"
    assert token not in json.dumps(pact)


def test_a_pact_needs_a_tenant_and_a_consumer(client):
    without_credentials = client.get("/__mock/pact?consumer=app")
    without_consumer = client.get("/__mock/pact", headers=basic())

    assert without_credentials.status_code == 400
    assert "credentials" in without_credentials.get_json()["message"]
    assert without_consumer.status_code == 422
    assert without_consumer.get_json()["detail"] == {"query": {"consumer": ["Missing data for required field."]}}


def test_each_distinct_exchange_is_one_interaction(api, client):
    api.track(seed_request())
    for _ in range(3):
        api.call("GET", "/orders/order-1")
    api.call("POST", "/orders/order-1/complete", {})
    api.call("GET", "/orders/order-1")  # the same request, another answer: the order is completed

    pact = get_pact(client)

    assert [i["description"] for i in pact["interactions"]] == [
        "POST /orders/track answering 201", "GET /orders/order-1 answering 200",
        "POST /orders/order-1/complete answering 200", "GET /orders/order-1 answering 200 (2)"]


def test_what_the_spec_does_not_document_is_left_out_and_listed(api, client):
    api.track(seed_request())
    api.call("POST", "/orders/order-1/cancel", {})
    api.call("POST", "/orders/order-1/cancel", {})  # 409: HyperTrack documents none for Cancel Order
    api.call("POST", "/orders/order-1/cancel", {})
    api.call("GET", "/orders/order-1/nothing-here")
    client.post("/__mock/faults", headers=basic(), json={"path": "/workers/*", "drop_connection": "reset",
                                                         "times": 1})
    with pytest.raises(requests.ConnectionError):
        client.get("/workers/james@ht.com", headers=basic())

    pact = get_pact(client)

    assert [i["description"] for i in pact["interactions"]] == [
        "POST /orders/track answering 201", "POST /orders/order-1/cancel answering 200"]
    assert pact["metadata"]["hypertrack-mock"]["leftOut"] == [
        {"request": "POST /orders/order-1/cancel", "status": 409, "count": 2,
         "reason": "HyperTrack's spec documents no 409 for POST /orders/{order_handle}/cancel"},
        {"request": "GET /orders/order-1/nothing-here", "status": 404, "count": 1,
         "reason": "not an operation of HyperTrack's spec"},
        {"request": "GET /workers/james@ht.com", "status": None, "count": 1,
         "reason": "the connection was dropped (a fault rule): there is no answer to state"}]


def test_answers_are_reduced_to_what_the_spec_accepts_and_the_cuts_listed(api, client, judged_spec):
    api.track(seed_request())
    status, timeline = api.call("GET", "/orders/order-1")
    assert status == 200
    api.track(seed_request(ops_group_handle="NOPE"))          # 400: Error.detail is an object
    api.track({"track_mode": "sometimes"})                   # 422: a map of fields
    raw = client.get("/__mock/requests", headers=basic()).get_json()["requests"]

    pact = get_pact(client)
    by_status = {i["response"]["status"]: i for i in pact["interactions"] if i["request"]["path"] != "/orders/order-1"}
    read = next(i for i in pact["interactions"] if i["request"]["path"] == "/orders/order-1")

    # The timeline is written in the examples' event types (order_created, ...), which only the catch-all
    # OrderCustomEvent accepts: each event keeps the fields it names.
    assert [event["type"] for event in timeline["timeline"]] == ["order_created", "order_assigned", "order_started"]
    assert read["response"]["body"]["timeline"] == [
        {"type": event["type"], "recorded_at": event["recorded_at"]} for event in timeline["timeline"]]
    assert {key: value for key, value in read["response"]["body"].items() if key != "timeline"} == {
        key: value for key, value in timeline.items() if key != "timeline"}
    assert "detail" not in by_status[400]["response"]["body"] and by_status[400]["response"]["body"]["code"]
    assert by_status[422]["response"]["body"] == {"detail": {}, "message": "Validation error"}
    reduced = {r["interaction"]: r["removed"] for r in pact["metadata"]["hypertrack-mock"]["reduced"]}
    assert reduced["POST /orders/track answering 400"] == ["detail"]
    assert reduced["POST /orders/track answering 422"] == ["detail.json"]
    assert "timeline[0].order_handle" in reduced["GET /orders/order-1 answering 200"]
    # The reduction was needed: the answers as sent break the spec as the validator reads it.
    for index, interaction in ((1, read), (2, by_status[400]), (3, by_status[422])):
        sent = dict(interaction, response=dict(interaction["response"], body=raw[index]["response"]))
        assert spec_errors(judged_spec, sent), f"{interaction['description']} needed no reduction"
    for interaction in pact["interactions"]:
        assert spec_errors(judged_spec, interaction) == [], interaction["description"]


@pytest.fixture(scope="module")
def checked_journal_pact():
    """The pact of the CI check's journal (``contract.pact_check``): every operation, every documented answer."""
    from conftest import make_app

    app = make_app({"seed": 7})
    pact_check.play(app.url)
    try:
        return pact_check.fetch_pact(app.url)
    finally:
        app.server.stop()


def test_every_documented_answer_is_stated_and_fits_the_spec_as_the_validator_reads_it(checked_journal_pact,
                                                                                       judged_spec):
    assert pact_check.missing_answers(checked_journal_pact) == []
    assert [entry["reason"] for entry in checked_journal_pact["metadata"]["hypertrack-mock"]["leftOut"]] == [
        "HyperTrack's spec documents no 409 for POST /orders/{order_handle}/cancel",
        "not an operation of HyperTrack's spec"]
    errors = {i["description"]: spec_errors(judged_spec, i) for i in checked_journal_pact["interactions"]}
    assert {description: found for description, found in errors.items() if found} == {}
    assert all(i["request"]["headers"]["Authorization"] == "Basic [redacted]"
               for i in checked_journal_pact["interactions"])


def test_merged_pacts_state_each_interaction_once():
    one = {"metadata": {"hypertrack-mock": {"reduced": [{"interaction": "GET /x answering 200", "removed": ["a"]}],
                                            "leftOut": [{"request": "GET /y", "status": 404, "reason": "r",
                                                         "count": 1}], "journalDropped": 2}},
           "interactions": [{"description": "GET /x answering 200", "request": {"method": "GET", "path": "/x"},
                             "response": {"status": 200}}]}
    other = copy.deepcopy(one)
    other["interactions"].append({"description": "GET /x answering 200 (2)", "request": {"method": "GET", "path": "/x"},
                                  "response": {"status": 200, "body": {}}})

    merged = pacts.merge([one, other], "app")

    assert [i["description"] for i in merged["interactions"]] == ["GET /x answering 200", "GET /x answering 200 (2)"]
    assert merged["metadata"]["hypertrack-mock"]["leftOut"] == [
        {"request": "GET /y", "status": 404, "reason": "r", "count": 2}]
    assert merged["metadata"]["hypertrack-mock"]["reduced"] == [{"interaction": "GET /x answering 200",
                                                                  "removed": ["a"]}]
    assert merged["metadata"]["hypertrack-mock"]["journalDropped"] == 4


def test_the_shipped_answers_are_the_vendored_spec_s():
    """The package's copy of HyperTrack's documented answers (``contract/`` is not installed) is what
    ``python -m contract.answers`` writes from the vendored spec."""
    assert answers.SHIPPED.read_text() == answers.render(answers.answers())
    assert "hypertrack_answers.json" in (ROOT / "setup.cfg").read_text()


def test_the_plugin_writes_the_session_s_pact(pytester, monkeypatch):
    as_downstream(monkeypatch)
    pytester.makepyfile(test_downstream=textwrap.dedent('''
        import requests

        BODY = {"track_mode": "on_time", "worker_handle": "james@ht.com",
                "orders": [{"order_handle": "o-1", "destination": {"geometry": {"coordinates": [-121.9, 37.3]}}}]}

        def test_track(hypertrack_mock):
            assert requests.post(hypertrack_mock.url + "/orders/track", json=BODY, auth=hypertrack_mock.auth,
                                 timeout=10).status_code == 201
            assert requests.get(hypertrack_mock.url + "/workers/nobody", auth=hypertrack_mock.auth,
                                timeout=10).status_code == 404

        def test_track_again(hypertrack_mock):
            test_track(hypertrack_mock)
            requests.get(hypertrack_mock.url + "/orders/o-1/nothing", auth=hypertrack_mock.auth, timeout=10)
    '''))

    pytester.runpytest_subprocess("-n", "2", "--hypertrack-pact=out/pact.json",
                                  "--hypertrack-pact-consumer=dispatch").assert_outcomes(passed=2)

    pact = json.loads((pytester.path / "out" / "pact.json").read_text())
    assert pact["consumer"] == {"name": "dispatch"}
    # Each test's track answer has its own route_handle and times: two interactions.  The two tests' 404s
    # are the same exchange: one.
    assert sorted(i["description"] for i in pact["interactions"]) == [
        "GET /workers/nobody answering 404", "POST /orders/track answering 201",
        "POST /orders/track answering 201 (2)"]
    assert pact["metadata"]["hypertrack-mock"]["leftOut"] == [
        {"request": "GET /orders/o-1/nothing", "status": 404, "reason": "not an operation of HyperTrack's spec",
         "count": 1}]


def test_a_reduction_keeps_what_exactly_one_variant_accepts_and_says_what_it_took():
    reading = pacts.Reading({"operations": {}, "schemas": {
        "Point": {"type": "object", "properties": {"type": {"type": "string", "enum": ["Point"]},
                                                   "coordinates": {"type": "array", "items": {"type": "number"}}}},
        "Named": {"type": "object", "properties": {"type": {"type": "string"}, "name": {"type": "string",
                                                                                        "nullable": True}}},
        "Either": {"oneOf": [{"$ref": "#/components/schemas/Point"}, {"$ref": "#/components/schemas/Named"}]},
        "Page": {"type": "object", "properties": {"items": {"type": "array", "items": {
            "$ref": "#/components/schemas/Either"}}}, "required": ["items"]}}})
    page = {"items": [{"type": "Point", "coordinates": [1, 2], "radius": 5},   # Point, without radius
                      {"type": "custom", "name": None, "extra": True},         # Named, without extra
                      {"type": "Point"},                                       # both accept it: no variant alone
                      7],                                                      # no variant at all
            "next": "token"}
    removed = []

    reduced = reading.reduce(page, {"$ref": "#/components/schemas/Page"}, "", removed)

    assert reduced == {"items": [{"type": "Point", "coordinates": [1, 2]}, {"type": "custom", "name": None}]}
    assert removed == ["items[0].radius", "items[1].extra", "items[2]", "items[3]", "next"]
    assert reading.fits(reduced, {"$ref": "#/components/schemas/Page"})
    assert not reading.fits(page, {"$ref": "#/components/schemas/Page"})
