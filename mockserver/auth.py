"""HyperTrack's credentials: ``Basic base64(account_id:secret_key)`` or a ``Bearer`` token from /oauth/token."""
from __future__ import annotations

import base64
import binascii

from apiflask import HTTPError

UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Basic realm="HyperTrack"'}


def unauthorized() -> HTTPError:
    return HTTPError(401, "Unauthorized", headers=UNAUTHORIZED_HEADERS)


def decode_basic(value: str) -> tuple[str, str] | None:
    """``(account_id, secret_key)`` from a Basic credential, or ``None`` if it is malformed."""
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    account_id, colon, secret_key = decoded.partition(":")
    return (account_id, secret_key) if colon else None


def account_for(store, header: str | None) -> str | None:
    """The account an ``Authorization`` header proves, ``None`` without one; 401 if it proves nothing."""
    if not header:
        return None
    scheme, _, credential = header.strip().partition(" ")
    scheme = scheme.lower()
    credential = credential.strip()
    if scheme == "basic":
        pair = decode_basic(credential)
        if pair and store.check_secret(*pair):
            return pair[0]
    elif scheme == "bearer" and credential:
        account_id = store.account_for_token(credential)
        if account_id is not None:
            return account_id
    raise unauthorized()


def refusal_reason(store, header: str | None) -> str:
    """Why a request's credentials were refused, for the journal."""
    if not header:
        return "no Authorization header"
    scheme, _, credential = header.strip().partition(" ")
    if scheme.lower() == "basic":
        pair = decode_basic(credential.strip())
        if pair is None:
            return "malformed Basic credentials"
        if not pair[0] or not pair[1]:
            return "empty account id or secret key"
        return f"unknown account '{pair[0]}' or wrong secret key"
    if scheme.lower() == "bearer":
        return "unknown or expired Bearer token"
    return f"unsupported Authorization scheme '{scheme}'"
