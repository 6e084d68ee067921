# SPDX-License-Identifier: GPL-3.0-or-later
"""Model support: what Keras does not do for the C++ side's Keras objects.

Generated commands are plain Keras plus a few of these helpers, imported as
``import qtkeras_worker.model_support as qk``::

    with qk.building(model):
        model.add(keras.layers.Dense(16))
    qk.info(model)

``building`` names the layer in an error and leaves a model as it was when adding to it
fails; ``info``, ``shape`` and ``summary`` describe models and tensors as plain data;
``fit`` is model.fit with the worker's progress events and the learning rate of each epoch
(and, under a distribution, each process's rows). The factory-style ``add``, ``call`` and
``describe`` serve Python callers and the model builder.
Importable without Keras: keras is imported lazily.
"""

from __future__ import annotations

import io
import math
import re
import time
from types import TracebackType
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_timing_class: type | None = None
_rate_class: type | None = None


class ModelError(ValueError):
    """A layer or model could not be made or changed; the message names the layer."""


def _clean(message: object) -> str:
    """A message (an exception's too) without terminal colours and Keras' argument dump."""
    text = _ANSI.sub("", str(message))
    text = text.split("\n\nArguments received by", 1)[0]
    text = re.sub(r"Exception encountered when calling \S+\s*", "", text).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _rethrow(exc: BaseException, context: str) -> None:
    """Raises an exception of the same kind whose message starts with `context`."""
    message = f"{context}: {_clean(exc)}"
    kind = type(exc) if isinstance(exc, ValueError | TypeError) else ModelError
    try:
        error = kind(message)
    except Exception:  # noqa: BLE001 - exception types whose constructor wants more
        error = ModelError(message)
    raise error from exc


def _describe(factory: Any, kwargs: dict[str, Any]) -> str:
    name = getattr(factory, "__name__", type(factory).__name__)
    if "name" in kwargs:
        return f"layer '{kwargs['name']}' ({name})"
    return name


def create(factory: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Calls a Keras constructor; an error names the class (or the layer's given name)."""
    try:
        return factory(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported with the class named
        _rethrow(exc, _describe(factory, kwargs))


def _layer_label(layer: Any) -> str:
    return f"layer '{layer.name}' ({type(layer).__name__})"


def building(model: Any = None) -> _Building:
    """``with qk.building(model):`` around code that makes, adds or calls layers.

    An error raised inside names the layer it comes from ("cannot add layer 'dense_3'
    (Dense): ..."), found from the traceback; and when `model` (a Sequential model) was
    changed by a failed ``add``, it is put back as it was.
    """
    return _Building(model)


class _Building:
    """The context manager of building()."""

    def __init__(self, model: Any = None) -> None:
        self._model = model
        self._count = len(model.layers) if model is not None else 0
        self._had_input = getattr(model, "_has_input_layer", False)

    def __enter__(self) -> _Building:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not isinstance(exc, Exception):
            return
        added = None
        if self._model is not None:
            if len(self._model.layers) > self._count:
                added = self._model.layers[-1]
            _undo_add(self._model, self._count, self._had_input)
        context = f"cannot add {_layer_label(added)}" if added is not None else None
        context = context or _failure_context(exc, self._model)
        if context is None:
            return
        _rethrow(exc, context)


def _failure_context(exc: BaseException, model: Any) -> str | None:
    """What was being done to which layer when `exc` was raised, from its traceback: the
    outermost frame of a layer's (or operation's) own code names it."""
    import keras

    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        tb = tb.tb_next
        owner = frame.f_locals.get("self")
        if owner is None:
            continue
        if model is not None and owner is model:
            layer = frame.f_locals.get("layer")
            if isinstance(layer, keras.layers.Layer):
                return f"cannot add {_layer_label(layer)}"
            continue
        if isinstance(owner, keras.layers.Layer):
            if frame.f_code.co_name in ("__init__", "__new__"):
                given = frame.f_locals.get("kwargs") or {}
                name = given.get("name") if isinstance(given, dict) else None
                kind = type(owner).__name__
                return f"layer '{name}' ({kind})" if name else kind
            return f"cannot call {_layer_label(owner)}"
        if isinstance(owner, keras.Operation):
            return f"cannot compute {type(owner).__name__}"
    return None


def _add_layer(model: Any, factory: Any, args: Any, kwargs: dict[str, Any]) -> Any:
    """Creates a layer and adds it to a Sequential model; returns the layer.

    When the layer cannot be made or does not fit (a shape error), the model is left
    exactly as it was and the error names the layer.
    """
    layer = create(factory, *args, **kwargs)
    with building(model):
        model.add(layer)
    return layer


def add(model: Any, factory: Any, /, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Creates a layer, adds it to a Sequential model and returns the model's info().

    A layer that cannot be made or does not fit leaves the model as it was (_add_layer).
    """
    _add_layer(model, factory, args, kwargs)
    return info(model)


def describe(specs: list[Any]) -> dict[str, Any]:
    """A Sequential model's structure before it is made for real: for the model builder.

    `specs` lists the layers as (factory, args, kwargs) triples. A fresh Sequential model is
    built from them layer by layer, stopping at the first that cannot be made or does not
    fit. Returns one entry per layer that was added (output shape and parameter counts, in
    the order given, InputLayer included), the totals, and the error that stopped it:
    {"index": i, "type": ..., "message": ...} naming the layer, or None. Nothing is kept.
    """
    import keras

    model = keras.Sequential()
    layers: list[dict[str, Any]] = []
    error = None
    for index, (factory, args, kwargs) in enumerate(specs):
        try:
            layer = _add_layer(model, factory, args, kwargs)
        except Exception as exc:  # noqa: BLE001 - reported on the layer that caused it
            error = {"index": index, "type": type(exc).__name__, "message": _clean(exc)}
            break
        layers.append(_layer_entry(layer))
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    return {
        "layers": layers,
        "total_params": trainable + non_trainable,
        "trainable_params": trainable,
        "non_trainable_params": non_trainable,
        "error": error,
    }


def _layer_entry(layer: Any) -> dict[str, Any]:
    if not hasattr(layer, "trainable_weights"):  # keras.Input gives a tensor
        return {"output_shape": shape(layer), "params": 0, "trainable_params": 0}
    trainable = _count(layer.trainable_weights)
    return {
        "output_shape": _output_shape(layer),
        "params": trainable + _count(layer.non_trainable_weights),
        "trainable_params": trainable,
    }


def _undo_add(model: Any, count: int, had_input: bool) -> None:
    if len(model.layers) > count:
        model.pop()
    elif not had_input and getattr(model, "_has_input_layer", False):
        # A failed InputLayer: Sequential keeps it in its private layer list.
        model._layers = [layer for layer in model._layers if type(layer).__name__ != "InputLayer"]
        model._has_input_layer = False


def pop(model: Any) -> dict[str, Any]:
    """Removes a Sequential model's last layer and returns the model's info()."""
    model.pop()
    return info(model)


def call(factory: Any, inputs: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Creates a layer and calls it on symbolic inputs (the functional API).

    Returns the output tensor; a shape error names the layer and leaves nothing behind.
    """
    layer = create(factory, *args, **kwargs)
    try:
        return layer(inputs)
    except Exception as exc:  # noqa: BLE001 - reported with the layer named
        _rethrow(exc, f"cannot call {_layer_label(layer)}")


def model(inputs: Any, outputs: Any, /, **kwargs: Any) -> Any:
    """keras.Model(inputs, outputs), with a clear error when the graph is not connected."""
    import keras

    try:
        return keras.Model(inputs, outputs, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported as a model error
        _rethrow(exc, "cannot make the model")


def shape(value: Any) -> Any:
    """A tensor's shape as a list (None for unknown sizes); nested for several tensors."""
    if isinstance(value, list | tuple) and not _is_shape(value):
        return [shape(v) for v in value]
    dims = value if _is_shape(value) else getattr(value, "shape", None)
    if dims is None:
        return None
    return [None if d is None else int(d) for d in dims]


def _is_shape(value: Any) -> bool:
    return isinstance(value, tuple | list) and all(d is None or isinstance(d, int) for d in value)


def _count(weights: list[Any]) -> int:
    return int(sum(math.prod(int(d) for d in w.shape) for w in weights))


def _output_shape(layer: Any) -> Any:
    try:
        return shape(layer.output)
    except (AttributeError, ValueError):
        return None


def info(model: Any) -> dict[str, Any]:
    """Each layer's name, class, output shape and parameter counts, and the totals."""
    layers = []
    for layer in model.layers:
        trainable = _count(layer.trainable_weights)
        non_trainable = _count(layer.non_trainable_weights)
        layers.append(
            {
                "name": layer.name,
                "class": type(layer).__name__,
                "output_shape": _output_shape(layer),
                "params": trainable + non_trainable,
                "trainable_params": trainable,
                "non_trainable_params": non_trainable,
            }
        )
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    built = bool(model.built)
    return {
        "name": model.name,
        "class": type(model).__name__,
        "built": built,
        "input_shape": shape(model.inputs) if built and _has_inputs(model) else None,
        "output_shape": shape(model.outputs) if built and _has_inputs(model) else None,
        "layers": layers,
        "total_params": trainable + non_trainable,
        "trainable_params": trainable,
        "non_trainable_params": non_trainable,
    }


def _has_inputs(model: Any) -> bool:
    try:
        return bool(model.inputs)
    except (AttributeError, ValueError):
        return False


def _timing() -> type:
    global _timing_class
    if _timing_class is not None:
        return _timing_class
    import keras

    class EpochTimer(keras.callbacks.Callback):
        """Records each epoch's duration in seconds."""

        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []
            self._start = time.perf_counter()

        def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            self.seconds.append(time.perf_counter() - self._start)

        def __deepcopy__(self, memo: dict[int, Any]) -> Any:
            # KerasTuner copies a search's callbacks for each execution: the copy records
            # into the same list.
            copy = type(self)()
            copy.seconds = self.seconds
            return copy

    _timing_class = EpochTimer
    return EpochTimer


def learning_rate(model: Any) -> float | None:
    """The optimizer's learning rate now (a schedule's at the step reached); None without one."""
    import keras

    optimizer = getattr(model, "optimizer", None)
    try:
        rate = optimizer.learning_rate  # type: ignore[union-attr]
        # A constant rate is a keras.Variable (its value a tensor), a schedule's a tensor.
        return float(keras.ops.convert_to_numpy(getattr(rate, "value", rate)))
    except (AttributeError, TypeError, ValueError):
        return None


def _rate_log() -> type:
    global _rate_class
    if _rate_class is not None:
        return _rate_class
    import keras

    class LearningRateLog(keras.callbacks.Callback):
        """Puts the learning rate into each epoch's logs as "learning_rate", so that the
        History and the epoch events have it, unless a callback (ReduceLROnPlateau,
        LearningRateScheduler) already did."""

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            if logs is None or "learning_rate" in logs:
                return
            rate = learning_rate(self.model)
            if rate is not None:
                logs["learning_rate"] = rate

    _rate_class = LearningRateLog
    return LearningRateLog


def _progress(stop_each_batch: bool = True) -> Any:
    """The worker's progress callback for the running command, or None outside a worker."""
    from . import keras_support

    try:
        return keras_support.progress_callback(stop_each_batch=stop_each_batch)
    except RuntimeError:
        return None


def catalog() -> dict[str, Any]:
    """The Keras catalog (qtkeras_worker.catalog), computed once per worker."""
    from . import catalog as keras_catalog

    return keras_catalog.catalog()


def _plain(value: Any) -> float:
    return float(value)


def fit(model: Any, x: Any, y: Any = None, /, **kwargs: Any) -> dict[str, Any]:
    """model.fit() with progress events; returns Keras' History.history, epochs and timings.

    The worker's progress callback (epoch and batch events, stop-training) is added to the
    caller's callbacks, and each epoch's logs get the optimizer's "learning_rate"; Keras' own
    progress bar is off unless verbose is given. Under a distribution (and with `checkpoint`
    or `resume`), distribution.fit feeds each process its rows and writes or restores
    checkpoints.
    """
    from . import distribution

    if distribution.active() or "checkpoint" in kwargs or "resume" in kwargs:
        return distribution.fit(model, x, y, **kwargs)
    return run_fit(model, x, y, **kwargs)


def run_fit(
    model: Any,
    x: Any,
    y: Any = None,
    /,
    *,
    extra: list[Any] | tuple[Any, ...] = (),
    stop_each_batch: bool = True,
    **kwargs: Any,
) -> dict[str, Any]:
    """fit() itself, with `extra` callbacks before the worker's own."""
    timer = _timing()()
    # The logs of an epoch are one dict, passed to each callback in turn and then to the
    # History: the learning rate goes in before the progress callback sends them.
    callbacks = [*list(kwargs.pop("callbacks", None) or []), *extra, timer, _rate_log()()]
    progress = _progress(stop_each_batch)
    if progress is not None:
        callbacks.append(progress)
    kwargs.setdefault("verbose", 0)
    history = model.fit(x, y, callbacks=callbacks, **kwargs)
    return {
        "history": {str(k): [_plain(v) for v in values] for k, values in history.history.items()},
        "epochs": [int(e) + 1 for e in history.epoch],
        "seconds": timer.seconds,
        "stopped": bool(model.stop_training),
    }


def evaluate(model: Any, x: Any, y: Any = None, /, **kwargs: Any) -> dict[str, float]:
    """model.evaluate() as a dict of metric name to value (loss first)."""
    from . import distribution

    if distribution.active():
        return distribution.evaluate(model, x, y, **kwargs)
    return run_evaluate(model, x, y, **kwargs)


def run_evaluate(model: Any, x: Any, y: Any = None, /, **kwargs: Any) -> dict[str, float]:
    kwargs.setdefault("verbose", 0)
    scores = model.evaluate(x, y, return_dict=True, **kwargs)
    ordered = {"loss": scores["loss"]} if "loss" in scores else {}
    ordered.update(scores)
    return {str(k): _plain(v) for k, v in ordered.items()}


def predict(model: Any, x: Any, /, **kwargs: Any) -> Any:
    """model.predict() as a numpy array."""
    kwargs.setdefault("verbose", 0)
    return model.predict(x, **kwargs)


def summary(model: Any) -> str:
    """Keras' own summary text, without terminal colours."""
    out = io.StringIO()
    model.summary(print_fn=lambda line, **_: out.write(line + "\n"))
    return _ANSI.sub("", out.getvalue())


def load(path: str) -> Any:
    """keras.saving.load_model(), with the path named in errors."""
    import keras

    try:
        return keras.saving.load_model(path)
    except Exception as exc:  # noqa: BLE001 - reported with the path named
        _rethrow(exc, f"cannot load '{path}'")
