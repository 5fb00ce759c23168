"""The matrix: reference functions x columns, one cell per (row, column).

A row is a reference function and a kind: "activation", "loss", "metric", "gradient"
(the gradient cases of that function) or "paths" (logits vs probabilities agreement).
A cell aggregates every case of that column's bindings of the function; its status is
the worst outcome among them:

    fail (fail or error) > xpass > divergence (xfail: registered) > convention
    (passed under a non-structural declared convention) > pass > skip

and its figure is the largest measured ULP error among cases that compared values.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..results import passes_through_atol
from .merge import Column, Merged

# Conventions that only shape the output (no numerical convention behind them).
STRUCTURAL = frozenset({"reduction", "axis", "mean_axis"})
STATUSES = ("fail", "xpass", "divergence", "convention", "pass", "skip")
KINDS = ("activation", "loss", "metric", "gradient", "paths")
_SEVERITY = {s: i for i, s in enumerate(reversed(STATUSES))}


def status_of(case: Mapping[str, Any]) -> str:
    """A case's status in the report's vocabulary."""
    outcome = case["outcome"]
    if outcome in ("fail", "error"):
        return "fail"
    if outcome == "xfail":
        return "divergence"
    if outcome == "pass":
        return "convention" if numeric_conventions(case) else "pass"
    return outcome  # xpass, skip


def numeric_conventions(case: Mapping[str, Any]) -> dict[str, Any]:
    conv = case.get("conventions") or {}
    return {k: v for k, v in conv.items() if k not in STRUCTURAL} if isinstance(conv, dict) else {}


def kind_of(case: Mapping[str, Any]) -> str:
    if case.get("check") == "paths":
        return "paths"
    if str(case.get("check") or "").startswith("grad"):
        return "gradient"
    return str(case.get("kind") or case.get("binding_kind") or "unknown")


def ulp_of(case: Mapping[str, Any]) -> float | None:
    """The measured max ULP as a float (inf/nan strings decoded), None when not measured."""
    value = case.get("max_ulp")
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if value in ("inf", "-inf", "nan"):
        return float(value)
    return None


def format_ulp(value: float | None) -> str:
    if value is None:
        return ""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf ULP"
    if value == 0:
        return "0 ULP"
    return f"{value:.3g} ULP" if value < 1e5 else f"{value:.1e} ULP"


@dataclass
class Cell:
    status: str = "skip"
    counts: Counter[str] = field(default_factory=Counter)
    worst_ulp: float | None = None
    bindings: set[str] = field(default_factory=set)
    worst_case: str | None = None

    def add(self, case: Mapping[str, Any]) -> None:
        s = status_of(case)
        self.counts[s] += 1
        self.bindings.add(case["binding"])
        if sum(self.counts.values()) == 1 or _SEVERITY[s] > _SEVERITY[self.status]:
            self.status = s
        u = ulp_of(case)
        if u is not None and case["outcome"] in ("pass", "fail", "xfail", "xpass"):
            key = math.inf if math.isnan(u) else u
            if self.worst_ulp is None or key > (math.inf if math.isnan(self.worst_ulp) else self.worst_ulp):
                self.worst_ulp, self.worst_case = u, case["id"]

    def tooltip(self) -> str:
        counts = ", ".join(f"{k} {self.counts[k]}" for k in STATUSES if self.counts[k])
        return f"{counts}; bindings: {', '.join(sorted(self.bindings))}" + (
            f"; worst: {self.worst_case}" if self.worst_case else "")


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[tuple[str, str]]  # (reference, kind)
    cells: dict[tuple[tuple[str, str], Column], Cell]

    def row_statuses(self, row: tuple[str, str]) -> set[str]:
        return {self.cells[(row, c)].status for c in self.columns if (row, c) in self.cells}


def build_matrix(merged: Merged) -> Matrix:
    cells: dict[tuple[tuple[str, str], Column], Cell] = defaultdict(Cell)
    for case in merged.cases:
        row = (str(case.get("reference") or "?"), kind_of(case))
        cells[(row, case["_column"])].add(case)
    rows = sorted({r for r, _ in cells}, key=lambda r: (_kind_rank(r[1]), r[0]))
    return Matrix(list(merged.columns), rows, dict(cells))


def _kind_rank(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else len(KINDS)


def summary_rows(merged: Merged) -> list[dict[str, Any]]:
    """Per column: cases, passed, conventions, divergences, failures (fail+error+xpass), skipped."""
    per: dict[Column, Counter[str]] = {c: Counter() for c in merged.columns}
    for case in merged.cases:
        per[case["_column"]][status_of(case)] += 1
        if case["outcome"] == "error":
            per[case["_column"]]["error"] += 1
    rows = []
    for col in merged.columns:
        c = per[col]
        rows.append({"column": col, "cases": sum(c[s] for s in STATUSES), "passed": c["pass"],
                     "conventions": c["convention"], "divergences": c["divergence"],
                     "failures": c["fail"] + c["xpass"], "errors": c["error"],
                     "skipped": c["skip"]})
    return rows


def worst_cases(cases: Sequence[Mapping[str, Any]], n: int = 10) -> list[Mapping[str, Any]]:
    """The cases with the largest measured ULP error (pass, fail, xfail, xpass), passes
    through atol left to their own section (:func:`passes_through_atol`)."""
    scored = [(ulp_of(c), c) for c in cases if c["outcome"] in ("pass", "fail", "xfail", "xpass")
              and not passes_through_atol(c)]
    scored = [(u, c) for u, c in scored if u is not None and not math.isnan(u) and u > 0]
    scored.sort(key=lambda uc: (-uc[0], uc[1]["id"]))
    return [c for _, c in scored[:n]]
