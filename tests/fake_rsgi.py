"""granian's side of RSGI, faked: requests handed to ``rsgi.Bridge`` in-process, answers caught."""
from __future__ import annotations

import asyncio
import base64
import json

ACME = "Basic " + base64.b64encode(b"acme:s3cret").decode()


class Scope:
    proto, http_version, scheme = "http", "1.1", "http"
    server, client = "127.0.0.1:8080", "127.0.0.1:40000"

    def __init__(self, method, path, query, headers):
        self.method, self.path, self.query_string, self.headers = method, path, query, headers


class Proto:
    def __init__(self, body: bytes):
        self.body, self.answer = body, None

    async def __call__(self):
        return self.body

    def response_bytes(self, status, headers, body):
        self.answer = (status, list(headers), body)


async def send(bridge, method, path, body=None, *, raw=None, query="", content_type="application/json",
               authorization=ACME):
    """``(status, headers, body)`` of one request through ``bridge``."""
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    headers = {"host": "127.0.0.1:8080"}
    if authorization:
        headers["authorization"] = authorization
    if data:
        headers["content-type"] = content_type
    headers["content-length"] = str(len(data))
    proto = Proto(data)
    await bridge(Scope(method, path, query, headers), proto)
    return proto.answer


def call(bridge, *args, **kwargs):
    """``send`` on an event loop of its own."""
    return asyncio.run(send(bridge, *args, **kwargs))
