"""The server's side of an answer that waits for something (``Wait.until``): it is sent as soon as the thing
happens, at the timeout otherwise, and never when the client has left (the thing waited for is cancelled)."""
from __future__ import annotations

import asyncio
import socket
import threading
import time

from mockserver.serve import Server
from mockserver.web.exchange import Answer, Wait


class WaitingApp:
    """Answers every request with a wait for a future of the server's loop, which the test completes."""

    settings = {"max_body_bytes": 1024}

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.futures: list[asyncio.Future] = []
        self.resumed: list[str] = []
        self.loop = None
        self.made = threading.Event()

    def __call__(self, request):
        self.loop = asyncio.get_running_loop()
        future = self.loop.create_future()
        self.futures.append(future)
        self.made.set()

        def resume():
            self.resumed.append("done" if future.done() and not future.cancelled() else "timeout")
            return Answer(200, [("Content-Type", "application/json")], b'{"resumed": true}')

        return Wait(self.seconds, resume, until=future)


def served(seconds: float):
    app = WaitingApp(seconds)
    return app, Server(app, "127.0.0.1", 0).start()


def ask(server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(b"GET /anything HTTP/1.1\r\nHost: x\r\n\r\n")
    return sock


def test_an_answer_waiting_for_something_is_sent_as_soon_as_it_happens():
    app, server = served(seconds=60)
    try:
        sock = ask(server)
        assert app.made.wait(5)
        started = time.monotonic()
        app.loop.call_soon_threadsafe(app.futures[0].set_result, None)
        reply = sock.recv(65536)
        assert reply.startswith(b"HTTP/1.1 200 OK") and reply.endswith(b'{"resumed": true}')
        assert time.monotonic() - started < 30  # not the 60 s timeout
        assert app.resumed == ["done"]
        sock.close()
    finally:
        server.stop()


def test_an_answer_waiting_for_something_is_sent_at_the_timeout_and_the_wait_cancelled():
    app, server = served(seconds=0.2)
    try:
        sock = ask(server)
        reply = sock.recv(65536)
        assert reply.startswith(b"HTTP/1.1 200 OK")
        assert app.resumed == ["timeout"]
        assert app.futures[0].cancelled()
        sock.close()
    finally:
        server.stop()


def test_a_wait_whose_client_left_is_cancelled_and_never_resumed():
    app, server = served(seconds=60)
    try:
        sock = ask(server)
        assert app.made.wait(5)
        sock.close()
        deadline = time.monotonic() + 5
        while not app.futures[0].cancelled() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert app.futures[0].cancelled()
        assert app.resumed == []
    finally:
        server.stop()
