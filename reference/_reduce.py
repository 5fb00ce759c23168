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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import as_float64, check_axis, check_choice

REDUCTIONS = ("none", "sum", "mean", "sum_over_batch_size", "batchmean", "weighted_mean")

__all__ = ["REDUCTIONS", "reduce_loss"]


def _align_weight(weight: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    if weight.ndim > len(shape):
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
        denom = float(w.sum())
    if denom == 0:
        return np.asarray(mean_of_empty)
    return np.asarray(total / denom)
