# SPDX-License-Identifier: GPL-3.0-or-later
"""Model support in-process and through the real worker: model information, errors that name
the layer and leave the model as it was, fit's history and timings, evaluate and summary."""

import keras
import numpy as np
import pytest

from qtkeras_worker import model_support as ms


@pytest.fixture
def mlp():
    # Layer names count per process: fresh counters, whatever ran before in this process.
    keras.backend.clear_session()
    model = keras.Sequential()
    ms.add(model, keras.layers.InputLayer, shape=(4,))
    ms.add(model, keras.layers.Dense, 16, activation="relu")
    return model


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.random((40, 4)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 3, 40), 3)
    return x, y


def test_info_lists_layers_shapes_and_parameter_counts(mlp):
    info = ms.add(mlp, keras.layers.BatchNormalization)
    assert [(layer["name"], layer["class"]) for layer in info["layers"]] == [
        ("dense", "Dense"),
        ("batch_normalization", "BatchNormalization"),
    ]
    assert info["layers"][0]["output_shape"] == [None, 16]
    assert info["layers"][0]["params"] == 4 * 16 + 16
    assert info["layers"][1]["trainable_params"] == 32
    assert info["layers"][1]["non_trainable_params"] == 32
    assert (info["total_params"], info["trainable_params"], info["non_trainable_params"]) == (
        80 + 64,
        80 + 32,
        32,
    )
    assert info["total_params"] == mlp.count_params()
    assert info["input_shape"] == [[None, 4]] and info["output_shape"] == [[None, 16]]


def test_an_unbuilt_model_has_no_shapes_yet():
    model = keras.Sequential()
    info = ms.add(model, keras.layers.Dense, 3)
    assert info["built"] is False
    assert info["layers"][0]["output_shape"] is None and info["total_params"] == 0


@pytest.mark.parametrize(
    ("factory", "args", "kwargs", "kind", "words"),
    [
        ("Reshape", ((5,),), {}, ValueError, ["layer 'reshape", "Reshape", "total size"]),
        ("Conv2D", (3, 3), {}, ValueError, ["Conv2D", "expected min_ndim=4"]),
        ("Dense", (-1,), {}, ValueError, ["Dense", "units"]),
        ("Dense", (3,), {"foo": 1}, ValueError, ["Dense", "foo"]),
        ("Dense", (3,), {"name": "out", "activation": "nope"}, ValueError, ["'out'", "nope"]),
    ],
)
def test_a_bad_layer_names_itself_and_leaves_the_model_as_it_was(
    mlp, factory, args, kwargs, kind, words
):
    before = ms.info(mlp)
    with pytest.raises(kind) as caught:
        ms.add(mlp, getattr(keras.layers, factory), *args, **kwargs)
    for word in words:
        assert word in str(caught.value)
    assert "\x1b[" not in str(caught.value)
    assert ms.info(mlp) == before


def test_a_second_input_layer_is_refused_and_not_kept():
    model = keras.Sequential()
    ms.add(model, keras.layers.InputLayer, shape=(4,))
    with pytest.raises(ValueError, match="InputLayer"):
        ms.add(model, keras.layers.InputLayer, shape=(5,))
    info = ms.add(model, keras.layers.Dense, 2)
    assert info["layers"][0]["params"] == 10


def test_functional_call_names_the_layer_on_a_shape_error():
    a = keras.Input((8,))
    b = keras.Input((16,))
    with pytest.raises(ValueError, match="Add"):
        ms.call(keras.layers.Add, [a, b])
    merged = ms.call(keras.layers.Concatenate, [a, b])
    assert ms.shape(merged) == [None, 24]
    model = ms.model([a, b], ms.call(keras.layers.Dense, merged, 1))
    info = ms.info(model)
    assert [layer["class"] for layer in info["layers"]] == [
        "InputLayer",
        "InputLayer",
        "Concatenate",
        "Dense",
    ]
    assert info["total_params"] == 25


def test_fit_returns_keras_history_epochs_and_timings(mlp, data):
    ms.add(mlp, keras.layers.Dense, 3, activation="softmax")
    mlp.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    result = ms.fit(mlp, *data, epochs=3, batch_size=8, validation_split=0.25)
    assert set(result["history"]) == {
        "loss",
        "accuracy",
        "val_loss",
        "val_accuracy",
        "learning_rate",
    }
    assert all(len(series) == 3 for series in result["history"].values())
    assert result["epochs"] == [1, 2, 3]
    assert len(result["seconds"]) == 3 and all(s > 0 for s in result["seconds"])
    assert result["stopped"] is False
    scores = ms.evaluate(mlp, *data)
    assert next(iter(scores)) == "loss" and 0 <= scores["accuracy"] <= 1
    assert ms.predict(mlp, data[0]).shape == (40, 3)
    assert "dense_" in ms.summary(mlp) and "\x1b[" not in ms.summary(mlp)


def test_fit_through_the_worker_streams_epochs_that_match_the_history(worker):
    command_id = worker.submit(
        "import numpy as np, keras\n"
        "ms = __import__('qtkeras_worker.model_support', fromlist=['fit'])\n"
        "m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
        "m.compile(loss='mse', optimizer='sgd', metrics=['mae'])\n"
        "x = np.ones((16, 2), 'float32')\n"
        "ms.fit(m, x, x[:, :1], epochs=2, batch_size=4, validation_data=(x, x[:, :1]))"
    )
    result = worker.result(command_id, timeout=60)
    events = worker.recorder.events("epoch", command_id)
    assert [e["epoch"] for e in events] == result["epochs"] == [1, 2]
    for event, epoch in zip(events, range(2), strict=True):
        for metric, series in result["history"].items():
            assert event["logs"][metric] == pytest.approx(series[epoch], rel=1e-6)


def test_load_names_the_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"missing\.keras"):
        ms.load(str(tmp_path / "missing.keras"))


def test_describe_reports_every_layer_input_included_and_the_totals():
    layers = keras.layers
    result = ms.describe(
        [
            (layers.InputLayer, (), {"shape": (4,)}),
            (layers.Dense, (16,), {}),
            (layers.Activation, ("sigmoid",), {}),
            (layers.Dense, (3,), {}),
            (layers.Activation, ("softmax",), {}),
        ]
    )
    assert [entry["output_shape"] for entry in result["layers"]] == [
        [None, 4],
        [None, 16],
        [None, 16],
        [None, 3],
        [None, 3],
    ]
    assert [entry["params"] for entry in result["layers"]] == [0, 80, 0, 51, 0]
    assert result["total_params"] == 131
    assert result["error"] is None


def test_describe_stops_at_the_layer_that_does_not_fit():
    layers = keras.layers
    result = ms.describe(
        [
            (keras.Input, (), {"shape": (4,)}),
            (layers.Dense, (16,), {}),
            (layers.Conv1D, (3, 2), {}),
            (layers.Dense, (3,), {}),
        ]
    )
    assert len(result["layers"]) == 2
    assert result["error"]["index"] == 2
    assert "Conv1D" in result["error"]["message"]
    assert "ndim" in result["error"]["message"]
    assert result["total_params"] == 80


def _inputs():
    return keras.Input((8,)), keras.Input((16,))


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda m, a, b: m.add(keras.layers.Dense(-3)), ["Dense:", "units"]),
        (lambda m, a, b: m.add(keras.layers.Dense(3, name="out", foo=1)), ["'out' (Dense)", "foo"]),
        (
            lambda m, a, b: m.add(keras.layers.Reshape((5,), name="bad")),
            ["cannot add layer 'bad' (Reshape)", "total size"],
        ),
        (lambda m, a, b: m.add(keras.layers.InputLayer(shape=(3,))), ["cannot add", "InputLayer"]),
        (
            lambda m, a, b: keras.layers.Add(name="bad_sum")([a, b]),
            ["cannot call layer 'bad_sum' (Add)", "shapes"],
        ),
        (lambda m, a, b: keras.ops.add(a, b), ["cannot compute Add", "[None, 8]"]),
    ],
)
def test_building_names_the_layer_and_leaves_the_model_as_it_was(mlp, build, words):
    a, b = _inputs()
    before = ms.info(mlp)
    with pytest.raises(ValueError) as caught, ms.building(mlp):
        build(mlp, a, b)
    for word in words:
        assert word in str(caught.value)
    assert "\x1b[" not in str(caught.value)
    assert ms.info(mlp) == before


def test_building_lets_other_errors_pass_unchanged(mlp):
    with pytest.raises(ZeroDivisionError, match="division by zero"), ms.building(mlp):
        print(1 / 0)
    with ms.building(mlp):
        mlp.add(keras.layers.Dense(2))
    assert ms.info(mlp)["total_params"] == 80 + 34


def test_catalog_helper_is_the_workers_catalog():
    from qtkeras_worker import catalog

    assert ms.catalog() is catalog.catalog()
