"""TensorFlow's other oneDNN state, checked on any machine.

The suite runs TensorFlow as the machine makes it: with its oneDNN CPU kernels on CPUs
with AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX, with its Eigen kernels elsewhere. The
registry has entries for both (``onednn = true/false``). This test reruns the softmax
bindings of TF and Keras-on-TF with the oneDNN kernels forced off, which every x86 build
can do (``TF_ENABLE_ONEDNN_OPTS=0``), so a oneDNN machine checks the other state's entries
too. Forcing them on is not portable: oneDNN's bfloat16 softmax needs AVX512 (measured
with ``ONEDNN_MAX_CPU_ISA=AVX2``: every bfloat16 ``tf.nn.softmax`` case raises
AbortedError 'could not create a primitive descriptor'), so that direction is left to the
machines where it is the default.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]


def test_softmax_cases_pass_with_tensorflows_onednn_kernels_off(tmp_path: Path) -> None:
    pytest.importorskip("tensorflow")
    out = tmp_path / "results.json"
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0", "TF_CPP_MIN_LOG_LEVEL": "3",
           "KERAS_BACKEND": "tensorflow"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--tb=line",
         "--backend", "tensorflow,keras", "-k", "softmax and not cross and not log",
         "--results", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    doc = json.loads(out.read_text())
    assert doc["environment"]["tensorflow_onednn"] is False
    applied = {(a["file"], a["index"]) for a in doc["registry"]["applied"]}
    # A oneDNN-off entry for another release (keras2.toml on a Keras 3 install...) cannot
    # apply here: the run lists it under not_checked, "installed X is outside ...".
    elsewhere = {(r["file"], r["index"]) for r in doc["registry"]["not_checked"]
                 if r["why"].startswith("installed ")}
    off = {e.key for e in load_registry() if e.onednn is False} - elsewhere
    on = {e.key for e in load_registry() if e.onednn is True}
    assert off and off <= applied, sorted(off - applied)
    assert not on & applied
    assert doc["totals"].get("pass", 0) > 100


def test_reproducer_names_tensorflows_onednn_state() -> None:
    """A TF case's reproducer says which kernels ran: the same case passes with the Eigen
    kernel (oneDNN off) and, on a oneDNN machine, is a registered divergence with it on."""
    pytest.importorskip("tensorflow")
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0", "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-m", "conformance", "repro", "tf.nn.softmax[float32-nan_inf]"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert "TensorFlow's oneDNN kernels off (TF_ENABLE_ONEDNN_OPTS=0), CPU " in proc.stdout, proc.stdout
    assert "outcome: pass:" in proc.stdout and proc.returncode == 0, proc.stdout[-2000:]
