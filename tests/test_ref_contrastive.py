"""The batch-pairwise contrastive losses of reference/_contrastive.py (ntxent, circle):
hand-computed values, the empty pair sets, the Circle class's mean over positive losses,
VJPs against finite differences, special values, bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import reference
import reference.margin as M

# rows 0 and 1 equal (a positive pair), row 2 orthogonal with another label
X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
Y = np.array([0, 0, 1])


def test_ntxent_values():
    # each positive pair: log(e^1 + e^0) - 1 = log1p(e^-1) at temperature 1
    v = M.ntxent(X, Y, temperature=1.0)
    assert v == pytest.approx(math.log1p(math.exp(-1)), rel=1e-15)
    # at T = 0.5 the similarities double; "none" gives the pairs (0, 1), (1, 0)
    none = M.ntxent(2.0 * X, Y, temperature=0.5, reduction="none")
    np.testing.assert_allclose(none, [math.log1p(math.exp(-2))] * 2, rtol=1e-15)
    assert M.ntxent(X, Y, temperature=0.5, reduction="sum") == pytest.approx(2 * none[0])


def test_ntxent_empty_pair_sets():
    # no positive pair: the mean of nothing is NaN (optax's 0/0) and the gradient 0
    assert np.isnan(M.ntxent(X, np.array([0, 1, 2])))
    np.testing.assert_array_equal(M.VJPS["ntxent"](np.asarray(1.0), X, np.array([0, 1, 2])), 0)
    # no negative: each positive's softmax has one term, loss 0, gradient 0
    assert M.ntxent(X, np.array([4, 4, 4])) == 0.0
    np.testing.assert_array_equal(M.VJPS["ntxent"](np.asarray(1.0), X, np.array([4, 4, 4])), 0)


def test_ntxent_clips_the_squared_norm_at_eps():
    # a zero row: u = 0 / sqrt(eps) = 0, cosine 0 with everything (eps = 0: NaN)
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    v = M.ntxent(x, Y, temperature=1.0, eps=1e-7)
    assert v == pytest.approx(math.log(2.0), rel=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(M.ntxent(x, Y, temperature=1.0))
    # below eps the gradient is the identity / sqrt(eps): not projected off the radius
    g = M.VJPS["ntxent"](np.asarray(1.0), x, Y, temperature=1.0, eps=1e-6)
    assert np.all(np.isfinite(g)) and np.abs(g[0]).max() > 100


def test_circle_values():
    # row 0: positive d = 0 -> -gamma m^2; negative d = 1 -> gamma m (-m); row 2: no positive
    v = M.circle(X, Y)
    z = -2 * 80 * 0.4 ** 2
    # (z rounded in float64 here: 25.6 x 2^-53 off, so 1e-14 relative)
    np.testing.assert_allclose(v, [math.log1p(math.exp(z))] * 2 + [0.0], rtol=1e-13)
    # embeddings are used as given: halving them changes d = max(1 - x.y, 0)
    assert M.circle(0.5 * X, Y)[0] != v[0]
    # remove_diagonal=False adds the self-similarity (d = 0) to the positives: + log 2
    keep = M.circle(X, Y, remove_diagonal=False)
    assert keep[0] == pytest.approx(math.log1p(math.exp(z + math.log(2))), rel=1e-14)


def test_circle_against_a_reference_set():
    """The batch given again as the reference set is the batch-as-its-own-reference loss, and
    the two VJPs (w.r.t. the batch, w.r.t. the references) add up to its VJP (X on both
    sides); remove_diagonal drops the index pairs (i, i) of a separate set too."""
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (5, 3)) / 2
    y = np.array([0, 1, 0, 1, 2])
    g = rng.uniform(-1, 1, 5)
    same = {"ref_embeddings": x.copy(), "ref_labels": y.copy()}
    np.testing.assert_allclose(M.circle(x, y, **same), M.circle(x, y), rtol=1e-15)
    vjp = M.VJPS["circle"]
    both = vjp(g, x, y, **same) + vjp(g, x, y, **same, wrt="ref_embeddings")
    np.testing.assert_allclose(both, vjp(g, x, y), rtol=1e-13, atol=1e-13)
    # one reference, same label as row 0: a positive for every row labelled 0 but row 0
    # itself (the pair (0, 0) by index), the only pair of row 2 (no negative: loss 0)
    r, ry = rng.normal(0, 1, (1, 3)), np.array([0])
    v = M.circle(x, y, ref_embeddings=r, ref_labels=ry)
    kept = M.circle(x, y, ref_embeddings=r, ref_labels=ry, remove_diagonal=False)
    np.testing.assert_array_equal(v, 0.0)  # no row has both a positive and a negative
    np.testing.assert_array_equal(kept, 0.0)
    r2, ry2 = np.vstack([r, -r]), np.array([0, 1])
    v = M.circle(x, y, ref_embeddings=r2, ref_labels=ry2)
    kept = M.circle(x, y, ref_embeddings=r2, ref_labels=ry2, remove_diagonal=False)
    # rows 0 and 1: their one positive is the index pair (0, 0) / (1, 1), dropped
    assert v[0] == v[1] == 0.0 and kept[0] > 0 and kept[1] > 0
    # rows 2 and 3: positives off the diagonal, kept either way; row 4: no positive
    assert v[2] == kept[2] > 0 and v[3] == kept[3] > 0 and v[4] == kept[4] == 0.0


def test_circle_class_mean_is_over_the_positive_losses():
    v = M.circle(X, Y)
    assert M.circle(X, Y, reduction="mean") == pytest.approx(v.sum() / 3, rel=1e-15)
    assert M.circle(X, Y, reduction="mean", mean_over="positive") == pytest.approx(v[0])
    # every loss 0 (no negatives): Keras' divide_no_nan gives 0, the mean of nothing NaN
    assert np.isnan(M.circle(X, np.zeros(3, dtype=int), reduction="mean",
                             mean_over="positive"))
    assert M.circle(X, np.zeros(3, dtype=int), reduction="mean", mean_over="positive",
                    mean_of_empty=0.0) == 0.0


def test_circle_is_exact_for_near_duplicates():
    # 1 - x.y = 1e-20 exactly for unit-ish rows: the float64 evaluation gives 0
    x = np.array([[1.0, 1e-10], [1.0, 0.0], [0.0, 1.0]])
    # rows 0, 1: x0.x1 = 1, x0.x0 = 1 + 1e-20: the positive's d is 0 either way, but the
    # negative's d = 1 - 1e-10 is kept to its last bit
    b = 80 * (1.4 - (1 - 1e-10)) * (0.6 - (1 - 1e-10))
    z = -80 * 0.4 * 0.4 + b
    assert M.circle(x, Y)[0] == pytest.approx(math.log1p(math.exp(z)), rel=1e-15)


def _fd(f, x, h=1e-7):
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


@pytest.mark.parametrize("kw", [{}, {"temperature": 0.5, "reduction": "sum"},
                                {"eps": 1e-3}])
def test_ntxent_vjp_matches_finite_differences(kw):
    rng = np.random.default_rng(3)
    x, y = rng.normal(0, 1, (7, 3)), np.array([0, 1, 0, 2, 1, 0, 2])
    grad = M.VJPS["ntxent"](np.asarray(0.7), x, y, **kw)
    fd = _fd(lambda z: 0.7 * M.ntxent(z, y, **kw), x)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kw", [{"reduction": "none"}, {"gamma": 16.0, "margin": 0.25},
                                {"remove_diagonal": False},
                                {"reduction": "mean", "mean_over": "positive"}])
def test_circle_vjp_matches_finite_differences(kw):
    rng = np.random.default_rng(4)
    x, y = rng.normal(0, 0.5, (7, 3)), np.array([0, 1, 0, 2, 1, 0, 3])
    out = M.circle(x, y, **kw)
    g = rng.uniform(-1, 1, np.shape(out))
    grad = M.VJPS["circle"](g, x, y, **kw)
    fd = _fd(lambda z: np.sum(g * M.circle(z, y, **kw)), x)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["ntxent", "circle"])
def test_special_values_no_warnings(name):
    x = np.array([[np.nan, 1.0], [np.inf, 0.0], [1e300, -1e300], [0.0, 0.0]])
    y = np.array([0, 0, 1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = M.FUNCTIONS[name](x, y)
        M.VJPS[name](np.ones(np.shape(v)), x, y)
        M.FUNCTIONS[name](np.zeros((0, 3)), np.zeros(0, dtype=int))
    assert np.isnan(np.ravel(v)[0])


@pytest.mark.parametrize("call, message", [
    (lambda: M.ntxent(np.ones(3), np.zeros(3, dtype=int)), "y_pred must be a (batch, features)"),
    (lambda: M.ntxent(np.ones((3, 2)), np.zeros(2, dtype=int)), "y_true must have shape (3,)"),
    (lambda: M.ntxent(np.ones((3, 2)), np.zeros(3)), "y_true must hold integer labels"),
    (lambda: M.ntxent(np.ones((3, 2)), Y, temperature=0.0), "temperature must be > 0.0"),
    (lambda: M.ntxent(np.ones((3, 2)), Y, eps=-1.0), "eps must be >= 0.0"),
    (lambda: M.ntxent(np.ones((3, 2)), Y, reduction="batchmean"), "reduction must be one of"),
    (lambda: M.circle(np.ones((3, 2)), Y, gamma=np.inf), "gamma must be finite"),
    (lambda: M.circle(np.ones((3, 2)), Y, mean_over="rows"), "mean_over must be one of"),
    (lambda: M.circle(np.ones((3, 2)), Y, remove_diagonal=1), "remove_diagonal must be a bool"),
    (lambda: M.circle(X, Y, ref_embeddings=np.ones((2, 3)), ref_labels=np.zeros(2, dtype=int)),
     "ref_embeddings must be a (references, 2) matrix"),
    (lambda: M.circle(X, Y, ref_embeddings=np.ones((2, 2))),
     "ref_labels must have shape (2,) (one label per row of the reference embeddings), got (3,) "
     "(ref_labels defaults to y_true)"),
    (lambda: M.circle(X, Y, ref_embeddings=np.ones((2, 2)), ref_labels=np.zeros(2)),
     "ref_labels must hold integer labels"),
    (lambda: M.VJPS["circle"](np.ones(3), X, Y, wrt="ref_embeddings"),
     "wrt='ref_embeddings' needs ref_embeddings"),
    (lambda: M.VJPS["circle"](np.ones(3), X, Y, wrt="y_true"), "wrt must be one of"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert message in str(info.value)


def test_registered():
    assert reference.KINDS["ntxent"] == reference.KINDS["circle"] == "loss"
