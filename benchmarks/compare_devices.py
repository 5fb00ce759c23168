"""What an accelerator changes: two results files of the same suite, one per device.

    python benchmarks/compare_devices.py OUT/cuda.json.gz OUT/cpu.json.gz [--cases]

The files come from ``benchmarks/device_run.sh`` (same machine, same framework versions,
same registry), so a case whose verdict differs between them differs because of the
device. Prints each file's totals, the verdict transitions over the cases both ran, and
per binding family (the API up to its first parenthesis) the cases that changed, with
the worst ULP error of each side; ``--cases`` lists every changed case with its message.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.report.merge import ResultsFileError, load_results  # validates; reads .json.gz


def family(api: str) -> str:
    """``torch.nn.functional.softmax(dim=-1)`` -> ``torch.nn.functional.softmax``."""
    return api.split("(", 1)[0].split(" ", 1)[0]


def ulp(record: dict[str, Any]) -> float:
    value = record.get("max_ulp")
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def compare(device: dict[str, Any], cpu: dict[str, Any]) -> dict[str, Any]:
    """Totals, verdict transitions and the changed cases, device file against CPU file."""
    on_device = {c["id"]: c for c in device["cases"]}
    on_cpu = {c["id"]: c for c in cpu["cases"]}
    both = sorted(set(on_device) & set(on_cpu))
    transitions = Counter((on_cpu[i]["outcome"], on_device[i]["outcome"]) for i in both)
    changed = [(on_cpu[i], on_device[i]) for i in both
               if on_cpu[i]["outcome"] != on_device[i]["outcome"]]
    return {"device_totals": Counter(c["outcome"] for c in device["cases"]),
            "cpu_totals": Counter(c["outcome"] for c in cpu["cases"]),
            "both": len(both), "device_only": len(set(on_device) - set(on_cpu)),
            "cpu_only": len(set(on_cpu) - set(on_device)),
            "transitions": transitions, "changed": changed}


def _fmt_ulp(values: list[float]) -> str:
    finite = [v for v in values if not math.isnan(v)]
    return f"{max(finite):.3g}" if finite else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("device", type=Path, help="results file of the accelerator run")
    parser.add_argument("cpu", type=Path, help="results file of the CPU run")
    parser.add_argument("--cases", action="store_true", help="list every changed case")
    args = parser.parse_args()
    try:
        device, cpu = load_results(args.device), load_results(args.cpu)
    except ResultsFileError as exc:
        parser.error(str(exc))  # one line and exit status 2, not a traceback
    out = compare(device, cpu)
    for name, doc in (("device", device), ("cpu", cpu)):
        devices = sorted({str(b.get("device")) for b in doc.get("backends", {}).values()})
        where = ", ".join(devices) or str((doc.get("options") or {}).get("device"))
        print(f"{name}: {args.device if name == 'device' else args.cpu} ({where}): "
              f"{len(doc['cases'])} cases, " + ", ".join(
                  f"{k} {v}" for k, v in sorted(out[f'{name}_totals'].items())))
    print(f"cases in both: {out['both']} (only on the device: {out['device_only']}, "
          f"only on the CPU: {out['cpu_only']})")
    print("verdicts, CPU -> device:")
    for (a, b), n in sorted(out["transitions"].items(), key=lambda kv: -kv[1]):
        print(f"  {a:>5} -> {b:<5} {n}")
    groups: dict[tuple[str, str, str], list[tuple[dict, dict]]] = defaultdict(list)
    for c, d in out["changed"]:
        groups[(family(d["binding"]), c["outcome"], d["outcome"])].append((c, d))
    print("changed cases per binding family (worst ULP: CPU / device):")
    for (fam, a, b), pairs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        dtypes = ",".join(sorted({d["dtype"] for _, d in pairs}))
        grads = sum(1 for _, d in pairs if d["check"] != "value")
        print(f"  {len(pairs):4d}  {fam}  {a} -> {b}  [{dtypes}; {grads} gradient]  "
              f"ULP {_fmt_ulp([ulp(c) for c, _ in pairs])} / {_fmt_ulp([ulp(d) for _, d in pairs])}")
    if args.cases:
        for c, d in out["changed"]:
            print(f"{d['id']}: {c['outcome']} -> {d['outcome']}: {(d.get('message') or '')[:300]}")


if __name__ == "__main__":
    main()
