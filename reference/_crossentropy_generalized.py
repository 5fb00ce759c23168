"""Generalized cross-entropy (Zhang & Sabuncu 2018) of probabilities with integer labels.

    l = (1 - p_y^q) / q,     q > 0

q -> 0 recovers -log p_y (cross-entropy), q = 1 gives 1 - p_y (the MAE of a one-hot
target, halved). Keras' ``categorical_generalized_cross_entropy`` gathers p_y through a
one-hot of the labels. ``y_pred`` holds the classes along ``axis``; ``y_true`` the int
labels with y_pred's shape less that axis; one value per sample, then ``reduction``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._crossentropy_common import class_axis, labels_along, one_hot, reduction_vjp
from ._loss_common import EXT, to64
from ._reduce import kept, reduce_loss
from ._validate import as_float64, check_finite_scalar

__all__ = ["generalized_cross_entropy", "generalized_cross_entropy_vjp"]


def _inputs(y_pred: Any, y_true: Any, q: Any, axis: Any) -> tuple[Any, ...]:
    p = as_float64(y_pred, "y_pred")
    qv = check_finite_scalar(q, "q", low=0.0, low_inclusive=False)
    ax = class_axis(p, axis)
    labels, _ = labels_along(p, y_true, ax, None)
    p_y = np.take_along_axis(p, np.expand_dims(labels, ax), axis=ax).squeeze(ax)
    return p, qv, ax, labels, p_y


def generalized_cross_entropy(
    y_pred: Any, y_true: Any, *, q: float = 0.5, axis: int = -1, reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """(1 - p_y^q) / q per sample (p_y = 0 gives 1/q; p_y < 0 NaN, as p^q).

    Args:
      y_pred: probabilities, classes along ``axis``.
      y_true: int labels in [0, C), y_pred's shape less ``axis``.
      q: > 0 (Keras' class requires 0 < q < 1).
      axis: the class axis.
      reduction, sample_weight: :func:`reference.reduce_loss`.
    """
    _, qv, _, _, p_y = _inputs(y_pred, y_true, q, axis)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # 1 - p^q = -expm1(q log p): no cancellation as p -> 1 (extended precision)
        values = to64(-np.expm1(qv * np.log(p_y.astype(EXT))) / qv)
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def generalized_cross_entropy_vjp(
    g: Any, y_pred: Any, y_true: Any, *, q: float = 0.5, axis: int = -1,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """dl/dp_y = -p_y^(q - 1) (-inf at p_y = 0 for q < 1); 0 at the other classes."""
    p, qv, ax, labels, p_y = _inputs(y_pred, y_true, q, axis)
    dv = reduction_vjp(g, p_y.shape, reduction, sample_weight=sample_weight)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # the exponent q - 1 in extended precision too: rounded to float64 it would cost
        # |log p| ULPs (744 at the subnormals)
        d_y = -to64(np.power(p_y.astype(EXT), EXT(qv) - 1))
    hot = one_hot(labels, p.shape[ax], ax, p.ndim).astype(bool)
    d = np.where(hot, np.expand_dims(d_y, ax), 0.0)
    return kept(np.expand_dims(dv, ax) * np.ones_like(p), d)
