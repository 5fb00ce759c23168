"""Does an activation answer differently for the same value depending on where it sits?

A CPU elementwise kernel runs a vectorized loop over whole blocks and a scalar loop over
the rest, and the two are separate code (torch: ``aten/src/ATen/native/cpu/Activation.cpp``,
a scalar and a vector lambda per kernel). For every installed unary binding (value and
gradient, every dtype) this puts the activation regimes' special values in a small tensor
(the scalar loop only) and at the start of a large one (the vectorized blocks), and prints
each binding whose answers differ bit for bit, with the first differing value.

    python benchmarks/layout_probe.py [--backend torch,jax]

Figures only: it asserts nothing (the conformance cases decide; the activations' nan_inf
regime puts its values in both loops).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.cases import numpy_dtype
from conformance.families import FAMILY_OF
from conformance.loader import load_all
from conformance.regimes import _EXTREME, _KINKS, _TINY

VALUES = np.unique(np.concatenate([_EXTREME, -_EXTREME, _TINY, -_TINY, _KINKS,
                                   [np.nan, np.inf, -np.inf, 0.25, -7.5, 15.0, 30.0]]))
LARGE = 256  # a multiple of every vector block (64 half-precision elements with AVX512)


def answers(backend: Any, binding: Any, dtype: str, n: int) -> tuple[np.ndarray | None, ...]:
    """Value and gradient (cotangent 1) on ``VALUES`` repeated to ``n`` elements."""
    x = np.resize(VALUES, n).astype(numpy_dtype(dtype))
    try:
        fx = backend.to_framework(x, dtype)
        y = np.asarray(backend.to_numpy(binding.invoke({"x": fx})), dtype=np.float64)
        g = None
        if binding.grad:
            ones = backend.to_framework(np.ones(n, dtype=numpy_dtype(dtype)), dtype)
            g = np.asarray(backend.vjp(lambda v: binding.invoke({"x": v}), [fx], 0, ones),
                           dtype=np.float64)
    except Exception:  # counted as "not probed" in the summary, not hidden
        return None, None
    return (y if y.size == n else None), g


def differences(small: np.ndarray, large: np.ndarray) -> list[int]:
    k = VALUES.size
    a, b = small.reshape(-1)[:k], large.reshape(-1)[:k]
    return [i for i in range(k) if not (a[i] == b[i] or (np.isnan(a[i]) and np.isnan(b[i])))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=None, help="comma-separated backends (default: all)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    loaded = load_all(None if args.backend is None else args.backend.split(","))
    k = VALUES.size
    for name, lb in loaded.items():
        if lb.backend is None:
            print(f"{name}: unavailable ({lb.unavailable})")
            continue
        probed = differing = skipped = 0
        for b in lb.bindings:
            if FAMILY_OF.get(b.reference) != "unary":
                continue
            for dtype in (d for d in lb.backend.dtypes if d in b.dtypes):
                small, large = answers(lb.backend, b, dtype, k), answers(lb.backend, b, dtype, LARGE + k)
                for check, s, lg in zip(("value", "grad"), small, large, strict=True):
                    if s is None or lg is None:
                        skipped += check == "value" or b.grad
                        continue
                    probed += 1
                    bad = differences(s, lg)
                    if bad:
                        differing += 1
                        i = bad[0]
                        print(f"{name:10} {b.api} {dtype} {check}: {len(bad)} value(s) differ; "
                              f"x = {VALUES[i]}: scalar loop {s.reshape(-1)[i]!r}, "
                              f"vectorized {lg.reshape(-1)[i]!r}")
        print(f"{name}: {differing} of {probed} (binding, dtype, check) answers depend on the layout"
              f" ({skipped} not probed: the call raised or reduced its input)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
