"""reference/regression.py beyond the oracle: bad inputs, conventions, reductions,
kinks, ill-conditioned points and IEEE special values."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

import reference
from reference import regression as R
from tests._ulp import max_ulp

# The root means (always reduced) and the Brier scores (probability inputs) have their own
# tests at the end of this file; squared_norm takes one input (no y_true, no reduction).
ROOTS = ("root_mean_squared_error", "root_mean_squared_log_error")
BRIER = ("brier_score", "multiclass_brier_score")
# relative_error takes a third input, the normalizer: its own tests at the end too
NAMES = sorted(set(R.FUNCTIONS) - set(ROOTS) - set(BRIER) - {"squared_norm", "relative_error"})
ELEMENTWISE = [n for n in NAMES if n not in ("cosine_similarity", "cosine_distance",
                                             "unit_cosine_distance", "gaussian_nll",
                                             "mean_pairwise_squared_error")]
P = np.array([[0.5, 2.0, 3.0], [1.0, 0.25, 4.0]])
T = np.array([[1.0, 2.0, 0.5], [3.0, 0.0, 4.5]])


def _call(name, p=P, t=T, **kw):
    if name == "gaussian_nll":
        kw.setdefault("var", np.ones_like(p))
    return R.FUNCTIONS[name](p, t, **kw)


# --------------------------------------------------------------------------- bad inputs

BAD = [
    ("squared_error", (P, T[:, :2]), {}, ValueError, "y_pred and y_true"),
    ("absolute_error", (P, T), {"reduction": "avg"}, ValueError, "reduction"),
    ("huber", (P, T), {"delta": -1.0}, ValueError, "delta"),
    ("huber", (P, T), {"delta": 0.0}, ValueError, "delta"),
    ("smooth_l1", (P, T), {"beta": -0.5}, ValueError, "beta"),
    ("pseudo_huber", (P, T), {"delta": math.inf}, ValueError, "delta"),
    ("absolute_percentage_error", (P, T), {"eps": 0.0}, ValueError, "eps"),
    ("absolute_percentage_error", (P, T), {"scale": -1.0}, ValueError, "scale"),
    ("squared_log_error", (P - 3.0, T), {}, ValueError, "y_pred"),
    ("squared_log_error", (P, T - 5.0), {}, ValueError, "y_true"),
    ("squared_log_error", (P, T), {"clip_eps": -1e-7}, ValueError, "clip_eps"),
    ("poisson_nll", (-P, T), {}, ValueError, "y_pred"),
    ("poisson_nll", (P, -T - 1), {}, ValueError, "y_true"),
    ("poisson_nll_log_input", (P, -T - 1), {}, ValueError, "y_true"),
    ("poisson_nll", (P, T), {"eps": "x"}, TypeError, "eps"),
    ("log_cosh", (P, T), {"sample_weight": np.ones(5)}, ValueError, "sample_weight"),
    ("log_cosh", (P, T), {"mean_axis": 3}, ValueError, "mean_axis"),
    ("squared_error", (np.array(["a", "b"]), np.zeros(2)), {}, TypeError, "y_pred"),
    ("squared_error", (np.zeros(2), None), {}, TypeError, "y_true"),
    ("cosine_similarity", (P, T), {"eps_mode": "sum"}, ValueError, "eps_mode"),
    ("cosine_similarity", (P, T), {"axis": 2}, ValueError, "axis"),
    ("cosine_similarity", (P, T), {"eps": -1.0}, ValueError, "eps"),
    ("cosine_similarity", (np.float64(1.0), np.float64(1.0)), {}, ValueError, "y_pred"),
    ("gaussian_nll", (P, T), {"var": -np.ones_like(P)}, ValueError, "var"),
    ("gaussian_nll", (P, T), {"var": np.ones(4)}, ValueError, "var"),
    ("gaussian_nll", (P, T), {"var": 1.0, "eps": -1.0}, ValueError, "eps"),
    ("root_mean_squared_error", (P, T), {"multioutput": "mean"}, ValueError, "multioutput"),
    ("root_mean_squared_error", (P[None], T[None]), {"multioutput": "raw_values"}, ValueError,
     "multioutput"),
    ("root_mean_squared_error", (P, T), {"sample_weight": [1.0, -1.0]}, ValueError,
     "sample_weight"),
    ("root_mean_squared_error", (P, T), {"sample_weight": np.ones(3)}, ValueError,
     "sample_weight"),
    ("root_mean_squared_error", (P, T), {"mean_of_empty": -1.0}, ValueError, "mean_of_empty"),
    ("root_mean_squared_error", (P, T), {"mean_of_empty": "0"}, TypeError, "mean_of_empty"),
    ("root_mean_squared_log_error", (P - 3.0, T), {}, ValueError, "y_pred"),
    ("root_mean_squared_log_error", (P, T - 5.0), {}, ValueError, "y_true"),
    ("brier_score", (P / 4, T), {}, ValueError, "y_true"),
    ("brier_score", (P, T / 5), {}, ValueError, "y_pred"),
    ("brier_score", (P / 4, T / 5), {"scale": 0.0}, ValueError, "scale"),
    ("multiclass_brier_score", (P / 4, [0, 3]), {}, ValueError, "y_true"),
    ("multiclass_brier_score", (P / 4, [0, 1, 2]), {}, ValueError, "y_true"),
    ("multiclass_brier_score", (P, [0, 1]), {}, ValueError, "y_pred"),
    ("multiclass_brier_score", (P / 4, [0, 1]), {"axis": 2}, ValueError, "axis"),
]


@pytest.mark.parametrize(("name", "args", "kw", "exc", "match"), BAD,
                         ids=[f"{b[0]}-{b[4]}-{i}" for i, b in enumerate(BAD)])
def test_bad_inputs_name_the_parameter(name, args, kw, exc, match):
    with pytest.raises(exc, match=match):
        R.FUNCTIONS[name](*args, **kw)
    g = np.ones(1) if name not in ROOTS else np.asarray(1.0)
    with pytest.raises((exc, ValueError), match=match):
        R.VJPS[name](g, *args, **kw)


def test_vjp_rejects_wrong_cotangent_shape():
    with pytest.raises(ValueError, match="g must have"):
        R.squared_error_vjp(np.ones(3), P, T)


# --------------------------------------------------------------------------- conventions


def test_reductions_go_through_reduce_loss():
    w = np.array([2.0, 0.5])
    for name in ELEMENTWISE:
        v = _call(name)
        ref = reference.reduce_loss(v, "mean", sample_weight=w, mean_axis=-1)
        np.testing.assert_array_equal(_call(name, reduction="mean", sample_weight=w,
                                            mean_axis=-1), ref)


def test_huber_is_delta_times_smooth_l1():
    rng = np.random.default_rng(1)
    p, t = rng.normal(0, 3, 200), rng.normal(0, 3, 200)
    for delta in (0.5, 1.0, 2.0):
        np.testing.assert_allclose(R.huber(p, t, delta=delta),
                                   delta * R.smooth_l1(p, t, beta=delta), rtol=1e-15)
    np.testing.assert_array_equal(R.smooth_l1(p, t, beta=0.0), R.absolute_error(p, t))


def test_kink_subgradients():
    p, t = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    g = np.ones(2)
    assert np.all(R.absolute_error_vjp(g, p, t) == 0)                      # torch, TF
    assert np.all(R.absolute_error_vjp(g, p, t, grad_at_zero=1.0) == 1)    # jnp.abs
    assert np.all(R.smooth_l1_vjp(g, p, t, beta=0.0) == 0)                 # torch
    assert np.all(R.absolute_percentage_error_vjp(g, p, t) == 0)           # TF
    # huber / smooth_l1 are C^1: the gradient at |d| = delta is +-delta either way
    d = np.array([-1.0, 1.0])
    np.testing.assert_array_equal(R.huber_vjp(g, d, np.zeros(2)), d)
    np.testing.assert_array_equal(R.smooth_l1_vjp(g, d, np.zeros(2)), d)


def test_squared_log_error_clip_gradient():
    p = np.array([1e-8, 1e-7, 0.5])
    t = np.array([1.0, 1.0, 1.0])
    grad = R.squared_log_error_vjp(np.ones(3), p, t, clip_eps=1e-7)
    assert grad[0] == 0.0 and grad[2] != 0.0
    half = R.squared_log_error_vjp(np.ones(3), p, t, clip_eps=1e-7, grad_at_clip=0.5)
    assert half[1] == 0.5 * grad[1]


def test_keras_and_sklearn_mape_conventions():
    t = np.array([0.0, 2.0, -4.0])
    p = np.array([1.0, 1.0, -2.0])
    np.testing.assert_allclose(R.absolute_percentage_error(p, t, eps=1e-7),
                               100 * np.abs(t - p) / np.maximum(np.abs(t), 1e-7))
    eps = float(np.finfo(np.float64).eps)
    np.testing.assert_allclose(R.absolute_percentage_error(p, t, eps=eps, scale=1.0),
                               np.abs(p - t) / np.maximum(np.abs(t), eps))


def test_poisson_conventions():
    p = np.array([0.0, 0.5, 2.0, 3.0])
    t = np.array([0.0, 0.0, 1.0, 2.5])
    exact = R.poisson_nll(p, t)
    assert exact[0] == 0.0 and exact[1] == 0.5   # 0 log 0 = 0
    keras = R.poisson_nll(p, t, eps=1e-7)
    np.testing.assert_allclose(keras, p - t * np.log(p + 1e-7))
    full = R.poisson_nll(p, t, eps=1e-8, stirling=True)
    stir = np.where(t > 1, t * np.log(np.where(t > 1, t, 1)) - t
                    + 0.5 * np.log(2 * np.pi * np.where(t > 1, t, 1)), 0)
    np.testing.assert_allclose(full, p - t * np.log(p + 1e-8) + stir, rtol=1e-14)
    np.testing.assert_allclose(R.poisson_nll_log_input(np.log(p[1:]), t[1:]),
                               R.poisson_nll(p[1:], t[1:]), rtol=1e-13)


def test_poisson_log_of_rate_plus_eps_is_exact():
    # log(p + eps) near p = 1 is ~eps: p + eps rounded (even to 64 bits) would cost 1e-12
    # relative there (the reference was 5e-13 off before 2026-12-06); the exact sum keeps it
    mpmath.mp.dps = 50
    p = np.array([1.0, 1.0 - 2**-53, 0.5, 3.0, 1e-9])
    t = np.array([2.0, 1.0, 1.0, 0.0, 4.0])
    for eps in (1e-7, 1e-8):
        exact = [-mpmath.log(mpmath.mpf(float(a)) + mpmath.mpf(eps)) for a in p]
        got = reference.VJPS["poisson_nll"](np.ones(5), p, t, eps=eps, wrt="y_true")
        assert max_ulp(got, exact) <= 1.0
        exact = [mpmath.mpf(float(a)) - mpmath.mpf(float(b)) * (-e)
                 for a, b, e in zip(p, t, exact, strict=True)]
        assert max_ulp(R.poisson_nll(p, t, eps=eps), exact) <= 1.0


def test_cosine_eps_modes():
    x = np.array([[1e-9, 0.0], [3.0, 4.0], [0.0, 0.0]])
    y = np.array([[100.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    sep = R.cosine_similarity(x, y, eps=1e-8)           # torch 2.x (measured: 0.1, 0.6)
    np.testing.assert_allclose(sep, [0.1, 0.6, 0.0], rtol=1e-15)
    prod = R.cosine_similarity(x, y, eps=1e-8, eps_mode="product")
    np.testing.assert_allclose(prod, [1.0, 0.6, 0.0], rtol=1e-15)
    assert np.isnan(R.cosine_similarity(x, y)[2])        # exact: 0/0
    np.testing.assert_array_equal(R.cosine_similarity(x, y, eps=1e-7, negate=True),
                                  -R.cosine_similarity(x, y, eps=1e-7))
    np.testing.assert_allclose(R.cosine_similarity(x.T, y.T, axis=0, eps=1e-8), sep)


def test_gaussian_var_shapes():
    p, t = np.zeros((2, 3)), np.ones((2, 3))
    per_sample = R.gaussian_nll(p, t, var=np.array([1.0, 2.0]))
    full = R.gaussian_nll(p, t, var=np.array([[1.0] * 3, [2.0] * 3]))
    np.testing.assert_array_equal(per_sample, full)
    clamped = R.gaussian_nll(p, t, var=np.zeros((2, 3)), eps=1e-6)
    np.testing.assert_allclose(clamped, 0.5 * (np.log(1e-6) + 1 / 1e-6))


def test_gaussian_var_gradient_closed_form_and_the_clamp_conventions():
    """d/dvar of 0.5 (log V + r^2 / V), V = max(var, eps), is (V - r^2) / (2 V^2): 0 below
    eps as the derivative of the max, the formula at V = eps where the clamp is passed
    straight through (torch); at var == eps the gradient passes (torch.clamp's rule)."""
    p = np.array([[1.0, 3.0, 0.0, 2.0]])
    t = np.array([[0.0, 1.0, 2e-3, 2.0]])
    var = np.array([[0.5, 4.0, 1e-8, 1e-6]])
    g = np.array([[1.0, -2.0, 0.5, 3.0]])
    eps = 1e-6
    v = np.maximum(var, eps)
    formula = g * (v - (p - t) ** 2) / (2 * v**2)
    clamp = R.VJPS["gaussian_nll"](g, p, t, var=var, eps=eps, wrt="var")
    np.testing.assert_allclose(clamp, np.where(var < eps, 0.0, formula), rtol=1e-15)
    assert clamp[0, 2] == 0.0 and clamp[0, 3] != 0.0  # below eps: 0; at eps: passes
    through = R.VJPS["gaussian_nll"](g, p, t, var=var, eps=eps, wrt="var",
                                      var_grad="straight_through")
    np.testing.assert_allclose(through, formula, rtol=1e-15)
    # no clamp at all: the formula at var itself; inf variance: the limit 0, not NaN
    np.testing.assert_allclose(R.VJPS["gaussian_nll"](g, p, t, var=var, wrt="var"),
                               g * (var - (p - t) ** 2) / (2 * var**2), rtol=1e-12)
    big = R.VJPS["gaussian_nll"](g, p, t, var=np.full((1, 4), np.inf), wrt="var")
    np.testing.assert_array_equal(big, np.zeros((1, 4)))
    # the prediction's and the target's gradients are opposite
    np.testing.assert_array_equal(R.VJPS["gaussian_nll"](g, p, t, var=var, eps=eps),
                                  -R.VJPS["gaussian_nll"](g, p, t, var=var, eps=eps, wrt="y_true"))


@pytest.mark.parametrize("var_shape", [(2, 3), (2,), (2, 1), (1, 3), (3,), ()])
def test_gaussian_var_gradient_has_the_variance_shape(var_shape):
    """Summed over the axes var is broadcast along (one variance per sample: the last)."""
    rng = np.random.default_rng(3)
    p, t = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    var = rng.uniform(0.5, 2.0, var_shape)
    g = rng.normal(size=(2, 3))
    grad = R.VJPS["gaussian_nll"](g, p, t, var=var, wrt="var")
    assert grad.shape == var_shape
    h = 1e-6
    fd = np.zeros(var_shape)
    for i in np.ndindex(var_shape):
        e = np.zeros(var_shape)
        e[i] = h
        fd[i] = np.sum(g * (R.gaussian_nll(p, t, var=var + e) - R.gaussian_nll(p, t, var=var - e))) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kw, name", [({"wrt": "x"}, "wrt"), ({"wrt": "var", "var_grad": "ste"}, "var_grad")])
def test_gaussian_vjp_rejects_an_unknown_choice_by_name(kw, name):
    with pytest.raises(ValueError, match=name):
        R.VJPS["gaussian_nll"](np.ones_like(P), P, T, var=np.ones_like(P), **kw)


# --------------------------------------------------------------------------- VJP vs FD


@pytest.mark.parametrize("name", NAMES)
def test_vjp_with_reduction_matches_finite_differences(name):
    rng = np.random.default_rng(5)
    p = rng.uniform(0.5, 2.0, (3, 4))
    t = rng.uniform(0.5, 2.0, (3, 4))
    kw = {"reduction": "weighted_mean", "sample_weight": np.array([1.0, 0.0, 2.0])}
    if name == "gaussian_nll":
        kw["var"] = rng.uniform(0.5, 2.0, (3, 4))
    elif name not in ("cosine_similarity", "cosine_distance", "unit_cosine_distance",
                      "mean_pairwise_squared_error"):
        kw["mean_axis"] = -1
    f = R.FUNCTIONS[name]
    grad = R.VJPS[name](np.asarray(1.3), p, t, **kw)
    fd = np.zeros_like(p)
    h = 1e-6
    for i in np.ndindex(p.shape):
        e = np.zeros_like(p)
        e[i] = h
        fd[i] = 1.3 * (f(p + e, t, **kw) - f(p - e, t, **kw)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)
    assert np.all(grad[1] == 0)  # weighted out


# --------------------------------------------------------------------------- IEEE


@pytest.mark.parametrize("name", NAMES)
def test_special_values_no_warnings_nan_propagates(name):
    p = np.array([np.nan, np.inf, -np.inf, 1e308, -1e308, 0.0, 1e-320])
    t = np.array([1.0, 1.0, 1.0, -1e308, 1e308, 0.0, 0.0])
    if name in ("poisson_nll", "squared_log_error"):
        p = np.abs(p)
        t = np.abs(t)
    if name == "poisson_nll_log_input":
        t = np.abs(t)
    kw = {"var": np.ones_like(p)} if name == "gaussian_nll" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = R.FUNCTIONS[name](p[:, None] if name == "cosine_similarity" else p,
                              t[:, None] if name == "cosine_similarity" else t, **kw)
        gshape = v.shape
        R.VJPS[name](np.ones(gshape), p[:, None] if name == "cosine_similarity" else p,
                     t[:, None] if name == "cosine_similarity" else t, **kw)
    assert np.isnan(v.ravel()[0])


def test_huge_differences_do_not_overflow_early():
    p, t = np.array([1e200, 1e-200]), np.array([-1e200, 0.0])
    assert np.isfinite(R.log_cosh(p, t)).all()
    assert R.log_cosh(p, t)[0] == 2e200
    assert R.pseudo_huber(p, t)[0] == pytest.approx(2e200, rel=1e-15)
    assert R.squared_error(p, t)[0] == np.inf


# --------------------------------------------------------------------------- conditioning


def test_poisson_ill_conditioned_points_within_condition_scaled_tolerance():
    """Near the zero crossing of p - t log p the error is bounded by cond * few ULP."""
    rng = np.random.default_rng(3)
    t = rng.integers(1, 50, 300).astype(float)
    p = np.exp(rng.normal(0, 2, 300)) * t
    v = R.poisson_nll(p, t)
    mpmath.mp.dps = 50
    for pi, ti, vi in zip(p, t, v, strict=True):
        exact = mpmath.mpf(pi) - mpmath.mpf(ti) * mpmath.log(mpmath.mpf(pi))
        cond = (abs(mpmath.mpf(pi)) + abs(mpmath.mpf(ti) * mpmath.log(pi))) / abs(exact)
        err = abs(mpmath.mpf(vi) - exact) / abs(exact)
        assert err <= max(float(cond), 1.0) * 4 * 2.0**-53


# --------------------------------------------------------------------------- root means


def _sklearn_rmse(p, t, w=None, multioutput="uniform_average", log=False):
    """scikit-learn's formula (the mean of each output's root), written out in NumPy."""
    p, t = np.atleast_2d(p.T).T, np.atleast_2d(t.T).T
    if log:
        p, t = np.log1p(p), np.log1p(t)
    roots = np.sqrt(np.average((p - t) ** 2, axis=0, weights=w))
    return roots if multioutput == "raw_values" else np.mean(roots)


@pytest.mark.parametrize("log", [False, True])
def test_root_multioutput_conventions(log):
    rng = np.random.default_rng(8)
    p, t = rng.uniform(0, 3, (7, 3)), rng.uniform(0, 3, (7, 3))
    w = rng.uniform(0, 2, 7)
    f = R.root_mean_squared_log_error if log else R.root_mean_squared_error
    for mo in ("uniform_average", "raw_values"):
        np.testing.assert_allclose(f(p, t, multioutput=mo, sample_weight=w),
                                   _sklearn_rmse(p, t, w, mo, log), rtol=1e-14)
    # pooled: the root of the mean over every element (Keras' sqrt(total / count))
    d = (np.log1p(p) - np.log1p(t)) if log else p - t
    np.testing.assert_allclose(f(p, t), np.sqrt(np.mean(d**2)), rtol=1e-14)
    np.testing.assert_allclose(f(p, t, sample_weight=w),
                               np.sqrt(np.sum(w[:, None] * d**2) / (3 * np.sum(w))), rtol=1e-14)
    # the three agree on one output; raw_values keeps its axis, as scikit-learn's
    v = f(p[:, 0], t[:, 0])
    assert f(p[:, 0], t[:, 0], multioutput="uniform_average") == v
    assert f(p[:, 0], t[:, 0], multioutput="raw_values").shape == (1,)
    assert f(p[:, :1], t[:, :1], multioutput="raw_values")[0] == v


def test_root_is_sqrt_of_the_mean_loss():
    rng = np.random.default_rng(9)
    p, t = rng.normal(0, 2, (5, 4)), rng.normal(0, 2, (5, 4))
    w = rng.uniform(0, 2, 5)
    mse = R.squared_error(p, t, reduction="weighted_mean", sample_weight=w)
    np.testing.assert_allclose(R.root_mean_squared_error(p, t, sample_weight=w),
                               np.sqrt(mse), rtol=1e-15)
    pa, ta = np.abs(p), np.abs(t)
    msle = R.squared_log_error(pa, ta, reduction="mean")
    np.testing.assert_allclose(R.root_mean_squared_log_error(pa, ta), np.sqrt(msle),
                               rtol=1e-15)


def test_root_empty_and_zero_weights():
    z = np.zeros((0, 4))
    assert np.isnan(R.root_mean_squared_error(z, z))
    assert R.root_mean_squared_error(z, z, mean_of_empty=0.0) == 0.0  # Keras divide_no_nan
    assert np.isnan(R.root_mean_squared_error(z, z, multioutput="uniform_average"))
    np.testing.assert_array_equal(R.root_mean_squared_error(z, z, multioutput="raw_values"),
                                  np.full(4, np.nan))
    p, t = np.array([[1.0, np.inf], [2.0, 3.0]]), np.array([[0.0, 0.0], [0.0, 1.0]])
    w = np.array([0.0, 1.0])  # the inf is weighted out: it plays no part
    np.testing.assert_array_equal(
        R.root_mean_squared_error(p, t, sample_weight=w, multioutput="raw_values"), [2.0, 2.0])
    grad = R.VJPS["root_mean_squared_error"](np.ones(2), p, t, sample_weight=w,
                                             multioutput="raw_values")
    np.testing.assert_array_equal(grad, [[0.0, 0.0], [1.0, 1.0]])


def test_root_gradient_at_zero_error():
    p = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = p.copy()
    t[0, 1] = 0.0  # column 1 has an error, column 0 none
    vjp = R.VJPS["root_mean_squared_error"]
    grad = vjp(np.ones(2), p, t, multioutput="raw_values")
    np.testing.assert_array_equal(grad[:, 0], [0.0, 0.0])     # minimum-norm subgradient
    np.testing.assert_allclose(grad[:, 1], [np.sqrt(2) / 2, 0.0], rtol=1e-15)
    nan = vjp(np.ones(2), p, t, multioutput="raw_values", grad_at_zero=np.nan)
    assert np.isnan(nan[:, 0]).all() and np.isfinite(nan[:, 1]).all()  # autodiff's 0 * inf


def test_root_no_early_overflow_or_underflow():
    for scale in (1e200, 1e-200, 1e-310):
        p = np.array([3.0, -4.0]) * scale
        assert R.root_mean_squared_error(p, np.zeros(2)) == pytest.approx(
            np.sqrt(12.5) * scale, rel=1e-15)
        g = R.VJPS["root_mean_squared_error"](np.asarray(1.0), p, np.zeros(2))
        np.testing.assert_allclose(g, [3 / 2 / np.sqrt(12.5), -4 / 2 / np.sqrt(12.5)],
                                   rtol=1e-15)


def test_rmsle_domain():
    assert R.root_mean_squared_log_error(np.array([-1.0, 0.0]), np.zeros(2)) == np.inf
    with pytest.raises(ValueError, match=r"y_pred must be >= -1"):
        R.root_mean_squared_log_error(np.array([-1.5]), np.zeros(1))


@pytest.mark.parametrize("name", ROOTS)
@pytest.mark.parametrize("mo", ["pooled", "uniform_average", "raw_values"])
def test_root_vjp_matches_finite_differences(name, mo):
    rng = np.random.default_rng(6)
    p, t = rng.uniform(0.5, 2.0, (4, 3)), rng.uniform(0.5, 2.0, (4, 3))
    kw = {"multioutput": mo, "sample_weight": np.array([1.0, 0.0, 2.0, 0.5])}
    f = R.FUNCTIONS[name]
    g = rng.uniform(-1, 1, 3) if mo == "raw_values" else np.asarray(1.3)
    grad = R.VJPS[name](g, p, t, **kw)
    fd = np.zeros_like(p)
    h = 1e-6
    for i in np.ndindex(p.shape):
        e = np.zeros_like(p)
        e[i] = h
        fd[i] = np.sum(g * (f(p + e, t, **kw) - f(p - e, t, **kw))) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)
    assert np.all(grad[1] == 0)  # weighted out


# --------------------------------------------------------------------------- Brier


def test_brier_scikit_learn_docstring_values():
    """scikit-learn 1.9 brier_score_loss's examples (binary 0.0375, 0.075 unhalved; three
    classes 0.146)."""
    y, p = np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.1, 0.9, 0.8, 0.3])
    assert R.brier_score(p, y, reduction="mean") == pytest.approx(0.0375, rel=1e-15)
    assert R.brier_score(p, y, scale=2.0, reduction="mean") == pytest.approx(0.075, rel=1e-15)
    q = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]])
    assert R.multiclass_brier_score(q, [0, 1, 2], reduction="mean") == pytest.approx(
        0.44 / 3, rel=1e-15)


def test_brier_binary_is_half_the_two_class_score():
    rng = np.random.default_rng(10)
    p, y = rng.uniform(0, 1, 20), rng.integers(0, 2, 20)
    two = np.stack([1 - p, p], axis=-1)  # 1 - p rounds: compare to a few ULP
    np.testing.assert_allclose(R.multiclass_brier_score(two, y, scale=0.5),
                               R.brier_score(p, y.astype(float)), rtol=1e-12, atol=1e-16)
    # the class axis may sit anywhere; one value per sample
    q = rng.uniform(0, 1, (3, 4, 2))
    labels = rng.integers(0, 4, (3, 2))
    np.testing.assert_array_equal(R.multiclass_brier_score(q, labels, axis=1),
                                  R.multiclass_brier_score(np.moveaxis(q, 1, -1), labels))
    g = rng.normal(size=(3, 2))
    np.testing.assert_array_equal(
        R.VJPS["multiclass_brier_score"](g, q, labels, axis=1),
        np.moveaxis(R.VJPS["multiclass_brier_score"](g, np.moveaxis(q, 1, -1), labels), -1, 1))


@pytest.mark.parametrize("name", BRIER)
def test_brier_vjp_matches_finite_differences(name):
    rng = np.random.default_rng(12)
    p = rng.uniform(0.1, 0.9, (4, 3))
    y = rng.integers(0, 3, 4) if name == "multiclass_brier_score" else rng.integers(0, 2, (4, 3))
    kw = {"reduction": "weighted_mean", "sample_weight": np.array([1.0, 0.0, 2.0, 0.5]),
          "scale": 0.5}
    f = R.FUNCTIONS[name]
    grad = R.VJPS[name](np.asarray(1.3), p, y, **kw)
    fd = np.zeros_like(p)
    h = 1e-6
    for i in np.ndindex(p.shape):
        e = np.zeros_like(p)
        e[i] = h
        fd[i] = 1.3 * (f(p + e, y, **kw) - f(p - e, y, **kw)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)
    assert np.all(grad[1] == 0)


@pytest.mark.parametrize("name", [*ROOTS, *BRIER])
def test_new_functions_special_values_no_warnings(name):
    p = np.array([[np.nan, 0.5], [1.0, 0.0]])
    t = np.array([[1.0, 0.0], [1.0, 0.0]])
    args = (p, np.array([1, 0])) if name == "multiclass_brier_score" else (p, t)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = R.FUNCTIONS[name](*args)
        R.VJPS[name](np.ones(np.shape(v)), *args)
    assert np.isnan(np.ravel(v)[0])
def test_squared_norm_is_tf_l2_loss_formula() -> None:
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert R.squared_norm(x, scale=0.5) == 7.125  # sum(t ** 2) / 2
    assert R.squared_norm(x).shape == ()
    assert R.squared_norm(np.zeros((0, 3))) == 0.0
    assert R.squared_norm(np.array([1e200, 1.0])) == np.inf
    assert np.isnan(R.squared_norm(np.array([np.inf, np.nan])))
    assert R.squared_norm(np.array([3e-160, 4e-160])) == pytest.approx(25e-320, rel=1e-3)
    np.testing.assert_array_equal(R.VJPS["squared_norm"](np.array(2.0), x, scale=0.5), 2.0 * x)
    with pytest.raises(ValueError, match="scale"):
        R.squared_norm(x, scale=np.inf)
    with pytest.raises(ValueError, match="g must be a scalar"):
        R.VJPS["squared_norm"](np.ones(2), x)


def test_cosine_distance_is_one_minus_cosine_and_unit_is_one_minus_dot() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    np.testing.assert_allclose(R.cosine_distance(x, y), 1 - R.cosine_similarity(x, y),
                               rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(R.cosine_distance(x, y, eps=1e-8),
                               1 - R.cosine_similarity(x, y, eps=1e-8), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(R.unit_cosine_distance(x, y),
                               1 - np.sum(x * y, axis=-1), rtol=1e-13)
    u, v = x / np.linalg.norm(x, axis=1, keepdims=True), y / np.linalg.norm(y, axis=1,
                                                                             keepdims=True)
    np.testing.assert_allclose(R.unit_cosine_distance(u, v), R.cosine_distance(u, v),
                               rtol=1e-13, atol=1e-15)
    assert R.unit_cosine_distance(x, y, keepdims=True).shape == (6, 1)
    assert R.unit_cosine_distance(x, y, axis=0, keepdims=True).shape == (1, 4)
    assert R.cosine_distance(x, y, reduction="mean").shape == ()
    assert R.cosine_distance(x, 2 * x)[0] == 0.0  # exactly parallel: 0, not a rounding residue
    assert np.isnan(R.cosine_distance(np.zeros((1, 3)), np.ones((1, 3)))[0])  # eps=None
    g = rng.normal(size=(6, 1))
    np.testing.assert_array_equal(
        R.VJPS["unit_cosine_distance"](g, x, y, keepdims=True), -g * y)
    np.testing.assert_array_equal(
        R.VJPS["unit_cosine_distance"](g, x, y, keepdims=True, wrt="y_true"), -g * x)
    np.testing.assert_allclose(R.VJPS["cosine_distance"](g[:, 0], x, y),
                               -R.VJPS["cosine_similarity"](g[:, 0], x, y), rtol=1e-15)
    with pytest.raises(ValueError, match="eps_mode"):
        R.cosine_distance(x, y, eps=1e-8, eps_mode="both")
    with pytest.raises(ValueError, match="axis"):
        R.cosine_distance(x, y, axis=2)


def test_mean_pairwise_squared_error_is_tf_v1_per_sample_formula() -> None:
    rng = np.random.default_rng(4)
    p, t = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 3, 2))
    d = (p - t).reshape(4, -1)
    n = d.shape[1]
    tf_like = 2 * (d**2).sum(1) / (n - 1) - 2 * d.sum(1) ** 2 / (n * (n - 1))
    np.testing.assert_allclose(R.mean_pairwise_squared_error(p, t), tf_like, rtol=1e-13)
    # The docstring's example: [((a-b) - (x-y))^2 + ((a-c) - (x-z))^2 + ((b-c) - (y-z))^2] / 3
    a, b, c, x, y, z = 1.0, 4.0, 2.0, 0.5, 1.0, 3.0
    want = (((a - b) - (x - y)) ** 2 + ((a - c) - (x - z)) ** 2 + ((b - c) - (y - z)) ** 2) / 3
    assert R.mean_pairwise_squared_error([[x, y, z]], [[a, b, c]])[0] == pytest.approx(want)
    assert R.mean_pairwise_squared_error(p, t, reduction="sum") == pytest.approx(tf_like.sum())
    assert np.isnan(R.mean_pairwise_squared_error([1.0, 2.0], [0.0, 0.0])).all()  # no pairs
    np.testing.assert_array_equal(
        R.mean_pairwise_squared_error([1.0, 2.0], [0.0, 0.0], no_pairs=0.0), [0.0, 0.0])
    np.testing.assert_array_equal(
        R.VJPS["mean_pairwise_squared_error"](np.ones(2), [1.0, 2.0], [0.0, 0.0]), [0.0, 0.0])
    assert np.isnan(R.mean_pairwise_squared_error([[np.nan, 1.0]], [[0.0, 0.0]])[0])
    with pytest.raises(ValueError, match="batch axis"):
        R.mean_pairwise_squared_error(1.0, 2.0)
    with pytest.raises(TypeError, match="no_pairs"):
        R.mean_pairwise_squared_error([1.0], [2.0], no_pairs="zero")


# ------------------------------------------------------------- gradients w.r.t. y_true

DIFFERENCE_LOSSES = ["squared_error", "absolute_error", "huber", "smooth_l1", "pseudo_huber",
                     "log_cosh", "mean_pairwise_squared_error", "gaussian_nll"]


@pytest.mark.parametrize("name", DIFFERENCE_LOSSES)
def test_vjp_wrt_y_true_is_the_negated_vjp_wrt_y_pred(name):
    """A loss of y_pred - y_true: d/dy_true = -d/dy_pred, kinks included (P and T meet at
    [0, 1]: d = 0)."""
    kw = {"var": np.ones_like(P)} if name == "gaussian_nll" else {}
    g = np.ones(np.shape(_call(name)))
    pred = R.VJPS[name](g, P, T, **kw)
    true = R.VJPS[name](g, P, T, wrt="y_true", **kw)
    np.testing.assert_array_equal(true, -pred)
    if name in ("absolute_error", "smooth_l1"):
        kink = {"grad_at_zero": 1.0, **({"beta": 0.0} if name == "smooth_l1" else {})}
        # jnp.abs' 1 at d = 0 w.r.t. y_pred: -1 w.r.t. y_true
        assert R.VJPS[name](g, P, T, wrt="y_true", **kink)[0, 1] == -1.0


@pytest.mark.parametrize("name", [*DIFFERENCE_LOSSES, "absolute_percentage_error",
                                  "root_mean_squared_error"])
def test_vjp_wrt_names_the_bad_value(name):
    kw = {"var": np.ones_like(P)} if name == "gaussian_nll" else {}
    g = np.ones(np.shape(_call(name)))
    with pytest.raises(ValueError, match="wrt"):
        R.VJPS[name](g, P, T, wrt="y", **kw)


def test_ape_vjp_wrt_y_true_against_mpmath():
    """scale |p - t| / max(|t|, eps): d/dt = -scale sign(d) / m - scale |d| sign(t) / m^2
    where |t| > eps; below eps the denominator is the constant eps."""
    mpmath.mp.dps = 50
    p = np.array([0.5, -2.0, 3.0, 1e-9, 4.0])
    t = np.array([1.0, 0.75, -0.5, 3e-8, 1e-9])
    eps, scale = 1e-7, 100.0
    got = R.absolute_percentage_error_vjp(np.ones(5), p, t, eps=eps, scale=scale, wrt="y_true")
    for i in range(5):
        def f(x, i=i):
            return scale * abs(mpmath.mpf(p[i]) - x) / max(abs(x), mpmath.mpf(eps))
        want = mpmath.diff(f, mpmath.mpf(t[i]))
        assert abs(got[i] - float(want)) <= 4 * np.spacing(abs(float(want))), (i, got[i], want)


# --------------------------------------------------------------------------- relative


def test_relative_error_keras_docstring_value_and_divide_no_nan():
    """Keras 2's MeanRelativeError docstring: normalizer [1, 3, 2, 3], y_true [1, 3, 2, 3],
    y_pred [2, 4, 6, 8] gives mean([1, 1/3, 2, 5/3]) = 1.25; a zero normalizer gives 0
    whatever the numerator (inf and NaN too), an inf one 0 unless the numerator is inf."""
    f = R.FUNCTIONS["relative_error"]
    assert f([2.0, 4, 6, 8], [1.0, 3, 2, 3], [1.0, 3, 2, 3], reduction="mean") == 1.25
    got = f([np.inf, np.nan, 1.0, 1.0, 3.0, np.inf], [0.0, 0.0, 0.0, 2.0, 1.0, 0.0],
            [0.0, -0.0, np.inf, -0.5, np.nan, np.inf])
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.0, -2.0, np.nan, np.nan])


def test_relative_error_weighted_mean_is_keras_2s_mean_metric():
    """One weight per sample, broadcast over the row: Σ w e / Σ w over every element."""
    rng = np.random.default_rng(2)
    p, t, n = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.uniform(0.5, 2, (3, 4))
    w = np.array([1.0, 0.0, 3.0])
    e = np.abs(p - t) / n
    got = R.FUNCTIONS["relative_error"](p, t, n, reduction="weighted_mean", sample_weight=w)
    np.testing.assert_allclose(got, np.sum(w[:, None] * e) / (4 * w.sum()), rtol=1e-15)


@pytest.mark.parametrize("n_shape", [(3, 4), (1, 4), (3, 1), (4,), ()])
@pytest.mark.parametrize("wrt", ["y_pred", "y_true", "normalizer"])
def test_relative_error_vjp_matches_finite_differences(n_shape, wrt):
    """Every input's gradient, the normalizer's summed back to its own (broadcast) shape;
    zero normalizers have gradient 0 for every input (divide_no_nan's constant)."""
    rng = np.random.default_rng(4)
    args = {"y_pred": rng.normal(size=(3, 4)), "y_true": rng.normal(size=(3, 4)),
            "normalizer": rng.uniform(0.5, 2, n_shape) * rng.choice([-1.0, 1.0], n_shape)}
    kw = {"reduction": "weighted_mean", "sample_weight": np.array([1.0, 0.5, 2.0])}
    f, vjp = R.FUNCTIONS["relative_error"], R.VJPS["relative_error"]
    grad = vjp(np.asarray(1.3), *args.values(), wrt=wrt, **kw)
    x = args[wrt]
    assert grad.shape == np.shape(x)
    fd = np.zeros(np.shape(x))
    h = 1e-6
    for i in np.ndindex(np.shape(x)):
        e = np.zeros(np.shape(x))
        e[i] = h
        fd[i] = 1.3 * (f(**{**args, wrt: x + e}, **kw) - f(**{**args, wrt: x - e}, **kw)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)
    zero = vjp(np.ones((3, 4)), *list(args.values())[:2], np.zeros(n_shape), wrt=wrt)
    np.testing.assert_array_equal(zero, np.zeros(np.shape(zero)))


def test_relative_error_special_values_no_warnings_and_bad_inputs_named():
    p = np.array([np.nan, np.inf, -np.inf, 1e308, -1e308, 0.0, 1e-320])
    t = np.array([1.0, 1.0, 1.0, -1e308, 1e308, 0.0, 0.0])
    n = np.array([1.0, 1.0, 0.0, 1e-300, 1e-300, 0.0, 1e-320])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = R.FUNCTIONS["relative_error"](p, t, n)
        for wrt in ("y_pred", "y_true", "normalizer"):
            R.VJPS["relative_error"](np.ones(7), p, t, n, wrt=wrt)
    assert np.isnan(v[0]) and v[1] == np.inf and v[2] == 0.0 and v[3] == np.inf
    with pytest.raises(ValueError, match="normalizer of shape"):
        R.FUNCTIONS["relative_error"](P, T, np.ones(2))
    with pytest.raises(TypeError, match="normalizer"):
        R.FUNCTIONS["relative_error"](P, T, "x")
    with pytest.raises(ValueError, match="wrt"):
        R.VJPS["relative_error"](np.ones_like(P), P, T, np.ones_like(P), wrt="var")
