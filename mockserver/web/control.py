"""The mock's own ``/__mock/`` control plane, served by Flask.  It meets the data plane only in the models.

Each call acts on the tenant of its ``Authorization`` header; without one it acts server-wide, which,
when the server has an admin token, needs that token in ``X-Mock-Admin-Token``.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import struct
import threading
import time
from collections import OrderedDict, deque
from urllib.parse import quote

from apiflask import APIBlueprint, HTTPError
from flask import current_app, request

from ..models.budget import BudgetExceeded
from ..models.clock import KEEP, ClockOutOfRange
from ..scenarios import ScenarioError, describe, validate
from ..schemas.control import ClockRequest, FaultRule, JournalQuery
from ..schemas.scenario import Worker
from ..schemas.webhooks import DeviceEvent, DrainRequest, InboxScript, ReplayRequest, WebhookReceiver
from . import journal as journals
from .auth import identify
from .body import flask_document, json_body
from .errors import bad_request, unauthorized, validation_error
from .exchange import Wait
from .handoff import answer_later
from .responses import json_answer

bp = APIBlueprint("control", __name__, url_prefix="/__mock",
                  tag={"name": "Mock control", "description": "The mock's own /__mock/ control plane"})

#: Where the app factory keeps the ``MockApp`` in ``flask_app.extensions``.
EXTENSION = "hypertrack_mock"


def mock():
    """The mock this Flask app belongs to: its backend, scenario library and settings."""
    return current_app.extensions[EXTENSION]


#: The header a server-wide call carries when the server has an admin token.
ADMIN_HEADER = "X-Mock-Admin-Token"


def _caller() -> str | None:
    """The caller's account; None for a server-wide call (no credentials, and the admin token if the
    server has one); 401 if the credentials prove nothing, or are empty."""
    header = request.headers.get("Authorization")
    if header is not None and not header.strip():
        raise unauthorized("an empty Authorization header")
    caller = identify(mock().backend, header)
    if caller.refusal is not None:
        raise unauthorized(caller.refusal)
    admin_token = mock().settings["admin_token"]
    if caller.account is None and admin_token and not hmac.compare_digest(
            request.headers.get(ADMIN_HEADER, "").encode(), admin_token.encode()):
        raise unauthorized(f"a server-wide call without the admin token ({ADMIN_HEADER})")
    return caller.account


def _scope(account_id):
    return {"tenant": account_id}


def _own_tenant(what: str):
    account_id = _caller()
    if account_id is None:
        raise HTTPError(400, f"{what} belong to a tenant: send the tenant's credentials.")
    return account_id, mock().backend.tenant(account_id)


def _target():
    """``(account, tenant)`` for a tenant's call, ``(None, backend)`` for a server-wide one."""
    account_id = _caller()
    backend = mock().backend
    return account_id, (backend.tenant(account_id) if account_id else backend)


def _apply(scenario: dict, name: str | None):
    account_id = _caller()
    backend = mock().backend
    if account_id is None:
        backend.load_startup_scenario(scenario)
    else:
        try:
            backend.load_tenant_scenario(account_id, scenario)
        except BudgetExceeded as error:
            raise over_budget(error, "The scenario's state") from None
    return {"status": "ok", "scenario": name, **_scope(account_id)}


def over_budget(error: BudgetExceeded, what: str) -> HTTPError:
    """The 413 of a control call that would take what the mock stores for an account past its budget."""
    return HTTPError(413, "Request Entity Too Large", detail={
        **error.detail(), "json": [f"{what} would take this account's control-plane state to "
                                   f"{error.used + error.needed} bytes, past its {error.limit}-byte budget "
                                   "(--account-bytes): remove fault rules, or start the mock with a larger one."]})


@bp.get("/health")
@bp.doc(summary="Ready once the fixtures are loaded")
def health():
    return {"status": "ok"}


@bp.post("/reset")
@bp.doc(summary="Back to the startup scenario: the caller's tenant, or every tenant without credentials")
def reset():
    account_id = _caller()
    backend = mock().backend
    if account_id is None:
        backend.reset()
    else:
        backend.reset_tenant(account_id)
    return {"status": "ok", **_scope(account_id)}


@bp.get("/scenarios")
@bp.doc(summary="The scenarios in the fixtures directory")
def list_scenarios():
    return {"scenarios": mock().library.describe()}


@bp.post("/scenarios/<name>")
@bp.doc(summary="Load a named scenario for the caller's tenant (or as the startup scenario)")
def load_named_scenario(name):
    scenario = mock().library.get(name)
    if scenario is None:
        raise HTTPError(404, f"No scenario named '{name}'.", detail={"known": mock().library.names()})
    return _apply(scenario, name)


@bp.post("/scenarios")
@bp.doc(summary="Load a scenario document sent as the body",
        responses={200: "Loaded", 400: "No body, or one that is not JSON", 415: "Not sent as JSON",
                   422: "Not a valid scenario: each bad field named"})
def load_inline_scenario():
    if not request.get_data(cache=True).strip():  # only {} is the empty scenario, never a missing body
        raise bad_request("Send the scenario document as the body (an empty scenario is {}).")
    document = flask_document()
    try:
        scenario = validate(document, "request body")
    except ScenarioError as error:
        raise validation_error(error.messages) from None
    return _apply(scenario, None)


@bp.get("/state")
@bp.doc(summary="The tenant's state as a scenario document (server-wide: every tenant's)")
def state():
    account_id, target = _target()
    if account_id:
        return describe(target)
    return {"tenants": {name: describe(tenant) for name, tenant in list(target.tenants.items())}}


@bp.post("/workers")
@bp.doc(summary="Add or replace a worker of the tenant and link its devices (as HyperTrack's SDK would)",
        responses={201: "The worker", 400: "No credentials: workers belong to a tenant"})
@json_body(Worker)
def put_worker(json_data):
    account_id, tenant = _own_tenant("Workers")
    group = json_data.get("ops_group_handle")
    if group and group not in tenant.ops_groups:
        raise validation_error({"ops_group_handle": [f"Unknown ops group '{group}'."]})
    return {"worker": tenant.put_worker(json_data), **_scope(account_id)}, 201


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
    _, tenant = _own_tenant("The data plane's answers")
    answer = mock().pipeline.peek("/" + target, request.query_string.decode("latin-1"), tenant)
    return current_app.response_class(answer.body, answer.status, answer.headers)


# --- journal -------------------------------------------------------------------------------------

@bp.get("/requests")
@bp.input(JournalQuery, location="query")
@bp.doc(summary="The journal: data-plane requests and their answers, oldest first")
def journal(query_data):
    account_id, target = _target()
    return {**journals.read(target.journal, **query_data), **_scope(account_id)}


@bp.delete("/requests")
@bp.doc(summary="Empty the journal")
def clear_journal():
    account_id, target = _target()
    target.journal.clear()
    return {"status": "ok", **_scope(account_id)}


# --- faults --------------------------------------------------------------------------------------

@bp.post("/faults")
@bp.doc(summary="Add a fault rule (the tenant's, or every tenant's without credentials)",
        responses={201: "The rule, with its id"})
@json_body(FaultRule)
def add_fault(json_data):
    account_id, target = _target()
    try:
        fault = mock().backend.add_fault(target, json_data)
    except BudgetExceeded as error:
        raise over_budget(error, "The rule") from None
    return {"fault": fault.describe(), **_scope(account_id)}, 201


@bp.get("/faults")
@bp.doc(summary="The fault rules in force, in the order they are tried")
def list_faults():
    account_id, target = _target()
    return {"faults": target.faults.describe(), **_scope(account_id)}


@bp.delete("/faults")
@bp.doc(summary="Remove every fault rule")
def clear_faults():
    account_id, target = _target()
    target.faults.clear()
    return {"status": "ok", **_scope(account_id)}


@bp.delete("/faults/<int:fault_id>")
@bp.doc(summary="Remove one fault rule")
def remove_fault(fault_id):
    account_id, target = _target()
    if not target.faults.remove(fault_id):
        raise HTTPError(404, f"No fault {fault_id}.")
    return {"status": "ok", **_scope(account_id)}


# --- clock ---------------------------------------------------------------------------------------

@bp.get("/clock")
@bp.doc(summary="The clock the tenant's data plane writes timestamps with")
def get_clock():
    account_id, target = _target()
    return {**target.clock.describe(), **_scope(account_id)}


@bp.post("/clock")
@bp.doc(summary="Freeze the clock at frozen_at, release it (frozen_at null), or move it by advance_seconds")
@json_body(ClockRequest)
def set_clock(json_data):
    account_id, target = _target()
    change = target.clock.change if account_id else target.change_clock
    try:
        change(json_data.get("frozen_at", KEEP), json_data.get("advance_seconds", 0.0))
    except ClockOutOfRange as error:
        raise validation_error({"advance_seconds": [str(error)]}) from None
    return {**target.clock.describe(), **_scope(account_id)}


# --- webhooks (the mock's own: HyperTrack sets a receiver in its dashboard) ---------------------

@bp.put("/webhook")
@bp.doc(summary="Set the tenant's webhook receiver (the mock's own call: HyperTrack's is its dashboard)")
@json_body(WebhookReceiver)
def set_webhook(json_data):
    account_id, tenant = _own_tenant("Webhooks")
    confirm_url = f"{request.host_url}__mock/webhook/confirm?account={quote(account_id, safe='')}&token="
    if "inbox" in json_data:  # the mock's own inbox, as the mock itself reaches it
        json_data = dict(json_data, url=f"{mock().own_url}/__mock/inbox/{json_data.pop('inbox')}")
    view = tenant.set_webhook(json_data, confirm_url)
    mock().dispatcher.subscribe(tenant, tenant.webhook)
    return {"webhook": view, **_scope(account_id)}


@bp.get("/webhook")
@bp.doc(summary="The tenant's webhook receiver (its secret redacted), or null")
def get_webhook():
    account_id, tenant = _own_tenant("Webhooks")
    return {"webhook": tenant.webhook_view(), **_scope(account_id)}


@bp.delete("/webhook")
@bp.doc(summary="Clear the tenant's webhook receiver and drop what was not delivered yet")
def clear_webhook():
    account_id, tenant = _own_tenant("Webhooks")
    tenant.clear_webhook()
    return {"status": "ok", **_scope(account_id)}


@bp.get("/webhook/confirm")
@bp.doc(summary="SNS's SubscribeURL: the receiver confirms its subscription (no credentials)",
        responses={200: "Confirmed: what was held back is delivered", 404: "No subscription waits for this token"})
def confirm_webhook():
    account_id, token = request.args.get("account", ""), request.args.get("token", "")
    tenant = mock().backend.tenants.get(account_id)
    if tenant is None or not tenant.confirm_webhook(token):
        raise HTTPError(404, "No subscription waits for this token.")
    mock().dispatcher.confirmed(tenant)
    return {"status": "confirmed", **_scope(account_id)}


@bp.post("/orders/<order_handle>/events")
@bp.doc(summary="Emit now an order event only a device causes (arrived, first_eta, ...), to the webhook",
        responses={201: "The event, as it will be delivered", 404: "Not Found"})
@json_body(DeviceEvent)
def emit_event(order_handle, json_data):
    account_id, tenant = _own_tenant("Orders")
    fields = {key: value for key, value in json_data.items() if key != "value"}
    event = tenant.emit_device_event(order_handle, json_data["value"], fields)
    mock().dispatcher.flush(tenant)
    return {"event": event, **_scope(account_id)}, 201


@bp.get("/webhooks")
@bp.doc(summary="Every delivery attempt of the tenant's webhook, oldest first")
def list_deliveries():
    account_id, tenant = _own_tenant("Webhooks")
    return {"deliveries": tenant.attempts(), "pending": mock().dispatcher.pending(tenant),
            **_scope(account_id)}


@bp.post("/webhooks/replay")
@bp.doc(summary="Deliver again the events of an earlier delivery, as a new message (Get Order Webhooks "
                "still lists each event once)",
        responses={200: "Sent again", 404: "No delivery with this message id"})
@json_body(ReplayRequest)
def replay(json_data):
    account_id, tenant = _own_tenant("Webhooks")
    sent = tenant.sent_events(json_data["message_id"])
    if not sent:
        raise HTTPError(404, f"No delivery with the message id {json_data['message_id']}.")
    if tenant.webhook is None:
        raise validation_error({"webhook": ["No webhook receiver is set for this account: PUT /__mock/webhook."]})
    message_id = mock().dispatcher.replay(tenant, sent)
    return {"replayed": len(sent), "message_id": message_id, **_scope(account_id)}


@bp.post("/webhooks/drain")
@bp.doc(summary="Wait until nothing is left to deliver (the tenant's, or every tenant's), up to timeout_ms",
        responses={200: "Nothing pending", 408: "Still pending at the timeout"})
@json_body(DrainRequest)
def drain(json_data):
    account_id, target = _target()
    tenants = [target] if account_id else list(target.tenants.values())
    dispatcher = mock().dispatcher

    def outcome(drained: bool = False):
        left = 0 if drained else sum(dispatcher.left(tenant) for tenant in tenants)
        if left == 0:
            return {"pending": 0, **_scope(account_id)}, 200
        return {"pending": left, "message": f"{left} events still to deliver after {json_data['timeout_ms']} ms",
                **_scope(account_id)}, 408

    if not any(dispatcher.left(tenant) for tenant in tenants):
        return outcome()
    # The dispatcher completes this when the deliveries end; the server cancels it at the timeout or when
    # the client leaves, which drops it from the dispatcher's waiters: nothing polls.
    idle = asyncio.get_running_loop().create_future()
    dispatcher.when_idle(tenants, idle)
    # at the timeout the server has cancelled it before resuming: then what is left is counted
    return answer_later(Wait(json_data["timeout_ms"] / 1000, lambda: json_answer(*outcome(not idle.cancelled())),
                             until=idle))


# --- the inbox: a receiver inside the mock, for trying webhooks without one of your own ------------

#: A kept delivery is one ``bytes``: this head (when, the status answered, the headers' length), its
#: headers as ``name: value`` lines, and its body.  One object rather than a tuple of small ones: the
#: deliveries outlive most of what the server allocates meanwhile, and small objects kept that long
#: would pin the allocator's pages (RSS stays up after a reset).
_HEAD = struct.Struct("<dHI")
#: What a kept delivery costs besides its bytes: the ``bytes`` object and its slot.
DELIVERY_OVERHEAD = 48


class Inbox:
    """What one named inbox received (each delivery one ``bytes``: ``pack``), within its byte budget, and
    the statuses it answers in turn (then 200).  A body is kept once, as received, and read as text and
    JSON only when shown."""

    def __init__(self):
        self.answers: deque = deque()
        self.received: deque[bytes] = deque()
        self.bytes = 0
        #: deliveries let go to keep within the budgets, oldest first, since the inbox was last emptied
        self.dropped = 0

    def drop_oldest(self) -> int:
        """Let the oldest delivery go; the bytes it held."""
        size = DELIVERY_OVERHEAD + len(self.received.popleft())
        self.bytes -= size
        self.dropped += 1
        return size

    def clear(self) -> int:
        """Forget every delivery (and the count of those dropped); the bytes they held."""
        held, self.bytes, self.dropped = self.bytes, 0, 0
        self.received.clear()
        return held


class Inboxes:
    """Every named inbox, the least recently delivered to first: at most ``KEPT`` inboxes, each holding at
    most ``inbox_bytes`` of deliveries and all of them ``inboxes_bytes``; past a budget, the oldest
    deliveries go first (of the inbox itself, then of the least recently delivered to)."""

    KEPT = 1000

    def __init__(self, inbox_bytes: int, inboxes_bytes: int):
        self.inbox_bytes, self.inboxes_bytes = inbox_bytes, inboxes_bytes
        self.lock = threading.Lock()
        self.inboxes: OrderedDict[str, Inbox] = OrderedDict()
        self.bytes = 0

    def get(self, name: str) -> Inbox:
        """The named inbox, made empty on first use (the least recently delivered to goes past ``KEPT``)."""
        with self.lock:
            inbox = self.inboxes.get(name)
            if inbox is None:
                inbox = self.inboxes[name] = Inbox()
                while len(self.inboxes) > self.KEPT:
                    self.bytes -= self.inboxes.popitem(last=False)[1].clear()
            return inbox

    def deliver(self, name: str, delivery: bytes) -> None:
        """Keep a delivery (``pack``), letting the oldest go to stay within both budgets (a delivery larger
        than an inbox's budget is refused before, by ``inbox_receive``)."""
        size = DELIVERY_OVERHEAD + len(delivery)
        with self.lock:
            inbox = self.inboxes.get(name)
            if inbox is None:  # emptied by KEPT meanwhile
                return
            self.inboxes.move_to_end(name)
            while inbox.received and inbox.bytes + size > self.inbox_bytes:
                self.bytes -= inbox.drop_oldest()
            for other in self.inboxes.values():
                while other.received and self.bytes + size > self.inboxes_bytes:
                    self.bytes -= other.drop_oldest()
                if self.bytes + size <= self.inboxes_bytes:
                    break
            inbox.received.append(delivery)
            inbox.bytes += size
            self.bytes += size

    def clear(self, inbox: Inbox) -> None:
        with self.lock:
            self.bytes -= inbox.clear()


def pack(status: int, headers, body: bytes) -> bytes:
    """A delivery as an inbox keeps it: when, the status answered, the headers and the body, in one ``bytes``."""
    head = "\r\n".join(f"{name}: {value}" for name, value in headers).encode("latin-1", "replace")
    return _HEAD.pack(time.time(), status, len(head)) + head + body


def _shown(delivery: bytes) -> dict:
    """A kept delivery as ``GET /__mock/inbox/<name>`` shows it: its body as text, and as JSON (null when
    it is not JSON, or nested too deeply to read)."""
    at, status, length = _HEAD.unpack_from(delivery)
    start = _HEAD.size
    head, body = delivery[start:start + length].decode("latin-1"), delivery[start + length:]
    try:
        document = json.loads(body)
        json.dumps(document)  # what could be read can be written back (a document nested almost too deeply)
    except (ValueError, RecursionError):
        document = None
    return {"at": at, "status": status, "headers": dict(line.split(": ", 1) for line in head.split("\r\n") if line),
            "body": body.decode("utf-8", "replace"), "json": document}


@bp.post("/inbox/<name>")
@bp.doc(summary="A webhook receiver inside the mock: keeps each delivery, answers the next scripted status "
                "(200 once the script is done); past its byte budget the oldest deliveries go first",
        responses={413: "A delivery larger than an inbox's whole budget"})
def inbox_receive(name):
    inboxes = mock().inboxes
    inbox = inboxes.get(name)
    status = inbox.answers[0] if inbox.answers else 200
    delivery = pack(status, request.headers.items(), request.get_data())
    limit = min(inboxes.inbox_bytes, inboxes.inboxes_bytes)
    if DELIVERY_OVERHEAD + len(delivery) > limit:
        raise HTTPError(413, "Request Entity Too Large", detail={"json": [
            f"An inbox keeps at most {limit} bytes of deliveries (--inbox-bytes, --inboxes-bytes); this "
            f"delivery alone needs {DELIVERY_OVERHEAD + len(delivery)}."]})
    if inbox.answers:
        inbox.answers.popleft()
    inboxes.deliver(name, delivery)
    return {"status": status}, status


@bp.get("/inbox/<name>")
@bp.doc(summary="What the named inbox received, oldest first; ``dropped``: the deliveries let go to keep "
                "within its byte budget")
def inbox_read(name):
    inboxes = mock().inboxes
    inbox = inboxes.get(name)
    with inboxes.lock:
        kept, dropped, held = list(inbox.received), inbox.dropped, inbox.bytes
    return {"deliveries": [_shown(delivery) for delivery in kept], "dropped": dropped, "bytes": held,
            "max_bytes": inboxes.inbox_bytes}


@bp.put("/inbox/<name>")
@bp.doc(summary="Script the statuses the inbox answers next (e.g. [500, 500]), and empty it")
@json_body(InboxScript)
def inbox_script(name, json_data):
    inboxes = mock().inboxes
    inbox = inboxes.get(name)
    inbox.answers = deque(json_data["answers"])
    inboxes.clear(inbox)
    return {"answers": list(inbox.answers)}
