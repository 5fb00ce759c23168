"""Margin (hinge-family) losses: scores y_pred against ±1 labels, one-hot targets or
integer class labels.

Binary losses are elementwise with keyword-only ``labels`` (the label encoding:
``"pm1"`` requires -1/1, ``"01"`` maps 0/1 to -1/1, ``"auto"`` is Keras'
``convert_binary_labels_to_hinge``: map 2t - 1 when every label is 0 or 1), plus
``mean_axis``, ``reduction`` and ``sample_weight`` as everywhere (Keras' hinge functions
average the last axis: ``mean_axis=-1``). Class-axis losses return one value per sample.

Subgradients at kinks are VJP keywords whose default is the minimum-norm subgradient 0.
Measured (torch 2.13, jax 0.10 / optax 0.2.8, TF 2.21 / Keras 3.15), as the fraction
``grad_at_margin`` of the linear side's gradient taken exactly at the kink:

    optax hinge_loss (t p = 1)            0.5   (jnp.maximum splits ties)
    Keras hinge (t p = 1)                 1     (TF Maximum passes the tie to its first arg)
    optax perceptron_loss (p = 0)         0.5
    torch hinge_embedding_loss (x = m)    1     (clamp_min passes x >= 0)
    torch multi_margin_loss (z = 0)       0     (the kernel tests z > 0)
    torch multilabel_margin_loss (z = 0)  0     (the kernel tests z > 0)
    Keras categorical_hinge (z = 0)       1
    optax multiclass_hinge_loss           ties of the max split evenly (jax max), as
                                          Keras' categorical_hinge max (TF reduce_max)

The multi-class losses are in ``_margin_multiclass.py``, the pair and triplet embedding
losses (margin_ranking, cosine_embedding, triplet_margin) in ``_embedding.py``, the
batch-pairwise contrastive losses (ntxent, circle) in ``_contrastive.py``; all are
registered here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._contrastive import circle, circle_vjp, ntxent, ntxent_vjp
from ._embedding import (
    cosine_embedding,
    cosine_embedding_vjp,
    margin_ranking,
    margin_ranking_vjp,
    triplet_margin,
    triplet_margin_vjp,
)
from ._loss_common import pair, sigmoid, signed_labels, softplus
from ._margin_multiclass import (
    categorical_hinge,
    categorical_hinge_vjp,
    multi_margin,
    multi_margin_vjp,
    multiclass_hinge,
    multiclass_hinge_vjp,
    multiclass_perceptron,
    multiclass_perceptron_vjp,
    multilabel_margin,
    multilabel_margin_vjp,
    multilabel_soft_margin,
    multilabel_soft_margin_vjp,
)
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._validate import check_finite_scalar

__all__ = [
    "categorical_hinge",
    "circle",
    "cosine_embedding",
    "hinge",
    "hinge_embedding",
    "margin_ranking",
    "multi_margin",
    "multiclass_hinge",
    "multiclass_perceptron",
    "multilabel_margin",
    "multilabel_soft_margin",
    "ntxent",
    "perceptron",
    "soft_margin",
    "squared_hinge",
    "triplet_margin",
]


def _kink(active: np.ndarray, at_kink: np.ndarray, grad_at_margin: float) -> np.ndarray:
    """1 where the linear piece is active, grad_at_margin exactly at the kink, else 0."""
    return np.where(active, 1.0, np.where(at_kink, grad_at_margin, 0.0))


def _signed(y_pred: Any, y_true: Any, labels: str) -> tuple[np.ndarray, np.ndarray]:
    p, t = pair(y_pred, y_true)
    return p, signed_labels(t, labels)


# --------------------------------------------------------------------------- hinge


def hinge(
    y_pred: Any, y_true: Any, *, labels: str = "pm1", mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """max(0, 1 - t p), t = ±1 (from ``labels``). optax ``hinge_loss``, Keras ``hinge``
    (labels="auto", mean_axis=-1)."""
    p, t = _signed(y_pred, y_true, labels)
    with np.errstate(invalid="ignore"):
        v = np.maximum(1.0 - t * p, 0.0)
    return reduce_loss(v, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def hinge_vjp(
    g: Any, y_pred: Any, y_true: Any, *, labels: str = "pm1", mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None, grad_at_margin: float = 0.0,
) -> np.ndarray:
    """d/dy_pred = -t where t p < 1; ``grad_at_margin`` * (-t) where t p = 1."""
    p, t = _signed(y_pred, y_true, labels)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    with np.errstate(invalid="ignore"):
        z = t * p
        local = -t * _kink(z < 1, z == 1, grad_at_margin)
    return chain(cot, dead, np.where(np.isnan(z), np.nan, local))


def squared_hinge(
    y_pred: Any, y_true: Any, *, labels: str = "pm1", mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """max(0, 1 - t p)^2. Keras ``squared_hinge`` (labels="auto", mean_axis=-1)."""
    p, t = _signed(y_pred, y_true, labels)
    with np.errstate(invalid="ignore", over="ignore"):
        v = np.square(np.maximum(1.0 - t * p, 0.0))
    return reduce_loss(v, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def squared_hinge_vjp(
    g: Any, y_pred: Any, y_true: Any, *, labels: str = "pm1", mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """d/dy_pred = -2 t max(0, 1 - t p) (continuous: no kink)."""
    p, t = _signed(y_pred, y_true, labels)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    with np.errstate(invalid="ignore", over="ignore"):
        local = -2.0 * t * np.maximum(1.0 - t * p, 0.0)
    return chain(cot, dead, local)


# --------------------------------------------------------------------------- perceptron


def perceptron(
    y_pred: Any, y_true: Any, *, labels: str = "pm1", mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """max(0, -t p). optax ``perceptron_loss``."""
    p, t = _signed(y_pred, y_true, labels)
    with np.errstate(invalid="ignore"):
        v = np.maximum(-t * p, 0.0)
    return reduce_loss(v, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def perceptron_vjp(
    g: Any, y_pred: Any, y_true: Any, *, labels: str = "pm1", mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None, grad_at_zero: float = 0.0,
) -> np.ndarray:
    """d/dy_pred = -t where t p < 0; ``grad_at_zero`` * (-t) where p = 0 (optax: 0.5)."""
    p, t = _signed(y_pred, y_true, labels)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    with np.errstate(invalid="ignore"):
        z = t * p
        local = -t * _kink(z < 0, z == 0, grad_at_zero)
    return chain(cot, dead, np.where(np.isnan(z), np.nan, local))


# --------------------------------------------------------------------------- soft margin




def soft_margin(
    y_pred: Any, y_true: Any, *, labels: str = "pm1", mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """log(1 + exp(-t p)) = softplus(-t p). torch ``soft_margin_loss`` (elementwise; its
    'mean' averages every element)."""
    p, t = _signed(y_pred, y_true, labels)
    with np.errstate(invalid="ignore"):
        v = softplus(-t * p)
    return reduce_loss(v, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def soft_margin_vjp(
    g: Any, y_pred: Any, y_true: Any, *, labels: str = "pm1", mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """d/dy_pred = -t sigmoid(-t p)."""
    p, t = _signed(y_pred, y_true, labels)
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    with np.errstate(invalid="ignore"):
        local = -t * sigmoid(-t * p)
    return chain(cot, dead, local)


# --------------------------------------------------------------------------- embedding


def hinge_embedding(
    y_pred: Any, y_true: Any, *, margin: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """torch ``hinge_embedding_loss``: x where y = 1, max(0, margin - x) where y = -1
    (x = y_pred, typically a distance; y_true must be -1 or 1)."""
    margin = check_finite_scalar(margin, "margin")
    p, t = _signed(y_pred, y_true, "pm1")
    with np.errstate(invalid="ignore"):
        v = np.where(t == 1, p, np.maximum(margin - p, 0.0))
        v = np.where(np.isnan(t), np.nan, v)
    return reduce_loss(v, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def hinge_embedding_vjp(
    g: Any, y_pred: Any, y_true: Any, *, margin: float = 1.0, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None, grad_at_margin: float = 0.0,
) -> np.ndarray:
    """d/dy_pred = 1 where y = 1; -1 where y = -1 and x < margin; ``grad_at_margin`` *
    (-1) where x = margin (torch: 1)."""
    margin = check_finite_scalar(margin, "margin")
    p, t = _signed(y_pred, y_true, "pm1")
    cot, dead = reduce_vjp(g, p.shape, reduction, sample_weight=sample_weight,
                           mean_axis=mean_axis)
    with np.errstate(invalid="ignore"):
        neg = -_kink(p < margin, p == margin, grad_at_margin)
        local = np.where(t == 1, 1.0, neg)
        local = np.where(np.isnan(t) | np.isnan(p), np.nan, local)
    return chain(cot, dead, local)


KIND = "loss"

FUNCTIONS = {
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "categorical_hinge": categorical_hinge,
    "soft_margin": soft_margin,
    "multilabel_soft_margin": multilabel_soft_margin,
    "multilabel_margin": multilabel_margin,
    "multi_margin": multi_margin,
    "hinge_embedding": hinge_embedding,
    "margin_ranking": margin_ranking,
    "cosine_embedding": cosine_embedding,
    "triplet_margin": triplet_margin,
    "ntxent": ntxent,
    "circle": circle,
    "multiclass_hinge": multiclass_hinge,
    "multiclass_perceptron": multiclass_perceptron,
    "perceptron": perceptron,
}

VJPS = {
    "hinge": hinge_vjp,
    "squared_hinge": squared_hinge_vjp,
    "categorical_hinge": categorical_hinge_vjp,
    "soft_margin": soft_margin_vjp,
    "multilabel_soft_margin": multilabel_soft_margin_vjp,
    "multilabel_margin": multilabel_margin_vjp,
    "multi_margin": multi_margin_vjp,
    "hinge_embedding": hinge_embedding_vjp,
    "margin_ranking": margin_ranking_vjp,
    "cosine_embedding": cosine_embedding_vjp,
    "triplet_margin": triplet_margin_vjp,
    "ntxent": ntxent_vjp,
    "circle": circle_vjp,
    "multiclass_hinge": multiclass_hinge_vjp,
    "multiclass_perceptron": multiclass_perceptron_vjp,
    "perceptron": perceptron_vjp,
}
