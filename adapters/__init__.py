"""Adapters: one module per framework, each exposing ``backend()`` and ``bindings()``.

See :mod:`adapters._binding` for the interface (the same one plugins use; the guide is
``docs/plugins.md``), :func:`numpy_binding` / :func:`numpy_adapter` to put plain NumPy
functions under the suite, and :data:`BUILTIN` for the modules shipped with crossconform.
"""

from ._binding import ALL_DTYPES, Backend, Binding, BindingError, validate_binding
from ._numpy_backend import numpy_backend
from ._user import NUMPY_DTYPES, numpy_adapter, numpy_binding

# backend name -> module path; every module exposes backend(device="cpu") and bindings().
BUILTIN = {
    "torch": "adapters.torch_bindings",
    "tensorflow": "adapters.tf_bindings",
    "keras": "adapters.keras_bindings",
    "jax": "adapters.jax_bindings",
    "scipy": "adapters.scipy_bindings",
    "sklearn": "adapters.sklearn_bindings",
}

__all__ = ["ALL_DTYPES", "BUILTIN", "NUMPY_DTYPES", "Backend", "Binding", "BindingError",
           "numpy_adapter", "numpy_backend", "numpy_binding", "validate_binding"]
