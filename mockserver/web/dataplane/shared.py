"""What HyperTrack's endpoints share: their OpenAPI tags (orders and routes share one), and a listing's envelope."""

ORDERS = {"name": "Orders", "description": "HyperTrack's Orders API (data plane)"}
WORKERS = {"name": "Workers", "description": "HyperTrack's Workers API (data plane)"}
AUTH = {"name": "Auth", "description": "HyperTrack's OAuth token endpoint (data plane)"}


def paging(query: dict) -> dict:
    """A listing's page size, cursor and direction, from its loaded query."""
    return {"limit": query["limit"], "after": query.get("pagination_token"),
            "descending": query.get("sort_direction") == "desc"}


def page(key: str, items: list, query_schema, cursor, last_page_token=True) -> dict:
    """A listing: ``{key: items, "pagination_token": <token of the next page>}``; on the last page the
    token is null, or absent where HyperTrack's examples leave it out (``last_page_token=False``)."""
    if cursor is None:
        return {key: items, "pagination_token": None} if last_page_token else {key: items}
    return {key: items, "pagination_token": query_schema.fields["pagination_token"].serialize_position(cursor)}
