"""mpmath oracle for reference/_linear_ce.py: the logits x W^T + b, the log-sum-exp and the
gradient (softmax - onehot) W, all at 50 digits from the float64 inputs."""

from __future__ import annotations

import mpmath
import numpy as np

from tests.oracles import OracleCase
from tests.oracles._reduce import object_array, reduce_exact, reduce_vjp_exact
from tests.oracles.regression import mpf

mpmath.mp.dps = 50
_RNG = np.random.default_rng(4242)


def _rows(x, w, y, linear_bias, class_weight, ignore_index):
    """Per sample: (exact logits, label, class weight of the label or None if ignored)."""
    xs = np.reshape(x, (-1, np.shape(x)[-1]))
    c = np.shape(w)[0]
    b = [mpf(0)] * c if linear_bias is None else [mpf(v) for v in linear_bias]
    cw = [mpf(1)] * c if class_weight is None else [mpf(v) for v in class_weight]
    out = []
    for xr, yi in zip(xs, np.ravel(y), strict=True):
        z = [mpmath.fsum(mpf(a) * mpf(wv) for a, wv in zip(xr, wr, strict=True)) + b[k]
             for k, wr in enumerate(np.asarray(w))]
        ignored = ignore_index is not None and int(yi) == ignore_index
        out.append((z, int(yi), None if ignored else cw[int(yi)]))
    return out


def _reduce(values, weights, reduction, sample_weight, shape):
    """reduce_loss of per-sample values that carry their class weights; weighted_mean
    divides by sum(sample_weight * class weight of the target) (torch)."""
    return list(np.ravel(reduce_exact(object_array(values, shape), reduction, sample_weight,
                                      denom=object_array(weights, shape))))


def _lce(x, w, y, *, linear_bias=None, class_weight=None, ignore_index=None,
         reduction="none", sample_weight=None):
    values, weights = [], []
    for z, yi, wy in _rows(x, w, y, linear_bias, class_weight, ignore_index):
        if wy is None:
            values.append(mpf(0))
            weights.append(mpf(0))
            continue
        # lse(z) - z_y = log1p(sum over c != y of exp(z_c - z_y)): no cancellation at 50
        # digits (log(1 + 5e-45) would keep 5 of them)
        values.append(wy * mpmath.log1p(mpmath.fsum(mpmath.exp(v - z[yi])
                                                    for k, v in enumerate(z) if k != yi)))
        weights.append(wy)
    return _reduce(values, weights, reduction, sample_weight, np.shape(y))


def _lce_d(x, w, y, *, g, linear_bias=None, class_weight=None, ignore_index=None,
           reduction="none", sample_weight=None, wrt="x"):
    rows = _rows(x, w, y, linear_bias, class_weight, ignore_index)
    weights = [mpf(0) if wy is None else wy for _, _, wy in rows]
    gs = list(np.ravel(reduce_vjp_exact(g, np.shape(y), reduction, sample_weight,
                                        denom=object_array(weights, np.shape(y)))))
    if wrt == "linear_weight":
        return _lce_dw(x, w, rows, gs)
    out = []
    for (z, yi, wy), gi in zip(rows, gs, strict=True):
        if wy is None:
            out.extend([mpf(0)] * np.shape(w)[1])
            continue
        # softmax - onehot = sum over c != y of p_c (e_c - e_y): dx = sum p_c (W_c - W_y)
        s = mpmath.fsum(mpmath.exp(v - z[yi]) for v in z)
        p = [mpmath.exp(v - z[yi]) / s for v in z]
        wm = np.asarray(w)
        out.extend(gi * wy * mpmath.fsum(p[k] * (mpf(wm[k, f]) - mpf(wm[yi, f]))
                                         for k in range(len(z)) if k != yi)
                   for f in range(wm.shape[1]))
    return out


def _lce_dw(x, w, rows, gs):
    """dL/dW_c = sum over samples of g w_y (p_c - [c = y]) x, C x F in C order."""
    xs = np.reshape(x, (-1, np.shape(x)[-1]))
    coef = []  # per sample, per class: g w_y (p_c - [c = y]); 1 - p_y as the others' sum
    for (z, yi, wy), gi in zip(rows, gs, strict=True):
        if wy is None:
            coef.append([mpf(0)] * len(z))
            continue
        s = mpmath.fsum(mpmath.exp(v - z[yi]) for v in z)
        p = [mpmath.exp(v - z[yi]) / s for v in z]
        rest = mpmath.fsum(pk for k, pk in enumerate(p) if k != yi)
        coef.append([gi * wy * (-rest if k == yi else pk) for k, pk in enumerate(p)])
    return [mpmath.fsum(cn[c] * mpf(xr[f]) for cn, xr in zip(coef, xs, strict=True))
            for c in range(np.shape(w)[0]) for f in range(np.shape(w)[1])]


def _case(regime, x, w, y, **kwargs):
    g = _RNG.uniform(-2, 2, np.shape(y) if kwargs.get("reduction", "none") == "none" else ())
    return [OracleCase("linear_cross_entropy", regime, (x, w, y), _lce, dict(kwargs),
                       elementwise=False),
            OracleCase("linear_cross_entropy", regime, (x, w, y), _lce_d, {**kwargs, "g": g},
                       grad=True, elementwise=False),
            OracleCase("linear_cross_entropy", f"{regime}_wrt_weight", (x, w, y), _lce_d,
                       {**kwargs, "g": g, "wrt": "linear_weight"}, grad=True,
                       elementwise=False)]


def _labels(n, c):
    return _RNG.integers(0, c, n)


_W5 = _RNG.normal(0, 1, (5, 4))
# a confident sample: y the argmax by a wide margin, the loss ~ 1e-20 (log1p path)
_CONF_X = np.array([[8.0, -4.0, 2.0, 1.0], [-6.0, 5.0, 0.5, 3.0]])
_CONF_W = np.array([[2.0, -1.0, 0.5, 0.25], [-1.5, 1.0, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0],
                    [-2.0, 1.0, -1.0, 0.0], [1.0, 1.0, 1.0, 1.0]])

CASES: list[OracleCase] = [
    *_case("typical", _RNG.normal(0, 1.5, (20, 4)), _W5, _labels(20, 5)),
    *_case("bias_weights", _RNG.normal(0, 1.5, (20, 4)), _W5, _labels(20, 5),
           linear_bias=_RNG.normal(0, 1, 5), class_weight=np.array([0.5, 1.0, 2.0, 1.5, 0.25])),
    *_case("ignore_mean", _RNG.normal(0, 1.5, (6, 4)), _W5, np.array([0, -100, 4, 2, -100, 1]),
           ignore_index=-100, class_weight=np.array([0.5, 1.0, 2.0, 1.5, 0.25]),
           reduction="weighted_mean"),
    *_case("sum", _RNG.normal(0, 1.5, (6, 4)), _W5, _labels(6, 5), reduction="sum"),
    *_case("large", _RNG.normal(0, 20, (10, 4)), _W5, _labels(10, 5)),
    *_case("confident", _CONF_X, _CONF_W, np.array([0, 1])),
    *_case("extreme", _RNG.normal(0, 1e3, (6, 4)), _W5, _labels(6, 5)),
    *_case("many", _RNG.normal(0, 1, (2, 8)), _RNG.normal(0, 1, (300, 8)), _labels(2, 300)),
    *_case("vector", _RNG.normal(0, 1.5, 4), _W5, np.array(3)),
]
# sample weights with class weights and an ignored target (torch's weighted mean divides by
# sum(sample_weight * class weight)); a generator of its own keeps the draws above
_SW_RNG = np.random.default_rng(4343)
CASES += _case("sample_weighted", _SW_RNG.normal(0, 1.5, (6, 4)), _W5,
               np.array([0, -100, 4, 2, 3, 1]), ignore_index=-100,
               class_weight=np.array([0.5, 1.0, 2.0, 1.5, 0.25]), reduction="weighted_mean",
               sample_weight=_SW_RNG.uniform(0, 2, 6))
