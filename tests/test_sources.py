"""Every binding's ``info["source"]`` cites what its conventions were verified from: each
framework file it names must exist in the *installed* package that bound it, and the
function or class named after ``path:`` must be defined in that file.

A citation that points at another version's layout (Keras 3's ``keras/src/losses/losses.py``
for a Keras 2 binding, whose losses live in ``keras/src/losses.py``) or at another package
(Keras 3's files for a binding made by tf-keras installed beside it) is a wrong reference
for a reader checking the claim, so it fails here. Adapters whose framework is not
installed are skipped; the nox sessions run this file in every version's environment.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

import pytest

from adapters import BUILTIN
from conformance.loader import load_adapter

# A cited file: a top-level package, then a path ending in a source suffix, optionally
# followed by ``:name`` (a function, a class, ``Class.method``, a C++ symbol).
_CITATION = re.compile(
    r"(?<![\w/.])((?:torch|tensorflow|keras|tf_keras|jax|jaxlib|optax|scipy|sklearn)"
    r"/[\w/.\-]+\.(?:py|pyi|h|cc|cpp|cu))(?::([A-Za-z_][\w.]*))?")
# Packages a backend's bindings may cite besides its own (Keras: its backend framework).
_ALSO = {"jax": ("jaxlib", "optax"), "keras": ("tensorflow", "jax", "torch")}
_DEFINES = r"(?:^|\n)[ \t]*(?:def|class|async def)\s+{0}\b|(?:^|\n)[ \t]*{0}\s*[:=]"


def citations(source: str) -> list[tuple[str, str | None]]:
    """The ``(path, name or None)`` pairs a source string cites."""
    return [(m.group(1), m.group(2) or None) for m in _CITATION.finditer(source)]


def _own_package(backend: str) -> str:
    """The import name of the package a backend's bindings come from."""
    if backend == "keras":  # tf-keras (TF_USE_LEGACY_KERAS=1) is the module ``tf_keras``
        from adapters.keras_bindings import _import_keras

        return _import_keras().__name__.split(".")[0]
    return backend


@cache
def _package_dir(top: str) -> Path | None:
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def citation_problem(path: str, name: str | None, allowed: tuple[str, ...]) -> str | None:
    """Why ``path:name`` is not a citation of the installed sources, or None when it is."""
    top, _, rest = path.partition("/")
    if top not in allowed:
        return f"{path}: not a file of the package(s) that bound it {list(allowed)}"
    root = _package_dir(top)
    if root is None or not (root / rest).is_file():
        return f"{path}: no such file in the installed {top} ({root})"
    if name is None:
        return None
    text = _text(root / rest)
    if path.endswith((".py", ".pyi")):
        missing = [part for part in name.split(".")
                   if not re.search(_DEFINES.format(re.escape(part)), text)]
    else:  # C++: the symbol appears in the file
        missing = [part for part in name.split(".") if not re.search(rf"\b{part}\b", text)]
    return f"{path}: defines no {missing}" if missing else None


def test_citations_parses_the_forms_in_use():
    src = ("keras/src/losses/losses.py:categorical_crossentropy + keras/src/backend/"
           "tensorflow/nn.py:categorical_crossentropy (clip); keras-team/keras#23704; "
           "keras/src/metrics/reduction_metrics.py:MeanMetricWrapper, Mean.result")
    assert citations(src) == [
        ("keras/src/losses/losses.py", "categorical_crossentropy"),
        ("keras/src/backend/tensorflow/nn.py", "categorical_crossentropy"),
        ("keras/src/metrics/reduction_metrics.py", "MeanMetricWrapper"),
    ]
    assert citations("torch/nn/functional.py: the functional form") == [
        ("torch/nn/functional.py", None)]


def test_citation_problem_names_what_is_wrong():
    here = ("conformance",)
    assert citation_problem("conformance/registry.py", "device_kind", here) is None
    assert citation_problem("conformance/results.py", None, here) is None
    assert "defines no ['no_such_fn']" in citation_problem("conformance/registry.py",
                                                           "no_such_fn", here)
    assert "no such file" in citation_problem("conformance/nowhere.py", None, here)
    assert "not a file of the package" in citation_problem("torch/nn/functional.py", None, here)


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_cited_source_is_installed_and_defines_the_name(name):
    loaded = load_adapter(BUILTIN[name], name=name)
    if loaded.unavailable:
        pytest.skip(f"{name}: {loaded.unavailable}")
    assert loaded.backend is not None
    allowed = (_own_package(name), *_ALSO.get(name, ()))
    problems, cited = [], 0
    for b in loaded.bindings:
        for path, fn in citations(b.info.get("source", "")):
            cited += 1
            problem = citation_problem(path, fn, allowed)
            if problem:
                problems.append(f"{b.api}: {problem}")
    assert cited, f"{name}: no binding cites a source file"
    assert not problems, f"{len(problems)} of {cited} citations:\n" + "\n".join(problems[:40])


def test_registry_citations_of_the_installed_versions():
    """A divergence entry that applies to the installed versions cites Python files of them:
    each must exist there and define the cited name. (C++ and CUDA paths cite the
    frameworks' repositories, whose sources the wheels do not ship: not checked here.)"""
    from conformance.loader import load_all
    from conformance.registry import installed_version, load_registry

    versions: dict[str, str] = {}
    for loaded in load_all(entry_points=False).values():
        if loaded.backend is not None:  # as the plugin matches entries (tf-keras: 2.x)
            versions.setdefault(loaded.backend.name.lower(), loaded.backend.version)
            for dist in loaded.backend.packages:
                versions.setdefault(dist.lower(), installed_version(dist) or "")
    if not versions:
        pytest.skip("no framework installed")
    tops = {"sklearn" if d == "scikit-learn" else d.replace("-", "_") for d in versions}
    keras_package = _own_package("keras") if "keras" in versions else "keras"
    problems, cited = [], 0
    for entry in load_registry():
        if not entry.version_applies(versions):
            continue
        for path, fn in citations(entry.source):
            top = path.partition("/")[0]
            if not path.endswith(".py") or top not in tops:
                continue
            if top == "keras" and keras_package != "keras":  # tf-keras: Keras 2's layout
                path = keras_package + path[len("keras"):]
                top = keras_package
            if _package_dir(top) is None:
                continue
            cited += 1
            problem = citation_problem(path, fn, (top,))
            if problem:
                problems.append(f"{entry.label}: {problem}")
    assert cited, f"no applicable entry cites a Python file of {sorted(tops)}"
    assert not problems, f"{len(problems)} of {cited} citations:\n" + "\n".join(problems[:40])
