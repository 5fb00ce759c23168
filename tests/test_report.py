"""The report: merging results files, matrix, drift, porting guide, Markdown, HTML, plots.

Synthetic results documents (small dicts) only: no framework is imported here.
"""

from __future__ import annotations

import copy
import json
import platform
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.report.build import build_report
from conformance.report.drift import find_drift
from conformance.report.html import render_html
from conformance.report.markdown import md, render_markdown
from conformance.report.matrix import build_matrix, status_of, summary_rows
from conformance.report.merge import Column, ResultsFileError, load_results, merge
from conformance.report.porting import porting_guide
from conformance.report.terminal import render_terminal
from conformance.results import SCHEMA

EVIL_API = "evil.loss<script>alert(1)</script>|`tick`"
EVIL_MSG = "boom <b>bold</b> | pipe `code` *star* [link](http://example.com)"


def case(api: str, backend: str, reference: str, outcome: str = "pass", *, dtype: str = "float32",
         regime: str = "typical", check: str = "value", kind: str = "activation",
         ulp: Any = 0.5, conventions: dict | None = None, **extra: Any) -> dict[str, Any]:
    suffix = "" if check == "value" else f"-{check}"
    cid = f"{api}[{dtype}-{regime}{suffix}]"
    rec = {"id": cid, "backend": backend, "binding": api, "reference": reference,
           "kind": "gradient" if check == "grad" else kind, "binding_kind": kind, "check": check,
           "dtype": dtype, "regime": regime, "conventions": conventions or {},
           "grad_conventions": {}, "reproducer": f"python -m conformance repro '{cid}'",
           "outcome": outcome, "message": extra.pop("message", f"{outcome} message"),
           "max_abs": 1e-7, "max_rel": 1e-7, "max_ulp": ulp, "rtol": 1.3e-6, "atol": 1e-5}
    rec.update(extra)
    return rec


def declaration(api: str, backend: str, reference: str, kind: str = "activation", **info: Any
                ) -> dict[str, Any]:
    return {"api": api, "backend": backend, "kind": kind, "reference": reference,
            "args": info.pop("args", ["x"]), "conventions": info.pop("conventions", {}),
            "grad_conventions": {}, "grad": True, "dtypes": ["float32"], "label_dtype": "int64",
            "output_dtype": "same", "info": info, "pair": None, "notes": ""}


def doc(backend: str, version: str, cases: list[dict[str, Any]], bindings: list[dict[str, Any]] = (),
        packages: tuple[str, ...] | None = None) -> dict[str, Any]:
    return {"schema": SCHEMA, "schema_version": 1, "created": "2026-01-01T00:00:00+00:00",
            "wall_s": 1.0, "environment": {"python": "3.11.7", "platform": "Linux", "numpy": "2.4"},
            "backends": {backend: {"name": backend, "version": version,
                                   "packages": list(packages or (backend,)), "device": "cpu",
                                   "available": True, "reason": None, "bindings": list(bindings)}},
            "options": {"device": "cpu"}, "totals": {}, "registry": {}, "cases": cases}


DIVERGENCE = {"index": 3, "reason": "gelu's negative tail loses digits (cancellation)",
              "source": "aten/src/ATen/native/cpu/Activation.cpp:GeluKernel", "versions": "torch>=2.0"}


def torch_doc(version: str, gelu_outcome: str = "xfail") -> dict[str, Any]:
    curve = {"input": "x", "x": [-10.0, -5.0, -1.0, 0.0, 1.0], "abs_err": [1e-9, 1e-8, 0.0, 0.0, "nan"],
             "rel_err": [1, 1, 0, 0, 0]}
    cases = [
        case("torch.nn.functional.relu", "torch", "relu"),
        case("torch.nn.functional.relu", "torch", "relu", check="grad"),
        case("torch.nn.functional.gelu", "torch", "gelu", gelu_outcome, ulp=3e4,
             error_curve=curve, divergence=DIVERGENCE if gelu_outcome == "xfail" else None,
             message=EVIL_MSG),
        case("torch.nn.functional.leaky_relu", "torch", "leaky_relu",
             conventions={"negative_slope": 0.01}),
        case("torch.nn.functional.binary_cross_entropy", "torch", "binary_cross_entropy",
             kind="loss", conventions={"log_clamp": -100.0, "reduction": "mean"}, ulp=2.0),
        case("torch.nn.functional.binary_cross_entropy", "torch", "binary_cross_entropy", "pass",
             kind="loss", regime="unsaturated", check="paths",
             saturation={"z": [-50.0, 0.0, 50.0], "gap_positive": [0.0, 0.0, 50.0],
                         "gap_negative": [50.0, 0.0, 0.0],
                         "departs_at_abs_z": {"positive": 17.0, "negative": 17.0}}),
        case(EVIL_API, "torch", "softmax_cross_entropy", "fail", kind="loss", ulp="inf",
             message=EVIL_MSG),
    ]
    for c in cases:
        if c.get("divergence") is None:
            c.pop("divergence", None)
    decls = [declaration("torch.nn.functional.relu", "torch", "relu", input_space="real",
                         kink_grad="relu'(0)=0", source="torch/nn/functional.py:relu"),
             declaration("torch.nn.functional.gelu", "torch", "gelu", defaults="approximate='none'"),
             declaration("torch.nn.functional.leaky_relu", "torch", "leaky_relu",
                         conventions={"negative_slope": 0.01}, defaults="negative_slope=0.01"),
             declaration("torch.nn.functional.binary_cross_entropy", "torch", "binary_cross_entropy",
                         "loss", args=["y_pred", "y_true"],
                         conventions={"log_clamp": -100.0, "reduction": "mean"},
                         input_space="probabilities", labels="binary/soft", default_reduction="mean",
                         epsilon="log terms clamped at -100"),
             declaration(EVIL_API, "torch", "softmax_cross_entropy", "loss")]
    return doc("torch", version, cases, decls)


def jax_doc() -> dict[str, Any]:
    cases = [case("jax.nn.relu", "jax", "relu"), case("jax.nn.gelu", "jax", "gelu", "fail", ulp=1e6),
             case("optax.sigmoid_binary_cross_entropy", "jax", "sigmoid_binary_cross_entropy",
                  kind="loss", outcome="skip", ulp=None)]
    return doc("jax", "0.10.2", cases, [declaration("jax.nn.relu", "jax", "relu")])


def write(tmp_path: Path, name: str, document: Any) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return p


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    return [write(tmp_path, "torch-2.12.json", torch_doc("2.12.0", gelu_outcome="pass")),
            write(tmp_path, "torch-2.13.json", torch_doc("2.13.0")),
            write(tmp_path, "jax.json", jax_doc())]


# ----------------------------------------------------------------------------- reading
@pytest.mark.parametrize(("content", "problem"), [
    ("", "empty file"),
    ("{\"schema\": \"crossconform-results\", \"cases\": [", "not valid JSON (truncated?)"),
    ("[1, 2]", "top level is a JSON list"),
    (json.dumps({"schema": "other", "schema_version": 1, "cases": []}), "'schema' is 'other'"),
    (json.dumps({"schema": SCHEMA, "schema_version": 2, "cases": []}), "schema_version 2 is newer"),
    (json.dumps({"schema": SCHEMA, "schema_version": "1", "cases": []}), "positive integer"),
    (json.dumps({"schema": SCHEMA, "schema_version": 1}), "missing key 'cases'"),
    (json.dumps({"schema": SCHEMA, "schema_version": 1, "cases": [{"id": "a"}]}),
     "lacks string key(s) ['backend', 'binding', 'outcome']"),
    (json.dumps({"schema": SCHEMA, "schema_version": 1, "cases": [
        {"id": "a", "backend": "b", "binding": "c", "outcome": "exploded"}]}), "outcome 'exploded'"),
])
def test_bad_file_names_file_and_problem(tmp_path: Path, content: str, problem: str) -> None:
    p = write(tmp_path, "bad.json", content)
    with pytest.raises(ResultsFileError) as info:
        load_results(p)
    assert str(p) in str(info.value)
    assert problem in str(info.value)


def test_truncated_real_document(tmp_path: Path) -> None:
    text = json.dumps(torch_doc("2.13.0"), indent=1)
    p = write(tmp_path, "cut.json", text[: len(text) // 2])
    with pytest.raises(ResultsFileError, match=r"cut\.json: not valid JSON"):
        merge([p])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ResultsFileError, match="no such file"):
        load_results(tmp_path / "nope.json")


# ----------------------------------------------------------------------------- merging
def test_merge_keeps_every_case_of_every_file(files: list[Path]) -> None:
    merged = merge(files)
    expected = sum(len(json.loads(f.read_text())["cases"]) for f in files)
    assert len(merged.cases) == expected
    got = {(c["_file"], c["id"]) for c in merged.cases}
    for f in files:
        for c in json.loads(f.read_text())["cases"]:
            assert (str(f), c["id"]) in got
    assert [c.label for c in merged.columns] == ["jax 0.10.2", "torch 2.12.0", "torch 2.13.0"]
    assert not merged.warnings


def test_columns_sorted_by_version_not_text(tmp_path: Path) -> None:
    a = write(tmp_path, "a.json", torch_doc("2.10.0"))
    b = write(tmp_path, "b.json", torch_doc("2.9.1"))
    assert [c.version for c in merge([a, b]).columns] == ["2.9.1", "2.10.0"]


def test_same_column_same_case_later_file_wins(tmp_path: Path) -> None:
    first = torch_doc("2.13.0")
    second = copy.deepcopy(first)
    second["cases"][0]["outcome"] = "fail"
    a, b = write(tmp_path, "a.json", first), write(tmp_path, "b.json", second)
    merged = merge([a, b])
    assert len(merged.cases) == len(first["cases"])
    assert len(merged.superseded) == len(first["cases"])
    relu = next(c for c in merged.cases if c["id"] == first["cases"][0]["id"])
    assert relu["outcome"] == "fail" and relu["_file"] == str(b)
    assert len(merged.warnings) == 1 and "later file" in merged.warnings[0] and str(b) in merged.warnings[0]


def test_keras_backend_and_device_make_distinct_columns(tmp_path: Path) -> None:
    cases = [case("keras.activations.relu", "keras", "relu")]
    k_tf = doc("keras", "3.15.1", cases, packages=("keras", "tensorflow"))
    k_jax = doc("keras", "3.15.1", cases, packages=("keras", "jax", "jaxlib"))
    k_jax["backends"]["keras"]["device"] = "cuda"
    merged = merge([write(tmp_path, "a.json", k_tf), write(tmp_path, "b.json", k_jax)])
    assert {c.label for c in merged.columns} == {"keras 3.15.1 (tensorflow)", "keras 3.15.1 (jax, cuda)"}
    assert len(merged.cases) == 2 and not merged.warnings


def test_a_run_with_a_ulp_ceiling_is_a_column_of_its_own(tmp_path: Path) -> None:
    plain = torch_doc("2.13.0")
    strict = copy.deepcopy(plain)
    strict["options"] = {**(strict.get("options") or {}), "max_ulp": "float64=2**20"}
    merged = merge([write(tmp_path, "a.json", plain), write(tmp_path, "b.json", strict)])
    assert [c.label for c in merged.columns] == ["torch 2.13.0", "torch 2.13.0 (max-ulp float64=2**20)"]
    assert not merged.warnings and not merged.superseded


def test_keras_on_two_torch_versions_is_two_columns_and_a_drift(tmp_path: Path) -> None:
    """The same Keras on torch 2.13 and 2.15: two columns of one group (not merged into
    one, the later file winning), ordered by torch's version, and a drift between them."""
    files = []
    for name, torch_version, outcome in (("b.json", "2.15.0", "fail"), ("a.json", "2.13.0+cpu", "pass")):
        d = doc("keras", "3.15.1", [case("keras.losses.kl_divergence", "keras", "kl_divergence",
                                         outcome, kind="loss")], packages=("keras", "torch"))
        d["backends"]["keras"]["package_versions"] = {"keras": "3.15.1", "torch": torch_version}
        files.append(write(tmp_path, name, d))
    merged = merge(files)
    assert [c.label for c in merged.columns] == ["keras 3.15.1 (torch 2.13.0+cpu)",
                                                 "keras 3.15.1 (torch 2.15.0)"]
    assert len(merged.cases) == 2 and not merged.warnings
    (d,) = find_drift(merged)
    assert d.title == "keras 3.15.1 (torch 2.13.0+cpu) -> keras 3.15.1 (torch 2.15.0)"
    assert [(o["old"], o["new"]) for o in d.outcomes] == [("pass", "fail")]


def test_tensorflow_onednn_runs_make_their_own_columns(tmp_path: Path) -> None:
    """TensorFlow's oneDNN kernels change its numbers (the CPU decides whether they run),
    so a run with them on is a column of its own, for TF and for Keras on TF only."""
    files = []
    for i, onednn in enumerate((True, False)):
        for d in (doc("tensorflow", "2.21.0", [case("tf.nn.softmax", "tensorflow", "softmax")]),
                  doc("keras", "3.15.1", [case("keras.activations.softmax", "keras", "softmax")],
                      packages=("keras", "tensorflow")),
                  doc("keras", "3.15.1", [case("keras.activations.relu", "keras", "relu")],
                      packages=("keras", "jax", "jaxlib"))):
            name = next(iter(d["backends"]))
            if "tensorflow" in d["backends"][name]["packages"]:  # as the suite records it
                d["backends"][name]["tensorflow_onednn"] = onednn
                d["environment"]["tensorflow_onednn"] = onednn
            d["environment"]["cpu"] = {"model": "Some CPU", "flags": ["avx2", "avx512_bf16"]}
            files.append(write(tmp_path, f"{i}-{len(files)}.json", d))
    merged = merge(files)
    assert {c.label for c in merged.columns} == {
        "tensorflow 2.21.0 (oneDNN)", "tensorflow 2.21.0", "keras 3.15.1 (tensorflow, oneDNN)",
        "keras 3.15.1 (tensorflow)", "keras 3.15.1 (jax)"}
    assert len(merged.cases) == 5
    report = build_report(merged, plots=False)
    text = render_markdown(report)
    assert "| cpu | TF oneDNN |" in text
    assert "Some CPU (avx2 avx512\\_bf16) | on |" in text and "Some CPU (avx2 avx512\\_bf16) | off |" in text
    html = render_html(report)
    assert "<td>Some CPU (avx2 avx512_bf16)</td><td>on</td>" in html


def test_missing_backends_section_gives_unknown_version(tmp_path: Path) -> None:
    d = torch_doc("2.13.0")
    del d["backends"]
    merged = merge([write(tmp_path, "a.json", d)])
    assert merged.columns == [Column("torch", "unknown")]
    guide = porting_guide(merged)  # declarations rebuilt from the cases
    assert "relu" in guide and guide["relu"][0].values["api"] == "torch.nn.functional.relu"


def test_skip_bad(tmp_path: Path, files: list[Path]) -> None:
    bad = write(tmp_path, "bad.json", "{")
    with pytest.raises(ResultsFileError, match=r"bad\.json"):
        merge([*files, bad])
    merged = merge([files[0], bad, files[1]], skip_bad=True)
    assert merged.files == [str(files[0]), str(files[1])]
    assert merged.skipped and merged.skipped[0][0] == str(bad)
    with pytest.raises(ResultsFileError, match="no results file could be read"):
        merge([bad], skip_bad=True)


# ------------------------------------------------------------------ matrix, drift, guide
def test_matrix_cells(files: list[Path]) -> None:
    merged = merge(files)
    mx = build_matrix(merged)
    t13, t12, jx = Column("torch", "2.13.0"), Column("torch", "2.12.0"), Column("jax", "0.10.2")
    assert mx.cells[(("gelu", "activation"), t13)].status == "divergence"
    assert mx.cells[(("gelu", "activation"), t12)].status == "pass"
    assert mx.cells[(("gelu", "activation"), jx)].status == "fail"
    assert mx.cells[(("gelu", "activation"), jx)].worst_ulp == 1e6
    assert mx.cells[(("leaky_relu", "activation"), t13)].status == "convention"
    assert mx.cells[(("relu", "gradient"), t13)].status == "pass"
    assert (("binary_cross_entropy", "paths"), t13) in mx.cells
    assert mx.cells[(("softmax_cross_entropy", "loss"), t13)].worst_ulp == float("inf")
    # reduction alone is structural, not a numerical convention; log_clamp is one
    assert status_of(case("a", "b", "c", conventions={"reduction": "mean"})) == "pass"
    rows = {r["column"].label: r for r in summary_rows(merged)}
    assert rows["torch 2.13.0"]["divergences"] == 1 and rows["torch 2.13.0"]["failures"] == 1
    assert rows["jax 0.10.2"]["skipped"] == 1


def test_drift_between_versions(files: list[Path], tmp_path: Path) -> None:
    newer = torch_doc("2.14.0")
    newer["cases"] = [c for c in newer["cases"] if "leaky" not in c["binding"]]
    newer["cases"][0]["conventions"] = {"max_value": 6.0}
    gelu = next(c for c in newer["cases"] if c["binding"] == "torch.nn.functional.gelu")
    gelu["grad_conventions"] = {"grad_at_zero": 0.5}  # a subgradient moved (as clamp's in 2.14)
    merged = merge([*files, write(tmp_path, "t14.json", newer)])
    drift = find_drift(merged)
    assert [d.title for d in drift] == ["torch 2.12.0 -> torch 2.13.0", "torch 2.13.0 -> torch 2.14.0"]
    assert [(o["binding"], o["old"], o["new"]) for o in drift[0].outcomes] == [
        ("torch.nn.functional.gelu", "pass", "xfail")]
    assert drift[1].removed == ["torch.nn.functional.leaky_relu"]
    assert [c["binding"] for c in drift[1].conventions] == [
        "torch.nn.functional.gelu", "torch.nn.functional.relu"]
    assert {"binding": "torch.nn.functional.gelu", "old": {},
            "new": {"grad_at_zero": 0.5}} in drift[1].conventions
    report = build_report(merged, plots=False)
    text = render_markdown(report)
    assert text.index("## Version drift") < text.index("## Summary")
    assert render_terminal(report).index("VERSION DRIFT") < render_terminal(report).index("passed")


def test_registry_coverage_alone_is_not_drift(tmp_path: Path) -> None:
    """gelu fails in 2.12 and is registered (xfail) in 2.13 with the same error: the numbers
    did not move, only the registry's versions; no drift reported for it."""
    merged = merge([write(tmp_path, "a.json", torch_doc("2.12.0", gelu_outcome="fail")),
                    write(tmp_path, "b.json", torch_doc("2.13.0"))])
    assert not any(o["binding"] == "torch.nn.functional.gelu"
                   for d in find_drift(merged) for o in d.outcomes)


def test_porting_guide(files: list[Path]) -> None:
    guide = porting_guide(merge(files))
    bce = guide["binary_cross_entropy"][0]
    assert bce.values["input_space"] == "probabilities"
    assert bce.values["args"] == "y_pred, y_true"
    assert bce.values["default_reduction"] == "mean"
    assert bce.values["epsilon"] == "log terms clamped at -100"
    assert bce.framework == "torch 2.12.0, 2.13.0"  # same declaration: one row, both versions
    relu = {r.framework: r for r in guide["relu"]}
    assert relu["torch 2.12.0, 2.13.0"].values["kink_grad"] == "relu'(0)=0"
    assert "jax 0.10.2" in relu
    gelu = [r for r in guide["gelu"] if r.backend == "torch"]
    assert len(gelu) == 2  # 2.13 has a registered divergence, 2.12 none: two rows
    div = next(r for r in gelu if r.divergences).divergences[0]
    assert div.source == DIVERGENCE["source"] and "negative tail" in div.reason


# ------------------------------------------------------------------- Markdown and HTML
def test_markdown_cells_and_escaping(files: list[Path]) -> None:
    text = render_markdown(build_report(merge(files), plots=False))
    assert "| function | kind | jax 0\\.10\\.2" not in text  # dots are not escaped
    assert "| function | kind | jax 0.10.2 | torch 2.12.0 | torch 2.13.0 |" in text
    assert "| gelu | activation | 🔴 fail 1.0e+06 ULP | 🟢 pass 3e+04 ULP | 🟡 divergence 3e+04 ULP |" in text
    assert "🔵 convention" in text
    assert "<script>" not in text and "<b>" not in text
    assert md(EVIL_API) in text and "\\|" in md(EVIL_API) and "\\`" in md(EVIL_API)
    # every table row has as many unescaped pipes as its header
    for block in re.findall(r"((?:^\|.*\n)+)", text, flags=re.M):
        counts = {len(re.findall(r"(?<!\\)\|", line)) for line in block.splitlines()}
        assert len(counts) == 1, block
    assert "### binary\\_cross\\_entropy" in text
    assert DIVERGENCE["source"].replace("_", "\\_") in text


def test_html_matrix_escaping_and_no_network(files: list[Path]) -> None:
    html = render_html(build_report(merge(files), plots=True))
    assert '<table id="matrix">' in html
    assert re.search(r'<tr data-kind="activation" data-statuses="divergence fail pass">'
                     r"<td><a href=\"#ref-gelu\"><code>gelu</code>", html)
    assert 'class="cell s-fail"' in html and 'class="cell s-divergence"' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>bold</b>" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert html.count("<script>") == 1  # only the report's own filter script
    assert 'id="f-kind"' in html and 'id="f-outcome"' in html
    assert "data:image/png;base64," in html


def test_plots_drawn(files: list[Path]) -> None:
    pytest.importorskip("matplotlib")
    report = build_report(merge(files))
    names = [p.title for p in report.plots]
    assert any("probabilities path vs logits path" in t for t in names)
    assert any("torch.nn.functional.gelu (value)" in t for t in names)
    assert all(p.png.startswith(b"\x89PNG") for p in report.plots)


def test_report_without_matplotlib(files: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    report = build_report(merge(files))
    assert report.plots == []
    assert any("matplotlib is not installed" in n for n in report.notes)
    assert "matplotlib is not installed" in render_html(report)
    assert "matplotlib is not installed" in render_markdown(report)


def test_results_environment_names_the_cpu_and_tensorflows_onednn_state() -> None:
    """The numbers depend on the CPU (TensorFlow's oneDNN default, vector code paths), so
    the results record it: the model and the kernel-relevant flags, read from
    /proc/cpuinfo; and, once TensorFlow is imported, whether its oneDNN kernels ran."""
    from conformance.results import CPU_FLAGS, cpu, environment

    info = cpu()
    assert isinstance(info["model"], str) and info["model"]
    if Path("/proc/cpuinfo").exists():  # each flag reported is one the kernel lists
        text = Path("/proc/cpuinfo").read_text()
        vendor = {"vendor_intel": "GenuineIntel", "vendor_amd": "AuthenticAMD"}
        words = set(text.split()) | {f for f, v in vendor.items() if v in text.split()}
        assert set(info["flags"]) <= set(CPU_FLAGS) & words, info["flags"]
        assert sum(f in info["flags"] for f in vendor) == any(v in text for v in vendor.values())
        if info["model"] != platform.machine():
            assert info["model"] in Path("/proc/cpuinfo").read_text()
    env = environment()
    assert env["cpu"] == info
    assert ("tensorflow_onednn" in env) == ("tensorflow" in sys.modules)
    # under xdist the controller has no TensorFlow: the state comes from the workers' records
    assert environment({"tensorflow": {"tensorflow_onednn": False}})["tensorflow_onednn"] is False
    assert environment({"keras": {"tensorflow_onednn": True}})["tensorflow_onednn"] is True


def test_passes_only_through_atol_are_listed_worst_first(tmp_path: Path) -> None:
    """A passing case with elements inside tolerance only through atol is listed (its
    ``atol_only``; before that field existed, max_rel > rtol), grouped by case over the
    columns, largest relative error first; a case within rtol everywhere is not."""
    flushed = case("torch.sigmoid", "torch", "sigmoid", regime="large", atol_only=2,
                   max_rel=1.0, max_abs=3e-12)
    tight = case("torch.relu", "torch", "relu", atol_only=0, max_rel=2e-7)
    old_format = case("torch.tanh", "torch", "tanh", max_rel=0.25, max_abs=1e-9)
    failed = case("torch.gelu", "torch", "gelu", "fail", atol_only=5, max_rel=9.0)
    a = write(tmp_path, "a.json", doc("torch", "2.13.0", [flushed, tight, old_format, failed]))
    later = dict(flushed, max_rel=0.5)
    b = write(tmp_path, "b.json", doc("torch", "2.15.0", [later]))
    report = build_report(merge([a, b]), plots=False)
    assert [c["id"] for c, _ in report.through_atol_by_case()] == [flushed["id"], old_format["id"]]
    assert report.through_atol_by_case()[0][1] == ["torch 2.13.0", "torch 2.15.0"]
    text = render_markdown(report)
    assert "## Passing only through atol" in text and "3 of 4 passing cases" in text
    assert "torch.relu" not in text.split("## Passing only through atol")[1].split("##")[0]
    assert 'id="through-atol"' in render_html(report)
    assert "passing cases are within tolerance only through atol" in render_terminal(report)


def test_passes_within_rtol_far_from_the_dtypes_precision_are_listed_by_binding(
        tmp_path: Path) -> None:
    """A passing case that needs no atol but loses more than 2^20 ULP of its dtype (a
    float64 result computed in float32) is listed, worst case per binding; a pass through
    atol is not (its own section), nor is one near the dtype's precision or a failure; and
    "Largest measured errors" leaves the pass through atol out (its 9e307 ULP measure a 0)."""
    f32_behind = case("tf.nn.leaky_relu", "tensorflow", "leaky_relu", dtype="float64",
                      atol_only=0, ulp=6.7e7, max_rel=1.5e-8)
    same_binding = case("tf.nn.leaky_relu", "tensorflow", "leaky_relu", dtype="float64",
                        regime="large", atol_only=0, ulp=2.0e7, max_rel=4e-9)
    constant = case("keras.losses.log_cosh", "tensorflow", "log_cosh", dtype="float64",
                    atol_only=0, ulp=1.7e7, max_rel=2.1e-9)
    near = case("torch.tanh", "tensorflow", "tanh", dtype="float64", atol_only=0, ulp=900.0)
    zero_answer = case("optax.losses.hinge", "tensorflow", "hinge", dtype="float64",
                       atol_only=3, ulp=8.9e307, max_rel=1.0)
    failed = case("torch.gelu", "tensorflow", "gelu", "fail", dtype="float64", atol_only=0,
                  ulp=5e9, max_rel=1e-6)
    a = write(tmp_path, "a.json", doc("tensorflow", "2.21.0",
                                      [f32_behind, same_binding, constant, near, zero_answer,
                                       failed]))
    report = build_report(merge([a]), plots=False)
    assert [c["id"] for c in report.within_rtol_far_off] == [
        f32_behind["id"], same_binding["id"], constant["id"]]
    groups = report.within_rtol_far_off_by_binding()
    assert [(c["id"], n) for c, n, _ in groups] == [(f32_behind["id"], 2), (constant["id"], 1)]
    assert zero_answer["id"] not in [c["id"] for c in report.worst]
    assert report.worst[0]["id"] == failed["id"]
    text = render_markdown(report)
    section = text.split("## Passing within rtol, far from the dtype's precision")[1].split("##")[0]
    assert "3 passing cases" in section and "(2 bindings)" in section
    assert "tf.nn.leaky\\_relu" in section and "torch.tanh" not in section
    assert "optax.losses.hinge" not in section and "torch.gelu" not in section
    assert 'id="far-off"' in render_html(report)
    assert "3 passing cases (2 bindings) are within rtol" in render_terminal(report)


def test_far_off_reads_the_elements_within_rtol_where_the_run_recorded_them(tmp_path: Path) -> None:
    """A case with an element through atol (its max ULP measures a 0) and others at float32
    precision is listed by its figures within rtol; recorded as near the dtype's precision,
    a case is not listed whatever its case-wide max ULP."""
    mixed = case("keras.losses.Dice", "keras", "dice", dtype="float64", atol_only=2,
                 ulp=8.9e307, max_rel=3.0)
    mixed |= {"max_ulp_within_rtol": 8.7e8, "max_rel_within_rtol": 9.6e-8}
    clean = case("keras.ops.relu", "keras", "relu", dtype="float64", atol_only=0, ulp=6e7,
                 max_rel=1e-8)
    clean |= {"max_ulp_within_rtol": 12.0, "max_rel_within_rtol": 1e-15}  # recorded: wins
    report = build_report(merge([write(tmp_path, "k.json", doc("keras", "3.15.1",
                                                              [mixed, clean]))]), plots=False)
    assert [c["id"] for c in report.within_rtol_far_off] == [mixed["id"]]
    text = render_terminal(report)
    assert "8.7e+08" in text and "rel    9.6e-08  keras.losses.Dice" in text, text
    assert "8.9e+307" not in text.split("within rtol but more")[1]


def test_the_terminal_summary_lists_passes_far_from_precision_and_not_atol_artifacts() -> None:
    """The pytest run's own summary: "largest measured errors" leaves out a pass through
    atol (listed apart), and the passes within rtol but over 2^20 ULP off get their lines."""
    from types import SimpleNamespace

    from conformance.results import Collector, summary_lines

    collector = Collector()
    for rec in (case("tf.nn.leaky_relu", "tensorflow", "leaky_relu", dtype="float64",
                     atol_only=0, ulp=6.7e7, max_rel=1.5e-8),
                case("optax.losses.hinge", "jax", "hinge", dtype="float64", atol_only=3,
                     ulp=8.9e307, max_rel=1.0),
                case("torch.relu", "torch", "relu", atol_only=0, ulp=0.5)):
        collector.records[rec["id"]] = rec
    option = SimpleNamespace(registry=None, kind=None, dtype=None, regime=None, device=None)
    text = "\n".join(summary_lines(collector, SimpleNamespace(option=option)))
    largest = text.split("largest measured errors")[1].split("crossconform:")[0]
    assert "tf.nn.leaky_relu" in largest and "optax.losses.hinge" not in largest
    assert ("1 passing cases (1 bindings) are within rtol but more than 2^20 ULP" in text
            and "rel   1.5e-08  tf.nn.leaky_relu[float64-typical]" in text), text
