"""Relative error: the absolute error divided by a given normalizer, 0 where it is 0.

    relative_error(y_pred, y_true, normalizer) = |y_pred - y_true| / normalizer

Keras 2's ``metrics.MeanRelativeError(normalizer)`` is its mean (sample-weighted):
``tf.math.divide_no_nan(abs(y_true - y_pred), normalizer)`` fed to a ``Mean`` metric
(tf_keras/src/metrics/regression_metrics.py: MeanRelativeError.update_state).
``divide_no_nan`` answers 0 wherever the normalizer is 0, whatever the numerator (inf and
NaN included); elsewhere the quotient is an ordinary one (a negative normalizer gives a
negative error, a NaN normalizer NaN).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._loss_common import EXT, pair, to64, two_diff
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._validate import as_float64, broadcast_input, check_choice

__all__ = ["relative_error", "relative_error_vjp"]


def _normalizer(normalizer: Any, shape: tuple[int, ...]) -> np.ndarray:
    return broadcast_input(as_float64(normalizer, "normalizer"), shape, "normalizer")


def relative_error(
    y_pred: Any, y_true: Any, normalizer: Any, *, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """|y_pred - y_true| / normalizer elementwise, 0 where normalizer == 0.

    ``normalizer`` has y_pred's shape or any shape broadcastable to it (Keras 2 fixes it
    at the metric's construction; a size-1 axis is broadcast along).
    """
    p, t = pair(y_pred, y_true)
    n = _normalizer(normalizer, p.shape)
    d, e = two_diff(p, t)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # |y_pred - y_true| exactly to first order (TwoSum's error e), one rounding at
        # the quotient; divide_no_nan: 0 at n == 0 even for an inf or NaN numerator
        v = np.where(n == 0, 0.0, (np.abs(d) + np.where(d < 0, -e, e)) / n)
    return reduce_loss(v, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def _sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The full-shape gradient summed back to the normalizer's own ``shape`` (the adjoint
    of its broadcast)."""
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, k in enumerate(shape)
                                      if k == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes).reshape(shape) if axes else grad


def relative_error_vjp(
    g: Any, y_pred: Any, y_true: Any, normalizer: Any, *, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None, grad_at_zero: float = 0.0,
    wrt: str = "y_pred",
) -> np.ndarray:
    """d/dy_pred = sign(y_pred - y_true) / n (``grad_at_zero`` for sign(0)); d/dy_true
    its negation; d/dnormalizer = -|y_pred - y_true| / n^2, summed over the axes the
    normalizer was broadcast along. All three are 0 where n == 0 (divide_no_nan's
    constant 0 there)."""
    check_choice(wrt, "wrt", ("y_pred", "y_true", "normalizer"))
    p, t = pair(y_pred, y_true)
    n = _normalizer(normalizer, p.shape)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    d, e = two_diff(p, t)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if wrt == "normalizer":
            # in extended precision (no overflow of n^2 for any float64 n), rounded once
            a = np.abs(d).astype(EXT) + np.where(d < 0, -e, e)
            ne = n.astype(EXT)
            local = to64(-a / (ne * ne))
        else:
            sign = np.where(d == 0, grad_at_zero, np.sign(d))
            local = (-sign if wrt == "y_true" else sign) / n
        local = np.where(n == 0, 0.0, local)
    grad = chain(cot, dead, local)
    return _sum_to(grad, np.shape(normalizer)) if wrt == "normalizer" else grad
