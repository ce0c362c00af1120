"""Delivering a tenant's events to its receiver, with HyperTrack's semantics, on the server's event loop.

HyperTrack delivers through AWS SNS: a ``POST`` whose body is a JSON array of events, SNS's headers, a
stable ``x-amz-sns-message-id`` across retries; a 2xx or a 4xx is delivered, anything else (a 5xx, no
answer within the timeout, a refused connection) is tried again, ``retries`` times ``retry_delay_ms``
apart, then dropped.  The signature (``x-hypertrack-signature``) is the mock's own scheme, a hex
HMAC-SHA256 of the raw body keyed by the tenant's secret: HyperTrack does not publish its algorithm.

Deliveries run as tasks of the event loop that serves the mock, so they never hold up an answer (the
API's work is done before they start) and end with the server; each attempt's body is made, signed
and POSTed by the courier (``courier.py``), a process of the server's own.  Events that happen
together go in one delivery: a tenant's next delivery starts when its previous one has had its first
answer and at most every ``BATCH_WINDOW`` seconds, taking every event made meanwhile.  Each tenant
has its own channel; one tenant's slow receiver never delays another's.
"""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
import weakref

import orjson

from ..models.clock import wall_now_iso
from ..models.webhooks import events
from .courier import Courier, CourierError, signature

#: How often at most a tenant's receiver gets a delivery while events keep coming (the first event
#: after a quiet moment goes at once): what bounds the cost of webhooks under load.
BATCH_WINDOW = 0.004
USER_AGENT = "Amazon Simple Notification Service Agent"
TEXT_PLAIN = "text/plain; charset=UTF-8"


def lines(headers: dict) -> str:
    """Header lines, each ending in CRLF, as the client sends them."""
    return "".join(f"{name}: {value}\r\n" for name, value in headers.items())


def topic_arn(account_id: str) -> str:
    return f"arn:aws:sns:us-west-2:000000000000:hypertrack-mock-{account_id}"


class Message:
    """One delivery: its id (the same on every attempt) and the records of its events, in the order
    they were made, as the JSON the courier is handed (and makes the same bytes of on every attempt).
    Only that is kept (by the tenant, for the control plane and Get Order Webhooks): one bytes object
    rather than a tuple an event, which would stay in the collector's way."""

    __slots__ = ("id", "records", "account_id", "delivery")

    def __init__(self, records: list, account_id: str):
        self.id = str(uuid.uuid4())
        self.records, self.account_id = orjson.dumps(records), account_id
        #: what Get Order Webhooks says of these events: the last HTTP status and the retries so far
        self.delivery = {"status": None, "retries": 0}

    def events(self) -> list[dict]:
        """The events as they were sent."""
        return events(orjson.loads(self.records), self.account_id)


class _Replay:
    """A delivery of events sent before, again: a new message whose body the server made."""

    __slots__ = ("id", "body", "delivery")

    def __init__(self, body: bytes):
        self.id, self.body, self.delivery = str(uuid.uuid4()), body.decode(), {"status": None, "retries": 0}


class Channel:
    """One tenant's deliveries: the events waiting, the deliveries under way."""

    def __init__(self, dispatcher: Dispatcher, tenant):
        self.dispatcher, self.tenant = dispatcher, tenant
        self.pending: list[tuple] = []  # the records of the events waiting (``models.webhooks.event``)
        self.tasks: set[asyncio.Task] = set()
        self.timer: asyncio.TimerHandle | None = None
        self.sending = False  # a delivery's first attempt is under way
        self.headers, self.headers_for = "", None
        self.last_start = 0.0

    # --- called on the loop ---------------------------------------------------------------------

    def add(self, records: list[tuple]) -> None:
        if self.tenant.retired:
            return
        self.pending += records
        self._schedule()

    def replay(self, events: list[dict]) -> None:
        """Deliver these events again, at once, as a message of their own (Get Order Webhooks lists
        each event once: a replay is not noted as sent)."""
        config = self.tenant.webhook
        if config is not None and not self.tenant.retired:
            now = wall_now_iso()
            again = orjson.dumps([dict(event, created_at=now) for event in events])  # a new webhook
            self._spawn(self._deliver(_Replay(again), config, first=False))

    def _schedule(self) -> None:
        if self.sending or self.timer is not None or not self.pending or not self._confirmed():
            return
        delay = self.last_start + BATCH_WINDOW - time.monotonic()
        if delay <= 0:
            self._start()
        else:
            self.timer = self.dispatcher.loop.call_later(delay, self._start)

    def _confirmed(self) -> bool:
        config = self.tenant.webhook
        return config is None or not config["confirm_subscription"] or config.get("confirmed", False)

    def _start(self) -> None:
        self.timer = None
        config = self.tenant.webhook
        if not self.pending or config is None or self.tenant.retired:
            self.pending.clear()
            return
        message, self.pending = Message(self.pending, self.tenant.account_id), []
        self.sending, self.last_start = True, time.monotonic()
        self.tenant.note_sent(message)
        self._spawn(self._deliver(message, config))

    def _spawn(self, coroutine) -> None:
        task = self.dispatcher.loop.create_task(coroutine)
        self.tasks.add(task)
        self.dispatcher.tasks.add(task)
        task.add_done_callback(lambda done: self.tasks.discard(done))
        task.add_done_callback(self.dispatcher.tasks.discard)

    async def _deliver(self, message: Message, config: dict, first: bool = True) -> None:
        try:
            for attempt in range(1, config["retries"] + 2):
                delivered = await self._attempt(message, attempt, config)
                if attempt == 1 and first:
                    self.sending = False
                    self._schedule()
                if delivered or attempt > config["retries"] or self.tenant.retired or self.tenant.webhook is not config:
                    break
                await asyncio.sleep(config["retry_delay_ms"] / 1000)
        finally:
            if first and self.sending:
                self.sending = False

    def _headers(self, config: dict) -> str:
        """The header lines every notification to this receiver has (built once per receiver)."""
        if self.headers_for is not config:
            topic = topic_arn(self.tenant.account_id)
            self.headers = lines({
                "Content-Type": TEXT_PLAIN if config["content_type"] == "text/plain" else "application/json",
                "User-Agent": USER_AGENT,
                "x-amz-sns-message-type": "Notification",
                "x-amz-sns-topic-arn": topic,
                "x-amz-sns-subscription-arn": f"{topic}:{config['subscription_id']}",
            })
            self.headers_for = config
        return self.headers

    def _frame(self, config: dict, head: str) -> dict:
        """What the courier is handed for one attempt to this receiver, but the body or its records."""
        return {"url": config["url"], "head": head, "secret": config["secret"], "timeout_ms": config["timeout_ms"],
                "account": self.tenant.account_id}

    async def _attempt(self, message: Message, attempt: int, config: dict) -> bool:
        frame = self._frame(config, self._headers(config) + lines({"x-amz-sns-message-id": message.id}))
        if isinstance(message, _Replay):
            frame["body"] = message.body
            status, error, answer = await self.dispatcher.post(frame)
        else:
            status, error, answer = await self.dispatcher.post(frame, message.records)
        delivered = status is not None and (200 <= status < 300 or 400 <= status < 500)
        message.delivery.update(status=status, retries=attempt - 1)
        self.tenant.note_attempt({
            "message_id": message.id, "attempt": attempt, "message": message, "status": status,
            "error": error, "latency_ms": answer, "at": wall_now_iso(), "delivered": delivered})
        return delivered

    async def confirm_subscription(self, config: dict) -> None:
        """SNS's handshake: a ``SubscriptionConfirmation`` whose ``SubscribeURL`` the receiver visits."""
        body = orjson.dumps({
            "Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()), "Token": config["token"],
            "TopicArn": topic_arn(self.tenant.account_id),
            "Message": f"You have chosen to subscribe to the topic {topic_arn(self.tenant.account_id)}.\n"
                       "To confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": config["subscribe_url"], "Timestamp": wall_now_iso(), "SignatureVersion": "1",
            "Signature": signature(config["token"].encode(), config["secret"]),
            "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-mock.pem"})
        headers = lines({"Content-Type": TEXT_PLAIN, "User-Agent": USER_AGENT,
                         "x-amz-sns-message-type": "SubscriptionConfirmation",
                         "x-amz-sns-topic-arn": topic_arn(self.tenant.account_id)})
        status, error, latency = await self.dispatcher.post({**self._frame(config, headers), "body": body.decode()})
        self.tenant.note_attempt({"message_id": "subscription-confirmation", "attempt": 1, "message": None,
                                  "status": status, "error": error, "latency_ms": latency, "at": wall_now_iso(),
                                  "delivered": status is not None and 200 <= status < 300})

    def busy(self) -> int:
        """What is not delivered yet: the records waiting (a track's is one), and the deliveries under way
        (sending or to be retried)."""
        return len(self.pending) + len(self.tasks)

    def cancel(self) -> None:
        """Drop what is waiting and stop what is under way (a new receiver, a discarded tenant)."""
        self.pending.clear()
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        tasks, self.tasks = self.tasks, set()  # not pending any more, though each ends on its next step
        for task in tasks:
            task.cancel()
        self.sending = False


class ChannelHandle:
    """What the tenant holds: ``cancel()`` from any thread."""

    __slots__ = ("channel",)

    def __init__(self, channel: Channel):
        self.channel = channel

    def cancel(self) -> None:
        dispatcher = self.channel.dispatcher
        if dispatcher.loop is None or dispatcher.loop.is_closed():  # closed: nothing runs any more
            self.channel.pending.clear()
            return
        dispatcher.call(self.channel.cancel)


class Dispatcher:
    """Every tenant's channel, on the loop of the server serving the mock (or, with no server running,
    a loop of its own in a thread); ``close()`` stops every delivery."""

    def __init__(self):
        self.loop: asyncio.AbstractEventLoop | None = None
        self.courier = Courier()
        self._own_thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.channels: weakref.WeakSet[Channel] = weakref.WeakSet()
        #: every delivery task not finished yet, cancelled ones included: what closing waits for
        self.tasks: set[asyncio.Task] = set()

    # --- the loop ---------------------------------------------------------------------------------

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self.loop is not None and not self.loop.is_closed():
            return self.loop
        with self._lock:
            if self.loop is None or self.loop.is_closed():
                try:
                    self.loop = asyncio.get_running_loop()
                except RuntimeError:  # no server runs this call: a loop of the dispatcher's own
                    self.loop = asyncio.new_event_loop()
                    self._own_thread = threading.Thread(target=self.loop.run_forever,
                                                        name="hypertrack-mock-webhooks", daemon=True)
                    self._own_thread.start()
        return self.loop

    def call(self, function, *args) -> None:
        """Run ``function`` on the loop: now if this is the loop's thread, else as soon as it can."""
        loop = self._ensure_loop()
        if self._on_loop():
            function(*args)
        else:
            loop.call_soon_threadsafe(function, *args)

    def _channel(self, tenant) -> Channel:
        handle = tenant.delivery_channel
        if handle is None:
            handle = tenant.delivery_channel = ChannelHandle(Channel(self, tenant))
            self.channels.add(handle.channel)
        return handle.channel

    async def post(self, frame: dict, records: bytes | None = None):
        """``(status, error, latency_ms)`` of one attempt (with ``records``, the JSON of the records of
        its events), which the courier makes; never raises but when cancelled."""
        try:
            answer = await self.courier.post(frame, records)
        except CourierError as failure:
            return None, str(failure), None
        return answer["status"], answer["error"], answer["latency_ms"]

    # --- what the web layer calls ---------------------------------------------------------------

    def submit(self, tenant, records: list[tuple]) -> None:
        """Hand over the records of events a tenant made; delivered when their turn comes."""
        if records:
            self.call(lambda: self._channel(tenant).add(records))

    def replay(self, tenant, events: list[dict]) -> None:
        """Deliver events sent before again, now, as a new message."""
        self.call(lambda: self._channel(tenant).replay(events))

    def flush(self, tenant) -> None:
        """Hand over the tenant's outbox, if it holds anything (after each call that may make events)."""
        if not tenant.outbox:
            return
        handle = tenant.delivery_channel
        if handle is not None and self._on_loop():  # the usual case, made short: it follows every call
            handle.channel.add(tenant.take_outbox())
        else:
            self.submit(tenant, tenant.take_outbox())

    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def subscribe(self, tenant, config: dict) -> None:
        """A new receiver: the courier started now rather than with the first delivery; with
        ``confirm_subscription``, SNS's handshake first."""
        self.call(self._start_courier)
        if config["confirm_subscription"]:
            self.call(lambda: self._channel(tenant)._spawn(self._channel(tenant).confirm_subscription(config)))

    def _start_courier(self) -> None:
        task = self.loop.create_task(self.courier.ready())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def confirmed(self, tenant) -> None:
        """The receiver visited its SubscribeURL: what was held back goes now."""
        self.call(lambda: self._channel(tenant)._schedule())

    def pending(self, tenant) -> int:
        handle = tenant.delivery_channel
        return handle.channel.busy() if handle is not None else 0

    async def aclose(self) -> None:
        """Cancel every delivery and close the receivers' connections (the server is stopping)."""
        for channel in list(self.channels):
            channel.cancel()
        tasks = list(self.tasks)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.courier.aclose()
        self.loop = None

    def close(self) -> None:
        """Stop the dispatcher's own loop, if it started one (no server ran the calls)."""
        loop, thread = self.loop, self._own_thread
        if thread is None or loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.aclose(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        self._own_thread = None

