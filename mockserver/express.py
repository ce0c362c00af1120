"""The express lane: a plain ``POST /orders/track`` answered without Flask's request machinery.

Under granian, Flask's handling of a request (contexts, URL matching, the hook chains, a response
object) cost as much as validating and storing the orders.  A track that is plain in every way goes
to the same schema, the same store call, the same encoder and the same journal entry as the Flask
view would, without that machinery, and gets the same answer byte for byte
(``tests/test_express.py`` compares them).

Plain means: ``POST`` to ``/orders/track`` exactly, no query string, ``Content-Type:
application/json``, a non-empty body within the size limit, credentials that prove an
account, no fault rule taken, a body that parses and validates, and a track the store accepts.
For anything else :meth:`Express.answer` returns None and the request goes to Flask, which answers
it in full.  A body the lane parsed and loaded is handed over (``jsonbody.LOADED``) rather than loaded
again; a body it refused, or a track the store refused, changed no state (the store checks everything
before it writes, and draws no generated value before that), so Flask's answer is the whole answer.
"""
from __future__ import annotations

import time

from apiflask import HTTPError
from marshmallow import ValidationError

from .errors import HyperTrackError
from .journal import Entry
from .jsonbody import LOADED, decode
from .schemas.hypertrack import TrackOrdersRequest

PATH = "/orders/track"


class Express:
    def __init__(self, app, mock):
        self.store = mock.store
        self.json = app.json
        self.limit = mock.settings["max_body_bytes"]
        self.schema = TrackOrdersRequest()

    @staticmethod
    def takes(method: str, path: str, query: str) -> bool:
        return path == PATH and method == "POST" and not query

    def answer(self, environ: dict, body: bytes, account: str, received: float, started: float,
               headers: list) -> tuple[int, list, bytes] | None:
        """``(status, headers, body)`` for a plain track, or None: Flask answers it."""
        if (environ.get("CONTENT_TYPE") != "application/json" or not body.strip() or len(body) > self.limit
                or self.json._app.debug):  # (a chunked body over the limit comes cut just past it: 413)
            return None
        try:
            request = self.schema.load(decode(body))
        except (HTTPError, ValidationError) as error:
            environ[LOADED] = TrackOrdersRequest, error  # Flask's view refuses it without loading it again
            return None
        tenant = self.store.tenant(account)
        try:
            result = tenant.track_orders(request)
        except HyperTrackError:
            environ[LOADED] = TrackOrdersRequest, request  # the view's store call refuses it again
            return None
        encoded = self.json.body(result)
        entry = Entry(received, account, "POST", PATH, "", headers, body, 201, encoded, None, None,
                      round((time.perf_counter() - started) * 1000, 3))
        self.store.record(entry)
        return 201, [("Content-Type", self.json.mimetype), ("Content-Length", str(len(encoded)))], encoded
