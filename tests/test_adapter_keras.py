"""Harness tests of the Keras adapter: conversions through Keras' backend framework, VJPs,
and well-formed bindings validated against the reference's signatures.

The backend under test is whatever ``KERAS_BACKEND`` selects (tensorflow by default).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("keras")
ml_dtypes = pytest.importorskip("ml_dtypes")

from adapters import keras_bindings  # noqa: E402
from adapters._binding import release, validate_binding  # noqa: E402

# The Keras the adapter binds: tf-keras (module tf_keras) when TF_USE_LEGACY_KERAS=1 (the
# keras(tf-keras-*) nox sessions, with Keras 3 installed beside it), else keras.
keras = keras_bindings._import_keras()
_PACKAGE = keras.__name__.split(".")[0]

_NUMPY_DTYPES = {
    "float16": np.float16,
    "bfloat16": ml_dtypes.bfloat16,
    "float32": np.float32,
    "float64": np.float64,
}


@pytest.fixture(scope="module")
def backend():
    return keras_bindings.backend()


@pytest.fixture(scope="module")
def all_bindings():
    return keras_bindings.bindings()


def _bits(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array).view(f"u{array.dtype.itemsize}")


@pytest.mark.parametrize("dtype", sorted(_NUMPY_DTYPES))
def test_round_trip_is_bit_exact(backend, dtype):
    np_dtype = _NUMPY_DTYPES[dtype]
    info = ml_dtypes.finfo(np_dtype)
    values = np.array([0.0, -0.0, 1.0, -2.5, float(info.max), float(info.tiny),
                       float(info.smallest_subnormal), np.inf, -np.inf, np.nan])
    rng = np.random.default_rng(0)
    array = np.concatenate([values, rng.standard_normal(50) * 1e3]).astype(np_dtype).reshape(5, 12)
    tensor = backend.to_framework(array, dtype)
    assert backend.dtype_of(tensor) == dtype
    back = backend.to_numpy(tensor)
    assert back.shape == array.shape
    assert np.array_equal(_bits(back.astype(np_dtype)), _bits(array))


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_labels_round_trip(backend, dtype):
    labels = np.array([0, 3, 7, 2**31 - 1], dtype=dtype)
    tensor = backend.to_framework(labels, dtype)
    assert backend.dtype_of(tensor) == dtype
    np.testing.assert_array_equal(backend.to_numpy(tensor), labels)


def test_keras_op_keeps_the_dtype_of_converted_arrays(backend):
    # The converted arrays are the ones Keras itself computes with (its backend's arrays).
    for dtype in ("float16", "bfloat16", "float32", "float64"):
        x = backend.to_framework(np.array([-1.0, 0.0, 2.0]).astype(_NUMPY_DTYPES[dtype]), dtype)
        out = keras.activations.relu(x)
        assert backend.dtype_of(out) == dtype
        np.testing.assert_array_equal(backend.to_numpy(out).astype(np.float64), [0.0, 0.0, 2.0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vjp_of_a_keras_function_is_analytic(backend, dtype):
    x = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]], dtype=dtype)
    y = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]], dtype=dtype)
    g = np.array([[1.0, -2.0, 0.5], [2.0, 1.0, -1.0]], dtype=dtype)
    inputs = [backend.to_framework(x, dtype), backend.to_framework(y, dtype)]

    # keras.ops.exp keeps float64 on every backend (ops.sin/cos/tanh return float32 for
    # float64 input under KERAS_BACKEND=jax: keras' result_type(float64, float)); Keras 2
    # has no keras.ops, its keras.backend functions take TensorFlow tensors.
    ops = keras.ops if keras_bindings.keras_major(keras) >= 3 else keras.backend

    def fn(a, b):
        return a * a * b + ops.exp(a)

    rtol = 1e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(backend.vjp(fn, inputs, 0, g), g * (2 * x * y + np.exp(x)),
                               rtol=rtol)
    np.testing.assert_allclose(backend.vjp(fn, inputs, 1, g), g * x * x, rtol=rtol)


def test_vjp_of_a_keras_loss_takes_a_scalar_cotangent(backend):
    # mean over the last axis of (y_pred - y_true)^2 with y_true = 0: gradient 2 x / n.
    x = np.array([1.0, 2.0, 3.0, 4.0])
    inputs = [backend.to_framework(np.zeros(4), "float64"), backend.to_framework(x, "float64")]
    grad = backend.vjp(keras.losses.mean_squared_error, inputs, 1, np.array(0.5))
    np.testing.assert_allclose(grad, 0.5 * 2 * x / 4, rtol=1e-15)


def test_backend_metadata(backend):
    assert backend.name == "keras"
    assert backend.version == keras.__version__
    assert backend.packages[0] == {"keras": "keras", "tf_keras": "tf-keras"}[_PACKAGE]
    assert len(backend.packages) > 1  # plus the backend framework's distributions
    assert backend.device == "cpu"


def test_bindings_count_and_unique_api_names(all_bindings):
    apis = [b.api for b in all_bindings]
    assert len(apis) >= 60
    assert len(apis) == len(set(apis)), sorted(a for a in apis if apis.count(a) > 1)
    assert all(b.backend == "keras" for b in all_bindings)
    assert all(b.api.startswith("keras.") for b in all_bindings)
    # every source cites the installed package first (tests/test_sources.py checks each file)
    assert all(b.info.get("source", "").startswith(f"{_PACKAGE}/") for b in all_bindings)


def test_keras_losses_take_y_true_first(all_bindings):
    for b in all_bindings:
        if b.kind != "activation":
            assert b.args[:2] == ("y_true", "y_pred"), b.api
        if "+sample_weight" in b.api:
            assert b.args[-1] == "sample_weight", b.api


def test_version_dependent_defaults_are_declared(all_bindings):
    by_api = {b.api: b for b in all_bindings}
    major = keras_bindings.keras_major(keras)
    hard = by_api["keras.activations.hard_sigmoid"].conventions
    assert hard["slope"] == (1 / 6 if major >= 3 else 0.2)
    assert by_api["keras.layers.LeakyReLU()"].conventions["negative_slope"] == 0.3
    bce = by_api["keras.losses.binary_crossentropy"].conventions
    assert bce["clip_eps"] == 1e-7 and bce["mean_axis"] == -1
    assert ("log_eps" in bce) == (major < 3)  # Keras 2's "double epsilon"
    if major >= 3:
        assert by_api["keras.activations.gelu"].reference == "gelu"
        assert by_api["keras.ops.gelu"].reference == "gelu_tanh"


def test_declared_defaults_match_the_installed_signatures():
    import inspect

    if keras_bindings.keras_major(keras) < 3:
        pytest.skip("Keras 3 signatures")
    sig = inspect.signature
    assert sig(keras.activations.gelu).parameters["approximate"].default is False
    assert sig(keras.ops.gelu).parameters["approximate"].default is True
    assert sig(keras.activations.leaky_relu).parameters["negative_slope"].default == 0.2
    assert sig(keras.layers.LeakyReLU).parameters["negative_slope"].default == 0.3
    assert sig(keras.losses.categorical_focal_crossentropy).parameters["alpha"].default == 0.25
    assert keras.losses.BinaryCrossentropy().reduction == "sum_over_batch_size"
    assert keras.backend.epsilon() == 1e-7


def test_every_binding_validates_against_the_reference(all_bindings):
    reference = pytest.importorskip("reference")
    if not reference.FUNCTIONS:
        pytest.skip("reference functions not written yet")
    problems = []
    for binding in all_bindings:
        try:
            validate_binding(binding, reference.FUNCTIONS, reference.VJPS)
        except ValueError as exc:
            problems.append(str(exc))
    assert not problems, "\n".join(problems)


def test_tversky_alpha_is_declared_as_documented(all_bindings):
    """The bindings declare alpha on the false positives (Keras' docstring, Salehi et al.);
    Keras 3.15.1 computes it on the false negatives (keras-team/keras#23333), which the
    registry records, so this case must tell the two readings apart."""
    import reference

    L = keras.losses
    if not hasattr(L, "tversky"):
        pytest.skip("this Keras has no tversky")
    b = {x.api: x for x in all_bindings}["keras.losses.tversky(alpha=0.3, beta=0.7)"]
    assert (b.conventions["alpha"], b.conventions["beta"]) == (0.3, 0.7)
    t = np.array([1.0, 1.0, 0.0, 0.0, 1.0])
    p = np.array([0.9, 0.2, 0.7, 0.1, 0.4])
    documented = float(reference.tversky(p, t, eps=1e-7, alpha=0.3, beta=0.7))
    swapped = float(reference.tversky(p, t, eps=1e-7, alpha=0.7, beta=0.3))
    assert abs(documented - swapped) > 1e-3
    got = float(np.asarray(L.tversky(t, p, alpha=0.3, beta=0.7)))
    assert got == pytest.approx(documented, rel=1e-6) or got == pytest.approx(swapped, rel=1e-6)


def test_circle_defaults_and_the_class_mean_over_positive_losses(backend, all_bindings):
    """keras.losses.circle's defaults are the declared ones, and Circle() averages over the
    rows whose loss is > 0 only (the Keras mask circle sets), as mean_over="positive"."""
    import inspect

    import reference

    L = keras.losses
    if not hasattr(L, "Circle"):
        pytest.skip("this Keras has no circle")
    by_api = {b.api: b for b in all_bindings}
    params = inspect.signature(L.circle).parameters
    fn = by_api["keras.losses.circle"]
    for name in ("gamma", "margin", "remove_diagonal"):
        assert params[name].default == fn.conventions[name], name
    cls = by_api["keras.losses.Circle()"]
    assert cls.conventions["mean_over"] == "positive" and cls.conventions["mean_of_empty"] == 0.0
    # rows 0, 1 share a label; 2 and 3 have no positive: their loss is 0, left out of the mean
    x = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]], dtype="float32")
    y = np.array([0, 0, 1, 2], dtype="int32")
    inputs = {"y_pred": backend.to_framework(x, "float32"),
              "y_true": backend.to_framework(y, "int32")}
    out = float(backend.to_numpy(cls.invoke(inputs)))
    conv = dict(cls.conventions)
    want = reference.FUNCTIONS["circle"](x, y, **conv)
    plain = reference.FUNCTIONS["circle"](x, y, **{**conv, "mean_over": "all"})
    assert out == pytest.approx(float(want), rel=1e-5)
    assert abs(float(want) - float(plain)) > 1e-3 * abs(float(want))


def test_circle_reference_set_reaches_keras_and_drops_the_index_diagonal(backend, all_bindings):
    """The reference-set binding passes ref_embeddings / ref_labels through, and Keras'
    remove_diagonal=True drops the pair (0, 0) of batch row 0 and reference row 0 (not a
    self-pair), as the reference's by-index rule says."""
    import reference

    by_api = {b.api: b for b in all_bindings}
    b = by_api.get("keras.losses.circle(ref_labels=, ref_embeddings=)")
    if b is None:
        pytest.skip("this Keras has no circle")
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    r = np.array([[0.8, 0.6], [-0.6, 0.8]])
    y, ry = np.array([0, 0], dtype="int32"), np.array([0, 1], dtype="int32")
    inputs = {"y_pred": backend.to_framework(x, "float64"), "y_true": backend.to_framework(y, "int32"),
              "ref_embeddings": backend.to_framework(r, "float64"),
              "ref_labels": backend.to_framework(ry, "int32")}
    out = np.asarray(backend.to_numpy(b.invoke(inputs)), dtype=np.float64)
    conv = dict(b.conventions)
    want = reference.FUNCTIONS["circle"](x, y, ref_embeddings=r, ref_labels=ry, **conv)
    kept = reference.FUNCTIONS["circle"](x, y, ref_embeddings=r, ref_labels=ry,
                                         **{**conv, "remove_diagonal": False})
    # row 0's only positive is the index pair (0, 0): dropped, so its loss is 0
    assert want[0] == 0.0 < kept[0] and want[1] == kept[1] > 0
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)


def test_loss_class_reductions_with_sample_weights(backend, all_bindings):
    """The weighted Loss classes under each further reduction: 'sum' is sum(l * w), None
    (Keras 2: 'none') the per-sample l * w, 'mean_with_sample_weight' (Keras 3.6+) sum(l * w) / sum(w), each
    declared as the reference's sum / none / weighted_mean, unlike the default
    sum_over_batch_size's sum(l * w) / N."""
    by_api = {b.api: b for b in all_bindings}
    name = "keras.losses.MeanSquaredError(reduction={})+sample_weight"
    # Keras 2 (also tf-keras under TF_USE_LEGACY_KERAS, whatever `keras` is here) says 'none'
    keras2 = name.format("'none'") in by_api
    yt = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0]], dtype="float32")
    yp = np.array([[1.0, 1.0], [1.0, 3.0], [2.0, 1.0]], dtype="float32")
    w = np.array([1.0, 0.0, 3.0], dtype="float32")  # per-sample losses 0.5, 2, 0.5
    inputs = {n: backend.to_framework(a, "float32") for n, a in
              (("y_true", yt), ("y_pred", yp), ("sample_weight", w))}

    def run(api):
        return np.asarray(backend.to_numpy(by_api[api].invoke(inputs)), dtype=np.float64)

    assert float(run("keras.losses.MeanSquaredError()+sample_weight")) == pytest.approx(2.0 / 3.0)
    assert by_api[name.format("'sum'")].conventions["reduction"] == "sum"
    assert float(run(name.format("'sum'"))) == pytest.approx(2.0)
    unreduced = name.format("'none'" if keras2 else "None")  # ReductionV2.NONE in Keras 2
    assert by_api[unreduced].conventions["reduction"] == "none"
    np.testing.assert_allclose(run(unreduced), [0.5, 0.0, 1.5])
    mw = name.format("'mean_with_sample_weight'")
    if mw not in by_api:
        # the reduction came with Keras 3.7 (absent from 3.3.3, 3.5.0 and 3.6.0's sources)
        assert keras2 or release(keras.__version__) < (3, 7), "'mean_with_sample_weight' not bound"
        return
    assert by_api[mw].conventions["reduction"] == "weighted_mean"
    assert float(run(mw)) == pytest.approx((0.5 * 1 + 2 * 0 + 0.5 * 3) / 4.0)  # 0.5, not 2 / 3


def test_mean_relative_error_is_bound_where_keras_has_it(backend, all_bindings):
    """Keras 2's MeanRelativeError (the normalizer fixed at construction, made per call
    from the case's input): its docstring example through the binding, divide_no_nan at a
    zero normalizer and the sample-weighted mean over every element. Keras 3 dropped it."""
    by_api = {b.api: b for b in all_bindings}
    api = "keras.metrics.MeanRelativeError(normalizer)"
    assert (api in by_api) == hasattr(keras.metrics, "MeanRelativeError")
    if api not in by_api:
        pytest.skip(f"no keras.metrics.MeanRelativeError in Keras {keras.__version__}")

    def run(name, **arrays):
        inputs = {n: backend.to_framework(np.asarray(a, dtype="float32"), "float32")
                  for n, a in arrays.items()}
        return float(backend.to_numpy(by_api[name].invoke(inputs)))

    four = {"y_true": [1, 3, 2, 3], "y_pred": [2, 4, 6, 8]}
    assert run(api, **four, normalizer=[1, 3, 2, 3]) == pytest.approx(1.25)
    # |d| = [1, 1, 4, 5]; normalizer 0 (and inf numerators) give 0: mean([0, 1/3, 0, 5/3])
    assert run(api, **four, normalizer=[0, 3, 0, 3]) == pytest.approx(0.5)
    weighted = run(api + "+sample_weight", y_true=[[1, 3], [2, 3]], y_pred=[[2, 4], [6, 8]],
                   normalizer=[[1, 3], [2, 3]], sample_weight=[1, 3])
    assert weighted == pytest.approx((1 + 1 / 3 + 3 * (2 + 5 / 3)) / 8)


def test_mape_declares_the_epsilon_keras_divides_by(backend, all_bindings):
    """mean_absolute_percentage_error at y_true = 0, y_pred = 1 in float64 is 100 / eps for
    the eps Keras really uses: float32(1e-7) on Keras 3.0 to 3.3 (a floatx tensor), 1e-7 on
    Keras 2 and 3.4+. The binding must declare that value, bit for bit."""
    binding = {b.api: b for b in all_bindings}["keras.losses.mean_absolute_percentage_error"]
    inputs = {n: backend.to_framework(np.asarray([[a]], dtype="float64"), "float64")
              for n, a in (("y_true", 0.0), ("y_pred", 1.0))}
    got = backend.to_numpy(binding.invoke(inputs))
    assert got.dtype == np.float64
    used_eps = 100.0 / float(got[0])
    assert used_eps == pytest.approx(binding.conventions["eps"], rel=1e-15, abs=0)
    old = (3, 0) <= release(keras.__version__) < (3, 4)
    assert binding.conventions["eps"] == (float(np.float32(1e-7)) if old else 1e-7)


def test_huber_declares_the_dtype_it_computes_in(backend, all_bindings):
    """Keras 2's huber casts its float64 inputs to floatx() (float32) and computes there,
    so its float64 gradient carries float32 rounding: the bindings (function and class)
    declare compute_dtype float32 exactly where the float64 call answers in float32."""
    by_api = {b.api: b for b in all_bindings}
    inputs = {n: backend.to_framework(np.asarray([[a, 2 * a]], dtype="float64"), "float64")
              for n, a in (("y_true", 0.1), ("y_pred", 0.7))}
    major = keras_bindings.keras_major(keras)
    for api in ("keras.losses.huber", "keras.losses.Huber()"):
        declared = by_api[api].compute_dtype
        assert (declared == "float32") == (major < 3 or api.endswith("()")), api
        try:
            got = backend.to_numpy(by_api[api].invoke(inputs))
        except Exception as exc:  # Keras 3.3's huber mixes its float32 delta into float64 ops
            assert major >= 3 and "double tensor but is a float tensor" in str(exc), exc
            continue
        assert declared == ("float32" if got.dtype == np.float32 else None), (api, got.dtype)


def test_ctc_declares_the_dtype_of_its_float64_answer(backend, all_bindings):
    """keras.ops.ctc_loss answers in result_type(dtype, "float32"): float32 for float64 inputs
    on the JAX and torch backends of Keras 3.12 and later (BIT64_TO_BIT32_DTYPE), float64 on
    TensorFlow and before 3.12. The binding that takes float64 must declare that answer."""
    by_api = {b.api: b for b in all_bindings}
    float64 = [b for api, b in by_api.items() if api.startswith("keras.ops.ctc_loss")
               and "float64" in b.dtypes]
    if keras_bindings.keras_major(keras) < 3:
        assert not float64
        return
    (binding,) = float64
    rng = np.random.default_rng(0)
    arrays = {"y_true": np.asarray([[1, 2, 0]], dtype="int32"),
              "y_pred": rng.normal(size=(1, 4, 3)),
              "label_lengths": np.asarray([2], dtype="int32"),
              "input_lengths": np.asarray([4], dtype="int32")}
    inputs = {n: backend.to_framework(a, "float64" if n == "y_pred" else "int32")
              for n, a in arrays.items()}
    got = backend.to_numpy(binding.invoke(inputs))
    declared = binding.returns("float64")
    assert str(got.dtype) == declared, (binding.api, got.dtype)
    new = release(keras.__version__) >= (3, 12) and keras.backend.backend() != "tensorflow"
    assert declared == ("float32" if new else "float64")
