"""The CLI's process collects garbage between requests (``serve.collector``), never in the middle of one.

The survivors of each collection are frozen for good, so anything alive at that moment had better be
state: a request's cyclic objects frozen mid-request would never be freed.  Flask (the control plane)
leaves dozens of such objects per request; thousands of refused tracks and control-plane calls must
leave the frozen set where the journal's cap holds it, while collections do run, and stored routes
must be frozen as they should.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = r'''
import gc, json, os, signal, socket, sys, threading
sys.path.insert(0, sys.argv[1])
from mockserver import create_app
from mockserver.serve import Server

server = Server(create_app({"journal_cap": 0}), "127.0.0.1", 0)  # no journal churning between collections
AUTH = b"Authorization: Basic YWNtZTpzM2NyZXQ=\r\n"

def send(sock, method, path, body=b""):
    sock.sendall(b"%s %s HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                 % (method, path, AUTH, len(body), body))
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    head, _, rest = answer.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(rest) < length:
        rest += sock.recv(65536)
    return int(head[9:12])

def requests(sock, n, start=0, tracks=True):
    for i in range(start, start + n):
        if i % 4 == 0 and tracks:
            body = b'{"track_mode": "on_time", "worker_handle": "james@ht.com", "orders": [{"order_handle": "o-%d", "destination": {"geometry": {"coordinates": [1, 2]}}}]}' % i
            assert send(sock, b"POST", b"/orders/track", body) == 201
        elif i % 4 == 1:
            assert send(sock, b"GET", b"/__mock/clock") == 200
        else:
            assert send(sock, b"POST", b"/orders/track", b'{"track_mode": "sometimes"}') == 422

def client():
    sock = socket.create_connection(("127.0.0.1", server.port))
    requests(sock, 2000)  # everything warm
    collections = gc.get_stats()[0]["collections"]
    requests(sock, 8000, 2000, tracks=False)  # what the young generation held over the warm-up is frozen here
    frozen = gc.get_freeze_count()
    requests(sock, 8000, 10000, tracks=False)
    refused = gc.get_freeze_count()
    requests(sock, 4000, 18000)
    print(json.dumps({"enabled": gc.isenabled(), "frozen": frozen, "after_refused": refused,
                      "after_tracks": gc.get_freeze_count(),
                      "collections": gc.get_stats()[0]["collections"] - collections}), flush=True)
    os.kill(os.getpid(), signal.SIGTERM)

threading.Thread(target=client, daemon=True).start()
server.serve_forever(collect=True)
'''


def test_collections_run_between_requests_and_freeze_only_what_lives_on():
    out = subprocess.run([sys.executable, "-c", CODE, str(ROOT)], check=False, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)

    assert figures["enabled"] is False
    assert figures["collections"] >= 2
    # 8,000 more refused tracks and control-plane calls add nothing that lives on, where freezing in the
    # middle of one would keep its cyclic objects at every collection.
    assert abs(figures["after_refused"] - figures["frozen"]) < 200, figures
    # 1,000 stored routes of one order (a dozen objects each) are frozen, as they should be.
    assert 1000 * 4 < figures["after_tracks"] - figures["after_refused"] < 1000 * 20, figures
