"""mpmath oracles for reference/margin.py (every function and every VJP).

Regimes: typical, large (scores ~ 1e8), tiny (~1e-300), kinks (exactly at the margin,
ties of the max), zeros, plus reduced cases (4 ULP target for per-sample losses).
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from tests.oracles import OracleCase
from tests.oracles._reduce import exact_rows as _rows
from tests.oracles._reduce import object_array, reduce_exact, reduce_vjp_exact
from tests.oracles._target import affine_target_vjp, smooth_target_vjp
from tests.oracles.regression import elementwise_cases, mpf

_RNG = np.random.default_rng(31337)


def _pm1(n: int) -> np.ndarray:
    return _RNG.choice([-1.0, 1.0], n)


def _binary_regimes(kink: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    t = _pm1(150)
    return {
        "typical": (_RNG.normal(0, 2, 150), t),
        "large": (_RNG.normal(0, 1e8, 40), _pm1(40)),
        "tiny": (_RNG.uniform(-1, 1, 40) * 1e-300, _pm1(40)),
        "kinks": (np.array([kink, -kink, kink, -kink, 0.0, -0.0]),
                  np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])),
        "zeros": (np.zeros(4), np.array([1.0, -1.0, 1.0, -1.0])),
    }


def _kink(z, active_below, at, grad_at):
    return mpmath.mpf(1) if z < active_below else (mpmath.mpf(grad_at) if z == at else 0)


def _signed(t, labels):
    """±1 label: "01" maps 2t - 1; "auto" (Keras) maps 0 to -1 and keeps ±1 (per element
    the same as reference.signed_labels on any valid array)."""
    if labels == "01":
        return 2 * t - 1
    return -1 if labels == "auto" and t == 0 else t


def _hinge(p, t, labels="pm1"):
    t = _signed(t, labels)
    return max(1 - t * p, mpmath.mpf(0))


def _hinge_d(p, t, labels="pm1", grad_at_margin=0.0):
    t = _signed(t, labels)
    return -t * _kink(t * p, 1, 1, grad_at_margin)


def _sqhinge(p, t, labels="pm1"):
    t = _signed(t, labels)
    return max(1 - t * p, mpmath.mpf(0)) ** 2


def _sqhinge_d(p, t, labels="pm1"):
    t = _signed(t, labels)
    return -2 * t * max(1 - t * p, mpmath.mpf(0))


def _perc(p, t, labels="pm1"):
    t = _signed(t, labels)
    return max(-t * p, mpmath.mpf(0))


def _perc_d(p, t, labels="pm1", grad_at_zero=0.0):
    t = _signed(t, labels)
    return -t * _kink(t * p, 0, 0, grad_at_zero)


def _soft(p, t, labels="pm1"):
    t = _signed(t, labels)
    return mpmath.log1p(mpmath.exp(-t * p))


def _soft_d(p, t, labels="pm1"):
    t = _signed(t, labels)
    return -t / (1 + mpmath.exp(t * p))


def _emb(p, t, margin=1.0):
    return p if t == 1 else max(mpf(margin) - p, mpmath.mpf(0))


def _emb_d(p, t, margin=1.0, grad_at_margin=0.0):
    if t == 1:
        return mpmath.mpf(1)
    return -_kink(p, margin, margin, grad_at_margin)


def _labels01(pt):
    p, t = pt
    return p, (t + 1) / 2


# --------------------------------------------------------------------------- multi-class


def _max_mask(z, ties="split"):
    m = max(z)
    hit = [1 if v == m else 0 for v in z]
    if ties == "first":
        k = hit.index(1)
        hit = [1 if i == k else 0 for i in range(len(z))]
    c = sum(hit)
    return [mpmath.mpf(h) / c for h in hit]


def _cat_hinge(x, t):
    out = []
    for xr, tr in zip(_rows(x), _rows(t), strict=True):
        pos = mpmath.fsum(a * b for a, b in zip(xr, tr, strict=True))
        neg = max((1 - b) * a for a, b in zip(xr, tr, strict=True))
        out.append(max(neg - pos + 1, mpmath.mpf(0)))
    return out


def _cat_hinge_d(x, t, *, g, ties="split", grad_at_margin=0.0):
    out = []
    for xr, tr, gi in zip(_rows(x), _rows(t), np.ravel(g), strict=True):
        pos = mpmath.fsum(a * b for a, b in zip(xr, tr, strict=True))
        negs = [(1 - b) * a for a, b in zip(xr, tr, strict=True)]
        z = max(negs) - pos + 1
        k = 1 if z > 0 else (grad_at_margin if z == 0 else 0)
        mask = _max_mask(negs, ties)
        out.extend(mpf(gi) * k * ((1 - b) * m - b) for b, m in zip(tr, mask, strict=True))
    return out


def _mm(x, y, *, p=1, margin=1.0, class_weight=None):
    out = []
    for xr, yi in zip(_rows(x), np.ravel(y), strict=True):
        c = len(xr)
        w = 1 if class_weight is None else mpf(class_weight[yi])
        s = mpmath.fsum(max(mpf(margin) - xr[yi] + xr[i], mpmath.mpf(0)) ** p
                        for i in range(c) if i != yi)
        out.append(w * s / c)
    return out


def _mm_d(x, y, *, g, p=1, margin=1.0, class_weight=None, grad_at_margin=0.0):
    out = []
    for xr, yi, gi in zip(_rows(x), np.ravel(y), np.ravel(g), strict=True):
        c = len(xr)
        w = 1 if class_weight is None else mpf(class_weight[yi])
        dz = []
        for i in range(c):
            z = mpf(margin) - xr[yi] + xr[i]
            if i == yi:
                dz.append(mpmath.mpf(0))
            elif p == 1:
                dz.append(mpmath.mpf(1) if z > 0 else (mpf(grad_at_margin) if z == 0 else 0))
            else:
                dz.append(2 * max(z, mpmath.mpf(0)))
        total = mpmath.fsum(dz)
        out.extend(mpf(gi) * w * (-total if i == yi else dz[i]) / c for i in range(c))
    return out


def _mc(x, y, *, margin=1):
    out = []
    for xr, yi in zip(_rows(x), np.ravel(y), strict=True):
        out.append(max(xr[j] + margin * (0 if j == yi else 1) for j in range(len(xr))) - xr[yi])
    return out


def _mc_d(x, y, *, g, margin=1, ties="split"):
    out = []
    for xr, yi, gi in zip(_rows(x), np.ravel(y), np.ravel(g), strict=True):
        z = [xr[j] + margin * (0 if j == yi else 1) for j in range(len(xr))]
        mask = _max_mask(z, ties)
        out.extend(mpf(gi) * (mask[j] - (1 if j == yi else 0)) for j in range(len(xr)))
    return out


def _sp(v):
    return mpmath.log1p(mpmath.exp(v))


def _mlsm(x, t, *, class_weight=None):
    out = []
    for xr, tr in zip(_rows(x), _rows(t), strict=True):
        c = len(xr)
        w = [1] * c if class_weight is None else [mpf(v) for v in class_weight]
        out.append(mpmath.fsum(wi * (b * _sp(-a) + (1 - b) * _sp(a))
                               for wi, a, b in zip(w, xr, tr, strict=True)) / c)
    return out


def _mlsm_d(x, t, *, g, class_weight=None):
    out = []
    for xr, tr, gi in zip(_rows(x), _rows(t), np.ravel(g), strict=True):
        c = len(xr)
        w = [1] * c if class_weight is None else [mpf(v) for v in class_weight]
        out.extend(mpf(gi) * wi * (1 / (1 + mpmath.exp(-a)) - b) / c
                   for wi, a, b in zip(w, xr, tr, strict=True))
    return out


def _mlm_pairs(xr, yr):
    """(target position's class j, non-target class i) pairs of one sample."""
    k = next((n for n, v in enumerate(yr) if v < 0), len(yr))
    targets = [int(v) for v in yr[:k]]
    others = [i for i in range(len(xr)) if i not in set(targets)]
    return [(j, i) for j in targets for i in others]


def _mlm(x, y):
    out = []
    for xr, yr in zip(_rows(x), np.reshape(y, (-1, np.shape(y)[-1])), strict=True):
        out.append(mpmath.fsum(max(1 - xr[j] + xr[i], mpmath.mpf(0))
                               for j, i in _mlm_pairs(xr, yr)) / len(xr))
    return out


def _mlm_d(x, y, *, g, grad_at_margin=0.0):
    out = []
    for xr, yr, gi in zip(_rows(x), np.reshape(y, (-1, np.shape(y)[-1])), np.ravel(g),
                          strict=True):
        d = [mpmath.mpf(0)] * len(xr)
        for j, i in _mlm_pairs(xr, yr):
            z = 1 - xr[j] + xr[i]
            k = mpmath.mpf(1) if z > 0 else (mpf(grad_at_margin) if z == 0 else 0)
            d[i] += k
            d[j] -= k
        out.extend(mpf(gi) * v / len(xr) for v in d)
    return out


def _padded(rng, n, c):
    """Random target lists (0 to c classes, repeats allowed) padded with -1."""
    y = np.full((n, c), -1, dtype=np.int64)
    for r in range(n):
        k = rng.integers(0, c + 1)
        y[r, :k] = rng.integers(0, c, k)
        if k < c:  # the entries after the first -1 are ignored, whatever they are
            y[r, k + 1:] = rng.integers(-1, c, c - k - 1)
    return y


def _mlm_regimes() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    # kinks: margins 1 - x[j] + x[i] exactly 0 (dyadic values), beside active and inactive
    kinks = np.array([[1.0, 0.0, 0.5, 2.0], [0.25, -0.75, 3.0, 1.25], [0.0, 0.0, 0.0, 0.0]])
    kinks_y = np.array([[0, -1, 2, 1], [0, 2, -1, 0], [1, 2, 3, 0]])
    special = np.array([[0.5, -1.0, 2.0, 0.0], [0.5, -1.0, 2.0, 0.0], [0.5, -1.0, 2.0, 0.0],
                        [0.5, -1.0, 2.0, 0.0]])
    # no target; every class; a repeated index; a 1-D-like single target
    special_y = np.array([[-1, 0, 1, 2], [3, 1, 0, 2], [2, 2, 0, -1], [1, -1, -1, -1]])
    return {
        "typical": (_RNG.normal(0, 1.5, (40, 5)), _padded(_RNG, 40, 5)),
        "large": (_RNG.normal(0, 1e8, (10, 5)), _padded(_RNG, 10, 5)),
        "tiny": (_RNG.uniform(-1, 1, (10, 4)) * 1e-300, _padded(_RNG, 10, 4)),
        "kinks": (kinks, kinks_y),
        "special": (special, special_y),
        "many": (_RNG.normal(0, 3, (2, 60)), _padded(_RNG, 2, 60)),
    }


def _class_last(axis, x, *args):
    """x and the inputs of x's shape (one-hot or multi-label targets) with the class axis
    moved last; sparse labels (one fewer dimension) as they are."""
    def move(a):
        return np.moveaxis(np.asarray(a), axis, -1) if np.ndim(a) == np.ndim(x) else a
    return move(x), [move(a) for a in args]


def _per_sample_reduced(value, grad):
    """(value, grad) of a per-sample (row) oracle, taking axis= (the class axis),
    reduction= and sample_weight= as the reference does; the samples are the rows of the
    first input with its class axis last."""
    def v(x, *args, axis=-1, reduction="none", sample_weight=None, **kw):
        xm, am = _class_last(axis, x, *args)
        rows = object_array(value(xm, *am, **kw), np.shape(xm)[:-1])
        return list(np.ravel(reduce_exact(rows, reduction, sample_weight)))

    def d(x, *args, g, axis=-1, reduction="none", sample_weight=None, **kw):
        xm, am = _class_last(axis, x, *args)
        cot = reduce_vjp_exact(g, np.shape(xm)[:-1], reduction, sample_weight)
        flat = object_array(grad(xm, *am, g=cot, **kw), np.shape(xm))
        return list(np.ravel(np.moveaxis(flat, -1, axis)))
    return v, d


def _class_cases(name, value, grad, regimes, *, kwargs=None, grad_kwargs=None):
    value, grad = _per_sample_reduced(value, grad)
    cases = []
    kwargs = dict(kwargs or {})
    for regime, (x, y) in regimes.items():
        cases.append(OracleCase(name, regime, (x, y), value, dict(kwargs), elementwise=False))
        axis = kwargs.get("axis", -1) % x.ndim
        g = _RNG.uniform(-2, 2, () if kwargs.get("reduction", "none") != "none" else
                         x.shape[:axis] + x.shape[axis + 1:])
        cases.append(OracleCase(name, regime, (x, y), grad,
                                {**kwargs, **(grad_kwargs or {}), "g": g}, grad=True,
                                elementwise=False))
    return cases


def _onehot(labels: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[labels]


def _score_regimes(onehot: bool) -> dict[str, tuple[np.ndarray, Any]]:
    def lab(n, c):
        y = _RNG.integers(0, c, n)
        return _onehot(y, c) if onehot else y
    ties = np.array([[1.0, 3.0, 3.0], [2.0, 3.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0],
                     [1.0, 2.0, 1.0]])
    ties_y = np.array([0, 1, 2, 1, 1])
    return {
        "typical": (_RNG.normal(0, 1.5, (50, 4)), lab(50, 4)),
        "large": (_RNG.normal(0, 1e8, (10, 5)), lab(10, 5)),
        "tiny": (_RNG.uniform(-1, 1, (10, 3)) * 1e-300, lab(10, 3)),
        "kinks": (ties, _onehot(ties_y, 3) if onehot else ties_y),
        "many": (_RNG.normal(0, 3, (3, 1000)), lab(3, 1000)),
    }


def _bsm(p, t, labels="pm1"):
    u = -_signed(mpf(t), labels) * mpf(p)
    return mpmath.mpf(0) if u <= -1 else (u if u >= 1 else (u + 1) ** 2 / 4)


def _bsm_d(p, t, labels="pm1"):
    s = _signed(mpf(t), labels)
    u = -s * mpf(p)
    return -s * (mpmath.mpf(0) if u <= -1 else (mpmath.mpf(1) if u >= 1 else (u + 1) / 2))


def _sparsemax_row(xr):
    total, k, s_k = mpmath.mpf(0), 0, mpmath.mpf(0)
    for j, v in enumerate(sorted(xr, reverse=True), start=1):
        total += v
        if 1 + j * v > total:
            k, s_k = j, total
    tau = (s_k - 1) / k
    return [max(v - tau, mpmath.mpf(0)) for v in xr]


def _msm(x, y):
    # the definition, at 50 digits: <p, z> + (1 - ||p||^2) / 2 - z_y
    out = []
    for xr, yi in zip(_rows(x), np.ravel(y), strict=True):
        p = _sparsemax_row(xr)
        out.append(mpmath.fsum(a * b for a, b in zip(p, xr, strict=True))
                   + (1 - mpmath.fsum(a * a for a in p)) / 2 - xr[yi])
    return out


def _msm_d(x, y, *, g):
    out = []
    for xr, yi, gi in zip(_rows(x), np.ravel(y), np.ravel(g), strict=True):
        p = _sparsemax_row(xr)
        out.extend(mpf(gi) * (p[j] - (1 if j == yi else 0)) for j in range(len(xr)))
    return out


def _msm_regimes() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    regimes = _score_regimes(False)
    # near-zero losses: the label's score ahead of the rest by just under / over 1
    near = np.array([[0.0, 0.9999999, 0.5], [0.0, 1.0, 0.2], [3.0, 2.0000001, 1.0],
                     [1.0, 1.0 + 1e-12, 0.0]])
    return {**regimes, "near_zero": (near, np.array([1, 1, 0, 1]))}


_W = np.array([0.5, 2.0, 1.0, 3.0])

CASES: list[OracleCase] = [
    *elementwise_cases("hinge", _hinge, _hinge_d, _binary_regimes(1.0)),
    *elementwise_cases("hinge", _hinge, _hinge_d, {"kinks_jax": _binary_regimes(1.0)["kinks"]},
                       grad_kwargs={"grad_at_margin": 0.5}),
    *elementwise_cases("hinge", _hinge, _hinge_d, {"labels01": _labels01(_binary_regimes(1.0)
                                                                          ["typical"])},
                       kwargs={"labels": "01"}),
    *elementwise_cases("squared_hinge", _sqhinge, _sqhinge_d, _binary_regimes(1.0)),
    *elementwise_cases("perceptron", _perc, _perc_d, _binary_regimes(0.0)),
    *elementwise_cases("perceptron", _perc, _perc_d, {"kinks_optax": _binary_regimes(0.0)
                                                      ["kinks"]},
                       grad_kwargs={"grad_at_zero": 0.5}),
    *elementwise_cases("soft_margin", _soft, _soft_d,
                       {**_binary_regimes(0.0),
                        "extreme": (_RNG.uniform(-1e4, 1e4, 40), _pm1(40))}),
    *elementwise_cases("hinge_embedding", _emb, _emb_d,
                       {**_binary_regimes(1.0),
                        "kinks": (np.array([1.0, 1.0, 0.5, 2.0]), np.array([-1.0, 1, -1, -1]))}),
    *elementwise_cases("hinge_embedding", _emb, _emb_d,
                       {"torch_kink": (np.array([0.5, 0.5, 0.2, 0.9]),
                                       np.array([-1.0, 1, -1, -1]))},
                       kwargs={"margin": 0.5}, grad_kwargs={"grad_at_margin": 1.0}),
    *_class_cases("categorical_hinge", _cat_hinge, _cat_hinge_d, _score_regimes(True)),
    *_class_cases("categorical_hinge", _cat_hinge, _cat_hinge_d,
                  {"kinks_first": _score_regimes(True)["kinks"]},
                  grad_kwargs={"ties": "first", "grad_at_margin": 1.0}),
    *_class_cases("multi_margin", _mm, _mm_d, _score_regimes(False)),
    *_class_cases("multi_margin", _mm, _mm_d, {"p2_weighted": _score_regimes(False)["typical"]},
                  kwargs={"p": 2, "margin": 0.7, "class_weight": _W}),
    *_class_cases("multi_margin", _mm, _mm_d, {"kinks_half": _score_regimes(False)["kinks"]},
                  grad_kwargs={"grad_at_margin": 0.5}),
    *_class_cases("multiclass_hinge", _mc, _mc_d, _score_regimes(False)),
    *_class_cases("multiclass_hinge", _mc, _mc_d, {"kinks_first": _score_regimes(False)["kinks"]},
                  grad_kwargs={"ties": "first"}),
    *_class_cases("multiclass_perceptron", lambda x, y, **kw: _mc(x, y, margin=0, **kw),
                  lambda x, y, **kw: _mc_d(x, y, margin=0, **kw), _score_regimes(False)),
    *_class_cases("multilabel_soft_margin", _mlsm, _mlsm_d, {
        "typical": (_RNG.normal(0, 2, (40, 4)), _RNG.integers(0, 2, (40, 4)).astype(float)),
        "soft": (_RNG.normal(0, 2, (20, 4)), _RNG.uniform(0, 1, (20, 4))),
        "extreme": (_RNG.uniform(-1e4, 1e4, (10, 4)), _RNG.integers(0, 2, (10, 4)) * 1.0),
        "tiny": (_RNG.uniform(-1, 1, (10, 4)) * 1e-300, _RNG.integers(0, 2, (10, 4)) * 1.0),
    }),
    *_class_cases("multilabel_soft_margin", _mlsm, _mlsm_d, {
        "weighted": (_RNG.normal(0, 2, (20, 4)), _RNG.integers(0, 2, (20, 4)).astype(float)),
    }, kwargs={"class_weight": _W}),
    *_class_cases("multilabel_margin", _mlm, _mlm_d, _mlm_regimes()),
    *_class_cases("multilabel_margin", _mlm, _mlm_d, {"kinks_half": _mlm_regimes()["kinks"]},
                  grad_kwargs={"grad_at_margin": 0.5}),
    *elementwise_cases("binary_sparsemax_loss", _bsm, _bsm_d, _binary_regimes(1.0),
                       kwargs={"labels": "pm1"}),
    *_class_cases("multiclass_sparsemax_loss", _msm, _msm_d, _msm_regimes()),
    # one sample as a 1-D vector (torch's 1-D form): a scalar loss
    *_class_cases("multilabel_margin", _mlm, _mlm_d,
                  {"vector": (np.array([0.1, 0.2, 0.4, 0.8]), np.array([3, 0, -1, 1]))}),
]
# the class axis first (classes along axis 0 of a (C, N) array, its labels (N,)), reduced
_AX_RNG = np.random.default_rng(6161)
_XA = _AX_RNG.normal(0, 1.5, (5, 7))
_YA = _AX_RNG.integers(0, 5, 7)
CASES += [
    *_class_cases("multi_margin", _mm, _mm_d, {"axis0": (_XA, _YA)},
                  kwargs={"axis": 0, "reduction": "mean"}),
    *_class_cases("categorical_hinge", _cat_hinge, _cat_hinge_d,
                  {"axis0": (_XA, np.eye(5)[_YA].T.copy())},
                  kwargs={"axis": 0, "reduction": "sum",
                          "sample_weight": _AX_RNG.uniform(0, 2, 7)}),
]
# gradients w.r.t. the targets (wrt="y_true"), with their own cotangents (the cases above
# keep theirs): multilabel_soft_margin is affine in them; categorical_hinge piecewise
# linear, differentiated by central differences away from its kinks
_T_RNG = np.random.default_rng(20261206)


def _target_cases(name, value, target_vjp, regimes, kwargs=None):
    v, _ = _per_sample_reduced(value, None)
    vjp = target_vjp(v)
    kwargs = dict(kwargs or {})
    cases = []
    for regime, (x, y) in regimes.items():
        axis = kwargs.get("axis", -1) % x.ndim
        g = _T_RNG.uniform(-2, 2, () if kwargs.get("reduction", "none") != "none" else
                           x.shape[:axis] + x.shape[axis + 1:])
        cases.append(OracleCase(name, regime + "_wrt_y_true", (x, y), vjp,
                                {**kwargs, "g": g, "wrt": "y_true"}, grad=True,
                                elementwise=False))
    return cases


def _off_kinks(target_vjp):
    """categorical_hinge's target VJP by central differences, taking the kink conventions
    (ties, grad_at_margin) without effect where no row sits on a kink (the margin reached
    exactly, or a tie for the largest negative score), refusing them where one does."""
    def exact(x, y, *, g, ties=None, grad_at_margin=None, axis=-1, **kw):
        if ties is not None or grad_at_margin is not None:
            xm, (ym,) = _class_last(axis, x, y)
            for xr, tr in zip(_rows(xm), _rows(ym), strict=True):
                negs = [(1 - b) * a for a, b in zip(xr, tr, strict=True)]
                pos = mpmath.fsum(a * b for a, b in zip(xr, tr, strict=True))
                if negs.count(max(negs)) > 1 or max(negs) - pos + 1 == 0:
                    raise TypeError("the categorical_hinge target oracle does not model "
                                    "ties / grad_at_margin on a kink")
        return target_vjp(x, y, g=g, axis=axis, **kw)
    return exact


def _smooth_off_kinks(value):
    return _off_kinks(smooth_target_vjp(value))


_CH = _score_regimes(True)
CASES += [
    *_target_cases("categorical_hinge", _cat_hinge, _smooth_off_kinks,
                   {k: _CH[k] for k in ("typical", "large", "tiny")}),
    *_target_cases("categorical_hinge", _cat_hinge, _smooth_off_kinks,
                   {"axis0": (_XA, np.eye(5)[_YA].T.copy())},
                   kwargs={"axis": 0, "reduction": "sum",
                           "sample_weight": _AX_RNG.uniform(0, 2, 7)}),
    *_target_cases("multilabel_soft_margin", _mlsm, affine_target_vjp, {
        "soft": (_T_RNG.normal(0, 2, (20, 4)), _T_RNG.uniform(0, 1, (20, 4))),
        "extreme": (_T_RNG.uniform(-1e4, 1e4, (10, 4)), _T_RNG.uniform(0, 1, (10, 4))),
    }),
    *_target_cases("multilabel_soft_margin", _mlsm, affine_target_vjp, {
        "weighted": (_T_RNG.normal(0, 2, (20, 4)), _T_RNG.uniform(0, 1, (20, 4))),
    }, kwargs={"class_weight": _W, "reduction": "mean"}),
]
