"""How fast is the conformance suite, and what does the harness cost over the frameworks?

    python benchmarks/suite_speed.py                       # full default run + overhead
    python benchmarks/suite_speed.py --backend torch       # one backend
    python benchmarks/suite_speed.py --results old.json    # reuse a results file, no run
    python benchmarks/suite_speed.py --no-full             # the overhead ratio only

Goals (from the issue; figures, never assertions): the full default run (every installed
framework, values and gradients) under 3 minutes on a 2-core machine, and the harness's
overhead ratio under 2. The machine's load average is printed beside every figure: on a
shared machine the timings are only as good as the load lets them be.

(a) The full run: ``python -m pytest conformance -n WORKERS -p no:cacheprovider -q
    --results TMP`` timed as a subprocess, then the results file read back: wall time,
    number of cases, per backend the sum of per-case durations (the pytest *call* phase
    of each case), cases per second of that sum, and the backend's share of the wall time
    (its share of the summed durations, times the wall time); the slowest bindings.

(b) The overhead ratio, in-process, on a sample: every binding on ``--dtype`` (float32)
    and ``--regime`` (typical), values and gradients. For each case:

    * harness = ``run_case(binding, backend, spec)``: the whole path of one case: draw the
      raw inputs, cast them, the float64 reference (and its VJP for a gradient case),
      conversion to the framework, the framework call, conversion back, comparison.
    * bare = the same framework call on inputs converted once beforehand:
      ``backend.to_numpy(binding.invoke(fw_inputs))`` for a value (``to_numpy`` is there
      so that a lazy framework, JAX's async dispatch, has really computed), and
      ``backend.vjp(fn, fw_args, wrt, cotangent)`` for a gradient (the adapter's VJP,
      which returns a NumPy array).

    ratio = sum(harness) / sum(bare) over the backend's sample, with the harness timed as
    the suite runs it: the sample's cases once each in the suite's order (a binding's value
    case, then its gradient case), the per-process input/reference cache emptied at the
    start of each of ``--reps`` passes, per case the median over the passes. So a gradient
    case reuses the inputs and reference its value case computed, and bindings sharing a
    reference function and conventions share them, exactly as in a run. "cold" is the
    ratio with the cache emptied before every case (each case computing its inputs and
    reference afresh: an upper bound). The reference computation is part of the harness's
    work (the suite cannot compare without it), so it counts as overhead; the breakdown
    printed next to it says how much of the harness time is inputs (draw + cast),
    reference, framework (+conversions) and comparison.

    "floor": the least any harness that checks outputs adds over bare, timed the same
    way: the inputs converted to the framework, the output back to NumPy, one np.allclose
    against the precomputed float64 reference. floor / bare near 2 or above means the
    goal < 2 cannot be met for that backend by any such harness.

    "with pytest": the per-case pytest cost (collection share, fixtures, markers, reports,
    xdist traffic, worker start-up and framework imports), estimated from the full run as
    ``wall * workers / cases - mean(duration)``, is added to the harness time per case.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # pragma: no cover - not on every platform
        return "load n/a"
    return f"load {one:.2f}/{five:.2f}/{fifteen:.2f} on {os.cpu_count()} cpus"


# --------------------------------------------------------------------------- (a) full run
def full_run(args: argparse.Namespace) -> tuple[dict[str, Any], float, int]:
    """Run the suite as a subprocess; (results document, wall seconds, workers)."""
    if args.results:
        doc = args.results_doc
        return doc, float(args.wall or doc.get("wall_s") or 0.0), args.workers
    out = Path(tempfile.mkdtemp(prefix="suite_speed.")) / "results.json"
    cmd = [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider", "-q",
           "--results", str(out)]
    if args.workers > 0:
        cmd += ["-n", str(args.workers)]
        if args.dist:
            cmd += ["--dist", args.dist]
    if args.backend:
        cmd += ["--backend", args.backend]
    cmd += shlex.split(args.pytest_args)
    print(f"running: {' '.join(cmd)}   [{load()}]", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    tail = [line for line in proc.stdout.splitlines() if line.strip()][-1:]
    print(f"  exit status {proc.returncode}; pytest says: {' '.join(tail)}")
    if not out.exists():
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
        raise SystemExit("the run wrote no results file")
    return json.loads(out.read_text()), wall, max(args.workers, 1)


def report_full(doc: dict[str, Any], wall: float, workers: int, top: int) -> dict[str, float]:
    cases = doc["cases"]
    n = len(cases)
    durations = [float(c.get("duration") or 0.0) for c in cases]
    total = sum(durations) or 1e-12
    print(f"\n(a) full run   [{load()}]")
    print(f"  wall time           {wall:8.1f} s   (goal: < 180 s)   workers {workers}")
    print(f"  cases               {n:8d}   totals {doc.get('totals')}")
    print(f"  cases / s (wall)    {n / wall:8.1f}")
    print(f"  sum of case durations {total:8.1f} s  ({total / (wall * workers):.0%} of "
          f"wall x workers; the rest is start-up, imports, collection and pytest)")
    per_count: dict[str, int] = defaultdict(int)
    per_time: dict[str, float] = defaultdict(float)
    per_binding: dict[tuple[str, str], list[float]] = defaultdict(list)
    for c, d in zip(cases, durations, strict=True):
        per_count[c["backend"]] += 1
        per_time[c["backend"]] += d
        per_binding[(c["backend"], c["binding"])].append(d)
    print(f"  {'backend':12} {'cases':>6} {'sum dur s':>10} {'cases/s':>9} "
          f"{'wall share s':>13} {'cases/s of share':>17}")
    for b in sorted(per_count, key=lambda k: -per_time[k]):
        share = wall * per_time[b] / total
        print(f"  {b:12} {per_count[b]:6d} {per_time[b]:10.2f} "
              f"{per_count[b] / max(per_time[b], 1e-12):9.1f} {share:13.1f} "
              f"{per_count[b] / max(share, 1e-12):17.1f}")
    print("  slowest bindings (sum of their cases' durations):")
    ranked = sorted(per_binding.items(), key=lambda kv: -sum(kv[1]))[:top]
    for (b, api), ds in ranked:
        print(f"    {sum(ds):7.2f} s  {len(ds):4d} cases  max {max(ds):6.3f} s  [{b}] {api}")
    per_case_pytest = wall * workers / n - total / n if n else 0.0
    print(f"  per-case cost outside the case's call phase: {per_case_pytest * 1e3:.2f} ms "
          f"(wall x workers / cases - mean duration)")
    return {"per_case_pytest": per_case_pytest, "mean_duration": total / max(n, 1)}


# ------------------------------------------------------------------------ (b) overhead
def _best(fn: Any, reps: int) -> float:
    """Median of ``reps`` timings of ``fn()`` (after one warm-up call)."""
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


class _Timer:
    """Accumulates the time spent in wrapped callables, per label (non-reentrant labels)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def wrap(self, label: str, fn: Any) -> Any:
        def timed(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.spent[label] += time.perf_counter() - t0
        return timed


def overhead(args: argparse.Namespace, per_case_pytest: float | None) -> None:
    import dataclasses

    import numpy as np

    import conformance.runner as runner
    from adapters._binding import dtype_name
    from conformance.cases import CaseSpec, cast_inputs, cotangent, raw_inputs, regimes_for
    from conformance.families import family_of
    from conformance.loader import load_all

    backends = [b for b in args.backend.split(",")] if args.backend else None
    loaded_all = load_all(backends)
    print(f"\n(b) overhead ratio: dtype {args.dtype}, regime {args.regime}, values and "
          f"gradients, median of {args.reps} reps per case   [{load()}]")
    print(f"  {'backend':11} {'cases':>5} {'harness':>8} {'bare':>7} {'ratio':>6} {'cold':>6} {'floor':>6}"
          f" {'+pytest':>8}"
          f" | harness split: {'inputs':>6} {'ref':>6} {'to_fw':>6} {'call':>6} {'compare':>7}"
          f" {'rest':>6}   (ms per case)")
    for name, loaded in loaded_all.items():
        if loaded.backend is None:
            print(f"  {name:11} unavailable: {loaded.unavailable}")
            continue
        backend = loaded.backend
        h_tot = b_tot = c_tot = f_tot = 0.0
        count = 0
        skipped = []
        samples = []
        for binding in loaded.bindings:
            if args.dtype not in binding.dtypes or args.regime not in regimes_for(binding):
                continue
            checks = ["value"] + (["grad"] if binding.grad and backend.vjp is not None else [])
            for check in checks:
                spec = CaseSpec(binding.api, binding.backend, args.dtype, args.regime, check)
                inputs = cast_inputs(binding, raw_inputs(binding, spec.regime), spec.dtype)
                # as run_case converts: labels and masks keep their own dtype
                casts = [(k, a, spec.dtype if a.dtype.kind not in "ib" else dtype_name(a.dtype))
                         for k, a in inputs.items()]
                fw = {k: backend.to_framework(a, dt) for k, a, dt in casts}
                try:
                    if check == "grad":
                        expected = runner.reference_call(binding, inputs)
                        g = cotangent(binding, spec.regime, expected.shape,
                                      binding.returns(spec.dtype))
                        names = [n for _, n in binding.arg_names()]
                        wrt = names.index(family_of(binding.reference).grad_input)
                        fn = runner._positional(binding, names)
                        fw_args = [fw[n] for n in names]
                        grad = (fn, names, wrt, g)

                        def bare(fn=fn, fw_args=fw_args, wrt=wrt, g=g, backend=backend):
                            return backend.vjp(fn, fw_args, wrt, g)
                    else:
                        grad = None

                        def bare(fw=fw, binding=binding, backend=backend):
                            return backend.to_numpy(binding.invoke(fw))
                    bare()
                except Exception as exc:  # a framework error: not a timing sample
                    skipped.append(f"{spec.id}: {type(exc).__name__}")
                    continue

                # The floor: the least any checking harness must do beyond the bare call
                # (convert the inputs in, the output back, one np.allclose against the
                # precomputed reference). floor / bare says whether ratio < 2 is reachable.
                expected = runner.run_case(binding, backend, spec).expected

                def floor(casts=casts, binding=binding, backend=backend, expected=expected,
                          grad=grad):
                    fw_in = {k: backend.to_framework(a, dt) for k, a, dt in casts}
                    if grad is not None:
                        fn, names, wrt, g = grad
                        out = backend.vjp(fn, [fw_in[n] for n in names], wrt, g)
                    else:
                        out = backend.to_numpy(binding.invoke(fw_in))
                    return np.allclose(np.asarray(out, dtype=np.float64), expected,
                                       rtol=1e-6, atol=1e-5, equal_nan=True)
                f_tot += _best(floor, args.reps)

                def cold(spec=spec, binding=binding, backend=backend):
                    # Per-process input/reference cache emptied: the cost of a case met first.
                    getattr(runner, "_CACHE", {}).clear()
                    return runner.run_case(binding, backend, spec)
                c_tot += _best(cold, max(args.reps // 3, 1))
                b_tot += _best(bare, args.reps)
                count += 1
                samples.append((binding, spec))
        # The harness as the suite runs it: the sample's cases once each, in the suite's
        # order (a binding's value case, then its gradient case), the cache emptied at the
        # start of each pass; per case the median over the passes.
        per_case: list[list[float]] = [[] for _ in samples]
        for _ in range(args.reps):
            getattr(runner, "_CACHE", {}).clear()
            for i, (binding, spec) in enumerate(samples):
                t0 = time.perf_counter()
                runner.run_case(binding, backend, spec)
                per_case[i].append(time.perf_counter() - t0)
        h_tot = sum(statistics.median(t) for t in per_case)
        if not count:
            print(f"  {name:11} no case on {args.dtype}/{args.regime}")
            continue
        # The split: one more pass of run_case with each step wrapped in a timer.
        timer = _Timer()
        saved = {k: getattr(runner, k) for k in ("raw_inputs", "cast_inputs", "reference_call",
                                                 "cotangent", "_compare")}
        tb = dataclasses.replace(backend, to_framework=timer.wrap("to_fw", backend.to_framework),
                                 vjp=backend.vjp and timer.wrap("call", backend.vjp))
        try:
            runner.raw_inputs = timer.wrap("inputs", saved["raw_inputs"])
            runner.cast_inputs = timer.wrap("inputs", saved["cast_inputs"])
            runner.reference_call = timer.wrap("ref", saved["reference_call"])
            runner.cotangent = timer.wrap("ref", saved["cotangent"])
            runner._compare = timer.wrap("compare", saved["_compare"])
            passes = max(args.reps // 3, 1)
            timed = [(binding if spec.check == "grad" else dataclasses.replace(
                binding, call=timer.wrap("call", binding.call)), spec) for binding, spec in samples]
            t0 = time.perf_counter()
            for _ in range(passes):
                for binding, spec in timed:
                    runner.run_case(binding, tb, spec)
            total = time.perf_counter() - t0
        finally:
            for k, v in saved.items():
                setattr(runner, k, v)
        per = 1e3 / (count * passes)
        split = {k: timer.spent[k] * per for k in ("inputs", "ref", "to_fw", "call", "compare")}
        rest = total * per - sum(split.values())
        ratio = h_tot / b_tot
        with_pytest = ("" if per_case_pytest is None else
                       f"{(h_tot + per_case_pytest * count) / b_tot:8.2f}")
        print(f"  {name:11} {count:5d} {h_tot / count * 1e3:8.3f} {b_tot / count * 1e3:7.3f} "
              f"{ratio:6.2f} {c_tot / b_tot:6.2f} {f_tot / b_tot:6.2f} {with_pytest:>8} |                "
              + " ".join(f"{split[k]:6.3f}" for k in ("inputs", "ref", "to_fw", "call"))
              + f" {split['compare']:7.3f} {rest:6.3f}")
        if skipped:
            print(f"    ({len(skipped)} cases left out of the sample: the framework raised: "
                  f"{'; '.join(skipped[:3])}{' ...' if len(skipped) > 3 else ''})")
    print("  harness = run_case, bare = the framework call on pre-converted inputs (ms per case);\n"
          "  ratio = harness / bare (goal < 2), the sample's cases run in the suite's order with\n"
          "  the per-process input/reference cache as the suite uses it (emptied at the start of\n"
          "  each pass); cold = the same with the cache emptied before every case (each case's\n"
          "  inputs and reference computed afresh); floor = the least a checking harness must\n"
          "  add (inputs converted in, output back, one np.allclose against the precomputed\n"
          "  reference) over bare: where it is near 2 or above, no harness meets the goal;\n"
          "  +pytest adds the full run's per-case pytest cost to the harness.\n"
          "  split: instrumented passes of run_case (timer cost included): inputs = draw + cast;\n"
          "  ref = float64 reference (+ cotangent and VJP); to_fw = conversion to the framework;\n"
          "  call = the API or the adapter's VJP; compare = back to NumPy + measure; rest =\n"
          "  run_case's own glue (the split's passes run with the cache warm).")
    print(f"  [{load()}]")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", default=None, help="comma-separated backends (default: all)")
    p.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (0: no xdist)")
    p.add_argument("--dist", default=None, help="pytest-xdist --dist mode (default: xdist's)")
    p.add_argument("--pytest-args", default="",
                   help="more pytest arguments for (a), e.g. '--tb=no' (skips pytest's failure "
                        "sections, whose teardown lookup is quadratic in the number of reports)")
    p.add_argument("--results", default=None, help="read this results file instead of running")
    p.add_argument("--wall", type=float, default=None, help="wall time of --results's run")
    p.add_argument("--no-full", action="store_true", help="skip (a), the full run")
    p.add_argument("--no-overhead", action="store_true", help="skip (b), the overhead ratio")
    p.add_argument("--reps", type=int, default=15, help="repetitions per case in (b)")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--regime", default="typical")
    p.add_argument("--top", type=int, default=10, help="slowest bindings to list")
    args = p.parse_args()
    from conformance.cases import DTYPES, all_regimes, not_one_of

    if args.dtype not in DTYPES:
        p.error(not_one_of("--dtype", args.dtype, DTYPES))
    if args.regime not in all_regimes():
        p.error(not_one_of("--regime", args.regime, all_regimes()))
    if args.results:
        from conformance.report.merge import ResultsFileError, load_results

        try:  # read (and checked) here, before anything is timed
            args.results_doc = load_results(args.results)
        except ResultsFileError as exc:
            p.error(str(exc))
        if not (args.wall or args.results_doc.get("wall_s")):
            p.error(f"{args.results} records no wall time (files written before 2026-12-06 "
                    "left wall_s empty): give the run's with --wall SECONDS")
    os.chdir(ROOT)
    per_case_pytest = None
    if not args.no_full:
        doc, wall, workers = full_run(args)
        per_case_pytest = report_full(doc, wall, workers, args.top)["per_case_pytest"]
    if not args.no_overhead:
        overhead(args, per_case_pytest)


if __name__ == "__main__":
    main()
