# SPDX-License-Identifier: GPL-3.0-or-later
"""How a model in the worker was built, as plain data from which a Python script rebuilds it.

``describe(model)`` reads a Sequential or functional model (one loaded from a .keras file,
say) layer by layer and call by call. The C++ side writes the script from it
(``Model::exportScript``), so this module only reads::

    {"kind": "Sequential", "name", "trainable", "input": None or {keras.Input kwargs},
     "layers": [LAYER]}
    {"kind": "Functional", "name", "trainable", "inputs": [{keras.Input kwargs}],
     "layers": [LAYER], "calls": [CALL], "input_struct": STRUCT, "output_struct": STRUCT}

    LAYER  {"name", "object": OBJECT}, {"name", "model": <a nested description>},
           {"name", "serialized": VALUE} for keras.saving.deserialize_keras_object, or
           {"name", "function": name in keras.ops, "kwargs"} (called with these kwargs)
    OBJECT {"module", "class", "kwargs": {name: VALUE}}: module.class(**kwargs), with only
           the arguments whose values differ from the constructor's defaults
    CALL   {"layer": index in layers, "args": [VALUE], "kwargs": {name: VALUE},
           "outputs": [PATH]}: the layer called in the graph's order; with several outputs,
           how each one is reached in what the call returns (a list of indices and keys)
    VALUE  plain data; {"qk_object": OBJECT}; {"qk_serialized": a Keras config dict, for
           keras.saving.deserialize_keras_object}; {"qk_input": i}; {"qk_tensor": [call, k]}
    STRUCT a VALUE of tensors: one, or a list, tuple or dict of them

A model that plain Keras cannot rebuild (a subclassed model, a custom or Lambda layer)
raises ``Unrebuildable`` naming what is in the way. Importable without Keras.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

_MISSING = object()
# Layer keyword arguments every layer takes through **kwargs, with Keras' defaults.
_BASE_DEFAULTS = {"trainable": True}


class Unrebuildable(ValueError):
    """Plain Keras cannot rebuild the model; the message names the layer or model."""


def describe(model: Any) -> dict[str, Any]:
    """The model as data a script is written from (see the module's documentation)."""
    import keras

    if isinstance(model, keras.Sequential):
        return _sequential(model)
    if isinstance(model, keras.Model) and _is_functional(model):
        return _functional(model)
    raise Unrebuildable(
        f"model '{model.name}' is a subclass of keras.Model ({type(model).__name__}): "
        "how its call() computes is Python code, not a graph of layers"
    )


def read(model: Any) -> dict[str, Any]:
    """describe(), with a refusal returned as {"error": message} instead of raised.

    Called when a model is loaded: not knowing how to write the model must not fail the load.
    """
    try:
        return {"blueprint": describe(model), "error": None}
    except Unrebuildable as exc:
        return {"blueprint": None, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - reported with the model's name, never raised
        return {
            "blueprint": None,
            "error": f"model '{model.name}' could not be read: {type(exc).__name__}: {exc}",
        }


def _is_functional(model: Any) -> bool:
    from keras.src.models.functional import Functional

    return isinstance(model, Functional)


def _common(model: Any, kind: str) -> dict[str, Any]:
    return {"kind": kind, "name": model.name, "trainable": bool(model.trainable)}


def _sequential(model: Any) -> dict[str, Any]:
    import keras

    described = _common(model, "Sequential")
    first = model._layers[0] if model._layers else None
    has_input = isinstance(first, keras.layers.InputLayer)
    described["input"] = _input_kwargs(first) if has_input else None
    described["layers"] = [_layer(layer) for layer in model.layers]
    return described


def _functional(model: Any) -> dict[str, Any]:
    import keras

    described = _common(model, "Functional")
    inputs = list(model.inputs)
    input_index = {id(t): i for i, t in enumerate(inputs)}
    described["inputs"] = [_input_kwargs(t._keras_history[0]) for t in inputs]

    # The model's own nodes, deepest first: the order in which the calls can be made.
    nodes: list[Any] = []
    for depth in sorted(model._nodes_by_depth, reverse=True):
        nodes.extend(n for n in model._nodes_by_depth[depth] if not n.is_input)
    layers: list[Any] = []
    layer_index: dict[int, int] = {}
    call_index: dict[int, int] = {}
    calls: list[Any] = []

    def ref(tensor: Any) -> dict[str, Any]:
        if id(tensor) in input_index:
            return {"qk_input": input_index[id(tensor)]}
        operation, node_index, tensor_index = tensor._keras_history
        node = operation._inbound_nodes[node_index]
        if id(node) not in call_index:
            raise Unrebuildable(
                f"a tensor from '{operation.name}' is not made in model '{model.name}'"
            )
        return {"qk_tensor": [call_index[id(node)], tensor_index]}

    def value(item: Any) -> Any:
        if isinstance(item, keras.KerasTensor):
            return ref(item)
        return _value(item, f"a call of '{node.operation.name}'")

    for node in nodes:
        layer = node.operation
        if id(layer) not in layer_index:
            layer_index[id(layer)] = len(layers)
            layers.append(layer)
        kwargs = {k: _tree(v, value) for k, v in node.arguments.kwargs.items() if v is not None}
        call_index[id(node)] = len(calls)
        calls.append(
            {
                "layer": layer_index[id(layer)],
                "args": [_tree(a, value) for a in node.arguments.args],
                "kwargs": kwargs,
                "outputs": _output_paths(layer, len(node.outputs)),
            }
        )
    described["layers"] = [_layer(layer) for layer in layers]
    described["calls"] = calls
    described["input_struct"] = _tree(model._inputs_struct, ref)
    described["output_struct"] = _tree(model._outputs_struct, ref)
    return described


def _tree(item: Any, leaf: Any) -> Any:
    """A nest of lists, tuples and dicts with `leaf` applied to everything else."""
    if isinstance(item, dict):
        return {str(k): _tree(v, leaf) for k, v in item.items()}
    if isinstance(item, list):
        return [_tree(v, leaf) for v in item]
    if isinstance(item, tuple):
        return tuple(_tree(v, leaf) for v in item)
    return leaf(item)


def _output_paths(layer: Any, count: int) -> list[list[Any]]:
    """How each of a call's `count` outputs is reached in what the call returns."""
    if count == 1:
        return [[]]
    import keras

    if _is_functional(layer):
        return [list(path) for path, _ in keras.tree.flatten_with_path(layer._outputs_struct)]
    # A built-in layer's several outputs are a list or tuple (attention scores, RNN states).
    return [[k] for k in range(count)]


def _input_kwargs(input_layer: Any) -> dict[str, Any]:
    """keras.Input's arguments for an InputLayer: shape (or batch_shape), dtype, name..."""
    config = input_layer.get_config()
    batch_shape = list(config.get("batch_shape") or [])
    kwargs: dict[str, Any] = {}
    if batch_shape and batch_shape[0] is None:
        kwargs["shape"] = tuple(batch_shape[1:])
    else:
        kwargs["batch_shape"] = tuple(batch_shape)
    import keras

    if config.get("dtype") not in (None, keras.config.floatx()):
        kwargs["dtype"] = config["dtype"]
    for key in ("sparse", "ragged"):
        if config.get(key):
            kwargs[key] = True
    kwargs["name"] = input_layer.name
    return kwargs


def _layer(layer: Any) -> dict[str, Any]:
    import keras

    if not isinstance(layer, keras.layers.Layer):
        return _operation(layer)
    if isinstance(layer, keras.Model):
        return {"name": layer.name, "model": describe(layer)}
    what = f"layer '{layer.name}'"
    if isinstance(layer, keras.layers.Lambda):
        raise Unrebuildable(f"{what} is a Lambda layer: its function is Python code")
    serialized = keras.saving.serialize_keras_object(layer)
    if _public_class(serialized) is None:
        raise Unrebuildable(
            f"{what} is of class {type(layer).__module__}.{type(layer).__name__}, "
            "which is not part of Keras"
        )
    serialized["config"] = {**serialized.get("config", {}), "name": layer.name}
    described = _object(serialized, what)
    if described is None:
        # Made from its config by Keras: right, if less readable than a constructor call.
        return {"name": layer.name, "serialized": _plain(_without_build(serialized), what)}
    return {"name": layer.name, "object": described}


def _operation(operation: Any) -> dict[str, Any]:
    """A keras.ops function applied in the graph (x + y is keras.ops.add): its name in
    keras.ops and the arguments it was given besides the tensors."""
    import keras

    functions = {name.replace("_", ""): name for name in dir(keras.ops) if not name.startswith("_")}
    function = functions.get(type(operation).__name__.lower())
    what = f"'{operation.name}', a {type(operation).__name__}"
    if function is None or not type(operation).__module__.startswith("keras."):
        raise Unrebuildable(f"{what}, is not a layer nor a function of keras.ops")
    parameters = inspect.signature(getattr(keras.ops, function)).parameters
    kwargs = {}
    for key, item in operation.get_config().items():
        if key == "name":
            continue
        parameter = parameters.get(key)
        if parameter is None:
            raise Unrebuildable(f"{what}, has an argument '{key}' that keras.ops.{function} lacks")
        if parameter.default is not parameter.empty and _same(item, parameter.default):
            continue
        kwargs[key] = _value(item, what)
    return {"name": operation.name, "function": function, "kwargs": kwargs}


def _without_build(serialized: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in serialized.items() if k not in ("build_config", "compile_config")}


def _public_class(serialized: dict[str, Any]) -> Any:
    """The class of a serialized object when it is part of Keras' public API, else None."""
    module = serialized.get("module")
    name = serialized.get("class_name")
    if not isinstance(module, str) or not isinstance(name, str):
        return None
    if serialized.get("registered_name") not in (None, name):
        return None
    if (module != "keras" and not module.startswith("keras.")) or module.startswith("keras.src"):
        return None
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    return cls if inspect.isclass(cls) else None


def _object(serialized: dict[str, Any], what: str) -> dict[str, Any] | None:
    """A serialized Keras object as module.class(**kwargs) with only the arguments whose
    values differ from what the class makes by itself; None when no such call gives back
    the same config (the class is not public Keras, or takes its config otherwise)."""
    cls = _public_class(serialized)
    if cls is None:
        return None
    try:
        parameters = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return None
    config = dict(serialized.get("config") or {})
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    required = {
        k
        for k, p in parameters.items()
        if k != "self" and p.kind in named and p.default is p.empty and k in config
    }
    keep = {"name"} | required
    for kept in _candidates(cls, config, parameters, keep):
        if "dtype" in kept:
            kept["dtype"] = _dtype(kept["dtype"])
            if kept["dtype"] is None:
                del kept["dtype"]
        if _makes(cls, kept, config):
            # The name last, as a person writes it.
            order = sorted(kept, key=lambda k: k == "name")
            return {
                "module": serialized["module"],
                "class": serialized["class_name"],
                "kwargs": {k: _value(kept[k], what) for k in order},
            }
    return None


def _candidates(cls: Any, config: dict[str, Any], parameters: Any, keep: set[str]) -> Any:
    """The keyword arguments to try, fewest first: those that differ from what the class
    makes from its required arguments alone, then those that differ from the signature's
    defaults."""
    try:
        # Named as the original, so that Keras counts no new automatic name.
        made = cls(**{k: _deserialized(config[k]) for k in keep if k in config})
        baseline = made.get_config()
        yield {
            k: v
            for k, v in config.items()
            if k in keep or k not in baseline or not _same(v, baseline[k])
        }
    except Exception:  # noqa: BLE001 - the class needs more to be made: next way
        pass
    kept = {}
    for key, item in config.items():
        parameter = parameters.get(key)
        default = parameter.default if parameter is not None else _BASE_DEFAULTS.get(key, _MISSING)
        unknown = default is _MISSING or default is inspect.Parameter.empty
        if key in keep or unknown or not _same(item, default):
            kept[key] = item
    yield kept


def _makes(cls: Any, kwargs: dict[str, Any], config: dict[str, Any]) -> bool:
    """Whether cls(**kwargs) gives back `config`."""
    try:
        made = cls(**{k: _deserialized(v) for k, v in kwargs.items()})
        return _same(made.get_config(), config)
    except Exception:  # noqa: BLE001 - any failure means: not by this call
        return False


def _deserialized(item: Any) -> Any:
    """A serialized Keras object as the object (a layer argument that is a layer)."""
    if isinstance(item, dict) and {"module", "class_name", "config"} <= item.keys():
        import keras

        return keras.saving.deserialize_keras_object(item)
    return item


def _dtype(item: Any) -> Any:
    """A dtype policy as its name; None for the default (float32, or what floatx is)."""
    import keras

    if isinstance(item, dict) and item.get("class_name") == "DTypePolicy":
        item = (item.get("config") or {}).get("name")
    if item is None or item == keras.config.floatx():
        return None
    return item


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):
        return False


def _value(item: Any, what: str) -> Any:
    """A config value as plain data, a Keras object or a serialized one."""
    if isinstance(item, dict):
        if {"module", "class_name", "config"} <= item.keys():
            described = _object(item, what)
            return {"qk_object": described} if described else {"qk_serialized": _plain(item, what)}
        return {str(k): _value(v, what) for k, v in item.items()}
    if isinstance(item, list):
        return [_value(v, what) for v in item]
    if isinstance(item, tuple):
        return tuple(_value(v, what) for v in item)
    if item is None or isinstance(item, bool | int | float | str):
        return item
    if hasattr(item, "tolist"):  # a numpy array or scalar: its values
        return item.tolist()
    raise Unrebuildable(f"{what} holds a {type(item).__name__}, which a script cannot write")


def _plain(item: Any, what: str) -> Any:
    """A config as plain data, as it is: numpy values as lists and numbers."""
    if isinstance(item, dict):
        return {str(k): _plain(v, what) for k, v in item.items()}
    if isinstance(item, list | tuple):
        return type(item)(_plain(v, what) for v in item)
    if item is None or isinstance(item, bool | int | float | str):
        return item
    if hasattr(item, "tolist"):
        return item.tolist()
    raise Unrebuildable(f"{what} holds a {type(item).__name__}, which a script cannot write")
