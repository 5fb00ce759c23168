"""Reference VJPs w.r.t. the targets (``wrt="y_true"``, the families' ``-grad_y_true``
cases): the logits and probability cross-entropies, the focal losses, the KL divergences
from log-predictions and the Brier score, and the frameworks' target-gradient conventions
(TF v1's labels stop-gradient, torch's unclamped -logit(p))."""

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


# ------------------------------------------------------------ binary logits, soft targets
XB = np.array([[3.0, -0.5, 1e-3], [-40.0, 25.0, 0.0]])
TB = np.array([[0.9, 0.2, 0.5], [0.01, 0.99, 0.3]])  # off 0 and 1: the differences stay in


def _central(f, x, t, g, v, **kw) -> float:
    h = 1e-6
    return float((np.sum(g * f(x, t + h * v, **kw)) - np.sum(g * f(x, t - h * v, **kw))) / (2 * h))


def _assert_target_vjp(name, y, t, seed, **kw):
    """The VJP w.r.t. y_true against a central difference of the function along a random
    direction, under a random cotangent."""
    rng = np.random.default_rng(seed)
    out = R.FUNCTIONS[name](y, t, **kw)
    g, v = rng.uniform(-1, 1, np.shape(out)), rng.uniform(-1, 1, np.shape(t))
    grad = R.VJPS[name](g, y, t, wrt="y_true", **kw)
    fd = _central(R.FUNCTIONS[name], y, t, g, v, **kw)
    assert abs(np.sum(grad * v) - fd) <= 1e-6 * (np.sum(np.abs(grad * v)) + 1.0)


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.2}, {"pos_weight": 2.5},
                                {"pos_weight": [0.1, 1.0, 4.0], "label_smoothing": 0.1}])
def test_sigmoid_bce_target_gradient_matches_central_difference(kw):
    _assert_target_vjp("sigmoid_binary_cross_entropy", XB, TB, 3, **kw)


def test_sigmoid_bce_target_gradient_is_minus_the_logit_exactly():
    """softplus(-x) - softplus(x) = -x: the reference returns -x itself, so a framework that
    subtracts the two softplus terms (optax's log_sigmoid form) is measured against it."""
    got = R.VJPS["sigmoid_binary_cross_entropy"](np.ones_like(XB), XB, TB, wrt="y_true")
    np.testing.assert_array_equal(got, -XB)
    got = R.VJPS["sigmoid_binary_cross_entropy"](np.ones_like(XB), XB, TB, wrt="y_true",
                                                 label_smoothing=0.5)
    np.testing.assert_array_equal(got, -0.5 * XB)


def test_sigmoid_bce_target_gradient_with_pos_weight_keeps_small_values():
    """w⁺ softplus(-x) - softplus(x) with w⁺ = 1 + 1e-9 at x = 1e-12: both terms ~ log 2,
    the difference ~ 7e-10; the reference keeps it to its last bits (mpmath value)."""
    x = np.array([1e-12, -1e-12, 30.0, -30.0])
    pw = 1.0 + 1e-9
    got = R.VJPS["sigmoid_binary_cross_entropy"](np.ones(4), x, np.zeros(4), wrt="y_true",
                                                 pos_weight=pw)
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50

    def sp(z):
        return mp.log1p(mp.exp(z))

    want = [float(mp.mpf(pw) * sp(-mp.mpf(z)) - sp(mp.mpf(z))) for z in x]
    np.testing.assert_allclose(got, want, rtol=4e-16)


@pytest.mark.parametrize("kw", [{}, {"alpha": 0.25}, {"gamma": 0.5, "label_smoothing": 0.1},
                                {"gamma": 0.0, "alpha": 0.8}])
def test_sigmoid_focal_target_gradient_matches_central_difference(kw):
    _assert_target_vjp("sigmoid_focal_loss", np.array([[3.0, -0.5, 1e-3], [-4.0, 2.5, 0.0]]),
                       TB, 5, **kw)


@pytest.mark.parametrize("name", ["sigmoid_binary_cross_entropy", "sigmoid_focal_loss"])
def test_binary_wrt_names_the_bad_value(name):
    with pytest.raises(ValueError, match=r"wrt.*labels"):
        R.VJPS[name](np.ones_like(XB), XB, TB, wrt="labels")


# ------------------------------------------------------------ KL from log-inputs, targets
YK = np.log(np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]))
TK = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])


@pytest.mark.parametrize(("name", "kw"), [
    ("kl_div_log_input", {}), ("kl_div_log_input", {"log_target": True}),
    ("kl_div_log_input", {"axis": -1, "reduction": "mean"}),
    ("kl_div_log_input", {"reduction": "batchmean", "log_target": True}),
    ("generalized_kl_div_log_input", {}), ("generalized_kl_div_log_input", {"reduction": "sum"})])
def test_kl_target_gradient_matches_central_difference(name, kw):
    _assert_target_vjp(name, YK, np.log(TK) if kw.get("log_target") else TK, 11, **kw)


@pytest.mark.parametrize("name", ["kl_div_log_input", "generalized_kl_div_log_input"])
def test_kl_target_gradient_at_zero_target_is_the_right_derivative(name):
    """d(t log t)/dt -> -inf as t -> 0+ (finite y_pred); for y_pred = -inf the term jumps
    from 0 to +inf, so +inf; NaN y_pred gives NaN."""
    y = np.array([np.log(0.5), -np.inf, np.nan, np.log(0.5)])
    t = np.array([0.0, 0.0, 0.0, 0.5])
    if name == "kl_div_log_input":  # elementwise
        got = R.VJPS[name](np.ones(4), y, t, wrt="y_true")
    else:  # one sample of 4 terms
        got = R.VJPS[name](np.ones(1), y[None], t[None], wrt="y_true")
    got = np.ravel(got)
    assert got[0] == -np.inf and got[1] == np.inf and np.isnan(got[2])
    # log t - y at t = q = 0.5: 0 up to y's rounding (log t is taken in extended precision)
    assert abs(got[3] - (1.0 if name == "kl_div_log_input" else 0.0)) <= 1e-16


# ---------------------------------------------------- binary probabilities, soft targets
PB = np.array([[0.3, 0.5 + 1e-9, 0.999], [1e-6, 0.5, 0.7]])


@pytest.mark.parametrize(("name", "kw"), [
    ("binary_cross_entropy", {}), ("binary_cross_entropy", {"clip_eps": 1e-7, "label_smoothing": 0.2}),
    ("binary_cross_entropy", {"log_eps": 1e-7}), ("binary_cross_entropy", {"pos_weight": 2.0}),
    ("binary_cross_entropy", {"log_clamp": -100.0, "reduction": "mean"}),
    ("binary_focal_cross_entropy", {}), ("binary_focal_cross_entropy", {"alpha": 0.25, "clip_eps": 1e-7}),
    ("binary_focal_cross_entropy", {"gamma": 0.5, "label_smoothing": 0.1}),
    ("brier_score", {"reduction": "sum"})])
def test_binary_probability_target_gradient_matches_central_difference(name, kw):
    _assert_target_vjp(name, PB, TB, 13, **kw)


def test_bce_target_gradient_is_minus_logit_to_the_last_bits():
    """log((1 - p)/p) near p = 1/2 and near 1, where log(1 - p) - log p cancels, and at
    subnormal p, where (1 - 2p)/p overflows (mpmath)."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    p = np.array([0.5 + 2**-40, 0.5 - 3 * 2**-45, 1 - 2**-40, 2**-60, 0.25, 0.75, 1e-310,
                  5e-324, 2.0**-1022])
    got = R.VJPS["binary_cross_entropy"](np.ones(p.size), p, np.full(p.size, 0.5), wrt="y_true")
    want = [float(mp.log((1 - mp.mpf(x)) / mp.mpf(x))) for x in p]
    np.testing.assert_allclose(got, want, rtol=4.5e-16)


def test_bce_target_gradient_at_the_clamp_follows_the_convention():
    """torch clamps each log at -100 in the forward; the clamped forward's slope in t at p = 0
    is 100, torch's target backward -logit(0) = inf (target_grad_clamped=False)."""
    p, t = np.array([0.0, 1.0, 0.5]), np.array([0.3, 0.3, 0.3])
    kw = {"log_clamp": -100.0}
    np.testing.assert_array_equal(
        R.VJPS["binary_cross_entropy"](np.ones(3), p, t, wrt="y_true", **kw), [100.0, -100.0, 0.0])
    np.testing.assert_array_equal(
        R.VJPS["binary_cross_entropy"](np.ones(3), p, t, wrt="y_true", target_grad_clamped=False,
                                       **kw), [np.inf, -np.inf, 0.0])
    with pytest.raises(TypeError, match="target_grad_clamped"):
        R.VJPS["binary_cross_entropy"](np.ones(3), p, t, wrt="y_true", target_grad_clamped=1)


# --------------------------------------------------- categorical probabilities, soft targets
PC = np.array([[0.2, 0.5, 0.3], [0.7, 0.25, 0.05]])


@pytest.mark.parametrize(("name", "kw"), [
    ("categorical_cross_entropy", {}),
    ("categorical_cross_entropy", {"renormalize": True, "clip_eps": 1e-7, "label_smoothing": 0.1}),
    ("categorical_focal_cross_entropy", {"renormalize": True, "clip_eps": 1e-7, "alpha": 0.25}),
    ("categorical_focal_cross_entropy", {"gamma": 0.5, "alpha": [0.2, 0.3, 0.5],
                                         "reduction": "sum"})])
def test_categorical_probability_target_gradient_matches_central_difference(name, kw):
    _assert_target_vjp(name, PC, T + 0.05, 17, **kw)  # targets off 0: t - h stays >= 0


def test_categorical_probability_target_gradient_at_a_zero_probability_is_inf():
    got = R.VJPS["categorical_cross_entropy"](np.ones(1), np.array([[0.0, 1.0]]),
                                              np.array([[0.5, 0.5]]), wrt="y_true")
    np.testing.assert_array_equal(got, [[np.inf, 0.0]])


# ------------------------------------------------------ KL and JS of two distributions
@pytest.mark.parametrize(("name", "kw"), [
    ("kl_divergence", {}), ("kl_divergence", {"clip_eps": 1e-7, "reduction": "sum"}),
    ("kl_divergence", {"normalize": True, "base": 2.0}),
    ("jensen_shannon", {"normalize": True}), ("jensen_shannon_distance", {"base": 2.0})])
def test_distribution_pair_target_gradient_matches_central_difference(name, kw):
    _assert_target_vjp(name, PC, T + 0.05, 19, **kw)


def test_kl_target_gradient_clip_and_zero_conventions():
    """Keras clips t to [eps, 1]: a zero target is clipped (slope 0), a one-hot 1 sits on the
    bound (grad_at_clip); unclipped, t = 0 has the right derivative -inf (+inf if p = 0)."""
    p = np.array([[0.5, 0.5, 0.0]])
    t = np.array([[1.0, 0.0, 0.0]])
    got = R.VJPS["kl_divergence"](np.ones(1), p, t, wrt="y_true", clip_eps=1e-7, grad_at_clip=0.5)
    np.testing.assert_allclose(got, [[0.5 * (np.log(1 / 0.5) + 1), 0.0, 0.0]], rtol=1e-15)
    got = R.VJPS["kl_divergence"](np.ones(1), p, t, wrt="y_true")
    assert got[0, 1] == -np.inf and got[0, 2] == np.inf


def test_kl_gradients_at_subnormal_predictions():
    """t/p overflows for a subnormal p: the target slope log(t/p) + 1 stays finite (mpmath),
    the prediction slope -t/p is -inf beyond float64's range (5e-324), both without a warning."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    p = np.array([[1.0 - 3e-6, 1e-308, 5e-324, 3e-6]])
    t = np.array([[0.25, 0.25, 0.25, 0.25]])
    with np.errstate(all="raise"):
        got_t = R.VJPS["kl_divergence"](np.ones(1), p, t, wrt="y_true")
        got_p = R.VJPS["kl_divergence"](np.ones(1), p, t)
    want = [float(mp.log(mp.mpf(0.25) / mp.mpf(x)) + 1) for x in p[0]]
    np.testing.assert_allclose(got_t[0], want, rtol=4.5e-16)
    assert got_p[0, 2] == -np.inf and np.isfinite(got_p[0, [0, 1, 3]]).all()


# ------------------------------------------------ counts, rates and squared log errors
YR = np.array([[0.5, 2.0, 7.5], [1e-3, 1.0, 3.0]])
TR = np.array([[0.3, 1.5, 4.0], [0.2, 1.2, 9.0]])


@pytest.mark.parametrize(("name", "kw"), [
    ("poisson_nll", {}), ("poisson_nll", {"eps": 1e-8, "stirling": True, "reduction": "mean"}),
    ("poisson_nll_log_input", {"stirling": True}), ("poisson_nll_log_input", {"reduction": "sum"}),
    ("squared_log_error", {}), ("squared_log_error", {"clip_eps": 1e-7, "mean_axis": -1}),
    ("root_mean_squared_log_error", {}),
    ("root_mean_squared_log_error", {"multioutput": "raw_values", "sample_weight": [1.0, 2.0]})])
def test_rate_target_gradient_matches_central_difference(name, kw):
    _assert_target_vjp(name, YR, TR, 23, **kw)


def test_squared_log_error_target_clip_follows_grad_at_clip():
    """Keras: T = max(y_true, eps); 0 below eps, grad_at_clip at it."""
    got = R.VJPS["squared_log_error"](np.ones(3), np.array([1.0, 1.0, 1.0]),
                                      np.array([0.0, 1e-7, 0.5]), wrt="y_true",
                                      clip_eps=1e-7, grad_at_clip=0.5)
    assert got[0] == 0.0 and got[2] < 0
    np.testing.assert_allclose(got[1], 0.5 * -2 * (np.log1p(1.0) - np.log1p(1e-7)) / (1 + 1e-7),
                               rtol=1e-15)


# ------------------------------------------- two-argument kernels, w.r.t. the second
@pytest.mark.parametrize(("name", "want"), [
    # x:    0 (y>0)  0 (y=0)  0 (y<0)  2 (y=0)   2 (y<0)  -1 (y=1)   NaN (y=1)
    ("xlogy", [0.0, 0.0, 0.0, np.inf, np.nan, -1.0, np.nan]),
    ("xlog1py", [0.0, 0.0, 0.0, 2.0, 4.0, -0.5, np.nan]),
    ("rel_entr", [0.0, 0.0, 0.0, -np.inf, 0.0, 0.0, np.nan]),
    ("kl_div_elementwise", [1.0, 1.0, 0.0, -np.inf, 0.0, 0.0, np.nan])])
def test_kernel_second_argument_gradient_edges(name, want):
    """At x = 0 the kernels are 0 (xlogy, xlog1py, rel_entr for y >= 0) or y (kl_div) in
    y, so their slopes are 0 or 1; at y = 0 < x the right derivative; 0 where the kernel is
    the constant inf in y; NaN where it is NaN."""
    x = np.array([0.0, 0.0, 0.0, 2.0, 2.0, -1.0, np.nan])
    y = np.array([0.5, 0.0, -0.5, 0.0, -0.5, 1.0, 1.0])
    got = R.VJPS[name](np.ones(7), x, y, wrt="y_true")
    np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------ Dice and Tversky, soft masks
ZO = np.array([[[0.3, -1.0, 2.0], [0.5, 0.1, -0.4]], [[1.5, 0.2, -0.7], [-2.0, 0.9, 0.3]]])
TO = np.array([[[0.9, 0.05, 0.05], [0.2, 0.7, 0.1]], [[0.3, 0.3, 0.4], [0.0, 1.0, 0.0]]])


@pytest.mark.parametrize(("name", "kw"), [
    ("dice", {"input_space": "softmax_logits", "axis": (1,), "smooth": 1.0}),
    ("dice", {"input_space": "sigmoid_logits", "axis": None, "eps": 1e-7}),
    ("tversky", {"input_space": "softmax_logits", "alpha": 0.3, "beta": 0.7, "axis": (1,)}),
    ("tversky", {"input_space": "softmax_logits", "axis": (1,), "smooth": 1.0,
                 "class_weight": "inverse_square_frequency", "reduction": "mean"}),
    ("tversky", {"input_space": "softmax_logits", "axis": (1,),
                 "class_weight": [0.5, 1.0, 2.0], "reduction": "sum"})])
def test_overlap_target_gradient_matches_central_difference(name, kw):
    """The targets' gradient with the probabilities held fixed, and with optax's
    inverse-square-frequency class weights differentiated through the targets too."""
    _assert_target_vjp(name, ZO, TO, 29, **kw)


# ------------------------------------------------------ listwise ranking, graded relevance
SL = np.array([[2.0, -1.0, 0.5, 3.0], [0.1, 0.2, -0.3, 1.5]])
YL = np.array([[1.0, 0.5, 2.0, 3.0], [0.3, 1.2, 0.7, 2.0]])


@pytest.mark.parametrize("kw", [
    {}, {"reduction": "mean"},
    {"where": np.array([[True, False, True, True], [True, True, True, False]]),
     "weights": np.array([0.5, 1.0, 2.0, 1.5]), "reduction": "sum"}])
def test_ranking_target_gradient_matches_central_difference_and_ignores_masked_items(kw):
    _assert_target_vjp("ranking_softmax_cross_entropy", SL, YL, 31, **kw)
    if "where" in kw:
        grad = R.VJPS["ranking_softmax_cross_entropy"](np.ones(()), SL, YL, wrt="y_true", **kw)
        assert not grad[~kw["where"]].any()  # a masked item leaves the sum
