"""``python -m conformance``: run, repro, list (report and diff live in conformance.report).

    python -m conformance run [--backend torch,jax] [--kind losses] [-o results.json] [pytest args]
    python -m conformance repro 'torch.nn.functional.gelu[float32-typical]'
    python -m conformance list [--backend keras] [--kind losses] [--reference cross]
    python -m conformance surface [--backend torch] [--status gap,unclassified]
    python -m conformance rematch results/cuda.json.gz [--list]
    python -m conformance report results/*.json [-o report/]
    python -m conformance diff keras.losses.categorical_crossentropy torch.nn.functional.cross_entropy
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m conformance", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the conformance suite through pytest and write results")
    run.add_argument("--backend", help="comma-separated backends")
    run.add_argument("--kind", help="comma-separated kinds: activations,losses,metrics,gradients")
    run.add_argument("--adapter", action="append", default=[], help="plugin adapter module")
    run.add_argument("--device", default="cpu")
    run.add_argument("--max-ulp", metavar="DTYPE=ULP[,...]",
                     help="ULP ceiling per dtype for cases within tolerance (e.g. float64=2**20)")
    run.add_argument("-o", "--output", default="results/results.json", help="results file")
    run.add_argument("-n", "--workers", default=None,
                     help="pytest-xdist workers (default: auto when xdist is installed)")
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments after --")

    repro = sub.add_parser("repro", help="rerun one case and print inputs, outputs and error")
    repro.add_argument("case_id")
    repro.add_argument("--adapter", action="append", default=[])
    repro.add_argument("--device", default="cpu")
    repro.add_argument("--threads", type=int, default=1,
                       help="threads per framework, as in the suite (0: the frameworks' defaults)")
    repro.add_argument("--max-ulp", metavar="DTYPE=ULP[,...]",
                       help="the run's ULP ceiling per dtype, as its reproducer line names it")
    repro.add_argument("--flush-subnormals", action="store_true",
                       help="rerun with each subnormal input replaced by a zero of its sign (as a "
                            "CPU with denormals-are-zero reads it) and compare")

    lst = sub.add_parser("list", help="list bindings with their declared conventions")
    lst.add_argument("--backend")
    lst.add_argument("--kind", choices=["activation", "loss", "metric"])
    lst.add_argument("--reference", help="substring of the reference function name")
    lst.add_argument("--api", help="substring of the API name")
    lst.add_argument("--adapter", action="append", default=[])
    lst.add_argument("--json", action="store_true", help="print JSON")

    surf = sub.add_parser("surface", help="which in-scope public APIs are bound, aliases, out "
                          "of scope or known gaps (exit 1 on an unclassified one or a stale rule)")
    surf.add_argument("--backend")
    surf.add_argument("--status", help="comma-separated statuses to list (default: all but "
                      "bound); 'all' for every name")
    surf.add_argument("--surface", default=None, help="surface file (default conformance/surface.toml)")
    surf.add_argument("--json", action="store_true", help="print JSON")

    rem = sub.add_parser("rematch", help="the verdicts the registry as it is now gives a "
                         "results file's measured cases (no framework is run; exit 1 on a "
                         "fail, XPASS or error)")
    rem.add_argument("results", help="a results file (.json or .json.gz)")
    rem.add_argument("--registry", help="registry directory or file (default: conformance/divergences)")
    rem.add_argument("--device", help="the run's device (default: the file's)")
    rem.add_argument("--version", action="append", default=[], metavar="DIST=VERSION",
                     help="a framework version of the run (default: the file's backend records)")
    rem.add_argument("--keras-backend", help="the run's KERAS_BACKEND (default: the file's)")
    rem.add_argument("--list", action="store_true", help="print every fail, XPASS and error")

    from .report.cli import add_report_parsers

    add_report_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from .loader import AdapterError
    from .registry import RegistryError
    from .report.merge import ResultsFileError

    args = _parser().parse_args(argv)
    try:
        return int(args.func(args) if hasattr(args, "func") else COMMANDS[args.command](args))
    except (AdapterError, RegistryError, ResultsFileError) as exc:
        print(f"conformance {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader left (`... | head`): no traceback; the interpreter's own flush of
        # stdout at exit would raise again, so it goes to /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def cmd_run(args: argparse.Namespace) -> int:
    import pytest

    from .loader import load_adapter
    from .progress import ProgressPlugin

    for module in args.adapter:  # a broken plugin: one clear message before any worker starts
        load_adapter(module, device=args.device, plugin=True)

    pytest_args = ["conformance", "-q", "-p", "no:cacheprovider", f"--results={args.output}",
                   f"--device={args.device}"]
    if args.backend:
        pytest_args.append(f"--backend={args.backend}")
    if args.kind:
        pytest_args.append(f"--kind={args.kind}")
    if args.max_ulp:
        pytest_args.append(f"--max-ulp={args.max_ulp}")
    for a in args.adapter:
        pytest_args.append(f"--adapter={a}")
    workers = args.workers
    if workers is None:
        try:
            import xdist  # noqa: F401
            workers = "auto"
        except ImportError:
            workers = None
    if workers not in (None, "0"):
        pytest_args += ["-n", str(workers)]
    extra = [a for a in args.pytest_args if a != "--"]
    before = _mtime(args.output)
    code = pytest.main(pytest_args + extra, plugins=[ProgressPlugin()])
    if args.output and _mtime(args.output) not in (None, before):
        print(f"results: {args.output}")
    else:  # a usage or collection error: an older file by that name is not this run's
        print(f"no results written (pytest exit code {int(code)})", file=sys.stderr)
    return int(code)


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


_PREFIXES = {"torch": ("torch.",), "tensorflow": ("tf.",), "keras": ("keras.", "tf.keras."),
             "jax": ("jax.", "optax."), "scipy": ("scipy.",), "sklearn": ("sklearn.",)}


def _find(api: str, adapters: list[str], device: str) -> tuple[Any, Any, Any]:
    """The binding named ``api``: plugins first, then the built-in backend its prefix names."""
    from .loader import load_all

    guesses = [b for b, prefixes in _PREFIXES.items() if api.startswith(prefixes)]
    attempts = [guesses] if adapters else [guesses, None]
    if adapters:
        attempts = [["plugin"], None]
    unavailable: dict[str, str] = {}
    for backends in attempts:
        for loaded in load_all(backends, adapters, device=device).values():
            if loaded.unavailable:
                unavailable[loaded.name] = loaded.unavailable
            for b in loaded.bindings:
                if b.api == api:
                    return b, loaded.backend, loaded
    raise SystemExit(f"repro: no binding named {api!r}"
                     + (f" (unavailable backends: {unavailable})" if unavailable else ""))


def _show(name: str, arr: Any) -> None:
    a = np.asarray(arr)
    with np.printoptions(precision=17, threshold=60, edgeitems=6, linewidth=100):
        print(f"  {name} ({a.dtype}, shape {a.shape}):\n    " + str(a).replace("\n", "\n    "))


def cmd_repro(args: argparse.Namespace) -> int:
    from .cases import CaseSpec, check_case, parse_case_id, wrt_input
    from .runner import run_case

    try:
        api, dtype, regime, check = parse_case_id(args.case_id)
    except ValueError as exc:
        print(f"repro: {exc}", file=sys.stderr)
        return 2
    from .loader import limit_threads

    try:
        limit_threads(args.threads)
    except ValueError as exc:
        print(f"repro: --threads: {exc}", file=sys.stderr)
        return 2
    from .runner import set_ulp_ceilings

    try:
        set_ulp_ceilings(args.max_ulp)
    except ValueError as exc:
        print(f"repro: --max-ulp: {exc}", file=sys.stderr)
        return 2
    binding, backend, loaded = _find(api, args.adapter, args.device)
    try:
        check_case(binding, dtype, regime, check, has_vjp=backend.vjp is not None)
    except ValueError as exc:
        print(f"repro: {exc}", file=sys.stderr)
        return 2
    spec = CaseSpec(api, binding.backend, dtype, regime, check)
    if check == "paths":
        from .paths import run_paths

        twin = next(b for b in loaded.bindings if b.api == binding.pair)
        result = run_paths(binding, twin, backend, spec)
        print(f"case {spec.id}: {binding.api} vs its logits twin {twin.api}")
        print(json.dumps(result.extra.get("saturation", {}).get("departs_at_abs_z")))
        print(f"outcome: {result.outcome}: {result.message}")
        return 0 if result.outcome == "pass" else 1
    import os

    from .registry import runs_tensorflow, tensorflow_onednn
    from .results import cpu, cpu_label

    result = run_case(binding, backend, spec)
    print(f"case {spec.id}")
    print(f"  {backend.name} {backend.version}, reference {binding.reference}, conventions "
          f"{dict(binding.conventions)}" + (f", grad conventions {dict(binding.grad_conventions)}"
                                            if binding.grad_conventions else ""))
    onednn = tensorflow_onednn()
    if onednn is not None and runs_tensorflow(backend.name, backend.packages):
        # TF's CPU kernels depend on it (and so do registry entries with `onednn`)
        print(f"  TensorFlow's oneDNN kernels {'on' if onednn else 'off'} "
              f"(TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset')}), "
              f"CPU {cpu_label(cpu())}")
    print("inputs (as both sides saw them):")
    for name, arr in result.inputs.items():
        _show(name, arr)
    if check == "value":
        print("outputs:")
    else:
        print(f"gradients (w.r.t. {wrt_input(binding, check)}):")
    if result.expected is not None:
        _show("reference (float64)", result.expected)
    if result.actual is not None:
        _show(f"{backend.name} ({result.out_dtype})", result.actual)
    print(f"outcome: {result.outcome}: {result.message}")
    if args.flush_subnormals:
        _flushed_rerun(binding, backend, spec, result)
    return 0 if result.outcome == "pass" else 1


def _flushed_rerun(binding: Any, backend: Any, spec: Any, result: Any) -> None:
    """Does flushing the subnormal inputs to zero explain the answer? The framework's answer on
    the zeroed inputs against its answer on the real ones, and against the reference's."""
    from .runner import flush_subnormals, run_case_on

    flushed, count = flush_subnormals(result.inputs, spec.dtype)
    print(f"with each subnormal of {spec.dtype} replaced by a zero of its sign:")
    if not count:
        print(f"  no input element is subnormal in {spec.dtype}: nothing to flush")
        return
    again = run_case_on(binding, backend, spec, flushed)
    print(f"  {count} input element(s) replaced")
    if again.actual is None or result.actual is None:
        print(f"  outcome on the zeroed inputs: {again.outcome}: {again.message}")
        return
    a, b = np.asarray(result.actual), np.asarray(again.actual)
    same = (a == b) | (np.isnan(a) & np.isnan(b))  # one call, inputs of the same shapes
    if same.all():
        print(f"  {backend.name}'s answer: the same, bit for bit, at every element (it reads "
              "them as zeros)")
    else:
        print(f"  {backend.name}'s answer: differs at {int((~same).sum())} of {same.size} "
              "element(s) (it does not read them as zeros, or not all)")
    print(f"  against the reference on the zeroed inputs: {again.outcome}: {again.message}")


def cmd_list(args: argparse.Namespace) -> int:
    from .cases import did_you_mean
    from .loader import load_all
    from .test_conformance import binding_info

    backends = args.backend.split(",") if args.backend else None
    rows = []
    loaded_all = load_all(backends, args.adapter)
    for loaded in loaded_all.values():
        if loaded.backend is None:
            print(f"# {loaded.name}: unavailable ({loaded.unavailable})", file=sys.stderr)
            continue
        for b in loaded.bindings:
            if args.kind and b.kind != args.kind:
                continue
            if args.reference and args.reference not in b.reference:
                continue
            if args.api and args.api not in b.api:
                continue
            rows.append(binding_info(b))
    if not rows and (args.reference or args.api):  # a filter that names nothing: say so
        known = sorted({b.reference if args.reference else b.api
                        for lo in loaded_all.values() for b in lo.bindings})
        what = "--reference" if args.reference else "--api"
        value = args.reference or args.api
        print(f"conformance list: no binding matches {what} {value!r} (a substring of the "
              f"{'reference function' if args.reference else 'API'} name)"
              + did_you_mean(value, known, cutoff=0.6), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for r in rows:
        conv = ", ".join(f"{k}={v}" for k, v in r["conventions"].items()) or "-"
        print(f"{r['api']:70} {r['kind']:10} -> {r['reference']:32} {conv}")
    print(f"# {len(rows)} bindings", file=sys.stderr)
    return 0


def cmd_surface(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import surface as S
    from .loader import load_all

    backends = args.backend.split(",") if args.backend else None
    spec = S.load_surface(Path(args.surface)) if args.surface else S.load_surface()
    loaded = load_all(backends, entry_points=False)
    for name, lo in loaded.items():
        if lo.backend is None:
            print(f"# {name}: unavailable ({lo.unavailable}); not audited", file=sys.stderr)
    rows, problems = S.audit({n: lo.bindings for n, lo in loaded.items() if lo.backend}, spec)
    wanted = (set(S.STATUSES) if args.status == "all" else
              set(args.status.split(",")) if args.status else set(S.STATUSES) - {"bound"})
    unknown = wanted - set(S.STATUSES)
    if unknown:
        print(f"conformance surface: --status: unknown {sorted(unknown)}; known: "
              f"{list(S.STATUSES)}", file=sys.stderr)
        return 2
    shown = [r for r in rows if r.status in wanted]
    counts = S.summary(rows)
    if args.json:
        print(json.dumps({"rows": [r.__dict__ for r in shown], "summary": counts,
                          "problems": problems}, indent=1))
    else:
        for r in shown:
            print(f"{r.status:12} {r.name:58} {r.detail}")
        print(f"\n{'backend':11} " + " ".join(f"{s:>12}" for s in S.STATUSES) + "   bound share")
        for backend, c in counts.items():
            print(f"{backend:11} " + " ".join(f"{c[s]:12d}" for s in S.STATUSES)
                  + f"   {S.coverage(c):.0%}")
        for p in problems:
            print(f"problem: {p}")
    bad = sum(c["unclassified"] for c in counts.values()) + len(problems)
    return 1 if bad else 0


def cmd_rematch(args: argparse.Namespace) -> int:
    from .rematch import cmd_rematch as run

    return run(args)


COMMANDS = {"run": cmd_run, "repro": cmd_repro, "list": cmd_list, "surface": cmd_surface,
            "rematch": cmd_rematch}
