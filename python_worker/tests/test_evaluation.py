# SPDX-License-Identifier: GPL-3.0-or-later
"""Evaluation reports (qtkeras_worker.evaluation) and the learning rate in the history: in
process with real Keras models, and through the real worker."""

import keras
import numpy as np
import pytest

from qtkeras_worker import evaluation as ev
from qtkeras_worker import model_support as ms


def _classifier(loss="categorical_crossentropy", activation="softmax", units=3):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation=activation)])
    model.compile(loss=loss, optimizer="adam", metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def blobs():
    """Three separable clusters, 60 rows: a model learns them in a few epochs."""
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(3), 20)
    centres = np.array([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]], "float32")
    x = (centres[labels] + rng.normal(0, 0.5, (60, 4))).astype("float32")
    return x, labels


def test_a_classifier_gets_keras_scores_and_a_matrix_that_counts_every_row(blobs):
    x, labels = blobs
    model = _classifier()
    y = keras.utils.to_categorical(labels, 3)
    model.fit(x, y, epochs=30, batch_size=8, verbose=0)
    result = ev.report(model, x, y)
    assert result["task"] == "classification" and result["classes"] == 3
    matrix = result["confusion"]
    assert matrix.shape == (3, 3) and matrix.dtype == np.int64
    assert matrix.sum() == result["rows"] == 60
    # Rows are the true classes: each holds that class's 20 rows.
    assert list(matrix.sum(axis=1)) == [20, 20, 20]
    # The diagonal is what Keras' accuracy counted.
    assert np.trace(matrix) == round(result["scores"]["accuracy"] * 60)
    assert result["misclassified"] == 60 - np.trace(matrix)
    assert result["scores"] == ms.evaluate(model, x, y)
    table = result["predictions"]
    assert list(table["row"]) == list(range(60))
    assert list(table["true"]) == list(labels)
    expected = model.predict(x, verbose=0)
    assert list(table["predicted"]) == list(expected.argmax(axis=1))
    assert np.allclose(table["confidence"], expected.max(axis=1))


def test_sparse_labels_and_logits_give_probabilities(blobs):
    x, labels = blobs
    model = _classifier(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), activation=None
    )
    model.fit(x, labels, epochs=20, batch_size=8, verbose=0)
    result = ev.report(model, x, labels)
    assert result["task"] == "classification"
    confidence = result["predictions"]["confidence"]
    assert np.all((confidence >= 1 / 3) & (confidence <= 1))
    assert np.trace(result["confusion"]) == round(result["scores"]["accuracy"] * 60)


def test_a_binary_classifier_has_two_classes(blobs):
    x, labels = blobs
    y = (labels == 0).astype("float32")
    model = _classifier(loss="binary_crossentropy", activation="sigmoid", units=1)
    model.fit(x, y, epochs=20, batch_size=8, verbose=0)
    result = ev.report(model, x, y)
    assert result["classes"] == 2 and result["confusion"].shape == (2, 2)
    assert list(result["confusion"].sum(axis=1)) == [40, 20]
    assert np.trace(result["confusion"]) == round(result["scores"]["accuracy"] * 60)
    assert np.all(result["predictions"]["confidence"] >= 0.5)


def test_the_table_is_capped_and_keeps_every_misclassified_row():
    truth = np.arange(1000) % 4
    predicted = keras.utils.to_categorical(truth, 4)
    wrong = [3, 500, 998]
    for row in wrong:
        predicted[row] = np.roll(predicted[row], 1)
    result = ev.summarize(truth, predicted, rows=10)
    assert result["rows"] == 1000 and result["confusion"].sum() == 1000
    assert result["misclassified"] == 3
    # The three misclassified rows, then the first seven others, in row order.
    assert list(result["predictions"]["row"]) == [0, 1, 2, 3, 4, 5, 6, 7, 500, 998]
    assert (
        list(result["predictions"]["predicted"] != result["predictions"]["true"]).count(True) == 3
    )


def test_a_regression_model_gets_errors_and_no_matrix():
    rng = np.random.default_rng(2)
    x = rng.random((50, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True) * 2.5
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="adam", metrics=["mae"])
    model.fit(x, y, epochs=3, verbose=0)
    result = ev.report(model, x, y, rows=20)
    assert result["task"] == "regression" and "confusion" not in result
    assert result["rows"] == 50 and result["outputs"] == 1
    table = result["predictions"]
    assert list(table["row"]) == list(range(20))
    assert np.allclose(table["error"], table["predicted"][:, 0] - table["true"][:, 0])
    assert np.allclose(table["true"][:, 0], y[:20, 0])
    assert np.isclose(
        np.abs(ev.summarize(y, model.predict(x, verbose=0))["predictions"]["error"]).mean(),
        result["scores"]["mae"],
        rtol=1e-4,
    )


@pytest.mark.parametrize(
    ("y", "predicted", "words"),
    [
        (np.array([0, 5]), np.array([[0.5, 0.5], [0.2, 0.8]]), ["label 5", "row 1", "2 classes"]),
        (np.array([0.5, 1]), np.array([[0.5, 0.5], [0.2, 0.8]]), ["whole numbers"]),
        (np.zeros(3), np.zeros((2, 2)), ["3 targets for 2 predictions"]),
    ],
)
def test_labels_that_do_not_fit_are_refused_clearly(y, predicted, words):
    with pytest.raises(ValueError) as caught:
        ev.summarize(y, predicted, loss="sparse_categorical_crossentropy")
    for word in words:
        assert word in str(caught.value)


def test_several_outputs_get_scores_only_and_count_rows():
    predicted = [np.zeros((4, 1)), np.zeros((4, 2))]
    result = ev.summarize([np.zeros((4, 1)), np.zeros((4, 2))], predicted)
    assert result["task"] == "other" and "several outputs" in result["note"]
    assert result["rows"] == 4
    named = ev.summarize({"a": np.zeros((5, 1))}, {"a": np.zeros((5, 1)), "b": np.zeros((5,))})
    assert named["rows"] == 5


def test_the_learning_rate_of_each_epoch_follows_a_schedule(blobs):
    x, labels = blobs
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=8, decay_rate=0.5)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(schedule))
    result = ms.fit(model, x, labels, epochs=4, batch_size=8)
    rates = result["history"]["learning_rate"]
    # 60 rows in batches of 8: 8 steps an epoch, so each epoch halves the rate.
    assert rates == pytest.approx([0.1 * 0.5 ** (e + 1) for e in range(4)], rel=1e-5)


def test_a_constant_learning_rate_is_recorded_too(blobs):
    x, labels = blobs
    model = _classifier(loss="sparse_categorical_crossentropy")
    model.optimizer.learning_rate = 0.02
    result = ms.fit(model, x, labels, epochs=2, batch_size=16)
    assert result["history"]["learning_rate"] == pytest.approx([0.02, 0.02])


# Keras' own LearningRateScheduler reads the rate with np.array(variable), which numpy 2 warns
# about.
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_a_callback_that_sets_the_rate_itself_is_not_overridden(blobs):
    x, labels = blobs
    model = _classifier(loss="sparse_categorical_crossentropy")
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    result = ms.fit(model, x, labels, epochs=3, batch_size=16, callbacks=[scheduler])
    assert result["history"]["learning_rate"] == pytest.approx([0.01, 0.02, 0.03])


def test_report_through_the_worker_is_small_and_matches_evaluate(worker):
    command_id = worker.submit(
        "import numpy as np, keras\n"
        "import qtkeras_worker.evaluation as qk_evaluation\n"
        "m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation='softmax')])\n"
        "m.compile(loss='sparse_categorical_crossentropy', optimizer='adam', "
        "metrics=['accuracy'])\n"
        "x = np.random.default_rng(0).random((5000, 2), 'float32')\n"
        "y = (x[:, 0] * 3).astype('int64')\n"
        "qk_evaluation.report(m, x, y, rows=100)"
    )
    result = worker.result(command_id, timeout=120)
    assert result["rows"] == 5000
    assert int(np.asarray(result["confusion"]).sum()) == 5000
    assert len(result["predictions"]["row"]) == 100
    assert 0 <= result["scores"]["accuracy"] <= 1


def test_epoch_events_carry_the_learning_rate(worker):
    command_id = worker.submit(
        "import numpy as np, keras\n"
        "ms = __import__('qtkeras_worker.model_support', fromlist=['fit'])\n"
        "m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
        "s = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5)\n"
        "m.compile(loss='mse', optimizer=keras.optimizers.SGD(s))\n"
        "x = np.ones((16, 2), 'float32')\n"
        "ms.fit(m, x, x[:, :1], epochs=3, batch_size=4)"
    )
    result = worker.result(command_id, timeout=60)
    events = worker.recorder.events("epoch", command_id)
    rates = [e["logs"]["learning_rate"] for e in events]
    assert rates == pytest.approx(result["history"]["learning_rate"])
    assert rates == pytest.approx([0.05, 0.025, 0.0125], rel=1e-5)
