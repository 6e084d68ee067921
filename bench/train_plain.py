# SPDX-License-Identifier: GPL-3.0-or-later
"""The peer of the training figure: the iris model trained by a plain Python script.

Same data preparation and the same Keras code as bench/iristraining.cpp sends through the
bridge (without the progress callback). Prints one JSON line with the wall times of each
repetition (build, compile and fit; Keras is imported before the clock starts) and the CPU
time they took.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pathlib
import time

import numpy as np

SPECIES = ["setosa", "versicolor", "virginica"]


def load_iris(path: pathlib.Path) -> tuple[np.ndarray, np.ndarray]:
    with path.open(newline="") as f:
        rows = [r for r in csv.reader(f)][1:]
    x = np.array([[float(v) for v in r[:4]] for r in rows if len(r) == 5], dtype=np.float32)
    labels = [SPECIES.index(r[4]) for r in rows if len(r) == 5]
    y = np.eye(3, dtype=np.float32)[labels]
    x = ((x - x.mean(axis=0)) / x.std(axis=0)).astype(np.float32)
    return x, y


def train(keras, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int) -> float:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(16),
            keras.layers.Activation("sigmoid"),
            keras.layers.Dense(3),
            keras.layers.Activation("softmax"),
        ]
    )
    model.compile(
        loss=keras.losses.CategoricalCrossentropy(),
        optimizer=keras.optimizers.Adam(),
        metrics=["accuracy"],
    )
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return float(history.history["loss"][-1])


def main() -> None:
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--csv", default=str(root / "resources" / "data" / "iris.csv"))
    args = parser.parse_args()

    os.environ.setdefault("KERAS_BACKEND", "jax")
    start = time.perf_counter()
    import keras

    import_seconds = time.perf_counter() - start

    x, y = load_iris(pathlib.Path(args.csv))
    seconds, cpu_seconds = [], []
    for _ in range(args.reps):
        start, cpu = time.perf_counter(), time.process_time()
        train(keras, x, y, args.epochs, args.batch_size)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - cpu)
    figures = {
        "train_plain_s": seconds,
        "train_plain_cpu_s": cpu_seconds,
        "plain_import_keras_s": import_seconds,
    }
    print(json.dumps({"figures": figures}), flush=True)


if __name__ == "__main__":
    main()
