"""A plugin adapter whose bindings misbehave on purpose: issue 6's injected faults.

Each binding is ``reference="sigmoid"`` on float64 only, two regimes (typical, extreme),
so a run is a dozen cases. ``faulty.sigmoid`` is correct: it must pass whatever its
neighbours do. ``faulty.abort`` kills its worker process on the extreme regime only, so
the typical case of the same binding must still be recorded. ``faulty.context_lost``
does what a CUDA device-side assert does to a process (extreme regime): it raises, and
every later call of any faulty binding in that process raises too;
``faulty.context_lost_registered`` does the same under a registry entry (an xfail).
"""

from __future__ import annotations

import os
import time

import numpy as np

from adapters import numpy_adapter, numpy_binding

_CONTEXT_LOST: list[str] = []  # set once a call "lost the CUDA context" in this process


def _sigmoid(x: np.ndarray) -> np.ndarray:
    if _CONTEXT_LOST:  # like CUDA's sticky errors: every later call of the process fails
        raise RuntimeError("CUDA error: device-side assert triggered (an earlier call)")
    return np.exp(-np.logaddexp(0.0, -x))


def _context_lost(x: np.ndarray) -> np.ndarray:
    if np.abs(x).max() > 100:  # the extreme regime only
        _CONTEXT_LOST.append("lost")
        raise RuntimeError("CUDA error: device-side assert triggered")
    return _sigmoid(x)


def _raises(x: np.ndarray) -> np.ndarray:
    raise RuntimeError("injected fault: the framework raised")


def _wrong_shape(x: np.ndarray) -> np.ndarray:
    return _sigmoid(x)[..., None]


def _wrong_dtype(x: np.ndarray) -> np.ndarray:
    return _sigmoid(x).astype(np.float32)


def _python_scalar(x: np.ndarray) -> float:
    return float(_sigmoid(x).sum())


def _wrong_value(x: np.ndarray) -> np.ndarray:
    return _sigmoid(x) * (1.0 + 1e-3)


def _hangs(x: np.ndarray) -> np.ndarray:
    time.sleep(600)
    return _sigmoid(x)


def _abort(x: np.ndarray) -> np.ndarray:
    if np.abs(x).max() > 100:  # the extreme regime only
        os.abort()
    return _sigmoid(x)


FAULTS = {
    "faulty.sigmoid": _sigmoid,
    "faulty.context_lost": _context_lost,
    "faulty.context_lost_registered": _context_lost,
    "faulty.raises": _raises,
    "faulty.wrong_shape": _wrong_shape,
    "faulty.wrong_dtype": _wrong_dtype,
    "faulty.python_scalar": _python_scalar,
    "faulty.wrong_value": _wrong_value,
    "faulty.hangs": _hangs,
    "faulty.abort": _abort,
}

backend, bindings = numpy_adapter("faulty", [
    numpy_binding(api, fn, "sigmoid", dtypes=("float64",), regimes=("typical", "extreme"))
    for api, fn in FAULTS.items()
])
