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

# squared_norm takes one input (no y_true, no reduction): tested on its own below.
NAMES = sorted(n for n in R.FUNCTIONS if n != "squared_norm")
ELEMENTWISE = [n for n in NAMES if n not in ("cosine_similarity", "cosine_distance", "gaussian_nll",
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
]


@pytest.mark.parametrize(("name", "args", "kw", "exc", "match"), BAD,
                         ids=[f"{b[0]}-{b[4]}-{i}" for i, b in enumerate(BAD)])
def test_bad_inputs_name_the_parameter(name, args, kw, exc, match):
    with pytest.raises(exc, match=match):
        R.FUNCTIONS[name](*args, **kw)
    g = np.ones(1)
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


# --------------------------------------------------------------------------- VJP vs FD


@pytest.mark.parametrize("name", NAMES)
def test_vjp_with_reduction_matches_finite_differences(name):
    rng = np.random.default_rng(5)
    p = rng.uniform(0.5, 2.0, (3, 4))
    t = rng.uniform(0.5, 2.0, (3, 4))
    kw = {"reduction": "weighted_mean", "sample_weight": np.array([1.0, 0.0, 2.0])}
    if name == "gaussian_nll":
        kw["var"] = rng.uniform(0.5, 2.0, (3, 4))
    elif name not in ("cosine_similarity", "cosine_distance", "mean_pairwise_squared_error"):
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


def test_cosine_distance_is_one_minus_cosine_and_v1_is_one_minus_dot() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    np.testing.assert_allclose(R.cosine_distance(x, y), 1 - R.cosine_similarity(x, y),
                               rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(R.cosine_distance(x, y, eps=1e-8),
                               1 - R.cosine_similarity(x, y, eps=1e-8), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(R.cosine_distance(x, y, normalize=False),
                               1 - np.sum(x * y, axis=-1), rtol=1e-13)
    u, v = x / np.linalg.norm(x, axis=1, keepdims=True), y / np.linalg.norm(y, axis=1,
                                                                             keepdims=True)
    np.testing.assert_allclose(R.cosine_distance(u, v, normalize=False), R.cosine_distance(u, v),
                               rtol=1e-13, atol=1e-15)
    assert R.cosine_distance(x, y, normalize=False, keepdims=True).shape == (6, 1)
    assert R.cosine_distance(x, y, axis=0, keepdims=True).shape == (1, 4)
    assert R.cosine_distance(x, y, reduction="mean").shape == ()
    assert R.cosine_distance(x, 2 * x)[0] == 0.0  # exactly parallel: 0, not a rounding residue
    assert np.isnan(R.cosine_distance(np.zeros((1, 3)), np.ones((1, 3)))[0])  # eps=None
    g = rng.normal(size=(6, 1))
    np.testing.assert_array_equal(
        R.VJPS["cosine_distance"](g, x, y, normalize=False, keepdims=True), -g * y)
    np.testing.assert_allclose(R.VJPS["cosine_distance"](g, x, y, keepdims=True),
                               -R.VJPS["cosine_similarity"](g[:, 0], x, y), rtol=1e-15)
    with pytest.raises(TypeError, match="normalize"):
        R.cosine_distance(x, y, normalize="no")
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
