"""Multi-class margin losses (registered in ``margin.py``): one value per sample, the
class axis removed. Scores y_pred of shape [..., C] (class axis ``axis``, default last).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._loss_common import EXT, pair, sigmoid, softplus, to64, two_diff
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._validate import (
    as_float64,
    as_int_labels,
    check_axis,
    check_choice,
    check_finite_scalar,
    check_probabilities,
    wrt_target,
)

TIES = ("split", "first")


def _shifted(a: np.ndarray, b: np.ndarray, c: float) -> np.ndarray:
    """(a - b) + c with one rounding error at most a couple of ULPs (TwoSum twice)."""
    d, e = two_diff(a, b)
    with np.errstate(invalid="ignore", over="ignore"):
        s = d + c
        bv = s - d
        e2 = (d - (s - bv)) + (c - bv)
        e2 = np.where(np.isfinite(e2), e2, 0.0)
        return s + (e + e2)


def _max_mask(z: np.ndarray, ties: str) -> np.ndarray:
    """Gradient of max over the last axis: 1 at the argmax, ties split evenly or
    given to the first maximiser; NaN rows give NaN."""
    check_choice(ties, "ties", TIES)
    with np.errstate(invalid="ignore"):
        m = np.max(z, axis=-1, keepdims=True)
        hit = z == m
        if ties == "first":
            first = np.argmax(hit, axis=-1)[..., None]
            hit = np.arange(z.shape[-1]) == first
        count = hit.sum(axis=-1, keepdims=True)
        mask = np.where(count > 0, hit / np.maximum(count, 1), np.nan)
    return mask


def _kink(z: np.ndarray, grad_at_margin: float) -> np.ndarray:
    return np.where(z > 0, 1.0, np.where(z == 0, grad_at_margin, np.where(np.isnan(z),
                                                                          np.nan, 0.0)))


def _scores(y_pred: Any, axis: int) -> tuple[np.ndarray, int]:
    x = as_float64(y_pred, "y_pred")
    if x.ndim == 0:
        raise ValueError("y_pred must have a class axis, got a scalar")
    axis = check_axis(axis, x.ndim)
    if x.shape[axis] == 0:
        raise ValueError(f"y_pred has 0 classes along axis={axis}, shape {x.shape}")
    return np.moveaxis(x, axis, -1), axis


def _int_targets(x: np.ndarray, y_true: Any) -> np.ndarray:
    y = as_int_labels(y_true, "y_true", x.shape[-1])
    if y.shape != x.shape[:-1]:
        raise ValueError(
            f"y_true (integer labels) must have y_pred's shape without the class axis "
            f"{x.shape[:-1]}, got {y.shape}"
        )
    return y


def _class_weight(class_weight: Any, n: int) -> np.ndarray | None:
    if class_weight is None:
        return None
    w = as_float64(class_weight, "class_weight")
    if w.shape != (n,):
        raise ValueError(f"class_weight must have shape ({n},) (one per class), got {w.shape}")
    return w


# --------------------------------------------------------------------------- Keras


def _categorical_parts(y_pred: Any, y_true: Any, axis: int):
    p, t = pair(y_pred, y_true)
    check_probabilities(t, "y_true")
    x, axis = _scores(p, axis)
    t = np.moveaxis(t, axis, -1)
    with np.errstate(invalid="ignore", over="ignore"):
        pos = np.sum(t * x, axis=-1)
        negs = (1.0 - t) * x
        neg = np.max(negs, axis=-1)
    return x, t, axis, negs, _shifted(neg, pos, 1.0)


def categorical_hinge(
    y_pred: Any, y_true: Any, *, axis: int = -1, reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Keras ``categorical_hinge``: max(0, neg - pos + 1) with pos = sum(t p) and
    neg = max((1 - t) p) over the class axis (t one-hot or soft in [0, 1]).

    Note Keras' ``neg`` includes the true class as (1 - 1) p = 0, so neg >= 0 even when
    every wrong-class score is negative (not the textbook max over j != y).
    """
    *_, z = _categorical_parts(y_pred, y_true, axis)
    v = np.maximum(z, 0.0)
    return reduce_loss(v, reduction, sample_weight=sample_weight)


def categorical_hinge_vjp(
    g: Any, y_pred: Any, y_true: Any, *, axis: int = -1, reduction: str = "none",
    sample_weight: Any = None, ties: str = "split", grad_at_margin: float = 0.0,
    wrt: str = "y_pred",
) -> np.ndarray:
    """d/dy_pred = [(1 - t) * onehot(argmax (1 - t) p) - t] where the hinge is active;
    ``ties``: the max's gradient split evenly among tied maxima (TF, jax) or "first";
    ``grad_at_margin`` at neg - pos + 1 = 0 (Keras/TF: 1). ``wrt="y_true"``:
    [-p * onehot(argmax (1 - t) p) - p], with the same conventions."""
    x, t, axis, negs, z = _categorical_parts(y_pred, y_true, axis)
    cot, dead = reduce_vjp(g, z.shape, reduction, sample_weight=sample_weight)
    if wrt_target(wrt):
        with np.errstate(invalid="ignore"):
            local = (-x * _max_mask(negs, ties) - x) * _kink(z, grad_at_margin)[..., None]
    else:
        local = ((1.0 - t) * _max_mask(negs, ties) - t) * _kink(z, grad_at_margin)[..., None]
    return np.moveaxis(chain(cot[..., None], dead[..., None], local), -1, axis)


# --------------------------------------------------------------------------- torch


def _multi_margin_parts(y_pred, y_true, p, margin, class_weight, axis):
    check_choice(p, "p", (1, 2))
    margin = check_finite_scalar(margin, "margin")
    x, axis = _scores(y_pred, axis)
    y = _int_targets(x, y_true)
    w = _class_weight(class_weight, x.shape[-1])
    xy = np.take_along_axis(x, y[..., None], axis=-1)
    z = _shifted(x, xy, margin)  # margin - x[y] + x[i]
    is_y = np.arange(x.shape[-1]) == y[..., None]
    weights = None if w is None else w[y]
    return x, y, axis, z, is_y, weights


def multi_margin(
    y_pred: Any, y_true: Any, *, p: int = 1, margin: float = 1.0, class_weight: Any = None,
    axis: int = -1, reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """torch ``multi_margin_loss``: sum_{i != y} max(0, margin - x[y] + x[i])^p / C,
    times class_weight[y]; y_true integer labels of y_pred's shape without the class
    axis. p is 1 or 2. torch's 'mean' is ``reduction="mean"`` (divides by N, not by
    the sum of the class weights)."""
    x, _, axis, z, is_y, weights = _multi_margin_parts(y_pred, y_true, p, margin,
                                                       class_weight, axis)
    with np.errstate(over="ignore", invalid="ignore"):
        h = np.where(is_y, 0.0, np.maximum(z, 0.0) ** p)
        v = h.sum(axis=-1) / x.shape[-1]
    return reduce_loss(v, reduction, sample_weight=sample_weight, weights=weights)


def multi_margin_vjp(
    g: Any, y_pred: Any, y_true: Any, *, p: int = 1, margin: float = 1.0,
    class_weight: Any = None, axis: int = -1, reduction: str = "none",
    sample_weight: Any = None, grad_at_margin: float = 0.0,
) -> np.ndarray:
    """d/dx[i] = p max(0, z_i)^(p-1) / C for i != y (``grad_at_margin`` at z_i = 0 when
    p = 1; torch: 0) and d/dx[y] = -sum_i of those."""
    x, _, axis, z, is_y, weights = _multi_margin_parts(y_pred, y_true, p, margin,
                                                       class_weight, axis)
    cot, dead = reduce_vjp(g, x.shape[:-1], reduction, sample_weight=sample_weight,
                           weights=weights)
    with np.errstate(over="ignore", invalid="ignore"):
        dz = _kink(z, grad_at_margin) if p == 1 else 2.0 * np.maximum(z, 0.0)
        dz = np.where(is_y, 0.0, dz) / x.shape[-1]
        local = np.where(is_y, -dz.sum(axis=-1, keepdims=True), dz)
    return np.moveaxis(chain(cot[..., None], dead[..., None], local), -1, axis)


# --------------------------------------------------------------------------- optax


def _multiclass_parts(y_pred, y_true, axis, margin):
    x, axis = _scores(y_pred, axis)
    y = _int_targets(x, y_true)
    xy = np.take_along_axis(x, y[..., None], axis=-1)
    is_y = np.arange(x.shape[-1]) == y[..., None]
    if margin:
        z = _shifted(x, xy, margin)  # x_j + 1 - x_y
    else:
        with np.errstate(invalid="ignore"):
            z = x - xy
    z = np.where(is_y, np.where(np.isnan(xy), np.nan, 0.0), z)  # the j = y term is 0
    return x, axis, z, is_y


def multiclass_hinge(
    y_pred: Any, y_true: Any, *, axis: int = -1, reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """optax ``multiclass_hinge_loss``: max_j (s_j + 1 - [j = y]) - s_y
    = max(0, max_{j != y} (s_j - s_y + 1)) (Crammer-Singer); y_true integer labels."""
    _, _, z, _ = _multiclass_parts(y_pred, y_true, axis, 1.0)
    with np.errstate(invalid="ignore"):
        v = np.max(z, axis=-1)
    return reduce_loss(v, reduction, sample_weight=sample_weight)


def multiclass_hinge_vjp(
    g: Any, y_pred: Any, y_true: Any, *, axis: int = -1, reduction: str = "none",
    sample_weight: Any = None, ties: str = "split",
) -> np.ndarray:
    """d/dy_pred = onehot(argmax_j (s_j + 1 - [j = y])) - onehot(y); ties of the max
    (the kink) split evenly (jax ``max``) or go to the first maximiser."""
    _, axis, z, is_y = _multiclass_parts(y_pred, y_true, axis, 1.0)
    cot, dead = reduce_vjp(g, z.shape[:-1], reduction, sample_weight=sample_weight)
    local = _max_mask(z, ties) - is_y
    return np.moveaxis(chain(cot[..., None], dead[..., None], local), -1, axis)


def multiclass_perceptron(
    y_pred: Any, y_true: Any, *, axis: int = -1, reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """optax ``multiclass_perceptron_loss``: max_j s_j - s_y; y_true integer labels."""
    _, _, z, _ = _multiclass_parts(y_pred, y_true, axis, 0.0)
    with np.errstate(invalid="ignore"):
        v = np.max(z, axis=-1)
    return reduce_loss(v, reduction, sample_weight=sample_weight)


def multiclass_perceptron_vjp(
    g: Any, y_pred: Any, y_true: Any, *, axis: int = -1, reduction: str = "none",
    sample_weight: Any = None, ties: str = "split",
) -> np.ndarray:
    """d/dy_pred = onehot(argmax s) - onehot(y), ties as in multiclass_hinge_vjp."""
    _, axis, z, is_y = _multiclass_parts(y_pred, y_true, axis, 0.0)
    cot, dead = reduce_vjp(g, z.shape[:-1], reduction, sample_weight=sample_weight)
    local = _max_mask(z, ties) - is_y
    return np.moveaxis(chain(cot[..., None], dead[..., None], local), -1, axis)


# --------------------------------------------------------------------------- multilabel


def _padded_targets(x: np.ndarray, y_true: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Class indices padded with -1, y_pred's shape, as int64 (class axis last)."""
    if y_true is None:
        raise TypeError("y_true must be an array of class indices padded with -1, got None")
    y = np.asarray(y_true)
    if y.dtype.kind not in "iu":
        # floats are refused: a multi-hot 0/1 float mask would read as indices 0 and 1
        raise TypeError(
            f"y_true must hold integer class indices padded with -1 (not a multi-hot "
            f"mask), got dtype {y.dtype}"
        )
    if y.shape != shape:
        raise ValueError(f"y_true must have y_pred's shape {shape}, got {y.shape}")
    c = x.shape[-1]
    bad = (y < -1) | (y >= c)
    if np.any(bad):
        raise ValueError(
            f"y_true must lie in [0, {c}) (the number of classes) or be the padding -1, "
            f"got {np.unique(y[bad])[:5].tolist()}"
        )
    return y.astype(np.int64, copy=False)


def _multilabel_margin_parts(y_pred, y_true, axis):
    x, axis = _scores(y_pred, axis)
    y = np.moveaxis(_padded_targets(x, y_true, np.shape(y_pred)), axis, -1)
    c = x.shape[-1]
    valid = np.cumprod(y >= 0, axis=-1).astype(bool)  # positions before the first -1
    j = np.where(valid, y, 0)
    hits = valid[..., None] & (j[..., None] == np.arange(c))  # [..., position, class]
    is_target = hits.any(axis=-2)
    xj = np.take_along_axis(x, j, axis=-1)
    z = _shifted(x[..., None, :], xj[..., :, None], 1.0)  # 1 - x[j_k] + x[i], [..., k, i]
    active = valid[..., :, None] & ~is_target[..., None, :]
    return x, axis, z, active, hits


def multilabel_margin(
    y_pred: Any, y_true: Any, *, axis: int = -1, reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """torch ``multilabel_margin_loss``: for each sample,
    sum_{k < K} sum_{i not in T} max(0, 1 - (x[y_k] - x[i])) / C,
    where y_true (integer, y_pred's shape) lists the target classes y_0 .. y_{K-1}
    before the first -1, T is that set and C the number of classes. A repeated index
    counts once per occurrence; no target (y_0 = -1) or every class a target gives 0.
    Every entry, padding included, must lie in [-1, C)."""
    x, _, z, active, _ = _multilabel_margin_parts(y_pred, y_true, axis)
    with np.errstate(invalid="ignore"):
        h = np.where(active, np.maximum(z, 0.0), 0.0)
    # a sum of non-negative terms (no cancellation), accumulated in extended precision
    # and divided by C before the one rounding to float64
    v = to64(h.astype(EXT).sum(axis=(-2, -1)) / x.shape[-1])
    return reduce_loss(v, reduction, sample_weight=sample_weight)


def multilabel_margin_vjp(
    g: Any, y_pred: Any, y_true: Any, *, axis: int = -1, reduction: str = "none",
    sample_weight: Any = None, grad_at_margin: float = 0.0,
) -> np.ndarray:
    """d/dx[i] = (number of target positions k with z_ki > 0) / C for a non-target i,
    d/dx[j] = -(number of pairs (k, i) with y_k = j and z_ki > 0) / C for a target j,
    z_ki = 1 - x[y_k] + x[i]; a pair at z_ki = 0 counts ``grad_at_margin`` (torch: 0,
    its kernel tests z > 0). The counts are exact, so is the division by C."""
    x, axis, z, active, hits = _multilabel_margin_parts(y_pred, y_true, axis)
    cot, dead = reduce_vjp(g, x.shape[:-1], reduction, sample_weight=sample_weight)
    with np.errstate(invalid="ignore"):
        dz = np.where(active, _kink(z, grad_at_margin), 0.0)  # [..., k, i]
        per_class = dz.sum(axis=-2)  # + for the non-target i
        per_position = dz.sum(axis=-1)  # - for the target y_k of position k
        # scattered to each position's class with where (not a product: a NaN position
        # must not reach the other classes through NaN * 0)
        to_target = np.where(hits, per_position[..., :, None], 0.0).sum(axis=-2)
        local = (per_class - to_target) / x.shape[-1]
    return np.moveaxis(chain(cot[..., None], dead[..., None], local), -1, axis)


# ------------------------------------------------------------------ multilabel soft




def _multilabel_parts(y_pred, y_true, axis, class_weight):
    p, t = pair(y_pred, y_true)
    check_probabilities(t, "y_true")
    x, axis = _scores(p, axis)
    t = np.moveaxis(t, axis, -1)
    w = _class_weight(class_weight, x.shape[-1])
    return x, t, axis, (np.ones(x.shape[-1]) if w is None else w)


def multilabel_soft_margin(
    y_pred: Any, y_true: Any, *, axis: int = -1, class_weight: Any = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """torch ``multilabel_soft_margin_loss``: mean over classes of
    w_c (t softplus(-x) + (1 - t) softplus(x)) = -w_c (t log sigmoid(x) +
    (1 - t) log sigmoid(-x)); y_pred logits, y_true in [0, 1], one value per sample."""
    x, t, axis, w = _multilabel_parts(y_pred, y_true, axis, class_weight)
    with np.errstate(invalid="ignore", over="ignore"):
        # two non-negative terms (not softplus(x) - t x, which cancels)
        terms = w * (np.where(t == 0, 0.0, t * softplus(-x))
                     + np.where(t == 1, 0.0, (1.0 - t) * softplus(x)))
        v = terms.sum(axis=-1) / x.shape[-1]
    return reduce_loss(v, reduction, sample_weight=sample_weight)


def multilabel_soft_margin_vjp(
    g: Any, y_pred: Any, y_true: Any, *, axis: int = -1, class_weight: Any = None,
    reduction: str = "none", sample_weight: Any = None, wrt: str = "y_pred",
) -> np.ndarray:
    """d/dx_c = w_c (sigmoid(x_c) - t_c) / C; ``wrt="y_true"``: d/dt_c = -w_c x_c / C
    (softplus(-x) - softplus(x) = -x)."""
    x, t, axis, w = _multilabel_parts(y_pred, y_true, axis, class_weight)
    cot, dead = reduce_vjp(g, x.shape[:-1], reduction, sample_weight=sample_weight)
    if wrt_target(wrt):
        local = -w * x / x.shape[-1]
        return np.moveaxis(chain(cot[..., None], dead[..., None], local), -1, axis)
    with np.errstate(invalid="ignore", over="ignore"):
        # sigmoid(x) - t = (1 - t) sigmoid(x) - t sigmoid(-x): exact for t in {0, 1};
        # extended precision for soft t, where the two terms cancel
        xe = x.astype(EXT)
        diff = (1 - t) * sigmoid(xe) - t * sigmoid(-xe)
        local = w * to64(diff) / x.shape[-1]
    return np.moveaxis(chain(cot[..., None], dead[..., None], local), -1, axis)
