# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs inside the worker for tst_hostile: posts hostile notifications to the IDE with the token
the worker's notifier holds, as a compromised worker could. The test binds SETTLED to the id of a
command that has already settled. The last expression maps each case to the status answered
(0: the connection closed without an answer)."""

import gc
import json
import socket

from qtkeras_worker.notifier import Notifier

SETTLED = globals()["SETTLED"]
notifier = next(o for o in gc.get_objects() if isinstance(o, Notifier))


def next_seq():
    """The next notification seq, taken from the notifier so that its own go on after it."""
    with notifier._lock:
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


statuses = {
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
    "invalid UTF-8": post("/notify", b'{"seq": 1, "results": [{"id": "\xc3\x28", "value": 1}]}'),
    "lone surrogate": post("/notify", b'{"seq": 1, "results": [{"id": "\\ud800", "value": 1}]}'),
    "truncated": post("/notify", results(SETTLED, 7)[:-5], length=len(results(SETTLED, 7))),
    "bad MessagePack": post("/notify", b"\xc1", "application/msgpack"),
    "not a message": post("/notify", b'{"results": 5}'),
    "text/plain": post("/notify", results(SETTLED, 7), "text/plain"),
    "unknown path": post("/commands", b"{}"),
}
statuses  # noqa: B018 - the command's result
