"""The app under granian's RSGI interface: one event loop, the Flask app called inline, delays awaited.

granian's WSGI interface hands each request to one of a fixed number of Python threads: with one, a
fault's ``delay_ms`` would hold up every other request; with enough for twenty concurrent delays, the
threads contend for the interpreter and every request pays (2,250 against 3,300 requests/s here).
Under RSGI the app runs on granian's event loop thread, one request after another as with one thread,
and a delay is an ``asyncio.sleep`` that lets the others through.  No library bridges RSGI (or ASGI)
to WSGI without a thread pool, which is the cost being avoided, so this does it: a WSGI environ from
the RSGI scope, the body read without blocking (and no further than the size limit), the Flask app
called, and its answer sent in one piece.
"""
from __future__ import annotations

import asyncio
import gc
import io
import json
import os
import socket
import struct
import sys
import time

from granian.rsgi import ProtocolClosed as RSGIProtocolClosed

from .app import EXTENSION
from .config import DEFAULTS
from .express import Express
from .faults import truncated_length
from .intercept import (
    MAX_HEADER_BYTES,
    NOT_DATA_PLANE,
    PARTIAL_BODY,
    TAKEN,
    header_bytes,
    request_headers,
    seen,
    take_fault,
)
from .jsonbody import SHORT_BODY

_SPECIAL = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
#: Header names seen so far, and their WSGI environ keys.
_KEYS: dict[str, str] = {}
_SHORT_BODY_ANSWER = json.dumps({"detail": {"json": [SHORT_BODY]}, "message": "Bad Request"}).encode()


#: Tracked objects allocated (net) since the last collection, past which the worker collects again.
COLLECT_AFTER = 10_000


def collect_young() -> None:
    """Collect the objects allocated since the last time, then set the survivors aside for good.

    Called between requests, where nothing half-done is alive: what survives is state (acyclic, freed
    by reference counting when dropped) or a request waiting on the event loop, whose environ is
    acyclic too (the Flask app runs to its end in one step).  No survivor is ever scanned again, so a
    collection costs the same with 10 routes stored as with 100,000, instead of growing with them: the
    collector's full passes over a growing store were the latency tail (0.4 s pauses at 4,000 req/s).
    """
    gc.collect(0)
    gc.freeze()


class Bridge:
    """An RSGI application serving a WSGI (Flask) app inline.

    With ``collects``, the interpreter's automatic garbage collection is off and the bridge collects
    between requests instead (``collect_young``): granian's worker, where the bridge is the only caller.
    """

    def __init__(self, app, collects: bool = False):
        self.app = app
        self.collects = collects
        if collects:
            gc.disable()
        #: The mock's shared state; None for any other WSGI app (a benchmark's floor): no faults then.
        self.mock = getattr(app, "extensions", {}).get(EXTENSION)
        self.limit = self.mock.settings["max_body_bytes"] if self.mock else DEFAULTS["max_body_bytes"]
        self.express = Express(app, self.mock) if self.mock else None

    async def __call__(self, scope, proto):
        if self.collects and gc.get_count()[0] > COLLECT_AFTER:
            collect_young()
        received, started = time.time(), time.perf_counter()
        environ = self._environ(scope)
        try:
            body = await self._body(environ, proto)
        except RSGIProtocolClosed:  # the client stopped before the end of its body
            proto.response_bytes(400, [("Content-Type", "application/json")], _SHORT_BODY_ANSWER)
            return
        environ["wsgi.input"] = io.BytesIO(body)
        path = scope.path
        if self.mock is not None and not path.startswith(NOT_DATA_PLANE):
            headers = request_headers(environ)
            if header_bytes(headers) <= MAX_HEADER_BYTES:  # else the app refuses them (431), untouched
                method = scope.method
                account, fault = take_fault(self.mock.store, environ.get("HTTP_AUTHORIZATION"), method, path)
                if fault is None and account is not None and self.express.takes(method, path, scope.query_string):
                    answer = self.express.answer(environ, body, account, received, started, headers)
                    if answer is not None:
                        proto.response_bytes(*answer)
                        return
                environ[TAKEN] = account, fault, received, started, headers
                if fault is not None and fault.rule.get("delay_ms"):
                    await asyncio.sleep(fault.rule["delay_ms"] / 1000)

        answer = []
        body = self.app(environ, lambda status, headers, exc_info=None: answer.extend((status, headers)))
        request_seen = seen(environ)
        mode = request_seen.dropped if request_seen is not None else None  # a drop_connection fault's
        try:
            content = None if mode else b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        status, headers = int(answer[0][:3]), answer[1]
        if content is not None:
            proto.response_bytes(status, headers, content)
            return
        if mode != "truncated" and cut(scope.client, reset=mode == "reset"):
            proto.response_bytes(status, headers, b"")  # into a closed connection: nothing reaches the client
            return
        # truncated (or no socket found): a head promising more than is sent, then the connection is closed.
        environ = body = None  # nothing of Flask's kept alive (and frozen by a collection) over the await
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(truncated_length(PARTIAL_BODY))))
        transport = proto.response_stream(status, headers)
        await transport.send_bytes(PARTIAL_BODY if mode == "truncated" else b"")

    @staticmethod
    def _environ(scope) -> dict:
        server_host, _, server_port = scope.server.rpartition(":")
        environ = {
            "REQUEST_METHOD": scope.method, "SCRIPT_NAME": "",
            "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"), "QUERY_STRING": scope.query_string,
            "SERVER_NAME": server_host, "SERVER_PORT": server_port,
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}", "REMOTE_ADDR": scope.client.rpartition(":")[0],
            "wsgi.version": (1, 0), "wsgi.url_scheme": scope.scheme, "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
            "wsgi.input_terminated": True,
        }
        keys = _KEYS
        for name, value in scope.headers.items():
            key = keys.get(name)
            if key is None:
                key = _SPECIAL.get(name) or "HTTP_" + name.upper().replace("-", "_")
                if len(keys) < 1000:  # the usual few dozen names, never without bound
                    keys[name] = key
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    async def _body(self, environ, proto) -> bytes:
        """The body, or as much of it as shows it is over the limit (the app then answers 413)."""
        declared = environ.get("CONTENT_LENGTH", "")
        if declared.isdigit() and "HTTP_TRANSFER_ENCODING" not in environ:
            if int(declared) > self.limit:
                return b""  # refused from its Content-Length, unread
            return await proto()
        chunks, size = [], 0
        async for chunk in proto:
            chunks.append(chunk)
            size += len(chunk)
            if size > self.limit:  # read no further: the app refuses it from this length
                environ.pop("HTTP_TRANSFER_ENCODING", None)
                environ["CONTENT_LENGTH"] = str(size)
                break
        return b"".join(chunks)


def cut(client: str, reset: bool) -> bool:
    """Shut the connection from ``client`` ("ip:port") down under granian, which keeps it out of reach:
    found among this process's sockets by its peer address.  The client sees the connection closed with
    no reply; with ``reset``, a zero linger also makes granian's close of it an RST.  False if not found
    (not Linux, or gone already)."""
    host, _, port = client.rpartition(":")
    host = host.strip("[]")
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return False
    for name in names:
        try:
            if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                continue
            sock = socket.socket(fileno=os.dup(int(name)))
        except (OSError, ValueError):
            continue
        try:
            peer = sock.getpeername()
            if peer[1] == int(port) and peer[0] in (host, f"::ffff:{host}"):
                if reset:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
                return True
        except (OSError, ValueError, IndexError, TypeError):
            pass  # not a connected TCP socket (a pipe's end, a listener, one closing meanwhile): look on
        finally:
            sock.close()
    return False
