"""Request schemas of planning orders (``POST /orders/``, Batch and Sequence Orders) and of updating one
(``PATCH /orders/{order_handle}``, Update Order), as HyperTrack's spec names them."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from .fields import FreeFormObject, LeanSchema, StrictInteger, Timestamp
from .track import (
    ORDER_TYPES,
    Destination,
    TrackOrder,
    _bounded_list,
    nullable_string,
    one_of,
)

PLAN_MODES = ("on_demand", "scheduled", "manual")
ROUTE_SOLVER_STRATEGIES = ("osrm_full", "als_full", "hybrid_sparse")


class OrderApproval(LeanSchema):
    worker_handle = fields.String(required=True)
    approver_id = fields.String(required=True)
    reason = nullable_string()


class OrderAcceptance(LeanSchema):
    worker_handle = fields.String(required=True)
    creator_id = fields.String(required=True)
    reason = nullable_string()


class OrderAddressDestination(LeanSchema):
    """A destination given by its address alone, which HyperTrack geocodes (planning only)."""

    address = fields.String(required=True, validate=validate.Length(min=1))
    radius = StrictInteger(load_default=30, validate=validate.Range(min=0))


class PlannedDestination(Destination):
    """Track Orders' four destinations, and a fifth: an address alone (``OrderAddressDestination``)."""

    variants = {**Destination.variants, "address": OrderAddressDestination()}

    def openapi(self, resolve):
        return {"oneOf": [*super().openapi(resolve)["oneOf"], resolve(self.variants["address"])]}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict) and not {"geometry", "geofence_id", "place_handle"} & value.keys() \
                and "address" in value:
            return self.variants["address"].load(value)
        return super()._deserialize(value, attr, data, **kwargs)


class OrderRequest(TrackOrder):
    """An order to plan (``OrderRequest``): a tracked order's fields, with ``scheduled_at`` required,
    and the approvals and acceptances unplanned orders may carry."""

    class Meta:
        exclude = ("timesheets", "worker_locations", "messages", "facility_name", "workflow_ids")

    destination = PlannedDestination(required=True)
    scheduled_at = Timestamp(required=True)
    approvals = _bounded_list(fields.Nested(OrderApproval))
    acceptances = _bounded_list(fields.Nested(OrderAcceptance))


class BatchOrdersRequest(LeanSchema):
    """HyperTrack's ``BatchOrdersRequest``."""

    plan_mode = one_of(PLAN_MODES, required=True)
    orders = fields.List(fields.Nested(OrderRequest), required=True, validate=validate.Length(min=1, max=1000))
    ops_group_handle = nullable_string()
    worker_handle = nullable_string()
    driver_handle = nullable_string(metadata={"deprecated": True})
    enable_sync_planning = fields.Boolean(allow_none=True, load_default=False)
    route_solver_matrix_strategy = one_of(ROUTE_SOLVER_STRATEGIES, load_default="osrm_full")


class Attachment(fields.Field):
    """One of ``ImageAttachment`` (``url``, ``caption``), ``NoteAttachment`` (``data``) and
    ``SignatureAttachment`` (``url``), told apart by ``type``."""

    shapes = {"image": {"url": True, "caption": False}, "note": {"data": True}, "signature": {"url": True}}

    def openapi(self, resolve):
        def variant(kind, keys):
            return {"type": "object", "required": ["type", *[k for k, needed in keys.items() if needed]],
                    "properties": {"type": {"type": "string", "enum": [kind]},
                                   **{key: {"type": "string", "nullable": not needed} for key, needed in keys.items()}}}
        return {"oneOf": [variant(kind, keys) for kind, keys in self.shapes.items()]}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("Not a valid attachment: an object with a type (image, note or signature).")
        kind = value.get("type")
        keys = self.shapes.get(kind) if isinstance(kind, str) else None  # {} or [] would be unhashable
        if keys is None:
            raise ValidationError({"type": ["Must be one of: image, note, signature."]})
        problems = {key: ["Unknown field."] for key in value if key != "type" and key not in keys}
        for key, needed in keys.items():
            if key not in value:
                if needed:
                    problems[key] = ["Missing data for required field."]
            elif not (isinstance(value[key], str) or (value[key] is None and not needed)):
                problems[key] = ["Not a valid string."]
        if problems:
            raise ValidationError(problems)
        return dict(value)


class PatchOrderRequest(LeanSchema):
    """HyperTrack's ``PatchOrderRequest``: every field optional; a field sent replaces the order's."""

    metadata = FreeFormObject(allow_none=True)
    attachments = _bounded_list(Attachment())
    destination = Destination(allow_none=True)
    scheduled_at = Timestamp(allow_none=True)
    scheduled_after = Timestamp(allow_none=True)
    expected_service_time = StrictInteger(allow_none=True, validate=validate.Range(min=0))
    product_type = _bounded_list(fields.String())
    type = one_of(ORDER_TYPES, allow_none=True)
    type_index = StrictInteger(allow_none=True, validate=validate.Range(min=0))
    capacity_used = StrictInteger(allow_none=True, validate=validate.Range(min=0))
    ops_group_handle = nullable_string()
    # closeout data, which HyperTrack types as free objects here ("forwarded as-is")
    timesheets = _bounded_list(FreeFormObject())
    worker_locations = _bounded_list(FreeFormObject())
    messages = _bounded_list(FreeFormObject())
    facility_name = nullable_string()


class PatchOrderQuery(LeanSchema):
    type = one_of(ORDER_TYPES, allow_none=True)
    type_index = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    fulfillment_attempt = fields.Integer(allow_none=True, validate=validate.Range(min=0))

