"""Golden values from the five lesson notebooks in /work/shared/seeds, through the reference.

Every worked number the lessons got right is reproduced here (seed file named in each
test); every mistake they make is written out inline as the lesson wrote it and shown to
differ from the reference's answer. Float32 numbers printed by Keras/TF/torch are checked
at float32's tolerance (rtol 1.3e-6, DESIGN.md); NumPy float64 numbers to the last digit.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import reference as R
from tests._ulp import ulp_error

F32 = {"rel": 1.3e-6}
F64 = {"rel": 4.5e-16, "abs": 0.0}

# ------------------------------------------------ seed 000 (classification losses, nb 1)
Y_T = np.array([1.0, 0, 0, 0, 0])
Y_P = np.array([0.4, 0.3, 0.05, 0.05, 0.2])


def test_seed000_numpy_bce() -> None:
    assert float(R.binary_cross_entropy(0.9, 1.0, reduction="mean")) == pytest.approx(
        0.10536051565782628, **F64)


def test_seed000_keras2_bce_float32() -> None:
    # K.binary_crossentropy (Keras 2 backend): clip to [1e-7, 1-1e-7] AND log(p + 1e-7).
    got = R.binary_cross_entropy(np.float32([0.9]), np.array([1.0]), clip_eps=1e-7,
                                 log_eps=1e-7, mean_axis=-1)
    assert float(got) == pytest.approx(0.10536041, **F32)


def test_seed000_entropy_in_bits() -> None:
    assert R.entropy([0.5, 0.5], base=2) == 1.0
    h = R.entropy([0.9, 0.1], base=2)
    exact = -(mp.mpf(0.9) * mp.log(mp.mpf(0.9)) + mp.mpf(0.1) * mp.log(mp.mpf(0.1))) / mp.log(2)
    assert float(exact) == 0.4689955935892812  # the lesson's number is correctly rounded
    assert ulp_error(h, exact) <= 1.0  # the reference: within 1 ULP (0.46899559358928117)


def test_seed000_cross_entropy_numpy_scipy_keras() -> None:
    want = 0.916290731874155  # -log(0.4)
    assert float(R.categorical_cross_entropy(Y_P, Y_T, clip_eps=1e-6)) == pytest.approx(
        want, **F64)
    assert float(R.cross_entropy(Y_T, Y_P)) == pytest.approx(0.9162907318741551, **F64)
    # scipy.stats.entropy(y_t, y_p) is KL(y_t || y_p): equal here only because H(y_t) = 0.
    assert float(R.kl_divergence(Y_P, Y_T, normalize=True)) == pytest.approx(
        0.9162907318741551, **F64)
    # K.categorical_crossentropy (float32): renormalise, clip 1e-7.
    got = R.categorical_cross_entropy(Y_P.astype(np.float32), Y_T, clip_eps=1e-7,
                                      renormalize=True)
    assert float(got) == pytest.approx(0.9162909, **F32)


def test_seed000_swapped_arguments_asymmetry() -> None:
    # cross_entropy(y_p, y_t) with the lesson's clip at eps = 1e-6: -0.6 log(1e-6) - ...
    got = R.categorical_cross_entropy(Y_T, Y_P, clip_eps=1e-6)
    assert float(got) == pytest.approx(8.289306734778764, rel=1e-15)
    # without the clip the exact value is infinite (log 0 under positive mass)
    assert R.cross_entropy(Y_P, Y_T) == np.inf
    assert float(R.cross_entropy(Y_T, Y_P)) != float(got)


def test_seed000_kl_bits_example() -> None:
    p, q = np.array([0.10, 0.40, 0.50]), np.array([0.80, 0.15, 0.05])
    h, kl, ce = (R.entropy(p, base=2), R.kl_divergence(q, p, base=2),
                 R.cross_entropy(p, q, base=2))
    assert f"{h:.3f}" == "1.361" and f"{kl:.3f}" == "1.927" and f"{ce:.3f}" == "3.288"
    assert float(ce) == pytest.approx(float(h + kl), rel=1e-15)  # H(P,Q) = H(P) + KL(P||Q)
    assert float(R.cross_entropy(q, p, base=2)) != pytest.approx(float(ce))  # H(P,Q) != H(Q,P)


def test_seed000_mistake_entropy_nan_at_zero() -> None:
    p = [1, 0]
    with np.errstate(all="ignore"):  # the lesson's code, verbatim
        mistaken = np.array([-p[i] * np.log2(p[i]) for i in range(len(p))]).sum()
    assert np.isnan(mistaken)
    assert R.entropy(p, base=2) == 0.0  # 0 log 0 = 0


def test_seed000_mistake_eps_clipped_entropy_is_not_zero() -> None:
    eps, p = 1e-6, [1, 0]
    mistaken = np.array([-p[i] * np.log2(np.clip(p[i], eps, 1 - eps))
                         for i in range(len(p))]).sum()
    assert mistaken == pytest.approx(1.4426957622784505e-06, rel=1e-15)
    assert R.entropy(p, base=2) == 0.0 and mistaken != 0.0


def test_seed000_mistake_scipy_entropy_pq_is_kl_not_cross_entropy() -> None:
    stats = pytest.importorskip("scipy.stats")
    p, q = np.array([0.10, 0.40, 0.50]), np.array([0.80, 0.15, 0.05])
    mistaken = stats.entropy(p, q)  # "cross_entropy_via_scipy"
    assert float(R.kl_divergence(q, p)) == pytest.approx(mistaken, rel=1e-15)
    assert float(R.cross_entropy(p, q)) - mistaken == pytest.approx(float(R.entropy(p)),
                                                                    rel=1e-14)
    assert float(R.cross_entropy(p, q)) != pytest.approx(mistaken)


# ------------------------------------------------------ seed 001 (accuracy, activations)


def test_seed001_binary_accuracy() -> None:
    got = R.binary_accuracy([0.4, 0.7, 0.3], [0.0, 1.0, 1.0], reduction="mean")
    assert float(got) == pytest.approx(0.6666667, **F32)


def test_seed001_softmax_binary_and_categorical_accuracy() -> None:
    yt = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    yp = np.array([[0.4, 0.6], [0.3, 0.7], [0.05, 0.95], [0.33, 0.67]])
    assert float(R.binary_accuracy(yp, yt, reduction="mean")) == 0.5  # not printed; exact
    assert float(R.categorical_accuracy(yp, yt, reduction="mean")) == 0.5
    yt = np.array([[0.0, 1, 0, 0], [1.0, 0, 0, 0], [0.0, 0, 1, 0]])
    yp = np.array([[0.4, 0.6, 0.0, 0.0], [0.3, 0.2, 0.1, 0.4], [0.05, 0.35, 0.5, 0.1]])
    assert float(R.categorical_accuracy(yp, yt, reduction="mean")) == pytest.approx(
        0.6666667, **F32)


def test_seed001_mistake_sigmoid_operator_precedence() -> None:
    x = np.arange(-10, 10, 0.2)
    mistaken = 1 / 1 + np.exp(-x)  # the lesson's `(1/ 1+np.exp(-x))`
    assert mistaken[0] == pytest.approx(2.20274658e04, rel=1e-8)  # what the lesson printed
    assert mistaken[50] == pytest.approx(2.0, rel=1e-12)
    s = R.sigmoid(x)
    assert np.all((s > 0) & (s < 1)) and np.all(mistaken > 1)
    assert float(R.sigmoid(0.0)) == 0.5


def test_seed001_softmax_rows() -> None:
    x2 = np.array([[1, 2, 3, 6], [2, 4, 5, 6], [1, 2, 3, 6]], dtype=float)
    want = np.array([[0.00626879, 0.01704033, 0.04632042, 0.93037047],
                     [0.01203764, 0.08894682, 0.24178252, 0.65723302],
                     [0.00626879, 0.01704033, 0.04632042, 0.93037047]])
    np.testing.assert_allclose(R.softmax(x2, axis=1), want, rtol=0, atol=5e-9)


def test_seed001_mistake_softmax_gradient_is_not_the_jacobian_diagonal() -> None:
    x = np.array([[1.0, 2.0, 3.0, 6.0]])
    p = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
    mistaken = p * (1 - p)  # the lesson's Softmax.gradient
    ones = R.VJPS["softmax"](np.ones_like(x), x, axis=1)
    np.testing.assert_allclose(ones, 0.0, atol=1e-16)  # softmax sums to 1: gradient of sum is 0
    assert np.all(mistaken > 1e-3)
    g = np.array([[1.0, -2.0, 0.5, 3.0]])
    vjp = R.VJPS["softmax"](g, x, axis=1)
    jac = np.diag(p[0]) - np.outer(p[0], p[0])  # full Jacobian
    np.testing.assert_allclose(vjp[0], g[0] @ jac, rtol=1e-14, atol=1e-16)
    assert not np.allclose(vjp, g * mistaken)


def test_seed001_relu_and_leaky_relu_conventions() -> None:
    z = np.array([-0.5, 0.0, 0.3])
    np.testing.assert_array_equal(R.relu(z), np.where(z >= 0, z, 0))
    np.testing.assert_array_equal(R.leaky_relu(z), np.where(z >= 0, z, 0.01 * z))
    # the lesson's gradient np.where(x >= 0, 1, 0) takes relu'(0) = 1: a declared convention
    np.testing.assert_array_equal(R.VJPS["relu"](np.ones(3), z, grad_at_zero=1.0),
                                  np.where(z >= 0, 1.0, 0.0))


def test_seed001_tanh_formula() -> None:
    z = np.linspace(-1, 1, 9)
    np.testing.assert_allclose(R.tanh(z), 2 / (1 + np.exp(-2 * z)) - 1, rtol=0, atol=4e-16)


# --------------------------------------------------------------- seed 002 (torch lesson 4)


def test_seed002_sum_log_unnormalised() -> None:
    p = np.array([5.0, 1, 4, 6, 2, 4])
    for q, want in ((p, -31.27439562761785), (np.array([3.0, 7, 1, 4, 1, 6]),
                                              -22.923775636027425),
                    (np.array([2.0, 5, 7, 2, 1, 5]), -23.455449144551153)):
        assert float(R.cross_entropy(p, q)) == pytest.approx(want, rel=1e-15)


def test_seed002_one_hot_cross_entropy_values() -> None:
    # The printed q were drawn at random; -log of the printed probability is the loss.
    q = np.array([0.05832266, 0.00710061, 0.09202471, 0.17511918, 0.06094468,
                  0.19554355, 0.04165075, 0.05929879, 0.2142208, 0.09577427])
    p = np.zeros(10)
    p[4] = 1
    assert float(R.cross_entropy(p, q)) == pytest.approx(2.79778871, rel=1e-7)
    q4 = np.array([[0.01580981, 0.14170686, 0.00465834, 0.13535099, 0.1361967, 0.12893708,
                    0.10660179, 0.1026213, 0.10377294, 0.12434419],
                   [0.13202032, 0.06455847, 0.13208139, 0.16878477, 0.16132915, 0.00127524,
                    0.18918898, 0.04025855, 0.08213276, 0.02837036],
                   [0.07193565, 0.16561049, 0.07452134, 0.08693843, 0.014086, 0.12766727,
                    0.13311377, 0.05452521, 0.16718668, 0.10441517],
                   [0.12610882, 0.04518115, 0.01601851, 0.14483608, 0.18883643, 0.12819185,
                    0.06250566, 0.03809882, 0.11044634, 0.13977633]])
    got = R.sparse_categorical_cross_entropy(q4, np.array([4, 2, 8, 6]), reduction="sum")
    assert float(got) == pytest.approx(8.579134447144245, rel=1e-7)


def test_seed002_torch_cross_entropy_sum_with_probability_targets() -> None:
    yhat = np.array([
        [4.57614589e-01, 5.59978652e+00, 1.80661801e+01, 1.32723878e+01, 1.17101353e+01,
         1.93854974e+00, 1.40678832e+01, 1.52104690e+01, 5.99066838e+00, 1.82897163e+01],
        [1.22847764e+00, 8.14917532e-01, 4.99672157e-01, 6.51800729e-01, 7.53291377e+00,
         1.90712688e+01, 1.29011070e-02, 5.56937232e+00, 2.20279184e+00, 2.35152472e+00],
        [2.43325579e-01, 1.23062427e+01, 9.09630917e-01, 9.45112296e+00, 1.95408592e+01,
         1.65091263e+01, 1.01041873e+01, 1.94139224e+00, 9.84814328e+00, 1.94443891e-01],
        [1.92347521e+01, 4.19035110e+00, 2.31099677e-01, 8.41312546e+00, 7.11109410e+00,
         1.31115778e+00, 1.83897563e+00, 2.09734709e+00, 5.78187038e+00, 1.11305076e+00]])
    p = np.zeros((4, 10))
    p[0, 4] = p[1, 2] = p[2, 8] = p[3, 6] = 1
    got = R.softmax_cross_entropy(yhat, p, reduction="sum")  # CrossEntropyLoss('sum')
    assert float(got) == pytest.approx(52.91274203723633, rel=1e-7)  # yhat printed to 9 digits
    assert float(got) == pytest.approx(52.9127, abs=5e-5)  # torch's print


# --------------------------------------------------------- seed 003 (softmax and torch CE)


def test_seed003_softmax() -> None:
    np.testing.assert_allclose(R.softmax(np.array([2.0, 1.0, 0.1])),
                               [0.65900114, 0.24243297, 0.09856589], rtol=0, atol=5e-9)


def test_seed003_numpy_cross_entropy() -> None:
    y = np.array([1.0, 0, 0])
    assert f"{float(R.categorical_cross_entropy(np.array([0.7, 0.2, 0.1]), y)):.4f}" == "0.3567"
    assert f"{float(R.categorical_cross_entropy(np.array([0.1, 0.3, 0.6]), y)):.4f}" == "2.3026"


def test_seed003_torch_cross_entropy() -> None:
    ce = R.sparse_softmax_cross_entropy
    assert f"{float(ce(np.array([[2.0, 1.0, 0.1]]), [0], reduction='mean')):.4f}" == "0.4170"
    assert f"{float(ce(np.array([[0.5, 2.0, 0.3]]), [0], reduction='mean')):.4f}" == "1.8406"
    good = np.array([[0.1, 1.0, 2.1], [2.0, 1.0, 0.1], [0.1, 3.0, 0.1]])
    bad = np.array([[2.1, 1.0, 0.1], [0.1, 1.0, 2.1], [0.1, 3.0, 0.1]])
    y = np.array([2, 0, 1])
    assert f"{float(ce(good, y, reduction='mean')):.4f}" == "0.3018"
    assert f"{float(ce(bad, y, reduction='mean')):.4f}" == "1.6242"
    # torch.max(..., 1) predictions [2, 0, 1] and [0, 2, 1]
    assert float(R.sparse_categorical_accuracy(good, y, reduction="mean")) == 1.0
    assert float(R.sparse_categorical_accuracy(bad, y, reduction="mean")) == pytest.approx(1 / 3)


# ---------------------------------------------------------- seed 004 (nnfs loss functions)


def test_seed004_single_and_batch_cross_entropy() -> None:
    assert float(R.categorical_cross_entropy(np.array([0.7, 0.1, 0.2]),
                                             np.array([1.0, 0, 0]))) == pytest.approx(
        0.35667494393873245, **F64)
    np.testing.assert_array_equal(R.xlogy(1.0, np.array([1.0, 0.95, 0.2, 0.1])),
                                  [0.0, math.log(0.95), math.log(0.2), math.log(0.1)])
    assert math.log(0.95) == -0.05129329438755058
    so = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
    y = np.array([0, 1, 1])
    for kw in ({}, {"clip_eps": 1e-7}):  # Loss_CategoricalCrossEntropy clips at 1e-7
        got = R.sparse_categorical_cross_entropy(so, y, reduction="mean", **kw)
        assert float(got) == pytest.approx(0.38506088005216804, rel=1e-15)
        onehot = np.eye(3)[y]
        got = R.categorical_cross_entropy(so, onehot, reduction="mean", **kw)
        assert float(got) == pytest.approx(0.38506088005216804, rel=1e-15)
    assert float(R.sparse_categorical_accuracy(so, y, reduction="mean")) == 1.0


def test_seed004_mistake_one_hot_check_never_fires() -> None:
    so = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
    targets = np.eye(3)[[0, 2, 1]]  # one-hot; argmax predictions are [0, 1, 1]: 2 of 3 right
    predictions = np.argmax(so, axis=1)
    if np.array(targets).shape == 2:  # the lesson's check: a tuple is never == 2
        targets = np.argmax(targets, axis=1)
    mistaken = np.mean(predictions == targets)  # broadcasts (3,) against (3, 3)
    right = float(R.categorical_accuracy(so, np.eye(3)[[0, 2, 1]], reduction="mean"))
    assert right == pytest.approx(2 / 3)
    assert mistaken == pytest.approx(4 / 9)  # element-by-element nonsense
    assert mistaken != pytest.approx(right)
