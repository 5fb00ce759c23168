"""Entropies and divergences between discrete distributions, and scipy.special's kernels.

Distribution-level functions (``entropy``, ``cross_entropy``, ``kl_divergence``,
``jensen_shannon``...) reduce over ``axis`` (the class axis) and return one value per
distribution. The elementwise kernels (``entr``, ``rel_entr``, ``kl_div_elementwise``,
``xlogy``, ``xlog1py``) follow ``scipy.special`` exactly, edge cases included (checked
against scipy 1.17 by running it):

=============================  ===========================================================
``entr(x)``                    -x log x (x > 0); 0 (x = 0); -inf (x < 0)
``rel_entr(x, y)``             x log(x/y) (x > 0, y > 0); 0 (x = 0, y >= 0); inf otherwise
``kl_div_elementwise(x, y)``   x log(x/y) - x + y (x > 0, y > 0); y (x = 0, y >= 0); inf
``xlogy(x, y)``                x log y, and 0 where x = 0 (unless y is NaN)
``xlog1py(x, y)``              x log(1 + y), and 0 where x = 0 (unless y is NaN)
=============================  ===========================================================

``base``: the logarithm's base (None = e, nats; 2 = bits): the result is divided by
log(base). ``normalize=True`` divides each distribution by its sum over ``axis`` first,
as ``scipy.stats.entropy`` and ``scipy.spatial.distance.jensenshannon`` do.

VJPs are w.r.t. the first argument. At x = 0, where the kernels are not differentiable
(entr, rel_entr, kl_div: a one-sided derivative of -inf/+inf; xlogy at y <= 0: no
derivative), the default is the one-sided limit of the formula and ``grad_at_zero``
declares a framework's choice (torch's xlogy: 0 where x = 0 and y <= 0; jax's rel_entr: 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._activations_common import as_cotangent
from ._crossentropy_common import clip_mask, clipped_log
from ._divergence_kernels import (
    check_base,
    check_distributions,
    exp_minus_one_plus,
    fsum,
    kl_div_kernel,
    kl_div_series,
    log_ratio,
    log_ratio_plus_one,
    scale,
)
from ._entropy_logits import (
    sigmoid_kl_divergence,
    sigmoid_kl_divergence_vjp,
    softmax_entropy,
    softmax_entropy_vjp,
    softmax_kl_divergence,
    softmax_kl_divergence_vjp,
)
from ._kl_log_clipped import binary_kl, binary_kl_vjp, kl_log_clipped, kl_log_clipped_vjp
from ._loss_common import EXT, normalized_log, to64
from ._normalized import centred_log, normalize_vjp, normalized_difference, sum_ext
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._validate import (
    as_float64,
    check_axis,
    check_finite_scalar,
    check_nonnegative,
    check_probabilities,
    check_same_shape,
    wrt_target,
)

# --------------------------------------------------------------------------- kernels


def entr(x: Any) -> np.ndarray:
    """scipy.special.entr: -x log x for x > 0, 0 at x = 0, -inf for x < 0. Any shape."""
    x = as_float64(x, "x")
    with np.errstate(all="ignore"):
        out = -x * np.log(np.where(x > 0, x, 1.0))
    out = np.where(x == 0, 0.0, np.where(x < 0, -np.inf, out))
    return np.where(np.isnan(x), np.nan, out)


def rel_entr(x: Any, y: Any) -> np.ndarray:
    """scipy.special.rel_entr: x log(x/y) (x, y > 0); 0 (x = 0, y >= 0); inf otherwise.

    log(x/y) is computed as log1p((x - y)/y) when y/2 <= x <= 2y (x - y is exact there),
    so the value keeps its relative accuracy when x is close to y.
    """
    x = as_float64(x, "x")
    y = as_float64(y, "y")
    x, y = np.broadcast_arrays(x, y)
    both = (x > 0) & (y > 0)
    with np.errstate(all="ignore"):
        out = x * log_ratio(np.where(both, x, 1.0), np.where(both, y, 1.0))
    out = np.where(both, out, np.where((x == 0) & (y >= 0), 0.0, np.inf))
    return np.where(np.isnan(x) | np.isnan(y), np.nan, out)


def kl_div_elementwise(x: Any, y: Any) -> np.ndarray:
    """scipy.special.kl_div: x log(x/y) - x + y (x, y > 0); y (x = 0, y >= 0); inf otherwise.

    Non-negative everywhere; near x = y it is evaluated as (x - y)^2/(x + y) * U(s),
    s = (x - y)/(x + y), a power series without cancellation (see _divergence_kernels).
    """
    x = as_float64(x, "x")
    y = as_float64(y, "y")
    x, y = np.broadcast_arrays(x, y)
    both = (x > 0) & (y > 0)
    out = kl_div_kernel(np.where(both, x, 1.0), np.where(both, y, 1.0))
    out = np.where(both, out, np.where((x == 0) & (y >= 0), y, np.inf))
    return np.where(np.isnan(x) | np.isnan(y), np.nan, out)


def xlogy(x: Any, y: Any) -> np.ndarray:
    """scipy.special.xlogy: x log y, 0 where x = 0 (NaN y still gives NaN)."""
    x = as_float64(x, "x")
    y = as_float64(y, "y")
    with np.errstate(all="ignore"):
        out = x * np.log(y)
    return np.where((x == 0) & ~np.isnan(y), 0.0, out)


def xlog1py(x: Any, y: Any) -> np.ndarray:
    """scipy.special.xlog1py: x log(1 + y) via log1p, 0 where x = 0 (NaN y gives NaN)."""
    x = as_float64(x, "x")
    y = as_float64(y, "y")
    with np.errstate(all="ignore"):
        out = x * np.log1p(y)
    return np.where((x == 0) & ~np.isnan(y), 0.0, out)


def _times(g: Any, local: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return as_float64(g, "g") * local


def entr_vjp(
    g: Any, x: Any, *, grad_at_zero: float | None = None, grad_at_negative: float = 0.0
) -> np.ndarray:
    """g * (-log x - 1). At x = 0: +inf (one-sided limit; torch, jax) or ``grad_at_zero``.
    For x < 0 entr is the constant -inf: ``grad_at_negative`` (0; torch and jax give NaN)."""
    x = as_float64(x, "x")
    d = -log_ratio_plus_one(np.where(x > 0, x, 1.0), np.ones_like(x))  # exact near x = 1/e
    d = np.where(x == 0, np.inf if grad_at_zero is None else grad_at_zero, d)
    d = np.where(x < 0, grad_at_negative, d)
    return _times(g, np.where(np.isnan(x), np.nan, d))


def _log_ratio_grad(
    x: np.ndarray, y: np.ndarray, grad_at_zero: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """d/dx of kl_div (rel_entr's is this + 1): log(x/y) where x, y > 0; at x = 0 < y the
    limit -inf or ``grad_at_zero``; 0 where the kernels are the constant inf."""
    x, y = np.broadcast_arrays(x, y)
    both = (x > 0) & (y > 0)
    with np.errstate(all="ignore"):
        d = log_ratio(np.where(both, x, 1.0), np.where(both, y, 1.0))
    at_zero = (x == 0) & (y > 0)
    d = np.where(both, d, 0.0)
    d = np.where(at_zero, -np.inf if grad_at_zero is None else grad_at_zero, d)
    return np.where(np.isnan(x) | np.isnan(y), np.nan, d), both


def _y_slope(x: np.ndarray, y: np.ndarray, inside: np.ndarray, slope: np.ndarray,
             at_x_zero: float, at_y_zero: float) -> np.ndarray:
    """d/dy of a two-argument kernel: ``slope`` where ``inside``; ``at_x_zero`` where x = 0
    (the kernel is then a constant or linear in y); ``at_y_zero`` where y = 0 < x (the right
    derivative); 0 where the kernel is the constant inf (or NaN) in y; NaN for NaN inputs."""
    d = np.where(inside, slope, 0.0)
    d = np.where((y == 0) & (x > 0), at_y_zero, d)
    d = np.where(x == 0, at_x_zero, d)
    return np.where(np.isnan(x) | np.isnan(y), np.nan, d)


def rel_entr_vjp(g: Any, x: Any, y: Any, *, grad_at_zero: float | None = None,
                 wrt: str = "y_pred") -> np.ndarray:
    """g * (log(x/y) + 1) where x, y > 0; -inf at x = 0 < y (limit) or ``grad_at_zero``
    (jax: 0); 0 where rel_entr is the constant inf (x < 0, y < 0, or y = 0 < x).
    ``wrt="y_true"`` (w.r.t. y): -x/y where x, y > 0; 0 at x = 0 (rel_entr(0, y >= 0) = 0)
    and where it is the constant inf; -inf at y = 0 < x (the right derivative)."""
    x, y = np.broadcast_arrays(as_float64(x, "x"), as_float64(y, "y"))
    if wrt_target(wrt):
        with np.errstate(all="ignore"):
            d = _y_slope(x, y, (x > 0) & (y > 0), -x / y, 0.0, -np.inf)
        return _times(g, d)
    d, both = _log_ratio_grad(x, y, grad_at_zero)
    plus_one = log_ratio_plus_one(np.where(both, x, 1.0), np.where(both, y, 1.0))
    return _times(g, np.where(both, plus_one, d))


def kl_div_elementwise_vjp(
    g: Any, x: Any, y: Any, *, grad_at_zero: float | None = None, wrt: str = "y_pred",
) -> np.ndarray:
    """g * log(x/y) where x, y > 0; -inf at x = 0 < y (limit) or ``grad_at_zero`` (jax: -1).
    ``wrt="y_true"``: 1 - x/y where x, y > 0; 1 at x = 0 (kl_div(0, y >= 0) = y); -inf at
    y = 0 < x; 0 where kl_div is the constant inf."""
    if wrt_target(wrt):
        x, y = np.broadcast_arrays(as_float64(x, "x"), as_float64(y, "y"))
        with np.errstate(all="ignore"):
            # (y - x)/y: one rounding, no cancellation of 1 - x/y near x = y
            d = _y_slope(x, y, (x > 0) & (y > 0), (y - x) / y, 1.0, -np.inf)
        d = np.where((x > 0) & np.isposinf(y) & np.isfinite(x), 1.0, d)  # ~ y as y -> inf
        return _times(g, np.where((x == 0) & (y < 0), 0.0, d))  # kl_div(0, y < 0) = inf
    d, _ = _log_ratio_grad(as_float64(x, "x"), as_float64(y, "y"), grad_at_zero)
    return _times(g, d)


def _zero_x(d: np.ndarray, x: np.ndarray, zero_x_grad: float | None) -> np.ndarray:
    """``zero_x_grad`` wherever x == 0, whatever y (TensorFlow's xlogy(x != 0, y))."""
    if zero_x_grad is None:
        return d
    return np.where(x == 0, check_finite_scalar(zero_x_grad, "zero_x_grad"), d)


def xlogy_vjp(g: Any, x: Any, y: Any, *, grad_at_zero: float | None = None,
              zero_x_grad: float | None = None, wrt: str = "y_pred") -> np.ndarray:
    """g * log y. Where x = 0 and y <= 0 (no derivative) ``grad_at_zero`` replaces log y
    when given (torch: 0.0; jax keeps log y); ``zero_x_grad`` replaces it wherever x = 0,
    for every y (TensorFlow: 0.0, its gradient being xlogy(x != 0, y) although d/dx of
    x log y at x = 0 is log y). ``wrt="y_true"`` (w.r.t. y): x / y; 0 where
    x = 0 (xlogy(0, y) = 0 for every y); NaN where y < 0 < |x| (log y is NaN)."""
    x = as_float64(x, "x")
    y = as_float64(y, "y")
    x, y = np.broadcast_arrays(x, y)
    if wrt_target(wrt):
        with np.errstate(all="ignore"):
            d = np.where(x == 0, 0.0, np.where(y < 0, np.nan, x / y))
        return _times(g, np.where(np.isnan(x) | np.isnan(y), np.nan, d))
    with np.errstate(all="ignore"):
        d = np.log(y)
    if grad_at_zero is not None:
        d = np.where((x == 0) & (y <= 0), grad_at_zero, d)
    return _times(g, np.where(np.isnan(x), np.nan, _zero_x(d, x, zero_x_grad)))


def xlog1py_vjp(g: Any, x: Any, y: Any, *, grad_at_zero: float | None = None,
                zero_x_grad: float | None = None, wrt: str = "y_pred") -> np.ndarray:
    """g * log1p(y); ``grad_at_zero`` replaces it where x = 0 and y <= -1 (torch: 0.0),
    ``zero_x_grad`` wherever x = 0 (TensorFlow: 0.0, as for xlogy).
    ``wrt="y_true"``: x / (1 + y); 0 where x = 0; NaN where y < -1 < |x|."""
    x = as_float64(x, "x")
    y = as_float64(y, "y")
    x, y = np.broadcast_arrays(x, y)
    if wrt_target(wrt):
        with np.errstate(all="ignore"):
            d = np.where(x == 0, 0.0, np.where(y < -1, np.nan, x / (1.0 + y)))
        return _times(g, np.where(np.isnan(x) | np.isnan(y), np.nan, d))
    with np.errstate(all="ignore"):
        d = np.log1p(y)
    if grad_at_zero is not None:
        d = np.where((x == 0) & (y <= -1), grad_at_zero, d)
    return _times(g, np.where(np.isnan(x), np.nan, _zero_x(d, x, zero_x_grad)))


# ------------------------------------------------------------ distribution functions


def entropy(p: Any, *, axis: int = -1, base: float | None = None, normalize: bool = False,
            log_clip_eps: float | None = None) -> np.ndarray:
    """Shannon entropy H(P) = -sum_i p_i log p_i over ``axis``, with 0 log 0 = 0.

    p: non-negative, any shape (...), classes along ``axis``; returns the shape with
    ``axis`` removed. ``normalize=True`` divides p by its sum first (scipy.stats.entropy).
    ``log_clip_eps``: -sum_i p_i log(clip(p_i, eps, 1 - eps)), the weights unclipped
    (torch.distributions.Categorical(probs=p).entropy(), eps = finfo(dtype).eps: a one-hot
    row has entropy -log(1 - eps) ~ eps, not 0).
    """
    (p,), ax, _ = check_distributions((p,), ("p",), axis, normalize)
    if log_clip_eps is not None:
        q, log_c = _clipped_log(p, ax, normalize, log_clip_eps)
        with np.errstate(invalid="ignore"):
            terms = np.where(q == 0, 0.0, -q * log_c)
        return scale(terms.sum(axis=ax), base)
    if not normalize:
        return scale(entr(p).sum(axis=ax), base)
    q, log_q, _ = normalized_log(p, ax)  # log q from S - p where q is near 1
    with np.errstate(invalid="ignore"):
        terms = np.where(q > 0, -q * log_q, np.where(q == 0, 0.0, entr(q)))
    return scale(terms.sum(axis=ax), base)


def entropy_vjp(g: Any, p: Any, *, axis: int = -1, base: float | None = None,
                normalize: bool = False, log_clip_eps: float | None = None,
                grad_at_clip: float = 1.0) -> np.ndarray:
    """dH/dp_i = -log p_i - 1 (+inf at p_i = 0), through the normalisation if any:
    -(log P_i + H(P)) / sum p, P = p / sum p (the -1 drops out: sum P = 1).
    ``log_clip_eps``: -log p_i - 1 inside (eps, 1 - eps), -log(bound) beyond a bound (the
    clip passes no gradient), -log(bound) - ``grad_at_clip`` at it."""
    (p,), ax, _ = check_distributions((p,), ("p",), axis, normalize)
    gb = np.expand_dims(scale(as_float64(g, "g"), base), ax)
    if log_clip_eps is not None:
        q, log_c = _clipped_log(p, ax, normalize, log_clip_eps)
        eps = float(log_clip_eps)
        m = clip_mask(q, eps, check_finite_scalar(grad_at_clip, "grad_at_clip"))
        with np.errstate(invalid="ignore"):
            local = gb * _minus_log_clipped_plus_slope(q, log_c, m, eps)
        if not normalize:
            return local
        return _centred_or(normalize_vjp(local, p, ax), gb, _clipped_centred(p, q, ax, eps, m),
                           p, ax)
    if not normalize:
        return entr_vjp(gb, p)
    q, log_q, _ = normalized_log(p, ax)
    with np.errstate(invalid="ignore"):
        local = np.where(q > 0, gb * (-log_q - 1.0), entr_vjp(gb, q))
    return _centred_or(normalize_vjp(local, p, ax), gb, centred_log(p, p, ax), p, ax)


def _clipped_log(p: np.ndarray, ax: int, normalize: bool, eps: Any
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(P, log clip(P, eps, 1 - eps)), P = p or p / sum p; log P from normalized_log inside."""
    eps = check_finite_scalar(eps, "log_clip_eps", low=0.0, high=0.5, low_inclusive=False,
                              high_inclusive=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        q, log_q = normalized_log(p, ax)[:2] if normalize else (p, np.log(p))
        log_c = clipped_log(log_q, q < eps, q > 1.0 - eps, eps)
    return q, np.where(np.isnan(q), np.nan, log_c)


def _minus_log_clipped_plus_slope(q: np.ndarray, log_c: np.ndarray, m: np.ndarray,
                                  eps: float) -> np.ndarray:
    """-log clip(q) - m, as -(log q + 1) exact near q = 1/e inside the clip (where it
    vanishes: -log q - 1 of a rounded log cancels)."""
    inside = (q > eps) & (q < 1.0 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        fine = -log_ratio_plus_one(np.where(inside, q, 1.0), np.ones_like(q))
    return np.where(inside, fine, -log_c - m)


def _clipped_centred(p: np.ndarray, q: np.ndarray, ax: int, eps: float, m: np.ndarray
                     ) -> np.ndarray:
    """c with -c / sum p = the clipped entropy's VJP per unit cotangent, the local gradient
    -log clip(P_i) - m_i (m the clip's slope) centred: c_i = [log clip(P_i) - sum_j P_j
    log clip(P_j)] - (1 - m_i) + r. The logs are centred_log's of x = p inside the clip,
    bound * sum p beyond it (log x - log sum p = log clip(P): equal or near entries cancel
    exactly); r = sum_j P_j (1 - m_j) is the mass the clip holds (not 1 - sum P m)."""
    with np.errstate(invalid="ignore", over="ignore"):
        inside = (q > eps) & (q < 1.0 - eps)
        x = np.where(inside, p, np.where(q < 0.5, eps, 1.0 - eps) * np.sum(p, axis=ax,
                                                                           keepdims=True))
        pe = normalized_log(p, ax, EXT)[0]
        r = np.sum(pe * (1 - m), axis=ax, keepdims=True)
        # (1 - m_i) - r = sum_j P_j m_j - m_i: -r where m_i = 1, else from the inside mass
        # (a row the clip holds entirely gives exactly 0 there, not 1 - r)
        rest = np.where(m == 1, -r, np.sum(pe * m, axis=ax, keepdims=True) - m)
        return centred_log(p, x, ax) - rest


def _centred_or(fallback: np.ndarray, gb: np.ndarray, c: np.ndarray, p: np.ndarray, ax: int
                ) -> np.ndarray:
    """-gb c / sum p where the centred log c is defined, else ``fallback``. Centring the
    local gradient -log P_i afterwards cancels where log P_i is near the mean: 400 ULP on
    typical rows, 2.7e4 on a row [0.5, 0.5, 6e-8, ...], 0 for 9e-38 (the terms are O(1))."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(np.isnan(c), fallback, to64(-gb * c / sum_ext(p, ax)))


def cross_entropy(p: Any, q: Any, *, axis: int = -1, base: float | None = None,
                  normalize: bool = False) -> np.ndarray:
    """H(P, Q) = -sum_i p_i log q_i = H(P) + KL(P || Q), terms with p_i = 0 are 0.

    NOTE the order: ``p`` is the TARGET (true) distribution, ``q`` the model's. (The
    cross-entropy *losses* in crossentropy.py take predictions first.) Same shapes;
    returns the shape with ``axis`` removed. VJP w.r.t. p: -log q_i.
    """
    (p, q), ax, norm = check_distributions((p, q), ("p", "q"), axis, normalize)
    if not normalize:
        return scale(-xlogy(p, q).sum(axis=ax), base)
    pn, log_q = norm(p), normalized_log(q, ax)[1]  # log q unhurt by q's rounding
    with np.errstate(invalid="ignore"):
        terms = np.where((pn == 0) & ~np.isnan(log_q), 0.0, -pn * log_q)  # as xlogy
    return scale(terms.sum(axis=ax), base)


def cross_entropy_vjp(g: Any, p: Any, q: Any, *, axis: int = -1, base: float | None = None,
                      normalize: bool = False) -> np.ndarray:
    """dH(P,Q)/dp_i = -log q_i (through p's normalisation if ``normalize``: there
    -(log Q_i - sum_j P_j log Q_j) / sum p)."""
    (p, q), ax, _ = check_distributions((p, q), ("p", "q"), axis, normalize)
    gb = np.expand_dims(scale(as_float64(g, "g"), base), ax)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_q = normalized_log(q, ax)[1] if normalize else np.log(q)
        local = gb * -log_q
    if not normalize:
        return local
    return _centred_or(normalize_vjp(local, p, ax), gb, centred_log(p, q, ax), p, ax)


def _kl_prepare(y_pred, y_true, axis, clip_eps, normalize):
    (p, t), ax, norm = check_distributions((y_pred, y_true), ("y_pred", "y_true"), axis,
                                           normalize)
    eps = None
    if clip_eps is not None:
        eps = check_finite_scalar(clip_eps, "clip_eps", low=0.0, high=1.0, low_inclusive=False)
    pn, tn = norm(p), norm(t)
    if eps is not None:
        pc, tc = np.clip(pn, eps, 1.0), np.clip(tn, eps, 1.0)  # Keras clips BOTH to [eps, 1]
    else:
        pc, tc = pn, tn
    return p, t, pn, tn, pc, tc, ax, eps


def _clip_factor(xn: np.ndarray, eps: float | None, grad_at_clip: float) -> np.ndarray | float:
    """The derivative of clip(x, eps, 1): 1 inside, ``grad_at_clip`` at a bound, 0 outside."""
    if eps is None:
        return 1.0
    inside = (xn > eps) & (xn < 1.0)
    edge = (xn == eps) | (xn == 1.0)
    return np.where(inside, 1.0, np.where(edge, grad_at_clip, 0.0))


def kl_divergence(y_pred: Any, y_true: Any, *, axis: int = -1, base: float | None = None,
                  clip_eps: float | None = None, normalize: bool = False,
                  reduction: str = "none", sample_weight: Any = None,
                  log_clip_eps: float | None = None) -> np.ndarray:
    """KL(y_true || y_pred) = sum_i t_i log(t_i / p_i) over ``axis``; terms with t_i = 0 are 0.

    y_pred (p), y_true (t): non-negative, same shape (..., C). Per-sample values (axis
    removed) go through reduce_loss. ``normalize``: both divided by their sums first
    (scipy.stats.entropy(t, p)). ``clip_eps``: both clipped to [eps, 1] (Keras
    kl_divergence, eps=1e-7), after normalising. Inf where some p_i = 0 < t_i.
    Computed as sum kl_div(t_i, p_i) + sum(t_i - p_i) (exact identity): non-negative terms
    and an exactly rounded (fsum) correction, so t close to p keeps its relative accuracy.
    ``log_clip_eps``: sum_i t_i (log clip(t_i) - log clip(p_i)), clip(x) = clip(x, eps,
    1 - eps), the weights unclipped, 0 where t_i = 0 and inf where t_i > 0 = p_i
    (torch.distributions.kl_divergence of two Categorical(probs=...), eps = finfo(dtype).eps).
    """
    p, t, _, _, pc, tc, ax, eps = _kl_prepare(y_pred, y_true, axis, clip_eps, normalize)
    if log_clip_eps is not None:
        values = kl_log_clipped(p, t, ax, normalize, _log_clip(log_clip_eps, clip_eps))
        values = np.squeeze(values, axis=ax)
        return reduce_loss(scale(values, base), reduction, sample_weight=sample_weight)
    with np.errstate(invalid="ignore", over="ignore"):
        # sum t log(t/p) = sum kl_div(t, p) + sum(t - p). The second sum is exactly 0 for
        # normalised inputs; where it is not small it would cancel: use rel_entr there.
        terms = kl_div_elementwise(tc, pc)
        if normalize and eps is None:
            terms = _kl_near_terms(terms, normalized_difference(t, p, ax), tc, pc)
            terms = _kl_subnormal_terms(terms, p, t, tc, pc, ax)
        values = terms.sum(axis=ax)
        if not normalize or eps is not None:
            diff = fsum(tc - pc, ax)
            close = np.abs(diff) <= 1e-3 * tc.sum(axis=ax)
            values = np.where(close, values + diff, _rel_entr_sum(tc, pc, ax))
    values = np.where(np.isinf(values), np.inf, values)  # inf + finite correction stays inf
    return reduce_loss(scale(values, base), reduction, sample_weight=sample_weight)


def _log_clip(log_clip_eps: Any, clip_eps: Any) -> float:
    if clip_eps is not None:
        raise ValueError(f"clip_eps={clip_eps!r} and log_clip_eps={log_clip_eps!r}: give one "
                         f"(Keras clips the probabilities, torch only their logs)")
    return check_finite_scalar(log_clip_eps, "log_clip_eps", low=0.0, high=0.5,
                               low_inclusive=False, high_inclusive=False)


def binary_kl_divergence(y_pred: Any, y_true: Any, *, log_clip_eps: float | None = None
                         ) -> np.ndarray:
    """KL(Bernoulli(t) || Bernoulli(p)) = t log(t / p) + (1 - t) log((1 - t) / (1 - p)),
    elementwise, p = y_pred, t = y_true in [0, 1]; 0 log 0 = 0, inf where t > 0 = p or
    t < 1 = p. ``log_clip_eps``: the logs of clip(., eps, 1 - eps), the weights t, 1 - t
    not clipped, with the same 0 and inf (torch.distributions.kl_divergence of two
    Bernoulli(probs=...), eps = finfo(dtype).eps; its logits are log(pc) - log1p(-pc))."""
    p, t, eps = _binary_pair(y_pred, y_true, log_clip_eps)
    return binary_kl(p, t, eps)


def binary_kl_divergence_vjp(g: Any, y_pred: Any, y_true: Any, *,
                             log_clip_eps: float | None = None, grad_at_clip: float = 1.0,
                             wrt: str = "y_pred") -> np.ndarray:
    """dKL/dp = (p - t) / (p (1 - p)) (times the clip's slope at p); dKL/dt = logit(t) -
    logit(p) (of the clipped values; -inf at t = 0 unclipped). NaN where the KL is inf."""
    p, t, eps = _binary_pair(y_pred, y_true, log_clip_eps)
    gb = as_cotangent(g, p.shape)
    return binary_kl_vjp(gb, p, t, eps, check_finite_scalar(grad_at_clip, "grad_at_clip"),
                         wrt_target(wrt))


def _binary_pair(y_pred: Any, y_true: Any, log_clip_eps: Any
                 ) -> tuple[np.ndarray, np.ndarray, float | None]:
    p = check_probabilities(as_float64(y_pred, "y_pred"), "y_pred")
    t = check_probabilities(as_float64(y_true, "y_true"), "y_true")
    check_same_shape(p, t, "y_pred", "y_true")
    return p, t, None if log_clip_eps is None else _log_clip(log_clip_eps, None)


def _rel_entr_sum(t: np.ndarray, p: np.ndarray, ax: int) -> np.ndarray:
    """sum_i t_i log(t_i / p_i) of unnormalised rows, whose terms have both signs: each
    term and the sum in extended precision, rounded once (float64 terms rounded one by one
    cost their rounding times the cancellation: 24 ULP on Keras' `unnormalised` rows)."""
    te, pe = t.astype(EXT), p.astype(EXT)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        terms = np.where(te == 0, EXT(0), te * np.log(te / pe))  # 0 log 0 = 0, any p
    return to64(np.sum(terms, axis=ax))


def _kl_near_terms(terms: np.ndarray, delta: np.ndarray, x: np.ndarray, y: np.ndarray
                   ) -> np.ndarray:
    """kl_div(x, y) of normalised x = X / S_X, y = Y / S_Y near each other, from delta = x - y
    formed from X, Y (normalized_difference, EXT): the rounded quotients' difference is
    1e-16 / |x - y| relative off (1.5e6 ULP of KL and JS on rows 1e-6 apart)."""
    d = to64(delta)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        series, near = kl_div_series(d, to64(delta - d), x + y)
    return np.where(near & (x > 0) & (y > 0) & np.isfinite(series), series, terms)


def _kl_subnormal_terms(terms: np.ndarray, p: np.ndarray, t: np.ndarray, tc: np.ndarray,
                        pc: np.ndarray, ax: int) -> np.ndarray:
    """kl_div(t_i, p_i) of normalised t, p where p_i = P_i / S_P is subnormal or flushed to
    0: its rounding, a relative error up to 1, would cost t_i times that in t_i log(t_i /
    p_i). There t_i (log t_i - log p_i) - t_i + p_i, each log from the unrounded quotient."""
    _, log_t, _ = normalized_log(t, ax)
    _, log_p, _ = normalized_log(p, ax)
    redo = (pc < np.finfo(np.float64).tiny) & (p > 0) & (t > 0) & np.isfinite(log_p)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(redo, tc * (log_t - log_p) - tc + pc, terms)


def kl_divergence_vjp(g: Any, y_pred: Any, y_true: Any, *, axis: int = -1,
                      base: float | None = None, clip_eps: float | None = None,
                      normalize: bool = False, reduction: str = "none",
                      sample_weight: Any = None, grad_at_clip: float = 1.0,
                      wrt: str = "y_pred", log_clip_eps: float | None = None) -> np.ndarray:
    """dKL/dp_i = -t_i / p_i (0 where t_i = 0). With ``clip_eps`` the gradient is 0 where
    p was clipped, times ``grad_at_clip`` exactly at eps or 1 (tf/torch pass it: 1.0).

    ``wrt="y_true"``: dKL/dt_i = log(t_i / p_i) + 1, through t's clip and normalisation the
    same way; at t_i = 0 the right derivative, -inf (+inf where p_i = 0 too: the term jumps
    from 0 to inf)."""
    p, t, pn, tn, pc, tc, ax, eps = _kl_prepare(y_pred, y_true, axis, clip_eps, normalize)
    cot, dead = reduce_vjp(g, p.shape[:ax] + p.shape[ax + 1:], reduction,
                           sample_weight=sample_weight)
    cot = np.expand_dims(scale(cot, base), ax)
    if log_clip_eps is not None:
        grad = kl_log_clipped_vjp(np.where(np.expand_dims(dead, ax), 0.0, cot), p, t, ax,
                                  normalize, _log_clip(log_clip_eps, clip_eps),
                                  check_finite_scalar(grad_at_clip, "grad_at_clip"),
                                  wrt_target(wrt))
        return np.where(np.expand_dims(dead, ax), 0.0, grad)
    if wrt_target(wrt):
        with np.errstate(divide="ignore", invalid="ignore"):
            at_zero = np.where(pc == 0, np.inf, -np.inf)
            both = (tc > 0) & (pc > 0)
            # log(t/p) + 1 without overflow of t/p (a subnormal p) and exact near t/p = 1/e
            inner = log_ratio_plus_one(np.where(both, tc, 1.0), np.where(both, pc, 1.0))
            rest = np.where(np.isnan(tc) | np.isnan(pc), np.nan, np.inf)  # t > 0 = p: inf
            local = np.where(tc == 0, at_zero, np.where(both, inner, rest))
        x, xn = t, tn
    else:
        # -t/p beyond float64's range for a subnormal p: -inf, as it is
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            local = np.where(tc == 0, 0.0, -tc / pc)
        x, xn = p, pn
    local = local * _clip_factor(xn, eps, grad_at_clip)
    grad = chain(cot, np.expand_dims(dead, ax), local)
    if normalize:
        grad = normalize_vjp(grad, x, ax)
    if wrt_target(wrt) and normalize and eps is None:
        grad = np.where(_positive_rows(p, t, ax), _kl_target_normalized(p, t, ax, cot), grad)
    elif normalize and eps is None:
        # -t_i/p_i centred: (P_i - T_i) / p_i (the sum over j of P_j (-T_j / P_j) is -1),
        # with P - T formed from p and t: centring the rounded -T_i / P_i lost 158 ULP on
        # typical rows, 1.5e7 on rows 1e-6 apart
        # (rows where t_j = 0 wherever p_j = 0; there the limit, cot / sum p)
        ok = np.all(((p > 0) | (t == 0)) & np.isfinite(p) & np.isfinite(t), axis=ax,
                    keepdims=True) & (t.sum(axis=ax, keepdims=True) > 0)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            centred = to64(np.where(p > 0, -cot * normalized_difference(t, p, ax) / p,
                                    cot / sum_ext(p, ax)))
        grad = np.where(ok, centred, grad)
    return np.where(np.expand_dims(dead, ax), 0.0, grad)


def _positive_rows(p: np.ndarray, t: np.ndarray, ax: int) -> np.ndarray:
    ok = (p > 0) & (t > 0) & np.isfinite(p) & np.isfinite(t)
    return np.all(ok, axis=ax, keepdims=True)


def _kl_target_normalized(p: np.ndarray, t: np.ndarray, ax: int, cot: np.ndarray
                          ) -> np.ndarray:
    """dKL/dt of rows all > 0 through tau = t / S: (g_i - Σ_j tau_j g_j) / S with
    g = cot log(tau / P), in extended precision from the exact sums. The + 1 of
    log(tau / P) + 1 contributes exactly 0 through the normalisation (Σ tau = 1) and is left
    out: with it, and with tau and P rounded to float64 first, the centring lost 87 ULP on
    the oracle's normalize case."""
    tau, log_tau, _ = normalized_log(t, ax, EXT)
    pn, log_pn, _ = normalized_log(p, ax, EXT)
    delta = normalized_difference(t, p, ax)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # log(tau / P) = log1p((tau - P) / P) near 1, tau - P formed from t and p
        near = np.abs(delta) <= 0.5 * pn
        gt = cot * np.where(near, np.log1p(delta / pn), log_tau - log_pn)
        centred = gt - np.sum(tau * gt, axis=ax, keepdims=True)
        return to64(centred / np.sum(t.astype(EXT), axis=ax, keepdims=True))


def kl_div_log_input(y_pred: Any, y_true: Any, *, log_target: bool = False,
                     axis: int | None = None, mean_axis: int | None = None,
                     reduction: str = "none", sample_weight: Any = None) -> np.ndarray:
    """KL from log-predictions: torch.nn.functional.kl_div (pointwise), optax kl_divergence.

    y_pred is log q (log-probabilities); y_true is t (log_target=False, t >= 0) or log t
    (log_target=True). Same shapes. Pointwise terms:
    log_target=False: t (log t - y_pred), 0 where t = 0 (t >= 0 required; any y_pred but NaN).
    log_target=True:  exp(t) (t - y_pred), t = log-target.
    ``axis=None``: the terms are the loss (torch); ``axis=k``: summed over axis k, one value
    per sample, KL(t || q) = sum_i t_i (log t_i - y_i) (optax ``kl_divergence`` and
    ``kl_divergence_with_log_targets``, axis=-1), exactly-rounded sum of the rounded terms.
    Then reduce_loss ("batchmean" = torch's KL-correct mean). Where y_pred is close to log t
    a term cancels: its error is ~2 ULP x (1 + |log t| / |log t - y_pred|).
    """
    y, t = _kl_log_pair(y_pred, y_true, log_target)
    ax = None if axis is None else check_axis(axis, max(y.ndim, 1))
    values = _kl_log_terms(y, t, log_target)
    if ax is not None:
        values = fsum(values.reshape(y.shape or (1,)), ax).reshape(_without(y.shape, ax))
    return reduce_loss(values, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def _kl_log_terms(y: np.ndarray, t: np.ndarray, log_target: bool) -> np.ndarray:
    with np.errstate(all="ignore"):
        if log_target:
            return np.exp(t) * (t - y)
        values = t * (np.log(np.where(t > 0, t, 1.0)) - y)
        return np.where((t == 0) & ~np.isnan(y), 0.0, values)  # 0 log 0 = 0, any q


def _without(shape: tuple[int, ...], ax: int) -> tuple[int, ...]:
    return shape[:ax] + shape[ax + 1:]


def _kl_log_pair(y_pred: Any, y_true: Any, log_target: Any) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(log_target, (bool, np.bool_)):
        raise TypeError(f"log_target must be a bool, got {log_target!r}")
    y = as_float64(y_pred, "y_pred")
    t = as_float64(y_true, "y_true")
    check_same_shape(y, t, "y_pred", "y_true")
    if not log_target:
        check_nonnegative(t, "y_true")
    return y, t


def kl_div_log_input_vjp(g: Any, y_pred: Any, y_true: Any, *, log_target: bool = False,
                         axis: int | None = None, mean_axis: int | None = None,
                         reduction: str = "none", sample_weight: Any = None,
                         wrt: str = "y_pred") -> np.ndarray:
    """d/dy_pred = -t (log_target=False) or -exp(t) (log_target=True), per element (the
    per-sample sum over ``axis`` passes each sample's cotangent to all its elements).

    ``wrt="y_true"`` (a target that is trained too: mutual learning, Jensen-Shannon):
    d/dt = (log t - y_pred) + 1, -inf at t = 0 (the one-sided limit of d(t log t)/dt);
    with log_target, d/dτ = exp(τ) (τ - y_pred + 1).
    """
    y, t = _kl_log_pair(y_pred, y_true, log_target)
    if wrt_target(wrt):
        local = _kl_log_target_slope(y, t, log_target)
    else:
        local = np.where(np.isnan(y), np.nan, -np.exp(t) if log_target else -t)
    return _per_element(g, local, y.shape, axis, mean_axis, reduction, sample_weight)


def _per_element(g: Any, local: np.ndarray, shape: tuple[int, ...], axis: int | None,
                 mean_axis: int | None, reduction: str, sample_weight: Any) -> np.ndarray:
    """Each element's cotangent (its sample's, where ``axis`` sums the loss's terms) times
    ``local``, the element's slope."""
    ax = None if axis is None else check_axis(axis, max(len(shape), 1))
    cot, dead = reduce_vjp(g, shape if ax is None else _without(shape, ax), reduction,
                           sample_weight=sample_weight, mean_axis=mean_axis)
    if ax is None:
        return chain(cot, dead, local)
    grad = chain(np.expand_dims(cot, ax), np.expand_dims(dead, ax), local.reshape(shape or (1,)))
    return np.broadcast_to(grad, shape or (1,)).reshape(shape).copy()


def _kl_log_target_slope(y: np.ndarray, t: np.ndarray, log_target: bool) -> np.ndarray:
    """d/dt of t (log t - y) or exp(τ) (τ - y), in extended precision, rounded once."""
    if log_target:
        with np.errstate(all="ignore"):
            ye, te = y.astype(EXT), t.astype(EXT)
            # (τ - y) + 1: the difference first, exact where τ is close to y (Sterbenz)
            return to64(np.exp(te) * ((te - ye) + 1))
    return to64(_log_ratio_ext(y, t) + 1)


def _log_ratio_ext(y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """log t - y in extended precision (the slope in t of t log t - t y, less 1). At t = 0
    the right derivative: -inf for finite y; for y = -inf the term jumps from 0 (0 log 0) to
    +inf, so +inf. NaN for a NaN y."""
    with np.errstate(all="ignore"):
        at_zero = np.where(y == -np.inf, np.inf, -np.inf)
        r = np.where(t == 0, at_zero, np.log(t.astype(EXT)) - y.astype(EXT))
    return np.where(np.isnan(y), np.nan, r)


def _generalized_terms(y: np.ndarray, t: np.ndarray) -> np.ndarray:
    """t (log t - y) - t + exp(y) per element, >= 0 (scipy.special.kl_div(t, exp(y)))."""
    with np.errstate(all="ignore"):
        ye = y.astype(EXT)
        pos = t > 0
        r = np.log(np.where(pos, t, 1.0).astype(EXT)) - ye  # log t - y in 64-bit significand
        # t (e^-r - 1 + r): no cancellation; where e^-r would overflow (y >> log t),
        # t (r - 1) + exp(y) (exp(y) dominates: no cancellation either).
        near = r >= -2
        value = np.where(near, t * exp_minus_one_plus(np.where(near, r, 0)), t * (r - 1) + np.exp(ye))
        value = np.where(pos, value, np.exp(ye))  # t = 0: 0 log 0 - 0 + q = q
        value = to64(value)
    value = np.where(np.isnan(y) | np.isnan(t), np.nan, value)
    return np.where(np.isposinf(y) | (np.isposinf(t) & ~np.isnan(y)), np.inf, value)


def generalized_kl_div_log_input(y_pred: Any, y_true: Any, *, axis: int = -1,
                                 reduction: str = "none", sample_weight: Any = None
                                 ) -> np.ndarray:
    """Generalized KL (I-divergence) of unnormalised q = exp(y_pred) from t, per sample:

    D(t || q) = sum_i [t_i log(t_i / q_i) - t_i + q_i] over ``axis``, the Bregman
    divergence of x log x - x; equal to KL(t || q) when both sum to 1. y_pred = log q;
    y_true = t >= 0, same shape; a term with t_i = 0 is q_i. optax
    ``generalized_kl_divergence`` (and the deprecated ``convex_kl_divergence``).
    Each term is t (e^-r - 1 + r), r = log t - y_pred (>= 0, no cancellation; r in
    extended precision), summed exactly rounded; per-sample values go through reduce_loss.
    """
    y, t = _kl_log_pair(y_pred, y_true, False)
    ax = check_axis(axis, max(y.ndim, 1))
    terms = _generalized_terms(y, t).reshape(y.shape or (1,))
    values = fsum(terms, ax).reshape(_without(y.shape, ax))
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def generalized_kl_div_log_input_vjp(g: Any, y_pred: Any, y_true: Any, *, axis: int = -1,
                                     reduction: str = "none", sample_weight: Any = None,
                                     wrt: str = "y_pred") -> np.ndarray:
    """d/dy_pred = exp(y_pred) - t = t expm1(-r) (computed so: no cancellation near t = q).

    ``wrt="y_true"``: d/dt = r = log t - y_pred (-inf at t = 0)."""
    y, t = _kl_log_pair(y_pred, y_true, False)
    if wrt_target(wrt):
        return _per_element(g, to64(_log_ratio_ext(y, t)), y.shape, axis, None, reduction,
                            sample_weight)
    with np.errstate(all="ignore"):
        ye = y.astype(EXT)
        pos = t > 0
        r = np.log(np.where(pos, t, 1.0).astype(EXT)) - ye
        local = np.where(r >= -700, t * np.expm1(-r), np.exp(ye) - t)
        local = to64(np.where(pos, local, np.exp(ye)))
    local = np.where(np.isnan(y) | np.isnan(t), np.nan, local)
    local = np.where(np.isposinf(y) & ~np.isnan(t), np.inf, local)
    return _per_element(g, local, y.shape, axis, None, reduction, sample_weight)


def _midpoint(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """M = (P + Q)/2, never 0 where P or Q is not."""
    with np.errstate(over="ignore"):
        m = 0.5 * (p + q)  # the sum first: the halves of two subnormals can both round to 0
    m = np.where(np.isfinite(m), m, 0.5 * p + 0.5 * q)  # huge unnormalised inputs: halves first
    # (2^-1074 + 0)/2 rounds to 0 (ties to even): take 2^-1074, so p/m stays finite; the
    # terms it changes are below 1e-323
    return np.where((m == 0) & ((p > 0) | (q > 0)), np.nextafter(0.0, 1.0), m)


def jensen_shannon(p: Any, q: Any, *, axis: int = -1, base: float | None = None,
                   normalize: bool = False) -> np.ndarray:
    """JS(P, Q) = KL(P || M)/2 + KL(Q || M)/2, M = (P + Q)/2, over ``axis``.

    Evaluated as sum (kl_div(p, m) + kl_div(q, m))/2 (the -x + y terms cancel exactly):
    non-negative terms, first-order insensitive to the rounding of m.
    scipy.spatial.distance.jensenshannon returns sqrt of this with normalize=True
    (see jensen_shannon_distance). Returns the shape with ``axis`` removed.
    """
    (p, q), ax, norm = check_distributions((p, q), ("p", "q"), axis, normalize)
    pn, qn = norm(p), norm(q)
    m = _midpoint(pn, qn)
    with np.errstate(invalid="ignore"):
        to_p, to_q = kl_div_elementwise(pn, m), kl_div_elementwise(qn, m)
    if normalize:
        # P - M = (P - Q)/2 and Q - M = (Q - P)/2, formed from p and q (as in KL)
        half = normalized_difference(p, q, ax) / 2
        to_p = _kl_near_terms(to_p, half, pn, m)
        to_q = _kl_near_terms(to_q, -half, qn, m)
    return scale(0.5 * (to_p + to_q).sum(axis=ax), base)


def jensen_shannon_vjp(g: Any, p: Any, q: Any, *, axis: int = -1, base: float | None = None,
                       normalize: bool = False, wrt: str = "y_pred") -> np.ndarray:
    """dJS/dp_i = log(p_i / m_i) / 2 (log(2)/2 where p_i = q_i = 0; -inf at p_i = 0 < q_i).
    ``wrt="y_true"``: w.r.t. q, by symmetry (JS(P, Q) = JS(Q, P))."""
    if wrt_target(wrt):
        return jensen_shannon_vjp(g, q, p, axis=axis, base=base, normalize=normalize)
    (p, q), ax, norm = check_distributions((p, q), ("p", "q"), axis, normalize)
    gb = np.expand_dims(scale(as_float64(g, "g"), base), ax)
    pn, qn = norm(p), norm(q)
    m = _midpoint(pn, qn)
    d, _ = _log_ratio_grad(pn, m, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (pn - qn) / (pn + qn)
        # log(p/m) = log1p(s): p - q is exact where |s| <= 1/3, m's rounding is avoided.
        d = np.where((np.abs(s) <= 1 / 3) & (pn > 0), np.log1p(np.where(np.abs(s) <= 1, s, 0.0)), d)
        if normalize:
            # P - Q formed from p and q, the log and the centring in EXT (the rounded
            # quotients' difference: 3e7 ULP on rows 1e-6 apart; centring in float64: 33)
            pe, qe = normalized_log(p, ax, EXT)[0], normalized_log(q, ax, EXT)[0]
            se = normalized_difference(p, q, ax) / (pe + qe)
            far = np.where((pn > 0) & (qn > 0), np.log(2 * pe / (pe + qe)), d.astype(EXT))
            d = np.where((np.abs(s) <= 1 / 3) & (pn > 0), np.log1p(se), far)
    d = np.where((pn == 0) & (qn == 0), np.log(2.0), d)
    with np.errstate(invalid="ignore"):
        local = gb * 0.5 * d
    if not normalize:
        return local
    return _js_centred(normalize_vjp(local, p, ax), gb, d, p, q, ax)


def _js_centred(fallback: np.ndarray, gb: np.ndarray, f: np.ndarray, p: np.ndarray,
                q: np.ndarray, ax: int) -> np.ndarray:
    """dJS/dp through p's normalisation: gb (f_i - sum_j P_j f_j) / (2 sum p), f = log(P / M)
    (EXT). Where f holds a common log 2 (Q_i << P_i: f_i = log 2 - log1p(Q_i / P_i)) the
    centring would lose everything below it (0 for 4.7e-44): there the same centring of
    h = log1p(Q / P) = log 2 - f, whose log 2 cancels (sum P = 1). Per element, the form
    with the smaller terms. Rows with a zero in P, or not finite: ``fallback``."""
    pe, qe = normalized_log(p, ax, EXT)[0], normalized_log(q, ax, EXT)[0]
    ok = np.all((p > 0) & np.isfinite(p) & np.isfinite(q), axis=ax, keepdims=True) & (
        q.sum(axis=ax, keepdims=True) > 0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        h = np.log1p(qe / np.where(ok, pe, 1))
        f_bar = np.sum(pe * f, axis=ax, keepdims=True)
        h_bar = np.sum(pe * h, axis=ax, keepdims=True)
        by_h = np.abs(h) + np.abs(h_bar) < np.abs(f) + np.abs(f_bar)
        c = np.where(by_h, h_bar - h, f - f_bar)
        return np.where(ok, to64(gb * 0.5 * c / sum_ext(p, ax)), fallback)


def jensen_shannon_distance(p: Any, q: Any, *, axis: int = -1, base: float | None = None,
                            normalize: bool = False) -> np.ndarray:
    """sqrt(JS(P, Q)): scipy.spatial.distance.jensenshannon (which uses normalize=True)."""
    return np.sqrt(jensen_shannon(p, q, axis=axis, base=base, normalize=normalize))


def jensen_shannon_distance_vjp(g: Any, p: Any, q: Any, *, axis: int = -1,
                                base: float | None = None, normalize: bool = False,
                                grad_at_zero: float = 0.0, wrt: str = "y_pred") -> np.ndarray:
    """g / (2 sqrt(JS)) * dJS/dp; at P = Q (JS = 0, a cone point) ``grad_at_zero``.
    ``wrt="y_true"``: w.r.t. q (symmetric)."""
    kw = {"axis": axis, "normalize": normalize}
    js = jensen_shannon(p, q, **kw)  # nats; base applied once below
    root_log_base = 1.0 if check_base(base) is None else np.sqrt(np.log(base))
    with np.errstate(divide="ignore", invalid="ignore"):
        gj = np.where(js == 0, 0.0, as_float64(g, "g") / (2.0 * np.sqrt(js) * root_log_base))
    grad = jensen_shannon_vjp(gj, p, q, wrt=wrt, **kw)
    zero = np.expand_dims(js == 0, axis)
    return np.where(zero, grad_at_zero * np.ones_like(grad), grad)


# --------------------------------------------------------------------------- registry

KIND = "loss"

FUNCTIONS = {
    "entropy": entropy,
    "softmax_entropy": softmax_entropy,
    "cross_entropy": cross_entropy,
    "kl_divergence": kl_divergence,
    "binary_kl_divergence": binary_kl_divergence,
    "softmax_kl_divergence": softmax_kl_divergence,
    "sigmoid_kl_divergence": sigmoid_kl_divergence,
    "kl_div_log_input": kl_div_log_input,
    "generalized_kl_div_log_input": generalized_kl_div_log_input,
    "jensen_shannon": jensen_shannon,
    "jensen_shannon_distance": jensen_shannon_distance,
    "entr": entr,
    "rel_entr": rel_entr,
    "kl_div_elementwise": kl_div_elementwise,
    "xlogy": xlogy,
    "xlog1py": xlog1py,
}

VJPS = {
    "entropy": entropy_vjp,
    "softmax_entropy": softmax_entropy_vjp,
    "cross_entropy": cross_entropy_vjp,
    "kl_divergence": kl_divergence_vjp,
    "binary_kl_divergence": binary_kl_divergence_vjp,
    "softmax_kl_divergence": softmax_kl_divergence_vjp,
    "sigmoid_kl_divergence": sigmoid_kl_divergence_vjp,
    "kl_div_log_input": kl_div_log_input_vjp,
    "generalized_kl_div_log_input": generalized_kl_div_log_input_vjp,
    "jensen_shannon": jensen_shannon_vjp,
    "jensen_shannon_distance": jensen_shannon_distance_vjp,
    "entr": entr_vjp,
    "rel_entr": rel_entr_vjp,
    "kl_div_elementwise": kl_div_elementwise_vjp,
    "xlogy": xlogy_vjp,
    "xlog1py": xlog1py_vjp,
}
