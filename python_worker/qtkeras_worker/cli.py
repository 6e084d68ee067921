# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line and start-up of the worker."""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import platform
import signal
import stat
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from . import hardware

MIN_TOKEN_LENGTH = 32
MAX_MESSAGE_BINARY = 2**32 - 1  # what one MessagePack bin holds
BACKENDS = ("jax", "tensorflow", "torch")

DESCRIPTION = """\
The QtKeras worker: runs Python commands sent over HTTP (docs/PROTOCOL.md) in one shared
scope, with Keras on the chosen backend, and posts results and events to a notify URL."""

EPILOG = """\
token:
  Every request must carry "Authorization: Bearer <token>". The token (at least 32
  characters) is read from --token-file (a file that only its owner may access), else from
  the QTKERAS_TOKEN environment variable, else from the first line of standard input. It is
  never taken from the command line. The variable is removed from the worker's os.environ
  (and so from its child processes), but the kernel keeps the environment the process was
  started with readable to its user in /proc/PID/environ: prefer the file or stdin.

start-up and lifetime:
  When ready, the worker prints one JSON line on stdout ({"ready": true, "port", "pid",
  "python", "keras", "backend"}) and nothing else ever goes to stdout. It exits when its
  standard input closes, so keep stdin open for as long as the worker should live; a line
  "stop" on stdin ends it at once. With --lease it outlives the end of its standard input (a
  dropped SSH connection) for as long as a client makes a request within the lease.
"""


class StartupError(Exception):
    """A reason not to start, printed on stderr."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m qtkeras_worker",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on; 0 picks a free one (default: 0)"
    )
    parser.add_argument(
        "--notify-url",
        metavar="URL",
        help="http://HOST:PORT[/path] of the client's notification server, which receives "
        "POST /notify, /notifyError and /events; without it, notifications are only "
        "available from GET /notifications",
    )
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        help="read the token from FILE (mode 0600 or stricter)",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="Keras backend; overrides KERAS_BACKEND (default: KERAS_BACKEND, else jax)",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=2 * 1024**3,
        metavar="BYTES",
        help="largest accepted request body (default: 2 GiB)",
    )
    parser.add_argument(
        "--fetch-results-over",
        type=int,
        default=0,
        metavar="BYTES",
        help="announce results with at least BYTES of binary data in /notify and let the "
        "client download them with GET /results (default: 0, every result is posted whole)",
    )
    parser.add_argument(
        "--max-result-bytes",
        type=int,
        default=MAX_MESSAGE_BINARY,
        metavar="BYTES",
        help="a result with more binary data comes back as a ref, decided before any of it "
        "is copied (default and most: 4 GiB - 1, what one MessagePack message holds)",
    )
    parser.add_argument(
        "--output-cap",
        type=int,
        default=1024**2,
        metavar="BYTES",
        help="captured stdout/stderr kept per command; the rest is dropped (default: 1 MiB)",
    )
    parser.add_argument(
        "--lease",
        type=float,
        default=0,
        metavar="SECONDS",
        help="keep running when standard input closes, until no client has made a request "
        "for SECONDS (at least 10); POST /shutdown or a line 'stop' on stdin end it sooner "
        "(default: 0, exit when stdin closes)",
    )
    parser.add_argument(
        "--run-dir",
        metavar="DIR",
        help="a directory of the worker's own (mode 0700): it writes info.json there, keeps "
        "the notifications that do not fit in memory in DIR/journal until a client has them, "
        "and its log once a leased worker's stdin closes; removed when the worker exits",
    )
    parser.add_argument(
        "--journal-bytes",
        type=int,
        default=4 * 1024**3,
        metavar="BYTES",
        help="most disk space for the journal in --run-dir; beyond it the oldest "
        "unacknowledged notifications are forgotten (default: 4 GiB)",
    )
    parser.add_argument(
        "--journal-memory",
        type=int,
        default=10_000,
        metavar="MESSAGES",
        help="notifications the journal keeps in memory; older ones the client has not "
        "acknowledged go to --run-dir's journal on disk (default: 10000)",
    )
    hardware.add_arguments(parser)
    return parser


def read_token(token_file: str | None) -> str:
    """The token from the file, the environment or the first line of stdin, in that order."""
    env_token = os.environ.pop("QTKERAS_TOKEN", None)
    if token_file:
        try:
            info = os.stat(token_file)
            if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise StartupError(
                    f"token file {token_file} is accessible by group or others; chmod 600 it"
                )
            with open(token_file, encoding="utf-8") as file:
                token = file.readline()
        except OSError as exc:
            raise StartupError(f"cannot read the token file: {exc}") from None
    elif env_token is not None:
        token = env_token
    else:
        token = _read_line(0)
    token = token.strip()
    if len(token) < MIN_TOKEN_LENGTH:
        raise StartupError(f"the token must have at least {MIN_TOKEN_LENGTH} characters")
    return token


def _read_line(fd: int, limit: int = 4096) -> str:
    """One line from ``fd``, read byte by byte so that nothing after it is consumed."""
    data = bytearray()
    while len(data) < limit:
        byte = os.read(fd, 1)
        if not byte or byte == b"\n":
            break
        data += byte
    return data.decode("utf-8", "replace")


def _check_run_dir(path: str) -> None:
    try:
        info = os.stat(path)
    except OSError as exc:
        raise StartupError(f"cannot use the run directory: {exc}") from None
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StartupError(f"run directory {path} must be a directory only its owner may access")


def _log_to(stream: TextIO) -> Callable[[str], None]:
    lock = threading.Lock()

    def log(message: str) -> None:
        with lock:
            try:
                stream.write(f"qtkeras_worker: {message}\n")
                stream.flush()
            except (OSError, ValueError):
                pass

    return log


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    else:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        token = read_token(args.token_file)
        for flag in ("max_body", "output_cap", "fetch_results_over", "max_result_bytes"):
            if getattr(args, flag) < 0:
                raise StartupError(f"--{flag.replace('_', '-')} must not be negative")
        if args.max_result_bytes > MAX_MESSAGE_BINARY:
            raise StartupError(f"--max-result-bytes is at most {MAX_MESSAGE_BINARY}")
        if args.lease and args.lease < 10:
            raise StartupError("--lease is at least 10 seconds (or 0: no lease)")
        if args.journal_bytes <= 0 or args.journal_memory <= 0:
            raise StartupError("--journal-bytes and --journal-memory must be positive")
        if args.run_dir:
            _check_run_dir(args.run_dir)
        problem = hardware.check_arguments(args)
        if problem:
            raise StartupError(problem)
    except StartupError as exc:
        print(f"qtkeras_worker: {exc}", file=sys.stderr)
        return 2
    hardware.apply(args)

    # Private descriptors: the ready line, end-of-file on stdin, and the real stderr. Then
    # fd 1 becomes stderr (C-level prints can never reach stdout) and fd 0 /dev/null.
    ready_fd = os.dup(1)
    stdin_fd = os.dup(0)
    real_stderr = open(  # noqa: SIM115 - lives as long as the process
        os.dup(2), "w", buffering=1, encoding="utf-8", errors="backslashreplace"
    )
    faulthandler.enable(file=real_stderr, all_threads=True)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    os.dup2(2, 1)
    log = _log_to(real_stderr)

    # Imported only now, so that a refused start is quick and stdout is already redirected.
    from . import keras_support
    from .executor import Executor
    from .journal import DiskJournal
    from .lifetime import Lifetime
    from .notifier import Notifier
    from .output import CaptureStream, EmptyInput, OutputRouter
    from .protocol import Services
    from .scope import Scope
    from .server import WorkerServer

    journal = None
    if args.run_dir:
        try:
            journal = DiskJournal(os.path.join(args.run_dir, "journal"), args.journal_bytes)
        except OSError as exc:
            log(f"cannot keep a journal in the run directory: {exc}")
            return 2
    try:
        notifier = Notifier(
            args.notify_url,
            token,
            log,
            ring_size=args.journal_memory,
            fetch_over=args.fetch_results_over,
            journal=journal,
        )
    except ValueError as exc:
        log(str(exc))
        return 2
    router = OutputRouter(notifier, real_stderr, args.output_cap)
    scope = Scope()
    executor = Executor(scope, notifier, router, log, args.max_result_bytes)
    keras_support.install(executor, notifier)
    loader = keras_support.KerasLoader(notifier)
    services = Services(executor, scope, notifier, loader)
    try:
        server = WorkerServer(args.host, args.port, services, token, args.max_body, log)
    except OSError as exc:
        log(f"cannot listen on {args.host}:{args.port}: {exc}")
        return 1
    life = Lifetime(args.lease, args.run_dir, server.idle_for, log, [1, 2, real_stderr.fileno()])
    services.shutdown = lambda: life.end("shut down by a client")
    services.life = life.info
    if args.lease:
        # A hang-up of the terminal or session it was started from detaches it like the end of
        # stdin does; only the lease, `stop` or POST /shutdown end it.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        log(
            f"warning: listening on {args.host}; anyone who can reach it and has the token "
            "can run code as this user"
        )

    sys.stdout = CaptureStream(router, "stdout", 1)
    sys.stderr = CaptureStream(router, "stderr", 2)
    sys.stdin = EmptyInput()
    sys.modules["__main__"] = scope.module

    threading.Thread(target=server.serve_forever, name="qtkeras-http", daemon=True).start()
    threading.Thread(target=life.watch, args=(stdin_fd,), name="qtkeras-stdin", daemon=True).start()
    ready = {
        "ready": True,
        "port": server.port,
        "pid": os.getpid(),
        "python": platform.python_version(),
        "keras": keras_support.keras_version(),
        "backend": keras_support.backend_name(),
    }
    if args.run_dir:
        ready["run"] = os.path.basename(os.path.normpath(args.run_dir))
        try:
            life.write_info(ready)
        except OSError as exc:
            log(f"cannot write info.json in the run directory: {exc}")
    os.write(ready_fd, (json.dumps(ready) + "\n").encode("utf-8"))
    loader.start()
    executor.run_forever()
    return 0
