"""Harness tests of the scikit-learn adapter: NumPy conversions, Python-float outputs,
the conventions read from sklearn/metrics (log_loss's dtype epsilon, top-k ties), and
well-formed bindings."""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

import reference  # noqa: E402
from adapters import sklearn_bindings  # noqa: E402
from adapters._binding import validate_binding  # noqa: E402

BINDINGS = sklearn_bindings.bindings()
BY_API = {b.api: b for b in BINDINGS}


@pytest.fixture(scope="module")
def backend():
    return sklearn_bindings.backend()


def test_backend_identity(backend):
    assert backend.name == "sklearn"
    assert backend.version == sklearn.__version__
    assert backend.packages == ("scikit-learn",)
    assert backend.vjp is None


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64"])
def test_round_trip_is_exact(backend, dtype):
    array = np.array([0.0, -0.0, 1.5, -2.25, 7.0]).astype(dtype)
    back = backend.to_numpy(backend.to_framework(array, dtype))
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back, array)


def test_python_float_is_float64(backend):
    assert backend.dtype_of(0.5) == "float64"


def test_count_and_unique_apis():
    apis = [b.api for b in BINDINGS]
    assert len(apis) == len(set(apis))
    assert len(BINDINGS) >= 20
    assert all(not b.grad and b.output_dtype == "float64" for b in BINDINGS)
    assert all(b.info.get("source") for b in BINDINGS)
    assert not [a for a in apis if set(a) & set("*?[]")]
    for b in BINDINGS:
        weighted = "sample_weight" in [name for _, name in b.arg_names()]
        assert weighted == b.api.endswith("+sample_weight"), b.api


@pytest.mark.parametrize("binding", BINDINGS, ids=lambda b: b.api)
def test_binding_validates(binding):
    validate_binding(binding, reference.FUNCTIONS, reference.VJPS)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_log_loss_clips_at_the_dtype_epsilon(dtype):
    from sklearn.metrics import log_loss

    eps = float(np.finfo(dtype).eps)
    p = np.array([[1.0, 0.0, 0.0]], dtype=dtype)
    got = log_loss([2], p, labels=[0, 1, 2])
    assert got == pytest.approx(-np.log(np.float64(np.asarray(eps, dtype=dtype))), rel=1e-3)
    suffix = "" if dtype == "float64" else f" on {dtype}"
    b = BY_API[f"sklearn.metrics.log_loss(labels=arange(C)){suffix}"]
    assert b.conventions["clip_eps"] == eps
    assert b.dtypes == (dtype,)


def test_top_k_ties_rank_the_higher_index_first():
    from sklearn.metrics import top_k_accuracy_score

    scores = np.array([[0.5, 0.5, 0.5, 0.0]])
    # k=1 among three tied classes: the last (index 2) wins.
    assert top_k_accuracy_score([2], scores, k=1, labels=[0, 1, 2, 3]) == 1.0
    assert top_k_accuracy_score([0], scores, k=1, labels=[0, 1, 2, 3]) == 0.0
    assert BY_API["sklearn.metrics.top_k_accuracy_score(labels=arange(C))"].conventions[
        "ties"] == "last"


def test_every_binding_runs_on_a_small_input():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=6)
    for b in BINDINGS:
        labels = b.info.get("labels")
        if b.reference in ("label_accuracy", "zero_one_loss"):
            inputs = {"y_pred": np.array([0, 1, 2, 3, 1, 0]), "y_true": np.array([0, 1, 2, 0, 1, 3])}
        elif labels == "index":
            inputs = {"y_pred": probs, "y_true": np.array([0, 1, 2, 3, 1, 0])}
        elif labels in ("binary", "01"):
            inputs = {"y_pred": probs[:, 0], "y_true": np.array([0.0, 1, 1, 0, 1, 0])}
        elif labels == "pm1":
            inputs = {"y_pred": probs[:, 0], "y_true": np.array([-1.0, 1, 1, -1, 1, -1])}
        else:
            inputs = {"y_pred": probs, "y_true": probs[::-1].copy()}
        inputs["sample_weight"] = np.linspace(0.0, 2.0, 6)
        wanted = {name for _, name in b.arg_names()}
        out = b.invoke({k: v for k, v in inputs.items() if k in wanted})
        assert isinstance(out, float), b.api
