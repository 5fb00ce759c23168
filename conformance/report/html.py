"""``report.html``: one self-contained file (inline CSS and JS, PNGs as data: URIs).

A Content-Security-Policy forbids every network load, so the page opens offline and
cannot fetch anything. Every string taken from the results is escaped. The matrix rows
carry ``data-kind`` and ``data-statuses``; two selects filter them in plain JS.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..results import within_rtol
from .build import FAR_OFF_INTRO, LISTED_FAR_OFF, LISTED_THROUGH_ATOL, MAX_LISTED_FAILURES, Report
from .markdown import LEGEND
from .matrix import KINDS, STATUSES, format_ulp, ulp_of
from .merge import ENVIRONMENT_HEADERS, environment_row
from .porting import FIELDS, HEADERS

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'")

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #ddd;padding:3px 6px;
vertical-align:top}th{background:#f3f3f3;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.cell{white-space:nowrap;text-align:center;font-size:12px}
.s-pass{background:#c8efc8}.s-convention{background:#cfe3fb}.s-divergence{background:#fbeaa5}
.s-xpass{background:#e3cdf7}.s-fail{background:#f6b8b8;font-weight:600}.s-skip{background:#eee;color:#777}
.legend span{display:inline-block;padding:1px 6px;margin-right:6px;border:1px solid #ccc}
.controls{position:sticky;top:0;background:#fff;padding:.4em 0;z-index:2;border-bottom:1px solid #eee}
.warn{background:#fff4ce;padding:.5em;border-left:4px solid #e0b000}
.drift{background:#fde2e2;padding:.5em;border-left:4px solid #c00}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
details{margin:.3em 0}summary{cursor:pointer}figure{display:inline-block;margin:.5em;
max-width:520px;vertical-align:top}figure img{max-width:100%}figcaption{font-size:12px;color:#555}
.hidden{display:none}
"""

_JS = """
(function(){
  var kind=document.getElementById('f-kind'), outcome=document.getElementById('f-outcome');
  var count=document.getElementById('visible-count');
  function has(select,v){return Array.prototype.some.call(select.options,function(o){return o.value===v;});}
  // The filters live in the URL hash too (report.html#kind=loss&outcome=fail): shareable.
  location.hash.replace(/^#/,'').split('&').forEach(function(kv){
    var p=kv.split('='), v=decodeURIComponent(p[1]||'');
    if(p[0]==='kind'&&has(kind,v)){kind.value=v;}
    if(p[0]==='outcome'&&has(outcome,v)){outcome.value=v;}
  });
  function apply(){
    var k=kind.value, o=outcome.value, n=0;
    document.querySelectorAll('#matrix tbody tr').forEach(function(tr){
      var ok=(k==='all'||tr.dataset.kind===k)&&(o==='all'||tr.dataset.statuses.split(' ').indexOf(o)>=0);
      tr.classList.toggle('hidden',!ok); if(ok){n++;}
    });
    document.querySelectorAll('#failures tbody tr').forEach(function(tr){
      var ok=(k==='all'||tr.dataset.kind===k)&&(o==='all'||tr.dataset.status===o);
      tr.classList.toggle('hidden',!ok);
    });
    count.textContent=String(n);
    document.body.dataset.filtered=k+'/'+o;
  }
  function changed(){
    apply();
    if(history.replaceState){history.replaceState(null,'','#kind='+encodeURIComponent(kind.value)+'&outcome='+encodeURIComponent(outcome.value));}
  }
  kind.addEventListener('change',changed); outcome.addEventListener('change',changed); apply();
})();
"""


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(headers: Sequence[str], rows: Iterable[str], table_id: str = "") -> str:
    ident = f' id="{e(table_id)}"' if table_id else ""
    head = "".join(f"<th>{h}</th>" for h in headers)
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(report: Report) -> str:
    m = report.merged
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
             '<link rel="icon" href="data:,">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>crossconform report</title>", f"<style>{_CSS}</style></head><body>",
             "<h1>crossconform report</h1>",
             f"<p>{len(m.cases)} cases from {len(m.files)} results file(s): "
             + ", ".join(f'<code title="{e(f)}">{e(Path(f).name)}</code>' for f in m.files) + "</p>"]
    notes = [f"skipped {name}: {problem}" for name, problem in m.skipped] + list(m.warnings)
    if notes:
        parts.append('<div class="warn"><ul>' + "".join(f"<li>{e(n)}</li>" for n in notes)
                     + "</ul></div>")
    parts.append(_drift(report))
    parts.append(_summary(report))
    parts.append(_matrix(report))
    parts.append(_worst(report))
    parts.append(_through_atol(report))
    parts.append(_far_off(report))
    parts.append(_porting(report))
    parts.append(_plots(report))
    parts.append(_failures(report))
    parts.append(_environment(report))
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def _drift(report: Report) -> str:
    if not report.drift:
        return ""
    out = ['<h2 id="drift">Version drift</h2><div class="drift">']
    for d in report.drift:
        out.append(f"<h3>{e(d.title)}</h3>")
        if d.outcomes:
            out.append(_table(["case", "before", "after", "ULP before", "ULP after"], (
                f'<tr><td class="mono">{e(o["id"])}</td><td>{e(o["old"])}</td><td>{e(o["new"])}</td>'
                f'<td class="num">{e(format_ulp(o["old_ulp"]))}</td>'
                f'<td class="num">{e(format_ulp(o["new_ulp"]))}</td></tr>' for o in d.outcomes)))
        items = [f"conventions of <code>{e(c['binding'])}</code> changed: {e(json.dumps(c['old']))} → "
                 f"{e(json.dumps(c['new']))}" for c in d.conventions]
        items += [f"error of <code>{e(x['id'])}</code> moved: {e(format_ulp(x['old_ulp']))} → "
                  f"{e(format_ulp(x['new_ulp']))}" for x in d.errors]
        if d.added:
            items.append(f"only in {e(d.new.label)}: " + ", ".join(f"<code>{e(a)}</code>" for a in d.added))
        if d.removed:
            items.append(f"only in {e(d.old.label)}: " + ", ".join(f"<code>{e(a)}</code>" for a in d.removed))
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
    out.append("</div>")
    return "".join(out)


def _summary(report: Report) -> str:
    keys = ("cases", "passed", "conventions", "divergences", "failures", "errors", "skipped")
    out = ['<h2 id="summary">Summary</h2>', _table(["backend", *keys], (
        f"<tr><td>{e(r['column'].label)}</td>" + "".join(f'<td class="num">{r[k]}</td>' for k in keys)
        + "</tr>" for r in report.summary))]
    return "".join(out)


def _through_atol(report: Report) -> str:
    loose = report.through_atol
    if not loose:
        return ""
    passed = sum(1 for c in report.merged.cases if c["outcome"] == "pass")
    return ('<h2 id="through-atol">Passing only through atol</h2>'
            f"<p>{len(loose)} of {passed} passing cases have elements whose error exceeds "
            "rtol &times; |expected| and that pass only because it is within atol (a flushed "
            "tail, 0 where the answer is tiny, a lower-precision computation). The largest "
            "relative errors:</p>"
            + _table(["max rel", "max abs", "ULP", "case", "columns"], (
                f'<tr><td class="num">{float(c["max_rel"]):.3g}</td>'
                f'<td class="num">{float(c["max_abs"]):.3g}</td>'
                f'<td class="num">{e(format_ulp(ulp_of(c)))}</td>'
                f'<td class="mono">{e(c["id"])}</td><td>{e(", ".join(cols))}</td></tr>'
                for c, cols in report.through_atol_by_case()[:LISTED_THROUGH_ATOL])))


def _far_off(report: Report) -> str:
    far = report.within_rtol_far_off
    if not far:
        return ""
    groups = report.within_rtol_far_off_by_binding()
    return ('<h2 id="far-off">Passing within rtol, far from the dtype&#39;s precision</h2>'
            f"<p>{len(far)} {e(FAR_OFF_INTRO)} Worst case per binding ({len(groups)} bindings):</p>"
            + _table(["ULP", "max rel", "case", "cases", "columns"], (
                f'<tr><td class="num">{e(format_ulp(within_rtol(c)[0]))}</td>'
                f'<td class="num">{within_rtol(c)[1]:.3g}</td>'
                f'<td class="mono">{e(c["id"])}</td><td class="num">{n}</td>'
                f'<td>{e(", ".join(cols))}</td></tr>'
                for c, n, cols in groups[:LISTED_FAR_OFF])))


def _worst(report: Report) -> str:
    out = []
    if report.worst:
        out.append('<h2 id="worst">Largest measured errors</h2>')
        out.append(_table(["ULP", "outcome", "column", "case"], (
            f'<tr><td class="num">{e(format_ulp(ulp_of(c)))}</td><td>{e(c["outcome"])}</td>'
            f'<td>{e(c["_column"].label)}</td><td class="mono">{e(c["id"])}</td></tr>'
            for c in report.worst)))
    return "".join(out)


def _matrix(report: Report) -> str:
    mx = report.matrix
    kinds = [k for k in KINDS if any(r[1] == k for r in mx.rows)]
    kinds += sorted({r[1] for r in mx.rows} - set(kinds))
    controls = ('<div class="controls">kind <select id="f-kind"><option value="all">all</option>'
                + "".join(f'<option value="{e(k)}">{e(k)}</option>' for k in kinds)
                + '</select> outcome <select id="f-outcome"><option value="all">all</option>'
                + "".join(f'<option value="{s}">{e(LEGEND[s])}</option>' for s in STATUSES)
                + '</select> <span id="visible-count"></span> of ' + str(len(mx.rows)) + " rows</div>")
    legend = '<p class="legend">' + "".join(
        f'<span class="s-{s}">{e(LEGEND[s])}</span>' for s in STATUSES) + \
        "The figure is the largest measured error in ULP of the case dtype.</p>"
    rows = []
    for row in mx.rows:
        cells = []
        for col in mx.columns:
            cell = mx.cells.get((row, col))
            if cell is None:
                cells.append('<td class="cell"></td>')
                continue
            cells.append(f'<td class="cell s-{cell.status}" data-status="{cell.status}" '
                         f'title="{e(cell.tooltip())}">{e(cell.status)}<br>{e(format_ulp(cell.worst_ulp))}</td>')
        statuses = " ".join(sorted(mx.row_statuses(row)))
        rows.append(f'<tr data-kind="{e(row[1])}" data-statuses="{e(statuses)}"><td>'
                    f'<a href="#ref-{e(row[0])}"><code>{e(row[0])}</code></a></td><td>{e(row[1])}</td>'
                    + "".join(cells) + "</tr>")
    return ('<h2 id="matrix-title">Matrix</h2>' + controls + legend
            + _table(["function", "kind", *(e(c.label) for c in mx.columns)], rows, "matrix"))


def _porting(report: Report) -> str:
    out = ['<h2 id="porting">Porting guide</h2>',
           "<p>Per reference function, every framework's API: what to change when porting.</p>"]
    fields = [f for f in FIELDS if f != "divergences"]
    for ref, rows in report.guide.items():
        body = []
        for r in rows:
            cells = []
            for f in fields:
                value = r.framework if f == "framework" else r.values.get(f, "")
                title = f' title="{e(r.values.get("source", ""))}"' if f == "api" else ""
                cells.append(f"<td{title}>{'<code>' + e(value) + '</code>' if f == 'api' else e(value)}</td>")
            divs = [f"{e(', '.join(sorted(d.checks)))} ({d.cases} cases): {e(d.reason)} "
                    f"<em>source: {e(d.source)}</em>" for d in r.divergences]
            if r.unexplained:
                divs.append(f"{r.unexplained} failing case(s) with no registered divergence")
            cells.append("<td>" + "<br>".join(divs) + "</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        out.append(f'<details id="ref-{e(ref)}" open><summary><code>{e(ref)}</code> '
                   f"({len(rows)} API(s))</summary>"
                   + _table([e(HEADERS[f]) for f in FIELDS], body) + "</details>")
    return "".join(out)


def _plots(report: Report) -> str:
    if not report.plots and not report.notes:
        return ""
    out = ['<h2 id="plots">Divergence plots</h2>']
    out += [f"<p><em>{e(n)}</em></p>" for n in report.notes]
    for p in report.plots:
        data = base64.b64encode(p.png).decode("ascii")
        out.append(f'<figure><img alt="{e(p.title)}" src="data:image/png;base64,{data}">'
                   f"<figcaption><b>{e(p.title)}</b> ({e(p.column)}). {e(p.caption)}</figcaption></figure>")
    return "".join(out)


def _failures(report: Report) -> str:
    bad = report.failures
    if not bad:
        return ""
    from .matrix import kind_of, status_of

    rows = (f'<tr data-kind="{e(kind_of(c))}" data-status="{e(status_of(c))}"><td>{e(c["outcome"])}</td>'
            f'<td>{e(c["_column"].label)}</td><td class="mono">{e(c["id"])}</td>'
            f'<td>{e(c.get("message") or "")}</td><td class="mono">{e(c.get("reproducer") or "")}</td></tr>'
            for c in bad[:MAX_LISTED_FAILURES])
    more = (f"<p>… {len(bad) - MAX_LISTED_FAILURES} more failing cases are in the results files.</p>"
            if len(bad) > MAX_LISTED_FAILURES else "")
    return ('<h2 id="failures-title">Failures</h2>'
            + _table(["outcome", "column", "case", "message", "reproduce"], rows, "failures") + more)


def _environment(report: Report) -> str:
    m = report.merged
    envs = _table(["file", *ENVIRONMENT_HEADERS], (
        f"<tr><td>{e(n)}</td>" + "".join(f"<td>{e(cell)}</td>" for cell in environment_row(v)) + "</tr>"
        for n, v in m.environments.items()))
    cols = _table(["column", "packages", "device", "available"], (
        f"<tr><td>{e(c.label)}</td><td>{e(', '.join(str(p) for p in i.get('packages') or []))}</td>"
        f"<td>{e(i.get('device', ''))}</td><td>{e('yes' if i.get('available', True) else i.get('reason'))}"
        "</td></tr>" for c, i in m.backends.items()))
    return '<h2 id="environment">Environment</h2>' + envs + cols
