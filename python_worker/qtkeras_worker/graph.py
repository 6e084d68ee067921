# SPDX-License-Identifier: GPL-3.0-or-later
"""Functional graphs for the model builder: shapes and parameters per node, and .keras import.

``describe(nodes)`` builds a graph of layer calls symbolically (no data) node by node and
reports each node's output shape, its layer's parameters, and the error of a node that cannot
be made or called — on that node, with the nodes after it left unknown. Layers and tensors
that did not change since the previous call are reused, so that an edit costs only the nodes
it touches and those after them.

A node whose layer is a model (a ``keras.applications`` model, a nested Sequential or
functional model: a block) also reports its inner layers, each with its output shape, its
parameters and the inner layers it takes tensors from, for the builder to show the block
opened. They are worked out once per block and kept with it.

``read(path)`` loads a .keras model (safe mode) and returns it as graph data: one node per
layer call (a layer called twice is a shared layer), one edge per tensor, with the layers'
arguments as the builder keeps them (model_import's rules), and the compile settings.
Importable without Keras.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

from . import model_import, model_support

# key -> (layer or None, output); replaced by what the latest describe() used.
_cache: dict[Any, tuple[Any, Any]] = {}
# key -> a number that stands for it in the keys of the nodes after it. A node's key names
# its sources by these numbers, not by their keys: nested keys would grow with every path
# from the inputs (2**16 of them in ResNet50's residual blocks), and hashing one took
# seconds. Equal numbers still mean equal graphs up to that node, since each key holds the
# numbers of its own sources.
_tokens: dict[Any, int] = {}
_next_token = itertools.count()
# id(block) -> (block, its inner layers) for the blocks the latest describe() used.
_inner_cache: dict[int, tuple[Any, list[dict[str, Any]]]] = {}


def _token(key: Any) -> int:
    token = _tokens.get(key)
    if token is None:
        token = _tokens[key] = next(_next_token)
    return token


def _key_part(value: Any) -> Any:
    """A value as a hashable, comparable part of a cache key."""
    if isinstance(value, dict):
        return tuple(sorted((k, _key_part(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_key_part(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    if callable(value) and not isinstance(value, type):
        return ("id", id(value))
    return value


def _node_key(node: dict[str, Any], keys: dict[int, int]) -> Any:
    inputs = tuple(
        (port, positional, is_list, tuple((keys.get(src), out) for src, out in sources))
        for port, positional, is_list, sources in node["inputs"]
    )
    return (
        node["id"],
        _key_part(node["factory"]),
        _key_part(tuple(node["args"])),
        _key_part(node["kwargs"]),
        keys.get(node["shared"]) if node["shared"] is not None else None,
        inputs,
        _key_part(node["call"]),
    )


def _factory(spec: Any) -> Any:
    """A constructor named as (module, name) in keras' own modules."""
    import importlib

    if not isinstance(spec, tuple | list):
        return spec
    module, name = spec
    if module != "keras" and not module.startswith("keras."):
        raise ValueError(f"{module}.{name} is not one of Keras' own classes")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise ValueError(f"{module} has no {name}") from None


def _pick(tensor: Any, output: int) -> Any:
    return tensor if output < 0 else tensor[output]


def _call(layer: Any, node: dict[str, Any], tensors: dict[int, Any]) -> Any:
    args: list[Any] = []
    kwargs: dict[str, Any] = dict(node["call"])
    for port, positional, is_list, sources in node["inputs"]:
        values = [_pick(tensors[src], out) for src, out in sources]
        value = values if is_list else values[0]
        if positional:
            args.append(value)
        else:
            kwargs[port] = value
    return layer(*args, **kwargs)


def _shape_entry(output: Any) -> dict[str, Any]:
    shapes = model_support.shape(output)
    several = isinstance(output, list | tuple)
    return {"shape": shapes, "outputs": len(output) if several else 1}


def _params(layer: Any) -> tuple[int, int]:
    if layer is None or not hasattr(layer, "trainable_weights"):
        return 0, 0
    trainable = model_support._count(layer.trainable_weights)
    return trainable, trainable + model_support._count(layer.non_trainable_weights)


def _is_block(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.Model)


def _first_output_shape(layer: Any) -> Any:
    """The shape of what a layer gives inside its model (its first call's output)."""
    try:
        outputs = list(layer._inbound_nodes[0].outputs)
    except (AttributeError, IndexError):
        return None
    return model_support.shape(outputs[0] if len(outputs) == 1 else outputs)


def _inner(block: Any) -> list[dict[str, Any]]:
    """A block's layers: [{"name", "class", "shape", "params", "inputs": [index]}], in the
    model's order; "inputs" index the layers whose outputs the layer takes."""
    import keras

    layers = list(block.layers)
    index = {layer.name: i for i, layer in enumerate(layers)}
    sources: dict[str, list[int]] = {}
    if isinstance(block, keras.Sequential):
        for i, layer in enumerate(layers):
            sources[layer.name] = [i - 1] if i else []
    else:
        for item in block.get_config().get("layers", []):
            names = model_import._tensor_sources(item.get("inbound_nodes") or [])
            sources[item["name"]] = list(dict.fromkeys(index[n] for n in names if n in index))
    inner = []
    for layer in layers:
        inner.append(
            {
                "name": layer.name,
                "class": type(layer).__name__,
                "shape": _first_output_shape(layer),
                "params": _params(layer)[1],
                "inputs": sources.get(layer.name, []),
            }
        )
    return inner


def describe(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Shapes and parameters of a graph given as node dicts in topological order.

    Each node: {"id", "input": bool, "factory", "args", "kwargs", "shared": id or None,
    "inputs": [(port, positional, is_list, [(source id, output index or -1)])], "call": dict}.
    Returns {"nodes": [{"id", "shape", "outputs", "params", "trainable_params"} (and "inner",
    see _inner(), for a block) or {"id", "error": {"type", "message"}}], "total_params",
    "trainable_params"}; nodes after a failed one are left out.
    """
    with _unallocated():
        return _describe(nodes)


class _unallocated:
    """Layers made inside get variables of the right shape that are never filled: a
    stateless scope that leaves them uninitialized (no random kernels run, which on JAX
    compiles one program per shape), then takes them off Keras' list of variables to
    initialize."""

    def __enter__(self) -> None:
        from keras.src.backend.common import global_state

        self._global_state = global_state
        self._before = list(
            global_state.get_global_attribute("uninitialized_variables", [], set_to_default=True)
        )
        import keras

        self._scope = keras.StatelessScope(initialize_variables=False)
        self._scope.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._scope.__exit__(*exc)
        self._global_state.set_global_attribute("uninitialized_variables", self._before)


def _describe(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    global _cache, _tokens, _inner_cache
    inner_used: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
    keys: dict[int, int] = {}  # node id -> the token of its key
    tensors: dict[int, Any] = {}
    layers: dict[int, Any] = {}
    used: dict[Any, tuple[Any, Any]] = {}
    entries = []
    for node in nodes:
        node_id = node["id"]
        sources = [src for _, _, _, srcs in node["inputs"] for src, _ in srcs]
        if any(src not in tensors for src in sources) or (
            node["shared"] is not None and node["shared"] not in layers
        ):
            continue  # after a node that failed
        key = _node_key(node, keys)
        try:
            if key in _cache:
                layer, output = _cache[key]
            elif node["input"]:
                layer, output = (
                    None,
                    model_support.create(
                        _factory(node["factory"]), *node["args"], **node["kwargs"]
                    ),
                )
            else:
                if node["shared"] is not None:
                    layer = layers[node["shared"]]
                else:
                    layer = model_support.create(
                        _factory(node["factory"]), *node["args"], **node["kwargs"]
                    )
                try:
                    output = _call(layer, node, tensors)
                except Exception as exc:  # noqa: BLE001 - reported with the layer named
                    model_support._rethrow(exc, f"cannot call {model_support._layer_label(layer)}")
        except Exception as exc:  # noqa: BLE001 - reported on the node that caused it
            entries.append(
                {
                    "id": node_id,
                    "error": {"type": type(exc).__name__, "message": model_support._clean(exc)},
                }
            )
            continue
        used[key] = (layer, output)
        keys[node_id] = _token(key)
        tensors[node_id] = output
        layers[node_id] = layer
        trainable, total = _params(layer)
        entry = {
            "id": node_id,
            **_shape_entry(output),
            "params": total,
            "trainable_params": trainable,
        }
        if layer is not None and _is_block(layer):
            kept = _inner_cache.get(id(layer))
            if kept is None or kept[0] is not layer:
                kept = (layer, _inner(layer))
            inner_used[id(layer)] = kept
            entry["inner"] = kept[1]
        entries.append(entry)
    _cache = used
    _inner_cache = inner_used
    _tokens = {key: _tokens[key] for key in used}
    distinct = {id(layer): layer for node_id, layer in layers.items() if layer is not None}
    trainable = total = 0
    for layer in distinct.values():
        t, a = _params(layer)
        trainable += t
        total += a
    return {"nodes": entries, "total_params": total, "trainable_params": trainable}


def forget() -> None:
    """Drops the layers and tensors kept for the next describe()."""
    _cache.clear()
    _tokens.clear()
    _inner_cache.clear()


# --- import ---------------------------------------------------------------------------


def read(path: str) -> dict[str, Any]:
    """The model in a .keras file as graph data; a refusal as {"error": {"type", "message"}}.

    {"model": {"name", "class", "nodes": [{"id", "module", "class", "kwargs", "shared",
    "call": [{"name", "value"}]}], "edges": [{"from", "output", "to", "port"}],
    "outputs": [id], "total_params", "compile", "notes"}, "error": None}. A port is the index
    of a positional argument or the name of a keyword argument.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model, compile_config = _load_structure(path)
            return {"model": _graph(model, compile_config), "error": None}
    except (model_support.ModelError, model_import.UnsupportedModel) as exc:
        return {"model": None, "error": {"type": type(exc).__name__, "message": str(exc)}}


def _load_structure(path: str) -> tuple[Any, dict[str, Any] | None]:
    """The model of a .keras file from its config alone, its variables never filled: the
    builder needs the structure, and reading 100 MB of weights would take seconds."""
    import json
    import os
    import zipfile

    import keras

    if not os.path.isfile(path):
        raise model_support.ModelError(f"cannot load '{path}': there is no such file")
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise model_support.ModelError(
            f"cannot load '{path}': it is not a .keras model file ({exc})"
        ) from exc
    # Compiling builds the optimizer's variables, which the unallocated scope refuses: the
    # compile settings are read from the config instead.
    compile_config = config.pop("compile_config", None)
    try:
        with _unallocated():
            model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as exc:
        raise model_support.ModelError(
            f"cannot load '{path}': {model_support._clean(exc)}"
        ) from exc
    return model, compile_config


def _compile(config: dict[str, Any] | None, notes: list[str]) -> dict[str, Any] | None:
    if not config:
        return None
    return {
        "loss": model_import._loss(config.get("loss"), notes),
        "optimizer": model_import._optimizer(config.get("optimizer")),
        "metrics": model_import._metrics(config.get("metrics"), notes),
    }


def _graph(model: Any, compile_config: dict[str, Any] | None) -> dict[str, Any]:
    import keras

    notes: list[str] = []
    if isinstance(model, keras.Sequential):
        items = list(model.get_config()["layers"])
        nodes, edges = [], []
        for index, item in enumerate(items):
            nodes.append(_node(index + 1, item, None, []))
            if index:
                edges.append({"from": index, "output": -1, "to": index + 1, "port": 0})
        outputs = [len(items)]
    elif model_import._is_functional(model):
        nodes, edges, outputs = _functional(model, model.get_config())
    else:
        raise model_import.UnsupportedModel(
            f"model '{model.name}' is a subclassed model ({type(model).__name__}): only "
            "Sequential and functional models can be imported"
        )
    return {
        "name": model.name,
        "class": type(model).__name__,
        "nodes": nodes,
        "edges": edges,
        "outputs": outputs,
        "total_params": model_support._count(model.weights),
        "compile": _compile(compile_config, notes),
        "notes": notes,
    }


def _nested(item: dict[str, Any]) -> dict[str, Any] | None:
    """A nested model as the object that rebuilds it (a block): a Sequential model as
    keras.Sequential with its layers, a functional one (a keras.applications model, say) from
    its config. None for a layer."""
    class_name = item.get("class_name")
    name = (item.get("config") or {}).get("name") or item.get("name")
    if class_name == "Sequential" and item.get("module") == "keras":
        layers = []
        for layer_item in item["config"].get("layers", []):
            layer = model_import._layer(layer_item)
            kwargs = layer["kwargs"]
            if layer["name"] and not any(k["name"] == "name" for k in kwargs):
                kwargs.append({"name": "name", "value": layer["name"]})
            layers.append({"module": "keras.layers", "class": layer["class"], "kwargs": kwargs})
        return {
            "module": "keras",
            "class": "Sequential",
            "kwargs": [{"name": "layers", "objects": layers}, {"name": "name", "value": name}],
        }
    if class_name == "Functional" and "layers" in (item.get("config") or {}):
        config = {k: item[k] for k in ("module", "class_name", "config", "registered_name")}
        return {
            "module": "keras.saving",
            "class": "deserialize_keras_object",
            "kwargs": [{"name": "config", "value": config}],
        }
    return None


def _node(
    node_id: int, item: dict[str, Any], shared: int | None, call: list[dict[str, Any]]
) -> dict[str, Any]:
    nested = _nested(item)
    if shared is not None:
        return {
            "id": node_id,
            "module": nested["module"] if nested else "keras.layers",
            "class": nested["class"] if nested else item["class_name"],
            "kwargs": [],
            "auto_name": True,
            "shared": shared,
            "call": call,
        }
    if nested is not None:
        return {"id": node_id, **nested, "auto_name": False, "shared": None, "call": call}
    layer = model_import._layer(item)
    kwargs = layer["kwargs"]
    # The layer keeps its name, so that the rebuilt model's weights line up with the file's;
    # auto_name says it is one Keras made up (a Sequential list can do without it).
    auto_name = not any(k["name"] == "name" for k in kwargs)
    if layer["name"] and auto_name:
        kwargs.append({"name": "name", "value": layer["name"]})
    return {
        "id": node_id,
        "module": "keras.layers",
        "class": layer["class"],
        "kwargs": kwargs,
        "auto_name": auto_name,
        "shared": None,
        "call": call,
    }


def _history(value: Any) -> tuple[str, int, int] | None:
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        name, node_index, tensor_index = value["config"]["keras_history"]
        return name, node_index, tensor_index
    return None


def _functional(
    model: Any, config: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    ids: dict[tuple[str, int], int] = {}
    several: dict[tuple[str, int], bool] = {}
    nodes: list[dict[str, Any]] = []
    pending_edges: list[tuple[tuple[str, int, int], int, Any]] = []
    next_id = 1
    for item in config["layers"]:
        name = item["name"]
        inbound = item.get("inbound_nodes") or []
        calls = inbound if inbound else [None]
        owner = None
        for call_index, call in enumerate(calls):
            node_id = next_id
            next_id += 1
            ids[(name, call_index)] = node_id
            several[(name, call_index)] = _several_outputs(model, name, call_index)
            call_arguments: list[dict[str, Any]] = []
            if call is not None:
                for position, arg in enumerate(call.get("args", [])):
                    _collect(arg, position, node_id, pending_edges, call_arguments, name)
                for key, arg in (call.get("kwargs") or {}).items():
                    _collect(arg, key, node_id, pending_edges, call_arguments, name)
            nodes.append(_node(node_id, item, owner, call_arguments))
            owner = owner or node_id
    edges = []
    for (source, node_index, tensor_index), to, port in pending_edges:
        if (source, node_index) not in ids:
            raise model_import.UnsupportedModel(
                f"layer '{source}' is called in a way the builder cannot show"
            )
        output = tensor_index if several[(source, node_index)] else -1
        edges.append({"from": ids[(source, node_index)], "output": output, "to": to, "port": port})
    outputs = [ids[(name, node_index)] for name, node_index, _ in _endpoint_list(config)]
    return nodes, edges, outputs


def _endpoint_list(config: dict[str, Any]) -> list[tuple[str, int, int]]:
    value = config["output_layers"]
    if value and isinstance(value[0], str):
        return [tuple(value)]
    return [tuple(item) for item in value]


def _several_outputs(model: Any, name: str, call_index: int) -> bool:
    try:
        node = model.get_layer(name)._inbound_nodes[call_index]
    except (ValueError, IndexError, AttributeError):
        return False
    return len(node.outputs) > 1


def _collect(
    arg: Any,
    port: Any,
    node_id: int,
    edges: list[tuple[tuple[str, int, int], int, Any]],
    call_arguments: list[dict[str, Any]],
    name: str,
) -> None:
    """Tensors in a call argument become edges; other values become call arguments."""
    history = _history(arg)
    if history is not None:
        edges.append((history, node_id, port))
        return
    histories = [_history(a) for a in arg] if isinstance(arg, list | tuple) else []
    if histories and all(h is not None for h in histories):
        edges.extend((h, node_id, port) for h in histories if h is not None)
        return
    if isinstance(port, int):
        raise model_import.UnsupportedModel(
            f"layer '{name}' is called with a value that is not a tensor by position"
        )
    if arg is None:
        return
    if isinstance(arg, dict | list | tuple):
        raise model_import.UnsupportedModel(
            f"layer '{name}' is called with {port}={arg!r}, which the builder cannot show"
        )
    call_arguments.append({"name": port, "value": arg})
