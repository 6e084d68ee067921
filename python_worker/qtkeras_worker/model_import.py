# SPDX-License-Identifier: GPL-3.0-or-later
"""A saved .keras model read back in the model builder's terms: its layers and compile settings.

``describe(path)`` loads the file with ``keras.saving.load_model`` (safe mode stays on),
checks that the model is a chain of ``keras.layers`` classes — a Sequential model, or a
functional model whose layers each take the previous layer's output — and returns each
layer's class with the constructor arguments the catalog knows whose values differ from what
Keras would use anyway, and the compile settings when the model was compiled. A model that is
not such a chain raises ``UnsupportedModel`` naming what is not supported; ``read(path)``
returns that refusal as data, for the IDE. The weights are not read back: the builder holds
the architecture. Importable without Keras.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import warnings
import zipfile
from typing import Any

from . import catalog, model_support

# Modules whose serialized objects may stand as constructor arguments.
_OBJECT_MODULES = frozenset(
    {
        "keras.layers",
        "keras.initializers",
        "keras.regularizers",
        "keras.constraints",
        "keras.optimizers",
        "keras.optimizers.schedules",
        "keras.losses",
        "keras.metrics",
    }
)
_DTYPE_POLICIES = frozenset({"DTypePolicy", "FloatDTypePolicy", "QuantizedDTypePolicy"})
_CHAIN_ONLY = "only Sequential models and functional models whose layers form one chain"
_MISSING = object()


class UnsupportedModel(ValueError):
    """The model cannot be shown in the builder; the message says what is not supported."""


def describe(path: str) -> dict[str, Any]:
    """The model in a .keras file as the builder's layers and compile settings.

    Returns {"name", "class", "layers": [{"class", "name", "kwargs": [{"name", "value"} or
    {"name", "object": {"module", "class", "kwargs"}}]}], "total_params", "compile": None or
    {"loss", "optimizer": {"module", "class", "kwargs"}, "metrics"}, "notes": [str]}.
    """
    with warnings.catch_warnings():
        # Keras warns about optimizer variables it skips and reads them the way numpy 2
        # deprecates; only the structure is read here.
        warnings.simplefilter("ignore")
        model = _load(path)
        notes: list[str] = []
        layers = [_layer(item) for item in _chain(model)]
        return {
            "name": model.name,
            "class": type(model).__name__,
            "layers": layers,
            "total_params": model_support._count(model.weights),
            "compile": _compile_settings(model, notes),
            "notes": notes,
        }


def read(path: str) -> dict[str, Any]:
    """describe(), with a refusal returned as {"error": {"type", "message"}} instead of raised.

    For the IDE: a file that cannot be imported is an answer to show the user, not a failing
    command that stops the worker's queue.
    """
    try:
        return {"model": describe(path), "error": None}
    except (model_support.ModelError, UnsupportedModel) as exc:
        return {"model": None, "error": {"type": type(exc).__name__, "message": str(exc)}}


def _load(path: str) -> Any:
    """keras.saving.load_model in safe mode; any failure is a ModelError naming the file."""
    import keras

    if not os.path.isfile(path):
        raise model_support.ModelError(f"cannot load '{path}': there is no such file")
    if not zipfile.is_zipfile(path):
        raise model_support.ModelError(
            f"cannot load '{path}': it is not a .keras model file (those are zip archives)"
        )
    try:
        return keras.saving.load_model(path)
    except Exception as exc:
        raise model_support.ModelError(
            f"cannot load '{path}': {model_support._clean(exc)}"
        ) from exc


def _chain(model: Any) -> list[dict[str, Any]]:
    """The serialized layers of a model that is one chain, input first."""
    import keras

    kind = type(model).__name__
    if isinstance(model, keras.Sequential):
        return list(model.get_config()["layers"])
    config = model.get_config() if _is_functional(model) else None
    if config is None:
        raise UnsupportedModel(
            f"model '{model.name}' is a subclassed model ({kind}): {_CHAIN_ONLY} can be imported"
        )
    inputs = _endpoints(config["input_layers"])
    outputs = _endpoints(config["output_layers"])
    if len(inputs) != 1 or len(outputs) != 1:
        raise UnsupportedModel(
            f"model '{model.name}' has {len(inputs)} inputs and {len(outputs)} outputs: "
            f"{_CHAIN_ONLY} (one input, one output) can be imported"
        )
    by_name = {item["name"]: item for item in config["layers"]}
    consumers: dict[str, list[str]] = {name: [] for name in by_name}
    for item in config["layers"]:
        nodes = item.get("inbound_nodes") or []
        sources = [t for node in nodes for t in _tensor_sources(node)]
        if len(nodes) > 1:
            raise UnsupportedModel(
                f"{_label(item)} is called {len(nodes)} times (shared layer): "
                f"{_CHAIN_ONLY} can be imported"
            )
        if len(sources) > 1:
            raise UnsupportedModel(
                f"{_label(item)} takes {len(sources)} inputs: {_CHAIN_ONLY} can be imported"
            )
        for source in sources:
            consumers[source].append(item["name"])
    chain = [inputs[0]]
    while chain[-1] != outputs[0]:
        following = consumers[chain[-1]]
        if len(following) != 1:
            what = "feeds no layer" if not following else f"feeds {len(following)} layers"
            raise UnsupportedModel(
                f"{_label(by_name[chain[-1]])} {what}: {_CHAIN_ONLY} can be imported"
            )
        chain.append(following[0])
    if len(chain) != len(by_name):
        unused = next(name for name in by_name if name not in chain)
        raise UnsupportedModel(
            f"{_label(by_name[unused])} is not on the path from the input to the output: "
            f"{_CHAIN_ONLY} can be imported"
        )
    return [by_name[name] for name in chain]


def _is_functional(model: Any) -> bool:
    try:
        config = model.get_config()
    except Exception:  # noqa: BLE001 - a subclassed model may not serialize
        return False
    return isinstance(config, dict) and "input_layers" in config and "layers" in config


def _endpoints(value: Any) -> list[str]:
    """Layer names of a functional config's input_layers or output_layers (one or a list)."""
    if value and isinstance(value[0], str):
        return [value[0]]
    return [item[0] for item in value]


def _tensor_sources(value: Any) -> list[str]:
    """The layers whose outputs a serialized call (an inbound node) takes, in order."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [value["config"]["keras_history"][0]]
        return [s for item in value.values() for s in _tensor_sources(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _tensor_sources(item)]
    return []


def _label(item: dict[str, Any]) -> str:
    config = item.get("config") or {}
    name = item.get("name") or config.get("name") or "?"
    return f"layer '{name}' ({item.get('class_name')})"


def _layer(item: dict[str, Any]) -> dict[str, Any]:
    """One serialized layer as the builder's class and keyword arguments."""
    import keras

    class_name = str(item.get("class_name"))
    label = _label(item)
    if item.get("module") != "keras.layers" or not hasattr(keras.layers, class_name):
        if class_name in ("Sequential", "Functional") or item.get("module") == "keras":
            raise UnsupportedModel(f"{label} is a nested model: {_CHAIN_ONLY} can be imported")
        raise UnsupportedModel(
            f"{label} is not a class of keras.layers (module {item.get('module')!r}): "
            "only Keras' own layers can be imported"
        )
    config = dict(item["config"])
    cls = getattr(keras.layers, class_name)
    known = _catalog_parameters(class_name) or list(inspect.signature(cls).parameters)
    if class_name == "InputLayer":
        config = _input_arguments(config)
    kwargs = _arguments(cls, config, known, label)
    return {"class": class_name, "name": item["config"].get("name"), "kwargs": kwargs}


def _catalog_parameters(class_name: str) -> list[str]:
    for entry in catalog.catalog()["entries"]:
        if entry["group"] == "layers" and entry["name"] == class_name:
            return [
                p["name"]
                for p in entry["parameters"]
                if p["kind"] not in ("var-positional", "var-keyword")
            ]
    return []


def _input_arguments(config: dict[str, Any]) -> dict[str, Any]:
    """InputLayer's config (batch_shape) as the arguments a user writes (shape, batch_size)."""
    import keras

    out: dict[str, Any] = {"name": config.get("name")}
    batch_shape = config.get("batch_shape")
    if batch_shape is not None:
        out["shape"] = tuple(batch_shape[1:])
        if batch_shape[0] is not None:
            out["batch_size"] = batch_shape[0]
    if config.get("dtype") not in (None, keras.config.floatx()):
        out["dtype"] = config["dtype"]
    if config.get("sparse"):
        out["sparse"] = True
    if config.get("optional"):
        out["optional"] = True
    return out


def _arguments(
    cls: Any, config: dict[str, Any], known: list[str], label: str
) -> list[dict[str, Any]]:
    """The arguments of `config` among `known` that differ from what `cls` makes by itself."""
    try:
        parameters = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    required = [
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        and p.name in config
    ]
    defaults = {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}
    reference, auto_name = _reference(cls, {name: config[name] for name in required})
    out = []
    for name in known:
        value = config.get(name, _MISSING)
        if value is _MISSING:
            continue
        if name == "name":
            if value is None or re.fullmatch(auto_name + r"(_\d+)?", value):
                continue
        elif name not in required:
            default = reference.get(name, defaults.get(name, _MISSING))
            if default is not _MISSING and _normal(default) == _normal(value):
                continue
            if default is _MISSING and value is None:
                continue
        out.append({"name": name, **_argument(value, f"{label}: argument '{name}'")})
    return out


_references: dict[Any, tuple[dict[str, Any], str]] = {}


def _reference(cls: Any, required: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """_make_reference(), remembered per class and required arguments."""
    try:
        key = (cls, repr(sorted(required.items())))
    except TypeError:
        return _make_reference(cls, required)
    if key not in _references:
        _references[key] = _make_reference(cls, required)
    return _references[key]


def _make_reference(cls: Any, required: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The config of `cls` made with only its required arguments, and the stem of the names
    Keras gives its objects (dense_3 -> dense); ({}, stem) when such an object cannot be made.

    The reference gets a name of its own, so that it uses up none of Keras' automatic names.
    """
    stem = re.escape(_snake_case(cls.__name__))
    make = cls.from_config if hasattr(cls, "from_config") else lambda kwargs: cls(**kwargs)
    for arguments in ({**required, "name": "qtkeras_import_reference"}, dict(required)):
        try:
            return make(arguments).get_config(), stem
        except Exception:  # noqa: BLE001 - a class without names; else the defaults
            continue
    return {}, stem


def _snake_case(name: str) -> str:
    """The stem of the names Keras gives objects of a class: InputLayer -> input_layer."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _normal(value: Any) -> Any:
    """A config value as JSON would carry it (tuples become lists), for comparisons."""
    if isinstance(value, tuple | list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return value


def _argument(value: Any, label: str) -> dict[str, Any]:
    """A config value as a builder argument: {"value": plain data} or {"object": call}."""
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        if value.get("class_name") in _DTYPE_POLICIES:
            return {"value": value["config"].get("name")}
        return {"object": _object(value, label)}
    return {"value": _plain(value)}


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    return value


def _object(value: dict[str, Any], label: str) -> dict[str, Any]:
    """A serialized Keras object (an initializer, a regularizer, a wrapped layer) as a call."""
    module, class_name = value.get("module"), value["class_name"]
    cls = None
    if module in _OBJECT_MODULES and value.get("registered_name") in (None, class_name):
        cls = getattr(importlib.import_module(module), class_name, None)
    if cls is None:
        raise UnsupportedModel(
            f"{label} is a {module}.{class_name}, which is not one of Keras' own classes"
        )
    config = dict(value["config"])
    known = list(inspect.signature(cls).parameters)
    if module == "keras.layers":
        known = _catalog_parameters(class_name) or known
    return {
        "module": module,
        "class": class_name,
        "kwargs": _arguments(cls, config, known, f"{label} ({class_name})"),
    }


def _compile_settings(model: Any, notes: list[str]) -> dict[str, Any] | None:
    """Loss, optimizer and metrics the model was compiled with; None when it was not."""
    config = model.get_compile_config() if getattr(model, "compiled", False) else None
    if not config:
        return None
    return {
        "loss": _loss(config.get("loss"), notes),
        "optimizer": _optimizer(config.get("optimizer")),
        "metrics": _metrics(config.get("metrics"), notes),
    }


def _loss(loss: Any, notes: list[str]) -> str | None:
    import keras

    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, dict) and "class_name" in loss:
        name = loss["config"].get("name")
        arguments = _object(loss, "the loss")["kwargs"]
        extra = [a["name"] for a in arguments if a["name"] not in ("name", "reduction")]
        if extra:
            notes.append(
                f"The loss's arguments ({', '.join(extra)}) are not taken over: the project "
                "names its loss only."
            )
        if isinstance(name, str) and callable(getattr(keras.losses, name, None)):
            return name
        return str(loss["class_name"])
    notes.append("The model has one loss per output; the project keeps its own loss.")
    return None


def _optimizer(optimizer: Any) -> dict[str, Any] | None:
    import keras

    if optimizer is None:
        return None
    if isinstance(optimizer, str):
        optimizer = keras.optimizers.serialize(keras.optimizers.get(optimizer))
    call = _object(optimizer, "the optimizer")
    kwargs = [a for a in call["kwargs"] if a["name"] != "name"]
    for argument in kwargs:
        if "value" in argument:
            argument["value"] = _float32(argument["value"])
    # The learning rate is part of the settings a user sees, default or not.
    if not any(a["name"] == "learning_rate" for a in kwargs):
        rate = optimizer["config"].get("learning_rate")
        if isinstance(rate, float | int):
            kwargs.insert(0, {"name": "learning_rate", "value": _float32(rate)})
    call["kwargs"] = kwargs
    return call


def _float32(value: Any) -> Any:
    """A float stored in float32 (0.009999999776482582) as the number it was set to (0.01)."""
    import numpy as np

    if isinstance(value, float) and float(np.float32(value)) == value:
        return float(str(np.float32(value)))
    return value


def _metrics(metrics: Any, notes: list[str]) -> list[str]:
    if metrics is None:
        return []
    if not isinstance(metrics, list | tuple):
        notes.append("The model has metrics per output; the project keeps its own metrics.")
        return []
    names = []
    for metric in metrics:
        if isinstance(metric, str):
            names.append(metric)
        elif isinstance(metric, dict) and isinstance(metric.get("config"), dict):
            names.append(metric["config"].get("name") or metric["class_name"])
        else:
            notes.append(f"The metric {metric!r} is not taken over.")
    return names
