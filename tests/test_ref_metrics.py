"""reference/metrics.py: exact counts, tie policies (tf in_top_k / Keras "include", sklearn
"last", stable "first"), thresholds, NaN propagation, reductions, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

import reference as R


def test_binary_accuracy_strict_threshold() -> None:
    p = np.array([0.4, 0.5, 0.7, 0.5])
    t = np.array([0.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(R.binary_accuracy(p, t), [1, 0, 1, 1])  # 0.5 > 0.5 False
    np.testing.assert_array_equal(R.binary_accuracy(p, t, strict=False), [1, 1, 1, 0])
    np.testing.assert_array_equal(R.binary_accuracy([-0.1, 0.2], [0, 1], threshold=0.0), [1, 1])
    assert R.binary_accuracy(p, t, reduction="mean") == 0.75


def test_binary_accuracy_mean_axis_and_weights() -> None:
    p = np.array([[0.9, 0.1], [0.2, 0.8]])
    t = np.array([[1.0, 1.0], [0.0, 1.0]])
    np.testing.assert_array_equal(R.binary_accuracy(p, t, mean_axis=-1), [0.5, 1.0])
    assert R.binary_accuracy(p, t, mean_axis=-1, reduction="weighted_mean",
                             sample_weight=[3.0, 1.0]) == 0.625


def test_categorical_accuracy_ties() -> None:
    p = np.array([[0.4, 0.4, 0.2], [0.1, 0.3, 0.6]])
    t = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(R.categorical_accuracy(p, t), [0, 1])
    np.testing.assert_array_equal(R.categorical_accuracy(p, t, ties="last"), [1, 1])
    np.testing.assert_array_equal(R.categorical_accuracy(p.T, t.T, axis=0), [0, 1])


def test_sparse_categorical_accuracy_spatial() -> None:
    p = np.zeros((2, 3, 4))  # (N, C, d) with axis=1, torch layout
    p[0, 2, :] = 1.0
    p[1, 0, :2] = 1.0
    y = np.array([[2, 2, 0, 2], [0, 0, 1, 1]])
    got = R.sparse_categorical_accuracy(p, y, axis=1)
    np.testing.assert_array_equal(got, [[1, 1, 0, 1], [1, 1, 0, 0]])


def test_top_k_tie_policies() -> None:
    p = np.array([[0.3, 0.3, 0.3, 0.1]] * 3)
    y = np.array([0, 1, 2])
    np.testing.assert_array_equal(R.top_k_accuracy(p, y, k=1), [1, 1, 1])  # include
    np.testing.assert_array_equal(R.top_k_accuracy(p, y, k=1, ties="first"), [1, 0, 0])
    np.testing.assert_array_equal(R.top_k_accuracy(p, y, k=1, ties="last"), [0, 0, 1])
    np.testing.assert_array_equal(R.top_k_accuracy(p, y, k=2, ties="first"), [1, 1, 0])
    np.testing.assert_array_equal(R.top_k_accuracy(p, np.array([3, 3, 3]), k=4), [1, 1, 1])
    np.testing.assert_array_equal(R.top_k_accuracy(p, np.array([3, 3, 3]), k=9), [1, 1, 1])


def test_top_k_matches_sklearn_and_tf_on_tied_scores() -> None:
    """Property: ties="last" is sklearn's rule, ties="include" tf.math.in_top_k's, and the
    three policies coincide when there are no ties."""
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 3, (300, 5)).astype(float)
    labels = rng.integers(0, 5, 300)
    for k in (1, 2, 3):
        inc = R.top_k_accuracy(scores, labels, k=k)
        first = R.top_k_accuracy(scores, labels, k=k, ties="first")
        last = R.top_k_accuracy(scores, labels, k=k, ties="last")
        assert np.all(inc >= first) and np.all(inc >= last)
        # the "include" count: fewer than k scores strictly greater than the label's
        greater = (scores > scores[np.arange(300), labels][:, None]).sum(1)
        np.testing.assert_array_equal(inc, (greater < k).astype(float))
        # "last": sklearn's reversed stable argsort
        order = np.argsort(scores, axis=1, kind="mergesort")[:, ::-1]
        np.testing.assert_array_equal(last, (order[:, :k] == labels[:, None]).any(1))
        order = np.argsort(-scores, axis=1, kind="stable")
        np.testing.assert_array_equal(first, (order[:, :k] == labels[:, None]).any(1))
    distinct = rng.permutation(np.arange(50.0)).reshape(10, 5)
    y = rng.integers(0, 5, 10)
    assert np.array_equal(R.top_k_accuracy(distinct, y, k=2),
                          R.top_k_accuracy(distinct, y, k=2, ties="last"))


def test_top_k_categorical_accuracy_one_hot() -> None:
    p = np.array([[0.1, 0.5, 0.4], [0.6, 0.3, 0.1]])
    t = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(R.top_k_categorical_accuracy(p, t, k=2), [1, 0])
    assert R.top_k_categorical_accuracy(p, t, k=1, reduction="sum") == 0.0


def test_exact_match_accuracy() -> None:
    p = np.array([[0.9, 0.2, 0.7], [0.9, 0.6, 0.7], [0.5, 0.1, 0.9]])
    t = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(R.exact_match_accuracy(p, t), [1, 0, 0])
    np.testing.assert_array_equal(R.exact_match_accuracy(p, t, strict=False), [1, 0, 1])


def test_label_accuracy_as_sklearn() -> None:
    assert R.label_accuracy([0, 2, 1, 3], [0, 1, 2, 3]) == 0.5
    assert R.label_accuracy([0, 2, 1, 3], [0, 1, 2, 3], normalize=False) == 2.0
    assert R.label_accuracy([1, 1], [1, 0], sample_weight=[3.0, 1.0]) == 0.75
    assert R.label_accuracy(np.array([[0, 1], [1, 1]]), np.ones((2, 2), int)) == 0.5
    assert R.label_accuracy([1.0, 2.0], [1, 2]) == 1.0



def test_zero_one_loss_counts_the_mismatches() -> None:
    assert R.zero_one_loss([0, 2, 1, 3], [0, 1, 2, 3]) == 0.5
    assert R.zero_one_loss([0, 2, 1], [0, 1, 2], normalize=False) == 2.0
    assert R.zero_one_loss([1, 1], [1, 0], sample_weight=[3.0, 1.0]) == 0.25
    assert R.zero_one_loss(np.array([[0, 1], [1, 1]]), np.ones((2, 2), int)) == 0.5
    # exactly the complement, where 1 - accuracy would round: 1 - 1/3 != 2/3 in float64
    assert R.zero_one_loss([0, 1, 1], [0, 0, 0]) == 2 / 3


def test_nan_scores_propagate() -> None:
    p = np.array([[np.nan, 0.2], [0.9, 0.1]])
    t = np.array([[1.0, 0.0], [1.0, 0.0]])
    out = R.categorical_accuracy(p, t)
    assert np.isnan(out[0]) and out[1] == 1.0
    assert np.isnan(R.sparse_categorical_accuracy(p, [0, 0])[0])
    assert np.isnan(R.top_k_accuracy(p, [0, 0], k=1)[0])
    assert np.isnan(R.binary_accuracy([np.nan], [1.0])[0])
    assert np.isnan(R.categorical_accuracy(p, t, reduction="mean"))


def test_inf_scores_are_ordered() -> None:
    p = np.array([[np.inf, 1.0, -np.inf]])
    np.testing.assert_array_equal(R.top_k_accuracy(p, [2], k=2), [0])
    np.testing.assert_array_equal(R.sparse_categorical_accuracy(p, [0]), [1])


@pytest.mark.parametrize(
    ("call", "exc", "param"),
    [
        (lambda: R.top_k_accuracy([[0.1, 0.9]], [1], k=0), ValueError, "k"),
        (lambda: R.top_k_accuracy([[0.1, 0.9]], [1], k=1.5), TypeError, "k"),
        (lambda: R.top_k_accuracy([[0.1, 0.9]], [1], ties="random"), ValueError, "ties"),
        (lambda: R.categorical_accuracy([[0.1, 0.9]], [[0, 1]], ties="any"), ValueError,
         "ties"),
        (lambda: R.sparse_categorical_accuracy([[0.1, 0.9]], [1.5]), ValueError, "y_true"),
        (lambda: R.sparse_categorical_accuracy([[0.1, 0.9]], [2]), ValueError, "y_true"),
        (lambda: R.sparse_categorical_accuracy([[0.1, 0.9]], [[1]]), ValueError, "y_true"),
        (lambda: R.categorical_accuracy([[0.1, 0.9]], [[0, 1, 0]]), ValueError, "same shape"),
        (lambda: R.binary_accuracy([0.1, 0.9], [0.0, 0.5]), ValueError, "y_true"),
        (lambda: R.binary_accuracy([0.1], [1.0], threshold=np.inf), ValueError, "threshold"),
        (lambda: R.binary_accuracy([0.1], [1.0], strict="yes"), TypeError, "strict"),
        (lambda: R.label_accuracy([1.5], [1]), ValueError, "y_pred"),
        (lambda: R.label_accuracy(["a"], ["a"]), TypeError, "y_pred"),
        (lambda: R.label_accuracy([1], [1], normalize="yes"), TypeError, "normalize"),
        (lambda: R.zero_one_loss([1], [1], normalize=1), TypeError, "normalize"),
        (lambda: R.categorical_accuracy([[0.1, 0.9]], [[0, 1]], axis=2), ValueError, "axis"),
        (lambda: R.binary_accuracy([0.1], [1.0], reduction="median"), ValueError, "reduction"),
        (lambda: R.exact_match_accuracy(np.float64(0.3), np.float64(1.0)), ValueError,
         "y_pred"),
    ],
)
def test_bad_inputs_name_the_parameter(call, exc, param: str) -> None:
    with pytest.raises(exc, match=param):
        call()
