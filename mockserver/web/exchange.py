"""What the server and the app exchange: a ``Request`` as read off the wire, and an ``Answer`` (or a ``Wait``)."""
from __future__ import annotations

from collections.abc import Callable


class Request:
    """One HTTP request: ``headers`` as ``(lower-case name, value)`` pairs in the order received.

    ``body`` is None when the server refused to read it (over the size limit); ``problem`` is the
    error the server found in the request's framing or headers, which the pipeline answers instead.
    """

    __slots__ = ("method", "path", "query", "headers", "body", "client", "received_at", "started", "problem")

    def __init__(self, method: str, path: str, query: str, headers: list, body: bytes | None, *,
                 client: str = "", received_at: float = 0.0, started: float = 0.0, problem=None):
        self.method, self.path, self.query, self.headers, self.body = method, path, query, headers, body
        self.client, self.received_at, self.started, self.problem = client, received_at, started, problem

    def header(self, name: str) -> str | None:
        """The first value of a header (``name`` in lower case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None


class Answer:
    """What to send: ``status``, ``headers``, ``body``; or, with ``drop``, how to cut the connection instead
    (``reset``, ``empty``, ``truncated``: a head promising more than ``body``, then the connection closed).
    ``ignored`` names the query parameters the answer did not apply (for the journal; the header says it)."""

    __slots__ = ("status", "headers", "body", "drop", "close", "ignored")

    def __init__(self, status: int, headers: list, body: bytes, drop: str | None = None, close: bool = False):
        self.status, self.headers, self.body, self.drop, self.close = status, headers, body, drop, close
        self.ignored = ()


class Wait:
    """An answer that is not ready yet: the server waits, without holding anyone up, then sends ``resume()``.

    Without ``until`` (a fault rule's delay) it waits ``seconds``, and the request is carried out even if
    its client left meanwhile, as a slow server would.  With ``until`` (an ``asyncio.Future`` of the
    server's loop, such as a drain of the webhooks waiting for its deliveries), it waits until the future
    is done or ``seconds`` have passed, whichever comes first; if the client leaves before, the future is
    cancelled and ``resume`` is never called: there is no one left to answer.
    """

    __slots__ = ("seconds", "resume", "until")

    def __init__(self, seconds: float, resume: Callable[[], Answer], until=None):
        self.seconds, self.resume, self.until = seconds, resume, until
