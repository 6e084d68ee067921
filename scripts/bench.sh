#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up what is missing, builds, and runs the benchmarks: the bridge against a Jupyter
# kernel, the paper's JSON path, a plain Python script and the loopback floor. Prints a
# table (figure, value, goal, peer, ratio) and, as its last line, one JSON object with every
# figure. Figures only: nothing here passes or fails on timings.
#   QTKERAS_PRESET       CMake preset to build (default: dev)
#   QTKERAS_BENCH_QUICK=1  fewer samples and repetitions (a smoke run)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset="${QTKERAS_PRESET:-dev}"
QTKERAS_PRESET="$preset" QTKERAS_TARGETS="bench_bridge bench_gui bench_graph bench_remote bench_search" "$root/scripts/setup.sh"

log() { printf '==> %s\n' "$*" >&2; }

python="$root/.venv/bin/python"
req="$root/bench/requirements.txt"
stamp="$root/.venv/.bench-requirements.sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(sha256sum "$req" | cut -d' ' -f1)" ]; then
  log "installing the bench-only Python packages into .venv"
  "$python" -m pip install -q --disable-pip-version-check -r "$req"
  sha256sum "$req" | cut -d' ' -f1 >"$stamp"
fi

build="$root/build/$preset"

export QTKERAS_PYTHON="$python" KERAS_BACKEND=jax QT_QPA_PLATFORM=offscreen
samples=5000 reps=3 epochs=1000 peer_samples=2000 search_trials=6
if [ "${QTKERAS_BENCH_QUICK:-0}" = 1 ]; then
  samples=1000 reps=1 epochs=200 peer_samples=500 search_trials=2
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
log "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
log "bridge: loopback floor, start-up, round trip, throughput, bulk, training"
"$build/bench/bench_bridge" --samples "$samples" --train-reps "$reps" | tee "$out/bridge.jsonl"
log "remote worker through ssh on 127.0.0.1: round trip, replay after a 10 s drop"
"$build/bench/bench_remote" --samples "$peer_samples" | tee "$out/remote.jsonl"
log "peer: plain Python training"
"$python" "$root/bench/train_plain.py" --reps "$reps" | tee "$out/plain.jsonl"
log "peer: Jupyter kernel"
"$python" "$root/bench/jupyter_peer.py" --samples "$peer_samples" 2> >(grep -v 'WARNING' >&2) \
  | tee "$out/jupyter.jsonl"
log "GUI thread during live training"
"$build/bench/bench_gui" --epochs "$epochs" 2> >(grep -v 'propagateSizeHints' >&2) \
  | tee "$out/gui.jsonl"
log "graph builder: ResNet50 import, edits, frames"
"$build/bench/bench_graph" 2> >(grep -v 'propagateSizeHints' >&2) | tee "$out/graph.jsonl"
log "hyper-parameter search: 1, 2 and 3 trial processes"
"$build/bench/bench_search" --trials "$search_trials" | tee "$out/search.jsonl"
log "peer: KerasTuner's own gRPC mode, and a worker killed in it"
"$python" "$root/bench/kerastuner_grpc_peer.py" --trials "$search_trials" | tee "$out/ktgrpc.jsonl"
echo
"$python" "$root/bench/report.py" "$out"/*.jsonl
