"""The binding interface: how a framework API is declared against the reference.

This is the one interface every adapter uses, built-in or plugin (no private back door).
An adapter module exposes

* ``backend(device="cpu") -> Backend``: array conversion both ways, autodiff, version;
* ``bindings() -> list[Binding]``: the declarations.

Either may import its framework; an ImportError there makes the whole backend skip with
that reason, never a collection error. The user-facing guide is ``docs/plugins.md``; for
plain NumPy functions see :func:`adapters.numpy_binding` / :func:`adapters.numpy_adapter`.

A :class:`Binding` is data: the public API it tests, the reference function it must match,
the *conventions* (reference keyword arguments) under which it matches, and how to call it.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("activation", "loss", "metric")
ALL_DTYPES = ("float16", "bfloat16", "float32", "float64")
# the logits_pair family's regimes a KL of two softmax (or sigmoid) distributions runs on,
# nan_inf apart (torch.distributions' argument validation refuses NaN)
LOGITS_PAIR_REGIMES = ("typical", "near", "equal", "large", "extreme", "masked", "many_classes",
                       "spatial", "single", "empty", "subnormal")
# Names a binding's ``args`` may use; "labels=y_true" passes y_true as keyword ``labels``.
# x1, x2 (pair losses) and anchor, positive, negative (triplet losses) are the inputs of
# the embedding families, input_lengths and label_lengths those of CTC, linear_weight the
# weight matrix of linear_cross_entropy, where and weights the item mask and item weights
# of the ranking lists, ref_embeddings and ref_labels a contrastive loss's separate
# reference set, var the Gaussian NLL's variance and normalizer the relative error's
# divisor (conformance/families.py).
INPUT_NAMES = ("x", "y_pred", "y_true", "sample_weight", "x1", "x2", "anchor", "positive",
               "negative", "input_lengths", "label_lengths", "linear_weight", "where",
               "weights", "ref_embeddings", "ref_labels", "var", "normalizer")
# Conventions the harness applies around any reference function (so they need no keyword
# in each function's signature): ``mean_of_empty``, the value a binding gives for a mean
# over nothing (an empty batch, or zero total sample weight) where the reference's mean
# is NaN; Keras' metric classes answer 0 (``divide_no_nan(total, count)``).
HARNESS_CONVENTIONS = ("mean_of_empty",)


def reference_conventions(binding: Binding, fn: Callable[..., Any]) -> dict[str, Any]:
    """The binding's conventions that ``fn`` (its reference function or VJP) takes: the
    :data:`HARNESS_CONVENTIONS` are kept only where ``fn`` states them itself (the root
    means take ``mean_of_empty``); the harness applies them around the others."""
    params = _parameter_names(fn)
    return {k: v for k, v in binding.conventions.items()
            if k not in HARNESS_CONVENTIONS or k in params}


@functools.cache
def _parameter_names(fn: Callable[..., Any]) -> frozenset[str]:
    # memoized: inspect.signature costs ~70 us, and this runs twice a case
    return frozenset(inspect.signature(fn).parameters)


__all__ = ["ALL_DTYPES", "HARNESS_CONVENTIONS", "INPUT_NAMES", "KINDS", "Backend", "Binding", "BindingError", "CotangentShapeError", "dtype_name", "fit_cotangent", "memo_by_id", "reference_conventions"]


class BindingError(ValueError):
    """A binding declaration that cannot work; the message names the binding."""


class CotangentShapeError(ValueError):
    """The API's output has a shape that the reference's cotangent cannot take."""


def fit_cotangent(cotangent: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The reference's cotangent laid out for an API output of ``shape``.

    Same size: reshaped (a loss returned as shape (1,) for the reference's ()). Otherwise
    broadcast where NumPy's rules allow, as ``tf.GradientTape`` broadcasts
    ``output_gradients``: an empty batch's per-sample losses, shape (0,), for the
    reference's reduced () take the empty cotangent, so their gradient is still checked.
    Anything else raises :class:`CotangentShapeError` naming both shapes.
    """
    cotangent = np.asarray(cotangent)
    shape = tuple(int(n) for n in shape)
    if cotangent.size == math.prod(shape):
        return cotangent.reshape(shape)
    try:
        return np.broadcast_to(cotangent, shape)
    except ValueError:
        raise CotangentShapeError(
            f"the API's output has shape {shape} and the reference's {cotangent.shape}: "
            "no cotangent fits both, the gradient cannot be compared") from None


@dataclass(frozen=True)
class Backend:
    """How to talk to one framework.

    Attributes:
      name: short name, also the pytest marker and ``--backend`` value ("torch").
      version: the installed version string of the framework.
      to_framework: ``(array: np.ndarray, dtype: str) -> framework array``. ``array`` is
        already in the case dtype (float16/float32/float64 ndarray, ml_dtypes.bfloat16,
        or an integer array for labels); the conversion must be exact.
      to_numpy: ``(framework array) -> np.ndarray`` exact (bfloat16 may come back as
        ml_dtypes.bfloat16 or float32; both are exact).
      vjp: ``(call, inputs, wrt, cotangent) -> np.ndarray`` or None when the framework
        has no autodiff. ``inputs`` are framework arrays in the binding's ``args`` order,
        ``wrt`` the index of the one to differentiate, ``cotangent`` a NumPy array in the
        output's dtype and the reference output's shape (0-d for a reduced loss; lay it
        out for the API's output with :func:`fit_cotangent`, convert it). Returns the
        gradient as a NumPy array.
      dtype_of: ``(framework array) -> str``: the dtype name ("float32", "bfloat16", ...).
      device: where arrays live ("cpu" unless the adapter was given another).
      packages: distribution names whose versions the results record (and divergence
        entries match against), e.g. ("torch",).
    """

    name: str
    version: str
    to_framework: Callable[[np.ndarray, str], Any]
    to_numpy: Callable[[Any], np.ndarray]
    dtype_of: Callable[[Any], str]
    vjp: Callable[..., np.ndarray] | None = None
    device: str = "cpu"
    packages: tuple[str, ...] = ()
    dtypes: tuple[str, ...] = ALL_DTYPES


@dataclass(frozen=True)
class Binding:
    """One framework API declared against one reference function.

    Attributes:
      api: the public name as a user writes it, with the variant when one API has
        several (``"keras.losses.BinaryCrossentropy(from_logits=True)"``). Unique.
      backend: the :class:`Backend` name.
      kind: "activation", "loss" or "metric".
      reference: key of ``reference.FUNCTIONS`` that the API must match.
      call: the callable that runs the API on framework arrays, positionally in ``args``
        order (with ``name=input`` entries passed as keywords).
      args: the case inputs in the framework's argument order, e.g.
        ``("y_true", "y_pred")`` for Keras, ``("labels=y_true", "logits=y_pred")`` for
        ``tf.nn.sigmoid_cross_entropy_with_logits``.
      conventions: keyword arguments of the reference function under which the API
        matches it (declared, shown in the porting guide): ``{"clip_eps": 1e-7}``.
      grad_conventions: extra keywords of the reference VJP: subgradients at kinks
        (``{"grad_at_zero": 0.0}``).
      grad: whether the framework's gradient w.r.t. the predictions (or x) is checked.
      grad_wrt: with grad, the further inputs whose gradients are checked too (None: every
        one the reference VJP differentiates, its family's ``more_grad_inputs``, such as
        the positive and negative of a triplet loss; () for none).
      dtypes: float dtypes the API supports.
      label_dtype: dtype of integer labels ("int64", "int32"), for sparse APIs.
      regimes: restrict the regimes (None: all regimes of the reference function's family).
      info: porting facts shown in the guide: {"default_reduction": "mean", ...}.
      pair: api of the binding computing the same quantity from the other input space
        (the logits twin of a probabilities API), for the path-agreement check.
      output_dtype: the dtype the API returns: "same" (the case dtype), a dtype name
        ("float32" for an accuracy metric that always answers in float32), or a mapping
        from case dtype to the dtype returned, the others "same" (``{"float16": "float32"}``
        for an API that promotes half inputs only); :meth:`returns` reads it.
      compute_dtype: the dtype the API computes in whatever the inputs' (Keras 3's Loss
        classes and Keras' activation layers: floatx(), float32), or None. A float64 case's value and gradient then carry
        that dtype's rounding (the gradient flows back through the cast as float64): both are
        held to its tolerance, the less precise of it and the case dtype's.
      notes: a sentence for the porting guide.
    """

    api: str
    backend: str
    kind: str
    reference: str
    call: Callable[..., Any]
    args: tuple[str, ...] = ("x",)
    conventions: Mapping[str, Any] = field(default_factory=dict)
    grad_conventions: Mapping[str, Any] = field(default_factory=dict)
    grad: bool = True
    grad_wrt: tuple[str, ...] | None = None
    dtypes: tuple[str, ...] = ALL_DTYPES
    label_dtype: str = "int64"
    regimes: tuple[str, ...] | None = None
    info: Mapping[str, Any] = field(default_factory=dict)
    pair: str | None = None
    output_dtype: str | Mapping[str, str] = "same"
    compute_dtype: str | None = None
    notes: str = ""

    def returns(self, dtype: str) -> str:
        """The dtype the API answers for a case in ``dtype``."""
        out = self.output_dtype
        if isinstance(out, Mapping):
            return out.get(dtype, dtype)
        return dtype if out == "same" else out

    def arg_names(self) -> list[tuple[str | None, str]]:
        """``[(keyword or None, input name), ...]`` parsed from ``args``."""
        out: list[tuple[str | None, str]] = []
        for item in self.args:
            keyword, _, name = item.rpartition("=")
            out.append((keyword or None, name))
        return out

    def invoke(self, inputs: Mapping[str, Any]) -> Any:
        """Call the API with framework arrays taken from ``inputs`` by name."""
        positional, keywords = [], {}
        for keyword, name in self.arg_names():
            if keyword is None:
                positional.append(inputs[name])
            else:
                keywords[keyword] = inputs[name]
        return self.call(*positional, **keywords)


def memo_by_id(cache: dict[int, tuple[Any, Any]], obj: Any, compute: Callable[[Any], Any]) -> Any:
    """``compute(obj)``, once per object, for objects that cannot be hashed (a binding holds
    dicts): ``cache`` maps ``id(obj)`` to ``(obj, value)``; holding ``obj`` keeps its id
    from being reused by another object."""
    hit = cache.get(id(obj))
    if hit is None or hit[0] is not obj:
        hit = cache[id(obj)] = (obj, compute(obj))
    return hit[1]


def release(version: str) -> tuple[int, ...]:
    """(major, minor) of a framework's version string: "2.14.1+cu130" -> (2, 14), for the
    declarations that differ by release."""
    from packaging.version import Version

    return Version(version).release[:2]


_DTYPE_NAMES: dict[Any, str] = {}


def dtype_name(dtype: Any) -> str:
    """A NumPy dtype's name ("float32", "bfloat16", "int64"), memoized: NumPy 2 builds
    ``dtype.name`` afresh on every access (5 us, several times a case)."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = dtype.name
    return name


def validate_binding(binding: Binding, functions: Mapping[str, Callable[..., Any]],
                     vjps: Mapping[str, Callable[..., Any]]) -> None:
    """Raise :class:`BindingError` naming the binding if its declaration cannot work.

    Checked at collection time: the kind, the reference name, the arguments, every
    convention keyword against the reference function's signature (and grad conventions
    against its VJP's), the dtypes.
    """
    where = f"binding {binding.api!r}" + (f" (backend {binding.backend!r})" if binding.backend else "")
    if not isinstance(binding.api, str) or not binding.api:
        raise BindingError(f"binding api must be a non-empty string, got {binding.api!r}")
    if binding.kind not in KINDS:
        raise BindingError(f"{where}: kind must be one of {list(KINDS)}, got {binding.kind!r}")
    if binding.reference not in functions:
        close = difflib.get_close_matches(str(binding.reference), list(functions), n=5, cutoff=0.6)
        raise BindingError(
            f"{where}: unknown reference function {binding.reference!r}"
            + (f" (did you mean one of {close}?)" if close else "")
        )
    if not callable(binding.call):
        raise BindingError(f"{where}: call must be callable, got {type(binding.call).__name__}")
    names = [name for _, name in binding.arg_names()]
    unknown = [n for n in names if n not in INPUT_NAMES]
    if unknown or not names:
        raise BindingError(
            f"{where}: args must name inputs among {list(INPUT_NAMES)}, got {list(binding.args)}"
        )
    _check_keywords(where, "conventions", binding.conventions, functions[binding.reference])
    if binding.grad_conventions:
        vjp = vjps.get(binding.reference)
        if vjp is None:
            raise BindingError(
                f"{where}: grad_conventions given but {binding.reference!r} has no VJP"
            )
        _check_keywords(where, "grad_conventions", binding.grad_conventions, vjp)
    if binding.grad and binding.reference not in vjps:
        raise BindingError(
            f"{where}: grad=True but reference {binding.reference!r} has no VJP "
            "(declare grad=False)"
        )
    bad = [d for d in binding.dtypes if d not in ALL_DTYPES]
    if bad or not binding.dtypes:
        raise BindingError(f"{where}: dtypes must be among {list(ALL_DTYPES)}, got {bad}")
    if isinstance(binding.output_dtype, Mapping):
        bad = [f"{k}: {v}" for k, v in binding.output_dtype.items()
               if k not in binding.dtypes or v not in ALL_DTYPES]
        if bad:
            raise BindingError(
                f"{where}: output_dtype maps case dtypes among {list(binding.dtypes)} to dtypes "
                f"among {list(ALL_DTYPES)}, got {bad}"
            )


def _check_keywords(where: str, what: str, kwargs: Mapping[str, Any], fn: Callable[..., Any]) -> None:
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    accepted = {n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    unknown = sorted(set(kwargs) - accepted - set(HARNESS_CONVENTIONS))
    if unknown:
        raise BindingError(
            f"{where}: {what} {unknown} not accepted by reference "
            f"{getattr(fn, '__name__', fn)!r}; it accepts {sorted(accepted)}"
        )
