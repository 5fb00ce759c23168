"""The overlap losses (reference/_overlap.py: dice, tversky) and the generalized
cross-entropy: hand-computed values, the empty-mask and perfect-overlap edges, reductions
and class weights with their VJPs against finite differences, special values, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import reference as R

# Keras' docstring example (keras/src/losses/losses.py:dice): [0.5, 0.75757575], 0.6164384
_KT = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
_KP = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])


def test_dice_values():
    np.testing.assert_allclose(R.dice(_KP, _KT, axis=(1, 2, 3)), [0.5, 1 - 0.8 / 3.3],
                               rtol=1e-15)
    assert R.dice(_KP, _KT) == pytest.approx(1 - 2 * 1.4 / 7.3, rel=1e-15)
    # eps in the denominator only: 1 - 2 I / (P + T + eps)
    assert R.dice(_KP, _KT, eps=0.1) == pytest.approx(1 - 2.8 / 7.4, rel=1e-15)
    # smooth in both: 1 - (2 I + s) / (P + T + s)
    assert R.dice(_KP, _KT, smooth=1.0) == pytest.approx(1 - 3.8 / 8.3, rel=1e-15)


def test_tversky_values_and_its_dice_case():
    p, t = np.array([0.9, 0.2, 0.6, 0.0]), np.array([1.0, 0.0, 1.0, 1.0])
    inter, fp, fn = 1.5, 0.2, 1.5
    assert R.tversky(p, t, alpha=0.3, beta=0.7) == pytest.approx(
        1 - inter / (inter + 0.3 * fp + 0.7 * fn), rel=1e-15)
    # alpha = beta = 1/2 is Dice with smooth and eps doubled
    assert R.tversky(p, t, smooth=1.0, eps=0.2) == pytest.approx(
        R.dice(p, t, smooth=2.0, eps=0.4), rel=1e-15)
    # alpha = beta = 1: the Jaccard (IoU) loss
    assert R.tversky(p, t, alpha=1.0, beta=1.0) == pytest.approx(1 - 1.5 / 3.2, rel=1e-15)


@pytest.mark.parametrize("name", ["dice", "tversky"])
def test_empty_masks_and_perfect_overlap(name):
    f = R.FUNCTIONS[name]
    zeros = np.zeros((2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(f(zeros, zeros))  # 0 / 0 without smooth or eps
        assert f(zeros, zeros, eps=1e-7) == 1.0  # Keras: 1 - 0 / eps
        assert f(zeros, zeros, smooth=1.0) == 0.0  # optax: 1 - s / s
        g = R.VJPS[name](np.ones(()), zeros, zeros, smooth=1.0)
    np.testing.assert_array_equal(g, 0.5 if name == "tversky" else 1.0)  # α s / s^2, s / s^2
    t = np.eye(3)[[0, 2]]
    assert f(t, t) == 0.0  # exactly: no 1 - 1 rounding
    assert f(t, t, eps=1e-7) == pytest.approx(1e-7 / (4 + 1e-7) if name == "dice"
                                              else 1e-7 / (2 + 1e-7), rel=1e-15)


def test_perfect_overlap_keeps_the_tiny_loss():
    # 1 - ratio ~ 1e-13: the naive evaluation loses all but a few bits
    t = np.eye(4)[[0, 1, 2, 3, 0]]
    p = np.where(t > 0, 1 - 2.0 ** -40, 2.0 ** -40 / 3)
    exact = (5 * 2.0 ** -40 * 2) / (2 * 5 * (1 - 2.0 ** -40) + 5 * 2.0 ** -40 * 2)
    assert R.dice(p, t) == pytest.approx(exact, rel=1e-14)


def test_axis_words():
    x = np.random.default_rng(1).uniform(size=(2, 3, 4, 5))
    t = (x > 0.5) * 1.0
    np.testing.assert_array_equal(R.dice(x, t, axis="spatial"), R.dice(x, t, axis=(1, 2)))
    np.testing.assert_array_equal(R.dice(x, t, axis="per_sample"), R.dice(x, t, axis=(1, 2, 3)))
    assert R.dice(x, t, axis=()).shape == x.shape  # optax's default on (N, C): per element


def _fd(f, x, rest, kw):
    fd = np.zeros_like(x)
    h = 1e-6
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        fd[i] = 0.7 * (np.sum(f(x + e, *rest, **kw)) - np.sum(f(x - e, *rest, **kw))) / (2 * h)
    return fd


_KW = [
    {},
    {"axis": "spatial", "smooth": 1.0, "input_space": "softmax_logits",
     "class_weight": [1.0, 0.0, 2.5], "mean_axis": -1, "reduction": "mean"},
    {"axis": "per_sample", "input_space": "sigmoid_logits", "eps": 1e-3,
     "reduction": "weighted_mean", "sample_weight": [2.0, 0.0]},
    {"axis": -1, "reduction": "sum"},
]


@pytest.mark.parametrize("name", ["dice", "tversky"])
@pytest.mark.parametrize("kw", _KW)
@pytest.mark.parametrize("soft", [False, True])
def test_vjp_matches_finite_differences(name, kw, soft):
    rng = np.random.default_rng(7)
    t = np.eye(3)[rng.integers(0, 3, (2, 4))] if not soft else rng.uniform(size=(2, 4, 3))
    logits = kw.get("input_space", "probabilities") != "probabilities"
    x = rng.normal(0, 2, t.shape) if logits else rng.uniform(size=t.shape)
    if name == "tversky":
        kw = {**kw, "alpha": 0.2, "beta": 0.9}
    f = R.FUNCTIONS[name]
    out = f(x, t, **kw)
    grad = R.VJPS[name](np.full(out.shape, 0.7), x, t, **kw)
    np.testing.assert_allclose(grad, _fd(f, x, (t,), kw), rtol=1e-6, atol=1e-9)
    if kw.get("sample_weight") is not None:
        assert np.all(grad[1] == 0)


def test_generalized_cross_entropy_values_and_vjp():
    p = np.array([[0.7, 0.2, 0.1], [0.0, 1.0, 0.0], [0.25, 0.25, 0.5]])
    y = np.array([0, 0, 2])
    np.testing.assert_allclose(R.generalized_cross_entropy(p, y, q=0.5),
                               [(1 - np.sqrt(0.7)) / 0.5, 2.0, (1 - np.sqrt(0.5)) / 0.5],
                               rtol=1e-15)
    g = R.VJPS["generalized_cross_entropy"](np.ones(3), p, y, q=0.5)
    np.testing.assert_allclose(g, [[-0.7 ** -0.5, 0, 0], [-np.inf, 0, 0], [0, 0, -0.5 ** -0.5]],
                               rtol=1e-15)
    # q -> 0 approaches cross-entropy, q = 1 is 1 - p_y
    assert R.generalized_cross_entropy(p[:1], y[:1], q=1e-9)[0] == pytest.approx(-np.log(0.7),
                                                                                  rel=1e-8)
    assert R.generalized_cross_entropy(p[:1], y[:1], q=1.0)[0] == pytest.approx(0.3, rel=1e-15)
    kw = {"q": 0.3, "reduction": "weighted_mean", "sample_weight": [1.0, 0.0, 2.0]}
    p2 = np.array([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4], [0.25, 0.25, 0.5]])
    grad = R.VJPS["generalized_cross_entropy"](np.asarray(0.7), p2, y, **kw)
    np.testing.assert_allclose(grad, _fd(R.generalized_cross_entropy, p2, (y,), kw),
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ["dice", "tversky"])
def test_special_values_no_warnings(name):
    x = np.array([[np.nan, 0.5, 0.2], [np.inf, 0.1, 0.3], [1e308, 0.0, 0.0]])
    t = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = R.FUNCTIONS[name](x, t, axis=-1)
        R.VJPS[name](np.ones(3), x, t, axis=-1)
        R.VJPS[name](np.ones(3), x, t, axis=-1, input_space="softmax_logits")
        R.generalized_cross_entropy(x, [1, 0, 2])
        R.VJPS["generalized_cross_entropy"](np.ones(3), x, [1, 0, 2])
    assert np.isnan(v[0])


@pytest.mark.parametrize("call, message", [
    (lambda: R.dice([1.0], [1.0, 0.0]), "y_pred and y_true must have the same shape"),
    (lambda: R.dice([1.0], [1.0], smooth=-1.0), "smooth must be >= 0.0"),
    (lambda: R.dice([1.0], [1.0], eps=np.nan), "eps must be finite"),
    (lambda: R.dice([1.0], [1.0], axis=3), "axis=3 is out of range"),
    (lambda: R.dice([[1.0]], [[1.0]], axis=(0, -2)), "axis must not repeat an axis"),
    (lambda: R.dice([1.0], [1.0], axis="all"), "axis must be one of ['spatial', 'per_sample']"),
    (lambda: R.dice([1.0], [1.0], axis=1.5), "axis must be None, an int"),
    (lambda: R.dice([1.0], [1.0], input_space="logits"), "input_space must be one of"),
    (lambda: R.dice([[1.0, 0.0]], [[1.0, 0.0]], axis=0, class_weight=[1.0]),
     "class_weight must have shape (2,)"),
    (lambda: R.tversky([1.0], [1.0], alpha=-0.1), "alpha must be >= 0.0"),
    (lambda: R.tversky([1.0], [1.0], beta="x"), "beta must be a real number"),
    (lambda: R.generalized_cross_entropy([[0.5, 0.5]], [0], q=0.0), "q must be > 0.0"),
    (lambda: R.generalized_cross_entropy([[0.5, 0.5]], [2]), "y_true must lie in [0, 2)"),
    (lambda: R.generalized_cross_entropy([[0.5, 0.5]], [[0]]), "y_true (integer labels) must have shape (1,)"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert message in str(info.value)


def test_inverse_square_frequency_class_weights():
    # optax multiclass_generalized_dice_loss: w_c = 1 / (F_c^2 + 1e-7), mean 1
    t = np.eye(3)[[0, 0, 0, 1, 1, 2]].reshape(2, 3, 3)
    z = np.random.default_rng(2).normal(0, 1, t.shape)
    f = np.array([3.0, 2.0, 1.0])
    w = 1 / (f * f + 1e-7)
    w = w / w.sum() * 3
    kw = {"axis": "spatial", "smooth": 1.0, "input_space": "softmax_logits"}
    got = R.tversky(z, t, class_weight="inverse_square_frequency", reduction="mean", **kw)
    assert got == pytest.approx(np.mean(R.tversky(z, t, **kw) * w), rel=1e-14)
    # the weights are constants of y_true: the VJP is the fixed-weight VJP (up to the
    # rounding of w, which the former keeps in extended precision)
    np.testing.assert_allclose(
        R.VJPS["tversky"](np.asarray(1.0), z, t, class_weight="inverse_square_frequency",
                          reduction="mean", **kw),
        R.VJPS["tversky"](np.asarray(1.0), z, t, class_weight=w, reduction="mean", **kw),
        rtol=1e-14, atol=0)
    with pytest.raises(ValueError, match="needs the last"):
        R.tversky(z, t, axis=-1, class_weight="inverse_square_frequency")
    with pytest.raises(ValueError, match="class_weight must be one of"):
        R.tversky(z, t, class_weight="balanced")
