"""Helpers shared by the reference activations (private)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._special import two_prod, two_sum
from ._validate import as_float64

__all__ = [
    "ROOT_RADIUS",
    "as_cotangent",
    "as_input",
    "div_dd",
    "div_sq",
    "near_root",
    "one_plus",
    "scaled",
    "scaled_exp",
    "sigmoid_of",
    "sigmoid_pair",
    "taylor_near",
    "times_cotangent",
    "times_exp",
]


def as_input(x: Any) -> np.ndarray:
    """``x`` as float64 (TypeError naming ``x`` for non-numeric input)."""
    return as_float64(x, "x")


def as_cotangent(g: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The cotangent ``g`` as float64, broadcast to the output ``shape``."""
    g = as_float64(g, "g")
    try:
        return np.broadcast_to(g, shape)
    except ValueError:
        raise ValueError(f"g of shape {g.shape} does not match the output shape {shape}") from None


def sigmoid_pair(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sigmoid(x), sigmoid(-x)), each from exp(-|x|) so nothing overflows or cancels."""
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
    d, d_lo = two_sum(np.ones_like(e), e)
    # 1 / (1 + e) and e / (1 + e) with 1 + e exact and a corrected quotient: only exp rounds
    big = div_dd(np.ones_like(e), 0.0, d, d_lo)
    small = div_dd(e, 0.0, d, d_lo)
    pos = x >= 0
    return np.where(pos, big, small), np.where(pos, small, big)


def sigmoid_of(u_hi: np.ndarray, u_lo: np.ndarray | float = 0.0) -> np.ndarray:
    """sigmoid(u_hi + u_lo), first-order in the tiny u_lo: s + u_lo * s * (1 - s)."""
    s, sm = sigmoid_pair(u_hi)
    return s + (u_lo * sm) * s


def scaled(beta: float, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """beta*x as hi + lo (exact product) so exp(beta*x) tails keep full precision."""
    if beta == 1.0:
        return x, np.zeros_like(x)
    safe = np.abs(x) < 1e280
    hi, lo = two_prod(np.where(safe, x, 0.0), beta)
    with np.errstate(over="ignore"):  # beyond 1e280, beta * x rounded (inf past the range)
        big = beta * x
    return np.where(safe, hi, big), np.where(safe & np.isfinite(lo), lo, 0.0)


def near_root(
    d: np.ndarray, coeffs: tuple[float, ...]
) -> np.ndarray:
    """sum_k coeffs[k-1] * d**k (Horner), the Taylor series of a derivative about its root."""
    out = np.full_like(d, coeffs[-1])
    for c in coeffs[-2::-1]:
        out = c + d * out
    return out * d


def div_dd(nh: np.ndarray, nl: np.ndarray, dh: np.ndarray, dl: np.ndarray) -> np.ndarray:
    """(nh + nl) / (dh + dl) rounded once (a corrected quotient), for |dh| < ~1e290."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        q = nh / dh
        p, p_err = two_prod(np.where(np.isfinite(q), q, 0.0), dh)
        corr = (((nh - p) - p_err) + nl - q * dl) / dh
        return np.where(np.isfinite(corr), q + corr, q)


def div_sq(nh: np.ndarray, nl: np.ndarray, dh: np.ndarray, dl: np.ndarray) -> np.ndarray:
    """(nh + nl) / (dh + dl)**2 with the square carried exactly (|dh| < ~1e140)."""
    with np.errstate(invalid="ignore", over="ignore"):
        sq, sq_err = two_prod(dh, dh)
        return div_dd(nh, nl, sq, sq_err + 2.0 * dh * dl)


def one_plus(e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1 + e as an exact hi + lo pair."""
    return two_sum(np.ones_like(e), e)


_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of log(2): 32 bits, so k*_LN2_HI
_LN2_LO = 1.90821492927058770002e-10  # is exact for k < 2**21
_SHIFT = 600


def scaled_exp(h: np.ndarray, h_lo: np.ndarray | float = 0.0) -> np.ndarray:
    """exp(h + h_lo) * 2**600 for -1100 <= h <= -600 (clamped below: the caller's result
    underflows there anyway). h + 600*_LN2_HI is exact in that range; the rest is carried."""
    hc = np.clip(h, -1100.0, 0.0)
    r, r_lo = two_sum(hc + _SHIFT * _LN2_HI, np.full_like(hc, _SHIFT * _LN2_LO))
    e = np.exp(r)
    return e + e * (r_lo + h_lo)  # first-order correction, added (one rounding)


def times_exp(p: np.ndarray, h: np.ndarray, h_lo: np.ndarray | float = 0.0) -> np.ndarray:
    """p * exp(h + h_lo) for h <= -600, rounded once into the subnormal range.

    exp(h) alone would already be subnormal (rounded to a grid of 5e-324) before the product
    with p: compute p * exp(h + 600 log 2) in the normal range, then scale by 2**-600 exactly.
    """
    with np.errstate(under="ignore", invalid="ignore", over="ignore"):  # huge p: inf, discarded
        out = np.ldexp(p * scaled_exp(h, h_lo), -_SHIFT)
    return np.where(h < -1100, np.copysign(0.0, p), out)  # underflows to a signed zero


ROOT_RADIUS = 0.35  # |x - root| below which a derivative is summed as its Taylor series


def taylor_near(x: np.ndarray, root: tuple[float, float], coeffs: tuple[float, ...],
                far: np.ndarray) -> np.ndarray:
    """``far`` except within ROOT_RADIUS of ``root`` (hi, lo), where the closed form of a
    derivative cancels: there its Taylor series in d = (x - hi) - lo (exact subtraction)."""
    d = (x - root[0]) - root[1]
    near = np.abs(d) < ROOT_RADIUS
    return np.where(near, near_root(np.where(near, d, 0.0), coeffs), far)


def times_cotangent(g: Any, x: np.ndarray, deriv: np.ndarray) -> np.ndarray:
    """g (broadcast to x's shape) * deriv: an elementwise VJP.

    IEEE products, as the piecewise activations' VJPs: an infinite cotangent times a
    derivative that is 0 in float64 (exactly, or underflowed: sigmoid'(746)) is NaN.
    """
    with np.errstate(invalid="ignore", over="ignore"):  # inf * 0 = NaN, no warning
        return as_cotangent(g, x.shape) * deriv
