"""Credentials, decoded once per request: ``Basic base64(account_id:secret_key)``, or a ``Bearer`` token."""
from __future__ import annotations

import base64
import binascii


class Caller:
    """Who sent a request: ``account`` (None without credentials or when they prove nothing), ``refusal``,
    why credentials that were sent were refused (None when none were sent), and ``tenant``, the account's
    tenant once the pipeline has looked it up (once a request: the fault rule, the view and the journal
    all take it from here), or None."""

    __slots__ = ("account", "refusal", "tenant")

    def __init__(self, account: str | None, refusal: str | None = None, tenant=None):
        self.account, self.refusal, self.tenant = account, refusal, tenant

    @property
    def reason(self) -> str:
        """Why this caller is not let in, for the journal."""
        return self.refusal or "no Authorization header"


NOBODY = Caller(None)


def decode_basic(value: str) -> tuple[str, str] | None:
    """``(account_id, secret_key)`` from a Basic credential, or ``None`` if it is malformed."""
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    account_id, colon, secret_key = decoded.partition(":")
    return (account_id, secret_key) if colon else None


def identify(backend, header: str | None) -> Caller:
    """The caller an ``Authorization`` header proves (checked against ``backend``'s accounts and tokens)."""
    if not header:
        return NOBODY
    scheme, _, credential = header.strip().partition(" ")
    scheme = scheme.lower()
    credential = credential.strip()
    if scheme == "basic":
        pair = decode_basic(credential)
        if pair is None:
            return Caller(None, "malformed Basic credentials")
        if backend.check_secret(*pair):
            return Caller(pair[0])
        if not pair[0] or not pair[1]:
            return Caller(None, "empty account id or secret key")
        return Caller(None, f"unknown account '{pair[0]}' or wrong secret key")
    if scheme == "bearer":
        account_id = backend.account_for_token(credential) if credential else None
        return Caller(account_id) if account_id is not None else Caller(None, "unknown or expired Bearer token")
    return Caller(None, f"unsupported Authorization scheme '{scheme}'")
