"""Load adapters (built-in, ``--adapter`` modules, ``crossconform.adapters`` entry points).

Every adapter, built-in or plugin, goes through :func:`load_adapter`: ``backend(device)``
and ``bindings()``. A framework that fails to import makes that backend *unavailable*
with the reason (its cases skip); a malformed binding is an :class:`AdapterError` naming
the binding and the problem, raised at collection time.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass, field

import reference
from adapters import BUILTIN
from adapters._binding import Backend, Binding, BindingError, validate_binding

from .cases import regimes_for
from .families import FAMILY_OF

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


def discover_entry_points() -> list[str]:
    """Module paths advertised by installed packages under ``crossconform.adapters``."""
    eps = importlib.metadata.entry_points()
    group = eps.select(group=ENTRY_POINT_GROUP) if hasattr(eps, "select") else eps.get(ENTRY_POINT_GROUP, [])
    return [ep.value for ep in group]


def load_adapter(module_path: str, *, device: str = "cpu", plugin: bool = False,
                 name: str | None = None) -> Loaded:
    """Import an adapter module and build its backend and bindings."""
    short = name or module_path
    try:
        module = importlib.import_module(module_path)
    except ImportError as exc:
        if plugin and getattr(exc, "name", None) == module_path.split(".")[0]:
            raise AdapterError(f"--adapter {module_path!r}: module not found ({exc})") from None
        return Loaded(short, module_path, plugin, unavailable=f"{module_path}: {exc}")
    for attr in ("backend", "bindings"):
        if not callable(getattr(module, attr, None)):
            raise AdapterError(
                f"adapter module {module_path!r} must define {attr}() (see adapters/_binding.py)"
            )
    try:
        backend = module.backend(device=device)
        bindings = list(module.bindings())
    except ImportError as exc:
        return Loaded(short, module_path, plugin, unavailable=f"{type(exc).__name__}: {exc}")
    if not isinstance(backend, Backend):
        raise AdapterError(f"adapter {module_path!r}: backend() returned {type(backend).__name__}, "
                           "not adapters.Backend")
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
    for binding in loaded.bindings:
        if binding.pair is not None and binding.pair not in seen:
            raise AdapterError(f"adapter {module_path!r}: binding {binding.api!r} names pair "
                               f"{binding.pair!r}, which this adapter does not declare")
    return loaded


def load_all(backends: Iterable[str] | None = None, adapters: Iterable[str] = (), *,
             device: str = "cpu", entry_points: bool = True) -> dict[str, Loaded]:
    """Built-in adapters (filtered by ``backends``), then plugins, keyed by backend name."""
    wanted = None if backends is None else [b.strip() for b in backends if b.strip()]
    out: dict[str, Loaded] = {}
    plugin_modules = list(adapters) + (discover_entry_points() if entry_points else [])
    if wanted is not None:
        unknown = [b for b in wanted if b not in BUILTIN and b != "plugin"]
        if unknown and not plugin_modules:
            raise AdapterError(f"--backend: unknown backend(s) {unknown}; known: {sorted(BUILTIN)}")
    for name, module_path in BUILTIN.items():
        if wanted is None or name in wanted:
            out[name] = load_adapter(module_path, device=device, name=name)
    for module_path in plugin_modules:
        loaded = load_adapter(module_path, device=device, plugin=True)
        if wanted is not None and loaded.name not in wanted and "plugin" not in wanted and \
                module_path not in adapters:
            continue
        if loaded.name in out:
            raise AdapterError(f"adapter {module_path!r}: backend name {loaded.name!r} is already "
                               f"used by {out[loaded.name].module!r}")
        out[loaded.name] = loaded
    return out
