# SPDX-License-Identifier: GPL-3.0-or-later
"""Keras on the JAX backend inside the worker: models as refs, training progress events and
stopping training."""

import math

import pytest
from helpers import Ref

TRAIN = """
import numpy as np
import keras
import qtkeras_worker.keras_support as qks
rng = np.random.default_rng(0)
x = rng.random((64, 4)).astype('float32')
y = rng.random((64, 1)).astype('float32')
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation='relu'),
                          keras.layers.Dense(1)])
model.compile(optimizer='adam', loss='mse', metrics=['mae'])
history = model.fit(x, y, epochs={epochs}, batch_size={batch}, verbose=0,
                    callbacks=[qks.progress_callback()])
history.history
"""


def test_keras_is_imported_in_the_background_on_jax(worker):
    event = worker.wait_event("keras-ready", timeout=60)
    assert event == {"kind": "keras-ready", "keras": "3.15.1", "backend": "jax"}
    assert worker.run("import keras\nkeras.backend.backend()") == "jax"
    assert worker.request("GET", "/status")[1]["keras_ready"] is True


def test_a_keras_model_comes_back_as_a_ref(worker):
    ref = worker.run(
        "import keras\nkeras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])", timeout=60
    )
    assert isinstance(ref, Ref)
    assert ref["type"].endswith("Sequential")
    assert worker.run(f"{ref['name']}.count_params()") == 8


def test_training_sends_an_epoch_event_per_epoch(worker):
    command_id = worker.submit(TRAIN.format(epochs=2, batch=16))
    history = worker.result(command_id, timeout=60)
    assert set(history) == {"loss", "mae"} and len(history["loss"]) == 2
    epochs = worker.recorder.events("epoch", command_id)
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert all(e["epochs"] == 2 for e in epochs)
    for event, loss in zip(epochs, history["loss"], strict=True):
        assert math.isclose(event["logs"]["loss"], loss, rel_tol=1e-6)
        assert event["seconds"] >= 0
    batches = worker.recorder.events("batch", command_id)
    assert batches and batches[0]["batches"] == 4


def test_stop_training_finishes_early(worker):
    command_id = worker.submit(TRAIN.format(epochs=10000, batch=4))
    worker.wait_event("epoch", command_id, timeout=60)
    assert worker.request("POST", "/stop-training", {})[1] == {"stopping": True}
    history = worker.result(command_id, timeout=30)
    assert 1 <= len(history["loss"]) < 10000
    assert worker.request("POST", "/stop-training", {})[1] == {"stopping": False}


def test_progress_callback_outside_a_worker_is_a_clear_error():
    from qtkeras_worker import keras_support

    with pytest.raises(RuntimeError, match="only inside a qtkeras worker"):
        keras_support.progress_callback()
