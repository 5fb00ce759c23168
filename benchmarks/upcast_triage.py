"""Is a failure the case dtype's arithmetic? Rerun failing cases on float64 upcasts.

    python benchmarks/upcast_triage.py RESULTS.json [--binding SUBSTRING] [--all]

For each case of a results file that failed or xfailed (``--all``: passed too), the
framework is called again on the same inputs converted exactly to float64, and its answer
is compared with the case's own reference (computed on the case-dtype inputs) under the
case dtype's tolerance, after rounding it once to the case dtype. "passes" means the
API's formula is right and the case dtype's intermediate roundings explain the failure;
"fails" means something else does (a convention, an epsilon that depends on the dtype,
a bug). Bindings whose conventions depend on the dtype (``finfo(dtype).eps`` clips) are
confounded where the clip acts: the float64 call clips at float64's eps.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters._binding import dtype_name
from conformance import loader, runner
from conformance.cases import CaseSpec
from conformance.tolerance import measure


def _rounded(values: np.ndarray, dtype: str) -> np.ndarray:
    import ml_dtypes

    target = ml_dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype)
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=np.float64).astype(target).astype(np.float64)


def triage(case: dict, bindings: dict, backends: dict) -> str:
    binding, backend = bindings[case["binding"]], backends[case["backend"]]
    spec = CaseSpec(binding.api, case["backend"], case["dtype"], case["regime"], case["check"])
    inputs, expected = runner._case_inputs(binding, spec)
    g = None
    if case["check"] != "value":
        g, expected = runner._reference_vjp(binding, spec, inputs, expected)
    wide = {k: v.astype(np.float64) if dtype_name(v.dtype) in ("float16", "bfloat16", "float32")
            else v for k, v in inputs.items()}
    spec64 = CaseSpec(binding.api, case["backend"], "float64", case["regime"], case["check"])
    result = runner._run(binding, backend, spec64, wide, expected,
                         None if g is None else np.asarray(g, dtype=np.float64))
    if result.actual is None:
        return f"float64 call: {result.message[:120]}"
    m = measure(_rounded(result.actual, case["dtype"]), expected, case["dtype"])
    verdict = "passes" if m.passed else "fails"
    return f"upcast {verdict}: {m.summary()[:120]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--binding", default="", help="only bindings whose api contains this")
    parser.add_argument("--all", action="store_true", help="passing cases too")
    args = parser.parse_args()
    doc = json.loads(args.results.read_text())
    loaded = loader.load_all()
    bindings = {b.api: b for v in loaded.values() for b in (getattr(v, "bindings", None) or [])}
    backends = {name: v.backend for name, v in loaded.items() if getattr(v, "backend", None)}
    for case in doc["cases"]:
        if args.binding not in case["binding"] or case["binding"] not in bindings:
            continue
        if not args.all and case["outcome"] == "pass":
            continue
        print(f'{case["binding"]}[{case["dtype"]}-{case["regime"]}-{case["check"]}] '
              f'{case["outcome"]}: {triage(case, bindings, backends)}')


if __name__ == "__main__":
    main()
