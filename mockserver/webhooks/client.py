"""The seam deliveries POST through: a ``Sender`` (one async ``post``), and the one the mock uses, on aiohttp.

A delivery needs little of a client: POST a body with its headers, the status of the answer (whose
body is read and dropped), connections kept alive between deliveries, a timeout for the whole
exchange, http and https.  aiohttp's client does that on the server's own event loop; anything with
the same ``post`` and ``aclose`` can stand in for it (``Dispatcher(sender=...)``).

aiohttp is imported when a receiver is first set (``prepare``), in a thread: importing it takes about
0.3 s, which neither the start of every mock nor the loop serving it should wait for.
"""
from __future__ import annotations

import asyncio
import importlib
import os
import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import aiohttp

#: ``(status, error, latency_ms)`` of one POST: the HTTP status, or None and why there was none.
Outcome = tuple[int | None, str | None, float]


class Sender(Protocol):
    """What the dispatcher POSTs through."""

    def prepare(self) -> None:
        """Get ready to POST soon (a receiver was set), without holding up the loop."""

    async def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> Outcome:
        """POST ``body``; the receiver's status (None, and the error, without an answer within ``timeout``
        seconds), and how long it took; never raises but when cancelled."""

    async def aclose(self) -> None:
        """Close the connections kept (the server is stopping)."""


class AiohttpSender:
    """POSTs with aiohttp's client, on the loop that calls it, keeping connections alive between deliveries."""

    def __init__(self):
        self.aiohttp = None  # the module, once imported
        self._importing: asyncio.Future | None = None
        self.session: aiohttp.ClientSession | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def prepare(self) -> None:
        """Start importing aiohttp in a thread of the loop's executor, if it is not imported yet."""
        loop = asyncio.get_running_loop()
        if self.aiohttp is None and (self._importing is None or self._importing.get_loop() is not loop):
            self._importing = loop.run_in_executor(None, importlib.import_module, "aiohttp")

    async def _module(self):
        if self.aiohttp is None:
            self.prepare()
            # shielded: a delivery cancelled meanwhile must not cancel the import the next one awaits
            self.aiohttp = await asyncio.shield(self._importing)
        return self.aiohttp

    def _session(self, aiohttp) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self.session is None or self.session.closed or self.loop is not loop:  # a session serves one loop
            self.loop = loop
            # No overall connection limit: a tenant has one delivery's first attempt under way at a time
            # (its retries aside), so the tenants bound the connections, and a limit shared by every
            # tenant would let one slow receiver hold up another tenant's deliveries.
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
            # Only the headers SNS sends: aiohttp would add Accept and Accept-Encoding of its own.
            self.session = aiohttp.ClientSession(connector=connector, skip_auto_headers=("Accept", "Accept-Encoding"),
                                                 auto_decompress=False, trust_env=False)
        return self.session

    async def post(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> Outcome:
        aiohttp = await self._module()
        started = time.perf_counter()
        status = error = None
        try:
            async with self._session(aiohttp).post(url, data=body, headers=headers, allow_redirects=False,
                                                   timeout=aiohttp.ClientTimeout(total=timeout)) as answer:
                async for _ in answer.content.iter_any():  # read to the end (the connection is kept), kept nowhere
                    pass
                status = answer.status
        except asyncio.TimeoutError:
            error = f"no answer within {round(timeout * 1000)} ms"
        except aiohttp.ClientSSLError as failure:  # before its base class: a certificate error has no os_error
            error = f"TLS with the receiver failed: {failure}"
        except aiohttp.ClientConnectorError as failure:
            cause = failure.os_error  # asyncio's "Connect call failed (...)" says less than the errno does
            reason = os.strerror(cause.errno) if (cause.errno or 0) > 0 else (cause.strerror or str(cause))
            error = f"cannot connect to {failure.host}:{failure.port}: {reason}"
        except aiohttp.ClientError as failure:
            error = f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
        except ValueError as failure:  # a URL or header aiohttp refuses to send
            error = f"not sent: {failure}"
        return status, error, round((time.perf_counter() - started) * 1000, 3)

    async def aclose(self) -> None:
        session, self.session = self.session, None
        if self._importing is not None and not self._importing.done():
            await asyncio.gather(self._importing, return_exceptions=True)  # the executor's thread ends with it
        self._importing = None
        if session is not None and not session.closed and self.loop is asyncio.get_running_loop():
            await session.close()
