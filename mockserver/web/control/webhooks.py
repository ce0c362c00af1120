"""Webhooks, the mock's own calls (HyperTrack sets a receiver in its dashboard): the tenant's receiver, SNS's
confirmation, events only a device causes, the deliveries, replays, and a drain."""
from __future__ import annotations

import asyncio
from urllib.parse import quote

from apiflask import APIBlueprint, HTTPError
from flask import request

from ...schemas.webhooks import DeviceEvent, DrainRequest, ReplayRequest, WebhookReceiver
from ..body import json_body
from ..errors import validation_error
from ..exchange import Wait
from ..handoff import answer_later
from ..responses import json_answer
from .scope import TAG, mock, scope, tenant_scope

bp = APIBlueprint("webhooks", __name__, url_prefix="/__mock", tag=TAG)


@bp.put("/webhook")
@bp.doc(summary="Set the tenant's webhook receiver (the mock's own call: HyperTrack's is its dashboard)")
@json_body(WebhookReceiver)
def set_webhook(json_data):
    target = tenant_scope("Webhooks")
    confirm_url = f"{request.host_url}__mock/webhook/confirm?account={quote(target.account, safe='')}&token="
    if "inbox" in json_data:  # the mock's own inbox, as the mock itself reaches it
        json_data = dict(json_data, url=f"{mock().own_url}/__mock/inbox/{json_data.pop('inbox')}")
    tenant = target.tenant
    view = tenant.set_webhook(json_data, confirm_url)
    mock().dispatcher.subscribe(tenant, tenant.webhook)
    return {"webhook": view, **target.whose}


@bp.get("/webhook")
@bp.doc(summary="The tenant's webhook receiver (its secret redacted), or null")
def get_webhook():
    target = tenant_scope("Webhooks")
    return {"webhook": target.tenant.webhook_view(), **target.whose}


@bp.delete("/webhook")
@bp.doc(summary="Clear the tenant's webhook receiver and drop what was not delivered yet")
def clear_webhook():
    target = tenant_scope("Webhooks")
    target.tenant.clear_webhook()
    return {"status": "ok", **target.whose}


@bp.get("/webhook/confirm")
@bp.doc(summary="SNS's SubscribeURL: the receiver confirms its subscription (no credentials)",
        responses={200: "Confirmed: what was held back is delivered", 404: "No subscription waits for this token"})
def confirm_webhook():
    account_id, token = request.args.get("account", ""), request.args.get("token", "")
    tenant = mock().backend.kept(account_id)  # a confirmation makes no tenant
    if tenant is None or not tenant.confirm_webhook(token):
        raise HTTPError(404, "No subscription waits for this token.")
    mock().dispatcher.confirmed(tenant)
    return {"status": "confirmed", "tenant": account_id}


@bp.post("/orders/<order_handle>/events")
@bp.doc(summary="Emit now an order event only a device causes (arrived, first_eta, ...): it changes the order "
                "as the phone would, and goes to the webhook if one is set",
        responses={201: "The event, as it is (or would be) delivered", 404: "Not Found"})
@json_body(DeviceEvent)
def emit_event(order_handle, json_data):
    target = tenant_scope("Orders")
    fields = {key: value for key, value in json_data.items() if key != "value"}
    event = target.tenant.emit_device_event(order_handle, json_data["value"], fields)
    mock().dispatcher.flush(target.tenant)
    return {"event": event, **target.whose}, 201


@bp.get("/webhooks")
@bp.doc(summary="Every delivery attempt of the tenant's webhook, oldest first")
def list_deliveries():
    target = tenant_scope("Webhooks")
    return {"deliveries": target.tenant.attempts(), "pending": mock().dispatcher.pending(target.tenant),
            **target.whose}


@bp.post("/webhooks/replay")
@bp.doc(summary="Deliver again the events of an earlier delivery, as a new message (Get Order Webhooks "
                "still lists each event once)",
        responses={200: "Sent again", 404: "No delivery with this message id"})
@json_body(ReplayRequest)
def replay(json_data):
    target = tenant_scope("Webhooks")
    tenant = target.tenant
    sent = tenant.sent_events(json_data["message_id"])
    if not sent:
        raise HTTPError(404, f"No delivery with the message id {json_data['message_id']}.")
    if tenant.webhook is None:
        raise validation_error({"webhook": ["No webhook receiver is set for this account: PUT /__mock/webhook."]})
    message_id = mock().dispatcher.replay(tenant, sent)
    return {"replayed": len(sent), "message_id": message_id, **target.whose}


@bp.post("/webhooks/drain")
@bp.doc(summary="Wait until nothing is left to deliver (the tenant's, or every tenant's), up to timeout_ms",
        responses={200: "Nothing pending", 408: "Still pending at the timeout"})
@json_body(DrainRequest)
def drain(json_data):
    target = scope()
    tenants = target.tenants()
    dispatcher = mock().dispatcher

    def outcome(drained: bool = False):
        left = 0 if drained else sum(dispatcher.left(tenant) for tenant in tenants)
        if left == 0:
            return {"pending": 0, **target.whose}, 200
        return {"pending": left, "message": f"{left} events still to deliver after {json_data['timeout_ms']} ms",
                **target.whose}, 408

    if not any(dispatcher.left(tenant) for tenant in tenants):
        return outcome()
    # The dispatcher completes this when the deliveries end; the server cancels it at the timeout or when
    # the client leaves, which drops it from the dispatcher's waiters: nothing polls.
    idle = asyncio.get_running_loop().create_future()
    dispatcher.when_idle(tenants, idle)
    # at the timeout the server has cancelled it before resuming: then what is left is counted
    return answer_later(Wait(json_data["timeout_ms"] / 1000, lambda: json_answer(*outcome(not idle.cancelled())),
                             until=idle))
