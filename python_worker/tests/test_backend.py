# SPDX-License-Identifier: GPL-3.0-or-later
"""What the worker does on each Keras backend, with a real worker: JAX in every run, and
TensorFlow or PyTorch when `scripts/test.sh --backend tensorflow|torch` runs this file in that
backend's own environment (QTKERAS_TEST_BACKEND names it). Training, progress events, tensors
coming back as arrays, save and load, checkpoints; and the distribution API, which is JAX's
only: elsewhere it says so instead of failing obscurely."""

import math
import os

import pytest
from helpers import Worker

BACKEND = os.environ.get("QTKERAS_TEST_BACKEND", "jax")

TRAIN = """
import numpy as np
import keras
import qtkeras_worker.model_support as ms
rng = np.random.default_rng(0)
x = rng.normal(size=(96, 4)).astype('float32')
y = keras.utils.to_categorical((x[:, 0] + x[:, 1] > 0).astype('int32'), 2)
keras.utils.set_random_seed(1)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation='relu'),
                          keras.layers.Dense(2, activation='softmax')])
model.compile(loss='categorical_crossentropy', optimizer=keras.optimizers.Adam(0.05),
              metrics=['accuracy'])
"""


@pytest.fixture(scope="module")
def worker():
    w = Worker(args=("--backend", BACKEND))
    yield w
    w.close()


@pytest.mark.timeout(180)
def test_the_worker_runs_keras_on_the_backend(worker):
    event = worker.wait_event("keras-ready", timeout=120)
    assert event["backend"] == BACKEND
    assert worker.run("import keras\nkeras.backend.backend()", timeout=60) == BACKEND


@pytest.mark.timeout(240)
def test_training_learns_and_reports_every_epoch(worker):
    worker.run(TRAIN, timeout=120)
    command_id = worker.submit("ms.fit(model, x, y, epochs=15, batch_size=16)")
    result = worker.result(command_id, timeout=180)
    losses = result["history"]["loss"]
    assert len(losses) == 15 and losses[-1] < losses[0] * 0.8
    assert result["history"]["accuracy"][-1] > 0.8
    epochs = worker.recorder.events("epoch", command_id)
    assert [e["epoch"] for e in epochs] == list(range(1, 16))
    assert math.isclose(epochs[-1]["logs"]["loss"], losses[-1], rel_tol=1e-6)


@pytest.mark.timeout(180)
def test_a_backend_tensor_comes_back_as_an_array(worker):
    worker.run(TRAIN, timeout=120)
    value = worker.run("keras.ops.convert_to_tensor(x[:3, :2] * 2)")
    assert value.shape == (3, 2) and value.dtype.name == "float32"
    prediction = worker.run("model(x[:5])")
    assert prediction.shape == (5, 2)


@pytest.mark.timeout(240)
def test_save_load_and_checkpoints_on_the_backend(worker, tmp_path):
    worker.run(TRAIN, timeout=120)
    path = str(tmp_path / "model.keras")
    worker.run(f"ms.fit(model, x, y, epochs=2, batch_size=16, checkpoint={str(tmp_path)!r})", 180)
    worker.run(f"model.save({path!r})")
    same = worker.run(
        f"import numpy as np\nloaded = ms.load({path!r})\n"
        "bool(np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6))"
    )
    assert same is True
    resumed = worker.run(
        f"ms.fit(model, x, y, epochs=3, batch_size=16, checkpoint={str(tmp_path)!r}, resume=True)",
        180,
    )
    assert resumed["resumed_from"] == 2 and resumed["epochs"] == [3]


@pytest.mark.timeout(180)
def test_distribution_is_offered_on_jax_only(worker):
    devices = worker.run("import qtkeras_worker.distribution as dist\ndist.devices()", 120)
    assert devices["backend"] == BACKEND
    if BACKEND == "jax":
        assert devices["devices"] and devices["platform"] == "cpu"
        assert worker.run("dist.configure({'kind': 'data'})")["kind"] == "data"
        worker.run("dist.configure(None)")
        return
    assert devices["devices"] == []
    body = worker.fail("dist.configure({'kind': 'data'})")
    assert body["error"]["message"].startswith(
        f"Keras' distribution API needs the JAX backend; this worker runs {BACKEND}"
    )
    worker.decide(body["id"], "drop")
    body = worker.fail(
        "import qtkeras_worker.cluster as cluster\ncluster.initialize('127.0.0.1:1', 2, 0)"
    )
    assert f"needs the JAX backend; this worker runs {BACKEND}" in body["error"]["message"]
    worker.decide(body["id"], "drop")
