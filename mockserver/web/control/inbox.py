"""The inbox: a webhook receiver inside the mock, for trying webhooks without one of your own.  Not a control
call: the mock delivers to it as to any receiver (``PUT /__mock/webhook`` with ``inbox``), and a test reads
what it received, or scripts what it answers."""
from __future__ import annotations

import json
import struct
import threading
import time
from collections import OrderedDict, deque

from apiflask import APIBlueprint, HTTPError
from flask import request

from ...schemas.webhooks import InboxScript
from ..body import json_body
from .scope import TAG, mock

bp = APIBlueprint("inbox", __name__, url_prefix="/__mock", tag=TAG)

#: A kept delivery is one ``bytes``: this head (when, the status answered, the headers' length), its
#: headers as ``name: value`` lines, and its body.  One object rather than a tuple of small ones: the
#: deliveries outlive most of what the server allocates meanwhile, and small objects kept that long
#: would pin the allocator's pages (RSS stays up after a reset).
_HEAD = struct.Struct("<dHI")
#: What a kept delivery costs besides its bytes: the ``bytes`` object and its slot.
DELIVERY_OVERHEAD = 48


class Inbox:
    """What one named inbox received (each delivery one ``bytes``: ``pack``), within its byte budget, and
    the statuses it answers in turn (then 200).  A body is kept once, as received, and read as text and
    JSON only when shown."""

    def __init__(self):
        self.answers: deque = deque()
        self.received: deque[bytes] = deque()
        self.bytes = 0
        #: deliveries let go to keep within the budgets, oldest first, since the inbox was last emptied
        self.dropped = 0

    def drop_oldest(self) -> int:
        """Let the oldest delivery go; the bytes it held."""
        size = DELIVERY_OVERHEAD + len(self.received.popleft())
        self.bytes -= size
        self.dropped += 1
        return size

    def clear(self) -> int:
        """Forget every delivery (and the count of those dropped); the bytes they held."""
        held, self.bytes, self.dropped = self.bytes, 0, 0
        self.received.clear()
        return held


class Inboxes:
    """Every named inbox, the least recently delivered to first: at most ``KEPT`` inboxes, each holding at
    most ``inbox_bytes`` of deliveries and all of them ``inboxes_bytes``; past a budget, the oldest
    deliveries go first (of the inbox itself, then of the least recently delivered to)."""

    KEPT = 1000

    def __init__(self, inbox_bytes: int, inboxes_bytes: int):
        self.inbox_bytes, self.inboxes_bytes = inbox_bytes, inboxes_bytes
        self.lock = threading.Lock()
        self.inboxes: OrderedDict[str, Inbox] = OrderedDict()
        self.bytes = 0

    def get(self, name: str) -> Inbox:
        """The named inbox, made empty on first use (the least recently delivered to goes past ``KEPT``)."""
        with self.lock:
            inbox = self.inboxes.get(name)
            if inbox is None:
                inbox = self.inboxes[name] = Inbox()
                while len(self.inboxes) > self.KEPT:
                    self.bytes -= self.inboxes.popitem(last=False)[1].clear()
            return inbox

    def deliver(self, name: str, delivery: bytes) -> None:
        """Keep a delivery (``pack``), letting the oldest go to stay within both budgets (a delivery larger
        than an inbox's budget is refused before, by ``inbox_receive``)."""
        size = DELIVERY_OVERHEAD + len(delivery)
        with self.lock:
            inbox = self.inboxes.get(name)
            if inbox is None:  # emptied by KEPT meanwhile
                return
            self.inboxes.move_to_end(name)
            while inbox.received and inbox.bytes + size > self.inbox_bytes:
                self.bytes -= inbox.drop_oldest()
            for other in self.inboxes.values():
                while other.received and self.bytes + size > self.inboxes_bytes:
                    self.bytes -= other.drop_oldest()
                if self.bytes + size <= self.inboxes_bytes:
                    break
            inbox.received.append(delivery)
            inbox.bytes += size
            self.bytes += size

    def clear(self, inbox: Inbox) -> None:
        with self.lock:
            self.bytes -= inbox.clear()


def pack(status: int, headers, body: bytes) -> bytes:
    """A delivery as an inbox keeps it: when, the status answered, the headers and the body, in one ``bytes``."""
    head = "\r\n".join(f"{name}: {value}" for name, value in headers).encode("latin-1", "replace")
    return _HEAD.pack(time.time(), status, len(head)) + head + body


def _shown(delivery: bytes) -> dict:
    """A kept delivery as ``GET /__mock/inbox/<name>`` shows it: its body as text, and as JSON (null when
    it is not JSON, or nested too deeply to read)."""
    at, status, length = _HEAD.unpack_from(delivery)
    start = _HEAD.size
    head, body = delivery[start:start + length].decode("latin-1"), delivery[start + length:]
    try:
        document = json.loads(body)
        json.dumps(document)  # what could be read can be written back (a document nested almost too deeply)
    except (ValueError, RecursionError):
        document = None
    return {"at": at, "status": status, "headers": dict(line.split(": ", 1) for line in head.split("\r\n") if line),
            "body": body.decode("utf-8", "replace"), "json": document}


@bp.post("/inbox/<name>")
@bp.doc(summary="A webhook receiver inside the mock: keeps each delivery, answers the next scripted status "
                "(200 once the script is done); past its byte budget the oldest deliveries go first",
        responses={200: "Kept (or the next scripted status, once)",
                   413: "A delivery larger than an inbox's whole budget"})
def inbox_receive(name):
    inboxes = mock().inboxes
    inbox = inboxes.get(name)
    status = inbox.answers[0] if inbox.answers else 200
    delivery = pack(status, request.headers.items(), request.get_data())
    limit = min(inboxes.inbox_bytes, inboxes.inboxes_bytes)
    if DELIVERY_OVERHEAD + len(delivery) > limit:
        raise HTTPError(413, "Request Entity Too Large", detail={"json": [
            f"An inbox keeps at most {limit} bytes of deliveries (--inbox-bytes, --inboxes-bytes); this "
            f"delivery alone needs {DELIVERY_OVERHEAD + len(delivery)}."]})
    if inbox.answers:
        inbox.answers.popleft()
    inboxes.deliver(name, delivery)
    return {"status": status}, status


@bp.get("/inbox/<name>")
@bp.doc(summary="What the named inbox received, oldest first; ``dropped``: the deliveries let go to keep "
                "within its byte budget")
def inbox_read(name):
    inboxes = mock().inboxes
    inbox = inboxes.get(name)
    with inboxes.lock:
        kept, dropped, held = list(inbox.received), inbox.dropped, inbox.bytes
    return {"deliveries": [_shown(delivery) for delivery in kept], "dropped": dropped, "bytes": held,
            "max_bytes": inboxes.inbox_bytes}


@bp.put("/inbox/<name>")
@bp.doc(summary="Script the statuses the inbox answers next (e.g. [500, 500]), and empty it")
@json_body(InboxScript)
def inbox_script(name, json_data):
    inboxes = mock().inboxes
    inbox = inboxes.get(name)
    inbox.answers = deque(json_data["answers"])
    inboxes.clear(inbox)
    return {"answers": list(inbox.answers)}
