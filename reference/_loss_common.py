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


def exact_rest(pl: np.ndarray, s_hi: np.ndarray, s_lo: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """S - p_j = the other entries' sum (entries on the last axis; S = s_hi + s_lo, its
    exact sum), as hi + lo."""
    shape = pl.shape
    return exact_sums(np.stack([np.broadcast_to(s_hi, shape), np.broadcast_to(s_lo, shape), -pl],
                               axis=-1))


def normalized_log(p: np.ndarray, ax: int, dtype: Any = np.float64
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(q, log q, 1 - q) for q = p / S, S = the sum of p along ``ax``.

    q is a rounded quotient: near 1 its rounding (1.1e-16 absolute) is a relative error of
    1e-16 / (1 - q) in log q and 1 - q. Where q > 1/2 both come instead from (S - p) / S,
    with S - p the other entries' sum, exact (rows with a non-finite entry or S = 0 keep
    the plain forms). Where q is subnormal or flushed to 0 (p > 0), log q = log p - log S.
    ``dtype=EXT``: the three in extended precision (q from the exact S), for gradients
    that cancel; q is still compared in float64 for the choice of forms.
    """
    s = np.sum(p, axis=ax, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = p / s
    pl = np.moveaxis(p, ax, -1)
    s_hi, s_lo = (x[..., None] for x in exact_sums(pl))
    d_hi, d_lo = exact_rest(pl, s_hi, s_lo)
    s_ext = s_hi.astype(EXT) + s_lo.astype(EXT)
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = (d_hi.astype(EXT) + d_lo.astype(EXT)) / s_ext
        qd = q if dtype == np.float64 else np.moveaxis(pl.astype(EXT) / s_ext, -1, ax)
        finite = np.moveaxis(np.isfinite(pl).all(axis=-1, keepdims=True) & (s_hi > 0), -1, ax)
        qd = np.where(finite, qd, q)
        log_q, u = np.log(qd), 1 - qd
    ok = finite & (q > 0.5)
    rest = np.moveaxis(rest.astype(dtype), -1, ax)
    # q subnormal or flushed to 0: its rounding is a large relative error; log p - log S
    # has none to speak of (|log q| > 708 there, so the subtraction loses nothing)
    tiny = finite & (q < np.finfo(np.float64).tiny) & (p > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_q = np.where(tiny, np.log(p.astype(dtype)) - np.log(np.moveaxis(
            s_hi if dtype == np.float64 else s_ext, -1, ax)), log_q)
        return qd, np.where(ok, np.log1p(-rest), log_q), np.where(ok, rest, u)
