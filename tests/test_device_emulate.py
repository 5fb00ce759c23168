"""benchmarks/device_emulate.py: the emulated kernels' arithmetic, and its verdicts.

The CPU has no CUDA kernel to compare with, but torch's CPU float16 sigmoid backward rounds
every operation like the CUDA kernel does (Vectorized<Half>; torch_activations.toml), so
the emulation must equal it bit for bit; and a recorded case agrees with the emulation only
when every figure does.
"""

from __future__ import annotations

import copy
import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import device_emulate as de  # noqa: E402


def test_emulations_cover_every_form_and_only_half_gradients() -> None:
    def case(api: str, dtype: str = "float16", check: str = "grad") -> dict[str, str]:
        return {"binding": api, "dtype": dtype, "check": check}

    for api in ("torch.sigmoid", "torch.special.expit", "torch.nn.functional.sigmoid",
                "torch.nn.Sigmoid()", "keras.activations.sigmoid", "keras.ops.sigmoid"):
        assert de.emulation_for(case(api)) == "sigmoid_backward"
    for api in ("torch.tanh", "torch.nn.functional.tanh", "torch.nn.Tanh()", "keras.activations.tanh"):
        assert de.emulation_for(case(api, "bfloat16")) == "tanh_backward"
    for api in ("torch.nn.functional.tanhshrink", "torch.nn.Tanhshrink()",
                "keras.activations.tanh_shrink", "keras.ops.tanh_shrink"):
        assert de.emulation_for(case(api)) == "tanhshrink_backward"
    assert de.emulation_for(case("torch.sigmoid", "float32")) is None
    assert de.emulation_for(case("torch.sigmoid", check="value")) is None
    assert de.emulation_for(case("torch.nn.functional.logsigmoid")) is None
    assert de.emulation_for(case("torch.nn.functional.hardtanh")) is None


def _binding(api: str) -> object:
    from conformance.loader import load_all

    loaded = load_all(["torch"], entry_points=False)["torch"]
    return next(b for b in loaded.bindings if b.api == api)


@pytest.mark.parametrize("regime", ["typical", "large", "kinks"])
def test_float16_sigmoid_backward_equals_torch_cpu_bit_for_bit(regime: str) -> None:
    torch = pytest.importorskip("torch")
    from conformance.cases import CaseSpec
    from conformance.runner import _case_inputs, _reference_vjp

    binding = _binding("torch.sigmoid")
    spec = CaseSpec("torch.sigmoid", "torch", "float16", regime, "grad")
    inputs, value = _case_inputs(binding, spec)
    g, _ = _reference_vjp(binding, spec, inputs, value)
    x = torch.tensor(inputs["x"].astype(np.float16), requires_grad=True)
    (grad,) = torch.autograd.grad(torch.sigmoid(x), x, torch.tensor(g.astype(np.float16)))
    emulated = de.EMULATIONS["sigmoid_backward"][2](
        inputs["x"].astype(np.float64), g.astype(np.float64), de.rounder("float16"))
    np.testing.assert_array_equal(emulated.astype(np.float16).view(np.uint16),
                                  grad.numpy().view(np.uint16))


def _recorded(api: str, dtype: str, regime: str) -> dict[str, object]:
    """A case as a run records it, with the emulation's own figures."""
    from conformance.cases import CaseSpec
    from conformance.results import jsonable

    spec = CaseSpec(api, "torch", dtype, regime, "grad")
    got = de.emulate(_binding(api), spec, "tanh_backward")
    case = {"id": f"{api}[{dtype}-{regime}-grad]", "binding": api, "backend": "torch",
            "dtype": dtype, "regime": regime, "check": "grad",
            "outcome": "pass" if got["passed"] else "fail", "mismatches": 0 if got["passed"] else 1,
            "max_ulp": jsonable(got["max_ulp"]), "max_abs": jsonable(got["max_abs"])}
    if not got["passed"]:
        case["error_curve"] = {"abs_err": got["abs_err"]}
    return case


def other_curve(case: dict[str, object]) -> dict[str, object]:
    other = copy.deepcopy(case)
    other["error_curve"]["abs_err"][0] += 1e-9
    return other


def test_a_recorded_case_matches_only_when_every_figure_does(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from conformance.cases import CaseSpec

    case = _recorded("torch.tanh", "bfloat16", "typical")
    assert case["outcome"] == "fail"  # 1 - y^2 rounded in bfloat16: hundreds of ULP
    spec = CaseSpec("torch.tanh", "torch", "bfloat16", "typical", "grad")
    got = de.emulate(_binding("torch.tanh"), spec, "tanh_backward")
    verdict, line = de.compare(case, got)
    assert verdict == "match" and "all 128 elements' errors equal" in line

    for change, expect in (("max_ulp", "close"), ("curve", "close"), ("mismatches", "differs")):
        other = copy.deepcopy(case)
        if change == "max_ulp":
            other["max_ulp"] = float(other["max_ulp"]) * (1 + 1e-12)
        elif change == "curve":
            other["error_curve"]["abs_err"][3] += 1e-9
        else:
            other["mismatches"] = 0  # the run's values all within tolerance
        verdict, line = de.compare(other, got)
        assert verdict == expect, (change, line)
    assert "1 of 128 elements' errors differ" in de.compare(other_curve(case), got)[1]

    # the script: exit 0 when every case of a kernel's emulation matches, 1 otherwise
    bad = copy.deepcopy(case)
    bad["id"], bad["max_abs"] = bad["id"] + "x", float(bad["max_abs"]) * 2
    doc = {"schema": "crossconform-results", "schema_version": 1, "cases": [case]}
    path = tmp_path / "run.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(doc, fh)
    assert de.main([str(path)]) == 0
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump({**doc, "cases": [case, bad]}, fh)
    assert de.main([str(path)]) == 1


def test_half_sum_adds_pairs_and_rounds_each_sum() -> None:
    x = np.array([1.0, 2048.0, 1.0, 0.0], dtype=np.float16)
    # pairs at distance 2: (1 + 1, 2048 + 0), then 2 + 2048 = 2050 (exact in float16); a
    # sequential float16 sum rounds 1 + 2048 to 2048 twice and ends at 2048
    assert de._half_sum(x, (0,)) == np.float16(2050)
    assert de._half_sum(x, (0,), "sequential") == np.float16(2048)
    assert de._half_sum(x, (0,), "float32") == np.float16(2050)
    rows = np.arange(24, dtype=np.float16).reshape(2, 3, 4)
    np.testing.assert_array_equal(de._half_sum(rows, (1,)), rows.sum(axis=1))
    np.testing.assert_array_equal(de._half_sum(rows, (0, 2)), rows.sum(axis=(0, 2)))


def test_xla_model_rounds_every_primitive() -> None:
    """gelu(approximate=False) is 0.5 * x * erfc(-x * sqrt(1/2)) in jax (jax/_src/nn/
    functions.py): evaluated one primitive at a time, each result rounded to bfloat16."""
    pytest.importorskip("jax")
    from scipy import special

    from conformance.cases import CaseSpec
    from conformance.loader import load_all

    loaded = load_all(["jax"], entry_points=False)["jax"]
    api = "jax.nn.gelu(approximate=False)"
    binding = next(b for b in loaded.bindings if b.api == api)
    spec = CaseSpec(api, "jax", "bfloat16", "typical", "value")
    got = de.emulate(binding, spec, de.XLA, loaded.backend)
    from conformance.runner import _case_inputs

    x = _case_inputs(binding, spec)[0]["x"].astype(np.float64)
    r = de.rounder("bfloat16")
    by_hand = r(r(0.5 * x) * r(special.erfc(r(-x * r(np.sqrt(0.5))))))
    np.testing.assert_array_equal(got["output"], by_hand)
    assert not got["passed"]  # the roundings cost up to ~22 ULP: outside bfloat16's tolerance
