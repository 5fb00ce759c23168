"""Cases: (binding, dtype, regime, check) and the inputs they expand to.

A case id reads ``api[dtype-regime]`` for a value check, ``api[dtype-regime-grad]`` for a
gradient check (w.r.t. the family's first input), ``api[dtype-regime-grad_NAME]`` for the
gradient w.r.t. another input NAME (``triplet_margin_loss[float32-typical-grad_negative]``)
and ``api[dtype-regime-paths]`` for a logits-vs-probabilities agreement check. Ids are identical across machines (they contain no memory address or counter), and
the inputs they expand to are identical to the bit (seeds from the family and regime).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from adapters._binding import Binding, reference_conventions

from .families import FAMILIES, FAMILY_OF, family_of, seed_family
from .regimes import COTANGENT_RANGE, REGIME_DTYPES, seed_of

CHECKS = ("value", "grad", "paths")
DTYPES = ("float16", "bfloat16", "float32", "float64")  # the dtypes a case can have
PATHS_REGIME = "unsaturated"  # the one regime of a logits-vs-probabilities "paths" check
_ID = re.compile(r"^(?P<api>.+)\[(?P<dtype>b?float\d+)-(?P<regime>[a-z0-9_]+?)"
                 r"(?:-(?P<check>grad(?:_[a-z0-9_]+)?|paths))?\]$")

_LOOSE_ID = re.compile(r"^(?P<api>.+)\[(?P<dtype>[a-z0-9]+)-(?P<regime>[a-z0-9_]+)"
                       r"(?:-(?P<check>[a-z0-9_-]+))?\]$")


def is_grad(check: str) -> bool:
    """Whether ``check`` is a gradient check: "grad" (w.r.t. the family's first input) or
    "grad_NAME" (w.r.t. its input NAME, one of the family's ``more_grad_inputs``)."""
    return check == "grad" or check.startswith("grad_")


def grad_checks(binding: Binding) -> tuple[str, ...]:
    """The gradient checks of ``binding``: "grad", then one "grad_NAME" per further input
    its family's reference differentiates (unless the binding lists fewer in ``grad_wrt``;
    an optional input only where the binding takes it)."""
    family = family_of(binding.reference)
    more = family.more_grad_inputs if binding.grad_wrt is None else binding.grad_wrt
    names = {name for _, name in binding.arg_names()}
    return ("grad", *(f"grad_{name}" for name in more
                      if name not in family.optional_inputs or name in names))


def wrt_input(binding: Binding, check: str) -> str:
    """The input a gradient check differentiates; ValueError naming ``check`` otherwise."""
    family = family_of(binding.reference)
    if check == "grad" and family.grad_input is not None:
        return family.grad_input
    name = check[len("grad_"):] if check.startswith("grad_") else None
    if name not in family.more_grad_inputs:
        raise ValueError(
            f"check {check!r} of {binding.api!r}: not a gradient of family "
            f"{FAMILY_OF[binding.reference]!r}, whose checks are "
            f"{['grad', *(f'grad_{n}' for n in family.more_grad_inputs)]}"
        )
    return name


@dataclass(frozen=True)
class CaseSpec:
    """One case, small enough to parametrize thousands of tests with."""

    api: str
    backend: str
    dtype: str
    regime: str
    check: str = "value"

    @property
    def id(self) -> str:
        return case_id(self.api, self.dtype, self.regime, self.check)


def case_id(api: str, dtype: str, regime: str, check: str = "value") -> str:
    suffix = "" if check == "value" else f"-{check}"
    return f"{api}[{dtype}-{regime}{suffix}]"


def parse_case_id(text: str) -> tuple[str, str, str, str]:
    """``(api, dtype, regime, check)`` from a case id; ValueError naming the id if malformed."""
    m = _ID.match(text.strip())
    if not m:
        loose = _LOOSE_ID.match(text.strip())  # name the part that is wrong, if one is
        if loose and loose["dtype"] not in DTYPES:
            raise ValueError(not_one_of(f"case id {text!r}: dtype", loose["dtype"], DTYPES))
        if loose and loose["check"]:
            raise ValueError(not_one_of(f"case id {text!r}: check", loose["check"],
                                        ("grad", "grad_NAME", "paths")))
        raise ValueError(
            f"case id {text!r} is not of the form 'api[dtype-regime]', "
            "'api[dtype-regime-grad]' (or -grad_NAME) or 'api[dtype-regime-paths]'"
        )
    return m["api"], m["dtype"], m["regime"], m["check"] or "value"


def did_you_mean(value: str, known: Sequence[str], cutoff: float = 0.75) -> str:
    """``"; did you mean 'a' or 'b'?"`` with the (up to three) names nearest ``value``, or ''."""
    close = difflib.get_close_matches(value, list(known), n=3, cutoff=cutoff)
    return f"; did you mean {' or '.join(map(repr, close))}?" if close else ""


def not_one_of(what: str, value: str, known: Sequence[str]) -> str:
    """The message for a ``value`` of ``what`` that is none of ``known``, nearest names first."""
    return f"{what} {value!r} is not one of {', '.join(known)}{did_you_mean(value, known)}"


def check_case(binding: Binding, dtype: str, regime: str, check: str, *,
               has_vjp: bool = True) -> None:
    """ValueError naming the dtype, regime or check of a case id that ``binding`` has no
    case for (the cases :func:`specs_for` and the paths check generate)."""
    if dtype not in binding.dtypes:
        raise ValueError(not_one_of(f"{binding.api}: dtype", dtype, binding.dtypes))
    if check == "paths":
        if not binding.pair:
            raise ValueError(f"{binding.api}: no 'paths' check (it has no logits twin)")
        if regime != PATHS_REGIME:
            raise ValueError(not_one_of(f"{binding.api}: paths regime", regime, (PATHS_REGIME,)))
        return
    regimes = regimes_for(binding)
    if regime not in regimes:
        raise ValueError(not_one_of(f"{binding.api}: regime", regime, regimes))
    if dtype not in REGIME_DTYPES.get(regime, (dtype,)):
        raise ValueError(not_one_of(f"{binding.api}: regime {regime!r} has no {dtype} cases; "
                                    "dtype", dtype, REGIME_DTYPES[regime]))
    if is_grad(check):
        checks = grad_checks(binding) if binding.grad and has_vjp else ()
        if not checks:
            raise ValueError(f"{binding.api}: no gradient cases (values only)")
        if check not in checks:
            raise ValueError(not_one_of(f"{binding.api}: gradient check", check, checks))


def numpy_dtype(dtype: str) -> Any:
    """The NumPy dtype for a case dtype name (bfloat16 through ml_dtypes)."""
    if dtype == "bfloat16":
        import ml_dtypes

        return ml_dtypes.bfloat16
    return np.dtype(dtype)


def bfloat16_available() -> bool:
    try:
        import ml_dtypes  # noqa: F401
    except ImportError:
        return False
    return True


def all_regimes() -> tuple[str, ...]:
    """Every regime name a case can have: the families' regimes and the paths check's."""
    names = dict.fromkeys(name for family in FAMILIES.values() for name in family.regimes)
    return (*names, PATHS_REGIME)


def regimes_for(binding: Binding) -> list[str]:
    """The regimes a binding is run on: its family's, less those its conventions exclude."""
    names = list(family_of(binding.reference).regimes)
    if "ignore_index" not in binding.conventions and "ignore_index" in names:
        names.remove("ignore_index")
    if binding.regimes is not None:
        unknown = sorted(set(binding.regimes) - set(names))
        if unknown:
            raise ValueError(
                f"binding {binding.api!r}: regimes {unknown} are not regimes of family "
                f"{FAMILY_OF[binding.reference]!r} ({names})"
            )
        names = [n for n in names if n in binding.regimes]
    if "sample_weight" in [name for _, name in binding.arg_names()]:
        # One weight per sample needs a batch axis the loss keeps: a regime whose reduced
        # loss cannot take one weight per sample (1-D inputs averaged to a scalar) is left out.
        names = [n for n in names if _weights_fit(binding, n)]
    return names


def _weights_fit(binding: Binding, regime: str) -> bool:
    import reference

    raw = raw_inputs(binding, regime)
    family = family_of(binding.reference)
    args = [np.asarray(raw[name]) for name in family.inputs]
    fn = reference.FUNCTIONS[binding.reference]
    try:
        fn(*args, **{**reference_conventions(binding, fn), "sample_weight": raw["sample_weight"]})
    except ValueError as exc:
        if "sample_weight" in str(exc):
            return False
    return True


def raw_inputs(binding: Binding, regime: str) -> dict[str, np.ndarray]:
    """The float64 / int64 inputs of a regime, before the cast to the case dtype."""
    family_name = seed_family(binding.reference)
    family = family_of(binding.reference)
    rng = np.random.default_rng(seed_of(family_name, regime))
    raw = family.regimes[regime](rng, binding.conventions)
    names = [name for _, name in binding.arg_names()]
    if "sample_weight" in names:
        n = raw[family.inputs[0]].shape[0] if raw[family.inputs[0]].ndim else 1
        w = np.random.default_rng(seed_of(family_name, regime + "/weights")).uniform(0.0, 2.0, n)
        if n > 1:
            w[1] = 0.0  # a weight of exactly zero is part of every weighted case
        raw["sample_weight"] = w
    for name in family.optional_inputs:  # drawn by the regime, passed only if named
        if name not in names:
            raw.pop(name, None)
    return raw


def cast_inputs(binding: Binding, raw: Mapping[str, np.ndarray], dtype: str) -> dict[str, np.ndarray]:
    """Inputs in the case dtype (labels in the binding's label dtype)."""
    family = family_of(binding.reference)
    out = {}
    for name, arr in raw.items():
        if name in family.int_inputs:
            out[name] = np.asarray(arr).astype(binding.label_dtype)
        elif name in family.bool_inputs:
            out[name] = np.asarray(arr).astype(bool)
        else:
            with np.errstate(over="ignore"):
                out[name] = np.asarray(arr, dtype=np.float64).astype(numpy_dtype(dtype))
    return out


def cotangent(binding: Binding, regime: str, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """The fixed cotangent of a gradient case: 1 for a scalar output, else N(0, 1) values
    (or, for a regime of ``COTANGENT_RANGE``, magnitudes in its range with random signs)."""
    if shape == ():
        return np.asarray(1.0).astype(numpy_dtype(dtype))
    rng = np.random.default_rng(seed_of(seed_family(binding.reference), regime + "/cotangent"))
    if regime in COTANGENT_RANGE:
        low, high = COTANGENT_RANGE[regime]
        signs = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
        return (signs * rng.uniform(low, high, shape)).astype(numpy_dtype(dtype))
    return rng.normal(0.0, 1.0, shape).astype(numpy_dtype(dtype))


def specs_for(binding: Binding, dtypes: tuple[str, ...], *, values: bool = True,
              grads: bool = True, has_vjp: bool = True) -> list[CaseSpec]:
    """Every case of one binding, in a stable order."""
    specs = []
    regimes = regimes_for(binding)
    for dtype in dtypes:
        for regime in regimes:
            if dtype not in REGIME_DTYPES.get(regime, (dtype,)):
                continue
            if values:
                specs.append(CaseSpec(binding.api, binding.backend, dtype, regime, "value"))
            if grads and binding.grad and has_vjp:
                specs.extend(CaseSpec(binding.api, binding.backend, dtype, regime, check)
                             for check in grad_checks(binding))
    return specs
