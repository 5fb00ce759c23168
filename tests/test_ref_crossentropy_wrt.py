"""The logits cross-entropies' reference VJPs w.r.t. soft targets (``wrt="y_true"``, the
categorical_logits family's ``-grad_y_true`` cases) and the labels' stop-gradient
convention (TF v1's losses.softmax_cross_entropy)."""

from __future__ import annotations

import numpy as np
import pytest

import reference as R

X = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
T = np.array([[0.7, 0.2, 0.1], [0.0, 0.5, 0.5]])


def test_softmax_ce_target_gradient_is_minus_log_softmax_scaled():
    g = np.array([1.0, 2.0])
    got = R.VJPS["softmax_cross_entropy"](g, X, T, wrt="y_true", label_smoothing=0.1,
                                          class_weight=[0.5, 1.0, 2.0])
    want = g[:, None] * 0.9 * np.array([0.5, 1.0, 2.0]) * -R.log_softmax(X)
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_labels_stop_gradient_convention_gives_zero():
    """TF v1's losses.softmax_cross_entropy: stop_gradient(onehot_labels)."""
    got = R.VJPS["softmax_cross_entropy"](np.ones(2), X, T, wrt="y_true", label_gradient=False)
    assert got.shape == T.shape and not got.any()
    # the logits' gradient does not depend on the convention
    np.testing.assert_array_equal(
        R.VJPS["softmax_cross_entropy"](np.ones(2), X, T, label_gradient=False),
        R.VJPS["softmax_cross_entropy"](np.ones(2), X, T))


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "poly1_cross_entropy",
                                  "categorical_hinge"])
def test_wrt_names_the_bad_value(name):
    with pytest.raises(ValueError, match="wrt"):
        R.VJPS[name](np.ones(2), X, T, wrt="labels")


@pytest.mark.parametrize("name", ["softmax_cross_entropy", "poly1_cross_entropy",
                                  "categorical_hinge"])
def test_vjp_wrt_y_true_matches_central_difference(name):
    rng = np.random.default_rng(7)
    x = rng.normal(0, 2, (4, 5))
    t = rng.dirichlet(np.ones(5), 4)
    g = rng.uniform(-1, 1, 4)
    v = rng.uniform(-1, 1, t.shape)
    grad = R.VJPS[name](g, x, t, wrt="y_true")
    h = 1e-6

    def at(s: float) -> float:
        return float(np.sum(g * R.FUNCTIONS[name](x, t + s * v)))

    fd = (at(h) - at(-h)) / (2 * h)
    assert abs(np.sum(grad * v) - fd) <= 1e-6 * (np.sum(np.abs(grad * v)) + 1.0)
