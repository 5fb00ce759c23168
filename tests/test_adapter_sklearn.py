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
    assert all(not b.grad for b in BINDINGS)
    # Python floats, except multioutput='raw_values' (an array: see test_raw_values_dtype)
    for b in BINDINGS:
        assert b.output_dtype == ("float64" if "raw_values" not in b.api
                                  or "on float16+" in b.api else "same"), b.api
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
        if "raw_values" in b.api:
            assert isinstance(out, np.ndarray) and out.shape == (4,), b.api
        else:
            assert isinstance(out, float), b.api


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_raw_values_dtype(dtype):
    """raw_values answers in the inputs' dtype, but float16 sample weights become float64
    (_check_sample_weight keeps only float32/float64) and so does the answer."""
    from sklearn.metrics import root_mean_squared_error

    p, t = np.array([[0.5, 1.0], [2.0, 0.0]], dtype=dtype), np.zeros((2, 2), dtype=dtype)
    assert root_mean_squared_error(t, p, multioutput="raw_values").dtype == np.dtype(dtype)
    weighted = root_mean_squared_error(t, p, multioutput="raw_values",
                                       sample_weight=np.ones(2, dtype=dtype))
    assert weighted.dtype == np.dtype("float64" if dtype == "float16" else dtype)
    api = "sklearn.metrics.root_mean_squared_error(multioutput='raw_values')"
    assert BY_API[api].output_dtype == "same"
    assert BY_API[f"{api} on float16+sample_weight"].output_dtype == "float64"
    assert BY_API[f"{api}+sample_weight"].dtypes == ("float32", "float64")


def test_root_mean_squared_error_averages_the_roots():
    """scikit-learn's default takes one root per output, then their mean (the reference's
    multioutput='uniform_average'), not the root of the mean over every element."""
    from sklearn.metrics import root_mean_squared_error

    p, t = np.array([[3.0, 0.0], [0.0, 0.0]]), np.zeros((2, 2))
    got = root_mean_squared_error(t, p)
    assert got == pytest.approx(np.sqrt(4.5) / 2, rel=1e-15)
    assert got == pytest.approx(reference.root_mean_squared_error(
        p, t, multioutput="uniform_average"), rel=1e-15)
    assert got != pytest.approx(float(reference.root_mean_squared_error(p, t)))
    assert BY_API["sklearn.metrics.root_mean_squared_error"].conventions == {
        "multioutput": "uniform_average"}


def test_brier_scale_by_half_auto():
    """'auto' halves the binary score (1-D y_proba, or 2 columns) but not C >= 3."""
    from sklearn.metrics import brier_score_loss

    y, p = np.array([0, 1, 1]), np.array([0.25, 0.5, 1.0])
    assert brier_score_loss(y, p) == pytest.approx((0.25**2 + 0.5**2) / 3, rel=1e-15)
    assert brier_score_loss(y, p, scale_by_half=False) == pytest.approx(
        2 * (0.25**2 + 0.5**2) / 3, rel=1e-15)
    two = np.stack([1 - p, p], axis=1)
    assert brier_score_loss(y, two, labels=[0, 1]) == brier_score_loss(y, p)
    three = np.array([[0.5, 0.25, 0.25]])
    assert brier_score_loss([0], three, labels=[0, 1, 2]) == pytest.approx(0.375, rel=1e-15)
    assert float(reference.multiclass_brier_score(three, [0])[0]) == pytest.approx(0.375)
    scales = {b.api: b.conventions["scale"] for b in BINDINGS if "brier" in b.api}
    assert scales["sklearn.metrics.brier_score_loss(labels=arange(C))"] == 1.0
    assert scales["sklearn.metrics.brier_score_loss(labels=arange(C), scale_by_half=True)"] == 0.5
    assert scales["sklearn.metrics.brier_score_loss(np.ravel(y_true), np.ravel(y_pred), "
                  "scale_by_half=False)"] == 2.0


def test_rmsle_rejects_minus_one():
    """scikit-learn rejects y <= -1 (the reference only y < -1: log1p(-1) = -inf)."""
    from sklearn.metrics import root_mean_squared_log_error

    with pytest.raises(ValueError, match="less than or equal to -1"):
        root_mean_squared_log_error([0.0, 1.0], [-1.0, 1.0])
    assert reference.root_mean_squared_log_error(np.array([-1.0, 1.0]),
                                                 np.array([0.0, 1.0])) == np.inf
