"""Accuracy metrics: per-sample 0/1 values (float64), then reference._reduce.reduce_loss.

No VJPs (metrics are piecewise constant). NaN rule: a NaN score in a sample makes that
sample's value NaN (it propagates through a reduction); ±inf are ordinary ordered scores.
(tf.math.in_top_k instead returns False for a row holding any non-finite score, and NumPy's
argmax picks the first NaN: conventions of the frameworks, declared by their bindings.)

Tie policies, verified in the installed sources:

* ``categorical_accuracy`` / ``sparse_categorical_accuracy``: argmax returns the FIRST
  maximal index in NumPy, TF, torch and jax (``ties="first"``); ``"last"`` is available.
* ``top_k_accuracy``: ``"include"``: the label counts when fewer than k scores are strictly
  greater (tf.math.in_top_k, tensorflow/python/ops/nn_ops.py "all of those classes are
  considered to be in the top k"; keras/src/backend/{jax,numpy,torch}/math.py in_top_k:
  ``rank = 1 + sum(pred > pred_at_label) <= k`` / ``target >= kth value``).
  ``"first"``: a stable order, the lower index wins a tie. ``"last"``: the higher index wins
  (sklearn/metrics/_ranking.py top_k_accuracy_score: ``argsort(kind="mergesort")[:, ::-1]``).
  k >= C: always 1.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ._reduce import reduce_loss
from ._validate import (
    as_float64,
    as_int_labels,
    check_axis,
    check_choice,
    check_finite_scalar,
    check_same_shape,
)

TIES_ARGMAX = ("first", "last")
TIES_TOP_K = ("include", "first", "last")


def _binary_labels(t: np.ndarray, name: str = "y_true") -> np.ndarray:
    bad = ~np.isnan(t) & (t != 0) & (t != 1)
    if np.any(bad):
        raise ValueError(f"{name} must hold binary labels 0/1, got {t[bad].ravel()[:5].tolist()}")
    return t


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def _predict(p: np.ndarray, threshold: Any, strict: Any) -> np.ndarray:
    thr = check_finite_scalar(threshold, "threshold")
    return (p > thr) if _check_bool(strict, "strict") else (p >= thr)


def binary_accuracy(y_pred: Any, y_true: Any, *, threshold: float = 0.5, strict: bool = True,
                    mean_axis: int | None = None, reduction: str = "none",
                    sample_weight: Any = None) -> np.ndarray:
    """1.0 where (y_pred > threshold) == y_true, else 0.0; elementwise, any shape.

    strict=True: ``>`` (Keras 3 ``ops.greater``); strict=False: ``>=``. From logits use
    threshold=0.0. y_true: 0/1. Keras 2's function averaged the last axis: mean_axis=-1.
    """
    p = as_float64(y_pred, "y_pred")
    t = _binary_labels(as_float64(y_true, "y_true"))
    check_same_shape(p, t, "y_pred", "y_true")
    values = (_predict(p, threshold, strict) == (t == 1)).astype(np.float64)
    values = np.where(np.isnan(p) | np.isnan(t), np.nan, values)
    return reduce_loss(values, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def _argmax(x: np.ndarray, axis: int, ties: str) -> np.ndarray:
    check_choice(ties, "ties", TIES_ARGMAX)
    if ties == "first":
        return np.argmax(x, axis=axis)
    flipped = np.flip(x, axis=axis)
    return x.shape[axis] - 1 - np.argmax(flipped, axis=axis)


def _class_axis(y_pred: np.ndarray, axis: Any) -> int:
    if y_pred.ndim == 0:
        raise ValueError("y_pred must have a class axis, got a 0-d array")
    ax = check_axis(axis, y_pred.ndim)
    if y_pred.shape[ax] == 0:
        raise ValueError(f"y_pred has 0 classes along axis={axis} (shape {y_pred.shape})")
    return ax


def categorical_accuracy(y_pred: Any, y_true: Any, *, axis: int = -1, ties: str = "first",
                         reduction: str = "none", sample_weight: Any = None) -> np.ndarray:
    """argmax(y_pred) == argmax(y_true) over ``axis``, per sample (axis removed).

    y_pred: scores (probabilities or logits), y_true: one-hot (or soft) targets, same
    shape. ``ties``: which maximal index argmax returns ("first": NumPy/TF/torch/jax).
    """
    p = as_float64(y_pred, "y_pred")
    t = as_float64(y_true, "y_true")
    check_same_shape(p, t, "y_pred", "y_true")
    ax = _class_axis(p, axis)
    values = (_argmax(p, ax, ties) == _argmax(t, ax, ties)).astype(np.float64)
    nan = np.isnan(p).any(axis=ax) | np.isnan(t).any(axis=ax)
    return reduce_loss(np.where(nan, np.nan, values), reduction, sample_weight=sample_weight)


def _sparse_pair(y_pred: Any, y_true: Any, axis: Any) -> tuple[np.ndarray, np.ndarray, int]:
    p = as_float64(y_pred, "y_pred")
    ax = _class_axis(p, axis)
    labels = as_int_labels(y_true, "y_true", p.shape[ax])
    want = p.shape[:ax] + p.shape[ax + 1:]
    if labels.shape != want:
        raise ValueError(f"y_true must have shape {want} (y_pred's shape without axis={axis}),"
                         f" got {labels.shape}")
    return p, labels, ax


def sparse_categorical_accuracy(y_pred: Any, y_true: Any, *, axis: int = -1,
                                ties: str = "first", reduction: str = "none",
                                sample_weight: Any = None) -> np.ndarray:
    """argmax(y_pred) == y_true (integer labels), per sample (axis removed)."""
    p, labels, ax = _sparse_pair(y_pred, y_true, axis)
    values = (_argmax(p, ax, ties) == labels).astype(np.float64)
    values = np.where(np.isnan(p).any(axis=ax), np.nan, values)
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def _check_k(k: Any) -> int:
    if isinstance(k, (bool, np.bool_)):
        raise TypeError(f"k must be an int, got {k!r}")
    try:
        k_int = operator.index(k)
    except TypeError:
        raise TypeError(f"k must be an int, got {k!r}") from None
    if k_int < 1:
        raise ValueError(f"k must be >= 1, got {k_int}")
    return k_int


def _in_top_k(p: np.ndarray, labels: np.ndarray, ax: int, k: int, ties: str) -> np.ndarray:
    check_choice(ties, "ties", TIES_TOP_K)
    pm = np.moveaxis(p, ax, -1)
    at_label = np.take_along_axis(pm, labels[..., None], axis=-1)
    idx = np.arange(pm.shape[-1])
    greater = (pm > at_label).sum(axis=-1)
    equal = pm == at_label
    if ties == "first":
        greater = greater + (equal & (idx < labels[..., None])).sum(axis=-1)
    elif ties == "last":
        greater = greater + (equal & (idx > labels[..., None])).sum(axis=-1)
    values = (greater < k).astype(np.float64)
    return np.where(np.isnan(pm).any(axis=-1), np.nan, values)


def top_k_accuracy(y_pred: Any, y_true: Any, *, k: int = 5, ties: str = "include",
                   axis: int = -1, reduction: str = "none",
                   sample_weight: Any = None) -> np.ndarray:
    """1.0 where the integer label is among the k highest scores, per sample (axis removed).

    ties: "include" (tf.math.in_top_k / Keras), "first" (lower index wins), "last" (higher
    index wins: sklearn top_k_accuracy_score). k >= number of classes: always 1.
    """
    k = _check_k(k)
    p, labels, ax = _sparse_pair(y_pred, y_true, axis)
    return reduce_loss(_in_top_k(p, labels, ax, k, ties), reduction, sample_weight=sample_weight)


def top_k_categorical_accuracy(y_pred: Any, y_true: Any, *, k: int = 5, ties: str = "include",
                               axis: int = -1, reduction: str = "none",
                               sample_weight: Any = None) -> np.ndarray:
    """top_k_accuracy with one-hot targets: the label is argmax(y_true) (first maximum,
    as Keras' ``ops.argmax``)."""
    k = _check_k(k)
    p = as_float64(y_pred, "y_pred")
    t = as_float64(y_true, "y_true")
    check_same_shape(p, t, "y_pred", "y_true")
    ax = _class_axis(p, axis)
    values = _in_top_k(p, np.argmax(t, axis=ax), ax, k, ties)
    values = np.where(np.isnan(t).any(axis=ax), np.nan, values)
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def exact_match_accuracy(y_pred: Any, y_true: Any, *, threshold: float = 0.5,
                         strict: bool = True, axis: int = -1, reduction: str = "none",
                         sample_weight: Any = None) -> np.ndarray:
    """Multilabel subset accuracy: 1.0 where every label over ``axis`` is predicted right
    ((y_pred > threshold) == y_true for all of them), per sample (axis removed)."""
    p = as_float64(y_pred, "y_pred")
    t = _binary_labels(as_float64(y_true, "y_true"))
    check_same_shape(p, t, "y_pred", "y_true")
    ax = _class_axis(p, axis)
    values = (_predict(p, threshold, strict) == (t == 1)).all(axis=ax).astype(np.float64)
    nan = np.isnan(p).any(axis=ax) | np.isnan(t).any(axis=ax)
    return reduce_loss(np.where(nan, np.nan, values), reduction, sample_weight=sample_weight)


def _labels(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            # beyond +-2**63 the cast to int64 is undefined (and warns): no class label either
            bad = ~np.isfinite(arr) | (arr != np.round(arr)) | (np.abs(arr.astype(np.float64)) >= 2.0**63)
        if np.any(bad):
            raise ValueError(f"{name} must hold class labels (whole numbers within int64), got "
                             f"{arr[bad].ravel()[:5].tolist()}")
    elif arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must be an array of integer labels, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _label_matches(y_pred: Any, y_true: Any) -> np.ndarray:
    """1.0 per sample whose predicted label equals the true one (a 2-d indicator row
    counts only if it matches whole), else 0.0."""
    p = _labels(y_pred, "y_pred")
    t = _labels(y_true, "y_true")
    check_same_shape(p, t, "y_pred", "y_true")
    if p.ndim not in (1, 2):
        raise ValueError(f"y_pred must be 1-d labels or a 2-d indicator matrix, got {p.shape}")
    values = (p == t).astype(np.float64)
    return values.all(axis=1).astype(np.float64) if p.ndim == 2 else values


def label_accuracy(y_pred: Any, y_true: Any, *, normalize: bool = True,
                   sample_weight: Any = None) -> np.ndarray:
    """sklearn accuracy_score on label arrays: the (weighted) fraction, or count with
    normalize=False, of samples whose predicted label equals the true one. 1-d labels
    (n,), or 2-d multilabel indicators (n, L) where a sample counts only if its whole row
    matches (subset accuracy). Returns a 0-d array."""
    reduction = "weighted_mean" if _check_bool(normalize, "normalize") else "sum"
    return reduce_loss(_label_matches(y_pred, y_true), reduction, sample_weight=sample_weight)


def zero_one_loss(y_pred: Any, y_true: Any, *, normalize: bool = True,
                  sample_weight: Any = None) -> np.ndarray:
    """sklearn zero_one_loss (and hamming_loss on 1-d labels): the (weighted) fraction, or
    count with normalize=False, of samples whose label does NOT match (whole rows for 2-d
    indicators), counted directly rather than as 1 - accuracy. Returns a 0-d array."""
    reduction = "weighted_mean" if _check_bool(normalize, "normalize") else "sum"
    return reduce_loss(1.0 - _label_matches(y_pred, y_true), reduction,
                       sample_weight=sample_weight)


KIND = "metric"

FUNCTIONS = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_accuracy": top_k_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "exact_match_accuracy": exact_match_accuracy,
    "label_accuracy": label_accuracy,
    "zero_one_loss": zero_one_loss,
}

VJPS: dict = {}
