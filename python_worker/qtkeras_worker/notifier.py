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
        self._conn: http.client.HTTPConnection | None = None
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
                batch = [self._queue.popleft()]
                if batch[0].path in _BATCH_KEY:
                    size = batch[0].nbytes
                    while (
                        self._queue
                        and self._queue[0].path == batch[0].path
                        and len(batch) < BATCH_MAX_MESSAGES
                        and size + self._queue[0].nbytes <= BATCH_MAX_BYTES
                    ):
                        size += self._queue[0].nbytes
                        batch.append(self._queue.popleft())
            try:
                self._send(batch)
            except Exception as exc:  # noqa: BLE001 - the sender must outlive any bad message
                self._log(f"could not send a notification to {batch[0].path}: {exc!r}")

    def _send(self, batch: list[Message]) -> None:
        path = batch[0].path
        key = _BATCH_KEY.get(path)
        body = {key: [m.item for m in batch]} if key else batch[0].item
        content_type = codec.MSGPACK if any(m.binary for m in batch) else codec.JSON
        data = codec.dumps(body, content_type)
        headers = {
            "Host": self._host_header,
            "Authorization": f"Bearer {self._token}",
            "Content-Type": content_type,
            "Content-Length": str(len(data)),
        }
        error: BaseException | None = None
        for delay in RETRY_DELAYS:
            if delay:
                time.sleep(delay)
            try:
                conn = self._connection()
                conn.request("POST", self._base + path, body=data, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 300:
                    self._log(f"notification server answered {response.status} to {path}")
                if response.will_close:
                    self._close()
                return
            except (OSError, http.client.HTTPException) as exc:
                error = exc
                self._close()
        self._log(f"dropped {len(batch)} notification(s) to {path} after retries: {error!r}")

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None or self._conn.sock is None:
            self._close()
            conn = http.client.HTTPConnection(self._host, self._port, timeout=60)
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conn = conn
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
