"""ULP measurement against an mpmath oracle, for the reference's own tests."""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np

mpmath.mp.dps = 50


def ulp_of(x: float) -> float:
    """The float64 spacing at ``x`` (at 0: the smallest subnormal)."""
    return float(np.spacing(np.abs(np.float64(x)))) if x != 0 else 5e-324


def ulp_error(computed: Any, exact: Any) -> float:
    """|computed - exact| in float64 ULPs of the exact value, with exact as an mpf/float.

    Matching infinities and matching NaNs count as 0; a mismatch of those counts as inf.
    """
    c = float(computed)
    if isinstance(exact, mpmath.mpf) or isinstance(exact, (int, float)):
        e = mpmath.mpf(exact)
    else:
        e = mpmath.mpf(exact)
    if mpmath.isnan(e) or math.isnan(c):
        return 0.0 if (mpmath.isnan(e) and math.isnan(c)) else math.inf
    if mpmath.isinf(e) or math.isinf(c):
        return 0.0 if (float(e) == c) else math.inf
    e_float = float(e)  # rounded to nearest double
    if math.isinf(e_float):
        return math.inf
    err = abs(mpmath.mpf(c) - e)
    return float(err / mpmath.mpf(ulp_of(e_float)))


def max_ulp(computed: np.ndarray, exact: list[Any]) -> float:
    """Max ULP error over paired arrays (``exact`` a flat list of mpf in C order)."""
    flat = np.asarray(computed, dtype=np.float64).ravel()
    if flat.size != len(exact):
        raise ValueError(f"size mismatch: {flat.size} computed vs {len(exact)} exact")
    return max((ulp_error(c, e) for c, e in zip(flat, exact, strict=True)), default=0.0)
