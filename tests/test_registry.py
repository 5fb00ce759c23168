"""The divergence registry: a directory of per-framework TOML files, entries keyed by
(file, position), validated with errors that name the file and the entry, applied only to
the versions (and Keras backends) they name."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cases import CaseSpec
from conformance.registry import DEFAULT_PATH, RegistryError, load_registry, match, matcher

ENTRY = """
[[divergence]]
binding = "{binding}"
check = "{check}"
dtypes = ["float16"]
versions = "{versions}"
reason = "r"
source = "s"
"""


def _write(path: Path, *entries: dict[str, str]) -> Path:
    text = "".join(ENTRY.format(**({"check": "value", "versions": "numpy>=1"} | e)) for e in entries)
    path.write_text(text)
    return path


def test_directory_entries_are_keyed_by_file_and_position(tmp_path: Path) -> None:
    _write(tmp_path / "b.toml", {"binding": "b.one"}, {"binding": "b.two"})
    _write(tmp_path / "a.toml", {"binding": "a.one"})
    (tmp_path / "README.md").write_text("not toml")
    entries = load_registry(tmp_path)
    assert [(e.key, e.binding) for e in entries] == [
        (("a.toml", 1), "a.one"), (("b.toml", 1), "b.one"), (("b.toml", 2), "b.two")]
    # adding an entry to one file leaves the other file's keys as they were
    _write(tmp_path / "a.toml", {"binding": "a.one"}, {"binding": "a.two"})
    assert [e.key for e in load_registry(tmp_path) if e.origin == "b.toml"] == [("b.toml", 1), ("b.toml", 2)]
    assert "b.toml #2" in entries[2].label


def test_built_in_registry_loads_and_every_entry_names_a_source() -> None:
    entries = load_registry(DEFAULT_PATH)
    assert len(entries) > 500
    assert all(e.reason and e.source and e.requirement.specifier for e in entries)
    assert len({e.key for e in entries}) == len(entries)


@pytest.mark.parametrize("text, problem", [
    ("[[divergence]]\nbinding = 'x'\n", "missing keys ['reason', 'source', 'versions']"),
    (ENTRY.format(binding="x", check="values", versions="numpy>=1"), "check must be one of"),
    (ENTRY.format(binding="x", check="value", versions="numpy >= one"), "is not a PEP 440"),
    (ENTRY.format(binding="x", check="value", versions="numpy>=1") + "colour = 1\n", "unknown keys"),
    ("[[divergence]\n", "not valid TOML"),
])
def test_malformed_entry_names_file_and_entry(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "torch.toml").write_text(text)
    with pytest.raises(RegistryError) as info:
        load_registry(tmp_path)
    assert "torch.toml" in str(info.value) and problem in str(info.value), str(info.value)


def test_match_respects_versions_and_dtypes(tmp_path: Path) -> None:
    _write(tmp_path / "r.toml", {"binding": "optax.losses.*", "versions": "optax>=0.2.8,<0.3"})
    entries = load_registry(tmp_path)
    spec = CaseSpec("optax.losses.l2_loss", "jax", "float16", "typical")
    assert match(entries, spec, {"optax": "0.2.8"}) is entries[0]
    assert match(entries, spec, {"optax": "0.2.3"}) is None  # verified on 0.2.8 only
    assert match(entries, CaseSpec("optax.losses.l2_loss", "jax", "float32", "typical"),
                 {"optax": "0.2.8"}) is None


def test_matcher_finds_what_match_finds() -> None:
    """The indexed lookup the plugin uses returns, case for case, the entry a scan of the
    whole registry returns (first applicable match in registry order), on the real
    registry with versions under which some entries apply and some do not."""
    entries = load_registry()
    versions = {}
    for e in entries:  # a version each requirement accepts: its lower bound ("2.13.*" -> "2.13.0")
        for spec in e.requirement.specifier:
            if spec.operator in ("==", ">=", "~="):
                versions[e.requirement.name.lower()] = spec.version.replace(".*", ".0")
    versions["optax"] = "0.2.3"  # optax entries say >=0.2.8: none of them applies
    apis = sorted({e.binding.replace("*", "x").replace("?", "y") for e in entries}
                  | {e.binding for e in entries})
    find = matcher(entries, versions)
    checked = found = 0
    for api in apis:
        for dtype in ("float16", "bfloat16", "float32", "float64"):
            for regime in ("typical", "extreme", "nan_inf", "empty", "tiny"):
                for check in ("value", "grad", "paths"):
                    spec = CaseSpec(api, "any", dtype, regime, check)
                    want = match(entries, spec, versions)
                    assert find(spec) is want, spec
                    checked += 1
                    found += want is not None
    assert found > 100 and checked - found > 100, (checked, found)
