"""Harness tests of the SciPy adapter: NumPy conversions, the float16 output dtypes the
bindings declare (measured here, not assumed), and well-formed bindings."""

from __future__ import annotations

import numpy as np
import pytest

scipy = pytest.importorskip("scipy")

import reference  # noqa: E402
from adapters import scipy_bindings  # noqa: E402
from adapters._binding import validate_binding  # noqa: E402

BINDINGS = scipy_bindings.bindings()


@pytest.fixture(scope="module")
def backend():
    return scipy_bindings.backend()


def test_backend_identity(backend):
    assert backend.name == "scipy"
    assert backend.version == scipy.__version__
    assert backend.vjp is None
    assert backend.dtypes == ("float16", "float32", "float64")


def test_cuda_device_is_refused():
    with pytest.raises(ValueError, match="device"):
        scipy_bindings.backend("cuda")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "int64"])
def test_round_trip_is_exact(backend, dtype):
    array = np.array([0.0, -0.0, 1.5, -2.25, np.inf, 7.0]).astype(dtype) if dtype.startswith(
        "float") else np.array([0, 3, 7], dtype=dtype)
    x = backend.to_framework(array, dtype)
    assert x is not array  # a private copy
    back = backend.to_numpy(x)
    assert back.dtype == np.dtype(dtype)
    assert backend.dtype_of(x) == dtype
    np.testing.assert_array_equal(back, array)


def test_count_and_unique_apis():
    apis = [b.api for b in BINDINGS]
    assert len(apis) == len(set(apis))
    assert len(BINDINGS) >= 25
    assert all(not b.grad for b in BINDINGS)
    assert all(b.info.get("source") for b in BINDINGS)
    # api names are fnmatch patterns in the divergence registry: no wildcard characters.
    assert not [a for a in apis if set(a) & set("*?[]")]


@pytest.mark.parametrize("binding", BINDINGS, ids=lambda b: b.api)
def test_binding_validates(binding):
    validate_binding(binding, reference.FUNCTIONS, reference.VJPS)


def _inputs(binding, dtype):
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=3).astype(dtype)
    q = rng.dirichlet(np.ones(4), size=3).astype(dtype)
    values = {"x": p, "y_pred": p, "y_true": q}
    return {name: values[name] for _, name in binding.arg_names()}


@pytest.mark.parametrize("binding", BINDINGS, ids=lambda b: b.api)
def test_declared_output_dtype_is_what_scipy_returns(backend, binding):
    for dtype in binding.dtypes:
        out = binding.invoke(_inputs(binding, dtype))
        want = binding.returns(dtype)
        assert backend.dtype_of(out) == want, (binding.api, dtype)


def test_entropy_with_qk_is_kl_not_cross_entropy():
    by_api = {b.api: b for b in BINDINGS}
    b = by_api["scipy.stats.entropy(pk, qk)"]
    assert b.reference == "kl_divergence"
    assert b.args == ("y_true", "y_pred")
    p = np.array([0.5, 0.5])
    q = np.array([0.9, 0.1])
    kl = float(np.sum(p * np.log(p / q)))
    assert b.invoke({"y_true": p, "y_pred": q}) == pytest.approx(kl, rel=1e-15)


def test_huber_wrapper_passes_delta_first():
    by_api = {b.api: b for b in BINDINGS}
    b = by_api["scipy.special.huber(1.0, y_pred - y_true)"]
    out = b.invoke({"y_pred": np.array([3.0, 0.5]), "y_true": np.array([0.0, 0.0])})
    np.testing.assert_allclose(out, [2.5, 0.125])
