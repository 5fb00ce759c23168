"""The pair and triplet embedding losses of reference/_embedding.py: hand-computed values,
reductions with their VJPs against finite differences, special values, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import reference
import reference.margin as M

NAMES = ("margin_ranking", "cosine_embedding", "triplet_margin")


def test_margin_ranking_values():
    v = M.margin_ranking([1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [1.0, 1.0, -1.0], margin=0.5)
    np.testing.assert_array_equal(v, [1.5, 0.0, 0.5])


def test_margin_ranking_is_exact_at_the_margin():
    # z = x2 - x1 + margin = 1e-20 exactly; float64's x2 - x1 rounds to -0.1 and the naive
    # evaluation returns 0
    assert M.margin_ranking([0.1], [1e-20], [1.0], margin=0.1)[0] == 1e-20
    assert M.margin_ranking_vjp(np.ones(1), [0.1], [1e-20], [1.0], margin=0.1)[0] == -1.0


def test_cosine_embedding_values():
    x1 = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 1.0], [3.0, 4.0]])
    x2 = np.array([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0], [4.0, 3.0]])
    y = np.array([1.0, 1.0, -1.0, -1.0])
    v = M.cosine_embedding(x1, x2, y, eps=0.0, margin=0.5)
    np.testing.assert_allclose(v, [1.0, 0.0, 0.5, 24 / 25 - 0.5], rtol=1e-15, atol=0)


def test_cosine_embedding_epsilon_is_added_to_the_squared_norms():
    # a zero vector: cos = 0 / sqrt(eps (B + eps)) = 0, so 1 - cos = 1 (torch's EPSILON)
    v = M.cosine_embedding([[0.0, 0.0]], [[1.0, 2.0]], [1.0])
    assert v[0] == 1.0
    # nearly parallel: 1 - cos is ~1e-13, positive (the naive float64 1 - cos here is a
    # multiple of 2^-53); the oracle (tests/oracles/embedding.py) checks the last bits
    x = np.array([[1.0, 2.0, 3.0]])
    y = x * 2 + np.array([[0.0, 0.0, 1e-6]])
    sxx, syy, sxy = 14.0, float(np.sum(y * y)), float(np.sum(x * y))
    exact = 1 - sxy / np.sqrt((sxx + 1e-12) * (syy + 1e-12))
    assert M.cosine_embedding(x, y, [1.0])[0] == pytest.approx(exact, rel=1e-3)
    assert M.cosine_embedding(x, y, [1.0])[0] > 0


def test_triplet_margin_values():
    a, p, n = np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]), np.array([[0.0, 1.0]])
    assert M.triplet_margin(a, p, n, eps=0.0)[0] == 5.0
    assert M.triplet_margin(a, p, n, eps=0.0, p=1.0)[0] == 7.0
    # eps added to the difference (torch), eps = 1: a - p + eps = (-2, -3), a - n + eps = (1, 0)
    assert M.triplet_margin(a, p, n, eps=1.0)[0] == pytest.approx(np.sqrt(13), rel=1e-15)
    # eps added to the sum of squares (optax)
    assert M.triplet_margin(a, p, n, eps=1.0, eps_mode="sum")[0] == pytest.approx(
        1 + np.sqrt(26) - np.sqrt(2))
    # swap: d(p, n) = 0.5 < d(a, n) = sqrt(1.25) replaces the negative distance
    p2, n2 = np.array([[1.0, 0.0]]), np.array([[1.0, 0.5]])
    assert M.triplet_margin(a, p2, n2, eps=0.0, swap=True)[0] == pytest.approx(1.5, rel=1e-15)
    assert M.triplet_margin(a, p2, n2, eps=0.0)[0] == pytest.approx(2 - np.sqrt(1.25))


def test_triplet_swap_gradient_leaves_the_anchor_out_of_the_negative_term():
    a, p, n = np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]]), np.array([[1.0, 0.5]])
    g = M.triplet_margin_vjp(np.ones(1), a, p, n, eps=0.0, swap=True)
    np.testing.assert_allclose(g, [[-1.0, 0.0]])  # d ||a - p|| / da only


def _args(name, rng):
    if name == "margin_ranking":
        return (rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4)),
                rng.choice([-1.0, 1.0], (3, 4)))
    if name == "cosine_embedding":
        return rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4)), np.array([1.0, -1.0, 1.0])
    return rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kw", [{}, {"margin": 0.3}])
def test_vjp_with_reduction_matches_finite_differences(name, kw):
    x, *rest = _args(name, np.random.default_rng(5))
    w = np.array([1.0, 0.0, 2.0])
    if name == "margin_ranking":
        w = np.ones((3, 4)) * w[:, None]
    kw = {**kw, "reduction": "weighted_mean", "sample_weight": w}
    f = M.FUNCTIONS[name]
    plain = {k: v for k, v in kw.items() if k not in ("reduction", "sample_weight")}
    np.testing.assert_array_equal(
        f(x, *rest, **kw), reference.reduce_loss(f(x, *rest, **plain), "weighted_mean",
                                                 sample_weight=w))
    grad = M.VJPS[name](np.asarray(0.7), x, *rest, **kw)
    fd = np.zeros_like(x)
    h = 1e-7
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        fd[i] = 0.7 * (f(x + e, *rest, **kw) - f(x - e, *rest, **kw)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    assert np.all(grad[1] == 0)


@pytest.mark.parametrize("name", NAMES)
def test_special_values_no_warnings(name):
    x = np.array([[np.nan, 1.0, 2.0], [np.inf, -np.inf, 0.0], [1e308, -1e308, 5.0]])
    rest = ((x[::-1].copy(), np.array([1.0, -1.0, 1.0]))
            if name == "cosine_embedding" else
            (x[::-1].copy(), np.ones((3, 3))) if name == "margin_ranking" else
            (x[::-1].copy(), np.zeros((3, 3))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = M.FUNCTIONS[name](x, *rest)
        M.VJPS[name](np.ones(v.shape), x, *rest)
    assert np.isnan(v.ravel()[0])


@pytest.mark.parametrize("call, message", [
    (lambda: M.margin_ranking([1.0], [2.0], [0.0]), "y_true must hold -1/1"),
    (lambda: M.margin_ranking([1.0, 2.0], [2.0], [1.0]), "x1 and x2 must have the same shape"),
    (lambda: M.margin_ranking([1.0], [2.0], [1.0, 1.0]), "y_true must have shape (1,)"),
    (lambda: M.margin_ranking([1.0], [2.0], [1.0], margin=np.nan), "margin must be finite"),
    (lambda: M.cosine_embedding([[1.0]], [[2.0]], [[1.0]]), "y_true must have shape (1,)"),
    (lambda: M.cosine_embedding([[1.0]], [[2.0]], [1.0], eps=-1.0), "eps must be >= 0.0"),
    (lambda: M.cosine_embedding(1.0, 2.0, 1.0), "x1 must have a feature axis"),
    (lambda: M.triplet_margin([[1.0]], [[2.0]], [[3.0]], p=0.5), "p must be >= 1.0"),
    (lambda: M.triplet_margin([[1.0]], [[2.0]], [[3.0]], eps_mode="x"), "eps_mode must be one of"),
    (lambda: M.triplet_margin([[1.0]], [[2.0]], [[3.0, 1.0]]),
     "anchor and negative must have the same shape"),
    (lambda: M.triplet_margin([[1.0]], [[2.0]], [[3.0]], swap=1), "swap must be a bool"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert message in str(info.value)


def test_pair_losses_are_symmetric_where_the_vjp_swaps_its_inputs():
    """cosine_embedding_vjp(wrt="x2") and the cosine VJPs (wrt="y_true") swap the two
    inputs: that is right only because the values are symmetric (to the last bit or two:
    a clamped row multiplies by the two inverse norms in argument order)."""
    import reference as R

    rng = np.random.default_rng(7)
    x, y = rng.normal(0, 1, (6, 4)), rng.normal(0, 1, (6, 4))
    x[0] *= 1e-9  # a clamped norm in one row
    t = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    assert np.array_equal(M.cosine_embedding(x, y, t, margin=0.2),
                          M.cosine_embedding(y, x, t, margin=0.2))
    for name, kw in (("cosine_similarity", {"eps": 1e-8}), ("cosine_distance", {}),
                     ("unit_cosine_distance", {})):
        np.testing.assert_allclose(R.FUNCTIONS[name](x, y, **kw), R.FUNCTIONS[name](y, x, **kw),
                                   rtol=4e-16, atol=0, err_msg=name)
