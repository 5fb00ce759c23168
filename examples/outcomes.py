"""Summarise a results file per binding: which regimes pass, which fail, and why.

    python -m examples.outcomes results/seeds.json

One line per (binding, check): ``pass`` when every case passed, else each failing regime
with the dtypes it fails in and the first case's message (shortened).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import Any

__all__ = ["main", "outcomes"]


def outcomes(results: dict[str, Any]) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """``{(binding, check): {regime: {"dtypes": {dtype: outcome}, "message": str}}}``."""
    table: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for case in results["cases"]:
        if "binding" not in case:
            continue
        row = table[case["binding"], case["check"]]
        entry = row.setdefault(case["regime"], {"dtypes": {}, "message": ""})
        entry["dtypes"][case["dtype"]] = case["outcome"]
        if case["outcome"] != "pass" and not entry["message"]:
            entry["message"] = case.get("message", "")
    return dict(table)


def _failing(row: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    for regime, entry in row.items():
        bad = {d: o for d, o in entry["dtypes"].items() if o != "pass"}
        if bad:
            dtypes = "all" if len(bad) == len(entry["dtypes"]) else ",".join(sorted(bad))
            kinds = "/".join(sorted(set(bad.values())))
            out.append(f"{regime} ({dtypes}: {kinds}) {entry['message'][:110]}")
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    from conformance.report.merge import ResultsFileError, load_results

    try:  # .json or .json.gz, checked: a missing or foreign file is one line, not a traceback
        results = load_results(args[0])
    except ResultsFileError as exc:
        print(f"outcomes: {exc}", file=sys.stderr)
        return 2
    for (binding, check), row in sorted(outcomes(results).items()):
        failing = _failing(row)
        passing = [r for r in row if all(o == "pass" for o in row[r]["dtypes"].values())]
        print(f"{binding} [{check}]: " + ("pass (all regimes, all dtypes)" if not failing else
                                          f"passes {', '.join(passing) or '-'}"))
        for line in failing:
            print(f"    FAIL {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
