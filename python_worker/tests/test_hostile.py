# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile requests to the worker that test_security.py does not cover: unknown methods, a
10 GB body without a token, silent connections, and bodies that pass the checks but are
nested too deeply, not UTF-8 or cut short. Each gets a 4xx or a closed connection, nothing
runs, and the worker keeps serving."""

import contextlib
import json
import socket
import time

import pytest
from helpers import new_id, raw_request


def _head(worker, method="POST", path="/commands", length=0, token=True, ctype=None):
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{worker.port}"]
    if token:
        lines.append(f"Authorization: Bearer {worker.token}")
    if ctype:
        lines.append(f"Content-Type: {ctype}")
    lines.append(f"Content-Length: {length}")
    return "\r\n".join(lines) + "\r\n\r\n"


def _rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize(
    "method,path,token,status",
    [
        ("BREW", "/commands", False, 401),
        ("BREW", "/commands", True, 405),
        ("BREW", "/nowhere", True, 404),
        ("TRACE", "/health", True, 405),
        ("CONNECT", "/health", False, 401),
    ],
)
def test_unknown_methods_are_4xx(worker, method, path, token, status):
    got, headers, data = raw_request(worker.port, _head(worker, method, path, token=token))
    assert got == status
    assert headers["connection"] == "close"
    assert "error" in json.loads(data)


def test_ten_gigabyte_body_without_token_is_refused_unread(worker, tmp_path):
    marker = tmp_path / "ten_gb"
    worker.wait_event("keras-ready", timeout=60)  # Keras is imported in the background
    before = _rss_kib(worker.proc.pid)
    code = json.dumps({"id": new_id(), "code": f"open({str(marker)!r}, 'w').close()"})
    head = _head(worker, length=10 * 1024**3, token=False, ctype="application/json")
    sent = 0
    with socket.create_connection(("127.0.0.1", worker.port), timeout=10) as sock:
        sock.sendall(head.encode() + code.encode())
        chunk = b"0" * (1 << 20)
        # Keep sending until the worker closes: it must not read (nor buffer) the body.
        try:
            while sent < (64 << 20):
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            answer = sock.recv(200)
        except ConnectionResetError:
            answer = b""
    assert sent < (64 << 20), "the worker kept reading a body it had refused"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 401")
    assert _rss_kib(worker.proc.pid) - before < 16 * 1024
    assert worker.run("'still serving'") == "still serving"
    assert not marker.exists()


def test_silent_connection_is_dropped_by_the_header_deadline(worker):
    with socket.create_connection(("127.0.0.1", worker.port), timeout=20) as sock:
        start = time.monotonic()
        try:
            data = sock.recv(100)
        except ConnectionResetError:
            data = b""
        assert data == b""
        assert 9 < time.monotonic() - start < 13


def _deep_json(depth):
    return b"[" * depth + b"]" * depth


BODIES = [
    ("deep JSON", "application/json", b'{"id": "x", "code": "1", "bindings": {"a": %s}}'),
    ("deep JSON alone", "application/json", None),
    ("deep MessagePack", "application/msgpack", None),
    ("invalid UTF-8 JSON", "application/json", b'{"id": "\xc3\x28", "code": "1"}'),
    ("invalid UTF-8 MessagePack", "application/msgpack", b"\x82\xa2id\xa2\xc3\x28\xa4code\xa11"),
    ("lone surrogate", "application/json", b'{"id": "\\ud800", "code": "1"}'),
    ("bad MessagePack", "application/msgpack", b"\xc1"),
    ("trailing bytes", "application/json", b'{"id": "t", "code": "1"} {}'),
]


@pytest.mark.parametrize("name,ctype,body", BODIES, ids=[b[0] for b in BODIES])
def test_malformed_bodies_are_400_and_run_nothing(worker, name, ctype, body):
    if name == "deep JSON":
        body = body % _deep_json(100_000)
    elif name == "deep JSON alone":
        body = _deep_json(1_000_000)
    elif name == "deep MessagePack":
        body = b"\x91" * 1_000_000 + b"\xc0"
    head = _head(worker, length=len(body), ctype=ctype)
    status, _, data = raw_request(worker.port, head, body, timeout=30)
    assert status == 400
    assert "error" in json.loads(data)
    assert worker.run("'after malformed'") == "after malformed"


def _command_head(worker, body, fields):
    lines = ["POST /commands HTTP/1.1", *fields, f"Content-Length: {len(body)}"]
    return "\r\n".join(lines) + "\r\n\r\n"


HEADS = [
    # A folded line could carry a second value past a check; a line without a colon is not
    # a field. Both are refused rather than guessed at.
    (
        "folded line",
        400,
        lambda w: [f"Host: 127.0.0.1:{w.port}", " x", f"Authorization: Bearer {w.token}"],
    ),
    ("no colon", 400, lambda w: [f"Host: 127.0.0.1:{w.port}", "Authorization Bearer x"]),
    ("space before colon", 400, lambda w: [f"Host : 127.0.0.1:{w.port}"]),
    ("101 fields", 431, lambda w: [f"X-Field-{n}: {n}" for n in range(101)]),
    ("long line", 431, lambda w: ["X-Long: " + "x" * 70_000]),
    ("bad version", 400, None),
]


@pytest.mark.parametrize("name,status,fields", HEADS, ids=[h[0] for h in HEADS])
def test_malformed_heads_are_refused_and_run_nothing(worker, tmp_path, name, status, fields):
    marker = tmp_path / "head"
    body = json.dumps({"id": new_id(), "code": f"open({str(marker)!r}, 'w').close()"}).encode()
    if fields is None:
        head = _head(worker, length=len(body), ctype="application/json").replace(
            "HTTP/1.1", "HTTP/1.x", 1
        )
    else:
        valid = ["Content-Type: application/json", f"Authorization: Bearer {worker.token}"]
        head = _command_head(worker, body, fields(worker) + valid)
    got, headers, data = raw_request(worker.port, head, body)
    assert got == status
    assert headers["connection"] == "close"
    assert "error" in json.loads(data)
    assert worker.run("'after a malformed head'") == "after a malformed head"
    assert not marker.exists()


def test_field_names_are_case_insensitive(worker):
    command_id = new_id()
    body = json.dumps({"id": command_id, "code": "40 + 2"}).encode()
    fields = [
        f"HOST: 127.0.0.1:{worker.port}",
        f"authorization:   Bearer {worker.token}  ",
        "content-TYPE: application/json",
    ]
    got, _, _ = raw_request(worker.port, _command_head(worker, body, fields), body)
    assert got == 202
    assert worker.result(command_id) == 42


def test_truncated_body_runs_nothing(worker, tmp_path):
    marker = tmp_path / "truncated"
    body = json.dumps({"id": new_id(), "code": f"open({str(marker)!r}, 'w').close()"}).encode()
    with socket.create_connection(("127.0.0.1", worker.port), timeout=10) as sock:
        sock.sendall(_head(worker, length=len(body), ctype="application/json").encode())
        sock.sendall(body[:-3])
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(100) == b""  # closed without an answer
    assert worker.run("'after truncated'") == "after truncated"
    assert not marker.exists()


def test_many_slow_connections_delay_no_command_over_two_seconds(worker):
    """1,000 connections that trickle a request head: the excess is refused at once, the rest
    dropped by the header deadline, and commands on the established connection still run."""
    worker.run("'warm'")  # the test client's keep-alive connection is open
    head = f"POST /commands HTTP/1.1\r\nHost: 127.0.0.1:{worker.port}\r\n".encode()
    attackers = []
    try:
        for _ in range(1000):
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", worker.port))
            attackers.append(sock)
        start = time.monotonic()
        latencies = []
        sent = 0
        while time.monotonic() - start < 12:
            for sock in attackers:
                with contextlib.suppress(BlockingIOError, OSError):
                    sock.send(head[sent : sent + 1] or b"X")
            sent += 1
            t = time.monotonic()
            assert worker.run(f"{sent} * 2") == sent * 2
            latencies.append(time.monotonic() - t)
            time.sleep(0.5)
        assert max(latencies) < 2.0
        # By now (past the deadline) the worker has closed every one of them.
        deadline = time.monotonic() + 5
        open_ = list(attackers)
        while open_ and time.monotonic() < deadline:
            still = []
            for sock in open_:
                try:
                    if sock.recv(4096) != b"":
                        still.append(sock)
                except BlockingIOError:
                    still.append(sock)
                except OSError:
                    pass
            open_ = still
            time.sleep(0.2)
        assert not open_, f"{len(open_)} slow connections are still open"
    finally:
        for sock in attackers:
            sock.close()
    assert worker.run("'after the attack'") == "after the attack"
