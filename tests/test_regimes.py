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
