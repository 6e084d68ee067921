# SPDX-License-Identifier: GPL-3.0-or-later
"""Capture of sys.stdout and sys.stderr: text written while a command runs becomes ``output``
events (coalesced in chunks, capped per command); other text goes to the real stderr."""

from __future__ import annotations

import io
import threading
import time
from typing import TextIO

from .notifier import Notifier

FLUSH_DELAY = 0.05  # seconds a chunk may wait for more text
CHUNK_BYTES = 64 * 1024  # a chunk this large is sent at once


class OutputRouter:
    def __init__(self, notifier: Notifier, real_stderr: TextIO, cap: int) -> None:
        self._notifier = notifier
        self._real_stderr = real_stderr
        self._cap = cap
        self._lock = threading.Lock()
        self._command_id: str | None = None
        self._pending: list[tuple[str, str]] = []
        self._pending_bytes = 0
        self._used = 0
        self._truncated = False
        self._wake = threading.Event()
        notifier.add_hook(self.flush)
        threading.Thread(target=self._run, name="qtkeras-output", daemon=True).start()

    def begin(self, command_id: str) -> None:
        """Attributes output to ``command_id`` from now on, with a fresh cap."""
        with self._lock:
            self._flush_locked()
            self._command_id = command_id
            self._used = 0
            self._truncated = False

    def end(self) -> None:
        """Sends what the command wrote; later output goes to the real stderr."""
        with self._lock:
            self._flush_locked()
            self._command_id = None

    def write(self, stream: str, text: str) -> None:
        with self._lock:
            if self._command_id is None:
                self._real_stderr.write(text)
                self._real_stderr.flush()
                return
            if self._truncated or not text:
                return
            room = self._cap - self._used
            # Every character takes at least one byte: a text longer than the room is only
            # encoded as far as the room goes (a huge print is not copied).
            data = text[: room + 1].encode("utf-8", "surrogatepass")
            if len(data) > room:
                self._append(stream, data[:room].decode("utf-8", "ignore"), room)
                self._truncated = True
                self._flush_locked()
                self._notifier.event(
                    "output", hooks=False, id=self._command_id, stream=stream, truncated=True
                )
                return
            self._append(stream, text, len(data))
            if self._pending_bytes >= CHUNK_BYTES:
                self._flush_locked()
            else:
                self._wake.set()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _append(self, stream: str, text: str, size: int) -> None:
        self._used += size
        self._pending_bytes += size
        if self._pending and self._pending[-1][0] == stream:
            self._pending[-1] = (stream, self._pending[-1][1] + text)
        else:
            self._pending.append((stream, text))

    def _flush_locked(self) -> None:
        pending, self._pending, self._pending_bytes = self._pending, [], 0
        for stream, text in pending:
            # Lone surrogates cannot travel as UTF-8.
            text = text.encode("utf-8", "replace").decode("utf-8")
            self._notifier.event(
                "output", hooks=False, id=self._command_id, stream=stream, text=text
            )

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            time.sleep(FLUSH_DELAY)
            self.flush()


class CaptureStream(io.TextIOBase):
    """A text stream that hands everything written to the router under ``name``."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, router: OutputRouter, name: str, fd: int) -> None:
        super().__init__()
        self._router = router
        self._name = name
        self._fd = fd

    @property
    def name(self) -> str:
        return f"<{self._name}>"

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._router.write(self._name, text)
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        # Both descriptors lead to the real stderr; stdout is reserved for the ready line.
        return self._fd

    def flush(self) -> None:
        pass

    def close(self) -> None:
        # The worker's streams outlive any attempt of user code to close them.
        pass


class EmptyInput(io.StringIO):
    """sys.stdin for user code: always at end of file, and closing it does nothing."""

    def close(self) -> None:
        pass
