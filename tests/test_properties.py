"""Hypothesis properties of the whole reference (reproducible: derandomized profile).

Identities between functions (softmax / log_softmax / cross-entropy paths), ranges
(non-negative losses, accuracy in [0, 1], KL >= 0), symmetries (sigmoid(-x) = 1 - sigmoid(x),
shift invariance) and every smooth VJP against a central finite difference in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import reference as R

settings.register_profile(
    "crossconform-properties", derandomize=True, max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow], database=None,
)
PROFILE = settings.get_profile("crossconform-properties")

EPS = float(np.finfo(np.float64).eps)


def _floats(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)


def _matrix(lo=-30.0, hi=30.0, max_rows=4, min_cols=2, max_cols=6):
    shape = st.tuples(st.integers(1, max_rows), st.integers(min_cols, max_cols))
    return hnp.arrays(np.float64, shape, elements=_floats(lo, hi))


def _vector(lo=-30.0, hi=30.0, max_size=12):
    return hnp.arrays(np.float64, st.integers(1, max_size), elements=_floats(lo, hi))


# --------------------------------------------------------------------------- softmax


@PROFILE
@given(_matrix(-700.0, 700.0), _floats(-100.0, 100.0))
def test_softmax_sums_to_one_and_is_shift_invariant(x, c):
    s = R.softmax(x)
    assert np.all(s >= 0)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=0, atol=8 * EPS)
    np.testing.assert_allclose(R.softmax(x + c), s, rtol=1e-12, atol=1e-300)


@PROFILE
@given(_matrix(-50.0, 50.0))
def test_log_softmax_is_log_of_softmax_where_not_underflowing(x):
    s = R.softmax(x)
    ok = s > 1e-300
    np.testing.assert_allclose(R.log_softmax(x)[ok], np.log(s[ok]), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(R.logsumexp(x), np.log(np.sum(np.exp(x), axis=-1)),
                               rtol=1e-13, atol=1e-14)


@PROFILE
@given(_vector(-700.0, 700.0))
def test_sigmoid_symmetry(x):
    np.testing.assert_allclose(R.sigmoid(-x), 1.0 - R.sigmoid(x), rtol=0, atol=2 * EPS)
    assert np.all((R.sigmoid(x) >= 0) & (R.sigmoid(x) <= 1))


# --------------------------------------------------------------------------- cross-entropy


@PROFILE
@given(_matrix(-40.0, 40.0), st.data())
def test_cross_entropy_paths_agree(x, data):
    n, c = x.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    onehot = np.eye(c)[labels]
    soft = data.draw(hnp.arrays(np.float64, x.shape, elements=_floats(0.0, 1.0)))
    soft = np.where(soft.sum(-1, keepdims=True) > 0, soft, 1.0)
    soft = soft / soft.sum(-1, keepdims=True)
    for target in (onehot, soft):
        a = R.softmax_cross_entropy(x, target)
        b = R.log_softmax_cross_entropy(R.log_softmax(x), target)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        assert np.all(a >= -1e-12)
    np.testing.assert_allclose(R.sparse_softmax_cross_entropy(x, labels),
                               R.softmax_cross_entropy(x, onehot), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(R.nll_loss(R.log_softmax(x), labels),
                               R.sparse_softmax_cross_entropy(x, labels), rtol=1e-12,
                               atol=1e-12)


@PROFILE
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 6)),
                  elements=_floats(1e-3, 1.0)), st.data())
def test_kl_nonnegative_and_zero_on_itself(p, data):
    p = p / p.sum(-1, keepdims=True)
    q = data.draw(hnp.arrays(np.float64, p.shape, elements=_floats(1e-3, 1.0)))
    q = q / q.sum(-1, keepdims=True)
    assert np.all(R.kl_divergence(q, p) >= -1e-15)
    np.testing.assert_allclose(R.kl_divergence(p, p), 0.0, atol=1e-15)
    assert np.all(R.entropy(p) >= -1e-15)


# --------------------------------------------------------------------------- ranges


NONNEG_ELEMENTWISE = ["squared_error", "absolute_error", "huber", "smooth_l1", "pseudo_huber",
                      "log_cosh", "absolute_percentage_error"]
NONNEG_PM1 = ["hinge", "squared_hinge", "soft_margin", "perceptron"]


@PROFILE
@given(_vector(-1e6, 1e6), st.data())
def test_regression_and_margin_losses_nonnegative(p, data):
    t = data.draw(hnp.arrays(np.float64, p.shape, elements=_floats(-1e6, 1e6)))
    for name in NONNEG_ELEMENTWISE:
        v = R.FUNCTIONS[name](p, t)
        assert np.all((v >= 0) | np.isnan(v)), name
    signs = np.where(t >= 0, 1.0, -1.0)
    for name in NONNEG_PM1:
        assert np.all(R.FUNCTIONS[name](p, signs) >= 0), name
    assert np.all(R.hinge_embedding(np.abs(p), signs) >= 0)
    assert np.all(R.squared_log_error(np.abs(p), np.abs(t)) >= 0)
    for mo in ("pooled", "uniform_average", "raw_values"):
        rmse = R.root_mean_squared_error(p, t, multioutput=mo)
        # a root mean square lies between the smallest and the largest |error|
        assert np.all(rmse >= 0)
        assert np.all(rmse <= np.max(np.abs(p - t)) * (1 + 4 * EPS))
        assert np.all(R.root_mean_squared_log_error(np.abs(p), np.abs(t), multioutput=mo) >= 0)


@PROFILE
@given(_matrix(-50.0, 50.0), st.data())
def test_class_losses_nonnegative(x, data):
    n, c = x.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    onehot = np.eye(c)[labels]
    for name in ("multi_margin", "multiclass_hinge", "multiclass_perceptron"):
        assert np.all(R.FUNCTIONS[name](x, labels) >= 0), name
    assert np.all(R.categorical_hinge(x, onehot) >= 0)
    assert np.all(R.multilabel_soft_margin(x, onehot) >= 0)
    assert np.all(R.sigmoid_binary_cross_entropy(x, onehot) >= 0)
    assert np.all(R.binary_cross_entropy(R.sigmoid(x), onehot) >= 0)
    # Brier: 0 <= score <= 2 (a probability row against a one-hot label)
    brier = R.multiclass_brier_score(R.softmax(x), labels)
    assert np.all((brier >= 0) & (brier <= 2 + 4 * EPS))
    assert np.all((R.brier_score(R.sigmoid(x), onehot) >= 0)
                  & (R.brier_score(R.sigmoid(x), onehot) <= 1))
    cos = R.cosine_similarity(x, onehot, eps=1e-8)
    assert np.all((cos <= 1 + 1e-15) & (cos >= -1 - 1e-15))


@PROFILE
@given(_matrix(-50.0, 50.0), st.data())
def test_multilabel_margin_target_lists(x, data):
    """Non-negative; the order of the target list (before the first -1) does not matter;
    the VJP's entries sum to 0 per sample (every hinge term is x[i] - x[j])."""
    n, c = x.shape
    rows = []
    for _ in range(n):
        k = data.draw(st.integers(0, c))
        head = data.draw(st.lists(st.integers(0, c - 1), min_size=k, max_size=k))
        tail = data.draw(st.lists(st.integers(-1, c - 1), min_size=c - k, max_size=c - k))
        rows.append(head + ([-1, *tail[1:]] if k < c else []))
    y = np.array(rows, dtype=np.int64)
    v = R.multilabel_margin(x, y)
    assert np.all(v >= 0)
    flipped = y.copy()
    for r in range(n):
        k = int(np.argmax(y[r] < 0)) if np.any(y[r] < 0) else c
        flipped[r, :k] = y[r, :k][::-1]
    np.testing.assert_array_equal(v, R.multilabel_margin(x, flipped))
    g = R.VJPS["multilabel_margin"](np.ones(n), x, y)
    np.testing.assert_allclose(g.sum(axis=-1), 0.0, atol=1e-12)


@given(_matrix(-5.0, 5.0), st.data(), _floats(0.0, 2.0), _floats(0.0, 1e-3))
def test_overlap_losses_in_unit_interval_and_tversky_half_is_dice(x, data, s, e):
    n, c = x.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    p, t = R.sigmoid(x), np.eye(c)[labels]
    for v in (R.dice(p, t, axis=-1, smooth=s, eps=e),
              R.tversky(p, t, axis=-1, alpha=0.3, beta=1.5, smooth=s, eps=e)):
        assert np.all((v >= 0) & (v <= 1)), v
    # alpha = beta = 1/2 is Dice with smooth and eps doubled (up to rounding)
    np.testing.assert_allclose(R.tversky(p, t, axis=-1, smooth=s, eps=e),
                               R.dice(p, t, axis=-1, smooth=2 * s, eps=2 * e),
                               rtol=1e-14, atol=1e-300)
    q = data.draw(_floats(1e-3, 1.0))
    gce = R.generalized_cross_entropy(R.softmax(x), labels, q=q)
    assert np.all((gce >= 0) & (gce <= 1 / q * (1 + 1e-15)))


@PROFILE
@given(_matrix(-5.0, 5.0), st.data())
def test_accuracies_in_unit_interval(x, data):
    n, c = x.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    onehot = np.eye(c)[labels]
    for value in (R.categorical_accuracy(x, onehot, reduction="mean"),
                  R.sparse_categorical_accuracy(x, labels, reduction="mean"),
                  R.binary_accuracy(R.sigmoid(x), onehot, reduction="mean")):
        assert 0.0 <= float(value) <= 1.0


# --------------------------------------------------------------------------- VJP vs FD


def _smooth_cases():
    """(name, args builder from a random generator): smooth points only."""
    def real(rng, shape):
        return rng.uniform(-3, 3, shape)

    def pm1(rng, shape):
        return rng.choice([-1.0, 1.0], shape)

    def simplex(rng, shape):
        p = rng.uniform(0.05, 1, shape)
        return p / p.sum(-1, keepdims=True)

    def onehot(rng, shape):
        return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]

    def labels(rng, shape):
        return rng.integers(0, shape[-1], shape[:-1])

    return {
        "sigmoid": lambda r, s: (real(r, s),),
        "tanh": lambda r, s: (real(r, s),),
        "softplus": lambda r, s: (real(r, s),),
        "gelu": lambda r, s: (real(r, s),),
        "silu": lambda r, s: (real(r, s),),
        "mish": lambda r, s: (real(r, s),),
        "log_sigmoid": lambda r, s: (real(r, s),),
        "softmax": lambda r, s: (real(r, s),),
        "log_softmax": lambda r, s: (real(r, s),),
        "logsumexp": lambda r, s: (real(r, s),),
        "squared_error": lambda r, s: (real(r, s), real(r, s)),
        "log_cosh": lambda r, s: (real(r, s), real(r, s)),
        "pseudo_huber": lambda r, s: (real(r, s), real(r, s)),
        "squared_log_error": lambda r, s: (r.uniform(0, 3, s), r.uniform(0.01, 3, s)),
        "root_mean_squared_error": lambda r, s: (real(r, s), real(r, s)),
        "root_mean_squared_log_error": lambda r, s: (r.uniform(0, 3, s), r.uniform(0.01, 3, s)),
        "brier_score": lambda r, s: (r.uniform(0.05, 0.95, s), r.uniform(0.01, 0.99, s)),
        "multiclass_brier_score": lambda r, s: (r.uniform(0, 1, s), labels(r, s)),
        "poisson_nll": lambda r, s: (r.uniform(0.1, 3, s), r.integers(0, 5, s) * 1.0),
        "poisson_nll_log_input": lambda r, s: (real(r, s), r.integers(0, 5, s) * 1.0),
        "cosine_similarity": lambda r, s: (real(r, s), real(r, s)),
        "cosine_distance": lambda r, s: (real(r, s), real(r, s)),
        "unit_cosine_distance": lambda r, s: (real(r, s), real(r, s)),
        "mean_pairwise_squared_error": lambda r, s: (real(r, s), real(r, s)),
        # kinked at d = 0 (and APE at |y_true| = 0): random reals stay off the kinks
        "absolute_error": lambda r, s: (real(r, s), real(r, s)),
        "huber": lambda r, s: (real(r, s), real(r, s)),
        "smooth_l1": lambda r, s: (real(r, s), real(r, s)),
        "absolute_percentage_error": lambda r, s: (real(r, s),
                                                   r.uniform(0.5, 3, s) * pm1(r, s)),
        # a normalizer of either sign, off 0 (where divide_no_nan's constant 0 jumps)
        "relative_error": lambda r, s: (real(r, s), real(r, s),
                                        r.uniform(0.5, 3, s) * pm1(r, s)),
        "cosine_embedding": lambda r, s: (real(r, s), real(r, s), np.ones(s[:-1])),
        "margin_ranking": lambda r, s: (real(r, s), real(r, s), pm1(r, s)),
        "triplet_margin": lambda r, s: (real(r, s), real(r, s), real(r, s)),
        # a batch of s[0] + 2 embeddings whose first two share a label (a positive pair)
        "ntxent": lambda r, s: (real(r, (s[0] + 2, s[1])),
                                np.concatenate([[0, 0], r.integers(0, 3, s[0])])),
        "circle": lambda r, s: (real(r, (s[0] + 2, s[1])) / 3,
                                np.concatenate([[0, 0], r.integers(0, 3, s[0])])),
        "soft_margin": lambda r, s: (real(r, s), pm1(r, s)),
        "squared_hinge": lambda r, s: (real(r, s), pm1(r, s)),
        "multilabel_soft_margin": lambda r, s: (real(r, s), r.uniform(0.01, 0.99, s)),
        # targets kept off 0 and 1, where the y_true difference would leave [0, 1]
        "sigmoid_binary_cross_entropy": lambda r, s: (real(r, s), r.uniform(0.01, 0.99, s)),
        "sigmoid_focal_loss": lambda r, s: (real(r, s), r.uniform(0.01, 0.99, s)),
        "binary_cross_entropy": lambda r, s: (r.uniform(0.05, 0.95, s), r.uniform(0.01, 0.99, s)),
        "binary_focal_cross_entropy": lambda r, s: (r.uniform(0.05, 0.95, s),
                                                    r.uniform(0.01, 0.99, s)),
        "softmax_cross_entropy": lambda r, s: (real(r, s), simplex(r, s)),
        # probabilities off 0 (and targets off the simplex's corners), renormalised and clipped
        "categorical_cross_entropy": lambda r, s: (simplex(r, s) + 0.01, simplex(r, s)),
        "categorical_focal_cross_entropy": lambda r, s: (simplex(r, s) + 0.01, simplex(r, s)),
        "poly1_cross_entropy": lambda r, s: (real(r, s), simplex(r, s)),
        # the hinge and the max of (1 - t) x: kinks that random reals stay off
        "categorical_hinge": lambda r, s: (real(r, s), simplex(r, s)),
        "log_softmax_cross_entropy": lambda r, s: (real(r, s), onehot(r, s)),
        "sparse_softmax_cross_entropy": lambda r, s: (real(r, s), labels(r, s)),
        "ranking_softmax_cross_entropy": lambda r, s: (real(r, s), r.integers(0, 4, s) * 1.0),
        # x (N, F) with F = s[1], a weight matrix (3 classes, F), labels of the 3 classes
        "linear_cross_entropy": lambda r, s: (real(r, s), real(r, (3, s[1])),
                                              labels(r, (s[0], 3))),
        "kl_divergence": lambda r, s: (simplex(r, s), simplex(r, s)),
        "softmax_kl_divergence": lambda r, s: (real(r, s), real(r, s)),
        "sigmoid_kl_divergence": lambda r, s: (real(r, s), real(r, s)),
        # probabilities off 0 and 1, where the t difference would leave [0, 1]
        "binary_kl_divergence": lambda r, s: (r.uniform(0.05, 0.95, s), r.uniform(0.05, 0.95, s)),
        # the elementwise kernels of two non-negative arguments, away from 0
        "xlogy": lambda r, s: (r.uniform(0.1, 3, s), r.uniform(0.1, 3, s)),
        "xlog1py": lambda r, s: (r.uniform(0.1, 3, s), r.uniform(0.1, 3, s)),
        "rel_entr": lambda r, s: (r.uniform(0.1, 3, s), r.uniform(0.1, 3, s)),
        "kl_div_elementwise": lambda r, s: (r.uniform(0.1, 3, s), r.uniform(0.1, 3, s)),
        "jensen_shannon": lambda r, s: (simplex(r, s), simplex(r, s)),
        "jensen_shannon_distance": lambda r, s: (simplex(r, s), simplex(r, s)),
        # targets off 0, where the y_true difference would leave t >= 0 (and log t is -inf)
        "generalized_kl_div_log_input": lambda r, s: (real(r, s), r.uniform(0.01, 2, s)),
        "kl_div_log_input": lambda r, s: (real(r, s), r.uniform(0.01, 2, s)),
        "crelu": lambda r, s: (real(r, s),),
        "squared_norm": lambda r, s: (real(r, s),),
        "dice": lambda r, s: (r.uniform(0, 1, s), onehot(r, s)),
        "tversky": lambda r, s: (r.uniform(0, 1, s), r.uniform(0, 1, s)),
        "generalized_cross_entropy": lambda r, s: (simplex(r, s), labels(r, s)),
    }


SMOOTH = _smooth_cases()

# For the gradient w.r.t. the targets: counts and relevance labels off 0 (the difference
# t - h would leave t >= 0); the y_pred tests keep SMOOTH's integer targets, zeros included.
_OFF_ZERO = {
    "poisson_nll": lambda r, s: (r.uniform(0.1, 3, s), r.uniform(0.01, 5, s)),
    "poisson_nll_log_input": lambda r, s: (r.uniform(-3, 3, s), r.uniform(0.01, 5, s)),
    "ranking_softmax_cross_entropy": lambda r, s: (r.uniform(-3, 3, s), r.uniform(0.01, 4, s)),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@PROFILE
@given(seed=st.integers(0, 2**32 - 1),
       shape=st.tuples(st.integers(1, 3), st.integers(2, 5)))
def test_vjp_matches_central_difference(name, seed, shape):
    if name not in R.FUNCTIONS:
        pytest.skip(f"{name} not in the reference yet")
    rng = np.random.default_rng(seed)
    args = SMOOTH[name](rng, shape)
    f, vjp = R.FUNCTIONS[name], R.VJPS[name]
    out = f(*args)
    g = rng.uniform(-1, 1, np.shape(out))
    grad = vjp(g, *args)
    assert grad.shape == args[0].shape
    v = rng.uniform(-1, 1, args[0].shape)
    h = 1e-6
    rest = args[1:]
    fd = (np.sum(g * f(args[0] + h * v, *rest)) - np.sum(g * f(args[0] - h * v, *rest))) / (2 * h)
    scale = np.sum(np.abs(grad * v)) + 1.0
    assert abs(np.sum(grad * v) - fd) <= 1e-6 * scale, (name, np.sum(grad * v), fd)


def _wrt_cases() -> list[tuple[str, str, int]]:
    """(reference function, further input, its position) for every VJP with ``wrt=``."""
    from conformance.families import FAMILIES, FAMILY_OF

    out = []
    for name in sorted(SMOOTH):
        family = FAMILIES[FAMILY_OF[name]]
        # an optional input (a keyword of some of the family's functions): tested apart
        out.extend((name, wrt, family.inputs.index(wrt)) for wrt in family.more_grad_inputs
                   if wrt not in family.optional_inputs)
    return out


@pytest.mark.parametrize(("name", "wrt", "index"), _wrt_cases())
@PROFILE
@given(seed=st.integers(0, 2**32 - 1),
       shape=st.tuples(st.integers(1, 3), st.integers(2, 5)))
def test_vjp_wrt_another_input_matches_central_difference(name, wrt, index, seed, shape):
    """The gradient w.r.t. a further input (the second of a pair, a triplet's positive and
    negative, the weight matrix of linear_cross_entropy) by the same finite difference."""
    rng = np.random.default_rng(seed)
    args = list(_OFF_ZERO.get(name, SMOOTH[name])(rng, shape))
    f, vjp = R.FUNCTIONS[name], R.VJPS[name]
    g = rng.uniform(-1, 1, np.shape(f(*args)))
    grad = vjp(g, *args, wrt=wrt)
    assert grad.shape == np.shape(args[index])
    v = rng.uniform(-1, 1, np.shape(args[index]))
    h = 1e-6

    def at(t: float) -> float:
        moved = list(args)
        moved[index] = args[index] + t * v
        return float(np.sum(g * f(*moved)))

    fd = (at(h) - at(-h)) / (2 * h)
    scale = np.sum(np.abs(grad * v)) + 1.0
    assert abs(np.sum(grad * v) - fd) <= 1e-6 * scale, (name, wrt, np.sum(grad * v), fd)


@PROFILE
@given(seed=st.integers(0, 2**32 - 1), shape=st.tuples(st.integers(1, 3), st.integers(2, 5)),
       full=st.booleans())
def test_gaussian_nll_vjp_wrt_target_and_variance_matches_central_difference(seed, shape, full):
    """gaussian_nll takes its variance as a keyword (the generic test above cannot): the
    VJPs w.r.t. the target and the variance (per element, and one per sample), with the
    clamp eps below every variance (so the two var_grad conventions agree)."""
    rng = np.random.default_rng(seed)
    p, t = rng.normal(0, 2, shape), rng.normal(0, 2, shape)
    g = rng.uniform(-1, 1, shape)
    h = 1e-6
    for var in (rng.uniform(0.1, 2, shape), rng.uniform(0.1, 2, shape[:-1])):
        kw = {"var": var, "full": full, "eps": 1e-6}
        for wrt in ("y_true", "var"):
            base = t if wrt == "y_true" else var
            grad = R.VJPS["gaussian_nll"](g, p, t, wrt=wrt, **kw)
            assert grad.shape == base.shape
            if wrt == "var":
                through = R.VJPS["gaussian_nll"](g, p, t, wrt=wrt, var_grad="straight_through", **kw)
                np.testing.assert_array_equal(grad, through)
            v = rng.uniform(-1, 1, base.shape)

            def at(s: float, wrt: str = wrt, v: np.ndarray = v, kw: dict = kw) -> float:
                if wrt == "y_true":
                    return float(np.sum(g * R.gaussian_nll(p, t + s * v, **kw)))
                return float(np.sum(g * R.gaussian_nll(p, t, **{**kw, "var": kw["var"] + s * v})))

            fd = (at(h) - at(-h)) / (2 * h)
            assert abs(np.sum(grad * v) - fd) <= 1e-6 * (np.sum(np.abs(grad * v)) + 1.0), (wrt, fd)


@PROFILE
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 4), m=st.integers(1, 4),
       d=st.integers(2, 4), remove_diagonal=st.booleans(), reduction=st.sampled_from(["none", "sum"]))
def test_circle_vjps_against_a_reference_set_match_central_differences(
        seed, n, m, d, remove_diagonal, reduction):
    """circle against a separate reference set: the VJPs w.r.t. the batch and w.r.t. the
    reference embeddings, by the same central difference."""
    rng = np.random.default_rng(seed)
    # as the circle property above: uniform(-1, 1) coordinates, off the kinks almost surely
    x, r = rng.uniform(-1, 1, (n, d)), rng.uniform(-1, 1, (m, d))
    y, ry = rng.integers(0, 2, n), rng.integers(0, 2, m)
    kw = {"ref_embeddings": r, "ref_labels": ry, "remove_diagonal": remove_diagonal,
          "reduction": reduction}
    g = rng.uniform(-1, 1, np.shape(R.circle(x, y, **kw)))
    h = 1e-6
    for wrt, base in (("y_pred", x), ("ref_embeddings", r)):
        grad = R.VJPS["circle"](g, x, y, wrt=wrt, **kw)
        assert grad.shape == base.shape
        v = rng.uniform(-1, 1, base.shape)

        def at(t: float, wrt: str = wrt, v: np.ndarray = v) -> float:
            if wrt == "y_pred":
                return float(np.sum(g * R.circle(x + t * v, y, **kw)))
            return float(np.sum(g * R.circle(x, y, **{**kw, "ref_embeddings": r + t * v})))

        fd = (at(h) - at(-h)) / (2 * h)
        assert abs(np.sum(grad * v) - fd) <= 1e-6 * (np.sum(np.abs(grad * v)) + 1.0), (wrt, fd)


# further gradient inputs checked by a test of their own
_WRT_TESTED_APART = {("gaussian_nll", "y_true"), ("gaussian_nll", "var"),
                     ("circle", "ref_embeddings")}


def test_every_further_gradient_input_is_checked() -> None:
    import inspect

    from conformance.families import FAMILIES, FAMILY_OF

    # an optional input counts for the functions that take it (circle's reference set,
    # not ntxent's)
    wanted = {(n, w) for n, fam in FAMILY_OF.items() for w in FAMILIES[fam].more_grad_inputs
              if w not in FAMILIES[fam].optional_inputs
              or w in inspect.signature(R.FUNCTIONS[n]).parameters}
    assert wanted == {(n, w) for n, w, _ in _wrt_cases()} | _WRT_TESTED_APART

# ----------------------------------------------------------------------- CTC lattice


@PROFILE
@given(st.data(), st.integers(1, 6), st.integers(2, 4), st.integers(1, 3))
def test_ctc_lattice_is_a_log_probability_and_shifts_with_the_emissions(data, t, c, s):
    z = data.draw(hnp.arrays(np.float64, (1, t, c), elements=_floats(-20.0, 20.0)))
    y = np.array([data.draw(st.lists(st.integers(1, c - 1), min_size=s, max_size=s))])
    frames = data.draw(st.integers(0, t))
    shift = data.draw(hnp.arrays(np.float64, (t,), elements=_floats(-3.0, 3.0)))
    args = (y, [frames], [s])
    for eps in (-np.inf, -1e5):
        blank = R.ctc_log_alpha_blank(z, *args, log_epsilon=eps)
        label = R.ctc_log_alpha_label(z, *args, log_epsilon=eps)
        assert np.all(blank <= 0) and np.all(label <= 0)  # probabilities of path prefixes
        closed = R.ctc_log_alpha_blank(z, *args, log_epsilon=eps, close_last_frame=True)
        assert np.all(closed[:, -1] >= blank[:, -1])
        # softmax ignores a per-frame constant; log-probabilities as given do not: every
        # path through row t emits once per frame 0..min(t, frames - 1)
        zs = z + shift[None, :, None]
        np.testing.assert_allclose(R.ctc_log_alpha_label(zs, *args, log_epsilon=eps), label,
                                   rtol=1e-12, atol=1e-12)
        lp = R.log_softmax(z)
        moved = np.cumsum(np.where(np.arange(t) < frames, shift, 0.0))
        got = R.ctc_log_alpha_blank(lp + shift[None, :, None], *args, log_epsilon=eps,
                                    input_space="log_probabilities")
        want = blank + moved[None, :, None]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
