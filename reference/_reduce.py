"""The one reduction helper every reference loss and metric goes through.

``reduce_loss(values, reduction, ...)`` takes the per-element values of a loss (float64)
and applies, in this order:

1. ``mean_axis``: the mean over one axis (Keras' loss *functions* average the last axis,
   ``mean_axis=-1``); ``None`` keeps every element.
2. ``sample_weight``: multiplied in. A weight of lower rank than the values is aligned to
   the *leading* axes (one weight per sample, as Keras and scikit-learn do), then
   broadcast.
3. ``reduction``:

   ==================== =========================================================
   ``"none"``           the weighted values, same shape
   ``"sum"``            Σ w·l
   ``"mean"``           Σ w·l / n, n = number of values (torch 'mean' without class
                        weights; ``jnp.mean``)
   ``"sum_over_batch_size"`` the same formula under Keras' name
   ``"batchmean"``      Σ w·l / values.shape[0] (torch KLDivLoss 'batchmean')
   ``"weighted_mean"``  Σ w·l / Σ w (torch's class-weighted NLL 'mean';
                        scikit-learn's ``np.average(..., weights=w)``)
   ==================== =========================================================

A mean over nothing (an empty batch, or all weights zero for ``weighted_mean``) is NaN
by default, the mathematically honest answer; ``mean_of_empty=0.0`` declares Keras'
``divide_no_nan`` convention.

``reduce_loss_vjp`` is its adjoint (the reduction is linear in the values): every loss
VJP is ``chain(cot, dead, local_derivative)`` with ``cot, dead = reduce_loss_vjp(...)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import as_float64, check_axis, check_choice

REDUCTIONS = ("none", "sum", "mean", "sum_over_batch_size", "batchmean", "weighted_mean")

__all__ = ["REDUCTIONS", "chain", "reduce_loss", "reduce_loss_vjp"]


def _align_weight(weight: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    if weight.ndim > len(shape):
        extra = weight.shape[len(shape):]
        if any(n != 1 for n in extra):
            raise ValueError(
                f"{name} of shape {weight.shape} has more axes than the loss of shape "
                f"{shape}, and the extra axes {extra} are not of size 1"
            )
        weight = np.squeeze(weight, axis=tuple(range(len(shape), weight.ndim)))
    # One weight per sample: align to the leading axes (Keras / sklearn), then broadcast.
    weight = weight.reshape(weight.shape + (1,) * (len(shape) - weight.ndim))
    try:
        return np.broadcast_to(weight, shape)
    except ValueError:
        raise ValueError(
            f"{name} of shape {weight.shape} cannot be broadcast to the loss shape {shape}"
        ) from None


def reduce_loss(
    values: np.ndarray,
    reduction: str = "none",
    *,
    sample_weight: Any = None,
    weights: np.ndarray | None = None,
    mean_axis: int | None = None,
    mean_of_empty: float = float("nan"),
    denominator_weights: np.ndarray | None = None,
) -> np.ndarray:
    """Reduce per-element loss ``values`` (float64) as documented in the module.

    Args:
      values: per-element losses, any shape.
      reduction: one of :data:`REDUCTIONS`.
      sample_weight: optional weights, broadcastable after leading-axis alignment.
      weights: optional per-element weights computed by the loss itself (class weights
        gathered at each label); they scale the values like ``sample_weight`` and are the
        denominator of ``"weighted_mean"``.
      mean_axis: optional axis averaged first (before weighting).
      mean_of_empty: the value of a mean over zero elements or zero total weight.
      denominator_weights: optional per-element weights whose (sample-weighted) sum is
        the denominator of ``"weighted_mean"`` instead of Σ w: torch's label-smoothed
        cross-entropy carries its class weights inside the values, yet divides by the
        weights of the targets.

    Returns:
      float64 array: ``values``' shape for ``"none"``, a 0-d array otherwise.
    """
    check_choice(reduction, "reduction", REDUCTIONS)
    values = np.asarray(values, dtype=np.float64)
    if mean_axis is not None:
        axis = check_axis(mean_axis, values.ndim, "mean_axis")
        if values.shape[axis] == 0:
            values = np.full(values.shape[:axis] + values.shape[axis + 1 :], mean_of_empty)
        else:
            values = values.mean(axis=axis)
    w = np.ones_like(values)
    if weights is not None:
        w = w * _align_weight(np.asarray(weights, dtype=np.float64), values.shape, "weights")
    if sample_weight is not None:
        sw = as_float64(sample_weight, "sample_weight")
        w = w * _align_weight(sw, values.shape, "sample_weight")
    # 0 * inf would be NaN: an element weighted out (weight 0) contributes exactly 0.
    weighted = np.where(w == 0, 0.0, values * np.where(w == 0, 1.0, w))
    if reduction == "none":
        return weighted
    total = weighted.sum()
    if reduction == "sum":
        return np.asarray(total)
    if reduction in ("mean", "sum_over_batch_size"):
        denom = float(values.size)
    elif reduction == "batchmean":
        denom = float(values.shape[0]) if values.ndim else 1.0
    else:  # weighted_mean
        denom = float(_weighted_mean_denominator(w, values.shape, sample_weight, denominator_weights))
    if denom == 0:
        return np.asarray(mean_of_empty)
    return np.asarray(total / denom)


def _weighted_mean_denominator(w: np.ndarray, shape: tuple[int, ...], sample_weight: Any,
                               denominator_weights: np.ndarray | None) -> float:
    if denominator_weights is None:
        return float(w.sum())
    dw = _align_weight(np.asarray(denominator_weights, dtype=np.float64), shape, "denominator_weights")
    if sample_weight is not None:
        dw = dw * _align_weight(as_float64(sample_weight, "sample_weight"), shape, "sample_weight")
    return float(dw.sum())


def reduce_loss_vjp(
    g: Any,
    shape: tuple[int, ...],
    reduction: str = "none",
    *,
    sample_weight: Any = None,
    weights: np.ndarray | None = None,
    mean_axis: int | None = None,
    mean_of_empty: float = float("nan"),
    denominator_weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cotangent of the per-element values (``shape``) of :func:`reduce_loss`.

    Returns ``(cot, dead)``: ``cot`` has ``shape``; ``dead`` marks the elements whose total
    weight is 0 (they contribute exactly 0 to the output, whatever their value, so their
    gradient is exactly 0 too). A mean over zero total weight has a constant value
    (``mean_of_empty``): its cotangent is NaN when that constant is NaN, else 0.
    """
    check_choice(reduction, "reduction", REDUCTIONS)
    reduced_shape = shape
    axis = None
    if mean_axis is not None:
        axis = check_axis(mean_axis, len(shape), "mean_axis")
        reduced_shape = shape[:axis] + shape[axis + 1 :]
    w = np.ones(reduced_shape)
    if weights is not None:
        w = w * _align_weight(np.asarray(weights, dtype=np.float64), reduced_shape, "weights")
    if sample_weight is not None:
        w = w * _align_weight(as_float64(sample_weight, "sample_weight"), reduced_shape, "sample_weight")
    g = as_float64(g, "g")
    out_shape = reduced_shape if reduction == "none" else ()
    if g.shape != out_shape:
        raise ValueError(
            f"g must have the shape of the loss output {out_shape} "
            f"(reduction={reduction!r}), got {g.shape}"
        )
    n = int(np.prod(reduced_shape))
    if reduction in ("none", "sum"):
        denom = 1.0
    elif reduction in ("mean", "sum_over_batch_size"):
        denom = float(n)
    elif reduction == "batchmean":
        denom = float(reduced_shape[0]) if reduced_shape else 1.0
    else:  # weighted_mean
        denom = _weighted_mean_denominator(w, reduced_shape, sample_weight, denominator_weights)
    if denom != 0:
        cot = g * w / denom
    else:
        cot = np.full(reduced_shape, np.nan if np.isnan(mean_of_empty) else 0.0)
    dead = np.broadcast_to(w == 0, reduced_shape)
    if axis is not None:
        size = shape[axis]
        cot = np.broadcast_to(np.expand_dims(cot, axis) / max(size, 1), shape)
        dead = np.broadcast_to(np.expand_dims(dead, axis), shape)
    return np.array(cot, dtype=np.float64), np.array(dead)


def chain(cot: np.ndarray, dead: np.ndarray, local: Any) -> np.ndarray:
    """``cot * local`` with weighted-out elements exactly 0 (no 0 * inf = NaN there)."""
    with np.errstate(invalid="ignore", over="ignore"):
        out = cot * local
    return np.where(dead, 0.0, out)


def kept(dv: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``dv * d`` with exactly 0 wherever the loss's cotangent ``dv`` is 0 (an ignored or
    weighted-out element: no 0 * inf = NaN from a saturated ``d`` there)."""
    with np.errstate(invalid="ignore", over="ignore"):  # the 0 * inf products are dropped
        return np.where(dv == 0, 0.0, dv * d)
