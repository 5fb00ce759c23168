"""Poisson and Gaussian negative log-likelihoods and cosine similarity (registered in
``regression.py``; same ``(y_pred, y_true)`` and reduction conventions), and the log1p
helpers of the squared log error."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._loss_common import EXT, pair, to64
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._special import two_sum
from ._validate import (
    as_float64,
    broadcast_input,
    check_axis,
    check_choice,
    check_finite_scalar,
    check_nonnegative,
    check_same_shape,
    wrt_target,
)

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)

EPS_MODES = ("separate", "product")


# --------------------------------------------------------------------------- Poisson


def _stirling(t: np.ndarray) -> np.ndarray:
    """torch's ``full=True`` term: t log t - t + 0.5 log(2 pi t) where t > 1, else 0."""
    big = t > 1
    tt = np.where(big, t, 2.0).astype(EXT)
    with np.errstate(over="ignore", invalid="ignore"):
        term = tt * np.log(tt) - tt + np.log(2 * np.pi * tt) / 2
    return np.where(big, term, EXT(0))


def _stirling_slope(t: np.ndarray) -> np.ndarray:
    """d/dt of _stirling: log t + 1/(2t) where t > 1, else 0 (torch masks t <= 1); in EXT,
    for the target gradients it is added to (-log q, -y_pred: they cancel near q = t,
    20 ULP in float64 on the oracle's typical case)."""
    big = t > 1
    tt = np.where(big, t, 2.0).astype(EXT)
    return np.where(big, np.log(tt) + 0.5 / tt, EXT(0))


def _poisson_inputs(y_pred: Any, y_true: Any, eps: float | None):
    p, t = pair(y_pred, y_true)
    check_nonnegative(p, "y_pred")
    check_nonnegative(t, "y_true")
    if eps is not None:
        eps = check_finite_scalar(eps, "eps", low=0.0)
    return p, t, eps


def _log_rate(p: np.ndarray, eps: float | None) -> np.ndarray:
    """log(p + eps) in extended precision from the exact sum hi + lo = p + eps (TwoSum):
    log(hi) + log1p(lo / hi). Rounding p + eps, even to 64 bits, costs ~1e-19 absolute,
    which the log (~eps at p = 1) makes ~1e-12 relative."""
    if eps is None:
        with np.errstate(divide="ignore"):
            return np.log(p.astype(EXT))
    hi, lo = two_sum(p, np.full_like(p, eps))
    with np.errstate(divide="ignore", invalid="ignore"):
        lo_over_hi = np.where(np.isfinite(lo) & (hi > 0), lo.astype(EXT) / hi, 0.0)
        return np.log(hi.astype(EXT)) + np.log1p(lo_over_hi)


def poisson_nll(
    y_pred: Any, y_true: Any, *, eps: float | None = None, stirling: bool = False,
    mean_axis: int | None = None, reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """Poisson negative log-likelihood of counts y_true under rates y_pred (>= 0):

        y_pred - y_true log(y_pred + eps)   [+ y_true log y_true - y_true + 0.5 log(2 pi y_true)
                                             where y_true > 1, if stirling]

    with 0 log 0 = 0 (a zero count adds nothing). eps=None is the exact math; Keras
    ``poisson``: eps=1e-7; torch ``poisson_nll_loss(log_input=False)``: eps=1e-8, and
    ``full=True`` is ``stirling=True``.
    """
    p, t, eps = _poisson_inputs(y_pred, y_true, eps)
    pe = p.astype(EXT)  # extended precision: the two terms may cancel
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # xlogy: a zero count contributes 0 even where log(q) = -inf
        v = pe - np.where(t == 0, 0.0, t * _log_rate(p, eps))
        if stirling:
            v = v + _stirling(t)
    v = to64(v)
    return reduce_loss(v, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def poisson_nll_vjp(
    g: Any, y_pred: Any, y_true: Any, *, eps: float | None = None, stirling: bool = False,
    mean_axis: int | None = None, reduction: str = "none", sample_weight: Any = None,
    wrt: str = "y_pred",
) -> np.ndarray:
    """d/dy_pred = 1 - y_true / (y_pred + eps) (the 0 log 0 terms have gradient 1).
    ``wrt="y_true"``: -log(y_pred + eps) (+inf at a zero rate), plus log t + 1/(2t) where
    t > 1 if stirling."""
    p, t, eps = _poisson_inputs(y_pred, y_true, eps)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    q = p.astype(EXT) if eps is None else p.astype(EXT) + eps
    if wrt_target(wrt):
        with np.errstate(divide="ignore", invalid="ignore"):
            local = -_log_rate(p, eps)
            return chain(cot, dead, to64(local + _stirling_slope(t) if stirling else local))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # 1 - t/q = (q - t)/q: no cancellation near the optimum q = t
        local = np.where(t == 0, 1.0, to64((q - t) / q))
    return chain(cot, dead, local)


def poisson_nll_log_input(
    y_pred: Any, y_true: Any, *, stirling: bool = False, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """exp(y_pred) - y_true y_pred, y_pred = log-rate (torch poisson_nll_loss default
    log_input=True); stirling adds torch's ``full=True`` term for y_true > 1."""
    p, t = pair(y_pred, y_true)
    check_nonnegative(t, "y_true")
    with np.errstate(over="ignore", invalid="ignore"):
        # the count-0 term is exp(y_pred) alone: 0 * (-inf) would be NaN
        pe = p.astype(EXT)  # extended precision: the two terms may cancel
        v = np.exp(pe) - np.where(t == 0, 0.0, t * pe)
        if stirling:
            v = v + _stirling(t)
    v = to64(v)
    return reduce_loss(v, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def poisson_nll_log_input_vjp(
    g: Any, y_pred: Any, y_true: Any, *, stirling: bool = False,
    mean_axis: int | None = None, reduction: str = "none", sample_weight: Any = None,
    wrt: str = "y_pred",
) -> np.ndarray:
    """d/dy_pred = exp(y_pred) - y_true; ``wrt="y_true"``: -y_pred, plus log t + 1/(2t)
    where t > 1 if stirling."""
    p, t = pair(y_pred, y_true)
    check_nonnegative(t, "y_true")
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    if wrt_target(wrt):
        return chain(cot, dead, to64(_stirling_slope(t) - p) if stirling else -p)
    with np.errstate(over="ignore", invalid="ignore"):
        local = to64(np.exp(p.astype(EXT)) - t)  # cancels near exp(p) = t
    return chain(cot, dead, local)


# --------------------------------------------------------------------------- squared log
# (helpers of regression.py's squared_log_error and _regression_root.py's RMSLE)


def _sle_inputs(p: np.ndarray, t: np.ndarray, clip_eps: float | None):
    if clip_eps is None:
        for arr, name in ((p, "y_pred"), (t, "y_true")):
            bad = arr < -1
            if np.any(bad):
                raise ValueError(
                    f"{name} must be >= -1 (log1p domain) unless clip_eps is set, got "
                    f"{arr[bad].ravel()[:5].tolist()}"
                )
        return p, t
    return np.maximum(p, clip_eps), np.maximum(t, clip_eps)


def _log1p_ratio(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """log1p(p) - log1p(t), in extended precision, without cancellation when p is close to
    t: log1p((p - t) / (1 + t)) for p >= t, -log1p((t - p) / (1 + p)) otherwise (the
    argument of log1p is then >= 0)."""
    pe, te = p.astype(EXT), t.astype(EXT)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        up = np.log1p((pe - te) / (1 + te))
        down = -np.log1p((te - pe) / (1 + pe))
    return np.where(pe >= te, up, down)


# --------------------------------------------------------------------------- Gaussian


def _gaussian_var(var: Any, shape: tuple[int, ...], eps: float | None) -> np.ndarray:
    v = as_float64(var, "var")
    check_nonnegative(v, "var")
    if v.shape != shape and v.ndim >= 1 and v.shape == shape[:-1]:
        v = v[..., None]  # torch's homoscedastic case: one variance per sample
    v = broadcast_input(v, shape, "var")
    if eps is not None:
        v = np.maximum(v, eps)  # torch clamps var at eps (under no_grad)
    return v


def gaussian_nll(
    y_pred: Any, y_true: Any, *, var: Any, eps: float | None = None, full: bool = False,
    mean_axis: int | None = None, reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """Gaussian negative log-likelihood with mean y_pred and variance ``var`` (>= 0):

        0.5 (log max(var, eps) + (y_pred - y_true)^2 / max(var, eps))  [+ 0.5 log(2 pi)]

    ``var`` has y_pred's shape, or y_pred.shape[:-1] (one variance per sample), or any
    shape broadcastable to it. torch ``gaussian_nll_loss(input, target, var)``:
    eps=1e-6, ``full`` as here. eps=None: no clamp (var = 0 gives inf or NaN).
    """
    if eps is not None:
        eps = check_finite_scalar(eps, "eps", low=0.0)
    p, t = pair(y_pred, y_true)
    v = _gaussian_var(var, p.shape, eps)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ve = v.astype(EXT)  # extended precision: log(var) < 0 may cancel the square
        loss = (np.log(ve) + np.square(p.astype(EXT) - t) / ve) / 2
        if full:
            loss = loss + np.log(2 * EXT(np.pi)) / 2
        loss = to64(loss)
    return reduce_loss(loss, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


VAR_GRADS = ("clamp", "straight_through")


def _sum_to(grad: np.ndarray, var: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The full-shape gradient summed back to ``var``'s own shape (the adjoint of
    ``_gaussian_var``'s broadcast, one variance per sample included)."""
    if var.shape != shape and var.ndim >= 1 and var.shape == shape[:-1]:
        return grad.sum(axis=-1)
    lead = grad.ndim - var.ndim
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(var.shape)
                                      if n == 1 and shape[lead + i] != 1)
    return grad.sum(axis=axes).reshape(var.shape) if axes else grad


def gaussian_nll_vjp(
    g: Any, y_pred: Any, y_true: Any, *, var: Any, eps: float | None = None,
    full: bool = False, mean_axis: int | None = None, reduction: str = "none",
    sample_weight: Any = None, wrt: str = "y_pred", var_grad: str = "clamp",
) -> np.ndarray:
    """d/dy_pred = (y_pred - y_true) / V, d/dy_true = its negation, V = max(var, eps);

        d/dvar = (V - (y_pred - y_true)^2) / (2 V^2)

    summed over the axes ``var`` was broadcast along, and where var < eps: 0 with
    ``var_grad="clamp"`` (the derivative of max(var, eps)), the same formula at V = eps
    with ``"straight_through"`` (torch clamps under no_grad: "the clamping of var is
    ignored with respect to autograd"). At var == eps the gradient passes (torch.clamp's
    rule)."""
    if eps is not None:
        eps = check_finite_scalar(eps, "eps", low=0.0)
    check_choice(wrt, "wrt", ("y_pred", "y_true", "var"))
    check_choice(var_grad, "var_grad", VAR_GRADS)
    p, t = pair(y_pred, y_true)
    v = _gaussian_var(var, p.shape, eps)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if wrt != "var":
            local = (p - t) / v
            return chain(cot, dead, -local if wrt == "y_true" else local)
        # 1/(2V) - (r/V)^2 / 2, not (V - r^2) / (2 V^2): no overflow of r^2 or V^2, and
        # 0 (the limit) at V = inf; extended precision for the cancellation near r^2 = V,
        # kept through the sum over a broadcast variance's elements (terms of both signs:
        # 4.8 ULP with each rounded first, on the oracle's per_sample_var case)
        ve = v.astype(EXT)
        q = (p.astype(EXT) - t) / ve
        local = (1 / ve - q * q) / 2
        if eps is not None and var_grad == "clamp":
            local = np.where(_gaussian_var(var, p.shape, None) < eps, EXT(0), local)
        return to64(_sum_to(chain(cot, dead, local), as_float64(var, "var"), p.shape))


# --------------------------------------------------------------------------- cosine


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = 134217729.0 * a  # Dekker's split: a = hi + lo, each with <= 26 significant bits
    hi = c - (c - a)
    return hi, a - hi


def _exact_dots(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Correctly rounded row sums of x * y (rows of 2-D arrays of finite values scaled
    to [0.5, 1)): exact products by Dekker's TwoProduct, summed exactly by math.fsum."""
    xh, xl = _split(x)
    yh, yl = _split(y)
    prod = x * y
    err = ((xh * yh - prod) + xh * yl + xl * yh) + xl * yl
    parts = np.concatenate([prod, err], axis=1)
    return np.array([math.fsum(row) for row in parts], dtype=np.float64).reshape(-1)


def _cosine_parts(x: np.ndarray, y: np.ndarray, axis: int):
    """Per row: scaled x, y, their binary exponents and exact-ish Sxy, Sxx, Syy."""
    xr = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
    yr = np.moveaxis(y, axis, -1).reshape(-1, y.shape[axis])
    finite = np.all(np.isfinite(xr), axis=1) & np.all(np.isfinite(yr), axis=1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mx = np.max(np.abs(xr), axis=1, initial=0.0)
        my = np.max(np.abs(yr), axis=1, initial=0.0)
    # scale each row by a power of 2 (exact) so products cannot overflow or underflow
    kx = np.where(finite & (mx > 0), np.frexp(np.where(finite, mx, 1.0))[1], 0)
    ky = np.where(finite & (my > 0), np.frexp(np.where(finite, my, 1.0))[1], 0)
    xs = np.ldexp(np.where(finite[:, None], xr, 0.0), -kx[:, None])
    ys = np.ldexp(np.where(finite[:, None], yr, 0.0), -ky[:, None])
    sxy, sxx, syy = _exact_dots(xs, ys), _exact_dots(xs, xs), _exact_dots(ys, ys)
    return xr, yr, finite, xs, ys, kx, ky, sxy, sxx, syy


def _cosine_inputs(y_pred: Any, y_true: Any, axis: int, eps: float | None, eps_mode: str):
    x = as_float64(y_pred, "y_pred")
    y = as_float64(y_true, "y_true")
    check_same_shape(x, y, "y_pred", "y_true")
    if x.ndim == 0:
        raise ValueError("y_pred must have at least one dimension (the vector axis)")
    axis = check_axis(axis, x.ndim)
    if eps is not None:
        eps = check_finite_scalar(eps, "eps", low=0.0)
    check_choice(eps_mode, "eps_mode", EPS_MODES)
    return x, y, axis, eps


def _cosine_core(x, y, axis, eps, eps_mode):
    xr, yr, finite, xs, ys, kx, ky, sxy, sxx, syy = _cosine_parts(x, y, axis)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        nxs, nys = np.sqrt(sxx), np.sqrt(syy)        # norms of the scaled rows
        nx, ny = np.ldexp(nxs, kx), np.ldexp(nys, ky)  # true norms (may round)
        if eps is None:
            cx, cy = np.zeros_like(nx, dtype=bool), np.zeros_like(ny, dtype=bool)
        elif eps_mode == "separate":
            cx, cy = nx < eps, ny < eps
        else:  # product: the clamp applies to |x| |y| together
            both = (nx * ny) < eps
            cx = cy = both
        # inverse norms in scaled units: 2^k / max(norm, eps)
        ix = np.where(cx, np.ldexp(1.0, kx) / (eps or 1.0), 1.0 / nxs)
        iy = np.where(cy, np.ldexp(1.0, ky) / (eps or 1.0), 1.0 / nys)
        if eps is not None and eps_mode == "product":
            ixy = np.where(cx, np.ldexp(1.0, kx + ky) / (eps or 1.0), 1.0 / (nxs * nys))
            ix, iy = ixy, np.ones_like(ixy)
        unclamped = ~(cx | cy)
        c = np.where(unclamped, sxy / np.sqrt(sxx * syy), sxy * ix * iy)
        naive = np.sum(xr * yr, axis=1) / (
            np.sqrt(np.sum(xr * xr, axis=1)) * np.sqrt(np.sum(yr * yr, axis=1))
        )
        c = np.where(finite, c, naive)  # inf/NaN rows: IEEE on the stated formula
    return xr, yr, finite, xs, ys, kx, ky, sxx, ix, iy, cx, cy, c


def _out_shape(x: np.ndarray, axis: int) -> tuple[int, ...]:
    return x.shape[:axis] + x.shape[axis + 1 :]


def cosine_similarity(
    y_pred: Any, y_true: Any, *, axis: int = -1, eps: float | None = None,
    eps_mode: str = "separate", negate: bool = False, reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """cos(x, y) = x.y / (|x| |y|) along ``axis`` (x = y_pred), one value per sample.

    eps=None: the exact cosine (a zero vector gives NaN). eps_mode="separate":
    (x / max(|x|, eps)) . (y / max(|y|, eps)): torch 2.x ``F.cosine_similarity``
    (eps=1e-8), Keras 3 ``cosine_similarity`` (``normalize`` with eps=1e-7, so a zero
    vector gives 0), optax ``cosine_similarity(epsilon=e)`` clamps the *squared* norm
    (eps = sqrt(e)); tf.keras 2 ``l2_normalize`` (epsilon=1e-12 on the squared norm) is
    eps=1e-6. eps_mode="product": x.y / max(|x| |y|, eps) (older torch). negate=True
    returns -cos (Keras' loss). Dot products are exact-then-rounded (fsum).
    """
    x, y, axis, eps = _cosine_inputs(y_pred, y_true, axis, eps, eps_mode)
    c = _cosine_core(x, y, axis, eps, eps_mode)[-1].reshape(_out_shape(x, axis))
    if negate:
        c = -c
    return reduce_loss(c, reduction, sample_weight=sample_weight)


def cosine_similarity_vjp(
    g: Any, y_pred: Any, y_true: Any, *, axis: int = -1, eps: float | None = None,
    eps_mode: str = "separate", negate: bool = False, reduction: str = "none",
    sample_weight: Any = None, wrt: str = "y_pred",
) -> np.ndarray:
    """d cos / dx = y / (|x| |y|) - cos x / |x|^2 where the norms are not clamped; where
    the x norm (or the product, eps_mode="product") is clamped at eps the clamp is a
    constant: d/dx = y / (eps |y|) (resp. y / eps). (torch computes the clamped branch
    as if unclamped: its gradient differs there; Keras' follows the clamp.) ``wrt="y_true"``:
    cos and its clamps are symmetric in x and y, so d/dy is the same with the two swapped."""
    if wrt_target(wrt):
        y_pred, y_true = y_true, y_pred
    x, y, axis, eps = _cosine_inputs(y_pred, y_true, axis, eps, eps_mode)
    out_shape = _out_shape(x, axis)
    cot, dead = reduce_vjp(g, out_shape, reduction, sample_weight=sample_weight)
    xr, yr, finite, xs, ys, kx, _, _, ix, iy, cx, cy, c = _cosine_core(x, y, axis, eps,
                                                                       eps_mode)
    xe, ye = xs.astype(EXT), ys.astype(EXT)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        # extended precision: the y-term and the x-term cancel in the gradient.
        # unclamped: (y Sxx - x Sxy) / (|x|^3 |y|) in scaled units, times 2^-kx;
        # clamped x norm: y / (eps max(|y|, eps)) = ys * ix * iy * 2^-kx
        sxx_e = np.sum(xe * xe, axis=1)[:, None]
        sxy_e = np.sum(xe * ye, axis=1)[:, None]
        syy_e = np.sum(ye * ye, axis=1)[:, None]
        if eps is not None and eps_mode == "separate":
            iy_e = np.where(cy[:, None], iy[:, None], 1 / np.sqrt(syy_e))
        else:
            iy_e = 1 / np.sqrt(syy_e)
        unc = (ye * sxx_e - xe * sxy_e) * iy_e / (sxx_e * np.sqrt(sxx_e))
        clamped = ye * (ix * iy)[:, None]
        grad = np.ldexp(to64(np.where(cx[:, None], clamped, unc)), -kx[:, None])
        nx2 = np.sum(xr * xr, axis=1)[:, None]
        nx = np.sqrt(nx2)
        ny = np.sqrt(np.sum(yr * yr, axis=1))[:, None]
        naive = yr / (nx * ny) - c[:, None] * xr / nx2
        grad = np.where(finite[:, None], grad, naive)
        if negate:
            grad = -grad
    local = grad.reshape(*out_shape, x.shape[axis])
    full = chain(cot[..., None], dead[..., None], local)
    return np.moveaxis(full, -1, axis)
