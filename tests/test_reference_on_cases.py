"""benchmarks/reference_on_cases.py: the oracle on the suite's own inputs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("scipy")

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "reference_on_cases.py"
_spec = importlib.util.spec_from_file_location("reference_on_cases", _PATH)
roc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(roc)


def test_scipy_entropy_reference_is_exact_on_the_suites_inputs(capsys) -> None:
    # scipy.stats.entropy(pk) on near_01 ([1, 1e-12, 0]): the reference took log of the
    # rounded p / S and was 7.7e-7 off until 2026-12-06
    assert roc.main(["--backend", "scipy", "--regime", "near_01,typical"]) == 0
    out = capsys.readouterr().out
    assert "measured:" in out
    flagged = out.split("cases above")[1].split("\n\n")[0]
    assert "scipy.stats.entropy(pk)[" not in flagged
    worst = {line.split()[0]: float(line.split()[-1]) for line in out.splitlines()
             if line.startswith("  entropy ")}
    assert worst["entropy"] <= 4.0


@pytest.mark.parametrize("backend", ["scipy", "sklearn"])
def test_no_candidates_on_scipy_and_sklearn_cases(backend, capsys) -> None:
    # every float64 case the oracle covers is within 4 ULP (scipy.stats.entropy(pk, qk) on
    # subnormal was 5.3e5 ULP until 2026-12-06: log of a subnormal normalised quotient)
    pytest.importorskip(backend)
    assert roc.main(["--backend", backend]) == 0
    out = capsys.readouterr().out
    flagged = out.split("cases above")[1].split("\n\n")[0].splitlines()[1:]
    assert flagged == []
    assert int(out.split("measured: ")[1].split(",")[0]) >= 100


def test_bad_arguments_name_the_option(capsys) -> None:
    with pytest.raises(SystemExit):
        roc.main(["--dtype", "float33"])
    assert "--dtype" in capsys.readouterr().err


def test_a_backend_that_is_not_installed_is_named_not_an_empty_table(monkeypatch,
                                                                      capsys) -> None:
    from conformance.loader import Loaded

    gone = Loaded(name="torch", module="adapters.torch_adapter", plugin=False,
                  unavailable="ModuleNotFoundError: No module named 'torch'")
    monkeypatch.setattr(roc, "load_all", lambda backends: {"torch": gone})
    assert roc.main(["--backend", "torch"]) == 1
    err = capsys.readouterr().err
    assert "torch: unavailable (ModuleNotFoundError" in err
    assert "no selected backend is installed" in err
