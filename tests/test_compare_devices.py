"""benchmarks/compare_devices.py: what an accelerator changes, between two results files."""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conformance.results import SCHEMA

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "compare_devices.py"


@pytest.fixture(scope="module")
def compare_devices() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare_devices", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _case(cid: str, outcome: str, ulp: float | str = 0.5) -> dict:
    api = cid.split("[", 1)[0]
    return {"id": cid, "backend": api.split(".", 1)[0], "binding": api, "outcome": outcome,
            "dtype": "float16", "check": "grad",
            "max_ulp": ulp, "message": f"{outcome} message"}


CPU = {"schema": SCHEMA, "schema_version": 1, "options": {"device": "cpu"},
       "backends": {"torch": {"device": "cpu"}}, "cases": [
    _case("torch.softmax(dim=-1)[float16-ties-grad]", "pass", 0.5),
    _case("torch.log_softmax(dim=-1)[float16-typical]", "fail", 169.0),
    _case("keras.ops.glu[float16-typical-grad]", "xfail", 1420.0),
    _case("torch.relu[float16-typical]", "pass"),
    _case("torch.tanh[float16-typical]", "pass"),  # not run on the device
]}
CUDA = {"schema": SCHEMA, "schema_version": 1, "options": {"device": "cuda"}, "backends": {}, "cases": [
    _case("torch.softmax(dim=-1)[float16-ties-grad]", "fail", 2.27),
    _case("torch.log_softmax(dim=-1)[float16-typical]", "pass", 0.499),
    _case("keras.ops.glu[float16-typical-grad]", "xpass", 0.49),
    _case("torch.relu[float16-typical]", "pass"),
]}


def test_transitions_count_only_the_cases_both_ran(compare_devices: ModuleType) -> None:
    out = compare_devices.compare(CUDA, CPU)
    assert (out["both"], out["cpu_only"], out["device_only"]) == (4, 1, 0)
    assert out["transitions"] == {("pass", "fail"): 1, ("fail", "pass"): 1, ("xfail", "xpass"): 1,
                                  ("pass", "pass"): 1}
    assert sorted(d["id"] for _, d in out["changed"]) == [
        "keras.ops.glu[float16-typical-grad]", "torch.log_softmax(dim=-1)[float16-typical]",
        "torch.softmax(dim=-1)[float16-ties-grad]"]


def test_family_is_the_api_up_to_its_arguments(compare_devices: ModuleType) -> None:
    assert compare_devices.family("torch.nn.functional.softmax(dim=-1)") == "torch.nn.functional.softmax"
    assert compare_devices.family("optax.losses.ctc_loss (paddings from lengths)") == "optax.losses.ctc_loss"


def test_the_script_reads_gzipped_files_and_prints_each_family(tmp_path: Path) -> None:
    for name, doc in (("cuda.json.gz", CUDA), ("cpu.json", CPU)):
        opener = gzip.open if name.endswith(".gz") else open
        with opener(tmp_path / name, "wt", encoding="utf-8") as f:
            json.dump(doc, f)
    text = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "cuda.json.gz"),
                           str(tmp_path / "cpu.json"), "--cases"], capture_output=True, text=True,
                          check=True).stdout
    assert "(cuda): 4 cases" in text and "(cpu): 5 cases" in text
    assert "   pass -> fail  1" in text
    assert "torch.softmax  pass -> fail  [float16; 1 gradient]  ULP 0.5 / 2.27" in text
    assert "keras.ops.glu[float16-typical-grad]: xfail -> xpass: xpass message" in text
