# SPDX-License-Identifier: GPL-3.0-or-later
"""Saved .keras models read back as the builder's layers: the arguments that differ from Keras'
defaults rebuild the same network, compile settings are taken over, and models that are not a
chain of Keras layers, or files that are not models, are refused with a message that names why.
"""

import importlib
import warnings

import keras
import pytest

from qtkeras_worker import model_import as mi
from qtkeras_worker import model_support as ms

L = keras.layers


@pytest.fixture(autouse=True)
def _fresh_names():
    """Keras' automatic layer names start again after each test, as other modules expect."""
    yield
    keras.backend.clear_session()


def _argument(argument):
    if "object" in argument:
        call = argument["object"]
        cls = getattr(importlib.import_module(call["module"]), call["class"])
        return cls(**{a["name"]: _argument(a) for a in call["kwargs"]})
    return argument["value"]


def _rebuild(described):
    """A Sequential model made from the described layers, as the builder would make it."""
    model = keras.Sequential()
    for layer in described["layers"]:
        kwargs = {a["name"]: _argument(a) for a in layer["kwargs"]}
        model.add(getattr(L, layer["class"])(**kwargs))
    return model


def _kwargs(layer):
    return {a["name"]: a.get("value", a.get("object")) for a in layer["kwargs"]}


def _save(model, tmp_path, name="model.keras"):
    path = str(tmp_path / name)
    with warnings.catch_warnings():
        # Keras' saving reads optimizer variables the way numpy 2 deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        model.save(path)
    return path


def test_a_compiled_sequential_model_is_described_by_what_differs_from_the_defaults(tmp_path):
    model = keras.Sequential(
        [
            L.InputLayer(shape=(4,)),
            L.Dense(16, activation="relu", kernel_initializer="he_normal"),
            L.Dropout(0.25),
            L.Dense(3, activation="softmax", name="scores"),
        ]
    )
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        metrics=["accuracy"],
    )
    described = mi.describe(_save(model, tmp_path))

    assert [layer["class"] for layer in described["layers"]] == [
        "InputLayer",
        "Dense",
        "Dropout",
        "Dense",
    ]
    assert _kwargs(described["layers"][0]) == {"shape": (4,)}
    assert _kwargs(described["layers"][1]) == {
        "units": 16,
        "activation": "relu",
        "kernel_initializer": {"module": "keras.initializers", "class": "HeNormal", "kwargs": []},
    }
    assert _kwargs(described["layers"][2]) == {"rate": 0.25}
    # An automatic name is left out (a duplicate in the builder would clash); a chosen one stays.
    assert _kwargs(described["layers"][3]) == {
        "units": 3,
        "activation": "softmax",
        "name": "scores",
    }
    assert described["total_params"] == model.count_params() == 4 * 16 + 16 + 16 * 3 + 3
    assert described["compile"] == {
        "loss": "categorical_crossentropy",
        "optimizer": {
            "module": "keras.optimizers",
            "class": "Adam",
            "kwargs": [{"name": "learning_rate", "value": 0.01}],
        },
        "metrics": ["accuracy"],
    }
    assert described["notes"] == []

    rebuilt = _rebuild(described)
    assert rebuilt.count_params() == model.count_params()
    for original, copy in zip(model.layers, rebuilt.layers, strict=True):
        assert type(copy) is type(original)
        mine, theirs = copy.get_config(), original.get_config()
        for key in ("units", "activation", "rate", "kernel_initializer"):
            assert mine.get(key) == theirs.get(key)


def test_a_functional_chain_gives_the_same_layers_as_its_sequential_twin(tmp_path):
    inputs = keras.Input((8, 8, 1))
    x = L.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = L.MaxPooling2D()(x)
    x = L.Flatten()(x)
    outputs = L.Dense(2, kernel_regularizer=keras.regularizers.L2(0.05))(x)
    model = keras.Model(inputs, outputs)
    described = mi.describe(_save(model, tmp_path))

    assert described["class"] == "Functional"
    assert [layer["class"] for layer in described["layers"]] == [
        "InputLayer",
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
    ]
    assert _kwargs(described["layers"][1]) == {
        "filters": 4,
        "kernel_size": (3, 3),
        "padding": "same",
        "activation": "relu",
    }
    regularizer = _kwargs(described["layers"][4])["kernel_regularizer"]
    assert regularizer["class"] == "L2"
    assert regularizer["kwargs"] == [{"name": "l2", "value": pytest.approx(0.05)}]
    assert described["compile"] is None
    assert _rebuild(described).count_params() == model.count_params()


def test_the_loss_object_and_optimizer_by_name_are_taken_over_with_a_note(tmp_path):
    model = keras.Sequential([L.InputLayer(shape=(3,)), L.Dense(2)])
    model.compile(
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        optimizer="sgd",
        metrics=["accuracy", keras.metrics.AUC()],
    )
    compiled = mi.describe(_save(model, tmp_path))["compile"]
    assert compiled["loss"] == "categorical_crossentropy"
    assert compiled["optimizer"]["class"] == "SGD"
    assert compiled["optimizer"]["kwargs"] == [{"name": "learning_rate", "value": 0.01}]
    assert compiled["metrics"] == ["accuracy", "auc"]
    notes = mi.describe(_save(model, tmp_path))["notes"]
    assert len(notes) == 1 and "from_logits" in notes[0]


def _branching():
    inputs = keras.Input((4,))
    a = L.Dense(8, name="left")(inputs)
    b = L.Dense(8, name="right")(inputs)
    return keras.Model(inputs, L.Add(name="join")([a, b]))


def _two_inputs():
    a, b = keras.Input((4,)), keras.Input((4,))
    return keras.Model([a, b], L.Concatenate()([a, b]))


def _shared():
    inputs = keras.Input((4,))
    dense = L.Dense(4, name="twice")
    return keras.Model(inputs, dense(dense(inputs)))


def _nested():
    inner = keras.Sequential([L.InputLayer(shape=(4,)), L.Dense(4)], name="inner")
    return keras.Sequential([L.InputLayer(shape=(4,)), inner, L.Dense(2)])


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_branching, ["layer 'join' (Add) takes 2 inputs", "one chain"]),
        (_two_inputs, ["2 inputs", "one chain"]),
        (_shared, ["layer 'twice' (Dense)", "called 2 times"]),
        (_nested, ["'inner'", "nested model"]),
    ],
)
def test_a_model_that_is_not_a_chain_is_refused_naming_why(tmp_path, make, words):
    path = _save(make(), tmp_path)
    with pytest.raises(mi.UnsupportedModel) as caught:
        mi.describe(path)
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, ["missing.keras", "no such file"]),
        (b"not a zip archive", ["broken.keras", "not a .keras model file"]),
        (b"PK\x05\x06" + bytes(18), ["broken.keras", "cannot load"]),
    ],
)
def test_a_file_that_is_not_a_model_names_the_file(tmp_path, content, words):
    path = tmp_path / ("missing.keras" if content is None else "broken.keras")
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ms.ModelError) as caught:
        mi.describe(str(path))
    for word in words:
        assert word in str(caught.value)


def test_read_through_the_worker_returns_plain_data_or_the_refusal(worker, tmp_path):
    path = _save(keras.Sequential([L.InputLayer(shape=(2, 3)), L.Flatten(), L.Dense(1)]), tmp_path)
    code = "__import__('qtkeras_worker.model_import', fromlist=['read']).read({!r})"
    answer = worker.run(code.format(path), timeout=60)
    assert answer["error"] is None
    described = answer["model"]
    assert [layer["class"] for layer in described["layers"]] == ["InputLayer", "Flatten", "Dense"]
    assert described["layers"][0]["kwargs"] == [{"name": "shape", "value": (2, 3)}]
    assert described["total_params"] == 7

    refused = worker.run(code.format(_save(_branching(), tmp_path, "branch.keras")), timeout=60)
    assert refused["model"] is None
    assert refused["error"]["type"] == "UnsupportedModel"
    assert "takes 2 inputs" in refused["error"]["message"]


def test_describe_uses_up_no_automatic_layer_names(tmp_path):
    path = _save(keras.Sequential([L.InputLayer(shape=(3,)), L.Dense(2), L.Dropout(0.5)]), tmp_path)
    keras.backend.clear_session()
    mi.describe(path)
    assert L.Dense(1).name == "dense"
    assert L.Dropout(0.1).name == "dropout"
