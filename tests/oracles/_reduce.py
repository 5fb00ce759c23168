"""Exact (mpmath, object-array) counterparts of reference/_reduce.py's reductions.

``reduce_exact(v, ...)`` reduces exact per-element losses as ``reduce_loss`` does;
``reduce_vjp_exact(g, shape, ...)`` gives the exact cotangent of each element. With the
object-array helpers the oracles share: ``exact_array`` (float64 -> exact mpf),
``object_array`` (a list of mpf in a shape), ``xmul`` (c * v, 0 where c = 0). Reductions:
"none" (weighted values), "sum", "mean" and "sum_over_batch_size" (total / number of
values), "batchmean" (total / leading dimension), "weighted_mean" (total / sum of the
weights, times ``denom`` where given: the per-value weights of its denominator).
"""

from __future__ import annotations

from typing import Any

import mpmath as mp
import numpy as np

_MPF = np.frompyfunc(lambda v: mp.mpf(float(v)), 1, 1)
xmul = np.frompyfunc(lambda c, v: mp.mpf(0) if c == 0 else c * v, 2, 1)  # 0 * log 0 = 0


def exact_array(a: Any) -> np.ndarray:
    """float64 array -> object array of exact mpf (0-d too)."""
    return np.asarray(_MPF(np.asarray(a, dtype=np.float64)), dtype=object)


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


def reduce_exact(v: np.ndarray, reduction: str = "none", sample_weight: Any = None,
                 mean_axis: int | None = None, denom: np.ndarray | None = None) -> np.ndarray:
    """Exact reduce_loss of the object array ``v``."""
    if mean_axis is not None:
        v = np.sum(v, axis=mean_axis) / v.shape[mean_axis]
    w = _align(sample_weight, v.shape)
    wv = xmul(w, v)
    if reduction == "none":
        return wv
    total = mp.fsum(wv.ravel())
    if reduction == "sum":
        return np.array(total, dtype=object)
    return np.array(total / _denominator(reduction, v.shape, w, denom), dtype=object)


def reduce_vjp_exact(g: Any, shape: tuple[int, ...], reduction: str = "none",
                     sample_weight: Any = None, mean_axis: int | None = None,
                     denom: np.ndarray | None = None) -> np.ndarray:
    """The exact cotangent of each of the ``shape`` values under ``g``."""
    red = shape if mean_axis is None else shape[:mean_axis % len(shape)] + shape[
        mean_axis % len(shape) + 1:]
    w = _align(sample_weight, red)
    if reduction == "none":
        dv = exact_array(g) * w
    elif reduction == "sum":
        dv = mp.mpf(float(g)) * w
    else:
        dv = mp.mpf(float(g)) * w / _denominator(reduction, red, w, denom)
    if mean_axis is not None:
        ax = mean_axis % len(shape)
        dv = np.broadcast_to(np.expand_dims(dv / shape[ax], ax), shape)
    return dv
