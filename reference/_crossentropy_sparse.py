"""Cross-entropies with integer class labels (sparse targets), incl. spatial dims.

``y_pred`` has the classes along ``axis`` (``(N, C)``, ``(N, C, d1, ...)`` with axis=1 as
torch, or ``(N, d1, ..., C)`` with axis=-1); ``y_true`` holds int labels with y_pred's shape
minus that axis. ``ignore_index``: labels equal to it contribute 0 and are left out of the
"weighted_mean" denominator (torch's 'mean'). Per-sample losses keep y_true's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._crossentropy_categorical import softmax_ce_grad
from ._crossentropy_common import (
    check_clip_eps,
    check_label_smoothing,
    class_axis,
    class_weight_array,
    clip,
    clip_mask,
    labels_along,
    log_softmax_parts,
    one_hot,
    reduce_per_sample,
    reduction_vjp,
    smooth_categorical,
    sum_except,
)
from ._loss_common import EXT, normalized_log, to64
from ._reduce import kept
from ._validate import as_float64, check_nonnegative, check_probabilities

__all__ = [
    "nll_loss",
    "nll_loss_vjp",
    "sparse_categorical_cross_entropy",
    "sparse_categorical_cross_entropy_vjp",
    "sparse_softmax_cross_entropy",
    "sparse_softmax_cross_entropy_vjp",
]


def _sparse(
    y_pred: Any, y_true: Any, axis: Any, ignore_index: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    x = as_float64(y_pred, "y_pred")
    ax = class_axis(x, axis)
    labels, valid = labels_along(x, y_true, ax, ignore_index)
    return x, labels, valid, ax


def _gather(a: np.ndarray, labels: np.ndarray, ax: int) -> np.ndarray:
    return np.take_along_axis(a, np.expand_dims(labels, ax), axis=ax).squeeze(ax)


def _class_weights(
    class_weight: Any, x: np.ndarray, labels: np.ndarray, valid: np.ndarray, ax: int
) -> tuple[np.ndarray, np.ndarray]:
    """(w along the class axis, w[y] per sample with 0 at ignored labels)."""
    if class_weight is None:
        return np.ones(()), valid.astype(np.float64)
    w = class_weight_array(class_weight, x.shape[ax], ax, x.ndim)
    return w, np.where(valid, w.ravel()[labels], 0.0)


def _per_sample_vjp(g: Any, valid: np.ndarray, reduction: str, sample_weight: Any,
                    denominator_weights: np.ndarray, ax: int) -> np.ndarray:
    dv = reduction_vjp(g, valid.shape, reduction, sample_weight=sample_weight,
                       denominator_weights=denominator_weights)
    return np.expand_dims(np.where(valid, dv, 0.0), ax)


def _probabilities(
    y_pred: Any, y_true: Any, axis: Any, ignore_index: Any, clip_eps: Any,
    renormalize: bool, normalize_after_clip: bool, grad_at_clip: float,
) -> tuple[np.ndarray, ...]:
    p, labels, valid, ax = _sparse(y_pred, y_true, axis, ignore_index)
    check_nonnegative(p, "y_pred") if renormalize else check_probabilities(p, "y_pred")
    eps = check_clip_eps(clip_eps)
    s = np.sum(p, axis=ax, keepdims=True) if renormalize else np.ones(())
    with np.errstate(divide="ignore", invalid="ignore"):  # all-zero row: 0/0 = NaN
        q = p / s if renormalize else p
    o = clip(q, eps)
    mask = clip_mask(q, eps, grad_at_clip)
    return p, labels, valid, ax, q, s, o, mask


def sparse_categorical_cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    clip_eps: float | None = None,
    renormalize: bool = False,
    normalize_after_clip: bool = False,
    ignore_index: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Cross-entropy of probabilities p with integer labels y: l = -log o_y.

    o = clip(p / Σ p if renormalize else p) (Keras' jax/numpy/torch backends renormalise,
    then clip at 1e-7). normalize_after_clip: o <- o / Σ_c o_c after the clip (Keras'
    TensorFlow backend feeds log(clip(p)) to sparse_softmax_cross_entropy_with_logits);
    l = log(Σ_c o_c / o_y) = log1p(Σ_{c≠y} o_c / o_y) then.
    """
    p, labels, valid, ax, q, _, o, _ = _probabilities(
        y_pred, y_true, axis, ignore_index, clip_eps, renormalize, normalize_after_clip, 1.0
    )
    o_y = _gather(o, labels, ax)
    with np.errstate(divide="ignore", invalid="ignore"):  # o_y = 0: +inf, exactly
        if normalize_after_clip:
            values = np.log1p(_gather(sum_except(o, ax), labels, ax) / o_y)
        else:
            values = -np.log(o_y)
        if renormalize and not normalize_after_clip:
            # inside the clip, -log q_y from normalized_log: log of the rounded p_y / S is
            # 1e-16 / (1 - q_y) relative off near 1 (a 1e-4 error at q_y = 1 - 1e-12 with
            # torch.distributions' eps of 2.2e-16)
            eps = check_clip_eps(clip_eps)
            q_y = _gather(q, labels, ax)
            inside = np.ones(q_y.shape, bool) if eps is None else (q_y > eps) & (q_y < 1 - eps)
            values = np.where(inside, -_gather(normalized_log(p, ax)[1], labels, ax), values)
    values = np.where(valid, values, 0.0)
    return reduce_per_sample(values, reduction, sample_weight, valid.astype(np.float64))


def sparse_categorical_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    clip_eps: float | None = None,
    renormalize: bool = False,
    normalize_after_clip: bool = False,
    ignore_index: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
    grad_at_clip: float = 1.0,
) -> np.ndarray:
    """VJP w.r.t. p. Without renormalisation: -1/o_y at y (times the clip's derivative).
    With it (q = p / S): -(1 - q_y) / (o_y S) at y, q_y / (o_y S) elsewhere, with
    1 - q_y = Σ_{c≠y} p_c / S summed directly."""
    p, labels, valid, ax, q, s, o, mask = _probabilities(
        y_pred, y_true, axis, ignore_index, clip_eps, renormalize, normalize_after_clip,
        grad_at_clip,
    )
    C = p.shape[ax]
    hot = one_hot(labels, C, ax, p.ndim).astype(bool)
    o_y = np.expand_dims(_gather(o, labels, ax), ax)
    m_y = np.expand_dims(_gather(mask, labels, ax), ax)
    with np.errstate(divide="ignore", invalid="ignore"):
        if normalize_after_clip:
            total = np.sum(o, axis=ax, keepdims=True)
            rest = np.expand_dims(_gather(sum_except(o, ax), labels, ax), ax)
            h = np.where(hot, -rest / (o_y * total), 1.0 / total) * mask
            d = h if not renormalize else (h - np.sum(q * h, axis=ax, keepdims=True)) / s
        elif renormalize:
            q_y = np.expand_dims(_gather(q, labels, ax), ax)
            rest = np.expand_dims(_gather(sum_except(p, ax), labels, ax), ax) / s
            d = m_y * np.where(hot, -rest, q_y) / (o_y * s)
        else:
            d = np.where(hot, -m_y / o_y, 0.0)
    dv = _per_sample_vjp(g, valid, reduction, sample_weight, valid.astype(np.float64), ax)
    return kept(dv, d)


def _smoothed_weighted_one_hot(
    x: np.ndarray, labels: np.ndarray, ax: int, w: np.ndarray, label_smoothing: Any
) -> np.ndarray:
    """w ⊙ (one-hot (1 - ls) + ls / C), in extended precision (EXT): 1 - ls and ls / C
    rounded to float64 would be relative errors of the gradient's cancelling s_j Σ c - c_j."""
    ls = check_label_smoothing(label_smoothing)
    c = smooth_categorical(one_hot(labels, x.shape[ax], ax, x.ndim).astype(EXT), ls,
                           x.shape[ax])
    return c * w


def sparse_softmax_cross_entropy(
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    class_weight: Any = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Cross-entropy of logits x with integer labels y (torch cross_entropy, optax
    softmax_cross_entropy_with_integer_labels, tf.nn.sparse_softmax_cross_entropy_with_logits).

    l = (1 - ls) w_y (lse(x) - x_y) + (ls / C) Σ_c w_c (lse(x) - x_c)  (torch's definition,
    LossNLL.cpp cross_entropy_loss_label_smoothing), lse(x) - x_c = (m - x_c) + log Σ exp(x - m)
    (logsumexp minus gather, both terms >= 0). Ignored labels give 0.
    reduction="weighted_mean": Σ l / Σ w_y over non-ignored labels = torch's 'mean'.
    """
    x, labels, valid, ax = _sparse(y_pred, y_true, axis, ignore_index)
    w, w_y = _class_weights(class_weight, x, labels, valid, ax)
    c = to64(_smoothed_weighted_one_hot(x, labels, ax, w, label_smoothing))
    neg_shift, lse, _ = log_softmax_parts(x, ax)
    with np.errstate(invalid="ignore"):
        terms = np.where(c == 0, 0.0, c * np.where(c == 0, 0.0, neg_shift + lse))
    values = np.where(valid, np.sum(terms, axis=ax), 0.0)
    return reduce_per_sample(values, reduction, sample_weight, w_y)


def sparse_softmax_cross_entropy_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    class_weight: Any = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """VJP w.r.t. the logits: s_j Σ_c c_c - c_j with c = w ⊙ smoothed one-hot (0 where ignored)."""
    x, labels, valid, ax = _sparse(y_pred, y_true, axis, ignore_index)
    w, w_y = _class_weights(class_weight, x, labels, valid, ax)
    c = _smoothed_weighted_one_hot(x, labels, ax, w, label_smoothing)
    d = softmax_ce_grad(x, c, ax)
    dv = _per_sample_vjp(g, valid, reduction, sample_weight, w_y, ax)
    return kept(dv, d)


def nll_loss(
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    class_weight: Any = None,
    ignore_index: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Negative log-likelihood of log-probabilities (torch F.nll_loss, axis=1 there):
    l = -w_y y_pred_y, 0 at ignored labels; "weighted_mean" is torch's 'mean'."""
    lp, labels, valid, ax = _sparse(y_pred, y_true, axis, ignore_index)
    _, w_y = _class_weights(class_weight, lp, labels, valid, ax)
    with np.errstate(invalid="ignore"):
        values = np.where(w_y == 0, 0.0, -w_y * _gather(lp, labels, ax))
    return reduce_per_sample(values, reduction, sample_weight, w_y)


def nll_loss_vjp(
    g: Any,
    y_pred: Any,
    y_true: Any,
    *,
    axis: int = -1,
    class_weight: Any = None,
    ignore_index: int | None = None,
    reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """VJP w.r.t. the log-probabilities: -w_y at the label, 0 elsewhere."""
    lp, labels, valid, ax = _sparse(y_pred, y_true, axis, ignore_index)
    _, w_y = _class_weights(class_weight, lp, labels, valid, ax)
    hot = one_hot(labels, lp.shape[ax], ax, lp.ndim)
    dv = _per_sample_vjp(g, valid, reduction, sample_weight, w_y, ax)
    return -hot * (dv * np.expand_dims(w_y, ax))
