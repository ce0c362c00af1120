"""Test clients with the calls of Flask's test client, over ``requests``: to a live mock over HTTP, or to the
mock's pipeline in this process (``InProcess``), for the tests that are not about HTTP.

Every answer either way passes through the session-wide conformance check in ``conftest.py`` (every
answer from a mock on 127.0.0.1 is judged against HyperTrack's spec): it wraps ``requests.Session.send``,
which every transport's answer comes back through.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import io
import json as jsonlib
import time
from http import HTTPStatus
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from mockserver.testing import MockServer
from mockserver.web.exchange import Request, Wait
from mockserver.web.responses import error_answer

_REASONS = {status.value: status.phrase for status in HTTPStatus}


class Response:
    """What a test reads of an answer: ``status_code``, ``headers``, ``data``, ``get_json()``."""

    def __init__(self, answer: requests.Response):
        self.status_code = answer.status_code
        self.headers = answer.headers
        self.data = answer.content
        self.text = answer.text
        self.content_type = answer.headers.get("Content-Type")
        self.mimetype = (self.content_type or "").split(";")[0].strip()

    def get_json(self, silent: bool = False):
        try:
            return jsonlib.loads(self.data)
        except ValueError:
            if silent:
                return None
            raise

    @property
    def json(self):
        return self.get_json()


class Client:
    """``open`` (and ``get``, ``post``, ...) a path of the mock at ``url``, as Flask's test client does: over
    HTTP, or through ``transport`` (``InProcess``) if given."""

    def __init__(self, url: str, transport: BaseAdapter | None = None):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        if transport is not None:
            self.session.mount(self.url + "/", transport)

    def open(self, path: str, method: str = "GET", *, json=None, data=None, headers=None, content_type=None,
             query_string=None) -> Response:
        headers = dict(headers or {})
        if json is not None:
            data = jsonlib.dumps(json).encode()
            headers.setdefault("Content-Type", "application/json")
        if content_type is not None:
            headers["Content-Type"] = content_type
        answer = self.session.request(method, self.url + path, data=data, headers=headers, params=query_string,
                                      timeout=30, allow_redirects=False)
        return Response(answer)

    def get(self, path, **kwargs):
        return self.open(path, "GET", **kwargs)

    def post(self, path, **kwargs):
        return self.open(path, "POST", **kwargs)

    def put(self, path, **kwargs):
        return self.open(path, "PUT", **kwargs)

    def patch(self, path, **kwargs):
        return self.open(path, "PATCH", **kwargs)

    def delete(self, path, **kwargs):
        return self.open(path, "DELETE", **kwargs)

    def close(self):
        self.session.close()


class InProcess(BaseAdapter):
    """A ``requests`` transport that hands each request to a mock's pipeline in this process, on the loop of
    the server serving it, as that server would: a ``Request`` in, an ``Answer`` (or a ``Wait``, waited
    out as the server waits it out) back, with no socket and no HTTP in between (as Flask's test client).

    Its answers come back through ``requests.Session.send`` like any transport's, so conftest's
    ``conformant_requests`` checks each against HyperTrack's spec exactly as it checks answers over HTTP.
    What only a transport does stays with the tests that speak HTTP: a fault that drops the connection
    raises ``requests.ConnectionError`` here, whatever the drop.
    """

    def __init__(self, server: MockServer):
        super().__init__()
        self.app = server.app
        self.loop = server.loop

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        url = urlsplit(request.url)
        headers = [(name.lower(), value.decode("latin-1") if isinstance(value, bytes) else value)
                   for name, value in request.headers.items()]
        if not any(name == "host" for name, _ in headers):  # as http.client adds it
            headers.insert(0, ("host", url.netloc))
        asked = Request(request.method, unquote_to_bytes(url.path).decode("utf-8", "replace"), url.query, headers,
                        _body(request.body), client="127.0.0.1:0", received_at=time.time(),
                        started=time.perf_counter())
        exchange = asyncio.run_coroutine_threadsafe(self._exchange(asked), self.loop)
        try:  # (past the timeout the exchange goes on unread, as a request sent over HTTP does)
            answer = exchange.result(timeout[1] if isinstance(timeout, tuple) else timeout)
        except concurrent.futures.TimeoutError:
            raise requests.ReadTimeout(f"no answer within {timeout} s", request=request) from None
        if answer.drop is not None:
            raise requests.ConnectionError(f"the mock cut the connection ({answer.drop})", request=request)
        return self._response(request, answer)

    async def _exchange(self, request: Request):
        outcome = _answer(self.app, request)
        while isinstance(outcome, Wait):
            if outcome.until is None:
                await asyncio.sleep(outcome.seconds)
            else:
                await asyncio.wait((outcome.until,), timeout=outcome.seconds)
                outcome.until.cancel()  # at the timeout, as the server does: no one need complete it any more
            outcome = _answer(outcome.resume)
        return outcome

    def _response(self, request, answer) -> requests.Response:
        """The ``requests.Response`` of an ``Answer``, with the headers the server would send."""
        headers = CaseInsensitiveDict()
        for name, value in answer.headers:
            if name.lower() != "connection":
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
        headers.setdefault("Content-Length", str(len(answer.body)))
        response = requests.Response()
        response.status_code = answer.status
        response.reason = _REASONS.get(answer.status, "")
        response.headers = headers
        response._content = b"" if request.method == "HEAD" else answer.body
        response._content_consumed = True
        response.raw = io.BytesIO(response._content)
        response.encoding = get_encoding_from_headers(headers)
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self):
        pass


def _answer(call, *args):
    """What ``call`` answers; an exception becomes its error answer, as the server makes it (a last resort)."""
    try:
        return call(*args)
    except Exception as error:  # noqa: BLE001 - the pipeline answers its own errors; this is a last resort
        return error_answer(error)


def _body(body) -> bytes:
    """A prepared request's body as the server reads it: bytes (a str encoded as http.client encodes it)."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("iso-8859-1")
    if isinstance(body, bytes):
        return body
    if hasattr(body, "read"):
        return _body(body.read())
    return b"".join(_body(chunk) for chunk in body)  # an iterable, sent chunked over HTTP
