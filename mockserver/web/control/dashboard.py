"""The dashboard at ``GET /__mock/ui``: one page, its script and its style sheet (files of ``web/ui/``),
and ``GET /__mock/peek/<path>``, how it reads the data plane's answers.

The page holds no state of its own and the server none for it: it signs in in the browser and calls
the JSON control plane with the person's credentials, as curl would.  Served through the same handoff
as every control call; no credentials needed to load it.
"""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from apiflask import APIBlueprint, HTTPError
from flask import current_app, request

from ...models.phone import OUTAGES
from .scope import TAG, mock, tenant_scope

bp = APIBlueprint("dashboard", __name__, url_prefix="/__mock", tag=TAG)

UI = Path(__file__).parent.parent / "ui"
#: The page's assets and their types; nothing else is served from the directory.
ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
#: The page may reach nothing but this server: no CDN, no map tiles, no inline script.
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
          "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")


@cache
def _files() -> dict:
    """``name -> (bytes, etag)``; the page names its assets with a hash of their content (``?v=``), so
    that a browser may keep them for good, and asks again for the page itself every time."""
    assets = {name: (UI / name).read_bytes() for name in ASSETS}
    version = hashlib.sha256(b"".join(assets.values())).hexdigest()[:12]
    page = (UI / "index.html").read_bytes().replace(b"__VERSION__", version.encode())
    # the phone's outage choices, from the model: one list, never a copy in the script
    page = page.replace(b"__OUTAGES__", ",".join(OUTAGES).encode())
    files = {"index.html": page, **assets}
    return {"version": version,
            **{name: (body, hashlib.sha256(body).hexdigest()[:16]) for name, body in files.items()}}


def _send(name: str, content_type: str, cache: str):
    body, etag = _files()[name]
    response = current_app.response_class(body, 200, content_type=content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.get("/ui")
@bp.doc(summary="The dashboard: a page for people testing by hand, driving this control plane (no credentials "
                "to load it: it signs in in the browser)",
        responses={200: {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}},
                   304: "Not modified since the ETag sent"})
def page():
    response = _send("index.html", "text/html; charset=utf-8", "no-cache")
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/ui/<asset>")
@bp.doc(summary="The dashboard's script (app.js) and style sheet (app.css)",
        responses={200: {"description": "The asset", "content": {
                       "text/javascript": {"schema": {"type": "string"}}, "text/css": {"schema": {"type": "string"}}}},
                   304: "Not modified since the ETag sent"})
def asset(asset):
    if asset not in ASSETS:
        raise HTTPError(404, f"No dashboard asset named '{asset}'.", detail={"known": sorted(ASSETS)})
    fingerprinted = request.args.get("v") == _files()["version"]
    return _send(asset, ASSETS[asset], "public, max-age=31536000, immutable" if fingerprinted else "no-cache")


@bp.get("/peek/<path:target>")
@bp.doc(summary="What the data plane answers a GET of /<target> (query string included), by the same view, "
                "but neither journaled nor faulted: how the dashboard reads routes, orders and timelines",
        responses={200: {"description": "The data plane's answer", "content": {"application/json": {
                       "schema": {"type": "object", "additionalProperties": True}}}},
                   400: "No credentials: the data plane belongs to a tenant",
                   404: "No such GET endpoint, or no such order, route or worker",
                   405: "A path the data plane answers, but not to GET",
                   422: "Bad query parameters"})
def peek(target):
    tenant = tenant_scope("The data plane's answers").tenant
    answer = mock().pipeline.peek("/" + target, request.query_string.decode("latin-1"), tenant)
    return current_app.response_class(answer.body, answer.status, answer.headers)
