"""Regression losses: elementwise functions of the prediction error ``d = y_pred - y_true``.

Every loss takes ``(y_pred, y_true)`` of one shape (predictions first, as optax and torch)
plus keyword-only ``mean_axis=None`` (Keras' loss *functions* average the last axis:
``mean_axis=-1``), ``reduction="none"`` and ``sample_weight=None``, all applied by
:func:`reference._reduce.reduce_loss`.

The difference ``d`` is carried with its rounding error (``d + e = y_pred - y_true``
exactly, Knuth's TwoSum), so the losses are accurate in ULPs of the exact result even
where ``y_pred - y_true`` rounds.

Every VJP here takes ``wrt="y_pred"`` (default) or ``wrt="y_true"``. A loss of ``d``
alone (all but the percentage error) has d/dy_true = -d/dy_pred, at a kink too: autodiff
of ``|y_pred - y_true|`` with ``abs'(0) = c`` gives ``c`` and ``-c``, and of
``|y_true - y_pred|`` gives ``-c`` and ``c``, the negation either way.

Subgradients at kinks are keywords of the VJPs; the default is the minimum-norm
subgradient (0), which is torch's and TensorFlow's ``sign(0) = 0``. Measured in
torch 2.13 / jax 0.10 / TF 2.21: ``abs'(0)``: torch ``l1_loss`` 0, ``jnp.abs`` 1 (jax's
``abs`` JVP is ``select(x >= 0, t, -t)``), TF ``abs`` 0.  Huber and smooth-L1 are C^1
(no kink at ``|d| = delta``, every framework gives ``clip(d, -delta, delta)``).

The Poisson, Gaussian and cosine losses live in ``_regression_more.py``, the root-mean
losses (RMSE, RMSLE: always reduced) in ``_regression_root.py``, the relative error (the
absolute error over a given normalizer) in ``_relative.py`` and the Brier scores
(squared error of probabilities against labels) in ``_brier.py``; all are registered here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._brier import (
    brier_score,
    brier_score_vjp,
    multiclass_brier_score,
    multiclass_brier_score_vjp,
)
from ._cosine_distance import (
    cosine_distance,
    cosine_distance_vjp,
    unit_cosine_distance,
    unit_cosine_distance_vjp,
)
from ._loss_common import EXT, pair, to64, two_diff
from ._pairwise import mean_pairwise_squared_error, mean_pairwise_squared_error_vjp
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._regression_more import (
    _log1p_ratio,
    _sle_inputs,
    cosine_similarity,
    cosine_similarity_vjp,
    gaussian_nll,
    gaussian_nll_vjp,
    poisson_nll,
    poisson_nll_log_input,
    poisson_nll_log_input_vjp,
    poisson_nll_vjp,
)
from ._regression_root import (
    root_mean_squared_error,
    root_mean_squared_error_vjp,
    root_mean_squared_log_error,
    root_mean_squared_log_error_vjp,
)
from ._relative import relative_error, relative_error_vjp
from ._special import two_prod
from ._validate import as_float64, check_finite_scalar, wrt_target

__all__ = [
    "absolute_error",
    "absolute_percentage_error",
    "brier_score",
    "cosine_distance",
    "cosine_similarity",
    "gaussian_nll",
    "huber",
    "log_cosh",
    "mean_pairwise_squared_error",
    "multiclass_brier_score",
    "poisson_nll",
    "poisson_nll_log_input",
    "pseudo_huber",
    "relative_error",
    "root_mean_squared_error",
    "root_mean_squared_log_error",
    "smooth_l1",
    "squared_error",
    "squared_log_error",
    "squared_norm",
    "unit_cosine_distance",
]


def _of_difference(vjp: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """``vjp`` (w.r.t. y_pred) of a loss of d = y_pred - y_true, given ``wrt``: w.r.t.
    y_true it is the negation (d/dy_true f(d) = -f'(d))."""
    @functools.wraps(vjp)
    def either(g: Any, y_pred: Any, y_true: Any, *, wrt: str = "y_pred", **kwargs: Any) -> np.ndarray:
        out = vjp(g, y_pred, y_true, **kwargs)
        if wrt_target(wrt):
            with np.errstate(invalid="ignore"):
                return -out
        return out
    return either


def _reduce(v: np.ndarray, reduction: str, sample_weight: Any, mean_axis: int | None):
    return reduce_loss(v, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def _sign(d: np.ndarray, grad_at_zero: float) -> np.ndarray:
    """sign(d) with the chosen subgradient where d == 0 (NaN stays NaN)."""
    return np.where(d == 0, grad_at_zero, np.sign(d))


# --------------------------------------------------------------------------- squared


def squared_error(
    y_pred: Any, y_true: Any, *, scale: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """scale (y_pred - y_true)^2 elementwise.  y_pred, y_true: same shape [...].

    scale=0.5 is optax's ``l2_loss`` (Bishop's convention)."""
    scale = check_finite_scalar(scale, "scale")
    p, t = pair(y_pred, y_true)
    d, e = two_diff(p, t)
    with np.errstate(over="ignore", invalid="ignore"):
        # (d + e)^2 to first order in the rounding error e; the scale on one factor
        # (exact for 0.5: no overflow of d^2 where scale d^2 is finite)
        v = (scale * d) * (d + 2.0 * e)
    return _reduce(v, reduction, sample_weight, mean_axis)


@_of_difference
def squared_error_vjp(
    g: Any, y_pred: Any, y_true: Any, *, scale: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """d/dy_pred = 2 scale (y_pred - y_true)."""
    scale = check_finite_scalar(scale, "scale")
    p, t = pair(y_pred, y_true)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    d, e = two_diff(p, t)
    with np.errstate(over="ignore", invalid="ignore"):
        return chain(cot, dead, (2.0 * scale) * (d + e))


def squared_norm(x: Any, *, scale: float = 1.0) -> np.ndarray:
    """scale * sum(x^2) over every element of x (any shape): a 0-d array.

    tf.nn.l2_loss is scale=0.5 (``sum(t ** 2) / 2``). The squares are exact (two_prod) and
    summed exactly rounded (math.fsum), on x scaled by a power of 2 so that neither the
    squares nor their sum over- or underflows before the last step. Empty x: 0. NaN
    anywhere: NaN; otherwise inf anywhere: inf.
    """
    scale = check_finite_scalar(scale, "scale")
    x = as_float64(x, "x").ravel()
    if x.size == 0:
        return np.array(0.0)
    if np.isnan(x).any():
        return np.array(np.nan)
    if np.isinf(x).any():
        return np.array(np.inf * scale if scale != 0 else np.nan)
    big = float(np.max(np.abs(x)))
    if big == 0:
        return np.array(0.0)
    k = math.frexp(big)[1]  # x / 2^k in [0.5, 1): squares and their sum are representable
    xs = np.ldexp(x, -k)
    hi, lo = two_prod(xs, xs)
    total = math.fsum(np.concatenate([hi, lo]).tolist())
    with np.errstate(over="ignore", under="ignore"):
        return np.array(np.ldexp(total * scale, 2 * k) if abs(scale) <= 1
                        else np.ldexp(total, 2 * k) * scale)


def squared_norm_vjp(g: Any, x: Any, *, scale: float = 1.0) -> np.ndarray:
    """d/dx = 2 scale x g (g a scalar cotangent)."""
    scale = check_finite_scalar(scale, "scale")
    x = as_float64(x, "x")
    g = as_float64(g, "g")
    if g.size != 1:
        raise ValueError(f"g must be a scalar cotangent, got shape {g.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        return (2.0 * scale) * x * g.reshape(())


# --------------------------------------------------------------------------- absolute


def absolute_error(
    y_pred: Any, y_true: Any, *, mean_axis: int | None = None, reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """|y_pred - y_true| elementwise."""
    p, t = pair(y_pred, y_true)
    with np.errstate(invalid="ignore", over="ignore"):
        v = np.abs(p - t)
    return _reduce(v, reduction, sample_weight, mean_axis)


@_of_difference
def absolute_error_vjp(
    g: Any, y_pred: Any, y_true: Any, *, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None, grad_at_zero: float = 0.0,
) -> np.ndarray:
    """d/dy_pred = sign(y_pred - y_true); ``grad_at_zero`` where y_pred == y_true
    (torch l1_loss and TF abs: 0; jnp.abs: 1)."""
    p, t = pair(y_pred, y_true)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    with np.errstate(invalid="ignore", over="ignore"):
        d = p - t
    return chain(cot, dead, _sign(d, grad_at_zero))


# --------------------------------------------------------------------------- huber


def huber(
    y_pred: Any, y_true: Any, *, delta: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """Huber loss: 0.5 d^2 if |d| <= delta, else delta (|d| - delta/2).  delta > 0.

    optax ``huber_loss``, torch ``huber_loss``, Keras ``huber`` (all the same math).
    """
    delta = check_finite_scalar(delta, "delta", low=0.0, low_inclusive=False)
    p, t = pair(y_pred, y_true)
    d, e = two_diff(p, t)
    a = np.abs(d)
    ea = np.where(d < 0, -e, e)  # |d| + ea = |y_pred - y_true| exactly
    with np.errstate(over="ignore", invalid="ignore"):
        quad = 0.5 * (d * (d + 2.0 * e))
        lin = delta * ((a - 0.5 * delta) + ea)
    return _reduce(np.where(a <= delta, quad, lin), reduction, sample_weight, mean_axis)


@_of_difference
def huber_vjp(
    g: Any, y_pred: Any, y_true: Any, *, delta: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """d/dy_pred = clip(d, -delta, delta) (continuous: no kink at |d| = delta)."""
    delta = check_finite_scalar(delta, "delta", low=0.0, low_inclusive=False)
    p, t = pair(y_pred, y_true)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    d, e = two_diff(p, t)
    return chain(cot, dead, np.clip(d + e, -delta, delta))


# --------------------------------------------------------------------------- smooth L1


def smooth_l1(
    y_pred: Any, y_true: Any, *, beta: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """torch smooth_l1_loss: 0.5 d^2 / beta if |d| < beta, else |d| - beta/2.

    beta >= 0; beta = 0 is |d| (torch dispatches to l1_loss). huber(delta) = delta *
    smooth_l1(beta=delta).
    """
    beta = check_finite_scalar(beta, "beta", low=0.0)
    p, t = pair(y_pred, y_true)
    d, e = two_diff(p, t)
    a = np.abs(d)
    ea = np.where(d < 0, -e, e)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        lin = (a - 0.5 * beta) + ea
        quad = 0.5 * (d * (d + 2.0 * e)) / beta if beta > 0 else lin
    return _reduce(np.where(a < beta, quad, lin), reduction, sample_weight, mean_axis)


@_of_difference
def smooth_l1_vjp(
    g: Any, y_pred: Any, y_true: Any, *, beta: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None, grad_at_zero: float = 0.0,
) -> np.ndarray:
    """d/dy_pred = clip(d / beta, -1, 1); for beta = 0, sign(d) with ``grad_at_zero``
    at d = 0 (torch: 0)."""
    beta = check_finite_scalar(beta, "beta", low=0.0)
    p, t = pair(y_pred, y_true)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    d, e = two_diff(p, t)
    if beta == 0:
        return chain(cot, dead, _sign(d, grad_at_zero))
    with np.errstate(over="ignore", invalid="ignore"):
        local = np.clip((d + e) / beta, -1.0, 1.0)
    return chain(cot, dead, local)


# --------------------------------------------------------------------------- pseudo-Huber


def pseudo_huber(
    y_pred: Any, y_true: Any, *, delta: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """delta^2 (sqrt(1 + (d/delta)^2) - 1).  delta > 0."""
    delta = check_finite_scalar(delta, "delta", low=0.0, low_inclusive=False)
    p, t = pair(y_pred, y_true)
    d, e = two_diff(p, t)
    with np.errstate(over="ignore", invalid="ignore"):
        a = np.abs(d).astype(EXT) + np.where(d < 0, -e, e)
        r = a / delta
        h = np.hypot(EXT(1), r)
        # sqrt(1 + r^2) - 1 = r^2 / (sqrt(1 + r^2) + 1): no cancellation for small r,
        # and r * (r / (h + 1)) cannot overflow before the answer does.
        frac = np.where(np.isinf(r), EXT(1), r / (h + 1))
        v = to64(delta * (a * frac))
    return _reduce(v, reduction, sample_weight, mean_axis)


@_of_difference
def pseudo_huber_vjp(
    g: Any, y_pred: Any, y_true: Any, *, delta: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """d/dy_pred = d / sqrt(1 + (d/delta)^2)."""
    delta = check_finite_scalar(delta, "delta", low=0.0, low_inclusive=False)
    p, t = pair(y_pred, y_true)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    d, e = two_diff(p, t)
    with np.errstate(over="ignore", invalid="ignore"):
        r = (d + e) / delta
        local = np.where(np.isinf(r), np.sign(r) * delta, (d + e) / np.hypot(1.0, r))
    return chain(cot, dead, local)


# --------------------------------------------------------------------------- log-cosh


def log_cosh(
    y_pred: Any, y_true: Any, *, mean_axis: int | None = None, reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """log(cosh(d)).  Keras ``log_cosh``, optax ``log_cosh``."""
    p, t = pair(y_pred, y_true)
    d, e = two_diff(p, t)
    a = np.abs(d).astype(EXT)
    small = a <= 4.0
    with np.errstate(over="ignore", invalid="ignore"):
        s = np.sinh(np.where(small, a, 0.0) / 2)
        # |d| <= 4: log cosh d = log1p(2 sinh^2(d/2)) (no cancellation near 0)
        near = np.log1p(2 * s * s)
        # |d| > 4: |d| + log1p(exp(-2|d|)) - log 2 (no overflow of cosh)
        far = (a - np.log(EXT(2))) + np.log1p(np.exp(-2 * np.where(small, 5.0, a)))
        v = np.where(small, near, far) + np.tanh(a) * np.where(d < 0, -e, e)  # first order in e
        v = to64(v)
    return _reduce(v, reduction, sample_weight, mean_axis)


@_of_difference
def log_cosh_vjp(
    g: Any, y_pred: Any, y_true: Any, *, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """d/dy_pred = tanh(d)."""
    p, t = pair(y_pred, y_true)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    d, e = two_diff(p, t)
    return chain(cot, dead, np.tanh(d + e))


# --------------------------------------------------------------------------- percentage


def _ape_denominator(t: np.ndarray, eps: float | None) -> np.ndarray:
    return np.abs(t) if eps is None else np.maximum(np.abs(t), eps)


def absolute_percentage_error(
    y_pred: Any, y_true: Any, *, eps: float | None = None, scale: float = 100.0,
    mean_axis: int | None = None, reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """scale * |y_pred - y_true| / max(|y_true|, eps).

    eps=None divides by |y_true| (y_true = 0 gives inf, or NaN when y_pred = 0 too).
    Keras MAPE: scale=100, eps=1e-7 (``backend.epsilon()``); scikit-learn
    ``mean_absolute_percentage_error``: scale=1, eps=np.finfo(np.float64).eps.
    """
    if eps is not None:
        eps = check_finite_scalar(eps, "eps", low=0.0, low_inclusive=False)
    scale = check_finite_scalar(scale, "scale", low=0.0, low_inclusive=False)
    p, t = pair(y_pred, y_true)
    d, e = two_diff(p, t)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        v = scale * ((np.abs(d) + np.where(d < 0, -e, e)) / _ape_denominator(t, eps))
    return _reduce(v, reduction, sample_weight, mean_axis)


def absolute_percentage_error_vjp(
    g: Any, y_pred: Any, y_true: Any, *, eps: float | None = None, scale: float = 100.0,
    mean_axis: int | None = None, reduction: str = "none", sample_weight: Any = None,
    grad_at_zero: float = 0.0, wrt: str = "y_pred",
) -> np.ndarray:
    """d/dy_pred = scale sign(d) / m, m = max(|y_true|, eps); ``grad_at_zero`` is sign(0)
    (TF: 0). ``wrt="y_true"``: -scale sign(d) / m - scale |d| sign(y_true) / m^2, the
    second term where m = |y_true| > eps only (below eps the denominator is constant).
    There, with d and y_true of opposite signs, the two terms cancel to scale y_pred / m^2
    (|d| - |t| = -sign(t) y_pred), which is how it is formed (the two terms were 7.8 ULP
    off on the oracle's typical case, and any y_pred << y_true loses more)."""
    if eps is not None:
        eps = check_finite_scalar(eps, "eps", low=0.0, low_inclusive=False)
    scale = check_finite_scalar(scale, "scale", low=0.0, low_inclusive=False)
    p, t = pair(y_pred, y_true)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    m = _ape_denominator(t, eps)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        local = scale * _sign(p - t, grad_at_zero) / m
        if wrt_target(wrt):
            d, e = two_diff(p, t)
            # |d| exactly (d + e in EXT); the denominator's slope is sign(t) where |t| > eps,
            # 0 below; the sum formed in EXT and rounded once
            a = np.abs(d.astype(EXT) + e)
            me = m.astype(EXT)
            slope = np.where(np.abs(t) > (0.0 if eps is None else eps), np.sign(t), 0.0)
            both = -scale * (_sign(p - t, grad_at_zero) / me
                             + np.where(slope == 0, 0.0, a * slope / me / me))
            opposite = (slope != 0) & (np.sign(d) == -slope)
            local = to64(np.where(opposite, scale * p.astype(EXT) / me / me, both))
    return chain(cot, dead, local)


# --------------------------------------------------------------------------- squared log


def squared_log_error(
    y_pred: Any, y_true: Any, *, clip_eps: float | None = None,
    mean_axis: int | None = None, reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """(log1p(y_pred) - log1p(y_true))^2.

    clip_eps: Keras MSLE replaces both inputs by max(x, eps) (eps = 1e-7) before the log.
    Without it, inputs below -1 raise (scikit-learn rejects <= -1; -1 itself gives inf).
    """
    if clip_eps is not None:
        clip_eps = check_finite_scalar(clip_eps, "clip_eps", low=0.0)
    p, t = pair(y_pred, y_true)
    p, t = _sle_inputs(p, t, clip_eps)
    with np.errstate(over="ignore", invalid="ignore"):
        v = to64(np.square(_log1p_ratio(p, t)))
    return _reduce(v, reduction, sample_weight, mean_axis)


def squared_log_error_vjp(
    g: Any, y_pred: Any, y_true: Any, *, clip_eps: float | None = None,
    mean_axis: int | None = None, reduction: str = "none", sample_weight: Any = None,
    grad_at_clip: float = 1.0, wrt: str = "y_pred",
) -> np.ndarray:
    """d/dy_pred = 2 (log1p(P) - log1p(T)) / (1 + P), P = max(y_pred, clip_eps); zero
    where y_pred < clip_eps and ``grad_at_clip`` times it where y_pred == clip_eps
    (TF ``maximum`` and torch ``clamp`` pass the gradient at equality: 1; jax
    ``maximum`` splits it: 0.5). ``wrt="y_true"``: -2 (log1p(P) - log1p(T)) / (1 + T),
    T = max(y_true, clip_eps), with the same rule at T's clip."""
    if clip_eps is not None:
        clip_eps = check_finite_scalar(clip_eps, "clip_eps", low=0.0)
    p0, t0 = pair(y_pred, y_true)
    p, t = _sle_inputs(p0, t0, clip_eps)
    sign, x0, x = (-2, t0, t) if wrt_target(wrt) else (2, p0, p)
    cot, dead = reduce_vjp(g, p0.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        local = to64(sign * _log1p_ratio(p, t) / (1 + x.astype(EXT)))
    if clip_eps is not None:
        local = np.where(x0 < clip_eps, 0.0,
                         np.where(x0 == clip_eps, grad_at_clip * local, local))
    return chain(cot, dead, local)


KIND = "loss"

# the imported losses of y_pred - y_true: their VJPs take wrt="y_true" as the negation too
mean_pairwise_squared_error_vjp = _of_difference(mean_pairwise_squared_error_vjp)
root_mean_squared_error_vjp = _of_difference(root_mean_squared_error_vjp)

FUNCTIONS = {
    "squared_error": squared_error,
    "squared_norm": squared_norm,
    "absolute_error": absolute_error,
    "huber": huber,
    "smooth_l1": smooth_l1,
    "pseudo_huber": pseudo_huber,
    "log_cosh": log_cosh,
    "absolute_percentage_error": absolute_percentage_error,
    "squared_log_error": squared_log_error,
    "poisson_nll": poisson_nll,
    "poisson_nll_log_input": poisson_nll_log_input,
    "cosine_similarity": cosine_similarity,
    "cosine_distance": cosine_distance,
    "unit_cosine_distance": unit_cosine_distance,
    "mean_pairwise_squared_error": mean_pairwise_squared_error,
    "gaussian_nll": gaussian_nll,
    "relative_error": relative_error,
    "root_mean_squared_error": root_mean_squared_error,
    "root_mean_squared_log_error": root_mean_squared_log_error,
    "brier_score": brier_score,
    "multiclass_brier_score": multiclass_brier_score,
}

VJPS = {
    "squared_error": squared_error_vjp,
    "squared_norm": squared_norm_vjp,
    "absolute_error": absolute_error_vjp,
    "huber": huber_vjp,
    "smooth_l1": smooth_l1_vjp,
    "pseudo_huber": pseudo_huber_vjp,
    "log_cosh": log_cosh_vjp,
    "absolute_percentage_error": absolute_percentage_error_vjp,
    "squared_log_error": squared_log_error_vjp,
    "poisson_nll": poisson_nll_vjp,
    "poisson_nll_log_input": poisson_nll_log_input_vjp,
    "cosine_similarity": cosine_similarity_vjp,
    "cosine_distance": cosine_distance_vjp,
    "unit_cosine_distance": unit_cosine_distance_vjp,
    "mean_pairwise_squared_error": mean_pairwise_squared_error_vjp,
    "gaussian_nll": gaussian_nll_vjp,
    "relative_error": relative_error_vjp,
    "root_mean_squared_error": root_mean_squared_error_vjp,
    "root_mean_squared_log_error": root_mean_squared_log_error_vjp,
    "brier_score": brier_score_vjp,
    "multiclass_brier_score": multiclass_brier_score_vjp,
}
