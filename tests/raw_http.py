"""HTTP written and read by hand, for what ``requests`` cannot send: malformed requests, pipelining, drops."""
from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit


class Reply:
    """One answer read off the wire: ``status``, ``reason``, ``headers`` (as sent), ``body``."""

    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Reply({self.status}, {self.headers!r}, {self.body[:200]!r})"

    def as_tuple(self):
        return self.status, self.reason, self.headers, self.body


def request(method: str, path: str, body: bytes | None = None, headers=(), *, version: str = "HTTP/1.1",
            close: bool = True) -> bytes:
    """A well-formed request's bytes (``Content-Length`` added for a body), ``Connection: close`` by default."""
    lines = [f"{method} {path} {version}", "Host: mock"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def send(url: str, data: bytes, *, half_close: bool = False, timeout: float = 10) -> tuple[str, bytes]:
    """Write ``data`` on a new connection and read until the server closes it.

    ``(how it ended, what was read)``: ``closed`` (an orderly close) or ``reset`` (an RST).
    """
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            return "reset", received
    return "closed", received


def replies(raw: bytes) -> list[Reply]:
    """Every answer in ``raw``, one after another (bodies framed by ``Content-Length``); a cut-off body is
    returned as far as it came."""
    found = []
    while raw:
        head, separator, rest = raw.partition(b"\r\n\r\n")
        if not separator:
            raise ValueError(f"no complete head in {raw[:200]!r}")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        _, status, reason = status_line.split(" ", 2)
        headers = [tuple(line.split(": ", 1)) for line in header_lines]
        length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
        if int(status) == 100:
            length = 0
        found.append(Reply(int(status), reason, headers, rest[:length]))
        raw = rest[length:]
    return found


def exchange(url: str, data: bytes, **kwargs) -> Reply:
    """The one answer to ``data`` (sent on a new connection)."""
    how, raw = send(url, data, **kwargs)
    [reply] = replies(raw)
    return reply
