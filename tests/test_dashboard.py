"""What the server does for the dashboard (GET /__mock/ui and GET /__mock/peek/...), without a browser.

The page itself is driven in a real browser by tests/browser/, collected only where one is installed.
"""
from __future__ import annotations

import configparser
import fnmatch
import re

from conftest import ROOT, basic, seed_request

from mockserver.models.phone import OUTAGES

UI = ROOT / "mockserver" / "web" / "ui"


def test_the_page_is_served_without_credentials_and_reaches_nothing_but_this_server(client):
    response = client.get("/__mock/ui")

    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy and "script-src 'self'" in policy
    assert b"__VERSION__" not in response.data
    links = re.findall(r'(?:src|href)="([^"]*)"', response.text)
    assert links and all(link.startswith(("/__mock/ui/", "#", "data:")) for link in links), links


def test_the_assets_have_their_types_and_are_kept_for_good_under_their_fingerprint(client):
    page = client.get("/__mock/ui").text
    script = page.split('src="', 1)[1].split('"', 1)[0]
    style = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]

    js, css = client.get(script), client.get(style)
    bare = client.get("/__mock/ui/app.js")

    assert script.startswith("/__mock/ui/app.js?v=") and style.startswith("/__mock/ui/app.css?v=")
    assert (js.status_code, js.content_type) == (200, "text/javascript; charset=utf-8")
    assert (css.status_code, css.content_type) == (200, "text/css; charset=utf-8")
    assert js.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert bare.headers["Cache-Control"] == "no-cache" and bare.data == js.data == (UI / "app.js").read_bytes()
    assert js.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unchanged_asset_answers_304(client):
    first = client.get("/__mock/ui/app.css")

    again = client.get("/__mock/ui/app.css", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304 and again.data == b""


def test_only_the_pages_assets_are_served(client):
    for name in ("index.html", "app.jsx", "..%2Fcontrol.py", "dashboard.py"):
        response = client.get(f"/__mock/ui/{name}")
        assert response.status_code == 404, name
    assert client.get("/__mock/ui/nope").get_json()["detail"] == {"known": ["app.css", "app.js"]}


def test_a_wheel_ships_every_file_of_the_page():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    patterns = [p.strip() for p in config["options.package_data"]["mockserver.web"].split(",")]

    shipped = [f for f in UI.iterdir() if any(fnmatch.fnmatch(f"ui/{f.name}", p) for p in patterns)]

    assert sorted(f.name for f in shipped) == sorted(f.name for f in UI.iterdir()) == ["app.css", "app.js", "index.html"]


def test_peek_answers_what_the_data_plane_answers_neither_journaled_nor_faulted(api):
    api.track(seed_request())
    api.call("POST", "/__mock/faults", {"method": "GET", "path": "/orders/*", "status": 503})
    api.call("DELETE", "/__mock/requests")

    peeked = [api.call("GET", "/__mock/peek" + path) for path in
              ("/orders/order-1", "/orders/?limit=1", "/orders/routes/", "/workers/james@ht.com")]
    api.call("DELETE", "/__mock/faults")
    direct = [api.call("GET", path) for path in
              ("/orders/order-1", "/orders/?limit=1", "/orders/routes/", "/workers/james@ht.com")]

    assert [status for status, _ in peeked] == [200, 200, 200, 200]
    assert peeked == direct
    assert peeked[0][1]["timeline"]
    _, journal = api.call("GET", "/__mock/requests")
    assert [entry["path"] for entry in journal["requests"]] == [
        "/orders/order-1", "/orders/", "/orders/routes/", "/workers/james@ht.com"]  # only the direct reads


def test_peek_refuses_as_the_data_plane_does(api, client):
    assert api.call("GET", "/__mock/peek/orders/no-such-order") == (404, {"detail": {}, "message": "Order not found"})
    assert api.call("GET", "/__mock/peek/nowhere")[0] == 404
    assert api.call("GET", "/__mock/peek/orders/?limit=x")[1]["detail"] == {"query": {"limit": ["Not a valid integer."]}}
    status, body = api.call("GET", "/__mock/peek/orders/order-1/complete")
    assert status == 405  # only what the data plane answers to GET: nothing that changes state
    assert client.get("/__mock/peek/orders/").status_code == 400  # the data plane belongs to a tenant
    assert client.get("/__mock/peek/orders/", headers=basic("acme", "")).status_code == 401


def test_peek_sees_only_the_callers_tenant(api, client):
    api.track(seed_request())

    other = client.get("/__mock/peek/orders/order-1", headers=basic("someone-else", "x"))

    assert other.status_code == 404


def test_the_page_offers_the_phones_outage_codes_from_the_model(client):
    page = client.get("/__mock/ui").text

    offered = re.search(r'<body data-outages="([a-z_,]+)">', page)

    assert offered and offered.group(1).split(",") == list(OUTAGES)
    assert "OUTAGES" not in (UI / "app.js").read_text()  # the script reads them from the page: no copy to drift
