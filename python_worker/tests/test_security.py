# SPDX-License-Identifier: GPL-3.0-or-later
"""Request checks of docs/PROTOCOL.md: every refusal answers its status before reading the
body, closes the connection and runs nothing."""

import json

import pytest
from helpers import new_id, raw_request


def _command_body(tmp_path, name):
    """A command that would leave traces: a file and a variable."""
    marker = tmp_path / name
    code = f"open({str(marker)!r}, 'w').close()\n{name} = 1"
    return marker, json.dumps({"id": new_id("refused"), "code": code}).encode()


def _head(method, path, headers, length=None):
    lines = [f"{method} {path} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return "\r\n".join(lines) + "\r\n\r\n"


def _valid_headers(worker):
    return {
        "Host": f"127.0.0.1:{worker.port}",
        "Authorization": f"Bearer {worker.token}",
        "Content-Type": "application/json",
    }


REFUSALS = [
    ("no token", 401, lambda h, w: h.pop("Authorization")),
    ("wrong token", 401, lambda h, w: h.update(Authorization="Bearer " + "0" * 64)),
    ("token prefix", 401, lambda h, w: h.update(Authorization=h["Authorization"][:-1])),
    ("basic scheme", 401, lambda h, w: h.update(Authorization="Basic " + w.token)),
    ("foreign host", 403, lambda h, w: h.update(Host=f"evil.example:{w.port}")),
    ("host without port", 403, lambda h, w: h.update(Host="127.0.0.1")),
    ("no host", 403, lambda h, w: h.pop("Host")),
    ("origin", 403, lambda h, w: h.update(Origin="http://evil.example")),
    ("sec-fetch-site", 403, lambda h, w: h.update({"Sec-Fetch-Site": "cross-site"})),
    ("sec-fetch-mode", 403, lambda h, w: h.update({"Sec-Fetch-Mode": "no-cors"})),
    ("text/plain", 415, lambda h, w: h.update({"Content-Type": "text/plain"})),
    ("form", 415, lambda h, w: h.update({"Content-Type": "application/x-www-form-urlencoded"})),
    ("no content type", 415, lambda h, w: h.pop("Content-Type")),
]


@pytest.mark.parametrize("name,status,change", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_requests_run_nothing(worker, tmp_path, name, status, change):
    variable = "refused_" + name.replace(" ", "_").replace("-", "_").replace("/", "_")
    marker, body = _command_body(tmp_path, variable)
    headers = _valid_headers(worker)
    change(headers, worker)
    # The declared length exceeds what is sent: a server that read the body would hang.
    got, answer_headers, data = raw_request(
        worker.port, _head("POST", "/commands", headers, len(body) + 1000), body, timeout=5
    )
    assert got == status
    assert answer_headers["connection"] == "close"
    assert not any(k.startswith("access-control") for k in answer_headers)
    assert "error" in json.loads(data)
    if status == 401:
        assert worker.token not in data.decode()
    # The queue is FIFO: once a later command has run, the refused one would have too.
    assert worker.run(f"{variable!r} in globals()") is False
    assert not marker.exists()


def test_oversize_content_length_is_413_without_reading(worker, tmp_path):
    marker, body = _command_body(tmp_path, "refused_oversize")
    head = _head("POST", "/commands", _valid_headers(worker), 3 * 1024**3)
    status, headers, _ = raw_request(worker.port, head, body, timeout=5)
    assert status == 413
    assert headers["connection"] == "close"
    assert worker.run("'refused_oversize' in globals()") is False
    assert not marker.exists()


def test_chunked_or_lengthless_bodies_are_411(worker, tmp_path):
    marker, body = _command_body(tmp_path, "refused_chunked")
    headers = {**_valid_headers(worker), "Transfer-Encoding": "chunked"}
    chunk = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    status, answer, _ = raw_request(worker.port, _head("POST", "/commands", headers), chunk)
    assert status == 411
    assert answer["connection"] == "close"
    assert worker.run("'refused_chunked' in globals()") is False
    assert not marker.exists()


@pytest.mark.parametrize(
    "method,path,status",
    [("POST", "/nowhere", 404), ("GET", "/commands", 405), ("DELETE", "/variables", 405)],
)
def test_unknown_paths_and_methods(worker, method, path, status):
    headers = {k: v for k, v in _valid_headers(worker).items() if k != "Content-Type"}
    got, answer, data = raw_request(worker.port, _head(method, path, headers, 0))
    assert got == status
    assert answer["connection"] == "close"
    assert "error" in json.loads(data)


def test_path_check_comes_after_authentication(worker):
    headers = {"Host": f"127.0.0.1:{worker.port}"}
    assert raw_request(worker.port, _head("GET", "/nowhere", headers))[0] == 401


@pytest.mark.parametrize("host", ["localhost", "[::1]", "127.0.0.1", "LOCALHOST"])
def test_loopback_host_names_are_accepted(worker, host):
    headers = {"Host": f"{host}:{worker.port}", "Authorization": f"Bearer {worker.token}"}
    status, answer, data = raw_request(worker.port, _head("GET", "/health", headers))
    assert status == 200
    assert json.loads(data)["status"] == "ok"
    assert not any(k.startswith("access-control") for k in answer)


def test_keep_alive_serves_many_requests_on_one_connection(worker):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=10)
    try:
        for _ in range(20):
            conn.request("GET", "/health", headers={"Authorization": f"Bearer {worker.token}"})
            response = conn.getresponse()
            assert response.status == 200
            response.read()
        first_socket = conn.sock
        conn.request("GET", "/status", headers={"Authorization": f"Bearer {worker.token}"})
        conn.getresponse().read()
        assert conn.sock is first_socket
    finally:
        conn.close()


def test_notifications_carry_the_token_and_host(worker):
    worker.run("'notified'")
    assert worker.notify.refused == 0
    assert worker.notify.hosts == {f"127.0.0.1:{worker.notify.port}"}
    assert worker.notify.raw


def test_expect_continue_only_after_the_checks(worker, tmp_path):
    import http.client
    import socket

    marker, body = _command_body(tmp_path, "refused_expect")
    headers = {**_valid_headers(worker), "Expect": "100-continue"}
    bad = {**headers, "Authorization": "Bearer wrong"}
    status, _, _ = raw_request(worker.port, _head("POST", "/commands", bad, len(body)))
    assert status == 401  # no "100 Continue" first: the body is not invited
    command_id = new_id()
    good = json.dumps({"id": command_id, "code": "'continued'"}).encode()
    with socket.create_connection(("127.0.0.1", worker.port), timeout=10) as sock:
        sock.sendall(_head("POST", "/commands", headers, len(good)).encode())
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(good)
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.status == 202
        response.read()
    assert worker.result(command_id) == "continued"
    assert not marker.exists()


def test_connections_beyond_the_cap_are_closed_at_once(worker):
    import http.client
    import select
    import socket
    import time

    from qtkeras_worker.server import HEADER_DEADLINE, MAX_CONNECTIONS

    sockets = [socket.create_connection(("127.0.0.1", worker.port)) for _ in range(72)]
    try:
        # The ones beyond the cap are closed as they are accepted, long before the header
        # deadline would drop a silent connection: wait for those closes, up to half of it.
        closed: list[socket.socket] = []
        deadline = time.monotonic() + HEADER_DEADLINE / 2
        while len(closed) < 72 - MAX_CONNECTIONS and time.monotonic() < deadline:
            waiting = [s for s in sockets if s not in closed]
            readable, _, _ = select.select(waiting, [], [], deadline - time.monotonic())
            closed += [s for s in readable if s.recv(1) == b""]
        assert len(closed) >= 72 - MAX_CONNECTIONS
        assert len(sockets) - len(closed) <= MAX_CONNECTIONS
    finally:
        for s in sockets:
            s.close()
    # Once the worker has seen the others close, it serves new connections again.
    deadline = time.monotonic() + 10
    while True:
        try:
            assert worker.run("'served again'") == "served again"
            break
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                raise


def test_headers_must_arrive_within_the_deadline(worker):
    import socket
    import time

    with socket.create_connection(("127.0.0.1", worker.port), timeout=20) as sock:
        sock.sendall(f"POST /commands HTTP/1.1\r\nHost: 127.0.0.1:{worker.port}\r\n".encode())
        start = time.monotonic()
        try:
            data = sock.recv(100)
        except ConnectionResetError:
            data = b""
        assert data == b""
        assert 9 < time.monotonic() - start < 13
