"""Delivering a tenant's events to its receiver, with HyperTrack's semantics, on the server's event loop.

HyperTrack delivers through AWS SNS: a ``POST`` whose body is a JSON array of events, SNS's headers, a
stable ``x-amz-sns-message-id`` across retries; a 2xx or a 4xx is delivered, anything else (a 5xx, no
answer within the timeout, a refused connection) is tried again, ``retries`` times ``retry_delay_ms``
apart, then dropped.  The signature (``x-hypertrack-signature``) is the mock's own scheme, a hex
HMAC-SHA256 of the raw body keyed by the tenant's secret: HyperTrack does not publish its algorithm.

Deliveries run as tasks of the event loop that serves the mock, so they never hold up an answer (the
API's work is done before they start) and end with the server; each attempt is POSTed through a
``Sender`` (``client.py``: aiohttp's client).  Events that happen together go in one delivery: a
tenant's next delivery starts when its previous one has had its first answer and at most every
``BATCH_WINDOW`` seconds, taking every event made meanwhile; a replay waits its turn in the same line,
as a delivery of its own.  Each tenant has its own channel; one tenant's slow receiver never delays
another's.  A drain is a future the dispatcher completes when the tenants it waits for have nothing
left to deliver (``when_idle``).
"""
from __future__ import annotations

import asyncio
import hmac
import threading
import time
import uuid
import weakref
from collections import deque
from urllib.parse import quote

import orjson

from ..models.clock import wall_now_iso
from ..models.coverage import DELIVERED, GIVEN_UP, RETRIED
from ..models.outbox import events, kinds, plain
from .client import AiohttpSender, Sender

#: How often at most a tenant's receiver gets a delivery while events keep coming (the first event
#: after a quiet moment goes at once): what bounds the cost of webhooks under load.
BATCH_WINDOW = 0.004
USER_AGENT = "Amazon Simple Notification Service Agent"
TEXT_PLAIN = "text/plain; charset=UTF-8"
#: What an account id keeps as it is in a header value: visible ASCII but ``%``; anything else (CR, LF,
#: a space, ``€``) is percent-encoded as UTF-8, so that no account id can add a header or break one.
HEADER_SAFE = "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) != "%")


def signature(body: bytes, secret: str | None) -> str:
    """The mock's ``x-hypertrack-signature``: hex HMAC-SHA256 of the raw body, keyed by the secret
    (the empty key without one).  Not HyperTrack's algorithm, which it does not publish."""
    return hmac.digest((secret or "").encode(), body, "sha256").hex()


def topic_arn(account_id: str) -> str:
    """The SNS topic of an account's webhook, the account id percent-encoded where a header needs it."""
    return f"arn:aws:sns:us-west-2:000000000000:hypertrack-mock-{quote(account_id, safe=HEADER_SAFE)}"


class Message:
    """One delivery: its id (the same on every attempt) and the records of its events, in the order
    they were made, as JSON.  Only that is kept (by the tenant, for the control plane and Get Order
    Webhooks): one bytes object rather than a tuple an event, which would stay in the collector's way."""

    __slots__ = ("id", "records", "account_id", "delivery")

    def __init__(self, records: list, account_id: str):
        self.id = str(uuid.uuid4())
        self.records, self.account_id = orjson.dumps(records, default=plain), account_id  # arrays
        #: what Get Order Webhooks says of these events: the last HTTP status and the retries so far
        self.delivery = {"status": None, "retries": 0}

    def events(self) -> list[dict]:
        """The events as they were sent."""
        return events(orjson.loads(self.records), self.account_id)


class Replay:
    """A delivery of events sent before, again: a new message (its own id) whose body the server made;
    ``kinds``, the ``(type, value)`` of its events."""

    __slots__ = ("id", "body", "delivery", "kinds")

    def __init__(self, body: bytes, kinds: list | None = None):
        self.id, self.body, self.delivery = str(uuid.uuid4()), body, {"status": None, "retries": 0}
        self.kinds = kinds or []

    def events(self) -> list[dict]:
        """The events as they were sent."""
        return orjson.loads(self.body)


class Channel:
    """One tenant's deliveries: what waits its turn, the deliveries under way."""

    def __init__(self, dispatcher: Dispatcher, tenant):
        self.dispatcher, self.tenant = dispatcher, tenant
        #: what waits, in turn: lists of the records of events (``models.webhooks.event``), each list one
        #: delivery, and replays, each a delivery of its own
        self.queue: deque = deque()
        self.tasks: set[asyncio.Task] = set()
        self.timer: asyncio.TimerHandle | None = None
        self.sending = None  # the message whose first attempt is under way
        self.headers, self.headers_for = {}, None
        self.last_start = 0.0

    # --- called on the loop ---------------------------------------------------------------------

    def add(self, records: list[tuple]) -> None:
        if self.tenant.retired:
            return
        queue = self.queue
        if queue and type(queue[-1]) is list:  # events made meanwhile travel together
            queue[-1] += records
        else:
            queue.append(list(records))
        self._schedule()

    def replay(self, message: Replay) -> None:
        """Deliver a replay when its turn comes, as a message of its own (Get Order Webhooks lists each
        event once: a replay is not noted as sent)."""
        if self.tenant.webhook is not None and not self.tenant.retired:
            self.queue.append(message)
            self._schedule()

    def _schedule(self) -> None:
        if self.sending is not None or self.timer is not None or not self.queue or not self._confirmed():
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
        if not self.queue:
            return
        if config is None or self.tenant.retired:
            self.queue.clear()
            self.dispatcher.wake()
            return
        item = self.queue.popleft()
        if type(item) is list:
            account_id = self.tenant.account_id
            message, body = Message(item, account_id), orjson.dumps(events(item, account_id))
            self.tenant.note_sent(message)
            sent = kinds(item)
        else:
            message, body, sent = item, item.body, item.kinds
        self.sending, self.last_start = message, time.monotonic()
        self._spawn(self._deliver(message, body, config, sent))

    def _spawn(self, coroutine) -> None:
        task = self.dispatcher.loop.create_task(coroutine)
        self.tasks.add(task)
        self.dispatcher.tasks.add(task)
        task.add_done_callback(self._done)
        task.add_done_callback(self.dispatcher.tasks.discard)

    def _done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not self.tasks and not self.queue:
            self.dispatcher.wake()

    async def _deliver(self, message: Message | Replay, body: bytes, config: dict, sent: list) -> None:
        """Every attempt of one message, until one is delivered, the retries are spent or the receiver
        changed; the next message may start once the first attempt has its answer.  Its events (``sent``:
        their ``(type, value)``) are counted in the tenant's coverage as delivered, retried (each attempt
        tried again) or given up (the retries spent)."""
        headers = {**self._headers(config), "x-amz-sns-message-id": message.id,
                   "x-hypertrack-signature": signature(body, config["secret"])}
        try:
            for attempt in range(1, config["retries"] + 2):
                delivered = await self._attempt(message, attempt, config, headers, body)
                if attempt == 1:
                    self.sending = None
                    self._schedule()
                if delivered or attempt > config["retries"]:
                    self.tenant.coverage.count_webhooks(sent, DELIVERED if delivered else GIVEN_UP)
                    break
                if self.tenant.retired or self.tenant.webhook is not config:
                    break
                self.tenant.coverage.count_webhooks(sent, RETRIED)
                await asyncio.sleep(config["retry_delay_ms"] / 1000)
        finally:
            if self.sending is message:  # cancelled during its first attempt
                self.sending = None

    def _headers(self, config: dict) -> dict:
        """The headers every notification to this receiver has (built once per receiver)."""
        if self.headers_for is not config:
            topic = topic_arn(self.tenant.account_id)
            self.headers = {
                "Content-Type": TEXT_PLAIN if config["content_type"] == "text/plain" else "application/json",
                "User-Agent": USER_AGENT,
                "x-amz-sns-message-type": "Notification",
                "x-amz-sns-topic-arn": topic,
                "x-amz-sns-subscription-arn": f"{topic}:{config['subscription_id']}",
            }
            self.headers_for = config
        return self.headers

    async def _attempt(self, message: Message | Replay, attempt: int, config: dict, headers: dict,
                       body: bytes) -> bool:
        status, error, latency = await self.dispatcher.sender.post(config["url"], headers, body,
                                                                   config["timeout_ms"] / 1000)
        delivered = status is not None and (200 <= status < 300 or 400 <= status < 500)
        message.delivery.update(status=status, retries=attempt - 1)
        self.tenant.note_attempt({
            "message_id": message.id, "attempt": attempt, "message": message, "status": status,
            "error": error, "latency_ms": latency, "at": wall_now_iso(), "delivered": delivered})
        return delivered

    async def confirm_subscription(self, config: dict) -> None:
        """SNS's handshake: a ``SubscriptionConfirmation`` whose ``SubscribeURL`` the receiver visits."""
        topic = topic_arn(self.tenant.account_id)
        body = orjson.dumps({
            "Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()), "Token": config["token"],
            "TopicArn": topic,
            "Message": f"You have chosen to subscribe to the topic {topic}.\n"
                       "To confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": config["subscribe_url"], "Timestamp": wall_now_iso(), "SignatureVersion": "1",
            "Signature": signature(config["token"].encode(), config["secret"]),
            "SigningCertURL": "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-mock.pem"})
        headers = {"Content-Type": TEXT_PLAIN, "User-Agent": USER_AGENT,
                   "x-amz-sns-message-type": "SubscriptionConfirmation", "x-amz-sns-topic-arn": topic,
                   "x-hypertrack-signature": signature(body, config["secret"])}
        status, error, latency = await self.dispatcher.sender.post(config["url"], headers, body,
                                                                   config["timeout_ms"] / 1000)
        self.tenant.note_attempt({"message_id": "subscription-confirmation", "attempt": 1, "message": None,
                                  "status": status, "error": error, "latency_ms": latency, "at": wall_now_iso(),
                                  "delivered": status is not None and 200 <= status < 300})

    def busy(self) -> int:
        """What is not delivered yet: the records waiting (a track's is one) and the replays, and the
        deliveries under way (sending or to be retried)."""
        return sum(len(item) if type(item) is list else 1 for item in self.queue) + len(self.tasks)

    def cancel(self) -> None:
        """Drop what is waiting and stop what is under way (a new receiver, a discarded tenant)."""
        self.queue.clear()
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        tasks, self.tasks = self.tasks, set()  # not pending any more, though each ends on its next step
        for task in tasks:
            task.cancel()
        self.sending = None
        self.dispatcher.wake()


class ChannelHandle:
    """What the tenant holds: ``cancel()`` from any thread."""

    __slots__ = ("channel",)

    def __init__(self, channel: Channel):
        self.channel = channel

    def cancel(self) -> None:
        dispatcher = self.channel.dispatcher
        if dispatcher.loop is None or dispatcher.loop.is_closed():  # closed: nothing runs any more
            self.channel.queue.clear()
            return
        dispatcher.call(self.channel.cancel)


class Dispatcher:
    """Every tenant's channel, on the loop of the server serving the mock (or, with no server running,
    a loop of its own in a thread), POSTing through ``sender``; ``close()`` stops every delivery."""

    def __init__(self, sender: Sender | None = None):
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sender: Sender = sender if sender is not None else AiohttpSender()
        self._own_thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.channels: weakref.WeakSet[Channel] = weakref.WeakSet()
        #: every delivery task not finished yet, cancelled ones included: what closing waits for
        self.tasks: set[asyncio.Task] = set()
        #: the drains waiting: each one's future, and the tenants it waits for
        self.waiters: dict[asyncio.Future, list] = {}
        #: tenant -> the timer of its phones' next event (a running clock's)
        self.timers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

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

    # --- what the web layer calls ---------------------------------------------------------------

    def submit(self, tenant, records: list[tuple]) -> None:
        """Hand over the records of events a tenant made; delivered when their turn comes."""
        if records:
            self.call(lambda: self._channel(tenant).add(records))

    def replay(self, tenant, events: list[dict]) -> str:
        """Deliver events sent before again, as a new message, when the tenant's turn comes; its message id."""
        now = wall_now_iso()
        message = Replay(orjson.dumps([dict(event, created_at=now) for event in events]),  # a new webhook
                         [(event.get("type"), (event.get("data") or {}).get("value")) for event in events])
        self.call(lambda: self._channel(tenant).replay(message))
        return message.id

    def flush(self, tenant) -> None:
        """Hand over the tenant's outbox, if it holds anything (after each call that may make events)."""
        if not tenant.outbox:
            return
        handle = tenant.delivery_channel
        if handle is not None and self._on_loop():  # the usual case, made short: it follows every call
            handle.channel.add(tenant.take_outbox())
        else:
            self.submit(tenant, tenant.take_outbox())

    def after_change(self, tenant) -> None:
        """After a control call that changed a tenant (its phones, its clock, its scenario): what the change
        made goes out now, and, with phones, the running clock's timer is set for what comes next."""
        self.flush(tenant)
        if tenant.motion.phones:
            self.follow(tenant)

    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def subscribe(self, tenant, config: dict) -> None:
        """A new receiver: the sender made ready; with ``confirm_subscription``, SNS's handshake first."""
        self.call(self.sender.prepare)
        if config["confirm_subscription"]:
            self.call(lambda: self._channel(tenant)._spawn(self._channel(tenant).confirm_subscription(config)))

    def confirmed(self, tenant) -> None:
        """The receiver visited its SubscribeURL: what was held back goes now."""
        self.call(lambda: self._channel(tenant)._schedule())

    def pending(self, tenant) -> int:
        handle = tenant.delivery_channel
        return handle.channel.busy() if handle is not None else 0

    def left(self, tenant) -> int:
        """What a tenant has not delivered yet: what its channel holds, and its events not handed over."""
        return self.pending(tenant) + len(tenant.outbox)

    # --- the phones on a running clock ---------------------------------------------------------

    def follow(self, tenant) -> None:
        """Wake at the tenant's next phone event (if its clock runs), so that what happens then is
        delivered whether or not a request comes."""
        self.call(self._arm, tenant)

    def _arm(self, tenant) -> None:
        timer = self.timers.pop(tenant, None)
        if timer is not None:
            timer.cancel()
        delay = None if tenant.retired else tenant.next_wake()
        if delay is not None:
            self.timers[tenant] = self.loop.call_later(max(0.0, delay), self._wake_phones, tenant)

    def _wake_phones(self, tenant) -> None:
        self.timers.pop(tenant, None)
        if tenant.retired:
            return
        tenant.catch_up()
        self.flush(tenant)
        self._arm(tenant)

    # --- drains ---------------------------------------------------------------------------------

    def when_idle(self, tenants: list, future: asyncio.Future) -> None:
        """Complete ``future`` once none of ``tenants`` has anything left to deliver; a future cancelled
        first (its client left, its time is up) is forgotten."""
        self.call(self._watch, tenants, future)

    def _watch(self, tenants: list, future: asyncio.Future) -> None:
        if future.done():
            return
        self.waiters[future] = tenants
        future.add_done_callback(self._forget)
        self.wake()

    def _forget(self, future: asyncio.Future) -> None:
        self.waiters.pop(future, None)

    def wake(self) -> None:
        """Complete the drains whose tenants have nothing left to deliver (a channel has just emptied)."""
        for future, tenants in list(self.waiters.items()):
            if not future.done() and not any(self.left(tenant) for tenant in tenants):
                loop = future.get_loop()
                if loop is self.loop:
                    future.set_result(None)
                else:  # a drain asked on another loop than the deliveries run on: completed on its own
                    loop.call_soon_threadsafe(lambda done=future: done.done() or done.set_result(None))

    # --- stopping ---------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Cancel every delivery and close the receivers' connections (the server is stopping)."""
        for timer in list(self.timers.values()):
            timer.cancel()
        self.timers.clear()
        for channel in list(self.channels):
            channel.cancel()
        tasks = list(self.tasks)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.sender.aclose()
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
