"""Webhooks: the receiver the control plane sets (the mock's own call), the device events it emits, and
the query of HyperTrack's Get Order Webhooks."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from ..models.webhooks import DEVICE_VALUES
from .fields import FreeFormObject, LeanSchema, StrictInteger, Timestamp
from .lifecycle import CommaSeparated, PaginationToken, not_applied
from .track import PointLocationGeometry

#: The ``data.value`` of HyperTrack's order webhooks (Get Order Webhooks' ``value`` filter).
ORDER_WEBHOOK_VALUES = ("assigned", "started", "first_eta", "eta", "eta_change", "n_minutes_away",
                        "device_switched", "disabled", "enabled", "updated", "delayed", "risk_updated",
                        "arrived", "exited", "completed", "cancelled")


class DeliveryOptions(LeanSchema):
    """How a tenant's events are delivered (HyperTrack's rules by default; tests shorten the times)."""

    secret = fields.String(allow_none=True, validate=validate.Length(min=1, max=256))
    content_type = fields.String(validate=validate.OneOf(("application/json", "text/plain")))
    timeout_ms = StrictInteger(validate=validate.Range(min=1, max=60_000))
    retries = StrictInteger(validate=validate.Range(min=0, max=10))
    retry_delay_ms = StrictInteger(validate=validate.Range(min=0, max=3_600_000))


#: A receiver's URL: any http(s) one, loopback and private addresses included (it is a test tool).
RECEIVER_URL = {"require_tld": False, "schemes": {"http", "https"}}


class WebhookReceiver(DeliveryOptions):
    """``PUT /__mock/webhook``: where the tenant's events go (a URL, or an inbox of the mock's own), and
    how."""

    url = fields.URL(**RECEIVER_URL)
    inbox = fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9._~-]{1,100}$", error="Letters, digits and . _ ~ - only.")
    )
    confirm_subscription = fields.Boolean()

    @validates_schema
    def _one_target(self, data, **kwargs):
        if ("url" in data) == ("inbox" in data):
            raise ValidationError("Give the receiver's url, or the name of an inbox of the mock's own (inbox).")


class ScenarioWebhook(DeliveryOptions):
    """A scenario's receiver: as ``PUT /__mock/webhook``, by its URL alone (an inbox is the server's,
    the handshake needs the call)."""

    url = fields.URL(required=True, **RECEIVER_URL)


class DeviceEvent(LeanSchema):
    """``POST /__mock/orders/<order_handle>/events``: what a device would cause, with the fields of
    HyperTrack's webhook data; those left out get realistic values."""

    value = fields.String(required=True, validate=validate.OneOf(DEVICE_VALUES))
    remaining_distance = StrictInteger(validate=validate.Range(min=0))
    remaining_duration = StrictInteger(validate=validate.Range(min=0))
    remaining_minutes = StrictInteger(validate=validate.Range(min=0))
    change_reason = fields.String(validate=validate.OneOf(("position_update", "traffic_update", "route_change")))
    arrive_at = Timestamp()
    initial_eta = Timestamp()
    location = fields.Nested(PointLocationGeometry)
    reason = fields.String(validate=validate.OneOf(("location", "outage", "geofence_deleted", "deleted")))
    risks = FreeFormObject()


class DrainRequest(LeanSchema):
    timeout_ms = StrictInteger(load_default=10_000, validate=validate.Range(min=0, max=600_000))


class InboxScript(LeanSchema):
    answers = fields.List(StrictInteger(validate=validate.Range(min=200, max=599)), load_default=list,
                          validate=validate.Length(max=100))


class ReplayRequest(LeanSchema):
    message_id = fields.String(required=True, validate=validate.Length(min=1))


class OrderWebhooksQuery(LeanSchema):
    """Get Order Webhooks: every filter HyperTrack documents."""

    value = CommaSeparated(ORDER_WEBHOOK_VALUES)
    from_time = Timestamp(allow_none=True)
    to_time = Timestamp(allow_none=True)
    fulfillment_attempt = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    pagination_token = PaginationToken("webhooks")
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))
    sort_direction = fields.String(load_default="desc", validate=validate.OneOf(("desc", "asc")))
    debug_level = not_applied()
