"""HTTP/1.1 on one connection: requests read with httptools, answered in order, faults carried out.

What is the transport's alone is done here, the same under every way of running:
- a fault's delay is a timer on the event loop: the connection waits, every other one is served;
- a dropped connection is cut as the fault asks: ``reset`` (an RST), ``empty`` (closed, nothing sent)
  or ``truncated`` (a head promising more body than is sent, then closed);
- what cannot be read as a request (a malformed request line or header, conflicting framing, headers
  or trailers over the limit, a version other than HTTP/1.1 and 1.0, an HTTP/1.1 request without
  one ``Host``, a body that stops short) still gets a JSON answer, through the pipeline, and the
  connection is closed after it; a body over the size limit is not read at all (413).
Requests pipelined on one connection are answered one after another, in order, one per turn of the
event loop (so that a packet of thousands holds no other client up), and only while the client reads
its answers: past ``HIGH_WATER`` bytes unsent, answering and reading pause until the client has read
all but a quarter of it (uvicorn's ``FlowControl`` does the same).
"""
from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections import deque
from http import HTTPStatus
from urllib.parse import quote, unquote_to_bytes

import httptools

from ..web.body import SHORT_BODY
from ..web.errors import HTTPError, bad_request
from ..web.exchange import Answer, Request, Wait
from ..web.responses import error_answer

#: Requests whose headers (names and values) add up to more than this are refused with 431.
MAX_HEADER_BYTES = 64 * 1024
#: A request head (request line and headers, as sent) longer than this is refused without reading on.
MAX_HEAD_BYTES = 4 * MAX_HEADER_BYTES
#: Requests read ahead on one connection while an earlier one is answered, before reading pauses.
MAX_PIPELINED = 16
#: How long the rest of a refused body is read (and thrown away) before the connection is closed.
LINGER_SECONDS = 2.0
#: Bytes written and not yet sent past which answering and reading pause; they resume below a quarter of it.
HIGH_WATER = 64 * 1024
#: The HTTP versions served (the parser's ``get_http_version``).
VERSIONS = ("1.1", "1.0")

_REASONS = {status.value: status.phrase for status in HTTPStatus}


def _status_line(status: int) -> bytes:
    return f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}\r\n".encode()


_STATUS_LINES = {status: _status_line(status) for status in _REASONS}
#: Header lines as sent, by ``(name, value)``: an answer's headers are mostly the same few
#: (``Content-Type: application/json``), encoded once.  Bounded: past it, lines are encoded each time.
_HEADER_LINES: dict[tuple[str, str], bytes] = {}
MAX_HEADER_LINES = 256


def headers_too_large() -> HTTPError:
    return HTTPError(431, "Request Header Fields Too Large", detail={
        "headers": [f"The request headers are larger than the {MAX_HEADER_BYTES}-byte limit."]})


def unreadable(why: str) -> HTTPError:
    """A 400 for a request the HTTP parser refused, with the parser's reason."""
    return bad_request(f"Not a valid HTTP/1.1 request ({why.strip().rstrip('.')}).", "request")


def head_timed_out(seconds: float) -> HTTPError:
    """The 408 for a request head that did not arrive whole within ``seconds``."""
    return HTTPError(408, "Request Timeout", detail={
        "request": [f"The request head was not complete within {seconds:g} seconds."]})


def too_many_connections(limit: int) -> HTTPError:
    """The 503 for a connection over the server's cap."""
    return HTTPError(503, "Service Unavailable", detail={
        "connections": [f"The server holds its limit of {limit} connections; try again shortly."]})


class Flow:
    """Whether a connection's transport is read, and whether its answers may be written (as uvicorn's
    ``FlowControl``): reading pauses while the answers are not read by the client, or too many requests
    wait for theirs."""

    __slots__ = ("transport", "read_paused", "write_paused")

    def __init__(self, transport):
        self.transport = transport
        self.read_paused = False
        self.write_paused = False
        transport.set_write_buffer_limits(high=HIGH_WATER)  # low: a quarter of it (asyncio's default)

    def pause_reading(self) -> None:
        if not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()


class Refusal(asyncio.Protocol):
    """A connection over the server's cap: a 503 JSON answer, then closed once the client's first bytes are
    read (closing with them unread would send an RST that can discard the answer), or after a second."""

    def __init__(self, limit: int):
        self.limit = limit
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        answer = error_answer(too_many_connections(self.limit))
        transport.write(_head(answer, True, answer.body))
        self.timer = asyncio.get_running_loop().call_later(1.0, transport.close)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.close()

    def connection_lost(self, exc) -> None:
        self.timer.cancel()
        self.transport = None


class Connection(asyncio.Protocol):
    """One client connection: its parser, the request being read, and the requests waiting for an answer."""

    def __init__(self, server):
        self.server = server
        self.app = server.app
        self.limit = server.max_body_bytes
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpRequestParser(self)
        self.client = ""
        self.last_active = time.monotonic()
        self.busy = False          # an answer is being made (or waited for) for this connection
        self.closing = False       # close once the answers in hand are sent
        self.done = False          # closed (or cut): nothing more is read or answered
        self.waiting: deque = deque()  # (request, keep_alive) read and not answered yet, in order
        self.flow: Flow | None = None
        self.next: asyncio.Handle | None = None  # the turn of the loop that answers the next request
        self.linger: asyncio.TimerHandle | None = None
        self.wait: tuple | None = None  # (timer, future) of a ``Wait`` with ``until``, while it lasts
        self.head_bytes = 0        # bytes received since the last request's head ended
        self.head_started: float | None = None  # when the first byte of the head being read came
        self._new_message()

    def _new_message(self) -> None:
        self.url = b""
        self.headers: list = []
        self.header_bytes = 0
        self.headers_done = False
        self.in_message = False
        self.body: list = []
        self.body_size = 0
        self.declared: int | None = None
        self.expects = False       # the client waits for a 100 Continue before sending its body
        self.quiet_bytes = 0       # bytes received since the last body bytes: chunk framing and trailers
        self.refused = False       # the body is over the limit: answered already, the rest thrown away
        self.problem: HTTPError | None = None
        self.received_at = 0.0

    # --- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.flow = Flow(transport)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple):
            self.client = f"[{peer[0]}]:{peer[1]}" if ":" in peer[0] else f"{peer[0]}:{peer[1]}"
        self.server.connections.add(self)

    def connection_lost(self, exc) -> None:
        self.server.connections.discard(self)
        if self.linger is not None:
            self.linger.cancel()
        if self.next is not None:
            self.next.cancel()
            self.next = None
        if self.wait is not None:  # a wait for something no one is left to be told about
            timer, future = self.wait
            self.wait = None
            timer.cancel()
            future.cancel()
        self.transport = None
        self.parser = None  # the parser holds this protocol: break the cycle
        self.waiting.clear()

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        if self.done or self.parser is None:
            return
        if not self.headers_done:
            if self.head_started is None:
                self.head_started = self.last_active
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                self._refuse_now(headers_too_large())
                self._go_on()
                return
        elif self.in_message:
            self.quiet_bytes += len(data)  # set back to 0 by the body bytes among them
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # The client asks to switch protocols (h2c, websocket), which the mock does not speak: the
            # request is answered as it is, in HTTP/1.1, and the connection closed after.
            self.closing = True
            self.parser = None
            if not self.busy and not self.waiting:
                self._close()
        except httptools.HttpParserCallbackError as error:  # a bug of ours, not the client's
            self._refuse_now(HTTPError(500, "Internal Server Error", detail={"server": [repr(error.__context__)]}))
        except httptools.HttpParserError as error:
            self._refuse_now(unreadable(str(error) or type(error).__name__))
        else:
            # Chunk framing and trailers are a head of sorts, held to its limit: without this, a trailer
            # that never ends would be kept in memory as it grows.
            if self.in_message and self.headers_done and not self.refused and self.quiet_bytes > MAX_HEAD_BYTES:
                self._refuse_now(headers_too_large())
        self._go_on()

    def eof_received(self) -> bool:
        """The client stopped sending: a request cut short in its body is answered (400), then closed."""
        if self.in_message and self.headers_done and not self.refused and self.parser is not None:
            self.problem = bad_request(SHORT_BODY if self.declared is not None
                                       else "The body ended before its last chunk.")
            self.closing = True
            self._complete()
            self._go_on()
            return True  # keep the connection open to write the answer
        if self.wait is not None:  # as uvicorn does: a client that stops sending has left; the wait ends
            return False
        if self.busy or self.waiting:
            self.closing = True
            return True
        return False

    def pause_writing(self) -> None:
        """The client does not read its answers fast enough: no more are made, and nothing more is read."""
        self.flow.write_paused = True
        self.flow.pause_reading()

    def resume_writing(self) -> None:
        self.flow.write_paused = False
        self._go_on()

    # --- httptools callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._new_message()
        self.in_message = True
        self.received_at = time.time()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        # Trailers (after a chunked body) count against the limit too, but are not taken as headers.
        self.header_bytes += len(name) + len(value)
        if self.header_bytes > MAX_HEADER_BYTES:
            self.problem = self.problem or headers_too_large()
            return
        if not self.headers_done:
            self.headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self.headers_done = True
        self.head_bytes = 0
        self.head_started = None
        hosts = 0
        for name, value in self.headers:  # one pass over them for what framing needs
            if name == "content-length":
                if self.declared is None:
                    self.declared = int(value)  # llhttp has checked it is one number
            elif name == "host":
                hosts += 1
            elif name == "expect":
                self.expects = self.expects or value.lower() == "100-continue"
        if self.problem is None:
            self.problem = self._misframed(hosts)
        if self.problem is None and self.declared is not None and self.declared > self.limit:
            self._refuse_body()
        # (Behind another answer no 100 is sent: the client sends its body after its own short wait.)
        elif self.problem is None and self.declared and not self.busy and not self.waiting and self.expects:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _misframed(self, hosts: int) -> HTTPError | None:
        """The 400 for a request line of another HTTP version, or an HTTP/1.1 request without one ``Host``
        (it has ``hosts``)."""
        version = self.parser.get_http_version()
        if version not in VERSIONS:
            return unreadable(f"HTTP/{version} is not served; send HTTP/1.1 or HTTP/1.0")
        if version == "1.1" and hosts != 1:
            return unreadable("no Host header" if hosts == 0 else "more than one Host header")
        return None

    def on_body(self, chunk: bytes) -> None:
        self.quiet_bytes = 0
        if self.refused:
            return
        self.body_size += len(chunk)
        if self.body_size > self.limit:
            self.body = []
            self._refuse_body()
            return
        self.body.append(chunk)

    def on_message_complete(self) -> None:
        self.in_message = False
        self.headers_done = False  # what comes next is the next request's head, counted against its limit
        if self.refused:  # answered already; the connection closes once that answer is out
            if self.linger is not None:
                self.linger.cancel()
                self.linger = None
            if not self.busy and not self.waiting:
                self._close()
            return
        self._complete()

    # --- requests in, answers out --------------------------------------------------------------

    def _request(self, body: bytes | None) -> Request:
        method = self.parser.get_method().decode("ascii") if self.parser is not None else "GET"
        try:
            path, query = _target(self.url)
        except ValueError:
            path, query = self.url.decode("latin-1"), ""
            self.problem = self.problem or unreadable("the request target is not a path")
        return Request(method, path, query, self.headers, body, client=self.client,
                       received_at=self.received_at, started=time.perf_counter(), problem=self.problem)

    def _complete(self) -> None:
        request = self._request(b"".join(self.body) if len(self.body) != 1 else self.body[0])
        keep_alive = self.parser is not None and self.parser.should_keep_alive() and self.problem is None
        self._queue(request, keep_alive)

    def _refuse_body(self) -> None:
        """A body over the limit: answered now (413, unread), then the connection is closed once the rest
        of the body has gone by (or after ``LINGER_SECONDS``), so that the client reads the answer."""
        self.refused = True
        self.closing = True
        if self.expects:  # the client waits for our word before sending the body: none will come
            self.in_message = False
        self._queue(self._request(None), keep_alive=False)
        if self.in_message and not self.done:
            self.linger = asyncio.get_running_loop().call_later(LINGER_SECONDS, self._stop_lingering)

    def _stop_lingering(self) -> None:
        self.linger = None
        self._close()

    def _refuse_now(self, error: HTTPError) -> None:
        """A request that cannot be read on: answered (journaled if it got as far as a path), then closed."""
        self.closing = True
        if self.in_message and self.url:
            self.problem = error
            self._queue(self._request(b""), keep_alive=False)
        elif self.busy or self.waiting:  # sent after the answers to the requests before it
            self._queue(error_answer(error), keep_alive=False)
        else:
            self._write_and_close(error_answer(error))
        self.parser = None  # nothing after it is read
        if self.flow is not None:
            self.flow.pause_reading()

    def time_out_head(self, seconds: float) -> None:
        """The head being read took longer than ``seconds``: a 408, and the connection closed."""
        if not self.done:
            self.parser = None
            self._write_and_close(error_answer(head_timed_out(seconds)))

    def _queue(self, request: Request | Answer, keep_alive: bool) -> None:
        """Hold a request read (or the answer to what could not be read) until the ones before it are answered."""
        self.waiting.append((request, keep_alive))
        if len(self.waiting) >= MAX_PIPELINED:
            self.flow.pause_reading()

    def _go_on(self) -> None:
        """Answer the next request held, if nothing stops it: an answer under way, one on the next turn of the
        loop, or a client that does not read its answers; else read on, as long as few requests wait."""
        if self.done or self.transport is None or self.busy or self.next is not None or self.flow.write_paused:
            return
        if self.waiting:
            self._answer_next()
        elif self.parser is not None:
            self.flow.resume_reading()

    def _answer_next(self) -> None:
        self.next = None
        if self.done or self.busy or self.flow.write_paused or not self.waiting:
            return
        request, keep_alive = self.waiting.popleft()
        if isinstance(request, Answer):  # what could not be read as a request: its answer, then the close
            self._write_and_close(request)
        else:
            self._answer(request, keep_alive)

    def _answer(self, request: Request, keep_alive: bool) -> None:
        if self.done:
            return
        self.busy = True
        try:
            outcome = self.app(request)
        except Exception as error:  # noqa: BLE001 - the pipeline answers its own errors; this is a last resort
            outcome = error_answer(error)
        if isinstance(outcome, Wait):
            self._wait(outcome, request, keep_alive)
        else:
            self._send(request, outcome, keep_alive)

    def _wait(self, wait: Wait, request: Request, keep_alive: bool) -> None:
        """Resume after ``wait.seconds``, or as soon as ``wait.until`` is done (and never if the client leaves)."""
        timer = asyncio.get_running_loop().call_later(wait.seconds, self._resume, wait, request, keep_alive)
        if wait.until is not None:
            self.wait = (timer, wait.until)
            wait.until.add_done_callback(lambda future: None if future.cancelled() else self._resume(
                wait, request, keep_alive))

    def _resume(self, wait: Wait, request: Request, keep_alive: bool) -> None:
        if wait.until is not None:
            if self.wait is None or self.wait[1] is not wait.until:  # resumed already, or the client left
                return
            timer, future = self.wait
            self.wait = None
            timer.cancel()
            future.cancel()  # at the timeout: whoever would have completed it need not any more
        try:
            answer = wait.resume()
        except Exception as error:  # noqa: BLE001
            answer = error_answer(error)
        if isinstance(answer, Wait):  # still waiting: look again later
            self._wait(answer, request, keep_alive)
            return
        self._send(request, answer, keep_alive)

    def _send(self, request: Request, answer: Answer, keep_alive: bool) -> None:
        self.server.answered(request, answer)
        self.busy = False
        if self.transport is None or self.done:  # the client left while its answer was being made
            return
        if answer.drop is not None:
            self._drop(answer)
            return
        last = not keep_alive or answer.close or (self.closing and not self.waiting)
        # (the write may pause writing at once: then nothing more is answered until the client reads)
        self.transport.write(_head(answer, last, b"" if request.method == "HEAD" else answer.body))
        self.last_active = time.monotonic()
        if last:
            self.waiting.clear()
            if not (self.refused and self.in_message):  # a refused body still arriving: closed once read
                self._close()
            return
        if self.waiting:  # the next one on the loop's next turn: every other connection gets its turn first
            if not self.flow.write_paused:
                self.next = asyncio.get_running_loop().call_soon(self._answer_next)
        else:
            self._go_on()

    def _close(self) -> None:
        """Close once what was written is sent; nothing more is read or answered."""
        self.done = True
        if self.transport is not None:
            self.transport.close()

    def _drop(self, answer: Answer) -> None:
        """Cut the connection as a fault asks; nothing more is read or answered on it."""
        self.done = True
        transport = self.transport
        if answer.drop == "reset":
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()  # with a zero linger: an RST, no FIN
        elif answer.drop == "empty":
            transport.close()
        else:  # truncated: the head promises more than the body that follows
            transport.write(_head(answer, True, answer.body))
            transport.close()

    def _write_and_close(self, answer: Answer) -> None:
        if self.transport is not None and not self.done:
            self.transport.write(_head(answer, True, answer.body))
        self._close()


#: What a header value percent-encoded for want of latin-1 keeps as it is: the printable ASCII.
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7f) if chr(c) != "%")

def _head(answer: Answer, close: bool, body: bytes = b"") -> bytes:
    """The status line and headers, then ``body``; ``Content-Length`` from the answer's own header, else
    its body."""
    lines = [_STATUS_LINES.get(answer.status) or _status_line(answer.status)]
    length = None
    for pair in answer.headers:
        line = _HEADER_LINES.get(pair)
        if line is None:
            name, value = pair
            if name.lower() == "content-length":
                length = value
                continue
            if name.lower() == "connection":
                continue
            try:
                line = f"{name}: {value}\r\n".encode("latin-1")
            except UnicodeEncodeError:  # a header is latin-1: anything else goes percent-encoded, never a crash
                line = f"{name}: {quote(str(value), safe=_HEADER_SAFE)}\r\n".encode("latin-1")
            if len(_HEADER_LINES) < MAX_HEADER_LINES:
                _HEADER_LINES[pair] = line
        lines.append(line)
    lines.append(b"Content-Length: %d\r\n" % len(answer.body) if length is None
                 else b"Content-Length: %s\r\n" % length.encode())
    if close:
        lines.append(b"Connection: close\r\n")
    lines.append(b"\r\n")
    lines.append(body)
    return b"".join(lines)


def _target(url: bytes) -> tuple[str, str]:
    """``(path, query)`` of a request target: percent-decoded UTF-8 path, raw query string.

    ``*`` (``OPTIONS *``) is taken as it is; ``ValueError`` for a target that is no path at all (an
    authority, as CONNECT sends).
    """
    if url == b"*":
        return "*", ""
    if not url.startswith(b"/"):
        try:
            parsed = httptools.parse_url(url)  # absolute form, as sent to a proxy: http://host/path?query
        except httptools.HttpParserError:
            raise ValueError("not a request target") from None
        if not parsed.path:
            raise ValueError("no path")
        raw_path, raw_query = parsed.path, parsed.query or b""
    else:
        raw_path, _, raw_query = url.partition(b"?")
        raw_path = raw_path.partition(b"#")[0]
    if b"%" in raw_path:
        raw_path = unquote_to_bytes(raw_path)
    return raw_path.decode("utf-8", "replace"), raw_query.partition(b"#")[0].decode("latin-1")
