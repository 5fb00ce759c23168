"""Harness tests of the TensorFlow adapter: exact conversions, tf.GradientTape VJPs, and
well-formed bindings validated against the reference's signatures."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
ml_dtypes = pytest.importorskip("ml_dtypes")

from adapters import tf_bindings  # noqa: E402
from adapters._binding import validate_binding  # noqa: E402
from conformance.cases import cast_inputs, raw_inputs, regimes_for  # noqa: E402
from conformance.families import family_of  # noqa: E402

_NUMPY_DTYPES = {
    "float16": np.float16,
    "bfloat16": ml_dtypes.bfloat16,
    "float32": np.float32,
    "float64": np.float64,
}


@pytest.fixture(scope="module")
def backend():
    return tf_bindings.backend()


@pytest.fixture(scope="module")
def all_bindings():
    return tf_bindings.bindings()


def _bits(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array).view(f"u{array.dtype.itemsize}")


@pytest.mark.parametrize("dtype", sorted(_NUMPY_DTYPES))
def test_round_trip_is_bit_exact(backend, dtype):
    np_dtype = _NUMPY_DTYPES[dtype]
    info = ml_dtypes.finfo(np_dtype)
    values = np.array([0.0, -0.0, 1.0, -2.5, float(info.max), float(info.tiny),
                       float(info.smallest_subnormal), np.inf, -np.inf, np.nan])
    rng = np.random.default_rng(0)
    array = np.concatenate([values, rng.standard_normal(50) * 1e3]).astype(np_dtype)
    array = array.reshape(5, 12)
    tensor = backend.to_framework(array, dtype)
    assert backend.dtype_of(tensor) == dtype
    back = backend.to_numpy(tensor)
    assert back.shape == array.shape
    assert np.array_equal(_bits(back.astype(np_dtype)), _bits(array))


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_labels_round_trip(backend, dtype):
    labels = np.array([0, 3, 7, np.iinfo(np.int32).max], dtype=dtype)
    tensor = backend.to_framework(labels, dtype)
    assert backend.dtype_of(tensor) == dtype
    back = backend.to_numpy(tensor)
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back, labels)


def test_bad_dtype_names_the_dtype(backend):
    with pytest.raises(ValueError, match="dtype"):
        backend.to_framework(np.zeros(3), "complex64")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vjp_of_a_simple_function_is_analytic(backend, dtype):
    x = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]], dtype=dtype)
    y = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]], dtype=dtype)
    g = np.array([[1.0, -2.0, 0.5], [2.0, 1.0, -1.0]], dtype=dtype)
    inputs = [backend.to_framework(x, dtype), backend.to_framework(y, dtype)]

    def fn(a, b):
        return a * a * b + tf.sin(a)

    grad_x = backend.vjp(fn, inputs, 0, g)
    grad_y = backend.vjp(fn, inputs, 1, g)
    assert grad_x.dtype == np.dtype(dtype)
    rtol = 1e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(grad_x, g * (2 * x * y + np.cos(x)), rtol=rtol)
    np.testing.assert_allclose(grad_y, g * x * x, rtol=rtol)


def test_vjp_of_a_reduction_takes_a_scalar_cotangent(backend):
    x = backend.to_framework(np.array([1.0, 2.0, 3.0]), "float64")
    grad = backend.vjp(lambda a: tf.reduce_sum(a * a), [x], 0, np.array(0.5))
    np.testing.assert_allclose(grad, [1.0, 2.0, 3.0], rtol=1e-15)


def test_vjp_of_an_unused_input_is_zero(backend):
    x = backend.to_framework(np.array([1.0, 2.0]), "float32")
    y = backend.to_framework(np.array([3.0, 4.0]), "float32")
    grad = backend.vjp(lambda a, b: a * 2.0, [x, y], 1, np.ones(2, np.float32))
    np.testing.assert_array_equal(grad, np.zeros(2, np.float32))


def test_backend_metadata(backend):
    assert backend.name == "tensorflow"
    assert backend.version == tf.__version__
    assert backend.packages == ("tensorflow", "tensorflow-cpu")
    assert backend.device == "cpu"


def test_bindings_count_and_unique_api_names(all_bindings):
    apis = [b.api for b in all_bindings]
    assert len(apis) >= 30
    assert len(apis) == len(set(apis))
    assert all(b.backend == "tensorflow" for b in all_bindings)
    assert all(b.info.get("source") for b in all_bindings)


def test_every_binding_validates_against_the_reference(all_bindings):
    reference = pytest.importorskip("reference")
    if not reference.FUNCTIONS:
        pytest.skip("reference functions not written yet")
    for binding in all_bindings:
        validate_binding(binding, reference.FUNCTIONS, reference.VJPS)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_every_binding_runs_on_its_dtypes(backend, all_bindings, dtype):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((4, 5))
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    inputs_np = {
        "x": logits,
        "y_pred": logits,
        "y_true": np.eye(5)[[0, 1, 2, 3]],
    }
    for binding in all_bindings:
        if dtype not in binding.dtypes:
            continue
        np_inputs = dict(inputs_np)
        if binding.info.get("input_space") == "probabilities":
            np_inputs["y_pred"] = probs
        if binding.info.get("labels") == "index":
            np_inputs["y_true"] = np.array([0, 1, 2, 3])
        tensors = {}
        if family_of(binding.reference).inputs not in (("x",), ("y_pred", "y_true")):
            # CTC: the family's own inputs (first regime), cast as the suite casts them
            cast = cast_inputs(binding, raw_inputs(binding, regimes_for(binding)[0]), dtype)
            np_inputs = {}
            tensors = {k: backend.to_framework(v, dtype if v.dtype.kind != "i" else str(v.dtype))
                       for k, v in cast.items()}
        for name, value in np_inputs.items():
            is_label = name == "y_true" and binding.info.get("labels") == "index"
            case_dtype = binding.label_dtype if is_label else dtype
            tensors[name] = backend.to_framework(
                np.asarray(value).astype(_NUMPY_DTYPES.get(case_dtype, case_dtype)), case_dtype)
        out = binding.invoke(tensors)
        expected = binding.returns(dtype)
        assert backend.dtype_of(out) == expected, binding.api
        # The suite's VJPs call the binding positionally, in ``args`` order.
        names = [name for _, name in binding.arg_names()]
        again = binding.call(*[tensors[name] for name in names])
        np.testing.assert_array_equal(backend.to_numpy(again), backend.to_numpy(out),
                                      err_msg=binding.api)


def test_documented_tensorflow_conventions_hold():
    """The kink gradients and defaults the bindings declare, measured."""
    x = tf.constant([-1.0, 0.0, 6.0, 7.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        relu, relu6, leaky = tf.nn.relu(x), tf.nn.relu6(x), tf.nn.leaky_relu(x)
    np.testing.assert_array_equal(tape.gradient(relu, x).numpy(), [0, 0, 1, 1])
    np.testing.assert_array_equal(tape.gradient(relu6, x).numpy(), [0, 0, 0, 0])
    np.testing.assert_allclose(tape.gradient(leaky, x).numpy(), [0.2, 0.2, 1, 1])
    np.testing.assert_allclose(leaky.numpy()[0], -0.2)


def test_crelu_and_l2_loss_shapes_and_gradients():
    """tf.nn.crelu doubles the last axis (relu'(0) = 0 in both halves); tf.nn.l2_loss is
    sum(t ** 2) / 2, a scalar, with gradient t."""
    x = tf.constant([[-1.5, 0.0, 2.0]], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        c, l2 = tf.nn.crelu(x), tf.nn.l2_loss(x)
    np.testing.assert_array_equal(c.numpy(), [[0.0, 0.0, 2.0, 1.5, 0.0, 0.0]])
    g = tf.constant([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]], dtype=tf.float64)
    np.testing.assert_array_equal(tape.gradient(c, x, output_gradients=g).numpy(),
                                  [[-4.0, 0.0, 3.0]])
    assert l2.shape == () and l2.numpy() == 3.125
    np.testing.assert_array_equal(tape.gradient(l2, x).numpy(), x.numpy())


def test_v1_cosine_distance_does_not_normalise_and_keeps_the_axis():
    """1 - sum(labels * predictions, axis, keepdims=True), in float32, whatever the norms."""
    labels = tf.constant([[1.0, 2.0], [0.6, 0.8]], dtype=tf.float64)
    predictions = tf.constant([[3.0, 0.5], [0.8, 0.6]], dtype=tf.float64)
    none = tf.compat.v1.losses.Reduction.NONE
    out = tf.compat.v1.losses.cosine_distance(labels, predictions, axis=-1, reduction=none)
    assert out.shape == (2, 1) and out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy()[:, 0], [1 - 4.0, 1 - 0.96], rtol=1e-6)


def test_v1_mean_pairwise_squared_error_eager_counts_the_whole_batch():
    """Eagerly, scalar weights make _num_present count every element of the batch (M), not
    each sample's n; under tf.function the per-sample count is used (registered)."""
    rng = np.random.default_rng(0)
    p, t = rng.normal(size=(8, 4)), rng.normal(size=(8, 4))
    d = p - t

    def tf_formula(k):
        return np.sum(2 * (d**2).sum(1) / (k - 1) - 2 * d.sum(1) ** 2 / (k * (k - 1)))

    mpse = tf.compat.v1.losses.mean_pairwise_squared_error
    eager = mpse(t, p).numpy()
    graph = tf.function(lambda: mpse(t, p), autograph=False)().numpy()
    np.testing.assert_allclose(eager, tf_formula(32), rtol=1e-5)
    np.testing.assert_allclose(graph, tf_formula(4), rtol=1e-5)
    np.testing.assert_allclose(mpse(t, p, weights=np.ones((8, 1))).numpy(), tf_formula(4),
                               rtol=1e-5)
