"""The regime generators' layout promises (the conformance cases rely on them)."""

import numpy as np
import pytest

from conformance.regimes import UNARY, _both_loops


def test_both_loops_puts_every_value_in_the_body_and_the_tail() -> None:
    values = [np.nan, np.inf, -np.inf, 0.0, 1.0, -1.0]
    x = _both_loops(values)
    assert x.shape == (70,)
    # the tail, in order: the scalar remainder of a kernel whose vectorized blocks cover 64
    np.testing.assert_array_equal(x[-6:], values)
    body = x[:64]
    for v in values:
        assert (np.isnan(body).any() if np.isnan(v) else (body == v).any()), v


def test_unary_nan_inf_is_the_six_special_values_in_both_loops() -> None:
    x = UNARY["nan_inf"](np.random.default_rng(0), {})["x"]
    assert x.size == 70
    assert np.isnan(x).sum() == 11 and (x == np.inf).sum() == 11 and (x == -np.inf).sum() == 12
    assert np.isnan(x[64]) and x[-1] == -1.0


def test_unary_subnormal_holds_each_dtypes_subnormals_in_both_loops() -> None:
    """Positive and negative subnormals of float64, of float32 (and so of bfloat16, its
    exponent range) and of float16, each in the vectorized body and in the tail."""
    import ml_dtypes

    x = UNARY["subnormal"](np.random.default_rng(0), {})["x"]
    assert x.size == 64 + 12
    for dtype in (np.float64, np.float32, ml_dtypes.bfloat16, np.float16):
        cast = x.astype(dtype).astype(np.float64)
        tiny = float(ml_dtypes.finfo(dtype).tiny)  # the smallest normal
        sub = (cast != 0) & (np.abs(cast) < tiny)
        assert (cast[sub] > 0).any() and (cast[sub] < 0).any(), dtype
        assert sub[:64].any() and sub[64:].any(), dtype


def test_regression_subnormal_residuals_against_a_zero_target() -> None:
    """The same subnormals as the unary regime, as y_pred - y_true with y_true = 0; the
    families built on the regression regimes (variance, normalizer) carry it too."""
    from conformance.regimes import GAUSSIAN, REGRESSION, RELATIVE

    rng = np.random.default_rng(0)
    d = REGRESSION["subnormal"](rng, {})
    assert not d["y_true"].any()
    np.testing.assert_array_equal(np.sort(d["y_pred"].ravel()),
                                  np.sort(np.unique(UNARY["subnormal"](rng, {})["x"])))
    assert "subnormal" in GAUSSIAN and "subnormal" in RELATIVE


def test_axis_subnormal_rows_hold_each_dtypes_subnormals_and_split_for_glu() -> None:
    """Four rows of 20 (even: glu halves the axis) from the unary regime's subnormals, both
    signs, in the vectorized body and the tail of the flattened array."""
    from conformance.regimes import AXIS

    x = AXIS["subnormal"](np.random.default_rng(0), {})["x"]
    assert x.shape == (4, 20)
    np.testing.assert_array_equal(np.unique(x), np.unique(UNARY["subnormal"](None, {})["x"]))
    assert np.moveaxis(AXIS["subnormal"](None, {"axis": 1})["x"], 1, -1).shape == (4, 20)


def test_nonnegative_and_pair_subnormals_are_positive_and_meet_normal_partners() -> None:
    """entr/log1mexp get the positive subnormals only; each pair function gets a subnormal
    second argument against 0.5, a subnormal first one against 0.5, and both subnormal."""
    from conformance.regimes import NONNEG_PAIR, NONNEG_UNARY

    x = NONNEG_UNARY["subnormal"](None, {})["x"]
    assert (x > 0).all() and (x < 1e-5).all() and x.size == 70
    d = NONNEG_PAIR["subnormal"](None, {})
    p, t = d["y_pred"], d["y_true"]
    assert p.shape == t.shape == (18,)
    assert (p[6:12] == 0.5).all() and (t[:6] == 0.5).all()
    assert ((p < 1e-5) & (t < 1e-5)).sum() == 6


def test_distribution_subnormal_rows_sum_to_one_and_pair_apart() -> None:
    """Rows of probabilities with each dtype's subnormals, summing to 1 within 6e-8; the pair's
    second distribution is the rows reversed, so a subnormal meets a normal probability (p
    log(p/q) large) and, in the middle column, another subnormal."""
    from conformance.regimes import DISTRIBUTION, DISTRIBUTION_PAIR, LOG_DISTRIBUTION_PAIR

    x = DISTRIBUTION["subnormal"](None, {})["x"]
    np.testing.assert_allclose(x.sum(axis=-1), 1.0, rtol=0, atol=6.1e-8)
    d = DISTRIBUTION_PAIR["subnormal"](None, {})
    np.testing.assert_array_equal(d["y_pred"], d["y_true"][:, ::-1])
    assert ((d["y_true"] < 1e-30) & (d["y_pred"] > 0.1)).any()
    logs = LOG_DISTRIBUTION_PAIR["subnormal"](None, {"log_target": True})
    assert np.isfinite(logs["y_pred"]).all() and np.isfinite(logs["y_true"]).all()


def test_probability_subnormals_meet_both_labels_and_serve_as_labels() -> None:
    """Binary: subnormal predictions against targets 0 and 1, and subnormal soft targets;
    categorical: rows whose label points at a subnormal probability (rows 0 to 4) or at the
    row's large one, as one-hot or index labels."""
    from conformance.regimes import BINARY_PROB, categorical

    d = BINARY_PROB["subnormal"](None, {})
    p, t = d["y_pred"], d["y_true"]
    assert p.shape == t.shape == (3, 6)
    assert (p[:2] < 1e-5).all() and set(t[0]) == {0.0} and set(t[1]) == {1.0}
    assert (t[2] > 0).all() and (t[2] < 1e-5).all()
    for sparse in (False, True):
        c = categorical("probabilities", sparse)["subnormal"](None, {})
        labels = c["y_true"] if sparse else c["y_true"].argmax(-1)
        at_label = c["y_pred"][np.arange(6), labels]
        assert (at_label[:5] < 1e-5).all() and at_label[5] > 0.9
    assert "subnormal" not in categorical("logits", False)


def test_flush_subnormals_zeroes_each_dtypes_subnormals_with_their_sign() -> None:
    """What a denormals-are-zero CPU reads: subnormals of the case dtype become signed
    zeros (bfloat16 by float32's range; 1.4e-45 is 0 there already), normals, zeros,
    specials and integers stay."""
    import ml_dtypes

    from conformance.runner import flush_subnormals

    x = np.array([1e-39, -1e-39, 1.4e-45, 1e-30, 0.0, -0.0, np.inf, np.nan, 6e-8, -3e-6])
    labels = np.array([0, 3])
    for dtype, np_dtype, flushed in (("float32", np.float32, 3), ("bfloat16", ml_dtypes.bfloat16, 2),
                                     ("float16", np.float16, 2), ("float64", np.float64, 0)):
        out, count = flush_subnormals({"x": x.astype(np_dtype), "y_true": labels}, dtype)
        assert count == flushed and out["x"].dtype == np_dtype and out["y_true"] is labels
        y = out["x"].astype(np.float64)
        tiny = float(ml_dtypes.finfo(np_dtype).tiny)
        assert not ((y != 0) & (np.abs(y) < tiny)).any()
        assert (np.signbit(y) == np.signbit(x.astype(np_dtype).astype(np.float64))).all()


def test_unary_huge_is_finite_where_it_runs_and_has_no_float16_cases() -> None:
    """Past "extreme" up to float32's largest value, in the dtypes that hold it: every value
    finite once cast (a float16 case would be nan_inf's inf again, so there is none), both
    signs, and the overflow points of x^3, x^2, 6x and 2x in float32 on both sides."""
    import ml_dtypes

    from adapters import numpy_binding
    from conformance.cases import DTYPES, cast_inputs, check_case, raw_inputs, specs_for
    from conformance.regimes import REGIME_DTYPES

    binding = numpy_binding("np.sigmoid", lambda x: 1 / (1 + np.exp(-x)), "sigmoid",
                            dtypes=DTYPES)
    x = raw_inputs(binding, "huge")["x"]
    for dtype, kind in (("bfloat16", ml_dtypes.bfloat16), ("float32", np.float32),
                        ("float64", np.float64)):
        cast = cast_inputs(binding, {"x": x}, dtype)["x"]
        assert cast.dtype == kind and np.isfinite(cast.astype(np.float64)).all(), dtype
    assert (x > 0).sum() == (x < 0).sum() and np.abs(x).min() > 1e4
    for limit in (7e12, 1.85e19, 5.7e37, 1.71e38):  # x^3, x^2, 6x, 2x overflow float32
        assert ((x > limit) & (x < 3.4e38)).any() and ((x < -limit) & (x > -3.4e38)).any()
    assert REGIME_DTYPES["huge"] == ("bfloat16", "float32", "float64")
    pairs = {(s.dtype, s.regime) for s in specs_for(binding, DTYPES)}
    assert ("float32", "huge") in pairs and ("float16", "huge") not in pairs
    assert ("float16", "extreme") in pairs
    with pytest.raises(ValueError, match="regime 'huge' has no float16 cases"):
        check_case(binding, "float16", "huge", "value")


def test_the_huge_regimes_cotangent_reaches_past_the_range_with_x() -> None:
    """A pullback that forms g * x before the factor that vanishes (x * sigmoid(x)) turns
    inf * 0 into NaN once |g x| > 3.4e38: the huge regime's cotangent has magnitudes 1.5 to
    4 (both signs) so that g * x overflows at its largest points for every element, where
    N(0, 1) left two thirds of them below 1 and the test to the seed's chance."""
    from adapters import numpy_binding
    from conformance.cases import DTYPES, cotangent, raw_inputs
    from conformance.regimes import COTANGENT_RANGE

    binding = numpy_binding("np.silu", lambda x: x / (1 + np.exp(-x)), "silu", dtypes=DTYPES)
    x = raw_inputs(binding, "huge")["x"]
    g = cotangent(binding, "huge", x.shape, "float32").astype(np.float64)
    low, high = COTANGENT_RANGE["huge"]
    assert (np.abs(g) >= low).all() and (np.abs(g) <= high).all()
    assert (g > 0).any() and (g < 0).any()
    top = np.abs(x) >= 2.4e38
    assert top.sum() >= 4 and (np.abs(g[top] * x[top]) > np.finfo(np.float32).max).all()
    typical = cotangent(binding, "typical", (64,), "float32")
    assert (np.abs(typical) < 1).any()  # the other regimes keep N(0, 1)
