"""A GPU kernel's arithmetic, emulated on the CPU and checked against a run recorded there.

    python benchmarks/device_emulate.py RESULTS [--case ID ...] [--all]

A registry entry for a device says *why* its cases fail there; where the kernel is
elementwise, the claim can be checked without the device: rebuild each case's inputs,
cotangent and float64 reference exactly as the suite does, compute the output the kernel's
source says the device computes (each rounding where the source puts it), measure it the
way the suite measures the framework's, and compare with what the device run recorded
(RESULTS, a ``--results`` file of that run, ``.json`` or ``.json.gz``):

* every case: the max ULP and max abs error, equal to the last bit;
* a failing case: also its error curve, the error of every element (sorted by input),
  which the suite records for a failure: equal element by element means the emulated
  output is the device's output, bit for bit, on that case.

One line per case, then a count per emulation. A case whose figures differ is a
hypothesis refuted. Emulations (``EMULATIONS``), half precision only (float16, bfloat16):

* ``sigmoid_backward``: torch's CUDA kernel for real types computes ``a * (scalar_t(1.) -
  b) * b`` in ``scalar_t`` (``aten/src/ATen/native/cuda/BinaryMiscBackwardOpsKernels.cu:
  sigmoid_backward_kernel_cuda``): c10::Half / c10::BFloat16 arithmetic computes each
  operation in float and rounds it back, so ``r(r(g * r(1 - y)) * y)``, with ``y`` the
  forward output rounded to the dtype (autograd saves the result).
* ``tanh_backward``: the same file's ``tanh_backward_kernel_cuda``, ``a * (scalar_t{1.} -
  b * b)``: ``r(g * r(1 - r(y * y)))``.
* ``tanhshrink_backward``: tanhshrink is ``input - input.tanh()`` (a Python composition),
  so autograd gives ``g + tanh_backward(-g, y)``: ``r(g - r(g * r(1 - r(y * y))))``.

Each covers torch's forms of the API and Keras' on its torch backend (Keras calls
``torch.nn.functional.sigmoid`` / ``tanh`` / ``tanhshrink``: ``keras/src/backend/torch/nn.py``).
The forward output ``y`` is the float64 function rounded once to the dtype (CUDA computes
it in float and rounds it once; a disagreement there would show as differing figures).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.cases import numpy_dtype  # the case dtype's NumPy type (bfloat16: ml_dtypes)

HALF = ("float16", "bfloat16")
Kernel = Callable[[np.ndarray, np.ndarray, Callable[[Any], np.ndarray]], np.ndarray]


def _sigmoid_backward(x: np.ndarray, g: np.ndarray, r: Callable[[Any], np.ndarray]) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x < -709: y = 0
        y = r(1.0 / (1.0 + np.exp(-x)))
    return r(r(g * r(1.0 - y)) * y)


def _tanh_backward(x: np.ndarray, g: np.ndarray, r: Callable[[Any], np.ndarray]) -> np.ndarray:
    y = r(np.tanh(x))
    return r(g * r(1.0 - r(y * y)))


def _tanhshrink_backward(x: np.ndarray, g: np.ndarray, r: Callable[[Any], np.ndarray]) -> np.ndarray:
    return r(g - _tanh_backward(x, g, r))


# name -> (bindings it covers, check, kernel); the patterns name every form of the API
EMULATIONS: dict[str, tuple[re.Pattern[str], str, Kernel]] = {
    "sigmoid_backward": (re.compile(
        r"^(torch\.(sigmoid|special\.expit|nn\.functional\.sigmoid|nn\.Sigmoid\(\))"
        r"|keras\.(activations|ops)\.sigmoid)$"), "grad", _sigmoid_backward),
    "tanh_backward": (re.compile(
        r"^(torch\.(tanh|nn\.functional\.tanh|nn\.Tanh\(\))|keras\.(activations|ops)\.tanh)$"),
        "grad", _tanh_backward),
    "tanhshrink_backward": (re.compile(
        r"^(torch\.nn\.(functional\.tanhshrink|Tanhshrink\(\))"
        r"|keras\.(activations|ops)\.tanh_shrink)$"), "grad", _tanhshrink_backward),
}


def emulation_for(case: dict[str, Any]) -> str | None:
    """The name of the emulation that covers a recorded case, or None."""
    if case.get("dtype") not in HALF:
        return None
    for name, (pattern, check, _) in EMULATIONS.items():
        if case.get("check") == check and pattern.match(str(case.get("binding", ""))):
            return name
    return None


def rounder(dtype: str) -> Callable[[Any], np.ndarray]:
    """Round float64 values to ``dtype`` (to nearest, ties to even) and back to float64."""
    dt = numpy_dtype(dtype)
    return lambda v: np.asarray(v, np.float64).astype(dt).astype(np.float64)


def emulate(binding: Any, spec: Any, name: str) -> dict[str, Any]:
    """The emulated output of one case, measured as the suite measures the framework's."""
    from conformance.runner import _case_inputs, _error_curve, _reference_vjp, tolerance_dtype
    from conformance.tolerance import measure

    inputs, value = _case_inputs(binding, spec)
    g, expected = _reference_vjp(binding, spec, inputs, value)
    kernel = EMULATIONS[name][2]
    x = np.asarray(inputs["x"]).astype(np.float64)
    out = kernel(x, np.asarray(g).astype(np.float64), rounder(spec.dtype))
    m = measure(out, expected, tolerance_dtype(spec.dtype, spec.dtype), out_dtype=spec.dtype)
    curve = _error_curve(binding, inputs, out, expected)
    return {"output": out, "passed": m.passed, "max_ulp": m.max_ulp, "max_abs": m.max_abs,
            "abs_err": None if curve is None else json.loads(json.dumps(curve["abs_err"]))}


def compare(case: dict[str, Any], got: dict[str, Any]) -> tuple[bool, str]:
    """(whether every recorded figure equals the emulation's, a one-line account)."""
    from conformance.results import jsonable

    problems = []
    for key in ("max_ulp", "max_abs"):
        if jsonable(got[key]) != case.get(key):
            problems.append(f"{key} {got[key]!r} (recorded {case.get(key)!r})")
    passed = case.get("outcome") in ("pass", "xpass")
    if got["passed"] != passed:
        problems.append(f"emulation {'passes' if got['passed'] else 'fails'}, the run "
                        f"{'passed' if passed else 'failed'}")
    recorded = (case.get("error_curve") or {}).get("abs_err")
    curve = ""
    if recorded is not None:
        if recorded == got["abs_err"]:
            curve = f", all {len(recorded)} elements' errors equal"
        else:
            problems.append("error curve differs")
    if problems:
        return False, "DIFFERS: " + "; ".join(problems)
    return True, f"match: max {got['max_ulp']:.4g} ULP, max abs {got['max_abs']:.3g}{curve}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", help="a results file of a device run (.json or .json.gz)")
    parser.add_argument("--case", action="append", default=[], help="only these case ids")
    parser.add_argument("--all", action="store_true",
                        help="print passing cases too (default: the failing ones, and counts)")
    args = parser.parse_args(argv)

    from conformance.cases import CaseSpec
    from conformance.loader import load_all
    from conformance.report.merge import ResultsFileError, load_results

    try:
        doc = load_results(args.results)
    except ResultsFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    cases = [c for c in doc["cases"] if (not args.case or c["id"] in args.case)
             and emulation_for(c) and c.get("max_ulp") is not None]
    os.environ.setdefault("KERAS_BACKEND", "torch")  # the bindings only; nothing is called
    backends = sorted({c["backend"] for c in cases})
    bindings = {b.api: b for lo in load_all(backends, entry_points=False).values()
                for b in lo.bindings}
    device = (doc.get("options") or {}).get("device", "?")
    print(f"# {args.results}: {len(cases)} half-precision cases with an emulation "
          f"(run on device {device})")
    tally: Counter[tuple[str, str]] = Counter()
    for case in cases:
        name = emulation_for(case)
        binding = bindings.get(case["binding"])
        if binding is None:
            tally[(name, "binding not loaded")] += 1
            continue
        spec = CaseSpec(case["binding"], case["backend"], case["dtype"], case["regime"],
                        case["check"])
        ok, line = compare(case, emulate(binding, spec, name))
        failing = case.get("outcome") not in ("pass", "xpass")
        tally[(name, ("match" if ok else "DIFFERS") + (", failing" if failing else ", passing"))] += 1
        if args.all or failing or not ok:
            print(f"{case['outcome']:6} {case['id']}: {name}: {line}")
    print("# per emulation:")
    for (name, verdict), n in sorted(tally.items()):
        print(f"#   {name:22} {verdict:20} {n:4d}")
    return 1 if any(v.startswith(("DIFFERS", "binding")) for _, v in tally) else 0


if __name__ == "__main__":
    raise SystemExit(main())
