"""The noxfile, its pins and the CI matrix stay in step (no nox environment is created).

* every constraints file parses, pins each package once, with an exact or bounded specifier;
* every file in constraints/ is used by a session and layers over constraints.txt cleanly;
* every nox session appears in .github/workflows/conformance.yml, each conformance session
  as a matrix entry whose ``results`` is the file the session writes.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "conformance.yml"
CONSTRAINT_FILES = [ROOT / "constraints.txt", *sorted((ROOT / "constraints").glob("*.txt"))]


def _requirement_lines(path: Path) -> list[tuple[int, str]]:
    lines = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append((lineno, line))
    return lines


@pytest.fixture(scope="module")
def noxfile() -> ModuleType:
    pytest.importorskip("nox", reason="nox is not installed")
    # Once per process: xdist may tear a module fixture down and set it up again in one
    # worker, and executing the noxfile twice registers every session twice in nox's
    # global registry (a FutureWarning now, "an error in a future version of nox").
    if "crossconform_noxfile" in sys.modules:
        return sys.modules["crossconform_noxfile"]
    spec = importlib.util.spec_from_file_location("crossconform_noxfile", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[spec.name]
        raise
    return module


@pytest.fixture(scope="module")
def nox_sessions() -> list[dict]:
    """What ``nox --list --json`` says (the sessions as nox itself sees them)."""
    pytest.importorskip("nox", reason="nox is not installed")
    proc = subprocess.run([sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"),
                           "--list", "--json"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)
    assert proc.returncode == 0, f"nox --list --json failed:\n{proc.stderr}"
    return json.loads(proc.stdout)


def _matrix() -> list[dict[str, str]]:
    """The conformance job's matrix ``include`` entries (parsed without a YAML library)."""
    text = WORKFLOW.read_text(encoding="utf-8")
    entries = re.findall(r'^\s*- session: "([^"]+)"\n\s+results: (\S+)\s*$', text, re.M)
    return [{"session": s, "results": r} for s, r in entries]


@pytest.mark.parametrize("path", CONSTRAINT_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_constraints_file_parses(path: Path) -> None:
    seen: dict[str, int] = {}
    lines = _requirement_lines(path)
    assert lines, f"{path}: no pins"
    for lineno, line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            pytest.fail(f"{path.name}:{lineno}: {line!r} is not a requirement: {exc}")
        name = canonicalize_name(req.name)
        assert req.url is None and not req.extras, f"{path.name}:{lineno}: {line!r}: plain pins only"
        assert req.specifier, f"{path.name}:{lineno}: {line!r} pins nothing"
        assert name not in seen, f"{path.name}:{lineno}: {name} already pinned on line {seen[name]}"
        seen[name] = lineno


def test_combination_files_tighten_numpy_where_tf_needs_it() -> None:
    # TF <= 2.17 wheels are built against NumPy 1.x.
    for name in ("tf-2.15.txt", "tf-2.16.txt", "tf-2.17.txt"):
        pins = {canonicalize_name(Requirement(line).name): Requirement(line)
                for _, line in _requirement_lines(ROOT / "constraints" / name)}
        assert "numpy" in pins, f"constraints/{name} must pin numpy < 2"
        assert not pins["numpy"].specifier.contains("2.0.0"), f"constraints/{name}: numpy < 2"


def test_layers_merge_over_the_default_pins(noxfile: ModuleType) -> None:
    default = noxfile.read_pins(noxfile.CONSTRAINTS)
    used = set()
    for combos in noxfile.MATRIX.values():
        for combo in combos:
            for path in combo.layer_paths:
                assert path.exists(), f"{combo}: {path} is missing"
                used.add(path.name)
            merged = noxfile.merged_pins(combo.layer_paths, combo.extra_pins)
            assert set(default) <= set(merged)
            assert len(merged) == len(set(merged))
            for pkg in combo.packages:
                assert noxfile.canonical(pkg) in merged, f"{combo.id}: {pkg} is not pinned"
    unused = {p.name for p in CONSTRAINT_FILES[1:]} - used
    assert not unused, f"constraints files no session uses: {sorted(unused)}"


def test_torch_matrix_holds_the_pinned_release(noxfile: ModuleType, monkeypatch) -> None:
    """The default torch session list includes constraints.txt's torch, each session pins
    its own release, and CROSSCONFORM_TORCH_VERSIONS replaces the list."""
    pinned = noxfile.pinned_version("torch").split("+")[0]
    assert pinned in noxfile.TORCH_VERSIONS
    monkeypatch.delenv("CROSSCONFORM_TORCH_VERSIONS", raising=False)
    combos = noxfile._torch_combos()
    assert [c.extra_pins for c in combos] == [(f"torch=={v}",) for v in noxfile.TORCH_VERSIONS]
    monkeypatch.setenv("CROSSCONFORM_TORCH_VERSIONS", "2.5.1")
    assert [c.id for c in noxfile._torch_combos()] == ["2.5"]


def test_merge_replaces_by_canonical_name(noxfile: ModuleType, tmp_path: Path) -> None:
    layer = tmp_path / "layer.txt"
    layer.write_text("# comment\nML-Dtypes==0.3.2  # trailing\nnumpy<2\n", encoding="utf-8")
    merged = noxfile.merged_pins([layer], ["torch==2.5.1"])
    assert merged["ml-dtypes"] == "ML-Dtypes==0.3.2"
    assert merged["numpy"] == "numpy<2"
    assert merged["torch"] == "torch==2.5.1"
    twice = tmp_path / "twice.txt"
    twice.write_text("numpy==1.26.4\nnumpy==2.0.0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="numpy pinned twice"):
        noxfile.read_pins(twice)


def test_every_session_has_a_docstring(nox_sessions: list[dict]) -> None:
    assert [s["session"] for s in nox_sessions if not s["description"]] == []


def test_every_conformance_session_is_in_the_ci_matrix(nox_sessions: list[dict],
                                                       noxfile: ModuleType) -> None:
    sessions = [s["session"] for s in nox_sessions if "conformance" in s["tags"]]
    assert sessions == noxfile.conformance_sessions()
    matrix = _matrix()
    assert [e["session"] for e in matrix] == sessions, (
        "the workflow's matrix and the noxfile's sessions differ: "
        f"missing {sorted(set(sessions) - {e['session'] for e in matrix})}, "
        f"extra {sorted({e['session'] for e in matrix} - set(sessions))}")
    for entry in matrix:
        assert entry["results"] == noxfile.slug(entry["session"]), entry


def test_every_other_session_runs_in_a_ci_job(nox_sessions: list[dict]) -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    others = [s["session"] for s in nox_sessions if "conformance" not in s["tags"]]
    assert {"tests", "lint", "report"} <= set(others)
    for name in others:
        assert re.search(rf"^\s*- run: nox -s {re.escape(name)}\s*$", text, re.M), (
            f"session {name!r} has no job in {WORKFLOW.name}")


def test_workflow_uploads_each_results_file_and_merges_them() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "\t" not in text, "tabs are not YAML indentation"
    assert 'nox -s "${{ matrix.session }}"' in text
    assert "path: results/${{ matrix.results }}.json" in text
    assert "name: results-${{ matrix.results }}" in text
    assert "pattern: results-*" in text and "merge-multiple: true" in text
    assert re.search(r"^  report:\n    needs: conformance\n    if: always\(\)", text, re.M)


def test_workflow_is_yaml_when_a_parser_is_there() -> None:
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    include = doc["jobs"]["conformance"]["strategy"]["matrix"]["include"]
    assert include == _matrix()


def test_interpreter_falls_back_to_pyenvs_newest_patch_release(noxfile: ModuleType, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """jax(0.11) needs 3.12: on PATH it is named by version; a pyenv install that is not on
    PATH (or whose shim refuses to run) is taken by path, the newest patch release by
    number (3.12.10 over 3.12.9); none at all leaves the version, for nox to report."""
    for patch in ("3.12.9", "3.12.10", "3.11.7"):
        exe = tmp_path / "versions" / patch / "bin" / f"python{patch.rsplit('.', 1)[0]}"
        exe.parent.mkdir(parents=True)
        exe.write_text("")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setattr(noxfile.shutil, "which", lambda name: None)
    assert noxfile.interpreter("3.12") == str(tmp_path / "versions" / "3.12.10" / "bin" / "python3.12")
    assert noxfile.interpreter("3.99") == "3.99"
    monkeypatch.setattr(noxfile.shutil, "which", lambda name: sys.executable)
    assert noxfile.interpreter("3.12") == "3.12"  # on PATH and runs
