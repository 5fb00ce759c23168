"""Reliability (issue 6): a run survives its frameworks, reproduces to the bit, loses no result.

Faults are injected by real plugin adapters in ``tests/plugins/`` and the suite is run as a
user runs it (a pytest subprocess under xdist, writing a results file):

* a binding that raises, returns the wrong shape, the wrong dtype, a Python scalar, wrong
  values, a tensor on another device (torch's meta device), hangs, or aborts its process;
* a plugin whose framework does not import;
* registry entries for the installed version (applied) and for another one (not applied);
* Ctrl-C and kill in the middle of a run, over an existing results file.

Then: two runs of the same command give identical results files apart from timing fields,
and each printed reproducer, run as printed (no shell), reproduces the recorded numbers.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ["tests.plugins.faulty", "tests.plugins.faulty_torch", "tests.plugins.faulty_missing"]
TIMING = ("created", "wall_s")

REGISTRY = """
[[divergence]]
binding = "faulty.wrong_value"
regimes = ["typical"]
versions = "numpy>=1.0"
reason = "injected: scaled by 1 + 1e-3"
source = "tests/plugins/faulty.py"

[[divergence]]
binding = "faulty.context_lost_registered"
regimes = ["extreme"]
versions = "numpy>=1.0"
reason = "injected: loses the (emulated) CUDA context"
source = "tests/plugins/faulty.py"

[[divergence]]
binding = "faulty.wrong_dtype"
versions = "numpy<1.0"
reason = "injected: for a numpy that is not installed, so never applied"
source = "tests/plugins/faulty.py"
"""


def _env() -> dict[str, str]:
    return os.environ | {"PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def _sigint_default() -> None:
    # Ctrl-C as a terminal delivers it: a suite started in the background by a shell without
    # job control (`.ci/run &`) inherits SIGINT ignored, and Python then installs no
    # KeyboardInterrupt handler in the child, which would sleep through the signal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _pytest(results: Path, *args: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider", "-q",
            "--tb=no", "--results", str(results), *args]
    return subprocess.Popen(argv, cwd=ROOT, env=_env(), text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=_sigint_default)


def _fault_run(tmp: Path, name: str) -> subprocess.Popen:
    registry = tmp / "registry.toml"
    registry.write_text(REGISTRY)
    plugins = [arg for module in PLUGINS for arg in ("--adapter", module)]
    return _pytest(tmp / name, *plugins, "--backend", "plugin", "--registry", str(registry),
                   "--case-timeout", "3", "-n", "2")


def _torch_run(tmp: Path, name: str) -> subprocess.Popen:
    return _pytest(tmp / name, "--backend", "torch", "--dtype", "float32,float16", "-n", "2",
                   "-k", "softmax or cross_entropy or gelu or binary_cross_entropy")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Four runs, two at a time: the fault run twice, a real torch subset twice."""
    tmp = tmp_path_factory.mktemp("reliability")
    out: dict[str, Any] = {"tmp": tmp}
    for pair in (("faults_1", "faults_2"), ("torch_1", "torch_2")):
        procs = {name: (_fault_run if name.startswith("faults") else _torch_run)(tmp, name + ".json")
                 for name in pair}
        for name, proc in procs.items():
            text = proc.communicate(timeout=600)[0]
            path = tmp / (name + ".json")
            assert path.exists(), f"{name}: no results file\n{text[-3000:]}"
            out[name] = json.loads(path.read_text())
            out[name + "_log"] = text
    return out


def _cases(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in doc["cases"]}


# ------------------------------------------------------------------ injected faults
EXPECTED = {  # case id -> (outcome, text the message must contain)
    "faulty.sigmoid[float64-typical]": ("pass", "0/128 elements outside"),
    "faulty.sigmoid[float64-extreme]": ("pass", "0/22 elements outside"),
    "faulty.raises[float64-typical]": ("error", "raised RuntimeError: injected fault"),
    "faulty.wrong_shape[float64-typical]": ("fail", "returned shape (8, 16, 1), the reference (8, 16)"),
    "faulty.wrong_dtype[float64-typical]": ("fail", "dtype: returned float32, expected float64"),
    "faulty.python_scalar[float64-typical]": ("fail", "returned a Python float"),
    "faulty.wrong_value[float64-typical]": ("xfail", "128/128 elements outside"),
    "faulty.wrong_value[float64-extreme]": ("fail", "elements outside"),
    "faulty.hangs[float64-typical]": ("error", "timeout"),
    "faulty.hangs[float64-extreme]": ("error", "timeout"),
    "faulty.abort[float64-extreme]": ("error", "crashed: the process running this case died"),
    "faulty.abort[float64-typical]": ("pass", "0/128 elements outside"),
    "faulty.context_lost[float64-typical]": ("pass", "0/128 elements outside"),
    "faulty.context_lost[float64-extreme]": ("error", "device-side assert triggered; the "
                                             "accelerator context of this process is lost"),
    # an xfail whose worker then exits: xdist's crash report must not replace the record
    "faulty.context_lost_registered[float64-typical]": ("pass", "0/128 elements outside"),
    "faulty.context_lost_registered[float64-extreme]": ("xfail", "device-side assert triggered"),
    "faulty_torch.sigmoid_on_meta[float64-typical]": ("fail", "cannot convert"),
}


def test_every_injected_fault_is_recorded_and_the_rest_still_runs(runs: dict[str, Any]) -> None:
    cases = _cases(runs["faults_1"])
    for cid, (outcome, text) in EXPECTED.items():
        assert cid in cases, f"{cid} missing from the results\n{runs['faults_1_log'][-3000:]}"
        assert cases[cid]["outcome"] == outcome, (cid, cases[cid])
        assert text in cases[cid]["message"], (cid, cases[cid]["message"])
    # 10 faulty bindings x 2 regimes + the meta-device one: none lost, not even the aborted one.
    assert len([c for c in cases if c.startswith("faulty")]) == 21
    # the lost context stayed with the cases that lost it: their workers were replaced
    assert sorted(c for c, r in cases.items() if "device-side" in r["message"]) == [
        "faulty.context_lost[float64-extreme]", "faulty.context_lost_registered[float64-extreme]"]
    crashed = cases["faulty.abort[float64-extreme]"]
    argv = shlex.split(crashed["reproducer"])  # rebuilt from the node id: the run's plugins
    assert argv[4] == crashed["id"] and "tests.plugins.faulty" in argv


def test_a_framework_that_does_not_import_is_skipped_with_its_reason(runs: dict[str, Any]) -> None:
    missing = runs["faults_1"]["backends"]["tests.plugins.faulty_missing"]
    assert missing["available"] is False
    assert "No module named 'crossconform_framework_not_installed'" in missing["reason"]
    assert "unavailable: tests.plugins.faulty_missing" in runs["faults_1_log"]


def test_registry_entries_apply_only_to_their_versions(runs: dict[str, Any]) -> None:
    cases = _cases(runs["faults_1"])
    assert cases["faulty.wrong_value[float64-typical]"]["divergence"]["versions"] == "numpy>=1.0"
    assert "divergence" not in cases["faulty.wrong_dtype[float64-typical]"]
    not_checked = runs["faults_1"]["registry"]["not_checked"]
    assert [(e["binding"], "outside numpy<1.0" in e["why"]) for e in not_checked] == \
        [("faulty.wrong_dtype", True)]


# ------------------------------------------------------------------ reproducibility
def _without_timing(doc: dict[str, Any]) -> dict[str, Any]:
    doc = {k: v for k, v in doc.items() if k not in TIMING}
    doc["cases"] = [{k: v for k, v in c.items() if k != "duration"} for c in doc["cases"]]
    return doc


@pytest.mark.parametrize("name", ["faults", "torch"])
def test_two_runs_give_identical_results_apart_from_timing(runs: dict[str, Any], name: str) -> None:
    first, second = _without_timing(runs[name + "_1"]), _without_timing(runs[name + "_2"])
    assert len(first["cases"]) > 12
    assert [c["id"] for c in first["cases"]] == [c["id"] for c in second["cases"]]
    for a, b in zip(first["cases"], second["cases"], strict=True):
        assert a == b, a["id"]
    assert first == second


def _repro(reproducer: str) -> str:
    argv = shlex.split(reproducer)  # as printed; run without a shell
    assert argv[:4] == ["python", "-m", "conformance", "repro"]
    proc = subprocess.run([sys.executable, *argv[1:]], cwd=ROOT, env=_env(), text=True,
                          capture_output=True, timeout=300)
    return proc.stdout + proc.stderr


def test_reproducers_rerun_the_same_numbers(runs: dict[str, Any]) -> None:
    faults = _cases(runs["faults_1"])
    torch_cases = runs["torch_1"]["cases"]
    chosen = [faults["faulty.wrong_value[float64-extreme]"], faults["faulty.wrong_shape[float64-typical]"]]
    # one real failing or diverging torch case and one passing one, if the subset has them
    for outcomes in (("fail", "xfail"), ("pass",)):
        chosen += [c for c in torch_cases if c["outcome"] in outcomes and c["check"] == "value"][:1]
    for case in chosen:
        # the id is one argv element, whatever quotes and brackets the API name holds
        assert shlex.split(case["reproducer"])[4] == case["id"]
        text = _repro(case["reproducer"])
        outcome = "fail" if case["outcome"] == "xfail" else case["outcome"]
        assert f"outcome: {outcome}: {case['message']}" in text, (case["id"], text[-2000:])


def test_case_ids_do_not_depend_on_the_machine(runs: dict[str, Any]) -> None:
    """An id is binding[dtype-regime(-check)]: nothing of the platform, paths or workers."""
    for case in runs["torch_1"]["cases"]:
        assert case["id"] == case["binding"] + "[" + "-".join(
            [case["dtype"], case["regime"]] + ([case["check"]] if case["check"] != "value" else [])
        ) + "]"
        assert "gw" not in case.get("message", "").split(":")[0]


# ------------------------------------------------------------------ interrupted runs
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_an_interrupted_run_leaves_the_old_or_a_complete_new_results_file(
        runs: dict[str, Any], tmp_path: Path, sig: signal.Signals) -> None:
    results = tmp_path / "results.json"
    old = json.dumps(runs["faults_1"])
    results.write_text(old)
    proc = _pytest(results, "--adapter", "tests.plugins.faulty", "--backend", "plugin",
                   "-k", "sigmoid or hangs", "--case-timeout", "0", "-p", "no:xdist")
    time.sleep(8)  # collected, the good cases done, stuck in faulty.hangs
    assert proc.poll() is None, proc.communicate()[0]
    os.killpg(proc.pid, sig)
    proc.communicate(timeout=120)
    text = results.read_text()
    if text != old:  # Ctrl-C: pytest finishes the session and writes a complete new file
        doc = json.loads(text)
        assert sig == signal.SIGINT and doc["schema_version"] == runs["faults_1"]["schema_version"]
        assert {c["id"] for c in doc["cases"]} >= {"faulty.sigmoid[float64-typical]"}
    assert not list(tmp_path.glob(".results.json.*.tmp"))


# ------------------------------------------------------------------ a lost CUDA context
def test_without_xdist_the_cases_after_a_lost_context_skip_naming_it(tmp_path: Path) -> None:
    """No fresh process can take over: the cases after the one that lost the context skip
    (they would all fail, as on CUDA, and say nothing about their bindings)."""
    results = tmp_path / "results.json"
    proc = _pytest(results, "--adapter", "tests.plugins.faulty", "--backend", "plugin",
                   "-k", "context_lost or wrong_shape", "-p", "no:xdist")
    text = proc.communicate(timeout=300)[0]
    cases = _cases(json.loads(results.read_text()))
    assert cases["faulty.context_lost[float64-typical]"]["outcome"] == "pass", text[-2000:]
    assert cases["faulty.context_lost[float64-extreme]"]["outcome"] == "error"
    for regime in ("typical", "extreme"):  # declared after context_lost: they run after it
        case = cases[f"faulty.wrong_shape[float64-{regime}]"]
        assert case["outcome"] == "skip", case
        assert "lost at faulty.context_lost[float64-extreme]" in case["message"], case
