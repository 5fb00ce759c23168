"""Softmax-like activations along an axis and glu, with full-Jacobian VJPs (private)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._activations_common import (
    as_cotangent,
    as_input,
    div_sq,
    one_plus,
    sigmoid_pair,
    times_exp,
)
from ._loss_common import EXT, to64
from ._special import two_prod, two_sum
from ._validate import check_axis


def _parts(x: np.ndarray, axis: int, dtype: Any = np.float64) -> tuple[np.ndarray, ...]:
    """(z, e, total, others, top) for the rows of x along axis.

    z = x - max (rounded), e = exp(x - max) with the shift's rounding error folded back in
    (x - max is carried exactly as hi + lo: without it exp(x - max) is off by |x - max| ULP),
    total = sum(e), others[i] = sum_{j != i} e_j (= total * (1 - softmax_i), summed directly
    for the row's argmax so 1 - s never cancels), top = the argmax mask. ``dtype``: e,
    total and others in that type (EXT for the VJPs).
    """
    if x.shape[axis] == 0:
        zero = np.zeros_like(x)
        return zero, zero, np.zeros_like(np.sum(x, axis=axis, keepdims=True)), zero, zero > 0
    m = np.max(x, axis=axis, keepdims=True)
    m_safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        z, z_lo = two_sum(x, np.broadcast_to(-m_safe, x.shape))
        z_lo = np.where(np.isfinite(z_lo), z_lo, 0.0)
        e0 = np.exp(z.astype(dtype))
        e = e0 + e0 * z_lo
        total = np.sum(e, axis=axis, keepdims=True)
        top_idx = np.expand_dims(np.argmax(x, axis=axis), axis)
        top = np.zeros(x.shape, dtype=bool)
        np.put_along_axis(top, top_idx, True, axis=axis)
        rest = np.sum(np.where(top, 0.0, e), axis=axis, keepdims=True)
        others = np.where(top, rest, total - e)
    return z, e, total, others, top


def _drop_self(v: np.ndarray, total: np.ndarray, top: np.ndarray, axis: int) -> np.ndarray:
    """sum_{j != i} v_j for every i: total - v_i, but summed directly at the argmax."""
    with np.errstate(invalid="ignore"):
        rest = np.sum(np.where(top, 0.0, v), axis=axis, keepdims=True)
        return np.where(top, rest, total - v)


def softmax(x: Any, *, axis: int = -1) -> np.ndarray:
    """exp(x_i - m) / sum_j exp(x_j - m) along ``axis`` (m = max, so nothing overflows).

    Shape: same as x. A row holding +inf gives NaN (inf - inf); a row of -inf is NaN (0/0);
    NaN anywhere in a row makes the whole row NaN.
    """
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    _, e, total, _, _ = _parts(x, ax)
    with np.errstate(invalid="ignore", divide="ignore"):
        return e / total


def softmax_vjp(g: Any, x: Any, *, axis: int = -1) -> np.ndarray:
    """Full Jacobian product: s * (g - sum(g * s, axis)) — not the diagonal s(1 - s) alone.

    The difference g_i - sum_j g_j s_j cancels where g_i is near the weighted mean (many
    classes, or cotangents that are nearly constant): it is formed centred on c = g at the
    row's argmax, as (g_i - c) - sum_j e_j (g_j - c) / sum_j e_j, in extended precision
    (EXT) and rounded once. The centring removes c exactly (sum_j e_j / sum_j e_j = 1 for
    any rounding of the sum), so the error is relative to |g - c|, not |g|: cotangents
    equal to 1e-6 gave 2.6e3 ULP uncentred, 130 ULP in float64 on the suite's many_classes
    rows. The argmax's own term is then -sum_{j != top} e_j (g_j - c) / sum e: 1 - s_top
    never appears. Rows with a non-finite g or x: s_i (g_i (1 - s_i) - sum_{j != i} g_j s_j).
    """
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    _, e, total, others, top = _parts(x, ax, EXT)
    g = as_cotangent(g, x.shape).astype(EXT)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        s = e / total
        gs = g * s
        rest = _drop_self(gs, np.sum(gs, axis=ax, keepdims=True), top, ax)
        plain = s * (g * (others / total) - rest)
        c = np.sum(np.where(top, g, 0), axis=ax, keepdims=True)
        h = g - c  # exact where g_j is near c (Sterbenz, in EXT)
        centred = s * (h - np.sum(np.where(top, 0, e * h), axis=ax, keepdims=True) / total)
        finite = (np.all(np.isfinite(g), axis=ax, keepdims=True)
                  & np.all(np.isfinite(x), axis=ax, keepdims=True))
        return to64(np.where(finite, centred, plain))


def log_softmax(x: Any, *, axis: int = -1) -> np.ndarray:
    """x_i - logsumexp(x) along axis, as (x_i - m) - log(sum exp(x_j - m)). Shape of x.

    The log of the sum is log1p(sum of the non-max terms) (no digits lost when one class
    dominates); x_i - m is carried exactly.
    """
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    if x.shape[ax] == 0:
        return x.copy()
    m = np.max(x, axis=ax, keepdims=True)
    m_safe = np.where(np.isfinite(m), m, 0.0)
    _, _e, _, others, top = _parts(x, ax)
    rest = np.sum(np.where(top, others, 0.0), axis=ax, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        z, z_lo = two_sum(x, np.broadcast_to(-m_safe, x.shape))
        lse = np.log1p(rest)
        # NaN or +inf anywhere in the row, or a row of -inf: the whole row is NaN (as softmax)
        lse = np.where(np.isnan(m) | np.isinf(m), np.nan, lse)
        return z - lse + np.where(np.isfinite(z_lo), z_lo, 0.0)


def log_softmax_vjp(g: Any, x: Any, *, axis: int = -1) -> np.ndarray:
    """g - softmax(x) * sum(g, axis), as g_i (1 - s_i) - s_i sum_{j != i} g_j, in extended
    precision (EXT) and rounded once: the difference cancels where g_i ~ s_i sum_j g_j."""
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    _, e, total, others, top = _parts(x, ax, EXT)
    g = as_cotangent(g, x.shape).astype(EXT)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = e / total
        rest = _drop_self(g, np.sum(g, axis=ax, keepdims=True), top, ax)
        return to64(g * (others / total) - s * rest)


def softmin(x: Any, *, axis: int = -1) -> np.ndarray:
    """softmax(-x) along axis (torch F.softmin)."""
    return softmax(-as_input(x), axis=axis)


def softmin_vjp(g: Any, x: Any, *, axis: int = -1) -> np.ndarray:
    """-softmax_vjp(g, -x)."""
    return -softmax_vjp(g, -as_input(x), axis=axis)


def logsumexp(x: Any, *, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """log(sum(exp(x), axis)) = m + log1p(sum_{j != argmax} exp(x_j - m)), m = row max.

    Shape: x's shape without ``axis`` (kept as size 1 with keepdims). Rows of -inf give -inf;
    a row holding +inf gives +inf; NaN propagates. An empty axis gives -inf.
    """
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    if x.shape[ax] == 0:
        out = np.full((*x.shape[:ax], 1, *x.shape[ax + 1:]), -np.inf)
        return out if keepdims else np.squeeze(out, axis=ax)
    m = np.max(x, axis=ax, keepdims=True)
    _, _, _, others, top = _parts(x, ax)
    rest = np.sum(np.where(top, others, 0.0), axis=ax, keepdims=True)
    with np.errstate(invalid="ignore"):
        out = np.where(np.isinf(m), m, m + np.log1p(rest))  # all -inf -> -inf; +inf -> +inf
    return out if keepdims else np.squeeze(out, axis=ax)


def logsumexp_vjp(g: Any, x: Any, *, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """g (broadcast back along axis) * softmax(x, axis)."""
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    s = softmax(x, axis=ax)
    out_shape = (*x.shape[:ax], 1, *x.shape[ax + 1:])
    g = np.asarray(as_cotangent(g, out_shape if keepdims else out_shape[:ax] + out_shape[ax + 1:]))
    if not keepdims:
        g = np.expand_dims(g, ax)
    return g * s


def _halves(x: Any, axis: int) -> tuple[np.ndarray, np.ndarray, int]:
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    if x.shape[ax] % 2:
        raise ValueError(
            f"x must have an even size along axis={axis} for glu, got shape {x.shape}"
        )
    a, b = np.split(x, 2, axis=ax)
    return a, b, ax


def glu(x: Any, *, axis: int = -1) -> np.ndarray:
    """Gated linear unit: a * sigmoid(b), where (a, b) = x split in two halves along axis.

    Shape: x's shape with ``axis`` halved (ValueError naming x when its size there is odd).
    """
    a, b, _ = _halves(x, axis)
    s, _ = sigmoid_pair(b)
    with np.errstate(invalid="ignore"):
        out = a * s
    # b < -600: sigmoid(b) = e^b is subnormal; a e^b rounded once instead
    tail = times_exp(np.where(np.isfinite(a), a, 0.0), np.where(b < -600, b, -700.0))
    return np.where((b < -600) & np.isfinite(a), tail, out)


def glu_vjp(g: Any, x: Any, *, axis: int = -1) -> np.ndarray:
    """Full VJP w.r.t. x: concat(g sigmoid(b), g a sigmoid(b) sigmoid(-b)) along axis."""
    a, b, ax = _halves(x, axis)
    g = as_cotangent(g, a.shape)
    s, _ = sigmoid_pair(b)
    e = np.exp(-np.abs(b))
    ssm = div_sq(e, 0.0, *one_plus(e))  # sigmoid(b) sigmoid(-b) = e / (1 + e)^2, e = exp(-|b|)
    fin = np.isfinite(a) & np.isfinite(g)
    ga, ga_lo = two_prod(np.where(fin, g, 0.0), np.where(fin, a, 0.0))
    with np.errstate(invalid="ignore"):
        da = g * s
        db = np.where(fin, ga * ssm + ga_lo * ssm, g * a * ssm)
    # b < -600: s = e^b, s * sm = e^b (subnormal): products rounded once
    low = (b < -600) & np.isfinite(a)
    bb = np.where(low, b, -700.0)
    da = np.where(low, times_exp(np.asarray(g, dtype=np.float64), bb), da)
    db = np.where(low, times_exp(np.where(low, g * a, 0.0), bb), db)
    return np.concatenate([da, db], axis=ax)


def logmeanexp(x: Any, *, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """log(mean(exp(x), axis)) = logsumexp(x, axis) - log(n) (``jax.nn.logmeanexp``).

    Shape: as logsumexp. An empty axis is NaN (log 0 - log 0); rows of -inf give -inf, a row
    holding +inf gives +inf, NaN propagates. With m the row max and r = sum_{j != argmax}
    exp(x_j - m): m + log1p(s / n), s = sum_{j != argmax} expm1(x_j - m), where the mean
    (1 + r) / n is at least 1/2 (the n - 1 ones of r cancel exactly there, expm1 keeps what
    is left); else m + (log1p(r) - log n), a difference of at least log 2. The last
    addition rounds once: where m and log(mean) nearly cancel (|result| << |m|) the error
    is about |m| / |result| ULP of the result, as for logsumexp.
    """
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    n = x.shape[ax]
    if n == 0:
        out = np.full((*x.shape[:ax], 1, *x.shape[ax + 1:]), np.nan)
        return out if keepdims else np.squeeze(out, axis=ax)
    m = np.max(x, axis=ax, keepdims=True)
    z, _, _, others, top = _parts(x, ax)
    rest = np.sum(np.where(top, others, 0.0), axis=ax, keepdims=True)
    with np.errstate(invalid="ignore", over="ignore"):
        s = np.sum(np.where(top, 0.0, np.expm1(z)), axis=ax, keepdims=True)
        close = m + np.log1p(s / n)  # mean >= 1/2: no cancellation left in s
        spread = m + (np.log1p(rest) - np.log(n))
        out = np.where((1.0 + rest) >= n / 2.0, close, spread)
        out = np.where(np.isinf(m), m, out)  # all -inf -> -inf; +inf -> +inf
    return out if keepdims else np.squeeze(out, axis=ax)


def logmeanexp_vjp(g: Any, x: Any, *, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """g (broadcast back along axis) * softmax(x, axis): log n is a constant."""
    return logsumexp_vjp(g, x, axis=axis, keepdims=keepdims)
