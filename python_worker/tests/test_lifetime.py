# SPDX-License-Identifier: GPL-3.0-or-later
"""How long a worker lives: until stdin closes, or with a lease for as long as a client talks
to it; its run directory; POST /shutdown; Host headers of a client behind a tunnel."""

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest
from helpers import TOKEN, Worker, raw_request


def _run_dir(tmp_path, name="w-test"):
    run = tmp_path / name
    run.mkdir(mode=0o700)
    return run


def _wait_for_log_line(run, text, timeout=30.0):
    """The run directory's log once it holds `text` (the worker writes it on a thread of its
    own, when it sees what the line is about)."""
    log = run / "worker.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in (content := log.read_text(errors="replace")):
            return content
        time.sleep(0.02)
    raise TimeoutError(f"the worker's log never said {text!r}")


def test_ready_line_names_the_run_directory_and_info_json_holds_it(tmp_path):
    run = _run_dir(tmp_path)
    w = Worker(notify=False, args=("--run-dir", str(run), "--lease", "30"))
    try:
        assert w.ready["run"] == "w-test"
        info_path = run / "info.json"
        assert stat.S_IMODE(info_path.stat().st_mode) == 0o600
        info = json.loads(info_path.read_text())
        assert info["pid"] == w.proc.pid
        assert info["port"] == w.port
        assert info["lease"] == 30
        assert info["run"] == "w-test"
        health = w.request("GET", "/health")[1]
        assert (health["run"], health["lease"], health["attached"]) == ("w-test", 30, True)
    finally:
        w.close()


def test_without_a_lease_the_end_of_stdin_ends_the_worker_and_its_run_directory(tmp_path):
    run = _run_dir(tmp_path)
    w = Worker(notify=False, args=("--run-dir", str(run)))
    try:
        w.proc.stdin.close()
        assert w.proc.wait(10) == 0
        assert not run.exists()
    finally:
        w.close()


def test_a_leased_worker_outlives_its_stdin_and_keeps_every_result(tmp_path):
    """A dropped SSH connection closes the worker's stdin: with a lease it runs on, its
    commands finish, and a client that comes back reads what it missed."""
    run = _run_dir(tmp_path)
    w = Worker(notify=False, args=("--run-dir", str(run), "--lease", "60"), poll=False)
    try:
        command_id = w.submit("import time\nsum(range(10))")
        w.proc.stdin.close()
        later = w.submit("6 * 7")
        w.start_polling()
        assert w.result(command_id) == 45
        assert w.result(later) == 42
        assert w.proc.poll() is None
        log = _wait_for_log_line(run, "standard input closed")
        assert TOKEN not in log
        health = w.request("GET", "/health")[1]
        assert health["attached"] is False
    finally:
        w.request("POST", "/shutdown", {})
        assert w.proc.wait(10) == 0
        w.close()
    assert not run.exists()


def test_a_leased_worker_ends_10s_after_the_last_request_once_stdin_closed(tmp_path):
    run = _run_dir(tmp_path)
    w = Worker(notify=False, args=("--run-dir", str(run), "--lease", "10"), poll=False)
    try:
        w.proc.stdin.close()
        assert w.request("GET", "/health")[0] == 200
        with pytest.raises(subprocess.TimeoutExpired):
            w.proc.wait(5)  # requests renew the lease; 5 s after the last one it still runs
        assert w.request("GET", "/health")[0] == 200
        assert w.proc.wait(30) == 0
        assert not run.exists()
    finally:
        w.close()


def test_stop_on_stdin_ends_a_leased_worker_at_once(tmp_path):
    run = _run_dir(tmp_path)
    w = Worker(notify=False, args=("--run-dir", str(run), "--lease", "600"))
    try:
        w.proc.stdin.write(b"stop\n")
        w.proc.stdin.flush()
        assert w.proc.wait(10) == 0
        assert not run.exists()
    finally:
        w.close()


def test_a_leased_worker_survives_a_hang_up(tmp_path):
    run = _run_dir(tmp_path)
    w = Worker(notify=False, args=("--run-dir", str(run), "--lease", "60"))
    try:
        w.proc.send_signal(signal.SIGHUP)
        assert w.result(w.submit("6 * 7")) == 42
        assert w.proc.poll() is None
    finally:
        w.close()


def test_shutdown_answers_then_ends_the_worker():
    w = Worker(notify=False)
    try:
        status, body = w.request("POST", "/shutdown", {})
        assert (status, body) == (200, {"stopping": True})
        assert w.proc.wait(10) == 0
    finally:
        w.close()


@pytest.mark.parametrize("mode", [0o755, 0o750])
def test_a_run_directory_others_may_enter_is_refused(tmp_path, mode):
    run = tmp_path / "open"
    run.mkdir()
    os.chmod(run, mode)
    out = subprocess.run(
        [sys.executable, "-m", "qtkeras_worker", "--run-dir", str(run)],
        input=TOKEN.encode() + b"\n",
        capture_output=True,
        timeout=30,
    )
    assert out.returncode == 2
    assert b"only its owner may access" in out.stderr


def test_a_lease_under_10s_is_refused():
    out = subprocess.run(
        [sys.executable, "-m", "qtkeras_worker", "--lease", "3"],
        input=TOKEN.encode() + b"\n",
        capture_output=True,
        timeout=30,
    )
    assert out.returncode == 2
    assert b"at least 10 seconds" in out.stderr


def _get_health(worker, host):
    head = f"GET /health HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {worker.token}\r\n\r\n"
    return raw_request(worker.port, head)[0]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "LOCALHOST"])
@pytest.mark.parametrize("port", [1, 2222, 40000, 65535])
def test_a_tunnel_s_port_is_accepted_with_a_loopback_name(worker, host, port):
    """Through `ssh -L 40000:127.0.0.1:<worker's port>` a client names its own end."""
    assert _get_health(worker, f"{host}:{port}") == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{port}",
        "127.0.0.1.evil.example:{port}",
        "localhost.:{port}",
        "127.0.0.1",
        "127.0.0.1:",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:+80",
        "127.0.0.1:\u00b2",
        "127.0.0.1:80:80",
        "[::1]",
        "[::2]:{port}",
    ],
)
def test_foreign_names_and_malformed_ports_are_refused(worker, host):
    assert _get_health(worker, host.format(port=worker.port)) == 403
