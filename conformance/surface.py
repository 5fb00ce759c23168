"""The public surface: which in-scope APIs of the installed frameworks have a binding.

``conformance/surface.toml`` declares, per backend, the *scopes* (a module and which of
its public names count: every function, classes defined in given modules, or a list) and
classifies what is not bound::

    [[scope]]
    backend = "torch"
    module = "torch.nn.functional"
    select = "functions"          # "functions", "classes" or "names" (with names = [...])
    defined_in = ["..."]          # optional: keep objects whose __module__ starts so

    [[out_of_scope]]              # not a loss, activation or accuracy metric
    names = ["torch.nn.functional.conv*"]   # fnmatch patterns on the qualified name
    reason = "convolution"

    [[gap]]                       # in scope, no binding yet: a known hole, said aloud
    names = ["torch.nn.functional.ctc_loss"]
    reason = "CTC needs a forward-algorithm reference; not written"

Every public name of a scope gets one status, first match wins:

- ``bound``: a binding's API names it (``torch.nn.ReLU()`` binds ``torch.nn.ReLU``);
- ``alias``: the same object as a bound API (``tf.nn.sigmoid is tf.math.sigmoid``);
- ``out_of_scope`` / ``gap``: a rule's pattern matches it (the rule's reason);
- ``unclassified``: none of these. A framework release that adds a loss shows up here,
  and ``python -m conformance surface`` exits 1 until someone binds or classifies it.

A rule that matches no public name of the installed versions is *stale* (reported, like
a registry entry that matches no case); a rule that matches a bound API is wrong. A scope may
name the releases that have it (``versions = "keras>=3"``: elsewhere it is skipped), and
a rule the releases verified to have each of its patterns' names (``versions =
{"keras.ops.*_pool" = "keras>=3"}``: elsewhere that pattern cannot be stale; it still
classifies what it matches), so each session of the version matrix audits its own
release's names.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from adapters._binding import Binding

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_PATH = Path(__file__).with_name("surface.toml")
STATUSES = ("bound", "alias", "out_of_scope", "gap", "unclassified")
SELECTS = ("functions", "classes", "names")
# How a qualified name's first part is imported (bindings write ``tf.nn.relu``).
_PACKAGES = {"tf": "tensorflow"}


class SurfaceError(ValueError):
    """A malformed surface file; the message names the entry and the field."""


@dataclass(frozen=True)
class Scope:
    backend: str
    module: str
    select: str
    names: tuple[str, ...] = ()
    defined_in: tuple[str, ...] = ()
    # the releases that have the module ("keras>=3": Keras 2 has no keras.ops); None: all
    versions: Requirement | None = None


@dataclass(frozen=True)
class Rule:
    kind: str  # "out_of_scope" or "gap"
    patterns: tuple[str, ...]
    reason: str
    # pattern -> the releases verified to have its names ("keras<3", "torch>=2.15"): only
    # there can that pattern be stale; a pattern not listed: every release
    versions: Mapping[str, Requirement] = field(default_factory=dict)


def release_in(versions: Requirement | None) -> bool:
    """Whether the installed release of ``versions``' distribution satisfies it (None: yes)."""
    from .registry import requirement_met

    return versions is None or requirement_met(versions, installed_release(versions.name))


def installed_release(distribution: str) -> str | None:
    """The installed version of ``distribution``; for "keras" the Keras the adapter binds
    (tf-keras's under TF_USE_LEGACY_KERAS beside Keras 3)."""
    if distribution.lower() == "keras":
        try:
            from adapters.keras_bindings import _import_keras

            return str(_import_keras().__version__)
        except ImportError:
            return None
    from .registry import installed_version

    return installed_version(distribution)


@dataclass(frozen=True)
class Surface:
    scopes: tuple[Scope, ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Row:
    """One public name and its status; ``detail`` is the binding, alias target or reason."""

    backend: str
    name: str
    status: str
    detail: str


def _strings(where: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise SurfaceError(f"{where}: {key!r} must be a non-empty list of strings, got {value!r}")
    return tuple(value)


def load_surface(path: Path = DEFAULT_PATH) -> Surface:
    """Parse and validate a surface file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SurfaceError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"scope", "out_of_scope", "gap"}
    if unknown:
        raise SurfaceError(f"{path}: unknown table(s) {sorted(unknown)}; "
                           "expected [[scope]], [[out_of_scope]], [[gap]]")
    scopes = []
    for i, entry in enumerate(data.get("scope", [])):
        where = f"{path}: scope #{i + 1} ({entry.get('module', '?')})"
        extra = set(entry) - {"backend", "module", "select", "names", "defined_in", "versions"}
        if extra:
            raise SurfaceError(f"{where}: unknown field(s) {sorted(extra)}")
        for key in ("backend", "module"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise SurfaceError(f"{where}: {key!r} must be a non-empty string, got "
                                   f"{entry.get(key)!r}")
        select = entry.get("select")
        if select not in SELECTS:
            raise SurfaceError(f"{where}: 'select' must be one of {list(SELECTS)}, got {select!r}")
        if (select == "names") != ("names" in entry):
            raise SurfaceError(f"{where}: 'names' goes with select = \"names\" and only with it")
        names = _strings(where, "names", entry["names"]) if "names" in entry else ()
        defined = (_strings(where, "defined_in", entry["defined_in"])
                   if "defined_in" in entry else ())
        scopes.append(Scope(entry["backend"], entry["module"], select, names, defined,
                            _versions(where, entry)))
    rules = []
    for kind in ("out_of_scope", "gap"):
        for i, entry in enumerate(data.get(kind, [])):
            where = f"{path}: {kind} #{i + 1}"
            extra = set(entry) - {"names", "reason", "versions"}
            if extra:
                raise SurfaceError(f"{where}: unknown field(s) {sorted(extra)}")
            reason = entry.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                raise SurfaceError(f"{where}: 'reason' must be a non-empty string, got {reason!r}")
            patterns = _strings(where, "names", entry.get("names"))
            rules.append(Rule(kind, patterns, reason, _pattern_versions(where, entry, patterns)))
    return Surface(tuple(scopes), tuple(rules))


def _requirement(where: str, text: Any) -> Requirement:
    try:
        return Requirement(text)
    except (InvalidRequirement, TypeError):
        raise SurfaceError(f"{where}: 'versions' must be a PEP 440 requirement such as "
                           f"\"keras<3\", got {text!r}") from None


def _versions(where: str, entry: Mapping[str, Any]) -> Requirement | None:
    """A scope's ``versions``: one requirement."""
    return _requirement(where, entry["versions"]) if "versions" in entry else None


def _pattern_versions(where: str, entry: Mapping[str, Any], patterns: tuple[str, ...]
                      ) -> dict[str, Requirement]:
    """A rule's ``versions``: a table of its patterns' requirements."""
    table = entry.get("versions", {})
    if not isinstance(table, dict):
        raise SurfaceError(f"{where}: 'versions' must be a table of pattern = requirement, "
                           f"got {table!r}")
    unknown = sorted(set(table) - set(patterns))
    if unknown:
        raise SurfaceError(f"{where}: 'versions' names patterns not in 'names': {unknown}")
    return {pattern: _requirement(f"{where} {pattern!r}", text) for pattern, text in table.items()}


def resolve(qualified: str) -> Any:
    """The object a dotted name denotes (``tf.nn.relu``), importing what it needs."""
    parts = qualified.split(".")
    if parts[0] == "keras":
        # the Keras the adapter binds: tf-keras under TF_USE_LEGACY_KERAS beside Keras 3
        from adapters.keras_bindings import _import_keras

        obj = _import_keras()
        top = obj.__name__
    else:
        top = _PACKAGES.get(parts[0], parts[0])
        obj = importlib.import_module(top)
    for i, part in enumerate(parts[1:], start=1):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            # A submodule not imported by its package (scipy.spatial.distance).
            obj = importlib.import_module(".".join([top, *parts[1:i + 1]]))
    return obj


def _is_function(obj: Any) -> bool:
    # jax.nn's functions are jit/custom_jvp objects, not routines: any callable that is
    # not a class, a module or a typing construct.
    return (callable(obj) and not inspect.isclass(obj) and not inspect.ismodule(obj)
            and getattr(obj, "__module__", None) != "typing")


def public_names(scope: Scope) -> dict[str, Any]:
    """Qualified name -> object for the scope's public names in the installed version
    (a listed name the installed version lacks is left out)."""
    module = resolve(scope.module)
    if scope.select == "names":
        candidates = [n for n in scope.names if hasattr(module, n)]
    else:
        candidates = [n for n in dir(module) if not n.startswith("_")]
    out = {}
    for name in candidates:
        obj = getattr(module, name)
        if scope.select == "functions" and not _is_function(obj):
            continue
        if scope.select == "classes" and not inspect.isclass(obj):
            continue
        if scope.defined_in and not str(getattr(obj, "__module__", "")).startswith(scope.defined_in):
            continue
        out[f"{scope.module}.{name}"] = obj
    return out


def api_name(api: str) -> str:
    """The dotted name a binding's API string starts with: ``torch.nn.ReLU()`` ->
    ``torch.nn.ReLU``, ``sklearn.metrics.log_loss+sample_weight`` -> ``...log_loss``."""
    match = re.match(r"[A-Za-z_][\w.]*", api)
    return match.group(0).rstrip(".") if match else api


def _bound_objects(bound: Iterable[str]) -> dict[int, tuple[Any, str]]:
    """id(object) -> (object, bound name), for the bound names that resolve."""
    out: dict[int, tuple[Any, str]] = {}
    for name in sorted(bound):
        try:
            obj = resolve(name)
        except (ImportError, AttributeError):
            continue
        out.setdefault(id(obj), (obj, name))
    return out


def _rule_for(name: str, rules: Iterable[Rule]) -> Rule | None:
    return next((r for r in rules if any(fnmatch.fnmatchcase(name, p) for p in r.patterns)), None)


def classify(names: Mapping[str, Any], backend: str, bound: Iterable[str],
             rules: Iterable[Rule]) -> list[Row]:
    """One row per public name (see the module docstring for the order of the rules)."""
    bound = set(bound)
    objects = _bound_objects(bound)
    rules = list(rules)
    rows = []
    for name in sorted(names):
        obj = names[name]
        hit = objects.get(id(obj))
        if name in bound:
            rows.append(Row(backend, name, "bound", name))
        elif hit is not None and hit[0] is obj:
            rows.append(Row(backend, name, "alias", hit[1]))
        elif (rule := _rule_for(name, rules)) is not None:
            rows.append(Row(backend, name, rule.kind, rule.reason))
        else:
            rows.append(Row(backend, name, "unclassified", ""))
    return rows


def audit(bindings: Mapping[str, Iterable[Binding]], surface: Surface | None = None
          ) -> tuple[list[Row], list[str]]:
    """(rows, problems) for the backends in ``bindings`` (name -> its loaded bindings).

    problems: rules matching no public name of the installed versions (stale), rules
    matching a bound name, scopes whose module does not import.
    """
    surface = surface or load_surface()
    rules = surface.rules
    rows: list[Row] = []
    problems: list[str] = []
    seen: set[str] = set()
    for backend, blist in bindings.items():
        bound = {api_name(b.api) for b in blist}
        for scope in (s for s in surface.scopes if s.backend == backend
                      and release_in(s.versions)):
            try:
                names = public_names(scope)
            except (ImportError, AttributeError) as exc:
                problems.append(f"scope {scope.module} ({backend}): cannot import: {exc}")
                continue
            names = {k: v for k, v in names.items() if k not in seen}
            seen.update(names)
            rows += classify(names, backend, bound, rules)
    # Staleness is judged over the audited scopes' names only: a rule for another backend,
    # or for a scope this release does not have (keras.ops in Keras 2), is not stale
    # because that scope was not audited.
    audited = {r.name for r in rows}
    prefixes = {s.module for s in surface.scopes if s.backend in bindings
                and release_in(s.versions)}
    for rule in rules:
        for pattern in rule.patterns:
            if not any(pattern.startswith(p + ".") for p in prefixes):
                continue
            if not release_in(rule.versions.get(pattern)):  # another release's names
                continue
            if not any(fnmatch.fnmatchcase(n, pattern) for n in audited):
                problems.append(f"{rule.kind} pattern {pattern!r} matches no public name of the "
                                "installed version (stale)")
    for row in rows:
        if row.status in ("bound", "alias") and (rule := _rule_for(row.name, rules)):
            problems.append(f"{rule.kind} rule ({rule.reason[:40]}...) matches {row.name}, "
                            f"which is {row.status}: take it out of the rule")
    return rows, problems


def summary(rows: Iterable[Row]) -> dict[str, dict[str, int]]:
    """backend -> status -> count (every status present, zeros included)."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        out.setdefault(row.backend, dict.fromkeys(STATUSES, 0))[row.status] += 1
    return out


def coverage(counts: Mapping[str, int]) -> float:
    """Bound share of the in-scope names: (bound + alias) / (bound + alias + gap +
    unclassified); NaN where nothing is in scope."""
    covered = counts["bound"] + counts["alias"]
    total = covered + counts["gap"] + counts["unclassified"]
    return covered / total if total else float("nan")
