"""Backend for NumPy-in/NumPy-out libraries (SciPy, scikit-learn, plain user functions).

No autodiff (``vjp=None``), so their bindings declare ``grad=False``. bfloat16 is not a
NumPy dtype these libraries compute in, so it is left out of ``dtypes``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._binding import Backend

__all__ = ["numpy_backend"]


def _to_numpy(value: Any) -> np.ndarray:
    return np.asarray(value)


def _dtype_of(value: Any) -> str:
    if isinstance(value, float):  # a Python float is a C double
        return "float64"
    return str(np.asarray(value).dtype)


def _to_framework(array: np.ndarray, dtype: str) -> np.ndarray:
    # The case already holds the array in its dtype; hand over a private copy.
    return np.array(array, copy=True)


def numpy_backend(name: str, version: str, packages: tuple[str, ...] = ()) -> Backend:
    """A :class:`Backend` whose arrays are NumPy arrays (float16, float32, float64)."""
    return Backend(
        name=name,
        version=version,
        to_framework=_to_framework,
        to_numpy=_to_numpy,
        dtype_of=_dtype_of,
        vjp=None,
        device="cpu",
        packages=packages,
        dtypes=("float16", "float32", "float64"),
    )
