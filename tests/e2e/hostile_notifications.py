# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs inside the worker for tst_hostile: posts hostile notifications to the IDE with the token
the worker's notifier holds, as a compromised worker could. The test binds SETTLED to the id of a
command that has already settled. The last expression maps each case to the status answered
(0: the connection closed without an answer)."""

import gc
import json
import socket
import time

from qtkeras_worker.notifier import Notifier

SETTLED = globals()["SETTLED"]
notifier = next(o for o in gc.get_objects() if isinstance(o, Notifier))


def hold_notifier():
    """Returns with the notifier's lock held once everything it had to send, the command's
    held-back "started" event too, has been answered: the seqs taken here then follow its own
    with no gap (the IDE answers 503 to a notification that skips one, as a sign that one went
    missing), and it takes no new one until the lock is released."""
    deadline = time.monotonic() + 20
    while True:
        notifier._lock.acquire()
        notifier._release_deferred()
        if notifier._acked >= notifier._seq or time.monotonic() > deadline:
            return
        notifier._lock.release()
        time.sleep(0.005)


def next_seq():
    """The next notification seq, taken from the notifier (whose lock is held) so that its own
    go on after it."""
    notifier._seq += 1
    return notifier._seq


def post(path, body, ctype="application/json", length=None):
    """Sends one request and reads until the server closes. A body shorter than ``length`` is
    followed by the end of the stream, as from a sender that died mid-request."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{notifier._port}\r\n"
        f"Authorization: Bearer {notifier._token}\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", notifier._port), timeout=20) as s:
        s.sendall(head.encode() + body)
        if length is not None and length > len(body):
            s.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk
    return int(answer[9:12]) if answer.startswith(b"HTTP/1.1 ") else 0


def results(id_, value):
    return json.dumps({"seq": next_seq(), "results": [{"id": id_, "value": value}]}).encode()


def announcement(id_):
    item = {"id": id_, "fetch": {"seq": 1, "bytes": 10**15}, "seconds": 0}
    return json.dumps({"seq": next_seq(), "results": [item]}).encode()


def error(id_):
    return json.dumps(
        {
            "seq": next_seq(),
            "id": id_,
            "error": {
                "type": "Evil",
                "message": "m",
                "traceback": "",
                "line": "",
                "code": "",
            },
        }
    ).encode()


def _statuses():
    return {
        "unknown id": post("/notify", results("no-such-command", 7)),
        "settled id": post("/notify", results(SETTLED, 7)),
        "announcement for settled id": post("/notify", announcement(SETTLED)),
        "announcement for unknown id": post("/notify", announcement("no-such-command")),
        "error for settled id": post("/notifyError", error(SETTLED)),
        "error for unknown id": post("/notifyError", error("no-such-command")),
        "event for unknown id": post(
            "/events",
            json.dumps(
                {
                    "seq": next_seq(),
                    "events": [{"kind": "epoch", "id": "no-such-command", "epoch": 1}],
                }
            ).encode(),
        ),
        "deep JSON": post("/notify", b"[" * 100000 + b"]" * 100000),
        "deep MessagePack": post("/notify", b"\x91" * 100000 + b"\xc0", "application/msgpack"),
        "invalid UTF-8": post(
            "/notify", b'{"seq": 1, "results": [{"id": "\xc3\x28", "value": 1}]}'
        ),
        "lone surrogate": post(
            "/notify", b'{"seq": 1, "results": [{"id": "\\ud800", "value": 1}]}'
        ),
        "truncated": post("/notify", results(SETTLED, 7)[:-5], length=len(results(SETTLED, 7))),
        "bad MessagePack": post("/notify", b"\xc1", "application/msgpack"),
        "not a message": post("/notify", b'{"results": 5}'),
        "text/plain": post("/notify", results(SETTLED, 7), "text/plain"),
        "unknown path": post("/commands", b"{}"),
    }


hold_notifier()
try:
    statuses = _statuses()
finally:
    notifier._lock.release()
statuses  # noqa: B018 - the command's result
