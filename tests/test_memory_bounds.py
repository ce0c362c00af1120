"""Memory bounded in bytes, honestly counted (issue 22, items 7 to 11): inboxes, the journal's count,
each account's control-plane state, OAuth tokens, and the accounts kept."""
from __future__ import annotations

import json
import time
import tracemalloc

from conftest import basic, make_app, seed_request

from mockserver.models.journal import Entry, Journal
from mockserver.models.webhooks import event as webhook_event

# --- 8. the journal counts what an entry costs -----------------------------------------------------


def _tiny_header_entry(n: int) -> Entry:
    """An entry as the server makes one for a request with 100 one-byte headers (names lower-cased,
    values decoded from latin-1, as ``serve.http`` reads them)."""
    headers = [(f"X-{i}".lower(), b"a".decode("latin-1")) for i in range(100)]
    return Entry(time.time(), "acme", "GET", f"/orders/o-{n}", "", headers, b"", 404,
                 b'{"detail": {}, "message": "Order not found"}', None, None, 0.1)


def test_a_journal_of_tiny_header_requests_holds_about_its_byte_budget():
    budget = 4 * 1024 * 1024
    journal = Journal(cap=1_000_000, max_bytes=budget)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(2000):
            journal.record(_tiny_header_entry(n))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert budget / 2 < held < 1.2 * budget, f"a journal of {budget} bytes holds {held}"
    assert journal.dropped > 0 and journal.bytes <= budget


# --- 7. inboxes keep each body once, within their byte budgets ---------------------------------------

def test_an_inbox_keeps_its_latest_deliveries_within_its_budget_and_says_how_many_it_dropped():
    app = make_app({"inbox_bytes": 64 * 1024})
    client = app.test_client()
    for n in range(10):
        body = json.dumps({"n": n, "padding": "x" * 20_000})
        assert client.post("/__mock/inbox/box", data=body, headers={"Content-Type": "application/json"}
                           ).status_code == 200

    read = client.get("/__mock/inbox/box").get_json()
    assert [delivery["json"]["n"] for delivery in read["deliveries"]] == [7, 8, 9]
    assert read["dropped"] == 7 and read["bytes"] <= read["max_bytes"] == 64 * 1024
    assert read["deliveries"][0]["body"] == json.dumps({"n": 7, "padding": "x" * 20_000})


def test_inboxes_together_keep_within_their_budget_the_least_recently_used_losing_first():
    app = make_app({"inbox_bytes": 64 * 1024, "inboxes_bytes": 100 * 1024})
    client = app.test_client()
    for name in ("a", "a", "b", "b", "c", "c"):
        client.post(f"/__mock/inbox/{name}", data="y" * 30_000)

    kept = {name: client.get(f"/__mock/inbox/{name}").get_json() for name in "abc"}
    assert [(len(kept[n]["deliveries"]), kept[n]["dropped"]) for n in "abc"] == [(0, 2), (1, 1), (2, 0)]
    assert app.mock.inboxes.bytes <= 100 * 1024


def test_a_delivery_larger_than_an_inbox_can_hold_is_a_413():
    client = make_app({"inbox_bytes": 8192}).test_client()

    response = client.post("/__mock/inbox/box", data="z" * 10_000)

    assert response.status_code == 413
    assert "8192 bytes" in response.get_json()["detail"]["json"][0]
    assert client.get("/__mock/inbox/box").get_json()["deliveries"] == []


def test_an_inbox_keeps_a_body_once_as_bytes():
    app = make_app({})
    body = json.dumps(list(range(100_000))).encode()
    app.test_client().post("/__mock/inbox/box", data=body, headers={"Content-Type": "application/json"})

    [delivery] = app.mock.inboxes.get("box").received
    assert type(delivery) is bytes and delivery.endswith(body) and len(delivery) < len(body) + 1000


def test_a_100000_deep_json_body_to_an_inbox_is_kept_and_read_back_as_text():
    client = make_app({}).test_client()
    deep = "[" * 100_000 + "]" * 100_000

    assert client.post("/__mock/inbox/deep", data=deep, headers={"Content-Type": "application/json"}
                       ).status_code == 200
    [delivery] = client.get("/__mock/inbox/deep").get_json()["deliveries"]
    assert delivery["json"] is None and delivery["body"] == deep


# --- 9. what the control plane stores for an account has a byte budget -------------------------------

def test_a_fault_rule_past_the_accounts_budget_is_a_413_naming_the_budget_and_changes_nothing():
    client = make_app({"account_bytes": 1024 * 1024}).test_client()
    rule = {"path": "/orders/track", "status": 500, "body": list(range(20_000))}

    assert client.post("/__mock/faults", json=rule, headers=basic()).status_code == 201
    refused = client.post("/__mock/faults", json=rule, headers=basic())

    assert refused.status_code == 413
    detail = refused.get_json()["detail"]
    assert detail["budget"] == "account_bytes" and detail["limit"] == 1024 * 1024
    assert 700_000 < detail["used"] < detail["limit"] < detail["used"] + detail["needed"]
    assert "--account-bytes" in detail["json"][0]
    assert len(client.get("/__mock/faults", headers=basic()).get_json()["faults"]) == 1


def test_a_scenario_whose_state_passes_the_accounts_budget_is_a_413_and_the_account_keeps_its_state():
    client = make_app({"account_bytes": 256 * 1024}).test_client()
    client.post("/__mock/workers", json={"worker_handle": "kept@ht.com"}, headers=basic())

    refused = client.post("/__mock/scenarios/large", headers=basic())

    assert refused.status_code == 413 and refused.get_json()["detail"]["budget"] == "account_bytes"
    assert client.get("/workers/kept@ht.com", headers=basic()).status_code == 200


class _Message:
    """A delivery as the dispatcher hands it to the tenant: the JSON of its records, and its events."""

    def __init__(self, size: int):
        self.records, self.delivery = b"[" + b"0," * (size // 2) + b"0]", {"status": 200, "retries": 0}

    def events(self):
        return []


def test_webhook_messages_kept_past_the_accounts_budget_let_the_oldest_go():
    app = make_app({"account_bytes": 256 * 1024})
    tenant = app.backend.tenant("acme")
    messages = [_Message(4000) for _ in range(100)]
    for message in messages:
        tenant.note_sent(message)

    assert tenant.sent[-1] is messages[-1] and 0 < len(tenant.sent) < 100
    assert tenant.sent_dropped == 100 - len(tenant.sent) and tenant.sent_bytes <= 256 * 1024


class _OrderMessage(_Message):
    """A delivery of one ``started`` event of an order, padded to ``size`` bytes of records."""

    def __init__(self, order: dict, n: int, size: int):
        super().__init__(size)
        self.record = ("order", "started", f"2023-11-01T22:48:{n:02d}.000Z", "2023-11-01T22:48:00.000Z",
                       order["device_id"], order.get("worker_handle"), order["order_handle"], order["route_handle"],
                       order["status"], order.get("share_url"), {"n": n}, None)

    def events(self):
        return [webhook_event(self.record, "acme")]


def test_get_order_webhooks_pages_on_without_a_repeat_after_the_oldest_messages_are_dropped():
    app = make_app({"account_bytes": 100 * 1024})
    client = app.test_client()
    [order] = client.post("/orders/track", json=seed_request(), headers=basic()).get_json()["orders"][:1]
    tenant = app.backend.tenants["acme"]
    url = f"/orders/{order['order_handle']}/webhooks"
    for n in range(2):
        tenant.note_sent(_OrderMessage(order, n, 3000))
    first = client.get(url + "?limit=1", headers=basic()).get_json()
    assert [event["data"]["metadata"]["n"] for event in first["webhooks"]] == [1]

    for n in range(2, 5):  # the oldest go: three of 31 KB fit in 100 KiB
        tenant.note_sent(_OrderMessage(order, n, 3000))
    rest = client.get(url + f"?limit=10&pagination_token={first['pagination_token']}", headers=basic()).get_json()
    newest = client.get(url + "?limit=10", headers=basic()).get_json()

    assert tenant.sent_dropped == 2 and rest["webhooks"] == []
    assert [event["data"]["metadata"]["n"] for event in newest["webhooks"]] == [4, 3, 2]


# --- 10. OAuth tokens: a cap, and expiry on the account's clock ---------------------------------------

UNAUTHORIZED = {"detail": {}, "message": "Unauthorized"}


def _token(client, account: str) -> str:
    response = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": account,
                                                  "client_secret": "s3cret"})
    assert response.status_code == 200, response.text
    return response.get_json()["access_token"]


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_expires_when_its_accounts_clock_passes_its_hour():
    client = make_app({}).test_client()
    token = _token(client, "acme")
    assert client.get("/orders/?limit=1", headers=_bearer(token)).status_code == 200

    client.post("/__mock/clock", json={"advance_seconds": 3599}, headers=basic())
    assert client.get("/orders/?limit=1", headers=_bearer(token)).status_code == 200
    client.post("/__mock/clock", json={"advance_seconds": 2}, headers=basic())
    expired = client.get("/orders/?limit=1", headers=_bearer(token))

    assert expired.status_code == 401 and expired.get_json() == UNAUTHORIZED
    assert client.get("/orders/?limit=1", headers=_bearer(_token(client, "acme"))).status_code == 200


def test_past_the_token_cap_the_oldest_token_is_forgotten():
    client = make_app({"max_tokens": 3}).test_client()
    tokens = [_token(client, f"account-{n}") for n in range(4)]

    answers = [client.get("/orders/?limit=1", headers=_bearer(token)) for token in tokens]

    assert [answer.status_code for answer in answers] == [401, 200, 200, 200]
    assert answers[0].get_json() == UNAUTHORIZED


# --- 11. accounts are bounded in bytes, and one in use is never let go -------------------------------

def test_501_fresh_accounts_do_not_evict_one_used_a_moment_ago():
    client = make_app({}).test_client()
    assert client.post("/orders/track", json=seed_request(), headers=basic("victim")).status_code == 201

    for n in range(501):
        assert client.get("/orders/?limit=1", headers=basic(f"fresh-{n}")).status_code == 200

    assert client.get("/orders/order-1", headers=basic("victim")).status_code == 200


def test_when_the_accounts_budget_is_full_of_accounts_in_use_a_new_one_gets_a_503_and_nobody_loses_state():
    app = make_app({"tenants_bytes": 1024 * 1024})
    client = app.test_client()
    assert client.post("/orders/track", json=seed_request(), headers=basic("victim")).status_code == 201

    statuses = [client.get("/orders/?limit=1", headers=basic(f"fresh-{n}")) for n in range(200)]
    full = statuses[-1]

    assert full.status_code == 503
    assert full.get_json()["code"] == "mock_memory_full" and full.get_json()["detail"]["budget"] == "tenants_bytes"
    assert 20 < [answer.status_code for answer in statuses].index(503) < 120
    assert "victim" in app.backend.tenants and "fresh-199" not in app.backend.tenants
    assert client.get("/orders/order-1", headers=basic("victim")).status_code == 200
    assert client.post("/__mock/faults", json={"status": 500}, headers=basic("fresh-199")).status_code == 503

    app.backend.active_seconds = 0  # as if a minute went by: the least recently used make room
    assert client.get("/orders/?limit=1", headers=basic("fresh-199")).status_code == 200
    assert "fresh-0" not in app.backend.tenants and "victim" in app.backend.tenants


def test_max_tenants_still_caps_accounts_by_number_without_letting_one_in_use_go():
    app = make_app({"max_tenants": 2})
    client = app.test_client()
    for account in ("t1", "t2"):
        assert client.get("/orders/?limit=1", headers=basic(account)).status_code == 200

    full = client.get("/orders/?limit=1", headers=basic("t3"))

    assert full.status_code == 503 and full.get_json()["detail"]["budget"] == "max_tenants"
    assert sorted(app.backend.tenants) == ["t1", "t2"]


def test_resetting_an_account_makes_room_for_another_at_once():
    app = make_app({"tenants_bytes": 1024 * 1024})
    client = app.test_client()
    n = 0
    while client.get("/orders/?limit=1", headers=basic(f"a{n}")).status_code == 200:
        n += 1
    assert client.post("/__mock/reset", headers=basic("a0")).status_code == 200

    assert client.get("/orders/?limit=1", headers=basic("newcomer")).status_code == 200
