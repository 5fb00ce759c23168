"""Cosine distance 1 - cos(x, y), and ``unit_cosine_distance``, the unnormalised 1 - x.y of
tf.compat.v1.losses.cosine_distance (which assumes unit vectors); registered in
``regression.py``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._loss_common import EXT, to64
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._regression_more import (
    _cosine_core,
    _cosine_inputs,
    _cosine_parts,
    _out_shape,
    cosine_similarity_vjp,
)
from ._special import two_prod
from ._validate import wrt_target


def _one_minus_cos(x: np.ndarray, y: np.ndarray, axis: int, eps: float | None,
                   eps_mode: str) -> np.ndarray:
    """1 - cos per row. Where cos > 0 and no norm is clamped, Lagrange's identity
    |x|^2 |y|^2 - (x.y)^2 = sum_{i<j} (x_i y_j - x_j y_i)^2 gives 1 - cos =
    G / (r (r + x.y)), r = |x| |y|, without the cancellation of 1 - cos near cos = 1;
    the minors are exact-then-rounded (TwoProduct), on the rows scaled by powers of 2."""
    _, _, finite, xs, ys, _, _, sxy, sxx, syy = _cosine_parts(x, y, axis)
    *_, cx, cy, c = _cosine_core(x, y, axis, eps, eps_mode)
    with np.errstate(all="ignore"):
        ph, pl = two_prod(xs[:, :, None], ys[:, None, :])  # x_i y_j = ph + pl exactly
        ph, pl = ph.astype(EXT), pl.astype(EXT)  # the rest in extended precision
        minors = (ph - np.swapaxes(ph, 1, 2)) + (pl - np.swapaxes(pl, 1, 2))
        i, j = np.triu_indices(xs.shape[1], 1)
        upper = minors[:, i, j]
        g = np.sum(upper * upper, axis=1)
        r = np.sqrt(sxx.astype(EXT) * syy.astype(EXT))
        lagrange = to64(g / (r * (r + sxy.astype(EXT))))
        use = finite & (sxy > 0) & ~(cx | cy)
        return np.where(use, lagrange, 1.0 - c)


def _one_minus_dot(x: np.ndarray, y: np.ndarray, axis: int) -> np.ndarray:
    """1 - sum(x * y) per row, correctly rounded: exact products of the rows scaled by
    powers of 2 (TwoProduct), scaled back and summed with the 1 by math.fsum."""
    _, _, finite, xs, ys, kx, ky, _, _, _ = _cosine_parts(x, y, axis)
    xr = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
    yr = np.moveaxis(y, axis, -1).reshape(-1, y.shape[axis])
    with np.errstate(all="ignore"):
        ph, pl = two_prod(xs, ys)
        k = (kx + ky)[:, None]
        parts = -np.concatenate([np.ldexp(ph, k), np.ldexp(pl, k)], axis=1)
        naive = 1.0 - np.sum(xr * yr, axis=1)
    ok = finite & np.all(np.isfinite(parts), axis=1)
    exact = np.array([math.fsum([1.0, *row]) if good else 0.0
                      for row, good in zip(parts, ok, strict=True)], dtype=np.float64)
    return np.where(ok, exact, naive)


def _shape(x: np.ndarray, axis: int, keepdims: bool) -> tuple[int, ...]:
    return tuple(1 if i == axis else n for i, n in enumerate(x.shape)) if keepdims \
        else _out_shape(x, axis)


def cosine_distance(
    y_pred: Any, y_true: Any, *, axis: int = -1, eps: float | None = None,
    eps_mode: str = "separate", reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """1 - cos(x, y) along ``axis`` (x = y_pred), one value per sample, cos as in
    ``cosine_similarity`` (same ``eps``/``eps_mode`` conventions: optax
    ``cosine_distance(epsilon=e)`` is eps = sqrt(e), eps_mode "separate"; epsilon=0 is
    eps=None, NaN for a zero vector). Evaluated through Lagrange's identity where cos > 0,
    so it keeps its relative accuracy near parallel vectors."""
    x, y, axis, eps = _cosine_inputs(y_pred, y_true, axis, eps, eps_mode)
    values = _one_minus_cos(x, y, axis, eps, eps_mode).reshape(_out_shape(x, axis))
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def cosine_distance_vjp(
    g: Any, y_pred: Any, y_true: Any, *, axis: int = -1, eps: float | None = None,
    eps_mode: str = "separate", reduction: str = "none", sample_weight: Any = None,
    wrt: str = "y_pred",
) -> np.ndarray:
    """-d cos/dx (cosine_similarity_vjp with negate=True; its clamp rules). ``wrt="y_true"``:
    cos is symmetric in x and y, so d/dy is the same with the two swapped."""
    if wrt_target(wrt):
        y_pred, y_true = y_true, y_pred
    return cosine_similarity_vjp(g, y_pred, y_true, axis=axis, eps=eps, eps_mode=eps_mode,
                                 negate=True, reduction=reduction, sample_weight=sample_weight)


def unit_cosine_distance(
    y_pred: Any, y_true: Any, *, axis: int = -1, keepdims: bool = False,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """1 - sum(x * y) along ``axis``, no normalisation: tf.compat.v1.losses.cosine_distance,
    which assumes unit vectors (on them it equals ``cosine_distance``). Correctly rounded.
    ``keepdims``: keep ``axis`` with size 1 (TF v1's per-sample shape)."""
    x, y, axis, _ = _cosine_inputs(y_pred, y_true, axis, None, "separate")
    values = _one_minus_dot(x, y, axis).reshape(_shape(x, axis, keepdims))
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def unit_cosine_distance_vjp(
    g: Any, y_pred: Any, y_true: Any, *, axis: int = -1, keepdims: bool = False,
    reduction: str = "none", sample_weight: Any = None, wrt: str = "y_pred",
) -> np.ndarray:
    """-y times each sample's cotangent (``wrt="y_true"``: -x)."""
    if wrt_target(wrt):
        y_pred, y_true = y_true, y_pred
    x, y, axis, _ = _cosine_inputs(y_pred, y_true, axis, None, "separate")
    cot, dead = reduce_vjp(g, _shape(x, axis, keepdims), reduction,
                           sample_weight=sample_weight)
    if not keepdims:
        cot, dead = np.expand_dims(cot, axis), np.expand_dims(dead, axis)
    return chain(cot, dead, -y)
