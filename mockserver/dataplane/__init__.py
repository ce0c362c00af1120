"""HyperTrack's own endpoints: HTTP in, store calls, HyperTrack-shaped bodies out."""
from flask import g, request

from ..app import mock
from ..auth import account_for, unauthorized
from ..intercept import seen

#: The tag the orders and the routes endpoints share (listed once in the spec: ``app.one_tag_each``).
ORDERS_TAG = {"name": "Orders", "description": "HyperTrack's Orders API (data plane)"}


def authenticate():
    """Before every data-plane request: the caller's tenant, or 401."""
    store = mock().store
    # The intercept hook has read the credentials already: reuse its answer (None: missing or refused).
    request_seen = seen(request.environ)
    account_id = (request_seen.account if request_seen is not None
                  else account_for(store, request.headers.get("Authorization")))
    if account_id is None:
        raise unauthorized()
    g.tenant = store.tenant(account_id)


def documented(schema, description):
    """An OpenAPI response entry with a JSON body of ``schema``."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def page(key, items, query_schema, cursor):
    """A listing: ``{key: items, "pagination_token": <token of the next page, or null>}``."""
    token_field = query_schema._declared_fields["pagination_token"]
    return {key: items, "pagination_token": None if cursor is None else token_field.serialize_position(cursor)}
