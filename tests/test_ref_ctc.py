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


# -- the forward lattice (reference/_ctc_lattice.py) -----------------------------------------

def _lattice_case(seed=7):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1, (3, 7, 4))
    y = np.array([[1, 2, 2], [3, 1, 0], [2, 2, 2]])
    return z, y, np.array([7, 5, 7]), np.array([3, 2, 3])


@pytest.mark.parametrize("blank", [0, 3])
def test_lattice_splits_the_ctc_forward_variable(blank):
    """log_epsilon = -inf: blank[:, t, k] = log alpha_t(2k), label[:, t, k] = log
    alpha_t(2k + 1) of _ctc's lattice over the whole label row, within the input length."""
    from reference._ctc import _lattice

    z, y, il, _ = _lattice_case()
    y = np.where(y == blank, 1, y)
    full = np.full(3, y.shape[1])
    phi = R.ctc_log_alpha_blank(z, y, il, full, blank=blank)
    emit = R.ctc_log_alpha_label(z, y, il, full, blank=blank)
    for i in range(3):
        alpha = _lattice(_log_softmax(z[i]).astype(np.longdouble), y[i], int(il[i]), blank)[1]
        np.testing.assert_allclose(phi[i, : il[i]], alpha[:, 0::2].astype(float), rtol=1e-14)
        np.testing.assert_allclose(emit[i, : il[i]], alpha[:, 1::2].astype(float), rtol=1e-14)


def test_lattice_rows_past_the_input_length_repeat_the_last_and_the_closed_row_reads_the_loss():
    z, y, il, ll = _lattice_case()
    kw = {"log_epsilon": -1e5}
    phi = R.ctc_log_alpha_blank(z, y, il, ll, **kw)
    emit = R.ctc_log_alpha_label(z, y, il, ll, **kw)
    assert np.array_equal(phi[1, 5:], np.broadcast_to(phi[1, 4], (2, 4)))
    assert np.array_equal(emit[1, 5:], np.broadcast_to(emit[1, 4], (2, 3)))
    closed = R.ctc_log_alpha_blank(z, y, il, ll, close_last_frame=True, **kw)
    assert np.array_equal(closed[:, :-1], phi[:, :-1])
    np.testing.assert_allclose(closed[:, -1, 1:], np.logaddexp(phi[:, -1, 1:], emit[:, -1]),
                               rtol=1e-15)
    # optax's loss is minus the closed row's state after the label; with -inf it is CTC's
    loss = R.ctc(z, y, il, ll, **kw)
    np.testing.assert_array_equal(loss, -closed[np.arange(3), -1, ll])
    np.testing.assert_allclose(loss, R.ctc(z, y, il, ll), rtol=1e-14)
    g = R.VJPS["ctc_log_alpha_blank"](np.ones(phi.shape), z, y, il, ll, **kw)
    assert np.all(g[1, 5:] == 0)


def test_finite_log_epsilon_makes_impossible_states_and_the_infeasible_loss_finite():
    z = np.random.default_rng(1).normal(0, 1, (2, 4, 3))
    y = np.array([[1, 1, 1], [2, 1, 0]])
    kw = {"log_epsilon": -1e5}
    exact = R.ctc_log_alpha_label(z, y, [4, 4], [3, 2])
    approx = R.ctc_log_alpha_label(z, y, [4, 4], [3, 2], **kw)
    assert np.isneginf(exact[0, 0, 1]) and -1.1e5 < approx[0, 0, 1] < -0.9e5
    np.testing.assert_allclose(approx[np.isfinite(exact)], exact[np.isfinite(exact)], rtol=1e-14)
    loss = R.ctc(z, y, [4, 4], [3, 2], **kw)
    assert 0.9e5 < loss[0] < 1.1e5  # [1, 1, 1] needs 5 frames: one skip onto a repeat
    g = R.VJPS["ctc"](np.ones(2), z, y, [4, 4], [3, 2], **kw)
    assert np.all(np.isfinite(g))


@pytest.mark.parametrize("name, kw", [
    ("ctc_log_alpha_blank", {}), ("ctc_log_alpha_blank", {"close_last_frame": True}),
    ("ctc_log_alpha_label", {}), ("ctc_log_alpha_label", {"input_space": "log_probabilities"}),
])
@pytest.mark.parametrize("log_epsilon", [-np.inf, -1e5, -2.0])
def test_lattice_vjp_matches_finite_differences(name, kw, log_epsilon):
    z, y, il, ll = _lattice_case(8)
    kw = {**kw, "log_epsilon": log_epsilon}
    f = R.FUNCTIONS[name]
    out = f(z, y, il, ll, **kw)
    g = np.random.default_rng(9).normal(0, 1, out.shape)
    live = np.isfinite(out)  # log 0 states are constant: no derivative to compare
    grad = R.VJPS[name](g, z, y, il, ll, **kw)
    fd = np.zeros_like(z)
    h = 1e-4  # states near -1e5 hold 1e-11 of rounding: a wider step keeps it out of the quotient
    for i in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[i] = h
        with np.errstate(invalid="ignore"):
            diff = f(z + e, y, il, ll, **kw) - f(z - e, y, il, ll, **kw)
        fd[i] = np.sum(np.where(live, g * diff, 0.0)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda z: R.ctc_log_alpha_blank(z, [[1, 5]], [3], [1]), "in every slot"),
    (lambda z: R.ctc_log_alpha_label(z, [[1, -1]], [3], [1]), "in every slot"),
    (lambda z: R.ctc_log_alpha_label(z, [[0, 1]], [3], [2]), "other than blank=0"),
    (lambda z: R.ctc_log_alpha_blank(z, [[1, 2]], [3], [2], log_epsilon=np.nan), "log_epsilon"),
    (lambda z: R.ctc_log_alpha_blank(z, [[1, 2]], [3], [2], log_epsilon=1.0), "log_epsilon"),
    (lambda z: R.ctc_log_alpha_blank(z, [[1, 2]], [3], [2], log_epsilon="x"), "log_epsilon"),
    (lambda z: R.ctc(z, [[1, 2]], [3], [2], log_epsilon=True), "log_epsilon"),
    (lambda z: R.ctc_log_alpha_blank(z, [[1, 2]], [3], [2], close_last_frame=1),
     "close_last_frame must be a bool"),
    (lambda z: R.VJPS["ctc_log_alpha_label"](np.ones((1, 3, 3)), z, [[1, 2]], [3], [2]),
     "g must have the output's shape (1, 3, 2)"),
])
def test_lattice_bad_input_is_named(call, message):
    z = np.zeros((1, 3, 3))
    with pytest.raises((ValueError, TypeError)) as info:
        call(z)
    assert message in str(info.value)
