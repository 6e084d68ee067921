# SPDX-License-Identifier: GPL-3.0-or-later
"""A test client for the real worker process and a notification server that records what the
worker posts, in order."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import secrets
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from qtkeras_worker import codec

TOKEN = secrets.token_hex(32)
_ids = itertools.count(1)


def new_id(prefix: str = "c") -> str:
    return f"{prefix}{next(_ids)}"


class Ref(dict):
    """A ref result, as its wire fields."""


def held(gate: Any, code: str) -> str:
    """Code that waits until the file `gate` exists, then runs `code`: a command that runs
    until the test creates the file, instead of for a time that a busy machine may outlast."""
    return (
        f"import os, time\nwhile not os.path.exists({str(gate)!r}):\n    time.sleep(0.005)\n{code}"
    )


def value_of(tree: Any) -> Any:
    if isinstance(tree, dict) and tree.get(codec.TAG) == "ref":
        return Ref(tree)
    return codec.decode(tree)


class Recorder:
    """Notifications flattened into entries (kind, payload), kind result/error/event, each
    applied once by its seq as a client does: a repeated delivery is counted in
    ``repeated``, a seq that skips one is recorded as a ("gap", seq) entry."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, Any]] = []
        self.cond = threading.Condition()
        self.applied = 0
        self.repeated = 0

    def add(self, path: str, body: Any) -> None:
        with self.cond:
            if path in ("/notify", "/events", "/notifyError") and "seq" not in body:
                if path != "/events" or body.get("events"):  # an empty one is a heartbeat
                    self.entries.append(("unsequenced", (path, body)))
                self.cond.notify_all()
                return
            if path == "/notify":
                items = [("result", r) for r in body["results"]]
            elif path == "/notifyError":
                items = [("error", {k: v for k, v in body.items() if k != "seq"})]
            elif path == "/events":
                items = [("event", e) for e in body["events"]]
            else:
                self.entries.append(("unknown", (path, body)))
                self.cond.notify_all()
                return
            for seq, entry in enumerate(items, start=body["seq"]):
                if seq <= self.applied:
                    self.repeated += 1
                    continue
                if seq != self.applied + 1:
                    self.entries.append(("gap", seq))
                self.applied = seq
                self.entries.append(entry)
            self.cond.notify_all()

    def wait(self, predicate, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = predicate(self.entries)
                if found:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the awaited notification did not arrive")
                self.cond.wait(remaining)

    def snapshot(self) -> list[tuple[str, Any]]:
        with self.cond:
            return list(self.entries)

    def outcomes(self, command_id: str) -> list[tuple[str, Any]]:
        """Results and errors of a command, in order."""
        return [
            (kind, payload)
            for kind, payload in self.snapshot()
            if kind in ("result", "error") and payload["id"] == command_id
        ]

    def events(self, kind: str | None = None, command_id: str | None = None) -> list[dict]:
        return [
            e
            for k, e in self.snapshot()
            if k == "event"
            and (kind is None or e["kind"] == kind)
            and (command_id is None or e.get("id") == command_id)
        ]


class NotifyServer:
    """The client's notification server: checks the token and Host, records every message."""

    def __init__(
        self, token: str, recorder: Recorder, close_each: bool = False, cut_every: int = 0
    ) -> None:
        self.recorder = recorder
        self.connections = 0
        self.requests = 0
        self.cut = 0
        self.raw: list[tuple[str, str, bytes]] = []
        self.refused = 0
        self.hosts: set[str] = set()
        self.blobs: dict[str, bytes] = {}  # staged binding data, served on GET /blobs/<id>
        self.blob_gets = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                server.requests += 1
                if cut_every and server.requests % cut_every == 0:
                    # A connection lost before the request was handled: nothing recorded.
                    server.cut += 1
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                server.hosts.add(self.headers.get("Host", ""))
                if self.headers.get("Authorization") != f"Bearer {token}":
                    server.refused += 1
                    self._answer(401)
                    return
                content_type = self.headers.get("Content-Type", "")
                server.raw.append((self.path, content_type, data))
                server.recorder.add(self.path, codec.loads(data, content_type))
                self._answer(200)

            def do_GET(self) -> None:
                if self.headers.get("Authorization") != f"Bearer {token}":
                    server.refused += 1
                    self._answer(401)
                    return
                blob = server.blobs.get(self.path.removeprefix("/blobs/"))
                if not self.path.startswith("/blobs/") or blob is None:
                    self._answer(404)
                    return
                server.blob_gets += 1
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(blob)}\r\n\r\n"
                self.wfile.write(head.encode() + blob)

            def setup(self) -> None:
                super().setup()
                server.connections += 1

            def _answer(self, status: int) -> None:
                close = "Connection: close\r\n" if close_each else ""
                head = f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n{close}\r\n"
                self.wfile.write(head.encode())
                self.close_connection = close_each

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class CommandFailed(AssertionError):
    def __init__(self, body: dict) -> None:
        super().__init__(f"{body['error']['type']}: {body['error']['message']}")
        self.body = body


class Worker:
    """The real worker as a subprocess (``python -m qtkeras_worker``) and a client for it."""

    def __init__(
        self,
        notify: bool = True,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        token: str = TOKEN,
        token_on_stdin: bool = True,
        close_each: bool = False,
        cut_every: int = 0,
        poll: bool = True,
    ) -> None:
        self.token = token
        self.recorder = Recorder()
        self.notify = NotifyServer(token, self.recorder, close_each, cut_every) if notify else None
        command = [sys.executable, "-m", "qtkeras_worker", *args]
        if self.notify:
            command += ["--notify-url", self.notify.url]
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, env=env
        )
        if token_on_stdin:
            self.proc.stdin.write(token.encode() + b"\n")
            self.proc.stdin.flush()
        self.stdout = b""
        line = self._read_stdout_line(timeout=60)
        self.ready = json.loads(line)
        self.port = self.ready["port"]
        self._local = threading.local()
        self._conns: list[http.client.HTTPConnection] = []
        if not notify and poll:
            self.start_polling()

    def start_polling(self) -> None:
        """Without a notify URL: reads the journal into the recorder from now on."""
        threading.Thread(target=self._poll, daemon=True).start()

    # ------------------------------------------------------------ process

    def _read_stdout_line(self, timeout: float) -> bytes:
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.stdout:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sel.select(remaining):
                    raise TimeoutError(f"no ready line; stderr: {self.stderr_text()}")
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise RuntimeError(f"worker exited; stderr: {self.stderr_text()}")
                self.stdout += chunk
        return self.stdout.split(b"\n", 1)[0]

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def rest_of_stdout(self) -> bytes:
        """Everything on stdout until the process closes it."""
        fd = self.proc.stdout.fileno()
        while chunk := os.read(fd, 65536):
            self.stdout += chunk
        return self.stdout

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        if self.proc.poll() is None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()
        for conn in self._conns:
            conn.close()
        if self.notify:
            self.notify.close()

    # ------------------------------------------------------------ HTTP

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's keep-alive connection and whether it was used before. One the worker
        has closed (after its idle timeout) is replaced, as HTTP clients do."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and conn.sock is not None and _closed_by_peer(conn.sock):
            conn.close()
            conn = None
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
            self._local.conn = conn
            self._conns.append(conn)
            return conn, False
        return conn, conn.sock is not None

    def request(
        self, method: str, path: str, body: Any = None, fmt: str = codec.JSON
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data = codec.dumps(body, fmt)
            headers["Content-Type"] = fmt
        elif method == "POST":
            data = b""
        retried = False
        while True:
            conn, reused = self._connection()
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._local.conn = None
                # A keep-alive connection the worker closed just before the request went out:
                # nothing was answered, so the request is sent once more on a new connection.
                closed = isinstance(
                    exc, (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected)
                )
                if retried or not (reused and closed):
                    raise
                retried = True
                continue
            return response.status, (json.loads(raw) if raw else None)

    def _poll(self) -> None:
        """Without a notify URL: long-polls GET /notifications into the recorder."""
        since = 0
        while self.proc.poll() is None:
            try:
                body = self.request("GET", f"/notifications?since={since}&wait=5")[1]
            except (OSError, http.client.HTTPException):
                return
            for message in body["messages"]:
                self.recorder.add(message["path"], message["body"])
                since = message["seq"]

    # ------------------------------------------------------------ commands

    def submit(self, code: str, command_id: str | None = None, fmt: str = codec.JSON, **fields):
        command_id = command_id or new_id()
        status, body = self.request(
            "POST", "/commands", {"id": command_id, "code": code, **fields}, fmt
        )
        assert status == 202, body
        return command_id

    def submit_many(self, commands: list[dict], release: list[str] | None = None) -> dict:
        body: dict[str, Any] = {"commands": commands}
        if release is not None:
            body["release"] = release
        status, answer = self.request("POST", "/commands", body)
        assert status == 202, answer
        return answer

    def outcome(self, command_id: str, index: int = 0, timeout: float = 30.0):
        """The index-th outcome of a command: ("result", item) or ("error", body)."""

        def found(entries):
            hits = [
                (k, p) for k, p in entries if k in ("result", "error") and p["id"] == command_id
            ]
            return hits[index] if len(hits) > index else None

        return self.recorder.wait(found, timeout)

    def result(self, command_id: str, index: int = 0, timeout: float = 30.0) -> Any:
        kind, payload = self.outcome(command_id, index, timeout)
        if kind == "error":
            raise CommandFailed(payload)
        return value_of(payload["value"])

    def run(self, code: str, timeout: float = 30.0, **fields) -> Any:
        return self.result(self.submit(code, **fields), timeout=timeout)

    def fail(self, code: str, timeout: float = 30.0, **fields) -> dict:
        """Runs code that must fail; returns the notifyError body (the queue is paused)."""
        command_id = self.submit(code, **fields)
        kind, payload = self.outcome(command_id, timeout=timeout)
        assert kind == "error", payload
        return payload

    def decide(self, command_id: str, decision: str, **fields) -> tuple[int, Any]:
        return self.request(
            "POST", "/decisions", {"id": command_id, "decision": decision, **fields}
        )

    def wait_event(self, kind: str, command_id: str | None = None, timeout: float = 30.0):
        def found(entries):
            hits = [
                p
                for k, p in entries
                if k == "event"
                and p["kind"] == kind
                and (command_id is None or p.get("id") == command_id)
            ]
            return hits[0] if hits else None

        return self.recorder.wait(found, timeout)


def _closed_by_peer(sock: socket.socket) -> bool:
    """Whether an idle connection has been closed by the other side (it is readable: the end
    of the stream, or bytes no request asked for)."""
    with selectors.DefaultSelector() as sel:
        sel.register(sock, selectors.EVENT_READ)
        return bool(sel.select(0))


def raw_request(port: int, head: str, body: bytes = b"", timeout: float = 10.0):
    """Sends bytes as they are; returns (status, headers dict, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1") + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
