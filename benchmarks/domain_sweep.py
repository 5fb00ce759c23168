"""How far do the activations' errors reach? Every half value, the whole float32/64 range.

    python benchmarks/domain_sweep.py                    # every backend and dtype
    python benchmarks/domain_sweep.py --backend torch,jax --dtype bfloat16 --binding gelu
    python benchmarks/domain_sweep.py --markdown --only-beyond > table.md

The suite samples each activation in regimes (typical, large, extreme up to 1e4, tiny,
kinks ...) and its registry names the mechanism behind a failure there. This sweep calls
every elementwise activation binding (the "unary" family) on one input vector per dtype
that covers the dtype's whole range:

- float16 and bfloat16: every finite value (63,488 and 65,280; subnormals and both zeros);
- float32 and float64: one value per 16-bit prefix of the bit pattern (sign, exponent,
  the mantissa's top bits), its low bits drawn from a fixed seed (none for the two zeros):
  65,280 and 65,504 values spread evenly over every binade, up to the largest finite one.

Values and, unless ``--no-grad``, gradients (the suite's cotangent for that vector) are
compared with the reference computed in float64 on the same inputs by the suite's own
runner, under the tolerance a case of that dtype gets. Per binding, dtype and check it prints:

- ``beyond``: the inputs whose output is outside tolerance (NaN or inf on one side only
  counts);
- ``subn``: how many of those inputs are subnormal in the dtype (a CPU with DAZ reads them
  as 0: see denormals.toml), so ``beyond - subn`` is what the normal range shows;
- ``ulp``: the largest ULP error (in the dtype) among the elements within rtol, both
  sides finite: the precision where the answer is right;
- ``worst x``, ``got``, ``expected``: the element furthest outside tolerance.

Figures only, no verdict: the suite decides pass and fail on its own regimes, and a row
here can hold several of the registry's mechanisms at once. About 30 s for every backend
and dtype on the 2-core host.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance import loader, runner
from conformance.cases import DTYPES, CaseSpec, grad_checks, numpy_dtype
from conformance.families import FAMILY_OF
from conformance.tolerance import measure, smallest_normal


def every_value(dtype: str) -> np.ndarray:
    """The sweep's inputs for ``dtype``, ascending, in float64 (-0.0 before 0.0)."""
    prefix = np.arange(1 << 16, dtype=np.uint16)
    if dtype == "float16":
        values = prefix.view(np.float16).astype(np.float32)
    elif dtype in ("bfloat16", "float32"):  # bfloat16: the upper half of a float32's bits
        bits = prefix.astype(np.uint32) << 16
        if dtype == "float32":
            low = np.random.default_rng(0).integers(0, 1 << 16, bits.size, dtype=np.uint32)
            bits |= np.where((prefix & 0x7FFF) == 0, 0, low).astype(np.uint32)  # keep +-0
        values = bits.view(np.float32)
    else:
        bits = prefix.astype(np.uint64) << np.uint64(48)
        low = np.random.default_rng(0).integers(0, 1 << 48, bits.size, dtype=np.uint64)
        bits |= np.where((prefix & 0x7FFF) == 0, 0, low).astype(np.uint64)
        values = bits.view(np.float64)
    values = values[np.isfinite(values)].astype(np.float64)
    order = np.lexsort((~np.signbit(values), values))  # -0.0 first among the zeros
    return values[order]


def sweep(binding: Any, backend: Any, dtype: str, check: str) -> dict[str, Any]:
    """One row: the binding's ``check`` on :func:`every_value` of ``dtype``."""
    x = every_value(dtype)
    spec = CaseSpec(binding.api, backend.name.lower(), dtype, "typical", check)
    result = runner.run_case_on(binding, backend, spec, {"x": x.astype(numpy_dtype(dtype))})
    row: dict[str, Any] = {"api": binding.api, "dtype": dtype, "check": check}
    if result.actual is None or result.expected is None:
        row["note"] = (result.message or "no output").splitlines()[0][:120]
        return row
    if np.shape(result.actual) != x.shape:
        row["note"] = f"not elementwise: output shape {np.shape(result.actual)}"
        return row
    # the suite's own figures, and the same measure (the tolerance of the less precise of
    # the case dtype and the declared output dtype) on the inputs of the normal range
    whole = result.measured
    want = dtype if check != "value" else binding.returns(dtype)
    normal = (np.abs(x) >= smallest_normal(dtype)) | (x == 0)
    in_range = measure(np.asarray(result.actual)[normal], np.asarray(result.expected)[normal],
                       runner.tolerance_dtype(dtype, want), out_dtype=result.out_dtype)
    row.update(beyond=whole.mismatches, subn=whole.mismatches - in_range.mismatches,
               ulp=whole.max_ulp_within_rtol,
               worst_x=None if whole.worst_index is None else float(x[whole.worst_index]),
               got=whole.worst_actual, expected=whole.worst_expected)
    return row


def _fmt(v: float | None) -> str:
    return "" if v is None else f"{v:.4g}"


def _cells(r: dict[str, Any]) -> tuple[str, ...]:
    head = (r["backend"], r["api"], r["dtype"], r["check"])
    if "note" in r:
        return (*head, "", "", "", "", "", "", r["note"])
    return (*head, str(r["beyond"]), str(r["subn"]), f"{r['ulp']:.2f}", _fmt(r["worst_x"]),
            _fmt(r["got"]), _fmt(r["expected"]), "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=None, help="comma-separated backends (default: all)")
    parser.add_argument("--dtype", default=",".join(DTYPES), help="comma-separated dtypes")
    parser.add_argument("--binding", default="", help="only bindings whose api contains this")
    parser.add_argument("--no-grad", action="store_true", help="values only")
    parser.add_argument("--only-beyond", action="store_true",
                        help="only the rows with inputs outside tolerance in the normal range")
    parser.add_argument("--markdown", action="store_true", help="a Markdown table")
    args = parser.parse_args(argv)
    dtypes = [d.strip() for d in args.dtype.split(",") if d.strip()]
    bad = [d for d in dtypes if d not in DTYPES]
    if bad:
        parser.error(f"--dtype: {bad} not among {list(DTYPES)}")
    t0 = time.perf_counter()
    rows = []
    for name, item in loader.load_all(None if args.backend is None else
                                      args.backend.split(",")).items():
        backend = getattr(item, "backend", None)
        if backend is None:
            continue
        for binding in item.bindings:
            if FAMILY_OF.get(binding.reference) != "unary" or args.binding not in binding.api:
                continue
            checks = ["value"]
            if binding.grad and backend.vjp is not None and not args.no_grad:
                checks += grad_checks(binding)
            for dtype in dtypes:
                if dtype in binding.dtypes and dtype in backend.dtypes:
                    rows += [{**sweep(binding, backend, dtype, c), "backend": name} for c in checks]
    seconds = time.perf_counter() - t0
    clean = sum(1 for r in rows if r.get("beyond") == 0)
    normal_only = sum(1 for r in rows if r.get("beyond", 0) > r.get("subn", 0))
    if args.only_beyond:
        rows = [r for r in rows if r.get("beyond", 0) > r.get("subn", 0)]
    head = ("backend", "binding", "dtype", "check", "beyond", "subn", "ulp", "worst x", "got",
            "expected", "note")
    lines = [_cells(r) for r in rows]
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for cells in lines:
            print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    else:
        widths = [max([len(h)] + [len(c[i]) for c in lines]) for i, h in enumerate(head)]
        for cells in (head, *lines):
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    sizes = ", ".join(f"{d} {every_value(d).size}" for d in dtypes)
    print(f"\n{clean} of the swept rows have every input within tolerance, {normal_only} have "
          f"inputs outside it in the normal range; {seconds:.1f} s. Inputs per row: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
