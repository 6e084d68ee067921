# SPDX-License-Identifier: GPL-3.0-or-later
"""Graphs for the model builder: shapes and parameters per node, the error on the node that
causes it (with the nodes after it left unknown), layers reused across edits, shared layers
counted once, and .keras files read back as graph data: one node per call, a shared layer's
second call, several inputs and outputs, the weights never read.
"""

import copy
import importlib
import warnings

import keras
import pytest

from qtkeras_worker import graph

L = keras.layers


@pytest.fixture(autouse=True)
def _fresh():
    yield
    graph.forget()
    keras.backend.clear_session()


def _node(node_id, factory, *args, inputs=(), shared=None, call=None, **kwargs):
    return {
        "id": node_id,
        "input": factory == "Input",
        "factory": ("keras", "Input") if factory == "Input" else ("keras.layers", factory),
        "args": args,
        "kwargs": kwargs,
        "shared": shared,
        "inputs": list(inputs),
        "call": call or {},
    }


def _one(source):
    return [("inputs", True, False, [(source, -1)])]


def _residual():
    return [
        _node(1, "Input", shape=(8,)),
        _node(2, "Dense", 8, inputs=_one(1)),
        _node(3, "Dense", 8, inputs=_one(2), shared=None),
        _node(4, "Add", inputs=[("inputs", True, True, [(1, -1), (3, -1)])]),
    ]


def _by_id(answer):
    return {entry["id"]: entry for entry in answer["nodes"]}


def test_shapes_and_parameters_per_node():
    answer = graph.describe(_residual())
    nodes = _by_id(answer)
    assert nodes[1]["shape"] == [None, 8]
    assert nodes[2]["params"] == 72
    assert nodes[4]["shape"] == [None, 8]
    assert answer["total_params"] == 144


def test_error_names_the_node_and_stops_what_follows():
    nodes = _residual()
    nodes[2] = _node(3, "Dense", 5, inputs=_one(2))
    nodes.append(_node(5, "Dense", 1, inputs=_one(4)))
    answer = _by_id(graph.describe(nodes))
    assert "Add" in answer[4]["error"]["message"]
    assert answer[3]["shape"] == [None, 5]
    assert 5 not in answer


def test_unknown_class_is_an_error_on_its_node():
    nodes = [_node(1, "Input", shape=(3,)), _node(2, "NoSuchLayer", inputs=_one(1))]
    answer = _by_id(graph.describe(nodes))
    assert "keras.layers has no NoSuchLayer" in answer[2]["error"]["message"]


def test_shared_layer_is_counted_once():
    nodes = [
        _node(1, "Input", shape=(8,)),
        _node(2, "Input", shape=(8,)),
        _node(3, "Dense", 4, inputs=_one(1)),
        _node(4, None, inputs=_one(2), shared=3),
        _node(5, "Subtract", inputs=[("inputs", True, True, [(3, -1), (4, -1)])]),
    ]
    answer = graph.describe(nodes)
    assert _by_id(answer)[4]["params"] == 36
    assert answer["total_params"] == 36


def test_named_tensor_ports_and_call_arguments():
    nodes = [
        _node(1, "Input", shape=(6, 8)),
        _node(
            2,
            "MultiHeadAttention",
            num_heads=2,
            key_dim=4,
            inputs=[("query", True, False, [(1, -1)]), ("value", True, False, [(1, -1)])],
            call={"training": False},
        ),
    ]
    assert _by_id(graph.describe(nodes))[2]["shape"] == [None, 6, 8]


def test_unchanged_nodes_are_reused():
    nodes = _residual()
    graph.describe(nodes)
    first = dict(graph._cache)
    nodes[3] = _node(4, "Add", inputs=[("inputs", True, True, [(3, -1), (1, -1)])])
    graph.describe(nodes)
    kept = [key for key in graph._cache if key in first]
    assert len(kept) == 3  # the input and both Dense layers
    assert all(graph._cache[key][0] is first[key][0] for key in kept)


def test_an_edit_after_many_residual_blocks_reuses_every_unchanged_layer():
    """A node's cache key names its sources by number: a key that nested its sources' keys
    doubled with every residual block (hashing it took seconds in ResNet50, 2**60 steps
    here)."""
    blocks = 60

    def chain(last_units):
        nodes = [_node(1, "Input", shape=(4,))]
        last = 1
        for b in range(blocks):
            first, second, add = 2 + 3 * b, 3 + 3 * b, 4 + 3 * b
            nodes += [
                _node(first, "Dense", 4, inputs=_one(last)),
                _node(second, "Dense", 4, inputs=_one(first)),
                _node(add, "Add", inputs=[("inputs", True, True, [(last, -1), (second, -1)])]),
            ]
            last = add
        nodes.append(_node(last + 1, "Dense", last_units, inputs=_one(last)))
        return nodes

    assert graph.describe(chain(3))["total_params"] == blocks * 2 * 20 + 15
    first = dict(graph._cache)
    edited = graph.describe(chain(5))
    assert _by_id(edited)[3 * blocks + 2]["shape"] == [None, 5]
    assert edited["total_params"] == blocks * 2 * 20 + 25
    kept = [key for key in graph._cache if key in first]
    assert len(kept) == 1 + 3 * blocks  # all but the edited layer
    assert all(graph._cache[key][0] is first[key][0] for key in kept)


def test_no_weights_are_allocated():
    before = len(
        keras.src.backend.common.global_state.get_global_attribute(
            "uninitialized_variables", [], set_to_default=True
        )
    )
    graph.describe(_residual())
    after = keras.src.backend.common.global_state.get_global_attribute("uninitialized_variables")
    assert len(after) == before


def _argument(argument):
    if "object" in argument:
        call = argument["object"]
        cls = getattr(importlib.import_module(call["module"]), call["class"])
        return cls(**{a["name"]: _argument(a) for a in call["kwargs"]})
    return argument["value"]


def test_read_two_inputs_two_outputs_and_shared(tmp_path):
    a, b = keras.Input((16,), name="a"), keras.Input((16,), name="b")
    shared = L.Dense(8, name="shared")
    diff = L.Subtract(name="diff")([shared(a), shared(b)])
    model = keras.Model([a, b], [L.Dense(1, name="p")(diff), L.Dense(3, name="q")(diff)])
    path = tmp_path / "m.keras"
    with warnings.catch_warnings():
        # Keras writes the weights the way numpy 2 deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        model.save(path)
    answer = graph.read(str(path))
    assert answer["error"] is None
    read = answer["model"]
    classes = [n["class"] for n in read["nodes"]]
    assert classes.count("InputLayer") == 2
    calls = [n for n in read["nodes"] if n["class"] == "Dense" and n["shared"] is not None]
    assert len(calls) == 1
    owner = next(n for n in read["nodes"] if n["id"] == calls[0]["shared"])
    assert {"name": "name", "value": "shared"} in owner["kwargs"]
    assert len(read["outputs"]) == 2
    assert read["total_params"] == model.count_params()
    into_diff = [
        e
        for e in read["edges"]
        if e["to"] == next(n["id"] for n in read["nodes"] if n["class"] == "Subtract")
    ]
    assert [e["port"] for e in into_diff] == [0, 0]


def test_read_refuses_what_is_not_a_model(tmp_path):
    path = tmp_path / "bad.keras"
    path.write_bytes(b"not a zip")
    answer = graph.read(str(path))
    assert answer["model"] is None
    assert "not a .keras model file" in answer["error"]["message"]
    assert "no such file" in graph.read(str(tmp_path / "none.keras"))["error"]["message"]


def test_read_a_compiled_trained_model_keeps_its_compile_settings(tmp_path):
    import numpy as np

    model = keras.Sequential([keras.Input((4,)), L.Dense(3)])
    model.compile(loss="mse", optimizer="adam", metrics=["accuracy"])
    model.fit(np.ones((4, 4)), np.ones((4, 3)), verbose=0)
    path = tmp_path / "trained.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model.save(path)
    answer = graph.read(str(path))
    assert answer["error"] is None
    compiled = answer["model"]["compile"]
    assert compiled["loss"] == "mse"
    assert compiled["optimizer"]["class"] == "Adam"
    assert compiled["metrics"] == ["accuracy"]
    assert answer["model"]["total_params"] == 15


def _rebuilt(node):
    """The object a read node stands for, made as the builder's generated code makes it."""
    if node["module"] == "keras.saving":
        # Keras takes the config apart as it reads it: a copy, as the generated code's literal.
        return keras.saving.deserialize_keras_object(copy.deepcopy(node["kwargs"][0]["value"]))
    if node["class"] == "Sequential":
        kwargs = {k["name"]: k for k in node["kwargs"]}
        layers = [_argument({"object": o}) for o in kwargs["layers"]["objects"]]
        return keras.Sequential(layers, name=kwargs["name"]["value"])
    return _argument({"object": node})


def test_nested_models_read_as_blocks_and_describe_their_inner_layers(tmp_path):
    head = keras.Sequential([keras.Input((4,)), L.Dense(8, name="hidden"), L.Dense(2)], name="head")
    inputs = keras.Input((6,), name="x")
    branch = keras.Model(inputs, L.Add()([L.Dense(4)(inputs), L.Dense(4)(inputs)]), name="branch")
    x = keras.Input((6,), name="outer")
    y = head(branch(x))
    model = keras.Model(x, [y, L.Dense(1, name="side")(x)])
    path = tmp_path / "nested.keras"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model.save(path)
    answer = graph.read(str(path))
    assert answer["error"] is None
    nodes = {n["class"]: n for n in answer["model"]["nodes"]}
    assert nodes["Sequential"]["module"] == "keras"
    assert nodes["deserialize_keras_object"]["module"] == "keras.saving"
    assert _rebuilt(nodes["Sequential"]).count_params() == head.count_params()
    assert _rebuilt(nodes["deserialize_keras_object"]).count_params() == branch.count_params()

    described = graph.describe(
        [
            _node(1, "Input", shape=(6,)),
            {
                **_node(2, "Dense", inputs=_one(1)),
                "factory": ("keras.saving", "deserialize_keras_object"),
                "kwargs": {"config": nodes["deserialize_keras_object"]["kwargs"][0]["value"]},
            },
            {
                **_node(3, "Dense", inputs=_one(2)),
                "factory": ("keras", "Sequential"),
                "args": ([keras.Input((4,)), L.Dense(8, name="hidden"), L.Dense(2)],),
            },
        ]
    )
    by_id = _by_id(described)
    assert "error" not in by_id[2], by_id[2]
    assert "inner" not in by_id[1]
    inner = {layer["name"]: layer for layer in by_id[2]["inner"]}
    add = next(layer for layer in inner.values() if layer["class"] == "Add")
    assert len(add["inputs"]) == 2
    assert add["shape"] == [None, 4]
    head_inner = by_id[3]["inner"]
    assert [layer["class"] for layer in head_inner] == ["Dense", "Dense"]
    assert head_inner[0]["params"] == 40 and head_inner[0]["shape"] == [None, 8]
    assert head_inner[1]["inputs"] == [0]
