"""The public-surface audit: every public name of a scope is bound, an alias of a bound
API, out of scope or a known gap; the rest is *unclassified* and fails the audit, as do
stale rules. The last tests audit the installed frameworks themselves: a release that adds
a loss fails here until it is bound or classified."""

from __future__ import annotations

import math
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import conformance.surface as S
from adapters._binding import Binding
from conformance.cli import main
from conformance.loader import load_all


def _relu(x: Any) -> Any:
    return x


@pytest.fixture()
def fake() -> Iterator[types.ModuleType]:
    """A framework-shaped module: functions, an alias, classes from two modules."""
    mod = types.ModuleType("ccfake")
    mod.relu = _relu
    mod.relu_alias = _relu
    mod.conv = lambda x: x
    mod.new_loss = lambda x: x
    mod.ctc = lambda x: x
    mod._private = lambda x: x
    mod.CONSTANT = 3

    class Loss:  # defined in ccfake.losses
        pass

    class Helper:  # defined elsewhere
        pass

    Loss.__module__ = "ccfake.losses"
    Helper.__module__ = "ccfake.other"
    mod.Loss, mod.Helper = Loss, Helper
    sys.modules["ccfake"] = mod
    yield mod
    del sys.modules["ccfake"]


def _binding(api: str) -> Binding:
    return Binding(api=api, backend="fake", kind="activation", reference="relu", call=_relu,
                   args=("x",))


RULES = (S.Rule("out_of_scope", ("ccfake.conv",), "a layer"),
         S.Rule("gap", ("ccfake.ct*",), "no reference yet"))


def test_each_public_name_gets_one_status(fake: types.ModuleType) -> None:
    names = S.public_names(S.Scope("fake", "ccfake", "functions"))
    assert sorted(names) == ["ccfake.conv", "ccfake.ctc", "ccfake.new_loss", "ccfake.relu",
                             "ccfake.relu_alias"]  # no _private, no constant, no class
    rows = {r.name: (r.status, r.detail) for r in S.classify(names, "fake", {"ccfake.relu"}, RULES)}
    assert rows == {
        "ccfake.relu": ("bound", "ccfake.relu"),
        "ccfake.relu_alias": ("alias", "ccfake.relu"),  # the same object as a bound API
        "ccfake.conv": ("out_of_scope", "a layer"),
        "ccfake.ctc": ("gap", "no reference yet"),
        "ccfake.new_loss": ("unclassified", ""),  # what a new release brings
    }


def test_class_scopes_and_name_lists(fake: types.ModuleType) -> None:
    classes = S.public_names(S.Scope("fake", "ccfake", "classes", defined_in=("ccfake.losses",)))
    assert list(classes) == ["ccfake.Loss"]
    listed = S.public_names(S.Scope("fake", "ccfake", "names", names=("relu", "gone_in_this_version")))
    assert list(listed) == ["ccfake.relu"]  # a listed name the version lacks is left out


def test_audit_reports_stale_rules_and_rules_over_bound_names(fake: types.ModuleType) -> None:
    surface = S.Surface((S.Scope("fake", "ccfake", "functions"),),
                        (*RULES, S.Rule("gap", ("ccfake.relu", "ccfake.vanished"), "stale")))
    rows, problems = S.audit({"fake": [_binding("ccfake.relu(alpha=2)")]}, surface)
    assert S.summary(rows) == {"fake": {"bound": 1, "alias": 1, "out_of_scope": 1, "gap": 1,
                                        "unclassified": 1}}
    assert any("'ccfake.vanished' matches no public name" in p for p in problems)
    assert any("matches ccfake.relu, which is bound" in p for p in problems)
    # Rules of a backend that was not audited are not stale.
    other = S.Surface((*surface.scopes, S.Scope("gone", "ccgone", "functions")),
                      (S.Rule("gap", ("ccgone.x",), "r"),))
    assert S.audit({"fake": []}, other)[1] == []


def test_versions_skip_a_scope_and_keep_a_rule_from_being_stale_on_other_releases(
        fake: types.ModuleType) -> None:
    """A scope or rule for other releases: the scope is not audited (Keras 2 has no
    keras.ops), the rule is not stale where its names are absent; where the installed
    release is in ``versions``, a rule that matches nothing is stale as before."""
    from packaging.requirements import Requirement

    installed = S.installed_release("packaging")
    assert installed is not None
    other, here = Requirement("packaging<1"), Requirement(f"packaging=={installed}")
    assert not S.release_in(other) and S.release_in(here) and S.release_in(None)
    surface = S.Surface(
        (S.Scope("fake", "ccfake", "functions"),
         S.Scope("fake", "ccnowhere", "functions", versions=other)),
        (*RULES, S.Rule("gap", ("ccfake.new_loss",), "r"),
         S.Rule("out_of_scope", ("ccfake.conv2", "ccfake.gone_before"), "r",
                versions={"ccfake.gone_before": other})))
    rows, problems = S.audit({"fake": [_binding("ccfake.relu")]}, surface)
    # ccnowhere not imported, gone_before not stale; conv2 (every release) is
    assert problems == ["out_of_scope pattern 'ccfake.conv2' matches no public name of the "
                        "installed version (stale)"]
    assert {r.name for r in rows if r.status == "gap"} == {"ccfake.ctc", "ccfake.new_loss"}
    # a pattern under a scope this release does not have is not stale either (keras.ops's
    # "keras.ops.*_pool" under Keras 2), with no versions of its own
    skipped = S.Surface(surface.scopes, (S.Rule("out_of_scope", ("ccnowhere.*_pool",), "r"),))
    assert S.audit({"fake": []}, skipped)[1] == []
    stale = S.Surface(surface.scopes[:1],
                      (S.Rule("gap", ("ccfake.gone",), "r", versions={"ccfake.gone": here}),))
    assert any("'ccfake.gone' matches no public name" in p
               for p in S.audit({"fake": []}, stale)[1])


def test_coverage_is_the_bound_share_of_what_is_in_scope() -> None:
    counts = {"bound": 6, "alias": 2, "out_of_scope": 50, "gap": 1, "unclassified": 1}
    assert S.coverage(counts) == 0.8
    assert math.isnan(S.coverage(dict.fromkeys(S.STATUSES, 0)))  # nothing in scope


@pytest.mark.parametrize(("api", "name"), [
    ("torch.nn.ReLU()", "torch.nn.ReLU"),
    ("torch.nn.functional.leaky_relu(negative_slope=0.2)", "torch.nn.functional.leaky_relu"),
    ("sklearn.metrics.log_loss+sample_weight", "sklearn.metrics.log_loss"),
    ("torch.nn.functional.cross_entropy [probability targets]", "torch.nn.functional.cross_entropy"),
    ("scipy.special.expit on float16 -> float64", "scipy.special.expit"),
])
def test_api_name(api: str, name: str) -> None:
    assert S.api_name(api) == name


@pytest.mark.parametrize(("text", "message"), [
    ("[[scope]]\nbackend = 'x'\nmodule = 'm'\nselect = 'everything'\n", "'select' must be one of"),
    ("[[scope]]\nbackend = 'x'\nmodule = 'm'\nselect = 'functions'\nnames = ['a']\n",
     "'names' goes with select"),
    ("[[scope]]\nbackend = 'x'\nselect = 'functions'\n", "'module' must be a non-empty string"),
    ("[[scope]]\nbackend = 'x'\nmodule = 'm'\nselect = 'functions'\ncolour = 1\n",
     "unknown field(s) ['colour']"),
    ("[[gap]]\nnames = ['a']\nreason = ' '\n", "gap #1: 'reason' must be a non-empty string"),
    ("[[out_of_scope]]\nnames = []\nreason = 'r'\n", "'names' must be a non-empty list"),
    ("[[gaps]]\nnames = ['a']\n", "unknown table(s) ['gaps']"),
    ("[[gap]]\nnames = ['a']\nreason = 'r'\nversions = {a = 'keras<<3'}\n",
     "gap #1 'a': 'versions' must be a PEP 440 requirement"),
    ("[[gap]]\nnames = ['a']\nreason = 'r'\nversions = 'keras<3'\n",
     "'versions' must be a table of pattern = requirement"),
    ("[[gap]]\nnames = ['a']\nreason = 'r'\nversions = {b = 'keras<3'}\n",
     "'versions' names patterns not in 'names': ['b']"),
    ("[[scope]]\nbackend = 'x'\nmodule = 'm'\nselect = 'functions'\nversions = 3\n",
     "'versions' must be a PEP 440 requirement"),
    ("[[gap]\n", "not valid TOML"),
])
def test_malformed_surface_files_name_the_entry_and_field(tmp_path: Path, text: str,
                                                          message: str) -> None:
    path = tmp_path / "surface.toml"
    path.write_text(text)
    with pytest.raises(S.SurfaceError) as info:
        S.load_surface(path)
    assert message in str(info.value)


def _installed() -> dict[str, list[Binding]]:
    return {name: lo.bindings for name, lo in load_all(entry_points=False).items() if lo.backend}


def test_the_installed_frameworks_have_no_unclassified_public_api() -> None:
    """A framework upgrade that adds an activation, a loss or an accuracy metric fails
    here (and ``python -m conformance surface`` lists it) until it is bound or classified."""
    bindings = _installed()
    if not bindings:
        pytest.skip("no framework installed")
    rows, problems = S.audit(bindings)
    unclassified = [r.name for r in rows if r.status == "unclassified"]
    assert unclassified == []
    assert problems == []
    audited = {r.backend for r in rows}
    assert audited == set(bindings), "every installed backend has a scope in surface.toml"


def test_cli_prints_the_audit_and_exits_by_it(capsys: pytest.CaptureFixture[str]) -> None:
    if "scipy" not in _installed():
        pytest.skip("scipy not installed")
    assert main(["surface", "--backend", "scipy", "--status", "all"]) == 0
    out = capsys.readouterr().out
    assert "bound        scipy.special.expit" in out
    assert out.splitlines()[-1].startswith("scipy")
    assert main(["surface", "--backend", "scipy", "--status", "bogus"]) == 2
    assert "--status: unknown ['bogus']" in capsys.readouterr().err
