"""``POST /oauth/token``'s form and answer: client credentials in, a Bearer token out."""
from __future__ import annotations

from marshmallow import fields, validate

from .fields import LeanSchema


class TokenRequest(LeanSchema):
    grant_type = fields.String(required=True, validate=validate.OneOf(["client_credentials"]))
    client_id = fields.String(required=True, validate=validate.Length(min=1))
    client_secret = fields.String(required=True, validate=validate.Length(min=1))


class TokenResponse(LeanSchema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
