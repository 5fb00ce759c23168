"""The registry as it is now, applied to a results file's measured cases.

    python -m conformance rematch RESULTS [--device cuda] [--version torch=2.11.0 ...]
                                          [--keras-backend torch] [--list]

A results file keeps each case's measured outcome: whether the framework agreed with the
reference (``pass``, or ``xpass`` under an entry) or not (``fail``, ``xfail``, ``error``).
That does not depend on the registry, so after editing entries one can see, without
running any framework, which verdicts the edited registry gives those cases: a strict
``xfail`` for a disagreeing case an entry covers, ``XPASS`` (a failure of the run) for an
agreeing one it covers, ``fail`` for a disagreeing one none covers. This is how entries
for a device or a version that is not at hand (a GPU run's file) are checked. A case whose
process died (``crashed``) stays an error: a run never turns a crash into an xfail.

The run is described by the file (its device, its backends' versions, Keras backend and
oneDNN states); ``--device``, ``--version DIST=VERSION`` and ``--keras-backend`` replace
what it lacks or says (a file cut short by an interrupt has no backend records).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from .cases import CaseSpec
from .registry import DEFAULT_PATH, Divergence, load_registry
from .report.merge import load_results
from .results import CRASHED, backend_versions
from .runner import PRECISION
from .tolerance import parse_ulp_ceilings

AGREED = ("pass", "xpass")


def run_description(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Device, versions (distribution -> version), Keras backend, oneDNN states and --max-ulp
    ceilings of the run that wrote ``doc``, as far as the file records them (as the run applied them:
    :func:`conformance.results.backend_versions`)."""
    backends = doc.get("backends") or {}
    keras = None
    packages = [str(p) for p in (backends.get("keras") or {}).get("packages") or ()]
    if len(packages) > 1:  # keras' compute backend: "tensorflow", "jax", "torch"
        keras = "tensorflow" if packages[1].startswith("tensorflow") else packages[1]
    states = {key: {info[key] for info in backends.values() if key in info}
              for key in ("tensorflow_onednn", "xla_onednn_softmax")}
    options = doc.get("options") or {}
    device = options.get("device") or "cpu"
    ceilings = parse_ulp_ceilings(options["max_ulp"]) if options.get("max_ulp") else {}
    flags = ((doc.get("environment") or {}).get("cpu") or {}).get("flags")
    return {"device": device, "versions": backend_versions(backends), "keras_backend": keras,
            "ceilings": ceilings, "cpu_flags": None if flags is None else frozenset(flags),
            **{name: (states[key].pop() if len(states[key]) == 1 else None)
               for name, key in (("onednn", "tensorflow_onednn"), ("xla_onednn", "xla_onednn_softmax"))}}


def crashed(case: Mapping[str, Any]) -> bool:
    return case.get("outcome") == "error" and str(case.get("message", "")).startswith(CRASHED)


def rematch(doc: Mapping[str, Any], entries: Iterable[Divergence], *, device: str,
            versions: Mapping[str, str], keras_backend: str | None = None,
            onednn: bool | None = None, xla_onednn: bool | None = None,
            ceilings: Mapping[str, float] | None = None,
            cpu_flags: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """One row per case: its recorded outcome, the verdict the registry gives it now
    (``pass``, ``xfail``, ``XPASS``, ``fail``, ``error``) and the entry that decided it.
    A precision entry (under the run's --max-ulp ``ceilings``) turns only a ``precision:``
    failure into an xfail, as in a run."""
    versions = {k.lower(): v for k, v in versions.items()}
    applicable = [e for e in entries
                  if all(r.name.lower() in versions for r in e.requirements)
                  and e.applies_to_run(versions, device, keras_backend, onednn, xla_onednn,
                                       cpu_flags)]
    by_api: dict[str, list[Divergence]] = {}
    rows = []
    for case in doc.get("cases", []):
        spec = CaseSpec(case["binding"], case["backend"], case["dtype"], case["regime"],
                        case.get("check", "value"))
        if spec.api not in by_api:  # ordinary entries before precision ones, as in a run
            by_api[spec.api] = sorted((e for e in applicable if e.matches_api(spec.api)),
                                      key=lambda e: e.max_ulp)
        entry = next((e for e in by_api[spec.api] if e.matches(spec, ceilings)), None)
        agreed = case["outcome"] in AGREED
        if crashed(case):
            verdict = "error"
        elif (entry is not None and entry.max_ulp and not agreed
              and not str(case.get("message", "")).startswith(PRECISION)):
            verdict = "error" if case["outcome"] == "error" else "fail"
        elif entry is not None:
            verdict = "XPASS" if agreed else "xfail"
        else:
            verdict = "pass" if agreed else ("error" if case["outcome"] == "error" else "fail")
        rows.append({"id": case["id"], "backend": case["backend"], "recorded": case["outcome"],
                     "verdict": verdict, "entry": entry.label if entry else None,
                     "message": case.get("message", "")})
    return rows


def cmd_rematch(args: Any) -> int:
    versions = {}
    for item in args.version:  # checked before the (possibly large) results file is read
        dist, sep, version = item.partition("=")
        if not sep or not dist.strip() or not version.strip():
            print(f"conformance rematch: --version takes DIST=VERSION, got {item!r}",
                  file=sys.stderr)
            return 2
        versions[dist.strip().lower()] = version.strip()
    doc = load_results(args.results)
    run = run_description(doc)
    run["versions"].update(versions)
    if args.device:
        run["device"] = args.device
    if args.keras_backend:
        run["keras_backend"] = args.keras_backend
    entries = load_registry(args.registry or DEFAULT_PATH)
    rows = rematch(doc, entries, **run)
    print(f"{args.results}: {len(rows)} cases; device {run['device']}, versions "
          + ", ".join(f"{k} {v}" for k, v in sorted(run["versions"].items()))
          + (f", Keras backend {run['keras_backend']}" if run["keras_backend"] else ""))
    by_backend: dict[str, Counter] = {}
    for r in rows:
        by_backend.setdefault(r["backend"], Counter())[r["verdict"]] += 1
    for backend, counts in sorted(by_backend.items()):
        print(f"  {backend}: " + ", ".join(f"{v} {n}" for v, n in sorted(counts.items())))
    changed = Counter((r["recorded"], r["verdict"]) for r in rows if r["recorded"] != r["verdict"])
    if changed:
        print("  recorded -> now: " + ", ".join(f"{a} -> {b} {n}" for (a, b), n in
                                                 sorted(changed.items())))
    bad = [r for r in rows if r["verdict"] in ("fail", "XPASS", "error")]
    if args.list:
        for r in bad:
            print(f"{r['verdict']:5} {r['id']}" + (f"  [{r['entry']}]" if r["entry"] else "")
                  + f"\n      {r['message'][:200]}")
    return 1 if bad else 0
