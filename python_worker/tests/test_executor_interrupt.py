# SPDX-License-Identifier: GPL-3.0-or-later
"""The executor on its own: an interrupt that lands after a command was taken and reported
started, but before its code begins, stops that command (it used to be swallowed as if it
came after the command's end, so the command ran on and the client, which had been told
the command was interrupted, killed the worker after its grace period)."""

import signal
import threading
from typing import Any

from qtkeras_worker.executor import Command, Executor
from qtkeras_worker.scope import Scope


class _Notifier:
    """Records what the executor posts; interrupts a command as its `started` goes out."""

    def __init__(self) -> None:
        self.executor: Executor | None = None
        self.interrupt_on_start: str | None = None
        self.interrupted: str | None = None
        self.posts: list[tuple[str, dict[str, Any]]] = []

    def event(self, kind: str, **fields: Any) -> None:
        if kind == "started" and fields["id"] == self.interrupt_on_start:
            assert self.executor is not None
            self.interrupted = self.executor.interrupt(fields["id"])

    def post(self, path: str, item: dict[str, Any], **_: Any) -> None:
        self.posts.append((path, item))

    def fetches(self, binary: bool, nbytes: int) -> bool:
        return False  # every result travels in its notification


class _Router:
    def begin(self, command_id: str) -> None:
        pass

    def end(self) -> None:
        pass


def _run_one(executor: Executor, command: Command) -> None:
    executor.submit([command], [])
    taken = executor._take()
    assert taken is command
    executor._run(command)


def test_an_interrupt_as_a_command_starts_stops_that_command() -> None:
    notifier = _Notifier()
    executor = Executor(Scope(), notifier, _Router(), log=lambda _: None)  # type: ignore[arg-type]
    notifier.executor = executor
    previous = signal.getsignal(signal.SIGINT)
    executor._main_ident = threading.get_ident()
    signal.signal(signal.SIGINT, executor._on_sigint)
    try:
        notifier.interrupt_on_start = "long"
        # Five seconds of work, unless the interrupt stops it.
        _run_one(
            executor, Command("long", "import time\nfor _ in range(500):\n    time.sleep(0.01)")
        )
        assert notifier.interrupted == "long"
        _, item = notifier.posts[-1]
        assert item["id"] == "long"
        assert item["error"]["type"] == "KeyboardInterrupt", item
        executor.decide("long", "ignore", None)
        # The interrupt was used up: the next command runs to its end.
        _run_one(executor, Command("next", "'unharmed'"))
        assert notifier.posts[-1][1]["value"] == "unharmed"
    finally:
        signal.signal(signal.SIGINT, previous)
