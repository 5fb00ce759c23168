"""Sub-commands ``report`` and ``diff``.

    python -m conformance report results/*.json [-o report/] [--skip-bad] [--no-plots]
    python -m conformance diff keras.losses.categorical_crossentropy torch.nn.functional.cross_entropy

``report`` merges the files (a later file wins a case id repeated in the same
(backend, version) column, with a warning), prints the terminal summary and writes
``report.md``, ``report.html`` and ``plots/*.png`` under the output directory: all
computed first, then each file written atomically. Exit status 2 names a bad file.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path
from typing import Any


def add_report_parsers(sub: Any) -> None:
    rep = sub.add_parser("report", help="merge results files and write the report",
                         description="Merge results files (several frameworks, several versions) "
                                     "and write report.md, report.html and plots/.")
    rep.add_argument("files", nargs="+", help="results files (directories: their *.json)")
    rep.add_argument("-o", "--output", default="report", help="output directory (default: report/)")
    rep.add_argument("--skip-bad", action="store_true",
                     help="merge the readable files, list the ones skipped (default: stop)")
    rep.add_argument("--no-plots", action="store_true", help="do not draw plots")
    rep.add_argument("-q", "--quiet", action="store_true", help="no terminal summary")
    rep.set_defaults(func=cmd_report)
    diff = sub.add_parser("diff", help="what changes when porting from one API to another",
                          description="Conventions side by side, the argument translation and the "
                                      "numerical gap measured on the standard regimes.")
    diff.add_argument("api_a")
    diff.add_argument("api_b")
    diff.add_argument("--dtype", default="float32",
                      choices=["float16", "bfloat16", "float32", "float64"])
    diff.add_argument("--adapter", action="append", default=[])
    diff.add_argument("--device", default="cpu")
    diff.add_argument("--json", action="store_true", help="print JSON")
    diff.set_defaults(func=cmd_diff)


def expand(files: list[str]) -> list[str]:
    """Directories to their ``*.json`` files, unexpanded globs expanded; order kept."""
    out: list[str] = []
    for f in files:
        p = Path(f)
        if p.is_dir():
            out += sorted(str(x) for x in p.glob("*.json"))
        elif not p.exists() and any(ch in f for ch in "*?["):
            out += sorted(glob.glob(f)) or [f]
        else:
            out.append(f)
    return out


def cmd_report(args: argparse.Namespace) -> int:
    from .build import build_report
    from .html import render_html
    from .markdown import render_markdown
    from .merge import ResultsFileError, merge
    from .output import write_files
    from .terminal import render_terminal

    files = expand(args.files)
    if not files:
        print("conformance report: no results file given", file=sys.stderr)
        return 2
    try:
        merged = merge(files, skip_bad=args.skip_bad)
    except ResultsFileError as exc:
        print(f"conformance report: {exc}", file=sys.stderr)
        if not args.skip_bad:
            print("  (nothing written; --skip-bad merges the other files)", file=sys.stderr)
        return 2
    report = build_report(merged, plots=not args.no_plots)
    outputs: dict[str, str | bytes] = {f"plots/{p.name}": p.png for p in report.plots}
    outputs["report.md"] = render_markdown(report)
    outputs["report.html"] = render_html(report)
    out_dir = Path(args.output)
    write_files(out_dir, outputs)
    keep = {p.name for p in report.plots}
    for stale in (out_dir / "plots").glob("plot-*.png"):
        if stale.name not in keep:
            stale.unlink()
    if not args.quiet:
        sys.stdout.write(render_terminal(report))
    print(f"report: {out_dir / 'report.md'}, {out_dir / 'report.html'} ({len(report.plots)} plots)")
    for name, problem in merged.skipped:
        print(f"conformance report: skipped {name}: {problem}", file=sys.stderr)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from .diff import diff_json, render_diff, run_diff

    try:
        result = run_diff(args.api_a, args.api_b, dtype=args.dtype, adapters=args.adapter,
                          device=args.device)
    except LookupError as exc:
        print(f"conformance diff: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(diff_json(result), indent=1))
    else:
        sys.stdout.write(render_diff(result))
    return 0
