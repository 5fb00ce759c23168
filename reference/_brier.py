"""The Brier score: squared error of predicted probabilities against labels (registered in
``regression.py``).

* :func:`brier_score`: binary, elementwise ``scale (p - y)^2`` with ``p`` the probability
  of the positive class and ``y`` the label (0/1, or a soft label in [0, 1]);
* :func:`multiclass_brier_score`: ``scale Σ_c (p_c - [c = y])^2`` per sample, class axis
  ``axis`` of ``y_pred`` removed, integer labels ``y``.

scikit-learn ``brier_score_loss`` (1.7+): 1-D ``y_proba`` is the binary score (it
stacks ``[1 - p, p]`` against ``[1 - y, y]`` and halves the sum: ``scale=1``;
``scale_by_half=False``: ``scale=2``); (n, C) ``y_proba`` is the multiclass score,
``scale=1`` for C >= 3 (``scale_by_half="auto"``), ``scale=0.5`` for C = 2 or
``scale_by_half=True``. Both averaged (weighted by ``sample_weight``): reduction
"weighted_mean".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._crossentropy_common import class_axis, labels_along
from ._loss_common import EXT, pair, to64, two_diff
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._validate import (
    as_float64,
    check_finite_scalar,
    check_probabilities,
    wrt_target,
)

__all__ = [
    "brier_score",
    "brier_score_vjp",
    "multiclass_brier_score",
    "multiclass_brier_score_vjp",
]


def _binary_inputs(y_pred: Any, y_true: Any, scale: Any):
    scale = check_finite_scalar(scale, "scale", low=0.0, low_inclusive=False)
    p, t = pair(y_pred, y_true)
    check_probabilities(p, "y_pred")
    check_probabilities(t, "y_true")
    return p, t, scale


def brier_score(
    y_pred: Any, y_true: Any, *, scale: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """scale (y_pred - y_true)^2 elementwise; y_pred: P(positive class) in [0, 1],
    y_true: 0/1 labels or soft labels in [0, 1], same shape [...]. scale > 0."""
    p, t, scale = _binary_inputs(y_pred, y_true, scale)
    d, e = two_diff(p, t)
    with np.errstate(invalid="ignore"):
        v = (scale * d) * (d + 2.0 * e)  # (d + e)^2 to first order in the rounding error e
    return reduce_loss(v, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def brier_score_vjp(
    g: Any, y_pred: Any, y_true: Any, *, scale: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None, wrt: str = "y_pred",
) -> np.ndarray:
    """d/dy_pred = 2 scale (y_pred - y_true); ``wrt="y_true"``: its negation."""
    p, t, scale = _binary_inputs(y_pred, y_true, scale)
    sign = -2.0 if wrt_target(wrt) else 2.0
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    d, e = two_diff(p, t)
    return chain(cot, dead, (sign * scale) * (d + e))


def _multiclass_parts(y_pred: Any, y_true: Any, axis: Any, scale: Any):
    scale = check_finite_scalar(scale, "scale", low=0.0, low_inclusive=False)
    p = as_float64(y_pred, "y_pred")
    ax = class_axis(p, axis)
    labels, _ = labels_along(p, y_true, ax, None)
    check_probabilities(p, "y_pred")
    p = np.moveaxis(p, ax, -1)
    hit = np.arange(p.shape[-1]) == labels[..., None]
    # p_c - [c = y] with its rounding error (TwoSum; only 1 - p_y can round)
    d, e = two_diff(p, hit.astype(np.float64))
    return p, d, e, ax, scale


def multiclass_brier_score(
    y_pred: Any, y_true: Any, *, axis: int = -1, scale: float = 1.0,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """scale Σ_c (y_pred_c - [c = y_true])^2 over the class axis ``axis``.

    y_pred: probabilities in [0, 1], shape [..., C] (rows need not sum to 1: nothing is
    renormalised); y_true: integer labels in [0, C), y_pred's shape without ``axis``.
    One value per sample. scale > 0.
    """
    _, d, e, _, scale = _multiclass_parts(y_pred, y_true, axis, scale)
    with np.errstate(invalid="ignore"):
        # the C non-negative squares summed in extended precision, rounded once
        sq = d.astype(EXT) * (d.astype(EXT) + 2 * e.astype(EXT))
        v = to64(scale * np.sum(sq, axis=-1))
    return reduce_loss(v, reduction, sample_weight=sample_weight)


def multiclass_brier_score_vjp(
    g: Any, y_pred: Any, y_true: Any, *, axis: int = -1, scale: float = 1.0,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """d/dy_pred_c = 2 scale (y_pred_c - [c = y_true])."""
    p, d, e, ax, scale = _multiclass_parts(y_pred, y_true, axis, scale)
    cot, dead = reduce_vjp(g, p.shape[:-1], reduction, sample_weight=sample_weight)
    local = (2.0 * scale) * (d + e)
    return np.moveaxis(chain(cot[..., None], dead[..., None], local), -1, ax)
