"""benchmarks/domain_sweep.py: its inputs cover each dtype, and its rows say where a
function leaves the tolerance."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from adapters import numpy_backend, numpy_binding

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "domain_sweep.py"
_spec = importlib.util.spec_from_file_location("domain_sweep", _PATH)
sweep = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sweep)


def test_every_float16_value_once() -> None:
    x = sweep.every_value("float16")
    bits = np.arange(1 << 16, dtype=np.uint16)
    finite = bits[np.isfinite(bits.view(np.float16))]
    assert x.size == finite.size == 63488
    got = np.sort(x.astype(np.float16).view(np.uint16))
    assert np.array_equal(got, np.sort(finite))  # each bit pattern once: -0.0 and 0.0 too
    assert np.all(np.diff(x) >= 0) and np.signbit(x[x == 0]).tolist() == [True, False]


def test_every_bfloat16_value_once() -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = sweep.every_value("bfloat16")
    assert x.size == 65280
    assert np.array_equal(x.astype(ml_dtypes.bfloat16).astype(np.float64), x)  # exact
    assert np.unique(x.astype(ml_dtypes.bfloat16).view(np.uint16)).size == x.size


@pytest.mark.parametrize(("dtype", "exponents"), [("float32", 255), ("float64", 2047)])
def test_wide_dtypes_reach_every_binade_and_the_largest_values(dtype: str, exponents: int) -> None:
    x = sweep.every_value(dtype)
    cast = x.astype(dtype)
    assert np.array_equal(cast.astype(np.float64), x) and np.isfinite(x).all()
    width = 23 if dtype == "float32" else 52
    field = (cast.view(np.uint32 if dtype == "float32" else np.uint64) >> width) & exponents
    for sign in (x < 0, x > 0):
        assert set(field[sign].tolist()) == set(range(exponents))  # subnormals .. largest
    assert x.max() > 0.99 * np.finfo(dtype).max and x.min() < -0.99 * np.finfo(dtype).max
    assert np.signbit(x[x == 0]).tolist() == [True, False]


def test_a_row_counts_the_inputs_outside_tolerance_and_names_the_worst() -> None:
    backend = numpy_backend("np", np.__version__)

    def rounded_once(x: np.ndarray) -> np.ndarray:  # silu in float64, one rounding
        with np.errstate(over="ignore"):
            wide = x.astype(np.float64)
            return (wide / (1 + np.exp(-wide))).astype(x.dtype)

    def overflowing(x: np.ndarray) -> np.ndarray:  # x * sigmoid(x) with x * x on the way
        with np.errstate(over="ignore", invalid="ignore"):
            return (x * x) / (x + x * np.exp(-x))

    good = numpy_binding("np.silu", rounded_once, "silu")
    bad = numpy_binding("np.silu_squared", overflowing, "silu")
    clean = sweep.sweep(good, backend, "float32", "value")
    row = sweep.sweep(bad, backend, "float32", "value")
    assert clean["beyond"] == 0 and clean["ulp"] <= 0.51, clean
    # x * x overflows for |x| > 1.8e19: inf / inf = NaN there, every one of them counted
    x = sweep.every_value("float32")
    assert row["beyond"] >= int(np.count_nonzero(np.abs(x) > 1.9e19)), row
    assert abs(row["worst_x"]) > 1.8e19 and row["subn"] == 0, row
