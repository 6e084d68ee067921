# SPDX-License-Identifier: GPL-3.0-or-later
"""A JAX job of two worker processes on loopback: pre-flight probes, initialisation with the
coordinator bound to the chosen address only, each process fed its own rows of every batch,
losses equal to training on one device, and stopping together."""

import contextlib
import ipaddress
import socket
import subprocess

import pytest
from helpers import Worker
from test_distribution import BUILD, FIT, assert_losses_match_one_device

from qtkeras_worker import cluster

IMPORT = "import qtkeras_worker.cluster as cluster\nimport qtkeras_worker.distribution as dist"


def everywhere(workers, code, timeout=120):
    """Sends `code` to every worker before waiting for any (a job's steps are collective)."""
    ids = [w.submit(code) for w in workers]
    return [w.result(i, timeout=timeout) for w, i in zip(workers, ids, strict=True)]


def _address(hex_address):
    """An address of /proc/net/tcp{,6} (little-endian 32-bit words) as an IP address, with
    an IPv4-mapped IPv6 address as the IPv4 address it stands for."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(words)
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _listening_on(tables, port):
    """The local addresses of the sockets listening on `port` in /proc/net/tcp{,6} texts."""
    found = []
    for text in tables:
        for line in text.splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:
                found.append(_address(address))
    return found


def _listening(port):
    """The addresses listening on `port` in this network namespace."""
    tables = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as file:
            tables.append(file.read())
    return _listening_on(tables, port)


def _listening_in(namespace, port):
    """The addresses listening on `port` in network namespace `namespace`."""
    tables = [
        subprocess.run(
            ["ip", "netns", "exec", namespace, "cat", table],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        for table in ("/proc/net/tcp", "/proc/net/tcp6")
    ]
    return _listening_on(tables, port)


@pytest.fixture
def job():
    """Two workers that have joined one job on 127.0.0.1 (process 0 first)."""
    workers = [Worker(), Worker()]
    try:
        port = workers[0].run(f"{IMPORT}\ncluster.listen('127.0.0.1')")
        assert workers[1].run(f"{IMPORT}\ncluster.connect('127.0.0.1', {port})") is None
        workers[0].run(f"cluster.close({port})")
        ids = [
            w.submit(f"cluster.initialize('127.0.0.1:{port}', 2, {i}, bind='127.0.0.1')")
            for i, w in enumerate(workers)
        ]
        joined = [w.result(i, timeout=120) for w, i in zip(workers, ids, strict=True)]
        yield workers, port, joined
    finally:
        for w in workers:
            w.close()


@pytest.mark.timeout(300)
def test_two_processes_train_as_one_device_and_bind_only_the_chosen_address(job):
    workers, port, joined = job
    assert [j["process"] for j in joined] == [0, 1]
    assert all(j["processes"] == 2 and len(j["devices"]) == 2 for j in joined)
    assert joined[0]["local_devices"] != joined[1]["local_devices"]
    # The coordinator listens on 127.0.0.1 only, not on every interface as JAX would.
    assert _listening(port) == ["127.0.0.1"]

    everywhere(workers, "dist.configure({'kind': 'data'})")
    everywhere(workers, BUILD, timeout=180)
    results = everywhere(workers, FIT.format(epochs=4, extra=""), timeout=240)

    assert_losses_match_one_device(results)
    # Curves come from process 0; process 1 is fed half of each batch and says so.
    epochs = workers[0].recorder.events("epoch")
    assert [e["epoch"] for e in epochs][-4:] == [1, 2, 3, 4]
    batches = workers[1].recorder.events("batch")
    assert batches and batches[-1]["batches"] == 8


@pytest.mark.timeout(300)
def test_a_stop_request_to_one_process_stops_every_process_at_the_same_epoch(job):
    workers, _, _ = job
    everywhere(workers, "dist.configure({'kind': 'data'})")
    everywhere(workers, BUILD, timeout=180)
    ids = [w.submit(FIT.format(epochs=1000, extra="")) for w in workers]
    workers[1].wait_event("epoch", ids[1], timeout=120)
    assert workers[1].request("POST", "/stop-training", {})[1] == {"stopping": True}
    results = [w.result(i, timeout=120) for w, i in zip(workers, ids, strict=True)]
    assert results[0]["stopped"] and results[1]["stopped"]
    assert results[0]["epochs"] == results[1]["epochs"]
    assert len(results[0]["epochs"]) < 1000


# ---------------------------------------------------------------- pre-flight, in-process


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "[::]", "", "*"])
def test_the_coordinator_never_binds_every_interface(address):
    with pytest.raises(cluster.ClusterError, match="every interface"):
        cluster.check_bind(address)


def test_an_address_of_another_host_cannot_be_bound():
    with pytest.raises(cluster.ClusterError, match="is not an address of this host"):
        cluster.check_bind("192.0.2.1")


def test_a_host_name_that_resolves_to_loopback_is_reported():
    info = cluster.host()
    assert info["hostname"] == socket.gethostname()
    assert info["loopback"] == all(
        a.startswith("127.") or a == "::1" for a in cluster.resolve(info["hostname"])
    )


def test_probes_tell_a_reachable_port_from_an_unreachable_one():
    port = cluster.listen("127.0.0.1")
    try:
        assert cluster.connect("127.0.0.1", port) is None
    finally:
        assert cluster.close(port) == 1
    refused = cluster.connect("127.0.0.1", port, timeout=2)
    assert refused is not None and f"cannot reach 127.0.0.1:{port}" in refused
