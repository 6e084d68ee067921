# SPDX-License-Identifier: GPL-3.0-or-later
"""What the worker computes on: simulated CPU devices, GPUs shared by several workers, and
plain words for JAX's errors when its CUDA plugin is missing.

Everything here runs before JAX is imported (the environment decides its devices), and
nothing here imports JAX.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import traceback
from collections.abc import Mapping
from typing import Any

CPU_DEVICES_FLAG = "--xla_force_host_platform_device_count"
# What the GPU workers of one host leave free for the driver, other programs and
# fragmentation, out of the GPU's memory.
GPU_HEADROOM = 0.1
GPU_VARIABLES = (
    "XLA_PYTHON_CLIENT_PREALLOCATE",
    "XLA_PYTHON_CLIENT_MEM_FRACTION",
    "XLA_PYTHON_CLIENT_ALLOCATOR",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cpu-devices",
        type=int,
        metavar="N",
        help="simulate N CPU devices (XLA_FLAGS=--xla_force_host_platform_device_count=N), "
        "to train on several devices without accelerators",
    )
    parser.add_argument(
        "--gpu-workers",
        type=int,
        metavar="N",
        help="N workers share each GPU of this host: JAX then allocates GPU memory as it "
        "needs it, up to its share, instead of taking 75%% at once (unless the "
        "XLA_PYTHON_CLIENT_* variables say otherwise)",
    )


def check_arguments(args: argparse.Namespace) -> str | None:
    """Why the arguments are wrong, or None."""
    if args.cpu_devices is not None and args.cpu_devices < 1:
        return "--cpu-devices must be at least 1"
    if args.gpu_workers is not None and args.gpu_workers < 1:
        return "--gpu-workers must be at least 1"
    return None


def environment(
    cpu_devices: int | None, gpu_workers: int | None, environ: Mapping[str, str]
) -> dict[str, str]:
    """The environment variables to set for these choices, given the current environment."""
    changes: dict[str, str] = {}
    if cpu_devices is not None:
        flags = [
            f for f in environ.get("XLA_FLAGS", "").split() if f.split("=")[0] != CPU_DEVICES_FLAG
        ]
        flags.append(f"{CPU_DEVICES_FLAG}={cpu_devices}")
        changes["XLA_FLAGS"] = " ".join(flags)
    if (
        gpu_workers is not None
        and gpu_workers > 1
        and not any(name in environ for name in GPU_VARIABLES)
    ):
        changes["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
        share = (1.0 - GPU_HEADROOM) / gpu_workers
        changes["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{share:.2f}"
    return changes


def apply(args: argparse.Namespace) -> None:
    """Sets the environment for the parsed arguments (before JAX is imported)."""
    os.environ.update(environment(args.cpu_devices, args.gpu_workers, os.environ))


# ---------------------------------------------------------------- GPUs


def nvidia_gpus(run: Any = subprocess.run) -> list[dict[str, Any]] | None:
    """The host's NVIDIA GPUs as nvidia-smi lists them (name, memory in MiB, driver), an
    empty list when nvidia-smi answers with none, None when there is no nvidia-smi."""
    if run is subprocess.run and shutil.which("nvidia-smi") is None:
        return None
    try:
        done = run(
            [
                "nvidia-smi",
                "--query-gpu=name,memory.total,driver_version",
                "--format=csv,noheader,nounits",
            ],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return []
    gpus = []
    for line in done.stdout.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3:
            continue
        name, memory, driver = parts
        gpus.append(
            {
                "name": name,
                "memory_mib": int(memory) if memory.isdigit() else None,
                "driver": driver,
            }
        )
    return gpus


def cuda_advice(jax_version: str | None) -> str:
    """The pip requirement that gives JAX its CUDA 12 plugin, matching the installed JAX."""
    pin = f"=={jax_version}" if jax_version else ""
    return f'pip install "jax[cuda12]{pin}"'


# ---------------------------------------------------------------- errors


_UNKNOWN_GPU = re.compile(
    r"Unknown backend:? '?(gpu|cuda|rocm)'?|Unable to initialize backend '(cuda|rocm|gpu)'"
    r"|no platforms that are instances of (gpu|cuda)"
)


def _platforms() -> str:
    return os.environ.get("JAX_PLATFORMS", os.environ.get("JAX_PLATFORM_NAME", ""))


def explain(exc: BaseException) -> str | None:
    """Plain words for JAX's errors about a GPU it cannot use, None for any other error.

    With JAX_PLATFORMS=cuda and no CUDA plugin installed, JAX fails with a bare
    AssertionError deep in xla_bridge; asking for a 'gpu' backend that is not there gives a
    RuntimeError that does not say how to get one.
    """
    platforms = _platforms()
    wants_gpu = any(p in platforms.lower() for p in ("cuda", "gpu", "rocm"))
    if isinstance(exc, AssertionError) and not str(exc):
        frames = traceback.extract_tb(exc.__traceback__)
        in_bridge = any(
            f.filename.replace("\\", "/").endswith("jax/_src/xla_bridge.py") for f in frames
        )
        if in_bridge and wants_gpu:
            return _gpu_message(f"JAX_PLATFORMS is '{platforms}'")
        if in_bridge:
            return _gpu_message("JAX found no backend it could start")
    if isinstance(exc, RuntimeError) and _UNKNOWN_GPU.search(str(exc)):
        return _gpu_message(f"JAX has no GPU backend ({str(exc).splitlines()[0]})")
    return None


def _gpu_message(what: str) -> str:
    try:
        import importlib.metadata

        version: str | None = importlib.metadata.version("jax")
    except Exception:  # noqa: BLE001 - any failure: no version in the advice
        version = None
    gpus = nvidia_gpus()
    if gpus:
        host = f"this host has {len(gpus)} NVIDIA GPU(s) ({gpus[0]['name']})"
    elif gpus is None:
        host = "nvidia-smi is not on this host's PATH (no NVIDIA driver?)"
    else:
        host = "nvidia-smi lists no GPU on this host"
    return (
        f"JAX cannot use a GPU: {what}, but JAX's CUDA plugin is not installed in this "
        f"worker's Python environment; {host}. To train on the GPU, run "
        f"{cuda_advice(version)} in that environment (Settings > Check environment offers "
        "it); to train on the CPU, unset JAX_PLATFORMS"
    )
