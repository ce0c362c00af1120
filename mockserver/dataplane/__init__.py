"""HyperTrack's own endpoints: HTTP in, store calls, HyperTrack-shaped bodies out."""
from flask import g, request

from ..app import mock
from ..auth import account_for, unauthorized


def authenticate():
    """Before every data-plane request: the caller's tenant, or 401."""
    store = mock().store
    account_id = account_for(store, request.headers.get("Authorization"))
    if account_id is None:
        raise unauthorized()
    g.tenant = store.tenant(account_id)
