"""Print the reference's measured error against the 50-digit mpmath oracle, per function.

    python benchmarks/ulp_table.py

Columns: function, number of oracle cases, points, max ULP of the value, max ULP of the
VJP, the regimes covered. Targets: <= 2 ULP elementwise, <= 4 ULP for reductions.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.oracles import all_cases
from tests.test_oracle import measure


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # --help; no options
    value_err: dict[str, float] = defaultdict(float)
    grad_err: dict[str, float] = defaultdict(float)
    points: dict[str, int] = defaultdict(int)
    regimes: dict[str, set[str]] = defaultdict(set)
    for case in all_cases():
        err = measure(case)
        table = grad_err if case.grad else value_err
        table[case.function] = max(table[case.function], err)
        points[case.function] += int(sum(a.size for a in case.inputs[:1]))
        regimes[case.function].add(case.regime)
    names = sorted(set(value_err) | set(grad_err))
    print(f"{'function':34} {'points':>7} {'value ULP':>10} {'VJP ULP':>9}  regimes")
    for name in names:
        g = f"{grad_err[name]:.2f}" if name in grad_err else "-"
        print(f"{name:34} {points[name]:7d} {value_err.get(name, 0.0):10.2f} {g:>9}  "
              f"{','.join(sorted(regimes[name]))}")
    worst_v = max(value_err.values(), default=0.0)
    worst_g = max(grad_err.values(), default=0.0)
    print(f"\n{len(names)} functions; worst value error {worst_v:.2f} ULP, "
          f"worst VJP error {worst_g:.2f} ULP (cases held to the 2/4 ULP targets)")
    from tests.oracles import LOOSE_ULP, all_loose_cases

    print(f"\nCases that miss the target, held to {LOOSE_ULP:g} ULP instead (reasons beside "
          "each module's _LOOSE in tests/oracles/):")
    for case in all_loose_cases():
        print(f"  {case.function:34} {'VJP' if case.grad else 'value':5} {case.regime:30} "
              f"{measure(case):8.2f} ULP")


if __name__ == "__main__":
    main()
