"""reference/crossentropy.py: golden values from the seed lessons, conventions, bad inputs,
VJPs against finite differences, and the oracle cases held to a looser, documented bound."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import reference
from reference import crossentropy as ce

F = ce.FUNCTIONS
V = ce.VJPS

# ------------------------------------------------------------------ seed golden values


def test_seed_binary_cross_entropy() -> None:
    # seed 000: (-y log p - (1 - y) log(1 - p)).mean() with y = 1, p = 0.9
    assert float(F["binary_cross_entropy"]([0.9], [1.0], reduction="mean")) == pytest.approx(
        0.10536051565782628, rel=1e-15)


def test_seed_categorical_cross_entropy() -> None:
    # seed 000: -log 0.4 = 0.916290731874155 (the lesson's clip at 1e-6 does not bind here)
    p = [0.4, 0.3, 0.05, 0.05, 0.2]
    t = [1, 0, 0, 0, 0]
    assert float(F["categorical_cross_entropy"](p, t)) == pytest.approx(0.916290731874155,
                                                                          rel=1e-15)
    # seed 004: [.7, .2, .1] -> 0.3567; [.1, .3, .6] -> 2.3026
    assert float(F["categorical_cross_entropy"]([.7, .2, .1], [1, 0, 0])) == pytest.approx(
        0.35667494393873245, rel=1e-15)
    assert float(F["categorical_cross_entropy"]([.1, .3, .6], [1, 0, 0])) == pytest.approx(
        2.3025850929940455, rel=1e-15)


def test_seed_torch_cross_entropy() -> None:
    # seed 003: nn.CrossEntropyLoss() (mean) on logits with class-index targets.
    sce = F["sparse_softmax_cross_entropy"]
    assert float(sce([[2.0, 1.0, 0.1]], [0], reduction="mean")) == pytest.approx(0.4170, abs=5e-5)
    assert float(sce([[0.5, 2.0, 0.3]], [0], reduction="mean")) == pytest.approx(1.8406, abs=5e-5)
    good = [[0.1, 1.0, 2.1], [2.0, 1.0, 0.1], [0.1, 3.0, 0.1]]
    bad = [[2.1, 1.0, 0.1], [0.1, 1.0, 2.1], [0.1, 3.0, 0.1]]
    assert float(sce(good, [2, 0, 1], reduction="mean")) == pytest.approx(0.3018, abs=5e-5)
    assert float(sce(bad, [2, 0, 1], reduction="mean")) == pytest.approx(1.6242, abs=5e-5)


def test_seed_mean_categorical_cross_entropy() -> None:
    # seed 002: mean of -log p[range(3), [0, 1, 1]] = 0.38506088005216804, one-hot or sparse,
    # and with the lesson's clip at 1e-7 (which does not bind here).
    p = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
    y = np.array([0, 1, 1])
    want = 0.38506088005216804
    assert float(F["sparse_categorical_cross_entropy"](p, y, reduction="mean")) == pytest.approx(
        want, rel=1e-15)
    assert float(F["categorical_cross_entropy"](p, np.eye(3)[y], clip_eps=1e-7,
                                                reduction="mean")) == pytest.approx(want, rel=1e-15)
    assert float(F["nll_loss"](np.log(p), y, reduction="mean")) == pytest.approx(want, rel=1e-15)


def test_seed_torch_sum_soft_targets() -> None:
    # seed 001: CrossEntropyLoss(reduction='sum') with one-hot probability targets equals
    # the sum of -log softmax at the true class.
    rng = np.random.default_rng(0)
    yhat = 20 * rng.random((4, 10)) ** 2
    y = np.array([4, 2, 8, 6])
    soft = F["softmax_cross_entropy"](yhat, np.eye(10)[y], reduction="sum")
    sparse = F["sparse_softmax_cross_entropy"](yhat, y, reduction="sum")
    np.testing.assert_allclose(soft, sparse, rtol=1e-15)


# ---------------------------------------------------------------------- conventions


def test_exact_inf_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F["binary_cross_entropy"]([0.0, 1.0], [1.0, 0.0]).tolist() == [np.inf, np.inf]
        assert F["binary_cross_entropy"]([0.0, 1.0], [0.0, 1.0]).tolist() == [0.0, 0.0]
        assert float(F["categorical_cross_entropy"]([0.0, 1.0], [1.0, 0.0])) == np.inf
        assert float(F["categorical_cross_entropy"]([0.0, 1.0], [0.0, 1.0])) == 0.0
        assert float(F["sparse_categorical_cross_entropy"]([[0.0, 1.0]], [0])[0]) == np.inf
        x = np.array([[1e4, -1e4], [-1e4, 1e4]])
        np.testing.assert_array_equal(F["softmax_cross_entropy"](x, np.eye(2)), [0.0, 0.0])
        np.testing.assert_array_equal(F["sparse_softmax_cross_entropy"](x, [1, 0]), [2e4, 2e4])
        np.testing.assert_array_equal(
            F["sigmoid_binary_cross_entropy"]([1e4, -1e4], [0.0, 1.0]), [1e4, 1e4])
        assert np.isfinite(V["sigmoid_focal_loss"](np.ones(2), [1e4, -1e4], [0.0, 1.0])).all()


def test_keras_clip_and_double_epsilon() -> None:
    eps = 1e-7
    got = F["binary_cross_entropy"]([0.0, 1.0], [1.0, 0.0], clip_eps=eps)
    # the upper bound is the float64 number 1 - eps, so 1 - (1 - eps) is not exactly eps
    np.testing.assert_allclose(got, [-np.log(eps), -np.log1p(-(1.0 - eps))], rtol=1e-15)
    # Keras 2 backend: clip to [eps, 1 - eps] AND log(p + eps)
    got = F["binary_cross_entropy"]([0.0], [1.0], clip_eps=eps, log_eps=eps)
    np.testing.assert_allclose(got, [-np.log(2 * eps)], rtol=1e-12)
    # ... and so its binary focal loss: (1 - p_t)^gamma times that bce (p_t from the unclipped p)
    got = F["binary_focal_cross_entropy"]([0.0, 0.5], [1.0, 0.0], gamma=2.0, clip_eps=eps, log_eps=eps)
    np.testing.assert_allclose(got, [-np.log(2 * eps), 0.25 * -np.log(0.5 + eps)], rtol=1e-12)


def test_torch_log_clamp_and_backward() -> None:
    assert F["binary_cross_entropy"]([0.0], [1.0], log_clamp=-100.0).tolist() == [100.0]
    # torch's BCE backward is (p - t) / max(p (1 - p), float32(1e-12)), not d/dp of the clamp
    eps32 = float(np.float32(1e-12))
    g = V["binary_cross_entropy"](np.ones(2), [0.0, 0.3], [1.0, 0.2], log_clamp=-100.0,
                                  grad_eps=eps32)
    np.testing.assert_allclose(g, [-1.0 / eps32, 0.1 / 0.21], rtol=1e-14)
    g = V["binary_cross_entropy"](np.ones(1), [0.0], [1.0], log_clamp=-100.0)
    assert g.tolist() == [0.0]  # the clamped forward is flat there


def test_label_smoothing_formulas() -> None:
    p, t = np.array([0.3, 0.8]), np.array([1.0, 0.0])
    ts = t * 0.8 + 0.1
    np.testing.assert_allclose(F["binary_cross_entropy"](p, t, label_smoothing=0.2),
                               F["binary_cross_entropy"](p, ts), rtol=1e-15)
    P = np.array([[0.2, 0.3, 0.5]])
    T = np.array([[0.0, 1.0, 0.0]])
    np.testing.assert_allclose(F["categorical_cross_entropy"](P, T, label_smoothing=0.3),
                               F["categorical_cross_entropy"](P, T * 0.7 + 0.1), rtol=1e-15)


def test_torch_label_smoothing_with_weights_and_ignore() -> None:
    # Hand-derived from LossNLL.cpp: (1-ls) w_y nll + ls/C Σ_c w_c (-logp_c); mean over Σ w_y.
    x = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [0.0, 0.0, 1.0]])
    y = np.array([1, 2, -100])
    w = np.array([0.5, 2.0, 1.5])
    lp = x - np.log(np.exp(x).sum(-1, keepdims=True))
    per = 0.9 * w[y[:2]] * -lp[[0, 1], y[:2]] + 0.1 / 3 * -(lp[:2] * w).sum(-1)
    got = F["sparse_softmax_cross_entropy"](x, y, class_weight=w, ignore_index=-100,
                                            label_smoothing=0.1, reduction="weighted_mean")
    np.testing.assert_allclose(got, per.sum() / w[y[:2]].sum(), rtol=1e-14)
    none = F["sparse_softmax_cross_entropy"](x, y, class_weight=w, ignore_index=-100,
                                             label_smoothing=0.1)
    np.testing.assert_allclose(none, [*per, 0.0], rtol=1e-14)


def test_torch_matches_if_installed() -> None:
    torch = pytest.importorskip("torch")
    f = torch.nn.functional
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 4, 2, 2))
    y = rng.integers(0, 4, size=(3, 2, 2))
    y[0, 0, 0] = -100
    w = rng.uniform(0.5, 2, 4)
    want = f.cross_entropy(torch.tensor(x), torch.tensor(y), weight=torch.tensor(w),
                           label_smoothing=0.2).item()
    got = F["sparse_softmax_cross_entropy"](x, y, axis=1, class_weight=w, ignore_index=-100,
                                            label_smoothing=0.2, reduction="weighted_mean")
    np.testing.assert_allclose(got, want, rtol=1e-13)
    t = rng.dirichlet(np.ones(4), size=(3, 2, 2)).transpose(0, 3, 1, 2)
    want = f.cross_entropy(torch.tensor(x), torch.tensor(t), weight=torch.tensor(w),
                           label_smoothing=0.2).item()
    got = F["softmax_cross_entropy"](x, t, axis=1, class_weight=w, label_smoothing=0.2,
                                     reduction="mean")
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_keras_sparse_tensorflow_backend_normalizes_after_clip() -> None:
    p = np.array([[0.0, 0.6, 0.4]])
    got = F["sparse_categorical_cross_entropy"](p, [0], clip_eps=1e-7, normalize_after_clip=True)
    np.testing.assert_allclose(got, [np.log((1e-7 + 0.6 + 0.4) / 1e-7)], rtol=1e-12)


def test_reductions_and_sample_weight() -> None:
    p = np.array([[0.2, 0.7], [0.9, 0.4]])
    t = np.array([[0.0, 1.0], [1.0, 1.0]])
    per = F["binary_cross_entropy"](p, t)
    np.testing.assert_allclose(F["binary_cross_entropy"](p, t, mean_axis=-1), per.mean(-1))
    sw = np.array([2.0, 0.5])
    np.testing.assert_allclose(
        F["binary_cross_entropy"](p, t, mean_axis=-1, reduction="sum", sample_weight=sw),
        (per.mean(-1) * sw).sum())


# ------------------------------------------------------------------------ bad inputs

P3 = np.array([[0.2, 0.3, 0.5]])
T3 = np.array([[0.0, 1.0, 0.0]])


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: F["binary_cross_entropy"]([1.5], [1.0]), ValueError, "y_pred"),
        (lambda: F["binary_cross_entropy"]([0.5], [-0.1]), ValueError, "y_true"),
        (lambda: F["binary_cross_entropy"]([0.5, 0.2], [1.0]), ValueError, "y_pred"),
        (lambda: F["binary_cross_entropy"]([0.5], [1.0], label_smoothing=1.5), ValueError,
         "label_smoothing"),
        (lambda: F["binary_cross_entropy"]([0.5], [1.0], clip_eps=0.7), ValueError, "clip_eps"),
        (lambda: F["binary_cross_entropy"]([0.5], [1.0], reduction="avg"), ValueError,
         "reduction"),
        (lambda: F["binary_cross_entropy"](["a"], [1.0]), TypeError, "y_pred"),
        (lambda: F["sigmoid_binary_cross_entropy"]([0.5], [2.0]), ValueError, "y_true"),
        (lambda: F["sigmoid_binary_cross_entropy"]([0.5, 1.0], [1.0, 0.0],
                                                   pos_weight=[1.0, 2.0, 3.0]),
         ValueError, "pos_weight"),
        (lambda: F["categorical_cross_entropy"](P3, np.array([[0.0, 1.0]])), ValueError,
         "classes"),
        (lambda: F["categorical_cross_entropy"](P3, T3, axis=2), ValueError, "axis"),
        (lambda: F["categorical_cross_entropy"](P3 * 3, T3), ValueError, "y_pred"),
        (lambda: F["categorical_cross_entropy"](-P3, T3, renormalize=True), ValueError, "y_pred"),
        (lambda: F["softmax_cross_entropy"](P3, T3, class_weight=[1.0, 2.0]), ValueError,
         "class_weight"),
        (lambda: F["softmax_cross_entropy"](P3, T3, label_smoothing=-0.1), ValueError,
         "label_smoothing"),
        (lambda: F["sparse_softmax_cross_entropy"](P3, [3]), ValueError, "y_true"),
        (lambda: F["sparse_softmax_cross_entropy"](P3, [1.5]), ValueError, "y_true"),
        (lambda: F["sparse_softmax_cross_entropy"](P3, [0, 1]), ValueError, "y_true"),
        (lambda: F["sparse_softmax_cross_entropy"](P3, [-1], ignore_index=-100), ValueError,
         "y_true"),
        (lambda: F["sparse_softmax_cross_entropy"](P3, [0], ignore_index=1.5), TypeError,
         "ignore_index"),
        (lambda: F["sparse_categorical_cross_entropy"](P3 + 1, [0]), ValueError, "y_pred"),
        (lambda: F["nll_loss"](P3, [0], class_weight=[[1.0, 1.0, 1.0]]), ValueError,
         "class_weight"),
        (lambda: F["binary_focal_cross_entropy"]([0.5], [1.0], gamma=-1.0), ValueError, "gamma"),
        (lambda: F["binary_focal_cross_entropy"]([0.5], [1.0], alpha=1.5), ValueError, "alpha"),
        (lambda: F["sparse_softmax_cross_entropy"](np.float64(1.0), 0), ValueError, "y_pred"),
        (lambda: F["binary_cross_entropy"]([0.5], [1.0], sample_weight=[1.0, 2.0]), ValueError,
         "sample_weight"),
        (lambda: V["binary_cross_entropy"](np.ones(3), [0.5], [1.0]), ValueError, "g"),
    ],
)
def test_bad_inputs(call, exc, match) -> None:
    with pytest.raises(exc, match=match):
        call()


def test_nan_propagates() -> None:
    out = F["binary_cross_entropy"]([np.nan, 0.5], [1.0, 1.0])
    assert np.isnan(out[0]) and np.isfinite(out[1])
    out = F["softmax_cross_entropy"]([[np.nan, 0.0], [1.0, 0.0]], np.eye(2))
    assert np.isnan(out[0]) and np.isfinite(out[1])


# ------------------------------------------------------ VJPs vs central differences

R = np.random.default_rng(7)
_PB = R.uniform(0.05, 0.95, (3, 4))
_TB = R.uniform(size=(3, 4))
_X = R.normal(size=(3, 4))
_PC = R.dirichlet(np.ones(4), size=3)
_Y = np.array([1, -100, 3])
_W = R.uniform(0.5, 2, 4)

FD_CASES = [
    ("binary_cross_entropy", _PB, _TB, dict(clip_eps=1e-7, label_smoothing=0.1,
                                             pos_weight=[1, 2, 3, .5], reduction="mean")),
    ("binary_cross_entropy", _PB, _TB, dict(log_eps=1e-3, mean_axis=-1, reduction="sum",
                                             sample_weight=[1.0, 2.0, 0.0])),
    ("sigmoid_binary_cross_entropy", _X, _TB, dict(pos_weight=2.0, label_smoothing=0.2)),
    ("binary_focal_cross_entropy", _PB, _TB, dict(gamma=2.5, alpha=0.3, label_smoothing=0.1)),
    ("binary_focal_cross_entropy", _PB, _TB, dict(gamma=2.0, clip_eps=1e-7, log_eps=1e-3,
                                                   mean_axis=-1)),
    ("sigmoid_focal_loss", _X, _TB, dict(gamma=0.5, alpha=0.25, mean_axis=0,
                                         reduction="mean")),
    ("categorical_cross_entropy", _PC, _PC[::-1], dict(renormalize=True, label_smoothing=0.1)),
    ("categorical_focal_cross_entropy", _PC, _PC[::-1], dict(alpha=_W, renormalize=True,
                                                             gamma=3.0)),
    ("softmax_cross_entropy", _X, _PC, dict(class_weight=_W, label_smoothing=0.3,
                                            reduction="sum", sample_weight=[1.0, 0.5, 2.0])),
    ("log_softmax_cross_entropy", np.log(_PC), _PC[::-1], dict(reduction="mean")),
    ("poly1_cross_entropy", _X, _PC, dict(epsilon=-1.0)),
    ("sparse_categorical_cross_entropy", _PC * 2, np.array([1, 0, 3]),
     dict(renormalize=True, reduction="weighted_mean")),
    ("sparse_categorical_cross_entropy", _PC, np.array([1, 0, 3]),
     dict(normalize_after_clip=True, clip_eps=1e-3)),
    ("sparse_softmax_cross_entropy", _X, _Y, dict(class_weight=_W, ignore_index=-100,
                                                  label_smoothing=0.2,
                                                  reduction="weighted_mean")),
    ("sparse_softmax_cross_entropy", R.normal(size=(2, 4, 3)), np.array([[0, 3, 1], [2, 2, 0]]),
     dict(axis=1, reduction="mean")),
    ("nll_loss", np.log(_PC), _Y, dict(class_weight=_W, ignore_index=-100,
                                       reduction="weighted_mean")),
]


@pytest.mark.parametrize("name, y_pred, y_true, kw", FD_CASES, ids=[c[0] for c in FD_CASES])
def test_vjp_matches_finite_differences(name, y_pred, y_true, kw) -> None:
    y_pred = np.asarray(y_pred, dtype=np.float64)
    out = F[name](y_pred, y_true, **kw)
    g = R.uniform(-1, 1, np.shape(out))
    grad = V[name](g, y_pred, y_true, **kw)
    assert grad.shape == y_pred.shape and grad.dtype == np.float64
    num = np.zeros_like(y_pred)
    h = 1e-6
    for i in np.ndindex(y_pred.shape):
        up, dn = y_pred.copy(), y_pred.copy()
        up[i] += h
        dn[i] -= h
        num[i] = np.sum(g * (F[name](up, y_true, **kw) - F[name](dn, y_true, **kw))) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8)


def test_grad_at_clip_boundary() -> None:
    eps = 1e-7
    g1 = V["binary_cross_entropy"](np.ones(1), [eps], [1.0], clip_eps=eps)
    g5 = V["binary_cross_entropy"](np.ones(1), [eps], [1.0], clip_eps=eps, grad_at_clip=0.5)
    np.testing.assert_allclose(g5, 0.5 * g1)
    assert V["binary_cross_entropy"](np.ones(1), [0.0], [1.0], clip_eps=eps).tolist() == [0.0]


# --------------------------------------------------------------------- sparsemax losses


def test_multiclass_sparsemax_loss_is_zero_iff_the_label_leads_by_one() -> None:
    x = np.array([[2.0, 1.0, 0.5], [2.0, 1.5, 0.5], [0.0, 0.0, 0.0]])
    out = reference.multiclass_sparsemax_loss(x, np.array([0, 0, 1]))
    assert out[0] == 0.0 and out[1] > 0.0
    # uniform scores: p = 1/3 each, loss = ||p - e_y||^2 / 2 = (4/9 + 2/9) / 2 = 1/3
    assert out[2] == pytest.approx(1.0 / 3.0, rel=1e-15)


def test_multiclass_sparsemax_loss_gradient_is_sparsemax_minus_onehot() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.normal(0, 2, (6, 5)), rng.integers(0, 5, 6)
    g = reference.VJPS["multiclass_sparsemax_loss"](np.ones(6), x, y)
    np.testing.assert_allclose(g, reference.sparsemax(x) - np.eye(5)[y], atol=1e-15)
    spatial = np.moveaxis(x.reshape(2, 3, 5), -1, 1)  # (N, C, d) with axis=1
    out = reference.multiclass_sparsemax_loss(spatial, y.reshape(2, 3), axis=1)
    np.testing.assert_allclose(out.ravel(), reference.multiclass_sparsemax_loss(x, y), rtol=1e-15)


def test_sparsemax_losses_reject_bad_labels() -> None:
    with pytest.raises(ValueError, match="y_true"):
        reference.multiclass_sparsemax_loss(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="y_true"):
        reference.binary_sparsemax_loss(np.zeros(3), np.array([0.0, 0.5, 1.0]))


def test_binary_sparsemax_loss_is_sparse_plus_of_the_signed_margin() -> None:
    z = np.array([-2.0, -0.5, 0.0, 0.5, 1.0, 3.0])
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(reference.binary_sparsemax_loss(z, t),
                                  [2.0, 0.0625, 0.25, 0.5625, 0.0, 3.0])


def test_renormalised_sparse_ce_keeps_its_accuracy_near_one_and_at_subnormal_quotients() -> None:
    """-log(p_y / S) with a clip of 2.2e-16 (torch.distributions.Categorical(probs).log_prob
    in float64): near q_y = 1 the rounded quotient's log was 1e-4 relative off (1.1e11 ULP
    on the suite's near_01 case until 2026-12-07)."""
    import mpmath as mp

    from tests._ulp import ulp_error

    p = np.array([[1 - 1e-12, 1e-12, 0.0], [3.0, 1e-9, 2e-9], [3e-16, 1.0, 1e-310]])
    y = np.array([0, 0, 0])
    got = ce.sparse_categorical_cross_entropy(p, y, renormalize=True,
                                              clip_eps=float(np.finfo(np.float64).eps))
    with mp.workdps(400):
        want = [-mp.log(mp.mpf(float(r[k])) / mp.fsum(mp.mpf(float(v)) for v in r))
                for r, k in zip(p, y, strict=True)]
    assert max(ulp_error(a, b) for a, b in zip(got, want, strict=True)) <= 2.0
