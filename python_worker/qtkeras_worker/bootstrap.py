# SPDX-License-Identifier: GPL-3.0-or-later
"""What the IDE runs on a remote host through SSH, before and around the worker.

The IDE starts ``PYTHON -c 'import sys;b=sys.stdin.buffer;exec(b.read(int(b.readline())))'``
over SSH and writes on its standard input: the size of this file's source and the source, one
JSON line with the request, and for some requests the worker package. Nothing secret is ever
on a command line: the token comes in the request, on standard input, and goes into a file
only its owner can read. The answers are JSON lines on standard output. The standard library
only, and Python 3.8 or newer, so that it runs with any interpreter the user names.

Requests (``op``):

- ``start``: unpacks the worker package (``package``: ``{"hash", "bytes"}``, the bytes follow
  the line) into ``~/.cache/qtkeras/pkg/<hash>`` unless it is there, makes a run directory
  ``~/.cache/qtkeras/workers/<run>`` (0700) with the token in ``token`` (0600), and becomes the
  worker (``python -m qtkeras_worker --token-file ... --run-dir ... [--lease N] ARGS``), whose
  standard input stays the SSH channel; the worker prints its ready line.
- ``attach``: ``{"attached": info}`` for a running worker's run directory (with ``"token"``
  when asked), then waits: a line ``stop`` on standard input stops the worker, end of file
  ends only this process (the worker runs on).
- ``list``: ``{"workers": [info, ...]}``: every run directory, whether its worker is alive,
  and the last lines of the log of those that are not (their directories are then removed);
  one whose worker has not written ``info.json`` yet is ``"starting"`` and kept.
- ``stop``: stops the worker of a run directory: ``{"stopped": bool}``.
- ``check``: what the interpreter offers: ``{"python", "packages", "executable"}``, and the
  devices JAX sees (``"devices"``) when ``devices`` is true.
- ``setup``: what ``qtkeras-setup-python`` does, on this host: a virtual environment in
  ``~/.local/share/qtkeras/venv`` with the worker's pinned requirements (from the package);
  progress as ``{"log": line}``, then ``{"done": true, "python": ...}``.

Failures answer ``{"error": reason}`` and exit with status 2.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from typing import IO, Any

_RUN_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_PACKAGE_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,200}\Z")
# How long a run directory may go without info.json before ``list`` takes its worker for dead.
STARTING_SECONDS = 600
_CHECKED = ("keras", "numpy", "msgpack", "jax", "jaxlib", "tensorflow", "torch")


class Refusal(Exception):
    """A reason not to do what was asked, answered as {"error": reason}."""


def answer(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def cache_dir() -> str:
    return os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "qtkeras"
    )


def data_dir() -> str:
    return os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "qtkeras"
    )


def private_dir(path: str) -> str:
    """Makes ``path`` (and its parents) and sees that only its owner may access it."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    info = os.stat(path)
    if info.st_uid != os.getuid():
        raise Refusal(f"{path} belongs to another user")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def workers_dir() -> str:
    return private_dir(os.path.join(cache_dir(), "workers"))


def run_dir(name: object) -> str:
    if not isinstance(name, str) or not _RUN_NAME.match(name):
        raise Refusal(f"{name!r} is not the name of a worker's run directory")
    return os.path.join(workers_dir(), name)


# ---------------------------------------------------------------- the worker package


def unpack(data: bytes, expected: str, target: str) -> None:
    """Writes the files of a package (zlib of ``path NUL size NUL bytes`` records, the hash
    being the SHA-256 of the records) into ``target``, made whole or not at all."""
    try:
        records = zlib.decompress(data)
    except zlib.error as exc:
        raise Refusal(f"the worker package is damaged: {exc}") from None
    if hashlib.sha256(records).hexdigest()[: len(expected)] != expected:
        raise Refusal("the worker package does not match its hash")
    parent = os.path.dirname(target)
    private_dir(parent)
    staging = tempfile.mkdtemp(prefix=".unpack-", dir=parent)
    try:
        at = 0
        while at < len(records):
            end = records.index(b"\0", at)
            path = records[at:end].decode("utf-8")
            size_end = records.index(b"\0", end + 1)
            size = int(records[end + 1 : size_end])
            content = records[size_end + 1 : size_end + 1 + size]
            at = size_end + 1 + size
            if not _PACKAGE_PATH.match(path) or ".." in path.split("/"):
                raise Refusal(f"the worker package holds a path it may not: {path!r}")
            destination = os.path.join(staging, path)
            os.makedirs(os.path.dirname(destination), mode=0o700, exist_ok=True)
            with open(destination, "wb") as file:
                file.write(content)
        try:
            os.rename(staging, target)
        except OSError:
            if not os.path.isdir(target):  # (another start unpacked it meanwhile: fine)
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def package(request: dict[str, Any], stream: IO[bytes]) -> str:
    """The directory of the worker package the request announces, unpacked if need be from
    the bytes that follow the request on ``stream``."""
    announced = request.get("package")
    if not isinstance(announced, dict):
        raise Refusal("the request names no worker package")
    digest, size = announced.get("hash"), announced.get("bytes")
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{16,64}", digest):
        raise Refusal("the worker package's hash is malformed")
    if not isinstance(size, int) or size < 0:
        raise Refusal("the worker package's size is malformed")
    data = stream.read(size)
    if len(data) != size:
        raise Refusal("the worker package was cut short")
    target = os.path.join(cache_dir(), "pkg", digest)
    if not os.path.isfile(os.path.join(target, "qtkeras_worker", "__main__.py")):
        unpack(data, digest, target)
    return target


def default_python() -> str:
    """The interpreter qtkeras-setup-python made on this host, else this one."""
    venv = os.path.join(data_dir(), "venv", "bin", "python")
    return venv if os.access(venv, os.X_OK) else sys.executable


def interpreter(request: dict[str, Any]) -> str:
    python = request.get("python") or ""
    if not isinstance(python, str):
        raise Refusal("python must be a string")
    return os.path.expanduser(python) if python else default_python()


# ---------------------------------------------------------------- requests


def do_start(request: dict[str, Any], stream: IO[bytes]) -> None:
    token = request.get("token")
    if not isinstance(token, str) or len(token) < 32 or "\n" in token:
        raise Refusal("the request carries no valid token")
    arguments = request.get("arguments", [])
    environment = request.get("environment", {})
    lease = request.get("lease", 0)
    if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
        raise Refusal("arguments must be a list of strings")
    if not isinstance(environment, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in environment.items()
    ):
        raise Refusal("environment must map names to strings")
    if not isinstance(lease, (int, float)) or lease < 0:
        raise Refusal("lease must be a number of seconds")
    python = interpreter(request)
    package_dir = package(request, stream)
    directory = tempfile.mkdtemp(prefix="w-", dir=workers_dir())
    token_file = os.path.join(directory, "token")
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(token + "\n")
    env = dict(os.environ)
    env.pop("QTKERAS_TOKEN", None)
    env.update(environment)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_dir, env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    argv = [python, "-m", "qtkeras_worker", "--token-file", token_file, "--run-dir", directory]
    if lease:
        argv += ["--lease", str(lease)]
    argv += arguments
    sys.stdout.flush()
    try:
        os.execvpe(python, argv, env)
    except OSError as exc:
        shutil.rmtree(directory, ignore_errors=True)
        reason = f"cannot start the Python interpreter {python!r} on this host: {exc}"
        raise Refusal(reason) from None


def read_info(directory: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(directory, "info.json"), encoding="utf-8") as file:
            info = json.load(file)
        return info if isinstance(info, dict) else None
    except (OSError, ValueError):
        return None


def alive(info: dict[str, Any] | None) -> bool:
    pid = info.get("pid") if info else None
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process took the number
    return True


def stop(directory: str, info: dict[str, Any] | None) -> bool:
    """Kills the worker of a run directory with its process group; removes the directory."""
    stopped = False
    if alive(info):
        pid = info["pid"]  # type: ignore[index]
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
            stopped = True
        except OSError:
            pass
    shutil.rmtree(directory, ignore_errors=True)
    return stopped


def do_attach(request: dict[str, Any], stream: IO[bytes]) -> None:
    directory = run_dir(request.get("run"))
    info = read_info(directory)
    if not alive(info):
        raise Refusal(
            f"the worker {request.get('run')} is no longer running on this host (its lease "
            "ended, or it was stopped or died)"
        )
    message: dict[str, Any] = {"attached": info}
    if request.get("token"):
        with open(os.path.join(directory, "token"), encoding="utf-8") as file:
            message["token"] = file.readline().strip()
    answer(message)
    while True:
        line = stream.readline()
        if not line:
            return
        if line.strip() == b"stop":
            answer({"stopped": stop(directory, read_info(directory))})
            return


def log_tail(directory: str, lines: int = 20) -> list[str]:
    try:
        with open(os.path.join(directory, "worker.log"), "rb") as file:
            file.seek(0, os.SEEK_END)
            file.seek(max(0, file.tell() - 16384))
            text = file.read().decode("utf-8", "replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]


def starting(directory: str) -> bool:
    """Whether a run directory without info.json is a worker's that is still starting: one
    made less than STARTING_SECONDS ago (a worker whose start failed is cleared after)."""
    try:
        made = os.stat(os.path.join(directory, "token")).st_mtime
    except OSError:
        return False
    return time.time() - made < STARTING_SECONDS


def do_list(request: dict[str, Any], stream: IO[bytes]) -> None:
    workers = []
    base = workers_dir()
    for name in sorted(os.listdir(base)):
        directory = os.path.join(base, name)
        if not _RUN_NAME.match(name) or not os.path.isdir(directory):
            continue
        info = read_info(directory)
        if info is None and not os.path.exists(os.path.join(directory, "token")):
            continue
        entry = dict(info or {})
        entry["run"] = name
        entry["alive"] = alive(info)
        if info is None and starting(directory):
            entry["starting"] = True  # its worker has not written info.json yet
        elif not entry["alive"]:
            entry["log"] = log_tail(directory)
            shutil.rmtree(directory, ignore_errors=True)
        workers.append(entry)
    answer({"workers": workers})


def do_stop(request: dict[str, Any], stream: IO[bytes]) -> None:
    directory = run_dir(request.get("run"))
    answer({"stopped": stop(directory, read_info(directory))})


_CHECK = """
import importlib.metadata as md, json, os, platform, sys
def version(name):
    try:
        return md.version(name)
    except Exception:
        return ""
def gpus():
    import subprocess
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total",
                              "--format=csv,noheader"], capture_output=True, text=True,
                             timeout=10)
    except Exception:
        return []
    if out.returncode != 0:
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]
names = %r
found = {"python": platform.python_version(), "executable": sys.executable,
         "packages": {n: version(n) for n in names}, "gpus": gpus()}
if %r and found["packages"]["jax"]:
    try:
        import jax
        found["devices"] = [str(d) for d in jax.devices()]
    except Exception as exc:
        found["devices_error"] = "%%s: %%s" %% (type(exc).__name__, exc)
print(json.dumps(found))
"""


def do_check(request: dict[str, Any], stream: IO[bytes]) -> None:
    python = interpreter(request)
    code = _CHECK % (_CHECKED, bool(request.get("devices")))
    try:
        done = subprocess.run(
            [python, "-c", code], capture_output=True, timeout=120, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Refusal(f"cannot run {python!r} on this host: {exc}") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise Refusal(f"{python!r} failed on this host: " + " / ".join(tail))
    found = json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])
    answer(found)


def do_setup(request: dict[str, Any], stream: IO[bytes]) -> None:
    base = request.get("python") or "python3"
    if not isinstance(base, str):
        raise Refusal("python must be a string")
    requirements = os.path.join(package(request, stream), "requirements.txt")
    if not os.path.isfile(requirements):
        raise Refusal("the worker package holds no requirements.txt")
    with open(requirements, "rb") as file:
        want = hashlib.sha256(file.read()).hexdigest()
    venv = os.path.join(data_dir(), "venv")
    python = os.path.join(venv, "bin", "python")
    stamp = os.path.join(venv, ".requirements.sha256")
    if request.get("force") and os.path.exists(venv):
        answer({"log": f"deleting {venv}"})
        shutil.rmtree(venv)
    try:
        with open(stamp, encoding="utf-8") as stamp_file:
            complete = stamp_file.read().split()[0] == want and os.access(python, os.X_OK)
    except (OSError, IndexError):
        complete = False
    if complete:
        answer({"log": f"the environment in {venv} is complete"})
        answer({"done": True, "python": python})
        return

    def run(argv: list[str]) -> None:
        answer({"log": "$ " + " ".join(argv)})
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        assert process.stdout is not None
        for line in process.stdout:
            answer({"log": line.decode("utf-8", "replace").rstrip()})
        if process.wait() != 0:
            raise Refusal(f"{argv[0]} {argv[1]} {argv[2]} failed with status {process.returncode}")

    if not os.access(python, os.X_OK):
        os.makedirs(os.path.dirname(venv), exist_ok=True)
        try:
            run([os.path.expanduser(base), "-m", "venv", venv])
        except (OSError, Refusal) as exc:
            shutil.rmtree(venv, ignore_errors=True)
            raise Refusal(
                f"{base} cannot create a virtual environment here ({exc}); on Debian: "
                "apt install python3-venv"
            ) from None
    try:
        run([python, "-m", "pip", "install", "--disable-pip-version-check", "-r", requirements])
    except OSError as exc:
        raise Refusal(f"cannot run pip: {exc}") from None
    with open(stamp, "w", encoding="utf-8") as stamp_file:
        stamp_file.write(want + "\n")
    answer({"done": True, "python": python})


OPS = {
    "start": do_start,
    "attach": do_attach,
    "list": do_list,
    "stop": do_stop,
    "check": do_check,
    "setup": do_setup,
}


def main(stream: IO[bytes] | None = None) -> int:
    stream = stream if stream is not None else sys.stdin.buffer
    os.umask(0o077)
    try:
        line = stream.readline(1 << 20)
        try:
            request = json.loads(line)
        except ValueError:
            raise Refusal("the request is not one line of JSON") from None
        if not isinstance(request, dict) or request.get("op") not in OPS:
            raise Refusal(f"unknown request; known: {', '.join(OPS)}")
        OPS[request["op"]](request, stream)
    except Refusal as exc:
        answer({"error": str(exc)})
        return 2
    except OSError as exc:
        answer({"error": f"{type(exc).__name__}: {exc}"})
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
