"""What an accelerator's kernels do to the suite's cases, checked where the sources say it.

    python benchmarks/device_replay.py [--device cuda] [--out DIR] [--cases FILE]

On the suite's own inputs and cotangents (the same cast arrays a case sees), three kinds
of evidence for a registry entry, printed one line per case:

* ``replay``: torch's softmax / log_softmax backward recomputed on the device with the
  arithmetic of its CUDA source, each rounding where the source puts it, compared bit for
  bit with autograd. ``aten/src/ATen/native/cuda/SoftMax.cu``: ``softmax_backward_cuda_out``
  forms ``tmp = grad * output`` in the tensor's dtype, then ``grad_input = tmp - output *
  sum(tmp)`` in float (``SoftMaxBackwardEpilogue``, and ``PersistentSoftmax.cuh``'s warp
  kernel: ``grad_reg - output_reg * sum``); log_softmax's backward is ``grad -
  exp(output) * sum(grad)`` in float. Also printed: the same formula without the first
  rounding (what a float accumulator of ``grad * output`` would give).
* ``upcast``: the binding called on the same inputs upcast to float32 (exactly), its
  result rounded once to the case dtype and measured with the case's tolerance: passing
  says the failure is the rounding of intermediates in the case dtype.
* ``same``: a Keras-on-torch binding against the torch call it wraps, bit for bit, on
  the device (Keras' torch backend upcasts float16 softmax / log_softmax only when its
  device is the CPU: ``keras/src/backend/torch/nn.py``).
* ``hlo``: for JAX cases, the optimized XLA program of the value and of the VJP, written
  to ``DIR/hlo/`` (what XLA:GPU fused and in which precision).

The case ids come from ``--cases`` (one per line) or the built-in list below (the cases
that fail on CUDA and pass on the CPU, or the reverse, in the 2026-12-04 H200 run).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.cases import numpy_dtype  # the case dtype's NumPy type (bfloat16: ml_dtypes)

# torch's softmax / softmin / log_softmax in every form (functional, module, torch.*,
# torch.special.*), and Keras' softmax / log_softmax functions
TORCH_SOFTMAX = re.compile(r"^torch\.(.*\.)?(softmax|softmin|log_softmax|Softmax|Softmin|LogSoftmax)\(")
KERAS_SOFTMAX = re.compile(r"^keras\.(ops|activations)\.(softmax|log_softmax)$")
HALF = ("float16", "bfloat16")


def _setup(device: str) -> dict[str, Any]:
    from conformance.loader import load_all

    os.environ.setdefault("KERAS_BACKEND", "torch")
    loaded = load_all(["torch", "jax", "keras"], device=device, entry_points=False)
    out = {}
    for lo in loaded.values():
        if lo.unavailable:
            print(f"# {lo.name}: unavailable: {lo.unavailable}")
        for b in lo.bindings:
            out[b.api] = (b, lo.backend)
    return out


def _case(bindings: dict[str, Any], case_id: str) -> tuple[Any, Any, Any, dict, Any, Any]:
    from conformance.cases import CaseSpec, is_grad, parse_case_id
    from conformance.runner import _case_inputs, _reference_vjp

    api, dtype, regime, check = parse_case_id(case_id)
    binding, backend = bindings[api]
    spec = CaseSpec(api, binding.backend, dtype, regime, check)
    inputs, expected = _case_inputs(binding, spec)
    g = None
    if is_grad(check):
        g, expected = _reference_vjp(binding, spec, inputs, expected)
    return binding, backend, spec, inputs, g, expected


def _call(binding: Any, backend: Any, spec: Any, inputs: dict, g: Any, dtype: str) -> np.ndarray:
    """The binding's value or VJP on ``inputs`` converted to ``dtype`` (exactly, upward)."""
    from conformance.cases import is_grad, wrt_input
    from conformance.runner import _positional

    fw = {n: backend.to_framework(a.astype(np.float64).astype(numpy_dtype(dtype))
                                  if a.dtype.kind == "f" or str(a.dtype) == "bfloat16" else a,
                                  dtype if a.dtype.kind not in "ib" else str(a.dtype))
          for n, a in inputs.items()}
    if is_grad(spec.check):
        names = [n for _, n in binding.arg_names()]
        wrt = names.index(wrt_input(binding, spec.check))
        raw = backend.vjp(_positional(binding, names), [fw[n] for n in names], wrt,
                          np.asarray(g).astype(np.float64).astype(numpy_dtype(dtype)))
    else:
        raw = binding.invoke(fw)
    return raw if isinstance(raw, np.ndarray) else np.asarray(backend.to_numpy(raw))


def upcast(bindings: dict[str, Any], case_id: str) -> str:
    from conformance.runner import tolerance_dtype
    from conformance.tolerance import measure

    binding, backend, spec, inputs, g, expected = _case(bindings, case_id)
    if spec.dtype not in HALF:
        return "upcast: not a half-precision case"
    native = _call(binding, backend, spec, inputs, g, spec.dtype).astype(np.float64)
    wide = _call(binding, backend, spec, inputs, g, "float32")
    once = wide.astype(numpy_dtype(spec.dtype)).astype(np.float64)
    tol = tolerance_dtype(spec.dtype, spec.dtype)
    m_native, m_once = measure(native, expected, tol), measure(once, expected, tol)
    return (f"upcast: native {'pass' if m_native.passed else 'fail'} "
            f"({m_native.max_ulp:.3g} ULP); float32 upcast rounded once "
            f"{'pass' if m_once.passed else 'fail'} ({m_once.max_ulp:.3g} ULP)")


def replay_softmax(bindings: dict[str, Any], case_id: str, device: str) -> str:
    """torch's CUDA softmax / softmin / log_softmax backward, step by step (see above)."""
    import torch

    binding, backend, spec, inputs, g, _ = _case(bindings, case_id)
    dt = getattr(torch, spec.dtype)
    x = backend.to_framework(inputs["x"], spec.dtype).detach().requires_grad_(True)
    gt = backend.to_framework(np.asarray(g).astype(np.float64).astype(numpy_dtype(spec.dtype)),
                              spec.dtype)
    api = spec.api.lower()
    log, sign = "log_softmax" in api or "logsoftmax" in api, (-1.0 if "softmin" in api else 1.0)
    y = (torch.log_softmax(x, -1) if log else torch.softmax(sign * x, -1))
    (grad,) = torch.autograd.grad(y, x, gt)
    y32, g32 = y.detach().float(), gt.float()
    if log:
        replay = (g32 - torch.exp(y32) * g32.sum(-1, keepdim=True)).to(dt)
        unrounded = replay
    else:
        tmp = (gt * y.detach()).float()  # tmp = grad * output in the tensor's dtype
        replay = (sign * (tmp - y32 * tmp.sum(-1, keepdim=True))).to(dt)
        prod = g32 * y32  # the product kept in float
        unrounded = (sign * (prod - y32 * prod.sum(-1, keepdim=True))).to(dt)

    def equal(a: Any, b: Any) -> int:
        return int((a.view(torch.int16) == b.view(torch.int16)).sum())

    n = grad.numel()
    binding_vjp = _call(binding, backend, spec, inputs, g, spec.dtype)
    bits = grad.detach().view(torch.int16).cpu().numpy().view(np.uint16)
    same = int((binding_vjp.view(np.uint16) == bits).sum())
    return (f"replay: the binding's VJP == autograd of the bare op in {same}/{n}; "
            f"autograd == CUDA-source formula in {equal(grad, replay)}/{n} elements"
            + ("" if log else f"; == the formula without rounding grad*output in "
               f"{equal(grad, unrounded)}/{n}"))


def same_as_torch(bindings: dict[str, Any], case_id: str) -> str:
    """A Keras-on-torch softmax / log_softmax case against torch's own call, bit for bit."""
    from conformance.cases import is_grad

    binding, backend, spec, inputs, g, _ = _case(bindings, case_id)
    twin = ("torch.nn.functional.log_softmax(dim=-1)" if "log_softmax" in spec.api
            else "torch.softmax(dim=-1)")
    tb, tbackend = bindings[twin]
    ours = _call(binding, backend, spec, inputs, g, spec.dtype)
    theirs = _call(tb, tbackend, spec, inputs, g, spec.dtype)
    same = int((ours.view(np.uint16) == theirs.view(np.uint16)).sum())
    what = "VJP" if is_grad(spec.check) else "value"
    return f"same: {what} == {twin}'s on this device in {same}/{ours.size} elements"


def hlo(bindings: dict[str, Any], case_id: str, out: Path) -> str:
    import jax

    from adapters._binding import fit_cotangent
    from conformance.cases import is_grad, wrt_input
    from conformance.runner import _positional

    binding, backend, spec, inputs, g, _ = _case(bindings, case_id)
    names = [n for _, n in binding.arg_names()]
    args = [backend.to_framework(inputs[n], spec.dtype if inputs[n].dtype.kind not in "ib"
                                 else str(inputs[n].dtype)) for n in names]
    fn = _positional(binding, names)
    if is_grad(spec.check):
        wrt = names.index(wrt_input(binding, spec.check))
        out_aval = jax.eval_shape(fn, *args)
        ct = jax.device_put(fit_cotangent(np.asarray(g).astype(out_aval.dtype), out_aval.shape))

        def pullback(*a: Any) -> Any:
            return jax.vjp(lambda v: fn(*a[:wrt], v, *a[wrt + 1:]), a[wrt])[1](ct)[0]
        target = pullback
    else:
        target = fn
    text = jax.jit(target).lower(*args).compile().as_text()
    out.mkdir(parents=True, exist_ok=True)
    path = out / (re.sub(r"[^A-Za-z0-9_.-]+", "_", case_id)[:150] + ".hlo.txt")
    path.write_text(text, encoding="utf-8")
    return f"hlo: {path.name} ({len(text.splitlines())} lines)"


DEFAULT_CASES = """
torch.softmax(dim=-1)[bfloat16-extreme-grad]
torch.softmax(dim=-1)[bfloat16-many_classes-grad]
torch.softmax(dim=-1)[bfloat16-ties-grad]
torch.softmax(dim=-1)[bfloat16-typical-grad]
torch.softmax(dim=-1)[float16-ties-grad]
torch.softmax(dim=-1)[float16-typical-grad]
torch.softmax(dim=-1)[float16-spatial-grad]
torch.softmax(dim=-1)[float16-many_classes-grad]
torch.nn.functional.softmin(dim=-1)[bfloat16-ties-grad]
torch.nn.functional.softmin(dim=-1)[float16-large-grad]
torch.nn.functional.softmin(dim=-1)[float16-typical-grad]
torch.nn.functional.log_softmax(dim=-1)[float16-many_classes-grad]
torch.nn.functional.log_softmax(dim=-1)[float16-typical-grad]
torch.nn.functional.log_softmax(dim=-1)[bfloat16-typical-grad]
keras.ops.softmax[float16-spatial-grad]
keras.ops.softmax[float16-typical-grad]
keras.ops.softmax[bfloat16-many_classes-grad]
keras.ops.softmax[float16-typical]
keras.ops.log_softmax[float16-many_classes-grad]
keras.ops.log_softmax[float16-typical-grad]
keras.ops.log_softmax[float16-typical]
torch.nn.functional.cross_entropy(label_smoothing=0.1) [probability targets][float16-soft_labels-grad]
torch.nn.functional.cross_entropy(label_smoothing=0.1, weight=[0.5, 1.0, 2.0, 1.5, 0.25])[float16-ties-grad]
torch.nn.functional.cross_entropy(reduction='none') [probability targets][bfloat16-smoothed_labels-grad]
keras.losses.categorical_crossentropy(from_logits=True)[bfloat16-smoothed_labels-grad]
jax.nn.gelu(approximate=False)[bfloat16-typical]
jax.nn.gelu(approximate=False)[bfloat16-kinks]
jax.nn.log_softmax[float16-large-grad]
jax.nn.log_softmax[bfloat16-large-grad]
jax.nn.softmax[float16-extreme-grad]
jax.nn.elu[float16-nan_inf-grad]
jax.nn.selu[float16-typical]
optax.losses.multiclass_perceptron_loss[bfloat16-nan_inf-grad]
optax.losses.multiclass_generalized_dice_loss[bfloat16-empty_masks-grad]
optax.losses.dice_loss(alpha=0.3, beta=0.7)[float16-typical-grad]
optax.losses.softmax_cross_entropy[float16-smoothed_labels-grad]
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--out", default="replay-out")
    p.add_argument("--cases", help="a file of case ids, one per line")
    args = p.parse_args(argv)
    ids = (Path(args.cases).read_text() if args.cases else DEFAULT_CASES).split("\n")
    ids = [i.strip() for i in ids if i.strip() and not i.startswith("#")]
    bindings = _setup(args.device)
    out = Path(args.out)
    for cid in ids:
        api = cid.rsplit("[", 1)[0]
        if api not in bindings:
            print(f"{cid}\n    skipped: no binding {api!r} here")
            continue
        lines = []
        for name, fn in (
                ("replay", (lambda c: replay_softmax(bindings, c, args.device))
                 if TORCH_SOFTMAX.match(api) and cid.endswith("-grad]") else None),
                ("same", (lambda c: same_as_torch(bindings, c))
                 if KERAS_SOFTMAX.match(api) else None),
                ("upcast", lambda c: upcast(bindings, c)),
                ("hlo", (lambda c: hlo(bindings, c, out / "hlo"))
                 if api.startswith(("jax.", "optax.")) else None)):
            if fn is None:
                continue
            try:
                lines.append(fn(cid))
            except Exception as exc:  # a replay that cannot run says why; the rest go on
                lines.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
        print(cid + "".join(f"\n    {line}" for line in lines), flush=True)
    if (out / "hlo").is_dir():  # one file to carry back, however many programs
        import tarfile

        with tarfile.open(out / "hlo.tar.gz", "w:gz") as tar:
            tar.add(out / "hlo", arcname="hlo")
        shutil.rmtree(out / "hlo")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
