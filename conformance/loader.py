"""Load adapters (built-in, ``--adapter`` modules, ``crossconform.adapters`` entry points).

Every adapter, built-in or plugin, goes through :func:`load_adapter`: ``backend(device)``
and ``bindings()``. A framework that fails to import makes that backend *unavailable*
with the reason (its cases skip); a malformed binding is an :class:`AdapterError` naming
the binding and the problem, raised at collection time.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sysconfig
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import adapters
import reference
from adapters import BUILTIN
from adapters._binding import Backend, Binding, BindingError, validate_binding

from .cases import regimes_for
from .families import FAMILIES, FAMILY_OF

ENTRY_POINT_GROUP = "crossconform.adapters"


class AdapterError(ValueError):
    """An adapter module or binding that cannot work; the message says which and why."""


@dataclass
class Loaded:
    """One adapter module after loading."""

    name: str
    module: str
    plugin: bool
    backend: Backend | None = None
    bindings: list[Binding] = field(default_factory=list)
    unavailable: str | None = None


# Environment variables through which the frameworks size their thread pools at start-up.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                     "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def limit_threads(threads: int) -> None:
    """Let each framework compute on at most ``threads`` threads in this process (0: leave
    the frameworks' defaults, one thread per core each).

    Speed: the cases are small arrays that no framework splits across threads, but their
    pools still spin: two xdist workers on two cores, each with torch's OpenMP, TF's and
    XLA's pools sized to every core, made the torch cases 3.3 times slower
    (``benchmarks/suite_speed.py``). Set through the environment before the frameworks are
    imported (a value already there wins); a framework imported earlier (by another plugin)
    is told through its API where it has one.
    """
    import os
    import sys

    if threads < 0:
        raise ValueError(f"threads must be >= 0 (0: the frameworks' defaults), got {threads!r}")
    if threads == 0:
        return
    for name in _THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
    if "--xla_cpu_multi_thread_eigen" not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
                                   f"{'true' if threads > 1 else 'false'} intra_op_parallelism_threads="
                                   f"{threads}").strip()
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(int(os.environ["OMP_NUM_THREADS"]))


def entry_point_adapters() -> list[tuple[str, str]]:
    """``(name, module path)`` of each adapter installed packages advertise under
    ``crossconform.adapters`` (``mylib = "mypkg.my_bindings"``: the name is the backend's)."""
    eps = importlib.metadata.entry_points()
    group = eps.select(group=ENTRY_POINT_GROUP) if hasattr(eps, "select") else eps.get(ENTRY_POINT_GROUP, [])
    out = []
    for ep in sorted(group, key=lambda e: e.name):
        if ":" in ep.value:
            raise AdapterError(f"entry point {ep.name!r} = {ep.value!r} in group {ENTRY_POINT_GROUP!r}: "
                               "the value must be a module path (the adapter module), not module:attr")
        out.append((ep.name, ep.value.strip()))
    return out


def discover_entry_points() -> list[str]:
    """Module paths advertised by installed packages under ``crossconform.adapters``."""
    return [module for _, module in entry_point_adapters()]


# Frames that are not the plugin author's code: crossconform's, the import machinery's,
# the standard library's and installed packages' (numpy raising inside np.log ...).
_OWN = tuple({str(Path(m.__file__).parent) for m in (reference, adapters, importlib)}
             | {sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib")})


def _raised_where(exc: BaseException) -> str:
    """``TypeError: message (file.py:12)``: the exception and the innermost frame of the
    plugin's own code (not of crossconform's or the import machinery's)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "<frozen" not in f.filename]
    frames = [f for f in frames if not f.filename.startswith(_OWN) and f.filename != __file__] or frames
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}{where}"


def probe_conversion(backend: Backend, where: str) -> None:
    """Round-trip a tiny float32 array through the backend; AdapterError if it cannot.

    Checked at collection time so that a conversion returning a list, a framework array
    or the wrong dtype is one clear message, not a failure in every case.
    """
    probe = np.array([0.5, -1.25, 3.0], dtype=np.float32)
    try:
        framework = backend.to_framework(probe.copy(), "float32")
        dtype = backend.dtype_of(framework)
        back = backend.to_numpy(framework)
    except ImportError:
        raise
    except Exception as exc:
        raise AdapterError(f"{where}: converting a float32 array failed: {_raised_where(exc)}") from None
    if not isinstance(back, np.ndarray):
        raise AdapterError(f"{where}: backend.to_numpy returned {type(back).__module__}."
                           f"{type(back).__qualname__}, not a numpy.ndarray (return np.asarray(...))")
    if dtype != "float32":
        raise AdapterError(f"{where}: backend.dtype_of gave {dtype!r} for a float32 array "
                           "(it must return the dtype name, e.g. 'float32')")
    if back.dtype != np.float32 or back.shape != probe.shape or not np.array_equal(back, probe):
        raise AdapterError(f"{where}: float32 round trip to_framework -> to_numpy is not exact: "
                           f"sent {probe!r}, got back {back!r}")


def load_adapter(module_path: str, *, device: str = "cpu", plugin: bool = False,
                 name: str | None = None) -> Loaded:
    """Import an adapter module and build its backend and bindings."""
    short = name or module_path
    try:
        module = importlib.import_module(module_path)
    except ImportError as exc:
        missing = getattr(exc, "name", None)
        if plugin and missing is not None and module_path.startswith(missing) and \
                module_path[len(missing):len(missing) + 1] in ("", "."):
            raise AdapterError(f"--adapter {module_path!r}: module not found ({exc}); is its "
                               "directory on PYTHONPATH / the package installed?") from None
        return Loaded(short, module_path, plugin, unavailable=f"{module_path}: {exc}")
    except Exception as exc:  # a plugin that fails while importing: say where, no traceback
        raise AdapterError(f"adapter {module_path!r}: importing it raised {_raised_where(exc)}") from None
    for attr in ("backend", "bindings"):
        if not callable(getattr(module, attr, None)):
            raise AdapterError(
                f"adapter module {module_path!r} must define {attr}() (see docs/plugins.md)"
            )
    try:
        backend = module.backend(device=device)
        bindings = module.bindings()
        if not isinstance(bindings, Iterable):
            raise AdapterError(f"adapter {module_path!r}: bindings() returned "
                               f"{type(bindings).__name__}, not a list of adapters.Binding")
        bindings = list(bindings)
    except ImportError as exc:
        return Loaded(short, module_path, plugin, unavailable=f"{type(exc).__name__}: {exc}")
    except AdapterError:
        raise
    except Exception as exc:
        raise AdapterError(f"adapter {module_path!r}: backend(device={device!r}) or bindings() "
                           f"raised {_raised_where(exc)}") from None
    if not isinstance(backend, Backend):
        raise AdapterError(f"adapter {module_path!r}: backend() returned {type(backend).__name__}, "
                           "not adapters.Backend")
    try:
        probe_conversion(backend, f"adapter {module_path!r} (backend {backend.name!r})")
    except ImportError as exc:
        return Loaded(short, module_path, plugin, unavailable=f"{type(exc).__name__}: {exc}")
    loaded = Loaded(name or backend.name, module_path, plugin, backend=backend)
    seen: set[str] = set()
    for i, binding in enumerate(bindings):
        if not isinstance(binding, Binding):
            raise AdapterError(f"adapter {module_path!r}: bindings()[{i}] is "
                               f"{type(binding).__name__}, not adapters.Binding")
        try:
            validate_binding(binding, reference.FUNCTIONS, reference.VJPS)
            if binding.reference not in FAMILY_OF:
                raise BindingError(f"binding {binding.api!r}: reference {binding.reference!r} has no "
                                   "input family (conformance/families.py)")
            first = FAMILIES[FAMILY_OF[binding.reference]].inputs[0]
            if binding.grad and FAMILIES[FAMILY_OF[binding.reference]].grad_input is None:
                raise BindingError(f"binding {binding.api!r}: reference {binding.reference!r} takes "
                                   f"{first} first, so its VJP is not w.r.t. the predictions; "
                                   "declare grad=False")
            more = FAMILIES[FAMILY_OF[binding.reference]].more_grad_inputs
            if binding.grad_wrt is not None and (not isinstance(binding.grad_wrt, tuple)
                                                 or not set(binding.grad_wrt) <= set(more)):
                raise BindingError(f"binding {binding.api!r}: grad_wrt must be a tuple of inputs "
                                   f"among {list(more)} (the further inputs reference "
                                   f"{binding.reference!r} differentiates), got {binding.grad_wrt!r}")
            if binding.backend != backend.name:
                raise BindingError(f"binding {binding.api!r}: backend {binding.backend!r} differs "
                                   f"from its adapter's backend {backend.name!r}")
            regimes_for(binding)
        except (BindingError, ValueError) as exc:
            raise AdapterError(f"adapter {module_path!r}: {exc}") from None
        if binding.api in seen:
            raise AdapterError(f"adapter {module_path!r}: binding api {binding.api!r} is declared twice")
        seen.add(binding.api)
        loaded.bindings.append(binding)
    by_api = {b.api: b for b in loaded.bindings}
    for binding in loaded.bindings:
        if binding.pair is None:
            continue
        if binding.pair not in seen:
            raise AdapterError(f"adapter {module_path!r}: binding {binding.api!r} names pair "
                               f"{binding.pair!r}, which this adapter does not declare")
        # Only the probabilities API names its logits twin (conformance/paths.py).
        mine, twin = FAMILY_OF[binding.reference], FAMILY_OF[by_api[binding.pair].reference]
        if not mine.endswith("_prob") or twin != mine.replace("_prob", "_logits"):
            raise AdapterError(
                f"adapter {module_path!r}: binding {binding.api!r} ({mine}) names pair "
                f"{binding.pair!r} ({twin}); a pair goes from a probabilities API to its "
                "logits twin")
    return loaded


def load_all(backends: Iterable[str] | None = None, adapters: Iterable[str] = (), *,
             device: str = "cpu", entry_points: bool = True) -> dict[str, Loaded]:
    """Built-in adapters (filtered by ``backends``), then plugins, keyed by backend name."""
    wanted = None if backends is None else [b.strip() for b in backends if b.strip()]
    out: dict[str, Loaded] = {}
    adapters = list(adapters)
    installed = entry_point_adapters() if entry_points else []
    # An installed plugin is imported only when selected: by its entry point name, by
    # "plugin", or when no --backend is given (a broken one cannot break a torch run).
    plugin_modules = adapters + [module for ep_name, module in installed if module not in adapters
                                 and (wanted is None or "plugin" in wanted or ep_name in wanted)]
    for name, module_path in BUILTIN.items():
        if wanted is None or name in wanted:
            out[name] = load_adapter(module_path, device=device, name=name)
    for module_path in plugin_modules:
        loaded = load_adapter(module_path, device=device, plugin=True)
        if loaded.name in out:
            raise AdapterError(f"adapter {module_path!r}: backend name {loaded.name!r} is already "
                               f"used by {out[loaded.name].module!r}")
        out[loaded.name] = loaded
    if wanted is not None:
        unknown = [b for b in wanted if b not in out and b != "plugin"]
        if unknown:
            known = sorted(set(BUILTIN) | {n for n, _ in installed} | set(out))
            raise AdapterError(f"--backend: unknown backend(s) {unknown}; known: {known} "
                               "(and 'plugin' for every --adapter module)")
        if "plugin" in wanted and not plugin_modules:
            raise AdapterError("--backend plugin: no plugin adapter: give --adapter MODULE or "
                               f"install a package with a {ENTRY_POINT_GROUP!r} entry point")
    return out
