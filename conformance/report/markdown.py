"""``report.md``: renders on GitHub; every string from the results is escaped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..results import within_rtol
from .build import FAR_OFF_INTRO, LISTED_FAR_OFF, LISTED_THROUGH_ATOL, MAX_LISTED_FAILURES, Report
from .matrix import STATUSES, format_ulp, ulp_of
from .merge import ENVIRONMENT_HEADERS, environment_row
from .porting import FIELDS, HEADERS

EMOJI = {"pass": "🟢", "convention": "🔵", "divergence": "🟡", "xpass": "🟣", "fail": "🔴",
         "skip": "⚪"}
LEGEND = {"pass": "pass", "convention": "pass under a declared convention",
          "divergence": "registered divergence (xfail)", "xpass": "divergence no longer occurs",
          "fail": "failure or error", "skip": "skipped"}
_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")


def md(text: object) -> str:
    """Inline-safe Markdown: \\ ` * _ [ ] | ~ $ backslash-escaped, < and & as entities, one line."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;")
    s = _SPECIAL.sub(r"\\\1", s)
    return " ".join(s.split())


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GitHub table; cells must already be escaped."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def render_markdown(report: Report, plot_dir: str = "plots") -> str:
    m = report.merged
    out = ["# crossconform report", ""]
    out.append(f"{len(m.cases)} cases from {len(m.files)} results file(s): "
               + ", ".join(md(f) for f in m.files) + ".")
    out.append("")
    for name, problem in m.skipped:
        out.append(f"- ⚠️ skipped {md(name)}: {md(problem)}")
    for w in m.warnings:
        out.append(f"- ⚠️ {md(w)}")
    if m.skipped or m.warnings:
        out.append("")
    out += _drift(report)
    out += ["## Summary", ""]
    out += table(["backend", "cases", "passed", "conventions", "divergences", "failures", "errors",
                  "skipped"],
                 ([md(r["column"].label), *(str(r[k]) for k in ("cases", "passed", "conventions",
                   "divergences", "failures", "errors", "skipped"))] for r in report.summary))
    out.append("")
    out += _matrix(report)
    if report.worst:
        out += ["## Largest measured errors", ""]
        out += table(["ULP", "outcome", "column", "case"],
                     ([md(format_ulp(ulp_of(c))), md(c["outcome"]), md(c["_column"].label), md(c["id"])]
                      for c in report.worst))
        out.append("")
    out += _through_atol(report)
    out += _far_off(report)
    out += _porting(report)
    out += _plots(report, plot_dir)
    out += _failures(report)
    out += _environment(report)
    return "\n".join(out) + "\n"


def _through_atol(report: Report) -> list[str]:
    loose = report.through_atol
    if not loose:
        return []
    passed = sum(1 for c in report.merged.cases if c["outcome"] == "pass")
    out = ["## Passing only through atol", "",
           f"{len(loose)} of {passed} passing cases have elements whose error exceeds rtol x "
           "|expected| and that pass only because it is within atol (a flushed tail, 0 where "
           "the answer is tiny, a lower-precision computation). The largest relative errors:", ""]
    out += table(["max rel", "max abs", "ULP", "case", "columns"],
                 ([md(f"{float(c['max_rel']):.3g}"), md(f"{float(c['max_abs']):.3g}"),
                   md(format_ulp(ulp_of(c))), md(c["id"]), md(", ".join(cols))]
                  for c, cols in report.through_atol_by_case()[:LISTED_THROUGH_ATOL]))
    out.append("")
    return out


def _far_off(report: Report) -> list[str]:
    far = report.within_rtol_far_off
    if not far:
        return []
    groups = report.within_rtol_far_off_by_binding()
    out = ["## Passing within rtol, far from the dtype's precision", "",
           f"{len(far)} {FAR_OFF_INTRO} Worst case per binding ({len(groups)} bindings):", ""]
    out += table(["ULP", "max rel", "case", "cases", "columns"],
                 ([md(format_ulp(within_rtol(c)[0])), md(f"{within_rtol(c)[1]:.3g}"), md(c["id"]),
                   str(n), md(", ".join(cols))] for c, n, cols in groups[:LISTED_FAR_OFF]))
    out.append("")
    return out


def _drift(report: Report) -> list[str]:
    if not report.drift:
        return []
    out = ["## Version drift", ""]
    for d in report.drift:
        out += [f"### {md(d.title)}", ""]
        if d.outcomes:
            out += table(["case", "before", "after", "ULP before", "ULP after"],
                         ([md(o["id"]), md(o["old"]), md(o["new"]), md(format_ulp(o["old_ulp"])),
                           md(format_ulp(o["new_ulp"]))] for o in d.outcomes))
            out.append("")
        for c in d.conventions:
            out.append(f"- conventions of {md(c['binding'])} changed: {md(c['old'])} → {md(c['new'])}")
        for e in d.errors:
            out.append(f"- error of {md(e['id'])} moved: {md(format_ulp(e['old_ulp']))} → "
                       f"{md(format_ulp(e['new_ulp']))} ({md(e['outcome'])})")
        if d.added:
            out.append(f"- bindings only in {md(d.new.label)}: " + ", ".join(md(a) for a in d.added))
        if d.removed:
            out.append(f"- bindings only in {md(d.old.label)}: " + ", ".join(md(a) for a in d.removed))
        out.append("")
    return out


def _matrix(report: Report) -> list[str]:
    mx = report.matrix
    out = ["## Matrix", "",
           "Legend: " + ", ".join(f"{EMOJI[s]} {LEGEND[s]}" for s in STATUSES)
           + ". The figure is the largest measured error in ULP of the case dtype.", ""]
    rows = []
    for row in mx.rows:
        cells = []
        for col in mx.columns:
            cell = mx.cells.get((row, col))
            if cell is None:
                cells.append("")
                continue
            ulp = format_ulp(cell.worst_ulp)
            cells.append(f"{EMOJI[cell.status]} {md(cell.status)}" + (f" {md(ulp)}" if ulp else ""))
        rows.append([md(row[0]), md(row[1]), *cells])
    out += table(["function", "kind", *(md(c.label) for c in mx.columns)], rows)
    out.append("")
    return out


def _porting(report: Report) -> list[str]:
    out = ["## Porting guide", ""]
    fields = [f for f in FIELDS if f != "divergences"]
    for ref, rows in report.guide.items():
        out += [f"### {md(ref)}", ""]
        out += table([HEADERS[f] for f in fields],
                     ([md(r.framework if f == "framework" else r.values.get(f, "")) for f in fields]
                      for r in rows))
        out.append("")
        for r in rows:
            for d in r.divergences:
                out.append(f"- {md(r.values['api'])} ({md(r.framework)}; {md(', '.join(sorted(d.checks)))}, "
                           f"{d.cases} case(s)): {md(d.reason)} — source: {md(d.source)}")
            if r.unexplained:
                out.append(f"- {md(r.values['api'])} ({md(r.framework)}): {r.unexplained} failing "
                           "case(s) with no registered divergence")
        out.append("")
    return out


def _plots(report: Report, plot_dir: str) -> list[str]:
    if not report.plots and not report.notes:
        return []
    out = ["## Divergence plots", ""]
    for note in report.notes:
        out.append(f"_{md(note)}_")
        out.append("")
    for p in report.plots:
        out += [f"### {md(p.title)} ({md(p.column)})", "",
                f"![{md(p.title)}]({plot_dir}/{p.name})", "", md(p.caption), ""]
    return out


def _failures(report: Report) -> list[str]:
    bad = report.failures
    if not bad:
        return []
    out = ["## Failures", ""]
    for c in bad[:MAX_LISTED_FAILURES]:
        out.append(f"- **{md(c['outcome'])}** {md(c['_column'].label)} {md(c['id'])}: "
                   f"{md(c.get('message') or '')}  ")
        if c.get("reproducer"):
            out.append(f"  reproduce: {md(c['reproducer'])}")
    if len(bad) > MAX_LISTED_FAILURES:
        out.append(f"- … {len(bad) - MAX_LISTED_FAILURES} more (see report.html)")
    out.append("")
    return out


def _environment(report: Report) -> list[str]:
    out = ["## Environment", ""]
    rows = []
    for name, env in report.merged.environments.items():
        rows.append([md(name), *(md(cell) for cell in environment_row(env))])
    out += table(["file", *ENVIRONMENT_HEADERS], rows)
    out.append("")
    cols = []
    for col, info in report.merged.backends.items():
        cols.append([md(col.label), md(", ".join(str(p) for p in info.get("packages") or [])),
                     md(info.get("device", "")), md("yes" if info.get("available", True) else
                                                    f"no: {info.get('reason')}")])
    out += table(["column", "packages", "device", "available"], cols)
    out.append("")
    return out
