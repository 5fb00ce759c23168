"""Private helpers shared by ``regression.py`` and ``margin.py``.

* :func:`pair`: validate and convert ``(y_pred, y_true)`` of one shape.
* :func:`signed_labels`: ±1 labels from {-1, 1} or {0, 1} encodings (hinge family).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._special import two_prod
from ._validate import as_float64, check_choice, check_same_shape

LABEL_MODES = ("pm1", "01", "auto")

# Extended precision where the platform has it (x86-64: 64-bit significand, 11 bits more
# than float64): a few losses with internal cancellation are evaluated in it and rounded
# to float64 once. Where longdouble is float64 the same code runs at float64 accuracy.
EXT = np.longdouble


def to64(x: np.ndarray) -> np.ndarray:
    """Round an extended-precision result to float64 (overflow to inf without a warning)."""
    with np.errstate(over="ignore", under="ignore"):
        return np.asarray(x).astype(np.float64)


def pair(y_pred: Any, y_true: Any) -> tuple[np.ndarray, np.ndarray]:
    """``y_pred`` and ``y_true`` as float64 arrays of the same shape."""
    p = as_float64(y_pred, "y_pred")
    t = as_float64(y_true, "y_true")
    check_same_shape(p, t, "y_pred", "y_true")
    return p, t


def signed_labels(t: np.ndarray, labels: str, name: str = "y_true") -> np.ndarray:
    """±1 labels from ``t`` under the label encoding ``labels``.

    ``"pm1"``: ``t`` must be -1 or 1. ``"01"``: ``t`` must be 0 or 1, mapped to 2t - 1.
    ``"auto"``: Keras' ``convert_binary_labels_to_hinge``: if every label is 0 or 1 they
    are mapped to 2t - 1, otherwise they must already be -1 or 1. NaN passes and propagates.
    """
    check_choice(labels, "labels", LABEL_MODES)
    finite = ~np.isnan(t)
    is01 = bool(np.all((t[finite] == 0) | (t[finite] == 1)))
    if labels == "01" or (labels == "auto" and is01):
        if not is01:
            bad = t[finite & (t != 0) & (t != 1)]
            raise ValueError(
                f"{name} must hold 0/1 labels with labels={labels!r}, got "
                f"{bad.ravel()[:5].tolist()}"
            )
        return 2.0 * t - 1.0
    bad = finite & (t != -1) & (t != 1)
    if np.any(bad):
        raise ValueError(
            f"{name} must hold -1/1 labels with labels={labels!r}, got "
            f"{t[bad].ravel()[:5].tolist()}"
        )
    return t


def two_diff(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(d, e)`` with ``d = fl(a - b)`` and ``d + e = a - b`` exactly (Knuth's TwoSum).

    Lets the regression losses square the *exact* difference to first order. Where ``d``
    is not finite ``e`` is 0.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        d = a - b
        bv = d - a
        av = d - bv
        e = (a - av) + (-b - bv)
    return d, np.where(np.isfinite(e), e, 0.0)


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x), no warning on any input."""
    with np.errstate(over="ignore", invalid="ignore"):
        # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): the exp never overflows
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x), no warning on any input."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(-np.abs(x))  # e^-|x| <= 1: no overflow on either side
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def exact_products(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p, e) with p + e = a b exactly (TwoProduct, broadcasting); e = 0 where it is not
    finite (a product beyond the splitter's range, or inf / NaN operands)."""
    p, e = two_prod(a, b)
    return p, np.where(np.isfinite(e), e, 0.0)


def exact_sums(terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """hi + lo = the sum over the last axis, hi correctly rounded (``math.fsum``), lo the
    correctly rounded remainder; plain sums (lo = 0) where a term is not finite."""
    flat = terms.reshape(-1, terms.shape[-1])
    hi = np.empty(flat.shape[0])
    lo = np.zeros(flat.shape[0])
    for i, row in enumerate(flat):
        if np.all(np.isfinite(row)):
            hi[i] = math.fsum(row)
            lo[i] = math.fsum([*row, -hi[i]])
        else:
            with np.errstate(invalid="ignore", over="ignore"):
                hi[i] = row.sum()
    return hi.reshape(terms.shape[:-1]), lo.reshape(terms.shape[:-1])
