"""PyTorch adapter: exact array conversion, autograd VJPs and the public-surface bindings.

The framework is imported inside functions only, so importing this module never needs
torch; ``bindings()`` raises ImportError when torch is missing (the suite skips).

Activations live here; the losses (functional and ``nn`` module forms, every reduction)
are declared in :mod:`adapters._torch_losses`. Every convention below was read in the
installed sources and checked by running torch 2.13 on CPU:

* ``torch/nn/functional.py`` (the Python surface and its defaults),
* ``torch/_decomp/decompositions.py`` and ``torch/_refs/nn/functional/__init__.py``
  (Python ports of the ATen kernels and of their backward formulas: the gradient at
  each kink).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ._binding import ALL_DTYPES, Backend, Binding, dtype_name, fit_cotangent

__all__ = ["backend", "bindings"]

FUNCTIONAL = "torch/nn/functional.py"
DECOMP = "torch/_decomp/decompositions.py"
REFS = "torch/_refs/nn/functional/__init__.py"


# --- backend -------------------------------------------------------------------------

def _torch_dtype(torch: Any, dtype: str) -> Any:
    try:
        return getattr(torch, dtype)
    except AttributeError:
        raise ValueError(f"dtype {dtype!r} has no torch equivalent") from None


def _to_framework(array: np.ndarray, dtype: str, *, device: str) -> Any:
    import torch

    array = np.asarray(array)
    name = dtype_name(array.dtype)
    if dtype == "bfloat16" and name == "bfloat16":
        # torch.from_numpy refuses ml_dtypes.bfloat16: hand the 16-bit patterns over as
        # int16 and reinterpret them (bit-exact, NaN payloads and signs included).
        bits = np.array(array, copy=True, order="C").view(np.int16)
        return torch.from_numpy(bits).view(torch.bfloat16).to(device=device)
    if dtype == "bfloat16" or name == "bfloat16":
        array, name = array.astype(np.float32), "float32"  # exact: every bfloat16 is a float32
    # A private C-contiguous copy, as torch.tensor(array) would make (the class axis of a
    # spatial case is moved with np.moveaxis, which leaves a strided view).
    tensor = torch.from_numpy(np.array(array, copy=True, order="C"))
    if name == dtype and device == "cpu":
        return tensor  # already in place (.to would return it too, after 6 us of parsing)
    return tensor.to(device=device, dtype=_torch_dtype(torch, dtype))


def _to_numpy(value: Any) -> np.ndarray:
    import torch

    if not isinstance(value, torch.Tensor):
        return np.asarray(value)
    value = value.detach().cpu()
    if value.dtype == torch.bfloat16:
        try:
            import ml_dtypes
        except ImportError:
            return value.to(torch.float32).numpy()  # exact widening
        # The same 16-bit patterns, reinterpreted (bit-exact).
        return value.contiguous().view(torch.int16).numpy().view(ml_dtypes.bfloat16)
    return value.numpy()


def _dtype_of(value: Any) -> str:
    import torch

    if isinstance(value, torch.Tensor):
        return str(value.dtype).removeprefix("torch.")
    if isinstance(value, float):  # a Python float is a C double
        return "float64"
    return str(np.asarray(value).dtype)


def _vjp(call: Any, inputs: list[Any], wrt: int, cotangent: Any, *, device: str) -> np.ndarray:
    import torch

    inputs = list(inputs)
    primal = inputs[wrt].detach().clone().requires_grad_(True)
    inputs[wrt] = primal
    with torch.enable_grad():
        out = call(*inputs)
        if isinstance(cotangent, torch.Tensor):
            cot = cotangent.to(device=out.device, dtype=out.dtype).reshape(out.shape)
        else:  # a NumPy array in the output's dtype, the reference's shape (0-d: a reduced loss)
            cot = _to_framework(np.array(fit_cotangent(cotangent, tuple(out.shape))),
                                _dtype_of(out), device=device)
        grad = None
        if out.requires_grad:
            (grad,) = torch.autograd.grad(out, primal, grad_outputs=cot, allow_unused=True)
    if grad is None:  # the output does not depend on this input: the gradient is zero
        grad = torch.zeros_like(primal)
    return _to_numpy(grad)


def backend(device: str = "cpu") -> Backend:
    """The torch :class:`Backend`; ``device`` ("cpu", "cuda", "cuda:1", ...) holds arrays."""
    import torch

    return Backend(
        name="torch",
        version=torch.__version__,
        to_framework=functools.partial(_to_framework, device=device),
        to_numpy=_to_numpy,
        dtype_of=_dtype_of,
        vjp=functools.partial(_vjp, device=device),
        device=device,
        packages=("torch",),
        dtypes=ALL_DTYPES,
    )


# --- bindings ------------------------------------------------------------------------

def _source(*where: str) -> str:
    import torch

    return "; ".join(where) + f" (torch {torch.__version__})"


def _activation(api: str, reference: str, call: Any, *, conventions: dict | None = None,
                grad_conventions: dict | None = None, defaults: str = "",
                kink_grad: str = "", source: str = "", dtypes: tuple[str, ...] = ALL_DTYPES,
                notes: str = "") -> Binding:
    return Binding(
        api=api, backend="torch", kind="activation", reference=reference, call=call,
        args=("x",), conventions=conventions or {}, grad_conventions=grad_conventions or {},
        dtypes=dtypes, notes=notes,
        info={"input_space": "real", "defaults": defaults, "kink_grad": kink_grad,
              "source": _source(source or FUNCTIONAL)},
    )


def _activation_bindings() -> list[Binding]:
    import torch
    import torch.nn.functional as F
    from torch import nn

    out: list[Binding] = []

    def both(fn_api: str, module_api: str | None, reference: str, fn: Any, module: Any,
             **kw: Any) -> None:
        out.append(_activation(fn_api, reference, fn, **kw))
        if module_api is not None:
            out.append(_activation(module_api, reference, module, **kw))

    kink0 = "relu'(0)=0 (threshold_backward: x <= 0 -> 0)"
    both("torch.nn.functional.relu", "torch.nn.ReLU()", "relu", F.relu, nn.ReLU(),
         grad_conventions={"grad_at_zero": 0.0}, kink_grad=kink0,
         source=f"{FUNCTIONAL}:relu; {DECOMP}:threshold_backward")
    out.append(_activation("torch.relu", "relu", torch.relu,
                           grad_conventions={"grad_at_zero": 0.0}, kink_grad=kink0,
                           source=f"{DECOMP}:threshold_backward"))
    both("torch.nn.functional.relu6", "torch.nn.ReLU6()", "relu6", F.relu6, nn.ReLU6(),
         grad_conventions={"grad_at_zero": 0.0, "grad_at_max": 0.0},
         kink_grad="relu6'(0)=0, relu6'(6)=0 (hardtanh_backward: x <= min or x >= max -> 0)",
         source=f"{FUNCTIONAL}:relu6; {DECOMP}:hardtanh_backward")
    leaky = "leaky_relu'(0)=negative_slope (leaky_relu_backward: x > 0 -> 1 else slope)"
    both("torch.nn.functional.leaky_relu", "torch.nn.LeakyReLU()", "leaky_relu",
         F.leaky_relu, nn.LeakyReLU(), conventions={"negative_slope": 0.01},
         grad_conventions={"grad_at_zero": 0.01}, defaults="negative_slope=0.01",
         kink_grad=leaky, source=f"{FUNCTIONAL}:leaky_relu; {DECOMP}:leaky_relu_backward")
    # prelu / PReLU: where(x > 0, x, weight * x); the weight must have the input's dtype
    # (prelu does not type-promote: "Type promoting not supported. Got Half and Float").
    prelu = "prelu'(0)=weight (_prelu_kernel_backward: x > 0 -> 1 else weight)"
    prelu_src = (f"{FUNCTIONAL}:prelu; {REFS}:prelu; "
                 f"{DECOMP}:_prelu_kernel, _prelu_kernel_backward; "
                 "torch/nn/modules/activation.py:PReLU")
    both("torch.nn.functional.prelu(weight=tensor([0.25]))", "torch.nn.PReLU()",
         "leaky_relu", _prelu_fn(F.prelu, 0.25), _prelu_module(),
         conventions={"negative_slope": 0.25}, grad_conventions={"grad_at_zero": 0.25},
         defaults="PReLU: num_parameters=1, init=0.25", kink_grad=prelu, source=prelu_src,
         notes="Gradient w.r.t. the input only (the weight is a learnable parameter). "
               "The weight tensor is built in the input's dtype: prelu does not promote.")
    # rrelu in eval mode (training=False, the functional default; RReLU().eval()):
    # rrelu_with_noise computes negative_slope = (lower + upper) / 2 in Python/C double
    # and calls leaky_relu with it. Training mode draws a random slope per element: not
    # bound (no deterministic reference).
    rrelu_slope = (1.0 / 8 + 1.0 / 3) / 2
    rrelu_src = (f"{FUNCTIONAL}:rrelu; torch/_inductor/decomposition.py:"
                 f"rrelu_with_noise_functional; {DECOMP}:rrelu_with_noise_backward; "
                 "torch/nn/modules/activation.py:RReLU")
    rrelu_notes = ("Eval mode only: a leaky relu with slope (lower + upper) / 2 = 11/48. "
                   "training=True samples the slope uniformly per element: not bound.")
    both("torch.nn.functional.rrelu(training=False)", "torch.nn.RReLU().eval()",
         "leaky_relu", functools.partial(F.rrelu, training=False), nn.RReLU().eval(),
         conventions={"negative_slope": rrelu_slope},
         grad_conventions={"grad_at_zero": rrelu_slope},
         defaults="lower=1/8, upper=1/3, training=False (functional); RReLU trains by default",
         kink_grad="rrelu'(0)=(lower+upper)/2 in eval (leaky_relu_backward)",
         source=rrelu_src, notes=rrelu_notes)
    both("torch.nn.functional.leaky_relu(negative_slope=0.2)",
         "torch.nn.LeakyReLU(negative_slope=0.2)", "leaky_relu",
         functools.partial(F.leaky_relu, negative_slope=0.2), nn.LeakyReLU(0.2),
         conventions={"negative_slope": 0.2}, grad_conventions={"grad_at_zero": 0.2},
         kink_grad=leaky, source=f"{FUNCTIONAL}:leaky_relu; {DECOMP}:leaky_relu_backward")
    hardtanh = "hardtanh'(min_val)=hardtanh'(max_val)=0 (hardtanh_backward)"
    both("torch.nn.functional.hardtanh", "torch.nn.Hardtanh()", "hard_tanh", F.hardtanh,
         nn.Hardtanh(), conventions={"min_val": -1.0, "max_val": 1.0},
         grad_conventions={"grad_at_min": 0.0, "grad_at_max": 0.0},
         defaults="min_val=-1.0, max_val=1.0", kink_grad=hardtanh,
         source=f"{FUNCTIONAL}:hardtanh; {DECOMP}:hardtanh_backward")
    both("torch.nn.functional.hardtanh(min_val=-2.0, max_val=2.0)",
         "torch.nn.Hardtanh(min_val=-2.0, max_val=2.0)", "hard_tanh",
         functools.partial(F.hardtanh, min_val=-2.0, max_val=2.0), nn.Hardtanh(-2.0, 2.0),
         conventions={"min_val": -2.0, "max_val": 2.0},
         grad_conventions={"grad_at_min": 0.0, "grad_at_max": 0.0}, kink_grad=hardtanh,
         source=f"{FUNCTIONAL}:hardtanh; {DECOMP}:hardtanh_backward")
    elu = "elu'(0)=alpha (elu_backward: x <= 0 takes the exponential branch)"
    both("torch.nn.functional.elu", "torch.nn.ELU()", "elu", F.elu, nn.ELU(),
         conventions={"alpha": 1.0}, grad_conventions={"grad_at_zero": 1.0},
         defaults="alpha=1.0", kink_grad=elu,
         source=f"{FUNCTIONAL}:elu; {DECOMP}:elu_backward")
    both("torch.nn.functional.elu(alpha=2.0)", "torch.nn.ELU(alpha=2.0)", "elu",
         functools.partial(F.elu, alpha=2.0), nn.ELU(2.0), conventions={"alpha": 2.0},
         grad_conventions={"grad_at_zero": 2.0}, kink_grad=elu,
         source=f"{FUNCTIONAL}:elu; {DECOMP}:elu_backward")
    celu = "celu'(0)=1 (elu_backward with input_scale=1/alpha, x <= 0 branch: exp(0)=1)"
    both("torch.nn.functional.celu", "torch.nn.CELU()", "celu", F.celu, nn.CELU(),
         conventions={"alpha": 1.0}, defaults="alpha=1.0", kink_grad=celu,
         source=f"{REFS}:celu; {DECOMP}:elu_backward")
    both("torch.nn.functional.celu(alpha=2.0)", "torch.nn.CELU(alpha=2.0)", "celu",
         functools.partial(F.celu, alpha=2.0), nn.CELU(2.0), conventions={"alpha": 2.0},
         kink_grad=celu, source=f"{REFS}:celu; {DECOMP}:elu_backward")
    both("torch.nn.functional.selu", "torch.nn.SELU()", "selu", F.selu, nn.SELU(),
         grad_conventions={"grad_at_zero": 1.0507009873554805 * 1.6732632423543772},
         kink_grad="selu'(0)=scale*alpha≈1.7581 (elu_backward: x <= 0 branch)",
         source=f"{REFS}:selu; {DECOMP}:elu_backward")
    both("torch.nn.functional.gelu", "torch.nn.GELU()", "gelu", F.gelu, nn.GELU(),
         defaults="approximate='none' (exact erf form)", source=f"{FUNCTIONAL}:gelu; {REFS}:gelu")
    both("torch.nn.functional.gelu(approximate='tanh')", "torch.nn.GELU(approximate='tanh')",
         "gelu_tanh", functools.partial(F.gelu, approximate="tanh"), nn.GELU("tanh"),
         source=f"{FUNCTIONAL}:gelu; {REFS}:gelu")
    both("torch.nn.functional.silu", "torch.nn.SiLU()", "silu", F.silu, nn.SiLU(),
         conventions={"beta": 1.0}, source=f"{FUNCTIONAL}:silu; {DECOMP}:silu")
    both("torch.nn.functional.mish", "torch.nn.Mish()", "mish", F.mish, nn.Mish(),
         source=f"{FUNCTIONAL}:mish; {REFS}:mish")
    hsig = {"slope": 1.0 / 6.0, "offset": 0.5}
    both("torch.nn.functional.hardsigmoid", "torch.nn.Hardsigmoid()", "hard_sigmoid",
         F.hardsigmoid, nn.Hardsigmoid(), conventions=hsig,
         grad_conventions={"grad_at_min": 0.0, "grad_at_max": 0.0},
         defaults="relu6(x + 3) / 6", kink_grad="hardsigmoid'(±3)=0 (hardsigmoid_backward)",
         source=f"{FUNCTIONAL}:hardsigmoid; {DECOMP}:hardsigmoid, hardsigmoid_backward")
    both("torch.nn.functional.hardswish", "torch.nn.Hardswish()", "hard_silu",
         F.hardswish, nn.Hardswish(), conventions=hsig,
         grad_conventions={"grad_at_min": 0.0, "grad_at_max": 0.0},
         defaults="x * relu6(x + 3) / 6",
         kink_grad="hardswish'(-3)=0, hardswish'(3)=1 (hardswish_backward)",
         source=f"{FUNCTIONAL}:hardswish; {DECOMP}:hardswish_backward")
    both("torch.nn.functional.softplus", "torch.nn.Softplus()", "softplus", F.softplus,
         nn.Softplus(), conventions={"beta": 1.0, "threshold": 20.0},
         defaults="beta=1, threshold=20 (x when beta*x > threshold)",
         source=f"{FUNCTIONAL}:softplus; {REFS}:softplus; {DECOMP}:softplus_backward")
    both("torch.nn.functional.softplus(beta=2.0)", "torch.nn.Softplus(beta=2.0)", "softplus",
         functools.partial(F.softplus, beta=2.0), nn.Softplus(beta=2.0),
         conventions={"beta": 2.0, "threshold": 20.0},
         source=f"{FUNCTIONAL}:softplus; {REFS}:softplus; {DECOMP}:softplus_backward")
    shrink = "grad 0 at ±lambd (|x| <= lambd is the zero branch)"
    both("torch.nn.functional.hardshrink", "torch.nn.Hardshrink()", "hardshrink",
         F.hardshrink, nn.Hardshrink(), conventions={"lambd": 0.5},
         grad_conventions={"grad_at_lambd": 0.0}, defaults="lambd=0.5", kink_grad=shrink,
         source=f"{FUNCTIONAL}:hardshrink; {REFS}:hardshrink")
    both("torch.nn.functional.softshrink", "torch.nn.Softshrink()", "softshrink",
         F.softshrink, nn.Softshrink(), conventions={"lambd": 0.5},
         grad_conventions={"grad_at_lambd": 0.0}, defaults="lambd=0.5", kink_grad=shrink,
         source=f"{FUNCTIONAL}:softshrink; {REFS}:softshrink")
    both("torch.nn.functional.threshold(threshold=0.5, value=-1.0)",
         "torch.nn.Threshold(0.5, -1.0)", "threshold",
         functools.partial(F.threshold, threshold=0.5, value=-1.0), nn.Threshold(0.5, -1.0),
         conventions={"threshold": 0.5, "value": -1.0},
         grad_conventions={"grad_at_threshold": 0.0},
         kink_grad="threshold'(threshold)=0 (threshold_backward: x <= threshold -> 0)",
         source=f"{FUNCTIONAL}:_threshold; {DECOMP}:threshold_backward")
    both("torch.nn.functional.logsigmoid", "torch.nn.LogSigmoid()", "log_sigmoid",
         F.logsigmoid, nn.LogSigmoid(), source=f"{FUNCTIONAL}:logsigmoid")
    both("torch.nn.functional.softsign", "torch.nn.Softsign()", "softsign", F.softsign,
         nn.Softsign(), source=f"{FUNCTIONAL}:softsign")
    both("torch.nn.functional.tanhshrink", "torch.nn.Tanhshrink()", "tanhshrink",
         F.tanhshrink, nn.Tanhshrink(), source=f"{FUNCTIONAL}:tanhshrink")
    both("torch.nn.functional.tanh", "torch.nn.Tanh()", "tanh", F.tanh, nn.Tanh())
    both("torch.nn.functional.sigmoid", "torch.nn.Sigmoid()", "sigmoid", F.sigmoid,
         nn.Sigmoid())
    both("torch.nn.functional.glu", "torch.nn.GLU()", "glu", F.glu, nn.GLU(),
         conventions={"axis": -1}, defaults="dim=-1", source=f"{FUNCTIONAL}:glu")
    dim = {"conventions": {"axis": -1}, "defaults": "dim has no default (implicit dim is "
           "deprecated: dim=1 for 2-D/3-D input, 0 otherwise); declared dim=-1"}
    for name, ref, module in (("softmax", "softmax", nn.Softmax(dim=-1)),
                              ("log_softmax", "log_softmax", nn.LogSoftmax(dim=-1)),
                              ("softmin", "softmin", nn.Softmin(dim=-1))):
        klass = type(module).__name__
        both(f"torch.nn.functional.{name}(dim=-1)", f"torch.nn.{klass}(dim=-1)", ref,
             functools.partial(getattr(F, name), dim=-1), module,
             source=f"{FUNCTIONAL}:{name}", **dim)
    # Softmax2d: softmax over dim -3 of a 3-D or 4-D input; of the axis regimes only
    # "spatial" is 4-D (the others are 2-D, which Softmax2d refuses).
    out.append(Binding(
        api="torch.nn.Softmax2d()", backend="torch", kind="activation", reference="softmax",
        call=nn.Softmax2d(), args=("x",), conventions={"axis": -3}, regimes=("spatial",),
        notes="Only the 4-D 'spatial' regime: Softmax2d raises on inputs that are not 3-D/4-D.",
        info={"input_space": "real", "defaults": "softmax over dim -3 (channels)",
              "kink_grad": "", "source": _source("torch/nn/modules/activation.py:Softmax2d")}))
    # Tensor-level and torch.special aliases: the same kernels, separate public names.
    for api, ref, fn in (("torch.sigmoid", "sigmoid", torch.sigmoid),
                         ("torch.special.expit", "sigmoid", torch.special.expit),
                         ("torch.tanh", "tanh", torch.tanh)):
        out.append(_activation(api, ref, fn, source="torch/special/__init__.py"))
    for api, ref, fn in (("torch.softmax", "softmax", torch.softmax),
                         ("torch.log_softmax", "log_softmax", torch.log_softmax),
                         ("torch.special.softmax", "softmax", torch.special.softmax),
                         ("torch.special.log_softmax", "log_softmax",
                          torch.special.log_softmax)):
        out.append(_activation(f"{api}(dim=-1)", ref, functools.partial(fn, dim=-1),
                               conventions={"axis": -1}, source="torch/special/__init__.py"))
    for api, fn in (("torch.logsumexp", torch.logsumexp),
                    ("torch.special.logsumexp", torch.special.logsumexp)):
        out.append(_activation(f"{api}(dim=-1)", "logsumexp", functools.partial(fn, dim=-1),
                               conventions={"axis": -1, "keepdims": False},
                               source="torch/special/__init__.py"))
    out += _inplace_bindings(out)
    out += _torch_level_aliases(out)
    return out


def _torch_level_aliases(bindings: list[Binding]) -> list[Binding]:
    """``torch.<name>`` forms of bound functional activations: the kernels the functional
    forms call, declared with the same reference and conventions as the functional binding
    they mirror. (torch.prelu and torch.hardshrink are the very objects F.prelu and
    F.hardshrink, bound already: not bound twice.)"""
    import dataclasses

    import torch

    by_api = {b.api: b for b in bindings}
    forms = (
        # (api, functional binding it mirrors, call, how functional.py reaches it)
        ("torch.selu", "torch.nn.functional.selu", torch.selu, "selu calls torch.selu"),
        ("torch.celu", "torch.nn.functional.celu", torch.celu, "celu calls torch.celu"),
        ("torch.rrelu", "torch.nn.functional.rrelu(training=False)", torch.rrelu,
         "rrelu calls torch.rrelu (training=False is torch.rrelu's default too)"),
        ("torch.threshold(threshold=0.5, value=-1.0)",
         "torch.nn.functional.threshold(threshold=0.5, value=-1.0)",
         functools.partial(torch.threshold, threshold=0.5, value=-1.0),
         "_threshold calls _VF.threshold (torch.threshold)"),
    )
    result = []
    for api, twin, fn, how in forms:
        base = by_api[twin]
        result.append(dataclasses.replace(
            base, api=api, call=fn,
            notes=f"The torch-level kernel behind {twin}." + (" " + base.notes if base.notes else ""),
            info={**base.info, "source": _source(f"{FUNCTIONAL}: {how}")}))
    return result


def _prelu_fn(fn: Any, weight: float) -> Any:
    """``fn(x, tensor([weight]))`` (F.prelu or torch.prelu) with the weight in x's dtype
    and device."""
    import torch

    def call(x: Any) -> Any:
        return fn(x, torch.tensor([weight], dtype=x.dtype, device=x.device))

    return call


def _prelu_module() -> Any:
    """``torch.nn.PReLU()`` (init 0.25) created with the input's dtype and device, one
    module per (dtype, device): a float32 module refuses other dtypes."""
    from torch import nn

    modules: dict[tuple[Any, Any], Any] = {}

    def call(x: Any) -> Any:
        key = (x.dtype, x.device)
        if key not in modules:
            modules[key] = nn.PReLU(dtype=x.dtype, device=x.device)
        return modules[key](x)

    return call


def _in_place(fn: Any, *args: Any) -> Any:
    """``fn(x.clone(), *args)``: the in-place API run on a private copy (the case's
    input is not modified), its result returned."""
    def call(x: Any) -> Any:
        return fn(x.clone(), *args)

    return call


def _inplace_bindings(out_of_place: list[Binding]) -> list[Binding]:
    """The in-place ``torch.nn.functional.<name>_`` forms: value checks only (an in-place
    op on a leaf that requires grad is refused by autograd), with the same reference and
    conventions as the out-of-place binding they mirror."""
    import dataclasses

    import torch.nn.functional as F

    by_api = {b.api: b for b in out_of_place}
    forms = (
        # (in-place api, out-of-place api it mirrors, function, extra positional args)
        ("torch.nn.functional.relu_", "torch.nn.functional.relu", F.relu_, ()),
        ("torch.nn.functional.elu_", "torch.nn.functional.elu", F.elu_, ()),
        ("torch.nn.functional.celu_", "torch.nn.functional.celu", F.celu_, ()),
        ("torch.nn.functional.selu_", "torch.nn.functional.selu", F.selu_, ()),
        ("torch.nn.functional.hardtanh_", "torch.nn.functional.hardtanh", F.hardtanh_, ()),
        ("torch.nn.functional.leaky_relu_", "torch.nn.functional.leaky_relu",
         F.leaky_relu_, ()),
        ("torch.nn.functional.threshold_(threshold=0.5, value=-1.0)",
         "torch.nn.functional.threshold(threshold=0.5, value=-1.0)", F.threshold_,
         (0.5, -1.0)),
        ("torch.nn.functional.rrelu_(training=False)",
         "torch.nn.functional.rrelu(training=False)", F.rrelu_,
         (1.0 / 8, 1.0 / 3, False)),
    )
    result = []
    for api, twin, fn, args in forms:
        base = by_api[twin]
        name = api.removeprefix("torch.nn.functional.").split("(")[0]
        result.append(dataclasses.replace(
            base, api=api, call=_in_place(fn, *args), grad=False, grad_conventions={},
            notes=(f"In-place form of {twin}; value only (autograd refuses an in-place "
                   "op on a leaf that requires grad). The call clones the input first."),
            info={**base.info, "kink_grad": "",
                  "source": _source(f"{FUNCTIONAL}:{name}")}))
    return result


def bindings() -> list[Binding]:
    """Every torch activation and loss that matches a reference function."""
    import torch

    from ._torch_distributions import distribution_bindings
    from ._torch_losses import clamp_grad_at_bound, loss_bindings

    return (_activation_bindings() + loss_bindings(_source)
            + distribution_bindings(_source, clamp_grad_at_bound(torch.__version__)))
