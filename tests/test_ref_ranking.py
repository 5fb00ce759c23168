"""The listwise softmax ranking loss of reference/_ranking.py: hand-computed values, the
mask, weight and reduction semantics, special values, the VJP against finite differences,
bad input. (The 50-digit oracle is tests/oracles/ranking.py.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import reference
from reference.crossentropy import (
    ranking_softmax_cross_entropy as rsce,
)
from reference.crossentropy import (
    ranking_softmax_cross_entropy_vjp as rsce_vjp,
)


def _by_hand(s, y):
    s, y = np.asarray(s, float), np.asarray(y, float)
    return float(-np.sum(y * (s - np.log(np.sum(np.exp(s))))))


def test_values_by_hand_and_optax_docstring_examples():
    # optax/losses/_ranking.py's module docstring: 1.408 and, with a mask, 0.497
    assert rsce([2.0, 1.0, 3.0], [1.0, 0.0, 0.0]) == pytest.approx(1.40760596, abs=1e-8)
    s = np.array([[2.0, 1.0, 0.0], [1.0, 0.5, 1.5]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    where = np.array([[True, True, False], [True, True, True]])
    expected = (_by_hand([2.0, 1.0], [1.0, 0.0]) + _by_hand(s[1], y[1])) / 2
    assert rsce(s, y, where=where, reduction="mean") == pytest.approx(expected, rel=1e-15)
    assert f"{float(rsce(s, y, where=where, reduction='mean')):.3f}" == "0.497"
    # the docstring's gradient: [-0.755, 0.09, 0.665]
    g = rsce_vjp(np.array(1.0), [2.0, 1.0, 3.0], [1.0, 0.0, 0.0], reduction="mean")
    np.testing.assert_allclose(g, [-0.755, 0.090, 0.665], atol=5e-4)


def test_graded_labels_are_not_normalised():
    s, y = np.array([0.5, -1.0, 2.0, 0.0]), np.array([3.0, 0.0, 1.0, 2.0])
    assert rsce(s, y) == pytest.approx(_by_hand(s, y), rel=1e-15)
    # scaling the labels scales the loss (ListNet would divide by Σ y)
    assert rsce(s, 2.5 * y) == pytest.approx(2.5 * rsce(s, y), rel=1e-15)


def test_weights_scale_the_labels():
    s, y = np.array([[0.5, -1.0, 2.0]]), np.array([[3.0, 1.0, 1.0]])
    w = np.array([[0.5, 2.0, 0.0]])
    np.testing.assert_allclose(rsce(s, y, weights=w), rsce(s, y * w), rtol=1e-15)
    np.testing.assert_allclose(rsce_vjp(np.ones(1), s, y, weights=w),
                               rsce_vjp(np.ones(1), s, y * w), rtol=1e-15)


def test_all_zero_labels_give_zero_and_count_in_the_mean():
    s = np.array([[1.0, 2.0, 3.0], [0.0, 5.0, -2.0]])
    y = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    v = rsce(s, y)
    assert v[0] == 0.0
    assert rsce(s, y, reduction="mean") == pytest.approx(v[1] / 2, rel=1e-15)
    np.testing.assert_array_equal(rsce_vjp(np.ones(2), s, y)[0], 0.0)


def test_masked_items_leave_softmax_and_sum_whatever_they_hold():
    s = np.array([[2.0, np.nan, 0.0, np.inf]])
    y = np.array([[1.0, np.nan, 2.0, 5.0]])
    w = np.array([[1.0, np.nan, 1.0, np.inf]])
    where = np.array([[True, False, True, False]])
    v = rsce(s, y, where=where, weights=w)
    assert v[0] == pytest.approx(_by_hand([2.0, 0.0], [1.0, 2.0]), rel=1e-15)
    g = rsce_vjp(np.ones(1), s, y, where=where, weights=w)
    assert g[0, 1] == 0.0 and g[0, 3] == 0.0 and np.all(np.isfinite(g))


def test_fully_masked_lists_are_zero_and_left_out_of_the_mean():
    s = np.array([[1.0, 2.0], [np.nan, 3.0], [0.5, -0.5]])
    y = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    where = np.array([[True, True], [False, False], [True, True]])
    v = rsce(s, y, where=where)
    assert v[1] == 0.0
    assert rsce(s, y, where=where, reduction="mean") == pytest.approx((v[0] + v[2]) / 2,
                                                                      rel=1e-15)
    assert rsce(s, y, where=where, reduction="sum") == pytest.approx(v[0] + v[2], rel=1e-15)
    g = rsce_vjp(np.array(1.0), s, y, where=where, reduction="mean")
    np.testing.assert_array_equal(g[1], 0.0)
    # every list masked: a mean over no list, NaN unless declared (optax: 0)
    none = np.zeros_like(where)
    assert np.isnan(rsce(s, y, where=none, reduction="mean"))
    assert rsce(s, y, where=none, reduction="mean", mean_of_empty=0.0) == 0.0
    np.testing.assert_array_equal(
        rsce_vjp(np.array(1.0), s, y, where=none, reduction="mean", mean_of_empty=0.0), 0.0)
    # an all-True mask is no mask
    full = np.ones_like(where)
    np.testing.assert_allclose(rsce(s[[0, 2]], y[[0, 2]], where=full[[0, 2]]),
                               rsce(s[[0, 2]], y[[0, 2]]), rtol=0)


def test_single_item_lists_have_zero_loss_and_gradient():
    s, y = np.array([[0.7], [-300.0]]), np.array([[2.0], [1.0]])
    np.testing.assert_array_equal(rsce(s, y), 0.0)
    np.testing.assert_array_equal(rsce_vjp(np.ones(2), s, y), 0.0)


def test_large_and_dominant_scores_keep_their_digits():
    # a log-partition of ~2e-13: log(1 + tiny) would keep ~3 digits of it
    s, y = np.array([30.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0])
    exact = np.log1p(np.exp(-30.0) + np.exp(-29.0))
    assert rsce(s, y) == pytest.approx(exact, rel=1e-15)
    g = rsce_vjp(np.ones(()), s, y)
    assert g[0] == pytest.approx(-exact, rel=1e-12)  # p_0 - 1 = -(e^-30 + e^-29) / Z
    v = rsce([1e4, -1e4, 0.0], [0.0, 1.0, 1.0])
    assert v == pytest.approx(2e4 + 1e4, rel=1e-15)


def test_special_values():
    # NaN or +inf in a valid score, or a NaN label: the list is NaN
    assert np.isnan(rsce([np.nan, 1.0], [0.0, 1.0]))
    assert np.isnan(rsce([np.inf, 1.0], [0.0, 1.0]))
    assert np.isnan(rsce([0.0, 1.0], [np.nan, 1.0]))
    assert np.all(np.isnan(rsce_vjp(np.ones(()), [np.nan, 1.0], [0.0, 1.0])))
    # a -inf score with label 0: 0 · log 0 = 0; with a positive label: +inf
    assert rsce([-np.inf, 1.0, 0.0], [0.0, 1.0, 0.0]) == pytest.approx(np.log1p(np.exp(-1)))
    assert rsce([-np.inf, 1.0], [1.0, 1.0]) == np.inf
    # empty batch, empty lists
    assert rsce(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0,)
    assert np.isnan(rsce(np.zeros((0, 3)), np.zeros((0, 3)), reduction="mean"))
    np.testing.assert_array_equal(rsce(np.zeros((2, 0)), np.zeros((2, 0))), [0.0, 0.0])
    assert rsce_vjp(np.ones(2), np.zeros((2, 0)), np.zeros((2, 0))).shape == (2, 0)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("masked", [False, True])
def test_vjp_matches_central_differences(reduction, masked):
    rng = np.random.default_rng(7)
    s, y = rng.normal(0, 2, (4, 5)), rng.integers(0, 4, (4, 5)).astype(float)
    kw = {"weights": rng.uniform(0, 2, (4, 5)), "reduction": reduction}
    if masked:
        where = rng.uniform(size=(4, 5)) < 0.6
        where[1] = False
        kw["where"] = where
    out = rsce(s, y, **kw)
    g = rng.normal(0, 1, out.shape)
    grad = rsce_vjp(g, s, y, **kw)
    for _ in range(3):
        v = rng.normal(0, 1, s.shape)
        h = 1e-6
        fd = (np.sum(g * rsce(s + h * v, y, **kw)) - np.sum(g * rsce(s - h * v, y, **kw))) / (2 * h)
        assert np.sum(grad * v) == pytest.approx(fd, rel=1e-7, abs=1e-9)
    if masked:
        assert np.all(grad[~kw["where"]] == 0.0)


def test_registered_with_a_vjp():
    assert reference.FUNCTIONS["ranking_softmax_cross_entropy"] is rsce
    assert reference.VJPS["ranking_softmax_cross_entropy"] is rsce_vjp
    assert reference.KINDS["ranking_softmax_cross_entropy"] == "loss"


@pytest.mark.parametrize("call, message", [
    (lambda: rsce(1.0, 1.0), "y_pred must have a list axis"),
    (lambda: rsce([1.0, 2.0], [1.0]), "y_pred and y_true must have the same shape"),
    (lambda: rsce([1.0, 2.0], [1.0, -1.0]), "y_true must be >= 0"),
    (lambda: rsce([1.0, 2.0], [1.0, 0.0], weights=[1.0, -2.0]), "weights must be >= 0"),
    (lambda: rsce([1.0, 2.0], [1.0, 0.0], weights=[1.0, 2.0, 3.0]), "weights of shape (3,)"),
    (lambda: rsce([1.0, 2.0], [1.0, 0.0], where=[1, 2]), "where must be a boolean mask"),
    (lambda: rsce([1.0, 2.0], [1.0, 0.0], where=[[True], [False]]), "where of shape (2, 1)"),
    (lambda: rsce([1.0, 2.0], [1.0, 0.0], reduction="batchmean"), "reduction must be one of"),
    (lambda: rsce([1.0, 2.0], [1.0, 0.0], mean_of_empty=np.inf), "mean_of_empty must be finite"),
    (lambda: rsce(["a", "b"], [1.0, 0.0]), "y_pred must be an array of real numbers"),
    (lambda: rsce_vjp(np.ones(3), [[1.0, 2.0]], [[1.0, 0.0]]), "g must have the shape"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, TypeError), match=None) as info:
        call()
    assert message in str(info.value), str(info.value)


def test_no_warnings_on_special_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = np.array([[np.nan, np.inf, -np.inf, 0.0], [-np.inf] * 4, [1.0, 2.0, 3.0, 4.0]])
        y = np.array([[1.0, np.inf, 0.0, 2.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
        w = np.array([[np.inf, 0.0, 1.0, 1.0]] * 3)
        for where in (None, np.array([[True, False, True, True]] * 3)):
            for red in ("none", "sum", "mean"):
                out = rsce(s, y, where=where, weights=w, reduction=red)
                rsce_vjp(np.ones(np.shape(out)), s, y, where=where, weights=w, reduction=red)
