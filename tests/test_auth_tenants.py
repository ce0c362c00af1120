"""CONTRACT §1: Basic and Bearer credentials, the 401 body, open mode, declared accounts, tenant privacy."""
from __future__ import annotations

import base64

import pytest
from conftest import Api, basic, seed_request

UNAUTHORIZED = {"detail": {}, "message": "Unauthorized"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("header", [
    None,
    "",
    "Basic",
    "Basic not-base64!",
    f"Basic {b64('no-colon')}",
    f"Basic {b64('acme:')}",
    f"Basic {b64(':secret')}",
    f"Digest {b64('acme:s3cret')}",
    "Bearer",
    "Bearer unknown-token",
], ids=["none", "empty", "no credential", "bad base64", "no colon", "empty secret", "empty account",
        "other scheme", "empty bearer", "unknown bearer"])
def test_missing_malformed_or_rejected_credentials_answer_401(client, header):
    headers = {"Authorization": header} if header is not None else {}

    response = client.post("/orders/track", json=seed_request(), headers=headers)

    assert (response.status_code, response.get_json()) == (401, UNAUTHORIZED)
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_open_mode_accepts_any_account_with_a_secret(client):
    assert Api(client, "anyone", "anything").track(seed_request())[0] == 201


def test_bearer_token_from_oauth_authenticates_as_the_account(client):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "acme",
                                                 "client_secret": "s3cret"})
    assert response.status_code == 200
    token = response.get_json()
    assert (token["token_type"], token["expires_in"]) == ("Bearer", 3600)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}

    assert client.post("/orders/track", json=seed_request(), headers=bearer).status_code == 201
    # Same tenant as Basic acme:s3cret: order-1 is now in progress there.
    assert Api(client).track(seed_request())[0] == 409


@pytest.mark.parametrize("form, status", [
    ({"grant_type": "password", "client_id": "acme", "client_secret": "s"}, 422),
    ({"grant_type": "client_credentials", "client_id": "acme"}, 422),
    ({"grant_type": "client_credentials", "client_id": "acme", "client_secret": ""}, 422),
])
def test_oauth_token_validates_its_form(client, form, status):
    response = client.post("/oauth/token", data=form)

    assert response.status_code == status
    assert response.get_json()["message"] == "Validation error"
    assert set(response.get_json()["detail"]["form"]) <= {"grant_type", "client_secret"}


class TestDeclaredAccounts:
    SCENARIO = {"accounts": [{"account_id": "acme", "secret_key": "s3cret"}],
                "workers": [{"worker_handle": "james@ht.com", "device_ids": ["D1"]}]}

    @pytest.fixture(autouse=True)
    def declared(self, client):
        response = client.post("/__mock/scenarios", json=self.SCENARIO)  # no Authorization: server-wide
        assert response.status_code == 200

    def test_only_declared_pairs_are_accepted(self, client):
        body = seed_request(ops_group_handle=None)
        assert Api(client, "acme", "s3cret").track(body)[0] == 201
        assert Api(client, "acme", "wrong").track(body) == (401, UNAUTHORIZED)
        assert Api(client, "other", "s3cret").track(body) == (401, UNAUTHORIZED)

    def test_oauth_refuses_undeclared_credentials_and_the_journal_says_why(self, client):
        response = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "acme",
                                                     "client_secret": "wrong"})
        assert (response.status_code, response.get_json()) == (401, UNAUTHORIZED)
        [entry] = client.get("/__mock/requests").get_json()["requests"]
        assert (entry["path"], entry["reason"]) == ("/oauth/token", "unknown client_id or wrong client_secret")

    def test_a_tenant_scenario_cannot_change_who_may_log_in(self, client):
        Api(client).load_scenario({"accounts": [{"account_id": "intruder", "secret_key": "x"}]})

        assert Api(client, "intruder", "x").track(seed_request())[0] == 401

    def test_control_calls_with_rejected_credentials_answer_401(self, client):
        response = client.post("/__mock/reset", headers=basic("acme", "wrong"))
        assert (response.status_code, response.get_json()) == (401, UNAUTHORIZED)


def test_tenants_never_see_each_other(client):
    acme, globex = Api(client, "acme"), Api(client, "globex")

    assert acme.track(seed_request())[0] == 201
    assert globex.track(seed_request())[0] == 201  # order-1 is in progress only for acme
    assert acme.track(seed_request())[0] == 409


def test_a_tenant_scenario_changes_only_that_tenant(client):
    acme, globex = Api(client, "acme"), Api(client, "globex")

    acme.load_scenario("worker_deleted")

    assert acme.track(seed_request())[1]["code"] == "driver_deleted"
    assert globex.track(seed_request())[0] == 201


def test_a_new_account_starts_from_the_startup_scenario_not_another_tenants_state(client):
    Api(client, "acme").load_scenario("worker_not_found")

    assert Api(client, "newcomer").track(seed_request())[0] == 201


def test_tenant_reset_leaves_other_tenants_alone(client):
    acme, globex = Api(client, "acme"), Api(client, "globex")
    acme.track(seed_request())
    globex.track(seed_request())

    assert client.post("/__mock/reset", headers=acme.headers).get_json() == {"status": "ok", "tenant": "acme"}

    assert acme.track(seed_request())[0] == 201
    assert globex.track(seed_request())[0] == 409
