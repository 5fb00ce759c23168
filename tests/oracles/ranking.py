"""mpmath oracle for the listwise softmax ranking loss (reference/_ranking.py), values and
VJPs w.r.t. the scores: per list l = Σ_{i∈V} w_i y_i (log Σ_{j∈V} exp(s_j) - s_i) at 50
digits, reduced over the lists (mean over the lists holding a valid item). Regimes:
graded and binary labels, a dominant item (a log-partition near 0), large scores, ties,
masks (a fully masked list among them), weights, a single item.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from tests.oracles import OracleCase
from tests.oracles._target import affine_target_vjp
from tests.oracles.regression import mpf

_RNG = np.random.default_rng(5151)
_FN = "ranking_softmax_cross_entropy"


def _lists(s, y, where, weights):
    """Per list: (valid indices, valid scores, valid targets c = w y) as mpf, or None for a
    fully masked list."""
    s, y = np.asarray(s, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = s.shape[-1]
    m = np.ones(s.shape, bool) if where is None else np.broadcast_to(np.asarray(where, bool), s.shape)
    w = np.ones(s.shape) if weights is None else np.broadcast_to(np.asarray(weights, np.float64), s.shape)
    out = []
    for s_row, y_row, m_row, w_row in zip(s.reshape(-1, n), y.reshape(-1, n), m.reshape(-1, n),
                                          w.reshape(-1, n), strict=True):
        idx = [i for i in range(n) if m_row[i]]
        if where is not None and not idx:
            out.append(None)
        else:
            out.append((idx, [mpf(s_row[i]) for i in idx],
                        [mpf(y_row[i]) * mpf(w_row[i]) for i in idx]))
    return out


def _count(rows) -> int:
    return sum(r is not None for r in rows)


def _loss(s, y, *, where=None, weights=None, reduction="none", mean_of_empty=float("nan")):
    rows = _lists(s, y, where, weights)
    values = []
    for r in rows:
        if r is None or not r[0]:
            values.append(mpmath.mpf(0))
            continue
        _, sv, cv = r
        lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in sv))
        values.append(mpmath.fsum(c * (lse - v) for c, v in zip(cv, sv, strict=True)))
    if reduction == "none":
        return values
    total = mpmath.fsum(values)
    if reduction == "sum":
        return [total]
    k = _count(rows)
    return [total / k if k else mpf(mean_of_empty)]


def _loss_d(s, y, *, g, where=None, weights=None, reduction="none", mean_of_empty=float("nan")):
    rows = _lists(s, y, where, weights)
    n = np.shape(s)[-1]
    gl = np.ravel(g)
    k = _count(rows)
    out = []
    for b, r in enumerate(rows):
        grad = [mpmath.mpf(0)] * n
        if r is not None and r[0]:
            idx, sv, cv = r
            cot = (mpf(gl[b]) if reduction == "none" else
                   mpf(gl[0]) if reduction == "sum" else mpf(gl[0]) / k)
            z = mpmath.fsum(mpmath.exp(v) for v in sv)
            total = mpmath.fsum(cv)
            for i, v, c in zip(idx, sv, cv, strict=True):
                grad[i] = cot * (mpmath.exp(v) / z * total - c)
        out.extend(grad)
    return out


def _graded(shape: tuple[int, ...]) -> np.ndarray:
    return _RNG.integers(0, 4, shape).astype(np.float64)


def _regimes() -> dict[str, tuple[tuple[np.ndarray, ...], dict[str, Any]]]:
    sh = (6, 8)
    mask = _RNG.uniform(size=sh) < 0.7
    mask[2] = False  # a fully masked list
    mask[3, 1:] = False  # a single valid item
    dom = _RNG.normal(0, 1, sh)
    dom[:, 0] += np.array([8.0, 12.0, 20.0, 30.0, 5.0, 15.0])  # p_0 ~ 1: log-partition ~ 1e-13
    dom_y = np.zeros(sh)
    dom_y[:, 0] = 1.0
    dom_y[:3, 3] = 0.5
    return {
        "typical": ((_RNG.normal(0, 2, sh), _graded(sh)), {}),
        "binary": ((_RNG.normal(0, 1, sh), (_RNG.uniform(size=sh) < 0.3) * 1.0), {}),
        "dominant": ((dom, dom_y), {}),
        "large": ((_RNG.normal(0, 100, sh), _graded(sh)), {}),
        "ties": ((np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 2.0, 2.0, -1.0], [3.0, 3.0, 0.5, 3.0]]),
                  np.array([[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 3.0], [1.0, 1.0, 1.0, 1.0]])),
                 {}),
        "single": ((np.array([[0.7], [-3.0]]), np.array([[2.0], [0.0]])), {}),
        "masked": ((_RNG.normal(0, 2, sh), _graded(sh)), {"where": mask}),
        "weighted": ((_RNG.normal(0, 2, sh), _graded(sh)),
                     {"weights": _RNG.uniform(0, 2, sh)}),
        "masked_weighted": ((_RNG.normal(0, 2, sh), _graded(sh)),
                            {"where": mask, "weights": _RNG.uniform(0, 2, sh)}),
    }


def _cases() -> list[OracleCase]:
    cases = []
    for regime, (inputs, kw) in _regimes().items():
        for reduction in ("none", "sum", "mean"):
            kwargs = {**kw, "reduction": reduction}
            if reduction == "mean" and "where" in kw:
                kwargs["mean_of_empty"] = 0.0
            shape = inputs[0].shape[:-1] if reduction == "none" else ()
            # a reduced loss's cotangent is -0.75, not a trivial 1
            g = _RNG.normal(0, 1, shape) if shape else np.array(-0.75)
            cases.append(OracleCase(_FN, regime, inputs, _loss, kwargs, elementwise=False))
            cases.append(OracleCase(_FN, regime, inputs, _loss_d, {**kwargs, "g": g},
                                    grad=True, elementwise=False))
    return cases


def _target_cases() -> list[OracleCase]:
    """VJPs w.r.t. the relevance labels (wrt="y_true"): the loss is affine in them
    (tests/oracles/_target.py), the count of lists holding a valid item is not a function of
    them. Their own cotangents: the cases above keep theirs."""
    rng = np.random.default_rng(20261206)
    vjp = affine_target_vjp(_loss)
    cases = []
    for regime in ("typical", "dominant", "masked_weighted"):
        inputs, kw = _regimes()[regime]
        for reduction in ("none", "mean"):
            kwargs = {**kw, "reduction": reduction}
            if reduction == "mean" and "where" in kw:
                kwargs["mean_of_empty"] = 0.0
            g = rng.normal(0, 1, inputs[0].shape[:-1]) if reduction == "none" else -0.75
            cases.append(OracleCase(_FN, regime + "_wrt_y_true", inputs, vjp,
                                    {**kwargs, "g": g, "wrt": "y_true"}, grad=True,
                                    elementwise=False))
    return cases


CASES: list[OracleCase] = _cases() + _target_cases()
