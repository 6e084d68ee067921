# SPDX-License-Identifier: GPL-3.0-or-later
"""One worker per process of a multi-process JAX job: pre-flight checks and initialisation.

The client (the IDE, the C++ ProcessGroup) asks every worker of the job for `host()`, has
process 0 open a probe where the coordinator will listen and the others connect to it
(`listen`, `connect`, `close`), then sends `initialize` first to every worker. The
coordinator binds the address it is given, never every interface (JAX's default).

Importable without JAX: it is imported lazily, inside functions.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import threading
from typing import Any

WILDCARDS = ("", "0.0.0.0", "::", "[::]", "*")


class ClusterError(RuntimeError):
    """A job that cannot form, with the reason and the fix."""


# ---------------------------------------------------------------- this host


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def resolve(name: str) -> list[str]:
    """The addresses `name` resolves to here (through this host's own /etc/hosts, DNS...)."""
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def host() -> dict[str, Any]:
    """This host's name, what it resolves to here, and whether that is only loopback: JAX's
    CPU collectives (gloo) advertise the address the host name resolves to, so peers on
    other hosts must be able to reach it."""
    name = socket.gethostname()
    addresses = resolve(name)
    return {
        "hostname": name,
        "addresses": addresses,
        "loopback": bool(addresses) and all(_is_loopback(a) for a in addresses),
        "pid": os.getpid(),
    }


def check_bind(address: str) -> str:
    """`address` as an interface address of this host that a server may bind; refuses the
    wildcard addresses (every interface) and addresses that are not this host's."""
    bare = address.strip()
    if bare.startswith("[") and bare.endswith("]"):
        bare = bare[1:-1]
    if bare in WILDCARDS:
        raise ClusterError(
            f"the coordinator would listen on every interface ({address or 'empty'}): "
            "give the address of the one interface the job's hosts share"
        )
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        resolved = resolve(bare)
        if not resolved:
            raise ClusterError(f"{address} does not resolve to an address") from None
        bare = resolved[0]
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((bare, 0))
        except OSError as exc:
            raise ClusterError(
                f"{address} is not an address of this host ({socket.gethostname()}): {exc}"
            ) from None
    return bare


def _host_port(address: str) -> tuple[str, int]:
    host_part, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host_part:
        raise ClusterError(f"{address!r} is not HOST:PORT")
    return host_part.strip("[]"), int(port)


def _join(host_part: str, port: int) -> str:
    return f"[{host_part}]:{port}" if ":" in host_part else f"{host_part}:{port}"


# ---------------------------------------------------------------- probes


class _Probe:
    """A listening socket that accepts and closes connections until it is closed."""

    def __init__(self, address: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.accepted = 0
        self._thread = threading.Thread(target=self._serve, name="qtkeras-probe", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


_probes: dict[int, _Probe] = {}
_lock = threading.Lock()


def listen(address: str, port: int = 0) -> int:
    """Opens a probe on `address`:`port` (0: a free port) and returns its port, so that the
    other processes can check they reach this host there. The wildcard is refused."""
    bound = check_bind(address)
    try:
        probe = _Probe(bound, port)
    except OSError as exc:
        raise ClusterError(f"cannot listen on {_join(bound, port)}: {exc}") from None
    with _lock:
        _probes[probe.port] = probe
    return probe.port


def connect(address: str, port: int, timeout: float = 3.0) -> str | None:
    """None when a TCP connection to `address`:`port` opens within `timeout` seconds, else
    why not."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return None
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"cannot reach {_join(address, port)} from {socket.gethostname()}: {reason}"


def reach(targets: list[tuple[str, int]], timeout: float = 3.0) -> list[str]:
    """Why each (address, port) of `targets` cannot be reached from here; empty when every
    one can."""
    errors = (connect(address, port, timeout) for address, port in targets)
    return [error for error in errors if error]


def close(port: int | None = None) -> int:
    """Closes the probe on `port` (every probe when None); returns how many were closed."""
    with _lock:
        ports = list(_probes) if port is None else [port]
        probes = [_probes.pop(p) for p in ports if p in _probes]
    for probe in probes:
        probe.close()
    return len(probes)


# ---------------------------------------------------------------- initialisation


def initialize(
    coordinator: str, processes: int, process: int, bind: str | None = None
) -> dict[str, Any]:
    """keras.distribution.initialize() for this worker as process `process` of `processes`,
    with the coordinator at `coordinator` (HOST:PORT). Process 0 runs the coordinator on
    `bind` (an address of this host; default: the coordinator's host), never on every
    interface. Blocks until every process has joined. Must come before anything that uses
    JAX in this worker."""
    import keras

    backend = keras.backend.backend()
    if backend != "jax":
        raise ClusterError(f"a multi-process job needs the JAX backend; this worker runs {backend}")
    if not (isinstance(processes, int) and processes >= 1 and 0 <= process < processes):
        raise ClusterError(f"process {process} of {processes} is not a valid place in a job")
    coordinator_host, port = _host_port(coordinator)
    from jax._src import distributed as jax_distributed

    state = jax_distributed.global_state
    if state.client is not None:
        if (state.coordinator_address, state.num_processes, state.process_id) == (
            coordinator,
            processes,
            process,
        ):
            return _joined()
        raise ClusterError(
            f"this worker already belongs to a job (process {state.process_id} of "
            f"{state.num_processes} at {state.coordinator_address}): restart it to join another"
        )
    if _backends_started():
        raise ClusterError(
            "JAX has already run a computation in this worker, so it cannot join a job: "
            "restart the worker and send the initialisation first"
        )
    if process == 0:
        bound = check_bind(bind or coordinator_host)
        os.environ["JAX_COORDINATOR_BIND_ADDRESS"] = _join(bound, port)
    keras.distribution.initialize(coordinator, processes, process)
    return _joined()


def _backends_started() -> bool:
    try:
        from jax._src import xla_bridge
    except ImportError:
        return False
    return bool(getattr(xla_bridge, "_backends", None))


def _joined() -> dict[str, Any]:
    import jax

    return {
        "process": jax.process_index(),
        "processes": jax.process_count(),
        "devices": [f"{d.platform}:{d.id}" for d in jax.devices()],
        "local_devices": [f"{d.platform}:{d.id}" for d in jax.local_devices()],
        **host(),
    }
