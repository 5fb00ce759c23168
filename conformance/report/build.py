"""Everything a report shows, computed once before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..results import HIDDEN_BY_RTOL_BITS, through_atol, within_rtol_far_off
from .drift import Drift, find_drift
from .matrix import Matrix, build_matrix, summary_rows, worst_cases
from .merge import Merged
from .plots import Plot, make_plots
from .porting import PortingRow, porting_guide

MAX_LISTED_FAILURES = 300
LISTED_THROUGH_ATOL = 15
LISTED_FAR_OFF = 25
FAR_OFF_INTRO = (
    "passing cases have an element that needs no atol and still loses more than "
    f"2^{HIDDEN_BY_RTOL_BITS} ULP of its dtype: within rtol, far from the dtype's precision "
    "(ULP and max rel over the elements within rtol). "
    "Only float64 gets there (its rtol of 1e-7 admits ~9e8 ULP): a float32 computation or "
    "constant behind a float64 result, or a gradient formed from the rounded output.")


@dataclass
class Report:
    merged: Merged
    matrix: Matrix
    summary: list[dict[str, Any]]
    worst: list[Mapping[str, Any]]
    drift: list[Drift]
    guide: dict[str, list[PortingRow]]
    plots: list[Plot] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def through_atol(self) -> list[Mapping[str, Any]]:
        """Passing cases with elements within tolerance only through atol, largest
        relative error first (what the tolerance lets through)."""
        return through_atol(self.merged.cases)

    @property
    def within_rtol_far_off(self) -> list[Mapping[str, Any]]:
        """Passing cases with an element that needs no atol and still loses more than
        ``2**HIDDEN_BY_RTOL_BITS`` ULP of the dtype: what rtol lets through."""
        return within_rtol_far_off(self.merged.cases)

    def within_rtol_far_off_by_binding(self) -> list[tuple[Mapping[str, Any], int, list[str]]]:
        """:attr:`within_rtol_far_off` grouped by binding: (its worst case, how many of its
        cases, the columns)."""
        grouped: dict[str, tuple[Mapping[str, Any], list[Mapping[str, Any]]]] = {}
        for c in self.within_rtol_far_off:
            grouped.setdefault(c["binding"], (c, []))[1].append(c)
        return [(worst, len(cs), sorted({c["_column"].label for c in cs}))
                for worst, cs in grouped.values()]

    def through_atol_by_case(self) -> list[tuple[Mapping[str, Any], list[str]]]:
        """:attr:`through_atol` grouped by case id: (the case of the largest relative
        error, every column where that case passes only through atol)."""
        grouped: dict[str, tuple[Mapping[str, Any], list[str]]] = {}
        for c in self.through_atol:
            grouped.setdefault(c["id"], (c, []))[1].append(c["_column"].label)
        return list(grouped.values())

    @property
    def failures(self) -> list[Mapping[str, Any]]:
        """Failing, erroring and xpassing cases (the ones to act on), worst first."""
        bad = [c for c in self.merged.cases if c["outcome"] in ("fail", "error", "xpass")]
        order = {"error": 0, "fail": 1, "xpass": 2}
        return sorted(bad, key=lambda c: (order[c["outcome"]], c["_column"], c["id"]))


def build_report(merged: Merged, *, plots: bool = True) -> Report:
    made, notes = make_plots(merged) if plots else ([], ["plots not requested (--no-plots)"])
    return Report(merged, build_matrix(merged), summary_rows(merged), worst_cases(merged.cases),
                  find_drift(merged), porting_guide(merged), made, notes)
