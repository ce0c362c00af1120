"""The HTTP client deliveries use: a POST over kept-alive connections, the answer's head parsed by llhttp
(httptools, the parser the server uses), on the courier's event loop (``courier.py``).

Why not aiohttp's client: a POST through it cost about 180 µs of CPU on this machine, this one about a
sixth of that (``docs/architecture.md``, ``bench/webhooks.py``).  It does only what a delivery needs:
POST a body, read the status (the answer's body is read and dropped), honour keep-alive, a timeout
for the whole exchange, http and https.
"""
from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from urllib.parse import urlsplit

import httptools

#: Idle connections kept per receiver (host, port, scheme).
IDLE_KEPT = 8


class DeliveryError(Exception):
    """The receiver gave no HTTP answer: refused, reset, closed, or not HTTP."""


class _Exchange(asyncio.Protocol):
    """One connection to a receiver; one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future | None = None
        self.open = True
        self.received = False  # any byte of the current answer
        self.head_done = False

    # --- asyncio.Protocol -----------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(DeliveryError("the receiver switched protocols"))
        except httptools.HttpParserError as error:
            self._fail(DeliveryError(f"not an HTTP answer: {error}"))

    def connection_lost(self, exc) -> None:
        self.open = False
        if self.answer is None or self.answer.done():
            return
        if self.head_done:  # an answer whose body ends with the connection: it is complete
            self.answer.set_result((self.parser.get_status_code(), False))
        else:
            self.answer.set_exception(DeliveryError(
                "the receiver closed the connection" + (f": {exc}" if exc else "")))

    # --- httptools' callbacks -------------------------------------------------------------------

    def on_headers_complete(self) -> None:
        self.head_done = True

    def on_message_complete(self) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_result((self.parser.get_status_code(), self.parser.should_keep_alive()))

    # --- the client's side ----------------------------------------------------------------------

    def send(self, request: bytes) -> asyncio.Future:
        self.answer = self.loop.create_future()
        self.received = self.head_done = False
        self.transport.write(request)
        return self.answer

    def time_out(self) -> None:
        self._fail(TimeoutError())

    def _fail(self, error: Exception) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(error)
        self.close()

    def close(self) -> None:
        self.open = False
        if self.transport is not None:
            self.transport.close()


class Client:
    """POSTs to receivers, keeping connections alive between deliveries."""

    def __init__(self):
        self.idle: dict[tuple, list[_Exchange]] = defaultdict(list)
        self.targets: dict[str, tuple[tuple, bytes]] = {}
        self._ssl: ssl.SSLContext | None = None

    def _target(self, url: str) -> tuple[tuple, bytes]:
        """``((host, port, secure), b"POST /path HTTP/1.1\r\nHost: ...\r\n")`` of a URL, parsed once."""
        known = self.targets.get(url)
        if known is None:
            parts = urlsplit(url)
            secure = parts.scheme == "https"
            key = (parts.hostname or "", parts.port or (443 if secure else 80), secure)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            head = f"POST {target} HTTP/1.1\r\nHost: {parts.netloc.rpartition('@')[2]}\r\n".encode("latin-1")
            if len(self.targets) > 10_000:
                self.targets.clear()
            known = self.targets[url] = (key, head)
        return known

    async def post(self, url: str, body: bytes, headers: bytes, timeout: float) -> int:
        """The status the receiver answered; ``headers`` are header lines, each ending in CRLF.
        ``DeliveryError`` without an answer, ``TimeoutError`` when the whole exchange took longer than
        ``timeout`` seconds."""
        key, head = self._target(url)
        request = b"".join((head, headers, b"Content-Length: %d\r\n\r\n" % len(body), body))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        idle = self.idle[key]
        while idle:
            exchange = idle.pop()
            if not exchange.open:
                continue
            try:
                return await self._over(exchange, key, request, deadline)
            except DeliveryError:
                if exchange.received:
                    raise
                # a kept connection the receiver had closed meanwhile: try once on a new one
        try:
            exchange = await asyncio.wait_for(self._connect(key), max(deadline - loop.time(), 0))
        except asyncio.TimeoutError:
            raise TimeoutError from None
        return await self._over(exchange, key, request, deadline)

    async def _connect(self, key: tuple) -> _Exchange:
        host, port, secure = key
        loop = asyncio.get_running_loop()
        context = None
        if secure:
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        try:
            _, exchange = await loop.create_connection(lambda: _Exchange(loop), host, port, ssl=context)
        except OSError as error:
            raise DeliveryError(f"cannot connect to {host}:{port}: {error.strerror or error}") from None
        return exchange

    async def _over(self, exchange: _Exchange, key: tuple, request: bytes, deadline: float) -> int:
        answer = exchange.send(request)
        timer = exchange.loop.call_at(deadline, exchange.time_out)
        try:
            status, keep_alive = await answer
        except BaseException:
            exchange.close()
            raise
        finally:
            timer.cancel()
        if keep_alive and exchange.open and len(self.idle[key]) < IDLE_KEPT:
            self.idle[key].append(exchange)
        else:
            exchange.close()
        return status

    def close(self) -> None:
        for connections in self.idle.values():
            for exchange in connections:
                exchange.close()
        self.idle.clear()
