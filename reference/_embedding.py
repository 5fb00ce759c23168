"""Pair and triplet embedding losses: two or three inputs per sample and a ±1 target.

* :func:`margin_ranking`: max(0, -y (x1 - x2) + margin), elementwise (torch
  ``margin_ranking_loss``);
* :func:`cosine_embedding`: 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin)
  where y = -1, one value per row of the last axis (torch ``cosine_embedding_loss``);
* :func:`triplet_margin`: max(0, margin + d(a, p) - d(a, n)) with an L_p distance over the
  last axis (torch ``triplet_margin_loss``, optax ``triplet_margin_loss``).

Each VJP is w.r.t. the first input (x1, the anchor). Subgradients at the hinge are the
keyword ``grad_at_margin``: the fraction of the active side's gradient taken exactly at
z = 0 (torch's ``clamp_min`` passes it: 1; ``jnp.maximum`` splits the tie: 0.5).
Registered in :mod:`reference.margin`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._loss_common import EXT, signed_labels, to64, two_diff
from ._margin_multiclass import _kink  # 1 above 0, grad_at_margin at 0, NaN for NaN
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._validate import as_float64, check_choice, check_finite_scalar, check_same_shape

EPS_MODES = ("difference", "sum")


def _pm1(y: Any, shape: tuple[int, ...], name: str = "y_true") -> np.ndarray:
    t = as_float64(y, name)
    if t.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {t.shape}")
    return signed_labels(t, "pm1", name)


def _rows(*named: tuple[Any, str]) -> list[np.ndarray]:
    """Float64 arrays of one shape with at least one axis (the last is the feature axis)."""
    arrays = [as_float64(x, name) for x, name in named]
    first, first_name = arrays[0], named[0][1]
    for arr, (_, name) in zip(arrays[1:], named[1:], strict=True):
        check_same_shape(first, arr, first_name, name)
    if first.ndim == 0:
        raise ValueError(f"{first_name} must have a feature axis (at least 1 dimension), "
                         "got a scalar")
    return arrays


# ------------------------------------------------------------------------ margin ranking


def _ranking_z(x1: Any, x2: Any, y_true: Any, margin: float) -> np.ndarray:
    a = as_float64(x1, "x1")
    b = as_float64(x2, "x2")
    check_same_shape(a, b, "x1", "x2")
    t = _pm1(y_true, a.shape)
    # z = y (x2 - x1) + margin from the exact difference (TwoSum) and one exact sum:
    # no cancellation error where the ranking margin is nearly met.
    d, e = two_diff(b, a)
    s, e2 = two_diff(t * d, -margin)
    with np.errstate(invalid="ignore"):
        return s + (e2 + t * e)


def margin_ranking(
    x1: Any, x2: Any, y_true: Any, *, margin: float = 0.0, reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """max(0, -y (x1 - x2) + margin), elementwise; y = 1 asks x1 to rank above x2.

    torch ``margin_ranking_loss`` (margin=0.0, reduction="mean": over every element).
    y_true must be -1 or 1.
    """
    margin = check_finite_scalar(margin, "margin")
    z = _ranking_z(x1, x2, y_true, margin)
    return reduce_loss(np.maximum(z, 0.0), reduction, sample_weight=sample_weight)


def margin_ranking_vjp(
    g: Any, x1: Any, x2: Any, y_true: Any, *, margin: float = 0.0, reduction: str = "none",
    sample_weight: Any = None, grad_at_margin: float = 0.0, wrt: str = "x1",
) -> np.ndarray:
    """d/dx1 = -y where z = -y (x1 - x2) + margin > 0, -y ``grad_at_margin`` at z = 0;
    d/dx2 = -d/dx1 (``wrt="x2"``)."""
    side = {"x1": -1.0, "x2": 1.0}[check_choice(wrt, "wrt", ("x1", "x2"))]
    margin = check_finite_scalar(margin, "margin")
    grad_at_margin = check_finite_scalar(grad_at_margin, "grad_at_margin")
    z = _ranking_z(x1, x2, y_true, margin)
    t = as_float64(y_true, "y_true")
    cot, dead = reduce_vjp(g, z.shape, reduction, sample_weight=sample_weight)
    return chain(cot, dead, side * t * _kink(z, grad_at_margin))


# ------------------------------------------------------------------------ cosine embedding


def _cosine_parts(x1: Any, x2: Any, y_true: Any, eps: float) -> tuple[np.ndarray, ...]:
    """(x, y, t, minors x_i y_j - x_j y_i, A, r, cos, 1 - cos), extended precision."""
    x, y = _rows((x1, "x1"), (x2, "x2"))
    t = _pm1(y_true, x.shape[:-1])
    xe, ye = x.astype(EXT), y.astype(EXT)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        sxx = np.sum(xe * xe, axis=-1)
        syy = np.sum(ye * ye, axis=-1)
        sxy = np.sum(xe * ye, axis=-1)
        a, b = sxx + eps, syy + eps
        r = np.sqrt(a * b)
        cos = sxy / r
        # 1 - cos without cancellation where cos -> 1: AB - sxy^2 = sum_{i<j} (x_i y_j -
        # x_j y_i)^2 + eps (sxx + syy) + eps^2 (Lagrange's identity), over r (r + sxy).
        minors = xe[..., :, None] * ye[..., None, :] - xe[..., None, :] * ye[..., :, None]
        gap = np.sum(minors * minors, axis=(-2, -1)) / 2 + eps * (sxx + syy) + eps * eps
        one_minus = np.where(sxy > 0, gap / (r * (r + sxy)), 1 - cos)
    return xe, ye, t, minors, a, r, cos, one_minus


def _cosine_eps(eps: float) -> float:
    return check_finite_scalar(eps, "eps", low=0.0)


def cosine_embedding(
    x1: Any, x2: Any, y_true: Any, *, margin: float = 0.0, eps: float = 1e-12,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """1 - cos where y = 1, max(0, cos - margin) where y = -1, per row of the last axis,
    with cos = x1.x2 / sqrt((|x1|^2 + eps)(|x2|^2 + eps)).

    torch ``cosine_embedding_loss`` (margin=0.0; eps=1e-12 is ATen's EPSILON added to each
    squared norm, aten/src/ATen/native/Loss.cpp). y_true (one per row) must be -1 or 1.
    """
    margin = check_finite_scalar(margin, "margin")
    eps = _cosine_eps(eps)
    _, _, t, _, _, _, cos, one_minus = _cosine_parts(x1, x2, y_true, eps)
    with np.errstate(invalid="ignore"):
        v = np.where(t == 1, one_minus, np.maximum(cos - margin, 0))
    v = np.where(np.isnan(t), np.nan, to64(v))
    return reduce_loss(v, reduction, sample_weight=sample_weight)


def cosine_embedding_vjp(
    g: Any, x1: Any, x2: Any, y_true: Any, *, margin: float = 0.0, eps: float = 1e-12,
    reduction: str = "none", sample_weight: Any = None, grad_at_margin: float = 0.0,
    wrt: str = "x1",
) -> np.ndarray:
    """d cos / dx1 = (x2 - (x1.x2 / A) x1) / sqrt(A B) with A = |x1|^2 + eps, B = |x2|^2
    + eps; the loss takes -d cos where y = 1 and d cos where y = -1 and cos > margin
    (``grad_at_margin`` of it at cos = margin). Accurate to a few ULP of the row's
    gradient scale; a component that cancels to ~1e-3 of that scale (nearly parallel
    vectors) is accurate to ~1e-17 of the scale, not to its own last bits. ``wrt="x2"``:
    the loss is symmetric in x1 and x2 (eps on each squared norm), so d/dx2 is the same
    formula with the two swapped."""
    if check_choice(wrt, "wrt", ("x1", "x2")) == "x2":
        x1, x2 = x2, x1
    margin = check_finite_scalar(margin, "margin")
    eps = _cosine_eps(eps)
    grad_at_margin = check_finite_scalar(grad_at_margin, "grad_at_margin")
    xe, ye, t, minors, a, r, cos, _ = _cosine_parts(x1, x2, y_true, eps)
    cot, dead = reduce_vjp(g, t.shape, reduction, sample_weight=sample_weight)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # y_i A - (x.y) x_i = eps y_i - sum_j x_j (x_i y_j - x_j y_i): from the minors, no
        # cancellation between y A and (x.y) x where the vectors are nearly parallel
        num = eps * ye - np.sum(minors * xe[..., None, :], axis=-1)
        dcos = num / (a * r)[..., None]
        z = to64(cos - margin)
    side = np.where(t == 1, -1.0, np.where(t == -1, _kink(z, grad_at_margin), np.nan))
    with np.errstate(invalid="ignore", over="ignore"):
        local = to64(side[..., None] * dcos)
    return chain(cot[..., None], dead[..., None], local)


# ------------------------------------------------------------------------ triplet margin


def _norm_degree(p: float, eps_mode: str) -> float:
    check_choice(eps_mode, "eps_mode", EPS_MODES)
    return check_finite_scalar(p, "p", low=1.0)


def _distance(u: np.ndarray, v: np.ndarray, p: float, eps: float, eps_mode: str
              ) -> tuple[np.ndarray, np.ndarray]:
    """(d, dd/du) per row, in extended precision: eps_mode="difference" is torch's
    ``pairwise_distance``, ||u - v + eps||_p; eps_mode="sum" is optax's (sum |u - v|^p +
    eps)^(1/p). The gradient of a zero norm is 0 (torch's ``vector_norm`` backward)."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore", under="ignore"):
        w = u.astype(EXT) - v.astype(EXT)
        if eps_mode == "difference":
            w = w + eps
        aw = np.abs(w)
        if p == 1.0:
            s = np.sum(aw, axis=-1)
            d = s + eps if eps_mode == "sum" else s
            return d, np.sign(w)
        if p == 2.0:
            s = np.sum(w * w, axis=-1)
        else:
            s = np.sum(aw ** p, axis=-1)
        if eps_mode == "sum":
            s = s + eps
        # the root's exponent 1/p in extended precision too: 1/3 rounded to float64 moves
        # a cube root by ~1e-16 relative
        d = np.sqrt(s) if p == 2.0 else s ** (EXT(1) / EXT(p))
        # d ||w||_p / dw = sign(w) |w|^(p-1) / d^(p-1); 0 where d = 0
        grad = np.sign(w) * aw ** (p - 1) / (d ** (p - 1))[..., None]
        grad = np.where((d == 0)[..., None], 0.0, grad)
    return d, grad


def _triplet_parts(anchor: Any, positive: Any, negative: Any, margin: float, p: float,
                   eps: float, eps_mode: str, swap: bool) -> tuple[np.ndarray, ...]:
    a, pos, neg = _rows((anchor, "anchor"), (positive, "positive"), (negative, "negative"))
    if not isinstance(swap, (bool, np.bool_)):
        raise TypeError(f"swap must be a bool, got {swap!r}")
    d_pos, g_pos = _distance(a, pos, p, eps, eps_mode)
    d_neg, g_neg = _distance(a, neg, p, eps, eps_mode)
    d_swap, g_swap = _distance(pos, neg, p, eps, eps_mode) if swap else (d_neg, g_neg)
    with np.errstate(invalid="ignore"):
        z = margin + d_pos - np.minimum(d_neg, d_swap)
    return z, d_neg, d_swap, g_pos, g_neg, g_swap


def _triplet_args(margin: float, p: float, eps: float, eps_mode: str) -> tuple[float, float, float]:
    margin = check_finite_scalar(margin, "margin")
    p = _norm_degree(p, eps_mode)
    eps = check_finite_scalar(eps, "eps", low=0.0)
    return margin, p, eps


def triplet_margin(
    anchor: Any, positive: Any, negative: Any, *, margin: float = 1.0, p: float = 2.0,
    eps: float = 1e-6, eps_mode: str = "difference", swap: bool = False,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """max(0, margin + d(a, p) - d(a, n)) per row of the last axis, d an L_p distance.

    eps_mode="difference": d(u, v) = ||u - v + eps||_p (torch ``triplet_margin_loss``,
    ``pairwise_distance``: margin=1, p=2, eps=1e-6). eps_mode="sum": d(u, v) = (sum |u -
    v|^p + eps)^(1/p) (optax ``triplet_margin_loss``). swap=True replaces d(a, n) by
    min(d(a, n), d(p, n)) (Balntas et al. 2016). p >= 1.
    """
    margin, p, eps = _triplet_args(margin, p, eps, eps_mode)
    z = _triplet_parts(anchor, positive, negative, margin, p, eps, eps_mode, swap)[0]
    return reduce_loss(np.maximum(to64(z), 0.0), reduction, sample_weight=sample_weight)


def triplet_margin_vjp(
    g: Any, anchor: Any, positive: Any, negative: Any, *, margin: float = 1.0, p: float = 2.0,
    eps: float = 1e-6, eps_mode: str = "difference", swap: bool = False,
    reduction: str = "none", sample_weight: Any = None, grad_at_margin: float = 0.0,
    grad_at_swap_tie: float = 0.5, wrt: str = "anchor",
) -> np.ndarray:
    """d/da = [z > 0] (dd(a, p)/da - s dd(a, n)/da), s = 1 unless swap=True and d(p, n) <
    d(a, n) (s = 0; ``grad_at_swap_tie`` where they are equal: torch.minimum splits a tie).
    ``grad_at_margin`` at z = 0. With D(u, v) = dd(u, v)/du (d depends on u - v, so
    dd(u, v)/dv = -D(u, v)): ``wrt="positive"``: [z > 0] (-D(a, p) - (1 - s) D(p, n));
    ``wrt="negative"``: [z > 0] (s D(a, n) + (1 - s) D(p, n))."""
    check_choice(wrt, "wrt", ("anchor", "positive", "negative"))
    margin, p, eps = _triplet_args(margin, p, eps, eps_mode)
    grad_at_margin = check_finite_scalar(grad_at_margin, "grad_at_margin")
    grad_at_swap_tie = check_finite_scalar(grad_at_swap_tie, "grad_at_swap_tie")
    z, d_neg, d_swap, g_pos, g_neg, g_swap = _triplet_parts(anchor, positive, negative, margin,
                                                            p, eps, eps_mode, swap)
    cot, dead = reduce_vjp(g, z.shape, reduction, sample_weight=sample_weight)
    s = np.ones(z.shape)
    if swap:  # d(a, n) is kept where it is the smaller; a tie splits as torch.minimum does
        s = np.where(d_neg < d_swap, 1.0, np.where(d_neg == d_swap, grad_at_swap_tie, 0.0))
    s = s[..., None]
    with np.errstate(invalid="ignore", over="ignore"):
        inner = {"anchor": lambda: g_pos - s * g_neg,
                 "positive": lambda: -g_pos - (1 - s) * g_swap,
                 "negative": lambda: s * g_neg + (1 - s) * g_swap}[wrt]()
        local = _kink(to64(z), grad_at_margin)[..., None] * to64(inner)
    return chain(cot[..., None], dead[..., None], local)
