# SPDX-License-Identifier: GPL-3.0-or-later
"""Hyper-parameter search with KerasTuner, its trials spread over several workers.

One worker, the chief, holds the tuner and its oracle (random search, Bayesian optimisation
or Hyperband); other workers run the trials it hands out, each trial one command whose
epochs stream to the IDE as a fit's do. The C++ side drives the loop, so a trial whose
worker dies ends as failed with the reason instead of leaving the search waiting::

    search = qk_search.tuner(qk_search.sequential([...], optimizer=..., loss=...),
                             kind="random", objective="val_accuracy", max_trials=6)
    trial = qk_search.next_trial(search, "worker-0")               # on the chief
    result = qk_search.run_trial(settings, trial["state"], x, y)    # on a trial worker
    qk_search.end_trial(search, trial["id"], result)                # on the chief

The hypermodel is the builder's model with some arguments replaced by ranges (``Int``,
``Float``, ``Choice``), resolved with the trial's ``hp`` each time the model is built: a
Sequential model's layers (``sequential``), or the statements that build a functional model
(``functional``).
KerasTuner's distributed mode is not used: its gRPC oracle takes requests without a token
and waits for a trial whose worker died. Importable without Keras or KerasTuner.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import shutil
import sys
import tempfile
import traceback
import types
from collections.abc import Iterable
from typing import Any

from .model_support import _clean, _timing, building, create

KINDS = ("random", "bayesian", "hyperband")


@dataclasses.dataclass(frozen=True)
class Range:
    """An argument left to the search: hp.Int, hp.Float or hp.Choice with these arguments."""

    kind: str
    name: str
    arguments: tuple[tuple[str, Any], ...]

    def resolve(self, hp: Any) -> Any:
        return getattr(hp, self.kind)(self.name, **dict(self.arguments))


def Int(name: str, min_value: int, max_value: int, step: int | None = None) -> Range:
    """hp.Int(name, min_value, max_value, step) in a layer's or optimizer's arguments."""
    arguments: dict[str, Any] = {"min_value": int(min_value), "max_value": int(max_value)}
    if step is not None:
        arguments["step"] = int(step)
    return Range("Int", name, tuple(arguments.items()))


def Float(
    name: str, min_value: float, max_value: float, step: float | None = None, log: bool = False
) -> Range:
    """hp.Float(name, min_value, max_value), sampled on a log scale when `log` is true."""
    arguments: dict[str, Any] = {"min_value": float(min_value), "max_value": float(max_value)}
    if step is not None:
        arguments["step"] = float(step)
    if log:
        arguments["sampling"] = "log"
    return Range("Float", name, tuple(arguments.items()))


def Choice(name: str, values: list[Any]) -> Range:
    """hp.Choice(name, values)."""
    return Range("Choice", name, (("values", list(values)),))


@dataclasses.dataclass(frozen=True)
class Make:
    """A Keras object made anew for every trial, its ranges resolved: make(keras.layers.Dense,
    units=Int("units", 8, 64))."""

    factory: Any
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]

    def build(self, hp: Any) -> Any:
        args = [_resolve(a, hp) for a in self.args]
        kwargs = {k: _resolve(v, hp) for k, v in self.kwargs}
        return create(self.factory, *args, **kwargs)


def make(factory: Any, /, *args: Any, **kwargs: Any) -> Make:
    return Make(factory, tuple(args), tuple(kwargs.items()))


def _resolve(value: Any, hp: Any) -> Any:
    if isinstance(value, Range):
        return value.resolve(hp)
    if isinstance(value, Make):
        return value.build(hp)
    if isinstance(value, list):
        return [_resolve(v, hp) for v in value]
    if isinstance(value, tuple):
        return tuple(_resolve(v, hp) for v in value)
    if isinstance(value, dict):
        return {k: _resolve(v, hp) for k, v in value.items()}
    return value


@dataclasses.dataclass(frozen=True)
class Sequential:
    """A Sequential hypermodel: its layers and compile() arguments, any of them holding ranges."""

    layers: tuple[Any, ...]
    compile: tuple[tuple[str, Any], ...]

    def __call__(self, hp: Any) -> Any:
        import keras

        model = keras.Sequential()
        for layer in self.layers:
            made = _resolve(layer, hp)
            with building(model):
                model.add(made)
        model.compile(**{k: _resolve(v, hp) for k, v in self.compile})
        return model


def sequential(layers: list[Any], /, **compile_kwargs: Any) -> Sequential:
    """The hypermodel: a Sequential model of `layers` compiled with `compile_kwargs`."""
    return Sequential(tuple(layers), tuple(compile_kwargs.items()))


class _Resolving:
    """A module or callable of Keras whose calls get their ranges resolved with ``hp``:
    ``keras.layers.Dense(units=Int(...))`` makes a real Dense layer of the trial's units."""

    def __init__(self, target: Any, hp: Any) -> None:
        self._target = target
        self._hp = hp

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        wrap = callable(value) or isinstance(value, types.ModuleType)
        return _Resolving(value, self._hp) if wrap else value

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        hp = self._hp
        return self._target(*_resolve(list(args), hp), **_resolve(kwargs, hp))


@dataclasses.dataclass(frozen=True)
class Functional:
    """A functional hypermodel: Python statements that leave the model in ``model`` (the
    builder's graph as Export Python Script writes it), any argument of their ``keras`` calls
    a range, and compile() arguments."""

    source: str
    compile: tuple[tuple[str, Any], ...]

    def __call__(self, hp: Any) -> Any:
        import keras

        from . import model_support

        scope: dict[str, Any] = {
            "__builtins__": builtins,
            "keras": _Resolving(keras, hp),
            "qk": model_support,
            "qk_search": sys.modules[__name__],
        }
        exec(builtins.compile(self.source, "<hypermodel>", "exec"), scope)
        model = scope.get("model")
        if not isinstance(model, keras.Model):
            raise ValueError("the hypermodel's code leaves no Keras model in `model`")
        model.compile(**{k: _resolve(v, hp) for k, v in self.compile})
        return model


def functional(source: str, /, **compile_kwargs: Any) -> Functional:
    """The hypermodel: the model that `source` leaves in `model`, compiled with
    `compile_kwargs`."""
    return Functional(source, tuple(compile_kwargs.items()))


@dataclasses.dataclass
class Search:
    """The chief's tuner and the settings a trial worker rebuilds it from."""

    tuner: Any
    settings: dict[str, Any]


def _objective(name: str, direction: str | None, known: Iterable[str] = ()) -> Any:
    """The tuner's objective: `name` in `direction`, else in the direction KerasTuner infers
    for it or, for a model of several outputs, for the metric among `known` (compile()'s loss
    and metrics) that it names after an output ("val_size_accuracy": "accuracy"). A name none
    of these know is passed as it is, for KerasTuner to refuse."""
    import keras_tuner

    if direction:
        return keras_tuner.Objective(name, direction)
    try:
        from keras_tuner.src.engine.metrics_tracking import infer_metric_direction
    except ImportError:  # a KerasTuner that moved it: its own inference alone
        return name
    inferred = infer_metric_direction(name)
    base = name.removeprefix("val_")
    for metric in sorted(known, key=len, reverse=True):
        if inferred is None and base.endswith("_" + metric):
            inferred = infer_metric_direction(metric)
    return keras_tuner.Objective(name, inferred) if inferred else name


def _compiled_names(hypermodel: Sequential | Functional) -> set[str]:
    """The loss and the metrics that compile() names by string, one output's or several."""
    names = {"loss"}

    def add(value: Any) -> None:
        if isinstance(value, str):
            names.add(value)
        elif isinstance(value, list | tuple):
            for item in value:
                add(item)
        elif isinstance(value, dict):
            for item in value.values():
                add(item)

    for key, value in hypermodel.compile:
        if key == "metrics":
            add(value)
    return names


def _make_tuner(hypermodel: Sequential | Functional, settings: dict[str, Any], chief: bool) -> Any:
    try:
        import keras_tuner
    except ImportError as exc:
        raise ImportError(
            "hyper-parameter search needs KerasTuner in the worker's Python: pip install "
            "keras-tuner six scikit-learn (pinned in python_worker/requirements.txt)"
        ) from exc

    kind = settings["kind"]
    common: dict[str, Any] = {
        "hypermodel": hypermodel,
        "objective": _objective(
            settings["objective"], settings.get("direction"), _compiled_names(hypermodel)
        ),
        "executions_per_trial": settings["executions_per_trial"],
        "seed": settings.get("seed"),
        "directory": settings["directory"],
        "project_name": "search",
        # The chief starts afresh; a trial worker shares its directory (a Hyperband trial
        # loads the weights of the trial it continues from there). Only the oracle's own
        # files are written there, never a tuner file that a worker would reload.
        "overwrite": chief,
        "tuner_id": settings.get("worker", "chief"),
    }
    if kind == "random":
        tuner = keras_tuner.RandomSearch(max_trials=settings["max_trials"], **common)
    elif kind == "bayesian":
        tuner = keras_tuner.BayesianOptimization(max_trials=settings["max_trials"], **common)
    else:
        tuner = keras_tuner.Hyperband(
            max_epochs=settings["max_epochs"], factor=settings["factor"], **common
        )
    tuner.oracle.verbose = 0
    return tuner


def tuner(
    hypermodel: Sequential | Functional,
    /,
    *,
    kind: str = "random",
    objective: str = "val_loss",
    direction: str | None = None,
    max_trials: int = 10,
    executions_per_trial: int = 1,
    max_epochs: int = 10,
    factor: int = 3,
    seed: int | None = None,
) -> Search:
    """The chief's tuner of `kind` (random, bayesian, hyperband) over `hypermodel`'s ranges.

    `objective` names a metric of fit()'s logs ("val_accuracy"); its direction ("min" or
    "max") is KerasTuner's guess for the usual names unless given. Its files live in a
    fresh temporary directory until close().
    """
    if kind not in KINDS:
        raise ValueError(f"unknown tuner '{kind}'; expected one of {', '.join(KINDS)}")
    if direction not in (None, "min", "max"):
        raise ValueError(f"direction must be 'min' or 'max', not {direction!r}")
    directory = tempfile.mkdtemp(prefix="qtkeras-search-")
    settings: dict[str, Any] = {
        "kind": kind,
        "objective": objective,
        "direction": direction,
        "max_trials": int(max_trials),
        "executions_per_trial": int(executions_per_trial),
        "max_epochs": int(max_epochs),
        "factor": int(factor),
        "seed": seed,
        "directory": directory,
    }
    try:
        made = _make_tuner(hypermodel, settings, chief=True)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return Search(made, settings)


def describe(search: Search) -> dict[str, Any]:
    """The settings a trial worker needs, the objective's direction and the search space."""
    objective = search.tuner.oracle.objective
    space = [
        {"name": p.name, "class": type(p).__name__} for p in search.tuner.oracle.get_space().space
    ]
    return {
        "settings": search.settings,
        "objective": objective.name,
        "direction": objective.direction,
        "space": space,
    }


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return value


def _values(trial: Any) -> dict[str, Any]:
    return {str(k): _plain(v) for k, v in trial.hyperparameters.values.items()}


def next_trial(search: Search, worker: str) -> dict[str, Any]:
    """The oracle's next trial for `worker`: {"status": "running", "id", "values", "state"};
    "idle" when none can start before another ends (Hyperband), "stopped" when the search
    has no more."""
    trial = search.tuner.oracle.create_trial(worker)
    status = str(trial.status).lower()
    if status != "running":
        return {"status": status}
    return {
        "status": "running",
        "id": trial.trial_id,
        "values": _values(trial),
        "state": json.dumps(trial.get_state()),
    }


def _progress() -> list[Any]:
    from . import keras_support

    try:
        return [keras_support.progress_callback()]
    except RuntimeError:
        return []


def _check_objective(objective: Any, results: Any) -> None:
    """Refuses an objective that fit() did not log, naming what it logged (KerasTuner says
    only KeyError and the name)."""
    name = getattr(objective, "name", None)
    logs = getattr(results[-1], "history", None) if isinstance(results, list) and results else None
    if isinstance(name, str) and isinstance(logs, dict) and logs and name not in logs:
        raise ValueError(
            f"the objective {name} is not among what fit() logged: {', '.join(sorted(logs))}"
        )


def run_trial(
    settings: dict[str, Any],
    hypermodel: Sequential | Functional,
    state: str,
    x: Any,
    y: Any = None,
    /,
    **fit_kwargs: Any,
) -> dict[str, Any]:
    """Runs one trial (on a trial worker) with KerasTuner's own Tuner.run_trial: builds the
    model with the trial's values, fits it with the worker's progress events, and returns
    {"status": "completed", "metrics", "step", "fit"} (fit as model_support.fit gives it,
    for the last execution), or {"status": "failed", "message"} when building or fitting
    raised, so that the worker's queue goes on."""
    from keras_tuner.src.engine import trial as trial_module
    from keras_tuner.src.engine import tuner_utils

    trial = trial_module.Trial.from_state(json.loads(state))
    try:
        made = _make_tuner(hypermodel, settings, chief=False)
        fit_kwargs.setdefault("verbose", 0)
        timer = _timing()()
        callbacks = [*list(fit_kwargs.pop("callbacks", None) or []), timer, *_progress()]
        results = made.run_trial(trial, x, y, callbacks=callbacks, **fit_kwargs)
        objective = made.oracle.objective
        _check_objective(objective, results)
        tuner_utils.validate_trial_results(results, objective, "Tuner.run_trial()")
        metrics = tuner_utils.convert_to_metrics_dict(results, objective)
        step = tuner_utils.get_best_step(results, objective)
    except Exception as exc:  # noqa: BLE001 - the trial fails, the search goes on
        traceback.print_exc()
        return {"status": "failed", "message": f"{type(exc).__name__}: {_clean(exc)}"}
    last = results[-1]
    epochs = [int(e) + 1 for e in getattr(last, "epoch", [])]
    history = {
        str(k): [float(v) for v in values] for k, values in getattr(last, "history", {}).items()
    }
    return {
        "status": "completed",
        "metrics": {str(k): float(v) for k, v in metrics.items()},
        "step": int(step),
        "fit": {
            "history": history,
            "epochs": epochs,
            "seconds": timer.seconds[len(timer.seconds) - len(epochs) :],
            "stopped": False,
        },
    }


def _summary(trial: Any) -> dict[str, Any]:
    score = trial.score
    return {
        "id": trial.trial_id,
        "status": str(trial.status).lower(),
        "values": _values(trial),
        "score": None if score is None else float(score),
        "message": trial.message,
    }


def end_trial(search: Search, trial_id: str, result: dict[str, Any]) -> dict[str, Any]:
    """Reports a trial's result (run_trial's, or {"status": "failed", "message"} for a trial
    whose worker died) to the oracle and returns the trial as it ends: its id, status,
    values and score, and the best trial's id so far. When the oracle gives up (too many
    failures in a row), "error" says why."""
    from keras_tuner.src.engine import trial as trial_module

    oracle = search.tuner.oracle
    trial = oracle.get_trial(trial_id)
    if result.get("status") == "completed":
        oracle.update_trial(trial_id, result["metrics"], step=result.get("step", 0))
        trial.status = trial_module.TrialStatus.COMPLETED
    else:
        trial.status = trial_module.TrialStatus.FAILED
        trial.message = str(result.get("message") or "failed")
    error = None
    try:
        oracle.end_trial(trial)
    except RuntimeError as exc:  # the oracle's limit of consecutive failures
        error = _clean(exc)
    summary = _summary(oracle.get_trial(trial_id))
    best = oracle.get_best_trials(1)
    summary["best"] = best[0].trial_id if best else None
    summary["error"] = error
    return summary


def results(search: Search) -> list[dict[str, Any]]:
    """Every trial, best first (KerasTuner's order), then those without a score."""
    oracle = search.tuner.oracle
    ranked = oracle.get_best_trials(len(oracle.trials))
    ids = {t.trial_id for t in ranked}
    rest = [t for t in oracle.trials.values() if t.trial_id not in ids]
    return [_summary(t) for t in [*ranked, *rest]]


def close(search: Search) -> None:
    """Removes the search's directory (checkpoints of every trial)."""
    shutil.rmtree(search.settings["directory"], ignore_errors=True)
