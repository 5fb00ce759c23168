"""Sparsemax along an axis and its VJP (private; exposed by reference.activations)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._activations_common import as_cotangent, as_input
from ._loss_common import EXT, to64
from ._special import two_prod, two_sum
from ._validate import check_axis


def _threshold(zs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tau_hi, tau_lo, k) per row of ``zs`` (rows sorted descending along the last axis,
    finite or -inf, at least one finite): k = max{j : 1 + j z_(j) > S_j}, S_j the sum of
    the j largest, tau = (S_k - 1) / k, all in double-double (S_j accumulated with
    two_sum, j z_(j) with two_prod), so tau carries ~106 bits and x - tau keeps its
    relative accuracy down to the support's edge."""
    rows = zs.shape[:-1]
    s_hi, s_lo = np.zeros(rows), np.zeros(rows)
    k = np.zeros(rows)
    sk_hi, sk_lo = np.zeros(rows), np.zeros(rows)
    for j in range(zs.shape[-1]):
        z = zs[..., j]
        finite = np.isfinite(z)
        zf = np.where(finite, z, 0.0)
        s_hi, e = two_sum(s_hi, zf)
        s_lo = s_lo + e
        p, pe = two_prod(zf, float(j + 1))
        t, e1 = two_sum(p, -s_hi)
        t2, e2 = two_sum(t, np.ones_like(t))
        inside = finite & (t2 + ((e1 + e2) + (pe - s_lo)) > 0)  # 1 + j z_(j) - S_j > 0
        k = np.where(inside, j + 1.0, k)
        sk_hi, sk_lo = np.where(inside, s_hi, sk_hi), np.where(inside, s_lo, sk_lo)
    n_hi, n_lo = two_sum(sk_hi, -np.ones_like(sk_hi))  # S_k - 1
    n_lo = n_lo + sk_lo
    k = np.maximum(k, 1.0)
    q = n_hi / k
    qk, qk_lo = two_prod(q, k)  # remainder of the division, exactly
    r = ((n_hi - qk) - qk_lo) + n_lo
    return q, r / k, k


def sparsemax(x: Any, *, axis: int = -1) -> np.ndarray:
    """Sparsemax (Martins and Astudillo 2016): the Euclidean projection of each row onto
    the probability simplex, max(x - tau, 0), tau = (sum_{j <= k} z_(j) - 1) / k with z
    sorted descending and k = max{j : 1 + j z_(j) > sum_{i <= j} z_(i)}.

    Shape: same as x; each row sums to 1 with exact zeros outside the support. -inf entries
    are 0; a row holding NaN or +inf, or only -inf, is NaN (as softmax's).
    """
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    if x.shape[ax] == 0:
        return np.zeros_like(x)
    moved = np.moveaxis(x, ax, -1)
    bad = (np.isnan(moved) | (moved == np.inf)).any(axis=-1) | (moved == -np.inf).all(axis=-1)
    safe = np.where(bad[..., None], 0.0, moved)
    zs = -np.sort(-safe, axis=-1)
    tau_hi, tau_lo, _ = _threshold(zs)
    with np.errstate(invalid="ignore"):
        d, d_lo = two_sum(safe, np.broadcast_to(-tau_hi[..., None], safe.shape))
        out = np.where(np.isfinite(safe), np.maximum(d + (d_lo - tau_lo[..., None]), 0.0), 0.0)
    out = np.where(bad[..., None], np.nan, out)
    return np.moveaxis(out, -1, ax)


def sparsemax_vjp(g: Any, x: Any, *, axis: int = -1) -> np.ndarray:
    """g J with J = diag(s) - s s^T / |S| (s the support's indicator, S = {i : p_i > 0}):
    on the support g_i - mean_S(g), 0 off it. An element exactly at the threshold (p_i = 0
    with x_i = tau) is outside S. NaN rows stay NaN."""
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    g = as_cotangent(g, x.shape)
    p = sparsemax(x, axis=ax)
    if x.shape[ax] == 0:
        return np.zeros_like(x)
    support = p > 0
    k = np.sum(support, axis=ax, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        # g_i - mean cancels where g_i is near the mean: both in extended precision, one
        # rounding (10.7 ULP on the suite's `ties` rows with the mean rounded first)
        ge = g.astype(EXT)
        mean = np.sum(np.where(support, ge, 0), axis=ax, keepdims=True) / k
        out = np.where(support, to64(ge - mean), 0.0)
    return np.where(np.isnan(p), np.nan, out)
