"""What HyperTrack's endpoints share: their OpenAPI tags (orders and routes share one), and a listing's envelope."""

ORDERS = {"name": "Orders", "description": "HyperTrack's Orders API (data plane)"}
WORKERS = {"name": "Workers", "description": "HyperTrack's Workers API (data plane)"}
AUTH = {"name": "Auth", "description": "HyperTrack's OAuth token endpoint (data plane)"}


def page(key: str, items: list, query_schema, cursor) -> dict:
    """A listing: ``{key: items, "pagination_token": <token of the next page, or null>}``."""
    token_field = query_schema.fields["pagination_token"]
    return {key: items, "pagination_token": None if cursor is None else token_field.serialize_position(cursor)}
