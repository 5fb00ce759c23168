"""crossconform's reference: pure NumPy, float64, the truth every framework is checked against.

No framework is imported here, ever. Every public function

* converts its inputs to float64 whatever their dtype and computes in float64 with a
  numerically stable formula (the trick is named in a one-line comment where it is used);
* takes its options as keyword-only arguments; options that frameworks disagree on are
  *conventions* (``clip_eps``, ``log_clamp``, ``negative_slope``, ``reduction`` ...) whose
  default is the exact, canonical mathematics;
* validates first and raises ValueError (TypeError for a wrong type) naming the parameter
  and the offending value or shape;
* emits no NumPy warning, on any input.

NaN/inf rule: NaN in an input propagates to every output element that depends on it (and
through a reduction, to the reduced value); ±inf follows IEEE arithmetic of the stated
formula (e.g. ``sigmoid(inf) = 1``, ``relu(-inf) = 0``, ``softmax`` of a row holding +inf
is NaN). Nothing is silently replaced by a finite number.

Registries (dicts of functions, keyed by the public name):

* ``FUNCTIONS[name]``: the function; ``KINDS[name]``: "activation", "loss" or "metric".
* ``VJPS[name]``: the analytic vector-Jacobian product ``vjp(g, *primals, **kwargs)``: the
  gradient of ``sum(g * f(*primals, **kwargs))`` with respect to the *first* primal (the
  input ``x`` or the predictions), same shape as that primal. It accepts every keyword the
  function accepts plus the subgradient conventions at kinks (``grad_at_zero`` ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import activations, crossentropy, divergences, margin, metrics, overlap, regression
from ._reduce import REDUCTIONS, reduce_loss

_MODULES = (activations, crossentropy, divergences, regression, margin, overlap, metrics)

FUNCTIONS: dict[str, Callable[..., Any]] = {}
VJPS: dict[str, Callable[..., Any]] = {}
KINDS: dict[str, str] = {}

for _module in _MODULES:
    for _name, _fn in _module.FUNCTIONS.items():
        if _name in FUNCTIONS:
            raise RuntimeError(f"reference function {_name!r} is defined twice")
        FUNCTIONS[_name] = _fn
        KINDS[_name] = _module.KIND if isinstance(_module.KIND, str) else _module.KIND[_name]
    VJPS.update(getattr(_module, "VJPS", {}))

globals().update(FUNCTIONS)

__all__ = ["FUNCTIONS", "KINDS", "REDUCTIONS", "VJPS", "reduce_loss", *sorted(FUNCTIONS)]
