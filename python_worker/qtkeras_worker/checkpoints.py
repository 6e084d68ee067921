# SPDX-License-Identifier: GPL-3.0-or-later
"""Checkpoints of a model under a distribution: every variable of the model and its
optimizer, and the number of finished epochs, in one .npz file written by process 0.

Sharded values are gathered from every process (a collective: every process of a job calls
save() and restore() at the same point); on restore, process 0 reads the file and sends its
values to the others, so only its host needs the file.
"""

from __future__ import annotations

import os
from typing import Any

FILE = "checkpoint.npz"


class CheckpointError(ValueError):
    """A checkpoint that does not fit the model; the message says why."""


def _process() -> tuple[int, int]:
    """(this process's index, the number of processes) of the job; (0, 1) without JAX."""
    import keras

    if keras.backend.backend() != "jax":
        return 0, 1
    import jax

    return jax.process_index(), jax.process_count()


def _gather(variable: Any) -> Any:
    """A variable's whole value as numpy on this process (a collective when the variable is
    sharded across processes: every process must call it for the same variables)."""
    import keras
    import numpy as np

    value = variable.value
    if getattr(value, "is_fully_addressable", True):
        return np.asarray(keras.ops.convert_to_numpy(value))
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(value, tiled=True))


def _variables(model: Any) -> list[tuple[str, Any]]:
    items = [(f"model/{v.path}", v) for v in model.variables]
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built:
        items += [(f"optimizer/{v.path}", v) for v in optimizer.variables]
    return items


def save(model: Any, directory: str, finished: int) -> str | None:
    """Writes the model's and optimizer's variables and the number of finished epochs to
    `directory`/checkpoint.npz, replacing the previous one whole (process 0 writes; every
    process takes part in gathering sharded values). Returns the file's path on process 0."""
    import numpy as np

    arrays: dict[str, Any] = {name: _gather(v) for name, v in _variables(model)}
    if _process()[0] != 0:
        return None
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, FILE)
    partial = path + ".partial.npz"
    np.savez(partial, __epoch__=np.asarray(finished), **arrays)
    os.replace(partial, path)
    return path


def epoch(directory: str) -> int | None:
    """The number of epochs the checkpoint in `directory` holds, None when there is none."""
    import numpy as np

    path = os.path.join(directory, FILE)
    if not os.path.exists(path):
        return None
    with np.load(path) as saved:
        return int(saved["__epoch__"])


def _mismatch(saved: Any, items: list[tuple[str, Any]], directory: str) -> str | None:
    for name, variable in items:
        shape = tuple(int(d) for d in variable.shape)
        if name not in saved:
            return f"the checkpoint in {directory} has no {name}: it was written for another model"
        if saved[name].shape != shape:
            return (
                f"the checkpoint's {name} has the shape {list(saved[name].shape)}, the model's "
                f"{list(shape)}: it was written for another model"
            )
    return None


def restore(model: Any, directory: str) -> int:
    """Loads the checkpoint written by save() into `model` and its optimizer on every
    process (process 0 reads the file and sends its values to the others); returns the
    number of epochs it holds, 0 when there is none. A checkpoint of another model is
    refused on every process, and nothing is changed."""
    import numpy as np

    index, count = _process()
    first, multi = index == 0, count > 1
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        optimizer.build(model.trainable_variables)
    items = _variables(model)
    path = os.path.join(directory, FILE)
    saved = np.load(path) if first and os.path.exists(path) else None
    try:
        problem = _mismatch(saved, items, directory) if saved is not None else None
        finished = int(saved["__epoch__"]) if saved is not None else 0
        status = np.asarray([saved is not None, problem is not None, finished], dtype=np.int64)
        if multi:
            from jax.experimental import multihost_utils

            status = multihost_utils.broadcast_one_to_all(status)
        found, refused, finished = (int(v) for v in status)
        if refused:
            raise CheckpointError(problem or "process 0 found a checkpoint of another model")
        if not found:
            return 0
        for name, variable in items:
            if saved is not None:
                value = saved[name]
            else:
                value = np.zeros(tuple(int(d) for d in variable.shape), dtype=variable.dtype)
            if multi:
                value = multihost_utils.broadcast_one_to_all(value)
            variable.assign(value)
        return finished
    finally:
        if saved is not None:
            saved.close()
