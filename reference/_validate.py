"""Input validation shared by every reference function.

Every check names the parameter and shows the offending value or shape, in the style of
``scipy.stats.entropy``. NaN is never rejected by a range check: NaN propagates to the
outputs it touches (the rule stated in ``reference/__init__.py``), so a NaN input gives a
NaN answer instead of an exception or a silently substituted number.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

__all__ = [
    "as_float64",
    "as_int_labels",
    "check_axis",
    "check_choice",
    "check_class_count",
    "check_finite_scalar",
    "check_nonnegative",
    "check_probabilities",
    "check_same_shape",
]


def _show(value: Any, limit: int = 80) -> str:
    # One line: an array's repr breaks lines, and a message is read in one-line reports.
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_float64(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as a float64 ndarray (a copy only where the dtype changes).

    Raises TypeError for anything that is not real numbers: strings, objects, complex,
    None. Booleans and integers are accepted and converted exactly.
    """
    if x is None:
        raise TypeError(f"{name} must be an array of real numbers, got None")
    arr = np.asarray(x)
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind == "V" or str(arr.dtype) in ("bfloat16", "float8_e4m3fn", "float8_e5m2"):
        # ml_dtypes' bfloat16 and friends: numpy kind 'V', but they cast exactly to float64.
        try:
            return arr.astype(np.float64)
        except (TypeError, ValueError):
            pass
    raise TypeError(
        f"{name} must be an array of real numbers, got dtype {arr.dtype} ({_show(x)})"
    )


def as_int_labels(
    labels: Any, name: str, num_classes: int, *, ignore_index: int | None = None
) -> np.ndarray:
    """Integer class labels in ``[0, num_classes)`` (or equal to ``ignore_index``), as int64.

    Float arrays are accepted only when every value is a whole number (2.0, not 2.5).
    """
    if labels is None:
        raise TypeError(f"{name} must be an array of integer class labels, got None")
    arr = np.asarray(labels)
    if arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            # beyond +-2**63 the cast to int64 is undefined: not a class index anyway
            bad = ~np.isfinite(arr) | (arr != np.round(arr)) | (np.abs(arr.astype(np.float64)) >= 2.0**63)
        if np.any(bad):
            raise ValueError(
                f"{name} must hold whole numbers within int64 (integer class labels), got "
                f"{_show(arr[bad].ravel()[:5].tolist())}"
            )
        arr = arr.astype(np.int64)
    elif arr.dtype.kind in "iub":
        arr = arr.astype(np.int64, copy=False)
    else:
        raise TypeError(f"{name} must be an array of integer class labels, got dtype {arr.dtype}")
    valid = (arr >= 0) & (arr < num_classes)
    if ignore_index is not None:
        valid |= arr == ignore_index
    if not np.all(valid):
        bad_values = np.unique(arr[~valid])[:5].tolist()
        raise ValueError(
            f"{name} must lie in [0, {num_classes}) (the number of classes)"
            + (f" or equal ignore_index={ignore_index}" if ignore_index is not None else "")
            + f", got {bad_values}"
        )
    return arr


def check_axis(axis: Any, ndim: int, name: str = "axis") -> int:
    """Normalise ``axis`` to a non-negative int; ValueError names it if out of range."""
    try:
        axis_int = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {_show(axis)}") from None
    if not -ndim <= axis_int < ndim:
        raise ValueError(f"{name}={axis_int} is out of range for an array of {ndim} dimensions")
    return axis_int % ndim


def check_choice(value: Any, name: str, choices: tuple[Any, ...]) -> Any:
    """ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {_show(value)}")
    return value


def wrt_target(wrt: Any) -> bool:
    """A two-input loss VJP's ``wrt``: False for "y_pred" (the default), True for "y_true";
    ValueError naming ``wrt`` otherwise."""
    return check_choice(wrt, "wrt", ("y_pred", "y_true")) == "y_true"


def check_finite_scalar(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """A finite real scalar hyperparameter within optional bounds, as a Python float."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or not np.isscalar(value):
        raise TypeError(f"{name} must be a real number, got {_show(value)}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {_show(value)}") from None
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if low is not None and (v < low or (v == low and not low_inclusive)):
        raise ValueError(f"{name} must be {'>=' if low_inclusive else '>'} {low}, got {v}")
    if high is not None and (v > high or (v == high and not high_inclusive)):
        raise ValueError(f"{name} must be {'<=' if high_inclusive else '<'} {high}, got {v}")
    return v


def check_probabilities(p: np.ndarray, name: str) -> np.ndarray:
    """ValueError if any non-NaN entry of ``p`` lies outside [0, 1]. NaN passes (and propagates)."""
    bad = (p < 0) | (p > 1)
    if np.any(bad):
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], got {_show(p[bad].ravel()[:5].tolist())}"
        )
    return p


def check_nonnegative(x: np.ndarray, name: str) -> np.ndarray:
    """ValueError if any non-NaN entry of ``x`` is negative."""
    bad = x < 0
    if np.any(bad):
        raise ValueError(f"{name} must be >= 0, got {_show(x[bad].ravel()[:5].tolist())}")
    return x


def broadcast_input(a: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    """``a`` broadcast to y_pred's ``shape``; ValueError naming ``name`` where it cannot be."""
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(
            f"{name} of shape {a.shape} cannot be broadcast to y_pred's shape {shape}"
        ) from None


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """ValueError unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}"
        )


def check_class_count(n_pred: int, n_true: int, name_pred: str, name_true: str) -> None:
    """ValueError when two arrays disagree on the number of classes."""
    if n_pred != n_true:
        raise ValueError(
            f"{name_pred} has {n_pred} classes but {name_true} has {n_true} "
            "(mismatched class counts)"
        )
