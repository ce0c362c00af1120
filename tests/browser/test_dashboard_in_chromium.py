"""The dashboard (GET /__mock/ui) driven in a real headless browser: Debian's chromium through Playwright.

Collected only when ``HYPERTRACK_MOCK_BROWSER`` names the browser (``/usr/bin/chromium``; .ci/run sets
it), see tests/conftest.py.  Each test signs in with an account of its own on one mock per module; the
page polls every 1.5 s, so what a test sends through the API shows up without a reload.  Screenshots of
the main views go to ``$HYPERTRACK_MOCK_SCREENSHOTS`` (default: a directory under pytest's basetemp);
``python docs/screenshots.py`` runs this module with it set to docs/img/.
"""
from __future__ import annotations

import json
import os
import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright

from mockserver.models.geo import distance
from mockserver.testing import MockServer

BROWSER = os.environ.get("HYPERTRACK_MOCK_BROWSER", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
#: The seed request: HyperTrack's own "Create and track orders" example (two orders at one point).
SEED = json.loads((ROOT / "fixtures" / "default.json").read_text())["examples"][0]["request"]
#: A route whose destinations are of every kind: points with their radius, a geofence's polygon, a place.
FOUR_STOPS = {"worker_handle": "maria@ht.com", "track_mode": "on_time", "orders": [
    {"order_handle": "stop-1", "type": "pick",
     "destination": {"geometry": {"type": "Point", "coordinates": [-121.9, 37.38]}, "radius": 100}},
    {"order_handle": "stop-2", "type": "drop",
     "destination": {"geometry": {"type": "Point", "coordinates": [-121.86, 37.33]}, "radius": 300}},
    {"order_handle": "stop-3", "type": "drop", "destination": {"geofence_id": "geofence-1"}},
    {"order_handle": "stop-4", "type": "drop", "destination": {"place_handle": "store-1"}}]}
#: James's phone parked 1 km south of order-1 (radius 50 m); order-2 about 4.9 km on (CONTRACT §9).
PHONE_ROUTE = {"workers": [{"worker_handle": "james@ht.com", "device_ids": ["PHONE-1"],
                            "phone": {"location": [-121.9, 37.291], "speed_kmh": 36, "dwell_seconds": 60}}],
               "routes": [{"route_handle": "drive", "status": "tracking", "worker_handle": "james@ht.com",
                           "track_mode": "on_time", "orders": [
                   {"order_handle": "order-1", "destination": {"geometry": {"type": "Point", "coordinates": [-121.9, 37.3]},
                                                               "radius": 50}},
                   {"order_handle": "order-2", "destination": {"geometry": {"type": "Point", "coordinates": [-121.86, 37.33]},
                                                               "radius": 200}}]}]}
FROZEN_AT = "2023-11-01T22:47:53.512Z"
WAIT_MS = 10_000  # the page polls every 1.5 s


@pytest.fixture(scope="module")
def server():
    mock = MockServer({"seed": 5, "admin_token": "admin-secret", "max_body_bytes": 64 << 20}).start()
    yield mock
    mock.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=BROWSER, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    directory = Path(os.environ.get("HYPERTRACK_MOCK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class Tenant:
    """An account of its own on the test's mock, and the API as a client of the mock would call it."""

    def __init__(self, url: str):
        self.url, self.account = url, f"ui-{uuid.uuid4().hex[:10]}"
        self.auth = (self.account, "s3cret")

    def call(self, method: str, path: str, body=None) -> requests.Response:
        return requests.request(method, self.url + path, json=body, auth=self.auth, timeout=10)


@pytest.fixture
def tenant(server) -> Tenant:
    return Tenant(server.url)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("request", lambda request: None if request.url.startswith((server.url, "data:"))
            else problems.append(f"a request off the server: {request.url}"))
    yield page
    context.close()
    assert problems == []


def sign_in(page: Page, url: str, tenant: Tenant | None = None, *, admin: str | None = None) -> None:
    page.goto(url + "/__mock/ui")
    if tenant is None:
        page.get_by_label("None (server-wide only)").check()
    else:
        page.get_by_label("Account id", exact=True).fill(tenant.account)
        page.get_by_label("Secret key").fill(tenant.auth[1])
    if admin:
        page.get_by_label("Admin token").fill(admin)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-out")).to_be_visible()


def view(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Views").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=2, name=name)).to_be_focused()


def last_call(page: Page):
    return page.locator("#call-log li").first


def pretty(body) -> str:
    """A body as the page shows what it sent (JSON.stringify's two-space indent)."""
    return json.dumps(body, indent=2, ensure_ascii=False)


def when(instant: str) -> str:
    """An instant as the page shows it: 2023-11-01 22:47:53.512."""
    return instant.replace("T", " ").replace("Z", "")


def iso(instant: datetime) -> str:
    """An instant as the mock writes it: 2023-11-01T22:47:53.512Z."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_sign_in_track_the_seed_and_see_the_route_its_orders_and_their_timelines(page, server, tenant):
    sign_in(page, server.url, tenant)
    expect(page.locator("#who")).to_contain_text(f"tenant {tenant.account}")
    expect(page.locator("#table-workers")).to_contain_text("james@ht.com")
    view(page, "Routes")
    expect(page.locator("#routes-table tbody tr")).to_have_count(1)  # default's planned route

    assert tenant.call("POST", "/orders/track", SEED).status_code == 201

    rows = page.locator("#routes-table tbody tr")
    expect(rows).to_have_count(2)  # appeared without a reload
    expect(rows.nth(1)).to_contain_text("tracking")
    expect(rows.nth(1)).to_contain_text("2 ongoing")
    rows.nth(1).get_by_role("button").click()
    orders = page.locator("#route-orders tbody tr")
    expect(orders).to_have_count(2)
    expect(orders.nth(0)).to_contain_text("order-1")
    expect(orders.nth(0)).to_contain_text("ongoing")
    expect(page.locator("svg.plot .destination")).to_have_count(2)
    expect(page.locator("svg.plot text")).to_have_text(["1, 2"])  # one spot, both orders

    orders.nth(0).get_by_role("link", name="order-1").click()
    timeline = page.locator("#timeline li")
    expect(timeline.first).to_contain_text("order_created")
    expect(page.locator("#timeline")).to_contain_text("order_started")
    assert tenant.call("POST", "/orders/order-1/complete").status_code == 200
    expect(page.locator("#timeline")).to_contain_text("order_completed")
    # the page read the data plane through /__mock/peek: its own reads are not in the journal
    journal = tenant.call("GET", "/__mock/requests").json()["requests"]
    assert [(e["method"], e["path"]) for e in journal] == [("POST", "/orders/track"), ("POST", "/orders/order-1/complete")]


def test_destinations_are_drawn_points_with_their_radius_polygons_in_sequence(page, server, tenant, shots):
    assert tenant.call("POST", "/orders/track", FOUR_STOPS).status_code == 201
    sign_in(page, server.url, tenant)
    view(page, "Routes")
    page.locator("#routes-table tbody tr", has_text="maria@ht.com").get_by_role("button").click()

    expect(page.locator("#route-orders tbody tr")).to_have_count(4)
    expect(page.locator("svg.plot .destination")).to_have_count(4)
    expect(page.locator("svg.plot circle.radius")).to_have_count(3)  # the two points and the place
    expect(page.locator("svg.plot polygon.polygon")).to_have_count(1)  # the geofence
    expect(page.locator("svg.plot polyline.sequence")).to_have_count(1)
    expect(page.locator("svg.plot .destination title")).to_have_text(
        ["1. stop-1 (ongoing)", "2. stop-2 (ongoing)", "3. stop-3 (ongoing)", "4. stop-4 (ongoing)"])
    page.screenshot(path=shots / "routes.png", full_page=True)


def test_a_fault_added_on_the_page_fails_the_next_request_and_the_journal_shows_it(page, server, tenant, shots):
    sign_in(page, server.url, tenant)
    view(page, "Control")
    form = page.locator("#fault-form")
    form.get_by_label("Method").select_option("POST")
    form.get_by_label("Path").fill("/orders/track")
    form.get_by_label("Status").fill("503")
    form.get_by_label("Times").fill("1")
    form.get_by_role("button", name="Add the rule").click()

    call = last_call(page)
    expect(call).to_contain_text("201 POST /__mock/faults")
    expect(call.locator("pre.sent")).to_contain_text('"status": 503')
    expect(call.locator("pre.answer")).to_contain_text('"remaining": 1')
    expect(page.locator("#faults-table tbody")).to_contain_text("answers 503")

    assert tenant.call("POST", "/orders/track", SEED).status_code == 503
    assert tenant.call("POST", "/orders/track", SEED).status_code == 201

    view(page, "Journal")
    entries = page.locator("#journal-list > li")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("201")  # newest first
    expect(entries.nth(1)).to_contain_text("503")
    expect(entries.nth(1)).to_contain_text("fault 1")
    entries.nth(1).locator("summary").click()
    expect(entries.nth(1).locator(".request-body")).to_contain_text('"worker_handle": "james@ht.com"')
    expect(entries.nth(1).locator(".response-body")).to_contain_text("Service Unavailable")
    expect(entries.nth(1)).to_contain_text("Basic [redacted]")
    entries.nth(1).get_by_role("button", name="Copy as curl").click()
    command = entries.nth(1).locator("pre.curl")
    expect(command).to_contain_text(f"curl -X POST '{server.url}/orders/track'")
    expect(command).to_contain_text(f"-u '{tenant.account}:'\"$SECRET_KEY\"")
    page.screenshot(path=shots / "journal.png", full_page=True)

    page.locator("#journal-filter").get_by_label("Status").fill("5xx")
    page.locator("#journal-filter").get_by_role("button", name="Filter").click()
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("503")


def test_load_a_scenario_reset_and_see_the_call_each_made(page, server, tenant):
    sign_in(page, server.url, tenant)
    view(page, "Control")
    page.locator("#scenario-name").select_option("worker_not_linked")
    expect(page.locator("#scenario-description")).not_to_be_empty()
    page.get_by_role("button", name="Load the scenario").click()

    expect(last_call(page)).to_contain_text("200 POST /__mock/scenarios/worker_not_linked")
    expect(last_call(page).locator("pre.answer")).to_contain_text(f'"tenant": "{tenant.account}"')
    assert tenant.call("POST", "/orders/track", SEED).json()["code"] == "driver_not_linked_to_device"
    view(page, "Overview")
    expect(page.locator("#table-workers")).to_contain_text("none linked")

    view(page, "Control")
    page.get_by_role("button", name="Reset the tenant").click()
    expect(last_call(page)).to_contain_text("200 POST /__mock/reset")
    view(page, "Overview")
    expect(page.locator("#table-workers")).not_to_contain_text("none linked")


def test_freeze_advance_and_release_the_clock(page, server, tenant, shots):
    sign_in(page, server.url, tenant)
    view(page, "Control")
    page.get_by_label("Freeze at (ISO 8601)").fill(FROZEN_AT)
    page.get_by_role("button", name="Freeze").click()

    expect(page.locator("#clock")).to_have_text("Clock frozen at 2023-11-01 22:47:53.512")
    expect(last_call(page).locator("pre.answer")).to_contain_text(f'"frozen_at": "{FROZEN_AT}"')
    assert tenant.call("POST", "/orders/track", SEED).json()["created_at"] == FROZEN_AT
    page.get_by_label("Advance by (seconds)").fill("3600")
    page.get_by_role("button", name="Advance").click()
    expect(page.locator("#clock")).to_have_text("Clock frozen at 2023-11-01 23:47:53.512")
    page.screenshot(path=shots / "control.png", full_page=True)

    page.get_by_role("button", name="Release").click()
    expect(page.locator("#clock")).not_to_contain_text("frozen")
    assert tenant.call("GET", "/__mock/clock").json()["frozen_at"] is None


def test_set_a_webhook_emit_a_device_event_and_see_the_deliveries(page, server, tenant, shots):
    sign_in(page, server.url, tenant)
    view(page, "Webhooks")
    page.get_by_label("or the mock's inbox named").fill(tenant.account)
    page.get_by_role("button", name="Set the webhook").click()
    expect(last_call(page)).to_contain_text("200 PUT /__mock/webhook")
    expect(page.locator("#webhook-now")).to_contain_text(f"/__mock/inbox/{tenant.account}")
    assert tenant.call("POST", "/orders/track", SEED).status_code == 201

    view(page, "Control")
    page.locator("#event-form").get_by_label("Order handle").fill("order-1")
    page.locator("#event-form").get_by_label("Event").select_option("arrived")
    page.get_by_role("button", name="Emit").click()
    expect(last_call(page)).to_contain_text("201 POST /__mock/orders/order-1/events")

    view(page, "Orders")
    page.locator("#orders-table").get_by_role("link", name="order-2", exact=True).click()
    page.get_by_role("button", name="Emit exited").click()  # from the order's own page
    expect(last_call(page)).to_contain_text("201 POST /__mock/orders/order-2/events")

    view(page, "Webhooks")
    deliveries = page.locator("#delivery-list > li")
    expect(deliveries).to_have_count(3)
    expect(deliveries.first).to_contain_text("order exited (order-2)")
    expect(deliveries.nth(1)).to_contain_text("200")
    expect(deliveries.nth(1)).to_contain_text("1 event")
    deliveries.nth(1).locator("summary").click()
    expect(deliveries.nth(1)).to_contain_text("order arrived (order-1)")
    page.screenshot(path=shots / "webhooks.png", full_page=True)


def test_the_server_wide_view_lists_tenants_with_the_admin_token(page, server, tenant):
    assert tenant.call("POST", "/orders/track", SEED).status_code == 201
    sign_in(page, server.url, None, admin="admin-secret")

    expect(page.get_by_role("heading", level=2, name="Server")).to_be_visible()
    expect(page.get_by_role("link", name="Routes")).to_be_hidden()  # no tenant: only the server-wide view
    row = page.locator("#tenants-table tbody tr", has_text=tenant.account)
    expect(row.locator("td").nth(2)).to_have_text("2")  # routes: default's planned one and the seed's
    expect(row.locator("td").nth(3)).to_have_text("4")  # orders

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server.url, None, admin="wrong")
    expect(page.locator("#server")).to_contain_text("answered 401: this server needs its admin token")


def test_a_bearer_token_signs_in_too(page, server, tenant):
    token = requests.post(server.url + "/oauth/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": tenant.account, "client_secret": "s3cret"}).json()
    page.goto(server.url + "/__mock/ui")
    page.get_by_label("Bearer token").check()
    page.get_by_label("Access token").fill("not-a-token")
    page.get_by_role("button", name="Sign in").click()  # a 401 (with WWW-Authenticate) comes back to the page
    expect(page.locator("#signin-error")).to_have_text("The mock refused these credentials (401).")
    page.get_by_label("Access token").fill(token["access_token"])
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("#who")).to_contain_text(f"a Bearer token: tenant {tenant.account}")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Account id and secret").check()
    page.get_by_label("Account id", exact=True).fill(tenant.account)
    page.get_by_label("Secret key").fill("")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-error")).to_have_text("Give an account id and a secret key.")


def test_ten_thousand_orders_are_paged_and_the_page_stays_responsive(page, server, tenant):
    routes = [{"route_handle": f"r-{r:04d}", "status": "tracking" if r % 2 else "planned", "worker_handle": "james@ht.com",
               "track_mode": "on_time", "orders": [
                   {"order_handle": f"o-{r:04d}-{k}", "destination": {"geometry": {
                       "type": "Point", "coordinates": [-121.9 + k / 100, 37.3 + r / 10_000]}, "radius": 50}}
                   for k in range(10)]} for r in range(1000)]
    big = {"workers": [{"worker_handle": "james@ht.com", "device_ids": ["PHONE"]}], "routes": routes}
    assert tenant.call("POST", "/__mock/scenarios", big).status_code == 200
    for n in range(1100):  # a full journal, and more
        requests.get(f"{server.url}/orders/o-{n % 1000:04d}-0", auth=tenant.auth, timeout=10)
    sign_in(page, server.url, tenant)
    expect(page.locator(".counts")).to_contain_text("10000 orders")

    view(page, "Orders")
    expect(page.locator("#orders-table tbody tr")).to_have_count(25)
    page.get_by_role("group", name="Orders pages").get_by_role("button", name="Next").click()
    expect(page.locator("#orders-table tbody tr").first).to_contain_text("o-0002-5")
    view(page, "Journal")
    expect(page.locator("#journal-list > li")).to_have_count(25)
    journal = tenant.call("GET", "/__mock/requests").json()
    kept = len(journal["requests"])
    assert journal["dropped"] > 0  # full: within its 1,000 entries and 1 MiB, the oldest went
    expect(page.get_by_role("group", name="Journal pages")).to_contain_text(f"1 to 25 of {kept} (page 1 of {-(-kept // 25)})")
    page.get_by_role("group", name="Journal pages").get_by_role("button", name="Next").click()
    expect(page.get_by_role("group", name="Journal pages")).to_contain_text(f"26 to 50 of {kept}")
    assert page.locator("#journal-list > li").count() == 25  # a page of rows drawn, not a 1,000-row list


def test_keyboard_only_sign_in_and_navigation(page, server, tenant):
    page.goto(server.url + "/__mock/ui")
    expect(page.get_by_label("Account id", exact=True)).to_be_focused()
    page.keyboard.type(tenant.account)
    page.keyboard.press("Tab")
    page.keyboard.type("s3cret")
    page.keyboard.press("Enter")
    expect(page.locator("#table-workers")).to_be_visible()

    page.get_by_role("link", name="Journal").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=2, name="Journal")).to_be_focused()
    expect(page.get_by_role("link", name="Journal")).to_have_attribute("aria-current", "page")


def test_readable_on_a_phone(browser, server, tenant, shots):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    try:
        assert tenant.call("POST", "/orders/track", SEED).status_code == 201
        sign_in(page, server.url, tenant)
        view(page, "Routes")
        expect(page.locator("#routes-table tbody tr")).to_have_count(2)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # wide tables scroll in their own box
        page.screenshot(path=shots / "phone.png")
    finally:
        context.close()


def test_screenshot_of_the_overview(page, server, tenant, shots):
    tenant.call("POST", "/__mock/clock", {"frozen_at": FROZEN_AT})
    assert tenant.call("POST", "/orders/track", SEED).status_code == 201
    sign_in(page, server.url, tenant)
    expect(page.locator("#table-workers")).to_contain_text("james@ht.com")
    expect(page.locator(".counts")).to_contain_text("4 orders")
    page.screenshot(path=shots / "overview.png", full_page=True)
    assert re.match(r"overview:\d+", page.locator("body").get_attribute("data-rendered"))


def test_a_long_route_is_plotted_whole_and_its_orders_paged(page, server, tenant):
    route = {"route_handle": "long", "status": "planned", "worker_handle": "james@ht.com", "track_mode": "on_time",
             "orders": [{"order_handle": f"stop-{n:02d}", "destination": {"geometry": {
                 "type": "Point", "coordinates": [-121.9 + n / 500, 37.3 + (n % 7) / 500]}, "radius": 40}}
                 for n in range(60)]}
    assert tenant.call("POST", "/__mock/scenarios", {"workers": [{"worker_handle": "james@ht.com"}],
                                                     "routes": [route]}).status_code == 200
    sign_in(page, server.url, tenant)
    view(page, "Routes")
    page.locator("#routes-table").get_by_role("button", name="long").click()
    expect(page.get_by_role("heading", name="Route long")).to_be_focused()

    expect(page.locator("svg.plot .destination")).to_have_count(60)
    expect(page.locator("#route-orders tbody tr")).to_have_count(25)
    pages = page.get_by_role("group", name="Orders of the route pages")
    expect(pages).to_contain_text("1 to 25 of 60")
    pages.get_by_role("button", name="Next").click()
    expect(page.locator("#route-orders tbody tr").first).to_contain_text("26")
    expect(page.locator("#route-orders tbody tr").first).to_contain_text("stop-25")


def drive_route(page: Page, url: str, tenant: Tenant) -> datetime:
    """Load PHONE_ROUTE, freeze the clock at the instant it was loaded (returned), sign in and open the route."""
    assert tenant.call("POST", "/__mock/scenarios", PHONE_ROUTE).status_code == 200
    now = tenant.call("GET", "/__mock/clock").json()["now"]
    assert tenant.call("POST", "/__mock/clock", {"frozen_at": now}).status_code == 200
    sign_in(page, url, tenant)
    view(page, "Routes")
    page.locator("#routes-table").get_by_role("button", name="drive").click()
    expect(page.locator("#phone-state")).to_contain_text("Phone PHONE-1 of james@ht.com: at -121.9, 37.291; parked; heading to order-1")
    return datetime.fromisoformat(now.replace("Z", "+00:00"))


def test_drive_the_phone_and_advance_the_clock_until_order_1_arrives(page, server, tenant, shots):
    loaded = drive_route(page, server.url, tenant)
    plotted = page.locator("svg.plot")
    expect(plotted.locator("g.phone circle.phone-dot")).to_have_count(1)
    expect(plotted.locator("g.phone line.heading")).to_have_count(1)  # towards order-1
    expect(plotted.locator(".destination.arrived")).to_have_count(0)

    page.locator("#phone-drive").get_by_role("button", name="Drive").click()
    expect(last_call(page)).to_contain_text("200 PUT /__mock/workers/james%40ht.com/phone")
    expect(last_call(page).locator("pre.sent")).to_have_text(pretty({"driving": True}))
    expect(page.locator("#phone-state")).to_contain_text("driving at 36 km/h; heading to order-1")
    page.get_by_role("button", name="+5 min").click()  # 950 m at 10 m/s, 60 s there, then on to order-2
    expect(last_call(page)).to_contain_text("200 POST /__mock/clock")
    expect(page.locator("#clock")).to_have_text(f"Clock frozen at {when(iso(loaded + timedelta(minutes=5)))}")

    order_1, order_2 = (tenant.call("GET", f"/orders/order-{n}").json() for n in (1, 2))
    assert iso(loaded) < order_1["arrived_at"] < order_1["exited_at"] <= iso(loaded + timedelta(minutes=5))
    assert order_1.get("estimate") is None and order_2.get("arrived_at") is None and order_2["estimate"]["arrive_at"]
    phone = tenant.call("GET", "/__mock/workers/james@ht.com/phone").json()
    assert (phone["driving"], phone["heading_to"]) == (True, "order-2")
    rows = page.locator("#route-orders tbody tr")
    expect(rows.nth(0)).to_contain_text(when(order_1["arrived_at"]))
    expect(rows.nth(1)).to_contain_text(when(order_2["estimate"]["arrive_at"]))
    expect(plotted.locator(".destination.arrived")).to_have_count(1)
    expect(plotted.locator(".destination.arrived title")).to_have_text(
        f"1. order-1 (ongoing), arrived {when(order_1['arrived_at'])}, exited {when(order_1['exited_at'])}")
    expect(plotted.locator("text.number")).to_have_text(["1✓", "2"])
    expect(plotted.locator("text.eta")).to_have_text([f"ETA {order_2['estimate']['arrive_at'][11:19]}"])
    expect(page.locator("#phone-state")).to_contain_text("driving at 36 km/h; heading to order-2")
    page.screenshot(path=shots / "route-phone.png", full_page=True)

    rows.nth(0).get_by_role("link", name="order-1").click()  # the order's own page says the same
    facts = page.locator("#order dl.facts")
    expect(facts).to_contain_text(f"Arrived at{order_1['arrived_at']}")
    expect(facts).to_contain_text(f"Exited at{order_1['exited_at']}")
    expect(page.locator("#timeline")).to_contain_text("order_geofence_entered")


def test_move_the_phone_on_the_plot_and_by_hand_set_it_and_see_a_refusal(page, server, tenant):
    loaded = drive_route(page, server.url, tenant)

    page.locator("svg.plot .destination").nth(1).locator("circle.point").click()  # into order-2's 200 m
    expect(last_call(page)).to_contain_text("200 PUT /__mock/workers/james%40ht.com/phone")
    expect(page.locator("svg.plot .destination.arrived title")).to_contain_text("2. order-2 (ongoing), arrived")
    phone = tenant.call("GET", "/__mock/workers/james@ht.com/phone").json()
    assert distance(phone["location"], [-121.86, 37.33]) < 200
    assert tenant.call("GET", "/orders/order-2").json()["arrived_at"] == iso(loaded)  # moved in: arrived at once

    move = page.locator("#phone-move")
    move.get_by_label("Latitude").fill("95")
    move.get_by_role("button", name="Move the phone").click()
    expect(page.locator("#phone-error")).to_contain_text("PUT /__mock/workers/james%40ht.com/phone answered 422")
    expect(page.locator("#phone-error")).to_contain_text('"location"')
    expect(last_call(page)).to_contain_text("422 PUT /__mock/workers/james%40ht.com/phone")
    assert tenant.call("GET", "/__mock/workers/james@ht.com/phone").json()["location"] == phone["location"]
    move.get_by_label("Longitude").fill("-121.9")
    move.get_by_label("Latitude").fill("37.25")
    move.get_by_role("button", name="Move the phone").click()
    expect(page.locator("#phone-error")).to_be_empty()
    expect(page.locator("#phone-state")).to_contain_text("at -121.9, 37.25; parked")

    settings = page.locator("#phone-form")
    settings.get_by_label("Speed (km/h)").fill("72")
    settings.get_by_label("Outage").select_option("airplane_mode_detected")
    settings.get_by_role("button", name="Set").click()
    expect(last_call(page).locator("pre.sent")).to_have_text(pretty({"speed_kmh": 72, "outage": "airplane_mode_detected"}))
    phone = tenant.call("GET", "/__mock/workers/james@ht.com/phone").json()
    assert (phone["location"], phone["speed_kmh"], phone["outage"], phone["battery"]) == ([-121.9, 37.25], 72, "airplane_mode_detected", 100)

    page.get_by_label("Advance the clock by (seconds)").fill("90")
    page.get_by_role("button", name="Advance the clock").click()
    expect(page.locator("#clock")).to_have_text(f"Clock frozen at {when(iso(loaded + timedelta(seconds=90)))}")
