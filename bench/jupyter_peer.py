# SPDX-License-Identifier: GPL-3.0-or-later
"""The Jupyter kernel peer: the same trivial code through jupyter_client and ipykernel.

Measures, with a fresh IPython kernel: start-up (launch to the first execute reply), the
round trip of ``execute_request`` -> ``execute_reply`` (p50, p99), and pipelined throughput
(many requests in flight, then every reply). Prints one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from jupyter_client.manager import KernelManager

CODE = "1 + 1"
WINDOW = 500


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def execute(client, code: str) -> None:
    msg_id = client.execute(code, store_history=False)
    while True:
        reply = client.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"the kernel answered {reply['content']}")
            return


def drain_iopub(client) -> None:
    while client.iopub_channel.msg_ready():
        client.get_iopub_msg(timeout=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--pipelined", type=int, default=2000)
    args = parser.parse_args()

    launched = time.perf_counter()
    manager = KernelManager(kernel_name="python3")
    # The kernel runs in this interpreter (the project's virtual environment).
    manager.kernel_cmd = [
        sys.executable,
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
    ]
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        execute(client, CODE)
        first = time.perf_counter() - launched
        print(f"    jupyter: first command after {first:.2f} s", file=sys.stderr)

        for _ in range(args.warmup):
            execute(client, CODE)
        drain_iopub(client)
        samples = []
        for i in range(args.samples):
            start = time.perf_counter()
            execute(client, CODE)
            samples.append(time.perf_counter() - start)
            if i % 100 == 0:
                drain_iopub(client)
        drain_iopub(client)

        # ZeroMQ drops messages beyond a socket's high-water mark (1,000), so the kernel gets
        # at most WINDOW requests in flight at a time.
        start = time.perf_counter()
        sent = 0
        ids: set[str] = set()
        while sent < args.pipelined or ids:
            while sent < args.pipelined and len(ids) < WINDOW:
                ids.add(client.execute(CODE, store_history=False))
                sent += 1
            ids.discard(client.get_shell_msg(timeout=60)["parent_header"].get("msg_id"))
            if sent % 100 == 0:
                drain_iopub(client)
        pipelined = time.perf_counter() - start
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

    figures = {
        "jupyter_first_command_s": first,
        "jupyter_rtt_p50_us": percentile(samples, 0.50) * 1e6,
        "jupyter_rtt_p99_us": percentile(samples, 0.99) * 1e6,
        "jupyter_rtt_mean_us": statistics.fmean(samples) * 1e6,
        "jupyter_throughput_per_s": args.pipelined / pipelined,
    }
    print(json.dumps({"figures": figures}), flush=True)


if __name__ == "__main__":
    main()
