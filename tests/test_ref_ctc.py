"""The CTC reference (reference/_ctc.py): against a brute-force sum over every alignment,
the infeasible and empty cases, torch's per-label mean and zero_infinity, frames past the
input length, the VJP against finite differences, and bad input."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import reference as R


def _collapse(path, blank):
    out, prev = [], None
    for c in path:
        if c != prev and c != blank:
            out.append(c)
        prev = c
    return out


def _brute(lp, label, blank=0):
    """-log of the sum over every path of T frames that collapses to ``label``."""
    t, c = lp.shape
    total = 0.0
    for path in itertools.product(range(c), repeat=t):
        if _collapse(path, blank) == list(label):
            total += np.exp(sum(lp[i, k] for i, k in enumerate(path)))
    return -np.log(total) if total > 0 else np.inf


def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


@pytest.mark.parametrize("label", [[], [1], [1, 1], [1, 2], [2, 1, 2], [1, 1, 1]])
@pytest.mark.parametrize("blank", [0, 2])
def test_matches_the_sum_over_every_alignment(label, blank):
    rng = np.random.default_rng(len(label) + 10 * blank)
    z = rng.normal(0, 1, (1, 5, 3))
    label = [c if c != blank else 0 for c in label]  # no blank inside the label
    if blank == 2:
        label = [1 if c == 2 else c for c in label]
    y = np.array([label + [0] * (3 - len(label))])
    got = R.ctc(z, y, [5], [len(label)], blank=blank)
    want = _brute(_log_softmax(z[0]), label, blank)
    if np.isinf(want):
        assert got[0] == np.inf
    else:
        assert got[0] == pytest.approx(want, rel=1e-13)


def test_empty_label_is_the_all_blank_path():
    z = np.random.default_rng(0).normal(0, 1, (1, 4, 3))
    got = R.ctc(z, np.zeros((1, 2), dtype=int), [4], [0])
    assert got[0] == pytest.approx(-np.sum(_log_softmax(z[0])[:, 0]), rel=1e-14)
    assert R.ctc(z, np.zeros((1, 2), dtype=int), [0], [0])[0] == 0.0  # no frames, no labels


def test_infeasible_is_inf_and_zero_infinity_maps_it_and_its_gradient_to_zero():
    z = np.random.default_rng(1).normal(0, 1, (2, 4, 3))
    y = np.array([[1, 1, 1], [2, 1, 0]])
    v = R.ctc(z, y, [4, 4], [3, 2])
    assert v[0] == np.inf and np.isfinite(v[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = R.VJPS["ctc"](np.ones(2), z, y, [4, 4], [3, 2])
    assert np.all(np.isnan(g[0])) and np.all(np.isfinite(g[1]))
    assert R.ctc(z, y, [4, 4], [3, 2], zero_infinity=True)[0] == 0.0
    g0 = R.VJPS["ctc"](np.ones(2), z, y, [4, 4], [3, 2], zero_infinity=True)
    assert np.all(g0[0] == 0) and np.array_equal(g0[1], g[1])


def test_per_label_divides_by_the_label_length_at_least_one():
    z = np.random.default_rng(2).normal(0, 1, (3, 6, 4))
    y = np.array([[1, 2, 3], [2, 0, 0], [0, 0, 0]])
    lengths = np.array([3, 1, 0])
    plain = R.ctc(z, y, [6, 6, 6], lengths)
    np.testing.assert_array_equal(R.ctc(z, y, [6, 6, 6], lengths, per_label=True),
                                  plain / np.array([3, 1, 1]))
    # torch's reduction="mean": the batch mean of the per-label losses
    assert R.ctc(z, y, [6, 6, 6], lengths, per_label=True, reduction="mean") == pytest.approx(
        np.mean(plain / np.array([3, 1, 1])), rel=1e-15)


def test_frames_past_the_input_length_are_ignored():
    rng = np.random.default_rng(3)
    z = rng.normal(0, 1, (1, 7, 4))
    z2 = z.copy()
    z2[0, 5:] = rng.normal(0, 5, (2, 4))
    y = np.array([[1, 3]])
    assert R.ctc(z, y, [5], [2])[0] == R.ctc(z2, y, [5], [2])[0]
    g = R.VJPS["ctc"](np.ones(1), z, y, [5], [2])
    assert np.all(g[0, 5:] == 0)


def test_log_probabilities_are_not_renormalised():
    lp = _log_softmax(np.random.default_rng(4).normal(0, 1, (1, 5, 3)))
    y = np.array([[1, 2]])
    base = R.ctc(lp, y, [5], [2], input_space="log_probabilities")[0]
    shifted = R.ctc(lp + 0.5, y, [5], [2], input_space="log_probabilities")[0]
    assert shifted == pytest.approx(base - 5 * 0.5, rel=1e-14)
    assert R.ctc(lp, y, [5], [2])[0] == pytest.approx(base, rel=1e-14)  # logits path agrees


@pytest.mark.parametrize("space", ["logits", "log_probabilities"])
@pytest.mark.parametrize("kw", [{"reduction": "sum"}, {"reduction": "mean", "per_label": True},
                                {"reduction": "weighted_mean",
                                 "sample_weight": np.array([1.0, 0.0, 2.0])}])
def test_vjp_matches_finite_differences(space, kw):
    rng = np.random.default_rng(6)
    z = rng.normal(0, 1, (3, 6, 4))
    y = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]])
    il, ll = np.array([6, 5, 6]), np.array([3, 2, 1])
    f = R.FUNCTIONS["ctc"]
    kw = {**kw, "input_space": space}
    grad = R.VJPS["ctc"](np.asarray(0.7), z, y, il, ll, **kw)
    fd = np.zeros_like(z)
    h = 1e-6
    for i in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[i] = h
        fd[i] = 0.7 * (f(z + e, y, il, ll, **kw) - f(z - e, y, il, ll, **kw)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("call, message", [
    (lambda z: R.ctc(z[0], [[1]], [3], [1]), "y_pred must have shape (N, T, C)"),
    (lambda z: R.ctc(z, [[1, 2]], [3], [3]), "label_lengths must lie in [0, 2]"),
    (lambda z: R.ctc(z, [[1, 2]], [4], [2]), "input_lengths must lie in [0, 3]"),
    (lambda z: R.ctc(z, [[0, 2]], [3], [2]), "other than blank=0"),
    (lambda z: R.ctc(z, [[1, 5]], [3], [2]), "class indices in [0, 3)"),
    (lambda z: R.ctc(z, [[1, 2]], [3], [2], blank=3), "blank=3 is not a class index"),
    (lambda z: R.ctc(z, [[1, 2]], [3], [2], blank=1.0), "blank must be an integer"),
    (lambda z: R.ctc(z, [[1, 2]], [3.5], [2]), "input_lengths must hold whole numbers"),
    (lambda z: R.ctc(z, [1, 2], [3], [2]), "y_true must have shape (N, S) = (1, S)"),
    (lambda z: R.ctc(z, [[1, 2]], [3, 3], [2]), "input_lengths must have shape (1,)"),
    (lambda z: R.ctc(z, [[1, 2]], [3], [2], input_space="probabilities"), "input_space must be"),
    (lambda z: R.ctc(z, [[1, 2]], [3], [2], zero_infinity=1), "zero_infinity must be a bool"),
])
def test_bad_input_is_named(call, message):
    z = np.zeros((1, 3, 3))
    with pytest.raises((ValueError, TypeError)) as info:
        call(z)
    assert message in str(info.value)
