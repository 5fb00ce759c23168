"""reference linear_cross_entropy beyond the oracle: bad inputs, agreement with
sparse_softmax_cross_entropy on the logits, ignore_index and class weights, reductions,
finite differences, the 1-D form, IEEE special values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import reference

f = reference.FUNCTIONS["linear_cross_entropy"]
vjp = reference.VJPS["linear_cross_entropy"]
RNG = np.random.default_rng(7)
X = RNG.normal(0, 1.5, (6, 4))
W = RNG.normal(0, 1, (5, 4))
B = RNG.normal(0, 1, 5)
Y = np.array([0, 4, 2, 1, 3, 2])
CW = np.array([0.5, 1.0, 2.0, 1.5, 0.25])

BAD = [
    ((X, W[:, :3], Y), {}, ValueError, r"linear_weight must have shape \(C, 4\)"),
    ((X, W[0], Y), {}, ValueError, "linear_weight"),
    ((X, W, np.array([0, 5, 1, 1, 1, 1])), {}, ValueError, r"y_true must lie in \[0, 5\)"),
    ((X, W, Y[:4]), {}, ValueError, "y_true must have x's shape"),
    ((X, W, Y), {"linear_bias": np.ones(4)}, ValueError, r"linear_bias must have shape \(5,\)"),
    ((X, W, Y), {"class_weight": np.ones(3)}, ValueError, "class_weight"),
    ((X, W, Y), {"ignore_index": 1.5}, TypeError, "ignore_index"),
    ((X, W, Y), {"reduction": "avg"}, ValueError, "reduction"),
    ((np.float64(1.0), W, Y), {}, ValueError, "x must have a feature axis"),
    ((X, None, Y), {}, TypeError, "linear_weight"),
]


@pytest.mark.parametrize(("args", "kw", "exc", "match"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_inputs_name_the_parameter(args, kw, exc, match):
    with pytest.raises(exc, match=match):
        f(*args, **kw)
    with pytest.raises(exc, match=match):
        vjp(np.ones(6), *args, **kw)


@pytest.mark.parametrize("kw", [{}, {"linear_bias": B}, {"class_weight": CW},
                                {"linear_bias": B, "class_weight": CW, "ignore_index": 2}])
@pytest.mark.parametrize("reduction", ["none", "sum", "weighted_mean"])
def test_is_cross_entropy_of_the_logits(kw, reduction):
    """Same as sparse_softmax_cross_entropy(x W^T + b) (which sees rounded logits: 1e-13)."""
    z = X @ W.T + (kw.get("linear_bias", 0.0))
    ce_kw = {k: v for k, v in kw.items() if k != "linear_bias"}
    want = reference.sparse_softmax_cross_entropy(z, Y, reduction=reduction, **ce_kw)
    np.testing.assert_allclose(f(X, W, Y, reduction=reduction, **kw), want, rtol=1e-13)
    g = RNG.uniform(-1, 1, np.shape(want))
    dz = reference.VJPS["sparse_softmax_cross_entropy"](g, z, Y, reduction=reduction, **ce_kw)
    np.testing.assert_allclose(vjp(g, X, W, Y, reduction=reduction, **kw), dz @ W,
                               rtol=1e-12, atol=1e-15)


def test_ignore_index_and_the_1d_form():
    # an ignored label (torch's default ignore_index -100) gives 0, and "weighted_mean"
    # (torch's 'mean') divides by the 5 other samples
    y = Y.copy()
    y[1] = -100
    v = f(X, W, y, ignore_index=-100)
    assert v[1] == 0.0
    assert f(X, W, y, ignore_index=-100, reduction="weighted_mean") == pytest.approx(
        np.sum(v) / 5, rel=1e-15)
    assert np.all(vjp(np.ones(6), X, W, y, ignore_index=-100)[1] == 0.0)
    # the torch docs' shapes: one sample without a batch axis gives a scalar
    assert f(X[0], W, np.array(Y[0])).shape == ()
    np.testing.assert_array_equal(f(X[0], W, np.array(Y[0])), f(X[:1], W, Y[:1])[0])


def test_vjp_matches_finite_differences():
    kw = {"linear_bias": B, "class_weight": CW, "reduction": "weighted_mean"}
    grad = vjp(np.asarray(0.7), X, W, Y, **kw)
    fd = np.zeros_like(X)
    h = 1e-6
    for i in np.ndindex(X.shape):
        e = np.zeros_like(X)
        e[i] = h
        fd[i] = 0.7 * (f(X + e, W, Y, **kw) - f(X - e, W, Y, **kw)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)


def test_empty_batch_and_special_values():
    assert f(np.zeros((0, 4)), W, np.zeros(0, int)).shape == (0,)
    assert vjp(np.zeros(0), np.zeros((0, 4)), W, np.zeros(0, int)).shape == (0, 4)
    x = np.array([[np.nan, 1.0, 0.0, 0.0], [np.inf, 0.0, 0.0, 0.0], [1e308, -1e308, 0, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = f(x, W, Y[:3])
        g = vjp(np.ones(3), x, W, Y[:3])
    assert np.isnan(v[0]) and np.all(np.isnan(g[0]))
