"""The pytest plugin: options, case parametrization, registry xfails, the results file.

Options: ``--backend torch,jax`` ``--kind activations,losses,metrics,gradients``
``--adapter my.module`` ``--dtype float32`` ``--regime typical`` ``--device cpu``
``--threads 1`` ``--results PATH`` (default ``results/results.json``; ``--results=`` writes none)
``--max-ulp float64=2**20`` (a ULP ceiling per dtype for the cases within tolerance).
Markers per backend (``-m torch``) and per kind (``-m gradients``).
"""

from __future__ import annotations

import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from adapters._binding import memo_by_id

from .cases import (
    DTYPES,
    PATHS_REGIME,
    CaseSpec,
    all_regimes,
    bfloat16_available,
    is_grad,
    not_one_of,
    specs_for,
)
from .loader import AdapterError, Loaded, load_all
from .registry import Divergence, RegistryError, installed_version, load_registry, matcher
from .results import collector, jsonable, summary_lines, write_results

KIND_OPTIONS = {"activations": "activation", "losses": "loss", "metrics": "metric"}
ALL_KINDS = (*KIND_OPTIONS, "gradients")
_IN_WORKER = False  # set by pytest_configure: whether this process is a pytest-xdist worker


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("crossconform", "crossconform conformance suite")
    group.addoption("--backend", default=None,
                    help="comma-separated backends to run (default: all built-in and plugins)")
    group.addoption("--kind", default=None,
                    help=f"comma-separated kinds among {','.join(ALL_KINDS)} (default: all)")
    group.addoption("--adapter", action="append", default=[],
                    help="import path of a plugin adapter module (repeatable)")
    group.addoption("--dtype", default=None, help="comma-separated dtypes (default: all)")
    group.addoption("--regime", default=None, help="comma-separated regimes (default: all)")
    group.addoption("--device", default="cpu", help="device for the framework arrays (cpu, cuda, ...)")
    group.addoption("--threads", type=int, default=1,
                    help="threads each framework may use per process (default 1: the cases are "
                         "small, and pools sized to every core oversubscribe xdist workers; "
                         "0: the frameworks' defaults)")
    group.addoption("--results", default="results/results.json",
                    help="results JSON file to write ('' for none)")
    group.addoption("--registry", default=None, help="divergence registry: a TOML file or a directory of them (default: built-in)")
    group.addoption("--case-timeout", type=float, default=120.0,
                    help="seconds one case may run before it is recorded as 'error: timeout' "
                         "(needs pytest-timeout; 0 disables)")
    group.addoption("--max-ulp", default=None, metavar="DTYPE=ULP[,...]",
                    help="also fail a case within tolerance where an element that needs no "
                         "atol is more than ULP units in the last place of the dtype off, e.g. "
                         "float64=2**20 (float64's rtol admits ~9e8 ULP: a result computed in "
                         "float32); default: the tolerance table only")
    group.addoption("--jax-cache", default=None,
                    help="directory of JAX's persistent compilation cache (default: "
                         "$XDG_CACHE_HOME or ~/.cache, /crossconform/jax; '' disables)")


def pytest_configure(config: pytest.Config) -> None:
    from .loader import limit_threads
    from .runner import set_ulp_ceilings

    try:
        limit_threads(config.option.threads)
    except ValueError as exc:
        raise pytest.UsageError(f"--threads: {exc}") from None
    timeout = getattr(config.option, "case_timeout", 0.0)
    if not 0 <= timeout < float("inf"):  # NaN fails this too
        raise pytest.UsageError(f"--case-timeout: seconds must be >= 0 (0 disables), got {timeout}")
    _jax_compilation_cache(config.option.jax_cache)
    if not hasattr(config, "workerinput"):
        _check_selection(config)
    try:  # every xdist worker sets its own
        set_ulp_ceilings(getattr(config.option, "max_ulp", None))
    except ValueError as exc:
        raise pytest.UsageError(f"--max-ulp: {exc}") from None
    collector.adapter_args = [arg for module in (config.option.adapter or [])
                              for arg in ("--adapter", module)]
    global _IN_WORKER
    _IN_WORKER = hasattr(config, "workerinput")
    if not _IN_WORKER:  # the results file's wall_s: configuration to the file's writing
        collector.started = time.monotonic()


def _check_selection(config: pytest.Config) -> None:
    """A malformed ``-k`` or ``-m`` expression stops the run with pytest's own message.

    pytest parses them only when it deselects, after collection; under pytest-xdist that
    happens in the workers, and the controller turns their usage error into an
    INTERNALERROR naming an unrelated case (pytest-dev/pytest-xdist#539, #204;
    pytest-dev/pytest#13207). Parsed here, in the controller, with pytest's parser.
    """
    try:
        from _pytest.mark.expression import Expression
    except ImportError:  # a pytest without it: its own check, later, stands
        return
    for flag, text in (("-k", getattr(config.option, "keyword", "")),
                       ("-m", getattr(config.option, "markexpr", ""))):
        if not text or not text.strip():
            continue
        try:
            Expression.compile(text.lstrip() if flag == "-k" else text)
        except SyntaxError as exc:  # pytest >= 8.1 (ParseError before: its text is enough)
            where = f"at column {exc.offset}: {exc.msg}" if exc.offset else str(exc.msg)
            raise pytest.UsageError(f"Wrong expression passed to '{flag}': {text!r}: {where}") from None
        except Exception as exc:
            raise pytest.UsageError(f"Wrong expression passed to '{flag}': {text!r}: {exc}") from None


def _jax_compilation_cache(option: str | None) -> None:
    """Speed: keep JAX's compiled programs between runs (the same XLA executables, loaded
    instead of recompiled: compiling every binding x dtype x shape is most of a JAX run).

    Set through JAX's own environment variables before JAX is imported; a value already in
    the environment wins; ``--jax-cache=`` turns it off.
    """
    import os
    import sys

    if option == "" or os.environ.get("JAX_COMPILATION_CACHE_DIR") is not None:
        return
    if option is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        option = os.path.join(base, "crossconform", "jax")
    settings = {"JAX_COMPILATION_CACHE_DIR": option,
                "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
                "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0"}
    for name, value in settings.items():
        os.environ.setdefault(name, value)
    if "jax" in sys.modules:  # imported already (by another plugin): set it in its config
        import jax

        for name, value in settings.items():
            value = os.environ[name]
            jax.config.update(name.lower(), value if name.endswith("DIR") else
                              (float(value) if name.endswith("SECS") else int(value)))


def _csv(value: str | None) -> list[str] | None:
    return None if value in (None, "") else [v.strip() for v in value.split(",") if v.strip()]


def _known(option: str, values: list[str] | None, known: tuple[str, ...]) -> list[str] | None:
    """``values`` if each is one of ``known``; else a UsageError naming the option and the
    value (a typo in a filter would otherwise select no case, and the run would pass)."""
    for value in values or ():
        if value not in known:
            raise pytest.UsageError(not_one_of(option, value, known))
    return values


@dataclass
class State:
    """What the session loaded: adapters, the registry, selected kinds."""

    adapters: dict[str, Loaded]
    registry: list[Divergence]
    kinds: set[str]
    dtypes: list[str] | None
    regimes: list[str] | None
    lookup: dict[tuple[str, str], Any] = field(default_factory=dict)
    matched: set[tuple[str, int]] = field(default_factory=set)

    def versions(self) -> dict[str, str]:
        out = {}
        for loaded in self.adapters.values():
            if loaded.backend is not None:
                out.setdefault(loaded.backend.name.lower(), loaded.backend.version)
                for dist in loaded.backend.packages:  # each package at its own version, if
                    version = installed_version(dist)  # installed (never the backend's: see
                    if version:                        # results.backend_versions)
                        out.setdefault(dist.lower(), version)
        return out


def get_state(config: pytest.Config) -> State:
    state = getattr(config, "_crossconform_state", None)
    if state is None:
        opt = config.option
        kinds = set(_csv(opt.kind) or ALL_KINDS)
        bad = sorted(kinds - set(ALL_KINDS))
        if bad:
            raise pytest.UsageError(f"--kind: unknown kind(s) {bad}; choose among {list(ALL_KINDS)}")
        try:
            adapters = load_all(_csv(opt.backend), [a for arg in opt.adapter for a in _csv(arg) or []],
                                device=opt.device)
            registry = load_registry(opt.registry) if opt.registry else load_registry()
        except (AdapterError, RegistryError) as exc:
            raise pytest.UsageError(str(exc)) from None
        state = State(adapters, registry, kinds, _known("--dtype", _csv(opt.dtype), DTYPES),
                      _known("--regime", _csv(opt.regime), all_regimes()))
        for loaded in adapters.values():
            for binding in loaded.bindings:
                state.lookup[(loaded.name, binding.api)] = (binding, loaded.backend)
        config._crossconform_state = state
    return state


def case_specs(state: State) -> list[CaseSpec]:
    """Every selected case, in a stable order."""
    specs = []
    kind_filter = {KIND_OPTIONS[k] for k in state.kinds if k in KIND_OPTIONS}
    grads = "gradients" in state.kinds
    values = bool(kind_filter)
    kind_filter = kind_filter or set(KIND_OPTIONS.values())
    for loaded in state.adapters.values():
        if loaded.backend is None:
            continue
        dtypes = tuple(d for d in loaded.backend.dtypes if d != "bfloat16" or bfloat16_available())
        for binding in loaded.bindings:
            if binding.kind not in kind_filter:
                continue
            bdtypes = tuple(d for d in binding.dtypes if d in dtypes
                            and (state.dtypes is None or d in state.dtypes))
            for spec in specs_for(binding, bdtypes, values=values, grads=grads,
                                  has_vjp=loaded.backend.vjp is not None):
                if state.regimes is None or spec.regime in state.regimes:
                    specs.append(spec)
            if binding.pair and values and (state.regimes is None or PATHS_REGIME in state.regimes):
                specs += [CaseSpec(binding.api, binding.backend, d, PATHS_REGIME, "paths")
                          for d in bdtypes]
    return specs


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case_spec" not in metafunc.fixturenames and "adapter_name" not in metafunc.fixturenames:
        return
    try:
        state = get_state(metafunc.config)
    except pytest.UsageError as exc:
        # A broken adapter or registry: its message alone, not pytest's hook traceback.
        raise pytest.Collector.CollectError(f"crossconform: {exc}") from None
    if "case_spec" in metafunc.fixturenames:
        specs = case_specs(state)
        metafunc.parametrize("case_spec", specs, ids=[s.id for s in specs])
    if "adapter_name" in metafunc.fixturenames:
        names = sorted(state.adapters)
        metafunc.parametrize("adapter_name", names, ids=names)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = getattr(config, "_crossconform_state", None)
    if state is None:
        return
    from .runner import ULP_CEILINGS

    find = matcher(state.registry, state.versions(), config.option.device, ULP_CEILINGS)
    timeout = config.option.case_timeout if config.pluginmanager.hasplugin("timeout") else 0
    timeout_mark = pytest.mark.timeout(timeout) if timeout else None
    marks: dict[str, pytest.MarkDecorator] = {}  # one decorator per marker name, not per case
    for item in items:
        spec = _spec_of(item)
        if spec is None:
            continue
        binding, _ = state.lookup[(spec.backend, spec.api)]
        loaded = state.adapters[spec.backend]
        if timeout_mark is not None:
            item.add_marker(timeout_mark)
        for name in ("plugin" if loaded.plugin else spec.backend,
                     "gradients" if is_grad(spec.check) else
                     binding.kind + ("s" if binding.kind != "loss" else "es")):
            if name not in marks:
                marks[name] = getattr(pytest.mark, name)
            item.add_marker(marks[name])
        entry = find(spec)
        if entry is not None:
            state.matched.add(entry.key)
            # a precision entry absorbs the case's precision failure only: a case that
            # misses its tolerance raises pytest's plain Failed, and fails
            item.add_marker(pytest.mark.xfail(strict=True, reason=entry.xfail_reason(),
                                              raises=PrecisionFailed if entry.max_ulp else None))
            item.user_properties.append(("crossconform_divergence", {
                "index": entry.index, "file": entry.origin, "reason": entry.reason, "source": entry.source,
                "versions": entry.versions_text}))
        item.user_properties.append(("crossconform_case", _case_fields(spec, binding, loaded)))


def _spec_of(item: pytest.Item) -> CaseSpec | None:
    """The case a conformance item runs (None for any other test)."""
    spec = getattr(item, "callspec", None) and item.callspec.params.get("case_spec")
    return spec if isinstance(spec, CaseSpec) else None


def reproducer(spec: CaseSpec, loaded: Loaded, device: str = "cpu") -> str:
    """The one-line command that reruns one case and shows inputs, outputs and the error."""
    from .runner import ulp_ceilings_text

    argv = ["python", "-m", "conformance", "repro", spec.id]
    if loaded.plugin:
        argv += ["--adapter", loaded.module]
    if device != "cpu":
        argv += ["--device", device]
    if ceilings := ulp_ceilings_text():
        argv += ["--max-ulp", ceilings]
    return shlex.join(argv)


# A binding's conventions as JSON, converted once per binding (not once per case).
_CONVENTIONS: dict[int, tuple[Any, Any]] = {}


def _case_fields(spec: CaseSpec, binding: Any, loaded: Loaded) -> dict[str, Any]:
    conventions, grad_conventions = memo_by_id(_CONVENTIONS, binding, lambda b: (
        jsonable(dict(b.conventions)), jsonable(dict(b.grad_conventions))))
    return {
        "id": spec.id, "backend": spec.backend, "binding": spec.api, "reference": binding.reference,
        "kind": "gradient" if is_grad(spec.check) else binding.kind, "binding_kind": binding.kind,
        "check": spec.check, "dtype": spec.dtype, "regime": spec.regime,
        "conventions": conventions, "grad_conventions": grad_conventions,
        "reproducer": reproducer(spec, loaded),
    }


@pytest.fixture
def conformance_state(request: pytest.FixtureRequest) -> State:
    return get_state(request.config)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    junit_reads_it = report.when == "teardown" and getattr(item.config.option, "xmlpath", None)
    if report.when != "call" and report.passed and not junit_reads_it and _spec_of(item):
        # Speed: a case's properties ride on its call report; the setup and teardown reports
        # of a case that went well need none (under xdist every report is serialized to the
        # controller: the properties were two thirds of that traffic). --junitxml reads
        # them from the teardown report, which then keeps them.
        report.user_properties = []
    return report


# --- a lost accelerator context -----------------------------------------------------------
# CUDA makes some errors sticky: after a device-side assert (torch's binary_cross_entropy
# asserts 0 <= input <= 1 in its CUDA kernel, aten/src/ATen/native/cuda/Loss.cu, where the
# CPU kernel raises a RuntimeError) or an illegal memory access, every later CUDA call of
# the process fails, JAX's in the same process included (measured on an H200: 6,942 later
# cases of the workers it hit answered the same error; docs/device-run.md). The case that hit it keeps
# its own error; its worker then exits, so that pytest-xdist starts a fresh process for
# the cases left; without xdist the cases left are skipped, naming the case.
CONTEXT_LOST = ("device-side assert triggered", "illegal memory access",
                "unspecified launch failure", "illegal instruction", "misaligned address")
CONTEXT_LOST_NOTE = ("; the accelerator context of this process is lost (a sticky CUDA "
                     "error): its worker exits and pytest-xdist starts a fresh one")


class PrecisionFailed(pytest.fail.Exception):  # type: ignore[misc, name-defined]
    """A case within its tolerance that fails a --max-ulp ceiling (its message starts with
    runner.PRECISION): what a precision entry of the registry expects, and all it expects."""


def context_lost(message: str | None) -> bool:
    """Whether an error message says the process's CUDA context is lost for good."""
    return bool(message) and any(text in message for text in CONTEXT_LOST)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    result = yield
    if getattr(item.config, "_crossconform_context_lost", None) and hasattr(item.config, "workerinput"):
        # The case's reports are sent: exiting before xdist's "protocol complete" message
        # makes the controller replace this worker and requeue the cases it held.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(3)
    return result


@pytest.hookimpl(tryfirst=True, specname="pytest_runtest_protocol")
def pytest_runtest_protocol_of_a_case(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """A case's reports, less the setup and teardown reports of a case that went well.

    Speed: pytest logs three reports per item, and every logged report is serialized to
    the xdist controller, read back, counted and kept by its terminal reporter (the
    controller held 92,000 empty setup and teardown reports at the end of a full run).
    A case's setup and teardown do nothing that can go wrong quietly (no fixtures), so
    only the ones that failed or skipped are logged, with the call's report. pytest's
    own protocol runs the case; its reports are logged when it is done (the call's after
    the teardown). Items of other tests, ``--junitxml`` (which reads the teardown report)
    and ``--durations`` (which lists setup and teardown times) keep pytest's protocol.
    """
    option = item.config.option
    if (_spec_of(item) is None or getattr(option, "xmlpath", None)
            or getattr(option, "durations", None) is not None):  # --durations=0 lists all
        return None
    from _pytest.runner import runtestprotocol

    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for report in runtestprotocol(item, log=False, nextitem=nextitem):
        if report.when == "call" or not report.passed:
            ihook.pytest_runtest_logreport(report=report)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not _IN_WORKER:  # under xdist the controller gathers the records: its reports are ours
        collector.add_report(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput"):
        return  # xdist worker: the controller writes the results
    state = getattr(config, "_crossconform_state", None)
    path = config.option.results if hasattr(config.option, "results") else ""
    if not path or not collector.records:
        return
    write_results(Path(path), collector, config, state)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not collector.records:
        return
    for line in summary_lines(collector, config):
        terminalreporter.write_line(line)


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Speed: an xdist worker whose session is over leaves without tearing down.

    Its results are with the controller (its last message, "workerfinished", is written
    at the end of its session, before any unconfigure hook), and the controller waits
    for the process to end before it writes the results file: the worker's unconfigure
    and interpreter shutdown (pytest's garbage-collection passes for unraisable
    exceptions, TensorFlow's and JAX's exit handlers, freeing the frameworks) held a
    full run's end for 10.4 s (7.8 s in a 1,472-case run). ``CROSSCONFORM_WORKER_TEARDOWN=1``
    keeps the teardown (for a plugin that needs its unconfigure hook or an atexit handler
    in the workers).
    """
    if _IN_WORKER and os.environ.get("CROSSCONFORM_WORKER_TEARDOWN") != "1":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
