# SPDX-License-Identifier: GPL-3.0-or-later
"""A two-host JAX job: two network namespaces joined by a veth pair, each with its own host
name and /etc/hosts, one worker in each (listening on its own loopback only, reached through a
relay as through `ssh -W`). The coordinator listens on its host's veth address only, each
process is fed its half of every batch, and the losses equal training on one device. A host
whose name resolves to loopback is reported as such. Every namespace, hosts file and process
the test made is removed, also when it fails.

Needs root (ip netns); elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import TOKEN
from test_cluster import _listening_in
from test_distribution import BUILD, FIT, assert_losses_match_one_device

RELAY = str(Path(__file__).with_name("netns_relay.py"))


def _can_make_namespaces() -> str | None:
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None or shutil.which("unshare") is None:
        return "needs iproute2's ip and util-linux's unshare"
    return None


pytestmark = pytest.mark.skipif(
    _can_make_namespaces() is not None, reason=str(_can_make_namespaces())
)


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


class Hosts:
    """Namespaces with a host name and hosts file each, on one /24 joined by veth pairs to a
    bridge-less point-to-point link (two hosts)."""

    def __init__(self, names: dict[str, str | None]) -> None:
        tag = f"{os.getpid()}-{random.randrange(1 << 16):x}"
        self.subnet = f"10.{random.randrange(200, 250)}.{random.randrange(256)}"
        self.hosts = list(names)
        self.namespaces = {host: f"qk-{tag}-{i}" for i, host in enumerate(self.hosts)}
        self.addresses = {host: f"{self.subnet}.{i + 1}" for i, host in enumerate(self.hosts)}
        self.processes: list[subprocess.Popen] = []
        self._made: list[str] = []
        try:
            for host in self.hosts:
                ns = self.namespaces[host]
                _ip("netns", "add", ns)
                self._made.append(ns)
                _ip("-n", ns, "link", "set", "lo", "up")
                # The host's own name maps to its address, or to what the test says.
                lines = ["127.0.0.1 localhost"]
                for other in self.hosts:
                    own = names[host] if other == host and names[host] else None
                    lines.append(f"{own or self.addresses[other]} {other}")
                folder = Path("/etc/netns") / ns
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "hosts").write_text("\n".join(lines) + "\n")
            if len(self.hosts) == 2:
                a, b = (self.namespaces[h] for h in self.hosts)
                left, right = f"qkv{tag[-6:]}a"[:15], f"qkv{tag[-6:]}b"[:15]
                _ip(
                    "link",
                    "add",
                    left,
                    "netns",
                    a,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    right,
                    "netns",
                    b,
                )
                for ns, link, host in ((a, left, self.hosts[0]), (b, right, self.hosts[1])):
                    _ip("-n", ns, "addr", "add", f"{self.addresses[host]}/24", "dev", link)
                    _ip("-n", ns, "link", "set", link, "up")
        except BaseException:
            self.remove()
            raise

    def command(self, host: str, argv: list[str]) -> list[str]:
        """argv run in the host's namespace, under its own host name."""
        script = f'hostname {host} && exec "$@"'
        return [
            "ip",
            "netns",
            "exec",
            self.namespaces[host],
            "unshare",
            "--uts",
            "sh",
            "-c",
            script,
            "sh",
            *argv,
        ]

    def start(self, host: str, argv: list[str], **popen) -> subprocess.Popen:
        process = subprocess.Popen(self.command(host, argv), start_new_session=True, **popen)
        self.processes.append(process)
        return process

    def remove(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
        for ns in self._made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
            shutil.rmtree(Path("/etc/netns") / ns, ignore_errors=True)
        self._made.clear()

    def left_behind(self) -> list[str]:
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        mine = set(self.namespaces.values())
        names = [line.split()[0] for line in listed.splitlines() if line.strip()]
        running = [str(p.pid) for p in self.processes if p.poll() is None]
        folders = [ns for ns in mine if (Path("/etc/netns") / ns).exists()]
        return [n for n in names if n in mine] + running + folders


class Relay:
    """A listener on this namespace's loopback whose connections go to 127.0.0.1:`port` of
    `host`'s namespace, each through its own netns_relay.py."""

    def __init__(self, hosts: Hosts, host: str, port: int) -> None:
        self.hosts, self.host, self.port = hosts, host, port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.local_port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            relay = self.hosts.start(
                self.host,
                [sys.executable, RELAY, str(self.port)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            threading.Thread(target=self._down, args=(conn, relay), daemon=True).start()
            threading.Thread(target=self._up, args=(conn, relay), daemon=True).start()

    @staticmethod
    def _up(conn: socket.socket, relay: subprocess.Popen) -> None:
        with contextlib.suppress(OSError, ValueError):
            while data := conn.recv(65536):
                relay.stdin.write(data)
                relay.stdin.flush()
        with contextlib.suppress(OSError, ValueError):
            relay.stdin.close()

    @staticmethod
    def _down(conn: socket.socket, relay: subprocess.Popen) -> None:
        with contextlib.suppress(OSError, ValueError):
            while data := os.read(relay.stdout.fileno(), 65536):
                conn.sendall(data)
        with contextlib.suppress(OSError):
            conn.close()

    def close(self) -> None:
        self.server.close()


class RemoteWorker:
    """A worker in a host's namespace, driven through a relay; notifications by long-polling
    GET /notifications (the worker cannot reach a server in this namespace)."""

    def __init__(self, hosts: Hosts, host: str) -> None:
        self.process = hosts.start(
            host,
            [sys.executable, "-m", "qtkeras_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "KERAS_BACKEND": "jax"},
        )
        self.process.stdin.write(TOKEN.encode() + b"\n")
        self.process.stdin.flush()
        self.port = json.loads(self.process.stdout.readline())["port"]
        self.relay = Relay(hosts, host, self.port)
        self.results: dict[str, tuple[str, object]] = {}
        self._cond = threading.Condition()
        self._local = threading.local()
        self._ids = 0
        threading.Thread(target=self._poll, daemon=True).start()

    def request(self, method: str, path: str, body: object = None):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.relay.local_port, timeout=300)
            self._local.conn = conn
        headers = {
            "Authorization": f"Bearer {TOKEN}",
            # The worker checks that the client dialled its own port (it did, by the relay).
            "Host": f"127.0.0.1:{self.port}",
        }
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    def _poll(self) -> None:
        since = 0
        while self.process.poll() is None:
            try:
                body = self.request("GET", f"/notifications?since={since}&wait=5")[1]
            except (OSError, http.client.HTTPException):
                return
            with self._cond:
                for message in body["messages"]:
                    since = message["seq"]
                    if message["path"] == "/notify":
                        for item in message["body"]["results"]:
                            self.results[item["id"]] = ("result", item["value"])
                    elif message["path"] == "/notifyError":
                        self.results[message["body"]["id"]] = ("error", message["body"])
                self._cond.notify_all()

    def submit(self, code: str) -> str:
        self._ids += 1
        command_id = f"n{self._ids}"
        status, body = self.request("POST", "/commands", {"id": command_id, "code": code})
        assert status == 202, body
        return command_id

    def result(self, command_id: str, timeout: float = 240) -> object:
        deadline = time.monotonic() + timeout
        with self._cond:
            while command_id not in self.results:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no outcome of {command_id}"
                self._cond.wait(remaining)
            kind, value = self.results[command_id]
        assert kind == "result", value
        return value

    def run(self, code: str, timeout: float = 240) -> object:
        return self.result(self.submit(code), timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        self.relay.close()


def _everywhere(workers: list[RemoteWorker], code: str) -> list[object]:
    ids = [w.submit(code) for w in workers]
    return [w.result(i) for w, i in zip(workers, ids, strict=True)]


IMPORT = "import qtkeras_worker.cluster as cluster\nimport qtkeras_worker.distribution as dist"


@pytest.mark.timeout(420)
def test_two_hosts_train_as_one_device_with_the_coordinator_on_one_interface():
    hosts = Hosts({"hosta": None, "hostb": None})
    workers: list[RemoteWorker] = []
    try:
        workers = [RemoteWorker(hosts, "hosta"), RemoteWorker(hosts, "hostb")]
        a, b = workers
        found = _everywhere(workers, f"{IMPORT}\ncluster.host()")
        assert [f["hostname"] for f in found] == ["hosta", "hostb"]
        assert [f["addresses"] for f in found] == [
            [hosts.addresses["hosta"]],
            [hosts.addresses["hostb"]],
        ]
        assert not any(f["loopback"] for f in found)

        # Pre-flight: b reaches a's coordinator address, and each reaches the other's.
        address_a, address_b = hosts.addresses["hosta"], hosts.addresses["hostb"]
        port = a.run(f"cluster.listen({address_a!r})")
        probe_b = b.run(f"cluster.listen({address_b!r})")
        assert b.run(f"cluster.reach([({address_a!r}, {port})])") == []
        assert a.run(f"cluster.reach([({address_b!r}, {probe_b})])") == []
        # a's loopback is its own: b cannot reach a probe there.
        local = a.run("cluster.listen('127.0.0.1')")
        assert b.run(f"cluster.reach([('127.0.0.1', {local})], 1.0)") != []
        _everywhere(workers, "cluster.close()")

        coordinator = f"{address_a}:{port}"
        ids = [
            w.submit(f"cluster.initialize({coordinator!r}, 2, {i}, bind={address_a!r})")
            for i, w in enumerate(workers)
        ]
        joined = [w.result(i) for w, i in zip(workers, ids, strict=True)]
        assert [j["process"] for j in joined] == [0, 1]
        assert all(len(j["devices"]) == 2 for j in joined)
        listening = _listening_in(hosts.namespaces["hosta"], port)
        assert listening == [address_a]  # not 0.0.0.0 or :: as JAX would

        _everywhere(workers, "dist.configure({'kind': 'data'})")
        _everywhere(workers, BUILD)
        results = _everywhere(workers, FIT.format(epochs=4, extra=""))
    finally:
        for w in workers:
            w.close()
        hosts.remove()
        assert hosts.left_behind() == []

    assert_losses_match_one_device(results)


@pytest.mark.timeout(120)
def test_a_host_whose_name_resolves_to_loopback_is_reported():
    hosts = Hosts({"hostc": "127.0.1.1"})
    try:
        process = hosts.start(
            "hostc",
            [
                sys.executable,
                "-c",
                "import json, qtkeras_worker.cluster as c; print(json.dumps(c.host()))",
            ],
            stdout=subprocess.PIPE,
        )
        out, _ = process.communicate(timeout=60)
        found = json.loads(out)
        assert found["hostname"] == "hostc"
        assert found["addresses"] == ["127.0.1.1"] and found["loopback"] is True
    finally:
        hosts.remove()
        assert hosts.left_behind() == []
