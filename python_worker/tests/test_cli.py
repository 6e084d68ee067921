# SPDX-License-Identifier: GPL-3.0-or-later
"""Start-up, token sources, stdout discipline and lifetime of the worker process."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from helpers import TOKEN, Worker

WORKER = [sys.executable, "-m", "qtkeras_worker"]


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("QTKERAS_TOKEN", "KERAS_BACKEND")}
    env.update(extra)
    return env


def test_help_documents_every_flag_and_the_token():
    out = subprocess.run([*WORKER, "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    for flag in (
        "--host",
        "--port",
        "--notify-url",
        "--token-file",
        "--backend",
        "--fetch-results-over",
        "--max-body",
        "--output-cap",
        "--cpu-devices",
        "--gpu-workers",
    ):
        assert flag in out.stdout
    assert "QTKERAS_TOKEN" in out.stdout
    assert "standard input" in out.stdout


@pytest.mark.parametrize(
    "how",
    ["short token on stdin", "no token at all", "short token in the environment"],
)
def test_refuses_to_start_without_a_good_token(how):
    env = _clean_env()
    stdin = b"short\n"
    if how == "no token at all":
        stdin = b""
    elif how == "short token in the environment":
        env["QTKERAS_TOKEN"] = "x" * 31
    out = subprocess.run(WORKER, input=stdin, capture_output=True, env=env, timeout=30)
    assert out.returncode != 0
    assert out.stdout == b""
    assert b"at least 32 characters" in out.stderr


def test_refuses_a_token_file_others_can_read(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o644)
    out = subprocess.run(
        [*WORKER, "--token-file", str(token_file)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=_clean_env(),
        timeout=30,
    )
    assert out.returncode != 0
    assert out.stdout == b""
    assert b"chmod 600" in out.stderr
    assert TOKEN.encode() not in out.stderr


def test_token_from_a_private_file(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    token_file.chmod(0o600)
    w = Worker(args=("--token-file", str(token_file)), env=_clean_env(), token_on_stdin=False)
    try:
        assert w.run("'file token works'") == "file token works"
    finally:
        w.close()


def test_token_from_the_environment_is_not_inherited_by_user_code():
    w = Worker(env=_clean_env(QTKERAS_TOKEN=TOKEN), token_on_stdin=False)
    try:
        assert w.run("import os\nos.environ.get('QTKERAS_TOKEN')") is None
        code = "import subprocess\nsubprocess.run(['env'], capture_output=True, text=True).stdout"
        assert TOKEN not in w.run(code)
    finally:
        w.close()


def test_ready_line_then_nothing_on_stdout_and_exit_within_5s_when_stdin_closes():
    w = Worker(notify=False, env=_clean_env())
    try:
        ready = w.ready
        assert set(ready) == {"ready", "port", "pid", "python", "keras", "backend"}
        assert ready["ready"] is True
        assert ready["pid"] == w.proc.pid
        assert ready["python"] == ".".join(map(str, sys.version_info[:3]))
        assert ready["keras"] == "3.15.1"
        assert ready["backend"] == "jax"
        code = (
            "import os, sys, ctypes\n"
            "print('via print')\n"
            "sys.__stdout__.write('via sys.__stdout__\\n'); sys.__stdout__.flush()\n"
            "os.write(1, b'via fd 1\\n')\n"
            "libc = ctypes.CDLL(None); libc.puts(b'via C puts'); libc.fflush(None)\n"
            "import subprocess\nsubprocess.run(['echo', 'via a child process'])\n"
            "'printed'"
        )
        assert w.run(code) == "printed"
        assert w.proc.poll() is None
        w.proc.stdin.close()
        start = time.monotonic()
        assert w.proc.wait(10) == 0
        assert time.monotonic() - start < 5
        stdout = w.rest_of_stdout()
        assert stdout.count(b"\n") == 1
        assert json.loads(stdout) == ready
        stderr = w.stderr_text()
        for text in ("via sys.__stdout__", "via fd 1", "via C puts", "via a child process"):
            assert text in stderr
        assert TOKEN not in stderr
    finally:
        w.close()


def test_exits_when_stdin_closes_even_while_a_command_runs():
    w = Worker(env=_clean_env())
    try:
        command_id = w.submit("import time\ntime.sleep(100)")
        w.wait_event("started", command_id)
        w.proc.stdin.close()
        assert w.proc.wait(10) == 0
    finally:
        w.close()


def test_backend_flag_and_a_failed_keras_import_are_reported():
    # torch is not installed: Keras cannot import, the worker says so and keeps working.
    w = Worker(args=("--backend", "torch"), env=_clean_env(KERAS_BACKEND="jax"))
    try:
        assert w.ready["backend"] == "torch"
        event = w.wait_event("keras-failed", timeout=60)
        assert event["error"]
        assert w.run("import os\nos.environ['KERAS_BACKEND']") == "torch"
        assert w.request("GET", "/status")[1]["keras_ready"] is False
    finally:
        w.close()


def test_keras_backend_environment_variable_is_respected():
    w = Worker(env=_clean_env(KERAS_BACKEND="torch"))
    try:
        assert w.ready["backend"] == "torch"
    finally:
        w.close()


def test_small_max_body_and_output_cap_flags(tmp_path):
    w = Worker(args=("--max-body", "2000", "--output-cap", "10"), env=_clean_env())
    try:
        status, _ = w.request("POST", "/commands", {"id": "big", "code": "'x'" + " " * 3000})
        assert status == 413
        command_id = w.submit("print('0123456789abcdef')")
        w.result(command_id)
        texts = [e.get("text", "") for e in w.recorder.events("output", command_id)]
        assert "".join(texts) == "0123456789"
    finally:
        w.close()


def test_a_crash_leaves_a_traceback_on_stderr(tmp_path):
    w = Worker(env=_clean_env())
    try:
        # The command segfaults only once the test has its 202, so the crash cannot cut the
        # reply short.
        go = tmp_path / "go"
        code = (
            "import ctypes, os, time\n"
            "while not os.path.exists(go):\n"
            "    time.sleep(0.01)\n"
            "ctypes.string_at(0)"
        )
        w.submit(code, bindings={"go": str(go)})
        go.touch()
        assert w.proc.wait(20) != 0
        stderr = w.stderr_text()
        assert "Fatal Python error" in stderr
        assert "<command" in stderr
    finally:
        w.close()


def test_notifier_reconnects_when_the_server_closes_connections():
    w = Worker(env=_clean_env(), close_each=True)
    try:
        # One at a time: each result is a request of its own, on a connection of its own.
        assert [w.run(f"{n} + 1") for n in range(5)] == [1, 2, 3, 4, 5]
        assert w.notify.connections >= 5
    finally:
        w.close()


def test_an_unreachable_notify_url_never_blocks_the_worker():
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))  # a port that refuses connections
        url = f"http://127.0.0.1:{placeholder.getsockname()[1]}"
        w = Worker(notify=False, args=("--notify-url", url), env=_clean_env())
        try:
            ids = [w.submit(f"{n} * 3") for n in range(3)]
            assert [w.result(i, timeout=10) for i in ids] == [0, 3, 6]
            # Nothing is dropped: the notifier keeps retrying, and says so once.
            deadline = time.monotonic() + 20
            while "retrying" not in w.stderr_text() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "retrying" in w.stderr_text()
            assert "dropped" not in w.stderr_text()
            assert w.stderr_text().count("cannot deliver") == 1
            assert TOKEN not in w.stderr_text()
        finally:
            w.close()
