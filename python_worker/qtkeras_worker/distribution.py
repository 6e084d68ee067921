# SPDX-License-Identifier: GPL-3.0-or-later
"""Training on several devices and processes with Keras' own distribution API (JAX only).

The C++ side describes a distribution as plain data (a *spec*)::

    {"kind": "data" | "model",
     "devices": "all" | N | ["cpu:0", ...],          # default "all"
     "mesh": {"shape": [2, 2], "axes": ["batch", "model"]},   # model only
     "batch_axis": "batch",                            # default: the mesh's first axis
     "rules": [{"pattern": ".*dense.*kernel", "axes": [None, "model"]}, ...]}

`configure` makes it Keras' global distribution (before the model is built: variables are
laid out when they are created); `layout` shows, for every variable of a model, which rule
of the spec matches it, how it is sharded and the shape of each shard, computed from the
mesh alone so that rules can be tried on a model built on one device. `fit` and `evaluate`
feed each process its own rows of every global batch when the job spans several processes
(Keras' auto-sharding needs tf.data) and write and restore checkpoints.

Importable without Keras or JAX: both are imported lazily, inside functions.
"""

from __future__ import annotations

import math
import re
from typing import Any

from . import checkpoints, model_support

KINDS = ("data", "model")


class DistributionError(ValueError):
    """A spec, a model or data that the distribution cannot work with; the message says why."""


# ---------------------------------------------------------------- devices


def require_jax() -> None:
    """Raises unless Keras runs on JAX: its distribution API exists only there."""
    import keras

    backend = keras.backend.backend()
    if backend != "jax":
        raise DistributionError(
            f"Keras' distribution API needs the JAX backend; this worker runs {backend}. "
            "Choose JAX in Settings (or start the worker with --backend jax)"
        )


def devices() -> dict[str, Any]:
    """The devices JAX sees: every device of the job, which process holds it, and which of
    them are this process's own."""
    import keras

    backend = keras.backend.backend()
    if backend != "jax":
        return {"backend": backend, "platform": None, "devices": [], "local": 0, "processes": 1}
    import jax

    mine = {d.id for d in jax.local_devices()}
    listed = [
        {
            "name": f"{d.platform}:{d.id}",
            "platform": d.platform,
            "kind": getattr(d, "device_kind", d.platform),
            "process": d.process_index,
            "local": d.id in mine,
        }
        for d in jax.devices()
    ]
    return {
        "backend": backend,
        "platform": jax.default_backend(),
        "devices": listed,
        "local": len(mine),
        "processes": jax.process_count(),
        "process": jax.process_index(),
    }


# ---------------------------------------------------------------- specs


def _check_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with its defaults filled in; a clear error for anything Keras would refuse
    later, or silently misread."""
    if not isinstance(spec, dict):
        raise DistributionError("a distribution is a dict with at least 'kind'")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise DistributionError(f"kind must be 'data' or 'model', not {kind!r}")
    unknown = set(spec) - {"kind", "devices", "mesh", "batch_axis", "rules"}
    if unknown:
        raise DistributionError(f"unknown fields in the distribution: {sorted(unknown)}")
    out: dict[str, Any] = {"kind": kind, "devices": spec.get("devices", "all")}
    if kind == "data":
        if spec.get("rules"):
            raise DistributionError(
                "a data-parallel distribution replicates every variable: layout rules "
                "need kind 'model'"
            )
        out["mesh"] = None
        out["batch_axis"] = spec.get("batch_axis") or "batch"
        out["rules"] = []
        return out
    mesh = spec.get("mesh")
    if not isinstance(mesh, dict) or "shape" not in mesh or "axes" not in mesh:
        raise DistributionError("a model-parallel distribution needs mesh {shape, axes}")
    shape, axes = list(mesh["shape"]), list(mesh["axes"])
    if not shape or len(shape) != len(axes):
        raise DistributionError(f"the mesh needs one size per axis: shape {shape}, axes {axes}")
    if any(not isinstance(n, int) or n < 1 for n in shape):
        raise DistributionError(f"mesh sizes must be positive integers: {shape}")
    if any(not isinstance(a, str) or not a for a in axes) or len(set(axes)) != len(axes):
        raise DistributionError(f"mesh axes must be distinct names: {axes}")
    batch_axis = spec.get("batch_axis") or axes[0]
    if batch_axis not in axes:
        raise DistributionError(f"the batch axis {batch_axis!r} is not a mesh axis {axes}")
    rules = []
    seen: set[str] = set()
    for number, rule in enumerate(spec.get("rules") or [], 1):
        pattern, rule_axes = rule.get("pattern"), rule.get("axes")
        if not isinstance(pattern, str) or not pattern:
            raise DistributionError(f"rule {number} has no pattern")
        if pattern in seen:
            raise DistributionError(f"rule {number}: the pattern {pattern!r} is given twice")
        seen.add(pattern)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise DistributionError(
                f"rule {number}: {pattern!r} is not a regular expression: {exc}"
            ) from None
        if not isinstance(rule_axes, list | tuple):
            raise DistributionError(f"rule {number} ({pattern!r}) needs a list of axes")
        for axis in rule_axes:
            if axis is not None and axis not in axes:
                raise DistributionError(
                    f"rule {number} ({pattern!r}) names the axis {axis!r}, which is not a "
                    f"mesh axis {axes}"
                )
        rules.append({"pattern": pattern, "axes": list(rule_axes)})
    out["mesh"] = {"shape": shape, "axes": axes}
    out["batch_axis"] = batch_axis
    out["rules"] = rules
    return out


def _chosen_devices(choice: Any) -> list[str]:
    import keras

    available: list[str] = keras.distribution.list_devices()
    if choice in (None, "all"):
        return available
    import jax

    if jax.process_count() > 1:
        raise DistributionError(
            "a job of several processes uses all of their devices: give devices 'all'"
        )
    if isinstance(choice, int) and not isinstance(choice, bool):
        if not 1 <= choice <= len(available):
            raise DistributionError(
                f"{choice} devices asked for, but this worker has {len(available)}: "
                f"{', '.join(available)}"
            )
        return available[:choice]
    if isinstance(choice, list) and choice and all(isinstance(d, str) for d in choice):
        missing = [d for d in choice if d not in available]
        if missing:
            raise DistributionError(
                f"no such devices: {', '.join(missing)} (this worker has {', '.join(available)})"
            )
        return list(choice)
    raise DistributionError(f"devices must be 'all', a count or a list of names, not {choice!r}")


def configure(spec: dict[str, Any] | None) -> dict[str, Any]:
    """Makes the spec Keras' global distribution (None: none); returns describe()."""
    import keras

    if spec is None:
        keras.distribution.set_distribution(None)
        return describe()
    require_jax()
    spec = _check_spec(spec)
    chosen = _chosen_devices(spec["devices"])
    dist = keras.distribution
    if spec["kind"] == "data":
        distribution = dist.DataParallel(devices=chosen, auto_shard_dataset=False)
    else:
        shape, axes = spec["mesh"]["shape"], spec["mesh"]["axes"]
        if math.prod(shape) != len(chosen):
            raise DistributionError(
                f"a mesh of {' x '.join(map(str, shape))} needs {math.prod(shape)} devices; "
                f"{len(chosen)} are chosen ({', '.join(chosen)})"
            )
        mesh = dist.DeviceMesh(shape=tuple(shape), axis_names=list(axes), devices=chosen)
        layout_map = dist.LayoutMap(mesh)
        for rule in spec["rules"]:
            layout_map[rule["pattern"]] = tuple(rule["axes"])
        distribution = dist.ModelParallel(
            layout_map=layout_map, batch_dim_name=spec["batch_axis"], auto_shard_dataset=False
        )
    dist.set_distribution(distribution)
    _state["spec"] = spec
    return describe()


_state: dict[str, Any] = {"spec": None}


def describe() -> dict[str, Any]:
    """The distribution in force: its kind, devices, mesh and how the data is split."""
    import keras

    current = keras.distribution.distribution()
    if current is None:
        return {"kind": None, "devices": [], "mesh": None, "processes": 1, "process": 0}
    mesh = current.device_mesh
    kind = "data" if isinstance(current, keras.distribution.DataParallel) else "model"
    return {
        "kind": kind,
        "devices": [str(d) for d in mesh.devices.flatten()],
        "mesh": {"shape": list(mesh.shape), "axes": list(mesh.axis_names)},
        "batch_axis": current.batch_dim_name,
        "replicas": int(current.num_model_replicas),
        "processes": int(current.num_processes),
        "process": int(getattr(current, "_process_id", 0)),
    }


# ---------------------------------------------------------------- layouts


def _matches(rules: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    """The rules Keras' LayoutMap would consider for `path`: an exact key wins, else every
    pattern that matches the whole path (re.fullmatch)."""
    for rule in rules:
        if rule["pattern"] == path:
            return [rule]
    return [rule for rule in rules if re.fullmatch(rule["pattern"], path)]


def _shard(
    shape: list[int], axes: list[str | None], sizes: dict[str, int]
) -> tuple[list[int] | None, str | None]:
    """The shape of one shard of a tensor laid out by `axes`, or why it cannot be."""
    if len(axes) != len(shape):
        return None, (
            f"the rule gives {len(axes)} axes for a tensor of {len(shape)} dimensions {shape}"
        )
    used = [a for a in axes if a is not None]
    if len(set(used)) != len(used):
        return None, f"a mesh axis is used for two dimensions: {axes}"
    shard = []
    for dim, (size, axis) in enumerate(zip(shape, axes, strict=True)):
        parts = sizes[axis] if axis is not None else 1
        if size % parts:
            return None, (
                f"dimension {dim} (size {size}) does not split into {parts} equal shards "
                f"along '{axis}'"
            )
        shard.append(size // parts)
    return shard, None


def layout(model: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """For every variable of `model`, which rule of `spec` matches its path, the sharding that
    results and the shape of each shard; for every rule, how many variables it matches, and
    for one that matches none the paths it matches only a part of (Keras needs the whole
    path to match, and says nothing when a rule matches no variable).

    Computed from the mesh's shape alone, so it works for a model built on one device. A
    variable that a rule cannot shard (wrong number of axes, a size the mesh does not
    divide) or that several rules match carries a `problem`, the error Keras would raise.
    `actual` is the layout the variable has now, when it was made under a distribution.
    """
    spec = _check_spec(spec)
    if spec["kind"] == "data":
        count = _device_count(spec["devices"])
        mesh = {"shape": [count], "axes": [spec["batch_axis"]]}
    else:
        mesh = spec["mesh"]
    sizes = dict(zip(mesh["axes"], mesh["shape"], strict=True))
    total = math.prod(mesh["shape"])
    rules = spec["rules"]
    uses = {rule["pattern"]: 0 for rule in rules}
    variables = []
    for variable in model.variables:
        path = variable.path
        shape = [int(d) for d in variable.shape]
        entry: dict[str, Any] = {
            "path": path,
            "shape": shape,
            "dtype": str(variable.dtype),
            "rule": None,
            "matches": [],
            "axes": [None] * len(shape),
            "shard_shape": shape,
            "copies": total,
            "problem": None,
            "actual": _actual_axes(variable),
        }
        matched = _matches(rules, path)
        entry["matches"] = [rule["pattern"] for rule in matched]
        for rule in matched:
            uses[rule["pattern"]] += 1
        if len(matched) > 1:
            entry["problem"] = (
                f"{len(matched)} rules match this path: "
                + ", ".join(repr(rule["pattern"]) for rule in matched)
                + "; Keras refuses a path that more than one rule matches"
            )
        elif matched:
            entry["rule"] = matched[0]["pattern"]
            entry["axes"] = list(matched[0]["axes"])
        if entry["problem"] is None:
            if any(a is not None and a not in sizes for a in entry["axes"]):
                entry["problem"] = f"axes {entry['axes']} name an axis the mesh does not have"
            else:
                shard, problem = _shard(shape, entry["axes"], sizes)
                entry["problem"] = problem
                if shard is not None:
                    entry["shard_shape"] = shard
                    split = math.prod(sizes[a] for a in entry["axes"] if a is not None)
                    entry["copies"] = total // split
        variables.append(entry)
    paths = [entry["path"] for entry in variables]
    report_rules = []
    for rule in rules:
        near = []
        if uses[rule["pattern"]] == 0:
            near = [p for p in paths if re.search(rule["pattern"], p)][:5]
        report_rules.append(
            {
                "pattern": rule["pattern"],
                "axes": rule["axes"],
                "matches": uses[rule["pattern"]],
                "partial": near,
            }
        )
    return {
        "mesh": mesh,
        "batch_axis": spec["batch_axis"],
        "replicas": sizes[spec["batch_axis"]],
        "variables": variables,
        "rules": report_rules,
        "unmatched_rules": [r["pattern"] for r in report_rules if r["matches"] == 0],
        "problems": sum(1 for v in variables if v["problem"]),
    }


def preview(model: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """layout(), with a spec it cannot read answered as {"error": reason} rather than raised,
    so that an editor trying rules out does not pause the worker's queue."""
    try:
        return layout(model, spec)
    except DistributionError as exc:
        return {"error": str(exc)}


def _device_count(choice: Any) -> int:
    if isinstance(choice, int) and not isinstance(choice, bool):
        return choice
    if isinstance(choice, list):
        return len(choice)
    import keras

    return len(keras.distribution.list_devices())


def _actual_axes(variable: Any) -> list[str | None] | None:
    """The partition spec the variable's value has now, when it is laid out on a mesh."""
    spec = getattr(getattr(getattr(variable, "value", None), "sharding", None), "spec", None)
    if spec is None:
        return None
    axes = list(spec) + [None] * (len(variable.shape) - len(spec))
    return [a if a is None or isinstance(a, str) else "+".join(a) for a in axes]


# ---------------------------------------------------------------- data


def _split(count: int, batch: int, split_over: int, what: str) -> None:
    """Raises unless every batch of `count` rows in batches of `batch` splits evenly."""
    last = count % batch
    for size in {batch, last} - {0}:
        if size % split_over:
            raise DistributionError(
                f"{what}: {count} rows in batches of {batch} give a batch of {size} rows, "
                f"which does not split into {split_over} equal parts (one per model replica "
                "or process); choose a batch size and row count that "
                f"{split_over} divides"
            )


def _rows(data: Any) -> int:
    import keras

    sizes = {len(a) for a in keras.tree.flatten(data) if a is not None}
    if len(sizes) != 1:
        raise DistributionError(f"the arrays differ in length: {sorted(sizes)}")
    return sizes.pop()


def _sharded_class() -> type:
    import keras
    import numpy as np

    class ProcessShards(keras.utils.PyDataset):
        """This process's rows of every global batch: global batch i is rows
        [i*B, (i+1)*B) (of a permutation, when shuffled), and process p of P takes the p-th
        of its P equal parts. Every process computes the same permutation (the same seed),
        so together they feed exactly the global batches one process would see."""

        def __init__(
            self, data: Any, batch: int, shards: int, index: int, shuffle: bool, seed: int
        ) -> None:
            super().__init__(workers=1, use_multiprocessing=False)
            self._data = data
            self._count = _rows(data)
            self._batch = batch
            self._shards = shards
            self._index = index
            self._shuffle = shuffle
            self._seed = seed
            self._epoch = 0
            self._order = self._permutation()

        def _permutation(self) -> Any:
            if not self._shuffle:
                return np.arange(self._count)
            return np.random.default_rng([self._seed, self._epoch]).permutation(self._count)

        def __len__(self) -> int:
            return math.ceil(self._count / self._batch)

        def __getitem__(self, i: int) -> Any:
            rows = self._order[i * self._batch : (i + 1) * self._batch]
            part = len(rows) // self._shards
            mine = rows[self._index * part : (self._index + 1) * part]
            return keras.tree.map_structure(
                lambda a: None if a is None else np.asarray(a)[mine], self._data
            )

        def on_epoch_end(self) -> None:
            self._epoch += 1
            self._order = self._permutation()

    return ProcessShards


def _data_shards(current: Any) -> tuple[int, int]:
    """(number of data shards across processes, this process's shard)."""
    processes = int(current.num_processes)
    replicas = int(current.num_model_replicas)
    if replicas >= processes:
        return processes, int(current.data_shard_id)
    return replicas, int(current.data_shard_id)


def _check_built_under(model: Any, current: Any) -> None:
    """Raises when the model's variables were laid out without this distribution."""
    import jax

    mesh = current.device_mesh.backend_mesh
    for variable in model.variables:
        sharding = getattr(getattr(variable, "value", None), "sharding", None)
        if isinstance(sharding, jax.sharding.NamedSharding) and sharding.mesh == mesh:
            continue
        raise DistributionError(
            f"the model's variable {variable.path} was made before the distribution was "
            "set (or under another one): set the distribution first, then build the model"
        )


def _trainer_rows(x: Any, y: Any, sample_weight: Any) -> tuple[Any, ...]:
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def _callbacks(model: Any, checkpoint: str | None, together: bool) -> list[Any]:
    import keras

    from . import keras_support

    callbacks: list[Any] = []
    executor = keras_support.executor()
    command = executor.running_command if executor is not None else None

    class Distributed(keras.callbacks.Callback):
        """At each epoch's end: stops every process together when any was asked to (they
        must run the same number of steps), then writes the checkpoint."""

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            if together:
                import numpy as np
                from jax.experimental import multihost_utils

                asked = (
                    executor is not None
                    and command is not None
                    and executor.stop_requested(command)
                )
                flags = multihost_utils.process_allgather(np.asarray(int(asked)))
                if np.any(flags):
                    self.model.stop_training = True
            if checkpoint:
                checkpoints.save(self.model, checkpoint, epoch + 1)

    if together or checkpoint:
        callbacks.append(Distributed())
    return callbacks


# ---------------------------------------------------------------- training


def fit(model: Any, x: Any, y: Any = None, /, **kwargs: Any) -> dict[str, Any]:
    """model.fit() under the distribution in force, as model_support.fit returns it.

    Extra keywords: `checkpoint` (a directory: the variables are written there after every
    epoch, by process 0) and `resume` (start from the checkpoint in it, at the epoch after
    the last one it holds). With several processes each one is fed its own rows of every
    global batch of `batch_size` (default 32) rows; `shuffle` then draws one permutation per
    epoch from `seed` (default 0) on every process alike, and a stop request ends training
    on every process at the end of the epoch.
    """
    import keras

    checkpoint = kwargs.pop("checkpoint", None)
    resume = bool(kwargs.pop("resume", False))
    seed = int(kwargs.pop("seed", 0))
    current = keras.distribution.distribution()
    resumed = None
    if resume:
        if not checkpoint:
            raise DistributionError("resume needs the checkpoint directory")
        resumed = checkpoints.restore(model, checkpoint)
        if resumed:
            kwargs["initial_epoch"] = resumed
    if current is None:
        result = model_support.run_fit(
            model, x, y, extra=_callbacks(model, checkpoint, False), **kwargs
        )
        result["resumed_from"] = resumed
        return result
    _check_built_under(model, current)
    multi = int(current.num_processes) > 1
    batch = int(kwargs.pop("batch_size", None) or 32)
    replicas = int(current.num_model_replicas)
    sample_weight = kwargs.pop("sample_weight", None)
    train = _trainer_rows(x, y, sample_weight)
    validation = kwargs.pop("validation_data", None)
    split = kwargs.pop("validation_split", None)
    if split:
        count = _rows(train)
        cut = math.floor(count * (1.0 - split))
        validation = keras.tree.map_structure(lambda a: None if a is None else a[cut:], train)
        train = keras.tree.map_structure(lambda a: None if a is None else a[:cut], train)
    val_batch = int(kwargs.pop("validation_batch_size", None) or batch)
    count = _rows(train)
    _split(count, batch, replicas, "training data")
    if validation is not None:
        validation = tuple(validation)
        _split(_rows(validation), val_batch, replicas, "validation data")
    if not multi:
        if validation is not None:
            kwargs["validation_data"] = validation
        kwargs["validation_batch_size"] = val_batch
        result = model_support.run_fit(
            model,
            *train[:2],
            sample_weight=sample_weight,
            batch_size=batch,
            extra=_callbacks(model, checkpoint, False),
            **kwargs,
        )
        result["resumed_from"] = resumed
        return result
    shards, index = _data_shards(current)
    shuffle = bool(kwargs.pop("shuffle", True))
    kwargs.pop("steps_per_epoch", None)
    sharded = _sharded_class()
    data = sharded(train, batch, shards, index, shuffle, seed)
    if validation is not None:
        kwargs["validation_data"] = sharded(validation, val_batch, shards, index, False, seed)
    # The batches go in order: their rows were drawn from the shared permutation already
    # (Keras would shuffle the order of the batches on each process differently).
    result = model_support.run_fit(
        model,
        data,
        None,
        shuffle=False,
        extra=_callbacks(model, checkpoint, True),
        stop_each_batch=False,
        **kwargs,
    )
    result["resumed_from"] = resumed
    return result


def evaluate(model: Any, x: Any, y: Any = None, /, **kwargs: Any) -> dict[str, float]:
    """model.evaluate() under the distribution in force (each process its own rows)."""
    import keras

    current = keras.distribution.distribution()
    if current is None or int(current.num_processes) == 1:
        return model_support.run_evaluate(model, x, y, **kwargs)
    batch = int(kwargs.pop("batch_size", None) or 32)
    data = _trainer_rows(x, y, kwargs.pop("sample_weight", None))
    _split(_rows(data), batch, int(current.num_model_replicas), "evaluation data")
    shards, index = _data_shards(current)
    return model_support.run_evaluate(
        model, _sharded_class()(data, batch, shards, index, False, 0), None, **kwargs
    )


def active() -> bool:
    """Whether a distribution is in force (without importing Keras when it is not loaded)."""
    import sys

    keras = sys.modules.get("keras")
    return keras is not None and keras.distribution.distribution() is not None
