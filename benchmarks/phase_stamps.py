"""A pytest plugin that prints when each phase of a run ends, per process (the measurement
behind README's "The run's own cost outside the cases").

    PYTHONPATH=benchmarks python -m pytest -p phase_stamps conformance -n 2 -q 2>stamps.txt
    grep phase_stamps stamps.txt

Each line: ``[phase_stamps PID SECONDS] phase`` on stderr, SECONDS since the epoch, for the
controller and each xdist worker: the test loop's start and end, the session's finish, the
terminal summary, unconfigure, the first and the last atexit handler; in the controller
also the wait for the workers to end (xdist's ``teardown_nodes``) and the results file
(``write_results``). Workers leave at their first unconfigure hook unless
``CROSSCONFORM_WORKER_TEARDOWN=1`` (conformance/plugin.py), so theirs stop at the summary.
"""

from __future__ import annotations

import atexit
import functools
import os
import sys
import time
from collections.abc import Callable, Generator
from typing import Any

import pytest


def stamp(phase: str) -> None:
    sys.stderr.write(f"[phase_stamps {os.getpid()} {time.time():.2f}] {phase}\n")
    sys.stderr.flush()


atexit.register(stamp, "atexit, last handler")  # registered first: runs last


def _timed(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        stamp(f"{name} start")
        try:
            return fn(*args, **kwargs)
        finally:
            stamp(f"{name} end")
    return wrapper


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    import conformance.plugin
    import conformance.results

    conformance.plugin.write_results = _timed(conformance.results.write_results, "write_results")
    try:
        from xdist.workermanage import NodeManager
    except ImportError:
        return
    NodeManager.teardown_nodes = _timed(NodeManager.teardown_nodes, "teardown_nodes")


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, Any, Any]:
    stamp("test loop start")
    try:
        return (yield)
    finally:
        stamp("test loop end")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    stamp("sessionfinish")


def pytest_terminal_summary() -> None:
    stamp("terminal summary")


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    stamp("unconfigure")
    atexit.register(stamp, "atexit, first handler")  # registered last: runs first
