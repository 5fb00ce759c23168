"""Private numerical kernels of ``divergences.py``: accurate log(x/y), the kl_div series,
the exactly rounded sum, validation of distributions (the normalisation's kernels are in
_normalized.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._loss_common import EXT
from ._validate import as_float64, check_axis, check_finite_scalar, check_nonnegative

_TINY = np.finfo(np.float64).tiny
_HUGE = np.finfo(np.float64).max

# kl_div(x, y) = (x - y)^2 / (x + y) * U(s), s = (x - y)/(x + y), for all x, y > 0, with
# U(s) = sum_j c_j s^j, c_0 = 1, c_{2k-1} = c_{2k} = 1/(2k + 1)  (from log1p(d) = 2 atanh(s)).
_S_LOW, _S_HIGH = -0.75, 0.5  # series for 1/7 <= x/y <= 3: 0.75^140/141 < 1e-19
_U_COEFFS = tuple([1.0] + [1.0 / (2 * ((j + 1) // 2) + 1) for j in range(1, 141)])


def log_ratio(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log(x / y) for x, y > 0 to ~1 ULP (caller suppresses warnings).

    Near 1 (y/2 <= x <= 2y, where x - y is exact): log1p((x - y)/y). Where x/y over- or
    underflows: log x - log y (no cancellation when the ratio is that far from 1).
    """
    r = x / y
    near = (r >= 0.5) & (r <= 2.0)
    out = np.where(near, np.log1p((x - y) / y), np.log(r))
    bad = ~near & ~((r >= _TINY) & (r <= _HUGE))
    return np.where(bad, np.log(x) - np.log(y), out)


_E_HI = 2.718281828459045
_E_LO = 1.4456468917292502e-16  # e - _E_HI, so _E_HI + _E_LO is e to ~1e-32
_SPLIT = 134217729.0  # 2^27 + 1, Dekker's splitter


def _two_prod_e(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hi, lo) with hi + lo = x * e to ~2^-104 relative (Dekker); warnings suppressed."""
    hi = x * _E_HI
    t = _SPLIT * x
    x_hi = t - (t - x)
    x_lo = x - x_hi
    t = _SPLIT * _E_HI
    e_hi = t - (t - _E_HI)
    e_lo = _E_HI - e_hi
    lo = ((x_hi * e_hi - hi) + x_hi * e_lo + x_lo * e_hi) + x_lo * e_lo
    return hi, lo + x * _E_LO


def _log_ratio_e(x: np.ndarray, y: np.ndarray, numerator: bool) -> np.ndarray:
    """log(e x / y) (numerator=True) or log(x / (e y)), accurate where it vanishes."""
    with np.errstate(all="ignore"):
        if numerator:
            hi, lo = _two_prod_e(x)
            num, den, sign, other = hi, y, 1.0, y
            fine = np.log1p(((hi - y) + lo) / y)
        else:
            hi, lo = _two_prod_e(y)
            num, den, sign, other = x, hi, -1.0, x
            fine = np.log1p(((x - hi) - lo) / hi)
        near = (num >= 0.5 * den) & (num <= 2.0 * den) & np.isfinite(lo) & (other > 0)
        return np.where(near, fine, log_ratio(x, y) + sign)


def log_ratio_plus_one(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log(x / y) + 1 for x, y > 0 to ~1 ULP, also near x/y = 1/e where it vanishes:
    log1p((e x - y) / y) with e x as an exact double-double and e x - y exact (Sterbenz)."""
    return _log_ratio_e(x, y, True)


def kl_div_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x log(x/y) - x + y for x, y > 0 (inf allowed), without cancellation.

    1/7 <= x/y <= 3: (x - y)^2/(x + y) U(s), x - y carried exactly (TwoSum).
    x/y > 3: x log(x/(e y)) + y, two positive terms. x/y < 1/7: x log(x/y) + (y - x).
    """
    with np.errstate(all="ignore"):
        total = x + y
        # x + y overflowed: halve both first (their ratio s is unchanged).
        half = np.isinf(total) & np.isfinite(0.5 * x + 0.5 * y)
        xs, ys = np.where(half, 0.5 * x, x), np.where(half, 0.5 * y, y)
        d = xs - ys
        bv = d - xs
        e = (xs - (d - bv)) + (-ys - bv)  # d + e = xs - ys exactly
        series, near = kl_div_series(d, e, xs + ys)
        series = series * np.where(half, 2.0, 1.0)
        s = d / (xs + ys)
        high = x * _log_ratio_e(x, y, False) + y
        low = x * log_ratio(x, y) + (y - x)
        return np.where(near, series, np.where(s > 0, high, low))


def kl_div_series(d: np.ndarray, e: np.ndarray, tot: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(kl_div(x, y), near) from d + e = x - y (a double-double) and tot = x + y where
    1/7 <= x/y <= 3 (``near``; elsewhere the first is meaningless): (x - y)^2/(x + y) U(s),
    s = (x - y)/(x + y). Callers suppress warnings."""
    s = d / tot
    near = (s >= _S_LOW) & (s <= _S_HIGH)
    sn = np.where(near, s, 0.0)
    s_lo = np.where(near & np.isfinite(e), e / tot, 0.0)
    u = np.zeros_like(sn)
    for c in reversed(_U_COEFFS):
        u = u * sn + c
    return (d * sn + (d * s_lo + e * sn)) * u, near


def fsum(x: np.ndarray, axis: int) -> np.ndarray:
    """Exactly rounded sum over ``axis`` (math.fsum); rows holding inf/NaN use np.sum."""
    moved = np.moveaxis(x, axis, -1)
    flat = moved.reshape(int(np.prod(moved.shape[:-1], dtype=np.int64)), moved.shape[-1])
    with np.errstate(invalid="ignore"):
        plain = flat.sum(axis=-1)
    exact = np.array([math.fsum(row) if np.all(np.isfinite(row)) else plain[i]
                      for i, row in enumerate(flat)], dtype=np.float64)
    return exact.reshape(moved.shape[:-1])


def check_base(base: Any) -> float | None:
    """None (natural log) or a positive real != 1."""
    if base is None:
        return None
    b = check_finite_scalar(base, "base", low=0.0, low_inclusive=False)
    if b == 1.0:
        raise ValueError("base must be a positive number other than 1, got 1.0")
    return b


def scale(values: np.ndarray, base: Any) -> np.ndarray:
    """values / log(base) (unchanged for base None)."""
    b = check_base(base)
    values = np.asarray(values, dtype=np.float64)
    return values if b is None else values / np.log(b)


def check_distributions(
    arrays: Sequence[Any], names: Sequence[str], axis: Any, normalize: Any
) -> tuple[list[np.ndarray], int, Callable[[np.ndarray], np.ndarray]]:
    """Validate non-negative same-shape distributions; return (arrays, axis, normaliser)."""
    out = [check_nonnegative(as_float64(a, n), n) for a, n in zip(arrays, names, strict=True)]
    for a, n in zip(out[1:], names[1:], strict=True):
        if a.shape != out[0].shape:
            raise ValueError(f"{names[0]} and {n} must have the same shape, "
                             f"got {out[0].shape} and {a.shape}")
    if out[0].ndim == 0:
        raise ValueError(f"{names[0]} must have at least one dimension (the class axis)")
    ax = check_axis(axis, out[0].ndim)
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be a bool, got {normalize!r}")

    def norm(a: np.ndarray) -> np.ndarray:
        if not normalize:
            return a
        with np.errstate(invalid="ignore", divide="ignore"):
            return a / a.sum(axis=ax, keepdims=True)

    return out, ax, norm


# e^-r - 1 + r as a series for |r| <= 2 in extended precision (its terms cancel to r^2/2
# near r = 0): sum_{k>=2} (-r)^k / k!, 2^40/40! < 1e-30.
_PHI_COEFFS = tuple(1.0 / math.factorial(k) for k in range(2, 41))


def exp_minus_one_plus(r: np.ndarray) -> np.ndarray:
    """e^-r - 1 + r >= 0 for extended-precision r (caller suppresses warnings): the
    generalized KL's term, and the softmax KL's e^c - 1 - c at r = -c."""
    m = -r
    acc = np.zeros_like(r)
    for c in reversed(_PHI_COEFFS):
        acc = acc * m + EXT(c)
    series = acc * m * m
    return np.where(np.abs(r) <= 2, series, np.expm1(m) + r)
