"""Root-mean losses: RMSE and RMSLE (registered in ``regression.py``).

    root_mean_squared_error     sqrt(Σ w (y_pred - y_true)^2 / Σ w)
    root_mean_squared_log_error sqrt(Σ w (log1p(y_pred) - log1p(y_true))^2 / Σ w)

always reduced (the root of a *mean*; there is no per-element form). ``multioutput`` says
over what the mean is taken before the root:

* ``"pooled"``: every element of the inputs, any shape; Keras' ``RootMeanSquaredError``
  metric (``sqrt(total / count)``) on a (batch, d) batch;
* ``"raw_values"``: each output column of (n_samples,) or (n_samples, n_outputs) inputs
  separately: one root per output, shape (n_outputs,) (a 1-D input is one output);
* ``"uniform_average"``: the mean of those per-output roots, scikit-learn's default
  (``root_mean_squared_error`` roots each output's mean, then averages the roots).

``sample_weight`` (>= 0) is aligned with the leading axes and broadcast like
:func:`reference._reduce.reduce_loss`'s (one weight per sample: scikit-learn, Keras).
Where the total weight is 0 (an empty batch, every weight zero) the value is
``mean_of_empty``: NaN by default, Keras' ``divide_no_nan`` is 0.0.

The differences come with their rounding error (TwoSum for y_pred - y_true, the
extended-precision log ratio for RMSLE), and each group is scaled by a power of two
before squaring, so neither the squares nor the root over- or underflow early.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._loss_common import EXT, pair, to64, two_diff
from ._reduce import _align_weight
from ._regression_more import _log1p_ratio, _sle_inputs
from ._validate import _show, as_float64, check_choice, check_nonnegative, wrt_target

MULTIOUTPUT = ("pooled", "uniform_average", "raw_values")

__all__ = [
    "MULTIOUTPUT",
    "root_mean_squared_error",
    "root_mean_squared_error_vjp",
    "root_mean_squared_log_error",
    "root_mean_squared_log_error_vjp",
]


def _check_empty_value(mean_of_empty: Any) -> float:
    if isinstance(mean_of_empty, (bool, np.bool_, str, bytes)) or not np.isscalar(mean_of_empty):
        raise TypeError(f"mean_of_empty must be a real number, got {_show(mean_of_empty)}")
    v = float(mean_of_empty)
    if not (math.isnan(v) or (math.isfinite(v) and v >= 0)):
        raise ValueError(f"mean_of_empty must be NaN or a finite number >= 0, got {v}")
    return v


def _columns(a: np.ndarray, multioutput: str) -> np.ndarray:
    """``a`` as (n, k): rows are what a group averages, columns the groups."""
    if multioutput == "pooled":
        return a.reshape(-1, 1)
    if a.ndim not in (1, 2):
        raise ValueError(
            f"multioutput={multioutput!r} needs (n_samples,) or (n_samples, n_outputs) "
            f"inputs, got shape {a.shape}"
        )
    return a[:, None] if a.ndim == 1 else a


def _parts(d: np.ndarray, e: np.ndarray, sample_weight: Any, multioutput: str):
    """Per group: weights, scaled differences, their scale 2^k, Σ w and the scaled root."""
    check_choice(multioutput, "multioutput", MULTIOUTPUT)
    w = np.ones(d.shape)
    if sample_weight is not None:
        sw = as_float64(sample_weight, "sample_weight")
        check_nonnegative(sw, "sample_weight")
        w = _align_weight(sw, d.shape, "sample_weight")
    d2, e2, w2 = (_columns(a, multioutput) for a in (d, e, w))
    live = w2 != 0
    with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):
        a = np.where(live, np.abs(d2), 0.0)  # weighted-out elements play no part
        finite = np.all(np.isfinite(a), axis=0)
        m = np.max(np.where(np.isfinite(a), a, 0.0), axis=0, initial=0.0)
        # scale each group by a power of 2 (exact): the largest |d| lands in [0.5, 1), so
        # the squares cannot overflow nor all underflow
        k = np.where(finite & (m > 0), np.frexp(m)[1], 0)
        ds = np.where(live, np.ldexp(d2, -k), 0.0)
        es = np.where(live, np.ldexp(e2, -k), 0.0)
        # (d + e)^2 to first order in the rounding error e
        total = np.sum(w2 * (ds * (ds + 2.0 * es)), axis=0)
        wsum = np.sum(w2, axis=0)
        rs = np.sqrt(total / wsum)
        # inf/NaN in a group: IEEE arithmetic on the stated formula
        naive = np.sqrt(np.sum(np.where(live, w2 * d2 * d2, 0.0), axis=0) / wsum)
    rs = np.where(finite, rs, naive)
    k = np.where(finite, k, 0)
    return w2, ds, es, k, wsum, rs, finite, d2


def _combine(r: np.ndarray, multioutput: str, empty: float) -> np.ndarray:
    if multioutput == "raw_values":
        return r
    if r.size == 0:
        return np.asarray(empty)
    return np.asarray(np.mean(r))


def _root(d, e, sample_weight, multioutput, mean_of_empty) -> np.ndarray:
    empty = _check_empty_value(mean_of_empty)
    _, _, _, k, wsum, rs, _, _ = _parts(d, e, sample_weight, multioutput)
    with np.errstate(over="ignore", under="ignore"):
        r = np.where(wsum == 0, empty, np.ldexp(rs, k))
    return _combine(r, multioutput, empty)


def _root_vjp(g, d, e, sample_weight, multioutput, mean_of_empty, grad_at_zero) -> np.ndarray:
    """d/dd_i of the root: w_i (d_i + e_i) / (Σ w · r) per group, times the group's
    cotangent; ``grad_at_zero`` where the group's root is 0."""
    _check_empty_value(mean_of_empty)
    w2, ds, es, k, wsum, rs, finite, d2 = _parts(d, e, sample_weight, multioutput)
    n_groups = rs.shape[0]
    g = as_float64(g, "g")
    out_shape = (n_groups,) if multioutput == "raw_values" else ()
    if g.shape != out_shape:
        raise ValueError(
            f"g must have the shape of the output {out_shape} (multioutput={multioutput!r}), "
            f"got {g.shape}"
        )
    cot = g if multioutput == "raw_values" else np.full(n_groups, g / max(n_groups, 1))
    with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):
        # (d + e) / r in scaled units (both carry the same 2^k): no overflow
        local = np.where(finite, (ds + es) / rs, d2 / np.ldexp(rs, k))
        grad = cot * (w2 * local) / wsum
        grad = np.where(finite & (rs == 0), cot * grad_at_zero, grad)
    grad = np.where(w2 == 0, 0.0, grad)  # weighted out: exactly 0
    return grad.reshape(d.shape)


# --------------------------------------------------------------------------- RMSE


def root_mean_squared_error(
    y_pred: Any, y_true: Any, *, multioutput: str = "pooled", sample_weight: Any = None,
    mean_of_empty: float = float("nan"),
) -> np.ndarray:
    """sqrt(Σ_i w_i (y_pred_i - y_true_i)^2 / Σ_i w_i), over the groups ``multioutput``
    names (module docstring). y_pred, y_true: same shape; 0-d array out, or (n_outputs,)
    for ``multioutput="raw_values"``.

    scikit-learn ``root_mean_squared_error``: multioutput="uniform_average" (its default)
    or "raw_values"; Keras ``RootMeanSquaredError``: "pooled", mean_of_empty=0.0.
    """
    p, t = pair(y_pred, y_true)
    d, e = two_diff(p, t)
    return _root(d, e, sample_weight, multioutput, mean_of_empty)


def root_mean_squared_error_vjp(
    g: Any, y_pred: Any, y_true: Any, *, multioutput: str = "pooled",
    sample_weight: Any = None, mean_of_empty: float = float("nan"),
    grad_at_zero: float = 0.0,
) -> np.ndarray:
    """d/dy_pred_i = w_i (y_pred_i - y_true_i) / (Σ w · RMSE) in each group.

    Where a group's RMSE is 0 (every weighted error is 0) the root is not differentiable
    (d sqrt(u)/du = inf at u = 0); the gradient there is ``grad_at_zero`` times the
    cotangent: 0 by default, the minimum-norm subgradient (the RMSE is a weighted norm of
    the errors, whose subdifferential at 0 holds 0). Autodiff through ``sqrt`` gives
    0 * inf = NaN there: grad_at_zero=nan.
    """
    p, t = pair(y_pred, y_true)
    d, e = two_diff(p, t)
    return _root_vjp(g, d, e, sample_weight, multioutput, mean_of_empty, grad_at_zero)


# --------------------------------------------------------------------------- RMSLE


def _log_errors(y_pred: Any, y_true: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p, t = pair(y_pred, y_true)
    p, t = _sle_inputs(p, t, None)
    lr = _log1p_ratio(p, t)
    d = to64(lr)
    with np.errstate(invalid="ignore", over="ignore"):
        e = to64(lr - d.astype(EXT))  # d + e carries the log ratio beyond float64
    return p, d, np.where(np.isfinite(e), e, 0.0)


def root_mean_squared_log_error(
    y_pred: Any, y_true: Any, *, multioutput: str = "pooled", sample_weight: Any = None,
    mean_of_empty: float = float("nan"),
) -> np.ndarray:
    """sqrt(Σ_i w_i (log1p(y_pred_i) - log1p(y_true_i))^2 / Σ_i w_i) over the groups
    ``multioutput`` names. Inputs below -1 raise (scikit-learn also rejects -1 itself,
    where log1p is -inf; here -1 gives inf, or NaN when both are -1).

    scikit-learn ``root_mean_squared_log_error``: multioutput="uniform_average" or
    "raw_values".
    """
    _, d, e = _log_errors(y_pred, y_true)
    return _root(d, e, sample_weight, multioutput, mean_of_empty)


def root_mean_squared_log_error_vjp(
    g: Any, y_pred: Any, y_true: Any, *, multioutput: str = "pooled",
    sample_weight: Any = None, mean_of_empty: float = float("nan"),
    grad_at_zero: float = 0.0, wrt: str = "y_pred",
) -> np.ndarray:
    """d/dy_pred_i = w_i L_i / ((1 + y_pred_i) Σ w · RMSLE), L = log1p(y_pred) -
    log1p(y_true); ``grad_at_zero`` where a group's RMSLE is 0 (as for the RMSE).
    ``wrt="y_true"``: -w_i L_i / ((1 + y_true_i) Σ w · RMSLE)."""
    sign, x = (-1.0, y_true) if wrt_target(wrt) else (1.0, y_pred)
    _, d, e = _log_errors(y_pred, y_true)
    grad = sign * _root_vjp(g, d, e, sample_weight, multioutput, mean_of_empty, grad_at_zero)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        out = to64(grad.astype(EXT) / (1 + as_float64(x, wrt).astype(EXT)))  # 1 + x unrounded
    return np.where(grad == 0, 0.0, out)  # a zero gradient stays 0 (no 0 / 0 at x = -1)
