"""Exact (mpmath, object-array) counterparts of reference/_reduce.py's reductions.

``reduce_exact(v, ...)`` reduces exact per-element losses as ``reduce_loss`` does;
``reduce_vjp_exact(g, shape, ...)`` gives the exact cotangent of each element. With the
object-array helpers the oracles share: ``exact_array`` (float64 -> exact mpf),
``object_array`` (a list of mpf in a shape), ``exact_rows`` (the rows along the last
axis as lists of mpf), ``xmul`` (c * v, 0 where c = 0). Reductions:
"none" (weighted values), "sum", "mean" and "sum_over_batch_size" (total / number of
values), "batchmean" (total / leading dimension), "weighted_mean" (total / sum of the
weights, times ``denom`` where given: the per-value weights of its denominator). A mean
over zero values or zero total weight is ``mean_of_empty`` (its cotangent NaN when that is
NaN, else 0), as in reference/_reduce.py.
"""

from __future__ import annotations

from typing import Any

import mpmath as mp
import numpy as np

_MPF = np.frompyfunc(lambda v: mp.mpf(float(v)), 1, 1)
xmul = np.frompyfunc(lambda c, v: mp.mpf(0) if c == 0 else c * v, 2, 1)  # 0 * log 0 = 0


def exact_array(a: Any) -> np.ndarray:
    """float64 array -> object array of exact mpf (0-d too); an object array (of mpf: the
    target oracles' perturbed targets) passes as it is."""
    if isinstance(a, np.ndarray) and a.dtype == object:
        return a
    return np.asarray(_MPF(np.asarray(a, dtype=np.float64)), dtype=object)


def exact_rows(x: Any) -> list[list[Any]]:
    """The rows along the last axis (every leading axis flattened, empty batches too) as
    lists of exact mpf; mpf entries (a target oracle's perturbed input) as they are."""
    a = np.asarray(x)
    n = int(np.prod(a.shape[:-1]))
    return [[v if isinstance(v, mp.mpf) else mp.mpf(float(v)) for v in row]
            for row in a.reshape(n, a.shape[-1])]


def object_array(values: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A list of mpf as an object array of ``shape`` (np.array would try to unpack them)."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out.reshape(shape)


def _align(sw: Any, shape: tuple[int, ...]) -> np.ndarray:
    """sample_weight aligned on the leading axes of ``shape`` (ones where None)."""
    if sw is None:
        return np.full(shape, mp.mpf(1), dtype=object)
    w = exact_array(sw)
    return np.broadcast_to(w.reshape(w.shape + (1,) * (len(shape) - w.ndim)), shape)


def _denominator(reduction: str, shape: tuple[int, ...], w: np.ndarray,
                 denom: np.ndarray | None) -> Any:
    if reduction in ("mean", "sum_over_batch_size"):
        return int(np.prod(shape))
    if reduction == "batchmean":
        return shape[0] if shape else 1
    d = w if denom is None else w * denom
    return mp.fsum(np.asarray(d).ravel())


def _axis_mean(v: np.ndarray, axis: int, mean_of_empty: float) -> np.ndarray:
    """The mean over ``axis`` as an object array (0-d too), ``mean_of_empty`` where empty."""
    rest = v.shape[:axis] + v.shape[axis + 1:]
    if v.shape[axis] == 0:
        return np.full(rest, mp.mpf(mean_of_empty), dtype=object)
    return np.asarray(np.sum(v, axis=axis) / v.shape[axis], dtype=object).reshape(rest)


def reduce_exact(v: np.ndarray, reduction: str = "none", sample_weight: Any = None,
                 mean_axis: int | None = None, denom: np.ndarray | None = None,
                 mean_of_empty: float = float("nan")) -> np.ndarray:
    """Exact reduce_loss of the object array ``v``."""
    v = np.asarray(v, dtype=object)
    if mean_axis is not None:
        v = _axis_mean(v, mean_axis % v.ndim, mean_of_empty)
    w = _align(sample_weight, v.shape)
    wv = xmul(w, v)
    if reduction == "none":
        return np.asarray(wv, dtype=object)
    total = mp.fsum(np.ravel(wv))
    if reduction == "sum":
        return np.array(total, dtype=object)
    d = _denominator(reduction, v.shape, w, denom)
    return np.array(total / d if d != 0 else mp.mpf(mean_of_empty), dtype=object)


def reduce_vjp_exact(g: Any, shape: tuple[int, ...], reduction: str = "none",
                     sample_weight: Any = None, mean_axis: int | None = None,
                     denom: np.ndarray | None = None,
                     mean_of_empty: float = float("nan")) -> np.ndarray:
    """The exact cotangent of each of the ``shape`` values under ``g``."""
    red = shape if mean_axis is None else shape[:mean_axis % len(shape)] + shape[
        mean_axis % len(shape) + 1:]
    w = _align(sample_weight, red)
    if reduction == "none":
        dv = exact_array(g) * w
    elif reduction == "sum":
        dv = mp.mpf(float(g)) * w
    else:
        d = _denominator(reduction, red, w, denom)
        # a mean over nothing is the constant mean_of_empty: no cotangent (NaN if NaN)
        dv = mp.mpf(float(g)) * w / d if d != 0 else np.full(
            red, mp.mpf(mean_of_empty) * 0, dtype=object)
    dv = np.asarray(dv, dtype=object)
    if mean_axis is not None:
        ax = mean_axis % len(shape)
        dv = np.broadcast_to(np.expand_dims(dv / max(shape[ax], 1), ax), shape)
    return dv
