"""Plugin adapters: the one-call NumPy helper, the loader's checks, entry points, and the
errors a plugin author sees (one line naming the binding and the problem, at collection
time, without a traceback)."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint, EntryPoints
from pathlib import Path

import numpy as np
import pytest

import reference
from adapters import BUILTIN, Binding, BindingError, numpy_adapter, numpy_binding
from conformance import loader
from conformance.cases import CaseSpec
from conformance.loader import AdapterError, load_adapter, load_all
from conformance.runner import run_case

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
import numpy as np
from adapters import numpy_adapter, numpy_binding

def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))

backend, bindings = numpy_adapter({name!r}, [numpy_binding("{name}.sigmoid", sigmoid, "sigmoid")])
"""

_BINDING = """
import dataclasses
import numpy as np
from adapters import Binding, numpy_backend

def backend(device="cpu"):
    return numpy_backend("broken", "0")

def sig(x):
    return 1 / (1 + np.exp(-x))

def binding(api="broken.sigmoid", **fields):
    base = dict(api=api, backend="broken", kind="activation", reference="sigmoid", call=sig,
                grad=False)
    return Binding(**(base | fields))
"""

# module name -> (source, texts the one-line error must contain)
BROKEN = {
    "pl_unknown_ref": (_BINDING + "def bindings():\n    return [binding(reference='sigmoidd')]\n",
                       ["'broken.sigmoid'", "unknown reference function 'sigmoidd'",
                        "did you mean", "'sigmoid'"]),
    "pl_unknown_conv": (_BINDING + "def bindings():\n    return [binding(conventions={'dim': 1})]\n",
                        ["'broken.sigmoid'", "conventions ['dim'] not accepted by reference"]),
    "pl_helper_conv": (GOOD.format(name="helper").replace('"sigmoid")', '"softmax", dim=1)'),
                       ["'helper.sigmoid'", "conventions ['dim'] not accepted", "accepts ['axis']",
                        "pl_helper_conv.py:"]),
    "pl_to_list": (_BINDING.replace('numpy_backend("broken", "0")',
                                    'dataclasses.replace(numpy_backend("broken", "0"), '
                                    'to_numpy=lambda a: a.tolist())')
                   + "def bindings():\n    return [binding()]\n",
                   ["adapter 'pl_to_list'", "to_numpy returned builtins.list",
                    "not a numpy.ndarray"]),
    "pl_no_bindings": (_BINDING, ["'pl_no_bindings' must define bindings()"]),
    "pl_duplicate": (_BINDING + "def bindings():\n    return [binding(), binding()]\n",
                     ["binding api 'broken.sigmoid' is declared twice"]),
    "pl_missing_pair": (_BINDING + "def bindings():\n    return [binding(pair='broken.logits')]\n",
                        ["binding 'broken.sigmoid' names pair 'broken.logits'"]),
    "pl_raises": ("import numpy as np\nnp.zeros(3).reshape(2)\n",
                  ["importing it raised ValueError", "pl_raises.py:2"]),
}


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, (source, _) in BROKEN.items():
        (tmp_path / f"{name}.py").write_text(source)
    (tmp_path / "pl_good.py").write_text(GOOD.format(name="good"))
    (tmp_path / "pl_needs_mlx.py").write_text("import mlx_not_installed_here\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


# ------------------------------------------------------------------ the one-call helper
def test_numpy_binding_infers_kind_and_args() -> None:
    b = numpy_binding("u.softmax", lambda x: x, "softmax", axis=0)
    assert (b.kind, b.args, dict(b.conventions), b.grad, b.backend) == (
        "activation", ("x",), {"axis": 0}, False, "")
    loss = numpy_binding("u.ce", lambda t, p: p, "categorical_cross_entropy",
                         args=("y_true", "y_pred"), clip_eps=1e-7)
    assert (loss.kind, loss.args) == ("loss", ("y_true", "y_pred"))
    metric = numpy_binding("u.acc", lambda p, t: p, "binary_accuracy")
    assert (metric.kind, metric.args) == ("metric", ("y_pred", "y_true"))


def test_numpy_binding_rejects_bad_declarations() -> None:
    with pytest.raises(BindingError, match=r"'u\.s'.*unknown reference function 'sigmod'.*'sigmoid'"):
        numpy_binding("u.s", lambda x: x, "sigmod")
    with pytest.raises(BindingError, match=r"'u\.s'.*conventions \['dim'\] not accepted"):
        numpy_binding("u.s", lambda x: x, "softmax", dim=1)
    with pytest.raises(BindingError, match=r"'u\.s'.*grad_conventions \['at_zero'\]"):
        numpy_binding("u.s", lambda x: x, "relu", grad_fn=lambda g, x: g,
                      grad_conventions={"at_zero": 1.0})
    with pytest.raises(BindingError, match="has no VJP"):
        numpy_binding("u.acc", lambda p, t: p, "binary_accuracy", grad_fn=lambda g, p, t: g)
    with pytest.raises(BindingError, match="fn must be callable"):
        numpy_binding("u.s", 3, "sigmoid")


def test_helper_options_never_shadow_a_reference_keyword() -> None:
    # Conventions are **keywords: an option name equal to a reference keyword would make
    # that convention impossible to declare.
    options = {n for n, p in inspect.signature(numpy_binding).parameters.items()
               if p.kind is not inspect.Parameter.VAR_KEYWORD}
    for name, fn in reference.FUNCTIONS.items():
        keywords = set(inspect.signature(fn).parameters)
        assert not keywords & options, (name, keywords & options)


def test_numpy_adapter_names_backend_and_dispatches_grad_fn() -> None:
    calls = []

    def sig(x):
        return 1 / (1 + np.exp(-x))

    def sig_grad(g, x):
        calls.append(x.dtype)
        s = sig(x)
        return g * s * (1 - s)

    backend, bindings = numpy_adapter("u", [numpy_binding("u.sigmoid", sig, "sigmoid",
                                                          grad_fn=sig_grad)], version="2")
    be = backend()
    (b,) = bindings()
    assert (be.name, be.version, b.backend, b.grad) == ("u", "2", "u", True)
    for check in ("value", "grad"):
        result = run_case(b, be, CaseSpec("u.sigmoid", "u", "float64", "typical", check))
        assert result.outcome == "pass", result.message
    assert calls == [np.float64]
    with pytest.raises(ValueError, match="device must be 'cpu'"):
        backend(device="cuda")
    with pytest.raises(BindingError, match="'plugin'"):
        numpy_adapter("plugin", [])
    with pytest.raises(BindingError, match="not a Binding"):
        numpy_adapter("u", [object()])


def test_grad_fn_error_is_a_case_outcome_not_a_crash() -> None:
    backend, bindings = numpy_adapter("u", [numpy_binding(
        "u.sigmoid", lambda x: 1 / (1 + np.exp(-x)), "sigmoid", grad_fn=lambda g, x: 1 / 0)])
    (b,) = bindings()
    result = run_case(b, backend(), CaseSpec("u.sigmoid", "u", "float32", "typical", "grad"))
    assert result.outcome == "error" and "ZeroDivisionError" in result.message


# --------------------------------------------------------------------------- the loader
def test_builtin_adapters_use_the_same_interface() -> None:
    import importlib

    for name, module_path in BUILTIN.items():
        module = importlib.import_module(module_path)
        assert callable(module.backend) and callable(module.bindings), name
    pytest.importorskip("scipy")
    loaded = load_adapter(BUILTIN["scipy"], name="scipy")  # the same checks, probe included
    assert loaded.backend is not None and all(isinstance(b, Binding) for b in loaded.bindings)


@pytest.mark.parametrize("module", sorted(BROKEN))
def test_broken_plugin_is_one_clear_error(plugin_dir: Path, module: str) -> None:
    with pytest.raises(AdapterError) as info:
        load_adapter(module, plugin=True)
    message = str(info.value)
    assert "\n" not in message
    for text in BROKEN[module][1]:
        assert text in message, message


def test_good_plugin_and_unavailable_framework(plugin_dir: Path) -> None:
    loaded = load_adapter("pl_good", plugin=True)
    assert (loaded.name, [b.api for b in loaded.bindings]) == ("good", ["good.sigmoid"])
    missing = load_adapter("pl_needs_mlx", plugin=True)
    assert missing.backend is None and "mlx_not_installed_here" in missing.unavailable
    with pytest.raises(AdapterError, match="'pl_nowhere': module not found"):
        load_adapter("pl_nowhere", plugin=True)


def test_backend_selection(plugin_dir: Path) -> None:
    assert list(load_all(["plugin"], ["pl_good"], entry_points=False)) == ["good"]
    assert list(load_all(["good"], ["pl_good"], entry_points=False)) == ["good"]
    with pytest.raises(AdapterError, match=r"unknown backend\(s\) \['goood'\]"):
        load_all(["goood"], ["pl_good"], entry_points=False)
    with pytest.raises(AdapterError, match="--backend plugin: no plugin adapter"):
        load_all(["plugin"], [], entry_points=False)


def _fake_entry_points(monkeypatch: pytest.MonkeyPatch, **modules: str) -> None:
    eps = EntryPoints(EntryPoint(name, value, loader.ENTRY_POINT_GROUP)
                      for name, value in modules.items())
    monkeypatch.setattr(loader.importlib.metadata, "entry_points", lambda: eps)


def test_entry_points_are_discovered_and_imported_only_when_selected(
        plugin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_entry_points(monkeypatch, good="pl_good", broken="pl_unknown_ref")
    assert loader.discover_entry_points() == ["pl_unknown_ref", "pl_good"]
    assert list(load_all(["good"])) == ["good"]  # the broken one is never imported
    with pytest.raises(AdapterError, match="sigmoidd"):
        load_all(["plugin"])
    _fake_entry_points(monkeypatch, bad="pl_good:bindings")
    with pytest.raises(AdapterError, match="must be a module path"):
        loader.entry_point_adapters()


# ------------------------------------------------------ end to end, as a user runs it
def _run(args: list[str], path: Path) -> subprocess.Popen:
    env = os.environ | {"PYTHONPATH": f"{path}{os.pathsep}{ROOT}"}
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_collection_errors_are_one_line_without_traceback(plugin_dir: Path) -> None:
    # Every message is checked in-process above; two pytest runs and one CLI run show them
    # reaching the user intact (each subprocess costs seconds: keep them few, in parallel).
    chosen = ["pl_unknown_ref", "pl_to_list"]
    runs = {m: _run(["-m", "pytest", "conformance", "--adapter", m, "--backend", "plugin",
                     "--results=", "-q", "-p", "no:cacheprovider"], plugin_dir) for m in chosen}
    runs["cli"] = _run(["-m", "conformance", "run", "--adapter", "pl_helper_conv",
                        "--backend", "plugin", "-o", str(plugin_dir / "r.json")], plugin_dir)
    out = {m: p.communicate(timeout=120)[0] for m, p in runs.items()}
    codes = {m: p.returncode for m, p in runs.items()}
    for module in chosen:
        assert codes[module] == 2, out[module]  # interrupted during collection
        assert "ERROR collecting" in out[module]
        for text in BROKEN[module][1]:
            assert text in out[module], out[module]
        assert not re.search(r"Traceback|pluggy|_pytest/|conformance/loader\.py", out[module]), \
            out[module]
    assert codes["cli"] == 2 and out["cli"].startswith("conformance run: adapter 'pl_helper_conv'")
    assert all(text in out["cli"] for text in BROKEN["pl_helper_conv"][1]), out["cli"]
    assert "Traceback" not in out["cli"]


@pytest.mark.parametrize(("option", "message"), [
    (["--dtype", "float32,float33"], "--dtype 'float33' is not one of float16, bfloat16, "
                                     "float32, float64; did you mean 'float32'?"),
    (["--regime", "typicl"], "--regime 'typicl' is not one of typical, large"),
    (["--registry", "nope.toml"], "registry 'nope.toml': no such file or directory"),
    (["--case-timeout", "-5"], "--case-timeout: seconds must be >= 0 (0 disables), got -5.0"),
    # under pytest-xdist a malformed -k / -m was an INTERNALERROR naming an unrelated case
    (["-n", "2", "-k", "sigmoid(x"], "Wrong expression passed to '-k': 'sigmoid(x': at column 10"),
    (["-n", "2", "-m", "plugin and"], "Wrong expression passed to '-m': 'plugin and': at column 11"),
])
def test_an_option_value_it_does_not_know_stops_the_run_before_any_case(
        plugin_dir: Path, option: list[str], message: str) -> None:
    """A typo in a filter used to select no case, and the run passed; a missing registry
    file ran with no entries."""
    proc = _run(["-m", "pytest", "conformance", "--adapter", "pl_good", "--backend", "plugin",
                 "--results=", "-q", "-p", "no:cacheprovider", *option], plugin_dir)
    out = proc.communicate(timeout=120)[0]
    assert proc.returncode in (2, 4), out  # interrupted in collection / a usage error
    assert message in out and not re.search(r"\d+ passed", out) and "Traceback" not in out, out


def test_installed_entry_point_end_to_end(tmp_path: Path) -> None:
    """A real installed distribution (a dist-info with entry_points.txt on sys.path)."""
    (tmp_path / "pl_installed.py").write_text(GOOD.format(name="installed"))
    dist = tmp_path / "pl_installed-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pl-installed\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[{loader.ENTRY_POINT_GROUP}]\ninstalled = pl_installed\n")
    run = _run(["-m", "pytest", "conformance", "--backend", "installed", "--results=", "-q",
                "-p", "no:cacheprovider", "--dtype", "float64"], tmp_path)
    text = run.communicate(timeout=120)[0]
    assert run.returncode == 0, text
    assert re.search(r"\b(\d+) passed", text) and "installed" in text


def test_docs_example_runs_as_written(tmp_path: Path) -> None:
    """The quick-start block of docs/plugins.md, copied into my_bindings.py, runs."""
    doc = (ROOT / "docs" / "plugins.md").read_text()
    block = re.search(r"<!-- example: my_bindings\.py.*?-->\n```python\n(.*?)```", doc, re.S)
    assert block, "docs/plugins.md lost its example block"
    (tmp_path / "my_bindings.py").write_text(textwrap.dedent(block.group(1)))
    out = tmp_path / "mylib.json"
    run = _run(["-m", "pytest", "conformance", "--adapter", "my_bindings", "--backend", "plugin",
                f"--results={out}", "-q", "-p", "no:cacheprovider"], tmp_path)
    text = run.communicate(timeout=120)[0]
    assert run.returncode == 1, text  # the documented float16 failures of mylib.sigmoid
    import json

    cases = json.loads(out.read_text())["cases"]
    failing = sorted(c["id"] for c in cases if c["outcome"] != "pass")
    assert failing == ["mylib.sigmoid[float16-large-grad]", "mylib.sigmoid[float16-typical-grad]",
                       "mylib.sigmoid[float16-typical]"], failing
    assert all(c["outcome"] == "pass" for c in cases if c["binding"] == "mylib.cross_entropy")


def test_readme_example_is_the_tested_docs_example() -> None:
    """README's "Testing your own implementation" runs the same code as the block above
    (the docs block minus its first comment line): one example, tested once."""
    doc = (ROOT / "docs" / "plugins.md").read_text()
    readme = (ROOT / "README.md").read_text()
    docs_block = re.search(r"<!-- example: my_bindings\.py.*?-->\n```python\n(.*?)```", doc, re.S)
    section = readme.split("## Testing your own implementation", 1)[1]
    readme_block = re.search(r"```python\n(.*?)```", section, re.S)
    assert docs_block and readme_block
    docs_code = "\n".join(line for line in docs_block.group(1).splitlines()
                          if not line.startswith("# my_bindings.py"))
    assert readme_block.group(1).strip() == docs_code.strip()


def test_junitxml_keeps_the_case_properties(tmp_path: Path) -> None:
    """A case's properties ride on its call report only (speed, under xdist), except that
    --junitxml reads them from the teardown report: there they are kept."""
    import json
    import xml.etree.ElementTree as ET

    (tmp_path / "pl_junit.py").write_text(GOOD.format(name="junit"))
    xml, out = tmp_path / "j.xml", tmp_path / "r.json"
    run = _run(["-m", "pytest", "conformance", "--adapter", "pl_junit", "--backend", "plugin",
                f"--results={out}", f"--junitxml={xml}", "-q", "-p", "no:cacheprovider",
                "--dtype", "float64"], tmp_path)
    text = run.communicate(timeout=120)[0]
    assert run.returncode == 0, text
    cases = [c for c in ET.parse(xml).getroot().iter("testcase")
             if c.get("name", "").startswith("test_case[")]
    props = [{p.get("name") for p in c.iter("property")} for c in cases]
    assert cases and all(p >= {"crossconform_case", "crossconform_result"} for p in props), props
    records = json.loads(out.read_text())["cases"]
    assert len(records) == len(cases) and all(r["outcome"] == "pass" for r in records)


PHASES = """
import collections, json
seen = collections.Counter()

def pytest_runtest_logreport(report):
    if "test_case[" in report.nodeid:
        seen[report.when] += 1

def pytest_sessionfinish(session):
    if not hasattr(session.config, "workerinput"):  # the controller, or a run without xdist
        with open({out!r}, "w") as fh:
            json.dump(seen, fh)
"""


def test_a_case_that_went_well_logs_its_call_report_only(tmp_path: Path) -> None:
    """Speed under xdist: a case's passing setup and teardown reports are not logged (nor
    sent to the controller); every record still reaches the results file, the workers
    exit once their session is over, and --durations gets pytest's three reports."""
    import json

    (tmp_path / "pl_phases.py").write_text(GOOD.format(name="phases"))
    base = ["-m", "pytest", "conformance", "--adapter", "pl_phases", "--backend", "plugin",
            "-q", "-p", "no:cacheprovider", "--dtype", "float64"]
    runs = {}
    for name, extra in (("xdist", ["-n", "2"]), ("durations", ["--durations=0"])):
        (tmp_path / f"ph_{name}.py").write_text(PHASES.format(out=str(tmp_path / f"{name}.seen")))
        runs[name] = _run([*base, "-p", f"ph_{name}", f"--results={tmp_path / name}.json", *extra],
                          tmp_path)
    texts = {name: run.communicate(timeout=180)[0] for name, run in runs.items()}
    for name, run in runs.items():
        assert run.returncode == 0, texts[name]
        records = json.loads((tmp_path / f"{name}.json").read_text())["cases"]
        assert records and all(r["outcome"] == "pass" for r in records), texts[name]
        seen = json.loads((tmp_path / f"{name}.seen").read_text())
        expected = ({"call": len(records)} if name == "xdist" else
                    {"setup": len(records), "call": len(records), "teardown": len(records)})
        assert seen == expected, (name, seen, len(records))


LOW_PRECISION = """
import numpy as np
from adapters import numpy_adapter, numpy_binding

def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))

def sigmoid_rounded(x):
    # the float64 answer rounded once to float32: relative error <= 2^-24, within float64's
    # rtol (1e-7) but up to half float32's spacing, 2^28 float64 ULP, off
    return sigmoid(x).astype(np.float32).astype(x.dtype)

backend, bindings = numpy_adapter("low", [numpy_binding("low.sigmoid", sigmoid, "sigmoid"),
                                          numpy_binding("low.sigmoid_rounded", sigmoid_rounded,
                                                        "sigmoid")])
"""


def test_max_ulp_fails_a_float64_answer_at_float32_precision(tmp_path: Path) -> None:
    """float64's tolerance passes a result rounded to float32; --max-ulp float64=2**20 fails
    it (and only it), names the ceiling in its message and puts it in the reproducer."""
    import json
    import shlex

    (tmp_path / "pl_low.py").write_text(LOW_PRECISION)
    base = ["-m", "pytest", "conformance", "--adapter", "pl_low", "--backend", "plugin", "-q",
            "-p", "no:cacheprovider", "--dtype", "float64", "--regime", "typical"]
    runs = {name: _run([*base, f"--results={tmp_path / name}.json", *extra], tmp_path)
            for name, extra in {"default": [], "ceiling": ["--max-ulp", "float64=2**20"]}.items()}
    out = {name: run.communicate(timeout=120)[0] for name, run in runs.items()}
    assert runs["default"].returncode == 0, out["default"]
    assert runs["ceiling"].returncode == 1, out["ceiling"]
    doc = {name: json.loads((tmp_path / f"{name}.json").read_text()) for name in runs}
    outcomes = {name: {c["id"]: c["outcome"] for c in d["cases"]} for name, d in doc.items()}
    assert outcomes["default"] == {"low.sigmoid[float64-typical]": "pass",
                                   "low.sigmoid_rounded[float64-typical]": "pass"}
    assert outcomes["ceiling"] == {"low.sigmoid[float64-typical]": "pass",
                                   "low.sigmoid_rounded[float64-typical]": "fail"}
    cases = {c["id"]: c for c in doc["ceiling"]["cases"]}
    rounded = cases["low.sigmoid_rounded[float64-typical]"]
    assert 2.0 ** 27 < rounded["max_ulp_within_rtol"] <= 2.0 ** 28  # half a float32 ULP
    assert cases["low.sigmoid[float64-typical]"]["max_ulp_within_rtol"] <= 4
    assert rounded["message"].startswith("precision: ") and "ceiling 1048576 " in rounded["message"]
    assert doc["ceiling"]["options"]["max_ulp"] == "float64=2**20", doc["ceiling"]["options"]
    assert rounded["reproducer"].endswith("--max-ulp float64=1048576")
    argv = shlex.split(rounded["reproducer"])
    assert argv[:3] == ["python", "-m", "conformance"]
    repro = _run(argv[1:], tmp_path)
    text = repro.communicate(timeout=120)[0]
    assert repro.returncode == 1 and "outcome: fail: precision: " in text, text


OFF_BY_1E6 = LOW_PRECISION.replace("backend, bindings = numpy_adapter(\"low\", [", '''
def sigmoid_off(x):
    return sigmoid(x) * (1 + 1e-6)  # outside float64's rtol: a tolerance failure

backend, bindings = numpy_adapter("low", [numpy_binding("low.sigmoid_off", sigmoid_off, "sigmoid"),
                                          ''')

PRECISION_ENTRIES = "".join(f"""
[[divergence]]
binding = "{api}"
check = "value"
dtypes = ["float64"]
versions = "low>=0"
max_ulp = true
reason = "rounded once to float32"
source = "tests/test_plugins.py"
""" for api in ("low.sigmoid", "low.sigmoid_rounded", "low.sigmoid_off"))


def test_a_precision_entry_absorbs_a_precision_failure_and_nothing_else(tmp_path: Path) -> None:
    """Without a ceiling, precision entries are not applied (and say why); under
    --max-ulp float64=2**20 the float32-rounded answer xfails, the exact one XPASSes
    (strict: the entry is stale for it) and the answer 1e-6 off still fails: its tolerance,
    not the ceiling, is what it misses. rematch gives the file the same verdicts."""
    import json

    from conformance.cli import main

    (tmp_path / "pl_off.py").write_text(OFF_BY_1E6)
    registry = tmp_path / "precision.toml"
    registry.write_text(PRECISION_ENTRIES)
    base = ["-m", "pytest", "conformance", "--adapter", "pl_off", "--backend", "plugin", "-q",
            "-p", "no:cacheprovider", "--dtype", "float64", "--regime", "typical",
            "--registry", str(registry)]
    runs = {name: _run([*base, f"--results={tmp_path / name}.json", *extra], tmp_path)
            for name, extra in {"default": [], "ceiling": ["--max-ulp", "float64=2**20"]}.items()}
    out = {name: run.communicate(timeout=120)[0] for name, run in runs.items()}
    doc = {name: json.loads((tmp_path / f"{name}.json").read_text()) for name in runs}
    outcomes = {name: {c["binding"]: c["outcome"] for c in d["cases"]} for name, d in doc.items()}
    assert outcomes["default"] == {"low.sigmoid": "pass", "low.sigmoid_rounded": "pass",
                                   "low.sigmoid_off": "fail"}, out["default"]
    assert [row["why"] for row in doc["default"]["registry"]["not_checked"]] == [
        "a precision entry: this run has no --max-ulp ceiling for ['float64']"] * 3
    assert outcomes["ceiling"] == {"low.sigmoid": "xpass", "low.sigmoid_rounded": "xfail",
                                   "low.sigmoid_off": "fail"}, out["ceiling"]
    # the off case and the strict XPASS fail; test_backend_available passes
    assert "2 failed, 1 passed, 1 xfailed" in out["ceiling"], out["ceiling"]
    off = next(c for c in doc["ceiling"]["cases"] if c["binding"] == "low.sigmoid_off")
    assert off["message"].startswith("values:"), off["message"]
    assert main(["rematch", str(tmp_path / "ceiling.json"), "--registry", str(registry)]) == 1
    from conformance.registry import load_registry
    from conformance.rematch import rematch, run_description

    rows = rematch(doc["ceiling"], load_registry(registry), **run_description(doc["ceiling"]))
    assert {r["id"].split("[")[0]: r["verdict"] for r in rows} == {
        "low.sigmoid": "XPASS", "low.sigmoid_rounded": "xfail", "low.sigmoid_off": "fail"}
    rows = rematch(doc["default"], load_registry(registry), **run_description(doc["default"]))
    assert {r["id"].split("[")[0]: r["verdict"] for r in rows} == {
        "low.sigmoid": "pass", "low.sigmoid_rounded": "pass", "low.sigmoid_off": "fail"}
