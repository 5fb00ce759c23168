"""Bindings for plain NumPy-in/NumPy-out functions: a user's own code under the suite.

A team's fused loss, a port of a lesson's ``softmax``, a function from a framework that
ships no adapter: if it takes NumPy arrays and returns one, two calls put it under the
same suite as the built-in adapters (the same :class:`~adapters.Binding` and
:class:`~adapters.Backend`, nothing private)::

    # my_bindings.py
    import numpy as np
    from adapters import numpy_adapter, numpy_binding

    def my_sigmoid(x):
        return 1.0 / (1.0 + np.exp(-x))

    backend, bindings = numpy_adapter("mylib", [
        numpy_binding("mylib.sigmoid", my_sigmoid, "sigmoid"),
        numpy_binding("mylib.softmax", my_softmax, "softmax", axis=1),   # a convention
    ], version="1.0")

    # pytest conformance --adapter my_bindings --backend plugin

Gradients: a NumPy library has no autodiff, so a binding is gradient-checked only when
the user gives ``grad_fn``, the function's own gradient as a VJP:
``grad_fn(g, *inputs) -> array``, the gradient of ``sum(g * fn(*inputs))`` with respect to
the predictions (``x`` or ``y_pred``), called with the same arguments ``fn`` gets. The
backend's ``vjp`` runs the forward call once to learn which binding it is differentiating
and with which inputs, then calls that binding's ``grad_fn``.
"""

from __future__ import annotations

import contextvars
import dataclasses
import difflib
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ._binding import Backend, Binding, BindingError, validate_binding
from ._numpy_backend import numpy_backend

__all__ = ["NUMPY_DTYPES", "numpy_adapter", "numpy_binding"]

# float16/32/64: the NumPy float dtypes (bfloat16 is not a dtype NumPy code computes in).
NUMPY_DTYPES = ("float16", "float32", "float64")

# Set by the VJP while it runs the forward call: the _UserCall that ran and its arguments.
_CAPTURE: contextvars.ContextVar[list | None] = contextvars.ContextVar("_CAPTURE", default=None)


@dataclasses.dataclass(frozen=True)
class _UserCall:
    """A user's function as a binding's ``call``, carrying its optional gradient."""

    fn: Callable[..., Any]
    grad_fn: Callable[..., Any] | None
    api: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        captured = _CAPTURE.get()
        if captured is not None:
            captured.append((self, args, kwargs))
        return self.fn(*args, **kwargs)


def _declared_vjp(call: Callable[..., Any], inputs: Sequence[Any], wrt: int,
                  cotangent: Any) -> np.ndarray:
    """``Backend.vjp`` for user functions: dispatch to the binding's own ``grad_fn``."""
    captured: list = []
    token = _CAPTURE.set(captured)
    try:
        call(*inputs)  # learn which binding this is and the arguments it takes
    finally:
        _CAPTURE.reset(token)
    if len(captured) != 1:
        raise BindingError(f"user VJP: expected one user function call, saw {len(captured)}")
    user, args, kwargs = captured[0]
    if user.grad_fn is None:
        raise BindingError(f"binding {user.api!r}: no grad_fn was given, cannot differentiate")
    return np.asarray(user.grad_fn(np.asarray(cotangent), *args, **kwargs))


def _inferred_args(reference: str, fn: Callable[..., Any]) -> tuple[str, ...]:
    """``("x",)`` for a one-input reference function, ``("y_pred", "y_true")`` for two."""
    params = inspect.signature(fn).parameters.values()
    positional = [p for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                  inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if len(positional) == 1:
        return ("x",)
    if len(positional) == 2:
        return ("y_pred", "y_true")
    raise BindingError(f"cannot infer args for reference {reference!r} "
                       f"({len(positional)} inputs): pass args=")


def numpy_binding(api: str, fn: Callable[..., Any], reference: str, *,
                  kind: str | None = None, args: Sequence[str] | None = None,
                  grad_fn: Callable[..., Any] | None = None,
                  grad_conventions: Mapping[str, Any] | None = None,
                  dtypes: Sequence[str] = NUMPY_DTYPES, regimes: Sequence[str] | None = None,
                  output_dtype: str | Mapping[str, str] = "same", info: Mapping[str, Any] | None = None,
                  notes: str = "", **conventions: Any) -> Binding:
    """Declare a NumPy-in/NumPy-out function against a reference function.

    Args:
      api: the name the report shows, unique in the adapter (``"mylib.sigmoid"``).
      fn: the function; it gets NumPy arrays in the case dtype, in ``args`` order.
      reference: key of ``reference.FUNCTIONS`` that ``fn`` must match.
      kind: "activation", "loss" or "metric"; default: ``reference.KINDS[reference]``.
      args: the inputs in ``fn``'s argument order (names among x, y_pred, y_true,
        sample_weight; ``"labels=y_true"`` passes a keyword). Default: ``("x",)`` when the
        reference function takes one input, ``("y_pred", "y_true")`` when it takes two.
      grad_fn: ``grad_fn(g, *inputs) -> array``: the gradient of ``sum(g * fn(*inputs))``
        w.r.t. the predictions (x or y_pred), same shape and dtype as they are. Given, the
        gradient is checked against the reference VJP; omitted, it is not.
      grad_conventions: subgradient keywords of the reference VJP (``grad_at_zero=...``).
      dtypes, regimes, output_dtype, info, notes: as :class:`~adapters.Binding`.
      **conventions: keywords of the reference function under which ``fn`` must match it
        (``clip_eps=1e-7``, ``axis=1``); checked against its signature when loaded.

    Returns:
      A :class:`~adapters.Binding` whose ``backend`` is left empty:
      :func:`numpy_adapter` names it.
    """
    import reference as _reference

    if reference not in _reference.FUNCTIONS:
        known = difflib.get_close_matches(reference, list(_reference.FUNCTIONS), n=5, cutoff=0.6)
        raise BindingError(f"binding {api!r}: unknown reference function {reference!r}"
                           + (f" (did you mean one of {known}?)" if known else ""))
    if not callable(fn):
        raise BindingError(f"binding {api!r}: fn must be callable, got {type(fn).__name__}")
    if grad_fn is not None and not callable(grad_fn):
        raise BindingError(f"binding {api!r}: grad_fn must be callable, got "
                           f"{type(grad_fn).__name__}")
    binding = Binding(
        api=api,
        backend="",
        kind=kind if kind is not None else _reference.KINDS[reference],
        reference=reference,
        call=_UserCall(fn, grad_fn, api),
        args=tuple(args) if args is not None else _inferred_args(
            reference, _reference.FUNCTIONS[reference]),
        conventions=dict(conventions),
        grad_conventions=dict(grad_conventions or {}),
        grad=grad_fn is not None,
        grad_wrt=(),  # grad_fn is w.r.t. the predictions only: no -grad_NAME checks
        dtypes=tuple(dtypes),
        regimes=tuple(regimes) if regimes is not None else None,
        info=dict(info or {}),
        output_dtype=output_dtype,
        notes=notes,
    )
    # Fail where the binding is written (conventions vs the reference signature, ...);
    # the loader checks again when the suite collects.
    validate_binding(binding, _reference.FUNCTIONS, _reference.VJPS)
    return binding


def numpy_adapter(name: str, bindings: Sequence[Binding], *, version: str = "0",
                  packages: Sequence[str] = ()
                  ) -> tuple[Callable[..., Backend], Callable[[], list[Binding]]]:
    """The ``(backend, bindings)`` pair an adapter module exposes, for NumPy functions.

    ``backend, bindings = numpy_adapter("mylib", [...], version="1.0")`` at module level
    makes the module a plugin adapter: ``backend(device="cpu")`` returns a NumPy
    :class:`~adapters.Backend` named ``name`` whose ``vjp`` calls each binding's
    ``grad_fn``; ``bindings()`` returns the bindings with their ``backend`` set to ``name``.
    ``packages`` are distribution names whose versions the results record.
    """
    if not isinstance(name, str) or not name or name == "plugin":
        raise BindingError(f"numpy_adapter: name must be a non-empty string other than "
                           f"'plugin', got {name!r}")
    named = []
    for b in bindings:
        if not isinstance(b, Binding):
            raise BindingError(f"numpy_adapter {name!r}: got {type(b).__name__}, not a Binding "
                               "(make it with numpy_binding)")
        if b.backend not in ("", name):
            raise BindingError(f"numpy_adapter {name!r}: binding {b.api!r} is declared for "
                               f"backend {b.backend!r}")
        named.append(dataclasses.replace(b, backend=name))

    def backend(device: str = "cpu") -> Backend:
        if device != "cpu":
            raise ValueError(f"device must be 'cpu' for the NumPy adapter {name!r}, got {device!r}")
        base = numpy_backend(name, version, tuple(packages))
        return dataclasses.replace(base, vjp=_declared_vjp)

    def bindings_() -> list[Binding]:
        return list(named)

    return backend, bindings_
