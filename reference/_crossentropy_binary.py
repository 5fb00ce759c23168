"""Binary (elementwise) cross-entropies: on probabilities, on logits, and their focal forms.

Every function here is elementwise over ``y_pred``/``y_true`` of the same shape (any shape),
then ``mean_axis`` / ``sample_weight`` / ``reduction`` through reference._reduce.reduce_loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._crossentropy_common import (
    check_clip_eps,
    check_label_smoothing,
    clip,
    clip_mask,
    reduction_vjp,
    sigmoid,
    smooth_binary,
    softplus,
)
from ._loss_common import EXT, to64
from ._reduce import kept, reduce_loss
from ._validate import (
    as_float64,
    broadcast_input,
    check_finite_scalar,
    check_probabilities,
    check_same_shape,
    wrt_target,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_vjp",
    "binary_focal_cross_entropy",
    "binary_focal_cross_entropy_vjp",
    "sigmoid_binary_cross_entropy",
    "sigmoid_binary_cross_entropy_vjp",
    "sigmoid_focal_loss",
    "sigmoid_focal_loss_vjp",
]


def _pair(y_pred: Any, y_true: Any, *, logits: bool) -> tuple[np.ndarray, np.ndarray]:
    p = as_float64(y_pred, "y_pred")
    t = check_probabilities(as_float64(y_true, "y_true"), "y_true")
    if not logits:
        check_probabilities(p, "y_pred")
    check_same_shape(p, t, "y_pred", "y_true")
    return p, t


def _pos_weight(pos_weight: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    if pos_weight is None:
        return None
    return broadcast_input(as_float64(pos_weight, "pos_weight"), shape, "pos_weight")


def _xlog(coef: np.ndarray, log_term: np.ndarray) -> np.ndarray:
    """coef * log_term with 0 where coef == 0 (0 · log 0 = 0, the xlogy convention)."""
    return np.where(coef == 0, 0.0, coef * np.where(coef == 0, 0.0, log_term))


def _bce_logs(
    p: np.ndarray, clip_eps: float | None, log_eps: float | None, log_clamp: float | None,
    grad_at_clip: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(log p~, log(1 - p~), their derivatives w.r.t. p), p~ the clipped/eps-shifted p."""
    pc = clip(p, clip_eps)
    mask = clip_mask(p, clip_eps, grad_at_clip)
    e = 0.0 if log_eps is None else log_eps
    # 1/p overflows for subnormal p: inf, as the exact slope rounds to
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if log_eps is None:
            lp = np.log(pc)
            lq = np.log1p(-pc)  # log(1 - p) without forming 1 - p for small p
        else:
            # log1p of the exact (p - 1) near p = 1, plain log elsewhere: no cancellation.
            lp = np.where(pc >= 0.5, np.log1p((pc - 1.0) + e), np.log(pc + e))
            lq = np.where(pc <= 0.5, np.log1p(e - pc), np.log((1.0 - pc) + e))
        dlp = mask / (pc + e)
        dlq = -mask / ((1.0 - pc) + e)
    if log_clamp is not None:
        # torch BCELoss: each log term clamped at >= -100 (zero slope where clamped).
        dlp = np.where(lp < log_clamp, 0.0, dlp)
        dlq = np.where(lq < log_clamp, 0.0, dlq)
        lp = np.maximum(lp, log_clamp)
        lq = np.maximum(lq, log_clamp)
    return lp, lq, dlp, dlq


def _bce_options(
    clip_eps: Any, log_eps: Any, log_clamp: Any, label_smoothing: Any
) -> tuple[float | None, float | None, float | None, float]:
    clip_eps = check_clip_eps(clip_eps)
    if log_eps is not None:
        log_eps = check_finite_scalar(log_eps, "log_eps", low=0.0)
    if log_clamp is not None:
        log_clamp = check_finite_scalar(log_clamp, "log_clamp", high=0.0)
    return clip_eps, log_eps, log_clamp, check_label_smoothing(label_smoothing)


def binary_cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    clip_eps: float | None = None,
    log_eps: float | None = None,
    log_clamp: float | None = None,
    label_smoothing: float = 0.0,
    pos_weight: Any = None,
    mean_axis: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Binary cross-entropy of probabilities, elementwise.

    l = -(w⁺ t log p + (1 - t) log(1 - p)), with 0 · log 0 = 0 (so p = 0, t = 0 gives 0 and
    p = 0, t > 0 gives +inf, exactly).

    Args:
      y_pred: probabilities p in [0, 1], any shape.
      y_true: targets t in [0, 1] (binary or soft), same shape.
      clip_eps: clip p to [eps, 1 - eps] first (Keras 3: 1e-7).
      log_eps: log(p + eps) and log(1 - p + eps) (Keras 2 backend: clip AND +eps).
      log_clamp: each log term clamped at >= log_clamp (torch BCELoss: -100).
      label_smoothing: t <- t (1 - ls) + ls / 2 (Keras).
      pos_weight: w⁺, broadcast to p's shape (torch/TF pos_weight).
      mean_axis, reduction, sample_weight: see reference._reduce.reduce_loss.

    Returns:
      float64: p's shape for reduction="none" (mean_axis removed), else a 0-d array.
    """
    p, t = _pair(y_pred, y_true, logits=False)
    clip_eps, log_eps, log_clamp, ls = _bce_options(clip_eps, log_eps, log_clamp, label_smoothing)
    pw = _pos_weight(pos_weight, p.shape)
    t1, t0 = smooth_binary(t, ls)
    lp, lq, _, _ = _bce_logs(p, clip_eps, log_eps, log_clamp)
    c1 = t1 if pw is None else pw * t1
    with np.errstate(invalid="ignore"):  # -inf + ... only with inf losses; NaN propagates
        values = -(_xlog(c1, lp) + _xlog(t0, lq))
    return reduce_loss(values, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def binary_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    clip_eps: float | None = None,
    log_eps: float | None = None,
    log_clamp: float | None = None,
    label_smoothing: float = 0.0,
    pos_weight: Any = None,
    mean_axis: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
    grad_at_clip: float = 1.0,
    grad_eps: float | None = None,
    wrt: str = "y_pred",
    target_grad_clamped: bool = True,
) -> np.ndarray:
    """VJP of binary_cross_entropy w.r.t. y_pred (or, ``wrt="y_true"``, w.r.t. the soft
    targets: dl/dt = -(1 - ls)(w⁺ log p~ - log(1 - p~)), the forward's logs; -logit(p) =
    log((1 - p)/p) without pos_weight, eps or clamp; +inf at p = 0, -inf at p = 1).
    ``target_grad_clamped=False``: that target gradient ignores ``log_clamp`` (torch's
    binary_cross_entropy_target_backward is -logit(p), not the clamped forward's derivative).

    dl/dp = -(w⁺ t / p~ - (1 - t) / (1 - p~)) times the clip's derivative (0 outside
    [eps, 1 - eps]; ``grad_at_clip`` exactly at a bound: 1 for torch.clamp and
    tf.clip_by_value, 0.5 for jnp.clip); zero where log_clamp is active.
    ``grad_eps``: torch BCELoss's backward is not the derivative of its clamped forward but
    (p - t) / max(p (1 - p), grad_eps) with grad_eps = float32(1e-12) (ATen's EPSILON is a
    float); set it to reproduce that.
    """
    p, t = _pair(y_pred, y_true, logits=False)
    clip_eps, log_eps, log_clamp, ls = _bce_options(clip_eps, log_eps, log_clamp, label_smoothing)
    pw = _pos_weight(pos_weight, p.shape)
    dv = reduction_vjp(g, p.shape, reduction, sample_weight=sample_weight, mean_axis=mean_axis)
    if wrt_target(wrt):
        if not isinstance(target_grad_clamped, (bool, np.bool_)):
            raise TypeError(f"target_grad_clamped must be a bool, got {target_grad_clamped!r}")
        clamp = log_clamp if target_grad_clamped else None
        return kept(dv, (1.0 - ls) * _bce_target_slope(p, clip_eps, log_eps, clamp, pw))
    t1e, t0e = smooth_binary(t.astype(EXT), ls)  # smoothed targets, unrounded for p - t
    t1, t0 = to64(t1e), to64(t0e)
    _, _, dlp, dlq = _bce_logs(p, clip_eps, log_eps, log_clamp, grad_at_clip)
    c1 = t1 if pw is None else pw * t1
    with np.errstate(invalid="ignore"):
        if grad_eps is not None:
            grad_eps = check_finite_scalar(grad_eps, "grad_eps", low=0.0, low_inclusive=False)
            pc = clip(p, clip_eps)
            d = clip_mask(p, clip_eps, grad_at_clip) * (pc - t1) / np.maximum(
                pc * (1.0 - pc), grad_eps
            )
        else:
            d = -(_xlog(c1, dlp) + _xlog(t0, dlq))
            if pw is None and log_clamp is None:
                # -(t/(p+e) - (1-t)/(1-p+e)) = ((p - t) + e(1 - 2t)) / ((p+e)(1-p+e)):
                # p - t is exact when p ≈ t (Sterbenz; in EXT, so a smoothed t keeps its
                # digits: 5.7 ULP in float64), so no cancellation near the minimum.
                pc, e = clip(p, clip_eps).astype(EXT), (log_eps or 0.0)
                with np.errstate(divide="ignore", invalid="ignore"):  # p in {0, 1}: kept d
                    stable = to64(clip_mask(p, clip_eps, grad_at_clip) * (
                        (pc - t1e) + e * (t0e - t1e)) / ((pc + e) * ((1 - pc) + e)))
                d = np.where((t1 > 0) & (t0 > 0), stable, d)
    return kept(dv, d)


def _bce_target_slope(
    p: np.ndarray, clip_eps: float | None, log_eps: float | None, log_clamp: float | None,
    pw: np.ndarray | None, dtype: Any = np.float64,
) -> np.ndarray:
    """d/dt of -(w⁺ t log p~ + (1 - t) log(1 - p~)): log(1 - p~) - w⁺ log p~, in ``dtype``
    (EXT for the focal target gradient, where it meets a term of the other sign)."""
    if log_eps is None and log_clamp is None and pw is None:
        pc = clip(p, clip_eps).astype(dtype)
        # log((1 - p)/p) without the cancellation of log(1 - p) - log p near p = 1/2: 1 - 2p,
        # 2p - 1 and 1 - p are exact there (Sterbenz), one division and log1p round
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            low = np.log1p((1 - 2 * pc) / pc)
            # below p ~ 1e-308 the quotient overflows: log(1 - p) - log p, nothing to cancel
            low = np.where(np.isinf(low) & (pc > 0), np.log1p(-pc) - np.log(pc), low)
            high = -np.log1p((2 * pc - 1) / (1 - pc))
        return np.where(pc <= 0.5, low, high)
    # log(1 - p~) and w⁺ log p~ cancel where they are close (a positive weight, an eps):
    # both in EXT, log1p of the exact p~ - 1 near 1 (6.5 ULP in float64 on the oracle's
    # smoothed_pos_weight case)
    pc = clip(p, clip_eps).astype(EXT)
    e = 0.0 if log_eps is None else log_eps
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.where(pc >= 0.5, np.log1p((pc - 1) + e), np.log(pc + e))
        lq = np.where(pc <= 0.5, np.log1p(e - pc), np.log((1 - pc) + e))
        if log_clamp is not None:  # torch BCELoss: each log clamped at >= -100
            lp, lq = np.maximum(lp, log_clamp), np.maximum(lq, log_clamp)
        slope = lq - (lp if pw is None else pw * lp)
        return to64(slope) if dtype == np.float64 else slope


def sigmoid_binary_cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    label_smoothing: float = 0.0,
    pos_weight: Any = None,
    mean_axis: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Binary cross-entropy of logits x, elementwise (optax sigmoid_binary_cross_entropy,
    torch binary_cross_entropy_with_logits, tf.nn.sigmoid_cross_entropy_with_logits).

    l = -(w⁺ t log σ(x) + (1 - t) log σ(-x)) = w⁺ t softplus(-x) + (1 - t) softplus(x).

    Args:
      y_pred: logits x, any shape.  y_true: targets in [0, 1], same shape.
      label_smoothing: t <- t (1 - ls) + ls / 2.  pos_weight: w⁺ (broadcast).
    """
    x, t = _pair(y_pred, y_true, logits=True)
    ls = check_label_smoothing(label_smoothing)
    pw = _pos_weight(pos_weight, x.shape)
    t1, t0 = smooth_binary(t, ls)
    c1 = t1 if pw is None else pw * t1
    # -log σ(x) = softplus(-x) and -log(1 - σ(x)) = softplus(x): both >= 0, no cancellation.
    values = _xlog(c1, softplus(-x)) + _xlog(t0, softplus(x))
    return reduce_loss(values, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def _target_slope(x: np.ndarray, pw: np.ndarray | None) -> np.ndarray:
    """d/dt of t w⁺ softplus(-x) + (1 - t) softplus(x): w⁺ softplus(-x) - softplus(x)."""
    if pw is None:
        return -x  # softplus(-x) - softplus(x) = -x exactly: no cancellation near x = 0
    # softplus(-x) = softplus(x) - x: the same difference as a linear term and one bounded by
    # |w⁺ - 1| log 2, so the only cancellation is near the root (the plain form loses the bits
    # of w⁺ - 1 for w⁺ near 1); near the root the two terms still cancel, so both are
    # formed in EXT (19.9 ULP in float64 on torch's pos_weight=2 smoothed_labels case).
    # np.where evaluates both (inf - inf in the unused one).
    xe = x.astype(EXT)
    with np.errstate(invalid="ignore"):
        return to64(np.where(x >= 0, (pw - 1.0) * softplus(-xe) - xe,
                             (pw - 1.0) * softplus(xe) - pw * xe))


def sigmoid_binary_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    label_smoothing: float = 0.0,
    pos_weight: Any = None,
    mean_axis: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
    wrt: str = "y_pred",
) -> np.ndarray:
    """VJP w.r.t. the logits: dl/dx = (1 - t) σ(x) - w⁺ t σ(-x)  (= σ(x) - t if w⁺ = 1).

    ``wrt="y_true"`` (soft targets that are themselves trained: distillation, mean
    teachers): dl/dt = (1 - ls) (w⁺ softplus(-x) - softplus(x)), which is -(1 - ls) x for
    w⁺ = 1 (softplus(-x) - softplus(x) = -x).
    """
    x, t = _pair(y_pred, y_true, logits=True)
    ls = check_label_smoothing(label_smoothing)
    pw = _pos_weight(pos_weight, x.shape)
    if wrt_target(wrt):
        d = (1.0 - ls) * _target_slope(x, pw)
    else:
        t1, t0 = smooth_binary(t.astype(EXT), ls)
        # (1 - t) σ(x) - t σ(-x), not σ(x) - t: exact zeros of one term for binary t. The
        # terms cancel where σ(x) is close to a soft t: formed in extended precision (EXT)
        # and rounded once (7 to 15 ULP in float64 on the suite's soft_labels rows).
        with np.errstate(over="ignore"):
            xe = x.astype(EXT)
            s_pos, s_neg = 1 / (1 + np.exp(-xe)), 1 / (1 + np.exp(xe))
        d = to64(t0 * s_pos - (t1 if pw is None else pw * t1) * s_neg)
    dv = reduction_vjp(g, x.shape, reduction, sample_weight=sample_weight, mean_axis=mean_axis)
    return kept(dv, d)


def _focal_options(gamma: Any, alpha: Any) -> tuple[float, float | None]:
    gamma = check_finite_scalar(gamma, "gamma", low=0.0)
    if alpha is not None:
        alpha = check_finite_scalar(alpha, "alpha", low=0.0, high=1.0)
    return gamma, alpha


def _focal_factor(u: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """(u^γ, d u^γ / du), with 0^0 = 1 and γ u^(γ-1) = 0 for γ = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        f = u * u if gamma == 2.0 else np.power(u, gamma)  # u*u: one rounding, not pow's
        df = 2.0 * u if gamma == 2.0 else (gamma * np.power(u, gamma - 1.0) if gamma else 0 * u)
    return f, df


def binary_focal_cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    clip_eps: float | None = None,
    label_smoothing: float = 0.0,
    mean_axis: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
    log_eps: float | None = None,
) -> np.ndarray:
    """Binary focal cross-entropy of probabilities (Keras BinaryFocalCrossentropy).

    l = a · (1 - p_t)^γ · bce(p, t),  1 - p_t = t (1 - p) + (1 - t) p  (from the UNCLIPPED p,
    as Keras), bce = binary_cross_entropy(p, t, clip_eps=clip_eps);
    a = α t + (1 - α)(1 - t) when ``alpha`` is given (Keras apply_class_balancing=True),
    else 1. label_smoothing (Keras) is applied to t first and used everywhere. ``log_eps``:
    bce takes log(p + eps) and log(1 - p + eps) after the clip (Keras 2 backend).
    """
    p, t = _pair(y_pred, y_true, logits=False)
    gamma, alpha = _focal_options(gamma, alpha)
    clip_eps, log_eps, _, _ = _bce_options(clip_eps, log_eps, None, 0.0)
    t1, t0 = smooth_binary(t, check_label_smoothing(label_smoothing))
    lp, lq, _, _ = _bce_logs(p, clip_eps, log_eps, None)
    f, _ = _focal_factor(t1 * (1.0 - p) + t0 * p, gamma)
    with np.errstate(invalid="ignore"):
        values = f * -(_xlog(t1, lp) + _xlog(t0, lq))
        if alpha is not None:
            values = (alpha * t1 + (1.0 - alpha) * t0) * values
    return reduce_loss(values, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def binary_focal_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    clip_eps: float | None = None,
    label_smoothing: float = 0.0,
    mean_axis: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
    grad_at_clip: float = 1.0,
    log_eps: float | None = None,
    wrt: str = "y_pred",
) -> np.ndarray:
    """VJP w.r.t. p: a · [d(u^γ)/du · (1 - 2t) · bce + u^γ · dbce/dp], u = 1 - p_t.

    ``wrt="y_true"``: (1 - ls) [a' u^γ bce + a (d(u^γ)/du (1 - 2p) bce + u^γ (log(1 - p~) -
    log p~))], a' = 2α - 1 (0 without ``alpha``)."""
    p, t = _pair(y_pred, y_true, logits=False)
    gamma, alpha = _focal_options(gamma, alpha)
    clip_eps, log_eps, _, _ = _bce_options(clip_eps, log_eps, None, 0.0)
    ls = check_label_smoothing(label_smoothing)
    dv = reduction_vjp(g, p.shape, reduction, sample_weight=sample_weight, mean_axis=mean_axis)
    if wrt_target(wrt):
        # a sum of products of rounded factors (6.3 ULP in float64 on the oracle's
        # alpha_smoothed case; 7.7 on NumPy 1.24 with the slope in float64): in EXT, the
        # slope log(1 - p~) - log p~ too, rounded once
        pe = p.astype(EXT)
        t1, t0 = smooth_binary(t.astype(EXT), ls)
        lp, lq, _, _ = _bce_logs(pe, clip_eps, log_eps, None, grad_at_clip)
        f, df = _focal_factor(t1 * (1 - pe) + t0 * pe, gamma)
        with np.errstate(invalid="ignore", over="ignore"):
            bce = -(_xlog(t1, lp) + _xlog(t0, lq))
            slope = _bce_target_slope(p, clip_eps, log_eps, None, None, EXT)
            d = _xlog(df * (1 - 2 * pe), bce) + _xlog(f, slope)
            if alpha is not None:
                d = (alpha * t1 + (1 - alpha) * t0) * d + (2 * alpha - 1) * _xlog(f, bce)
            return kept(dv, to64((1 - ls) * d))
    # the two terms have opposite signs on soft labels (dbce changes sign at p = t) and
    # dbce itself is a difference there: all of it in extended precision, rounded once
    # (5.7 ULP in float64 on Keras' soft_labels)
    pe = p.astype(EXT)
    t1, t0 = smooth_binary(t.astype(EXT), ls)
    lp, lq, dlp, dlq = _bce_logs(pe, clip_eps, log_eps, None, grad_at_clip)
    f, df = _focal_factor(t1 * (1 - pe) + t0 * pe, gamma)
    with np.errstate(invalid="ignore", over="ignore"):
        bce = -(_xlog(t1, lp) + _xlog(t0, lq))
        dbce = -(_xlog(t1, dlp) + _xlog(t0, dlq))
        d = _xlog(df * (t0 - t1), bce) + _xlog(f, dbce)
        if alpha is not None:
            d = (alpha * t1 + (1 - alpha) * t0) * d
    return kept(dv, to64(d))


def sigmoid_focal_loss(
    y_pred: Any,
    y_true: Any,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    label_smoothing: float = 0.0,
    mean_axis: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Focal loss of logits x (optax sigmoid_focal_loss, torchvision sigmoid_focal_loss).

    l = a · u^γ · (t softplus(-x) + (1 - t) softplus(x)),  u = 1 - p_t = (1 - t) σ(x) + t σ(-x),
    a = α t + (1 - α)(1 - t) if ``alpha`` is given, else 1. Both terms of u are >= 0: no
    cancellation (optax's logsumexp form loses |log u| ULPs to the exp).
    """
    x, t = _pair(y_pred, y_true, logits=True)
    gamma, alpha = _focal_options(gamma, alpha)
    t1, t0 = smooth_binary(t, check_label_smoothing(label_smoothing))
    f, _ = _focal_factor(t0 * sigmoid(x) + t1 * sigmoid(-x), gamma)
    values = f * (_xlog(t1, softplus(-x)) + _xlog(t0, softplus(x)))
    if alpha is not None:
        values = (alpha * t1 + (1.0 - alpha) * t0) * values
    return reduce_loss(values, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def sigmoid_focal_loss_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    label_smoothing: float = 0.0,
    mean_axis: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
    wrt: str = "y_pred",
) -> np.ndarray:
    """VJP w.r.t. x: a · [γ u^(γ-1) (1 - 2t) σ(x)σ(-x) · ce + u^γ (σ(x) - t)].

    ``wrt="y_true"``: (1 - ls) [a' u^γ ce + a (γ u^(γ-1) (σ(-x) - σ(x)) ce - u^γ x)], with
    a' = 2α - 1 (0 without ``alpha``), u and ce as in sigmoid_focal_loss.
    """
    x, t = _pair(y_pred, y_true, logits=True)
    gamma, alpha = _focal_options(gamma, alpha)
    ls = check_label_smoothing(label_smoothing)
    dv = reduction_vjp(g, x.shape, reduction, sample_weight=sample_weight, mean_axis=mean_axis)
    # in extended precision, rounded once: w.r.t. x the two terms have opposite signs on
    # soft targets (and t0 s - t1 sn is itself a difference): 6 ULP in float64; w.r.t. t,
    # 3.7 ULP in float64 on the oracle's soft case
    x_ = x.astype(EXT)
    t1, t0 = smooth_binary(t.astype(EXT), ls)
    s, sn = sigmoid(x_), sigmoid(-x_)
    f, df = _focal_factor(t0 * s + t1 * sn, gamma)
    ce = _xlog(t1, softplus(-x_)) + _xlog(t0, softplus(x_))
    if wrt_target(wrt):
        with np.errstate(invalid="ignore"):  # 0 · inf at |x| = inf: NaN, the slope is unbounded
            # σ(-x) - σ(x) = -tanh(x / 2): no cancellation near x = 0
            d = _xlog(df * -np.tanh(0.5 * x_), ce) - f * x_
            if alpha is not None:
                d = (alpha * t1 + (1 - alpha) * t0) * d + (2 * alpha - 1) * f * ce
            return kept(dv, to64((1 - ls) * d))
    ssn = s * sn
    # At |x| = inf, s (1 - s) is 0 and ce is inf: the product's limit is 0 (e^-|x| beats
    # |x|), not NaN. For finite x the exact product rounds to 0 in float64 past |x| ~ 745.
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.where(ssn == 0, 0, df * (t0 - t1) * ssn * ce) + f * (t0 * s - t1 * sn)
        if alpha is not None:
            d = (alpha * t1 + (1 - alpha) * t0) * d
    return kept(dv, to64(d))
