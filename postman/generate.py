"""Generate the Postman collection and environment from the shipped scenarios.

    python postman/generate.py        # rewrites postman/*.json

Every error of POST /orders/track is reached through a shipped scenario, with the request body and the
expected answer taken from that scenario's ``examples``, so the collection, the fixtures and the test
tables are one set of documents.  A test checks that the committed files are what this script makes.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.models.geo import EARTH_RADIUS  # noqa: E402
from mockserver.scenarios import ScenarioLibrary  # noqa: E402

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
COLLECTION = ROOT / "postman" / "hypertrack-mock.postman_collection.json"
ENVIRONMENT = ROOT / "postman" / "hypertrack-mock.postman_environment.json"
NO_AUTH = {"type": "noauth"}
DELIBERATE = "Deliberately wrong"


def request(name, method, path, body=None, *, status, expect=None, checks=(), auth=None, raw=None,
            content_type="application/json", capture=None, deliberate=None):
    """One request with test scripts: the status, the whole body when fixed, and extra checks.
    ``deliberate`` says why a request is wrong on purpose (``contract/prism.py`` expects HyperTrack's
    spec to reject it, or its answer, and tells those apart by this description)."""
    tests = [f'pm.test("answers {status}", function () {{ pm.response.to.have.status({status}); }});']
    if expect is not None:
        tests.append(f'pm.test("answers the whole expected body", function () {{ '
                     f'pm.expect(pm.response.json()).to.eql({json.dumps(expect)}); }});')
    for label, expression in checks:
        tests.append(f'pm.test({json.dumps(label)}, function () {{ var body = pm.response.json(); '
                     f'pm.expect({expression}).to.be.true; }});')
    if capture:
        variable, expression = capture
        tests.append(f'pm.environment.set("{variable}", pm.response.json().{expression});')
    item = {"name": name, "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": tests}}],
            "request": {"method": method, "header": [], "url": "{{baseUrl}}" + path}}
    if body is not None or raw is not None:
        item["request"]["header"].append({"key": "Content-Type", "value": content_type})
        item["request"]["body"] = {"mode": "raw", "raw": raw if raw is not None else json.dumps(body, indent=2),
                                   "options": {"raw": {"language": "json"}}}
    if auth is not None:
        item["request"]["auth"] = auth
    if deliberate:
        item["request"]["description"] = f"{DELIBERATE}: {deliberate}."
    return item


def folder(name, description, items):
    return {"name": name, "description": description, "item": items}


def reset():
    return request("Start this tenant over", "POST", "/__mock/reset", status=200,
                   checks=[("acts on this tenant", "body.status === 'ok' && body.tenant === pm.environment.get('accountId')")])


def error_scenarios(library: ScenarioLibrary):
    items = []
    for name in library.names():
        scenario = library.get(name)
        if not scenario["examples"]:
            continue
        items.append(request(f"Load scenario {name}", "POST", f"/__mock/scenarios/{name}", status=200,
                             checks=[("loaded for this tenant", f"body.scenario === '{name}' && "
                                      "body.tenant === pm.environment.get('accountId')")]))
        for example in scenario["examples"]:
            checks = []
            if example["status"] == 201:
                checks = [("the route is tracking", "body.status === 'tracking' && body.orders.length > 0")]
            deliberate = "the body breaks the request schema" if example["status"] == 422 else None
            items.append(request(f"{name}: {example['name']}", "POST", "/orders/track", example["request"],
                                 status=example["status"], expect=example.get("body"), checks=checks,
                                 deliberate=deliberate))
    return folder("POST /orders/track: every answer",
                  "Each shipped scenario, loaded for your tenant, then the requests its examples document.",
                  items)


def order(handle, **extra):
    return {"order_handle": handle, "destination": {"geometry": {"type": "Point", "coordinates": [-121.88, 37.33]}},
            **extra}


def lifecycle():
    track = {"track_mode": "on_time", "worker_handle": "james@ht.com", "ops_group_handle": "SAN_JOSE_WH",
             "route": {"route_handle": "postman-route"},
             "orders": [order("postman-1", type="pick"), {"order_handle": "postman-2", "type": "drop",
                                                          "destination": {"place_handle": "store-1"}}]}
    finished = {"code": "validation_error", "title": "Order already completed",
                "detail": "Order with the given handle is already completed"}
    route_done = {"code": "validation_error", "title": "Route already completed",
                  "detail": "Route with the given ID is already completed"}
    deleted = {"code": "driver_deleted", "title": "Worker is in deleted state for given handle",
               "detail": "Worker with the given handle is in deleted state. Please undelete it using Workers API"}
    retrack = {"track_mode": "on_time", "worker_handle": "james@ht.com", "orders": [order("postman-1")]}
    return folder("Order and route lifecycle", "Track, read, complete, cancel, list, re-track; workers.", [
        request("Load scenario default", "POST", "/__mock/scenarios/default", status=200),
        request("Track two orders", "POST", "/orders/track", track, status=201,
                checks=[("route postman-route is tracking", "body.route_handle === 'postman-route' && body.status === 'tracking'")]),
        request("Get Order Timeline", "GET", "/orders/postman-1", status=200,
                checks=[("ongoing, with its timeline", "body.status === 'ongoing' && body.timeline.map(e => e.type).join() === "
                         "'order_created,order_assigned,order_started'")]),
        request("Complete the order with metadata", "POST", "/orders/postman-1/complete", {"metadata": {"signed_by": "Ana"}},
                status=200, checks=[("completed", "body.status === 'completed' && body.completed_at && body.metadata.signed_by === 'Ana'")]),
        request("Complete it again: 409", "POST", "/orders/postman-1/complete", status=409, expect=finished),
        request("Cancel the other order", "POST", "/orders/postman-2/cancel", status=200,
                checks=[("cancelled", "body.status === 'cancelled' && !!body.cancelled_at")]),
        request("Get the route: completed by its last order", "GET", "/orders/routes/postman-route", status=200,
                checks=[("completed", "body.status === 'completed' && !!body.completed_at")]),
        request("Complete the route again: 409", "POST", "/orders/routes/postman-route/complete", status=409,
                expect=route_done),
        request("List finished orders, one a page", "GET", "/orders/?status=completed,cancelled&limit=1", status=200,
                checks=[("one order and a token", "body.orders.length === 1 && typeof body.pagination_token === 'string'")],
                capture=("ordersPage", "pagination_token")),
        request("The next page", "GET", "/orders/?status=completed,cancelled&limit=1&pagination_token={{ordersPage}}",
                status=200, checks=[("the other order, the end", "body.orders[0].order_handle === 'postman-2' && body.pagination_token === null")]),
        request("List routes", "GET", "/orders/routes/?status=completed", status=200,
                checks=[("postman-route", "body.routes.map(r => r.route_handle).indexOf('postman-route') >= 0")]),
        request("Track postman-1 again: a new attempt", "POST", "/orders/track", retrack, status=201,
                checks=[("attempt 1", "body.orders[0].fulfillment_attempt === 1")]),
        request("Unknown order: 404", "GET", "/orders/no-such-order", status=404,
                expect={"detail": {}, "message": "Order not found"}),
        request("Create a worker", "POST", "/workers/", {"worker_handle": "postman-worker", "name": "Pat"}, status=201,
                checks=[("created", "body.worker_handle === 'postman-worker' && body.deleted === false")]),
        request("Get the worker", "GET", "/workers/postman-worker", status=200,
                checks=[("Pat", "body.name === 'Pat'")]),
        request("Create an ops group", "POST", "/workers/ops-groups/",
                {"ops_group_handle": "POSTMAN", "ops_group_label": "Postman"}, status=200,
                checks=[("defaults filled", "body.timezone === 'UTC' && body.route_start_location === 'live_location'")]),
        request("Delete James", "DELETE", "/workers/james@ht.com", status=204),
        request("Track James: driver_deleted", "POST", "/orders/track", dict(retrack, orders=[order("postman-3")]),
                status=404, expect=deleted),
        request("Undelete James", "POST", "/workers/james@ht.com/undelete", status=200,
                checks=[("not deleted", "body.deleted === false")]),
    ])


def planning_and_updates():
    def planned(handle, **extra):
        return dict(order(handle), scheduled_at="2023-11-02T02:00:00Z", **extra)

    moved = {"address": "1710 Old Oakland Rd, San Jose, CA 95131",
             "geometry": {"type": "Point", "coordinates": [-121.8970798, 37.3838274]}}
    no_order = {"detail": {}, "message": "Order not found"}
    return folder("Planning, updates and workers", "POST /orders/ (plan_mode), PATCH /orders/{order_handle}, "
                  "GET /workers/: a route planned, moved before it starts, tracked by its handle.", [
        request("Load scenario default", "POST", "/__mock/scenarios/default", status=200),
        request("Plan two orders for James", "POST", "/orders/",
                {"plan_mode": "manual", "worker_handle": "james@ht.com",
                 "orders": [planned("plan-1", type="pick"), planned("plan-2", type="drop")]}, status=201,
                checks=[("a route assigned to James, not tracking",
                         "body.status === 'assigned' && body.worker_handle === 'james@ht.com' && body.track_mode === null"
                         " && body.orders.map(o => o.status).join() === 'assigned,assigned'")],
                capture=("plannedRoute", "route_handle")),
        request("Move a planned order", "PATCH", "/orders/plan-1", {"destination": moved}, status=200,
                checks=[("moved", "body.destination.address === '1710 Old Oakland Rd, San Jose, CA 95131'")]),
        request("The route shows the move", "GET", "/orders/routes/{{plannedRoute}}", status=200,
                checks=[("moved in the route", "body.orders[0].destination.geometry.coordinates[0] === -121.8970798")]),
        request("Update with a wrong type: 422", "PATCH", "/orders/plan-1", {"expected_service_time": "long"},
                status=422, deliberate="a string for a number",
                expect={"detail": {"json": {"expected_service_time": ["Not a valid integer."]}},
                        "message": "Validation error"}),
        request("Update an unknown order: 404", "PATCH", "/orders/no-such-order", {"metadata": {}}, status=404,
                expect=no_order),
        request("Track the planned route by its handle", "POST", "/orders/track",
                raw='{"track_mode": "on_time", "route_handle": "{{plannedRoute}}"}', status=201,
                checks=[("tracking", "body.status === 'tracking' && body.orders[0].status === 'ongoing'")]),
        request("Move an order being tracked: 422", "PATCH", "/orders/plan-1", {"destination": moved}, status=422,
                expect={"detail": {"json": {"destination": [
                    "The destination can only be updated before tracking is started for an order."]}},
                    "message": "Validation error"}),
        request("Update an ongoing order", "PATCH", "/orders/plan-2",
                {"metadata": {"gate": "4"}, "scheduled_at": "2023-11-02T04:00:00Z"}, status=200,
                checks=[("updated", "body.metadata.gate === '4' && body.scheduled_at === '2023-11-02T04:00:00.000Z'")]),
        request("Get Order shows the update", "GET", "/orders/plan-2", status=200,
                checks=[("updated", "body.metadata.gate === '4' && body.status === 'ongoing'")]),
        request("Take orders in unplanned", "POST", "/orders/",
                {"plan_mode": "manual", "orders": [planned("loose-1")]}, status=201,
                checks=[("unplanned, no route", "body.orders[0].status === 'unplanned' && body.orders[0].route_handle === null")]),
        request("Plan on demand: the plan", "POST", "/orders/", {"plan_mode": "on_demand", "orders": [planned("demand-1")]},
                status=201, checks=[("a plan", "typeof body.plan.id === 'string' && body.status === 'planned'")]),
        request("Plan for an unknown worker: 404", "POST", "/orders/",
                {"plan_mode": "manual", "worker_handle": "nobody", "orders": [planned("ghost-1")]}, status=404,
                expect={"code": "driver_not_found", "title": "Worker Not Found",
                        "detail": {"description": "Worker not found for handle nobody"}}),
        request("Plan an order still in progress: 409", "POST", "/orders/",
                {"plan_mode": "manual", "orders": [planned("plan-2")]}, status=409,
                checks=[("duplicate_resource", "body.code === 'duplicate_resource'")]),
        request("Plan without scheduled_at: 422", "POST", "/orders/", {"plan_mode": "manual", "orders": [order("x")]},
                status=422, deliberate="scheduled_at missing",
                expect={"detail": {"json": {"orders": {"0": {"scheduled_at": ["Missing data for required field."]}}}},
                        "message": "Validation error"}),
        request("List workers, one a page", "GET", "/workers/?limit=1", status=200,
                checks=[("one worker and a token", "body.workers.length === 1 && typeof body.pagination_token === 'string'")],
                capture=("workersPage", "pagination_token")),
        request("The next page of workers", "GET", "/workers/?limit=1&pagination_token={{workersPage}}", status=200,
                checks=[("another worker", "body.workers.length === 1")]),
        request("A page of no workers: 422", "GET", "/workers/?limit=0", status=422,
                expect={"detail": {"query": {"limit": [
                    "Must be greater than or equal to 1 and less than or equal to 1000."]}}, "message": "Validation error"}),
    ])


def auth_and_malformed(seed: dict):
    unauthorized = {"detail": {}, "message": "Unauthorized"}
    return folder("Authentication and malformed requests", "401, Bearer tokens, 400, 415, 422.", [
        request("No credentials: 401", "POST", "/orders/track", seed, status=401, expect=unauthorized, auth=NO_AUTH,
                deliberate="no credentials"),
        request("Get a Bearer token", "POST", "/oauth/token", status=200, auth=NO_AUTH,
                raw="grant_type=client_credentials&client_id={{accountId}}&client_secret={{secretKey}}",
                content_type="application/x-www-form-urlencoded",
                checks=[("a Bearer token", "body.token_type === 'Bearer' && body.expires_in === 3600")],
                capture=("accessToken", "access_token")),
        request("Track with the Bearer token", "POST", "/orders/track",
                dict(seed, orders=[order("postman-bearer")]), status=201,
                auth={"type": "bearer", "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}]}),
        request("Not JSON: 400", "POST", "/orders/track", raw='{"track_mode":', status=400, deliberate="not JSON",
                expect={"detail": {"json": ["Invalid JSON body."]}, "message": "Bad Request"}),
        request("Not declared as JSON: 415", "POST", "/orders/track", raw="track_mode=on_time", status=415,
                content_type="text/plain", deliberate="not declared as JSON",
                expect={"detail": {"json": ["Send the body as JSON with 'Content-Type: application/json'."]},
                        "message": "Unsupported Media Type"}),
        request("A nested field wrong: 422", "POST", "/orders/track",
                dict(seed, orders=[{"order_handle": "x", "destination": {"geometry": {"coordinates": [1]}}}]),
                status=422, deliberate="a coordinate missing", expect={"detail": {"json": {"orders": {"0": {"destination": {"geometry": {"coordinates": [
                    "A position has 2 or 3 numbers: [longitude, latitude(, altitude)]."]}}}}}},
                    "message": "Validation error"}),
        request("Unknown path: 404", "GET", "/orders/track/extra", status=404, deliberate="a path HyperTrack does not have",
                expect={"detail": {}, "message": "Not Found"}),
    ])


def control_plane(seed: dict):
    fault = {"method": "POST", "path": "/orders/track", "status": 503, "times": 1}
    return folder("Control plane (/__mock/)", "Health, scenarios, faults, clock, coverage, journal, pact, state.", [
        request("Health", "GET", "/__mock/health", status=200, expect={"status": "ok"}, auth=NO_AUTH),
        request("List scenarios", "GET", "/__mock/scenarios", status=200, auth=NO_AUTH,
                checks=[("default is there", "body.scenarios.map(s => s.name).indexOf('default') >= 0")]),
        request("Load scenario default", "POST", "/__mock/scenarios/default", status=200),
        request("Add a one-time 503", "POST", "/__mock/faults", fault, status=201,
                checks=[("one use left", "body.fault.remaining === 1")], capture=("faultId", "fault.id")),
        request("Track: the 503", "POST", "/orders/track", seed, status=503, deliberate="a fault rule answers 503",
                expect={"detail": {}, "message": "Service Unavailable"}),
        request("Track again: the real answer", "POST", "/orders/track", seed, status=201),
        request("The 503 rule has expired", "GET", "/__mock/faults", status=200,
                checks=[("no rules", "body.faults.length === 0")]),
        request("Add a slow-success rule", "POST", "/__mock/faults", {"path": "/orders/*", "delay_ms": 200}, status=201),
        request("Add a rule to remove alone", "POST", "/__mock/faults", {"path": "/never", "status": 500}, status=201,
                capture=("faultId", "fault.id")),
        request("Remove that rule", "DELETE", "/__mock/faults/{{faultId}}", status=200),
        request("Remove every rule", "DELETE", "/__mock/faults", status=200),
        request("An invalid rule: 422", "POST", "/__mock/faults", {"path": "/x"}, status=422,
                expect={"detail": {"json": {"_schema": [
                    "A fault needs at least one of: status, delay_ms, drop_connection."]}}, "message": "Validation error"}),
        request("Freeze the clock", "POST", "/__mock/clock", {"frozen_at": "2023-11-01T22:47:53.512Z"}, status=200,
                checks=[("frozen", "body.frozen_at === '2023-11-01T22:47:53.512Z'")]),
        request("Move it an hour", "POST", "/__mock/clock", {"advance_seconds": 3600}, status=200,
                checks=[("an hour later", "body.now === '2023-11-01T23:47:53.512Z'")]),
        request("Track: timestamps from the clock", "POST", "/orders/track", dict(seed, orders=[order("clock-1")]),
                status=201, checks=[("created at the frozen instant", "body.created_at === '2023-11-01T23:47:53.512Z'")]),
        request("Release the clock", "POST", "/__mock/clock", {"frozen_at": None}, status=200,
                checks=[("running", "body.frozen_at === null")]),
        request("Read the clock", "GET", "/__mock/clock", status=200,
                checks=[("running, no offset", "body.frozen_at === null && body.offset_seconds === 0")]),
        request("Add a worker whose phone is not linked", "POST", "/__mock/workers",
                {"worker_handle": "unlinked", "device_ids": []}, status=201,
                checks=[("no device", "body.worker.device_id === null")]),
        request("Track that worker: driver_not_linked_to_device", "POST", "/orders/track",
                dict(seed, worker_handle="unlinked", orders=[order("unlinked-1")]), status=400,
                expect={"code": "driver_not_linked_to_device", "title": "Worker needs to be linked to a device first",
                        "detail": {"description": "The worker is not yet linked to a device"}}),
        request("Coverage of HyperTrack's outcomes", "GET", "/__mock/coverage", status=200, checks=[
            ("driver_not_linked_to_device met", "body.outcomes.some(o => o.operation === 'POST /orders/track' && "
             "o.status === 400 && o.code === 'driver_not_linked_to_device' && o.hits >= 1)"),
            ("the faulted 503 is no documented outcome", "body.undocumented.some(o => o.operation === "
             "'POST /orders/track' && o.status === 503 && o.hits >= 1)"),
            ("exercised of total", "body.exercised === body.outcomes.filter(o => o.hits > 0).length && "
             "body.total === body.outcomes.length && body.tenant === pm.environment.get('accountId')")]),
        request("The journal: refused requests", "GET", "/__mock/requests?status=5xx", status=200,
                checks=[("the faulted 503, with its reason", "body.requests.length === 1 && body.requests[0].status === 503 && "
                         "body.requests[0].reason.indexOf('fault') === 0")]),
        request("The journal as a Pact with HyperTrack (for PactFlow)", "GET", "/__mock/pact?consumer=postman",
                status=200, checks=[
                    ("a Pact 3 between postman and HyperTrack", "body.consumer.name === 'postman' && "
                     "body.provider.name === 'HyperTrack' && body.metadata.pactSpecification.version === '3.0.0'"),
                    ("every credential redacted", "body.interactions.length > 0 && body.interactions.every("
                     "i => i.request.headers.Authorization === 'Basic [redacted]')"),
                    ("the faulted 503 left out, and why", "body.metadata['hypertrack-mock'].leftOut.some("
                     "e => e.status === 503 && e.reason.indexOf('documents no 503') >= 0)")]),
        request("Empty the journal", "DELETE", "/__mock/requests", status=200),
        request("The data plane's answer, read through the control plane", "GET", "/__mock/peek/workers?limit=1",
                status=200, checks=[("one worker", "body.workers.length === 1")]),
        request("Not journaled", "GET", "/__mock/requests", status=200,
                checks=[("the journal is still empty", "body.requests.length === 0")]),
        request("The dashboard (a page for people)", "GET", "/__mock/ui", status=200, auth=NO_AUTH),
        request("The dashboard's script", "GET", "/__mock/ui/app.js", status=200, auth=NO_AUTH),
        request("The state, as a scenario", "GET", "/__mock/state", status=200,
                checks=[("routes and workers", "body.routes.length > 0 && body.workers.length > 0")]),
        request("Load an inline scenario", "POST", "/__mock/scenarios",
                {"workers": [{"worker_handle": "ana", "device_ids": ["ANA-PHONE"]}]}, status=200),
        request("An invalid inline scenario: 422", "POST", "/__mock/scenarios", {"colour": "red"}, status=422,
                expect={"detail": {"json": {"colour": ["Unknown field."]}}, "message": "Validation error"}),
        reset(),
    ])


def webhooks(seed: dict):
    """The mock's own receiver (its inbox, named after the account) stands in for yours: what arrives
    there is what your receiver would get."""
    receiver = ('{"inbox": "{{accountId}}", "secret": "postman-webhook-secret", "timeout_ms": 2000, '
                '"retry_delay_ms": 50}')
    no_order = {"detail": {}, "message": "Order not found"}
    return folder("Webhooks", "The tenant's webhook (the mock's own call; HyperTrack sets it in its dashboard), "
                  "the events the lifecycle and a device cause, their delivery with one retry, and "
                  "GET /orders/{order_handle}/webhooks. The mock's inbox is the receiver here; set yours with "
                  '{"url": "http://host:port/path"}.', [
        request("Load scenario default", "POST", "/__mock/scenarios/default", status=200),
        request("The inbox answers 500 once, then 200", "PUT", "/__mock/inbox/{{accountId}}", {"answers": [500]},
                status=200, expect={"answers": [500]}, auth=NO_AUTH),
        request("Deliver to the inbox", "PUT", "/__mock/webhook", raw=receiver, status=200,
                checks=[("the inbox, the secret redacted, HyperTrack's 3 retries",
                         "body.webhook.url.endsWith('/__mock/inbox/' + pm.environment.get('accountId')) && "
                         "body.webhook.secret === '[redacted]' && body.webhook.retries === 3")]),
        request("Show the webhook", "GET", "/__mock/webhook", status=200,
                checks=[("json by default, confirmed", "body.webhook.content_type === 'application/json' && "
                         "body.webhook.confirmed === true")]),
        request("Track an order: route created and started, order assigned and started", "POST", "/orders/track",
                dict(seed, orders=[order("hook-1")]), status=201),
        request("A device arrives", "POST", "/__mock/orders/hook-1/events", {"value": "arrived"}, status=201,
                checks=[("the event to deliver", "body.event.type === 'order' && body.event.data.value === 'arrived' "
                         "&& body.event.version === '3.0.0' && typeof body.event.data.arrival.recorded_at === 'string'")]),
        request("Five minutes away", "POST", "/__mock/orders/hook-1/events",
                {"value": "n_minutes_away", "remaining_minutes": 5}, status=201,
                checks=[("its fields", "body.event.data.remaining_minutes === 5 && "
                         "body.event.data.remaining_duration === 300")]),
        request("Complete the order", "POST", "/orders/hook-1/complete", status=200),
        request("Wait until everything is delivered", "POST", "/__mock/webhooks/drain", {"timeout_ms": 10000},
                status=200, checks=[("nothing pending", "body.pending === 0")]),
        request("Every delivery attempt", "GET", "/__mock/webhooks", status=200,
                checks=[("the first answered 500, its retry 200 with the same message id",
                         "body.deliveries[0].status === 500 && body.deliveries.filter(d => d.message_id === "
                         "body.deliveries[0].message_id).map(d => d.attempt + ':' + d.status).join() === '1:500,2:200'"),
                        ("nothing pending", "body.pending === 0")],
                capture=("messageId", "deliveries[0].message_id")),
        request("What the inbox received", "GET", "/__mock/inbox/{{accountId}}", status=200, auth=NO_AUTH,
                checks=[("JSON arrays of events with SNS's headers",
                         "body.deliveries.length >= 2 && body.deliveries.every(d => Array.isArray(d.json) && "
                         "d.headers['X-Amz-Sns-Message-Type'] === 'Notification') && "
                         "body.deliveries[0].json.map(e => e.data.value).join() === 'created,started,assigned,started'")]),
        request("Replay a delivery", "POST", "/__mock/webhooks/replay", raw='{"message_id": "{{messageId}}"}',
                status=200, checks=[("the track's four events", "body.replayed === 4"),
                                    ("a new message, under its own id", "typeof body.message_id === 'string' && "
                                     "body.message_id !== pm.environment.get('messageId')")],
                capture=("replayId", "message_id")),
        request("Wait until the replay is delivered", "POST", "/__mock/webhooks/drain", {"timeout_ms": 10000},
                status=200, checks=[("nothing pending", "body.pending === 0")]),
        request("The replay among the delivery attempts", "GET", "/__mock/webhooks", status=200,
                checks=[("delivered under the id the replay answered, with its four events",
                         "body.deliveries.filter(d => d.message_id === pm.environment.get('replayId'))"
                         ".map(d => d.status + ':' + d.events.length).join() === '200:4'")]),
        request("Get Order Webhooks, newest first", "GET", "/orders/hook-1/webhooks", status=200,
                checks=[("completed last, delivered", "body.webhooks[0].data.value === 'completed' && "
                         "body.webhooks[0].delivery_http_status === 200 && body.pagination_token === null")]),
        request("Only arrivals and completions, oldest first", "GET",
                "/orders/hook-1/webhooks?value=arrived,completed&sort_direction=asc", status=200,
                checks=[("two events", "body.webhooks.map(w => w.data.value).join() === 'arrived,completed'")]),
        request("Webhooks of an unknown order: 404", "GET", "/orders/no-such-order/webhooks", status=404,
                expect=no_order),
        request("An unknown value: 422", "GET", "/orders/hook-1/webhooks?value=landed", status=422,
                deliberate="a value HyperTrack does not have",
                checks=[("names the query field", "'value' in body.detail.query")]),
        request("An event of an unknown order: 404", "POST", "/__mock/orders/no-such-order/events",
                {"value": "arrived"}, status=404, expect=no_order),
        request("An event only the API causes: 422", "POST", "/__mock/orders/hook-1/events", {"value": "completed"},
                status=422, checks=[("names the value", "'value' in body.detail.json")]),
        request("A receiver without a target: 422", "PUT", "/__mock/webhook", {"secret": "s"}, status=422,
                expect={"detail": {"json": {"_schema": [
                    "Give the receiver's url, or the name of an inbox of the mock's own (inbox)."]}},
                    "message": "Validation error"}),
        request("Replay an unknown delivery: 404", "POST", "/__mock/webhooks/replay", {"message_id": "nope"},
                status=404, checks=[("names it", "body.message.indexOf('nope') >= 0")]),
        request("Post to an inbox as a receiver's test would", "POST", "/__mock/inbox/{{accountId}}-try",
                [{"type": "order", "data": {"value": "completed"}}], status=200, auth=NO_AUTH, expect={"status": 200}),
        request("Empty the inbox", "PUT", "/__mock/inbox/{{accountId}}", {"answers": []}, status=200, auth=NO_AUTH),
        request("Ask for SNS's subscription handshake", "PUT", "/__mock/webhook",
                raw='{"inbox": "{{accountId}}", "confirm_subscription": true}', status=200,
                checks=[("not confirmed yet", "body.webhook.confirmed === false")]),
        request("Wait for the confirmation request", "POST", "/__mock/webhooks/drain", {"timeout_ms": 10000},
                status=200),
        request("The SubscriptionConfirmation", "GET", "/__mock/inbox/{{accountId}}", status=200, auth=NO_AUTH,
                checks=[("its SubscribeURL", "body.deliveries[0].json.Type === 'SubscriptionConfirmation' && "
                         "body.deliveries[0].json.SubscribeURL.indexOf('/__mock/webhook/confirm?') > 0")],
                capture=("subscribeToken", "deliveries[0].json.Token")),
        request("Confirm with a wrong token: 404", "GET", "/__mock/webhook/confirm?account={{accountId}}&token=wrong",
                status=404, auth=NO_AUTH, expect={"detail": {}, "message": "No subscription waits for this token."}),
        request("Confirm (the GET of SubscribeURL)", "GET",
                "/__mock/webhook/confirm?account={{accountId}}&token={{subscribeToken}}", status=200, auth=NO_AUTH,
                checks=[("confirmed", "body.status === 'confirmed'")]),
        request("Clear the webhook", "DELETE", "/__mock/webhook", status=200),
        request("Track another order", "POST", "/orders/track", dict(seed, orders=[order("hook-2")]), status=201),
        request("A device arrives with no webhook: recorded all the same", "POST", "/__mock/orders/hook-2/events",
                {"value": "arrived"}, status=201,
                checks=[("the arrival", "body.event.data.value === 'arrived' && "
                         "typeof body.event.data.arrival.recorded_at === 'string'")],
                capture=("arrivedAt", "event.data.arrival.recorded_at")),
        request("Get Order: arrived at that instant", "GET", "/orders/hook-2", status=200,
                checks=[("arrived_at is the event's recorded_at",
                         "body.arrived_at === pm.environment.get('arrivedAt')"),
                        ("the timeline has the geofence entry",
                         "body.timeline.map(e => e.type).indexOf('order_geofence_entered') >= 0")]),
        reset(),
    ])


#: Where the driven route's two orders are: the second 1,000 m due north of the first, on its meridian.
DRIVE_A = [-121.8863, 37.3382]
DRIVE_B = [DRIVE_A[0], DRIVE_A[1] + math.degrees(1000 / EARTH_RADIUS)]
DRIVE_T0 = "2023-11-01T22:00:00.000Z"


def _at(field: str, seconds: float) -> str:
    """A Postman check: ``body.<field>`` is ``seconds`` after the frozen instant, to the millisecond."""
    return f"Math.abs(new Date(body.{field}) - new Date('{DRIVE_T0}') - {int(seconds * 1000)}) <= 1"


def _estimate(arrive_in: float, metres: int) -> str:
    """A Postman check: the estimate arrives ``arrive_in`` seconds after the frozen instant (to the
    millisecond), ``metres`` away."""
    return f"!!body.estimate && {_at('estimate.arrive_at', arrive_in)} && body.estimate.distance === {metres}"


def the_phone(seed: dict):
    """A route driven to completion by the simulated phone, on a frozen clock advanced step by step:
    James has no location, so he starts 1,000 m due south of the first order, whose area (50 m) he enters
    after 950 m (95 s at 36 km/h); he stays its expected_service_time (120 s), drives the 1,000 m to the
    second order's area (100 s), stays his dwell_seconds (60 s) there."""
    def drive(handle, point, **extra):
        return {"order_handle": handle, "destination": {"geometry": {"type": "Point", "coordinates": point},
                                                        "radius": 50}, "scheduled_at": "2023-11-02T02:00:00Z",
                **extra}

    track = dict(seed, route={"route_handle": "postman-drive"},
                 orders=[drive("drive-1", DRIVE_A, expected_service_time=120), drive("drive-2", DRIVE_B)])
    no_worker = {"detail": {}, "message": "Worker not found"}

    def advance(seconds, now):
        return request(f"Advance the clock {seconds} s (t0 + {now} s)", "POST", "/__mock/clock",
                       {"advance_seconds": seconds}, status=200, checks=[("the clock moved", _at("now", now))])

    return folder("The phone: a route driven with the clock",
                  "PUT /__mock/workers/{worker_handle}/phone sets James's phone driving; the clock, frozen, is "
                  "advanced step by step, and Get Order shows at each step the estimate, arrived_at and "
                  "exited_at (t0 is the frozen instant). Then the phone's errors.", [
        request("Load scenario default", "POST", "/__mock/scenarios/default", status=200),
        request("Freeze the clock at t0", "POST", "/__mock/clock", {"frozen_at": DRIVE_T0}, status=200),
        request("Track two orders for James", "POST", "/orders/track", track, status=201,
                checks=[("tracking", "body.status === 'tracking' && body.orders.length === 2")]),
        request("James's phone: parked, nowhere yet", "GET", "/__mock/workers/james@ht.com/phone", status=200,
                checks=[("its defaults, heading to drive-1 once driving",
                         "body.location === null && body.driving === false && body.speed_kmh === 36 && "
                         "body.heading_to === 'drive-1'")]),
        request("Drive (at 36 km/h)", "PUT", "/__mock/workers/james@ht.com/phone", {"driving": True}, status=200,
                checks=[("driving from 1,000 m south of drive-1",
                         f"body.driving === true && body.heading_to === 'drive-1' && "
                         f"body.location[0] === {DRIVE_A[0]} && body.location[1] < {DRIVE_A[1]}")]),
        request("drive-1 at t0: 95 s away", "GET", "/orders/drive-1", status=200,
                checks=[("estimate: t0 + 95 s, 950 m", _estimate(95, 950)),
                        ("not arrived", "!body.arrived_at && !body.exited_at")]),
        request("drive-2 at t0: after drive-1's stay", "GET", "/orders/drive-2", status=200,
                checks=[("estimate: t0 + 95 + 120 + 100 s, 1,950 m", _estimate(315, 1950))]),
        advance(60, 60),
        request("drive-1 at t0 + 60 s: 35 s away", "GET", "/orders/drive-1", status=200,
                checks=[("estimate: still t0 + 95 s, 350 m left", _estimate(95, 350)),
                        ("its first estimate kept", _at("estimate.initial_arrive_at", 95))]),
        advance(60, 120),
        request("drive-1 at t0 + 120 s: arrived at t0 + 95 s", "GET", "/orders/drive-1", status=200,
                checks=[("arrived_at t0 + 95 s", _at("arrived_at", 95)),
                        ("no estimate once arrived, not exited yet", "!body.estimate && !body.exited_at"),
                        ("the timeline has the geofence entry",
                         "body.timeline.map(e => e.type).indexOf('order_geofence_entered') >= 0")]),
        request("drive-2 at t0 + 120 s: still t0 + 315 s", "GET", "/orders/drive-2", status=200,
                checks=[("estimate unchanged", _estimate(315, 1000))]),
        advance(100, 220),
        request("drive-1 at t0 + 220 s: exited after its 120 s stay", "GET", "/orders/drive-1", status=200,
                checks=[("exited_at t0 + 215 s", _at("exited_at", 215)),
                        ("arrived_at unchanged", _at("arrived_at", 95)),
                        ("the timeline has the geofence exit",
                         "body.timeline.map(e => e.type).indexOf('order_geofence_exited') >= 0")]),
        request("drive-2 at t0 + 220 s: 95 s away", "GET", "/orders/drive-2", status=200,
                checks=[("estimate: t0 + 315 s, 950 m left", _estimate(315, 950))]),
        advance(100, 320),
        request("drive-2 at t0 + 320 s: arrived at t0 + 315 s", "GET", "/orders/drive-2", status=200,
                checks=[("arrived_at t0 + 315 s", _at("arrived_at", 315)),
                        ("no estimate", "!body.estimate && !body.exited_at")]),
        request("The phone heads nowhere now", "GET", "/__mock/workers/james@ht.com/phone", status=200,
                checks=[("no open order left", "body.heading_to === null && body.driving === true")]),
        advance(60, 380),
        request("drive-2 at t0 + 380 s: exited after the 60 s dwell", "GET", "/orders/drive-2", status=200,
                checks=[("exited_at t0 + 375 s", _at("exited_at", 375))]),
        request("Complete drive-1", "POST", "/orders/drive-1/complete", status=200,
                checks=[("completed, its arrival kept", "body.status === 'completed' && " + _at("arrived_at", 95))]),
        request("Complete drive-2", "POST", "/orders/drive-2/complete", status=200),
        request("The route is completed", "GET", "/orders/routes/postman-drive", status=200,
                checks=[("completed", "body.status === 'completed'")]),
        request("Park the phone", "PATCH", "/__mock/workers/james@ht.com/phone", {"driving": False}, status=200,
                checks=[("parked, where it stopped", "body.driving === false && body.location[1] > "
                         f"{DRIVE_A[1]}")]),
        request("Set the thresholds", "PUT", "/__mock/thresholds", {"minutes_away": 10}, status=200,
                checks=[("ten minutes", "body.minutes_away === 10 && body.eta_change_seconds === 120")]),
        request("Read the thresholds", "GET", "/__mock/thresholds", status=200,
                checks=[("kept", "body.minutes_away === 10")]),
        request("An unknown worker's phone: 404", "GET", "/__mock/workers/nobody/phone", status=404,
                expect=no_worker),
        request("Drive an unknown worker's phone: 404", "PUT", "/__mock/workers/nobody/phone", {"driving": True},
                status=404, expect=no_worker),
        request("Add a worker with no device", "POST", "/__mock/workers", {"worker_handle": "walker", "device_ids": []},
                status=201),
        request("A worker with no device has no phone: 404", "GET", "/__mock/workers/walker/phone", status=404,
                expect={"detail": {}, "message": "The worker has no device"}),
        request("A speed of 0: 422", "PUT", "/__mock/workers/james@ht.com/phone", {"speed_kmh": 0}, status=422,
                expect={"detail": {"json": {"speed_kmh": ["Must be above 0 and at most 300."]}},
                        "message": "Validation error"}),
        request("A latitude of 91: 422", "PUT", "/__mock/workers/james@ht.com/phone", {"location": [-121.88, 91]},
                status=422, expect={"detail": {"json": {"location": ["Latitude 91 is not between -90 and 90."]}},
                                    "message": "Validation error"}),
        request("A battery of 120: 422", "PATCH", "/__mock/workers/james@ht.com/phone", {"battery": 120}, status=422,
                expect={"detail": {"json": {"battery": ["Must be between 0 and 100."]}}, "message": "Validation error"}),
        request("An unknown outage: 422", "PUT", "/__mock/workers/james@ht.com/phone", {"outage": "meteor"},
                status=422, checks=[("names the outage", "'outage' in body.detail.json")]),
        request("A threshold of 0: 422", "PUT", "/__mock/thresholds", {"minutes_away": 0}, status=422,
                expect={"detail": {"json": {"minutes_away": ["Must be a whole number above 0 and at most 86400."]}},
                        "message": "Validation error"}),
        reset(),
    ])


def build() -> tuple[dict, dict]:
    library = ScenarioLibrary(ROOT / "fixtures")
    seed = library.get("default")["examples"][0]["request"]  # the seed request
    collection = {
        "info": {"_postman_id": "6d1f3c2e-8a4b-4c1d-9e2f-0123456789ab",
                 "name": "hypertrack-mock",
                 "description": "Every endpoint of the HyperTrack Orders API mock and every error of "
                                "POST /orders/track, reached through the shipped scenarios. Generated by "
                                "postman/generate.py from fixtures/*.json.",
                 "schema": SCHEMA},
        "auth": {"type": "basic", "basic": [{"key": "username", "value": "{{accountId}}", "type": "string"},
                                            {"key": "password", "value": "{{secretKey}}", "type": "string"}]},
        "item": [folder("Start", "Your tenant back to the startup scenario.", [reset()]),
                 error_scenarios(library), lifecycle(), planning_and_updates(), auth_and_malformed(seed),
                 control_plane(seed), webhooks(seed), the_phone(seed)],
    }
    environment = {
        "id": "b7e0c1d2-3f4a-4b5c-8d6e-7f8091a2b3c4", "name": "hypertrack-mock (local)",
        "values": [{"key": "baseUrl", "value": "http://127.0.0.1:8080", "type": "default", "enabled": True},
                   {"key": "accountId", "value": "postman", "type": "default", "enabled": True},
                   {"key": "secretKey", "value": "postman-secret", "type": "secret", "enabled": True}],
        "_postman_variable_scope": "environment",
    }
    return collection, environment


def dumps(document: dict) -> str:
    return json.dumps(document, indent=2) + "\n"


def main() -> None:
    collection, environment = build()
    COLLECTION.write_text(dumps(collection))
    ENVIRONMENT.write_text(dumps(environment))
    print(f"wrote {COLLECTION.relative_to(ROOT)} and {ENVIRONMENT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
