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

* ``xla_per_primitive`` (every JAX/optax binding, values and gradients): a model of
  XLA:GPU, not a kernel's source. The binding's program (its value, or the jitted VJP the
  adapter runs) is traced to a jaxpr and evaluated on the CPU one primitive at a time, so
  every intermediate value is rounded to its dtype, as XLA:GPU's fused programs for
  float16/bfloat16 do primitive by primitive (their optimized HLO, written by
  ``benchmarks/device_replay.py``: f16/bf16 elementwise ops and reductions), where
  XLA:CPU's fusions compute such chains in float32. A ``reduce_sum`` in a half dtype is
  summed as a warp does it, a butterfly (pairs at distance 16, 8, 4, 2, 1 for a row of up
  to 32; the next power of two above), each addition rounded to the dtype: the
  accumulation order is this model's guess, so a reduction can leave a few elements
  differing where the device summed in another order (the line says how many).
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


XLA = "xla_per_primitive"


def emulation_for(case: dict[str, Any]) -> str | None:
    """The name of the emulation that covers a recorded case, or None."""
    if case.get("dtype") not in HALF:
        return None
    for name, (pattern, check, _) in EMULATIONS.items():
        if case.get("check") == check and pattern.match(str(case.get("binding", ""))):
            return name
    if case.get("backend") == "jax":
        return XLA
    return None


SUMS = ("butterfly", "sequential", "float32")


def _half_sum(x: Any, axes: tuple[int, ...], order: str = "butterfly") -> np.ndarray:
    """A half-dtype sum over ``axes`` in the order ``order`` (one of ``SUMS``): "butterfly"
    as a warp reduces (halves added pairwise, each sum rounded: the model's), and for
    comparison "sequential" (left to right, each sum rounded) and "float32" (accumulated
    in float32, rounded once)."""
    if order not in SUMS:
        raise ValueError(f"order must be one of {list(SUMS)}, got {order!r}")
    a = np.asarray(x)
    dt = a.dtype
    keep = [i for i in range(a.ndim) if i not in axes]
    a = np.transpose(a, keep + list(axes))
    lead = a.shape[:len(keep)]
    a = a.reshape((*lead, int(np.prod(a.shape[len(keep):], dtype=np.int64))))
    if order == "float32":
        return a.astype(np.float32).sum(axis=-1).astype(dt)
    if order == "sequential":
        acc = np.zeros(lead, dtype=dt)
        for k in range(a.shape[-1]):
            with np.errstate(invalid="ignore"):
                acc = (acc.astype(np.float32) + a[..., k].astype(np.float32)).astype(dt)
        return acc
    width = 1
    while width < a.shape[-1]:
        width *= 2
    v = np.zeros((*lead, width), dtype=dt)
    v[..., :a.shape[-1]] = a
    while width > 1:
        width //= 2
        # each addition in float32, rounded to the dtype (exact, then one rounding)
        with np.errstate(invalid="ignore"):  # inf + -inf is NaN, as on the device
            v = (v[..., :width].astype(np.float32) + v[..., width:2 * width].astype(np.float32)).astype(dt)
    return v[..., 0]


_CALLS = ("pjit", "jit", "closed_call", "core_call", "custom_jvp_call", "custom_vjp_call",
          "custom_vjp_call_jaxpr", "remat", "checkpoint")


def _eval_per_primitive(jaxpr: Any, consts: Any, args: list[Any],
                        sums: str = "butterfly") -> list[Any]:
    """Evaluate a jaxpr one primitive at a time (each its own program), inlining calls."""
    import jax.numpy as jnp

    env: dict[Any, Any] = {}

    def read(v: Any) -> Any:
        return v.val if type(v).__name__ == "Literal" else env[v]

    env.update(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))
    for eqn in jaxpr.eqns:
        invals = [read(v) for v in eqn.invars]
        inner = None
        if eqn.primitive.name in _CALLS:
            for key in ("jaxpr", "call_jaxpr", "fun_jaxpr"):
                sub = eqn.params.get(key)
                if sub is not None:
                    inner = (sub.jaxpr, sub.consts) if hasattr(sub, "consts") else (sub, ())
                    break
        if inner is not None:
            outs = _eval_per_primitive(inner[0], inner[1], invals, sums)
        elif eqn.primitive.name == "reduce_sum" and str(invals[0].dtype) in HALF:
            outs = [jnp.asarray(_half_sum(invals[0], tuple(eqn.params["axes"]), sums))]
        else:
            out = eqn.primitive.bind(*invals, **eqn.params)
            outs = list(out) if eqn.primitive.multiple_results else [out]
        env.update(zip(eqn.outvars, outs, strict=True))
    return [read(v) for v in jaxpr.outvars]


def _xla_output(binding: Any, backend: Any, spec: Any, inputs: dict[str, np.ndarray],
                g: np.ndarray | None, sums: str = "butterfly") -> np.ndarray:
    import jax

    from adapters._binding import fit_cotangent
    from conformance.cases import is_grad, wrt_input
    from conformance.runner import _positional

    names = [n for _, n in binding.arg_names()]
    fw = [backend.to_framework(inputs[n], spec.dtype if inputs[n].dtype.kind not in "ib"
                               else str(inputs[n].dtype)) for n in names]
    fn = _positional(binding, names)
    program = fn
    if is_grad(spec.check):
        wrt = names.index(wrt_input(binding, spec.check))
        out = jax.eval_shape(fn, *fw)
        ct = jax.numpy.asarray(fit_cotangent(np.asarray(g).astype(out.dtype), out.shape))

        def program(*args: Any) -> Any:  # the adapter's VJP (adapters/jax_bindings.py)
            def partial(arg: Any) -> Any:
                return fn(*args[:wrt], arg, *args[wrt + 1:])
            return jax.vjp(partial, args[wrt])[1](ct)[0]
    closed = jax.make_jaxpr(program)(*fw)
    return np.asarray(_eval_per_primitive(closed.jaxpr, closed.consts, fw, sums)[0]).astype(np.float64)


def rounder(dtype: str) -> Callable[[Any], np.ndarray]:
    """Round float64 values to ``dtype`` (to nearest, ties to even) and back to float64."""
    dt = numpy_dtype(dtype)
    return lambda v: np.asarray(v, np.float64).astype(dt).astype(np.float64)


def emulate(binding: Any, spec: Any, name: str, backend: Any = None,
            sums: str = "butterfly") -> dict[str, Any]:
    """The emulated output of one case, measured as the suite measures the framework's."""
    from conformance.cases import is_grad
    from conformance.runner import (
        _case_inputs,
        _error_curve,
        _reference_vjp,
        tolerance_dtype,
    )
    from conformance.tolerance import measure

    inputs, expected = _case_inputs(binding, spec)
    g = None
    if is_grad(spec.check):
        g, expected = _reference_vjp(binding, spec, inputs, expected)
    if name == XLA:
        out = _xla_output(binding, backend, spec, inputs, g, sums)
    else:
        kernel = EMULATIONS[name][2]
        x = np.asarray(inputs["x"]).astype(np.float64)
        out = kernel(x, np.asarray(g).astype(np.float64), rounder(spec.dtype))
    want = spec.dtype if is_grad(spec.check) else binding.returns(spec.dtype)
    if out.shape != expected.shape:
        return {"output": out, "passed": False, "max_ulp": None, "max_abs": None, "abs_err": None,
                "shape": f"emulated shape {out.shape}, reference {expected.shape}"}
    m = measure(out, expected, tolerance_dtype(spec.dtype, want), out_dtype=want)
    curve = _error_curve(binding, inputs, out, expected)
    return {"output": out, "passed": m.passed, "max_ulp": m.max_ulp, "max_abs": m.max_abs,
            "abs_err": None if curve is None else json.loads(json.dumps(curve["abs_err"]))}


def compare(case: dict[str, Any], got: dict[str, Any]) -> tuple[str, str]:
    """(verdict, a one-line account): ``match`` when every recorded figure equals the
    emulation's, ``close`` when only figures differ (both within tolerance or both not),
    ``differs`` when the emulation's values are within tolerance where the run's were not,
    or the reverse (the run's verdict on values: its count of elements out of tolerance)."""
    from conformance.results import jsonable

    # the run's verdict on the values (a case can fail on its dtype alone: 0 mismatches)
    passed = not case.get("mismatches")
    if got.get("shape"):
        return "differs", f"DIFFERS: {got['shape']}"
    if got["passed"] != passed:
        return "differs", (f"DIFFERS: the emulation {'passes' if got['passed'] else 'fails'} "
                           f"(max {got['max_ulp']:.4g} ULP), the run "
                           f"{'passed' if passed else 'failed'} (max {case.get('max_ulp')} ULP)")
    problems = [f"{key} {got[key]:.6g} (recorded {float(case[key]):.6g})"
                for key in ("max_ulp", "max_abs") if jsonable(got[key]) != case.get(key)]
    recorded = (case.get("error_curve") or {}).get("abs_err")
    curve = ""
    if recorded is not None:
        mine = got["abs_err"] or []
        if recorded == mine:
            curve = f", all {len(recorded)} elements' errors equal"
        else:
            diff = sum(a != b for a, b in zip(recorded, mine, strict=False)) + abs(len(recorded) - len(mine))
            problems.append(f"{diff} of {len(recorded)} elements' errors differ")
    if problems:
        return "close", "close: " + "; ".join(problems)
    return "match", f"match: max {got['max_ulp']:.4g} ULP, max abs {got['max_abs']:.3g}{curve}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", help="a results file of a device run (.json or .json.gz)")
    parser.add_argument("--case", action="append", default=[], help="only these case ids")
    parser.add_argument("--binding", default="", help="only bindings matching this regex")
    parser.add_argument("--failing", action="store_true", help="only the cases the run failed")
    parser.add_argument("--sums", choices=SUMS, default="butterfly",
                        help="xla_per_primitive: how a half-dtype reduce_sum adds (default: "
                             "butterfly; the others for comparison)")
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
    pattern = re.compile(args.binding)
    cases = [c for c in doc["cases"] if (not args.case or c["id"] in args.case)
             and pattern.search(c["binding"]) and emulation_for(c) and c.get("max_ulp") is not None
             and (not args.failing or c.get("outcome") not in ("pass", "xpass"))]
    os.environ.setdefault("KERAS_BACKEND", "torch")  # the bindings; only JAX's programs run
    backends = sorted({c["backend"] for c in cases})
    loaded = load_all(backends, entry_points=False)
    bindings = {b.api: (b, lo.backend) for lo in loaded.values() for b in lo.bindings}
    device = (doc.get("options") or {}).get("device", "?")
    print(f"# {args.results}: {len(cases)} half-precision cases with an emulation "
          f"(run on device {device})")
    tally: Counter[tuple[str, str]] = Counter()
    for case in cases:
        name = emulation_for(case)
        binding, backend = bindings.get(case["binding"], (None, None))
        if binding is None:
            tally[(name, "binding not loaded")] += 1
            continue
        spec = CaseSpec(case["binding"], case["backend"], case["dtype"], case["regime"],
                        case["check"])
        try:
            verdict, line = compare(case, emulate(binding, spec, name, backend, args.sums))
        except Exception as exc:  # an emulation that cannot run says so; the rest go on
            verdict, line = "error", f"ERROR: {type(exc).__name__}: {exc}"
        failing = case.get("outcome") not in ("pass", "xpass")
        tally[(name, verdict + (", failing" if failing else ", passing"))] += 1
        if args.all or failing or verdict != "match":
            print(f"{case['outcome']:6} {case['id']}: {name}: {line}")
    print("# per emulation:")
    for (name, verdict), n in sorted(tally.items()):
        print(f"#   {name:22} {verdict:20} {n:5d}")
    # a kernel's emulation must match to the last bit; the XLA model must give the verdict
    refuted = [k for k in tally if k[1].startswith(("differs", "error", "binding"))
               or (k[0] != XLA and not k[1].startswith("match"))]
    return 1 if refuted else 0


if __name__ == "__main__":
    raise SystemExit(main())
