# SPDX-License-Identifier: GPL-3.0-or-later
"""Evaluation on held-out data: Keras' scores, a classifier's confusion matrix, predictions.

``report(model, x, y)`` runs ``model.evaluate()`` and ``model.predict()`` once each and
answers with plain data for the C++ side's ``keras::Evaluation``::

    {"scores": {"loss": ..., "accuracy": ...}, "task": "classification", "rows": 30,
     "classes": 3, "confusion": int64 (3, 3), rows true classes, columns predicted,
     "misclassified": 1,
     "predictions": {"row", "true", "predicted", "confidence"}}   # arrays, at most `rows`

A regression model gets ``"task": "regression"``, ``"outputs"`` and predictions with
``"true"``, ``"predicted"`` (rows, outputs) and ``"error"``; a model that is neither (several
outputs, multi-label) gets ``"task": "other"`` and a ``"note"`` saying why there is no more
than the scores. The answer stays small whatever the size of the test set: the matrix counts
every row, but at most `rows` predictions come back, every misclassified row first.
Computed with numpy alone. Importable without Keras.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

PREDICTION_ROWS = 500


def report(
    model: Any, x: Any, y: Any, /, *, rows: int = PREDICTION_ROWS, **kwargs: Any
) -> dict[str, Any]:
    """Scores, task, confusion matrix and at most `rows` predictions of `model` on (x, y)."""
    from . import model_support

    scores = model_support.evaluate(model, x, y, **kwargs)
    predicted = model_support.predict(model, x, **kwargs)
    return {"scores": scores, **summarize(y, predicted, loss=model.loss, rows=rows)}


def summarize(
    y: Any, predicted: Any, /, *, loss: Any = None, rows: int = PREDICTION_ROWS
) -> dict[str, Any]:
    """What report() says beyond the scores, from targets and predictions.

    The task comes from the loss when it names one (categorical, sparse categorical or
    binary cross-entropy), else from the data: integer labels or one-hot rows against
    several outputs make a classifier, labels 0 and 1 against one output in [0, 1] a binary
    one, anything else a regression. Outputs that are not probabilities (logits) are turned
    into them (softmax, sigmoid) for the confidence.
    """
    if isinstance(predicted, list | tuple | dict):
        return _other(_row_count(predicted), "the model has several outputs")
    p = np.asarray(predicted)
    t = np.asarray(y)
    n = int(p.shape[0]) if p.ndim else 0
    if int(t.shape[0] if t.ndim else 0) != n:
        raise ValueError(f"{t.shape[0] if t.ndim else 0} targets for {n} predictions")
    if n == 0:
        return _other(0, "there are no rows to evaluate")
    rows = max(0, int(rows))
    task = _task(_loss_name(loss), t, p)
    if task == "regression":
        return _regression(t, p, rows)
    if task == "multilabel":
        return _other(n, "a multi-label model (several independent yes/no outputs)")
    if task == "other":
        return _other(n, f"targets of shape {t.shape} do not fit outputs of shape {p.shape}")
    return _classification(task, t, p, rows)


def _row_count(data: Any) -> int:
    """The rows of the first array in a list, tuple or dict of them (nested or not)."""
    while isinstance(data, list | tuple | dict):
        if not data:
            return 0
        data = next(iter(data.values())) if isinstance(data, dict) else data[0]
    array = np.asarray(data)
    return int(array.shape[0]) if array.ndim else 0


def _other(n: int, why: str) -> dict[str, Any]:
    return {
        "task": "other",
        "rows": n,
        "note": f"{why}: scores only, no confusion matrix or predictions table",
    }


def _loss_name(loss: Any) -> str:
    """The loss's Keras name without case or punctuation: "sparsecategoricalcrossentropy"."""
    if loss is None or isinstance(loss, list | tuple | dict):
        return ""
    name: Any = loss
    if not isinstance(loss, str):
        name = getattr(loss, "name", None) or getattr(loss, "__name__", None)
        name = name or type(loss).__name__
    return re.sub(r"[^a-z]", "", str(name).lower())


def _integral(a: np.ndarray) -> bool:
    if a.dtype.kind in "iub":
        return True
    return a.dtype.kind == "f" and bool(np.all(np.isfinite(a)) and np.all(a == np.rint(a)))


def _task(loss: str, t: np.ndarray, p: np.ndarray) -> str:
    n = p.shape[0]
    width = int(np.prod(p.shape[1:], dtype=np.int64)) if p.ndim > 1 else 1
    tt = t.reshape(n, -1)
    if "sparsecategorical" in loss:
        return "sparse" if width > 1 and tt.shape[1] == 1 else "other"
    if "categorical" in loss and tt.shape[1] == width > 1:
        return "categorical"
    if loss.startswith("binary"):
        return "binary" if width == 1 else "multilabel"
    if width > 1:
        if tt.shape[1] == 1 and _integral(tt) and tt.min() >= 0 and tt.max() < width:
            return "sparse"
        ones = np.isin(tt, (0, 1)).all() and np.all(tt.sum(axis=1) == 1)
        if tt.shape[1] == width and ones:
            return "categorical"
        return "regression"
    if tt.shape[1] == 1 and np.isin(tt, (0, 1)).all() and p.min() >= 0 and p.max() <= 1:
        return "binary"
    return "regression"


def _softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max(axis=1, keepdims=True))
    probabilities: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return probabilities


def _probabilities(a: np.ndarray) -> np.ndarray:
    """Rows of class probabilities: `a` itself, or its softmax when it holds logits."""
    if a.min() >= 0 and np.allclose(a.sum(axis=1), 1, atol=1e-3):
        return a
    return _softmax(a)


def _classification(task: str, t: np.ndarray, p: np.ndarray, rows: int) -> dict[str, Any]:
    n = p.shape[0]
    flat = p.reshape(n, -1).astype(np.float64)
    if task == "binary":
        k = 2
        prob = flat[:, 0]
        if prob.min() < 0 or prob.max() > 1:
            prob = 1 / (1 + np.exp(-prob))
        predicted = (prob > 0.5).astype(np.int64)
        confidence = np.where(predicted == 1, prob, 1 - prob)
        labels = t.reshape(n, -1)[:, 0]
    else:
        k = flat.shape[1]
        probs = _probabilities(flat)
        predicted = probs.argmax(axis=1)
        confidence = probs[np.arange(n), predicted]
        labels = t.reshape(n, -1).argmax(axis=1) if task == "categorical" else t.reshape(n)
    if not _integral(labels):
        raise ValueError("class labels must be whole numbers")
    truth = labels.astype(np.int64)
    outside = np.flatnonzero((truth < 0) | (truth >= k))
    if outside.size:
        row = int(outside[0])
        raise ValueError(f"label {truth[row]} of row {row} is not one of the model's {k} classes")
    confusion = np.bincount(truth * k + predicted, minlength=k * k).reshape(k, k)
    wrong = np.flatnonzero(truth != predicted)
    shown = _shown(n, wrong, rows)
    return {
        "task": "classification",
        "rows": n,
        "classes": k,
        "confusion": confusion.astype(np.int64),
        "misclassified": int(wrong.size),
        "predictions": {
            "row": shown,
            "true": truth[shown].astype(np.int32),
            "predicted": predicted[shown].astype(np.int32),
            "confidence": confidence[shown].astype(np.float64),
        },
    }


def _shown(n: int, wrong: np.ndarray, rows: int) -> np.ndarray:
    """At most `rows` row numbers, in order: the misclassified first, then the first others."""
    if n <= rows:
        return np.arange(n, dtype=np.int64)
    picked = wrong[:rows]
    if picked.size < rows:
        right = np.setdiff1d(np.arange(n), wrong, assume_unique=True)
        picked = np.concatenate([picked, right[: rows - picked.size]])
    return np.sort(picked).astype(np.int64)


def _regression(t: np.ndarray, p: np.ndarray, rows: int) -> dict[str, Any]:
    n = p.shape[0]
    predicted = p.reshape(n, -1).astype(np.float64)
    truth = t.reshape(n, -1).astype(np.float64)
    if truth.shape != predicted.shape:
        return _other(n, f"targets of shape {t.shape} against predictions of shape {p.shape}")
    difference = predicted - truth
    error = difference[:, 0] if predicted.shape[1] == 1 else np.abs(difference).mean(axis=1)
    shown = np.arange(min(n, rows), dtype=np.int64)
    return {
        "task": "regression",
        "rows": n,
        "outputs": int(predicted.shape[1]),
        "predictions": {
            "row": shown,
            "true": truth[shown],
            "predicted": predicted[shown],
            "error": error[shown],
        },
    }
