"""Plots of error against input for each divergence (matplotlib, Agg, PNG bytes).

Two sources in the results:

* ``paths`` cases carry ``saturation``: the gap between the probabilities path and the
  logits path over ``z in [-50, 50]`` (BCE through probabilities vs through logits);
  one plot per (column, binding), a line per dtype and label.
* failing and registered-divergence cases carry ``error_curve``: the absolute error
  against the first input (gelu's negative tail); one plot per (column, binding,
  check), a series per (dtype, regime).

Without matplotlib :func:`make_plots` returns no plot and a note saying so.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .merge import Merged

MAX_PLOTS = 48
MAX_SERIES = 8
# Registered divergences first, then failures (there can be many of those).
_PRIORITY = {"xfail": 0, "fail": 1, "error": 1, "xpass": 2, "pass": 3}


@dataclass(frozen=True)
class Plot:
    """One PNG: ``name`` is a file name safe on every filesystem."""

    name: str
    title: str
    caption: str
    png: bytes
    binding: str
    column: str


def _num(v: Any) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _positive(values: Sequence[Any], floor: float = 1e-30) -> list[float]:
    """Errors for a log axis: non-finite become nan (a gap in the line), 0 the floor."""
    out = []
    for v in values:
        x = _num(v)
        out.append(math.nan if not math.isfinite(x) else max(abs(x), floor))
    return out


def _floor(series: Sequence[Sequence[Any]]) -> float:
    """Where exact zeros are drawn on a log axis: a decade below the smallest error."""
    small = [abs(x) for v in series for x in map(_num, v) if math.isfinite(x) and x != 0]
    return min(small) / 10 if small else 1e-30


def _groups(merged: Merged) -> tuple[dict[tuple[Any, ...], list[Mapping[str, Any]]],
                                      dict[tuple[Any, ...], list[Mapping[str, Any]]]]:
    paths: dict[tuple[Any, ...], list[Mapping[str, Any]]] = defaultdict(list)
    curves: dict[tuple[Any, ...], list[Mapping[str, Any]]] = defaultdict(list)
    for case in merged.cases:
        col = case["_column"]
        sat = case.get("saturation")
        if case.get("check") == "paths" and isinstance(sat, dict) and isinstance(sat.get("z"), list):
            paths[(col, case["binding"])].append(case)
        curve = case.get("error_curve")
        if (isinstance(curve, dict) and isinstance(curve.get("x"), list)
                and case["outcome"] in ("fail", "xfail", "error", "xpass")):
            curves[(col, case["binding"], case.get("check") or "value")].append(case)
    return paths, curves


def make_plots(merged: Merged, limit: int = MAX_PLOTS) -> tuple[list[Plot], list[str]]:
    """(plots, notes): notes say when matplotlib is missing or plots were left out."""
    paths, curves = _groups(merged)
    if not paths and not curves:
        return [], []
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        return [], ["plots left out: matplotlib is not installed (pip install matplotlib)"]
    plots: list[Plot] = []
    jobs: list[tuple[int, str, Any]] = []
    for key, cases in paths.items():  # few, and the point of the check: always first
        jobs.append((-1, "paths", (key, cases)))
    for key, cases in curves.items():
        jobs.append((min(_PRIORITY.get(c["outcome"], 4) for c in cases), "curve", (key, cases)))
    jobs.sort(key=lambda j: (j[0], j[1], str(j[2][0][0].label), str(j[2][0][1:])))
    notes = []
    if len(jobs) > limit:
        notes.append(f"{len(jobs) - limit} further plots left out (limit {limit}); "
                     "paths plots, then registered divergences, then failures come first")
    for i, (_, what, (key, cases)) in enumerate(jobs[:limit]):
        fig = _paths_figure(plt, key, cases) if what == "paths" else _curve_figure(plt, key, cases)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80, metadata={"Software": None})
        plt.close(fig)
        col, binding = key[0], key[1]
        title = (f"{binding}: probabilities path vs logits path" if what == "paths"
                 else f"{binding} ({key[2]}): error against input")
        caption = _caption(what, cases)
        plots.append(Plot(f"plot-{i:03d}-{col.slug}.png", title, caption, buf.getvalue(),
                          binding, col.label))
    return plots, notes


def _caption(what: str, cases: Sequence[Mapping[str, Any]]) -> str:
    if what == "paths":
        parts = []
        for c in cases:
            dep = (c.get("saturation") or {}).get("departs_at_abs_z") or {}
            parts.append(f"{c.get('dtype')}: paths part at |z| = {dep.get('positive')} (label 1), "
                         f"{dep.get('negative')} (label 0)")
        return "; ".join(parts)
    outcomes = sorted({c["outcome"] for c in cases})
    return f"{len(cases)} case(s), outcomes {', '.join(outcomes)}"


def _paths_figure(plt: Any, key: tuple[Any, ...], cases: Sequence[Mapping[str, Any]]) -> Any:
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    chosen = sorted(cases, key=lambda c: str(c.get("dtype")))[:MAX_SERIES // 2]
    floor = _floor([c["saturation"].get(k) or [] for c in chosen for k in ("gap_positive", "gap_negative")])
    for c in chosen:
        sat = c["saturation"]
        z = [_num(v) for v in sat["z"]]
        for label, style in (("positive", "-"), ("negative", "--")):
            gap = sat.get(f"gap_{label}")
            if isinstance(gap, list) and len(gap) == len(z):
                ax.plot(z, _positive(gap, floor), style, label=_short(f"{c.get('dtype')} label {'1' if label == 'positive' else '0'}"))
    ax.set_yscale("log")
    ax.set_xlabel("logit z")
    ax.set_ylabel("|loss(p(z)) - loss(z)|")
    ax.axhline(floor, color="0.6", lw=0.6, ls=":")
    ax.set_title(f"{_short(key[1])} ({_short(key[0].label)})", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _curve_figure(plt: Any, key: tuple[Any, ...], cases: Sequence[Mapping[str, Any]]) -> Any:
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    span = 0.0
    chosen = sorted(cases, key=lambda c: (str(c.get("dtype")), str(c.get("regime"))))[:MAX_SERIES]
    floor = _floor([c["error_curve"].get("abs_err") or [] for c in chosen])
    for c in chosen:
        curve = c["error_curve"]
        x = [_num(v) for v in curve["x"]]
        err = curve.get("abs_err") or []
        if len(err) != len(x):
            continue
        span = max([span, *(abs(v) for v in x if math.isfinite(v))])
        ax.plot(x, _positive(err, floor), "o", ms=3, label=_short(f"{c.get('dtype')} {c.get('regime')}"))
    if span > 100:
        ax.set_xscale("symlog", linthresh=1.0)
    ax.set_yscale("log")
    ax.set_xlabel(_short(str(cases[0]["error_curve"].get("input", "x"))))
    ax.set_ylabel("absolute error vs reference")
    ax.axhline(floor, color="0.6", lw=0.6, ls=":")
    ax.set_title(f"{_short(key[1])} [{key[2]}] ({_short(key[0].label)})", fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _short(text: str, n: int = 70) -> str:
    """Shortened, with ``$`` escaped (matplotlib would read it as mathtext)."""
    text = text if len(text) <= n else text[: n - 1] + "…"
    return text.replace("$", r"\$")
