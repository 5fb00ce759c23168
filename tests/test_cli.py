"""The command line: ``report`` end to end, bad files, ``diff`` and ``run -> report``.

A small NumPy plugin adapter (written to tmp_path) stands in for the frameworks, so these
tests need none installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.report.cli import expand
from tests.test_report import jax_doc, torch_doc, write

ROOT = Path(__file__).resolve().parents[1]

PLUGIN = textwrap.dedent('''
    """A demo adapter: two cross-entropy APIs and two activations in plain NumPy."""
    import math

    import numpy as np

    from adapters import numpy_adapter, numpy_binding


    def cce_probs(y_true, y_pred):  # Keras-like: probabilities, one-hot, renormalise, clip 1e-7
        p = np.clip(y_pred / y_pred.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
        return -(y_true * np.log(p)).sum(-1)


    def ce_logits(y_pred, y_true):  # torch-like: logits, class indices, mean
        z = y_pred - y_pred.max(-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
        return -np.take_along_axis(logp, y_true[..., None].astype(np.int64), -1)[..., 0].mean()


    def sigmoid(x):
        with np.errstate(over="ignore"):
            return (0.5 * (1 + np.tanh(0.5 * x))).astype(x.dtype)


    def gelu_tanh(x):  # declared as exact gelu: a real divergence in the tails
        with np.errstate(over="ignore", invalid="ignore"):
            c = math.sqrt(2 / math.pi)
            return (0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3)))).astype(x.dtype)


    backend, bindings = numpy_adapter("ccdemo", [
        numpy_binding("ccdemo.cce", cce_probs, "categorical_cross_entropy", args=("y_true", "y_pred"),
                      clip_eps=1e-7, renormalize=True,
                      info={"input_space": "probabilities", "labels": "one-hot", "epsilon": "1e-7"}),
        numpy_binding("ccdemo.ce", ce_logits, "sparse_softmax_cross_entropy", reduction="mean",
                      info={"default_reduction": "mean"}),
        numpy_binding("ccdemo.sigmoid", sigmoid, "sigmoid"),
        numpy_binding("ccdemo.gelu", gelu_tanh, "gelu", info={"defaults": "tanh approximation"}),
    ], version="1.0")
''')


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "ccdemo_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "ccdemo_plugin"


@pytest.mark.parametrize("command", ["run", "repro", "list", "report", "diff"])
def test_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    assert "usage: python -m conformance " + command in capsys.readouterr().out


def test_report_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path, "torch.json", torch_doc("2.13.0"))
    b = write(tmp_path, "jax.json", jax_doc())
    out = tmp_path / "report"
    assert main(["report", str(a), str(b), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "torch 2.13.0" in text and "jax 0.10.2" in text and "largest measured errors" in text
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    assert "## Matrix" in md and "## Porting guide" in md and '<table id="matrix">' in html
    pngs = sorted((out / "plots").glob("*.png"))
    assert all(f"plots/{p.name}" in md for p in pngs)
    assert pngs or "matplotlib is not installed" in md
    assert not list(out.rglob("*.tmp"))


def test_report_bad_file_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good.json", jax_doc())
    bad = write(tmp_path, "bad.json", json.dumps(torch_doc("2.13.0"))[:200])
    out = tmp_path / "report"
    assert main(["report", str(good), str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "not valid JSON" in err and "nothing written" in err
    assert not out.exists()
    # an earlier report stays as it was
    assert main(["report", str(good), "-o", str(out), "-q"]) == 0
    before = (out / "report.html").read_bytes()
    assert main(["report", str(bad), "-o", str(out)]) == 2
    assert (out / "report.html").read_bytes() == before


def test_report_skip_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "good.json", jax_doc())
    future = write(tmp_path, "future.json", dict(jax_doc(), schema_version=7))
    out = tmp_path / "report"
    assert main(["report", str(good), str(future), "-o", str(out), "--skip-bad", "--no-plots"]) == 0
    captured = capsys.readouterr()
    assert f"skipped {future}" in captured.err and "schema_version 7 is newer" in captured.err
    assert "skipped" in (out / "report.md").read_text()


def test_report_takes_directories(tmp_path: Path) -> None:
    d = tmp_path / "results"
    d.mkdir()
    write(d, "b.json", jax_doc())
    write(d, "a.json", torch_doc("2.13.0"))
    assert expand([str(d)]) == [str(d / "a.json"), str(d / "b.json")]
    assert expand([str(d / "*.json")]) == [str(d / "a.json"), str(d / "b.json")]


def test_diff_with_plugin(plugin: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "ccdemo.cce", "ccdemo.ce", "--adapter", plugin]) == 0
    out = capsys.readouterr().out
    assert "(the arguments swap places)" in out
    assert "probabilities -> logits: drop the final softmax" in out
    assert "one-hot -> class indices" in out
    assert "clip_eps: 1e-07 in ccdemo.cce, not applied in ccdemo.ce" in out
    gaps = {line.split()[0]: line for line in out.split("numerical gap")[1].splitlines()[1:] if line.strip()}
    assert {"typical", "large", "extreme"} <= set(gaps)
    assert float(gaps["typical"].split("max rel")[1].split()[0]) < 1e-5  # same maths, float32
    assert float(gaps["extreme"].split("max rel")[1].split()[0]) > 0.1   # the clip at 1e-7 acts
    assert main(["diff", "ccdemo.gelu", "ccdemo.sigmoid", "--adapter", plugin, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["a"]["api"] == "ccdemo.gelu" and data["gaps"][0]["regime"] == "typical"


def test_diff_unknown_api(plugin: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "ccdemo.nope", "ccdemo.ce", "--adapter", plugin]) == 2
    assert "no binding named 'ccdemo.nope'" in capsys.readouterr().err


def test_run_then_report(tmp_path: Path) -> None:
    """``python -m conformance run`` writes results that ``report`` turns into a report."""
    (tmp_path / "ccdemo_plugin.py").write_text(PLUGIN)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    results = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "conformance", "run", "--adapter", "ccdemo_plugin",
                          "--backend", "plugin", "--kind", "activations", "-n", "0",
                          "-o", str(results)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert results.exists(), run.stdout[-2000:] + run.stderr[-2000:]
    doc = json.loads(results.read_text())
    assert doc["backends"]["ccdemo"]["version"] == "1.0"
    assert 0 < doc["wall_s"] < 300  # the run's own seconds (it was always null until 2026-12-06)
    outcomes = {c["binding"]: set() for c in doc["cases"]}
    for c in doc["cases"]:
        outcomes[c["binding"]].add(c["outcome"])
    assert "fail" in outcomes["ccdemo.gelu"]
    out = tmp_path / "report"
    rep = subprocess.run([sys.executable, "-m", "conformance", "report", str(results), "-o", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert rep.returncode == 0, rep.stderr
    assert "ccdemo 1.0" in rep.stdout
    md = (out / "report.md").read_text()
    assert "| gelu | activation | 🔴 fail" in md and "ccdemo.gelu" in md


DAZ_PLUGIN = textwrap.dedent('''
    """log1mexp twice in NumPy: as computed, and on a CPU that reads subnormals as zeros."""
    import numpy as np

    from adapters import numpy_adapter, numpy_binding


    def log1mexp(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(-np.expm1(-x)).astype(x.dtype)


    def log1mexp_daz(x):
        tiny = np.finfo(x.dtype).tiny
        return log1mexp(np.where(np.abs(x) < tiny, np.zeros_like(x), x))  # denormals-are-zero


    backend, bindings = numpy_adapter("dazdemo", [
        numpy_binding("dazdemo.log1mexp", log1mexp, "log1mexp"),
        numpy_binding("dazdemo.log1mexp_daz", log1mexp_daz, "log1mexp"),
    ], version="1.0")
''')


def test_repro_flush_subnormals_tells_a_flushing_api_from_one_that_is_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """--flush-subnormals reruns the case on inputs whose subnormals are zeros: an API that
    reads them as zeros answers the same bit for bit, and then agrees with the reference on
    the zeroed inputs; an exact API answers differently."""
    (tmp_path / "dazdemo_plugin.py").write_text(DAZ_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    base = ["repro", "--adapter", "dazdemo_plugin", "--flush-subnormals"]
    assert main([*base[:1], "dazdemo.log1mexp_daz[float32-subnormal]", *base[1:]]) == 1
    out = capsys.readouterr().out
    assert "outcome: fail: values: 24/70 elements" in out
    assert "24 input element(s) replaced" in out
    assert "the same, bit for bit, at every element" in out
    assert "against the reference on the zeroed inputs: pass" in out
    assert main([*base[:1], "dazdemo.log1mexp[float32-subnormal]", *base[1:]]) == 0
    out = capsys.readouterr().out
    assert "differs at 24 of 70 element(s)" in out
    # float16 holds subnormals of its own (3e-6, 6e-8) to replace
    assert main([*base[:1], "dazdemo.log1mexp[float16-subnormal]", *base[1:]]) == 0
    assert "input element(s) replaced" in capsys.readouterr().out
    assert main([*base[:1], "dazdemo.log1mexp[float32-typical]", *base[1:]]) == 0
    assert "no input element is subnormal in float32: nothing to flush" in capsys.readouterr().out


@pytest.mark.parametrize(("case_id", "message"), [
    ("ccdemo.sigmoid[float33-typical]",
     "ccdemo.sigmoid: dtype 'float33' is not one of float16, float32, float64; "
     "did you mean 'float32'?"),
    ("ccdemo.sigmoid[int32-typical]", "dtype 'int32' is not one of float16, bfloat16"),
    ("ccdemo.sigmoid[float32-typicl]", "ccdemo.sigmoid: regime 'typicl' is not one of typical, "),
    ("ccdemo.sigmoid[float32-typical-gard]",
     "check 'gard' is not one of grad, grad_NAME, paths; did you mean 'grad'?"),
    ("ccdemo.sigmoid[float32-typical-grad]", "ccdemo.sigmoid: no gradient cases (values only)"),
    ("ccdemo.sigmoid[float32-typical-paths]", "ccdemo.sigmoid: no 'paths' check"),
    ("ccdemo.ce[float32-kinks]", "ccdemo.ce: regime 'kinks' is not one of typical, "),
])
def test_repro_names_the_part_of_a_case_id_it_has_no_case_for(
        plugin: str, case_id: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped dtype, regime or check is a one-line usage error naming it, never a
    traceback from NumPy's dtype parser or a KeyError from the regime table."""
    assert main(["repro", case_id, "--adapter", plugin]) == 2
    err = capsys.readouterr().err
    assert err.startswith("repro: ") and message in err and len(err.splitlines()) == 1, err
    # the id as the suite writes it runs
    assert main(["repro", "ccdemo.sigmoid[float32-typical]", "--adapter", plugin]) == 0
    assert "outcome: pass" in capsys.readouterr().out


def test_list_says_when_a_filter_names_nothing(plugin: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--adapter", plugin, "--backend", "plugin", "--reference", "sigmod"]) == 1
    err = capsys.readouterr().err
    assert "no binding matches --reference 'sigmod'" in err and "did you mean 'sigmoid'?" in err
    assert main(["list", "--adapter", plugin, "--backend", "plugin", "--api", "ccdemo.nope"]) == 1
    assert "no binding matches --api 'ccdemo.nope'" in capsys.readouterr().err
    assert main(["list", "--adapter", plugin, "--backend", "plugin", "--reference", "sig"]) == 0
    assert "ccdemo.sigmoid" in capsys.readouterr().out


def test_run_that_writes_no_results_does_not_name_an_old_file(tmp_path: Path) -> None:
    """A usage error ends the run before any case: the file of an earlier run at that path
    is not this run's results, and run says so instead of naming it."""
    (tmp_path / "ccdemo_plugin.py").write_text(PLUGIN)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    old = tmp_path / "results.json"
    old.write_text("{}")
    run = subprocess.run([sys.executable, "-m", "conformance", "run", "--adapter", "ccdemo_plugin",
                          "--backend", "plugin", "-n", "0", "-o", str(old), "--", "--regime", "typicl"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "--regime 'typicl' is not one of typical" in run.stdout, run.stdout[-2000:]
    assert f"results: {old}" not in run.stdout
    assert "no results written (pytest exit code" in run.stderr
    assert old.read_text() == "{}"
