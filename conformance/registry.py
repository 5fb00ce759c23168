"""The divergence registry: documented, verified differences, as strict xfails.

``conformance/divergences/`` holds TOML files per framework (``torch_losses.toml``,
``keras_losses.toml``...), each a list of ``[[divergence]]`` tables::

    [[divergence]]
    binding = "torch.nn.functional.gelu"   # exact api, or an fnmatch pattern
    exclude = ["*reduction=None*"]         # optional: patterns of bindings it leaves out
    check = "value"                        # "value", "grad", "paths" or "any"; "grad_NAME"
                                           # for the gradient w.r.t. input NAME
    dtypes = ["float16"]                   # optional: default every dtype
    regimes = ["extreme"]                  # optional: default every regime
    versions = "torch>=2.0"                # PEP 440 requirement: distribution + specifier
    keras_backend = ["tensorflow"]         # optional, Keras entries: KERAS_BACKEND values
    onednn = false                         # optional, TF/Keras entries: TensorFlow's oneDNN
                                           # kernels on (true) or off (false) in this process
    xla_onednn = true                      # optional, JAX entries: XLA:CPU compiles
                                           # jax.nn.softmax into oneDNN's softmax (true) or not
    cpu_flags = ["!avx512f"]               # optional: CPU flags that must be present (or,
                                           # with "!", absent) on the machine that runs it
    devices = ["cpu"]                      # optional: the kinds of --device it holds on
                                           # ("cpu", "cuda", ...); default every device
    also = ["torch>=2.14"]                 # optional: further requirements, all to be met
                                           # (a Keras entry that depends on its backend's version)
    max_ulp = true                         # optional: a precision entry (below)
    reason = "what differs and why, with the measured figures"
    source = "file:function of the framework, or the upstream issue"

A matching case becomes ``xfail(strict=True)``: if the framework stops diverging the case
XPASSes and the run fails, so the entry is removed. An entry whose version specifier the
installed framework does not satisfy is not applied; nor is one whose ``keras_backend`` or
``onednn`` condition this process does not meet. ``onednn`` exists because TensorFlow's CPU
kernels depend on the machine: on Linux x86 it turns oneDNN on by default only on CPUs
with AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX (``TF_ENABLE_ONEDNN_OPTS`` overrides), and
some oneDNN kernels (``_MklSoftmax``) round and propagate NaN differently. ``xla_onednn`` is
the same for JAX: jaxlib's XLA:CPU (0.4.30 on an AVX512_BF16 CPU) replaces the pattern of
``jax.nn.softmax`` by a ``__onednn$softmax`` custom call, whose NaN rule differs, where its
CPU and build allow it; :func:`xla_onednn_softmax` asks the compiler. ``cpu_flags`` is for
what no framework reports: XLA:CPU's vector code differs with the instruction sets, and a
float32 or half-dtype composite whose rounding sits at its tolerance passes on one CPU and
not on another (Keras' circle loss, jax 0.4.30's half-dtype softmax family: 17 entries name
the CPUs they were measured on); the flags are those of
:func:`conformance.results.cpu` (/proc/cpuinfo), recorded in every results file, with the
vendor as a pseudo-flag (``vendor_intel``, ``vendor_amd``: MKL picks its kernels by vendor). ``devices`` exists
because a CPU kernel's rounding or error rule is not its GPU kernel's (docs/device-run.md:
76 registered CPU divergences did not occur on an H200): an entry verified on one kind of
device names it. An entry that matches no case is reported at the end of the run.

A *precision entry* (``max_ulp = true``) explains a result that is within the dtype's
tolerance but further from the reference than a ``--max-ulp`` ceiling allows (float64
results computed in float32 arithmetic, or by a float64 formula that cancels: the default
tolerance, rtol 1e-7, passes them). It
applies only in a run with a ceiling for the case's dtype, after every ordinary entry, and
absorbs only that ``precision:`` failure: the case xfails (strictly: within the ceiling, it
XPASSes) while a case that misses its tolerance still fails.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib.metadata
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from .cases import CHECKS, CaseSpec
from .families import FAMILIES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_PATH = Path(__file__).with_name("divergences")
_FIELDS = {"binding", "exclude", "check", "dtypes", "regimes", "versions", "keras_backend",
           "onednn", "xla_onednn", "cpu_flags", "devices", "also", "max_ulp", "reason", "source"}
_REQUIRED = {"binding", "versions", "reason", "source"}
# "grad_NAME" for every further input some family's reference differentiates
GRAD_CHECKS = tuple(sorted({f"grad_{name}" for f in FAMILIES.values() for name in f.more_grad_inputs}))


class RegistryError(ValueError):
    """A malformed registry entry; the message names the file and the entry."""


@dataclass(frozen=True)
class Divergence:
    index: int
    binding: str
    check: str
    dtypes: tuple[str, ...] | None
    regimes: tuple[str, ...] | None
    requirement: Requirement
    reason: str
    source: str
    keras_backend: tuple[str, ...] | None = None
    origin: str = ""
    onednn: bool | None = None
    xla_onednn: bool | None = None
    devices: tuple[str, ...] | None = None
    also: tuple[Requirement, ...] = ()
    exclude: tuple[str, ...] = ()
    max_ulp: bool = False  # a precision entry: only under a --max-ulp ceiling (module doc)
    cpu_flags: tuple[str, ...] | None = None  # "flag" present / "!flag" absent (module doc)

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """``versions`` and the ``also`` requirements: the entry applies when all hold."""
        return (self.requirement, *self.also)

    @property
    def versions_text(self) -> str:
        return ", ".join(str(r) for r in self.requirements)

    @property
    def key(self) -> tuple[str, int]:
        return (self.origin, self.index)

    @property
    def label(self) -> str:
        where = f"{self.origin} " if self.origin else ""
        return f"divergence {where}#{self.index} ({self.binding}, {self.check})"

    def matches_api(self, api: str) -> bool:
        return ((api == self.binding or fnmatch.fnmatchcase(api, self.binding))
                and not any(fnmatch.fnmatchcase(api, pattern) for pattern in self.exclude))

    def matches(self, spec: CaseSpec, ceilings: Mapping[str, float] | None = None) -> bool:
        """Whether the entry covers ``spec`` (a precision entry: only where ``ceilings``, the
        run's --max-ulp, has one for the case's dtype)."""
        return (
            (not self.max_ulp or spec.dtype in (ceilings or ()))
            and self.matches_api(spec.api)
            and self.check in ("any", spec.check)
            and (self.dtypes is None or spec.dtype in self.dtypes)
            and (self.regimes is None or spec.regime in self.regimes)
        )

    def applies(self, versions: Mapping[str, str], device: str = "cpu") -> bool:
        """True when the installed version of the entry's distribution satisfies it (and,
        for a Keras entry restricted to some Keras backends, that backend is in use; for an
        entry with ``onednn``, TensorFlow's oneDNN state is the one named; likewise XLA's
        softmax rewrite for ``xla_onednn``; for an entry with ``devices``, the run's
        ``--device`` is of one of those kinds)."""
        # each probe asked only when the entry has its condition (asking XLA compiles a
        # program; TensorFlow's state needs TensorFlow loaded)
        return self.applies_to_run(
            versions, device,
            keras_backend() if self.keras_backend is not None else None,
            tensorflow_onednn() if self.onednn is not None else None,
            xla_onednn_softmax() if self.xla_onednn is not None else None,
            machine_cpu_flags() if self.cpu_flags is not None else None)

    def applies_to_run(self, versions: Mapping[str, str], device: str, keras: str | None,
                       onednn: bool | None, xla_onednn: bool | None,
                       cpu_flags: frozenset[str] | None = None) -> bool:
        """:meth:`applies` for a run described rather than this process (``rematch``: a
        results file's versions, device, Keras backend, oneDNN states and CPU flags)."""
        return ((self.devices is None or device_kind(device) in self.devices)
                and (self.keras_backend is None or keras in self.keras_backend)
                and (self.onednn is None or onednn is self.onednn)
                and (self.xla_onednn is None or xla_onednn is self.xla_onednn)
                and (self.cpu_flags is None or cpu_flags_hold(self.cpu_flags, cpu_flags))
                and self.version_applies(versions))

    def version_applies(self, versions: Mapping[str, str]) -> bool:
        """True when the installed versions satisfy every requirement of the entry."""
        return self.unmet(versions) is None

    def unmet(self, versions: Mapping[str, str]) -> tuple[Requirement, str | None] | None:
        """The first requirement the installed versions do not meet, with the version
        found (None: the distribution is not installed); None when all are met."""
        for req in self.requirements:
            version = distribution_version(req.name, versions)
            if not requirement_met(req, version):
                return req, version
        return None

    def xfail_reason(self) -> str:
        where = f" on {', '.join(self.devices)}" if self.devices else ""
        return f"{self.reason} [source: {self.source}; applies to {self.versions_text}{where}]"


def device_kind(device: str) -> str:
    """The kind of a ``--device`` value: "cuda:1" -> "cuda", "gpu" -> "cuda" (JAX's and
    TensorFlow's name for it), "/device:GPU:0" -> "cuda", "cpu" -> "cpu"."""
    kind = device.strip().lower().removeprefix("/device:").split(":", 1)[0]
    return "cuda" if kind == "gpu" else kind


def cpu_flags_hold(wanted: tuple[str, ...], flags: frozenset[str] | None) -> bool:
    """Whether a machine with ``flags`` (None: unknown) meets every "flag" / "!flag"."""
    if flags is None:
        return False
    return all((w[1:] not in flags) if w.startswith("!") else (w in flags) for w in wanted)


@functools.cache
def machine_cpu_flags() -> frozenset[str] | None:
    """This machine's kernel-relevant CPU flags (:func:`conformance.results.cpu`); None
    where they cannot be read."""
    from .results import cpu

    flags = cpu().get("flags")
    return None if flags is None else frozenset(flags)


def keras_backend() -> str:
    """The Keras backend in use: Keras fixes it from KERAS_BACKEND at import."""
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def tensorflow_onednn() -> bool | None:
    """Whether TensorFlow runs its oneDNN (``_Mkl*``) CPU kernels in this process, as
    TensorFlow itself decides it (tensorflow/core/util/port.cc: IsMklEnabled, from
    ``TF_ENABLE_ONEDNN_OPTS`` or, unset, the CPU's features); None when this process has
    not loaded TensorFlow (no TF kernel ran: importing it only to ask costs seconds)."""
    if "tensorflow" not in sys.modules:
        return None
    return _mkl_enabled()


def xla_onednn_softmax() -> bool | None:
    """Whether XLA compiles ``jax.nn.softmax`` of a float32 matrix, on JAX's default device
    in this process, into oneDNN's softmax (a ``__onednn$softmax`` custom call in the
    compiled program: jaxlib 0.4.30's XLA:CPU does so on this project's AVX512_BF16 CPU;
    0.10.2's does not); None when this process has not loaded JAX."""
    if "jax" not in sys.modules:
        return None
    return _xla_softmax_rewritten()


@functools.cache
def _xla_softmax_rewritten() -> bool:
    import jax
    import jax.numpy as jnp

    program = jax.jit(jax.nn.softmax).lower(jnp.zeros((2, 3), jnp.float32)).compile()
    # The call's own name, not "onednn" anywhere: the program text names the Python
    # frames that traced it (this function's caller among them).
    return "__onednn$softmax" in program.as_text()


def runs_tensorflow(name: str, packages: Any) -> bool:
    """Whether a backend (its name and distributions) runs TensorFlow's kernels: the
    TensorFlow backend, Keras on TensorFlow; not Keras on JAX or torch."""
    return any(str(n).startswith("tensorflow") for n in (name, *packages))


@functools.cache
def _mkl_enabled() -> bool:
    from tensorflow.python.util import _pywrap_util_port

    return bool(_pywrap_util_port.IsMklEnabled())


@functools.cache
def requirement_met(req: Requirement, version: str | None) -> bool:
    """Whether ``version`` (None: not installed) satisfies ``req``; a local label
    (``2.11.0+cu130``) is ignored and pre-releases count."""
    return version is not None and req.specifier.contains(version.split("+")[0],
                                                          prereleases=True)


# Distributions that ship one framework under another name: TensorFlow's CPU-only wheel is
# ``tensorflow-cpu`` (the same source, the same version numbers), so ``tensorflow<2.19`` in
# ``also`` holds for a Keras run on tensorflow-cpu 2.18 as on tensorflow 2.18.
DISTRIBUTION_ALIASES = {"tensorflow": ("tensorflow-cpu",)}


def distribution_version(name: str, versions: Mapping[str, str]) -> str | None:
    """The version of distribution ``name``, or of a distribution it ships as
    (:data:`DISTRIBUTION_ALIASES`): from ``versions`` (a run's) first, else as installed
    here; None if none of them is."""
    names = (name.lower(), *DISTRIBUTION_ALIASES.get(name.lower(), ()))
    found = [versions.get(dist) for dist in names] + [installed_version(dist) for dist in names]
    return next((version for version in found if version), None)


@functools.cache
def installed_version(distribution: str) -> str | None:
    # Cached: reading a distribution's metadata costs a millisecond, asked per entry per run
    # (uncached, the results file's registry section alone read it 10,404 times: 7 s).
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def load_registry(path: Path | str = DEFAULT_PATH) -> list[Divergence]:
    """Parse and validate the registry: one TOML file, or every ``*.toml`` of a directory
    (in name order). RegistryError names the file and the entry."""
    path = Path(path)
    if not path.exists():  # a mistyped --registry would otherwise run with no entries
        raise RegistryError(f"registry {str(path)!r}: no such file or directory")
    if path.is_dir():
        # An entry is (file name, position in its file): stable while other files change.
        return [entry for file in sorted(path.glob("*.toml")) for entry in _load_file(file)]
    return _load_file(path)


def _load_file(path: Path) -> list[Divergence]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return []
    # parsed once per process while the file is unchanged (a run reads it at collection and
    # again for the results; entries are frozen, so sharing them is safe)
    return list(_load_file_cached(path.resolve(), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=256)
def _load_file_cached(path: Path, mtime_ns: int, size: int) -> tuple[Divergence, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ()
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from None
    entries = data.get("divergence", [])
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: 'divergence' must be an array of tables ([[divergence]])")
    return tuple(_entry(path, i, raw) for i, raw in enumerate(entries, start=1))


def _entry(path: Path, index: int, raw: Any) -> Divergence:
    where = f"{path}: divergence #{index} of the file"
    if not isinstance(raw, dict):
        raise RegistryError(f"{where} is not a table")
    unknown = sorted(set(raw) - _FIELDS)
    missing = sorted(_REQUIRED - set(raw))
    if unknown:
        raise RegistryError(f"{where}: unknown keys {unknown}; allowed {sorted(_FIELDS)}")
    if missing:
        raise RegistryError(f"{where}: missing keys {missing}")
    for key in ("binding", "reason", "source", "versions"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise RegistryError(f"{where}: {key} must be a non-empty string, got {raw[key]!r}")
    check = raw.get("check", "value")
    if not isinstance(check, str) or check not in (*CHECKS, "any", *GRAD_CHECKS):
        raise RegistryError(f"{where}: check must be one of {[*CHECKS, 'any']} or a gradient "
                            f"w.r.t. another input, one of {list(GRAD_CHECKS)}; got {check!r}")
    try:
        requirement = Requirement(raw["versions"])
    except InvalidRequirement as exc:
        raise RegistryError(f"{where}: versions {raw['versions']!r} is not a PEP 440 "
                            f"requirement such as 'torch>=2.0': {exc}") from None
    also = raw.get("also", [])
    if isinstance(also, str):
        also = [also]
    if not isinstance(also, list) or not all(isinstance(a, str) for a in also):
        raise RegistryError(f"{where}: also must be a requirement or a list of them, got {also!r}")
    try:
        also_reqs = tuple(Requirement(a) for a in also)
    except InvalidRequirement as exc:
        raise RegistryError(f"{where}: also {also!r} holds an invalid PEP 440 requirement: "
                            f"{exc}") from None
    lists = {}
    for key in ("keras_backend", "devices", "exclude"):
        if isinstance(raw.get(key), str):
            raw = {**raw, key: [raw[key]]}
    for key in ("dtypes", "regimes", "keras_backend", "devices", "exclude"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise RegistryError(f"{where}: {key} must be a list of strings, got {value!r}")
        lists[key] = tuple(value) if value is not None else None
    bad = [d for d in lists["devices"] or () if d != device_kind(d)]
    if bad:
        raise RegistryError(f"{where}: devices are kinds such as 'cpu' or 'cuda', got {bad} "
                            f"(for {bad[0]!r} write {device_kind(bad[0])!r})")
    cpu_flags = raw.get("cpu_flags")
    if cpu_flags is not None:
        from .results import CPU_FLAGS

        if (not isinstance(cpu_flags, list) or not cpu_flags
                or not all(isinstance(f, str) and f.lstrip("!") in CPU_FLAGS for f in cpu_flags)):
            raise RegistryError(f"{where}: cpu_flags must be a list of flags from {list(CPU_FLAGS)}, "
                                f"each optionally prefixed with '!', got {cpu_flags!r}")
        cpu_flags = tuple(cpu_flags)
    flags = {}
    for key in ("onednn", "xla_onednn", "max_ulp"):
        flags[key] = raw.get(key)
        if flags[key] is not None and not isinstance(flags[key], bool):
            raise RegistryError(f"{where}: {key} must be true or false, got {flags[key]!r}")
    if flags["max_ulp"] and check in ("paths", "any"):
        raise RegistryError(f"{where}: a max_ulp entry names a value or gradient check, "
                            f"got {check!r}")
    return Divergence(index, raw["binding"], check, lists["dtypes"], lists["regimes"],
                      requirement, raw["reason"].strip(), raw["source"].strip(),
                      lists["keras_backend"], path.name, onednn=flags["onednn"],
                      xla_onednn=flags["xla_onednn"], devices=lists["devices"],
                      also=also_reqs, exclude=lists["exclude"] or (),
                      max_ulp=bool(flags["max_ulp"]), cpu_flags=cpu_flags)


def match(entries: list[Divergence], spec: CaseSpec, versions: Mapping[str, str],
          device: str = "cpu", ceilings: Mapping[str, float] | None = None) -> Divergence | None:
    """The first applicable entry matching ``spec`` (a case run on ``device`` under the
    --max-ulp ``ceilings``), ordinary entries before precision ones; or None."""
    for entry in sorted(entries, key=lambda e: e.max_ulp):  # stable: registry order within
        if entry.matches(spec, ceilings) and entry.applies(versions, device):
            return entry
    return None


def matcher(entries: list[Divergence], versions: Mapping[str, str], device: str = "cpu",
            ceilings: Mapping[str, float] | None = None) -> Any:
    """``match`` for a whole collection: ``find(spec)`` returns what
    ``match(entries, spec, versions, device, ceilings)`` returns, without scanning every
    entry per case.

    Speed: a run asks once per case (tens of thousands) over hundreds of entries. The
    entries naming an API (in registry order) and each entry's version verdict are
    worked out once.
    """
    by_api: dict[str, list[Divergence]] = {}
    applies: dict[int, bool] = {}
    # an entry whose binding has no glob character can only match its own api: looked up,
    # not fnmatch-ed against every api (hundreds of apis x thousands of entries)
    literal: dict[str, list[tuple[int, Divergence]]] = {}
    patterns: list[tuple[int, Divergence]] = []
    for i, e in enumerate(entries):
        if any(c in e.binding for c in "*?["):
            patterns.append((i, e))
        else:
            literal.setdefault(e.binding, []).append((i, e))

    def find(spec: CaseSpec) -> Divergence | None:
        candidates = by_api.get(spec.api)
        if candidates is None:
            hits = literal.get(spec.api, []) + [
                (i, e) for i, e in patterns
                if spec.api == e.binding or fnmatch.fnmatchcase(spec.api, e.binding)]
            candidates = by_api[spec.api] = [e for _, e in sorted(
                hits, key=lambda h: (h[1].max_ulp, h[0]))]  # precision entries last
        for entry in candidates:
            if entry.matches(spec, ceilings):
                if id(entry) not in applies:
                    applies[id(entry)] = entry.applies(versions, device)
                if applies[id(entry)]:
                    return entry
        return None
    return find
