# SPDX-License-Identifier: GPL-3.0-or-later
"""The worker's HTTP server: standard library, threaded, keep-alive, Nagle off.

Every request is checked before any byte of its body is read, in the order of
docs/PROTOCOL.md; a refused request is answered with ``Connection: close`` and nothing runs.
Each response goes out in one write.
"""

from __future__ import annotations

import contextlib
import hmac
import io
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import codec, protocol

# Connections that have not yet sent a request with the token: at the cap, a new one takes
# the place of the one that has waited longest. Connections that did authenticate count apart
# and are never given up for a newcomer, so a flood of slow connections cannot take the
# client's connections, nor keep it from opening a new one.
MAX_CONNECTIONS = 64
MAX_AUTHENTICATED = 64
MAX_HEADER_LINE = 65536  # bytes of one header line (http.client's limits)
MAX_HEADERS = 100
IDLE_TIMEOUT = 60.0  # seconds a keep-alive connection may wait for its next request
HEADER_DEADLINE = 10.0  # seconds from a request's first byte to the end of its headers
DEFAULT_MAX_BODY = 2 * 1024**3


class WorkerServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # A listen backlog beyond the connection cap: under a flood of connections the excess is
    # accepted and closed at once, instead of overflowing the backlog and leaving every new
    # client (the IDE's too) to retry its SYN for seconds.
    request_queue_size = 1024

    def __init__(
        self,
        host: str,
        port: int,
        services: protocol.Services,
        token: str,
        max_body: int,
        log: Callable[[str], None],
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.services = services
        self.token = token.encode("utf-8")
        self.max_body = max_body
        self.log = log
        self._lock = threading.Lock()
        self._unauthenticated: OrderedDict[Any, None] = OrderedDict()  # sockets, oldest first
        self._authenticated: set[Any] = set()
        self._deadlines: dict[RequestHandler, float] = {}
        super().__init__((host, port), RequestHandler)
        literal = f"[{host}]" if ":" in host else host
        # The names a Host header may give. Any port goes with them: a client reaches the
        # worker through an SSH tunnel from a port of its own, and names its end. A browser
        # tricked by DNS rebinding names the attacker's host, which is not among them.
        self.allowed_hosts = {"127.0.0.1", "localhost", "[::1]", literal.lower()}
        self.touched = time.monotonic()  # when an authenticated request last ended
        self.active = 0  # authenticated requests being handled now
        threading.Thread(target=self._reap, name="qtkeras-http-reaper", daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def server_bind(self) -> None:
        # Skips HTTPServer.server_bind's reverse DNS lookup (socket.getfqdn).
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        evicted = None
        with self._lock:
            if len(self._unauthenticated) >= MAX_CONNECTIONS:
                evicted, _ = self._unauthenticated.popitem(last=False)
            self._unauthenticated[request] = None
        if evicted is not None:
            with contextlib.suppress(OSError):
                evicted.shutdown(socket.SHUT_RDWR)  # its thread ends and closes it
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._forget(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._forget(request)

    def _forget(self, request: Any) -> None:
        with self._lock:
            self._unauthenticated.pop(request, None)
            self._authenticated.discard(request)

    def authenticated(self, request: Any) -> bool:
        """Moves a connection that sent the token out of the newcomers' reach; false when
        too many are authenticated already."""
        with self._lock:
            if request in self._authenticated:
                return True
            if len(self._authenticated) >= MAX_AUTHENTICATED:
                return False
            self._unauthenticated.pop(request, None)
            self._authenticated.add(request)
            return True

    def allows_host(self, value: str) -> bool:
        """Whether a Host header names a loopback address (or the address listened on) and a
        port: ``127.0.0.1:PORT``, ``localhost:PORT`` or ``[::1]:PORT``."""
        name, colon, port = value.strip().lower().rpartition(":")
        return (
            bool(colon)
            and name in self.allowed_hosts
            and port.isascii()
            and port.isdigit()
            and len(port) <= 5
            and 0 < int(port) < 65536
        )

    def begin_request(self) -> None:
        with self._lock:
            self.active += 1

    def end_request(self) -> None:
        with self._lock:
            self.active -= 1
            self.touched = time.monotonic()

    def idle_for(self) -> float:
        """Seconds since the last authenticated request ended; 0 while one is handled."""
        with self._lock:
            return 0.0 if self.active else time.monotonic() - self.touched

    def connection_counts(self) -> tuple[int, int]:
        """(unauthenticated, authenticated) connections now open."""
        with self._lock:
            return len(self._unauthenticated), len(self._authenticated)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            self.log(f"HTTP connection error: {exc!r}")

    # Header deadline: a new connection must send its first request head in time, and a
    # connection that started a request must finish its head in time.

    def watch(self, handler: RequestHandler, keep: bool = False) -> None:
        """Starts the handler's deadline (``keep``: unless one is running already)."""
        with self._lock:
            if keep and handler in self._deadlines:
                return
            self._deadlines[handler] = time.monotonic() + HEADER_DEADLINE

    def unwatch(self, handler: RequestHandler) -> None:
        with self._lock:
            self._deadlines.pop(handler, None)

    def _reap(self) -> None:
        while True:
            time.sleep(0.5)
            now = time.monotonic()
            with self._lock:
                late = [h for h, deadline in self._deadlines.items() if deadline < now]
                for handler in late:
                    del self._deadlines[handler]
            for handler in late:
                with contextlib.suppress(OSError):
                    handler.connection.shutdown(socket.SHUT_RDWR)


class Headers:
    """A request's header fields, in arrival order; names are compared case-insensitively
    (the part of ``email.message.Message`` that http.server and the checks use)."""

    __slots__ = ("_fields", "_index")

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields
        self._index: dict[str, list[str]] = {}
        for name, value in fields:
            self._index.setdefault(name.lower(), []).append(value)

    def get(self, name: str, default: Any = None) -> Any:
        values = self._index.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str, default: Any = None) -> Any:
        values = self._index.get(name.lower())
        return list(values) if values else default

    def __getitem__(self, name: str) -> str | None:
        value: str | None = self.get(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)


class RequestHandler(BaseHTTPRequestHandler):
    server: WorkerServer
    rfile: io.BufferedReader  # socketserver makes it buffered
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT
    server_version = "qtkeras-worker"

    def setup(self) -> None:
        super().setup()
        # A connection that never sends a byte is dropped by the header deadline too, rather
        # than holding one of the MAX_CONNECTIONS slots until the idle timeout.
        self.server.watch(self)

    def finish(self) -> None:
        self.server.unwatch(self)
        super().finish()

    def handle_one_request(self) -> None:
        try:
            if not self.rfile.peek(1):
                self.close_connection = True
                return
        except (OSError, ValueError):
            self.close_connection = True
            return
        self.server.watch(self, keep=True)
        try:
            super().handle_one_request()
        finally:
            self.server.unwatch(self)

    def parse_request(self) -> bool:
        self._expect_continue = False
        try:
            return self._parse_request()
        finally:
            self.server.unwatch(self)

    def _parse_request(self) -> bool:
        """http.server's parse_request with a lean reader of the header fields: the email
        package's parser took most of a small request's time. Folded (continued) lines and
        lines that are not ``name: value`` are refused."""
        self.command = None  # type: ignore[assignment]  # as http.server does
        self.request_version = self.default_request_version
        self.close_connection = True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if not words:
            return False
        if len(words) != 3:
            self.send_error(400, f"Bad request syntax ({self.requestline!r})")
            return False
        command, path, version = words
        numbers = version[5:].split(".") if version.startswith("HTTP/") else []
        if len(numbers) != 2 or not all(n.isdigit() and len(n) <= 10 for n in numbers):
            self.send_error(400, f"Bad request version ({version!r})")
            return False
        if int(numbers[0]) >= 2:
            self.send_error(505, f"Invalid HTTP version ({version[5:]})")
            return False
        self.close_connection = (int(numbers[0]), int(numbers[1])) < (1, 1)
        self.request_version = version
        self.command, self.path = command, path
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        fields: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(MAX_HEADER_LINE + 1)
            if len(line) > MAX_HEADER_LINE:
                self.send_error(431, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            if len(fields) >= MAX_HEADERS:
                self.send_error(431, "Too many headers")
                return False
            name, colon, value = str(line, "iso-8859-1").partition(":")
            if not colon or not name or name != name.strip() or line[:1] in (b" ", b"\t"):
                self.send_error(400, "malformed header field")
                return False
            fields.append((name, value.strip(" \t\r\n")))
        self.headers = Headers(fields)  # type: ignore[assignment]
        connection = (self.headers.get("Connection") or "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive":
            self.close_connection = False
        expect = (self.headers.get("Expect") or "").lower()
        if expect == "100-continue" and version >= "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def handle_expect_100(self) -> bool:
        # "100 Continue" is sent only once the request has passed every check.
        self._expect_continue = True
        return True

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def __getattr__(self, name: str) -> Any:
        # Any other method goes through the same checks (401, 403, then 404 or 405), rather
        # than http.server's 501 before them.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    # ------------------------------------------------------------ checks

    def _refusal(self, method: str, path: str) -> tuple[int, str, dict[str, str]] | None:
        """The first failed check of docs/PROTOCOL.md, as (status, reason, headers)."""
        headers = self.headers
        hosts = headers.get_all("Host") or []
        if len(hosts) != 1 or not self.server.allows_host(hosts[0]):
            return 403, "Host must name a loopback address and a port", {}
        for name in headers:
            lowered = name.lower()
            if lowered == "origin" or lowered.startswith("sec-fetch-"):
                return 403, "requests from browsers are refused", {}
        auth = headers.get_all("Authorization") or []
        scheme, _, credential = (auth[0] if len(auth) == 1 else "").partition(" ")
        supplied = credential.strip().encode("latin-1", "replace")
        if scheme.lower() != "bearer" or not hmac.compare_digest(supplied, self.server.token):
            return 401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"}
        if (method, path) not in protocol.ROUTES:
            allowed = protocol.PATHS.get(path)
            if allowed:
                return 405, f"{method} is not allowed on {path}", {"Allow": ", ".join(allowed)}
            return 404, f"no such endpoint: {path}", {}
        lengths = headers.get_all("Content-Length") or []
        chunked = headers.get("Transfer-Encoding") is not None
        if method != "POST":
            if chunked or any(n.strip() != "0" for n in lengths):
                return 400, f"{method} requests carry no body", {}
            return None
        has_body = chunked or not lengths or any(n.strip() != "0" for n in lengths)
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if has_body and content_type not in codec.CONTENT_TYPES:
            return 415, "Content-Type must be application/json or application/msgpack", {}
        if chunked or not lengths:
            return 411, "Content-Length is required (no chunked bodies)", {}
        if len(lengths) != 1 or not lengths[0].strip().isdigit():
            return 400, "Content-Length must be one decimal number", {}
        if int(lengths[0]) > self.server.max_body:
            return 413, f"the body exceeds {self.server.max_body} bytes", {}
        return None

    # ------------------------------------------------------------ handling

    def _handle(self) -> None:
        method = self.command
        target = urllib.parse.urlsplit(self.path)
        path = target.path
        refusal = self._refusal(method, path)
        if refusal is None and not self.server.authenticated(self.connection):
            refusal = 503, "too many connections", {}
        if refusal is not None:
            status, reason, extra = refusal
            self._reply(status, {"error": reason}, close=True, headers=extra)
            return
        self.server.begin_request()
        try:
            self._serve(method, target)
        finally:
            self.server.end_request()

    def _serve(self, method: str, target: urllib.parse.SplitResult) -> None:
        path = target.path
        body = None
        if method == "POST":
            length = int(self.headers["Content-Length"])
            if self._expect_continue and length:
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            data = codec.read_body(self.rfile, length, kind) if length else b""
            if len(data) < length:
                self.close_connection = True
                return
            if not length:
                body = {}
            else:
                content_type = self.headers["Content-Type"].split(";")[0].strip().lower()
                try:
                    body = codec.loads(data, content_type)
                except codec.DecodeError as exc:
                    self._reply(400, {"error": str(exc)})
                    return
                del data
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(target.query).items()}
        request = protocol.Request(method, path, query, body)
        status, payload = protocol.dispatch(self.server.services, request)
        after = request.after
        del request, body
        accept = (self.headers.get("Accept") or "").split(";")[0].strip().lower()
        content_type = codec.MSGPACK if accept == codec.MSGPACK else codec.JSON
        try:
            self._reply(status, payload, content_type=content_type)
        finally:
            for action in after:
                action()

    def _reply(
        self,
        status: int,
        payload: Any,
        close: bool = False,
        headers: dict[str, str] | None = None,
        content_type: str = codec.JSON,
    ) -> None:
        raw = payload if isinstance(payload, protocol.RawBody) else None
        try:
            parts = raw.parts if raw else [codec.dumps(payload, content_type)]
            content_type = raw.content_type if raw else content_type
        except Exception as exc:  # noqa: BLE001 - answer something rather than nothing
            status, content_type, raw = 500, codec.JSON, None
            parts = [codec.dumps({"error": f"could not encode the answer: {exc!r}"})]
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        lines = [
            f"HTTP/1.1 {status} {phrase}",
            f"Content-Type: {content_type}",
            f"Content-Length: {sum(len(part) for part in parts)}",
        ]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if close:
            lines.append("Connection: close")
            self.close_connection = True
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        # Large buffers (an array's memory) are written as they are, not joined.
        codec.send_parts(self.connection, [head] if self.command == "HEAD" else [head, *parts])
        if raw and raw.sent:
            raw.sent()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed requests (bad request line, oversized headers): JSON, then close.
        if not hasattr(self, "command") or self.command is None:
            self.command = ""
        self._reply(code, {"error": message or HTTPStatus(code).phrase}, close=True)

    def log_message(self, format: str, *args: Any) -> None:
        # Requests are not logged (their headers hold the token).
        pass
