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
  standard input closes, so keep stdin open for as long as the worker should live.
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


def _watch_stdin(fd: int) -> None:
    """Ends the process when standard input reaches end of file, with its children."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass
    _end_process_group()
    os._exit(0)


def _end_process_group() -> None:
    """Kills the worker's process group (itself included) if the worker leads it, as it does
    when the IDE starts it: processes that user code started go with it. A worker started
    from a shell is in the shell's job and leaves the group alone."""
    try:
        if os.getpgid(0) == os.getpid():
            os.killpg(0, signal.SIGKILL)
    except OSError:
        pass


def _log_to(stream: TextIO):
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
    from .notifier import Notifier
    from .output import CaptureStream, EmptyInput, OutputRouter
    from .protocol import Services
    from .scope import Scope
    from .server import WorkerServer

    try:
        notifier = Notifier(args.notify_url, token, log, fetch_over=args.fetch_results_over)
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
    threading.Thread(
        target=_watch_stdin, args=(stdin_fd,), name="qtkeras-stdin", daemon=True
    ).start()
    ready = {
        "ready": True,
        "port": server.port,
        "pid": os.getpid(),
        "python": platform.python_version(),
        "keras": keras_support.keras_version(),
        "backend": keras_support.backend_name(),
    }
    os.write(ready_fd, (json.dumps(ready) + "\n").encode("utf-8"))
    loader.start()
    executor.run_forever()
    return 0
