"""Run one case: the reference and the framework on the same cast inputs, then compare.

``run_case`` never raises for a framework's misbehaviour: an exception inside the API, a
wrong shape or dtype, a non-array return value all become an outcome with a message. Only
a harness bug (the reference rejecting its own case) is reported as ``error`` too, with the
reference's message, so it cannot pass unnoticed.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import reference
from adapters._binding import (
    Backend,
    Binding,
    CotangentShapeError,
    dtype_name,
    memo_by_id,
    reference_conventions,
)

from .cases import CaseSpec, cast_inputs, cotangent, is_grad, raw_inputs, wrt_input
from .families import family_of
from .tolerance import Measured, measure, parse_ulp_ceilings, smallest_normal


@dataclass
class CaseResult:
    """What one case found. ``outcome``: pass, fail or error (xfail/xpass are decided later)."""

    spec: CaseSpec
    outcome: str
    message: str = ""
    measured: Measured | None = None
    shape: tuple[int, ...] | None = None
    out_dtype: str | None = None
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    expected: np.ndarray | None = None
    actual: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        return self.measured.as_dict() if self.measured else {}


def reference_call(binding: Binding, inputs: Mapping[str, np.ndarray], *,
                   vjp_cotangent: np.ndarray | None = None, wrt: str | None = None) -> np.ndarray:
    """The reference answer (or VJP) in float64 on the already cast inputs; the VJP is
    w.r.t. the family's first input, or ``wrt`` (one of its ``more_grad_inputs``)."""
    family = family_of(binding.reference)
    args = [_as_reference_array(inputs[name], name in family.int_inputs) for name in family.inputs]
    fn = reference.FUNCTIONS[binding.reference]
    kwargs = reference_conventions(binding, fn)
    if "sample_weight" in inputs:
        kwargs["sample_weight"] = _as_reference_array(inputs["sample_weight"], False)
    optional = {name: (np.asarray(inputs[name]) if name in family.bool_inputs
                       else _as_reference_array(inputs[name], name in family.int_inputs))
                for name in family.optional_inputs if name in inputs}
    kwargs.update(optional)
    if vjp_cotangent is None:
        out = np.asarray(fn(*args, **kwargs))
        # HARNESS_CONVENTIONS: a mean over nothing, where the function does not state it
        empty_value = binding.conventions.get("mean_of_empty")
        if (empty_value is not None and "mean_of_empty" not in kwargs
                and _mean_of_nothing(out, args, kwargs)):
            out = np.asarray(float(empty_value))
        return out
    vjp = reference.VJPS[binding.reference]
    kwargs = {**reference_conventions(binding, vjp), **binding.grad_conventions,
              **({"sample_weight": kwargs["sample_weight"]} if "sample_weight" in kwargs else {}),
              **optional}
    if wrt is not None and wrt != family.grad_input:
        kwargs["wrt"] = wrt
    g = _as_reference_array(vjp_cotangent, False)
    return np.asarray(vjp(g, *args, **kwargs))


def _mean_of_nothing(out: np.ndarray, args: list[np.ndarray], kwargs: Mapping[str, Any]) -> bool:
    """Whether ``out`` is a mean over zero values or zero total weight (a 0-d NaN from an
    empty batch or all-zero sample weights), as opposed to a NaN of the inputs."""
    if out.ndim or not np.isnan(out):
        return False
    weight = kwargs.get("sample_weight")
    return args[0].size == 0 or (weight is not None and not np.any(weight))


def _as_reference_array(arr: np.ndarray, is_int: bool) -> np.ndarray:
    return np.asarray(arr).astype(np.int64 if is_int else np.float64)


def _describe_exception(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first[:300]}"


# Speed: a case's inputs and reference answers depend only on the reference function, its
# conventions, the regime, the dtypes and whether a sample weight is drawn, so the bindings
# that share them (one API in several frameworks, the functional and module forms, the
# value and gradient cases) compute them once per process. Copies are handed out: an API
# that writes into its inputs cannot alter another case's. The copies are C-contiguous
# whatever layout the regime built (a framework's summation order, hence its rounding,
# may depend on the layout: every framework gets the same, the common one).
_CACHE: dict[tuple[Any, ...], tuple[dict[str, np.ndarray], np.ndarray]] = {}
_CACHE_LIMIT = 20000


def _frozen(value: Any) -> Any:
    """A hashable, type-exact key for a conventions value (arrays by dtype, shape and bytes)."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if value is None or isinstance(value, (bool, int, float, str, np.generic)):
        return (type(value).__name__, repr(value))
    return ("object", id(value))  # a callable or other object: itself, alive with its binding


def _cached(key: tuple[Any, ...], compute: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    hit = _CACHE.get(key)
    if hit is None:
        hit = compute()
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = hit
    return {k: v.copy() for k, v in hit[0].items()}, hit[1].copy()


# A binding's part of the cache keys, frozen once per binding (freezing conventions costs
# more than looking a case up).
_BINDING_KEYS: dict[int, tuple[Binding, Any]] = {}


def _binding_keys(binding: Binding) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(value key, VJP key) parts: reference, conventions (+ gradient conventions),
    whether a sample weight (and which optional inputs) are drawn, label dtype."""
    def freeze(b: Binding) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        names = [name for _, name in b.arg_names()]
        optional = tuple(n for n in family_of(b.reference).optional_inputs if n in names)
        weighted = ("sample_weight" in names, optional)
        conventions = _frozen(b.conventions)
        return ((b.reference, conventions, weighted, b.label_dtype),
                ("vjp", b.reference, conventions, _frozen(b.grad_conventions), weighted, b.label_dtype))
    return memo_by_id(_BINDING_KEYS, binding, freeze)


def _case_inputs(binding: Binding, spec: CaseSpec) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(cast inputs, reference value); the reference's ValueError/TypeError propagate."""
    key = (*_binding_keys(binding)[0], spec.regime, spec.dtype)

    def compute() -> tuple[dict[str, np.ndarray], np.ndarray]:
        inputs = cast_inputs(binding, raw_inputs(binding, spec.regime), spec.dtype)
        return inputs, reference_call(binding, inputs)
    return _cached(key, compute)


def _vjp(binding: Binding, spec: CaseSpec, inputs: Mapping[str, np.ndarray],
         value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cotangent, reference VJP) of a gradient case whose value is ``value``."""
    g = cotangent(binding, spec.regime, value.shape, binding.returns(spec.dtype))
    return g, reference_call(binding, inputs, vjp_cotangent=g, wrt=wrt_input(binding, spec.check))


def _reference_vjp(binding: Binding, spec: CaseSpec, inputs: Mapping[str, np.ndarray],
                   value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_vjp`, cached like :func:`_case_inputs`."""
    out_dtype = binding.returns(spec.dtype)
    key = (*_binding_keys(binding)[1], spec.regime, spec.dtype, out_dtype, spec.check)

    def compute() -> tuple[dict[str, np.ndarray], np.ndarray]:
        g, vjp = _vjp(binding, spec, inputs, value)
        return {"g": g}, vjp
    cot, vjp = _cached(key, compute)
    return cot["g"], vjp


def run_case(binding: Binding, backend: Backend, spec: CaseSpec) -> CaseResult:
    """Run a value or gradient case (``paths`` cases go through :func:`run_paths`)."""
    try:
        inputs, expected = _case_inputs(binding, spec)
    except (ValueError, TypeError) as exc:
        return _rejected(spec, cast_inputs(binding, raw_inputs(binding, spec.regime), spec.dtype), exc)
    g = None
    if is_grad(spec.check):
        g, expected = _reference_vjp(binding, spec, inputs, expected)
    return _run(binding, backend, spec, inputs, expected, g)


def run_case_on(binding: Binding, backend: Backend, spec: CaseSpec,
                inputs: Mapping[str, np.ndarray]) -> CaseResult:
    """:func:`run_case` on other inputs (already cast, the case's shapes: ``repro
    --flush-subnormals``); the reference and the cotangent follow them, uncached."""
    inputs = dict(inputs)
    try:
        expected = reference_call(binding, inputs)
    except (ValueError, TypeError) as exc:
        return _rejected(spec, inputs, exc)
    g = None
    if is_grad(spec.check):
        g, expected = _vjp(binding, spec, inputs, expected)
    return _run(binding, backend, spec, inputs, expected, g)


def _rejected(spec: CaseSpec, inputs: dict[str, np.ndarray], exc: Exception) -> CaseResult:
    result = CaseResult(spec, "error", inputs=inputs)
    result.message = f"harness: the reference rejected this case: {_describe_exception(exc)}"
    return result


def _run(binding: Binding, backend: Backend, spec: CaseSpec, inputs: dict[str, np.ndarray],
         expected: np.ndarray, g: np.ndarray | None) -> CaseResult:
    """The framework's call (or VJP with cotangent ``g``) on ``inputs``, against ``expected``."""
    result = CaseResult(spec, "error", inputs=inputs)
    grad = g is not None
    result.expected = expected
    try:
        fw_inputs = {name: backend.to_framework(arr, spec.dtype if arr.dtype.kind not in "ib" else dtype_name(arr.dtype))
                     for name, arr in inputs.items()}
        if grad:
            names = [name for _, name in binding.arg_names()]
            wrt = names.index(wrt_input(binding, spec.check))
            fn = _positional(binding, names)
            raw = backend.vjp(fn, [fw_inputs[n] for n in names], wrt, g)
        else:
            raw = binding.invoke(fw_inputs)
    except CotangentShapeError as exc:  # the API's output shape, not an exception of the API
        result.outcome = "fail"
        result.message = f"shape: {binding.api}: {exc}"
        return result
    except Exception as exc:  # the framework raised: recorded, never a crash of the suite
        result.message = f"{binding.api} raised {_describe_exception(exc)}"
        result.extra["traceback"] = traceback.format_exc(limit=3)[-2000:]
        return result
    return _compare(binding, backend, spec, result, raw, expected)


# One positional wrapper per binding, kept for the process: a framework that caches
# compiled programs by function (jax.jit) finds the same function case after case.
_POSITIONAL: dict[int, tuple[Binding, Any]] = {}


def _positional(binding: Binding, names: list[str]) -> Any:
    """``binding``'s API as a function of its inputs in ``names`` order (one per binding)."""
    def wrap(b: Binding) -> Any:
        order = tuple(names)

        def fn(*arrays: Any) -> Any:
            return b.invoke(dict(zip(order, arrays, strict=True)))
        return fn
    return memo_by_id(_POSITIONAL, binding, wrap)


# ULP ceilings per dtype (--max-ulp): a case within tolerance fails where an element that
# needs no atol is more than this many ULP of the dtype off. Empty: DESIGN.md's tolerance only.
ULP_CEILINGS: dict[str, float] = {}
# how the message of a case within tolerance but above its --max-ulp ceiling begins (what a
# precision entry of the registry absorbs, and nothing else)
PRECISION = "precision:"


def flush_subnormals(inputs: Mapping[str, np.ndarray], dtype: str) -> tuple[dict[str, np.ndarray], int]:
    """The inputs with each float element that is subnormal in ``dtype`` replaced by a zero
    of its sign (what a CPU with denormals-are-zero reads), and how many were replaced."""
    tiny = smallest_normal(dtype)
    out, count = {}, 0
    for name, arr in inputs.items():
        if arr.dtype.kind in "ib":
            out[name] = arr
            continue
        wide = arr.astype(np.float64)
        sub = (wide != 0) & (np.abs(wide) < tiny)
        count += int(sub.sum())
        out[name] = np.where(sub, np.copysign(0.0, wide), wide).astype(arr.dtype)
    return out, count


def set_ulp_ceilings(option: str | None) -> None:
    """Set :data:`ULP_CEILINGS` from --max-ulp's text (None: no ceiling); ValueError names
    the item that is wrong (the ceilings are then empty)."""
    ULP_CEILINGS.clear()
    if option is not None:
        ULP_CEILINGS.update(parse_ulp_ceilings(option))


def ulp_ceilings_text() -> str:
    """The ceilings as --max-ulp takes them (``float64=1048576``; '' when there are none)."""
    return ",".join(f"{dtype}={ulp:.17g}" for dtype, ulp in sorted(ULP_CEILINGS.items()))


def _above_ceiling(m: Measured, actual: np.ndarray, expected: np.ndarray, dtype: str) -> str | None:
    """What --max-ulp's ceiling for ``dtype`` says of a case within tolerance (None: no
    ceiling for it, or its elements within rtol are within the ceiling)."""
    ceiling = ULP_CEILINGS.get(dtype)
    if ceiling is None or m.max_ulp_within_rtol <= ceiling or m.within_rtol_index is None:
        return None
    at = m.within_rtol_index
    return (f"{PRECISION} {m.max_ulp_within_rtol:.3g} ULP of {dtype} off within rtol, above the "
            f"--max-ulp ceiling {ceiling:.17g} (at index {at}: got {float(actual[at])!r}, "
            f"expected {float(expected[at])!r})")


def _compare(binding: Binding, backend: Backend, spec: CaseSpec, result: CaseResult,
             raw: Any, expected: np.ndarray) -> CaseResult:
    want_dtype = spec.dtype if is_grad(spec.check) else binding.returns(spec.dtype)
    if isinstance(raw, (bool, int, float, complex)) and expected.ndim:
        result.outcome = "fail"
        result.message = (f"shape: {binding.api} returned a Python {type(raw).__name__} "
                          f"({raw!r}), not an array; the reference has shape {tuple(expected.shape)}")
        return result
    try:
        actual = np.asarray(backend.to_numpy(raw))
        got_dtype = backend.dtype_of(raw)
    except Exception as exc:
        result.outcome = "fail"
        result.message = (f"{binding.api} returned {type(raw).__name__}, which the {backend.name} "
                          f"adapter cannot convert: {_describe_exception(exc)}")
        return result
    result.out_dtype, result.shape = got_dtype, tuple(actual.shape)
    if actual.dtype.kind not in "biuf" and str(actual.dtype) != "bfloat16":
        result.outcome = "fail"
        result.message = f"{binding.api} returned a non-numeric array of dtype {actual.dtype}"
        return result
    actual64 = actual.astype(np.float64)
    result.actual = actual64
    if tuple(actual.shape) != tuple(expected.shape):
        result.outcome = "fail"
        result.message = (f"shape: {binding.api} returned shape {tuple(actual.shape)}, the reference "
                          f"{tuple(expected.shape)}")
        return result
    tol_dtype = tolerance_dtype(spec.dtype, want_dtype)
    if binding.compute_dtype is not None:
        # a float64 gradient of a float32 computation (Keras 3's Loss classes) has float32's
        # rounding, case by case and CPU by CPU on either side of float64's rtol
        tol_dtype = tolerance_dtype(tol_dtype, binding.compute_dtype)
    result.measured = measure(actual64, expected, tol_dtype, out_dtype=got_dtype)
    problems = []
    if got_dtype != want_dtype:
        problems.append(f"dtype: returned {got_dtype}, expected {want_dtype}")
    above = None
    if not result.measured.passed:
        problems.append(f"values: {result.measured.summary()}")
    elif (above := _above_ceiling(result.measured, actual64, expected, tol_dtype)) is not None:
        problems.append(f"{above}; {result.measured.summary()}")
    result.outcome = "fail" if problems else "pass"
    result.message = "; ".join(problems) if problems else result.measured.summary()
    if not result.measured.passed or above is not None:
        result.extra["error_curve"] = _error_curve(binding, result.inputs, actual64, expected)
    return result


def _error_curve(binding: Binding, inputs: Mapping[str, np.ndarray], actual: np.ndarray,
                 expected: np.ndarray, limit: int = 256) -> dict[str, Any] | None:
    """Error against the first input, element by element (for the report's plots)."""
    name = family_of(binding.reference).inputs[0]
    x = np.asarray(inputs[name]).astype(np.float64).ravel()
    if x.size != expected.size:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(actual.ravel() - expected.ravel())
        rel = err / np.where(expected.ravel() == 0, 1.0, np.abs(expected.ravel()))
    keep = np.argsort(x, kind="stable")[:limit]
    from .results import jsonable

    return {"input": name, "x": jsonable(x[keep]), "abs_err": jsonable(err[keep]),
            "rel_err": jsonable(rel[keep])}


_PRECISION = {"bfloat16": 8, "float16": 11, "float32": 24, "float64": 53}


def tolerance_dtype(case_dtype: str, out_dtype: str) -> str:
    """The dtype whose tolerance applies: the less precise of the inputs' and the output's.

    An API that answers float64 for float32 inputs (scikit-learn's Python floats) is held
    to float32's tolerance; one that answers float32 for float16 inputs, to float16's.
    """
    if out_dtype not in _PRECISION:
        return case_dtype
    return min((case_dtype, out_dtype), key=lambda d: _PRECISION.get(d, 53))


def worst_ulp(result: CaseResult) -> float:
    return result.measured.max_ulp if result.measured else math.nan
