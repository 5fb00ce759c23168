"""Where a JAX case's time goes: trace, lower, compile (or load from the cache), run.

    python benchmarks/jax_program_cost.py            # the suite's cache directory
    python benchmarks/jax_program_cost.py --cache "" # no persistent cache: real compiles

Each jitted case of the suite is a new XLA program (a new binding, dtype or shape), so
JAX pays its per-program cost case after case, even when the compiled executable is in
the persistent cache: tracing to a jaxpr, lowering to StableHLO (a fresh MLIR context
each time), the cache lookup and load. This script times those phases for a few
representative functions on ``--programs`` distinct shapes each (float32, values and
gradients), in two passes with JAX's in-memory caches emptied before each: the second
pass shows what the suite sees with the persistent cache warm. Figures only: no goal is asserted here (see suite_speed.py for the full run).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any


def phases(jitted: Any, x: Any) -> tuple[float, float, float, float]:
    """Seconds to trace, lower, compile (or load) and run ``jitted`` on ``x``."""
    t0 = time.perf_counter()
    traced = jitted.trace(x)
    t1 = time.perf_counter()
    lowered = traced.lower()
    t2 = time.perf_counter()
    compiled = lowered.compile()
    t3 = time.perf_counter()
    compiled(x).block_until_ready()
    t4 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, t4 - t3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=None,
                        help="persistent cache directory ('' for none; default: the suite's)")
    parser.add_argument("--programs", type=int, default=30,
                        help="distinct shapes (programs) per function (default 30)")
    args = parser.parse_args()
    if args.cache is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        args.cache = os.path.join(base, "crossconform", "jax-program-cost")
    if args.cache:
        os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", args.cache)
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    jax.config.update("jax_enable_x64", True)  # as the adapter runs it
    labels = np.zeros((1,), np.int64)

    def xent(z: Any) -> Any:
        return optax.losses.softmax_cross_entropy_with_integer_labels(
            z, jnp.asarray(labels.repeat(z.shape[0]))).mean()

    functions = {
        "jax.nn.gelu (value)": jax.nn.gelu,
        "jax.nn.softmax (value)": jax.nn.softmax,
        "optax softmax xent (value)": xent,
        "jax.nn.gelu (grad)": jax.grad(lambda z: jax.nn.gelu(z).sum()),
        "optax softmax xent (grad)": jax.grad(xent),
    }
    rng = np.random.default_rng(0)
    print(f"jax {jax.__version__}, cache {args.cache or 'off'}, {args.programs} programs "
          f"per function, ms per program")
    for rep in ("first pass", "second pass (persistent cache warm)"):
        # In-memory caches (traces, lowerings, executables) emptied: only the persistent
        # cache is left, as in a new pytest worker.
        jax.clear_caches()
        print(f"\n  {rep}")
        print(f"  {'function':28} {'trace':>7} {'lower':>7} {'compile':>8} {'run':>6} {'total':>7}")
        for name, fn in functions.items():
            sums = np.zeros(4)
            for i in range(args.programs):
                x = jnp.asarray(rng.normal(size=(3 + i, 5)).astype(np.float32))
                sums += phases(jax.jit(fn), x)
            ms = sums / args.programs * 1000
            print(f"  {name:28} {ms[0]:7.2f} {ms[1]:7.2f} {ms[2]:8.2f} {ms[3]:6.2f} {ms.sum():7.2f}")


if __name__ == "__main__":
    main()
