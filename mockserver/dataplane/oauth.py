"""``POST /oauth/token``: client credentials in, a Bearer token for the account out."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Integer, String
from apiflask.validators import Length, OneOf

from ..app import mock
from ..auth import unauthorized

bp = APIBlueprint("oauth", __name__, tag={"name": "Auth", "description": "HyperTrack's OAuth token endpoint (data plane)"})


class TokenRequest(Schema):
    grant_type = String(required=True, validate=OneOf(["client_credentials"]))
    client_id = String(required=True, validate=Length(min=1))
    client_secret = String(required=True, validate=Length(min=1))


class TokenResponse(Schema):
    access_token = String()
    token_type = String()
    expires_in = Integer()


@bp.post("/oauth/token")
@bp.input(TokenRequest, location="form")
@bp.output(TokenResponse)
@bp.doc(summary="Get an access token", description="client_id is the account id, client_secret "
        "its secret key; the token authenticates as that account.", responses=[401])
def issue_token(form_data):
    store = mock().store
    if not store.check_secret(form_data["client_id"], form_data["client_secret"]):
        raise unauthorized()
    return store.issue_token(form_data["client_id"])
