"""The torch adapter: exact conversions, autograd VJPs, and well-formed bindings."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ml_dtypes = pytest.importorskip("ml_dtypes")

from adapters import torch_bindings  # noqa: E402
from adapters._binding import validate_binding  # noqa: E402
from conformance.cases import raw_inputs  # noqa: E402

BACKEND = torch_bindings.backend()
FLOATS = ("float16", "bfloat16", "float32", "float64")


def _values(dtype: str) -> np.ndarray:
    """Awkward values of ``dtype``: subnormals, extremes, ±0, ±inf, NaN, random bits."""
    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype)
    info = ml_dtypes.finfo(np_dtype)
    rng = np.random.default_rng(0)
    special = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan,
                        float(info.max), -float(info.max), float(info.tiny),
                        float(info.smallest_subnormal), -float(info.smallest_subnormal)])
    with np.errstate(over="ignore"):
        randoms = (rng.normal(0, 1, 64) * 10.0 ** rng.integers(-8, 8, 64)).astype(np_dtype)
    return np.concatenate([special.astype(np_dtype), randoms])


def _bits(array: np.ndarray) -> np.ndarray:
    return array.view(np.dtype(f"u{array.dtype.itemsize}"))


@pytest.mark.parametrize("dtype", FLOATS)
def test_round_trip_is_exact(dtype):
    values = _values(dtype)
    tensor = BACKEND.to_framework(values, dtype)
    assert BACKEND.dtype_of(tensor) == dtype
    back = BACKEND.to_numpy(tensor)
    if dtype == "bfloat16":
        assert back.dtype in (ml_dtypes.bfloat16, np.float32)
        back = back.astype(ml_dtypes.bfloat16)
    assert back.dtype == values.dtype
    np.testing.assert_array_equal(_bits(back), _bits(values))


def test_bfloat16_values_that_float16_cannot_hold():
    # 1e30 overflows float16, 1e-30 underflows it, 257 * 2**-8 ... needs bfloat16 itself.
    values = np.array([1e30, -1e30, 1e-30, 3.0e38, 1.0 + 2.0**-7], dtype=ml_dtypes.bfloat16)
    assert not np.all(np.isfinite(values.astype(np.float16)) & (values.astype(np.float16) != 0))
    tensor = BACKEND.to_framework(values, "bfloat16")
    assert tensor.dtype == torch.bfloat16
    np.testing.assert_array_equal(tensor.to(torch.float64).numpy(), values.astype(np.float64))
    np.testing.assert_array_equal(BACKEND.to_numpy(tensor).astype(np.float64),
                                  values.astype(np.float64))


@pytest.mark.parametrize("dtype", ("int32", "int64"))
def test_integer_labels_round_trip(dtype):
    labels = np.array([0, 3, -100, 7], dtype=dtype)
    tensor = BACKEND.to_framework(labels, dtype)
    assert BACKEND.dtype_of(tensor) == dtype
    np.testing.assert_array_equal(BACKEND.to_numpy(tensor), labels)


def test_strided_input_becomes_contiguous():
    array = np.moveaxis(np.arange(24.0).reshape(2, 3, 4), -1, 1)
    tensor = BACKEND.to_framework(array, "float64")
    assert tensor.is_contiguous()
    np.testing.assert_array_equal(tensor.numpy(), array)


@pytest.mark.parametrize("dtype", ("float32", "float64"))
def test_vjp_matches_the_analytic_gradient(dtype):
    x = np.array([[-1.5, 0.25, 2.0], [0.5, -0.75, 3.0]], dtype=dtype)
    g = np.array([[1.0, -2.0, 0.5], [0.25, 1.5, -1.0]], dtype=dtype)
    y = np.array([[0.5, 1.0, -1.0], [2.0, 0.0, 1.0]], dtype=dtype)
    inputs = [BACKEND.to_framework(x, dtype), BACKEND.to_framework(y, dtype)]
    # f(x, y) = x**2 * y + sin(x): d/dx = 2 x y + cos(x)
    grad = BACKEND.vjp(lambda a, b: a * a * b + torch.sin(a), inputs, 0, g)
    assert grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(grad, g * (2 * x * y + np.cos(x)), rtol=1e-6)
    # with respect to the second input: x**2
    grad_y = BACKEND.vjp(lambda a, b: a * a * b + torch.sin(a), inputs, 1, g)
    np.testing.assert_allclose(grad_y, g * x * x, rtol=1e-6)


def test_vjp_of_a_scalar_output_and_of_an_unused_input():
    x = np.array([1.0, 2.0, 3.0])
    inputs = [BACKEND.to_framework(x, "float64"), BACKEND.to_framework(x, "float64")]
    grad = BACKEND.vjp(lambda a, b: (a * a).sum(), inputs, 0, np.asarray(2.0))
    np.testing.assert_array_equal(grad, 4.0 * x)
    unused = BACKEND.vjp(lambda a, b: (a * a).sum(), inputs, 1, np.asarray(1.0))
    np.testing.assert_array_equal(unused, np.zeros(3))


def test_vjp_in_low_precision_keeps_the_dtype():
    x = np.array([0.5, -1.0], dtype=ml_dtypes.bfloat16)
    inputs = [BACKEND.to_framework(x, "bfloat16")]
    grad = BACKEND.vjp(torch.sigmoid, inputs, 0, np.ones(2, dtype=ml_dtypes.bfloat16))
    s = 1 / (1 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(grad.astype(np.float64), s * (1 - s), rtol=1e-2)


def test_backend_metadata():
    assert BACKEND.name == "torch"
    assert BACKEND.packages == ("torch",)
    assert BACKEND.version == torch.__version__
    assert BACKEND.device == "cpu"


def test_bindings_count_and_unique_names():
    bindings = torch_bindings.bindings()
    assert len(bindings) >= 60
    apis = [b.api for b in bindings]
    assert len(apis) == len(set(apis)), sorted({a for a in apis if apis.count(a) > 1})
    assert all(b.backend == "torch" for b in bindings)
    assert all(b.info.get("source") for b in bindings)


def test_every_binding_validates_against_the_reference():
    reference = pytest.importorskip("reference")
    missing = sorted({b.reference for b in torch_bindings.bindings()}
                     - set(reference.FUNCTIONS))
    if missing:
        pytest.skip(f"reference functions not written yet: {missing}")
    for binding in torch_bindings.bindings():
        validate_binding(binding, reference.FUNCTIONS, reference.VJPS)


def test_every_binding_runs_in_float64():
    """Each call accepts the inputs its args name (a smoke test of the declarations)."""
    rng = np.random.default_rng(1)
    for binding in torch_bindings.bindings():
        names = [name for _, name in binding.arg_names()]
        if names == ["x"]:
            # Softmax2d takes only 3-D/4-D inputs: its binding runs the "spatial" regime only.
            shape = (2, 3, 4, 5) if binding.regimes == ("spatial",) else (3, 4)
            inputs = {"x": torch.from_numpy(rng.uniform(0.1, 2.0, shape))}
        elif binding.reference in ("margin_ranking", "cosine_embedding", "triplet_margin", "ctc",
                                   "multilabel_margin", "linear_cross_entropy", "gaussian_nll"):
            # pair, triplet, CTC, padded-index and linear-layer inputs (x1, x2, y_true / anchor,
            # positive, negative / scores, labels, input_lengths, label_lengths / scores, index
            # lists / x, linear_weight, y_true), and a variance where the binding takes one
            inputs = {k: torch.from_numpy(v) for k, v in raw_inputs(binding, "typical").items()}
        elif binding.api.startswith("torch.distributions"):
            # validated arguments: labels in the support (0/1, class indices) only
            inputs = {k: torch.from_numpy(v) for k, v in raw_inputs(binding, "typical").items()}
        elif binding.reference in (
                "sparse_softmax_cross_entropy", "nll_loss", "multi_margin"):
            inputs = {"y_pred": torch.from_numpy(rng.normal(0, 1, (3, 5))),
                      "y_true": torch.tensor([0, 4, 2])}
        else:
            # 5 columns: the class-weighted bindings declare 5 class weights.
            inputs = {"y_pred": torch.from_numpy(rng.uniform(0.1, 0.9, (3, 5))),
                      "y_true": torch.from_numpy(rng.uniform(0.1, 0.9, (3, 5)))}
        out = binding.invoke(inputs)
        assert out.dtype == torch.float64, binding.api


def test_gaussian_nll_bindings_and_the_straight_through_clamp():
    """The variance as an input: gradients w.r.t. it too, under var_grad="straight_through"
    (torch's clamp_ under no_grad); a constant variance: the regression regimes and no
    variance gradient. torch itself: below eps, d/dvar is the formula at eps, not 0."""
    from conformance.cases import grad_checks, regimes_for

    found = {b.api: b for b in torch_bindings.bindings() if b.reference == "gaussian_nll"}
    taking = {api: b for api, b in found.items() if "var" in [n for _, n in b.arg_names()]}
    assert set(taking) == {"torch.nn.functional.gaussian_nll_loss",
                           "torch.nn.functional.gaussian_nll_loss(reduction='none')",
                           "torch.nn.functional.gaussian_nll_loss(reduction='sum')",
                           "torch.nn.functional.gaussian_nll_loss(full=True)",
                           "torch.nn.GaussianNLLLoss()"}
    for api, b in found.items():
        if api in taking:
            assert b.grad_conventions == {"var_grad": "straight_through"}, api
            assert grad_checks(b) == ("grad", "grad_y_true", "grad_var"), api
            assert "small_var" in regimes_for(b)
        else:
            assert grad_checks(b) == ("grad", "grad_y_true"), api
            assert "small_var" not in regimes_for(b)
    var = torch.tensor([1e-8, 0.5], dtype=torch.float64, requires_grad=True)
    p = torch.tensor([1.0, 1.0], dtype=torch.float64)
    t = torch.zeros(2, dtype=torch.float64)
    torch.nn.functional.gaussian_nll_loss(p, t, var, reduction="sum").backward()
    v = torch.tensor([1e-6, 0.5], dtype=torch.float64)
    torch.testing.assert_close(var.grad, (v - 1.0) / (2 * v**2), rtol=1e-12, atol=0)


def test_multilabel_margin_bindings():
    """Functional x 3 reductions and the module; float32/float64 only (no Half/BFloat16 CPU
    kernel); the reduced forms skip the empty batch (uninitialised 0-d output)."""
    found = {b.api: b for b in torch_bindings.bindings() if b.reference == "multilabel_margin"}
    assert set(found) == {"torch.nn.functional.multilabel_margin_loss",
                          "torch.nn.functional.multilabel_margin_loss(reduction='none')",
                          "torch.nn.functional.multilabel_margin_loss(reduction='sum')",
                          "torch.nn.MultiLabelMarginLoss()"}
    for api, b in found.items():
        assert b.dtypes == ("float32", "float64")
        assert ("empty" in b.regimes) == api.endswith("(reduction='none')"), api
    with pytest.raises(NotImplementedError, match="Half"):
        torch.nn.functional.multilabel_margin_loss(torch.zeros(2, 3, dtype=torch.float16),
                                                   torch.zeros(2, 3, dtype=torch.int64))


def test_linear_cross_entropy_module_uses_the_case_weight():
    """The LinearCrossEntropyLoss binding builds its module from the case's weight matrix:
    it equals the functional form on the same inputs (float64), gradient included."""
    found = {b.api: b for b in torch_bindings.bindings() if b.reference == "linear_cross_entropy"}
    if not hasattr(torch.nn.functional, "linear_cross_entropy"):
        assert not found  # torch < 2.13 (the torch(2.11) session)
        pytest.skip("this torch has no F.linear_cross_entropy (new in 2.13)")
    assert len(found) == 10  # 2 x 3 reductions, 3 with options=..., the module
    module = found["torch.nn.LinearCrossEntropyLoss(in_features, num_classes)"]
    functional = found["torch.nn.functional.linear_cross_entropy"]
    raw = raw_inputs(module, "typical")
    x = torch.from_numpy(raw["x"]).requires_grad_()
    x2 = torch.from_numpy(raw["x"]).requires_grad_()
    rest = [torch.from_numpy(raw["linear_weight"]), torch.from_numpy(raw["y_true"])]
    a = module.invoke({"x": x, "linear_weight": rest[0], "y_true": rest[1]})
    b = functional.invoke({"x": x2, "linear_weight": rest[0], "y_true": rest[1]})
    assert torch.equal(a, b)
    a.backward()
    b.backward()
    assert torch.equal(x.grad, x2.grad)


def test_a_torch_without_linear_cross_entropy_loses_only_those_bindings(monkeypatch):
    """torch 2.11 has no F.linear_cross_entropy (new in 2.13): the adapter must still load
    there (measured: it raised AttributeError on 2.11 before this guard)."""
    if not hasattr(torch.nn.functional, "linear_cross_entropy"):
        pytest.skip("this torch has no F.linear_cross_entropy: the adapter loaded without it")
    every = [b.api for b in torch_bindings.bindings()]
    monkeypatch.delattr(torch.nn.functional, "linear_cross_entropy")
    older = [b.api for b in torch_bindings.bindings()]
    lost = sorted(set(every) - set(older))
    assert lost and all("linear_cross_entropy" in a or "LinearCrossEntropy" in a for a in lost), lost
    assert set(older) <= set(every)


def test_clamp_subgradient_at_the_bound_is_declared_by_version():
    """torch 2.14 moved clamp_min's subgradient at its bound from 1 to 0 (pytorch#184574):
    the adapter's declaration agrees with the installed torch, and reads the version."""
    from adapters._torch_losses import clamp_grad_at_bound

    assert clamp_grad_at_bound("2.11.0+cu130") == clamp_grad_at_bound("2.13.0+cpu") == 1.0
    assert clamp_grad_at_bound("2.14.1") == clamp_grad_at_bound("2.15.0+cu132") == 0.0
    assert clamp_grad_at_bound("2.13.0", "tensor") == 1.0
    assert clamp_grad_at_bound("2.14.1", "tensor") == 0.5
    with pytest.raises(ValueError, match="bounds must be 'scalar' or 'tensor'"):
        clamp_grad_at_bound("2.14.1", "both")
    x = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    torch.clamp_min(x, 0.0).sum().backward()
    assert x.grad.item() == clamp_grad_at_bound(torch.__version__)
    # keras.ops.clip's form (both bounds tensors) at the upper bound
    y = torch.ones(1, dtype=torch.float64, requires_grad=True)
    torch.clip(y, min=torch.tensor(0.0, dtype=torch.float64),
               max=torch.tensor(1.0, dtype=torch.float64)).sum().backward()
    assert y.grad.item() == clamp_grad_at_bound(torch.__version__, "tensor")
    declared = {b.api: b.grad_conventions.get("grad_at_margin")
                for b in torch_bindings.bindings()
                if b.api.startswith(("torch.nn.functional.margin_ranking_loss",
                                     "torch.nn.functional.hinge_embedding_loss",
                                     "torch.nn.HingeEmbeddingLoss"))}
    assert declared and set(declared.values()) == {x.grad.item()}
