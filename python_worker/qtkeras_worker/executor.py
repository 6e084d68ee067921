# SPDX-License-Identifier: GPL-3.0-or-later
"""The FIFO queue and the executor that runs it on the main thread.

HTTP threads append to the queue and make decisions; the main thread takes one item at a
time and runs it in the user scope. A failed command pauses the queue until a decision
arrives (ignore, replace, drop). Interrupts are delivered as SIGINT to the main thread and
only ever raise KeyboardInterrupt inside the command they were meant for.
"""

from __future__ import annotations

import ast
import linecache
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import codec, hardware
from .notifier import EVENTS, NOTIFY, NOTIFY_ERROR, Notifier
from .output import EmptyInput, OutputRouter
from .scope import Scope, type_name

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

# A result whose message would be larger than this comes back as a ref, unless the client
# downloads it: the client's notification server refuses bodies over 256 MiB, and a refused
# result would never arrive.
MAX_RESULT_BYTES = 192 * 1024 * 1024
# MessagePack holds at most 4 GiB - 1 in one binary value: a result with more binary data
# comes back as a ref rather than fail to encode after the command succeeded.
MAX_RESULT_PAYLOAD = 2**32 - 1  # cli.MAX_MESSAGE_BINARY
# How long a command runs before its `started` event is posted: one that ends sooner reports
# only its result (docs/PROTOCOL.md). Anything it prints or reports before then posts it first.
STARTED_DELAY = 0.02
# How many accepted command ids (and decisions) are remembered, so that a request sent again
# after its connection failed is answered as the first time instead of being applied twice.
REMEMBERED = 100_000


@dataclass(eq=False)
class Command:
    id: str
    code: str
    bindings: dict[str, Any] = field(default_factory=dict)  # wire trees
    lifetime: str = "eternal"
    result: str = "value"
    # The bindings decoded at acceptance, unless they hold refs (resolved when run).
    decoded: dict[str, Any] | None = None
    # Binding data the client staged and the worker fetched (docs/PROTOCOL.md, "blob").
    blobs: dict[str, memoryview] | None = None

    @property
    def filename(self) -> str:
        return f"<command {self.id}>"


@dataclass(eq=False)
class Release:
    names: list[str]


class Conflict(Exception):
    """The request contradicts the queue's state (HTTP 409)."""


class Executor:
    def __init__(
        self,
        scope: Scope,
        notifier: Notifier,
        router: OutputRouter,
        log: Callable[[str], None],
        max_result_payload: int = MAX_RESULT_PAYLOAD,
    ) -> None:
        self.scope = scope
        self._max_result_payload = max_result_payload
        self._notifier = notifier
        self._router = router
        self._log = log
        self._stdin = EmptyInput()
        self._cond = threading.Condition()
        self._queue: deque[Command | Release] = deque()
        self._queued_commands = 0
        self._ids: set[str] = set()  # queued, running or paused on
        # Recently accepted command ids -> their acceptance, and recent decisions -> answers.
        self._accepted: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._decided: OrderedDict[str, tuple[str, list[str]]] = OrderedDict()
        self._running: Command | None = None
        self._paused_on: Command | None = None
        self._stop_for: Command | None = None
        # Touched by the main thread and its SIGINT handler only (and set by /interrupt).
        self._interrupt_target: Command | None = None
        self._in_user = False
        self._main_ident: int | None = None

    # ------------------------------------------------------------ HTTP side

    def submit(
        self, commands: list[Command], release: list[str], wake: bool = True
    ) -> dict[str, Any]:
        """Appends ``commands`` and then ``release`` to the queue, all or nothing (a command sent
        before a name was released may still use it); without
        ``wake``, the main thread takes them once ``wake`` is called. A batch whose commands
        were all accepted before (a request sent again) is answered as then, and not queued
        again."""
        with self._cond:
            if commands and all(c.id in self._accepted for c in commands):
                return {
                    "accepted": [self._accepted[c.id] for c in commands],
                    "queued": self._queued_commands,
                    "repeated": True,
                }
            seen: set[str] = set()
            for command in commands:
                if command.id in self._ids or command.id in seen:
                    raise Conflict(f"command id {command.id!r} is already queued or running")
                seen.add(command.id)
            accepted = []
            for command in commands:
                entry = {"id": command.id, "position": self._queued_commands}
                accepted.append(entry)
                _remember(self._accepted, command.id, entry)
                self._queue.append(command)
                self._queued_commands += 1
                self._ids.add(command.id)
            if release:
                self._queue.append(Release(list(release)))
            if wake:
                self._cond.notify_all()
            return {"accepted": accepted, "queued": self._queued_commands}

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def delete_later(self, names: list[str]) -> int:
        """Deletes ``names`` after the commands queued before it; returns how many commands
        run before it. With nothing queued, running or paused on, its turn is now: the names
        are gone before the answer, so a listing asked for next does not show them."""
        with self._cond:
            if self._running is None and self._paused_on is None and not self._queue:
                self.scope.delete(names)
                return 0
            self._queue.append(Release(list(names)))
            self._cond.notify_all()
            return self._queued_commands

    def decide(self, command_id: str, decision: str, replacement: Command | None) -> list[str]:
        """Resumes the paused queue; returns the ids of the dropped commands. The same
        decision about the same command again (a request sent again) has the same answer."""
        with self._cond:
            paused = self._paused_on
            earlier = self._decided.get(command_id)
            repeated = earlier is not None and earlier[0] == decision
            if (paused is None or paused.id != command_id) and earlier and repeated:
                return list(earlier[1])
            if paused is None or paused.id != command_id:
                where = f"paused on {paused.id!r}" if paused else "not paused"
                raise Conflict(f"the queue is {where}, not on {command_id!r}")
            dropped: list[str] = []
            if decision == "ignore":
                self._ids.discard(paused.id)
                self._notifier.event("settled", id=paused.id, state="ignored")
            elif decision == "replace":
                assert replacement is not None
                replacement.lifetime = replacement.lifetime or paused.lifetime
                replacement.result = replacement.result or paused.result
                self._notifier.event("settled", id=paused.id, state="replaced")
                self._queue.appendleft(replacement)
                self._queued_commands += 1
            else:
                self._ids.discard(paused.id)
                kept: deque[Command | Release] = deque()
                for item in self._queue:
                    if isinstance(item, Command):
                        dropped.append(item.id)
                        self._ids.discard(item.id)
                        self._notifier.event("settled", id=item.id, state="dropped")
                    else:
                        kept.append(item)
                self._queue = kept
                self._queued_commands = 0
            self._paused_on = None
            _remember(self._decided, command_id, (decision, dropped))
            self._cond.notify_all()
            return dropped

    def interrupt(self, command_id: str | None) -> str | None:
        """Interrupts the running command (if it is ``command_id``, when given)."""
        with self._cond:
            running = self._running
            if running is None or (command_id is not None and running.id != command_id):
                return None
            self._interrupt_target = running
            assert self._main_ident is not None  # a command runs only under run_forever
            signal.pthread_kill(self._main_ident, signal.SIGINT)
            return running.id

    def stop_training(self) -> bool:
        """Asks the progress callbacks of the running command to stop training."""
        with self._cond:
            self._stop_for = self._running
            return self._running is not None

    def stop_requested(self, command: Command) -> bool:
        return self._stop_for is command

    @property
    def running_command(self) -> Command | None:
        return self._running

    def status(self) -> dict[str, Any]:
        with self._cond:
            running, paused = self._running, self._paused_on
            return {
                "state": "running" if running else ("paused" if paused else "idle"),
                "running": running.id if running else None,
                "paused_on": paused.id if paused else None,
                "queued": [item.id for item in self._queue if isinstance(item, Command)],
            }

    # ------------------------------------------------------------ main thread

    def run_forever(self) -> None:
        self._main_ident = threading.get_ident()
        while True:
            try:
                signal.signal(signal.SIGINT, self._on_sigint)
                item = self._take()
                if isinstance(item, Release):
                    self.scope.delete(item.names)
                else:
                    self._run(item)
            except BaseException as exc:  # noqa: BLE001 - the loop outlives everything
                self._in_user = False
                if not isinstance(exc, KeyboardInterrupt):
                    self._log(f"executor error: {exc!r}")

    def _on_sigint(self, signum: int, frame: Any) -> None:
        target, self._interrupt_target = self._interrupt_target, None
        if not self._in_user:
            return  # landed after the command finished: swallowed
        if target is not None and target is not self._running:
            return  # meant for an earlier command
        raise KeyboardInterrupt

    def _take(self) -> Command | Release:
        with self._cond:
            while self._paused_on is not None or not self._queue:
                self._cond.wait()
            item = self._queue.popleft()
            if isinstance(item, Command):
                self._queued_commands -= 1
                self._running = item
            return item

    def _run(self, command: Command) -> None:
        self._router.begin(command.id)
        self._notifier.defer(EVENTS, {"kind": "started", "id": command.id}, STARTED_DELAY)
        sys.stdin = self._stdin
        start = time.perf_counter()
        names: list[str] = []
        outcome: tuple[Any, bool, int] = (None, False, 0)
        error: BaseException | None = None
        try:
            try:
                self._in_user = True
                values = command.decoded
                if values is None:
                    decoder = codec.Decoder(self.scope.lookup, command.blobs)
                    values = {name: decoder.decode(tree) for name, tree in command.bindings.items()}
                names = list(values)
                self.scope.bind(values)
                has_value, value = self._exec(command)
                outcome = self._result(command, has_value, value)
            finally:
                self._in_user = False
        except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too
            self._in_user = False
            error = exc
        if command.lifetime == "command":
            self.scope.delete(names)
        seconds = time.perf_counter() - start
        self._router.end()
        if error is None:
            with self._cond:
                self._running = None
                self._ids.discard(command.id)
            value, binary, nbytes = outcome
            item = {"id": command.id, "value": value, "seconds": seconds}
            # Written at once while nothing waits behind this command; with a backlog, the
            # sender thread coalesces the results into fewer requests instead.
            direct = not self._queue
            self._notifier.post(
                NOTIFY, item, binary=binary, nbytes=nbytes, direct=direct, supersede=True
            )
            return
        report = error_report(error, command)
        error = None  # the traceback holds frames; let them go
        with self._cond:
            self._running = None
            self._paused_on = command
            queued = self._queued_commands
            self._notifier.post(
                NOTIFY_ERROR, {"id": command.id, "error": report, "queued": queued}, direct=True
            )

    def _exec(self, command: Command) -> tuple[bool, Any]:
        """Runs the code; returns whether it ended with an expression, and its value."""
        code, filename = command.code, command.filename
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        tree = ast.parse(code, filename, "exec")
        last = None
        tail = tree.body[-1] if tree.body else None
        if isinstance(tail, ast.Expr):
            tree.body.pop()
            last = ast.Expression(tail.value)
        namespace = self.scope.namespace
        if tree.body:  # code that is one expression (the common case) is compiled once
            exec(compile(tree, filename, "exec", dont_inherit=True), namespace)
        if last is None:
            return False, None
        return True, eval(compile(last, filename, "eval", dont_inherit=True), namespace)

    def _result(self, command: Command, has_value: bool, value: Any) -> tuple[Any, bool, int]:
        """The wire form of the result: (tree, holds binary data, payload bytes)."""
        if command.result == "none" or not has_value:
            return None, False, 0
        if command.result == "value":
            # Binary data beyond what the result may carry makes it a ref before any of it is
            # copied: posted results are capped by the client's body size, downloaded ones by
            # what one MessagePack message holds.
            limit = self._max_result_payload
            if not self._notifier.fetches(True, MAX_RESULT_BYTES):
                limit = min(limit, MAX_RESULT_BYTES)
            encoder = codec.Encoder(max_nbytes=limit)
            try:
                tree = encoder.encode(value)
                if (
                    self._notifier.fetches(encoder.binary, encoder.nbytes)
                    or _wire_size(tree, MAX_RESULT_BYTES) <= MAX_RESULT_BYTES
                ):
                    return tree, encoder.binary, encoder.nbytes
            except codec.NotPlainData:
                pass
            tree = None
        return {codec.TAG: "ref", **self.scope.store(value)}, False, 0


def _wire_size(tree: Any, limit: int) -> int:
    """About how many bytes ``tree`` takes in a message; counting stops past ``limit``."""
    size = 0
    stack = [tree]
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            size += len(item) + 2
        elif isinstance(item, dict):
            size += 2
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            size += 2
            stack.extend(item)
        else:
            size += 24  # a number as JSON text, at most
    return size


# ---------------------------------------------------------------- error reports


# Terminal escape sequences: CSI (colours, bold), OSC and other strings, and two-byte escapes.
# Keras writes some messages for a terminal (bold); a report is plain text.
_TERMINAL_CODES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)|[ -/]*[0-~])"
)


def plain_text(text: str) -> str:
    """``text`` without terminal escape sequences."""
    return _TERMINAL_CODES.sub("", text) if "\x1b" in text else text


def error_report(exc: BaseException, command: Command) -> dict[str, Any]:
    """type, message, traceback (without the worker's frames), lineno, line and code; the
    texts without terminal escape sequences."""
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001 - a user __str__ may raise anything
        message = f"<{type_name(exc)} (str() failed)>"
    message = hardware.explain(exc) or message
    try:
        details = traceback.TracebackException.from_exception(exc)
        _strip_worker_frames(details, set())
        text = "".join(details.format())
    except BaseException as failure:  # noqa: BLE001
        text = f"{type_name(exc)}: {message}\n(traceback unavailable: {failure!r})\n"
    lineno, line = _failing_line(exc, command)
    return {
        "type": type_name(exc),
        "message": plain_text(message),
        "traceback": plain_text(text),
        "lineno": lineno,
        "line": line,
        "code": command.code,
    }


def _strip_worker_frames(details: traceback.TracebackException, seen: set[int]) -> None:
    if id(details) in seen:
        return
    seen.add(id(details))
    frames = [f for f in details.stack if not f.filename.startswith(_PACKAGE_DIR)]
    details.stack = traceback.StackSummary.from_list(frames)
    for other in (
        details.__cause__,
        details.__context__,
        *(getattr(details, "exceptions", None) or ()),
    ):
        if other is not None:
            _strip_worker_frames(other, seen)


def _failing_line(exc: BaseException, command: Command) -> tuple[int | None, str | None]:
    lines = command.code.splitlines()
    lineno = None
    if isinstance(exc, SyntaxError) and exc.filename == command.filename:
        lineno = exc.lineno
    else:
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == command.filename:
                lineno = tb.tb_lineno
            tb = tb.tb_next
    if lineno is None or not 1 <= lineno <= len(lines):
        return lineno, None
    return lineno, lines[lineno - 1].strip()


def _remember(memory: OrderedDict[str, Any], key: str, value: Any) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > REMEMBERED:
        memory.popitem(last=False)
