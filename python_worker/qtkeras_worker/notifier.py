# SPDX-License-Identifier: GPL-3.0-or-later
"""Notifications from the worker to the client: results, errors and events.

``post`` appends to a queue, so it never blocks the executor or a Keras callback on the
network. One daemon thread sends the queue, in order, over one keep-alive connection to the
notify URL, coalescing consecutive messages of the same path into one request (``/notify``
and ``/events``; every ``/notifyError`` goes alone), and reads every answer. A small message
posted with ``direct=True`` while nothing waits to be sent is written by the posting thread
itself: a command's result then reaches the client without waking the sender thread first.
Every message gets a sequence number (``seq``; a request holding several messages carries the
first one's) and is kept in a journal that ``GET /notifications`` long-polls. Delivery is at
least once: a request that is refused (5xx, 408, 429) or whose connection fails is sent again
with back-off until it is answered, and the journal keeps a message until it has been
acknowledged, either by a 2xx answer to its request or by a client that asked for the
messages after it (``since``). The client applies each ``seq`` once. While there is nothing to
send, a heartbeat (an empty ``/events`` request) every ``HEARTBEAT`` seconds keeps the
connection open, so that the worker is not left to find a new one when its result is ready.

A message can be held back (``defer``): it is posted once its delay has passed, or before the
next message posted after it, unless that message supersedes it, in which case it is dropped
without ever getting a seq. Posted, it says in ``seconds`` how long it was held back. The
executor holds a command's ``started`` event back so: a command that ends within the delay
reports only its result, which then goes in the same request as the results around it
instead of alternating with events.

With ``fetch_over``, a result with at least that many bytes of binary data goes to the notify
URL as an announcement (``{"id", "fetch": {"seq", "bytes"}, "seconds"}``); the client
downloads the result with ``GET /results?seq=N``, which writes it from the array's memory (as
often as asked: a download cut short can be repeated), and releases it with
``POST /results/release`` once it has it.
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
from itertools import islice
from typing import Any

from . import codec
from .journal import DiskJournal

NOTIFY = "/notify"
NOTIFY_ERROR = "/notifyError"
EVENTS = "/events"
_BATCH_KEY = {NOTIFY: "results", EVENTS: "events"}

RING_SIZE = 10_000  # acknowledged messages kept for GET /notifications
RING_BYTES = 256 * 1024 * 1024
# Unacknowledged messages are kept up to these caps (a client that never acknowledges).
JOURNAL_SIZE = 200_000
JOURNAL_BYTES = 1024 * 1024 * 1024
# The most one GET /notifications answer holds: messages, and binary data (at least one).
ANSWER_MESSAGES = 10_000
ANSWER_BYTES = 64 * 1024 * 1024
BATCH_MAX_MESSAGES = 1000
BATCH_MAX_BYTES = 64 * 1024 * 1024
RETRY_DELAYS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)  # the last one repeats
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
HEARTBEAT = 20.0  # seconds without a request after which an empty one keeps the connection
PIPELINE_MAX_REQUESTS = 64
LARGE_BODY = 64 * 1024  # binary data from which a body is encoded in parts, arrays not copied
DIRECT_MAX_BYTES = 64 * 1024  # body size up to which a direct post writes by itself
ANSWER_DELAY = 0.05  # seconds the answers to direct writes may wait to be read


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
        return {"seq": self.seq, key: [self.item]} if key else {"seq": self.seq, **self.item}


# What the sender thread sends to keep its connection open; it has no seq and no journal entry.
_HEARTBEAT = Message(0, EVENTS, None, False, 0)


class Notifier:
    def __init__(
        self,
        url: str | None,
        token: str,
        log: Callable[[str], None],
        ring_size: int = RING_SIZE,
        ring_bytes: int = RING_BYTES,
        fetch_over: int = 0,
        journal: DiskJournal | None = None,
    ) -> None:
        self._token = token
        # Unacknowledged messages are kept for the client: always with a notify URL, and
        # with a journal on disk for a client that reads them with GET /notifications.
        self._disk = journal
        self._keeps = bool(url) or journal is not None
        self._fetch_over = fetch_over
        # Announced results not downloaded yet: seq -> the MessagePack of the result, in parts.
        self._fetchable: dict[int, list[Any]] = {}
        self._log = log
        self._ring_size = ring_size
        self._ring_bytes_cap = ring_bytes
        # One lock for the queue, the ring and the connection's state; ``_news`` wakes the
        # long polls of ``since``, ``_work`` the sender thread.
        self._lock = threading.Lock()
        self._news = threading.Condition(self._lock)
        self._work = threading.Condition(self._lock)
        self._queue: deque[Message] = deque()
        self._ring: deque[Message] = deque()  # the journal, oldest first
        self._ring_bytes = 0
        self._seq = 0
        # Every message up to this seq has been acknowledged (only counted when unacknowledged
        # messages are kept: otherwise the journal is a plain ring).
        self._acked = 0
        self._last_request = time.monotonic()  # when a request last went out
        self._failing = False  # deliveries fail now (logged once per outage)
        self._hooks: list[Callable[[], None]] = []
        # Held while requests are written to the connection or the connection is replaced,
        # so that requests go out whole and in order; taken before ``_lock`` when both are.
        self._write_lock = threading.Lock()
        # Requests written on the connection whose answers are not read yet, oldest first.
        self._inflight: deque[tuple[list[Message], tuple[bytes, Any]]] = deque()
        self._broken = False  # the connection failed or closed with requests to resend
        self._sock: socket.socket | None = None
        self._answers: Any = None  # buffered reader of self._sock
        self._proven = False  # the connection answered a request and stayed open
        # A message held back by ``defer``: (path, item, when it is due, since when), or None.
        self._deferred: tuple[str, Any, float, float] | None = None
        # When the sender thread's present wait ends (0 while it is not waiting).
        self._wait_until = 0.0
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
        self,
        path: str,
        item: Any,
        binary: bool = False,
        nbytes: int = 0,
        hooks: bool = True,
        direct: bool = False,
        supersede: bool = False,
    ) -> int:
        """Queues one message; returns its sequence number.

        ``direct``: when the message is small, nothing is queued or being written and the
        connection has proven itself, this thread writes the message itself (the sender
        thread still reads the answer, and resends it if the connection fails).
        ``supersede``: a message held back by ``defer`` is dropped instead of posted first.
        """
        if hooks:
            for hook in self._hooks:
                hook()
        with self._lock:
            if supersede:
                self._deferred = None
            else:
                self._release_deferred()
            message = self._journal(path, item, binary, nbytes)
            if not self._url:
                return message.seq
            direct = (
                direct
                and (nbytes <= DIRECT_MAX_BYTES or self._announced(message))
                and not self._queue
                and self._proven
                and not self._broken
                and self._write_lock.acquire(blocking=False)
            )
            if not direct:
                self._queue.append(message)
                self._work.notify()
                return message.seq
        self._write_direct(message)
        return message.seq

    def defer(self, path: str, item: Any, delay: float) -> None:
        """Holds a small message back for ``delay`` seconds (see the module's description);
        one held back before it is posted now. Without a notify URL it is posted at once."""
        if not self._url:
            self.post(path, {**item, "seconds": 0.0}, hooks=False)
            return
        with self._lock:
            self._release_deferred()
            now = time.monotonic()
            self._deferred = (path, item, now + delay, now)
            # A sender thread that waits for answers comes round within ANSWER_DELAY anyway;
            # one that idles until the next heartbeat is told.
            if self._wait_until > now + delay + ANSWER_DELAY:
                self._work.notify()

    def _journal(self, path: str, item: Any, binary: bool, nbytes: int) -> Message:
        """Gives a message the next seq and keeps it in the journal; with ``_lock`` held."""
        self._seq += 1
        message = Message(self._seq, path, item, binary, nbytes)
        self._ring.append(message)
        self._ring_bytes += nbytes
        self._trim()
        self._news.notify_all()
        return message

    def _release_deferred(self, due_only: bool = False) -> None:
        """Posts the message held back (only once due, with ``due_only``) behind what is
        queued; with ``_lock`` held."""
        held = self._deferred
        now = time.monotonic()
        if held is None or (due_only and held[2] > now):
            return
        self._deferred = None
        path, item, _, since = held
        self._queue.append(self._journal(path, {**item, "seconds": now - since}, False, 0))
        self._work.notify()

    def _wait(self, seconds: float) -> None:
        """The sender thread's wait for work, cut short for a held-back message that falls
        due; with ``_lock`` held."""
        if self._deferred is not None:
            seconds = min(seconds, max(0.0, self._deferred[2] - time.monotonic()))
        self._wait_until = time.monotonic() + seconds
        self._work.wait(seconds)
        self._wait_until = 0.0
        self._release_deferred(due_only=True)

    def event(self, kind: str, hooks: bool = True, direct: bool = False, **fields: Any) -> int:
        return self.post(EVENTS, {"kind": kind, **fields}, hooks=hooks, direct=direct)

    # ------------------------------------------------------------ journal

    def _trim(self) -> None:
        """Forgets the oldest messages beyond the ring's caps once they are acknowledged;
        unacknowledged ones go to the disk journal when there is one, else are kept up to the
        journal's caps. Called with ``_lock`` held."""
        ring = self._ring
        while len(ring) > 1 and (
            len(ring) > self._ring_size or self._ring_bytes > self._ring_bytes_cap
        ):
            oldest = ring[0]
            if self._keeps and oldest.seq > self._acked:
                if self._disk is not None:
                    self._spill(oldest)
                elif len(ring) <= JOURNAL_SIZE and self._ring_bytes <= JOURNAL_BYTES:
                    return
                else:
                    self._log(
                        f"the notification journal is full: message {oldest.seq} to "
                        f"{oldest.path} was never acknowledged and is forgotten"
                    )
            ring.popleft()
            self._ring_bytes -= oldest.nbytes

    def _spill(self, message: Message) -> None:
        """Writes an unacknowledged message to the disk journal; with ``_lock`` held."""
        disk = self._disk
        assert disk is not None
        dropped = disk.dropped_through
        try:
            disk.append(message.seq, message.path, message.body())
        except (OSError, ValueError, TypeError) as exc:
            self._log(
                f"cannot write message {message.seq} to the journal on disk ({exc!r}); "
                "it is forgotten"
            )
            return
        if disk.dropped_through > dropped:
            self._log(
                f"the journal on disk is full: messages up to {disk.dropped_through} were never "
                "acknowledged and are forgotten"
            )

    def acknowledge(self, seq: int) -> None:
        """Every message up to ``seq`` has reached the client."""
        with self._lock:
            if seq > self._acked:
                self._acked = min(seq, self._seq)
                if self._disk is not None:
                    self._disk.forget_through(self._acked)
                self._trim()

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq

    def since(self, seq: int, wait: float) -> dict[str, Any]:
        """Messages after ``seq``, waiting up to ``wait`` seconds for the first one: at most
        ANSWER_MESSAGES, and no more once ANSWER_BYTES of binary data are in (the client asks
        again from the last one; ``last`` says how far there is to go). Asking acknowledges
        every message up to ``seq``."""
        self.acknowledge(seq)
        deadline = time.monotonic() + wait
        with self._lock:
            while self._seq <= seq:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._news.wait(remaining)
            messages: list[Any] = []
            disk = self._disk
            if disk is not None and disk.first is not None and seq < disk.last:
                try:
                    messages = disk.read(seq, ANSWER_MESSAGES, ANSWER_BYTES)
                except (OSError, ValueError) as exc:
                    self._log(f"cannot read the journal on disk: {exc!r}")
            after = messages[-1]["seq"] if messages else seq
            room = ANSWER_MESSAGES - len(messages) if len(messages) < ANSWER_MESSAGES else 0
            budget = ANSWER_BYTES if not messages else 0
            # The ring's newest messages are those after `after`: taken from its end.
            count = max(0, self._seq - after) if room else 0
            newer = list(islice(reversed(self._ring), count))
            for message in reversed(newer):
                if message.seq <= after:
                    continue
                if not room or (budget <= 0 and len(messages) > 0):
                    break
                body = message.body()
                messages.append({"seq": message.seq, "path": message.path, "body": body})
                room -= 1
                budget -= message.nbytes
            if disk is not None and disk.first is not None:
                oldest = disk.first
            else:
                oldest = self._ring[0].seq if self._ring else seq + 1
            return {
                "messages": messages,
                "last": self._seq,
                "missed": max(0, oldest - seq - 1),
            }

    # ------------------------------------------------------------ announced results

    def fetchable(self, seq: int) -> list[Any] | None:
        """The MessagePack body (in parts) of the announced result ``seq``, until released."""
        with self._lock:
            return self._fetchable.get(seq)

    def release(self, seq: int) -> bool:
        """Forgets an announced result that the client has downloaded; false if there was none."""
        with self._lock:
            return self._fetchable.pop(seq, None) is not None

    # ------------------------------------------------------------ staged bindings

    def fetch_blobs(self, refs: list[tuple[str, int]]) -> dict[str, memoryview]:
        """The binding data the client staged (GET /blobs/<id> of the notify URL), each in a
        64-byte aligned, read-only buffer of its own; raises OSError or ValueError. Sent again
        on a new connection, with back-off, while the client's server refuses or drops it."""
        if not self._url:
            raise ValueError("staged binding data needs a notify URL to fetch it from")
        fetched: dict[str, memoryview] = {}
        failures = 0
        while True:
            try:
                with socket.create_connection((self._host, self._port), timeout=60) as sock:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    answers = sock.makefile("rb")
                    for blob_id, size in refs:
                        if blob_id not in fetched:
                            fetched[blob_id] = self._fetch_blob(sock, answers, blob_id, size)
                return fetched
            except (OSError, http.client.HTTPException, _Refused) as exc:
                failures += 1
                if failures >= len(RETRY_DELAYS):
                    raise OSError(f"{exc!r}") from None
                time.sleep(RETRY_DELAYS[failures])

    def _fetch_blob(self, sock: socket.socket, answers: Any, blob_id: str, size: int) -> memoryview:
        path = urllib.parse.quote(blob_id, safe="")
        sock.sendall(
            f"GET {self._base}/blobs/{path} HTTP/1.1\r\nHost: {self._host_header}\r\n"
            f"Authorization: Bearer {self._token}\r\n\r\n".encode("latin-1")
        )
        status, length = _read_head(answers)
        if status in RETRYABLE:
            raise _Refused(status)
        if status != 200:
            raise ValueError(f"the client answered {status} for blob {blob_id!r}")
        if length != size:
            raise ValueError(f"blob {blob_id!r} has {length} bytes, not the {size} announced")
        body, target = codec.aligned_buffer(size)
        got = 0
        while got < size:
            n = answers.readinto(target[got:])
            if not n:
                raise http.client.IncompleteRead(b"")
            got += n
        body.flags.writeable = False
        return target.toreadonly()

    def fetches(self, binary: bool, nbytes: int) -> bool:
        """Whether a result with this much binary data goes to the notify URL as an
        announcement for the client to download."""
        return bool(self._url and self._fetch_over and binary and nbytes >= self._fetch_over)

    def _announced(self, message: Message) -> bool:
        return message.path == NOTIFY and self.fetches(message.binary, message.nbytes)

    def _announce(self, message: Message) -> Any:
        """The item that goes to the notify URL for a result: the result itself, or an
        announcement for the client to fetch it when it carries fetch_over bytes or more."""
        if not self._announced(message):
            return message.item
        parts = codec.dumps_parts(message.item)
        with self._lock:
            self._fetchable[message.seq] = parts
        size = sum(len(part) for part in parts)
        item = message.item
        return {
            "id": item["id"],
            "fetch": {"seq": message.seq, "bytes": size},
            "seconds": item["seconds"],
        }

    # ------------------------------------------------------------ sender thread

    def _write_direct(self, message: Message) -> None:
        """Writes one message from the posting thread, which holds ``_write_lock``."""
        try:
            try:
                request = self._request([message])
            except Exception as exc:  # noqa: BLE001 - a bad message must not stop the poster
                self._log(f"could not send a notification to {message.path}: {exc!r}")
                return
            if sum(len(part) for part in request[1]) > DIRECT_MAX_BYTES:
                # A large body goes from the sender thread, so that the poster does not wait
                # for it to be read; later posts were queued behind it.
                with self._lock:
                    self._queue.appendleft(message)
                    self._work.notify()
                return
            with self._lock:
                # The sender thread reads the answer within ANSWER_DELAY; it is woken only
                # when it has nothing else to read, as each wake-up takes the interpreter
                # from this thread for a moment.
                self._inflight.append(([message], request))
                if len(self._inflight) == 1:
                    self._work.notify()
                sock = self._sock
                self._last_request = time.monotonic()
            try:
                if sock is None:
                    raise ConnectionError("the connection has just closed")
                _write(sock, [request])
            except OSError:
                with self._lock:
                    self._broken = True
                    self._work.notify()
        finally:
            self._write_lock.release()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not (self._queue or self._inflight or self._broken):
                    idle = HEARTBEAT - (time.monotonic() - self._last_request)
                    if idle <= 0:
                        self._queue.append(_HEARTBEAT)
                        break
                    self._wait(idle)
                if not (self._queue or self._broken):
                    self._wait(ANSWER_DELAY)  # only answers to read: they can wait
                broken = self._broken
                # A proven connection pipelines: queued messages go out before answers are
                # read. A new one carries one request until it has answered.
                write = bool(self._queue) and (self._proven or not self._inflight)
                due = len(self._inflight)
            if broken:
                self._recover()
            elif write:
                self._write_queued()
            else:
                for _ in range(due):
                    if not self._read_answer():
                        break

    def _write_queued(self) -> None:
        with self._write_lock:
            with self._lock:
                if self._broken:
                    return
                batches = self._take_batches(PIPELINE_MAX_REQUESTS if self._proven else 1)
            requests = []
            for batch in batches:
                try:
                    requests.append((batch, self._request(batch)))
                except Exception as exc:  # noqa: BLE001 - the sender must outlive any bad message
                    self._log(f"could not send a notification to {batch[0].path}: {exc!r}")
            if not requests:
                return
            with self._lock:
                self._inflight.extend(requests)
                self._last_request = time.monotonic()
            try:
                sock, _ = self._connection()
                _write(sock, [request for _, request in requests])
            except OSError as exc:
                self._failed(requests[0][0][0].path, exc)
                with self._lock:
                    self._broken = True

    def _read_answer(self) -> bool:
        """Reads the answer to the oldest request in flight (this thread alone reads);
        false when the connection failed or closed."""
        try:
            status, close = _read_response(self._answers)
        except (OSError, ValueError, http.client.HTTPException, AttributeError):
            with self._lock:
                self._broken = True
            return False
        with self._lock:
            if status in RETRYABLE:
                # Refused for now (e.g. too many connections): recovery sends it again.
                self._broken = True
                return False
            batch, _ = self._inflight.popleft()
            self._delivered(batch, status)
            if close:
                self._broken = True  # recovery closes it and resends what followed
            else:
                self._proven = True
        return not close

    def _delivered(self, batch: list[Message], status: int) -> None:
        """A request of ``batch`` was answered with a final ``status``; with ``_lock`` held."""
        if self._failing:
            self._failing = False
            self._log("notifications are delivered again")
        if 200 <= status < 300:
            if batch[-1].seq > self._acked:
                self._acked = batch[-1].seq
                self._trim()
        else:
            self._log(f"notification server answered {status} to {batch[0].path}")

    def _unacknowledged(self, batch: list[Message]) -> bool:
        return batch[-1].seq > self._acked

    def _recover(self) -> None:
        """Replaces a failed connection and resends the requests it did not answer."""
        with self._write_lock:
            with self._lock:
                requests = list(self._inflight)
                self._inflight.clear()
                self._broken = False
                self._close()
            if requests:
                self._send(requests)

    def _take_batches(self, limit: int) -> list[list[Message]]:
        """The queue's head as at most ``limit`` requests: runs of one path. Messages the
        client has acknowledged meanwhile (it asked the journal for them) are skipped."""
        batches: list[list[Message]] = []
        total = 0
        while self._queue and len(batches) < limit and total < BATCH_MAX_BYTES:
            if self._queue[0] is not _HEARTBEAT and self._queue[0].seq <= self._acked:
                self._queue.popleft()
                continue
            batch = [self._queue.popleft()]
            size = batch[0].nbytes
            if batch[0].path in _BATCH_KEY and batch[0] is not _HEARTBEAT:
                while (
                    self._queue
                    and self._queue[0] is not _HEARTBEAT
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
        if batch[0] is _HEARTBEAT:
            items: list[Any] = []
            body: Any = {"events": []}
        else:
            items = [self._announce(m) for m in batch]
            first = {"seq": batch[0].seq}
            body = {**first, key: items} if key else {**first, **items[0]}
        # The messages that travel whole (not announced) decide the body's format.
        kept = [m for m, item in zip(batch, items, strict=False) if item is m.item]
        content_type = codec.MSGPACK if any(m.binary for m in kept) else codec.JSON
        if content_type == codec.MSGPACK and sum(m.nbytes for m in kept) >= LARGE_BODY:
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
        """Sends the requests in order on a new connection (with ``_write_lock`` held), until
        each is answered or acknowledged otherwise: a refusal (5xx, 408, 429) or a failed
        connection is retried with back-off, for as long as it takes. Heartbeats are not
        retried.

        On a connection that has answered a request and stayed open, the requests are
        pipelined: all written, then all answers read.
        """
        pending = deque(requests)
        failures = 0
        while True:
            with self._lock:
                pending = deque(
                    r for r in pending if r[0][0] is not _HEARTBEAT and self._unacknowledged(r[0])
                )
            if not pending:
                return
            delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
            if delay:
                time.sleep(delay)
            try:
                while pending:
                    sock, answers = self._connection()
                    window = list(pending) if self._proven else [pending[0]]
                    with self._lock:
                        self._last_request = time.monotonic()
                    _write(sock, [request for _, request in window])
                    for batch, _ in window:
                        status, close = _read_response(answers)
                        if status in RETRYABLE:
                            raise _Refused(status)
                        pending.popleft()
                        failures = 0
                        with self._lock:
                            self._delivered(batch, status)
                        if close:
                            self._close()
                            break
                        self._proven = True
            except (OSError, ValueError, http.client.HTTPException, _Refused) as exc:
                self._close()
                failures += 1
                self._failed(pending[0][0][0].path, exc)

    def _failed(self, path: str, exc: Exception) -> None:
        """Says once, until a delivery succeeds again, that the notify URL does not answer;
        also when the client then catches up from the journal and nothing is left to resend."""
        with self._lock:
            report = not self._failing
            self._failing = True
        if report:
            self._log(
                f"cannot deliver notifications to {path} ({exc!r}); "
                "retrying until the client answers (they stay in the journal)"
            )

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


class _Refused(Exception):
    """The notification server refused a request for now (its status is retryable)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")


def _write(sock: socket.socket, requests: list[tuple[bytes, list[Any]]]) -> None:
    """Writes requests back to back: small buffers joined, large ones without a copy."""
    codec.send_parts(sock, [piece for head, body in requests for piece in (head, *body)])


def _read_head(answers: Any) -> tuple[int, int]:
    """Reads a response head; returns its status and Content-Length (its body is not read)."""
    line = answers.readline(65537)
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise http.client.BadStatusLine(repr(line))
    length = 0
    for _ in range(100):
        header = answers.readline(65537)
        if header in (b"\r\n", b"\n", b""):
            return int(parts[1]), length
        name, _, value = header.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    raise http.client.HTTPException("too many header lines")


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
