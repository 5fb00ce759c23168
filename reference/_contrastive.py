"""Batch-pairwise contrastive losses: one (N, D) batch of embeddings and N integer labels;
every pair (i, j) of the batch with y_i == y_j (i != j) is a positive, every pair with
y_i != y_j a negative.

* :func:`ntxent`: NT-Xent (Chen et al. 2020), optax ``ntxent``: a softmax over the
  temperature-scaled cosine similarities of each positive pair against the negatives of
  its row, averaged over the positive pairs;
* :func:`circle`: Circle loss (Sun et al. 2020) as Keras 3 ``keras.losses.circle`` writes
  it: self-paced weights on the raw inner products (no normalisation), one value per
  sample.

Each VJP is w.r.t. the embeddings (which appear on both sides of every pair; circle's
also w.r.t. a separate reference set, ``wrt="ref_embeddings"``). Registered
in :mod:`reference.margin` with the pair and triplet embedding losses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._loss_common import EXT, exact_products, exact_sums, sigmoid, softplus, to64
from ._margin_multiclass import _kink  # 1 above 0, the tie value at 0, NaN for NaN
from ._reduce import reduce_loss, reduce_loss_vjp
from ._validate import as_float64, check_choice, check_finite_scalar

NTXENT_REDUCTIONS = ("none", "sum", "mean")
MEAN_OVER = ("all", "positive")


def _batch(y_pred: Any, y_true: Any) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings (N, D) float64, labels (N,) int64), validated."""
    x = as_float64(y_pred, "y_pred")
    if x.ndim != 2:
        raise ValueError(f"y_pred must be a (batch, features) matrix, got shape {x.shape}")
    y = np.asarray(y_true)
    if y.dtype.kind not in "iub":
        raise TypeError(f"y_true must hold integer labels, got dtype {y.dtype}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"y_true must have shape {(x.shape[0],)} (one label per row of "
                         f"y_pred), got {y.shape}")
    return x, y.astype(np.int64)


def _masks(y: np.ndarray, remove_diagonal: bool = True, ref: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """(positive, negative) masks of the pairs (i, j), i a row of the batch, j of the
    reference labels ``ref`` (the batch's own when None): same label (off the index
    diagonal (i, i) if ``remove_diagonal``), different label."""
    ref = y if ref is None else ref
    same = y[:, None] == ref[None, :]
    if remove_diagonal:
        same &= ~np.eye(y.size, ref.size, dtype=bool)
    return same, y[:, None] != ref[None, :]


def _masked_lse(v: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """log sum_{j in mask_i} exp(v_ij) per row (extended precision); -inf for an empty
    row; NaN propagates from the masked entries only."""
    with np.errstate(invalid="ignore", over="ignore"):
        w = np.where(mask, v, -np.inf).astype(EXT)
        m = np.max(w, axis=1, keepdims=True) if w.shape[1] else np.full((w.shape[0], 1), -np.inf)
        # shift by the row max: no exp overflows; an all -inf (or +inf) row keeps its max
        shift = np.where(np.isinf(m), 0, m)
        s = np.sum(np.exp(w - shift), axis=1)
        with np.errstate(divide="ignore"):
            return np.log(s) + shift[:, 0]


# ------------------------------------------------------------------------------ NT-Xent


def _ntxent_parts(y_pred: Any, y_true: Any, temperature: float, eps: float
                  ) -> tuple[np.ndarray, ...]:
    x, y = _batch(y_pred, y_true)
    pos, neg = _masks(y)
    xe = x.astype(EXT)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        sq = np.sum(xe * xe, axis=1)
        clipped = sq < eps  # optax: sqrt(clip(|x|^2, eps)); below eps the norm is sqrt(eps)
        norm = np.sqrt(np.where(clipped, EXT(eps), sq))
        u = xe / norm[:, None]
        s = np.einsum("id,jd->ij", u, u) / EXT(temperature)
    lse = _masked_lse(s, neg)  # log sum over the negatives of each row
    with np.errstate(invalid="ignore"):
        z = lse[:, None] - s  # pair (i, j): loss softplus(z_ij)
    return x, pos, neg, u, norm, clipped, s, lse, z


def _ntxent_args(temperature: float, eps: float, reduction: str) -> tuple[float, float]:
    check_choice(reduction, "reduction", NTXENT_REDUCTIONS)
    t = check_finite_scalar(temperature, "temperature", low=0.0, low_inclusive=False)
    return t, check_finite_scalar(eps, "eps", low=0.0)


def ntxent(
    y_pred: Any, y_true: Any, *, temperature: float = 0.07, eps: float = 0.0,
    reduction: str = "mean",
) -> np.ndarray:
    """NT-Xent over the positive pairs of a batch: y_pred (N, D) embeddings, y_true (N,)
    integer labels.

    With u_i = x_i / sqrt(max(|x_i|^2, eps)) and s_ij = u_i . u_j / temperature, each
    positive pair (i, j) (y_i == y_j, i != j) has the loss

        l_ij = -log(e^{s_ij} / (e^{s_ij} + sum_{k: y_k != y_i} e^{s_ik}))
             = softplus(logsumexp_{k: y_k != y_i} s_ik - s_ij)

    (0 where row i has no negative: logsumexp of nothing is -inf). reduction="none": the
    l_ij in row-major (i, j) order; "sum"; "mean" (optax ``ntxent``): the sum over the P
    positive pairs / P, NaN (0 / 0) where the batch has no positive pair. optax clips each
    squared norm at eps = finfo(dtype).eps (``cosine_similarity(epsilon=...)``).
    """
    temperature, eps = _ntxent_args(temperature, eps, reduction)
    _, pos, _, _, _, _, _, _, z = _ntxent_parts(y_pred, y_true, temperature, eps)
    values = softplus(z[pos])
    if reduction == "none":
        return to64(values)
    with np.errstate(invalid="ignore", over="ignore"):
        total = np.sum(values)  # extended precision; rounded once
        if reduction == "sum":
            return np.asarray(to64(total))
        return np.asarray(to64(total / EXT(values.size)) if values.size else np.nan)


def ntxent_vjp(
    g: Any, y_pred: Any, y_true: Any, *, temperature: float = 0.07, eps: float = 0.0,
    reduction: str = "mean",
) -> np.ndarray:
    """With c_ij the cotangent of pair (i, j) and sig_ij = sigmoid(z_ij) = 1 - softmax
    weight of the positive: dL/ds_ij = -c_ij sig_ij, dL/ds_ik = (sum_j c_ij sig_ij)
    e^{s_ik - lse_i} for each negative k; then dL/du_i = sum_k (G_ik + G_ki) u_k / T and
    dx_i = (du_i - u_i (u_i . du_i)) / |x_i| (du_i / sqrt(eps) where the norm is clipped).
    A batch without positive pairs has a constant (NaN) loss: an empty sum, gradient 0."""
    temperature, eps = _ntxent_args(temperature, eps, reduction)
    x, pos, neg, u, norm, clipped, s, lse, z = _ntxent_parts(y_pred, y_true, temperature, eps)
    n_pairs = int(pos.sum())
    g = as_float64(g, "g")
    want = (n_pairs,) if reduction == "none" else ()
    if g.shape != want:
        raise ValueError(f"g must have the shape of the loss output {want} "
                         f"(reduction={reduction!r}), got {g.shape}")
    c = np.zeros(pos.shape, dtype=EXT)
    if n_pairs:
        c[pos] = g if reduction != "mean" else EXT(g) / EXT(n_pairs)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # 0 where no pair: no 0 * NaN from rows without negatives (z = -inf: sig = 0 anyway)
        w = np.where(pos, c * sigmoid(z), 0)
        row = np.sum(w, axis=1)
        soft = np.where(neg & (row != 0)[:, None], np.exp(s - lse[:, None]), 0)
        big_g = -w + row[:, None] * soft
        du = (big_g + big_g.T) @ u / EXT(temperature)
        radial = np.sum(u * du, axis=1)
        dx = np.where(clipped[:, None], du, du - u * radial[:, None]) / norm[:, None]
    return to64(dx).reshape(x.shape)


# ------------------------------------------------------------------------------- Circle


def _one_minus_dot(x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """1 - x_i . r_j for every pair in extended precision, from its exact value where
    finite (exact products; fsum gives the float64 rounding hi, then the exact residual
    lo, so hi + lo carries 106 bits): no cancellation where x_i . r_j is near 1
    (near-duplicate unit embeddings), and the loss's gamma-scaled terms keep their bits."""
    p, e = exact_products(x[:, None, :], r[None, :, :])
    terms = np.concatenate([np.ones((x.shape[0], r.shape[0], 1)), -p, -e], axis=-1)
    hi, lo = exact_sums(terms)
    return hi.astype(EXT) + lo.astype(EXT)


def _circle_args(gamma: float, margin: float, mean_over: str, reduction: str
                 ) -> tuple[float, float]:
    check_choice(mean_over, "mean_over", MEAN_OVER)
    check_choice(reduction, "reduction", ("none", "sum", "mean", "sum_over_batch_size"))
    return check_finite_scalar(gamma, "gamma"), check_finite_scalar(margin, "margin")


def _reference_set(x: np.ndarray, y: np.ndarray, ref_embeddings: Any, ref_labels: Any
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(R, its labels), validated; each defaults to the batch's own, as in Keras (so a
    reference set given without labels must have the batch's size)."""
    r = x if ref_embeddings is None else as_float64(ref_embeddings, "ref_embeddings")
    if r.ndim != 2 or r.shape[1] != x.shape[1]:
        raise ValueError(f"ref_embeddings must be a (references, {x.shape[1]}) matrix (the "
                         f"features of y_pred), got shape {r.shape}")
    if ref_labels is None:
        ry = y
    else:
        ry = np.asarray(ref_labels)
        if ry.dtype.kind not in "iub":
            raise TypeError(f"ref_labels must hold integer labels, got dtype {ry.dtype}")
        ry = ry.astype(np.int64)
    if ry.shape != (r.shape[0],):
        raise ValueError(f"ref_labels must have shape {(r.shape[0],)} (one label per row of "
                         f"the reference embeddings), got {ry.shape}"
                         + (" (ref_labels defaults to y_true)" if ref_labels is None else ""))
    return r, ry


def _circle_parts(y_pred: Any, y_true: Any, gamma: float, margin: float,
                  remove_diagonal: bool, ref_embeddings: Any = None, ref_labels: Any = None
                  ) -> tuple[np.ndarray, ...]:
    if not isinstance(remove_diagonal, (bool, np.bool_)):
        raise TypeError(f"remove_diagonal must be a bool, got {remove_diagonal!r}")
    x, y = _batch(y_pred, y_true)
    r, ry = _reference_set(x, y, ref_embeddings, ref_labels)
    pos, neg = _masks(y, bool(remove_diagonal), ry)
    raw = _one_minus_dot(x, r)  # 1 - S_ij, S = X R^T
    gm, m = EXT(gamma), EXT(margin)
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.maximum(raw, 0)  # Keras: ops.maximum(1 - S, 0)
        w_pos, w_neg = m + d, 1 + m - d
        a = -gm * np.maximum(w_pos, 0) * (m - d)  # positives: -gamma alpha_p (m - d)
        b = gm * np.maximum(w_neg, 0) * (1 - m - d)  # negatives: gamma alpha_n (1 - m - d)
        lp, ln = _masked_lse(a, pos), _masked_lse(b, neg)
        t = lp + ln
    return x, r, pos, neg, raw, d, w_pos, w_neg, a, b, lp, ln, t


def _circle_reduce(values: np.ndarray, reduction: str, sample_weight: Any, mean_over: str,
                   mean_of_empty: float) -> tuple[np.ndarray, np.ndarray | None]:
    """(reduced loss, the weight of each row in the Circle class's mean over the positive
    losses, or None for the plain reductions of :func:`reduce_loss`)."""
    if reduction == "none" or reduction == "sum" or mean_over == "all":
        out = reduce_loss(values, reduction, sample_weight=sample_weight,
                          mean_of_empty=mean_of_empty)
        return out, None
    # Keras' Circle: rows with loss <= 0 are masked and the mean is over the others
    # (count = rows with a positive loss; a NaN row stays in, so NaN propagates)
    keep = (values > 0) | np.isnan(values)
    count = int(keep.sum())
    if count == 0:
        return np.asarray(float(mean_of_empty)), np.zeros(values.shape[0])
    total = reduce_loss(np.where(keep, values, 0.0), "sum", sample_weight=sample_weight)
    return np.asarray(total / count), keep / count


def circle(
    y_pred: Any, y_true: Any, *, gamma: float = 80.0, margin: float = 0.4,
    remove_diagonal: bool = True, mean_over: str = "all", mean_of_empty: float = float("nan"),
    reduction: str = "none", sample_weight: Any = None, ref_embeddings: Any = None,
    ref_labels: Any = None,
) -> np.ndarray:
    """Circle loss per sample, as Keras 3 ``keras.losses.circle`` (gamma=80, margin=0.4):
    y_pred (N, D) embeddings used as given (expected L2-normalised; not normalised here),
    y_true (N,) integer labels, against the reference set R (M, D) with labels y_ref
    (``ref_embeddings`` / ``ref_labels``; each defaults to the batch's own, Keras' defaults).

        d_ij = max(1 - x_i . r_j, 0)
        positives (y_i == y_ref_j; i != j if remove_diagonal): a_ij = -gamma max(m + d, 0) (m - d)
        negatives (y_i != y_j):                      b_ij = gamma max(1 + m - d, 0) (1 - m - d)
        loss_i = softplus(logsumexp_pos a_i. + logsumexp_neg b_i.)

    A row without positives or without negatives has logsumexp -inf, so loss 0. The
    weights max(., 0) are differentiated (Keras does not stop their gradient).
    mean_over="positive" is the Circle Loss class's mean: circle sets a Keras mask
    ``loss > 0``, and the Loss class's "sum_over_batch_size" then sums over the unmasked
    rows and divides by their count (``apply_mask``), ``mean_of_empty`` (Keras:
    divide_no_nan, 0) when every loss is 0. ``remove_diagonal`` drops the pairs (i, i) by
    index, a separate reference set's too (Keras' build_pos_neg_masks: ops.eye(N, M)),
    where row i of the batch and row i of R are not the same sample.
    """
    gamma, margin = _circle_args(gamma, margin, mean_over, reduction)
    t = _circle_parts(y_pred, y_true, gamma, margin, remove_diagonal, ref_embeddings,
                      ref_labels)[-1]
    values = to64(softplus(t))
    return _circle_reduce(values, reduction, sample_weight, mean_over, mean_of_empty)[0]


def circle_vjp(
    g: Any, y_pred: Any, y_true: Any, *, gamma: float = 80.0, margin: float = 0.4,
    remove_diagonal: bool = True, mean_over: str = "all", mean_of_empty: float = float("nan"),
    reduction: str = "none", sample_weight: Any = None, grad_at_clip: float = 0.0,
    ref_embeddings: Any = None, ref_labels: Any = None, wrt: str = "y_pred",
) -> np.ndarray:
    """With c_i the cotangent of loss_i, sig_i = sigmoid(lp_i + ln_i), pi / nu the softmax
    weights of the positive / negative logsumexps: dL/dS_ij = -c_i sig_i (pi_ij da/dd +
    nu_ij db/dd) [d/dS max(1 - S, 0)], with da/dd = -gamma (alpha_p' (m - d) - alpha_p),
    db/dd = -gamma (alpha_n' (1 - m - d) + alpha_n); then dX = (G + G^T) X when the batch
    is its own reference set, else dX = G R and, ``wrt="ref_embeddings"``, dR = G^T X.
    ``grad_at_clip``: d max(w, 0)/dw at w == 0 for each of the three clamps (d, alpha_p,
    alpha_n): TF's Maximum passes the tie (1), jnp / torch.maximum split it (0.5).

    Accuracy: G in extended precision (da/dd = 2 gamma d and db/dd = -2 gamma (1 - d)
    where the weights are positive, so near duplicates do not cancel), then the product.
    The softmax weights exp(a - lp) carry |a| 2^-64 (|a| up to ~230 at gamma = 80), so an
    element that is a cancellation of its row's terms keeps that error times the
    cancellation: 17 ULP measured on an element 150 times smaller than its row (an
    oracle draw of 2026-12-06, tests/oracles/contrastive.py)."""
    gamma, margin = _circle_args(gamma, margin, mean_over, reduction)
    tie = check_finite_scalar(grad_at_clip, "grad_at_clip")
    check_choice(wrt, "wrt", ("y_pred", "ref_embeddings"))
    if wrt == "ref_embeddings" and ref_embeddings is None:
        raise ValueError("wrt='ref_embeddings' needs ref_embeddings (without them the batch "
                         "is its own reference set: differentiate w.r.t. y_pred)")
    x, r, pos, neg, raw, d, w_pos, w_neg, a, b, lp, ln, t = _circle_parts(
        y_pred, y_true, gamma, margin, remove_diagonal, ref_embeddings, ref_labels)
    values = to64(softplus(t))
    n = x.shape[0]
    g = as_float64(g, "g")
    want = (n,) if reduction == "none" else ()
    if g.shape != want:
        raise ValueError(f"g must have the shape of the loss output {want} "
                         f"(reduction={reduction!r}), got {g.shape}")
    _, weight = _circle_reduce(values, reduction, sample_weight, mean_over, mean_of_empty)
    if weight is None:  # the plain reductions: reduce_loss's adjoint
        cot, dead = reduce_loss_vjp(g, (n,), reduction, sample_weight=sample_weight,
                                    mean_of_empty=mean_of_empty)
        cot = np.where(dead, 0.0, cot)
    else:
        sw = np.ones(n) if sample_weight is None else np.broadcast_to(
            as_float64(sample_weight, "sample_weight").reshape(-1), (n,))
        cot = g * weight * sw
    gm, m = EXT(gamma), EXT(margin)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        sig = cot.astype(EXT) * sigmoid(t)
        live = (sig != 0)[:, None]  # rows with a zero cotangent (or loss 0) add nothing
        pi = np.where(pos & live, np.exp(a - lp[:, None]), 0)
        nu = np.where(neg & live, np.exp(b - ln[:, None]), 0)
        # alpha_p' (m - d) - alpha_p is (m - d) - (m + d) = -2d where alpha_p > 0: formed
        # as such, it would cancel for near duplicates (d ~ 1e-6: 818 ULP on Keras' rows)
        da = np.where(w_pos > 0, 2 * gm * d,
                      -gm * (_kink(w_pos, tie) * (m - d) - np.maximum(w_pos, 0)))
        # likewise (1 - m - d) + (1 + m - d) = 2 (1 - d) where alpha_n > 0 (d near 1)
        db = np.where(w_neg > 0, -2 * gm * (1 - d),
                      -gm * (_kink(w_neg, tie) * (1 - m - d) + np.maximum(w_neg, 0)))
        dd = -_kink(raw, tie)  # d max(1 - S, 0) / dS
        inner = np.where(pi != 0, pi * da, 0) + np.where(nu != 0, nu * db, 0)
        big_g = sig[:, None] * inner * dd
        if ref_embeddings is None:  # S = X X^T: X on both sides
            return to64((big_g + big_g.T) @ x.astype(EXT)).reshape(x.shape)
        if wrt == "ref_embeddings":
            return to64(big_g.T @ x.astype(EXT)).reshape(r.shape)
        return to64(big_g @ r.astype(EXT)).reshape(x.shape)
