# SPDX-License-Identifier: GPL-3.0-or-later
"""Keras support: the background import and the training-progress callback.

Importable without Keras: keras is imported lazily, inside functions.
"""

from __future__ import annotations

import importlib.metadata
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from . import codec

if TYPE_CHECKING:
    from .executor import Executor
    from .notifier import Notifier

BATCH_INTERVAL = 0.1  # seconds between two batch events (about 10 per second)

_executor: Executor | None = None
_notifier: Notifier | None = None
_callback_class: type | None = None


def keras_version() -> str | None:
    """The installed Keras version, without importing Keras."""
    try:
        return importlib.metadata.version("keras")
    except importlib.metadata.PackageNotFoundError:
        return None


def backend_name() -> str:
    return os.environ.get("KERAS_BACKEND", "jax")


class KerasLoader:
    """Imports Keras on a daemon thread and announces the outcome as an event."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier
        self.ready = threading.Event()
        self.error: str | None = None

    def start(self) -> None:
        threading.Thread(target=self._load, name="qtkeras-keras-import", daemon=True).start()

    def _load(self) -> None:
        try:
            import keras

            version, backend = keras.__version__, keras.backend.backend()
        except BaseException as exc:  # noqa: BLE001 - any import failure is reported
            self.error = f"{type(exc).__name__}: {exc}"
            self._notifier.event("keras-failed", error=self.error)
            return
        self.ready.set()
        self._notifier.event("keras-ready", keras=version, backend=backend)


def install(executor: Executor, notifier: Notifier) -> None:
    """Connects progress callbacks to the worker's executor and notifier."""
    global _executor, _notifier
    _executor, _notifier = executor, notifier


def executor() -> Executor | None:
    """The worker's executor, None outside a worker."""
    return _executor


def progress_callback(batch_interval: float = BATCH_INTERVAL, stop_each_batch: bool = True) -> Any:
    """A ``keras.callbacks.Callback`` bound to the command that is running now.

    Generated code passes it to ``fit``, for example
    ``model.fit(x, y, callbacks=[qtkeras_worker.keras_support.progress_callback()])``
    (after ``import qtkeras_worker.keras_support``). It sends an ``epoch`` event after every
    epoch and ``batch`` events at most every ``batch_interval`` seconds, never waiting on the
    network, and stops training after the current batch once ``POST /stop-training`` asks
    (unless ``stop_each_batch`` is false: processes of one job must stop together, which
    the distribution's own callback arranges at the end of an epoch).
    """
    if _executor is None or _notifier is None:
        raise RuntimeError("progress_callback() works only inside a qtkeras worker")
    command = _executor.running_command
    if command is None:
        raise RuntimeError("progress_callback() must be called while a command runs")
    return _progress_class()(_executor, _notifier, command, batch_interval, stop_each_batch)


def _metrics(logs: dict[str, Any] | None) -> dict[str, Any]:
    out = {}
    for key, value in (logs or {}).items():
        number = codec.encode_float(value)
        if number is not None:
            out[str(key)] = number
    return out


def _progress_class() -> type:
    global _callback_class
    if _callback_class is not None:
        return _callback_class
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        """Sends epoch and throttled batch events for one command; honours stop-training."""

        def __init__(
            self, executor: Any, notifier: Any, command: Any, interval: float, stops: bool
        ) -> None:
            super().__init__()
            self._stops = stops
            self._executor = executor
            self._notifier = notifier
            self._command = command
            self._interval = interval
            self._epoch = 0
            self._epoch_start = time.perf_counter()
            self._last_batch = 0.0

        def __deepcopy__(self, memo: dict[int, Any]) -> Any:
            # KerasTuner copies a search's callbacks for each execution of a trial: the copy
            # reports for the same command, through the same executor and notifier.
            return type(self)(
                self._executor, self._notifier, self._command, self._interval, self._stops
            )

        def _check_stop(self) -> None:
            if self._stops and self._executor.stop_requested(self._command):
                self.model.stop_training = True

        def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            self._epoch = epoch
            self._epoch_start = time.perf_counter()
            self._check_stop()

        def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            self._check_stop()
            now = time.perf_counter()
            if now - self._last_batch < self._interval:
                return
            self._last_batch = now
            self._notifier.event(
                "batch",
                id=self._command.id,
                epoch=self._epoch + 1,
                batch=batch + 1,
                batches=self.params.get("steps"),
                logs=_metrics(logs),
            )

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            self._notifier.event(
                "epoch",
                id=self._command.id,
                epoch=epoch + 1,
                epochs=self.params.get("epochs"),
                logs=_metrics(logs),
                seconds=time.perf_counter() - self._epoch_start,
            )
            self._check_stop()

    _callback_class = ProgressCallback
    return ProgressCallback
