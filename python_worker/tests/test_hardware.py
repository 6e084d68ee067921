# SPDX-License-Identifier: GPL-3.0-or-later
"""Devices of the worker: simulated CPU devices, GPU memory shared by several workers, and
JAX's errors about a missing CUDA plugin in plain words (tested without a GPU)."""

import os
import subprocess

import pytest
from helpers import Worker

from qtkeras_worker import hardware


def _env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QTKERAS_TOKEN", "JAX_PLATFORMS", "XLA_FLAGS") and not k.startswith("XLA_")
    }
    env.update(extra)
    return env


@pytest.mark.timeout(120)
def test_cpu_devices_flag_gives_jax_that_many_devices():
    w = Worker(args=("--cpu-devices", "3"), env=_env(XLA_FLAGS="--xla_cpu_enable_fast_math=false"))
    try:
        assert w.run("import jax\njax.device_count()", timeout=60) == 3
        flags = w.run("import os\nos.environ['XLA_FLAGS']")
        assert flags == (
            "--xla_cpu_enable_fast_math=false --xla_force_host_platform_device_count=3"
        )
    finally:
        w.close()


def test_cpu_devices_replace_an_earlier_count_and_keep_other_flags():
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=8 --xla_dump_to=/tmp/x"}
    assert hardware.environment(2, None, env) == {
        "XLA_FLAGS": "--xla_dump_to=/tmp/x --xla_force_host_platform_device_count=2"
    }


@pytest.mark.parametrize(
    ("workers", "env", "expected"),
    [
        (None, {}, {}),
        (1, {}, {}),  # one worker per GPU: JAX's own preallocation (75 %) is right
        (
            2,
            {},
            {"XLA_PYTHON_CLIENT_PREALLOCATE": "false", "XLA_PYTHON_CLIENT_MEM_FRACTION": "0.45"},
        ),
        (
            4,
            {},
            {"XLA_PYTHON_CLIENT_PREALLOCATE": "false", "XLA_PYTHON_CLIENT_MEM_FRACTION": "0.23"},
        ),
        (4, {"XLA_PYTHON_CLIENT_MEM_FRACTION": "0.5"}, {}),  # the user's own choice stands
        (4, {"XLA_PYTHON_CLIENT_ALLOCATOR": "platform"}, {}),
    ],
)
def test_workers_sharing_a_gpu_each_take_memory_as_needed_up_to_a_share(workers, env, expected):
    assert hardware.environment(None, workers, env) == expected


@pytest.mark.timeout(60)
def test_the_gpu_settings_reach_the_worker_before_jax_starts():
    w = Worker(args=("--gpu-workers", "3"), env=_env())
    try:
        got = w.run(
            "import os\n[os.environ.get(n) for n in "
            "('XLA_PYTHON_CLIENT_PREALLOCATE', 'XLA_PYTHON_CLIENT_MEM_FRACTION')]"
        )
        assert got == ["false", "0.30"]
    finally:
        w.close()


@pytest.mark.parametrize("flag", ["--cpu-devices", "--gpu-workers"])
def test_a_count_below_one_is_refused_at_start(flag):
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "qtkeras_worker", flag, "0"],
        input="x" * 40 + "\n",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert f"{flag} must be at least 1" in done.stderr


@pytest.mark.timeout(120)
def test_jax_bare_assertion_for_a_missing_cuda_plugin_becomes_a_clear_message():
    w = Worker(env=_env(JAX_PLATFORMS="cuda"))
    try:
        body = w.fail("import jax\njax.devices()", timeout=60)
        error = body["error"]
        assert error["type"] == "AssertionError"
        assert error["message"].startswith(
            "JAX cannot use a GPU: JAX_PLATFORMS is 'cuda', but JAX's CUDA plugin is not "
            "installed in this worker's Python environment"
        )
        assert 'pip install "jax[cuda12]==0.10.2"' in error["message"]
        assert "unset JAX_PLATFORMS" in error["message"]
        assert "xla_bridge.py" in error["traceback"]  # the original traceback is kept
        w.decide(body["id"], "drop")
    finally:
        w.close()


@pytest.mark.timeout(120)
def test_asking_for_a_gpu_backend_that_is_not_there_says_how_to_get_one(worker):
    body = worker.fail("import jax\njax.devices('gpu')", timeout=60)
    message = body["error"]["message"]
    assert message.startswith("JAX cannot use a GPU: JAX has no GPU backend (Unknown backend")
    assert "jax[cuda12]" in message
    worker.decide(body["id"], "drop")


def test_other_errors_keep_their_own_message():
    assert hardware.explain(AssertionError()) is None
    assert hardware.explain(RuntimeError("something else")) is None
    assert hardware.explain(ValueError("Unknown backend 'gpu'")) is None


class _Done:
    def __init__(self, code, out):
        self.returncode, self.stdout = code, out


def test_nvidia_smi_answers_are_read_into_gpus():
    out = "NVIDIA A100-SXM4-40GB, 40960, 550.54.15\nNVIDIA A100-SXM4-40GB, 40960, 550.54.15\n"
    gpus = hardware.nvidia_gpus(run=lambda *a, **k: _Done(0, out))
    assert (
        gpus == [{"name": "NVIDIA A100-SXM4-40GB", "memory_mib": 40960, "driver": "550.54.15"}] * 2
    )
    assert hardware.nvidia_gpus(run=lambda *a, **k: _Done(9, "")) == []


def test_no_nvidia_smi_means_no_gpus_known():
    if subprocess.run(["sh", "-c", "command -v nvidia-smi"], capture_output=True).returncode == 0:
        pytest.skip("this host has nvidia-smi")
    assert hardware.nvidia_gpus() is None
