"""The error measurement every case goes through: ULP spacing, the NaN/inf rules, and the
fast path for finite results, which must give the figures of the general path."""

from __future__ import annotations

import numpy as np
import pytest

from conformance.tolerance import (
    TOLERANCES,
    _measure_finite,
    _measure_general,
    measure,
    parse_ulp_ceilings,
    ulp_in,
)

DTYPES = ["float16", "bfloat16", "float32", "float64"]
MANT = {"float16": 10, "bfloat16": 7, "float32": 23, "float64": 52}


@pytest.mark.parametrize("dtype", DTYPES)
def test_ulp_at_and_just_below_powers_of_two(dtype: str) -> None:
    k = np.arange(-10, 11)
    at = np.ldexp(1.0, k)
    below = np.nextafter(at, 0)  # 2**k - tiny: its binade is k - 1 (log2 rounds it up to k)
    assert np.array_equal(ulp_in(at, dtype), np.ldexp(1.0, k - MANT[dtype]))
    assert np.array_equal(ulp_in(below, dtype), np.ldexp(1.0, k - 1 - MANT[dtype]))
    assert np.array_equal(ulp_in(-at, dtype), ulp_in(at, dtype))


def test_ulp_of_zero_and_subnormals_is_the_smallest_spacing() -> None:
    assert ulp_in(np.array([0.0]), "float16")[0] == 2.0 ** -24
    assert ulp_in(np.array([2.0 ** -20]), "float16")[0] == 2.0 ** -24
    assert ulp_in(np.array([0.0]), "float32")[0] == 2.0 ** -149


@pytest.mark.parametrize("dtype", DTYPES)
def test_finite_fast_path_gives_the_general_figures(dtype: str) -> None:
    rng = np.random.default_rng(7)
    rtol, atol = TOLERANCES[dtype]
    outcomes = set()
    for trial in range(300):
        shape = [(), (1,), (9,), (4, 6)][trial % 4]
        r = rng.normal(size=shape) * 10.0 ** rng.integers(-7, 4)  # inside float16 range
        if trial % 5 == 0:
            r = r * (rng.random(size=shape) < 0.5)  # exact zeros in the reference
        a = r * (1 + rng.normal(size=shape) * 10.0 ** rng.integers(-9, -1))
        a = np.asarray(a, dtype=np.float64)
        r = np.asarray(r, dtype=np.float64)
        fast = _measure_finite(a, r, np.abs(r), np.abs(a - r), dtype, rtol, atol)
        general = _measure_general(a, r, dtype, dtype, rtol, atol)
        assert fast == general, (trial, fast, general)
        outcomes.add(fast.passed)
    assert outcomes == {True, False}  # both outcomes compared, worst elements included


def test_worst_element_is_named() -> None:
    r = np.array([1.0, 2.0, 0.0])
    assert measure(r * (1 + 1e-8), r, "float32").passed
    bad = measure(r + np.array([0.0, 0.5, 0.0]), r, "float32")
    assert not bad.passed and bad.mismatches == 1 and bad.worst_index == (1,)
    assert bad.worst_actual == 2.5 and bad.worst_expected == 2.0


def test_nan_and_inf_rules() -> None:
    r = np.array([np.nan, np.inf, -np.inf, 1.0])
    assert measure(r.copy(), r, "float32").passed  # matching NaN and infinities are equal
    got = measure(np.array([1.0, np.inf, np.inf, 1.0]), r, "float32")
    assert not got.passed and got.mismatches == 2 and got.max_ulp == np.inf


def test_overflow_is_judged_in_the_returned_dtype() -> None:
    # 1e5 overflows float16 (max 65504): inf is the right float16 answer, not a float32 one.
    r = np.array([1e5])
    assert measure(np.array([np.inf]), r, "float16").passed
    assert not measure(np.array([np.inf]), r, "float16", out_dtype="float32").passed
    assert measure(np.array([1e5]), r, "float16", out_dtype="float32").passed


def test_elements_within_tolerance_only_through_atol_are_counted() -> None:
    # float64: rtol 1e-7, atol 1e-7. 0 where the answer is 1e-12 (rel 1), 1e-9 where it is
    # 0, and a 1e-6-relative error on 1e-3 (abs 1e-9): each passes only through atol.
    r = np.array([1.0, 1e-12, 0.0, 1e-3, 2.0])
    a = np.array([1.0, 0.0, 1e-9, 1e-3 * (1 + 1e-6), 2.0 * (1 + 1e-9)])
    m = measure(a, r, "float64")
    assert m.passed and m.atol_only == 3
    assert "3 within tolerance only through atol" in m.summary()
    assert m.as_dict()["atol_only"] == 3
    # the general path (a NaN on both sides) counts the same elements
    g = measure(np.append(a, np.nan), np.append(r, np.nan), "float64")
    assert g.passed and g.atol_only == 3
    # a mismatch is a mismatch, not an atol-only element
    bad = measure(np.array([1.0, 1e-6]), np.array([1.0, 0.0]), "float64")
    assert not bad.passed and bad.atol_only == 0 and bad.mismatches == 1


# --- --max-ulp ------------------------------------------------------------------------------
def test_ulp_ceilings_parse_integers_floats_and_powers_of_two() -> None:
    assert parse_ulp_ceilings("float64=2**20, float32=64,bfloat16=1.5e1") == {
        "float64": 2.0 ** 20, "float32": 64.0, "bfloat16": 15.0}


@pytest.mark.parametrize("text, names", [
    ("float65=3", ["unknown dtype 'float65'", "float16, bfloat16, float32, float64"]),
    ("float64", ["'float64' is not DTYPE=ULP"]),
    ("float64=-3", ["'-3'", "positive finite"]),
    ("float64=0", ["'0'", "positive finite"]),
    ("float64=nan", ["'nan'", "positive finite"]),
    ("float64=2**2000", ["'2**2000'", "positive finite"]),
    ("float64=2**x", ["'2**x' in 'float64=2**x' is not a number of ULP"]),
    (" , ", ["names no dtype"]),
])
def test_ulp_ceilings_reject_bad_items_by_name(text: str, names: list[str]) -> None:
    with pytest.raises(ValueError) as err:
        parse_ulp_ceilings(text)
    assert all(name in str(err.value) for name in names), str(err.value)


def test_the_figures_within_rtol_leave_out_what_needs_atol() -> None:
    r = np.array([1.0, 0.75, 1e-20, np.nan, np.inf, 2.0])
    a = r.copy()
    a[1] = np.float64(np.float32(0.75 + 3e-8))  # rounded up to float32: 0.75 + 2^-24, rel 8e-8
    a[2] = 1e-12       # passes through atol only: 6.6e23 float64 ULP, not counted
    a[5] = 2.0 + 2e-6  # beyond rtol: a tolerance failure, not the ceiling's
    # the NaN/inf path (every element) and the finite fast path (no NaN/inf) agree
    for keep, at in ((slice(None), (1,)), ([0, 1, 2, 5], (1,))):
        m = measure(a[keep], r[keep], "float64")
        assert m.max_ulp_within_rtol == 2.0 ** 29  # float32's spacing at 0.75 in float64's
        assert m.max_rel_within_rtol == 2.0 ** -24 / 0.75  # not a[2]'s 1e8 nor a[5]'s 1e-6
        assert m.within_rtol_index == at
        assert m.max_ulp > 6e23 and m.atol_only == 1  # the case-wide figure: a[2]'s
    same = measure(r[:3], r[:3], "float64")  # every element within rtol (no mask)
    assert (same.max_ulp_within_rtol, same.max_rel_within_rtol, same.within_rtol_index) == (0, 0, (0,))
    none = measure(np.array([1.0]), np.array([0.0]), "float32")  # through atol only
    assert (none.max_ulp_within_rtol, none.max_rel_within_rtol, none.within_rtol_index) == (0, 0, None)
    grid = measure(np.array([[1.0, 3.0 + 1e-13]]), np.array([[1.0, 3.0]]), "float64")
    assert grid.within_rtol_index == (0, 1) and grid.max_ulp_within_rtol > 200


def test_max_ulp_option_sets_the_runners_ceilings_or_is_a_usage_error() -> None:
    from types import SimpleNamespace

    from conformance.plugin import pytest_configure
    from conformance.runner import ULP_CEILINGS, set_ulp_ceilings, ulp_ceilings_text

    try:
        set_ulp_ceilings("float64=2**20,float16=4")
        assert ULP_CEILINGS == {"float64": 2.0 ** 20, "float16": 4.0}
        assert ulp_ceilings_text() == "float16=4,float64=1048576"  # as the reproducer writes it
        option = SimpleNamespace(threads=1, jax_cache="", max_ulp="float65=1", adapter=[])
        with pytest.raises(pytest.UsageError, match=r"^--max-ulp: unknown dtype 'float65' in "
                                                    r"'float65=1'"):
            pytest_configure(SimpleNamespace(option=option))
        assert ULP_CEILINGS == {}
        set_ulp_ceilings("float64=8")
        set_ulp_ceilings(None)
        assert ULP_CEILINGS == {} and ulp_ceilings_text() == ""
    finally:
        ULP_CEILINGS.clear()
