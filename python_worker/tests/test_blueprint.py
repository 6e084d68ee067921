# SPDX-License-Identifier: GPL-3.0-or-later
"""Models read as the data a script is written from: constructor calls with only the arguments
that differ from what Keras makes by itself, calls in the graph's order, keras.ops as functions,
and models that plain Keras cannot rebuild refused with a message that names why.
(tst_architectures runs the scripts the C++ side writes from it.)
"""

import keras
import pytest

from qtkeras_worker import blueprint

L = keras.layers


@pytest.fixture(autouse=True)
def _fresh_names():
    yield
    keras.backend.clear_session()


def test_layers_keep_only_what_differs_from_keras_own_choices():
    model = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="relu", name="hidden")])
    described = blueprint.describe(model)
    assert described["kind"] == "Sequential"
    assert described["input"] == {"shape": (4,), "name": model._layers[0].name}
    dense = described["layers"][0]["object"]
    assert (dense["module"], dense["class"]) == ("keras.layers", "Dense")
    assert dense["kwargs"] == {"units": 3, "activation": "relu", "name": "hidden"}
    assert list(dense["kwargs"])[-1] == "name"


def test_objects_as_arguments_are_constructor_calls_too():
    layer = L.Dense(2, kernel_initializer=keras.initializers.HeNormal(seed=3))
    model = keras.Sequential([keras.Input((4,)), layer])
    kwargs = blueprint.describe(model)["layers"][0]["object"]["kwargs"]
    assert kwargs["kernel_initializer"] == {
        "qk_object": {"module": "keras.initializers", "class": "HeNormal", "kwargs": {"seed": 3}}
    }


def test_graph_calls_shared_layers_ops_and_several_outputs_in_order():
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    shared = L.Dense(3, name="shared")
    q = keras.Input((5, 4), name="q")
    _attention, scores = L.MultiHeadAttention(2, 4, name="mha")(q, q, return_attention_scores=True)
    total = shared(a) + shared(b)
    model = keras.Model({"a": a, "b": b, "q": q}, [total, scores])
    described = blueprint.describe(model)
    names = [layer["name"] for layer in described["layers"]]
    calls = [(names[c["layer"]], c["args"], c["kwargs"], c["outputs"]) for c in described["calls"]]
    assert ("shared", [{"qk_input": 0}], {}, [[]]) in calls
    assert ("shared", [{"qk_input": 1}], {}, [[]]) in calls
    mha = next(c for c in calls if c[0] == "mha")
    assert mha[2] == {"return_attention_scores": True} and mha[3] == [[0], [1]]
    add = described["layers"][names.index("add")]
    assert add == {"name": "add", "function": "add", "kwargs": {}}
    # Every call comes after the calls that make its tensors.
    for index, call in enumerate(described["calls"]):
        for arg in call["args"]:
            if isinstance(arg, dict) and "qk_tensor" in arg:
                assert arg["qk_tensor"][0] < index
    assert described["input_struct"] == {
        "a": {"qk_input": 0},
        "b": {"qk_input": 1},
        "q": {"qk_input": 2},
    }
    assert described["output_struct"][1] == {"qk_tensor": [calls.index(mha), 1]}


def test_subclassed_models_and_lambda_layers_are_refused_by_name():
    class Twice(keras.Model):
        def call(self, x):
            return x * 2

    with pytest.raises(blueprint.Unrebuildable, match="Twice"):
        blueprint.describe(Twice(name="twice"))
    x = keras.Input((2,))
    model = keras.Model(x, L.Lambda(lambda t: t + 1, name="plus_one")(x))
    refusal = blueprint.read(model)
    assert refusal["blueprint"] is None
    assert "'plus_one'" in refusal["error"] and "Lambda" in refusal["error"]
