"""The worked plugin examples/seeds_plugin.py: the lessons' code under the suite.

Runs ``python -m pytest conformance --adapter examples.seeds_plugin --backend plugin`` once
(a subprocess, as a user would) and checks, binding by binding, which regimes conform and
which fail and why: the outcome table of examples/README.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALL = ("float16", "float32", "float64")


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("seeds") / "seeds.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance", "--adapter", "examples.seeds_plugin",
         "--backend", "plugin", f"--results={out}", "-q", "-p", "no:cacheprovider",
         "-W", "ignore::RuntimeWarning"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    # Failing cases make pytest exit 1; anything else (usage error, crash) is a harness bug.
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["backends"]["seeds"]["available"], results["backends"]["seeds"]
    return {c["id"]: c for c in results["cases"] if "binding" in c}


def _get(cases: dict[str, dict[str, Any]], api: str, dtype: str, regime: str,
         check: str = "value") -> dict[str, Any]:
    suffix = "" if check == "value" else f"-{check}"
    return cases[f"{api}[{dtype}-{regime}{suffix}]"]


def expect(cases: dict[str, dict[str, Any]], api: str, *, passes: tuple[str, ...] = (),
           fails: dict[str, str] | None = None, dtypes: tuple[str, ...] = ALL,
           check: str = "value") -> None:
    """Every regime of ``passes`` passes and every regime of ``fails`` fails (or errors)
    with a message containing the given text, in each of ``dtypes``."""
    for dtype in dtypes:
        for regime in passes:
            case = _get(cases, api, dtype, regime, check)
            assert case["outcome"] == "pass", (case["id"], case["message"])
        for regime, text in (fails or {}).items():
            case = _get(cases, api, dtype, regime, check)
            assert case["outcome"] in ("fail", "error"), (case["id"], case["message"])
            assert text in case["message"], (case["id"], case["message"])


def test_every_binding_ran(cases: dict[str, dict[str, Any]]) -> None:
    apis = {c["binding"] for c in cases.values()}
    assert len(apis) == 21, sorted(apis)
    grads = {c["binding"] for c in cases.values() if c["check"] == "grad"}
    assert grads == {f"seeds.001.{n}" for n in ("In5.Sigmoid()", "In16.Softmax()", "In21.ReLu()",
                                                 "In25.Leaky_ReLu()", "In27.TanH()")}


def test_seed000_losses_and_entropies(cases: dict[str, dict[str, Any]]) -> None:
    # Unclipped BCE: 0 * log(0) = nan where the reference has the exact inf / 0.
    expect(cases, "seeds.000.In2.binary_cross_entropy_loss",
           passes=("typical", "soft_labels", "smoothed_labels", "single"),
           fails={"exact_01": "got nan, expected inf"})
    # Entropy without clipping: the lesson's own nan at p = 0 (its In[8]).
    expect(cases, "seeds.000.In7.entropy", passes=("typical", "unnormalised", "many_classes",
                                                   "single"),
           fails={"zeros": "got nan", "near_01": "got nan"})
    # Clipped entropy: p = 1 contributes -log2(1 - 1e-6) = 1.44e-6 bits instead of 0; no
    # reference convention models it, float64's tolerance sees it, float32's atol hides it.
    expect(cases, "seeds.000.In9.entropy", passes=("typical", "unnormalised", "single"))
    expect(cases, "seeds.000.In9.entropy", fails={"zeros": "got 1.44269"}, dtypes=("float64",))
    expect(cases, "seeds.000.In9.entropy", passes=("zeros",), dtypes=("float32",))
    # Clipped cross-entropy: conforms under the declared convention clip_eps=1e-6.
    expect(cases, "seeds.000.In11.cross_entropy",
           passes=("typical", "exact_01", "near_01", "soft_labels", "smoothed_labels",
                   "unnormalised", "many_classes", "spatial", "single", "empty"))
    # math.log2 per scalar: raises at p = 0.
    expect(cases, "seeds.000.InNone.entropy", passes=("typical", "single"),
           fails={"zeros": "math domain error"})
    expect(cases, "seeds.000.InNone.kl_divergence", passes=("typical",),
           dtypes=("float32", "float64"))
    expect(cases, "seeds.000.InNone.kl_divergence", fails={"zeros": "math domain error"})


def test_seed000_scipy_entropy_is_kl_not_cross_entropy(cases: dict[str, dict[str, Any]]) -> None:
    api = "seeds.000.In12.cross_entropy_via_scipy"
    if not any(c["binding"] == api for c in cases.values()):
        pytest.skip("scipy not installed")
    # Equal to H(p, q) only when H(p) = 0 (one-hot targets) and p, q are normalised.
    expect(cases, api, passes=("typical", "exact_01", "many_classes", "single", "spatial"),
           fails={"soft_labels": "values", "smoothed_labels": "values", "unnormalised": "values"},
           dtypes=("float32", "float64"))


def test_seed001_activation_classes(cases: dict[str, dict[str, Any]]) -> None:
    # (1/ 1+np.exp(-x)): wrong everywhere, value and gradient.
    for check in ("value", "grad"):
        expect(cases, "seeds.001.In5.Sigmoid()", fails={"typical": "values", "tiny": "values"},
               check=check)
    # Softmax without max shift: overflow to nan; gradient() = Jacobian diagonal only.
    expect(cases, "seeds.001.In16.Softmax()", passes=("typical", "ties", "single"),
           fails={"extreme": "got nan"})
    # float16 sums along axis 1 of a C-contiguous (N, C, d1, d2) array: 2.3 ULP off.
    expect(cases, "seeds.001.In16.Softmax()", passes=("spatial",), dtypes=("float32", "float64"))
    expect(cases, "seeds.001.In16.Softmax()", fails={"spatial": "values"}, dtypes=("float16",))
    expect(cases, "seeds.001.In16.Softmax()", fails={"large": "got nan"},
           dtypes=("float16", "float32"))
    expect(cases, "seeds.001.In16.Softmax()", fails={"typical": "values", "ties": "values"},
           check="grad")
    # ReLu: np.where(x>=0, x, 0) swallows NaN; relu'(0) = 1 conforms as a declared
    # convention; gradient() is an int64 mask, so g * mask comes back in float64.
    expect(cases, "seeds.001.In21.ReLu()", passes=("typical", "kinks", "extreme", "tiny"),
           fails={"nan_inf": "got 0.0, expected nan"})
    expect(cases, "seeds.001.In21.ReLu()", passes=("typical", "kinks"), dtypes=("float64",),
           check="grad")
    expect(cases, "seeds.001.In21.ReLu()", fails={"typical": "dtype: returned float64"},
           dtypes=("float16", "float32"), check="grad")
    expect(cases, "seeds.001.In25.Leaky_ReLu()",
           passes=("typical", "kinks", "extreme", "tiny", "nan_inf", "empty"))
    expect(cases, "seeds.001.In25.Leaky_ReLu()", passes=("typical", "kinks"),
           dtypes=("float64",), check="grad")
    # TanH: 2/(1+exp(-2x)) - 1 cancels: 100% relative error at tiny x, which float32 and
    # float64 let pass only through atol (the measured figures say so).
    expect(cases, "seeds.001.In27.TanH()", passes=("typical", "tiny", "kinks", "extreme"),
           dtypes=("float32", "float64"))
    tiny = _get(cases, "seeds.001.In27.TanH()", "float64", "tiny")
    assert tiny["max_rel"] == 1.0 and tiny["max_ulp"] > 1e15
    expect(cases, "seeds.001.In27.TanH()", fails={"tiny": "values"}, dtypes=("float16",))


def test_seed002_003_numpy_cross_entropy_and_softmax(cases: dict[str, dict[str, Any]]) -> None:
    expect(cases, "seeds.002.In10.Sum_Log", passes=("typical", "soft_labels", "unnormalised"),
           fails={"exact_01": "got nan"})
    expect(cases, "seeds.003.In2.softmax", passes=("typical", "ties", "single"),
           fails={"extreme": "got nan"})
    expect(cases, "seeds.003.In2.softmax", passes=("spatial",), dtypes=("float32", "float64"))
    expect(cases, "seeds.003.In2.softmax", fails={"spatial": "values"}, dtypes=("float16",))
    expect(cases, "seeds.003.In5.cross_entropy",
           passes=("typical", "soft_labels", "unnormalised", "spatial"),
           fails={"exact_01": "got nan, expected inf"})


def test_seed004_loss_classes(cases: dict[str, dict[str, Any]]) -> None:
    # Clip at [1e-7, 1-1e-7] then batch mean: conforms under clip_eps=1e-7, reduction="mean",
    # except in float16 where 1e-7 rounds to 1.19e-7 before the log, and for spatial
    # inputs (the class axis is hard-coded as axis 1).
    calculate = "seeds.004.In23.Loss_CategoricalCrossEntropy().calculate"
    expect(cases, calculate, passes=("typical", "soft_labels", "many_classes", "unnormalised"),
           fails={"spatial": "values"})
    expect(cases, calculate, passes=("exact_01", "near_01"), dtypes=("float32", "float64"))
    expect(cases, calculate, fails={"exact_01": "values"}, dtypes=("float16",))
    expect(cases, calculate + "+int_labels", passes=("typical", "many_classes", "nan_inf"),
           fails={"spatial": "raised ValueError"})
    expect(cases, "seeds.004.In23.Loss_CategoricalCrossEntropy().forward",
           fails={"typical": "returned shape (6, 1), the reference (6,)"})
    expect(cases, "seeds.004.In28.Activation_Softmax().forward",
           passes=("typical", "extreme", "large", "many_classes", "ties", "nan_inf"))
    expect(cases, "seeds.004.In28.Activation_ReLU().forward",
           fails={"typical": "non-numeric array of dtype object"})
    expect(cases, "seeds.004.In28.Loss_CategoricalCrossEntropy().calculate",
           fails={"typical": "raised TypeError"})
