"""Categorical cross-entropies with one-hot or soft targets along a class axis.

Inputs: ``y_pred`` (probabilities, logits or log-probabilities) and ``y_true`` (targets in
[0, 1]) of the same shape, the classes along ``axis``. The per-sample loss drops that
axis; ``sample_weight`` and ``reduction`` then go through reference._reduce.reduce_loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._crossentropy_common import (
    check_clip_eps,
    check_label_smoothing,
    check_soft_pair,
    class_axis,
    class_weight_array,
    clip,
    clip_mask,
    log_softmax_parts,
    neg_log_softmax_ext,
    reduction_vjp,
    smooth_categorical,
    smooth_categorical_lo,
    sum_except,
)
from ._loss_common import EXT, exact_products, exact_rest, exact_sums, normalized_log, to64
from ._reduce import kept, reduce_loss
from ._validate import (
    as_float64,
    check_finite_scalar,
    check_nonnegative,
    check_probabilities,
    wrt_target,
)

__all__ = [
    "categorical_cross_entropy",
    "categorical_cross_entropy_vjp",
    "categorical_focal_cross_entropy",
    "categorical_focal_cross_entropy_vjp",
    "log_softmax_cross_entropy",
    "log_softmax_cross_entropy_vjp",
    "poly1_cross_entropy",
    "poly1_cross_entropy_vjp",
    "softmax_cross_entropy",
    "softmax_cross_entropy_vjp",
]


def _xlog(coef: np.ndarray, log_term: np.ndarray) -> np.ndarray:
    """coef * log_term with 0 where coef == 0 (0 · log 0 = 0); a NaN log_term propagates
    (xlogy's rule: 0 · log NaN = NaN), so a NaN prediction is never silently hidden."""
    zero = (coef == 0) & ~np.isnan(log_term)
    return np.where(zero, 0.0, coef * np.where(zero, 0.0, log_term))


def _soft(
    y_pred: Any, y_true: Any, axis: Any, *, probabilities: bool = False, renormalize: bool = False
) -> tuple[np.ndarray, np.ndarray, int]:
    x = as_float64(y_pred, "y_pred")
    t = check_probabilities(as_float64(y_true, "y_true"), "y_true")
    ax = class_axis(x, axis)
    check_soft_pair(x, t, ax)
    if probabilities:
        # Unnormalised scores are fine when they are renormalised first (Keras).
        check_nonnegative(x, "y_pred") if renormalize else check_probabilities(x, "y_pred")
    return x, t, ax


def _normalized_clipped(
    p: np.ndarray, axis: int, renormalize: bool, clip_eps: float | None, grad_at_clip: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(o, d o/d q, q, S): q = p / S if renormalize (S = Σ p) else p; o = clip(q)."""
    s = np.sum(p, axis=axis, keepdims=True) if renormalize else np.ones(())
    with np.errstate(divide="ignore", invalid="ignore"):  # an all-zero row: 0/0 = NaN
        q = p / s if renormalize else p
    return clip(q, clip_eps), clip_mask(q, clip_eps, grad_at_clip), q, s


def _through_renormalize(
    h: np.ndarray, q: np.ndarray, s: np.ndarray, p: np.ndarray, axis: int
) -> np.ndarray:
    """dL/dp from h = dL/dq, q = p / S:
    (h_j - Σ_i h_i q_i) / S = (h_j (S - p_j) - Σ_{i≠j} h_i p_i) / S².

    Formed as on the left, h_j - Σ h_i q_i cancels where q_j is near 1 (only the other
    classes' share is left, and q's rounding is 1e-16 / (1 - q_j) of it: 1e-9 relative on
    near_01). On the right, S - p_j and Σ_{i≠j} h_i p_i are exact sums of exact products and
    the quotient is taken in extended precision; the left form stays where an input is not
    finite or S = 0."""
    plain = _plain_through_renormalize(h, q, s, axis)
    hl, pl = np.moveaxis(h, axis, -1), np.moveaxis(p, axis, -1)
    s_hi, s_lo = (x[..., None] for x in exact_sums(pl))
    r_hi, r_lo = exact_rest(pl, s_hi, s_lo)
    a, ae = exact_products(hl, pl)  # h_i p_i
    hp_hi, hp_lo = (np.broadcast_to(x[..., None], pl.shape)
                    for x in exact_sums(np.concatenate([a, ae], axis=-1)))
    b, be = exact_products(hl, r_hi)
    n_hi, n_lo = exact_sums(np.stack([b, be, hl * r_lo, -hp_hi, -hp_lo, a, ae], axis=-1))
    s_ext = s_hi.astype(EXT) + s_lo.astype(EXT)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        exact = to64((n_hi.astype(EXT) + n_lo.astype(EXT)) / (s_ext * s_ext))
    ok = np.isfinite(pl).all(axis=-1, keepdims=True) & np.isfinite(hl).all(axis=-1, keepdims=True)
    return np.where(np.moveaxis(ok & (s_hi > 0), -1, axis), np.moveaxis(exact, -1, axis), plain)


def _plain_through_renormalize(h: np.ndarray, q: np.ndarray, s: np.ndarray, axis: int
                               ) -> np.ndarray:
    """(h_j - Σ_i h_i q_i) / S as written: what rows with a non-finite entry or S = 0 get."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (h - np.sum(_xlog(q, h), axis=axis, keepdims=True)) / s


def _log_and_complement(
    o: np.ndarray, q: np.ndarray, p: np.ndarray, ax: int, renormalize: bool,
    dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(o, log o, 1 - o) in ``dtype`` for o = clip(q), q = p / S: where renormalised and the
    clip passes q, from :func:`normalized_log` (no loss to q's rounding near 1; with
    dtype=EXT, o is there the unrounded quotient too)."""
    oe = o.astype(dtype)
    with np.errstate(divide="ignore"):
        log_o, u = np.log(oe), 1 - oe
    if not renormalize:
        return oe, log_o, u
    qd, log_q, rest = normalized_log(p, ax, dtype)
    kept_q = o == q
    return np.where(kept_q, qd, oe), np.where(kept_q, log_q, log_o), np.where(kept_q, rest, u)


def categorical_cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    clip_eps: float | None = None,
    renormalize: bool = False,
    label_smoothing: float = 0.0,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Cross-entropy of probabilities: l = -Σ_c t_c log p_c (0 · log 0 = 0), per sample.

    Args:
      y_pred: probabilities p, classes along ``axis``.  y_true: targets, same shape.
      renormalize: p <- p / Σ_c p_c BEFORE clipping (Keras categorical_crossentropy).
      clip_eps: clip to [eps, 1 - eps] (Keras: 1e-7).
      label_smoothing: t <- t (1 - ls) + ls / C (Keras).

    Returns:
      float64 of y_pred's shape without ``axis`` (reduction="none"), else 0-d.
    """
    p, t, ax = _soft(y_pred, y_true, axis, probabilities=True, renormalize=renormalize)
    clip_eps = check_clip_eps(clip_eps)
    t = smooth_categorical(t, check_label_smoothing(label_smoothing), p.shape[ax])
    o, _, q, _ = _normalized_clipped(p, ax, renormalize, clip_eps, 1.0)
    _, log_o, _ = _log_and_complement(o, q, p, ax, renormalize)  # log 0 = -inf: +inf where t > 0
    values = -np.sum(_xlog(t, log_o), axis=ax)
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def categorical_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    clip_eps: float | None = None,
    renormalize: bool = False,
    label_smoothing: float = 0.0,
    reduction: str = "none",
    sample_weight: Any = None,
    grad_at_clip: float = 1.0,
    wrt: str = "y_pred",
) -> np.ndarray:
    """VJP w.r.t. p: dl/dq_c = -t_c / o_c (times the clip's derivative), then through
    the renormalisation: (h_j - Σ_i h_i q_i) / S. ``wrt="y_true"``: dl/dt_c = -(1 - ls) log o_c
    (+inf where o_c = 0)."""
    p, t, ax = _soft(y_pred, y_true, axis, probabilities=True, renormalize=renormalize)
    clip_eps = check_clip_eps(clip_eps)
    ls = check_label_smoothing(label_smoothing)
    t_lo = smooth_categorical_lo(t, ls, p.shape[ax])
    t = smooth_categorical(t, ls, p.shape[ax])
    o, mask, q, s = _normalized_clipped(p, ax, renormalize, clip_eps, grad_at_clip)
    if wrt_target(wrt):
        _, log_o, _ = _log_and_complement(o, q, p, ax, renormalize)
        return _per_class(g, t, ax, reduction, sample_weight, -(1.0 - ls) * log_o)
    with np.errstate(divide="ignore"):
        h = -_xlog(t, mask / o)
    if renormalize:
        d = _renormalized_ce_grad(t * mask, t_lo * mask, p, ax,
                                  _plain_through_renormalize(h, q, s, ax))
    else:
        d = h
    return _per_class(g, t, ax, reduction, sample_weight, d)


def _renormalized_ce_grad(w: np.ndarray, w_lo: np.ndarray, p: np.ndarray, ax: int,
                          d: np.ndarray) -> np.ndarray:
    """The cross-entropy's dl/dp through q = p / S, from the inputs alone:
    d_j = (T p_j - w_j S) / (p_j S), w = t times the clip's derivative, T = Σ w, S = Σ p.
    ``w_lo``: w's rounding error (smoothed labels: 58 ULP on the suite's smoothed rows
    without it; 0 without smoothing), carried into T and the products.

    h_i q_i = -w_i exactly (the clip passes q_i wherever w_i != 0), so the quotient rule's
    (h_j - Σ h_i q_i) / S is (T - w_j S / p_j) / S, with no rounded q in it: T p_j - w_j S
    is an exact sum of exact products, the quotient taken in extended precision (within
    1 ULP where the soft-target gradient cancels, which the general form loses to q's
    rounding: 14.6 ULP on its oracle's renormalized case). ``d`` stays where an input is
    not finite, p_j = 0 or S = 0."""
    wl, pl = np.moveaxis(w, ax, -1), np.moveaxis(p, ax, -1)
    wl_lo = np.moveaxis(w_lo, ax, -1)
    # d is homogeneous of degree -1 in p: a row whose largest p is below 1 is scaled up by
    # a power of 2 (exactly) so that its products do not underflow, and d scaled back
    with np.errstate(invalid="ignore"):
        top = np.max(np.where(np.isfinite(pl), pl, 0.0), axis=-1, keepdims=True)
    scale = np.ldexp(1.0, -np.minimum(np.frexp(top)[1], 0))
    pl = pl * scale
    t_hi, t_lo = (x[..., None] for x in exact_sums(np.concatenate([wl, wl_lo], axis=-1)))
    s_hi, s_lo = (x[..., None] for x in exact_sums(pl))
    a, ae = exact_products(pl, t_hi)
    b, be = exact_products(wl, s_hi)
    n_hi, n_lo = exact_sums(np.stack([a, ae, pl * t_lo, -b, -be, -wl * s_lo, -wl_lo * s_hi],
                                     axis=-1))
    s_ext = s_hi.astype(EXT) + s_lo.astype(EXT)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # a class the clip stops (w_j = 0) gets T / S, whatever p_j's size
        exact = to64(scale * np.where(wl == 0, (t_hi.astype(EXT) + t_lo.astype(EXT)) / s_ext,
                                      (n_hi.astype(EXT) + n_lo.astype(EXT))
                                      / (pl.astype(EXT) * s_ext)))
    ok = np.isfinite(pl).all(axis=-1, keepdims=True) & np.isfinite(wl).all(axis=-1, keepdims=True)
    ok = np.moveaxis(ok & (s_hi > 0) & (pl > 0), -1, ax)
    return np.where(ok, np.moveaxis(exact, -1, ax), d)


def _per_class(g: Any, t: np.ndarray, ax: int, reduction: str, sample_weight: Any,
               d: np.ndarray) -> np.ndarray:
    """Each sample's cotangent (classes along ``ax`` summed into it) times ``d``."""
    dv = reduction_vjp(g, t.shape[:ax] + t.shape[ax + 1 :], reduction, sample_weight=sample_weight)
    return kept(np.expand_dims(dv, ax), d)


def _class_weighted_targets(
    t: np.ndarray, ax: int, label_smoothing: Any, class_weight: Any
) -> np.ndarray:
    t = smooth_categorical(t, check_label_smoothing(label_smoothing), t.shape[ax])
    if class_weight is None:
        return t
    return t * class_weight_array(class_weight, t.shape[ax], ax, t.ndim)


def softmax_cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    label_smoothing: float = 0.0,
    class_weight: Any = None,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Cross-entropy of logits x with soft/one-hot targets (optax softmax_cross_entropy,
    tf.nn.softmax_cross_entropy_with_logits, torch cross_entropy with probability targets).

    l = -Σ_c w_c t_c log_softmax(x)_c,  -log_softmax(x)_c = (m - x_c) + log Σ_k exp(x_k - m),
    m = max_k x_k; 0 · log 0 = 0. label_smoothing: t <- t (1 - ls) + ls / C (torch, Keras).
    class_weight: w, shape (C,) (torch ``weight``; torch's 'mean' is reduction="mean").
    """
    x, t, ax = _soft(y_pred, y_true, axis)
    c = _class_weighted_targets(t, ax, label_smoothing, class_weight)
    neg_shift, lse, _ = log_softmax_parts(x, ax)
    with np.errstate(invalid="ignore"):
        values = np.sum(_xlog(c, neg_shift + lse), axis=ax)
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def softmax_ce_grad(x: np.ndarray, c: np.ndarray, ax: int) -> np.ndarray:
    """d/dx of Σ_c c_c (-log_softmax(x)_c): s_j Σ_{c≠j} c_c - c_j (1 - s_j).

    Written so that one-hot targets give -c_y (1 - s_y) with 1 - s_y = Σ_{k≠y} e_k / Σ e_k
    summed directly (no 1 - s cancellation). The two terms still cancel where s_j is close
    to c_j / Σ c (smoothed labels over many classes: 812 ULP in float64 on the suite's
    many_classes rows), so e, s and the difference are formed in extended precision (EXT,
    with c as precise as the caller gives it) and rounded once.
    """
    _, _, e = log_softmax_parts(x, ax, EXT)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.sum(e, axis=ax, keepdims=True)
        s = e / total
        one_minus_s = sum_except(e, ax) / total
        return to64(s * sum_except(c, ax) - c * one_minus_s)


def softmax_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    label_smoothing: float = 0.0,
    class_weight: Any = None,
    reduction: str = "none",
    sample_weight: Any = None,
    wrt: str = "y_pred",
    label_gradient: bool = True,
) -> np.ndarray:
    """VJP w.r.t. the logits: (softmax(x)_j Σ_c w_c t_c - w_j t_j) per sample.

    ``wrt="y_true"``: d/dt_c = (1 - ls) w_c (-log_softmax(x)_c) (soft targets that are
    themselves trained: distillation between learners). ``label_gradient=False``: the
    framework stops the gradient at the labels (TF v1's losses.softmax_cross_entropy and
    nn.softmax_cross_entropy_with_logits: ``stop_gradient(labels)``), so it is 0.
    """
    x, t, ax = _soft(y_pred, y_true, axis)
    if wrt_target(wrt):
        if not label_gradient:
            return np.zeros_like(t)
        ls = check_label_smoothing(label_smoothing)
        w = (1.0 - ls) * (np.ones(1) if class_weight is None
                          else class_weight_array(class_weight, t.shape[ax], ax, t.ndim))
        neg_shift, lse, _ = log_softmax_parts(x, ax)
        with np.errstate(invalid="ignore", over="ignore"):
            d = w * (neg_shift + lse)  # -log_softmax(x), shifted: no overflow
    else:
        c = _class_weighted_targets(t.astype(EXT), ax, label_smoothing, class_weight)
        d = softmax_ce_grad(x, c, ax)
    return _per_class(g, t, ax, reduction, sample_weight, d)


def log_softmax_cross_entropy(
    y_pred: Any, y_true: Any, *, axis: int = -1, reduction: str = "none", sample_weight: Any = None
) -> np.ndarray:
    """Cross-entropy of log-probabilities: l = -Σ_c t_c y_pred_c, with 0 · (-inf) = 0."""
    lp, t, ax = _soft(y_pred, y_true, axis)
    values = -np.sum(_xlog(t, lp), axis=ax)
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def log_softmax_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """VJP w.r.t. the log-probabilities: -t."""
    lp, t, ax = _soft(y_pred, y_true, axis)
    dv = reduction_vjp(g, t.shape[:ax] + t.shape[ax + 1 :], reduction, sample_weight=sample_weight)
    return -_xlog(t, np.broadcast_to(np.expand_dims(dv, ax), lp.shape))


def _focal_alpha(alpha: Any, num_classes: int, ax: int, ndim: int) -> np.ndarray | float:
    if alpha is None:
        return 1.0
    if np.ndim(alpha) == 0:
        return check_finite_scalar(alpha, "alpha", low=0.0)
    return class_weight_array(alpha, num_classes, ax, ndim)


def categorical_focal_cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    gamma: float = 2.0,
    alpha: Any = None,
    axis: int = -1,
    clip_eps: float | None = None,
    renormalize: bool = False,
    label_smoothing: float = 0.0,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Categorical focal cross-entropy (Keras CategoricalFocalCrossentropy), per sample.

    l = -Σ_c α_c t_c (1 - o_c)^γ log o_c, o = clip(renormalize(p)). Keras always
    renormalises and clips at 1e-7 and defaults alpha=0.25 (scalar or one per class);
    alpha=None here means no α factor.
    """
    p, t, ax = _soft(y_pred, y_true, axis, probabilities=True, renormalize=renormalize)
    gamma = check_finite_scalar(gamma, "gamma", low=0.0)
    clip_eps = check_clip_eps(clip_eps)
    a = _focal_alpha(alpha, p.shape[ax], ax, p.ndim)
    t = smooth_categorical(t, check_label_smoothing(label_smoothing), p.shape[ax])
    o, _, q, _ = _normalized_clipped(p, ax, renormalize, clip_eps, 1.0)
    _, log_o, u = _log_and_complement(o, q, p, ax, renormalize)
    f = u * u if gamma == 2.0 else np.power(u, gamma)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = -np.sum(_xlog(a * t * f, log_o), axis=ax)
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def categorical_focal_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    gamma: float = 2.0,
    alpha: Any = None,
    axis: int = -1,
    clip_eps: float | None = None,
    renormalize: bool = False,
    label_smoothing: float = 0.0,
    reduction: str = "none",
    sample_weight: Any = None,
    grad_at_clip: float = 1.0,
    wrt: str = "y_pred",
) -> np.ndarray:
    """VJP w.r.t. p: dl/do_c = -α_c t_c [γ (1 - o)^(γ-1) (-log o) + (1 - o)^γ / o]
    (two non-negative terms), times the clip's derivative, then through the renormalisation.
    ``wrt="y_true"``: dl/dt_c = (1 - ls) α_c (1 - o_c)^γ (-log o_c)."""
    p, t, ax = _soft(y_pred, y_true, axis, probabilities=True, renormalize=renormalize)
    gamma = check_finite_scalar(gamma, "gamma", low=0.0)
    clip_eps = check_clip_eps(clip_eps)
    a = _focal_alpha(alpha, p.shape[ax], ax, p.ndim)
    ls = check_label_smoothing(label_smoothing)
    t = smooth_categorical(t, ls, p.shape[ax])
    o, mask, q, s = _normalized_clipped(p, ax, renormalize, clip_eps, grad_at_clip)
    if wrt_target(wrt):
        # a product of four rounded factors (5.1 ULP in float64 on Keras' typical case): in
        # EXT, rounded once
        _, log_o, u = _log_and_complement(o, q, p, ax, renormalize, EXT)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            f = u * u if gamma == 2.0 else np.power(u, gamma)
            return _per_class(g, t, ax, reduction, sample_weight,
                              to64((1.0 - ls) * _xlog(a * f, -log_o)))
    # h = dl/do in extended precision (o, log o, 1 - o from the exact row sum where
    # renormalised): the renormalisation's h_j - sum_i h_i q_i cancels on soft labels and
    # takes h's rounding with it (67 ULP on Keras' soft_labels with h in float64). h = hi +
    # lo, each through the (linear) renormalisation: hi exactly, lo's share as written.
    o_e, log_o, u = _log_and_complement(o, q, p, ax, renormalize, EXT)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f = u * u if gamma == 2.0 else np.power(u, gamma)
        df = 2 * u if gamma == 2.0 else (gamma * np.power(u, gamma - 1) if gamma else 0 * u)
        inner = _xlog(df, -log_o) + f / o_e
        h = -_xlog(a * t.astype(EXT), mask * inner)
        hi = to64(h)
        lo = np.where(np.isfinite(hi), to64(h - hi), 0.0)
    if not renormalize:
        return _per_class(g, t, ax, reduction, sample_weight, hi)
    d = _through_renormalize(hi, q, s, p, ax) + np.where(
        np.isfinite(hi), _plain_through_renormalize(lo, q, s, ax), 0.0)
    return _per_class(g, t, ax, reduction, sample_weight, d)


def poly1_cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    epsilon: float = 2.0,
    axis: int = -1,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Poly-1 loss of logits (optax poly_loss_cross_entropy, default epsilon 2.0):

    l = softmax_cross_entropy(x, t) + ε Σ_c t_c (1 - softmax(x)_c),
    with 1 - s_c = Σ_{k≠c} exp(x_k - m) / Σ_k exp(x_k - m) (no cancellation).
    """
    x, t, ax = _soft(y_pred, y_true, axis)
    eps = check_finite_scalar(epsilon, "epsilon")
    neg_shift, lse, e = log_softmax_parts(x, ax)
    with np.errstate(invalid="ignore", divide="ignore"):
        one_minus_s = sum_except(e, ax) / np.sum(e, axis=ax, keepdims=True)
        ce = np.sum(_xlog(t, neg_shift + lse), axis=ax)
        values = ce + eps * np.sum(t * one_minus_s, axis=ax)
    return reduce_loss(values, reduction, sample_weight=sample_weight)


def poly1_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    epsilon: float = 2.0,
    axis: int = -1,
    reduction: str = "none",
    sample_weight: Any = None,
    wrt: str = "y_pred",
) -> np.ndarray:
    """VJP w.r.t. x: CE's gradient - ε s_j (t_j (1 - s_j) - Σ_{c≠j} t_c s_c), the two
    formed together in extended precision (EXT) and rounded once: each cancels on soft
    targets (56 ULP in float64 on the oracle's soft case).
    ``wrt="y_true"``: -log_softmax(x)_c + ε (1 - s_c), in EXT (the terms cancel for ε < 0).
    """
    x, t, ax = _soft(y_pred, y_true, axis)
    eps = check_finite_scalar(epsilon, "epsilon")
    target = wrt_target(wrt)
    nls, e = neg_log_softmax_ext(x, ax)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        total = np.sum(e, axis=ax, keepdims=True)
        s = e / total
        one_minus_s = sum_except(e, ax) / total
        if target:
            d = to64(nls + eps * one_minus_s)
        else:
            te = t.astype(EXT)
            ce = s * sum_except(te, ax) - te * one_minus_s
            d = to64(ce - eps * s * (te * one_minus_s - sum_except(te * s, ax)))
    return _per_class(g, t, ax, reduction, sample_weight, d)
