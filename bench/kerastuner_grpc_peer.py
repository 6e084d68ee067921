# SPDX-License-Identifier: GPL-3.0-or-later
"""Peer of bench_search: the same iris random search in KerasTuner's own distributed mode (a
chief serving the oracle over gRPC on 127.0.0.1, worker processes asking it for trials).

Prints one JSON line of figures: the wall time with 2 workers, and whether the chief ends
when one worker is killed during its first trial (it waits for that trial forever; the run
is cut after --grace seconds). Every process it starts is ended before it exits.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time

IRIS = pathlib.Path(__file__).resolve().parents[1] / "resources" / "data" / "iris.csv"


def search(role: str, directory: str, trials: int, epochs: int, marker: str) -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    import keras_tuner
    import numpy as np

    rows = [line.split(",") for line in IRIS.read_text().split()[1:]]
    names = sorted({r[4] for r in rows})
    x = np.array([[float(v) for v in r[:4]] for r in rows], dtype="float32")
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = keras.utils.to_categorical([names.index(r[4]) for r in rows], 3)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]

    def build(hp):
        model = keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(hp.Int("units", 4, 64, step=4), activation="relu"),
                keras.layers.Dense(3, activation="softmax"),
            ]
        )
        rate = hp.Float("lr", 1e-3, 1e-1, sampling="log")
        model.compile(
            optimizer=keras.optimizers.Adam(rate),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    class Marker(keras.callbacks.Callback):
        """Touches a file after the first epoch, so that the parent knows when to kill."""

        def on_epoch_end(self, epoch, logs=None):
            pathlib.Path(marker).touch()

    tuner = keras_tuner.RandomSearch(
        build,
        objective="val_loss",
        max_trials=trials,
        seed=1,
        directory=directory,
        project_name="search",
        overwrite=role == "chief",
    )
    tuner.search(
        x, y, epochs=epochs, batch_size=16, validation_split=0.2, verbose=0, callbacks=[Marker()]
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(workers: int, trials: int, epochs: int, kill: bool, grace: float) -> dict:
    directory = tempfile.mkdtemp(prefix="kt-grpc-")
    port = free_port()
    procs: list[subprocess.Popen] = []
    markers = []

    def start(role: str, tuner_id: str) -> subprocess.Popen:
        marker = os.path.join(directory, f"{tuner_id}.epoch")
        markers.append(marker)
        env = dict(
            os.environ,
            KERASTUNER_TUNER_ID=tuner_id,
            KERASTUNER_ORACLE_IP="127.0.0.1",
            KERASTUNER_ORACLE_PORT=str(port),
        )
        args = [sys.executable, __file__, "--role", role, "--directory", directory]
        args += ["--trials", str(trials), "--epochs", str(epochs), "--marker", marker]
        proc = subprocess.Popen(args, env=env, stderr=subprocess.DEVNULL)
        procs.append(proc)
        return proc

    began = time.monotonic()
    chief = start("chief", "chief")
    time.sleep(2)  # the chief's gRPC server must listen before workers connect
    crew = [start("worker", f"tuner{i}") for i in range(workers)]
    try:
        if kill:
            deadline = time.monotonic() + 300
            while not os.path.exists(markers[1]) and time.monotonic() < deadline:
                time.sleep(0.05)
            crew[0].send_signal(signal.SIGKILL)
        for proc in crew:
            proc.wait(timeout=600)
        finished = time.monotonic()
        try:
            chief.wait(timeout=grace)
            chief_ended = True
        except subprocess.TimeoutExpired:
            chief_ended = False
        return {
            "workers_s": finished - began,
            "chief_ended": chief_ended,
        }
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", choices=["bench", "chief", "worker"], default="bench")
    parser.add_argument("--directory")
    parser.add_argument("--marker", default="")
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--grace", type=float, default=60.0)
    args = parser.parse_args()
    if args.role != "bench":
        search(args.role, args.directory, args.trials, args.epochs, args.marker)
        return
    print(f"    KerasTuner gRPC mode: {args.trials} trials, 2 workers", file=sys.stderr)
    plain = run(2, args.trials, args.epochs, kill=False, grace=args.grace)
    print("    the same, one worker killed after its first epoch", file=sys.stderr)
    killed = run(2, args.trials, args.epochs, kill=True, grace=args.grace)
    figures = {
        "kt_grpc_2w_wall_s": plain["workers_s"],
        "kt_grpc_2w_chief_ended": int(plain["chief_ended"]),
        "kt_grpc_killed_chief_ended": int(killed["chief_ended"]),
    }
    print(json.dumps({"figures": figures}))


if __name__ == "__main__":
    main()
