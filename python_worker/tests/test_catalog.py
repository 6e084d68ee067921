# SPDX-License-Identifier: GPL-3.0-or-later
"""The Keras catalog the IDE's palette and property editor are generated from."""

import inspect

import pytest

from qtkeras_worker import catalog, codec

CALL = "__import__('qtkeras_worker.catalog', fromlist=['catalog']).catalog()"


@pytest.fixture(scope="module")
def data():
    return catalog.catalog()


@pytest.fixture(scope="module")
def entries(data):
    return {(e["group"], e["name"]): e for e in data["entries"]}


def _signature(f):
    return list(inspect.signature(f).parameters.values())


def params(entry):
    return {p["name"]: p for p in entry["parameters"]}


def test_dense_has_its_parameters_and_the_inherited_layer_keywords(entries):
    dense = entries["layers", "Dense"]
    assert dense["module"] == "keras.layers" and dense["kind"] == "class"
    assert dense["category"] == "core"
    assert dense["doc"] == "Just your regular densely-connected NN layer."
    p = params(dense)
    assert p["units"]["required"] and p["units"]["kind"] == "positional-or-keyword"
    assert p["units"]["types"] == ["int"] and p["units"]["constraint"] == "positive"
    assert p["activation"]["default"] is None and p["activation"]["has_default"]
    assert p["use_bias"]["default"] is True and p["use_bias"]["types"] == ["bool"]
    assert p["kernel_initializer"]["default"] == "glorot_uniform"
    assert not p["units"]["inherited"]
    for name in ("name", "trainable", "dtype"):
        assert p[name]["inherited"] and p[name]["kind"] == "keyword-only", name
    assert p["name"]["doc"] == "String name of the layer."
    assert not dense["open_keywords"]


def test_adam_has_learning_rate_with_its_default(entries):
    adam = entries["optimizers", "Adam"]
    lr = params(adam)["learning_rate"]
    assert lr["default"] == pytest.approx(0.001) and not lr["required"]
    assert adam["doc"].startswith("Optimizer that implements the Adam algorithm")
    assert not adam["open_keywords"]


def test_counts_per_group_are_sane(data):
    counts = data["counts"]
    assert list(counts) == list(catalog.GROUPS)
    assert counts["layers"] >= 120
    assert counts["optimizers"] >= 10
    assert counts["losses"] >= 20
    assert counts["metrics"] >= 30
    assert counts["activations"] >= 20
    assert counts["initializers"] >= 15
    assert counts["regularizers"] >= 4
    assert counts["callbacks"] >= 10
    assert counts["constraints"] >= 4
    assert counts["schedules"] >= 6
    assert counts["applications"] >= 30
    assert sum(counts.values()) == len(data["entries"])


def test_constraints_schedules_and_applications_have_their_modules(entries):
    norm = entries["constraints", "MaxNorm"]
    assert norm["module"] == "keras.constraints" and "max_value" in params(norm)
    assert entries["constraints", "max_norm"]["canonical"] == "MaxNorm"
    decay = entries["schedules", "ExponentialDecay"]
    assert decay["module"] == "keras.optimizers.schedules"
    assert [p["name"] for p in decay["parameters"]][:3] == [
        "initial_learning_rate",
        "decay_steps",
        "decay_rate",
    ]
    mobilenet = entries["applications", "MobileNetV2"]
    assert mobilenet["module"] == "keras.applications" and mobilenet["kind"] == "function"
    assert mobilenet["category"] == "mobilenet_v2"
    assert entries["applications", "ResNet50"]["category"] == "resnet"
    weights = params(mobilenet)["weights"]
    assert weights["default"] == "imagenet" and "none" in weights["types"]
    assert params(mobilenet)["include_top"]["types"] == ["bool"]
    assert ("applications", "resnet50") not in entries  # a module


def test_no_private_names_modules_or_registry_helpers(data):
    names = {(e["group"], e["name"]) for e in data["entries"]}
    assert not any(name.startswith("_") for _, name in names)
    assert ("optimizers", "schedules") not in names and ("optimizers", "legacy") not in names
    assert ("losses", "get") not in names and ("activations", "deserialize") not in names


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Conv2D", "convolution"),
        ("MaxPooling2D", "pooling"),
        ("LSTM", "recurrent"),
        ("BatchNormalization", "normalization"),
        ("Dropout", "regularization"),
        ("Flatten", "reshaping"),
        ("Concatenate", "merging"),
        ("MultiHeadAttention", "attention"),
        ("Rescaling", "preprocessing"),
        ("ReLU", "activation"),
        ("Embedding", "core"),
        ("InputSpec", "other"),
    ],
)
def test_layer_categories_follow_keras_modules(entries, name, category):
    assert entries["layers", name]["category"] == category


def test_aliases_are_kept_and_name_their_canonical_form(entries):
    alias = entries["layers", "Convolution2D"]
    assert alias["canonical"] == "Conv2D" and "Conv2D" in alias["aliases"]
    assert entries["layers", "Conv2D"]["canonical"] == "Conv2D"
    assert entries["activations", "swish"]["canonical"] == "silu"


def test_parameter_kinds_are_reported(entries):
    kinds = {p["kind"] for e in entries.values() for p in e["parameters"]}
    assert {"positional-or-keyword", "keyword-only", "var-keyword"} <= kinds
    assert params(entries["losses", "mean_squared_error"])["y_true"]["required"]


def test_non_plain_defaults_travel_as_flagged_reprs():
    marker = object()

    def f(a, b=marker, c=(1, 2)):
        """Does nothing."""

    a, b, c = (catalog._parameter(p, "", inherited=False) for p in _signature(f))
    assert a["required"] and not a["has_default"]
    assert b["default"] is None and not b["default_plain"] and b["default_repr"] == repr(marker)
    assert c["default"] == (1, 2) and c["default_plain"] and c["default_repr"] == "(1, 2)"


def test_every_catalog_default_is_plain_or_flagged(data):
    for entry in data["entries"]:
        for p in entry["parameters"]:
            if p["has_default"] and not p["default_plain"]:
                assert p["default"] is None and isinstance(p["default_repr"], str)
            elif p["has_default"]:
                codec.encode(p["default"])


def test_types_follow_defaults_and_documentation(entries):
    conv = params(entries["layers", "Conv2D"])
    assert conv["filters"]["types"] == ["int"]
    assert conv["kernel_size"]["types"] == ["int", "sequence"]
    assert conv["padding"]["types"] == ["str"]
    dropout = params(entries["layers", "Dropout"])["rate"]
    assert dropout["types"] == ["int", "float"] and dropout["constraint"] == "unit-interval"
    # A None default accepts anything.
    assert params(entries["layers", "Dense"])["activation"]["types"] == []


def test_everything_encodes_with_the_worker_codec(data):
    tree = codec.encode(data)
    for content_type in codec.CONTENT_TYPES:
        assert codec.decode(codec.loads(codec.dumps(tree, content_type), content_type)) == data


def test_computed_once(data):
    # How long the first computation takes is a figure (data["seconds"]), not asserted here.
    assert data["seconds"] > 0
    assert catalog.catalog() is data


def test_the_worker_returns_the_catalog_to_a_command(worker):
    result = worker.run(CALL, timeout=60)
    assert result["counts"] == catalog.catalog()["counts"]
    dense = next(e for e in result["entries"] if e["name"] == "Dense")
    assert [p["name"] for p in dense["parameters"]][:3] == ["units", "activation", "use_bias"]


def test_every_argument_has_a_tooltip_text(data):
    # The property editor shows each argument's doc as its tooltip: none is empty, and the
    # arguments of Keras' base classes that no docstring of Keras describes are explained.
    for entry in data["entries"]:
        for p in entry["parameters"]:
            assert p["doc"].strip(), (entry["group"], entry["name"], p["name"])
    dense = params(next(e for e in data["entries"] if e["name"] == "Dense"))
    assert "mixed precision" in dense["autocast"]["doc"]
    assert "output of the layer" in dense["activity_regularizer"]["doc"]


def test_input_layer_is_described_as_itself_not_as_its_base(entries):
    entry = entries[("layers", "InputLayer")]
    assert "all layers inherit" not in entry["doc"]
    assert entry["doc"] == "Used to instantiate a Keras tensor."
    docs = {name: p["doc"] for name, p in params(entry).items()}
    assert docs["shape"].startswith("A shape tuple")
    assert "batch size" in docs["batch_size"]
    assert "does not describe" not in docs["sparse"]
