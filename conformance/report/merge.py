"""Reading and merging results files.

Every results file is read as JSON only and validated before anything is merged: a
malformed, truncated, foreign or future file raises :class:`ResultsFileError` naming the
file and the problem (``--skip-bad`` merges the others and lists what it skipped).

Columns: a merged report keys its columns by (backend, version, variant, base), the
variant being Keras' compute backend and the device when it is not the CPU, the base the
version of Keras' compute backend (``keras 3.15.1 (jax 0.10.2)``). Two files that hold the same case id in the same column: the file given *later* on
the command line wins, the earlier record is kept in ``Merged.superseded`` and a warning
names both files. Cases in different columns are never merged away: every case of every
file is in the report.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..results import SCHEMA, SCHEMA_VERSION, cpu_label

OUTCOMES = ("pass", "fail", "xfail", "xpass", "skip", "error")
_CASE_KEYS = ("id", "backend", "binding", "outcome")


class ResultsFileError(ValueError):
    """A results file that cannot be merged; the message names the file and the problem."""


@dataclass(frozen=True, order=True)
class Column:
    """One (backend, version, variant) column of the report."""

    backend: str
    version: str
    variant: str = ""
    # Keras: the version of its compute backend (the same Keras on torch 2.13 and on torch
    # 2.15 is two columns of one group, compared by the version drift)
    base: str = ""

    @property
    def label(self) -> str:
        variant = self.variant
        if self.base:
            first, sep, rest = variant.partition(", ")
            variant = f"{first} {self.base}{sep}{rest}"
        return f"{self.backend} {self.version}" + (f" ({variant})" if variant else "")

    @property
    def slug(self) -> str:
        raw = f"{self.backend}-{self.version}-{self.variant}-{self.base}".rstrip("-")
        return "".join(ch if ch.isalnum() else "-" for ch in raw).strip("-")


@dataclass
class Merged:
    """Every case of every file, each tagged with its column and file."""

    files: list[str] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    backends: dict[Column, dict[str, Any]] = field(default_factory=dict)
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    registry: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    superseded: list[dict[str, Any]] = field(default_factory=list)

    def column_of(self, case: Mapping[str, Any]) -> Column:
        return case["_column"]


def load_results(path: str | Path) -> dict[str, Any]:
    """Read and validate one results file (``.json``, or ``.json.gz`` as
    ``benchmarks/device_run.sh`` writes them); :class:`ResultsFileError` names what is wrong."""
    name = str(path)
    try:
        if str(path).endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                text = f.read()
        else:
            text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsFileError(f"{name}: no such file") from None
    except (OSError, UnicodeDecodeError, EOFError) as exc:  # gzip: BadGzipFile is an OSError
        raise ResultsFileError(f"{name}: cannot be read ({exc})") from None
    if not text.strip():
        raise ResultsFileError(f"{name}: empty file (an interrupted write?)")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (truncated?)" if exc.pos >= len(text.rstrip()) - 1 else ""
        raise ResultsFileError(
            f"{name}: not valid JSON{hint}: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    validate(doc, name)
    return doc


def validate(doc: Any, name: str) -> None:
    """Check the parts of a results document the report relies on."""
    if not isinstance(doc, dict):
        raise ResultsFileError(f"{name}: top level is a JSON {type(doc).__name__}, not an object")
    if doc.get("schema") != SCHEMA:
        raise ResultsFileError(f"{name}: 'schema' is {doc.get('schema')!r}, expected {SCHEMA!r} "
                               "(not a crossconform results file)")
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ResultsFileError(f"{name}: 'schema_version' must be a positive integer, got {version!r}")
    if version > SCHEMA_VERSION:
        raise ResultsFileError(f"{name}: schema_version {version} is newer than this crossconform "
                               f"reads ({SCHEMA_VERSION}); upgrade crossconform to report it")
    if not isinstance(doc.get("cases"), list):
        raise ResultsFileError(f"{name}: missing key 'cases' (a list of case records)")
    for key in ("backends", "environment"):
        if key in doc and not isinstance(doc[key], dict):
            raise ResultsFileError(f"{name}: '{key}' must be an object, got {type(doc[key]).__name__}")
    for i, case in enumerate(doc["cases"]):
        if not isinstance(case, dict):
            raise ResultsFileError(f"{name}: cases[{i}] is a {type(case).__name__}, not an object")
        missing = [k for k in _CASE_KEYS if not isinstance(case.get(k), str)]
        if missing:
            raise ResultsFileError(f"{name}: cases[{i}] ({case.get('id', '?')!r}) lacks "
                                   f"string key(s) {missing}")
        if case["outcome"] not in OUTCOMES:
            raise ResultsFileError(f"{name}: cases[{i}] ({case['id']!r}) has outcome "
                                   f"{case['outcome']!r}, not one of {list(OUTCOMES)}")


ENVIRONMENT_HEADERS = ["python", "platform", "numpy", "cpu", "TF oneDNN"]


def environment_row(env: Mapping[str, Any]) -> list[str]:
    """A results file's environment as report cells (the CPU and TensorFlow's oneDNN state
    decide which kernels ran; files older than those fields show them empty)."""
    onednn = env.get("tensorflow_onednn")
    return [str(env.get("python", "")), str(env.get("platform", "")), str(env.get("numpy", "")),
            cpu_label(env.get("cpu")), "" if onednn is None else ("on" if onednn else "off")]


def column_for(backend: str, info: Mapping[str, Any] | None, options: Mapping[str, Any]) -> Column:
    """The column a backend's cases go to, from the file's ``backends`` section (a run of
    TensorFlow or Keras on TensorFlow with TF's oneDNN kernels on gets a column of its own:
    their numbers differ; so does a run with --max-ulp, whose outcomes differ)."""
    info = info or {}
    version = str(info.get("version") or "unknown")
    parts = []
    base = ""
    packages = [str(p) for p in info.get("packages") or ()]
    if backend == "keras" and len(packages) > 1:
        parts.append(packages[1])  # keras' compute backend ("tensorflow", "jax", "torch")
        own = info.get("package_versions") or {}
        base = next((str(own[p]) for p in packages[1:] if own.get(p)), "")
    if info.get("tensorflow_onednn") is True:  # recorded only for backends running TF
        parts.append("oneDNN")
    device = str(info.get("device") or options.get("device") or "cpu")
    if device != "cpu":
        parts.append(device)
    if options.get("max_ulp"):  # a ULP ceiling fails cases the tolerance passes: not comparable
        parts.append(f"max-ulp {options['max_ulp']}")
    return Column(backend, version, ", ".join(parts), base)


def merge(paths: Iterable[str | Path], *, skip_bad: bool = False) -> Merged:
    """Merge results files in order (a later file wins a duplicate case id in one column)."""
    merged = Merged()
    where: dict[tuple[Column, str], int] = {}
    dup: dict[tuple[Column, str, str], list[str]] = defaultdict(list)
    for path in paths:
        name = str(path)
        try:
            doc = load_results(path)
        except ResultsFileError as exc:
            if not skip_bad:
                raise
            merged.skipped.append((name, str(exc)))
            continue
        merged.files.append(name)
        merged.environments[name] = dict(doc.get("environment") or {})
        merged.registry[name] = dict(doc.get("registry") or {})
        backends = doc.get("backends") or {}
        options = doc.get("options") or {}
        columns: dict[str, Column] = {}
        for case in doc["cases"]:
            backend = case["backend"]
            if backend not in columns:
                columns[backend] = column_for(backend, backends.get(backend), options)
                col = columns[backend]
                if col not in merged.backends or backends.get(backend):
                    merged.backends[col] = dict(backends.get(backend) or {"name": backend})
                if col not in merged.columns:
                    merged.columns.append(col)
            col = columns[backend]
            record = dict(case, _column=col, _file=name)
            key = (col, case["id"])
            if key in where:
                old = merged.cases[where[key]]
                dup[(col, old["_file"], name)].append(case["id"])
                merged.superseded.append(old)
                merged.cases[where[key]] = record
            else:
                where[key] = len(merged.cases)
                merged.cases.append(record)
        for backend, info in backends.items():  # a backend with no case (unavailable) is shown too
            if backend not in columns and isinstance(info, dict):
                col = column_for(backend, info, options)
                merged.backends.setdefault(col, dict(info))
                if col not in merged.columns:
                    merged.columns.append(col)
    for (col, old_file, new_file), ids in dup.items():
        example = f"e.g. {ids[0]!r}" + (f" and {len(ids) - 1} more" if len(ids) > 1 else "")
        merged.warnings.append(f"{len(ids)} case(s) of {col.label} are in both {old_file} and "
                               f"{new_file} ({example}): the later file ({new_file}) wins")
    if not merged.files:
        raise ResultsFileError("no results file could be read: "
                               + "; ".join(problem for _, problem in merged.skipped))
    merged.columns.sort(key=_column_order)
    return merged


def _column_order(col: Column) -> tuple[Any, ...]:
    from packaging.version import InvalidVersion, Version

    def key(text: str) -> tuple[Any, ...]:
        try:
            return (0, Version(text))
        except InvalidVersion:
            return (1, text)
    return (col.backend, col.variant, key(col.version), key(col.base.split("+")[0]))
