"""Adapters: one module per framework, each exposing ``backend()`` and ``bindings()``.

See :mod:`adapters._binding` for the interface (the same one plugins use) and
:data:`BUILTIN` for the modules shipped with crossconform.
"""

from ._binding import ALL_DTYPES, Backend, Binding, BindingError, validate_binding

# backend name -> module path; every module exposes backend(device="cpu") and bindings().
BUILTIN = {
    "torch": "adapters.torch_bindings",
    "tensorflow": "adapters.tf_bindings",
    "keras": "adapters.keras_bindings",
    "jax": "adapters.jax_bindings",
    "scipy": "adapters.scipy_bindings",
    "sklearn": "adapters.sklearn_bindings",
}

__all__ = ["ALL_DTYPES", "BUILTIN", "Backend", "Binding", "BindingError", "validate_binding"]
