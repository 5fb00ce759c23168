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
            "outcome": "pass" if got["passed"] else "fail",
            "max_ulp": jsonable(got["max_ulp"]), "max_abs": jsonable(got["max_abs"])}
    if not got["passed"]:
        case["error_curve"] = {"abs_err": got["abs_err"]}
    return case


def test_a_recorded_case_matches_only_when_every_figure_does(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from conformance.cases import CaseSpec

    case = _recorded("torch.tanh", "bfloat16", "typical")
    assert case["outcome"] == "fail"  # 1 - y^2 rounded in bfloat16: hundreds of ULP
    spec = CaseSpec("torch.tanh", "torch", "bfloat16", "typical", "grad")
    got = de.emulate(_binding("torch.tanh"), spec, "tanh_backward")
    ok, line = de.compare(case, got)
    assert ok and "all 128 elements' errors equal" in line

    for change in ("max_ulp", "curve", "outcome"):
        other = copy.deepcopy(case)
        if change == "max_ulp":
            other["max_ulp"] = float(other["max_ulp"]) * (1 + 1e-12)
        elif change == "curve":
            other["error_curve"]["abs_err"][3] += 1e-9
        else:
            other["outcome"] = "pass"
        ok, line = de.compare(other, got)
        assert not ok and line.startswith("DIFFERS"), change

    # the script: exit 0 when every case matches, 1 when one differs
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
