# SPDX-License-Identifier: GPL-3.0-or-later
"""Merges the benchmark programs' figures and prints them beside the goals and the peers.

Reads lines of JSON ({"figures": {...}}) from the files given (or stdin), ignores other
lines, prints a table (figure, value, goal, peer, ratio) and, as the last line, one JSON
object with every figure.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from dataclasses import dataclass


@dataclass
class Row:
    name: str
    value: str  # key of the figure
    unit: str
    goal: str = ""  # "<= 300" or ">= 5000"
    peer: str = ""  # key of the peer's figure
    peer_name: str = ""
    ratio_goal: str = ""  # goal on value-versus-peer advantage, e.g. ">= 5"
    lower_is_better: bool = True
    show_ratio: bool = True


ROWS = [
    Row(
        "round trip p50",
        "rtt_p50_us",
        "us",
        "<= 350",
        "jupyter_rtt_p50_us",
        "Jupyter",
        ">= 8",
    ),
    Row(
        "round trip p99",
        "rtt_p99_us",
        "us",
        "<= 1000",
        "jupyter_rtt_p99_us",
        "Jupyter",
        ">= 8",
    ),
    Row("  loopback TCP floor p50", "floor_rtt_p50_us", "us"),
    Row(
        "round trip through ssh p50",
        "remote_rtt_p50_us",
        "us",
        "",
        "remote_local_rtt_p50_us",
        "local, same run",
        "",
        show_ratio=False,
    ),
    Row("  through ssh / local", "remote_rtt_ratio", "x", "<= 1.5"),
    Row(
        "replay after a 10 s drop", "replay_received_percent", "%", ">= 100", lower_is_better=False
    ),
    Row("  re-attached after sshd is back", "replay_reattach_after_listen_s", "s"),
    Row("  loopback TCP floor p99", "floor_rtt_p99_us", "us"),
    Row(
        "pipelined throughput",
        "throughput_per_s",
        "cmd/s",
        ">= 15000",
        "jupyter_throughput_per_s",
        "Jupyter",
        lower_is_better=False,
    ),
    Row("  CPU per command, C++", "cpu_us_per_command_cpp", "us"),
    Row("  CPU per command, worker", "cpu_us_per_command_worker", "us"),
    Row(
        "bulk float32 to worker",
        "bulk_up_mb_s",
        "MB/s",
        ">= 800",
        "json_up_mb_s",
        "JSON lists",
        ">= 50",
        lower_is_better=False,
    ),
    Row(
        "bulk float32 back",
        "bulk_down_mb_s",
        "MB/s",
        ">= 800",
        "json_down_mb_s",
        "JSON lists",
        ">= 50",
        lower_is_better=False,
    ),
    Row(
        "QNAM client GET p50",
        "client_rtt_p50_us",
        "us",
        "",
        "raw_rtt_p50_us",
        "raw socket",
    ),
    Row(
        "QNAM client GET p99",
        "client_rtt_p99_us",
        "us",
        "",
        "raw_rtt_p99_us",
        "raw socket",
    ),
    Row(
        "  QNAM with its defaults GET p50",
        "qnam_default_rtt_p50_us",
        "us",
        "",
        "raw_rtt_p50_us",
        "raw socket",
    ),
    Row(
        "QNAM client 100 MB in a POST body",
        "client_upload_mb_s",
        "MB/s",
        "",
        "raw_upload_mb_s",
        "raw socket",
        lower_is_better=False,
    ),
    *(
        Row(
            f"  a {size} array back",
            f"result_{kib}k_downloaded_ms",
            "ms",
            "",
            f"result_{kib}k_posted_ms",
            "posted",
        )
        for size, kib in (
            ("64 KiB", 64),
            ("256 KiB", 256),
            ("1 MiB", 1024),
            ("4 MiB", 4096),
            ("16 MiB", 16384),
        )
    ),
    Row(
        "training wall time",
        "train_bridge_s",
        "s",
        "",
        "train_plain_s",
        "plain Python",
        "<= 1.05",
    ),
    Row(
        "  training CPU time",
        "train_bridge_cpu_s",
        "s",
        "",
        "train_plain_cpu_s",
        "plain Python",
        "<= 1.05",
    ),
    Row(
        "GUI stall p99",
        "gui_stall_p99_ms",
        "ms",
        "<= 16",
        "gui_idle_stall_p99_ms",
        "idle loop",
        show_ratio=False,
    ),
    Row(
        "GUI stall max",
        "gui_stall_max_ms",
        "ms",
        "<= 50",
        "gui_idle_stall_max_ms",
        "idle loop",
        show_ratio=False,
    ),
    Row("  GUI thread CPU in that stall", "gui_stall_max_cpu_ms", "ms"),
    Row(
        "first command after launch",
        "first_command_s",
        "s",
        "<= 1",
        "jupyter_first_command_s",
        "Jupyter",
    ),
    Row(
        "Keras ready after launch",
        "keras_ready_s",
        "s",
        "",
        "plain_import_keras_s",
        "import keras",
    ),
    Row("graph: ResNet50 imported, laid out", "graph_resnet50_import_laid_out_s", "s"),
    Row("  and Keras' shapes on every node", "graph_resnet50_import_shapes_s", "s"),
    Row("graph: an edit until its shapes p50", "graph_edit_shapes_p50_ms", "ms"),
    Row("  max", "graph_edit_shapes_max_ms", "ms"),
    Row("graph: a frame of 500 nodes p50", "graph_frame_p50_ms", "ms"),
    Row("search of iris, 1 trial process", "search_1p_wall_s", "s"),
    Row("  2 trial processes", "search_2p_wall_s", "s"),
    Row("  3 trial processes", "search_3p_wall_s", "s"),
    Row("  a trial until its first epoch p50", "search_2p_first_epoch_p50_s", "s"),
    Row("  between two trials of a process p50", "search_2p_gap_p50_ms", "ms"),
    Row("  KerasTuner's gRPC mode, 2 workers", "kt_grpc_2w_wall_s", "s"),
    Row("  its chief ends when a worker is killed (1/0)", "kt_grpc_killed_chief_ended", ""),
    Row("  p99", "graph_frame_p99_ms", "ms"),
]


def read_figures(lines) -> dict:
    figures: dict = {}
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(message, dict) and isinstance(message.get("figures"), dict):
            figures.update(message["figures"])
    return figures


def scalar(value):
    """Lists of repetitions count by their median."""
    if isinstance(value, list):
        return statistics.median(value) if value else None
    return value


def meets(value: float, goal: str) -> bool:
    op, _, bound = goal.partition(" ")
    return value <= float(bound) if op == "<=" else value >= float(bound)


def fmt(value) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def main() -> None:
    figures = {}
    for path in sys.argv[1:]:
        with open(path) as source:
            figures.update(read_figures(source))
    if len(sys.argv) == 1:
        figures.update(read_figures(sys.stdin))

    # Ratios: how many times better the bridge is than its peer (training: bridge / plain).
    print("ratio: how many times better than the peer (training: bridge time / plain time)")
    derived = {}
    table = [("figure", "value", "goal", "peer", "ratio", "")]
    for row in ROWS:
        value, peer = scalar(figures.get(row.value)), scalar(figures.get(row.peer))
        if value is None:
            continue
        ratio = None
        if peer and row.show_ratio:
            if row.ratio_goal.startswith("<="):
                ratio = value / peer
            elif row.lower_is_better:
                ratio = peer / value if value else None
            else:
                ratio = value / peer
        checks = []
        if row.goal:
            checks.append(meets(value, row.goal))
        if row.ratio_goal and ratio is not None:
            checks.append(meets(ratio, row.ratio_goal))
        status = "" if not checks else ("ok" if all(checks) else "MISSED")
        goal = " and ".join(
            g
            for g in (
                row.goal and f"{row.goal} {row.unit}",
                row.ratio_goal and f"ratio {row.ratio_goal}",
            )
            if g
        )
        table.append(
            (
                row.name,
                f"{fmt(value)} {row.unit}",
                goal,
                f"{fmt(peer)} ({row.peer_name})" if peer is not None else "",
                f"{ratio:.2f}x" if ratio is not None else "",
                status,
            )
        )
        if ratio is not None:
            derived[f"{row.value}_ratio"] = ratio

    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for i, r in enumerate(table):
        print("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(r)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    figures.update(derived)
    figures["cpus"] = os.cpu_count()
    figures["load_average_1m"] = load[0]
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
