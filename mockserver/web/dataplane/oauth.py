"""``POST /oauth/token``: client credentials in, a Bearer token for the account out.

The one data-plane operation that needs no credentials: the form carries them.
"""
from ...schemas.oauth import TokenRequest, TokenResponse
from ..errors import unauthorized
from ..operations import DataPlaneBlueprint
from . import shared

bp = DataPlaneBlueprint("oauth", __name__, tag=shared.AUTH, security=None)


@bp.operation("POST", "/oauth/token", form=TokenRequest, response=TokenResponse, summary="Get an access token",
              description="client_id is the account id, client_secret its secret key; the token authenticates "
                          "as that account.", responses=[401])
def issue_token(backend, form):
    if not backend.check_secret(form["client_id"], form["client_secret"]):
        raise unauthorized("unknown client_id or wrong client_secret")
    return backend.issue_token(form["client_id"])
