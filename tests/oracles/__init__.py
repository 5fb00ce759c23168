"""mpmath oracles for every reference function, shared by tests/test_oracle.py and
benchmarks/ulp_table.py.

Each module here exposes ``CASES``: a list of :class:`OracleCase`. ``exact(*inputs, **kwargs)``
returns the exact output as a flat list of mpmath numbers (C order) computed at 50 digits
from the same float64 inputs the reference sees; ``grad=True`` cases compare the VJP
(``exact`` then returns the exact gradient w.r.t. the first input for the cotangent
``kwargs["g"]``, which is passed to the VJP as its first argument).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Cases measured above their target stay measured, held to this looser bound, listed by a
# module as LOOSE_CASES with the reason beside them (tests/test_oracle.py,
# benchmarks/ulp_table.py): a case is never dropped for missing its target.
LOOSE_ULP = 100.0

MODULES = ("activations", "crossentropy", "divergences", "regression", "margin", "embedding",
           "ctc", "linear_ce", "overlap", "ranking", "contrastive")


@dataclass(frozen=True)
class OracleCase:
    function: str                      # reference.FUNCTIONS key
    regime: str                        # "typical", "extreme", "tiny", ...
    inputs: tuple[np.ndarray, ...]     # float64 (or int labels) inputs
    exact: Callable[..., list[Any]]    # exact output (or gradient) as flat mpf list
    kwargs: dict[str, Any] = field(default_factory=dict)
    grad: bool = False                 # True: checks VJPS[function] with g = kwargs["g"]
    elementwise: bool = True           # target 2 ULP if True, else 4 ULP (reductions)


def _modules() -> list[Any]:
    out = []
    for name in MODULES:
        try:
            out.append(importlib.import_module(f"tests.oracles.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.oracles.{name}":
                raise
    return out


def all_cases() -> list[OracleCase]:
    """Every oracle case of every module that exists (the loose ones apart)."""
    return [case for module in _modules() for case in module.CASES]


def all_loose_cases() -> list[OracleCase]:
    """The cases the modules hold to LOOSE_ULP instead of their target."""
    return [case for module in _modules() for case in getattr(module, "LOOSE_CASES", [])]
