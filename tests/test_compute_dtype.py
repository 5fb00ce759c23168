"""A binding's ``compute_dtype``: an API that computes in a fixed dtype whatever its inputs'
(Keras 3's Loss classes in floatx()) answers a float64 case with that dtype's rounding, and
is held to that dtype's tolerance; without the declaration the same answers fail."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from adapters import numpy_backend, numpy_binding
from conformance.cases import CaseSpec
from conformance.runner import run_case


def _relu_in_half(x: np.ndarray) -> np.ndarray:
    """relu computed in float16, answered in the input's dtype, as an API that casts in and
    out does (relu's condition number is 1: the answer is x rounded to float16)."""
    return np.maximum(x.astype(np.float16), 0).astype(x.dtype)


@pytest.mark.parametrize("regime", ["typical", "large"])
def test_a_declared_compute_dtype_sets_the_tolerance_of_a_wider_case(regime: str) -> None:
    backend = numpy_backend("np", np.__version__)
    plain = numpy_binding("np.relu_in_half", _relu_in_half, "relu")
    declared = dataclasses.replace(plain, compute_dtype="float16")
    spec = CaseSpec(plain.api, "np", "float64", regime, "value")
    undeclared = run_case(plain, backend, spec)
    assert undeclared.outcome == "fail", undeclared.message  # float16's rounding, float64's rtol
    result = run_case(declared, backend, spec)
    assert result.outcome == "pass", result.message
    assert "rtol=0.001" in result.message  # float16's tolerance, not float64's 1e-07


def test_a_compute_dtype_wider_than_the_case_changes_nothing() -> None:
    """float16 cases of an API computing in float32 keep float16's tolerance."""
    backend = numpy_backend("np", np.__version__)
    plain = numpy_binding("np.relu_in_half", _relu_in_half, "relu")
    declared = dataclasses.replace(plain, compute_dtype="float32")
    spec = CaseSpec(plain.api, "np", "float16", "typical", "value")
    a, b = run_case(plain, backend, spec), run_case(declared, backend, spec)
    assert a.outcome == b.outcome == "pass" and a.message == b.message


def test_keras_layers_declare_their_float32_computation() -> None:
    """Keras' activation layers cast float64 inputs to floatx() (Layer.__call__ autocasts):
    the float64 gradient of keras.layers.Softmax() carries float32's rounding, fails
    float64's tolerance, and passes under the declaration."""
    pytest.importorskip("keras")
    from conformance.loader import load_all

    loaded = load_all(["keras"])["keras"]
    if loaded.backend is None:
        pytest.skip(f"keras unavailable: {loaded.unavailable}")
    layers = {b.api: b for b in loaded.bindings if b.api.startswith("keras.layers.")}
    assert layers and all(b.compute_dtype == "float32" for b in layers.values())
    softmax = layers["keras.layers.Softmax()"]
    spec = CaseSpec(softmax.api, softmax.backend, "float64", "spatial", "grad")
    undeclared = run_case(dataclasses.replace(softmax, compute_dtype=None), loaded.backend, spec)
    assert undeclared.outcome == "fail", undeclared.message
    declared = run_case(softmax, loaded.backend, spec)
    assert declared.outcome == "pass", declared.message
