"""The sparsemax (Fenchel-Young) losses and their VJPs (private; exposed by
reference.crossentropy).

binary_sparsemax_loss       sparse_plus(-t z), t = +-1 from 0/1 labels (optax sparsemax_loss)
multiclass_sparsemax_loss   Fenchel-Young loss of the Gini negentropy with integer labels
                            (optax multiclass_sparsemax_loss); gradient sparsemax(z) - e_y

Blondel, Martins and Niculae, "Learning with Fenchel-Young Losses", JMLR 2020, Sec. 4.4.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._activations_piecewise import sparse_plus, sparse_sigmoid
from ._activations_sparsemax import _threshold
from ._crossentropy_common import class_axis, labels_along, reduce_per_sample
from ._loss_common import pair, signed_labels
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._special import two_sum
from ._validate import as_float64


def binary_sparsemax_loss(y_pred: Any, y_true: Any, *, labels: str = "01",
                          mean_axis: int | None = None, reduction: str = "none",
                          sample_weight: Any = None) -> np.ndarray:
    """sparse_plus(-t z) elementwise, t = +1 for label 1 and -1 for label 0 (``labels``:
    "01" or "pm1"): 0 for t z >= 1, (1 - t z)^2 / 4 for |t z| < 1, -t z for t z <= -1.
    Zero iff sparse_sigmoid(z) equals the label. C^1: no kink."""
    z, t = pair(y_pred, y_true)
    t = signed_labels(t, labels)
    return reduce_loss(sparse_plus(-t * z), reduction, sample_weight=sample_weight,
                       mean_axis=mean_axis)


def binary_sparsemax_loss_vjp(g: Any, y_pred: Any, y_true: Any, *, labels: str = "01",
                              mean_axis: int | None = None, reduction: str = "none",
                              sample_weight: Any = None) -> np.ndarray:
    """d/dz = -t sparse_sigmoid(-t z) (continuous)."""
    z, t = pair(y_pred, y_true)
    t = signed_labels(t, labels)
    cot, dead = reduce_vjp(g, z.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    return chain(cot, dead, -t * sparse_sigmoid(-t * z))


def _projection(x: np.ndarray, ax: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p, tau - x with tau the sparsemax threshold, bad rows) along ``ax``, in the layout
    of x. p = max(x - tau, 0) and tau - x come from a double-double tau, so both keep
    their relative accuracy (p at the support's edge, tau - x_y near 0). A -inf score has
    p = 0 and tau - x = inf; a row holding NaN or +inf, or only -inf, is bad (NaN)."""
    moved = np.moveaxis(x, ax, -1)
    bad = (np.isnan(moved) | (moved == np.inf)).any(axis=-1) | (moved == -np.inf).all(axis=-1)
    safe = np.where(bad[..., None], 0.0, moved)
    tau_hi, tau_lo, _ = _threshold(-np.sort(-safe, axis=-1))
    finite = np.isfinite(safe)
    with np.errstate(invalid="ignore"):
        d, d_lo = two_sum(safe, np.broadcast_to(-tau_hi[..., None], safe.shape))
        diff = np.where(finite, d + (d_lo - tau_lo[..., None]), -np.inf)  # x - tau to ~106 bits
    p = np.maximum(diff, 0.0)
    return np.moveaxis(p, -1, ax), np.moveaxis(-diff, -1, ax), bad


def _parts(y_pred: Any, y_true: Any,
           axis: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(class axis, one-hot mask of the labels, p, tau - x, bad rows), in x's layout."""
    x = as_float64(y_pred, "y_pred")
    ax = class_axis(x, axis)
    labels, _ = labels_along(x, y_true, ax, None)
    p, tau_minus, bad = _projection(x, ax)
    classes = np.arange(x.shape[ax]).reshape((-1,) + (1,) * (x.ndim - 1 - ax))
    return ax, classes == np.expand_dims(labels, ax), p, tau_minus, bad


def multiclass_sparsemax_loss(y_pred: Any, y_true: Any, *, axis: int = -1,
                              reduction: str = "none", sample_weight: Any = None) -> np.ndarray:
    """Fenchel-Young sparsemax loss per sample, integer labels y along ``axis``:

        L(z, y) = max_p <p, z> + (1 - ||p||^2) / 2 - z_y
                = ||p - e_y||^2 / 2 + max(tau - z_y, 0),   p = sparsemax(z)

    (with p_i = z_i - tau on the support, <p, z> = ||p||^2 + tau). Every term is >= 0, so
    nothing cancels; 1 - p_y is summed as sum_{i != y} p_i. A -inf score has p = 0 (inf
    loss if it is the label's); a row holding NaN or +inf, or only -inf, is NaN. Zero iff sparsemax(z) = e_y, i.e. z_y >= z_i + 1 for every i != y."""
    ax, onehot, p, tau_minus, bad = _parts(y_pred, y_true, axis)
    others = np.where(onehot, 0.0, p)
    miss = np.sum(others, axis=ax)  # 1 - p_y, as a sum of non-negative terms
    gap = np.maximum(np.sum(np.where(onehot, tau_minus, 0.0), axis=ax), 0.0)  # max(tau - z_y, 0)
    values = 0.5 * (np.sum(others * others, axis=ax) + miss * miss) + gap
    values = np.where(bad, np.nan, values)
    return reduce_per_sample(values, reduction, sample_weight)


def multiclass_sparsemax_loss_vjp(g: Any, y_pred: Any, y_true: Any, *, axis: int = -1,
                                  reduction: str = "none", sample_weight: Any = None) -> np.ndarray:
    """g (sparsemax(z) - e_y), with p_y - 1 = -sum_{i != y} p_i (no cancellation)."""
    ax, onehot, p, _, bad = _parts(y_pred, y_true, axis)
    others = np.where(onehot, 0.0, p)
    local = np.where(onehot, -np.sum(others, axis=ax, keepdims=True), others)
    local = np.where(np.expand_dims(bad, ax), np.nan, local)
    cot, dead = reduce_vjp(g, bad.shape, reduction, sample_weight=sample_weight)
    return chain(np.expand_dims(cot, ax), np.expand_dims(dead, ax), local)
