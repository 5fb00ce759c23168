"""Smooth elementwise activations and their VJPs (private; exposed by reference.activations).

Every function maps an array ``x`` of any shape to a float64 array of the same shape; every
VJP ``name_vjp(g, x, **kwargs)`` returns ``g * f'(x)`` with ``g`` broadcast to ``x``'s shape.
NaN propagates elementwise; ±inf follows the stated formula's limits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _activations_constants as K
from ._activations_common import (
    ROOT_RADIUS,
    as_cotangent,
    as_input,
    div_dd,
    div_sq,
    near_root,
    one_plus,
    scaled,
    sigmoid_of,
    sigmoid_pair,
    taylor_near,
    times_cotangent,
    times_exp,
)
from ._special import two_prod, two_sum
from ._validate import check_finite_scalar


def sigmoid(x: Any) -> np.ndarray:
    """Logistic sigmoid: 1 / (1 + exp(-x)), from exp(-|x|) (no overflow). sigmoid(±inf) = 1, 0."""
    return sigmoid_pair(as_input(x))[0]


def sigmoid_vjp(g: Any, x: Any) -> np.ndarray:
    """g * sigmoid(x) * sigmoid(-x)."""
    x = as_input(x)
    e = np.exp(-np.abs(x))
    # e / (1 + e)^2 with 1 + e and its square carried exactly: only exp rounds.
    return times_cotangent(g, x, div_sq(e, 0.0, *one_plus(e)))


def _softplus(u: np.ndarray) -> np.ndarray:
    # log(1 + e^u) = max(u, 0) + log1p(e^-|u|): logaddexp(u, 0) without overflow.
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.maximum(u, 0.0) + np.log1p(np.exp(-np.abs(u)))
    return np.where(np.isnan(u), np.nan, out)


def log_sigmoid(x: Any) -> np.ndarray:
    """log(sigmoid(x)) = -softplus(-x); log_sigmoid(-inf) = -inf, log_sigmoid(inf) = 0."""
    return -_softplus(-as_input(x))


def log_sigmoid_vjp(g: Any, x: Any) -> np.ndarray:
    """g * sigmoid(-x)."""
    x = as_input(x)
    return times_cotangent(g, x, sigmoid_pair(x)[1])


def tanh(x: Any) -> np.ndarray:
    """Hyperbolic tangent (np.tanh)."""
    return np.tanh(as_input(x))


def _sech2(x: np.ndarray) -> np.ndarray:
    # sech^2 x = 4 e / (1 + e)^2 with e = exp(-2|x|): no 1 - tanh^2 cancellation in the tails.
    with np.errstate(over="ignore"):  # |x| > 9e307: -2|x| = -inf, e = 0 (sech^2 underflows)
        e = np.exp(-2.0 * np.abs(x))
    return div_sq(4.0 * e, 0.0, *one_plus(e))


def tanh_vjp(g: Any, x: Any) -> np.ndarray:
    """g * (1 - tanh(x)^2) = g * sech(x)^2."""
    x = as_input(x)
    return times_cotangent(g, x, _sech2(x))


def _softplus_args(beta: Any, threshold: Any) -> tuple[float, float | None]:
    beta = check_finite_scalar(beta, "beta", low=0.0, low_inclusive=False)
    if threshold is not None:
        threshold = check_finite_scalar(threshold, "threshold")
    return beta, threshold


def softplus(x: Any, *, beta: float = 1.0, threshold: float | None = None) -> np.ndarray:
    """softplus(x) = log(1 + exp(beta x)) / beta, computed as logaddexp(beta x, 0) / beta.

    Args:
      x: any shape. softplus(-inf) = 0, softplus(inf) = inf.
      beta: > 0 (ValueError otherwise).
      threshold: torch's convention: where beta*x > threshold the output is x itself (torch's
        default is 20); None (the exact math, as jax and Keras) never switches.
    """
    beta, threshold = _softplus_args(beta, threshold)
    x = as_input(x)
    u, u_lo = scaled(beta, x)
    # beta*x carried as hi + lo: softplus(u + lo) = softplus(u) + lo * sigmoid(u).
    out = (_softplus(u) + u_lo * sigmoid_pair(u)[0]) / beta
    if threshold is not None:
        out = np.where(u > threshold, x, out)
    return out


def softplus_vjp(g: Any, x: Any, *, beta: float = 1.0, threshold: float | None = None) -> np.ndarray:
    """g * sigmoid(beta x) (g * 1 where torch's threshold switches to the identity)."""
    beta, threshold = _softplus_args(beta, threshold)
    x = as_input(x)
    u, u_lo = scaled(beta, x)
    d = sigmoid_of(u, u_lo)
    if threshold is not None:
        d = np.where(u > threshold, 1.0, d)
    return times_cotangent(g, x, d)


def softsign(x: Any) -> np.ndarray:
    """x / (1 + |x|); softsign(±inf) = ±1."""
    x = as_input(x)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(x), np.sign(x), x / (1.0 + np.abs(x)))


def softsign_vjp(g: Any, x: Any) -> np.ndarray:
    """g / (1 + |x|)^2."""
    x = as_input(x)
    a = np.abs(x)
    big = a > 1e140
    d = div_sq(np.ones_like(x), 0.0, *one_plus(np.where(big, 0.0, a)))
    with np.errstate(over="ignore", divide="ignore"):
        return times_cotangent(g, x, np.where(big, 1.0 / np.where(big, a, 1.0) ** 2, d))


def _exp_neg_abs(u: np.ndarray, u_lo: np.ndarray) -> np.ndarray:
    """exp(-|u + u_lo|), the lo part folded in to first order."""
    e = np.exp(-np.abs(u))
    return e - e * (np.sign(u) * u_lo)


def silu(x: Any, *, beta: float = 1.0) -> np.ndarray:
    """SiLU / swish: x * sigmoid(beta x). silu(-inf) = 0 (limit), silu(inf) = inf.

    beta: finite (torch/jax/Keras: 1). x * sigmoid(u) is evaluated as x e / (1 + e) (u < 0)
    or x / (1 + e) (u >= 0), e = exp(-|u|), with an exact product and a corrected quotient.
    """
    beta = check_finite_scalar(beta, "beta")
    x = as_input(x)
    u, u_lo = scaled(beta, x)
    safe = np.abs(x) < 1e280
    xs = np.where(safe, x, 0.0)
    us = np.where(safe, u, 0.0)
    e = _exp_neg_abs(us, np.where(safe, u_lo, 0.0))
    p, p_lo = two_prod(xs, e)
    neg = us < 0
    out = div_dd(np.where(neg, p, xs), np.where(neg, p_lo, 0.0), *one_plus(e))
    # u < -600: sigmoid(u) = e^u to 1e-260; x e^u without a subnormal intermediate
    out = np.where(us < -600, times_exp(xs, us, np.where(safe, u_lo, 0.0)), out)
    with np.errstate(invalid="ignore"):
        # |x| >= 1e280: the limits x (sigmoid -> 1) and 0 (sigmoid underflows), or inf*0 = 0
        big = np.where(u > 0, x, 0.0)
    return np.where(np.isnan(x), np.nan, np.where(safe, out, big))


def silu_vjp(g: Any, x: Any, *, beta: float = 1.0) -> np.ndarray:
    """g * sigmoid(u) (1 + u sigmoid(-u)), u = beta x (the derivative of x sigmoid(beta x)).

    Evaluated as num / (1 + e)^2, e = exp(-|u|), num = 1 + e + u e (u >= 0) or
    e (1 + u + e) (u < 0), sums carried exactly; Taylor series about the root u ≈ -1.2785.
    """
    beta = check_finite_scalar(beta, "beta")
    x = as_input(x)
    u, u_lo = scaled(beta, x)
    safe = np.abs(u) < 1e280
    us = np.where(safe, u, 0.0)
    e = _exp_neg_abs(us, np.where(safe, u_lo, 0.0))
    # u >= 0: 1 + e + u e
    ue, ue_lo = two_prod(us, e)
    a, a_lo = one_plus(e)
    b, b_lo = two_sum(a, ue)
    pos_h, pos_l = b, a_lo + b_lo + ue_lo
    # u < 0: e (1 + u + e)
    w, w_lo = two_sum(np.ones_like(us), us)
    w2, w2_lo = two_sum(w, e)
    n, n_lo = two_prod(e, w2)
    neg_h, neg_l = n, n_lo + e * (w_lo + w2_lo)
    neg = us < 0
    far = div_sq(np.where(neg, neg_h, pos_h), np.where(neg, neg_l, pos_l), a, a_lo)
    # u < -600: the derivative is (1 + u) e^u to 1e-260 relative
    far = np.where(us < -600, times_exp(1.0 + us, us, np.where(safe, u_lo, 0.0)), far)
    far = np.where(safe, far, np.where(u > 0, 1.0, 0.0))
    far = np.where(np.isnan(u), np.nan, far)
    d = (u - K.SILU_ROOT[0]) + (u_lo - K.SILU_ROOT[1])
    near = np.abs(d) < ROOT_RADIUS
    return times_cotangent(g, x, np.where(near, near_root(np.where(near, d, 0.0), K.SILU_TAYLOR), far))


def _tanh_softplus(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(tanh(softplus(x)), sech^2(softplus(x))) for x > 0 from w = exp(-x) (no overflow)."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        w = np.exp(-np.abs(x))
        t = (1.0 + 2.0 * w) / (1.0 + 2.0 * w + 2.0 * w * w)
        a = (1.0 + w) * (1.0 + w)
        w2 = w * w
        s = 4.0 * a * w2 / ((a + w2) * (a + w2))
    return t, s


def mish(x: Any) -> np.ndarray:
    """x * tanh(softplus(x)); mish(-inf) = 0 (limit), mish(inf) = inf.

    With e = exp(x): tanh(softplus(x)) = e (e + 2) / (e (e + 2) + 2) for x <= 0 (exact
    products and sums, one corrected quotient), and (1 + 2w) / (1 + 2w + 2w^2), w = exp(-x),
    for x > 0.
    """
    x = as_input(x)
    safe = np.abs(x) < 1e280
    xs = np.where(safe, x, 0.0)
    e = np.exp(-np.abs(xs))
    p, p_lo = two_prod(xs, e)
    q, q_lo = two_prod(p, e + 2.0)
    n, n_lo = two_prod(e, e + 2.0)
    den, den_lo = two_sum(np.full_like(n, 2.0), n)
    neg = div_dd(q, q_lo + p_lo * (e + 2.0), den, den_lo + n_lo)
    neg = np.where(xs < -600, times_exp(xs, xs), neg)  # x e^x (1 + O(e^x))
    t_pos, _ = _tanh_softplus(xs)
    out = np.where(xs > 0, xs * t_pos, neg)
    out = np.where(safe, out, np.where(x > 0, x, 0.0))
    return np.where(np.isnan(x), np.nan, out)


def mish_vjp(g: Any, x: Any) -> np.ndarray:
    """g * (tanh(sp) + x sech^2(sp) sigmoid(x)), sp = softplus(x).

    For x <= 0 this is e P / (e (e + 2) + 2)^2 with e = exp(x) and
    P = 4 (1 + x) + e (6 + 4x) + 4 e^2 + e^3 (summed exactly); Taylor series about the
    root x ≈ -1.1924.
    """
    x = as_input(x)
    safe = np.abs(x) < 1e280
    xs = np.where(safe, x, 0.0)
    e = np.exp(-np.abs(xs))
    a, a_lo = two_sum(np.full_like(xs, 4.0), 4.0 * xs)
    b, b_lo = two_sum(np.full_like(xs, 6.0), 4.0 * xs)
    c, c_lo = two_prod(e, b)
    s1, s1_lo = two_sum(a, c)
    s2, s2_lo = two_sum(s1, e * e * (4.0 + e))
    p_lo = a_lo + c_lo + e * b_lo + s1_lo + s2_lo
    num, num_lo = two_prod(e, s2)
    n, n_lo = two_prod(e, e + 2.0)
    den, den_lo = two_sum(np.full_like(n, 2.0), n)
    neg = div_sq(num, num_lo + e * p_lo, den, den_lo + n_lo)
    neg = np.where(xs < -600, times_exp(1.0 + xs, xs), neg)  # (1 + x) e^x (1 + O(e^x))
    t, sech2 = _tanh_softplus(xs)
    pos = t + xs * sech2 * sigmoid_pair(xs)[0]
    far = np.where(xs > 0, pos, neg)
    far = np.where(safe, far, np.where(x > 0, 1.0, 0.0))
    far = np.where(np.isnan(x), np.nan, far)
    return times_cotangent(g, x, taylor_near(x, K.MISH_ROOT, K.MISH_TAYLOR, far))


def _root_dd(x: np.ndarray, b: float) -> tuple[np.ndarray, np.ndarray]:
    """r = sqrt(x^2 + b) as hi + lo (x^2 + b exact, one Newton correction), |x| < 1e150."""
    x2, x2_lo = two_prod(x, x)
    t, t_lo = two_sum(x2, np.full_like(x2, b))
    t_lo = t_lo + x2_lo
    r = np.sqrt(t)
    r2, r2_lo = two_prod(r, r)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_lo = np.where(r > 0, ((t - r2) - r2_lo + t_lo) / (2.0 * r), 0.0)
    return r, r_lo


def _squareplus_parts(x: np.ndarray, b: float) -> tuple[np.ndarray, ...]:
    """(safe mask, x clamped, r, r_lo, x >= 0 branch numerator sum, r - x as hi + lo)."""
    safe = np.abs(x) < 1e150
    xs = np.where(safe, x, 0.0)
    r, r_lo = _root_dd(xs, b)
    d, d_lo = two_sum(r, -xs)  # r - x, no cancellation for x < 0
    return safe, xs, r, r_lo, d, d_lo + r_lo


def squareplus(x: Any, *, b: float = 4.0) -> np.ndarray:
    """(x + sqrt(x^2 + b)) / 2 with b >= 0 (b = 0 is relu); for x < 0 as
    b / (2 (sqrt(x^2 + b) - x)) (no cancellation). squareplus(-inf) = 0, (inf) = inf."""
    b = check_finite_scalar(b, "b", low=0.0)
    x = as_input(x)
    safe, xs, r, r_lo, d, d_lo = _squareplus_parts(x, b)
    s, s_lo = two_sum(xs, r)
    pos = 0.5 * (s + (s_lo + r_lo))
    neg = 0.5 * div_dd(np.full_like(xs, b), 0.0, d, d_lo)
    out = np.where(xs >= 0, pos, neg)
    out = np.where(safe, out, np.where(x > 0, x, 0.0))
    return np.where(np.isnan(x), np.nan, out)


def squareplus_vjp(g: Any, x: Any, *, b: float = 4.0) -> np.ndarray:
    """g * (1 + x / sqrt(x^2 + b)) / 2; for x < 0 as b / (2 r (r - x)), r = sqrt(x^2 + b).
    With b = 0 (relu) the derivative at 0 is taken as 1/2."""
    b = check_finite_scalar(b, "b", low=0.0)
    x = as_input(x)
    safe, xs, r, r_lo, d, d_lo = _squareplus_parts(x, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = 0.5 * (1.0 + div_dd(xs, 0.0, r, r_lo))
        den, den_lo = two_prod(r, d)
        neg = 0.5 * div_dd(np.full_like(xs, b), 0.0, den, den_lo + r * d_lo + r_lo * d)
    dv = np.where(xs >= 0, pos, neg)
    dv = np.where(r == 0, 0.5, dv)
    dv = np.where(safe, dv, np.where(x > 0, 1.0, 0.0))
    return times_cotangent(g, x, np.where(np.isnan(x), np.nan, dv))


def tanhshrink(x: Any) -> np.ndarray:
    """x - tanh(x): odd series x^3/3 - 2x^5/15 + ... for |x| < 1 (no cancellation), else
    (|x| - 1) + 2 sigmoid(-2|x|) with x's sign. tanhshrink(±inf) = ±inf."""
    x = as_input(x)
    a = np.abs(x)
    xs = np.where(a < 1.0, x, 0.0)
    z = xs * xs
    series = np.full_like(x, K.TANHSHRINK_SERIES[-1])
    for c in K.TANHSHRINK_SERIES[-2::-1]:
        series = c + z * series
    series = series * z * xs
    with np.errstate(over="ignore"):
        far = np.copysign((a - 1.0) + 2.0 * sigmoid_pair(-2.0 * a)[0], x)
    return np.where(a < 1.0, series, far)


def tanhshrink_vjp(g: Any, x: Any) -> np.ndarray:
    """g * tanh(x)^2."""
    x = as_input(x)
    a = np.abs(x)
    # |x| < 1: tanh = x - tanhshrink(x) carried as hi + lo, squared exactly; else 1 - sech^2.
    ts = tanhshrink(np.where(a < 1.0, x, 0.0))
    t, t_lo = two_sum(x, -ts)
    with np.errstate(over="ignore", invalid="ignore"):  # huge |x|: this branch is not taken
        sq, sq_lo = two_prod(t, t)
        small = sq + (sq_lo + 2.0 * t * t_lo)
    return times_cotangent(g, x, np.where(a < 1.0, small, 1.0 - _sech2(x)))


def elu(x: Any, *, alpha: float = 1.0) -> np.ndarray:
    """x for x > 0, alpha * expm1(x) for x <= 0 (expm1: exact near 0). elu(-inf) = -alpha."""
    alpha = check_finite_scalar(alpha, "alpha")
    x = as_input(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_vjp(g: Any, x: Any, *, alpha: float = 1.0, grad_at_zero: float | None = None) -> np.ndarray:
    """g * (1 for x > 0, alpha e^x for x < 0). At x = 0: grad_at_zero, default alpha
    (jax's and torch's left branch; Keras/TF also alpha)."""
    alpha = check_finite_scalar(alpha, "alpha")
    x = as_input(x)
    d = np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))
    if grad_at_zero is not None:
        d = np.where(x == 0, check_finite_scalar(grad_at_zero, "grad_at_zero"), d)
    return times_cotangent(g, x, d)


def selu(x: Any) -> np.ndarray:
    """scale * elu(x, alpha), scale = 1.0507009873554804934, alpha = 1.6732632423543772848
    (the products scale*x and (scale*alpha)*expm1(x) each round once)."""
    x = as_input(x)
    with np.errstate(over="ignore"):  # scale * x beyond the float64 range is inf, as IEEE says
        return np.where(x > 0, 1.0507009873554805 * x,
                        K.SELU_SCALE_ALPHA * np.expm1(np.minimum(x, 0.0)))


def selu_vjp(g: Any, x: Any, *, grad_at_zero: float | None = None) -> np.ndarray:
    """g * scale * (1 for x > 0, alpha e^x for x < 0). At 0: grad_at_zero, default
    scale*alpha ≈ 1.7581 (jax, torch); Keras/tf.nn.selu give scale ≈ 1.0507."""
    x = as_input(x)
    d = np.where(x > 0, 1.0507009873554805, K.SELU_SCALE_ALPHA * np.exp(np.minimum(x, 0.0)))
    if grad_at_zero is not None:
        d = np.where(x == 0, check_finite_scalar(grad_at_zero, "grad_at_zero"), d)
    return times_cotangent(g, x, d)


def _celu_alpha(alpha: Any) -> float:
    alpha = check_finite_scalar(alpha, "alpha")
    if alpha == 0:
        raise ValueError("alpha must be nonzero for celu (it divides x), got 0.0")
    return alpha


def celu(x: Any, *, alpha: float = 1.0) -> np.ndarray:
    """max(0, x) + min(0, alpha * expm1(x / alpha)); alpha != 0. celu(-inf) = -alpha."""
    alpha = _celu_alpha(alpha)
    x = as_input(x)
    with np.errstate(over="ignore"):
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0) / alpha))


def celu_vjp(g: Any, x: Any, *, alpha: float = 1.0, grad_at_zero: float = 1.0) -> np.ndarray:
    """g * (1 for x > 0, exp(x / alpha) for x < 0). At 0 both sides give 1 (jax, torch);
    Keras 3 (TF backend) gives 2 (tf.maximum and tf.minimum both pass the tie)."""
    alpha = _celu_alpha(alpha)
    grad_at_zero = check_finite_scalar(grad_at_zero, "grad_at_zero")
    x = as_input(x)
    with np.errstate(over="ignore"):
        d = np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0) / alpha))
    return times_cotangent(g, x, np.where(x == 0, grad_at_zero, d))


def exponential(x: Any) -> np.ndarray:
    """exp(x) (Keras' 'exponential' activation). exp(-inf) = 0, overflow to inf above ~709.78."""
    with np.errstate(over="ignore"):
        return np.exp(as_input(x))


def exponential_vjp(g: Any, x: Any) -> np.ndarray:
    """g * exp(x)."""
    x = as_input(x)
    with np.errstate(over="ignore"):
        return times_cotangent(g, x, np.exp(x))


def linear(x: Any) -> np.ndarray:
    """The identity (Keras 'linear'), as a float64 copy."""
    return np.array(as_input(x), dtype=np.float64, copy=True)


def linear_vjp(g: Any, x: Any) -> np.ndarray:
    """g."""
    x = as_input(x)
    return np.array(as_cotangent(g, x.shape), dtype=np.float64, copy=True)


_LN2 = 0.6931471805599453


def log1mexp(x: Any) -> np.ndarray:
    """log(1 - exp(-x)) for x >= 0 (``jax.nn.log1mexp``; TFP's ``log1mexp`` takes |x|).

    -inf at x = 0, -0.0 at +inf (exp(-x) underflows above ~745); NaN for x < 0 (the log
    of a negative number) and for NaN. Mächler's split: log(-expm1(-x)) below log 2,
    log1p(-exp(-x)) above, so 1 - exp(-x) is never formed where it cancels.
    """
    x = as_input(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        near0 = np.log(-np.expm1(-x))  # x < log 2: 1 - e^-x is small, expm1 keeps it
        far = np.log1p(-np.exp(-x))  # x >= log 2: e^-x <= 1/2, log1p keeps log near 1
    return np.where(x < 0, np.nan, np.where(x < _LN2, near0, far))


def log1mexp_vjp(g: Any, x: Any) -> np.ndarray:
    """g * e^-x / (1 - e^-x) = g / expm1(x): +inf at x = 0, 0 at +inf, NaN for x < 0."""
    x = as_input(x)
    with np.errstate(divide="ignore", over="ignore"):
        deriv = 1.0 / np.expm1(np.abs(x))  # expm1, not exp - 1: 1/x near 0; |x|: -0.0 is 0
    return times_cotangent(g, x, np.where(x < 0, np.nan, deriv))
