"""``python -m conformance rematch``: a results file's measured cases under the registry
as it is now (no framework run)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from conformance.cli import main
from conformance.registry import load_registry
from conformance.rematch import rematch, run_description
from conformance.results import SCHEMA

REGISTRY = """
[[divergence]]
binding = "torch.softmax(dim=-1)"
check = "grad"
dtypes = ["float16"]
versions = "torch>=2.11,<2.16"
devices = ["cpu"]
reason = "cpu kernel"
source = "SoftMaxKernel.cpp"

[[divergence]]
binding = "torch.softmax(dim=-1)"
check = "grad"
dtypes = ["float16"]
versions = "torch==2.11.*"
devices = ["cuda"]
reason = "cuda kernel"
source = "SoftMax.cu"

[[divergence]]
binding = "torch.tanh"
check = "value"
versions = "torch==2.13.*"
reason = "only on 2.13"
source = "x"
"""


def _case(api: str, dtype: str, regime: str, check: str, outcome: str, message: str = "") -> dict:
    suffix = "" if check == "value" else f"-{check}"
    return {"id": f"{api}[{dtype}-{regime}{suffix}]", "backend": "torch", "binding": api,
            "dtype": dtype, "regime": regime, "check": check, "outcome": outcome,
            "message": message}


def _doc(device: str) -> dict:
    return {"schema": SCHEMA, "schema_version": 1, "options": {"device": device},
            "backends": {"torch": {
        "name": "torch", "version": "2.11.0", "packages": ["torch"],
        "package_versions": {"torch": "2.11.0"}}},
        "cases": [_case("torch.softmax(dim=-1)", "float16", "typical", "grad", "fail"),
                  _case("torch.softmax(dim=-1)", "float16", "ties", "grad", "pass"),
                  _case("torch.softmax(dim=-1)", "float32", "typical", "grad", "fail"),
                  _case("torch.tanh", "float16", "typical", "value", "fail"),
                  _case("torch.tanh", "float32", "nan", "value", "error", "crashed: it died")]}


def _registry(tmp_path: Path) -> list:
    path = tmp_path / "reg.toml"
    path.write_text(REGISTRY, encoding="utf-8")
    return load_registry(path)


def test_verdicts_follow_the_registry_not_the_recorded_outcome(tmp_path: Path) -> None:
    for device in ("cpu", "cuda"):  # one entry per device: each applies on its own
        doc = _doc(device)
        rows = {r["id"]: r for r in rematch(doc, _registry(tmp_path), **run_description(doc))}
        soft = rows["torch.softmax(dim=-1)[float16-typical-grad]"]
        assert soft["verdict"] == "xfail"
        assert f"#{1 if device == 'cpu' else 2} " in soft["entry"]
        # an agreeing case under an entry is a strict-xfail failure
        assert rows["torch.softmax(dim=-1)[float16-ties-grad]"]["verdict"] == "XPASS"
        assert rows["torch.softmax(dim=-1)[float32-typical-grad]"]["verdict"] == "fail"
        # the tanh entry is for 2.13 only: not applied to a 2.11 run
        assert rows["torch.tanh[float16-typical]"]["verdict"] == "fail"
        # a crash stays an error whatever the registry says
        assert rows["torch.tanh[float32-nan]"]["verdict"] == "error"


def test_versions_and_device_can_be_given_and_cli_exits_on_failures(tmp_path: Path,
                                                                    capsys) -> None:
    doc = _doc("cuda")
    doc["backends"] = {}  # a file cut short by an interrupt has no backend records
    path = tmp_path / "cuda.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(doc, f)
    (tmp_path / "reg").mkdir()
    (tmp_path / "reg" / "r.toml").write_text(REGISTRY, encoding="utf-8")
    code = main(["rematch", str(path), "--registry", str(tmp_path / "reg"),
                 "--version", "torch=2.13.0", "--list"])
    out = capsys.readouterr().out
    assert code == 1
    assert "device cuda, versions torch 2.13.0" in out
    # on 2.13 neither softmax entry applies on cuda (the cuda one is for 2.11): fail
    assert "fail  torch.softmax(dim=-1)[float16-typical-grad]" in out
    assert main(["rematch", str(path), "--version", "torch"]) == 2
    assert "DIST=VERSION" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["rematch", str(bad)]) == 2  # a foreign file: one message, no traceback
    assert "'schema' is None" in capsys.readouterr().err


def test_a_package_without_a_version_never_takes_its_backends() -> None:
    """Keras lists "tensorflow" beside "tensorflow-cpu" (only the latter installed): its
    record came first in a results file (backends sorted by name) and lent "tensorflow"
    Keras' version, 3.15.1, under which no TensorFlow entry applied in rematch (293 of the
    default pins' xfails turned to fails, 2026-12-06)."""
    backends = {
        "keras": {"name": "keras", "version": "3.15.1",
                  "packages": ["keras", "tensorflow", "tensorflow-cpu"],
                  "package_versions": {"keras": "3.15.1", "tensorflow": None,
                                       "tensorflow-cpu": "2.21.0"}},
        "tensorflow": {"name": "tensorflow", "version": "2.21.0",
                       "packages": ["tensorflow", "tensorflow-cpu"],
                       "package_versions": {"tensorflow": None, "tensorflow-cpu": "2.21.0"}},
    }
    from conformance.results import backend_versions

    assert backend_versions(backends) == {"keras": "3.15.1", "tensorflow": "2.21.0",
                                          "tensorflow-cpu": "2.21.0"}
    del backends["tensorflow"]  # Keras alone: no tensorflow version at all, not Keras'
    assert "tensorflow" not in backend_versions(backends)
