"""Private kernels for distributions normalised along an axis (``normalize=True`` of the
divergences): the difference of two normalised distributions and the centred logarithm,
both accurate where they cancel, and the normalisation's VJP in extended precision.

With P = p / S (S = sum p) the rounded quotients P_i carry 1.1e-16 relative error each.
Anything that subtracts two of them, or two logs of them, loses that error times the
cancellation: P_i - Q_i of two near-equal distributions (1e6 ULP on rows 1e-6 apart) and
log P_i - sum_j P_j log P_j of a row with equal entries (exactly 0 for a uniform row) are
formed here from p, q and their exact sums instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._loss_common import EXT, exact_sums, to64

# Veltkamp's splitter for EXT: a float64 splits into two halves of at most 32 significant
# bits, so the product of two halves is exact in a 64-bit significand (x86-64's long
# double; wider ones too). Not _special.two_prod: its float64 error terms underflow for
# subnormal entries and overflow above ~1e290, where EXT's exponent range does neither. Where long double is float64 the products round and the
# results below are only as accurate as float64 arithmetic.
_SPLIT = EXT(2**32 + 1)
# Cancellation (|terms| / |result|) beyond which centred_log recomputes a lane pairwise.
_REFINE = 2.0**8
_BLOCK = 1 << 20  # elements per block of the pairwise recomputation


def _rows(x: np.ndarray, ax: int) -> np.ndarray:
    return np.moveaxis(x, ax, -1)


def _clean_rows(*xs: np.ndarray) -> np.ndarray:
    """Rows (last axis, keepdims) where every entry is finite and every sum is positive."""
    ok = np.ones((*xs[0].shape[:-1], 1), dtype=bool)
    for x in xs:
        ok &= np.isfinite(x).all(axis=-1, keepdims=True) & (x.sum(axis=-1, keepdims=True) > 0)
    return ok


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x = hi + lo exactly, each with at most 32 significant bits (x float64, in EXT)."""
    c = _SPLIT * x
    hi = c - (c - x)
    return hi, x - hi


def _sum_ext(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hi, lo) of the exact sum over the last axis (keepdims), as EXT."""
    hi, lo = exact_sums(x)
    return hi[..., None].astype(EXT), lo[..., None].astype(EXT)


def exact_dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """sum_i x_i y_i over the last axis of float64 ``x``, ``y``, exact, rounded once to EXT:
    each product as four exact products of halves, each of those as two float64s, all
    summed by math.fsum (no cancellation among the products costs anything). Products
    below float64's range lose their low parts."""
    x1, x2 = _split(x.astype(EXT))
    y1, y2 = _split(y.astype(EXT))
    parts = np.concatenate([x1 * y1, x1 * y2, x2 * y1, x2 * y2], axis=-1)
    hi = parts.astype(np.float64)
    with np.errstate(invalid="ignore"):
        lo = (parts - hi).astype(np.float64)
    s_hi, s_lo = exact_sums(np.concatenate([hi, lo], axis=-1))
    return s_hi.astype(EXT) + s_lo.astype(EXT)


def normalized_difference(a: np.ndarray, b: np.ndarray, ax: int) -> np.ndarray:
    """a / A - b / B (A, B the sums along ``ax``) in EXT, accurate where the two cancel.

    = (a_i B - b_i A) / (A B), with A and B exact (hi + lo) and the products a_i B_hi,
    b_i A_hi exact as sums of products of halves: their leading parts differ exactly
    (Sterbenz) where they are close, so the difference keeps its relative accuracy however
    near a / A and b / B are (the plain quotients lose 1e-16 / |a/A - b/B| relative).
    Rows with a non-finite entry or a zero sum: the plain quotients' difference.
    """
    al, bl = _rows(a, ax), _rows(b, ax)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        plain = al.astype(EXT) / al.sum(-1, keepdims=True) - bl.astype(EXT) / bl.sum(-1, keepdims=True)
    ok = _clean_rows(al, bl)
    ae, be = np.where(ok, al, 0.0).astype(EXT), np.where(ok, bl, 0.0).astype(EXT)
    a_hi, a_lo = _sum_ext(np.where(ok, al, 1.0))
    b_hi, b_lo = _sum_ext(np.where(ok, bl, 1.0))
    a1, a2 = _split(ae)
    b1, b2 = _split(be)
    sa1, sa2 = _split(a_hi)
    sb1, sb2 = _split(b_hi)
    # a_i B_hi - b_i A_hi: the leading products are exact and subtract exactly when close
    lead = a1 * sb1 - b1 * sa1
    rest = (a1 * sb2 + a2 * sb1 + a2 * sb2) - (b1 * sa2 + b2 * sa1 + b2 * sa2)
    num = lead + (rest + (ae * b_lo - be * a_lo))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        exact = num / ((a_hi + a_lo) * (b_hi + b_lo))
    return np.moveaxis(np.where(ok, exact, plain), -1, ax)


def sum_ext(p: np.ndarray, ax: int) -> np.ndarray:
    """The exact sum of float64 ``p`` along ``ax`` (keepdims), rounded to EXT; the plain sum
    where it is not finite."""
    pl = _rows(p, ax)
    hi, lo = _sum_ext(np.where(np.isfinite(pl), pl, 0.0))
    with np.errstate(invalid="ignore", over="ignore"):
        plain = pl.sum(axis=-1, keepdims=True).astype(EXT)
    return np.moveaxis(np.where(np.isfinite(plain), hi + lo, plain), -1, ax)


def _log_ratio_ext(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log(x / y) in EXT for float64 x, y > 0: log1p((x - y) / y) where y/2 <= x <= 2y (x - y
    exact, Sterbenz), else log x - log y (at least log 2 apart: no cancellation to speak
    of); exactly 0 at x = y."""
    near = (x >= 0.5 * y) & (x <= 2.0 * y)
    with np.errstate(invalid="ignore", divide="ignore"):
        fine = np.log1p((x - y).astype(EXT) / y.astype(EXT))
        far = np.log(x.astype(EXT)) - np.log(y.astype(EXT))
    return np.where(near, fine, far)


def centred_log(w: np.ndarray, x: np.ndarray, ax: int) -> np.ndarray:
    """c_i = log x_i - sum_j W_j log x_j, W = w / sum w, along ``ax``, in EXT.

    (= log X_i - sum_j W_j log X_j for X = x / sum x: the normalisation of x cancels.)
    With p = w = x it is log P_i + H(P); with w = p, x = q it is log Q_i + H(P, Q). In
    EXT first; lanes where that cancels by more than 2^8 are recomputed as
    sum_j W_j log(x_i / x_j), each log ratio accurate near 1 (exactly 0 for x_j = x_i: a
    uniform row gives exactly 0). Terms with W_j = 0 are left out. Lanes with x_i <= 0, and
    rows where x_j <= 0 < W_j or an entry is not finite, are NaN: the caller keeps its own
    form there.
    """
    wl, xl = _rows(w, ax), _rows(x, ax)
    ok = _clean_rows(wl, xl) & np.all((xl > 0) | (wl == 0), axis=-1, keepdims=True)
    w_hi, w_lo = _sum_ext(np.where(ok, wl, 1.0))
    weights = np.where(ok, wl, 0.0).astype(EXT) / (w_hi + w_lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(xl.astype(EXT))
    c = _centre(weights, logs, xl, ok & (xl > 0), _log_ratio_ext)
    return np.moveaxis(c, -1, ax)


def centred_values(w: np.ndarray, v: np.ndarray, ax: int) -> np.ndarray:
    """c_i = v_i - sum_j w_j v_j along ``ax`` for weights ``w`` that sum to 1 and finite
    ``v`` (float64 or EXT), in EXT; lanes that cancel by more than 2^8 recomputed as
    sum_j w_j (v_i - v_j) (exactly 0 where the v_j with w_j > 0 equal v_i; each difference
    exact in EXT where the two are close). Rows with a non-finite v or w: NaN."""
    wl, vl = _rows(w, ax), _rows(v, ax)
    ok = np.isfinite(vl).all(axis=-1, keepdims=True) & np.isfinite(wl).all(axis=-1, keepdims=True)
    ve = np.where(ok, vl, 0.0).astype(EXT)
    c = _centre(np.where(ok, wl, 0.0).astype(EXT), ve, ve, np.broadcast_to(ok, vl.shape),
                lambda a, b: a - b)
    return np.moveaxis(c, -1, ax)


def _centre(weights: np.ndarray, values: np.ndarray, x: np.ndarray, ok: np.ndarray,
            pair: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """values_i - sum_j weights_j values_j over the last axis (EXT), NaN where not ``ok``;
    lanes that cancel by more than _REFINE recomputed as sum_j weights_j pair(x_i, x_j)."""
    with np.errstate(invalid="ignore", over="ignore"):
        mean = np.sum(np.where(weights > 0, weights * values, EXT(0)), axis=-1, keepdims=True)
        c = values - mean
        coarse = (np.abs(values) + np.abs(mean)) > _REFINE * np.abs(c)
    lanes = np.argwhere(ok & coarse)
    if lanes.size:
        flat_x = x.reshape(-1, x.shape[-1])
        flat_w = weights.reshape(-1, x.shape[-1])
        row = np.ravel_multi_index(tuple(lanes[:, :-1].T), x.shape[:-1]) if x.ndim > 1 else \
            np.zeros(len(lanes), dtype=np.intp)
        col = lanes[:, -1]
        step = max(1, _BLOCK // x.shape[-1])
        fixed = np.empty(len(lanes), dtype=EXT)
        for s in range(0, len(lanes), step):
            r, k = row[s:s + step], col[s:s + step]
            xr, wr = flat_x[r], flat_w[r]
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = np.where(wr > 0, wr * pair(xr[np.arange(len(r)), k][:, None], xr), EXT(0))
            fixed[s:s + step] = terms.sum(axis=-1)
        c = c.copy()
        c[tuple(lanes.T)] = fixed
    return np.where(ok, c, EXT(np.nan))


def normalize_vjp(g_norm: np.ndarray, p: np.ndarray, ax: int) -> np.ndarray:
    """Pull a cotangent on P = p / sum(p) back to p: (gP - sum(P gP)) / sum(p), the centring
    in EXT from the exact sum (``g_norm`` float64 or EXT), rounded once."""
    pl, gl = _rows(p, ax), _rows(np.broadcast_to(g_norm, p.shape), ax)
    s = _rows(sum_ext(p, ax), ax)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        pn = pl.astype(EXT) / s
        gl = gl.astype(EXT)
        inner = np.where(pn == 0, EXT(0), pn * gl).sum(axis=-1, keepdims=True)
        return np.moveaxis(to64((gl - inner) / s), -1, ax)
