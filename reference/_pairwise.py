"""Mean pairwise squared error (registered in ``regression.py``):
tf.compat.v1.losses.mean_pairwise_squared_error's per-sample loss."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._loss_common import EXT, pair, to64, two_diff
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp


def _samples(y_pred: Any, y_true: Any, no_pairs: Any):
    """(p, d_hi, d_lo, n, no_pairs): d = y_pred - y_true exactly (hi + lo), one row per
    sample (axis 0 is the batch; every other axis is flattened into the row)."""
    p, t = pair(y_pred, y_true)
    if p.ndim == 0:
        raise ValueError("y_pred must have at least one dimension (the batch axis)")
    if not isinstance(no_pairs, (int, float)) or isinstance(no_pairs, bool):
        raise TypeError(f"no_pairs must be a number, got {no_pairs!r}")
    hi, lo = two_diff(p, t)
    n = math.prod(p.shape[1:])
    return p, hi.reshape(p.shape[0], n), lo.reshape(p.shape[0], n), n, float(no_pairs)


def _pair_diffs(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """d_i - d_j for every pair, per row, in extended precision (exact where the hi
    parts are within a factor 2: Sterbenz), shape (rows, n, n)."""
    he, le = hi.astype(EXT), lo.astype(EXT)
    with np.errstate(invalid="ignore", over="ignore"):
        return (he[:, :, None] - he[:, None, :]) + (le[:, :, None] - le[:, None, :])


def mean_pairwise_squared_error(
    y_pred: Any, y_true: Any, *, no_pairs: float = float("nan"), reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Per sample (axis 0 is the batch, the rest its n elements), with d = y_pred - y_true:

        mean over the n(n-1)/2 pairs i < j of ((p_i - p_j) - (t_i - t_j))^2
        = sum_{i<j} (d_i - d_j)^2 / (n(n-1)/2)   (= 2 x the sample variance of d).

    tf.compat.v1.losses.mean_pairwise_squared_error computes this as 2 sum d^2 / (n - 1) -
    2 (sum d)^2 / (n(n - 1)) and then SUMS over the batch (reduction "sum"). A sample with
    fewer than two elements has no pairs: ``no_pairs`` (NaN, the mean of nothing; TF's
    div_no_nan gives 0). Pair differences are formed in extended precision from the exact
    d (TwoSum), so nearly constant d does not cancel; the pair sum has no cancellation.
    """
    _, hi, lo, n, empty = _samples(y_pred, y_true, no_pairs)
    if n < 2:
        values = np.full(hi.shape[0], empty)
    else:
        diffs = _pair_diffs(hi, lo)
        with np.errstate(invalid="ignore", over="ignore"):
            # every ordered pair twice: sum_{i != j} = 2 sum_{i<j}; over n(n-1) ordered pairs
            values = to64(np.sum(diffs * diffs, axis=(1, 2)) / EXT(n * (n - 1)))
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def mean_pairwise_squared_error_vjp(
    g: Any, y_pred: Any, y_true: Any, *, no_pairs: float = float("nan"),
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """d/dp_k = 4 (d_k - mean(d)) / (n - 1) = 4 sum_j (d_k - d_j) / (n (n - 1)); 0 for a
    sample without pairs (its value does not depend on the inputs)."""
    p, hi, lo, n, _ = _samples(y_pred, y_true, no_pairs)
    cot, dead = reduce_vjp(g, (p.shape[0],), reduction, sample_weight=sample_weight)
    if n < 2:
        return np.zeros_like(p)
    s_hi, s_lo, finite = _exact_row_sums(hi, lo)
    with np.errstate(invalid="ignore", over="ignore"):
        # n d_k - sum d, from the exact d and a double-double sum: the signed sum of the
        # pair differences cancels (a row spanning 1e-39 to 1e-45 lost 50 ULP in EXT).
        # EXT arrays, not an EXT scalar times a float64 array (NumPy 1.x keeps float64)
        nh, nl = n * hi.astype(EXT), n * lo.astype(EXT)
        centred = (nh - s_hi[:, None]) + (nl - s_lo[:, None])
        local = to64(4 * centred / EXT(n * (n - 1)))
        if not finite.all():  # rows with inf / NaN: the pair differences' NaN / inf pattern
            local = np.where(finite[:, None], local,
                             to64(4 * np.sum(_pair_diffs(hi, lo), axis=2) / EXT(n * (n - 1))))
    return chain(cot[:, None], dead[:, None], local).reshape(p.shape)


def _exact_row_sums(hi: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each row's sum of d = hi + lo as s_hi + s_lo (the correctly rounded sum and its
    correctly rounded remainder, math.fsum), as EXT; and which rows are finite."""
    rows = hi.shape[0]
    s_hi, s_lo = np.zeros(rows, dtype=EXT), np.zeros(rows, dtype=EXT)
    finite = np.all(np.isfinite(hi) & np.isfinite(lo), axis=1)
    for i in np.flatnonzero(finite):
        parts = [*hi[i].tolist(), *lo[i].tolist()]
        try:
            first = math.fsum(parts)
            s_hi[i], s_lo[i] = first, math.fsum([*parts, -first])
        except OverflowError:  # the sum overflows float64: the pair differences decide
            finite[i] = False
    return s_hi, s_lo, finite
