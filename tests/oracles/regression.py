"""mpmath oracles for reference/regression.py (every function and every VJP).

Regimes: typical, large (|x| ~ 1e8), tiny (inputs ~ 1e-300, differences ~ 1e-300),
kinks (d = 0, |d| = delta/beta exactly), zeros, plus one reduced case per function
(mean over the last axis, sample weights, sum: 4 ULP target).

The losses with an inherent cancellation (Poisson, Gaussian NLL: a difference of two
terms that can cross zero) are sampled where they are well conditioned (condition number
<= 64, computed by the oracle; the reference evaluates them in extended
precision); tests/test_ref_regression.py checks the ill-conditioned
points with a tolerance scaled by the condition number.

``elementwise_cases`` and ``mpf`` are reused by tests/oracles/margin.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

from tests.oracles import OracleCase
from tests.oracles._reduce import object_array, reduce_exact, reduce_vjp_exact

mp = mpmath.mp
mp.dps = 50


def mpf(x: float) -> Any:
    """The exact value of a float64 (an mpf passes unchanged)."""
    return x if isinstance(x, mpmath.mpf) else mpmath.mpf(float(x))


def _flat(a: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


_REDUCE = ("mean_axis", "reduction", "sample_weight", "mean_of_empty")


def _value_exact(f: Callable[..., Any]):
    """f elementwise, then reduce_loss's reduction, sample weights and mean_axis."""
    def exact(p, t, **kw):
        red = {k: kw.pop(k) for k in _REDUCE if k in kw}
        v = object_array([f(mpf(a), mpf(b), **kw) for a, b in zip(_flat(p), _flat(t),
                                                                  strict=True)], np.shape(p))
        return list(np.ravel(reduce_exact(v, **red)))
    return exact


def _wrt_y_true(dt: Callable[..., Any]):
    """The VJP w.r.t. y_true from the elementwise derivative dt(p, t) = dL/dt, ``wrt``
    required."""
    exact_d = _grad_exact(dt)

    def exact(p, t, *, g, wrt, **kw):
        if wrt != "y_true":
            raise TypeError(f"this oracle differentiates w.r.t. y_true, not {wrt!r}")
        return exact_d(p, t, g=g, **kw)
    return exact


def _grad_exact(df: Callable[..., Any]):
    def exact(p, t, *, g, **kw):
        red = {k: kw.pop(k) for k in _REDUCE if k in kw}
        dv = np.ravel(reduce_vjp_exact(g, np.shape(p), **red))
        return [c * df(mpf(a), mpf(b), **kw)
                for c, a, b in zip(dv, _flat(p), _flat(t), strict=True)]
    return exact


def elementwise_cases(
    name: str,
    f: Callable[..., Any],
    df: Callable[..., Any],
    regimes: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    kwargs: dict[str, Any] | None = None,
    grad_kwargs: dict[str, Any] | None = None,
    seed: int = 0,
    of_difference: bool = False,
    dt: Callable[..., Any] | None = None,
) -> list[OracleCase]:
    """Value and VJP cases of an elementwise loss over ``regimes`` plus one reduced case.
    ``of_difference``: the loss is a function of y_pred - y_true, so its VJP w.r.t. y_true
    is minus the one w.r.t. y_pred (the kinks' conventions included): cases for it too.
    ``dt``: the derivative w.r.t. y_true, dt(p, t, **kw), for cases w.r.t. y_true."""
    if of_difference:
        dt = lambda p, t, **kw: -df(p, t, **kw)  # noqa: E731
    kwargs = dict(kwargs or {})
    gkw = {**kwargs, **(grad_kwargs or {})}
    rng = np.random.default_rng(seed)
    cases = []
    for regime, (p, t) in regimes.items():
        cases.append(OracleCase(name, regime, (p, t), _value_exact(f), dict(kwargs)))
        g = rng.uniform(0.5, 2.0, p.shape) * rng.choice([-1.0, 1.0], p.shape)
        cases.append(OracleCase(name, regime, (p, t), _grad_exact(df), {**gkw, "g": g},
                                grad=True))
        if dt is not None:
            cases.append(OracleCase(name, f"{regime}_wrt_y_true", (p, t), _wrt_y_true(dt),
                                    {**gkw, "g": g, "wrt": "y_true"}, grad=True))
    p, t = next(iter(regimes.values()))
    n = p.size // 4
    p2, t2 = p[: 4 * n].reshape(n, 4), t[: 4 * n].reshape(n, 4)
    red = {"mean_axis": -1, "reduction": "sum", "sample_weight": rng.uniform(0.5, 2.0, n)}
    cases.append(OracleCase(name, "reduced", (p2, t2), _value_exact(f),
                            {**kwargs, **red}, elementwise=False))
    cases.append(OracleCase(name, "reduced", (p2, t2), _grad_exact(df),
                            {**gkw, **red, "g": np.asarray(1.7)}, grad=True,
                            elementwise=False))
    return cases


# --------------------------------------------------------------------------- inputs

_RNG = np.random.default_rng(20240611)


def _typical(n: int = 120, scale: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    return _RNG.normal(0, scale, n), _RNG.normal(0, scale, n)


def _large(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    t = _RNG.normal(0, 1e8, n)
    p = np.concatenate([t[: n // 2] + _RNG.normal(0, 10, n // 2), _RNG.normal(0, 1e8, n - n // 2)])
    return p, t


def _tiny(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    return _RNG.uniform(-1, 1, n) * 1e-300, _RNG.uniform(-1, 1, n) * 1e-300


def _kinks(points: list[float], n_each: int = 3) -> tuple[np.ndarray, np.ndarray]:
    t = _RNG.normal(0, 2, n_each * len(points))
    t = np.round(t * 8) / 8  # dyadic so t + d is exact
    d = np.repeat(points, n_each)
    return t + d, t


def _zeros() -> tuple[np.ndarray, np.ndarray]:
    return np.array([0.0, -0.0, 0.0, 1.5, 0.0, -2.0]), np.array([0.0, 0.0, -0.0, 0.0, 3.0, 0.0])


def _std_regimes(kinks: list[float]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {"typical": _typical(), "large": _large(), "tiny": _tiny(),
            "kinks": _kinks(kinks), "zeros": _zeros()}


# --------------------------------------------------------------------------- exact math


def _sign(x, at_zero=0):
    return mpmath.mpf(at_zero) if x == 0 else mpmath.sign(x)


def _huber(p, t, delta=1.0):
    a = abs(p - t)
    return (p - t) ** 2 / 2 if a <= delta else delta * (a - mpf(delta) / 2)


def _huber_d(p, t, delta=1.0):
    d = p - t
    return max(min(d, mpf(delta)), -mpf(delta))


def _smooth(p, t, beta=1.0):
    a = abs(p - t)
    if beta == 0:
        return a
    return (p - t) ** 2 / (2 * mpf(beta)) if a < beta else a - mpf(beta) / 2


def _smooth_d(p, t, beta=1.0, grad_at_zero=0.0):
    if beta == 0:
        return _sign(p - t, grad_at_zero)
    return max(min((p - t) / beta, mpmath.mpf(1)), mpmath.mpf(-1))


def _pseudo(p, t, delta=1.0):
    return mpf(delta) ** 2 * (mpmath.sqrt(1 + ((p - t) / delta) ** 2) - 1)


def _pseudo_d(p, t, delta=1.0):
    return (p - t) / mpmath.sqrt(1 + ((p - t) / delta) ** 2)


def _ape(p, t, eps=None, scale=100.0):
    den = abs(t) if eps is None else max(abs(t), mpf(eps))
    if den == 0:
        return mpmath.nan if p == t else mpmath.inf
    return scale * abs(p - t) / den


def _ape_d(p, t, eps=None, scale=100.0, grad_at_zero=0.0):
    den = abs(t) if eps is None else max(abs(t), mpf(eps))
    if den == 0:
        s = _sign(p - t, grad_at_zero)
        return mpmath.nan if s == 0 else s * mpmath.inf
    return scale * _sign(p - t, grad_at_zero) / den


def _ape_dt(p, t, eps=None, scale=100.0, grad_at_zero=0.0):
    """-scale sign(d) / m - scale |d| sign(t) / m^2, m = max(|t|, eps): the second term
    only where m = |t| (above eps); at m = 0 minus the y_pred gradient's infinity."""
    den = abs(t) if eps is None else max(abs(t), mpf(eps))
    if den == 0 or (eps is not None and abs(t) <= eps):
        return -_ape_d(p, t, eps, scale, grad_at_zero)
    return -scale * _sign(p - t, grad_at_zero) / den - scale * abs(p - t) * mpmath.sign(t) / den**2


def _sle(p, t, clip_eps=None):
    if clip_eps is not None:
        p, t = max(p, mpf(clip_eps)), max(t, mpf(clip_eps))
    return (mpmath.log1p(p) - mpmath.log1p(t)) ** 2


def _sle_d(p, t, clip_eps=None, grad_at_clip=1.0):
    c = 1
    if clip_eps is not None:
        c = 0 if p < clip_eps else (grad_at_clip if p == clip_eps else 1)
        p, t = max(p, mpf(clip_eps)), max(t, mpf(clip_eps))
    a = mpmath.log1p(p) - mpmath.log1p(t)
    if 1 + p == 0:
        return mpmath.nan if mpmath.isnan(a) else mpmath.sign(a) * mpmath.inf
    return c * 2 * a / (1 + p)


def _sle_dt(p, t, clip_eps=None, grad_at_clip=1.0):
    """-2 (log1p(P) - log1p(T)) / (1 + T), the clip's rule at T's clip."""
    return _sle_d(t, p, clip_eps, grad_at_clip)  # symmetric: d/dT of (a - b)^2 = -2(a - b)


def _stirling(t):
    return t * mpmath.log(t) - t + mpmath.log(2 * mpmath.pi * t) / 2 if t > 1 else 0


def _poisson(p, t, eps=None, stirling=False):
    q = p if eps is None else p + mpf(eps)
    v = p - (0 if t == 0 else t * mpmath.log(q))
    return v + (_stirling(t) if stirling else 0)


def _poisson_d(p, t, eps=None, stirling=False):
    q = p if eps is None else p + mpf(eps)
    if t == 0:
        return mpmath.mpf(1)
    return -mpmath.inf if q == 0 else 1 - t / q


def _stirling_dt(t):
    return mpmath.log(t) + 1 / (2 * t) if t > 1 else 0


def _poisson_dt(p, t, eps=None, stirling=False):
    q = p if eps is None else p + mpf(eps)
    return (mpmath.inf if q == 0 else -mpmath.log(q)) + (_stirling_dt(t) if stirling else 0)


def _poisson_log_dt(p, t, stirling=False):
    return -p + (_stirling_dt(t) if stirling else 0)


def _poisson_log(p, t, stirling=False):
    return mpmath.exp(p) - t * p + (_stirling(t) if stirling else 0)


def _poisson_log_d(p, t, stirling=False):
    return mpmath.exp(p) - t


def _conditioned(f, parts, p, t, limit=64.0, **kw):
    """Keep the points where sum|terms| / |f| <= limit (no catastrophic cancellation)."""
    keep = []
    for i, (a, b) in enumerate(zip(p, t, strict=True)):
        v = f(mpf(a), mpf(b), **kw)
        mag = parts(mpf(a), mpf(b), **kw)
        if v != 0 and mag / abs(v) <= limit:
            keep.append(i)
    return p[keep], t[keep]


def _poisson_parts(p, t, eps=None, stirling=False):
    q = p if eps is None else p + mpf(eps)
    s = abs(p) + (0 if t == 0 else abs(t * mpmath.log(q)))
    return s + (abs(t * mpmath.log(t)) + t if stirling and t > 1 else 0)


def _poisson_log_parts(p, t, stirling=False):
    s = mpmath.exp(p) + abs(t * p)
    return s + (abs(t * mpmath.log(t)) + t if stirling and t > 1 else 0)


def _poisson_regimes(log_input: bool, **kw):
    f = _poisson_log if log_input else _poisson
    parts = _poisson_log_parts if log_input else _poisson_parts
    counts = _RNG.integers(0, 8, 200).astype(float)
    rates = np.exp(_RNG.normal(0, 1.5, 200)) if not log_input else _RNG.normal(0, 2, 200)
    big_t = _RNG.integers(0, 10**8, 60).astype(float)
    big_p = big_t * np.exp(_RNG.normal(0, 1, 60)) if not log_input else np.log(big_t + 1) + 1
    regimes = {
        "typical": _conditioned(f, parts, rates, counts, **kw),
        "large": _conditioned(f, parts, big_p, big_t, **kw),
        "zeros": (np.array([0.0, 0.0, 1.0, 0.0] if not log_input else [0.0, -3.0, 1.0, 2.0]),
                  np.array([0.0, 0.0, 0.0, 3.0])),
    }
    if not log_input:
        regimes["tiny"] = (_RNG.uniform(0.1, 1, 30) * 1e-300, _RNG.integers(0, 3, 30) * 1.0)
    return regimes


# --------------------------------------------------------------------------- Gaussian


def _gauss(p, t, v, eps=None, full=False):
    v = v if eps is None else max(v, mpf(eps))
    return (mpmath.log(v) + (p - t) ** 2 / v) / 2 + (mpmath.log(2 * mpmath.pi) / 2 if full else 0)


def _gaussian_cases() -> list[OracleCase]:
    cases = []
    rng = np.random.default_rng(7)
    specs = {
        "typical": (rng.normal(0, 3, 100), rng.normal(0, 3, 100), np.exp(rng.uniform(0, 3, 100)),
                    {}),
        "large": (rng.normal(0, 1e8, 40), rng.normal(0, 1e8, 40), np.exp(rng.uniform(0, 30, 40)),
                  {}),
        "clamped": (rng.normal(0, 1, 30), rng.normal(0, 1, 30), rng.uniform(0, 2e-6, 30),
                    {"eps": 1e-6, "full": True}),
    }
    def full_var(var, shape):
        """var as the reference takes it: y_pred's shape, one per sample, or broadcastable."""
        var = np.asarray(var, dtype=np.float64)
        if len(shape) and var.shape == shape[:-1] and var.shape != shape:
            var = var[..., None]
        return np.broadcast_to(var, shape)

    def value(p, t, *, var, **kw):
        red = {k: kw.pop(k) for k in _REDUCE if k in kw}
        v = [_gauss(mpf(a), mpf(b), mpf(v), **kw) for a, b, v in
             zip(_flat(p), _flat(t), _flat(full_var(var, np.shape(p))), strict=True)]
        v = object_array(v, np.shape(p))
        return list(np.ravel(reduce_exact(v, **red)))

    def grad(p, t, *, g, var, eps=None, full=False, var_grad="clamp", wrt="y_pred", **red):
        """w.r.t. y_pred (y_true: its negation): (p - t) / V, V = max(var, eps); w.r.t. var:
        (V - (p - t)^2) / (2 V^2) where var >= eps, below it 0 (var_grad="clamp") or the
        same formula at V = eps ("straight_through"), summed over var's broadcast axes."""
        if wrt not in ("y_pred", "y_true", "var") or var_grad not in ("clamp",
                                                                     "straight_through"):
            raise ValueError(f"wrt={wrt!r}, var_grad={var_grad!r}: not modelled")
        dv = np.ravel(reduce_vjp_exact(g, np.shape(p), **red))
        out = []
        for c, a, b, v in zip(dv, _flat(p), _flat(t), _flat(full_var(var, np.shape(p))),
                              strict=True):
            vv = mpf(v) if eps is None else max(mpf(v), mpf(eps))
            r = mpf(a) - mpf(b)
            if wrt == "var":
                clamped = eps is not None and v < eps and var_grad == "clamp"
                out.append(mpmath.mpf(0) if clamped else c * (vv - r * r) / (2 * vv * vv))
            else:
                out.append(c * r / vv * (-1 if wrt == "y_true" else 1))
        if wrt != "var":
            return out
        full = object_array(out, np.shape(p))
        var = np.asarray(var, dtype=np.float64)
        if var.shape != np.shape(p):  # one variance per sample: summed over the last axis
            full = np.sum(full, axis=-1)
        return list(np.ravel(full))

    for regime, (p, t, var, kw) in specs.items():

        cases.append(OracleCase("gaussian_nll", regime, (p, t), value, {"var": var, **kw}))
        g = rng.uniform(-2, 2, p.shape)
        cases.append(OracleCase("gaussian_nll", regime, (p, t), grad,
                                {"var": var, **kw, "g": g}, grad=True))
    # the further inputs (last: their own cotangents, the cases above keep theirs)
    rng2 = np.random.default_rng(20261206)
    per_sample = (rng2.normal(0, 3, (10, 4)), rng2.normal(0, 3, (10, 4)),
                  np.exp(rng2.uniform(0, 3, 10)), {"reduction": "mean"})
    for regime, (p, t, var, kw) in {**specs, "per_sample_var": per_sample}.items():
        g = rng2.uniform(-2, 2, p.shape) if "reduction" not in kw else 1.3
        wrts = [{"wrt": "y_true"}, {"wrt": "var"}]
        if "eps" in kw:
            wrts.append({"wrt": "var", "var_grad": "straight_through"})
        for w in wrts:
            cases.append(OracleCase("gaussian_nll", f"{regime}_wrt_{w['wrt']}", (p, t), grad,
                                    {"var": var, **kw, **w, "g": g}, grad=True,
                                    elementwise="reduction" not in kw))
    return cases


# --------------------------------------------------------------------------- relative


def _relative(p, t, n):
    return mpmath.mpf(0) if n == 0 else abs(p - t) / n


def _relative_d(p, t, n, wrt):
    if n == 0:
        return mpmath.mpf(0)
    if wrt == "normalizer":
        return -abs(p - t) / n**2
    s = mpmath.sign(p - t)
    return -s / n if wrt == "y_true" else s / n


def _relative_cases() -> list[OracleCase]:
    """relative_error and its VJP w.r.t. each input: normalizers typical, tiny and huge
    (no early overflow of n^2), negative, zero (divide_no_nan), differences that round
    (close inputs) and a broadcast normalizer; one weighted mean."""
    rng = np.random.default_rng(11)
    n = rng.uniform(0.5, 3, 60)
    n[::7] = 0.0
    specs = {
        "typical": (rng.normal(0, 3, 60), rng.normal(0, 3, 60), n),
        "close": (np.linspace(0.5, 3, 30), np.linspace(0.5, 3, 30) * (1 + 1e-12),
                  rng.uniform(1e-3, 1, 30)),
        "extreme": (rng.normal(0, 1e8, 30), rng.normal(0, 1e8, 30),
                    np.exp(rng.uniform(-600, 600, 30)) * rng.choice([-1.0, 1.0], 30)),
    }
    cases = []

    def value(p, t, n, **red):
        p, t, n = np.broadcast_arrays(p, t, n)
        v = object_array([_relative(mpf(a), mpf(b), mpf(c)) for a, b, c in
                          zip(_flat(p), _flat(t), _flat(n), strict=True)], p.shape)
        return list(np.ravel(reduce_exact(v, **red)))

    def grad(p, t, n, *, g, wrt="y_pred", grad_at_zero=0.0, **red):
        # (y_pred and y_true only: the normalizer's gradient sums over its broadcast axes,
        # grad_nb below)
        p, t, n = np.broadcast_arrays(p, t, n)
        cot = np.ravel(reduce_vjp_exact(g, p.shape, **red))
        out = []
        for c, a, b, m in zip(cot, _flat(p), _flat(t), _flat(n), strict=True):
            kink = wrt != "normalizer" and a == b and m != 0
            out.append(c * (mpf(grad_at_zero) / mpf(m) * (-1 if wrt == "y_true" else 1)
                            if kink else _relative_d(mpf(a), mpf(b), mpf(m), wrt)))
        return out

    for regime, (p, t, n) in specs.items():
        cases.append(OracleCase("relative_error", regime, (p, t, n), value))
        g = rng.uniform(-2, 2, p.shape)
        for wrt in ("y_pred", "y_true", "normalizer"):
            cases.append(OracleCase("relative_error", f"{regime}-{wrt}", (p, t, n), grad,
                                    {"g": g, "wrt": wrt}, grad=True))
    # Keras 3's MeanRelativeError-like mean over the last axis, then a weighted sum
    p, t = rng.normal(0, 2, (5, 4)), rng.normal(0, 2, (5, 4))
    t[0, 0] = p[0, 0]  # the kink: grad_at_zero
    nm = rng.uniform(0.5, 3, (5, 4))
    red = {"mean_axis": -1, "reduction": "sum", "sample_weight": rng.uniform(0, 2, 5)}
    cases += [OracleCase("relative_error", "reduced", (p, t, nm), value, red,
                         elementwise=False),
              OracleCase("relative_error", "reduced", (p, t, nm), grad,
                         {**red, "g": np.asarray(0.9), "grad_at_zero": 0.5}, grad=True,
                         elementwise=False)]
    # a normalizer of shape (1, 4) broadcast over 6 rows; its gradient sums the rows
    p, t = rng.normal(0, 2, (6, 4)), rng.normal(0, 2, (6, 4))
    nb = np.array([[0.5, 0.0, -2.0, 1e-100]])
    cases.append(OracleCase("relative_error", "broadcast", (p, t, nb),
                            lambda p, t, n: value(p, t, np.broadcast_to(n, p.shape))))

    def grad_nb(p, t, n, *, g, wrt):
        cols = [mpmath.fsum(mpf(g[i, j]) * _relative_d(mpf(p[i, j]), mpf(t[i, j]),
                                                        mpf(n[0, j]), wrt)
                            for i in range(p.shape[0])) for j in range(p.shape[1])]
        return cols
    g = rng.uniform(-2, 2, p.shape)
    cases.append(OracleCase("relative_error", "broadcast-normalizer", (p, t, nb), grad_nb,
                            {"g": g, "wrt": "normalizer"}, grad=True, elementwise=False))
    # Keras 2's weighted mean: Σ w |d| / n / Σ w, one weight per row broadcast
    w = rng.uniform(0.5, 2, 6)
    nf = rng.uniform(0.5, 3, (6, 4))

    def weighted(p, t, n, *, sample_weight, reduction):
        total = mpmath.fsum(mpf(sample_weight[i]) * _relative(mpf(p[i, j]), mpf(t[i, j]),
                                                              mpf(n[i, j]))
                            for i in range(6) for j in range(4))
        return [total / (4 * mpmath.fsum(mpf(x) for x in sample_weight))]
    cases.append(OracleCase("relative_error", "weighted_mean", (p, t, nf), weighted,
                            {"sample_weight": w, "reduction": "weighted_mean"},
                            elementwise=False))
    return cases


# --------------------------------------------------------------------------- cosine


def _rows(a: np.ndarray) -> np.ndarray:
    """(..., d) -> (n, d); n = 0 or d = 0 included."""
    a = np.asarray(a)
    return a.reshape(int(np.prod(a.shape[:-1])), a.shape[-1])


def _along_axis(rows_fn):
    """rows_fn(x, y, **kw) -> one value per row of (n, d) inputs, lifted to vectors along
    ``axis`` and reduce_loss's reduction and sample weights."""
    def exact(x, y, *, axis=-1, reduction="none", sample_weight=None, keepdims=False, **kw):
        xm, ym = (np.moveaxis(np.asarray(a, dtype=np.float64), axis, -1) for a in (x, y))
        rows = object_array(rows_fn(_rows(xm), _rows(ym), **kw), xm.shape[:-1])
        return list(np.ravel(reduce_exact(rows, reduction, sample_weight)))
    return exact


def _along_axis_grad(grad_fn):
    """grad_fn(x, y, cot, **kw) -> d/dx of the (n, d) rows (flat, C order) for the
    per-row cotangents ``cot``, lifted as :func:`_along_axis` lifts the value;
    ``wrt="y_true"`` swaps x and y (every form here is symmetric in them)."""
    def exact(x, y, *, g, axis=-1, reduction="none", sample_weight=None, keepdims=False,
              wrt="y_pred", **kw):
        if wrt == "y_true":
            x, y = y, x
        xm, ym = (np.moveaxis(np.asarray(a, dtype=np.float64), axis, -1) for a in (x, y))
        if reduction == "none":  # g has the output's shape (keepdims: a 1 at axis)
            gm = np.asarray(g, dtype=np.float64)
            g = np.moveaxis(gm, axis, -1) if gm.ndim == xm.ndim else gm
            g = g.reshape(xm.shape[:-1])
        cot = np.ravel(reduce_vjp_exact(g, xm.shape[:-1], reduction, sample_weight))
        flat = grad_fn(_rows(xm), _rows(ym), cot, **kw)
        return list(np.ravel(np.moveaxis(object_array(flat, xm.shape), -1, axis)))
    return exact


def _cos_rows(x, y, eps=None, eps_mode="separate", negate=False):
    out = []
    for xr, yr in zip(_rows(x), _rows(y), strict=True):
        xm, ym = [mpf(v) for v in xr], [mpf(v) for v in yr]
        dot = mpmath.fsum(a * b for a, b in zip(xm, ym, strict=True))
        nx = mpmath.sqrt(mpmath.fsum(a * a for a in xm))
        ny = mpmath.sqrt(mpmath.fsum(b * b for b in ym))
        if eps is None:
            c = dot / (nx * ny)
        elif eps_mode == "separate":
            c = dot / (max(nx, mpf(eps)) * max(ny, mpf(eps)))
        else:
            c = dot / max(nx * ny, mpf(eps))
        out.append(-c if negate else c)
    return out


def _cos_grad_rows(x, y, g, eps=None, eps_mode="separate", negate=False):
    out = []
    for xr, yr, gi in zip(_rows(x), _rows(y), np.ravel(np.asarray(g, dtype=object)),
                          strict=True):
        xm, ym = [mpf(v) for v in xr], [mpf(v) for v in yr]
        dot = mpmath.fsum(a * b for a, b in zip(xm, ym, strict=True))
        nx = mpmath.sqrt(mpmath.fsum(a * a for a in xm))
        ny = mpmath.sqrt(mpmath.fsum(b * b for b in ym))
        s = -mpf(gi) if negate else mpf(gi)
        if eps is not None and eps_mode == "product" and nx * ny < eps:
            out.extend(s * b / eps for b in ym)
            continue
        nyc = ny if eps is None or eps_mode == "product" else max(ny, mpf(eps))
        if eps is not None and eps_mode == "separate" and nx < eps:
            out.extend(s * b / (mpf(eps) * nyc) for b in ym)
            continue
        c = dot / (nx * nyc)
        out.extend(s * (b / (nx * nyc) - c * a / nx**2) for a, b in zip(xm, ym, strict=True))
    return out


def _cosine_cases() -> list[OracleCase]:
    rng = np.random.default_rng(11)
    specs = {
        "typical": (rng.normal(0, 1, (40, 5)), rng.normal(0, 1, (40, 5)), {}),
        "large": (rng.normal(0, 1e200, (10, 4)), rng.normal(0, 1e150, (10, 4)),
                  {"negate": True}),
        "tiny": (rng.normal(0, 1e-300, (10, 4)), rng.normal(0, 1e-290, (10, 4)), {}),
        "clamped": (np.vstack([rng.normal(0, 1e-9, (6, 3)), rng.normal(0, 1, (6, 3))]),
                    np.vstack([rng.normal(0, 1, (6, 3)), rng.normal(0, 1e-10, (6, 3))]),
                    {"eps": 1e-8}),
        "clamped_product": (rng.normal(0, 1e-5, (8, 3)), rng.normal(0, 1e-4, (8, 3)),
                            {"eps": 1e-8, "eps_mode": "product"}),
    }
    cases = []
    for regime, (x, y, kw) in specs.items():
        cases.append(OracleCase("cosine_similarity", regime, (x, y), _along_axis(_cos_rows),
                                kw, elementwise=False))
        g = rng.uniform(-2, 2, x.shape[:-1])
        cases.append(OracleCase("cosine_similarity", regime, (x, y),
                                _along_axis_grad(_cos_grad_rows), {**kw, "g": g},
                                grad=True, elementwise=False))
        # d/dy: cos (and each clamp) is symmetric in x and y, so the x-gradient with the two
        # swapped (the "clamped" rows clamp x in some rows and y in others)
        cases.append(OracleCase(
            "cosine_similarity", f"{regime}_wrt_y_true", (x, y),
            _along_axis_grad(_cos_grad_rows), {**kw, "g": g, "wrt": "y_true"}, grad=True,
            elementwise=False))
    # vectors along axis 0 (torch's dim=0), then a weighted reduction of the 7 values (all
    # positive: a sum of mixed signs would measure its own cancellation, not the wiring)
    x = rng.normal(0, 1, (5, 7))
    y = x + rng.normal(0, 0.5, (5, 7))
    kw = {"axis": 0, "reduction": "sum", "sample_weight": rng.uniform(0, 2, 7)}
    cases += [
        OracleCase("cosine_similarity", "axis0_reduced", (x, y), _along_axis(_cos_rows), kw,
                   elementwise=False),
        OracleCase("cosine_similarity", "axis0_reduced", (x, y),
                   _along_axis_grad(_cos_grad_rows), {**kw, "g": np.asarray(-1.3)},
                   grad=True, elementwise=False),
    ]
    return cases


# --------------------------------------------------------------------------- root means


def _groups(p, t, w, multioutput):
    """[(p column, t column, w column), ...]: the groups each root averages."""
    p, t = np.asarray(p, dtype=np.float64), np.asarray(t, dtype=np.float64)
    w = np.ones(p.shape) if w is None else np.broadcast_to(
        np.asarray(w, dtype=np.float64).reshape(-1, *([1] * (p.ndim - 1))), p.shape)
    if multioutput == "pooled":
        return [(_flat(p), _flat(t), _flat(w))]
    if p.ndim == 1:
        p, t, w = p[:, None], t[:, None], w[:, None]
    return [(_flat(p[:, j]), _flat(t[:, j]), _flat(w[:, j])) for j in range(p.shape[1])]


def _root_exact(diff):
    """A group of zero total weight (or no rows) is ``mean_of_empty``, as a mean of no
    groups is."""
    def exact(p, t, *, multioutput="pooled", sample_weight=None, mean_of_empty=float("nan")):
        roots = []
        for ps, ts, ws in _groups(p, t, sample_weight, multioutput):
            total = mpmath.fsum(mpf(w) * diff(mpf(a), mpf(b)) ** 2
                                for a, b, w in zip(ps, ts, ws, strict=True))
            wsum = mpmath.fsum(mpf(w) for w in ws)
            roots.append(mpmath.sqrt(total / wsum) if wsum else mpf(mean_of_empty))
        if multioutput == "raw_values":
            return roots
        return [mpmath.fsum(roots) / len(roots) if roots else mpf(mean_of_empty)]
    return exact


def _root_grad_exact(diff, ddiff):
    def exact(p, t, *, g, multioutput="pooled", sample_weight=None,
              mean_of_empty=float("nan"), grad_at_zero=0.0):
        groups = _groups(p, t, sample_weight, multioutput)
        gs = _flat(g) if multioutput == "raw_values" else [float(g) / len(groups)] * len(groups)
        cols = []
        for gj, (ps, ts, ws) in zip(gs, groups, strict=True):
            wsum = mpmath.fsum(mpf(w) for w in ws)
            if not wsum:  # a constant (mean_of_empty): no gradient
                cols.append([mpf(0)] * len(ps))
                continue
            r = mpmath.sqrt(mpmath.fsum(mpf(w) * diff(mpf(a), mpf(b)) ** 2
                                        for a, b, w in zip(ps, ts, ws, strict=True)) / wsum)
            if not r:  # the root's kink: grad_at_zero (module docstring of the reference)
                cols.append([mpf(gj) * mpf(grad_at_zero) if w else mpf(0) for w in ws])
                continue
            cols.append([mpf(gj) * mpf(w) * diff(mpf(a), mpf(b)) * ddiff(mpf(a)) / (wsum * r)
                         for a, b, w in zip(ps, ts, ws, strict=True)])
        if multioutput == "pooled":
            return cols[0]
        # back to C order of a (n, k) array (a 1-D input is one column)
        return [cols[j][i] for i in range(len(cols[0])) for j in range(len(cols))]
    return exact


def _root_cases(name, diff, ddiff, regimes):
    rng = np.random.default_rng(7)
    cases = []
    for regime, (p, t) in regimes.items():
        n = p.shape[0]
        for mo in ("pooled", "uniform_average", "raw_values"):
            for w in (None, rng.uniform(0.0, 2.0, n)):
                kw = {"multioutput": mo}
                if w is not None:
                    w[1] = 0.0  # a weighted-out sample
                    kw["sample_weight"] = w
                cases.append(OracleCase(name, regime, (p, t), _root_exact(diff), kw,
                                        elementwise=False))
                k = 1 if p.ndim == 1 else p.shape[1]
                g = rng.uniform(0.5, 2.0, k) if mo == "raw_values" else np.asarray(1.3)
                cases.append(OracleCase(name, regime, (p, t), _root_grad_exact(diff, ddiff),
                                        {**kw, "g": g}, grad=True, elementwise=False))
    return cases


def _log1p_diff(a, b):
    return mpmath.log1p(a) - mpmath.log1p(b)


_ROOT_CASES = [
    *_root_cases("root_mean_squared_error", lambda a, b: a - b, lambda a: 1, {
        "typical": (_RNG.normal(0, 3, (40, 4)), _RNG.normal(0, 3, (40, 4))),
        "vector": _typical(50),
        "large": tuple(a.reshape(30, 2) for a in _large()),
        "tiny": tuple(a.reshape(20, 2) for a in _tiny()),   # squares underflow unscaled
        "huge": (_RNG.normal(0, 1e200, (10, 3)), _RNG.normal(0, 1e200, (10, 3))),  # overflow
        "close": (np.linspace(1, 3, 40).reshape(20, 2),
                  np.linspace(1, 3, 40).reshape(20, 2) * (1 + 1e-12)),
    }),
    *_root_cases("root_mean_squared_log_error", _log1p_diff, lambda a: 1 / (1 + a), {
        "typical": (np.exp(_RNG.normal(0, 2, (40, 3))) - 0.5,
                    np.exp(_RNG.normal(0, 2, (40, 3))) - 0.5),
        "vector": (_RNG.uniform(0, 5, 30), _RNG.uniform(0, 5, 30)),
        "close": (np.linspace(0.5, 3, 40).reshape(20, 2),
                  np.linspace(0.5, 3, 40).reshape(20, 2) * (1 + 1e-9)),
        "large": (_RNG.uniform(0, 1e8, (20, 2)), _RNG.uniform(0, 1e8, (20, 2))),
    }),
]


# --------------------------------------------------------------------------- Brier


def _brier_rows(p, y, axis):
    """(rows of p with the class axis last, labels, the rows' shape)."""
    pm = np.moveaxis(np.asarray(p, dtype=np.float64), axis, -1)
    return _rows(pm), np.ravel(y), pm.shape[:-1]


def _multiclass_brier_exact(p, y, *, axis=-1, scale=1.0, reduction="none", sample_weight=None):
    rows, labels, shape = _brier_rows(p, y, axis)
    v = [mpf(scale) * mpmath.fsum((mpf(pc) - (1 if c == yi else 0)) ** 2
                                  for c, pc in enumerate(row))
         for row, yi in zip(rows, labels, strict=True)]
    return list(np.ravel(reduce_exact(object_array(v, shape), reduction, sample_weight)))


def _multiclass_brier_grad_exact(p, y, *, g, axis=-1, scale=1.0, reduction="none",
                                 sample_weight=None):
    rows, labels, shape = _brier_rows(p, y, axis)
    cot = np.ravel(reduce_vjp_exact(g, shape, reduction, sample_weight))
    out = [ci * 2 * mpf(scale) * (mpf(pc) - (1 if c == yi else 0))
           for ci, row, yi in zip(cot, rows, labels, strict=True) for c, pc in enumerate(row)]
    return list(np.ravel(np.moveaxis(object_array(out, (*shape, np.shape(p)[axis])), -1, axis)))


def _simplex(n, c, scale=2.0):
    z = _RNG.normal(0, scale, (n, c))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _brier_cases():
    cases = elementwise_cases(
        "brier_score", _sq, lambda p, t, scale=1.0: 2 * mpf(scale) * (p - t), {
            "typical": (_RNG.uniform(0, 1, 120), (_RNG.uniform(0, 1, 120) < 0.5) * 1.0),
            "near_01": (np.array([1e-12, 1 - 1e-12, 1e-7, 1 - 1e-7, 1e-30, 0.5] * 2),
                        np.repeat([0.0, 1.0], 6)),
            "soft": (_RNG.uniform(0, 1, 40), _RNG.uniform(0, 1, 40)),
        })
    cases += elementwise_cases(
        "brier_score", _sq, lambda p, t, scale=1.0: 2 * mpf(scale) * (p - t),
        {"unhalved": (_RNG.uniform(0, 1, 40), (_RNG.uniform(0, 1, 40) < 0.5) * 1.0)},
        kwargs={"scale": 2.0})
    rng = np.random.default_rng(11)
    near = np.full((4, 5), 1e-12)
    near[np.arange(4), [0, 1, 2, 3]] = 1 - 4e-12
    near[3] = [1e-300, 1e-20, 1e-7, 1 - 1e-7 - 1e-20, 0.0]
    for regime, p, kw in (("typical", _simplex(30, 5), {}),
                          ("many", _simplex(3, 300, 3.0), {}),
                          ("near_01", near, {}),
                          ("unnormalised", _RNG.uniform(0, 1, (20, 4)), {"scale": 0.5})):
        y = rng.integers(0, p.shape[1], p.shape[0])
        g = rng.uniform(0.5, 2.0, p.shape[0]) * rng.choice([-1.0, 1.0], p.shape[0])
        w = rng.uniform(0.0, 2.0, p.shape[0])
        red = {"reduction": "weighted_mean", "sample_weight": w}
        cases += [
            OracleCase("multiclass_brier_score", regime, (p, y), _multiclass_brier_exact, kw),
            OracleCase("multiclass_brier_score", regime, (p, y), _multiclass_brier_grad_exact,
                       {**kw, "g": g}, grad=True),
            OracleCase("multiclass_brier_score", regime, (p, y), _multiclass_brier_exact,
                       {**kw, **red}, elementwise=False),
            OracleCase("multiclass_brier_score", regime, (p, y), _multiclass_brier_grad_exact,
                       {**kw, **red, "g": np.asarray(1.7)}, grad=True, elementwise=False),
        ]
    # the classes along axis 0, a plain mean
    p, y = _simplex(6, 4).T.copy(), rng.integers(0, 4, 6)
    kw = {"axis": 0, "reduction": "mean"}
    cases += [
        OracleCase("multiclass_brier_score", "axis0", (p, y), _multiclass_brier_exact, kw,
                   elementwise=False),
        OracleCase("multiclass_brier_score", "axis0", (p, y), _multiclass_brier_grad_exact,
                   {**kw, "g": np.asarray(-0.9)}, grad=True, elementwise=False),
    ]
    return cases


def _cosine_distance_cases() -> list[OracleCase]:
    """cosine_distance, 1 - cos (near-parallel rows included: the value keeps its relative
    accuracy there), and unit_cosine_distance, 1 - x.y (TF v1); VJPs -d cos/dx and -y."""
    rng = np.random.default_rng(12)

    @_along_axis
    def dist(x, y, **kw):
        return [1 - c for c in _cos_rows(x, y, **kw)]

    @_along_axis
    def unit_dist(x, y):
        return [1 - mpmath.fsum(mpf(a) * mpf(b) for a, b in zip(xr, yr, strict=True))
                for xr, yr in zip(x, y, strict=True)]

    @_along_axis_grad
    def grad(x, y, cot, **kw):
        return _cos_grad_rows(x, y, cot, negate=True, **kw)

    @_along_axis_grad
    def unit_grad(x, y, cot):
        return [-mpf(gi) * mpf(b) for gi, yr in zip(cot, y, strict=True) for b in yr]

    x = rng.normal(0, 1, (20, 5))
    near = x[:8] * (1 + rng.normal(0, 1e-7, (8, 5)))  # 1 - cos ~ 1e-15
    unit = rng.normal(0, 1, (12, 4))
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    close = unit + rng.normal(0, 1e-3, unit.shape)  # 1 - x.y = (|d|^2 - ...) cancels less
    specs = {
        "typical": ("cosine_distance", x, rng.normal(0, 1, (20, 5)), {}, True),
        "near_parallel": ("cosine_distance", x[:8], near, {}, False),
        "clamped": ("cosine_distance",
                    np.vstack([rng.normal(0, 1e-9, (4, 3)), rng.normal(0, 1, (4, 3))]),
                    rng.normal(0, 1, (8, 3)), {"eps": 1e-8}, True),
        "large": ("cosine_distance", rng.normal(0, 1e200, (6, 4)),
                  rng.normal(0, 1e150, (6, 4)), {}, True),
        "unnormalised_v1": ("unit_cosine_distance", x, rng.normal(0, 1, (20, 5)), {}, True),
        "unit_v1": ("unit_cosine_distance", unit, close, {"keepdims": True}, True),
    }
    cases = []
    for regime, (fn, a, b, kw, with_grad) in specs.items():
        value, vjp = (dist, grad) if fn == "cosine_distance" else (unit_dist, unit_grad)
        cases.append(OracleCase(fn, regime, (a, b), value, kw, elementwise=False))
        if with_grad:
            g = rng.uniform(-2, 2, a.shape[:-1] + ((1,) if kw.get("keepdims") else ()))
            cases.append(OracleCase(fn, regime, (a, b), vjp, {**kw, "g": g},
                                    grad=True, elementwise=False))
            cases.append(OracleCase(fn, f"{regime}_wrt_y_true", (a, b), vjp,
                                    {**kw, "g": g, "wrt": "y_true"}, grad=True,
                                    elementwise=False))
    return cases


def _pairwise_cases() -> list[OracleCase]:
    """Per sample (axis 0): mean over pairs i < j of ((p_i - p_j) - (t_i - t_j))^2, then
    the reduction; VJP 4 (d_k - mean d) / (n - 1) times the sample's cotangent."""
    rng = np.random.default_rng(13)

    def rows(p, t):
        n = p.shape[0] if p.ndim else 1
        m = p.size // n if n else 0
        return [[mpf(a) - mpf(b) for a, b in zip(rp, rt, strict=True)]
                for rp, rt in zip(p.reshape(n, m), t.reshape(n, m), strict=True)]

    def value(p, t, *, no_pairs=float("nan"), reduction="none", sample_weight=None):
        vals = []
        for d in rows(p, t):
            n = len(d)
            pairs = [(d[i] - d[j]) ** 2 for i in range(n) for j in range(i + 1, n)]
            vals.append(mpmath.fsum(pairs) / len(pairs) if pairs else mpf(no_pairs))
        v = object_array(vals, (len(vals),))
        return list(np.ravel(reduce_exact(v, reduction, sample_weight)))

    def grad(p, t, *, g, no_pairs=float("nan"), reduction="none", sample_weight=None):
        d_rows = rows(p, t)
        cot = reduce_vjp_exact(g, (len(d_rows),), reduction, sample_weight)
        out = []
        for gk, d in zip(cot, d_rows, strict=True):
            n = len(d)
            mean = mpmath.fsum(d) / n if n else 0
            out.extend(gk * 4 * (v - mean) / (n - 1) if n > 1 else mpf(0) for v in d)
        return out

    base = rng.normal(0, 2, (6, 5))
    specs = {
        "typical": (rng.normal(0, 2, (8, 4)), rng.normal(0, 2, (8, 4)), {}),
        "spatial": (rng.normal(0, 1, (3, 2, 3)), rng.normal(0, 1, (3, 2, 3)), {}),
        # d nearly constant within a sample: the pair differences are ~1e-9 of d
        "near_constant": (base + 100.0 + rng.normal(0, 1e-7, (6, 5)), base, {}),
        "sum_weighted": (rng.normal(0, 1e3, (5, 4)), rng.normal(0, 1e3, (5, 4)),
                         {"reduction": "sum", "sample_weight": rng.uniform(0, 2, 5)}),
        "no_pairs": (rng.normal(0, 1, 6), rng.normal(0, 1, 6), {"no_pairs": 0.0}),
        # a row spanning 1e-39 to 1e-45 whose centring d_k - mean(d) cancels (the suite's
        # `subnormal` regime: 50 ULP until 2026-12-06, the pair differences summed in EXT)
        "wide_scales": (np.array([[1e-39, -1e-39, 1.4e-45, -1.4e-45],
                                  [1e-300, -3e-300, 2e-310, 7.0],
                                  [3e-6, -3e-6, 6e-8, -6e-8]]), np.zeros((3, 4)),
                        {"reduction": "sum"}),
    }
    cases = []
    for regime, (a, b, kw) in specs.items():
        cases.append(OracleCase("mean_pairwise_squared_error", regime, (a, b), value, kw,
                                elementwise=False))
        g = rng.uniform(-2, 2, (a.shape[0],)) if "reduction" not in kw else rng.uniform(-2, 2, ())
        cases.append(OracleCase("mean_pairwise_squared_error", regime, (a, b), grad,
                                {**kw, "g": g}, grad=True, elementwise=False))
        # a function of y_pred - y_true: the gradient w.r.t. y_true is the negation
        cases.append(OracleCase("mean_pairwise_squared_error", regime + "_wrt_y_true", (a, b),
                                _negated(grad), {**kw, "g": g, "wrt": "y_true"}, grad=True,
                                elementwise=False))
    return cases


def _negated(grad):
    def exact(p, t, *, g, wrt, **kw):
        if wrt != "y_true":
            raise ValueError(f"this oracle differentiates w.r.t. y_true only, got {wrt!r}")
        return [-v for v in grad(p, t, g=g, **kw)]
    return exact


# --------------------------------------------------------------------------- CASES


def _squared_norm_cases() -> list[OracleCase]:
    """scale * sum(x^2) over every element (tf.nn.l2_loss: scale 0.5); VJP 2 scale x g."""
    def value(x, *, scale=1.0):
        with mpmath.workdps(1000):  # squares from 1e-300 to 1e300 summed exactly
            total = mpmath.fsum(mpf(float(v)) ** 2 for v in np.ravel(x))
        return [+(mpf(scale) * total)]

    def grad(x, *, g, scale=1.0):
        return [2 * mpf(scale) * mpf(float(v)) * mpf(float(g)) for v in np.ravel(x)]

    cases = []
    for regime, x in {
        "typical": _RNG.normal(0, 3, (8, 16)),
        "wide_range": np.array([1e150, -3e-10, 7.0, 1e140, -2.5e149]),
        "huge": np.array([1e154, -1e154, 3e153]),  # the squares' sum overflows unscaled
        "tiny": np.array([3e-170, -1e-170, 2e-171]),  # squares underflow unscaled
        "single": np.array([-3.5]),
    }.items():
        for kw in ({}, {"scale": 0.5}):
            cases.append(OracleCase("squared_norm", regime, (x,), value, kw, elementwise=False))
            cases.append(OracleCase("squared_norm", regime, (x,), grad,
                                    {**kw, "g": _RNG.normal(0, 1, ())}, grad=True))
    return cases


def _sq(p, t, scale=1.0):
    return mpf(scale) * (p - t) ** 2


CASES: list[OracleCase] = [
    *elementwise_cases("squared_error", _sq, lambda p, t, scale=1.0: 2 * mpf(scale) * (p - t),
                       _std_regimes([0.0]), of_difference=True),
    # optax's l2_loss: 0.5 (p - t)^2
    *elementwise_cases("squared_error", _sq, lambda p, t, scale=1.0: 2 * mpf(scale) * (p - t),
                       {"l2_" + k: v for k, v in _std_regimes([0.0]).items()},
                       kwargs={"scale": 0.5}),
    *elementwise_cases("absolute_error", lambda p, t: abs(p - t),
                       lambda p, t, grad_at_zero=0.0: _sign(p - t, grad_at_zero),
                       _std_regimes([0.0]), of_difference=True),
    *elementwise_cases("absolute_error", lambda p, t: abs(p - t),
                       lambda p, t, grad_at_zero=0.0: _sign(p - t, grad_at_zero),
                       {"kinks_jax": _kinks([0.0], 5)}, grad_kwargs={"grad_at_zero": 1.0},
                       of_difference=True),
    *elementwise_cases("huber", _huber, _huber_d, _std_regimes([0.0, 1.0, -1.0]),
                       of_difference=True),
    *elementwise_cases("huber", _huber, _huber_d, {"delta": _kinks([0.25, -0.25, 0.0])},
                       kwargs={"delta": 0.25}),
    *elementwise_cases("smooth_l1", _smooth, _smooth_d, _std_regimes([0.0, 1.0, -1.0]),
                       of_difference=True),
    *elementwise_cases("smooth_l1", _smooth, _smooth_d, {"beta": _kinks([0.5, -0.5, 0.0])},
                       kwargs={"beta": 0.5}),
    *elementwise_cases("smooth_l1", _smooth, _smooth_d, {"beta0": _kinks([0.0, 1.0])},
                       kwargs={"beta": 0.0}),
    *elementwise_cases("pseudo_huber", _pseudo, _pseudo_d, _std_regimes([0.0, 1.0]),
                       of_difference=True),
    *elementwise_cases("pseudo_huber", _pseudo, _pseudo_d, {"delta": _typical(40)},
                       kwargs={"delta": 0.1}),
    *elementwise_cases("log_cosh", lambda p, t: mpmath.log(mpmath.cosh(p - t)),
                       lambda p, t: mpmath.tanh(p - t),
                       {**_std_regimes([0.0, 4.0, -4.0]),
                        "small": (_RNG.normal(0, 1e-6, 40), np.zeros(40))},
                       of_difference=True),
    *elementwise_cases("absolute_percentage_error", _ape, _ape_d,
                       {**_std_regimes([0.0]), "zeros": _zeros()}, dt=_ape_dt),
    *elementwise_cases("absolute_percentage_error", _ape, _ape_d,
                       {"keras": (_RNG.normal(0, 1, 40), _RNG.normal(0, 1e-7, 40)),
                        "zeros": _zeros()},
                       kwargs={"eps": 1e-7}, dt=_ape_dt),
    *elementwise_cases("absolute_percentage_error", _ape, _ape_d,
                       {"sklearn": _typical(40)},
                       kwargs={"eps": float(np.finfo(np.float64).eps), "scale": 1.0},
                       dt=_ape_dt),
    *elementwise_cases("squared_log_error", _sle, _sle_d, {
        "typical": (np.exp(_RNG.normal(0, 2, 120)) - 0.5, np.exp(_RNG.normal(0, 2, 120)) - 0.5),
        "close": (np.linspace(0.5, 3, 40), np.linspace(0.5, 3, 40) * (1 + 1e-9)),
        "large": (_RNG.uniform(0, 1e8, 40), _RNG.uniform(0, 1e8, 40)),
        "tiny": (_RNG.uniform(0, 1e-300, 40), _RNG.uniform(0, 1e-300, 40)),
        "zeros": (np.array([0.0, -0.0, -1.0, 0.0]), np.array([0.0, 0.0, 0.0, -1.0])),
    }, dt=_sle_dt),
    *elementwise_cases("squared_log_error", _sle, _sle_d, {
        "clip": (np.array([-0.5, 0.0, 1e-7, 1e-8, 2.0, 1e-7]),
                 np.array([1.0, -3.0, 0.5, 0.0, 1e-9, 1e-7])),
    }, kwargs={"clip_eps": 1e-7}, dt=_sle_dt),
    *elementwise_cases("poisson_nll", _poisson, _poisson_d, _poisson_regimes(False),
                       dt=_poisson_dt),
    *elementwise_cases("poisson_nll", _poisson, _poisson_d,
                       _poisson_regimes(False, eps=1e-8, stirling=True),
                       kwargs={"eps": 1e-8, "stirling": True}, dt=_poisson_dt),
    *elementwise_cases("poisson_nll_log_input", _poisson_log, _poisson_log_d,
                       _poisson_regimes(True), dt=_poisson_log_dt),
    *elementwise_cases("poisson_nll_log_input", _poisson_log, _poisson_log_d,
                       _poisson_regimes(True, stirling=True), kwargs={"stirling": True},
                       dt=_poisson_log_dt),
    *_gaussian_cases(),
    *_relative_cases(),
    *_cosine_cases(),
    *_ROOT_CASES,
    *_brier_cases(),
    *_squared_norm_cases(),
    *_cosine_distance_cases(),
    *_pairwise_cases(),
]
