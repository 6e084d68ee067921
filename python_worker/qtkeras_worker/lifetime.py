# SPDX-License-Identifier: GPL-3.0-or-later
"""How long the worker lives: until its standard input closes, or, with a lease, for as long
as a client keeps talking to it.

Standard input is the worker's tie to whoever started it (the IDE, or the SSH connection it was
started through). A line ``stop`` on it ends the worker at once. Without a lease, end of file
ends it too, so it never outlives the IDE. With a lease, end of file (a dropped SSH connection)
detaches it: its output goes to its run directory's log, and it ends once no authenticated
request has come for the lease's seconds; a client that re-attaches through a new tunnel keeps
it alive with its requests. ``POST /shutdown`` ends it from a client too.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

INFO = "info.json"
LOG = "worker.log"
LEASE_POLL = 0.5  # seconds between looks at the lease


class Lifetime:
    def __init__(
        self,
        lease: float,
        run_dir: str | None,
        idle_for: Callable[[], float],
        log: Callable[[str], None],
        stderr_fds: list[int],
    ) -> None:
        self.lease = lease
        self.run_dir = run_dir
        self._idle_for = idle_for
        self._log = log
        self._stderr_fds = stderr_fds  # descriptors that go to the log once detached
        self._ended = threading.Lock()
        self.detached = threading.Event()

    def info(self) -> dict[str, Any]:
        """What GET /health says about the worker's life."""
        return {
            "run": os.path.basename(self.run_dir) if self.run_dir else None,
            "lease": self.lease,
            "attached": not self.detached.is_set(),
        }

    def write_info(self, ready: dict[str, Any]) -> None:
        """Writes the ready line and the worker's life to the run directory's info.json, for
        listing and re-attaching (mode 0600, replaced whole)."""
        if not self.run_dir:
            return
        info = {
            **ready,
            **self.info(),
            "hostname": socket.gethostname(),
            "started": time.time(),
        }
        path = os.path.join(self.run_dir, INFO)
        temporary = path + ".new"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(info, file)
        os.replace(temporary, path)

    def watch(self, fd: int) -> None:
        """Follows standard input (on a thread of its own): ``stop`` ends the worker; end of
        file ends it, or detaches it when it has a lease."""
        pending = b""
        try:
            while True:
                data = os.read(fd, 65536)
                if not data:
                    break
                pending += data
                lines = pending.split(b"\n")
                pending = lines.pop()[-64:]
                if any(line.strip() == b"stop" for line in lines):
                    self.end("asked to stop")
        except OSError:
            pass
        if self.lease <= 0:
            self.end(None)
        self.detach()

    def detach(self) -> None:
        """Standard input closed: output goes to the log, and the lease runs."""
        if self.detached.is_set():
            return
        self.detached.set()
        target = os.path.join(self.run_dir, LOG) if self.run_dir else os.devnull
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError:
            fd = os.open(os.devnull, os.O_WRONLY)
        for stderr_fd in self._stderr_fds:
            with contextlib.suppress(OSError):
                os.dup2(fd, stderr_fd)
        os.close(fd)
        self._log(
            f"standard input closed; running on for as long as a client makes a request "
            f"within {self.lease:g} s"
        )
        threading.Thread(target=self._keep_lease, name="qtkeras-lease", daemon=True).start()

    def _keep_lease(self) -> None:
        while True:
            time.sleep(LEASE_POLL)
            idle = self._idle_for()
            if idle > self.lease:
                self.end(f"no client for {idle:.0f} s: the lease of {self.lease:g} s ended")

    def end(self, reason: str | None) -> None:
        """Ends the worker with its process group (processes user code started), after
        removing its run directory."""
        if not self._ended.acquire(blocking=False):
            return
        if reason:
            self._log(f"exiting: {reason}")
        if self.run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        try:
            if os.getpgid(0) == os.getpid():
                os.killpg(0, signal.SIGKILL)
        except OSError:
            pass
        os._exit(0)
