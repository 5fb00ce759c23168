"""The divergence registry: a directory of per-framework TOML files, entries keyed by
(file, position), validated with errors that name the file and the entry, applied only to
the versions (and Keras backends, and TensorFlow oneDNN states) they name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import conformance.registry as registry
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
    (ENTRY.format(binding="x", check="value", versions="numpy>=1") + "onednn = 'yes'\n",
     "onednn must be true or false, got 'yes'"),
    (ENTRY.format(binding="x", check="value", versions="numpy>=1") + "xla_onednn = 1\n",
     "xla_onednn must be true or false, got 1"),
    (ENTRY.format(binding="x", check="value", versions="numpy>=1") + 'cpu_flags = ["avx512"]\n',
     "cpu_flags must be a list of flags from"),
    (ENTRY.format(binding="x", check="value", versions="numpy>=1") + 'cpu_flags = "!avx512f"\n',
     "cpu_flags must be a list of flags from"),
])
def test_malformed_entry_names_file_and_entry(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "torch.toml").write_text(text)
    with pytest.raises(RegistryError) as info:
        load_registry(tmp_path)
    assert "torch.toml" in str(info.value) and problem in str(info.value), str(info.value)


def test_also_requirements_must_all_hold(tmp_path: Path) -> None:
    """A Keras-on-torch entry that depends on torch's version as well as Keras's."""
    (tmp_path / "keras.toml").write_text(
        ENTRY.format(binding="keras.losses.kl_divergence", check="grad", versions="keras==3.15.*")
        + 'also = ["torch>=2.14", "numpy>=1"]\n')
    (entry,) = load_registry(tmp_path)
    spec = CaseSpec("keras.losses.kl_divergence", "keras", "float16", "typical", "grad")
    assert match([entry], spec, {"keras": "3.15.1", "torch": "2.15.0", "numpy": "2.4.6"}) is entry
    assert match([entry], spec, {"keras": "3.15.1", "torch": "2.13.0+cpu", "numpy": "2.4.6"}) is None
    assert match([entry], spec, {"keras": "3.14.0", "torch": "2.15.0", "numpy": "2.4.6"}) is None
    unmet = entry.unmet({"keras": "3.15.1", "torch": "2.13.0", "numpy": "2.4.6"})
    assert unmet is not None and str(unmet[0]) == "torch>=2.14" and unmet[1] == "2.13.0"
    assert "applies to keras==3.15.*, torch>=2.14, numpy>=1" in entry.xfail_reason()
    (tmp_path / "keras.toml").write_text(
        ENTRY.format(binding="b", check="value", versions="keras==3.15.*") + "also = 2\n")
    with pytest.raises(RegistryError, match="also must be a requirement or a list"):
        load_registry(tmp_path)


def test_a_tensorflow_requirement_is_met_by_tensorflow_cpu(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A Keras-on-TensorFlow entry that depends on TensorFlow's version (``also``) holds on
    the CPU-only wheel, whose distribution is ``tensorflow-cpu``; the run's versions come
    before what is installed here."""
    monkeypatch.setattr(registry, "installed_version", lambda dist: None)
    (tmp_path / "keras.toml").write_text(
        ENTRY.format(binding="keras.activations.gelu", check="value", versions="keras>=3.4,<3.16")
        + 'also = "tensorflow<2.19"\n')
    (entry,) = load_registry(tmp_path)
    spec = CaseSpec("keras.activations.gelu", "keras", "float16", "kinks", "value")
    assert match([entry], spec, {"keras": "3.8.0", "tensorflow-cpu": "2.18.1"}) is entry
    assert match([entry], spec, {"keras": "3.8.0", "tensorflow": "2.18.1"}) is entry
    assert match([entry], spec, {"keras": "3.8.0", "tensorflow-cpu": "2.19.1"}) is None
    assert entry.unmet({"keras": "3.8.0"}) == (entry.also[0], None)  # no TensorFlow at all
    monkeypatch.setattr(registry, "installed_version", {"tensorflow": "2.21.0"}.get)
    assert match([entry], spec, {"keras": "3.8.0", "tensorflow-cpu": "2.18.1"}) is entry
    assert registry.distribution_version("tensorflow", {}) == "2.21.0"


def test_exclude_leaves_bindings_out_of_a_pattern(tmp_path: Path) -> None:
    """A pattern entry with ``exclude``: the bindings the exclusions match are not covered
    (a Loss class's reduction=None variant returns the per-sample losses an empty batch's
    other reductions fail on)."""
    (tmp_path / "keras.toml").write_text(
        ENTRY.format(binding="keras.losses.[A-Z]*", check="value", versions="numpy>=1")
        + 'exclude = ["*reduction=None*"]\n')
    (entry,) = load_registry(tmp_path)
    versions = {"numpy": "2.4.6"}
    hit = CaseSpec("keras.losses.MeanSquaredError()+sample_weight", "keras", "float16", "empty")
    miss = CaseSpec("keras.losses.MeanSquaredError(reduction=None)+sample_weight", "keras",
                    "float16", "empty")
    assert match([entry], hit, versions) is entry
    assert match([entry], miss, versions) is None
    assert not entry.matches_api(miss.api) and entry.matches_api(hit.api)
    (tmp_path / "keras.toml").write_text(
        ENTRY.format(binding="b", check="value", versions="numpy>=1") + "exclude = [1]\n")
    with pytest.raises(RegistryError, match="exclude must be a list of strings"):
        load_registry(tmp_path)


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


@pytest.mark.parametrize("state", [True, False, None])
def test_onednn_entries_apply_only_in_the_state_they_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          state: bool | None) -> None:
    """An entry with ``onednn = true`` applies only where TensorFlow runs its oneDNN
    kernels, one with ``false`` only where it does not, neither without TensorFlow; an
    entry without the key applies in every state."""
    text = "".join(ENTRY.format(binding=b, check="value", versions="numpy>=1") + extra
                   for b, extra in (("on", "onednn = true\n"), ("off", "onednn = false\n"), ("any", "")))
    (tmp_path / "tensorflow.toml").write_text(text)
    on, off, anyway = load_registry(tmp_path)
    assert (on.onednn, off.onednn, anyway.onednn) == (True, False, None)
    monkeypatch.setattr(registry, "tensorflow_onednn", lambda: state)
    assert (on.applies({}), off.applies({}), anyway.applies({})) == (state is True, state is False, True)


@pytest.mark.parametrize("state", [True, False, None])
def test_xla_onednn_entries_apply_only_in_the_state_they_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              state: bool | None) -> None:
    """``xla_onednn = true`` applies only where XLA compiles jax.nn.softmax into oneDNN's
    softmax, ``false`` only where it does not, neither where JAX is not loaded."""
    text = "".join(ENTRY.format(binding=b, check="value", versions="numpy>=1") + extra
                   for b, extra in (("on", "xla_onednn = true\n"), ("off", "xla_onednn = false\n"),
                                    ("any", "")))
    (tmp_path / "jax.toml").write_text(text)
    on, off, anyway = load_registry(tmp_path)
    assert (on.xla_onednn, off.xla_onednn, anyway.xla_onednn) == (True, False, None)
    monkeypatch.setattr(registry, "xla_onednn_softmax", lambda: state)
    assert (on.applies({}), off.applies({}), anyway.applies({})) == (state is True, state is False, True)


@pytest.mark.parametrize("flags", [frozenset({"avx2", "fma"}), frozenset({"avx2", "avx512f"}), None])
def test_cpu_flags_entries_apply_only_on_the_cpus_they_name(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            flags: frozenset[str] | None) -> None:
    """``cpu_flags = ["!avx512f"]`` applies only where the CPU lacks AVX-512, ``["avx512f"]``
    only where it has it, neither where the flags cannot be read; a results file's recorded
    flags decide for ``rematch``."""
    text = "".join(ENTRY.format(binding=b, check="value", versions="numpy>=1") + extra
                   for b, extra in (("without", 'cpu_flags = ["!avx512f"]\n'),
                                    ("with", 'cpu_flags = ["avx512f", "avx2"]\n'), ("any", "")))
    (tmp_path / "x.toml").write_text(text)
    without, with_, anyway = load_registry(tmp_path)
    assert (without.cpu_flags, with_.cpu_flags, anyway.cpu_flags) == (("!avx512f",), ("avx512f", "avx2"), None)
    monkeypatch.setattr(registry, "machine_cpu_flags", lambda: flags)
    has = flags is not None and "avx512f" in flags
    assert (without.applies({}), with_.applies({}), anyway.applies({})) == (
        flags is not None and not has, has, True)
    assert without.applies_to_run({}, "cpu", None, None, None, flags) is (flags is not None and not has)
    from conformance.rematch import run_description

    doc = {"environment": {"cpu": {"model": "m", "flags": None if flags is None else sorted(flags)}}}
    assert run_description(doc)["cpu_flags"] == flags


def test_xla_onednn_softmax_asks_the_compiler() -> None:
    """None before JAX is loaded (asking does not load it); then what the compiled program
    of jax.nn.softmax says, in a fresh process (the answer is cached)."""
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    code = ("from conformance.registry import xla_onednn_softmax\n"
            "print(xla_onednn_softmax())\n"
            "import jax\n"
            "print(xla_onednn_softmax())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], check=True).stdout.split()
    text = jax.jit(jax.nn.softmax).lower(jnp.zeros((2, 3), jnp.float32)).compile().as_text()
    assert out[-2:] == ["None", str("__onednn$softmax" in text)]


@pytest.mark.parametrize("setting, expected", [("0", False), ("1", True)])
def test_tensorflow_onednn_reads_tensorflows_own_decision(setting: str, expected: bool) -> None:
    """``tensorflow_onednn`` asks TensorFlow (IsMklEnabled), which follows
    TF_ENABLE_ONEDNN_OPTS when it is set: a fresh process for each setting, since
    TensorFlow reads it once."""
    pytest.importorskip("tensorflow")
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": setting, "TF_CPP_MIN_LOG_LEVEL": "3"}
    code = ("from conformance.registry import tensorflow_onednn\n"
            "print(tensorflow_onednn())\n"  # None: TensorFlow not loaded, and not loaded by asking
            "import tensorflow\n"
            "print(tensorflow_onednn())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], check=True).stdout.split()
    assert out[-2:] == ["None", str(expected)]


@pytest.mark.parametrize("device, want", [("cpu", (True, False, True)), ("cuda", (False, True, True)),
                                          ("cuda:1", (False, True, True)), ("gpu", (False, True, True)),
                                          ("/device:GPU:0", (False, True, True))])
def test_devices_entries_apply_only_on_the_kinds_of_device_they_name(
        tmp_path: Path, device: str, want: tuple[bool, bool, bool]) -> None:
    """``devices = ["cpu"]`` holds on the CPU only (a CPU kernel's rounding), ``"cuda"`` on
    any CUDA device however it is spelled; no key: every device. The matcher agrees."""
    text = "".join(ENTRY.format(binding=b, check="value", versions="numpy>=1") + extra
                   for b, extra in (("on_cpu", 'devices = ["cpu"]\n'), ("on_cuda", 'devices = "cuda"\n'),
                                    ("any", "")))
    (tmp_path / "torch.toml").write_text(text)
    entries = load_registry(tmp_path)
    assert [e.devices for e in entries] == [("cpu",), ("cuda",), None]
    assert tuple(e.applies({}, device) for e in entries) == want
    for entry, applies in zip(entries, want, strict=True):
        spec = CaseSpec(entry.binding, "torch", "float16", "typical")
        assert (matcher(entries, {}, device)(spec) is entry) == applies
        assert (match(entries, spec, {}, device) is entry) == applies


def test_a_device_written_as_an_alias_is_refused_with_the_kind_to_write(tmp_path: Path) -> None:
    (tmp_path / "torch.toml").write_text(ENTRY.format(binding="b", check="value", versions="numpy>=1")
                                         + 'devices = ["GPU"]\n')
    with pytest.raises(RegistryError, match=r"for 'GPU' write 'cuda'"):
        load_registry(tmp_path)


def test_installed_versions_are_read_once_per_distribution(monkeypatch) -> None:
    # The results file's registry section asks per entry: uncached, a run read the
    # metadata 10,404 times (7 s at the end of every run) after a decorator slipped.
    import importlib.metadata

    reads: list[str] = []
    real = importlib.metadata.version

    def counting(dist: str) -> str:
        reads.append(dist)
        return real(dist)

    monkeypatch.setattr(importlib.metadata, "version", counting)
    registry.installed_version.cache_clear()
    try:
        first = [registry.installed_version("numpy") for _ in range(5)]
        missing = [registry.installed_version("no-such-distribution-x") for _ in range(3)]
    finally:
        registry.installed_version.cache_clear()
    assert first == [real("numpy")] * 5 and missing == [None] * 3
    assert reads == ["numpy", "no-such-distribution-x"]


def test_a_registry_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    """A mistyped --registry would otherwise run with no entries at all."""
    with pytest.raises(RegistryError, match=r"registry '.*nope\.toml': no such file or directory"):
        load_registry(tmp_path / "nope.toml")
    assert load_registry(tmp_path) == []  # an existing directory without entries is a choice


def test_a_precision_entry_applies_under_a_ceiling_for_its_dtype_after_ordinary_ones(
        tmp_path: Path) -> None:
    """``max_ulp = true``: matched only in a run with a --max-ulp ceiling for the case's
    dtype, and only where no ordinary entry matches (listed first or not)."""
    text = _write(tmp_path / "r.toml", {"binding": "x.f"}, {"binding": "x.f"}).read_text()
    first, second = text.split("[[divergence]]")[1:]
    (tmp_path / "r.toml").write_text(  # the precision entry first, the ordinary one for extreme
        "[[divergence]]" + first.replace('check = "value"', 'check = "value"\nmax_ulp = true')
        + "[[divergence]]" + second.replace('check = "value"',
                                            'check = "value"\nregimes = ["extreme"]'))
    precision, ordinary = entries = load_registry(tmp_path)
    assert precision.max_ulp and not ordinary.max_ulp
    typical, extreme = (CaseSpec("x.f", "x", "float16", r) for r in ("typical", "extreme"))
    versions = {"numpy": "2.0"}
    for ceilings, want in ((None, (None, ordinary)), ({"float32": 64.0}, (None, ordinary)),
                           ({"float16": 1.0}, (precision, ordinary))):
        find = matcher(entries, versions, "cpu", ceilings)
        assert (match(entries, typical, versions, "cpu", ceilings),
                match(entries, extreme, versions, "cpu", ceilings)) == want
        assert (find(typical), find(extreme)) == want


@pytest.mark.parametrize(("line", "problem"), [
    ('max_ulp = "yes"', "max_ulp must be true or false, got 'yes'"),
    ('max_ulp = true\ncheck = "any"', "a max_ulp entry names a value or gradient check"),
])
def test_a_malformed_precision_entry_is_refused(tmp_path: Path, line: str, problem: str) -> None:
    text = _write(tmp_path / "r.toml", {"binding": "x.f"}).read_text()
    (tmp_path / "r.toml").write_text(text.replace('check = "value"\n', "") + line + "\n")
    with pytest.raises(RegistryError, match=problem):
        load_registry(tmp_path)
