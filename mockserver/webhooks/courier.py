"""The courier: a process of the server's own that makes the events of a delivery and POSTs them.

Delivering a webhook is the heaviest thing the mock does: at a thousand tracks a second per account
the events are megabytes a second of JSON, signed and sent.  Done on the loop that answers the API, it
took 13 to 18% of the track throughput (``docs/performance.md#webhooks``).  So the server keeps what a
delivery *is* (its batching, its message id, its retries and when they are due, the journal of its
attempts, cancelling it) and hands each attempt to this process as the records the lifecycle noted
(``models.webhooks.events``); the courier makes the events, serializes and signs the body, POSTs it
and answers with the status.  A retry hands over the same records, which make the same bytes.

One courier per dispatcher, started when a webhook is set (or by the first delivery) and stopped
with the dispatcher; if it dies, the
attempts under way fail (and are retried as any failure is) and the next starts a new one.  The two
speak frames of JSON on the courier's standard input and output, each after its length (4 bytes):
``{"n", "url", "head", "secret", "timeout_ms", "account", "records"}`` (or ``"body"``, a body made by
the server: a replay, SNS's handshake) and ``{"cancel": n}``; the answer is ``{"n", "status",
"error", "latency_ms"}``.
"""
from __future__ import annotations

import asyncio
import hmac
import os
import struct
import sys
import time
from pathlib import Path

import orjson

from ..models.webhooks import events
from .client import Client, DeliveryError

LENGTH = struct.Struct("!I")
#: What the server waits beyond an attempt's own timeout before it gives up on the courier.
GRACE_SECONDS = 5.0


def signature(body: bytes, secret: str | None) -> str:
    """The mock's ``x-hypertrack-signature``: hex HMAC-SHA256 of the raw body, keyed by the secret
    (the empty key without one).  Not HyperTrack's algorithm, which it does not publish."""
    return hmac.digest((secret or "").encode(), body, "sha256").hex()


class CourierError(Exception):
    """The courier stopped, or did not answer."""


def _expire(future: asyncio.Future) -> None:
    if not future.done():
        future.set_exception(CourierError("the courier did not answer"))


class Courier:
    """The server's side: starts the process, hands it attempts, routes its answers to the waiters."""

    def __init__(self):
        self.process: asyncio.subprocess.Process | None = None
        self.waiting: dict[int, asyncio.Future] = {}
        self.serial = 0
        self._starting: asyncio.Future | None = None
        self._reader: asyncio.Task | None = None

    async def ready(self) -> asyncio.subprocess.Process:
        """The courier's process, started if none runs."""
        if self.process is not None and self.process.returncode is None:
            return self.process
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        try:
            return await asyncio.shield(self._starting)
        finally:
            if self._starting is not None and self._starting.done():
                self._starting = None

    async def _start(self) -> asyncio.subprocess.Process:
        package = str(Path(__file__).resolve().parents[2])  # where this mockserver is, installed or not
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package, os.environ.get("PYTHONPATH")])))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from mockserver.webhooks.courier import main; main()", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env=env)
        self.process = process
        self._reader = asyncio.ensure_future(self._read(process))
        return process

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        try:
            while True:
                size, = LENGTH.unpack(await process.stdout.readexactly(LENGTH.size))
                answer = orjson.loads(await process.stdout.readexactly(size))
                future = self.waiting.pop(answer["n"], None)
                if future is not None and not future.done():
                    future.set_result(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:  # the courier is gone: what it was doing failed
            if self.process is process:
                self.process = None
            for n, future in list(self.waiting.items()):
                if not future.done():
                    future.set_exception(CourierError("the courier stopped"))
                self.waiting.pop(n, None)

    async def post(self, frame: dict, records: bytes | None = None) -> dict:
        """Hand one attempt to the courier (``records``: the JSON of its events' records, already made);
        its answer ``{"status", "error", "latency_ms"}``."""
        process = await self.ready()
        self.serial += 1
        n = self.serial
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting[n] = future
        data = orjson.dumps({**frame, "n": n})
        if records is not None:
            data = b"".join((data[:-1], b',"records":', records, b"}"))
        process.stdin.write(LENGTH.pack(len(data)) + data)
        # not asyncio.wait_for: on 3.11 it may swallow a cancellation that comes with the answer
        timer = loop.call_later(frame["timeout_ms"] / 1000 + GRACE_SECONDS, _expire, future)
        try:
            return await future
        except asyncio.CancelledError:  # a reset, a new receiver: the courier drops it if it can
            if self.process is process and not process.stdin.is_closing():
                data = orjson.dumps({"cancel": n})
                process.stdin.write(LENGTH.pack(len(data)) + data)
            raise
        finally:
            timer.cancel()
            self.waiting.pop(n, None)

    async def aclose(self) -> None:
        """Stop the courier: its input closed, it finishes at once (what it was sending is dropped)."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.returncode is None:
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 2)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


# --- the courier's own process --------------------------------------------------------------------

async def _attempt(client: Client, frame: dict) -> dict:
    """One attempt: the body made and signed, POSTed; the answer frame."""
    records = frame.get("records")
    body = orjson.dumps(events(records, frame["account"])) if records is not None else frame["body"].encode()
    head = (frame["head"] + f"x-hypertrack-signature: {signature(body, frame['secret'])}\r\n").encode("latin-1")
    started = time.perf_counter()
    status = error = None
    try:
        status = await client.post(frame["url"], body, head, frame["timeout_ms"] / 1000)
    except (asyncio.TimeoutError, TimeoutError):
        error = f"no answer within {frame['timeout_ms']} ms"
    except DeliveryError as failure:
        error = str(failure)
    return {"n": frame["n"], "status": status, "error": error,
            "latency_ms": round((time.perf_counter() - started) * 1000, 3)}


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    client = Client()
    reader = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    transport, _ = await loop.connect_write_pipe(asyncio.Protocol, sys.stdout.buffer)
    under_way: dict[int, asyncio.Task] = {}

    def answer(task: asyncio.Task, n: int) -> None:
        under_way.pop(n, None)
        if not task.cancelled() and not transport.is_closing():
            data = orjson.dumps(task.result())
            transport.write(LENGTH.pack(len(data)) + data)

    try:
        while True:
            size, = LENGTH.unpack(await reader.readexactly(LENGTH.size))
            frame = orjson.loads(await reader.readexactly(size))
            if "cancel" in frame:
                task = under_way.pop(frame["cancel"], None)
                if task is not None:
                    task.cancel()
                continue
            task = loop.create_task(_attempt(client, frame))
            under_way[frame["n"]] = task
            task.add_done_callback(lambda done, n=frame["n"]: answer(done, n))
    except asyncio.IncompleteReadError:  # the server closed our input: stop now
        pass
    finally:
        for task in list(under_way.values()):
            task.cancel()
        client.close()


def main() -> None:
    """The courier's process: attempts in on standard input, their answers out on standard output."""
    asyncio.run(_serve())
