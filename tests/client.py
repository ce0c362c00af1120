"""A test client over real HTTP: the calls of Flask's test client, sent to a live mock with ``requests``.

Every answer it gets passes through the session-wide conformance check in ``conftest.py`` (every
answer from a mock on 127.0.0.1 is judged against HyperTrack's spec).
"""
from __future__ import annotations

import json as jsonlib

import requests


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
    """``open`` (and ``get``, ``post``, ...) a path of the mock at ``url``, as Flask's test client does."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.session = requests.Session()

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
