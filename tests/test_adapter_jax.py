"""Harness tests of the JAX/optax adapter: exact conversions (float64 really float64),
jax.vjp against analytic answers, and well-formed bindings validated against the
reference's signatures."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
pytest.importorskip("optax")
ml_dtypes = pytest.importorskip("ml_dtypes")

import reference  # noqa: E402
from adapters import jax_bindings  # noqa: E402
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
    return jax_bindings.backend()


@pytest.fixture(scope="module")
def all_bindings():
    return jax_bindings.bindings()


def _bits(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array).view(f"u{array.dtype.itemsize}")


def test_backend_identity(backend):
    assert backend.name == "jax"
    assert backend.version == jax.__version__
    assert backend.packages == ("jax", "jaxlib", "optax")
    assert backend.vjp is not None
    assert jax.config.jax_enable_x64  # float64 cases must not silently become float32


@pytest.mark.parametrize("dtype", sorted(_NUMPY_DTYPES))
def test_round_trip_is_bit_exact(backend, dtype):
    np_dtype = _NUMPY_DTYPES[dtype]
    info = ml_dtypes.finfo(np_dtype)
    values = np.array([0.0, -0.0, 1.0, -2.5, float(info.max), float(info.tiny),
                       float(info.smallest_subnormal), np.inf, -np.inf, np.nan])
    rng = np.random.default_rng(0)
    array = np.concatenate([values, rng.standard_normal(50) * 1e3]).astype(np_dtype)
    array = array.reshape(5, 12)
    x = backend.to_framework(array, dtype)
    assert backend.dtype_of(x) == dtype
    back = backend.to_numpy(x)
    assert back.shape == array.shape
    assert np.array_equal(_bits(back.astype(np_dtype)), _bits(array))


def test_float64_keeps_float64_precision(backend):
    x = backend.to_framework(np.array([1.0 + 2.0**-52]), "float64")
    assert backend.to_numpy(x)[0] == 1.0 + 2.0**-52


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_labels_round_trip(backend, dtype):
    labels = np.array([0, 3, 7, np.iinfo(np.int32).max], dtype=dtype)
    x = backend.to_framework(labels, dtype)
    assert backend.dtype_of(x) == dtype
    back = backend.to_numpy(x)
    assert back.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back, labels)


def test_bad_dtype_names_the_dtype(backend):
    with pytest.raises(ValueError, match="dtype"):
        backend.to_framework(np.zeros(3), "complex64")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vjp_of_a_simple_function_is_analytic(backend, dtype):
    import jax.numpy as jnp

    x = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]], dtype=dtype)
    y = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]], dtype=dtype)
    g = np.array([[1.0, -2.0, 0.5], [2.0, 1.0, -1.0]], dtype=dtype)
    inputs = [backend.to_framework(x, dtype), backend.to_framework(y, dtype)]

    def fn(a, b):
        return a * a * b + jnp.sin(a)

    grad_x = backend.vjp(fn, inputs, 0, g)
    grad_y = backend.vjp(fn, inputs, 1, g)
    assert grad_x.dtype == np.dtype(dtype)
    x64, y64, g64 = (a.astype(np.float64) for a in (x, y, g))
    rtol = 1e-6 if dtype == "float32" else 1e-15
    np.testing.assert_allclose(grad_x, g64 * (2 * x64 * y64 + np.cos(x64)), rtol=rtol)
    np.testing.assert_allclose(grad_y, g64 * x64 * x64, rtol=rtol)


def test_vjp_of_a_reduction_takes_a_scalar_cotangent(backend):
    import jax.numpy as jnp

    x = backend.to_framework(np.array([1.0, 2.0, 3.0]), "float64")
    grad = backend.vjp(lambda a: jnp.sum(a * a), [x], 0, np.asarray(2.0))
    np.testing.assert_array_equal(grad, [4.0, 8.0, 12.0])


def test_vjp_bfloat16_cotangent(backend):
    x = backend.to_framework(np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16), "bfloat16")
    g = np.array([1.0, 0.5], dtype=ml_dtypes.bfloat16)
    grad = backend.vjp(lambda a: a * a, [x], 0, g)
    assert str(grad.dtype) == "bfloat16"
    np.testing.assert_array_equal(grad.astype(np.float64), [3.0, -2.0])


def test_relu_gradient_at_zero_is_zero(backend):
    import jax.nn as nn

    x = backend.to_framework(np.array([-1.0, 0.0, 1.0]), "float64")
    np.testing.assert_array_equal(backend.vjp(nn.relu, [x], 0, np.ones(3)), [0.0, 0.0, 1.0])


def test_binding_count_and_unique_apis(all_bindings):
    apis = [b.api for b in all_bindings]
    assert len(apis) == len(set(apis)), sorted(a for a in apis if apis.count(a) > 1)
    assert len(all_bindings) >= 45
    assert {b.backend for b in all_bindings} == {"jax"}
    kinds = {b.kind for b in all_bindings}
    assert kinds <= {"activation", "loss", "metric"}


def test_every_binding_cites_its_source(all_bindings):
    for b in all_bindings:
        assert b.info.get("source"), b.api


def test_gelu_default_is_the_tanh_approximation(all_bindings):
    by_api = {b.api: b for b in all_bindings}
    assert by_api["jax.nn.gelu"].reference == "gelu_tanh"
    assert by_api["jax.nn.gelu(approximate=False)"].reference == "gelu"


@pytest.mark.parametrize("binding", jax_bindings.bindings(), ids=lambda b: b.api)
def test_binding_validates(binding):
    validate_binding(binding, reference.FUNCTIONS, reference.VJPS)


def test_every_binding_runs_on_a_small_input(backend, all_bindings):
    """Each binding's call accepts framework arrays in its declared argument order."""
    rng = np.random.default_rng(1)
    for b in all_bindings:
        n_cls = 4
        probs = rng.dirichlet(np.ones(n_cls), size=3)
        names = [name for _, name in b.arg_names()]
        inputs = {}
        if (family_of(b.reference).inputs not in (("x",), ("y_pred", "y_true"))
                or b.regimes is not None or b.reference == "ntxent"):
            # triplets, CTC, bindings for some regimes only (dice_loss's 3 class weights),
            # a batch of embeddings with its labels: the family's own inputs (first regime)
            cast = cast_inputs(b, raw_inputs(b, regimes_for(b)[0]), "float64")
            names = []
            inputs = {k: backend.to_framework(v, "float64" if v.dtype.kind == "f" else str(v.dtype))
                      for k, v in cast.items()}
        for name in names:
            if name == "y_true" and b.info.get("labels") == "index":
                inputs[name] = backend.to_framework(np.array([0, 3, 1]), b.label_dtype)
            else:
                inputs[name] = backend.to_framework(probs, "float64")
        out = backend.to_numpy(b.invoke(inputs))
        assert out.dtype == np.float64, b.api


def test_optax_kl_losses_sum_each_sample_over_the_class_axis(backend, all_bindings):
    """optax's KL losses take log-predictions and return one value per sample (axis=-1)."""
    by_api = {b.api: b for b in all_bindings}
    t = np.array([[0.5, 0.25, 0.25, 0.0], [0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]])
    q = np.array([[0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25], [0.6, 0.2, 0.1, 0.1]])
    y = np.log(q)
    for api, target, ref in [
        ("optax.losses.kl_divergence", t, reference.kl_div_log_input(y, t, axis=-1)),
        ("optax.losses.kl_divergence_with_log_targets", np.log(q[::-1]),
         reference.kl_div_log_input(y, np.log(q[::-1]), axis=-1, log_target=True)),
        ("optax.losses.generalized_kl_divergence", 2 * t,
         reference.generalized_kl_div_log_input(y, 2 * t)),
    ]:
        if api not in by_api and api.endswith("generalized_kl_divergence"):
            continue  # not in optax 0.2.3 (jax 0.4 session)
        b = by_api[api]
        assert b.conventions["axis"] == -1
        out = backend.to_numpy(b.invoke({"y_pred": backend.to_framework(y, "float64"),
                                         "y_true": backend.to_framework(target, "float64")}))
        assert out.shape == (3,), api
        np.testing.assert_allclose(out, ref, rtol=1e-12, err_msg=api)


def test_optax_cosine_distance_is_one_minus_the_cosine(backend, all_bindings):
    by_api = {b.api: b for b in all_bindings}
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    y = np.array([[2.0, 4.0, 6.0], [1.0, 1.0, -1.0]])
    inputs = {"y_pred": backend.to_framework(x, "float64"),
              "y_true": backend.to_framework(y, "float64")}
    dist = backend.to_numpy(by_api["optax.losses.cosine_distance"].invoke(inputs))
    cos = backend.to_numpy(by_api["optax.losses.cosine_similarity"].invoke(inputs))
    np.testing.assert_allclose(dist, 1 - cos, rtol=0, atol=1e-15)
    np.testing.assert_allclose(dist, reference.cosine_distance(x, y), rtol=1e-14, atol=1e-15)


def test_optax_dice_bindings(all_bindings):
    """dice_loss: Tversky with smooth 1 over the spatial axes, alpha on the false
    positives; the probabilities path runs eagerly (its row-sum check is Python) and
    raises on predictions that are not distributions."""
    import jax.numpy as jnp
    import optax

    if not hasattr(optax.losses, "dice_loss"):
        pytest.skip("this optax has no dice_loss")
    by_api = {b.api: b for b in all_bindings}
    eager = by_api["optax.losses.dice_loss(apply_softmax=False)"]
    assert eager.info["execution"] == "eager" and not eager.grad
    assert by_api["optax.losses.dice_loss"].info["execution"] == "jax.jit"
    t = np.eye(3)[[0, 1, 1, 2]].reshape(1, 2, 2, 3)
    z = np.random.default_rng(3).normal(0, 2, t.shape)
    b = by_api["optax.losses.dice_loss(alpha=0.3, beta=0.7)"]
    got = np.asarray(b.call(jnp.asarray(z), jnp.asarray(t)))
    np.testing.assert_allclose(got, reference.tversky(z, t, **b.conventions), rtol=1e-12)
    with pytest.raises(ValueError, match="sum to 1"):
        eager.call(jnp.zeros((1, 2, 3)), jnp.zeros((1, 2, 3)))


def test_optax_ranking_softmax_loss_bindings(backend, all_bindings):
    """ranking_softmax_loss: optax's docstring figures; masked items leave the softmax and
    the sum (a NaN there too), fully masked lists leave the mean (0 if none is left) and
    are 0 unreduced; the mask and the weights reach only the bindings that name them."""
    import optax

    if not hasattr(optax.losses, "ranking_softmax_loss"):
        pytest.skip("this optax has no ranking_softmax_loss")
    by_api = {b.api: b for b in all_bindings}
    plain = by_api["optax.losses.ranking_softmax_loss"]
    masked = by_api["optax.losses.ranking_softmax_loss(where=)"]
    unreduced = by_api["optax.losses.ranking_softmax_loss(where=, reduce_fn=None)"]

    def run(b, **arrays):
        return float(np.asarray(backend.to_numpy(b.invoke(
            {k: backend.to_framework(v, "bool" if v.dtype == bool else "float64")
             for k, v in arrays.items()}))).sum())

    s = np.array([[2.0, 1.0, 0.0], [1.0, 0.5, 1.5]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    where = np.array([[True, True, False], [True, True, True]])
    assert f"{run(plain, y_pred=np.array([2.0, 1.0, 3.0]), y_true=y[0]):.3f}" == "1.408"
    assert f"{run(masked, y_pred=s, y_true=y, where=where):.3f}" == "0.497"
    # a NaN score in a masked item, a fully masked list
    s2, w2 = s.copy(), where.copy()
    s2[0, 2] = np.nan
    w2[1] = False
    got = run(masked, y_pred=s2, y_true=y, where=w2)
    assert got == pytest.approx(float(reference.ranking_softmax_cross_entropy(
        s2, y, where=w2, **masked.conventions)), rel=1e-14)
    assert got == pytest.approx(np.log1p(np.exp(-1.0)), rel=1e-14)  # list 0 alone
    assert run(masked, y_pred=s, y_true=y, where=np.zeros_like(where)) == 0.0
    per_list = np.asarray(backend.to_numpy(unreduced.invoke({
        "y_pred": backend.to_framework(s2, "float64"), "y_true": backend.to_framework(y, "float64"),
        "where": backend.to_framework(w2, "bool")})))
    assert per_list.shape == (2,) and per_list[1] == 0.0
    # the regimes draw where/weights; only the bindings that name them get them
    assert set(raw_inputs(plain, "typical")) == {"y_pred", "y_true"}
    cast = cast_inputs(masked, raw_inputs(masked, "masked_lists"), "float16")
    assert set(cast) == {"y_pred", "y_true", "where"} and cast["where"].dtype == bool

def test_ctc_loss_with_forward_probs_bindings_split_its_outputs(backend, all_bindings):
    """The two bindings call the API once each and pick its lattices, transposed from
    (T, B, .) to the reference's (B, T, .); its per_seq_loss is ctc_loss's bit for bit (so
    the ctc_loss binding checks it: no binding of its own)."""
    import optax

    from adapters.jax_bindings import _ctc_from_lengths

    by_api = {b.api: b for b in all_bindings}
    names = [api for api in by_api if api.startswith("optax.losses.ctc_loss_with_forward_probs")]
    if not hasattr(optax.losses, "ctc_loss_with_forward_probs"):
        assert not names
        return
    assert len(names) == 2
    loss_b = by_api["optax.losses.ctc_loss (paddings from lengths)"]
    cast = cast_inputs(loss_b, raw_inputs(loss_b, "varied_lengths"), "float32")
    inputs = {k: backend.to_framework(v, "float32" if v.dtype.kind == "f" else str(v.dtype))
              for k, v in cast.items()}
    z, y = cast["y_pred"], cast["y_true"]
    n, t, _ = z.shape
    outs = {api: backend.to_numpy(by_api[api].invoke(inputs)) for api in names}
    loss = backend.to_numpy(_ctc_from_lengths(optax.losses.ctc_loss_with_forward_probs, 0)(
        *(inputs[k] for k in ("y_pred", "y_true", "input_lengths", "label_lengths"))))
    np.testing.assert_array_equal(loss, backend.to_numpy(loss_b.invoke(inputs)))
    phi = outs["optax.losses.ctc_loss_with_forward_probs[1] (logalpha_phi, batch-major)"]
    emit = outs["optax.losses.ctc_loss_with_forward_probs[2] (logalpha_emit, batch-major)"]
    assert phi.shape == (n, t, y.shape[1] + 1) and emit.shape == (n, t, y.shape[1])
    # the loss is read off the closed last row at each label length
    np.testing.assert_array_equal(loss, -phi[np.arange(n), -1, cast["label_lengths"]])
    # frame 0: the blank state 0 holds log p_0(blank), the label state 0 log p_0(y_0)
    lp = z.astype(np.float64) - np.log(np.sum(np.exp(z.astype(np.float64)), -1, keepdims=True))
    np.testing.assert_allclose(phi[:, 0, 0], lp[:, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(emit[:, 0, 0], lp[np.arange(n), 0, y[:, 0]], rtol=1e-6)

def test_optax_ntxent_declares_the_clip_eps_of_its_dtype(backend, all_bindings):
    """optax's ntxent clips each squared norm at finfo(dtype).eps: one binding per dtype,
    and on float64 the call matches the reference (mean over the positive pairs)."""
    ntx = {b.api: b for b in all_bindings if b.reference == "ntxent"}
    if not ntx:
        pytest.skip("optax.losses.ntxent not in the installed optax")
    import inspect

    import optax

    # optax 0.2.3's ntxent passes no epsilon to cosine_similarity (0: no clip)
    clips = "epsilon" in inspect.getsource(optax.losses.ntxent)
    for dtype, eps in (("float16", 2.0 ** -10), ("bfloat16", 2.0 ** -7), ("float32", 2.0 ** -23)):
        assert ntx[f"optax.losses.ntxent on {dtype}"].conventions["eps"] == (eps if clips else 0)
    b = ntx["optax.losses.ntxent(temperature=0.5) on float64"]
    assert b.dtypes == ("float64",) and b.conventions["temperature"] == 0.5
    x = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.0, 0.0]])
    y = np.array([0, 0, 1, 1])
    out = backend.to_numpy(b.invoke({"y_pred": backend.to_framework(x, "float64"),
                                     "y_true": backend.to_framework(y, "int64")}))
    ref = reference.FUNCTIONS["ntxent"](x, y, **b.conventions)
    np.testing.assert_allclose(out, ref, rtol=1e-13)
