"""The terminal summary: drift first, a table per backend, the worst ULP errors."""

from __future__ import annotations

from ..results import HIDDEN_BY_RTOL_BITS, within_rtol
from .build import Report
from .matrix import format_ulp, ulp_of

_COLS = ("cases", "passed", "conventions", "divergences", "failures", "errors", "skipped")


def render_terminal(report: Report, *, worst: int = 10) -> str:
    m = report.merged
    lines = [f"crossconform report: {len(m.files)} file(s), {len(m.cases)} cases, "
             f"{len(m.columns)} column(s)"]
    for name, problem in m.skipped:
        lines.append(f"  skipped {name}: {problem}")
    for w in m.warnings[:20]:
        lines.append(f"  warning: {w}")
    if len(m.warnings) > 20:
        lines.append(f"  ... and {len(m.warnings) - 20} more warnings")
    if report.drift:
        lines.append("")
        lines.append("VERSION DRIFT")
        for d in report.drift:
            lines.append(f"  {d.title}: {len(d.outcomes)} outcome change(s), {len(d.conventions)} "
                         f"convention change(s), {len(d.errors)} error change(s), "
                         f"{len(d.added)} binding(s) added, {len(d.removed)} removed")
            for o in d.outcomes[:8]:
                lines.append(f"    {o['old']:>5} -> {o['new']:<5} {o['id']}")
            if len(d.outcomes) > 8:
                lines.append(f"    ... {len(d.outcomes) - 8} more")
    lines.append("")
    width = max([len("backend"), *(len(r["column"].label) for r in report.summary)])
    lines.append(f"  {'backend':{width}}  " + "  ".join(f"{c:>11}" for c in _COLS))
    for r in report.summary:
        lines.append(f"  {r['column'].label:{width}}  " + "  ".join(f"{r[c]:>11}" for c in _COLS))
    if report.worst:
        lines.append("")
        lines.append("largest measured errors (ULP of the case dtype):")
        for c in report.worst[:worst]:
            lines.append(f"  {format_ulp(ulp_of(c)):>14}  {c['outcome']:5}  {c['_column'].label}  {c['id']}")
    loose = report.through_atol
    if loose:
        lines.append("")
        lines.append(f"{len(loose)} passing cases are within tolerance only through atol "
                     "somewhere; largest relative errors:")
        for c, cols in report.through_atol_by_case()[:worst]:
            lines.append(f"  rel {float(c['max_rel']):10.3g}  abs {float(c['max_abs']):10.3g}  "
                         f"{c['id']}  ({len(cols)} column(s): {cols[0]}{', ...' if len(cols) > 1 else ''})")
    far = report.within_rtol_far_off
    if far:
        groups = report.within_rtol_far_off_by_binding()
        lines.append("")
        lines.append(f"{len(far)} passing cases ({len(groups)} bindings) are within rtol but more "
                     f"than 2^{HIDDEN_BY_RTOL_BITS} ULP of their dtype off; worst per binding:")
        for c, n, _cols in groups[:worst]:
            lines.append(f"  {format_ulp(within_rtol(c)[0]):>14}  rel {within_rtol(c)[1]:10.3g}  {c['id']}"
                         f"  ({n} case(s))")
    for note in report.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"

