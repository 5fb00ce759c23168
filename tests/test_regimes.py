"""The regime generators' layout promises (the conformance cases rely on them)."""

import numpy as np

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
