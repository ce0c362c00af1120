"""The mock's own OpenAPI document and interactive docs."""
from __future__ import annotations


def test_the_openapi_document_covers_both_planes_tagged_apart(client):
    spec = client.get("/openapi.json").get_json()

    assert spec["openapi"] == "3.0.3"
    tags = {(method.upper(), path): op["tags"] for path, ops in spec["paths"].items() for method, op in ops.items()}
    assert tags[("POST", "/orders/track")] == ["Orders"]
    assert tags[("GET", "/orders/{order_handle}")] == ["Orders"]
    assert tags[("POST", "/workers/")] == ["Workers"]
    assert tags[("POST", "/oauth/token")] == ["Auth"]
    assert {t[0] for (m, p), t in tags.items() if p.startswith("/__mock/")} == {"Mock control"}
    assert [t["name"] for t in spec["tags"]] == ["Orders", "Workers", "Auth", "Mock control"]


def test_the_track_request_schema_is_the_one_that_validates(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]

    assert schemas["TrackOrdersRequest"]["required"] == ["track_mode"]
    assert schemas["TrackOrdersRequest"]["properties"]["track_mode"]["enum"] == [
        "full_shift", "pre_shift", "on_shift", "on_time", "flex"]
    assert [v["$ref"].rsplit("/", 1)[1] for v in schemas["TrackOrder"]["properties"]["destination"]["oneOf"]] == [
        "OrderListPolygonDestination", "OrderListPointDestination", "OrderListGeofenceIdDestination",
        "OrderListPlaceHandleDestination"]


def test_interactive_docs_are_served(client):
    response = client.get("/docs")

    assert response.status_code == 200 and response.mimetype == "text/html"
