"""GELU, exact (erfc) and tanh-approximate, with their VJPs (private; exposed by
reference.activations). Elementwise: any shape in, same shape out, float64."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _activations_constants as K
from ._activations_common import (
    as_input,
    div_sq,
    one_plus,
    sigmoid_of,
    taylor_near,
    times_cotangent,
    times_exp,
)
from ._loss_common import EXT, to64
from ._special import erfc, erfcx_large, two_prod, two_sum

_SQRT_PI_EXT = np.longdouble("1.7724538509055160272981674833411451828")


def _phi_cdf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Phi(x), phi(x)): standard normal cdf and pdf to ~1 ULP across the tails."""
    safe = np.abs(x) < 1e150
    xs = np.where(safe, x, 0.0)
    z, z_lo = two_prod(xs, -K.INV_SQRT2[0])
    z_lo = z_lo - xs * K.INV_SQRT2[1]
    # -x/sqrt(2) carried as z + z_lo: erfc(z + z_lo) = erfc(z) - z_lo * 2/sqrt(pi) exp(-z^2).
    x2, x2_lo = two_prod(xs, xs)
    with np.errstate(under="ignore"):
        pdf = K.INV_SQRT_2PI * np.exp(-0.5 * x2) * (1.0 - 0.5 * x2_lo)
        cdf = 0.5 * erfc(z) - z_lo * (np.sqrt(2.0) * pdf)
    cdf = np.where(safe, cdf, np.where(x > 0, 1.0, 0.0))
    pdf = np.where(safe, pdf, 0.0)
    nan = np.isnan(x)
    return np.where(nan, np.nan, cdf), np.where(nan, np.nan, pdf)


def gelu(x: Any) -> np.ndarray:
    """Exact GELU: x * Phi(x) = x/2 * erfc(-x / sqrt(2)) (erfc: no cancellation as x -> -inf).

    gelu(-inf) = 0 (limit), gelu(inf) = inf. torch approximate='none', jax approximate=False.
    """
    x = as_input(x)
    cdf, _ = _phi_cdf(x)
    with np.errstate(invalid="ignore"):
        out = x * cdf
    # below x = -37.5 Phi(x) is subnormal (rounded to a grid of 5e-324) before the product
    out = np.where((x < -37.5) & (x > -1e150), _gelu_tail(x), out)
    return np.where(np.isneginf(x), 0.0, out)


def _gelu_tail(x: np.ndarray) -> np.ndarray:
    """gelu(x) for x < -37.5, where Phi(x) is subnormal: x/2 erfcx(a) exp(-x^2/2), a = -x /
    sqrt(2), in extended precision (EXT: its exponent reaches e^-745 without subnormals;
    erfcx from its asymptotic series, t = 1/(2a^2) < 7.2e-4, 10 terms), rounded once.
    Where EXT is float64: (x M(x) / sqrt(2 pi)) exp(-x^2/2), M = Phi/phi the Mills ratio,
    the exponential scaled into the normal range (times_exp)."""
    xs = np.where((x < -37.5) & (x > -1e150), x, -40.0)
    z, z_lo = two_prod(xs, -K.INV_SQRT2[0])
    z_lo = z_lo - xs * K.INV_SQRT2[1]
    x2, x2_lo = two_prod(xs, xs)
    if np.finfo(EXT).nmant > 52:
        a = z.astype(EXT) + z_lo
        t = 1 / (2 * a * a)
        series = np.ones_like(a)
        for k in range(19, 0, -2):  # 1 - t(1 - 3t(1 - 5t(... (1 - 19t))))
            series = 1 - k * t * series
        erfcx = series / (a * _SQRT_PI_EXT)
        e = np.exp((-0.5 * x2).astype(EXT)) * (1 - 0.5 * x2_lo.astype(EXT))
        return to64(0.5 * xs * erfcx * e)
    ex = erfcx_large(z)
    # first order in z_lo: d erfcx/dz = 2 z erfcx(z) - 2/sqrt(pi)
    mills = 1.2533141373155003 * (ex + z_lo * (2.0 * z * ex - 1.1283791670955126))
    return times_exp(xs * mills * K.INV_SQRT_2PI, -0.5 * x2, -0.5 * x2_lo)


def _gelu_grad_tail(x: np.ndarray) -> np.ndarray:
    """gelu'(x) for x < -2 as phi(x) (x + M(x)), M = Phi/phi = sqrt(pi/2) erfcx(-x/sqrt(2))
    (the Mills ratio: no exp(-x^2/2) inside, so no cancellation and no subnormal
    intermediate); phi(x) from exp(-x^2/2) with x^2 exact, scaled below e^-600."""
    xs = np.where((x < -2.0) & (x > -1e150), x, -3.0)
    z, z_lo = two_prod(xs, -K.INV_SQRT2[0])
    z_lo = z_lo - xs * K.INV_SQRT2[1]
    ex = erfcx_large(z)
    # first order in z_lo: d erfcx/dz = 2 z erfcx(z) - 2/sqrt(pi)
    mills = 1.2533141373155003 * (ex + z_lo * (2.0 * z * ex - 1.1283791670955126))
    b, b_lo = two_sum(xs, mills)
    cb, cb_lo = two_prod(b, K.INV_SQRT_2PI)
    cb_lo = cb_lo + b_lo * K.INV_SQRT_2PI
    x2, x2_lo = two_prod(xs, xs)
    h, h_lo = -0.5 * x2, -0.5 * x2_lo
    with np.errstate(under="ignore"):
        e = np.exp(h)
        normal = cb * e + (cb_lo * e + cb * e * h_lo)
    return np.where(h < -600, times_exp(cb, h, h_lo), normal)


def gelu_vjp(g: Any, x: Any) -> np.ndarray:
    """g * (Phi(x) + x phi(x)); for x < -2 as phi(x) (x + Phi(x)/phi(x)); Taylor series about
    its root x ≈ -0.7518."""
    x = as_input(x)
    cdf, pdf = _phi_cdf(x)
    with np.errstate(invalid="ignore"):
        far = cdf + x * pdf
    far = np.where(x < -2.0, _gelu_grad_tail(x), far)
    far = np.where(np.isinf(x) | (np.abs(x) >= 1e150), np.where(x > 0, 1.0, 0.0), far)
    return times_cotangent(g, x, taylor_near(x, K.GELU_ROOT, K.GELU_TAYLOR, far))


def _gelu_tanh_arg(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """v = 2 sqrt(2/pi) (x + 0.044715 x^3) and w = x v'(x) = 2 sqrt(2/pi) x (1 + 3 * 0.044715
    x^2), each as hi + lo (double-double), for |x| < 1e50 (v = x beyond: only its sign and
    size matter there)."""
    safe = np.abs(x) < 1e50
    xs = np.where(safe, x, 0.0)
    x2, x2_lo = two_prod(xs, xs)
    t, t_lo = two_prod(x2, K.GELU_TANH_A[0])
    t_lo = t_lo + x2_lo * K.GELU_TANH_A[0] + x2 * K.GELU_TANH_A[1]

    def times_2c_x(k: float) -> tuple[np.ndarray, np.ndarray]:
        # 2 sqrt(2/pi) x (1 + k t)
        one, one_lo = two_sum(np.ones_like(t), k * t)
        one_lo = one_lo + k * t_lo
        p, p_lo = two_prod(xs, one)
        p_lo = p_lo + xs * one_lo
        v, v_lo = two_prod(p, K.TWO_SQRT_2_OVER_PI[0])
        v_lo = v_lo + p_lo * K.TWO_SQRT_2_OVER_PI[0] + p * K.TWO_SQRT_2_OVER_PI[1]
        return v, v_lo

    v, v_lo = times_2c_x(1.0)
    w, w_lo = times_2c_x(3.0)
    return (np.where(safe, v, x), np.where(safe, v_lo, 0.0), np.where(safe, w, x),
            np.where(safe, w_lo, 0.0))


def gelu_tanh(x: Any) -> np.ndarray:
    """tanh-approximate GELU: x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))).

    Computed as x * sigmoid(v), v = 2 sqrt(2/pi)(x + 0.044715 x^3) (since 1 + tanh(v/2) =
    2 sigmoid(v): no cancellation in the negative tail). torch approximate='tanh', jax
    approximate=True (jax's default), Keras approximate=True (not Keras' default).
    """
    x = as_input(x)
    v, v_lo, _, _ = _gelu_tanh_arg(x)
    with np.errstate(invalid="ignore"):
        out = x * sigmoid_of(v, v_lo)
    return np.where(np.isneginf(x), 0.0, out)


def gelu_tanh_vjp(g: Any, x: Any) -> np.ndarray:
    """g * sigmoid(v) (1 + x sigmoid(-v) v'(x)), v' = 2 sqrt(2/pi)(1 + 3 * 0.044715 x^2).

    With e = exp(-|v|) this is [(1 + e) + w e] / (1 + e)^2 (v >= 0) or
    e [(1 + e) + w] / (1 + e)^2 (v < 0), w = x v'(x), every sum exact; Taylor series about
    the root x ≈ -0.7525.
    """
    x = as_input(x)
    v, v_lo, w, w_lo = _gelu_tanh_arg(x)
    safe = np.abs(x) < 1e50
    with np.errstate(under="ignore"):
        e0 = np.exp(-np.abs(v))
        e = e0 - e0 * (np.sign(v) * v_lo)
    a, a_lo = one_plus(e)
    we, we_lo = two_prod(np.where(safe, w, 0.0), e)
    pos, pos_lo = two_sum(a, we)
    pos_lo = pos_lo + a_lo + we_lo + w_lo * e
    q, q_lo = two_sum(a, np.where(safe, w, 0.0))
    q_lo = q_lo + a_lo + w_lo
    neg, neg_lo = two_prod(e, q)
    neg_lo = neg_lo + e * q_lo
    n = v < 0
    far = div_sq(np.where(n, neg, pos), np.where(n, neg_lo, pos_lo), a, a_lo)
    far = np.where(safe, far, np.where(x > 0, 1.0, 0.0))
    far = np.where(np.isnan(x), np.nan, far)
    return times_cotangent(g, x, taylor_near(x, K.GELU_TANH_ROOT, K.GELU_TANH_TAYLOR, far))
