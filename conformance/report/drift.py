"""Version drift: one binding behaving differently in two versions of one framework.

Columns of the same backend and variant are compared in version order, each with the
next. Reported: a case whose verdict changed (pass -> fail, a divergence fixed ...; fail
and xfail are one verdict, the numbers differ, registered or not), a
binding whose declared conventions changed, a binding present in one version only, and a
measured error that moved by 10x or more where one side exceeds 4 ULP.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .matrix import ulp_of
from .merge import Column, Merged

ULP_FACTOR = 10.0
ULP_FLOOR = 4.0


@dataclass
class Drift:
    """What changed between two versions (``old`` -> ``new``) of one backend."""

    old: Column
    new: Column
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    conventions: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.old.label} -> {self.new.label}"

    def __bool__(self) -> bool:
        return bool(self.outcomes or self.conventions or self.errors or self.added or self.removed)


def find_drift(merged: Merged) -> list[Drift]:
    """Every non-empty drift between consecutive versions of each (backend, variant)."""
    groups: dict[tuple[str, str], list[Column]] = defaultdict(list)
    for col in merged.columns:  # already in version order
        groups[(col.backend, col.variant)].append(col)
    by_col: dict[Column, dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for case in merged.cases:
        by_col[case["_column"]][case["id"]] = case
    out = []
    for cols in groups.values():
        for old, new in itertools.pairwise(cols):
            d = _compare(old, new, by_col[old], by_col[new])
            if d:
                out.append(d)
    return out


def _compare(old: Column, new: Column, a: Mapping[str, Mapping[str, Any]],
             b: Mapping[str, Mapping[str, Any]]) -> Drift:
    d = Drift(old, new)
    conv_a, conv_b = _conventions(a), _conventions(b)
    d.added = sorted(set(conv_b) - set(conv_a))
    d.removed = sorted(set(conv_a) - set(conv_b))
    for api in sorted(set(conv_a) & set(conv_b)):
        if conv_a[api] != conv_b[api]:
            d.conventions.append({"binding": api, "old": json.loads(min(conv_a[api])),
                                  "new": json.loads(min(conv_b[api]))})
    for cid in sorted(set(a) & set(b)):
        ra, rb = a[cid], b[cid]
        ua, ub = ulp_of(ra), ulp_of(rb)
        if _verdict(ra["outcome"]) != _verdict(rb["outcome"]):
            d.outcomes.append({"id": cid, "binding": ra["binding"], "old": ra["outcome"],
                               "new": rb["outcome"], "old_ulp": ua, "new_ulp": ub,
                               "message": rb.get("message") or ""})
        elif _moved(ua, ub):
            d.errors.append({"id": cid, "binding": ra["binding"], "outcome": rb["outcome"],
                             "old_ulp": ua, "new_ulp": ub})
    return d


# What the numbers say, whatever the registry says of them: a case failing in one version
# and registered (xfail) in the next, with the same error, has not drifted; only the
# registry's coverage differs (entries name the versions they were verified on).
_VERDICT = {"pass": "agrees", "xpass": "agrees", "fail": "differs", "xfail": "differs",
            "error": "error", "skip": "skip"}


def _verdict(outcome: str) -> str:
    return _VERDICT.get(outcome, outcome)


def _conventions(cases: Mapping[str, Mapping[str, Any]]) -> dict[str, set[str]]:
    """binding -> the set of convention dicts (as JSON) its cases were run under: the value
    conventions and, for its gradient cases, the subgradient ones (``grad_at_margin`` ...,
    each named ``grad_*``), so a framework that moves a kink's subgradient shows here."""
    out: dict[str, set[str]] = defaultdict(set)
    for c in cases.values():
        conventions = {**(c.get("conventions") or {}), **(c.get("grad_conventions") or {})}
        out[c["binding"]].add(json.dumps(conventions, sort_keys=True))
    return out


def _moved(ua: float | None, ub: float | None) -> bool:
    if ua is None or ub is None or math.isnan(ua) or math.isnan(ub):
        return False
    if math.isinf(ua) or math.isinf(ub):
        return ua != ub
    if max(ua, ub) < ULP_FLOOR:
        return False
    lo, hi = sorted((ua, ub))
    return hi >= ULP_FACTOR * max(lo, 0.5)
