"""mpmath oracles for the pair and triplet embedding losses (reference/_embedding.py):
margin_ranking, cosine_embedding and triplet_margin, values and VJPs (w.r.t. the first
input, and w.r.t. the others: ``wrt=``). Regimes: typical, large, tiny, kinks (the hinge met exactly), and per loss its own
(near-parallel vectors, the epsilon-only distance of identical embeddings, swaps).
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from tests.oracles import OracleCase
from tests.oracles._reduce import exact_rows as _rows
from tests.oracles._reduce import object_array, reduce_exact, reduce_vjp_exact
from tests.oracles.regression import mpf

_RNG = np.random.default_rng(4242)


def _pm1(shape: Any) -> np.ndarray:
    return _RNG.choice([-1.0, 1.0], shape)


def _kink(z: Any, grad_at: float) -> Any:
    return mpmath.mpf(1) if z > 0 else (mpf(grad_at) if z == 0 else mpmath.mpf(0))


# --------------------------------------------------------------------------- ranking


def _rank(x1, x2, y, *, margin=0.0, reduction="none", sample_weight=None):
    x1, x2, y = np.broadcast_arrays(x1, x2, y)
    v = [max(-mpf(t) * (mpf(a) - mpf(b)) + mpf(margin), mpmath.mpf(0))
         for a, b, t in zip(np.ravel(x1), np.ravel(x2), np.ravel(y), strict=True)]
    return list(np.ravel(reduce_exact(object_array(v, x1.shape), reduction, sample_weight)))


def _rank_d(x1, x2, y, *, g, margin=0.0, grad_at_margin=0.0, wrt="x1", reduction="none",
            sample_weight=None):
    x1, x2, y = np.broadcast_arrays(x1, x2, y)
    cot = np.ravel(reduce_vjp_exact(g, x1.shape, reduction, sample_weight))
    side = -1 if wrt == "x1" else 1  # z = -y (x1 - x2) + margin
    out = []
    for a, b, t, gi in zip(np.ravel(x1), np.ravel(x2), np.ravel(y), cot, strict=True):
        z = -mpf(t) * (mpf(a) - mpf(b)) + mpf(margin)
        out.append(mpf(gi) * side * mpf(t) * _kink(z, grad_at_margin))
    return out


def _rank_regimes() -> dict[str, tuple[np.ndarray, ...]]:
    near = _RNG.normal(0, 1, 40)
    return {
        "typical": (_RNG.normal(0, 2, 60), _RNG.normal(0, 2, 60), _pm1(60)),
        "large": (_RNG.normal(0, 1e8, 20), _RNG.normal(0, 1e8, 20), _pm1(20)),
        "tiny": (_RNG.normal(0, 1e-300, 20), _RNG.normal(0, 1e-300, 20), _pm1(20)),
        # x1 - x2 within a few ULP of the margin: the exact difference matters
        "near_margin": (near + 0.5 + _RNG.integers(-3, 4, 40) * 2.0 ** -52, near,
                        np.full(40, -1.0)),
        "kinks": (np.array([0.5, 1.0, -0.5, 2.0]), np.array([0.0, 0.5, -1.0, 1.5]),
                  np.array([-1.0, -1.0, -1.0, 1.0])),
    }


# --------------------------------------------------------------------------- cosine


def _cos(xr, yr, eps):
    sxy = mpmath.fsum(a * b for a, b in zip(xr, yr, strict=True))
    sxx = mpmath.fsum(a * a for a in xr) + eps
    syy = mpmath.fsum(b * b for b in yr) + eps
    return sxy, sxx, syy, sxy / mpmath.sqrt(sxx * syy)


def _cemb(x1, x2, y, *, margin=0.0, eps=1e-12, reduction="none", sample_weight=None):
    out = []
    for xr, yr, t in zip(_rows(x1), _rows(x2), np.ravel(y), strict=True):
        c = _cos(xr, yr, mpf(eps))[-1]
        out.append(1 - c if t == 1 else max(c - mpf(margin), mpmath.mpf(0)))
    v = object_array(out, np.shape(x1)[:-1])
    return list(np.ravel(reduce_exact(v, reduction, sample_weight)))


def _cemb_d(x1, x2, y, *, g, margin=0.0, eps=1e-12, grad_at_margin=0.0, wrt="x1",
            reduction="none", sample_weight=None):
    if wrt == "x2":  # d/dx2 of cos(x1, x2) = d/dx1 of cos(x2, x1): the same with the roles swapped
        x1, x2 = x2, x1
    cot = np.ravel(reduce_vjp_exact(g, np.shape(x1)[:-1], reduction, sample_weight))
    out = []
    for xr, yr, t, gi in zip(_rows(x1), _rows(x2), np.ravel(y), cot, strict=True):
        sxy, a, b, c = _cos(xr, yr, mpf(eps))
        side = -1 if t == 1 else _kink(c - mpf(margin), grad_at_margin)
        r = mpmath.sqrt(a * b)
        out.extend(mpf(gi) * side * (v - sxy / a * u) / r for u, v in zip(xr, yr, strict=True))
    return out


def _cemb_regimes() -> dict[str, tuple[np.ndarray, ...]]:
    x = _RNG.normal(0, 1, (30, 4))
    return {
        "typical": (_RNG.normal(0, 1, (40, 4)), _RNG.normal(0, 1, (40, 4)), _pm1(40)),
        "large": (_RNG.normal(0, 1e100, (10, 5)), _RNG.normal(0, 1e100, (10, 5)), _pm1(10)),
        "tiny": (_RNG.normal(0, 1e-100, (10, 3)), _RNG.normal(0, 1e-100, (10, 3)), _pm1(10)),
        # 1 - cos ~ 1e-6: the Lagrange form keeps it exact to the last bits
        "near_parallel": (x, 2 * x + _RNG.normal(0, 1e-3, x.shape), np.ones(30)),
        "kinks": (np.array([[1.0, 0, 0], [1, 1, 0], [3, 0, 1]]),
                  np.array([[0.0, 1, 0], [1, -1, 0], [0, 5, 0]]), np.array([-1.0, -1.0, -1.0])),
    }


# --------------------------------------------------------------------------- triplet


def _dist(u, v, p, eps, eps_mode):
    w = [a - b + (eps if eps_mode == "difference" else 0) for a, b in zip(u, v, strict=True)]
    s = mpmath.fsum(abs(x) ** p for x in w) + (eps if eps_mode == "sum" else 0)
    d = s ** (1 / mpmath.mpf(p))
    grad = [mpmath.sign(x) * abs(x) ** (p - 1) / d ** (p - 1) if d != 0 else mpmath.mpf(0)
            for x in w]
    return d, grad


def _trip_parts(a, p, n, margin, pn, eps, eps_mode, swap):
    dp, gp = _dist(a, p, pn, eps, eps_mode)
    dn, gn = _dist(a, n, pn, eps, eps_mode)
    ds, gs = _dist(p, n, pn, eps, eps_mode) if swap else (dn, gn)
    return mpf(margin) + dp - min(dn, ds), dn, ds, gp, gn, gs


def _trip(a, p, n, *, margin=1.0, p_norm=2.0, eps=1e-6, eps_mode="difference", swap=False,
          reduction="none", sample_weight=None):
    v = [max(_trip_parts(ar, pr, nr, margin, p_norm, mpf(eps), eps_mode, swap)[0],
             mpmath.mpf(0))
         for ar, pr, nr in zip(_rows(a), _rows(p), _rows(n), strict=True)]
    v = object_array(v, np.shape(a)[:-1])
    return list(np.ravel(reduce_exact(v, reduction, sample_weight)))


def _trip_d(a, p, n, *, g, margin=1.0, p_norm=2.0, eps=1e-6, eps_mode="difference",
            swap=False, grad_at_margin=0.0, grad_at_swap_tie=0.5, wrt="anchor",
            reduction="none", sample_weight=None):
    # z = margin + d(a, p) - min(d(a, n), d(p, n)); d(u, v) is a function of u - v, so
    # its v-gradient is minus its u-gradient (gp = dd(a,p)/da, gn = dd(a,n)/da, gs = dd(p,n)/dp)
    out = []
    dv = np.ravel(reduce_vjp_exact(g, np.shape(a)[:-1], reduction, sample_weight))
    for ar, pr, nr, gi in zip(_rows(a), _rows(p), _rows(n), dv, strict=True):
        z, dn, ds, gp, gn, gs = _trip_parts(ar, pr, nr, margin, p_norm, mpf(eps), eps_mode, swap)
        s = 1 if not swap or dn < ds else (mpf(grad_at_swap_tie) if dn == ds else 0)
        k = _kink(z, grad_at_margin)
        if wrt == "anchor":
            terms = [u - s * v for u, v in zip(gp, gn, strict=True)]
        elif wrt == "positive":
            terms = [-u - (1 - s) * w for u, w in zip(gp, gs, strict=True)]
        else:
            terms = [s * v + (1 - s) * w for v, w in zip(gn, gs, strict=True)]
        out.extend(gi * k * t for t in terms)
    return out


def _trip_regimes() -> dict[str, tuple[np.ndarray, ...]]:
    a = _RNG.normal(0, 1, (30, 4))
    same = _RNG.normal(0, 1, (10, 4))
    near = _RNG.normal(0, 1, (20, 4))
    return {
        "typical": (a, a + _RNG.normal(0, 0.5, a.shape), _RNG.normal(0, 1, a.shape)),
        "large": (1e100 * a[:10], 1e100 * (a[:10] + _RNG.normal(0, 0.5, (10, 4))),
                  _RNG.normal(0, 1e100, (10, 4))),
        "tiny": (1e-4 * a[:10], 1e-4 * (a[:10] + _RNG.normal(0, 0.5, (10, 4))),
                 _RNG.normal(0, 1e-4, (10, 4))),
        "identical": (same, same.copy(), _RNG.normal(0, 1, same.shape)),
        "swap": (near, near + 1.0, near + 1.0 + _RNG.normal(0, 0.3, near.shape)),
    }


def _cases(name, value, grad, regimes, *, kwargs=None, grad_kwargs=None, oracle_kwargs=None,
           elementwise=False, values_only=(), wrts=()):
    """Value and VJP cases (value only for ``values_only`` regimes), and a VJP case per
    further input in ``wrts``; ``oracle_kwargs`` renames keywords for the mpmath side."""
    cases = []
    kwargs = dict(kwargs or {})
    rename = oracle_kwargs or {}

    def exact_of(f):
        def exact(*inputs, **kw):
            return f(*inputs, **{rename.get(k, k): v for k, v in kw.items()})
        return exact

    for regime, inputs in regimes.items():
        cases.append(OracleCase(name, regime, inputs, exact_of(value), dict(kwargs),
                                elementwise=elementwise))
        if regime in values_only:
            continue
        g = _RNG.uniform(-2, 2, () if kwargs.get("reduction", "none") != "none" else
                         np.shape(inputs[-1]) if elementwise else inputs[0].shape[:-1])
        for wrt in (None, *wrts):
            cases.append(OracleCase(name, regime if wrt is None else f"{regime}_wrt_{wrt}",
                                    inputs, exact_of(grad),
                                    {**kwargs, **(grad_kwargs or {}), "g": g,
                                     **({"wrt": wrt} if wrt else {})},
                                    grad=True, elementwise=elementwise))
    return cases


_TRIP = {"p": "p_norm"}
_TRIP_WRT = ("positive", "negative")
_R = _rank_regimes()
_T = _trip_regimes()

CASES: list[OracleCase] = [
    *_cases("margin_ranking", _rank, _rank_d, _R, elementwise=True, wrts=("x2",)),
    *_cases("margin_ranking", _rank, _rank_d, {"torch_kinks": _R["kinks"]},
            kwargs={"margin": 0.5}, grad_kwargs={"grad_at_margin": 1.0}, elementwise=True,
            wrts=("x2",)),
    # near-parallel VJP components cancel to ~1e-6 of a ~1e-3 gradient: accurate to ~1e-17
    # of the row's scale (cosine_embedding_vjp's docstring), not to 4 ULP of themselves
    *_cases("cosine_embedding", _cemb, _cemb_d, _cemb_regimes(), values_only=("near_parallel",),
            wrts=("x2",)),
    *_cases("cosine_embedding", _cemb, _cemb_d, {"margin_torch_kink": _cemb_regimes()["kinks"]},
            kwargs={"margin": 0.0, "eps": 0.0}, grad_kwargs={"grad_at_margin": 1.0},
            wrts=("x2",)),
    *_cases("cosine_embedding", _cemb, _cemb_d,
            {"margin": (_RNG.normal(0, 1, (20, 3)), _RNG.normal(0, 1, (20, 3)), _pm1(20))},
            kwargs={"margin": 0.3}, wrts=("x2",)),
    # torch's default mean, a weighted sum (sample weights, one weighted out)
    *_cases("margin_ranking", _rank, _rank_d, {"mean": _R["typical"]},
            kwargs={"reduction": "mean", "margin": 0.2}, wrts=("x2",)),
    *_cases("cosine_embedding", _cemb, _cemb_d, {"weighted_sum": _cemb_regimes()["typical"]},
            kwargs={"reduction": "sum", "margin": 0.1,
                    "sample_weight": np.r_[0.0, _RNG.uniform(0, 2, 39)]}, wrts=("x2",)),
    *_cases("triplet_margin", _trip, _trip_d, {"weighted_mean": _T["typical"]},
            kwargs={"reduction": "weighted_mean",
                    "sample_weight": _RNG.uniform(0, 2, len(_T["typical"][0]))},
            oracle_kwargs=_TRIP, wrts=_TRIP_WRT),
    *_cases("triplet_margin", _trip, _trip_d, _T, oracle_kwargs=_TRIP, wrts=_TRIP_WRT),
    *_cases("triplet_margin", _trip, _trip_d, {"p1": _T["typical"]},
            kwargs={"p": 1.0}, oracle_kwargs=_TRIP, wrts=_TRIP_WRT),
    *_cases("triplet_margin", _trip, _trip_d, {"p3": _T["typical"]}, kwargs={"p": 3.0},
            oracle_kwargs=_TRIP, wrts=_TRIP_WRT),
    *_cases("triplet_margin", _trip, _trip_d, {"swap": _T["swap"], "swap_tie": _T["identical"]},
            kwargs={"swap": True}, oracle_kwargs=_TRIP, wrts=_TRIP_WRT),
    *_cases("triplet_margin", _trip, _trip_d, {"optax_sum": _T["typical"],
                                               "optax_identical": _T["identical"]},
            kwargs={"eps_mode": "sum"}, grad_kwargs={"grad_at_margin": 0.5},
            oracle_kwargs=_TRIP, wrts=_TRIP_WRT),
]
