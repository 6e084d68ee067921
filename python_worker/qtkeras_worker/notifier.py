"""Notifications from the worker to the client: results, errors and events.

``post`` only appends to a queue, so it never blocks the executor or a Keras callback. One
daemon thread sends the queue, in order, over one keep-alive connection to the notify URL,
coalescing consecutive messages of the same path into one request (``/notify`` and
``/events``; every ``/notifyError`` goes alone). Every message also gets a sequence number
and is kept in a ring buffer that ``GET /notifications`` long-polls.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import codec

NOTIFY = "/notify"
NOTIFY_ERROR = "/notifyError"
EVENTS = "/events"
_BATCH_KEY = {NOTIFY: "results", EVENTS: "events"}

RING_SIZE = 10_000
RING_BYTES = 256 * 1024 * 1024
BATCH_MAX_MESSAGES = 1000
BATCH_MAX_BYTES = 64 * 1024 * 1024
RETRY_DELAYS = (0.0, 0.1, 0.5, 1.0)
PIPELINE_MAX_REQUESTS = 64
LARGE_BODY = 64 * 1024  # bodies beyond this are written on their own, never copied


@dataclass
class Message:
    seq: int
    path: str
    item: Any  # a result, an event, or a whole /notifyError body
    binary: bool
    nbytes: int

    def body(self) -> Any:
        """The body this message has when it travels alone."""
        key = _BATCH_KEY.get(self.path)
        return {key: [self.item]} if key else self.item


class Notifier:
    def __init__(
        self,
        url: str | None,
        token: str,
        log: Callable[[str], None],
        ring_size: int = RING_SIZE,
        ring_bytes: int = RING_BYTES,
    ) -> None:
        self._token = token
        self._log = log
        self._ring_size = ring_size
        self._ring_bytes_cap = ring_bytes
        self._cond = threading.Condition()
        self._queue: deque[Message] = deque()
        self._ring: deque[Message] = deque()
        self._ring_bytes = 0
        self._seq = 0
        self._hooks: list[Callable[[], None]] = []
        self._sock: socket.socket | None = None
        self._answers: Any = None  # buffered reader of self._sock
        self._proven = False  # the connection answered a request and stayed open
        self._url = url
        if url:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme != "http" or not parts.hostname or parts.port is None:
                raise ValueError(f"notify URL must be http://HOST:PORT[/path], not {url!r}")
            self._host = parts.hostname
            self._port = parts.port
            self._host_header = parts.netloc.rpartition("@")[2]
            self._base = parts.path.rstrip("/")
            threading.Thread(target=self._run, name="qtkeras-notifier", daemon=True).start()

    def add_hook(self, hook: Callable[[], None]) -> None:
        """``hook`` runs before every post (pending output is flushed ahead of other news)."""
        self._hooks.append(hook)

    # ------------------------------------------------------------ producers

    def post(
        self, path: str, item: Any, binary: bool = False, nbytes: int = 0, hooks: bool = True
    ) -> int:
        """Queues one message; returns its sequence number."""
        if hooks:
            for hook in self._hooks:
                hook()
        with self._cond:
            self._seq += 1
            message = Message(self._seq, path, item, binary, nbytes)
            if self._url:
                self._queue.append(message)
            self._ring.append(message)
            self._ring_bytes += nbytes
            while len(self._ring) > 1 and (
                len(self._ring) > self._ring_size or self._ring_bytes > self._ring_bytes_cap
            ):
                self._ring_bytes -= self._ring.popleft().nbytes
            self._cond.notify_all()
            return message.seq

    def event(self, kind: str, hooks: bool = True, **fields: Any) -> int:
        return self.post(EVENTS, {"kind": kind, **fields}, hooks=hooks)

    # ------------------------------------------------------------ ring buffer

    def since(self, seq: int, wait: float) -> dict[str, Any]:
        """Messages after ``seq``, waiting up to ``wait`` seconds for the first one."""
        deadline = time.monotonic() + wait
        with self._cond:
            while self._seq <= seq:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            messages = [m for m in self._ring if m.seq > seq]
            oldest = self._ring[0].seq if self._ring else seq + 1
            return {
                "messages": [{"seq": m.seq, "path": m.path, "body": m.body()} for m in messages],
                "last": self._seq,
                "missed": max(0, oldest - seq - 1),
            }

    # ------------------------------------------------------------ sender thread

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                batches = self._take_batches()
            requests = []
            for batch in batches:
                try:
                    requests.append((batch, self._request(batch)))
                except Exception as exc:  # noqa: BLE001 - the sender must outlive any bad message
                    self._log(f"could not send a notification to {batch[0].path}: {exc!r}")
            if requests:
                self._send(requests)

    def _take_batches(self) -> list[list[Message]]:
        """The queue's head as requests: runs of one path, at most PIPELINE_MAX_REQUESTS."""
        batches: list[list[Message]] = []
        total = 0
        while self._queue and len(batches) < PIPELINE_MAX_REQUESTS and total < BATCH_MAX_BYTES:
            batch = [self._queue.popleft()]
            size = batch[0].nbytes
            if batch[0].path in _BATCH_KEY:
                while (
                    self._queue
                    and self._queue[0].path == batch[0].path
                    and len(batch) < BATCH_MAX_MESSAGES
                    and size + self._queue[0].nbytes <= BATCH_MAX_BYTES
                ):
                    size += self._queue[0].nbytes
                    batch.append(self._queue.popleft())
            batches.append(batch)
            total += size
        return batches

    def _request(self, batch: list[Message]) -> tuple[bytes, list[Any]]:
        """The head and the body (as buffers to write in turn) of the HTTP request for a batch.
        Large payloads stay buffers of their own, so an array's bytes are not copied."""
        path = batch[0].path
        key = _BATCH_KEY.get(path)
        body = {key: [m.item for m in batch]} if key else batch[0].item
        content_type = codec.MSGPACK if any(m.binary for m in batch) else codec.JSON
        if content_type == codec.MSGPACK and sum(m.nbytes for m in batch) >= LARGE_BODY:
            data = codec.dumps_parts(body)
        else:
            data = [codec.dumps(body, content_type)]
        head = (
            f"POST {self._base + path} HTTP/1.1\r\n"
            f"Host: {self._host_header}\r\n"
            f"Authorization: Bearer {self._token}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {sum(len(part) for part in data)}\r\n\r\n"
        )
        return head.encode("latin-1"), data

    def _send(self, requests: list[tuple[list[Message], tuple[bytes, list[Any]]]]) -> None:
        """Sends the requests in order, retrying those not yet answered.

        On a connection that has answered a request and stayed open, the requests are
        pipelined: all written, then all answers read. While results and ``started`` events
        alternate, every message is a request of its own; pipelining them costs one round
        trip per backlog instead of one per message.
        """
        pending = deque(requests)
        error: BaseException | None = None
        for delay in RETRY_DELAYS:
            if delay:
                time.sleep(delay)
            try:
                while pending:
                    sock, answers = self._connection()
                    window = list(pending) if self._proven else [pending[0]]
                    _write(sock, [request for _, request in window])
                    for batch, _ in window:
                        status, close = _read_response(answers)
                        pending.popleft()
                        if status >= 300:
                            self._log(f"notification server answered {status} to {batch[0].path}")
                        if close:
                            self._close()
                            break
                        self._proven = True
                return
            except (OSError, ValueError, http.client.HTTPException) as exc:
                error = exc
                self._close()
        dropped = sum(len(batch) for batch, _ in pending)
        path = pending[0][0][0].path
        self._log(f"dropped {dropped} notification(s) to {path} after retries: {error!r}")

    def _connection(self) -> tuple[socket.socket, Any]:
        if self._sock is None:
            sock = socket.create_connection((self._host, self._port), timeout=60)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock, self._answers, self._proven = sock, sock.makefile("rb"), False
        return self._sock, self._answers

    def _close(self) -> None:
        if self._sock is not None:
            self._answers.close()
            self._sock.close()
            self._sock = self._answers = None
            self._proven = False


def _write(sock: socket.socket, requests: list[tuple[bytes, list[Any]]]) -> None:
    """Writes requests back to back: small buffers joined, large ones without a copy."""
    pending: list[Any] = []
    for head, body in requests:
        pending.append(head)
        for part in body:
            if len(part) <= LARGE_BODY:
                pending.append(part)
                continue
            sock.sendall(b"".join(pending))
            pending = []
            sock.sendall(part)
    if pending:
        sock.sendall(b"".join(pending))


def _read_response(answers: Any) -> tuple[int, bool]:
    """Reads one HTTP response; returns its status and whether the server closes."""
    line = answers.readline(65537)
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise http.client.BadStatusLine(repr(line))
    status = int(parts[1])
    length, close = 0, parts[0] == b"HTTP/1.0"
    for _ in range(100):
        header = answers.readline(65537)
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value == b"close"
        elif name == b"transfer-encoding":
            raise http.client.HTTPException("chunked answers are not expected")
    else:
        raise http.client.HTTPException("too many header lines")
    if length and len(answers.read(length)) < length:
        raise http.client.IncompleteRead(b"")
    return status, close
