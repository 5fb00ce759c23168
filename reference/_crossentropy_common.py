"""Private helpers shared by the cross-entropy family (reference/crossentropy.py).

Stable primitives (softplus, log-softmax, sums that avoid the ``1 - s`` cancellation),
the validation of the class axis and of integer labels, the label-smoothing formulas, and
the VJP of :func:`reference._reduce.reduce_loss` (the reduction is linear, so its VJP is the
weight each value carries, divided by the reduction's denominator).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._loss_common import EXT
from ._reduce import reduce_loss, reduce_loss_vjp
from ._special import two_prod, two_sum
from ._validate import (
    as_float64,
    as_int_labels,
    check_axis,
    check_class_count,
    check_finite_scalar,
    check_same_shape,
)

__all__ = [
    "class_weight_array",
    "clip_mask",
    "labels_along",
    "log_softmax_parts",
    "neg_log_softmax_ext",
    "one_hot",
    "reduce_per_sample",
    "reduction_vjp",
    "smooth_binary",
    "smooth_categorical",
    "softplus",
    "sum_except",
]


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)); exp never overflows."""
    with np.errstate(invalid="ignore"):  # inf - inf only for x = ±inf (NaN: IEEE)
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) through exp(-|x|), so exp never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_softmax_parts(x: np.ndarray, axis: int, dtype: Any = np.float64
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (m - x, log Σ exp(x - m), exp(x - m)), m the max over ``axis`` (keepdims);
    exp(x - m) in ``dtype`` (EXT for the gradients), the log of its sum in float64.

    -log_softmax(x) = (m - x) + log Σ exp(x - m): two non-negative terms, no cancellation.
    """
    shifted, r = _shifted(x, axis)
    with np.errstate(invalid="ignore"):
        e = np.exp(shifted.astype(dtype))
        e = e + e * r
        lse = _log_sum_near_one(e.astype(np.float64), axis)
    return -shifted, lse, e


def _shifted(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """(fl(x - m), r) with x - m = fl(x - m) + r exactly, m the max over ``axis``."""
    with np.errstate(invalid="ignore"):  # a row holding +inf: inf - inf is NaN (IEEE)
        m = np.max(x, axis=axis, keepdims=True)
        shifted = x - m  # max shift: exp never overflows
        # TwoSum: x - m = shifted + r exactly; exp(x - m) = exp(shifted)(1 + r), so the
        # rounding of x - m (up to ulp(|x - m|)) does not become a relative error of e.
        b_virtual = shifted - x
        r = (x - (shifted - b_virtual)) + (-m - b_virtual)
    return shifted, np.where(np.isfinite(r), r, 0.0)


def neg_log_softmax_ext(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """(-log_softmax(x), exp(x - m)), both in extended precision: (m - x) carried exactly
    (its TwoSum remainder) plus log Σ exp(x - m) in EXT. For sums that cancel against
    -log_softmax (poly1's target gradient with ε < 0: 4.9 ULP in float64)."""
    shifted, r = _shifted(x, axis)
    with np.errstate(invalid="ignore"):
        e = np.exp(shifted.astype(EXT))
        e = e + e * r
        return _log_sum_near_one(e, axis) - (shifted.astype(EXT) + r), e


def _log_sum_near_one(e: np.ndarray, axis: int) -> np.ndarray:
    """log Σ e along ``axis`` (keepdims) where the max's term is exactly 1: log1p of the
    other terms' sum. log(1 + δ) of a rounded sum keeps only ~log2(1/δ) bits of δ, and
    δ is the whole loss of a confident row (logits [30, 0, 1] at the first class: 3.5e-13,
    which log(sum) gets 6e-4 relative wrong)."""
    if e.shape[axis] == 0:
        return np.log(np.sum(e, axis=axis, keepdims=True))
    j = np.expand_dims(np.argmax(e, axis=axis), axis)  # a NaN row: the NaN's index
    top = np.take_along_axis(e, j, axis=axis)  # 1, or NaN
    rest = e.copy()
    np.put_along_axis(rest, j, 0.0, axis=axis)
    with np.errstate(invalid="ignore"):
        # top - 1 is 0 (exact) or NaN: a NaN or +inf row stays NaN
        return np.log1p(np.sum(rest, axis=axis, keepdims=True) + (top - 1.0))


def sum_except(a: np.ndarray, axis: int) -> np.ndarray:
    """Σ_{k≠j} a_k for every j along ``axis`` (a >= 0), without cancellation.

    total - a_j is exact enough except where a_j dominates the sum (at most one j per row,
    the argmax): there the masked sum is recomputed.
    """
    total = np.sum(a, axis=axis, keepdims=True)
    out = total - a
    if a.shape[axis] == 0:
        return out
    j = np.argmax(a, axis=axis)
    jj = np.expand_dims(j, axis)
    masked = a.copy()
    np.put_along_axis(masked, jj, 0.0, axis=axis)
    np.put_along_axis(out, jj, np.sum(masked, axis=axis, keepdims=True), axis=axis)
    return out


def one_hot(labels: np.ndarray, num_classes: int, axis: int, ndim: int) -> np.ndarray:
    """float64 one-hot of int ``labels`` with the class axis inserted at ``axis``."""
    oh = (labels[..., None] == np.arange(num_classes)).astype(np.float64)
    return np.moveaxis(oh, -1, axis) if ndim else oh


def check_label_smoothing(label_smoothing: Any) -> float:
    return check_finite_scalar(label_smoothing, "label_smoothing", low=0.0, high=1.0)


def smooth_binary(t: np.ndarray, ls: float) -> tuple[np.ndarray, np.ndarray]:
    """(t', 1 - t') with t' = t (1 - ls) + ls / 2 (Keras); 1 - t' computed directly, in
    t's precision (EXT where the caller asks)."""
    one = np.asarray(1.0, dtype=t.dtype)
    if ls == 0.0:
        return t, one - t
    ls_t = np.asarray(ls, dtype=t.dtype)
    return t * (one - ls_t) + ls_t / 2, (one - t) * (one - ls_t) + ls_t / 2


def smooth_categorical(t: np.ndarray, ls: float, num_classes: int) -> np.ndarray:
    """t' = t (1 - ls) + ls / C (Keras categorical, torch cross_entropy)."""
    if ls == 0.0:
        return t
    ls_t = np.asarray(ls, dtype=t.dtype)  # in t's precision (EXT where the caller asks)
    return t * (1 - ls_t) + ls_t / num_classes


def smooth_categorical_lo(t: np.ndarray, ls: float, num_classes: int) -> np.ndarray:
    """The rounding error of :func:`smooth_categorical` in float64: t' = hi + lo with hi
    its result, exactly up to ~2^-106 relative (1 - ls, t (1 - ls) and ls / C carried as
    TwoSum / TwoProduct pairs); 0 for ls = 0 and where t is not finite."""
    if ls == 0.0:
        return np.zeros_like(t)
    a, a_lo = two_sum(np.float64(1.0), np.float64(-ls))
    prod, prod_lo = two_prod(t, a)
    q = ls / num_classes
    m, m_lo = two_prod(np.float64(q), np.float64(num_classes))
    q_lo = ((ls - m) - m_lo) / num_classes
    _, hi_lo = two_sum(prod, np.full_like(prod, q))  # hi: smooth_categorical's result
    with np.errstate(invalid="ignore"):
        lo = hi_lo + ((prod_lo + t * a_lo) + q_lo)
    return np.where(np.isfinite(lo), lo, 0.0)


def check_clip_eps(clip_eps: Any) -> float | None:
    if clip_eps is None:
        return None
    return check_finite_scalar(clip_eps, "clip_eps", low=0.0, high=0.5, high_inclusive=False)


def clip_mask(p: np.ndarray, eps: float | None, grad_at_clip: float) -> np.ndarray:
    """d clip(p, eps, 1 - eps) / dp: 1 inside, 0 outside, ``grad_at_clip`` at the bounds."""
    if eps is None:
        return np.ones_like(p)
    lo, hi = eps, 1.0 - eps
    inside = np.where((p > lo) & (p < hi), 1.0, 0.0)
    return np.where((p == lo) | (p == hi), grad_at_clip, inside)


def clipped_log(log_x: np.ndarray, below: np.ndarray, above: np.ndarray, eps: float
                ) -> np.ndarray:
    """log clip(x, eps, 1 - eps) from log x and the masks x < eps (``below``) and
    x > 1 - eps (``above``), in log_x's dtype (float64 or EXT): log eps, log1p(-eps) (1 - eps
    never rounded), log x inside. Masks of 1 - x give log clip(1 - x) from log1p(-x)."""
    kind = np.asarray(log_x).dtype.type
    return np.where(below, np.log(kind(eps)), np.where(above, np.log1p(-kind(eps)), log_x))


def clip(p: np.ndarray, eps: float | None) -> np.ndarray:
    return p if eps is None else np.clip(p, eps, 1.0 - eps)


def class_axis(y_pred: np.ndarray, axis: Any) -> int:
    if y_pred.ndim == 0:
        raise ValueError("y_pred must have a class axis (ndim >= 1), got a scalar")
    return check_axis(axis, y_pred.ndim, "axis")


def check_soft_pair(y_pred: np.ndarray, y_true: np.ndarray, axis: int) -> None:
    """Same shape, with a dedicated message when only the class counts differ."""
    if y_true.ndim == y_pred.ndim:
        check_class_count(y_pred.shape[axis], y_true.shape[axis], "y_pred", "y_true")
    check_same_shape(y_pred, y_true, "y_pred", "y_true")


def labels_along(
    y_pred: np.ndarray, y_true: Any, axis: int, ignore_index: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Validated int labels (shape = y_pred's without ``axis``) and the mask of valid ones."""
    if ignore_index is not None:
        if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(
            ignore_index, (int, np.integer)
        ):
            raise TypeError(f"ignore_index must be an int or None, got {ignore_index!r}")
        ignore_index = int(ignore_index)
    num_classes = y_pred.shape[axis]
    labels = as_int_labels(y_true, "y_true", num_classes, ignore_index=ignore_index)
    expected = y_pred.shape[:axis] + y_pred.shape[axis + 1 :]
    if labels.shape != expected:
        raise ValueError(
            f"y_true (integer labels) must have shape {expected} (y_pred's shape "
            f"{y_pred.shape} without axis {axis}), got {labels.shape}"
        )
    valid = np.ones(labels.shape, dtype=bool) if ignore_index is None else labels != ignore_index
    return np.where(valid, labels, 0), valid


def class_weight_array(class_weight: Any, num_classes: int, axis: int, ndim: int) -> np.ndarray:
    """Class weights of shape (C,), reshaped to broadcast along the class axis."""
    w = as_float64(class_weight, "class_weight")
    if w.shape != (num_classes,):
        raise ValueError(
            f"class_weight must have shape ({num_classes},) (one weight per class), "
            f"got {w.shape}"
        )
    shape = [1] * ndim
    shape[axis] = num_classes
    return w.reshape(shape)


def reduce_per_sample(
    values: np.ndarray,
    reduction: str,
    sample_weight: Any,
    denominator_weights: np.ndarray | None = None,
) -> np.ndarray:
    """reduce_loss of per-sample values that already carry their class weights.

    ``"weighted_mean"`` divides by Σ sample_weight · denominator_weights (torch: the class
    weight of each non-ignored target); every other reduction is reduce_loss's own.
    """
    return reduce_loss(values, reduction, sample_weight=sample_weight,
                       denominator_weights=denominator_weights)


def reduction_vjp(
    g: Any,
    shape: tuple[int, ...],
    reduction: str,
    *,
    sample_weight: Any = None,
    mean_axis: int | None = None,
    denominator_weights: np.ndarray | None = None,
) -> np.ndarray:
    """d Σ g · reduce_loss(values, ...) / d values, for ``values`` of ``shape``
    (:func:`reference._reduce.reduce_loss_vjp` with weighted-out elements exactly 0)."""
    cot, dead = reduce_loss_vjp(g, shape, reduction, sample_weight=sample_weight,
                                mean_axis=mean_axis, denominator_weights=denominator_weights)
    return np.where(dead, 0.0, cot)
