# SPDX-License-Identifier: GPL-3.0-or-later
"""The remote side of an SSH start, run as the IDE runs it: the stub on the command line, the
bootstrap, the request and the worker package on standard input."""

import contextlib
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from helpers import TOKEN

import qtkeras_worker
from qtkeras_worker import bootstrap

# The same stub the IDE puts on the SSH command line: it holds nothing secret.
STUB = "import sys;b=sys.stdin.buffer;exec(b.read(int(b.readline())))"
SOURCE = Path(bootstrap.__file__).read_bytes()
WORKER_DIR = Path(qtkeras_worker.__file__).parent


def make_package(files: dict[str, bytes]) -> tuple[str, bytes]:
    records = b"".join(
        name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data
        for name, data in files.items()
    )
    return hashlib.sha256(records).hexdigest()[:16], zlib.compress(records)


def worker_package() -> tuple[str, bytes]:
    files = {f"qtkeras_worker/{p.name}": p.read_bytes() for p in sorted(WORKER_DIR.glob("*.py"))}
    files["requirements.txt"] = (WORKER_DIR.parent / "requirements.txt").read_bytes()
    return make_package(files)


_started: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _reap():
    """Every process a test started ends with it, and its pipes are closed."""
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream:
                with contextlib.suppress(OSError):
                    stream.close()


def _popen(env, **kwargs):
    proc = subprocess.Popen(
        [sys.executable, "-c", STUB],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        **kwargs,
    )
    _started.append(proc)
    return proc


@pytest.fixture
def home(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QTKERAS_TOKEN", "PYTHONPATH")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return env


def _input(request: dict, payload: bytes = b"") -> bytes:
    head = str(len(SOURCE)).encode() + b"\n" + SOURCE
    return head + json.dumps(request).encode() + b"\n" + payload


def _start(env, lease=0, token=TOKEN, package=None):
    digest, data = package or worker_package()
    request = {
        "op": "start",
        "token": token,
        "python": sys.executable,
        "arguments": [],
        "environment": {"KERAS_BACKEND": "jax"},
        "lease": lease,
        "package": {"hash": digest, "bytes": len(data)},
    }
    proc = _popen(env, start_new_session=True)
    proc.stdin.write(_input(request, data))
    proc.stdin.flush()
    line = proc.stdout.readline()
    return proc, json.loads(line)


def _once(env, request, payload=b"", timeout=120):
    out = subprocess.run(
        [sys.executable, "-c", STUB],
        input=_input(request, payload),
        capture_output=True,
        env=env,
        timeout=timeout,
    )
    return out.returncode, [json.loads(line) for line in out.stdout.splitlines()]


def _health(port, token=TOKEN):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/health", headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def _cmdlines():
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            with contextlib.suppress(OSError):
                yield int(pid), Path(f"/proc/{pid}/cmdline").read_bytes()


def test_start_unpacks_the_package_keeps_the_token_private_and_becomes_the_worker(home):
    proc, ready = _start(home)
    try:
        assert ready["ready"] is True
        assert ready["pid"] == proc.pid  # the bootstrap became the worker (exec)
        cache = Path(home["XDG_CACHE_HOME"]) / "qtkeras"
        run = cache / "workers" / ready["run"]
        assert stat.S_IMODE(run.stat().st_mode) == 0o700
        assert stat.S_IMODE((cache / "workers").stat().st_mode) == 0o700
        token_file = run / "token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert token_file.read_text().strip() == TOKEN
        packages = list((cache / "pkg").iterdir())
        assert len(packages) == 1
        assert (packages[0] / "qtkeras_worker" / "__main__.py").is_file()
        status, health = _health(ready["port"])
        assert status == 200 and health["run"] == ready["run"]
        # The worker runs from the unpacked copy, and the token is on no command line.
        environ = Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0")
        assert b"PYTHONPATH=" + str(packages[0]).encode() in environ
        for pid, cmdline in _cmdlines():
            assert TOKEN.encode() not in cmdline, pid
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
        assert b"--token-file" in cmdline and b"--run-dir" in cmdline
    finally:
        proc.stdin.close()
        # It leads its process group (as under sshd) and ends it, itself included.
        assert proc.wait(10) == -signal.SIGKILL
    assert not run.exists()


def test_a_second_start_reuses_the_unpacked_package(home):
    first, ready = _start(home)
    first.stdin.close()
    first.wait(10)
    cache = Path(home["XDG_CACHE_HOME"]) / "qtkeras" / "pkg"
    stamp = next(cache.iterdir()).stat().st_mtime_ns
    second, ready = _start(home)
    try:
        assert ready["ready"] is True
        assert next(cache.iterdir()).stat().st_mtime_ns == stamp
    finally:
        second.stdin.close()
        second.wait(10)


def test_attach_gives_the_worker_and_its_token_and_stop_ends_it(home):
    proc, ready = _start(home, lease=60)
    try:
        attach = _popen(home)
        attach.stdin.write(_input({"op": "attach", "run": ready["run"], "token": True}))
        attach.stdin.flush()
        attached = json.loads(attach.stdout.readline())
        assert attached["attached"]["pid"] == proc.pid
        assert attached["attached"]["port"] == ready["port"]
        assert attached["token"] == TOKEN
        attach.stdin.write(b"stop\n")
        attach.stdin.flush()
        assert json.loads(attach.stdout.readline()) == {"stopped": True}
        assert attach.wait(10) == 0
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_attach_to_a_worker_that_is_gone_says_so(home):
    proc, ready = _start(home, lease=60)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    status, answers = _once(home, {"op": "attach", "run": ready["run"]})
    assert status == 2
    assert "no longer running" in answers[0]["error"]


def test_list_shows_live_workers_and_clears_dead_ones_with_their_log(home):
    proc, ready = _start(home, lease=60)
    try:
        status, answers = _once(home, {"op": "list"})
        assert status == 0
        (entry,) = answers[0]["workers"]
        assert (entry["run"], entry["alive"], entry["pid"]) == (ready["run"], True, proc.pid)
        assert "token" not in entry
        proc.stdin.close()  # detached: it logs to its run directory
        run = Path(home["XDG_CACHE_HOME"]) / "qtkeras" / "workers" / ready["run"]
        # The line itself, not just the file: the file is made before the line is written.
        log = run / "worker.log"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            log.exists() and "standard input closed" in log.read_text(errors="replace")
        ):
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        status, answers = _once(home, {"op": "list"})
        (entry,) = answers[0]["workers"]
        assert entry["alive"] is False
        assert any("standard input closed" in line for line in entry["log"])
        assert not run.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_list_keeps_the_directory_of_a_worker_still_starting(home):
    # Issue 13: listing while a worker starts must not take its token away.
    workers = Path(home["XDG_CACHE_HOME"]) / "qtkeras" / "workers"
    young, old = workers / "w-young", workers / "w-old"
    for run in (young, old):
        run.mkdir(parents=True, mode=0o700)
        (run / "token").write_text("t" * 40 + "\n")
    long_ago = time.time() - 3600
    os.utime(old / "token", (long_ago, long_ago))
    status, answers = _once(home, {"op": "list"})
    assert status == 0
    listed = {entry["run"]: entry for entry in answers[0]["workers"]}
    assert listed["w-young"]["starting"] is True
    assert listed["w-young"]["alive"] is False
    assert "starting" not in listed["w-old"]
    assert (young / "token").exists()
    assert not old.exists()


def test_stop_by_run_name(home):
    proc, ready = _start(home, lease=60)
    status, answers = _once(home, {"op": "stop", "run": ready["run"]})
    assert (status, answers) == (0, [{"stopped": True}])
    assert proc.wait(10) == -signal.SIGKILL


def test_check_reports_the_interpreter_and_its_packages(home):
    status, answers = _once(home, {"op": "check", "python": sys.executable})
    assert status == 0
    found = answers[0]
    assert found["python"] == ".".join(map(str, sys.version_info[:3]))
    assert found["packages"]["keras"] == "3.15.1"
    assert found["packages"]["torch"] == ""


def test_check_of_a_missing_interpreter_names_it(home):
    status, answers = _once(home, {"op": "check", "python": "/nonexistent/python9"})
    assert status == 2
    assert "/nonexistent/python9" in answers[0]["error"]


@pytest.mark.parametrize(
    "case",
    ["bad hash", "traversal", "absolute", "short", "no token", "unknown op", "bad run name"],
)
def test_refusals_change_nothing(home, case):
    digest, data = make_package({"qtkeras_worker/__main__.py": b"print('x')\n"})
    request = {
        "op": "start",
        "token": TOKEN,
        "python": sys.executable,
        "package": {"hash": digest, "bytes": len(data)},
    }
    if case == "bad hash":
        request["package"]["hash"] = "0" * 16
    elif case == "traversal":
        digest, data = make_package({"qtkeras_worker/../../evil.py": b"x"})
        request["package"] = {"hash": digest, "bytes": len(data)}
    elif case == "absolute":
        digest, data = make_package({"/tmp/evil.py": b"x"})
        request["package"] = {"hash": digest, "bytes": len(data)}
    elif case == "short":
        request["package"]["bytes"] = len(data) + 10
    elif case == "no token":
        request["token"] = "short"
    elif case == "unknown op":
        request = {"op": "rm -rf"}
    elif case == "bad run name":
        request = {"op": "stop", "run": "../../etc"}
    status, answers = _once(home, request, data)
    assert status == 2
    assert answers and "error" in answers[0]
    cache = Path(home["XDG_CACHE_HOME"]) / "qtkeras"
    assert not (cache / "pkg").exists() or not [
        p for p in (cache / "pkg").iterdir() if not p.name.startswith(".")
    ]
    assert not list((cache / "workers").iterdir()) if (cache / "workers").exists() else True
    assert not Path(home["XDG_CACHE_HOME"]).parent.joinpath("evil.py").exists()
