# SPDX-License-Identifier: GPL-3.0-or-later
"""The part of the notification journal that does not fit in memory, on disk.

Messages that leave the in-memory journal before the client has acknowledged them are appended
to segment files in a directory of their own: each record is a 4-byte big-endian length and the
MessagePack of ``{"seq", "path", "body"}`` (the message as ``GET /notifications`` gives it). A
segment is deleted once every message in it is acknowledged; when the files would exceed their
cap, the oldest segment goes, and its messages are counted as missed by whoever asks for them.
The files live as long as the worker: it removes the directory when it exits.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any

from . import codec

SEGMENT_BYTES = 64 * 1024 * 1024  # a new segment starts beyond this size
_LENGTH = 4


@dataclass
class _Segment:
    path: str
    first: int  # seq of its first record
    last: int = 0  # seq of its last record
    size: int = 0
    offsets: list[int] = field(default_factory=list)  # where each record starts, by seq - first


class DiskJournal:
    """Append-only segments of spilled messages, oldest first; not thread-safe (the notifier
    calls it with its lock held)."""

    def __init__(self, directory: str, max_bytes: int, segment_bytes: int = SEGMENT_BYTES) -> None:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self._directory = directory
        self._max_bytes = max_bytes
        self._segment_bytes = segment_bytes
        self._segments: list[_Segment] = []
        self._file: Any = None  # the newest segment, open for appending
        self.bytes = 0
        self.dropped_through = 0  # every seq up to this one was dropped for space

    @property
    def first(self) -> int | None:
        """The seq of the oldest message held, None when empty."""
        return self._segments[0].first if self._segments else None

    @property
    def last(self) -> int:
        return self._segments[-1].last if self._segments else 0

    def __len__(self) -> int:
        return sum(s.last - s.first + 1 for s in self._segments)

    def append(self, seq: int, path: str, body: Any) -> None:
        """Writes one message; its seq must follow the last one's. Raises OSError when the
        disk refuses (the caller forgets the message and says so)."""
        record = codec.dumps({"seq": seq, "path": path, "body": body}, codec.MSGPACK)
        size = _LENGTH + len(record)
        segment = self._segments[-1] if self._segments else None
        if (
            segment is None
            or seq != segment.last + 1
            or (segment.size and segment.size + size > self._segment_bytes)
        ):
            segment = self._start(seq)
        self._file.write(len(record).to_bytes(_LENGTH, "big"))
        self._file.write(record)
        self._file.flush()
        segment.offsets.append(segment.size)
        segment.size += size
        segment.last = seq
        self.bytes += size
        while self.bytes > self._max_bytes and len(self._segments) > 1:
            self._drop(self._segments[0])
            self.dropped_through = max(self.dropped_through, self._segments[0].first - 1)

    def _start(self, seq: int) -> _Segment:
        if self._file is not None:
            self._file.close()
        path = os.path.join(self._directory, f"{seq:020d}.journal")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file = os.fdopen(fd, "wb")
        segment = _Segment(path, seq)
        self._segments.append(segment)
        return segment

    def _drop(self, segment: _Segment) -> None:
        self._segments.remove(segment)
        self.bytes -= segment.size
        if self._segments == [] and self._file is not None:
            self._file.close()
            self._file = None
        with contextlib.suppress(OSError):
            os.unlink(segment.path)

    def forget_through(self, seq: int) -> None:
        """Deletes the segments whose messages are all acknowledged (seq at most ``seq``)."""
        while self._segments and self._segments[0].last <= seq:
            self._drop(self._segments[0])

    def read(self, after: int, max_messages: int, max_bytes: int) -> list[Any]:
        """The messages after ``after`` as wire trees, oldest first: at most ``max_messages``,
        and no more once ``max_bytes`` of records are read (at least one is)."""
        found: list[Any] = []
        total = 0
        for segment in self._segments:
            if segment.last <= after:
                continue
            index = max(0, after + 1 - segment.first)
            with open(segment.path, "rb") as file:
                file.seek(segment.offsets[index])
                for _ in range(index, len(segment.offsets)):
                    length = int.from_bytes(file.read(_LENGTH), "big")
                    record = file.read(length)
                    found.append(codec.loads(record, codec.MSGPACK))
                    total += _LENGTH + length
                    if len(found) >= max_messages or total >= max_bytes:
                        return found
        return found

    def close(self) -> None:
        """Deletes every segment."""
        for segment in list(self._segments):
            self._drop(segment)
