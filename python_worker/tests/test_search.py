# SPDX-License-Identifier: GPL-3.0-or-later
"""Hyper-parameter search (qtkeras_worker.search) with the real KerasTuner in real workers: a
chief hands out trials, another worker runs them, and each trial's epochs stream as events."""

import copy
import math
import pathlib

import pytest
from helpers import Worker

from qtkeras_worker.codec import encode

# Environments of other backends (requirements-tensorflow.txt, -torch.txt) may lack KerasTuner.
pytest.importorskip("keras_tuner")

IRIS = pathlib.Path(__file__).resolve().parents[2] / "resources" / "data" / "iris.csv"

SETUP = f"""
import numpy as np
import keras
import qtkeras_worker.search as qk_search
rows = [line.split(',') for line in open({str(IRIS)!r}).read().split()[1:]]
names = sorted({{r[4] for r in rows}})
x = np.array([[float(v) for v in r[:4]] for r in rows], dtype='float32')
y = keras.utils.to_categorical([names.index(r[4]) for r in rows], 3)
order = np.random.default_rng(0).permutation(len(x))
x, y = x[order], y[order]
hypermodel = qk_search.sequential(
    [qk_search.make(keras.layers.InputLayer, shape=(4,)),
     qk_search.make(keras.layers.Dense, units=qk_search.Int('units', 4, 32, step=4),
                    activation='relu'),
     qk_search.make(keras.layers.Dropout, qk_search.Choice('rate', [0.0, 0.2])),
     qk_search.make(keras.layers.Dense, 3, activation='softmax')],
    loss='categorical_crossentropy',
    optimizer=qk_search.make(keras.optimizers.Adam,
                             learning_rate=qk_search.Float('lr', 1e-3, 1e-1, log=True)),
    metrics=['accuracy'])
"""


@pytest.fixture(scope="module")
def trial_worker():
    w = Worker()
    w.run(SETUP, timeout=120)
    yield w
    w.close()


@pytest.mark.timeout(240)
@pytest.mark.parametrize("kind", ["random", "bayesian", "hyperband"])
def test_a_search_runs_its_trials_on_another_worker(worker, trial_worker, kind):
    worker.run(SETUP, timeout=120)
    worker.run(
        f"search = qk_search.tuner(hypermodel, kind={kind!r}, objective='val_accuracy',"
        " max_trials=3, max_epochs=2, factor=2, seed=1)",
        timeout=60,
    )
    settings = worker.run("qk_search.describe(search)")
    assert settings["direction"] == "max"
    assert {p["name"] for p in settings["space"]} >= {"units", "rate", "lr"}
    ended = []
    for _ in range(10):
        trial = worker.run("qk_search.next_trial(search, 'worker-0')")
        if trial["status"] == "stopped":
            break
        assert trial["status"] == "running"
        assert 4 <= trial["values"]["units"] <= 32 and 1e-3 <= trial["values"]["lr"] <= 1e-1
        command = trial_worker.submit(
            "qk_search.run_trial(settings, hypermodel, state, x, y, epochs=2, batch_size=16,"
            " validation_split=0.2)",
            bindings={"settings": encode(settings["settings"]), "state": trial["state"]},
        )
        result = trial_worker.result(command, timeout=120)
        assert result["status"] == "completed", result
        epochs = trial_worker.recorder.events("epoch", command)
        assert epochs and [e["epoch"] for e in epochs] == result["fit"]["epochs"]
        assert len(result["fit"]["seconds"]) == len(epochs)
        assert math.isclose(
            max(result["fit"]["history"]["val_accuracy"]), result["metrics"]["val_accuracy"]
        )
        summary = worker.run(
            f"qk_search.end_trial(search, {trial['id']!r}, result)",
            bindings={"result": encode(result)},
        )
        assert summary["status"] == "completed" and summary["error"] is None
        assert summary["score"] == result["metrics"]["val_accuracy"]
        ended.append(summary)
    assert len(ended) >= 3 if kind != "hyperband" else len(ended) >= 2
    ranked = worker.run("qk_search.results(search)")
    scores = [t["score"] for t in ranked]
    assert scores == sorted(scores, reverse=True)
    assert ranked[0]["id"] == ended[-1]["best"]
    worker.run("qk_search.close(search)")


def test_a_failed_trial_is_reported_and_ends_as_failed(worker, trial_worker):
    worker.run(SETUP, timeout=120)
    worker.run(
        "search = qk_search.tuner(hypermodel, objective='val_loss', max_trials=2)", timeout=60
    )
    settings = worker.run("qk_search.describe(search)")["settings"]
    trial = worker.run("qk_search.next_trial(search, 'worker-0')")
    # Data with 2 features on a model of 4 inputs: the fit raises inside the trial.
    result = trial_worker.run(
        "qk_search.run_trial(settings, hypermodel, state, x[:, :2], y, epochs=1,"
        " validation_split=0.2)",
        bindings={"settings": encode(settings), "state": trial["state"]},
        timeout=120,
    )
    assert result["status"] == "failed" and "ValueError" in result["message"]
    summary = worker.run(
        f"qk_search.end_trial(search, {trial['id']!r}, result)", bindings={"result": encode(result)}
    )
    assert summary["status"] == "failed" and summary["score"] is None
    assert "ValueError" in summary["message"]
    worker.run("qk_search.close(search)")


def test_an_objective_fit_does_not_log_fails_the_trial_naming_what_it_logs(worker, trial_worker):
    worker.run(SETUP, timeout=120)
    worker.run(
        "search = qk_search.tuner(hypermodel, objective='val_auc', direction='max', max_trials=1)",
        timeout=60,
    )
    settings = worker.run("qk_search.describe(search)")["settings"]
    trial = worker.run("qk_search.next_trial(search, 'worker-0')")
    result = trial_worker.run(
        "qk_search.run_trial(settings, hypermodel, state, x, y, epochs=1, validation_split=0.2)",
        bindings={"settings": encode(settings), "state": trial["state"]},
        timeout=120,
    )
    assert result["status"] == "failed"
    assert result["message"] == (
        "ValueError: the objective val_auc is not among what fit() logged: accuracy, loss, "
        "val_accuracy, val_loss"
    )
    worker.run("qk_search.close(search)")


def test_the_progress_callback_can_be_deep_copied_for_the_tuner(worker):
    copied = worker.run(
        "import copy\nimport qtkeras_worker.keras_support as qks\n"
        "cb = qks.progress_callback()\n"
        "c = copy.deepcopy(cb)\n"
        "[type(c).__name__, c._command is cb._command, c is cb]"
    )
    assert copied == ["ProgressCallback", True, False]


def test_ranges_are_refused_with_a_clear_error():
    from qtkeras_worker import search

    with pytest.raises(ValueError, match="unknown tuner 'grid'"):
        search.tuner(search.sequential([]), kind="grid")
    assert copy.deepcopy(search.Int("units", 1, 8)) == search.Int("units", 1, 8)


def test_an_output_prefixed_objective_gets_its_metrics_direction():
    from qtkeras_worker import search

    known = {"loss", "accuracy"}
    assert search._objective("val_size_accuracy", None, known).direction == "max"
    assert search._objective("species_loss", None, known).direction == "min"
    assert search._objective("val_loss", None).direction == "min"
    assert search._objective("val_loss", "max").direction == "max"
    # Only compile()'s own metrics are looked for at the end of a name.
    assert search._objective("made_up_metric", None, known) == "made_up_metric"
    assert search._objective("val_size_accuracy", None) == "val_size_accuracy"
    hypermodel = search.functional("", metrics=[["accuracy"], ["auc"]])
    assert search._compiled_names(hypermodel) == {"loss", "accuracy", "auc"}


# A functional hypermodel: the builder's graph as statements, a range among a layer's
# arguments.
GRAPH = """
inputs = keras.Input(shape=(4,))
wide = keras.layers.Dense(qk_search.Int('units', 4, 16, step=4), activation='relu')(inputs)
narrow = keras.layers.Dense(4, activation='tanh')(inputs)
merged = keras.layers.Concatenate()([wide, narrow])
model = keras.Model(inputs, keras.layers.Dense(3, activation='softmax')(merged))
"""

GRAPH_SETUP = f"""
graph_model = qk_search.functional(
    {GRAPH!r}, loss='categorical_crossentropy',
    optimizer=qk_search.make(keras.optimizers.Adam,
                             learning_rate=qk_search.Choice('lr', [0.01, 0.03])),
    metrics=['accuracy'])
"""


@pytest.mark.timeout(240)
def test_a_functional_hypermodel_builds_each_trial_with_its_values(worker, trial_worker):
    for w in (worker, trial_worker):
        w.run(SETUP + GRAPH_SETUP, timeout=120)
    # The trial's values make the layers: 12 units are 4*12+12 + 4*4+4 + (12+4)*3+3 weights.
    counted = worker.run(
        "import keras_tuner\nhp = keras_tuner.HyperParameters()\n"
        "hp.Fixed('units', 12)\nhp.Fixed('lr', 0.03)\n"
        "m = graph_model(hp)\n"
        "[m.count_params(), float(m.optimizer.learning_rate)]"
    )
    assert counted == [4 * 12 + 12 + 4 * 4 + 4 + 16 * 3 + 3, pytest.approx(0.03)]

    worker.run(
        "search = qk_search.tuner(graph_model, objective='val_accuracy', max_trials=2, seed=3)",
        timeout=60,
    )
    settings = worker.run("qk_search.describe(search)")
    assert {p["name"] for p in settings["space"]} == {"units", "lr"}
    for _ in range(2):
        trial = worker.run("qk_search.next_trial(search, 'worker-0')")
        assert trial["status"] == "running" and trial["values"]["units"] in (4, 8, 12, 16)
        result = trial_worker.run(
            "qk_search.run_trial(settings, graph_model, state, x, y, epochs=2,"
            " validation_split=0.2)",
            bindings={"settings": encode(settings["settings"]), "state": trial["state"]},
            timeout=120,
        )
        assert result["status"] == "completed", result
        assert result["fit"]["epochs"] == [1, 2]
        summary = worker.run(
            f"qk_search.end_trial(search, {trial['id']!r}, result)",
            bindings={"result": encode(result)},
        )
        assert summary["status"] == "completed"
    worker.run("qk_search.close(search)")


def test_a_functional_hypermodel_without_a_model_fails_its_trial(worker, trial_worker):
    trial_worker.run(SETUP, timeout=120)
    worker.run(SETUP, timeout=120)
    worker.run(
        "search = qk_search.tuner(qk_search.sequential([qk_search.make(keras.layers.Dense, 3)],"
        " loss='mse', optimizer='adam'), objective='loss', max_trials=1)",
        timeout=60,
    )
    settings = worker.run("qk_search.describe(search)")["settings"]
    trial = worker.run("qk_search.next_trial(search, 'worker-0')")
    result = trial_worker.run(
        "qk_search.run_trial(settings, qk_search.functional('x = 1', loss='mse',"
        " optimizer='adam'), state, x, y, epochs=1)",
        bindings={"settings": encode(settings), "state": trial["state"]},
        timeout=120,
    )
    assert result["status"] == "failed"
    assert "leaves no Keras model in `model`" in result["message"]
    worker.run("qk_search.close(search)")
