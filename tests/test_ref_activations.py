"""reference.activations beyond the mpmath oracle: validation, NaN/inf, golden values,
framework conventions (Keras relu, torch softplus threshold, kink subgradients)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from reference import activations as act

F, V = act.FUNCTIONS, act.VJPS
ELEMENTWISE = sorted(set(F) - {"softmax", "log_softmax", "softmin", "logsumexp", "logmeanexp",
                               "sparsemax", "glu", "crelu"})
# Defined on part of the line only (NaN outside it, by definition): log(1 - e^-x) for x >= 0.
DOMAIN = {"log1mexp": lambda x: x >= 0}
REQUIRED = {"threshold": {"threshold": 0.5, "value": -1.0}}


# ---- validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(F))
def test_non_numeric_x_raises_type_error_naming_x(name: str) -> None:
    with pytest.raises(TypeError, match="x must be"):
        F[name](np.array(["a", "b"]), **REQUIRED.get(name, {}))
    with pytest.raises(TypeError, match="x must be"):
        V[name](1.0, None, **REQUIRED.get(name, {}))


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda: act.softplus([1.0], beta=0.0), "beta"),
        (lambda: act.softplus([1.0], beta=-1.0), "beta"),
        (lambda: act.softplus([1.0], threshold=float("inf")), "threshold"),
        (lambda: act.celu([1.0], alpha=0.0), "alpha"),
        (lambda: act.elu([1.0], alpha=float("nan")), "alpha"),
        (lambda: act.softshrink([1.0], lambd=-0.5), "lambd"),
        (lambda: act.hardshrink([1.0], lambd=-1.0), "lambd"),
        (lambda: act.hard_tanh([1.0], min_val=1.0, max_val=-1.0), "max_val"),
        (lambda: act.hard_sigmoid([1.0], slope=0.0), "slope"),
        (lambda: act.relu([1.0], max_value=-1.0), "max_value"),
        (lambda: act.squareplus([1.0], b=-1.0), "b"),
        (lambda: act.softmax(np.ones((2, 3)), axis=2), "axis"),
        (lambda: act.logsumexp(np.ones(3), axis=-2), "axis"),
        (lambda: act.glu(np.ones((2, 3))), "x must have an even size"),
        (lambda: act.relu6_vjp(np.ones(2), np.ones(2), grad_at_max=float("nan")), "grad_at_max"),
        (lambda: act.leaky_relu_vjp(1.0, 1.0, grad_at_zero=np.inf), "grad_at_zero"),
        (lambda: act.softmax_vjp(np.ones(4), np.ones(3)), "g of shape"),
    ],
)
def test_bad_hyperparameters_raise_value_error_naming_them(call, param: str) -> None:
    with pytest.raises(ValueError, match=param):
        call()


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda: act.leaky_relu([1.0], negative_slope=None), "negative_slope"),
        (lambda: act.softmax([1.0, 2.0], axis=0.5), "axis"),
        (lambda: act.silu([1.0], beta=[1.0, 2.0]), "beta"),
        (lambda: act.threshold([1.0], threshold=None, value=0.0), "threshold"),
    ],
)
def test_wrongly_typed_hyperparameters_raise_type_error(call, param: str) -> None:
    with pytest.raises(TypeError, match=param):
        call()


# ---- NaN / inf / no warnings ------------------------------------------------------------

SPECIAL = np.array([np.nan, np.inf, -np.inf, 1e4, -1e4, 745.0, -745.0, 1e300, -1e300, 0.0, -0.0,
                    5e-324, 1.7e308, -1.7e308])


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_nan_propagates_and_no_warning(name: str) -> None:
    kw = REQUIRED.get(name, {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F[name](SPECIAL, **kw)
        grad = V[name](np.ones_like(SPECIAL), SPECIAL, **kw)
    assert out.dtype == np.float64 and out.shape == SPECIAL.shape
    assert np.isnan(out[0]) and (np.isnan(grad[0]) or name == "linear")  # linear' = 1
    inside = DOMAIN.get(name, lambda x: np.ones(x.shape, dtype=bool))(SPECIAL[1:])
    assert not np.isnan(out[1:][inside]).any(), (name, out)
    assert not np.isnan(grad[1:][inside]).any(), (name, grad)
    assert np.isnan(out[1:][~inside]).all() and np.isnan(grad[1:][~inside]).all(), name


@pytest.mark.parametrize(("name", "kw"), [("silu", {"beta": 1.5}), ("softplus", {"beta": 2.0}),
                                          ("silu", {"beta": 0.5}), ("softplus", {"beta": 0.5})])
def test_scaled_input_beyond_the_range_no_warning(name: str, kw: dict) -> None:
    """beta * x past float64's range is +-inf, quietly (a benchmarks/domain_sweep.py run on
    silu(beta=1.5) at 1.7e308 warned of the overflow)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F[name](SPECIAL, **kw)
        grad = V[name](np.ones_like(SPECIAL), SPECIAL, **kw)
    assert not np.isnan(out[1:]).any() and not np.isnan(grad[1:]).any(), (out, grad)


@pytest.mark.parametrize(
    ("name", "at_inf", "at_minus_inf"),
    [("sigmoid", 1.0, 0.0), ("log_sigmoid", 0.0, -np.inf), ("tanh", 1.0, -1.0),
     ("relu", np.inf, 0.0), ("softplus", np.inf, 0.0), ("gelu", np.inf, 0.0),
     ("silu", np.inf, 0.0), ("mish", np.inf, 0.0), ("elu", np.inf, -1.0),
     ("softsign", 1.0, -1.0), ("exponential", np.inf, 0.0), ("hard_silu", np.inf, 0.0)],
)
def test_limits_at_infinity(name: str, at_inf: float, at_minus_inf: float) -> None:
    out = F[name](np.array([np.inf, -np.inf]))
    np.testing.assert_array_equal(out, [at_inf, at_minus_inf])


def test_softmax_family_rows_with_nan_or_inf() -> None:
    x = np.array([[1.0, np.nan, 0.0], [np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf],
                  [-np.inf, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.softmax(x)
        ls = act.log_softmax(x)
        lse = act.logsumexp(x)
    assert np.isnan(s[:3]).all() and np.isnan(ls[:3]).all()
    np.testing.assert_allclose(s[3], [0.0, 0.26894142136999516, 0.7310585786300049], rtol=1e-15)
    assert ls[3, 0] == -np.inf and np.isnan(ls[2]).all()
    assert np.isnan(lse[0]) and lse[1] == np.inf and lse[2] == -np.inf


# ---- golden values ------------------------------------------------------------------------

def test_softmax_golden() -> None:
    np.testing.assert_allclose(act.softmax([2.0, 1.0, 0.1]),
                               [0.65900114, 0.24243297, 0.09856589], atol=5e-9)
    np.testing.assert_allclose(act.softmin([2.0, 1.0, 0.1]),
                               act.softmax([-2.0, -1.0, -0.1]), rtol=0)


def test_softmax_extreme_logits_and_axis() -> None:
    np.testing.assert_array_equal(act.softmax([1e4, -1e4, 0.0]), [1.0, 0.0, 0.0])
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(act.softmax(x, axis=0), act.softmax(x.T, axis=-1).T, rtol=1e-15)
    assert act.logsumexp(x, axis=0, keepdims=True).shape == (1, 3)
    assert act.logsumexp([1e4, 1e4]) == pytest.approx(1e4 + np.log(2), rel=1e-16)


def test_softmax_vjp_is_full_jacobian_not_diagonal() -> None:
    x = np.array([0.5, -1.0, 2.0])
    g = np.array([1.0, 0.0, 0.0])
    s = act.softmax(x)
    jac = np.diag(s) - np.outer(s, s)
    np.testing.assert_allclose(act.softmax_vjp(g, x), g @ jac, rtol=1e-15)
    assert not np.allclose(act.softmax_vjp(g, x), g * s * (1 - s))
    np.testing.assert_allclose(act.logsumexp_vjp(2.0, x), 2.0 * s, rtol=1e-15)


def test_glu_splits_first_half_value_second_half_gate() -> None:
    x = np.array([[1.0, 2.0, 0.0, -1.0]])
    np.testing.assert_allclose(act.glu(x), [[0.5, 2.0 * act.sigmoid(-1.0)]], rtol=1e-15)
    assert act.glu_vjp(np.ones((1, 2)), x).shape == (1, 4)


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [
        ("gelu", 1.0, 0.8413447460685429),
        ("gelu", -5.0, -1.433257859395969558e-06),
        ("gelu_tanh", 1.0, 0.8411919906082768),
        ("selu", -1.0, -1.1113307378125625),
        ("mish", 1.0, 0.8650983882673103),
        ("silu", -800.0, -800.0 * np.exp(-800.0)),  # subnormal tail: rounded once
        ("log_sigmoid", -800.0, -800.0),
        ("tanhshrink", 1e-6, 3.333333333331999547e-19),
        ("squareplus", -1e4, 9.999999900000002e-05),
        ("hard_sigmoid", 3.0, 1.0),
        ("hard_sigmoid", 1.0, 2.0 / 3.0),
        ("sparse_plus", 0.0, 0.25),
    ],
)
def test_golden_spot_values(name: str, x: float, expected: float) -> None:
    assert float(F[name](np.array(x))) == pytest.approx(expected, rel=1e-15, abs=0)


# ---- conventions --------------------------------------------------------------------------

def test_relu_keras_conventions() -> None:
    x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0])
    # the examples of keras.activations.relu's docstring (keras/src/activations/activations.py)
    np.testing.assert_array_equal(act.relu(x), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(act.relu(x, negative_slope=0.5), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(act.relu(x, max_value=5.0), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(act.relu(x, threshold=5.0), [0, 0, 0, 0, 10])
    np.testing.assert_array_equal(act.relu([0.5, 1.0, 1.5, 3.0], threshold=1.0,
                                           negative_slope=0.1, max_value=2.0),
                                  [-0.05, 0.0, 1.5, 2.0])
    np.testing.assert_array_equal(act.relu6(x), act.relu(x, max_value=6.0))


def test_softplus_torch_threshold() -> None:
    # torch: x where beta * x > threshold, else log1p(exp(beta x)) / beta
    x = np.array([10.0, 10.5, 21.0])
    out = act.softplus(x, beta=2.0, threshold=20.0)
    assert out[0] == pytest.approx(np.log1p(np.exp(20.0)) / 2.0, rel=1e-15)
    assert out[1] == 10.5 and out[2] == 21.0
    np.testing.assert_array_equal(act.softplus_vjp(1.0, x, beta=2.0, threshold=20.0)[1:], 1.0)
    assert act.softplus(30.0) == pytest.approx(30.0 + np.exp(-30.0), rel=1e-16)


def test_hard_sigmoid_keras2_slope() -> None:
    np.testing.assert_allclose(act.hard_sigmoid([-3.0, 0.0, 1.0, 3.0], slope=0.2),
                               [0.0, 0.5, 0.7, 1.0], rtol=1e-15)
    np.testing.assert_array_equal(act.hard_sigmoid([-3.0, 3.0]), [0.0, 1.0])


def test_threshold_torch() -> None:
    np.testing.assert_array_equal(act.threshold([0.0, 1.0, 2.0], threshold=1.0, value=-7.0),
                                  [-7.0, -7.0, 2.0])


@pytest.mark.parametrize(
    ("name", "x", "default", "kwargs", "override"),
    [
        ("relu", 0.0, 0.0, {"grad_at_zero": 1.0}, 1.0),                 # all frameworks 0
        ("relu6", 6.0, 0.0, {"grad_at_max": 1.0}, 1.0),
        ("leaky_relu", 0.0, 1.0, {"grad_at_zero": 0.01}, 0.01),         # jax 1; torch slope
        ("hard_tanh", 1.0, 1.0, {"grad_at_max": 0.0}, 0.0),             # jax/Keras 1; torch 0
        ("hard_sigmoid", -3.0, 0.0, {"grad_at_min": 1 / 6}, 1 / 6),
        ("hard_silu", 3.0, 1.0, {"grad_at_max": 1 / 6}, 1.5),
        ("sparse_sigmoid", 1.0, 0.25, {"grad_at_max": 0.0}, 0.0),       # jax 0.25; Keras 0
        ("softshrink", 0.5, 0.0, {"grad_at_lambd": 1.0}, 1.0),
        ("hardshrink", -0.5, 0.0, {"grad_at_lambd": 1.0}, 1.0),
        ("elu", 0.0, 1.0, {"grad_at_zero": 0.5}, 0.5),
        ("celu", 0.0, 1.0, {"grad_at_zero": 2.0}, 2.0),                 # Keras/TF: 2
        ("selu", 0.0, 1.7580993408473768, {"grad_at_zero": 1.0507009873554805}, 1.0507009873554805),
    ],
)
def test_kink_subgradient_defaults_and_keywords(name, x, default, kwargs, override) -> None:
    assert float(V[name](1.0, np.array(x))) == pytest.approx(default, rel=1e-15)
    assert float(V[name](1.0, np.array(x), **kwargs)) == pytest.approx(override, rel=1e-15)


def test_elu_gradient_at_zero_follows_alpha() -> None:
    assert float(act.elu_vjp(1.0, 0.0, alpha=2.0)) == 2.0
    assert float(act.relu_vjp(1.0, 0.0, negative_slope=0.2)) == pytest.approx(0.2)


def test_dtypes_and_shapes() -> None:
    x32 = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    for name in sorted(F):
        out = F[name](x32, **REQUIRED.get(name, {}))
        assert out.dtype == np.float64, name
        expected = {"logsumexp": (3,), "logmeanexp": (3,), "glu": (3, 2),
                    "crelu": (3, 8)}.get(name, (3, 4))
        assert out.shape == expected, name
        g = np.ones(expected)
        assert V[name](g, x32, **REQUIRED.get(name, {})).shape == (3, 4), name
    assert act.relu(np.array([True, False])).tolist() == [1.0, 0.0]


def test_log1mexp_and_logmeanexp_closed_forms() -> None:
    # log(1 - e^-log 2) = -log 2, on both sides of the branch point
    assert act.log1mexp(np.array([np.log(2.0)]))[0] == -np.log(2.0)
    assert act.log1mexp(np.array([0.0, np.inf])).tolist() == [-np.inf, 0.0]
    assert act.log1mexp_vjp(np.ones(2), np.array([0.0, np.log(2.0)])).tolist() == [np.inf, 1.0]
    # the mean of equal terms is that term; log n is a constant, so the VJP is softmax's
    row = np.array([[3.25, 3.25, 3.25, 3.25], [0.0, 0.0, -np.inf, -np.inf]])
    assert act.logmeanexp(row).tolist() == [3.25, -np.log(2.0)]
    assert np.array_equal(act.logmeanexp_vjp(np.ones(2), row), act.softmax(row))
    assert np.isnan(act.logmeanexp(np.zeros((2, 0)))).all()  # log 0 - log 0


def test_sparsemax_projects_onto_the_simplex() -> None:
    # keras-team/keras#23425's example: Keras 3 summed every cumulative sum in the support
    assert act.sparsemax(np.array([[0.0, 0.5, 1.0]])).tolist() == [[0.0, 0.25, 0.75]]
    x = np.random.default_rng(5).normal(0, 2, (50, 7))
    p = act.sparsemax(x, axis=0)
    assert (p >= 0).all() and np.allclose(p.sum(axis=0), 1.0, rtol=0, atol=4e-16)
    assert act.sparsemax(np.array([3.0, -np.inf, 1.0])).tolist() == [1.0, 0.0, 0.0]
    # on the support the VJP removes the mean of g; off it, 0
    g = np.array([1.0, 2.0, 6.0, 5.0])
    assert act.sparsemax_vjp(g, np.array([1.0, 1.0, 1.0, -9.0])).tolist() == [-2.0, -1.0, 3.0, 0.0]


def test_crelu_doubles_the_axis_and_splits_the_gradient() -> None:
    x = np.array([[1.5, -2.0, 0.0], [-0.5, 3.0, np.nan]])
    out = act.crelu(x)
    assert out.shape == (2, 6)
    np.testing.assert_array_equal(out[:, :3], np.maximum(x, 0))
    np.testing.assert_array_equal(out[:, 3:], np.maximum(-x, 0))
    assert act.crelu(x, axis=0).shape == (4, 3)
    g = np.arange(12.0).reshape(2, 6)
    grad = act.VJPS["crelu"](g, x)
    np.testing.assert_array_equal(grad[0], [0.0, -4.0, 0.0])  # relu'(0) = 0 in both halves
    assert grad[1, 0] == -9.0 and grad[1, 1] == 7.0 and np.isnan(grad[1, 2])
    assert act.VJPS["crelu"](g, x, grad_at_zero=1.0)[0, 2] == 2.0 - 5.0


@pytest.mark.parametrize(("call", "exc", "param"), [
    (lambda: act.crelu(np.ones((2, 3)), axis=2), ValueError, "axis"),
    (lambda: act.crelu(np.ones(3), axis=0.5), TypeError, "axis"),
    (lambda: act.VJPS["crelu"](np.ones(6), np.ones(3), grad_at_zero=np.nan), ValueError,
     "grad_at_zero"),
])
def test_crelu_bad_arguments_name_the_parameter(call, exc, param) -> None:
    with pytest.raises(exc, match=param):
        call()
