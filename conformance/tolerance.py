"""Tolerance policy and error measurement, per dtype.

A result passes when every element satisfies ``|a - r| <= atol + rtol * |r|`` (the
``torch.testing.assert_close`` rule) against the float64 reference ``r`` computed on the
same, already cast, inputs. Matching NaNs and matching infinities are equal. Where the
exact answer overflows the case dtype, the expected value is the infinity the dtype rounds
it to. Whatever the outcome, the measured error is recorded: max abs, max rel and max ULP
*of the case dtype*, because an ``atol`` can hide a relative error of 10^7 ULP in a tail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

# Start from torch.testing's table (torch/testing/_comparison.py, _DTYPE_PRECISIONS).
TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
}

# (mantissa bits, minimum normal exponent, largest finite value) per dtype.
_FORMATS: dict[str, tuple[int, int, float]] = {
    "float16": (10, -14, 65504.0),
    "bfloat16": (7, -126, 3.3895313892515355e38),
    "float32": (23, -126, 3.4028234663852886e38),
    "float64": (52, -1022, 1.7976931348623157e308),
}

__all__ = ["TOLERANCES", "Measured", "measure", "parse_ulp_ceilings", "smallest_normal", "ulp_in"]


def smallest_normal(dtype: str) -> float:
    """2**emin of ``dtype``: below it (and above 0) a value is subnormal."""
    return 2.0 ** _FORMATS[dtype][1]


def ulp_in(values: np.ndarray, dtype: str) -> np.ndarray:
    """Spacing of ``dtype`` at each finite (float64) value: 2**(max(e, emin) - mant), where
    2**e <= |value| < 2**(e+1) (``frexp``: exact, where ``floor(log2(.))`` rounds up just
    below a power of two); zero and subnormals share the smallest normal's spacing."""
    mant, emin, _ = _FORMATS[dtype]
    mag = np.abs(np.asarray(values, dtype=np.float64))
    _, e = np.frexp(np.maximum(mag, 2.0 ** emin))  # m * 2**e, 0.5 <= m < 1: e - 1 >= emin
    return np.ldexp(1.0, e - 1 - mant)


@dataclass(frozen=True)
class Measured:
    """Measured error of one output against the reference."""

    passed: bool
    max_abs: float
    max_rel: float
    max_ulp: float
    mismatches: int
    total: int
    worst_index: tuple[int, ...] | None
    worst_actual: float | None
    worst_expected: float | None
    rtol: float
    atol: float
    # elements within tolerance only through atol: |a - r| > rtol * |r| (what an exact
    # answer of 0, a flushed tail or a float32 computation in float64 look like)
    atol_only: int = 0
    # max ULP and max rel over the elements within rtol, both sides finite (|a - r| <= rtol
    # |r|): the case's precision without what atol lets through (what --max-ulp checks)
    max_ulp_within_rtol: float = 0.0
    max_rel_within_rtol: float = 0.0
    within_rtol_index: tuple[int, ...] | None = None  # where max_ulp_within_rtol is

    def summary(self) -> str:
        where = "" if self.worst_index is None else (
            f" worst at index {self.worst_index}: got {self.worst_actual!r}, "
            f"expected {self.worst_expected!r};"
        )
        return (
            f"{self.mismatches}/{self.total} elements outside rtol={self.rtol:g} "
            f"atol={self.atol:g};{where} max abs {self.max_abs:.3g}, max rel "
            f"{self.max_rel:.3g}, max {self.max_ulp:.3g} ULP"
            + (f"; {self.atol_only} within tolerance only through atol" if self.atol_only else "")
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_abs": _json_float(self.max_abs),
            "max_rel": _json_float(self.max_rel),
            "max_ulp": _json_float(self.max_ulp),
            "mismatches": self.mismatches,
            "elements": self.total,
            "rtol": self.rtol,
            "atol": self.atol,
            "atol_only": self.atol_only,
            "max_ulp_within_rtol": self.max_ulp_within_rtol,
            "max_rel_within_rtol": self.max_rel_within_rtol,
        }


def _json_float(v: float) -> float | str:
    return v if math.isfinite(v) else ("inf" if v > 0 else "nan" if math.isnan(v) else "-inf")


def _overflow_limit(dtype: str) -> float:
    """The smallest magnitude that rounds to infinity in ``dtype`` (max + half an ULP)."""
    mant, _, big = _FORMATS[dtype]
    return big + 2.0 ** (math.floor(math.log2(big)) - mant - 1)


_LIMITS = {name: _overflow_limit(name) for name in _FORMATS}


def expected_in_dtype(reference: np.ndarray, dtype: str) -> np.ndarray:
    """The reference with values beyond the dtype's range replaced by the infinity it
    rounds to (round-to-nearest overflows past max + half an ULP)."""
    ref = np.asarray(reference, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(ref) >= _LIMITS[dtype], np.copysign(np.inf, ref), ref)


def _measure_finite(a: np.ndarray, r: np.ndarray, absr: np.ndarray, diff: np.ndarray,
                    dtype: str, rtol: float, atol: float) -> Measured:
    """:func:`measure` where every element of both sides is finite and the reference is
    inside the returned dtype's range: the general path's figures in fewer array passes."""
    bound = absr * rtol
    over = diff > bound
    beyond_rtol = int(np.count_nonzero(over))
    bound += atol
    bad = diff > bound
    mismatches = int(np.count_nonzero(bad))
    with np.errstate(over="ignore"):
        rel = np.divide(diff, absr, out=np.zeros_like(diff), where=absr > 0)  # 0 where r == 0
        ulps = diff / ulp_in(absr, dtype)
    worst = wa = we = None
    if mismatches:
        flat = int(np.argmax(np.where(bad, diff - bound, -np.inf).reshape(-1)))
        worst = tuple(int(i) for i in np.unravel_index(flat, r.shape)) if r.ndim else ()
        wa, we = float(a.reshape(-1)[flat]), float(r.reshape(-1)[flat])
    # (beyond_rtol == 0: every element is within rtol, no mask needed)
    return Measured(mismatches == 0, float(diff.max()), float(rel.max()), float(ulps.max()),
                    mismatches, int(r.size), worst, wa, we, rtol, atol, beyond_rtol - mismatches,
                    *_within_rtol(ulps, rel, ~over if beyond_rtol else None))


def _within_rtol(ulps: np.ndarray, rel: np.ndarray,
                 within: np.ndarray | None) -> tuple[float, float, tuple[int, ...] | None]:
    """Max ULP, max rel and the index of that max ULP over the elements ``within`` rtol
    (None: all of them); (0, 0, None) where no element is."""
    if within is not None:
        if not within.any():
            return 0.0, 0.0, None
        ulps, rel = np.where(within, ulps, -1.0), np.where(within, rel, 0.0)
    flat = int(np.argmax(ulps))
    index = tuple(int(i) for i in np.unravel_index(flat, ulps.shape)) if ulps.ndim else ()
    return float(ulps.reshape(-1)[flat]), float(rel.max()), index


def measure(actual: Any, reference: Any, dtype: str,
            tolerance: tuple[float, float] | None = None,
            out_dtype: str | None = None) -> Measured:
    """Compare ``actual`` with the float64 ``reference`` under ``dtype``'s tolerance.

    ``out_dtype`` is the dtype ``actual`` was returned in (default ``dtype``): the exact
    answer is rounded to infinity only where *that* dtype overflows (a float32 result for
    float16 inputs may hold 1e5). Shapes must already agree (the caller checks them and
    reports a mismatch itself).
    """
    rtol, atol = tolerance if tolerance is not None else TOLERANCES[dtype]
    a = np.asarray(actual, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    total = int(r.size)
    if total == 0:
        return Measured(True, 0.0, 0.0, 0.0, 0, 0, None, None, None, rtol, atol)
    fmt = out_dtype if out_dtype in _FORMATS else dtype
    with np.errstate(invalid="ignore", over="ignore"):
        absr = np.abs(r)
        diff = np.abs(a - r)
        # Speed: most cases are finite on both sides with the reference inside the range:
        # then no element needs the NaN/inf rules, and the figures take a few array ops.
        # max() propagates NaN, and diff is NaN or inf wherever either side is not finite.
        finite = math.isfinite(float(diff.max())) and float(absr.max()) < _LIMITS[fmt]
    if finite:
        return _measure_finite(a, r, absr, diff, dtype, rtol, atol)
    return _measure_general(a, r, fmt, dtype, rtol, atol)


def _measure_general(a: np.ndarray, reference: np.ndarray, fmt: str, dtype: str,
                     rtol: float, atol: float) -> Measured:
    """:func:`measure` with the NaN/inf rules, element by element (any input)."""
    r = expected_in_dtype(reference, fmt)
    total = int(r.size)
    both_nan = np.isnan(a) & np.isnan(r)
    same_inf = np.isinf(a) & np.isinf(r) & (a == r)
    exact_special = both_nan | same_inf
    special = np.isnan(a) | np.isnan(r) | np.isinf(a) | np.isinf(r)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(special, 0.0, np.abs(a - r))
        rel = np.where(special | (r == 0), 0.0, diff / np.where(r == 0, 1.0, np.abs(r)))
        ulp = np.where(special, 0.0, diff / ulp_in(np.where(special, 1.0, r), dtype))
        rel_bound = rtol * np.abs(np.where(special, 0.0, r))
        ok = np.where(special, exact_special, diff <= atol + rel_bound)
        atol_only = int(np.count_nonzero(ok & ~special & (diff > rel_bound)))
        within = ~special & (diff <= rel_bound)
    bad_special = special & ~exact_special
    max_abs = math.inf if bad_special.any() else float(diff.max())
    max_rel = math.inf if bad_special.any() else float(rel.max())
    max_ulp = math.inf if bad_special.any() else float(ulp.max())
    mismatches = int((~ok).sum())
    worst = None
    wa = we = None
    if mismatches:
        # Worst element: a NaN/inf mismatch first, else the largest excess over tolerance.
        with np.errstate(invalid="ignore", over="ignore"):
            excess = np.where(bad_special, np.inf, diff - (atol + rtol * np.abs(np.where(special, 0.0, r))))
        flat = int(np.argmax(np.where(ok, -np.inf, excess)))
        worst = tuple(int(i) for i in np.unravel_index(flat, r.shape)) if r.ndim else ()
        wa, we = float(a.reshape(-1)[flat]), float(r.reshape(-1)[flat])
    return Measured(mismatches == 0, max_abs, max_rel, max_ulp, mismatches, total, worst,
                    wa, we, rtol, atol, atol_only, *_within_rtol(ulp, rel, within))


# --- an optional ULP ceiling per dtype (--max-ulp) ------------------------------------------
# float64's rtol (1e-7, torch.testing's) admits up to ~9e8 float64 ULP: a float64 result
# computed in float32 passes it. A ceiling in ULP of the case dtype, checked on the elements
# that pass without atol, makes such a case fail; off by default (DESIGN.md's table decides).


def parse_ulp_ceilings(text: str) -> dict[str, float]:
    """``"float64=2**20,float32=64"`` -> ``{"float64": 1048576.0, "float32": 64.0}``.

    Each value is a positive number of ULP: an integer, a float (``1e6``) or ``2**K``.
    Raises ValueError naming the item that is wrong.
    """
    ceilings: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        dtype, sep, value = (x.strip() for x in item.partition("="))
        if not sep:
            raise ValueError(f"{item!r} is not DTYPE=ULP (e.g. float64=2**20)")
        if dtype not in _FORMATS:
            raise ValueError(f"unknown dtype {dtype!r} in {item!r} (one of {', '.join(_FORMATS)})")
        try:
            base, power, exponent = value.partition("**")
            ulp = float(base) ** int(exponent) if power else float(value)
        except ValueError:
            raise ValueError(f"{value!r} in {item!r} is not a number of ULP "
                             "(an integer, a float or 2**K)") from None
        except OverflowError:
            ulp = math.inf
        if not (math.isfinite(ulp) and ulp > 0):
            raise ValueError(f"{value!r} in {item!r}: the ceiling must be a positive finite "
                             "number of ULP")
        ceilings[dtype] = ulp
    if not ceilings:
        raise ValueError(f"{text!r} names no dtype (e.g. float64=2**20)")
    return ceilings

