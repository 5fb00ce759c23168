"""The results file: one JSON document per run, written atomically.

Schema (``schema_version`` 1)::

    {"schema": "crossconform-results", "schema_version": 1,
     "created": ISO time, "wall_s": seconds from the run's configuration to this file,
     "environment": {python, platform, numpy, cpu, tensorflow_onednn, xla_onednn_softmax},
     "backends": {name: {"version", "packages", "package_versions", "device", "available", "reason", "bindings": [...],
                         "tensorflow_onednn" (TF and Keras-on-TF only),
                         "xla_onednn_softmax" (JAX and Keras-on-JAX only)}},
     "options": {...}, "cases": [case records], "registry": {"applied": [...], "unmatched": [...]},
     "totals": {outcome: count}}

A case record: id, backend, binding, reference, kind, check, dtype, regime, conventions,
outcome (pass/fail/xfail/xpass/skip/error), message, max_abs, max_rel, max_ulp,
mismatches, elements, rtol, atol, atol_only (elements within tolerance only through atol:
|a - r| > rtol |r|), max_ulp_within_rtol and max_rel_within_rtol (the largest errors of the
elements within rtol, |a - r| <= rtol |r|: what --max-ulp checks), shape, out_dtype,
reproducer, divergence, duration. ``options`` holds the run's ``max_ulp`` (None: no ceiling).
Timing fields (``created``, ``duration``, ``wall_s``) are the only ones that differ
between two runs of the same command on the same versions.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shlex
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np


def _num(v: Any) -> float:
    """A measured figure as a float: "inf"/"nan" strings decoded, None or junk as NaN."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def passes_through_atol(case: Mapping[str, Any]) -> bool:
    """A passing case with an element within tolerance only through atol (``atol_only``;
    results written before that field: max_rel > rtol). Its ULP figure may measure the
    spacing of a 0 or tiny answer (up to 9e307 in float64), so the lists ranked by ULP
    leave it to :func:`through_atol`."""
    if case.get("outcome") != "pass":
        return False
    if "atol_only" in case:
        return bool(case["atol_only"])
    return _num(case.get("max_rel")) > _num(case.get("rtol"))


def through_atol(cases: Any) -> list[Mapping[str, Any]]:
    """:func:`passes_through_atol` cases, largest relative error first: what the
    tolerance lets through (a flushed tail, 0 where the answer is 1e-20, a float32
    computation behind a float64 result)."""
    out = [c for c in cases if passes_through_atol(c)]
    out.sort(key=lambda c: (-_num(c.get("max_rel")), -_num(c.get("max_abs")), str(c.get("id"))))
    return out


# Bits of the case dtype a passing result may lose before it is listed as within rtol but
# far from the dtype's precision: 2^20 ULP. Only float64 gets there (its rtol, 1e-7 from
# torch.testing's table, admits up to ~9e8 ULP; float32's 1.3e-6 at most ~22), and there
# the measured distribution is bimodal: 486 of 9,776 clean float64 passes lose more than
# 20 bits, 410 more than 26, and all but 76 of the rest at most 10.
HIDDEN_BY_RTOL_BITS = 20


def within_rtol(case: Mapping[str, Any]) -> tuple[float, float]:
    """A passing case's largest errors, in ULP of its dtype and relative, over the elements
    that need no atol (``max_ulp_within_rtol``, ``max_rel_within_rtol``). A results file
    written before those fields: the case's max ULP and max rel where no element needs
    atol, NaN where one does (unknown)."""
    if "max_ulp_within_rtol" in case:
        return _num(case["max_ulp_within_rtol"]), _num(case.get("max_rel_within_rtol"))
    if passes_through_atol(case):
        return math.nan, math.nan
    return _num(case.get("max_ulp")), _num(case.get("max_rel"))


def within_rtol_far_off(cases: Any, bits: int = HIDDEN_BY_RTOL_BITS) -> list[Mapping[str, Any]]:
    """Passing cases with an element that needs no atol and is still more than ``2**bits``
    ULP of the case dtype off, largest first: what rtol lets through (a float64 result
    computed in float32, a float32 constant in a float64 path, a gradient formed from the
    rounded output)."""
    out = [c for c in cases if c.get("outcome") == "pass" and within_rtol(c)[0] > 2.0 ** bits]
    out.sort(key=lambda c: (-within_rtol(c)[0], str(c.get("id"))))
    return out


SCHEMA = "crossconform-results"
SCHEMA_VERSION = 1
TIMING_FIELDS = ("created", "duration", "wall_s")


def jsonable(value: Any) -> Any:
    """A JSON-safe copy: arrays to lists, non-finite floats to strings, tuples to lists."""
    # Speed: the plain types of most of a record first, by exact type (the 45,918 records
    # of a full run: 0.28 s, against 1.55 s through the isinstance chain below).
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else _nonfinite(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else _nonfinite(v)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return repr(value)


def _nonfinite(v: float) -> str:
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


class Collector:
    """Gathers case records from test reports (works under xdist: reports reach the controller)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.backends: dict[str, dict[str, Any]] = {}
        # --adapter options of the run: a crashed case's reproducer must load its plugin.
        self.adapter_args: list[str] = []
        self.registry_cache: tuple[tuple[Any, ...], dict[str, Any]] | None = None
        self.started: float | None = None  # time.monotonic() when the run was configured

    def add_report(self, report: Any) -> None:
        if report.passed and report.when != "call":
            return  # a setup or teardown that went well says nothing about the case
        props = dict(getattr(report, "user_properties", ()) or ())
        if "crossconform_backend" in props and report.when == "call":
            info = props["crossconform_backend"]
            self.backends[info["name"]] = info
        case = props.get("crossconform_case")
        if case is None:
            case = _case_from_nodeid(report.nodeid, self.adapter_args)
            if case is None:
                return
        if report.when == "teardown" and case["id"] in self.records:
            return  # a failing teardown after the call: the call's record stands
        record = dict(case)
        result = props.get("crossconform_result", {})
        record.update(result)
        outcome = _outcome(report, result)
        record["outcome"] = outcome
        if "divergence" not in record and "crossconform_divergence" in props:
            record["divergence"] = props["crossconform_divergence"]
        if outcome in ("skip",) and not record.get("message"):
            record["message"] = _skip_reason(report)
        text = getattr(report, "longreprtext", "") or ""
        if outcome in ("fail", "error"):
            crashed = "crashed while running" in text or ("worker" in text and "crashed" in text)
            if "Timeout" in text and ("Failed: Timeout" in text or "+ Timeout +" in text):
                outcome = record["outcome"] = "error"
                record["message"] = "timeout: " + _first_line(text.split("Timeout", 1)[1] or text)
            elif crashed and case["id"] in self.records:
                return  # its call reported first, then its worker exited (a lost CUDA context)
            elif crashed:
                outcome = record["outcome"] = "error"
                # xdist's own text names the worker (gw0, gw1...): not reproducible.
                record["message"] = (CRASHED + "the process running this case died (a segfault "
                                     "or abort in the framework); xdist replaced the worker")
            elif not record.get("message"):
                record["message"] = _first_line(text)
        if outcome == "xpass":
            record["message"] = ("XPASS(strict): the registered divergence no longer occurs; "
                                 + record.get("message", ""))
        record["duration"] = round(float(getattr(report, "duration", 0.0)), 6)
        self.records[record["id"]] = record


def _case_from_nodeid(nodeid: str, adapter_args: list[str] = ()) -> dict[str, Any] | None:
    """A minimal record for a case whose report lost its properties (a crashed worker)."""
    marker = "::test_case["
    if marker not in nodeid or not nodeid.endswith("]"):
        return None
    from .cases import is_grad, parse_case_id

    cid = nodeid.split(marker, 1)[1][:-1]
    try:
        api, dtype, regime, check = parse_case_id(cid)
    except ValueError:
        return None
    backend = _backend_of(api)
    argv = ["python", "-m", "conformance", "repro", cid, *(adapter_args if backend == "plugin" else ())]
    return {"id": cid, "backend": backend, "binding": api, "reference": None,
            "kind": "gradient" if is_grad(check) else None, "check": check, "dtype": dtype,
            "regime": regime, "reproducer": shlex.join(argv)}


def _backend_of(api: str) -> str:
    for backend, prefixes in (("torch", ("torch.",)), ("tensorflow", ("tf.",)), ("keras", ("keras.",)),
                              ("jax", ("jax.", "optax.")), ("scipy", ("scipy.",)),
                              ("sklearn", ("sklearn.",))):
        if api.startswith(prefixes):
            return backend
    return "plugin"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        # xdist prefixes a report with "[gw0] linux -- Python 3.11...": which worker ran it.
        if line.strip() and not re.match(r"\[gw\d+\] ", line.strip()):
            return line.strip()[:500]
    return ""


def _skip_reason(report: Any) -> str:
    longrepr = getattr(report, "longrepr", None)
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return _first_line(str(longrepr or ""))


def _outcome(report: Any, result: dict[str, Any]) -> str:
    wasxfail = hasattr(report, "wasxfail")
    if report.skipped:
        return "xfail" if wasxfail else "skip"
    if report.passed:
        return "xpass" if wasxfail else "pass"
    text = getattr(report, "longreprtext", "") or ""
    if "XPASS(strict)" in text:
        return "xpass"
    if report.when != "call":
        return "error"
    return "error" if result.get("outcome") == "error" else "fail"


collector = Collector()


def environment(backends: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """What besides the versions decides the numbers: the CPU (frameworks pick kernels by
    its instruction sets) and, when TensorFlow ran, whether its oneDNN kernels were on (as
    the backends' records say: under xdist the workers, not this process, load it)."""
    env = {"python": platform.python_version(), "implementation": platform.python_implementation(),
           "platform": platform.platform(), "machine": platform.machine(), "numpy": np.__version__,
           "cpu": cpu()}
    for key in _probes():
        state = onednn_state(backends or {}, key)
        if state is not None:
            env[key] = state
    return env


def _probes() -> dict[str, Callable[[], bool | None]]:
    """The machine-dependent kernel choices a run records, each asked of its framework."""
    from .registry import tensorflow_onednn, xla_onednn_softmax

    return {"tensorflow_onednn": tensorflow_onednn, "xla_onednn_softmax": xla_onednn_softmax}


def onednn_state(backends: dict[str, dict[str, Any]], key: str = "tensorflow_onednn") -> bool | None:
    """A run's state for one of :func:`_probes` (TensorFlow's oneDNN kernels; XLA's oneDNN
    softmax): as the backend records report it (under xdist the workers, not this process,
    load the framework), else this process's answer; None: the framework did not run."""
    states = {info[key] for info in backends.values() if key in info}
    return states.pop() if len(states) == 1 else _probes()[key]()


# The instruction sets that change which kernels the frameworks run (TensorFlow's oneDNN
# default, PyTorch's and XLA's vector code paths), and the vendor: Intel's MKL (torch's
# float32 matmul on the CPU) takes its Intel code paths only on Intel CPUs (pytorch/builder
# #504), so an AMD CPU with AVX-512 does not round a matmul as an Intel one does. The
# vendor is a pseudo-flag, "vendor_intel" or "vendor_amd", from /proc/cpuinfo's vendor_id.
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16",
              "avx_vnni", "amx_tile", "amx_int8", "amx_bf16", "asimd", "sve",
              "vendor_intel", "vendor_amd")
_VENDORS = {"GenuineIntel": "vendor_intel", "AuthenticAMD": "vendor_amd"}


def cpu_label(info: Any) -> str:
    """``cpu()``'s record as one line: "model (flag flag ...)"."""
    if not isinstance(info, dict):
        return str(info or "")
    flags = info.get("flags")
    return str(info.get("model", "")) + (f" ({' '.join(flags)})" if flags else "")


def cpu() -> dict[str, Any]:
    """The CPU's model name and its kernel-relevant flags, the vendor's pseudo-flag among
    them (Linux: /proc/cpuinfo)."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {"model": model, "flags": None}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and value.strip():
            model = value.strip()
        elif key in ("flags", "Features"):
            flags |= set(value.split())
        elif key == "vendor_id" and value.strip() in _VENDORS:
            flags.add(_VENDORS[value.strip()])
        elif not line.strip() and flags:  # the first processor is enough
            break
    return {"model": model, "flags": [f for f in CPU_FLAGS if f in flags]}


def build_document(collector: Collector, options: dict[str, Any], registry_info: dict[str, Any],
                   created: str, wall_s: float | None = None) -> dict[str, Any]:
    cases = [collector.records[k] for k in sorted(collector.records)]
    totals = Counter(c["outcome"] for c in cases)
    return {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "created": created,
        "wall_s": wall_s, "environment": environment(collector.backends),
        "backends": {k: collector.backends[k] for k in sorted(collector.backends)},
        "options": options, "totals": dict(sorted(totals.items())),
        "registry": registry_info, "cases": cases,
    }


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# The message of a case whose process died: a run never turns it into an xfail (rematch).
CRASHED = "crashed: "


def backend_versions(backends: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Distribution -> version as a run applied them (plugin.State.versions), from its
    backend records: the backend's own version for its name (tf-keras's for "keras" under
    TF_USE_LEGACY_KERAS), then each package's."""
    versions: dict[str, str] = {}
    for info in backends.values():
        own = info.get("package_versions") or {}
        for dist in [info.get("name", ""), *info.get("packages", [])]:
            version = info.get("version") if dist == info.get("name") else own.get(dist)
            # a package not installed under that name (Keras lists "tensorflow" beside
            # "tensorflow-cpu") has no version: never the backend's own (Keras' 3.15.1 for
            # tensorflow made every TensorFlow entry inapplicable in rematch)
            if version:
                versions.setdefault(dist.lower(), version)
    return versions


def registry_info(collector: Collector, registry_path: str | None,
                  filtered: bool = False, device: str = "cpu",
                  max_ulp: str | None = None) -> dict[str, Any]:
    """Applied entries, and entries that matched no case of this run (to be reported).

    An entry counts as *unmatched* only when its distribution's backend ran unfiltered
    (no --kind/--dtype/--regime): otherwise it may simply not have been selected; a
    precision entry only in a run with a --max-ulp ceiling (``max_ulp``) for its dtypes.
    """
    from .cases import DTYPES
    from .registry import (
        DEFAULT_PATH,
        cpu_flags_hold,
        device_kind,
        distribution_version,
        keras_backend,
        load_registry,
        machine_cpu_flags,
    )
    from .tolerance import parse_ulp_ceilings

    entries = load_registry(registry_path or DEFAULT_PATH)
    used = Counter((r["divergence"].get("file", ""), r["divergence"]["index"])
                   for r in collector.records.values() if "divergence" in r)
    ran = {r["backend"] for r in collector.records.values()}
    versions = backend_versions(collector.backends)
    # the distributions whose entries this run checks: each backend's own; Keras' further
    # packages name its compute backend (torch, jax), whose entries belong to that backend
    ran_dists = {dist.lower() for info in collector.backends.values() if info.get("name") in ran
                 for dist in ([info["name"]] if info.get("name") == "keras"
                              else [info.get("name", ""), *info.get("packages", [])])}
    onednn = onednn_state(collector.backends)
    xla = onednn_state(collector.backends, "xla_onednn_softmax")
    ceilings = parse_ulp_ceilings(max_ulp) if max_ulp else {}
    unmatched, not_checked = [], []
    for e in entries:
        if used[e.key]:
            continue
        dist = e.requirement.name.lower()
        row = {"index": e.index, "file": e.origin, "binding": e.binding, "check": e.check,
               "dtypes": e.dtypes, "regimes": e.regimes, "versions": e.versions_text}
        installed = distribution_version(e.requirement.name, versions)
        unmet = e.unmet(versions)
        if e.max_ulp and not set(e.dtypes or DTYPES) & set(ceilings):
            not_checked.append(row | {"why": "a precision entry: this run has no --max-ulp "
                                             f"ceiling for {list(e.dtypes or DTYPES)}"})
        elif e.devices is not None and device_kind(device) not in e.devices:
            not_checked.append(row | {"why": f"for devices {list(e.devices)}; this run is on {device}"})
        elif e.keras_backend is not None and keras_backend() not in e.keras_backend:
            not_checked.append(row | {"why": f"Keras backend {keras_backend()} is not one of "
                                              f"{list(e.keras_backend)}"})
        elif installed is not None and unmet is not None and unmet[1] is not None:
            req, found = unmet
            not_checked.append(row | {"why": f"installed {req.name.lower()} {found} is outside {req}"})
        elif e.onednn is not None and onednn is not e.onednn:
            state = {True: "on", False: "off", None: "not loaded (no TensorFlow in this run)"}[onednn]
            not_checked.append(row | {"why": f"for TensorFlow's oneDNN kernels "
                                              f"{'on' if e.onednn else 'off'}; here they are {state}"})
        elif e.cpu_flags is not None and not cpu_flags_hold(e.cpu_flags, machine_cpu_flags()):
            not_checked.append(row | {"why": f"for CPUs with {list(e.cpu_flags)}; this one has "
                                              f"{sorted(machine_cpu_flags() or [])}"})
        elif e.xla_onednn is not None and xla is not e.xla_onednn:
            state = {True: "does", False: "does not", None: "was not asked (no JAX in this run)"}[xla]
            not_checked.append(row | {"why": f"for XLA compiling jax.nn.softmax "
                                              f"{'into' if e.xla_onednn else 'without'} oneDNN's "
                                              f"softmax; here it {state}"})
        elif dist not in ran_dists:
            not_checked.append(row | {"why": f"no {dist} backend in this run"})
        elif not e.applies(versions, device):
            not_checked.append(row | {"why": f"{dist} is not installed"})
        elif filtered:
            not_checked.append(row | {"why": "filtered run (--kind/--dtype/--regime)"})
        else:
            unmatched.append(row)
    return {"path": str(registry_path or DEFAULT_PATH), "entries": len(entries),
            "applied": [{"file": f, "index": i, "cases": n} for (f, i), n in sorted(used.items())],
            "unmatched": jsonable(unmatched), "not_checked": jsonable(not_checked)}


def write_results(path: Path, collector: Collector, config: Any, state: Any) -> None:
    import datetime

    opt = config.option
    options = {k: getattr(opt, k, None) for k in ("backend", "kind", "adapter", "dtype", "regime", "device",
                                               "threads", "max_ulp")}
    info = run_registry_info(collector, opt)
    created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    wall = None if collector.started is None else round(time.monotonic() - collector.started, 3)
    doc = build_document(collector, jsonable(options), info, created, wall_s=wall)
    write_atomic(path, dumps_document(doc))


def dumps_document(doc: dict[str, Any]) -> str:
    """The results document as JSON text: one line per top-level key, one per case.

    Speed: ``json.dumps(..., indent=...)`` runs the pure-Python encoder, in the controller
    after the last case has run (0.65 s for a 15,254-case file); one C-encoded line per
    record took 0.31 s, and a case stays one line for grep and diff.
    """
    parts = []
    for key, value in doc.items():
        if isinstance(value, list) and value:
            text = "[\n  " + ",\n  ".join(json.dumps(item) for item in value) + "\n ]"
        else:
            text = json.dumps(value)
        parts.append(f" {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def run_registry_info(collector: Collector, opt: Any) -> dict[str, Any]:
    """:func:`registry_info` for a run's options, computed once per set of records (the
    results file and the terminal summary both report it; each pass reads the registry)."""
    key = (len(collector.records), getattr(opt, "registry", None), _filtered(opt),
           getattr(opt, "device", None) or "cpu", getattr(opt, "max_ulp", None))
    cached = collector.registry_cache
    if cached is None or cached[0] != key:
        cached = collector.registry_cache = (key, registry_info(collector, *key[1:]))
    return cached[1]


def _filtered(opt: Any) -> bool:
    return any(getattr(opt, k, None) for k in ("kind", "dtype", "regime"))


def summary_lines(collector: Collector, config: Any) -> list[str]:
    """Terminal summary: outcomes per backend, worst ULP errors, unmatched registry entries."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for r in collector.records.values():
        per[r["backend"]][r["outcome"]] += 1
    lines = ["", "crossconform: outcomes per backend"]
    for backend in sorted(per):
        c = per[backend]
        lines.append(f"  {backend:12} " + "  ".join(f"{k} {c[k]}" for k in
                     ("pass", "fail", "error", "xfail", "xpass", "skip") if c[k]))
    scored = [r for r in collector.records.values() if isinstance(r.get("max_ulp"), (int, float))
              and r["outcome"] in ("pass", "fail", "xfail") and not passes_through_atol(r)]
    scored.sort(key=lambda r: -r["max_ulp"])
    if scored:
        lines.append("crossconform: largest measured errors (ULP of the case dtype; passes "
                     "through atol listed apart)")
        for r in scored[:5]:
            # abs, not rel: max rel counts 0 where the answer is 0 (tolerance.py)
            lines.append(f"  {r['max_ulp']:12.4g} ULP  abs {_num(r.get('max_abs')):9.3g}  "
                         f"{r['outcome']:5}  {r['id']}")
    far = within_rtol_far_off(collector.records.values())
    if far:
        lines.append(f"crossconform: {len(far)} passing cases ({len({r['binding'] for r in far})} "
                     f"bindings) are within rtol but more than 2^{HIDDEN_BY_RTOL_BITS} ULP of "
                     "their dtype off (float64 results at float32 precision, mostly; "
                     f"--max-ulp float64=2**{HIDDEN_BY_RTOL_BITS} fails them); largest:")
        for r in far[:5]:
            ulp, rel = within_rtol(r)
            lines.append(f"  {ulp:12.4g} ULP  rel {rel:9.3g}  {r['id']}")
    loose = through_atol(collector.records.values())
    if loose:
        lines.append(f"crossconform: {len(loose)} passing cases are within tolerance only through "
                     "atol somewhere (|a - r| > rtol |r|); largest relative errors:")
        for r in loose[:5]:
            lines.append(f"  rel {float(r['max_rel']):10.3g}  abs {float(r['max_abs']):10.3g}  {r['id']}")
    try:
        info = run_registry_info(collector, config.option)
    except Exception as exc:  # a broken registry is reported, not hidden
        lines.append(f"crossconform: registry could not be read: {exc}")
        return lines
    for e in info["unmatched"]:
        lines.append(f"crossconform: WARNING registry entry {e.get('file', '')} #{e['index']} "
                     f"({e['binding']}) "
                     "matched no case of this run")
    return lines
