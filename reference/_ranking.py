"""The listwise softmax ranking loss and its VJP (private; exposed by reference.crossentropy).

ranking_softmax_cross_entropy   softmax cross-entropy of each list's scores against its
                                (un-normalised) relevance labels, with an item mask and
                                item weights (optax.losses.ranking_softmax_loss)

Cao et al., "Learning to Rank: From Pairwise Approach to Listwise Approach" (ListNet),
ICML 2007; Bruch et al., "An Analysis of the Softmax Cross Entropy Loss for
Learning-to-Rank with Binary Relevance", ICTIR 2019.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._crossentropy_common import sum_except
from ._loss_common import EXT, to64
from ._reduce import kept, reduce_loss, reduce_loss_vjp
from ._validate import (
    _show,
    as_float64,
    broadcast_input,
    check_choice,
    check_finite_scalar,
    check_nonnegative,
    check_same_shape,
    wrt_target,
)

RANKING_REDUCTIONS = ("none", "sum", "mean")

__all__ = ["RANKING_REDUCTIONS", "ranking_softmax_cross_entropy",
           "ranking_softmax_cross_entropy_vjp"]


def _mask(where: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """The item mask as bool (True: the item takes part), or None for no mask. Booleans,
    or numbers that are exactly 0 or 1."""
    if where is None:
        return None
    arr = np.asarray(where)
    if arr.dtype.kind != "b":
        num = as_float64(arr, "where")
        with np.errstate(invalid="ignore"):
            bad = ~((num == 0) | (num == 1))
        if np.any(bad):
            raise ValueError(
                f"where must be a boolean mask (or 0/1 numbers), got "
                f"{_show(num[bad].ravel()[:5].tolist())}"
            )
        arr = num == 1
    return broadcast_input(arr, shape, "where")


def _parts(y_pred: Any, y_true: Any, where: Any, weights: Any,
           reduction: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scores with masked items at -inf and fully masked lists at 0, targets
    c = where ? y_true * weights : 0 in extended precision, per-list weight: 1 for a list
    that takes part in the reduction, 0 for a fully masked one)."""
    check_choice(reduction, "reduction", RANKING_REDUCTIONS)
    x = as_float64(y_pred, "y_pred")
    if x.ndim == 0:
        raise ValueError("y_pred must have a list axis (ndim >= 1), got a scalar")
    t = check_nonnegative(as_float64(y_true, "y_true"), "y_true")
    check_same_shape(x, t, "y_pred", "y_true")
    valid = _mask(where, x.shape)
    c = t.astype(EXT)
    if weights is not None:
        w = check_nonnegative(as_float64(weights, "weights"), "weights")
        with np.errstate(invalid="ignore"):  # inf * 0: NaN, as IEEE (and optax) have it
            # w y in extended precision: its rounding would be amplified where the
            # gradient's two terms cancel
            c = c * broadcast_input(w, x.shape, "weights").astype(EXT)
    if valid is None:
        return x, c, np.ones(x.shape[:-1])
    # A masked item leaves the softmax (score -inf: exp = 0) and the sum (target 0),
    # whatever its score, label and weight hold (NaN and inf included).
    live = valid.any(axis=-1)
    x = np.where(valid, x, -np.inf)
    # A fully masked list: finite stand-in scores so no -inf - (-inf) = NaN arises; its
    # targets are all 0 and its loss is set to exactly 0.
    x = np.where(live[..., None], x, 0.0)
    c = np.where(valid, c, EXT(0))
    return x, c, live.astype(np.float64)


def _empty_value(value: Any) -> float:
    """mean_of_empty: NaN or a finite number."""
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return float("nan")
    return check_finite_scalar(value, "mean_of_empty")


def _exponentials(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(m - x, exp(x - m), Σ_{k≠a} exp(x_k - m)) in extended precision along the last
    axis, m = x_a the row's maximum (x - m of two float64 values is exact or nearly so in
    the 64-bit significand; a row holding NaN or +inf gives NaN: IEEE)."""
    xe = x.astype(EXT)
    with np.errstate(invalid="ignore"):
        m = np.max(xe, axis=-1, keepdims=True)  # max shift: exp never overflows
        neg_shift = m - xe
        e = np.exp(-neg_shift)
    rest = e.copy()
    # the argmax's exp(0) = 1 left out: log1p of the rest keeps a small log-partition's
    # digits (a dominant item), which log of a sum near 1 would lose
    np.put_along_axis(rest, np.expand_dims(np.argmax(xe, axis=-1), -1), EXT(0), axis=-1)
    return neg_shift, e, np.sum(rest, axis=-1, keepdims=True)


def _values(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Σ_i c_i (-log_softmax(x)_i) per list, every term >= 0 (no cancellation),
    accumulated in extended precision and rounded once."""
    if x.shape[-1] == 0:
        return np.zeros(x.shape[:-1])
    neg_shift, _, rest = _exponentials(x)
    with np.errstate(invalid="ignore"):  # a row holding NaN or +inf: NaN (IEEE)
        # -log_softmax = (m - x_i) + log Σ exp(x - m): two non-negative terms
        nll = neg_shift + np.log1p(rest)
        zero = (c == 0) & ~np.isnan(nll)  # 0 · (-log 0) = 0
        return to64(np.sum(np.where(zero, EXT(0), c * np.where(zero, EXT(0), nll)), axis=-1))


def _grad(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """d l / d x_i = p_i Σ_k c_k - c_i = (e_i S_i - c_i Z_i) / Z, e = exp(x - m),
    Z = Σ e, S_i = Σ_{k≠i} c_k, Z_i = Σ_{k≠i} e_k (the e_i c_i terms cancel exactly, so
    they are left out; the sums that leave one item out are summed, never subtracted,
    where that item dominates). The two products still cancel where p_i S ~ c_i: they are
    formed in extended precision (11 more bits) and rounded once."""
    _, e, rest = _exponentials(x)
    with np.errstate(invalid="ignore"):
        z = rest + 1  # Σ e, the argmax's exp(0) = 1 exactly
        return to64((e * sum_except(c, -1) - c * sum_except(e, -1)) / z)


def ranking_softmax_cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    where: Any = None,
    weights: Any = None,
    reduction: str = "none",
    mean_of_empty: float = float("nan"),
) -> np.ndarray:
    """Listwise softmax cross-entropy of scores against relevance labels, per list.

    For a list of scores s (the last axis of ``y_pred``) with relevance labels y >= 0,
    item weights w >= 0 and an item mask V (``where``; every item when None):

        l(s, y) = -Σ_{i∈V} w_i y_i log p_i,    p_i = exp(s_i) / Σ_{j∈V} exp(s_j)

    Masked items leave both the softmax and the sum. The labels are *not* normalised to a
    distribution (optax's definition; ListNet/TF-Ranking divide by Σ y): l scales with
    Σ w y, and a list whose labels are all 0 has loss 0. -log p_i is evaluated as
    (m - s_i) + log1p(Σ_{j≠a} exp(s_j - m)), m = s_a the largest valid score: two
    non-negative terms. 0 · log 0 = 0 (a valid item with score -inf and label 0); a NaN
    or +inf valid score, or a NaN label or weight of a valid item, makes its list NaN.

    Args:
      y_pred: scores, shape [..., list_size] (leading axes: lists).
      y_true: relevance labels >= 0, same shape.
      where: optional item mask (bool, or 0/1), broadcastable to y_pred's shape.
      weights: optional item weights >= 0, broadcastable to y_pred's shape; they scale
        the labels (w_i y_i).
      reduction: "none" (one loss per list, 0 for a fully masked list), "sum", or "mean":
        the mean over the lists; with ``where``, over the lists that hold at least one
        valid item (optax's ``reduce_fn=jnp.mean`` with its ``jnp.any(where, -1)`` mask).
      mean_of_empty: the "mean" of no list (an empty batch, or every list masked): NaN,
        or optax's 0.

    Returns:
      float64 array of shape y_pred.shape[:-1] ("none") or () otherwise.
    """
    mean_of_empty = _empty_value(mean_of_empty)
    x, c, live = _parts(y_pred, y_true, where, weights, reduction)
    values = np.where(live > 0, _values(x, c), 0.0)
    red = "weighted_mean" if reduction == "mean" else reduction
    return reduce_loss(values, red, weights=live, mean_of_empty=mean_of_empty)


def ranking_softmax_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    where: Any = None,
    weights: Any = None,
    reduction: str = "none",
    mean_of_empty: float = float("nan"),
    wrt: str = "y_pred",
) -> np.ndarray:
    """VJP w.r.t. the scores: per list, G (p_i Σ_{k∈V} c_k - c_i) on the valid items
    (c = w y, G the list's cotangent after the reduction); the difference, which cancels
    where p_i Σ c ~ c_i, is formed in extended precision and rounded once. Exactly 0 on
    masked items and on fully masked lists. ``wrt="y_true"`` (graded relevance that is
    itself learned): G w_i (-log p_i) on the valid items (+inf for a valid score of -inf),
    0 on masked ones."""
    mean_of_empty = _empty_value(mean_of_empty)
    x, c, live = _parts(y_pred, y_true, where, weights, reduction)
    red = "weighted_mean" if reduction == "mean" else reduction
    cot, dead = reduce_loss_vjp(g, live.shape, red, weights=live, mean_of_empty=mean_of_empty)
    cot = np.where(dead, 0.0, cot)
    if x.shape[-1] == 0:
        return np.zeros(x.shape)
    if wrt_target(wrt):
        neg_shift, _, rest = _exponentials(x)
        with np.errstate(invalid="ignore"):  # a row holding NaN or +inf: NaN (IEEE)
            nll = to64(neg_shift + np.log1p(rest))  # -log p_i, two non-negative terms
            w = 1.0 if weights is None else broadcast_input(as_float64(weights, "weights"),
                                                             x.shape, "weights")
            valid = _mask(where, x.shape)
            local = w * nll if valid is None else np.where(valid, w * nll, 0.0)
        return kept(np.expand_dims(cot, -1), local)
    return kept(np.expand_dims(cot, -1), _grad(x, c))
