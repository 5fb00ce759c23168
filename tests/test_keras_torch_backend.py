"""Keras 3 on its torch backend, checked in every run of the harness's tests.

The conformance suite runs Keras on the backend the environment picks (TensorFlow by
default), so the registry entries written for ``KERAS_BACKEND=torch``
(``conformance/divergences/keras_torch_*.toml``) would otherwise be checked only by the
``keras(3.15-torch)`` nox session. This test runs every Keras binding on the torch
backend in a subprocess (about 25 s on two cores): the run must be green, so a
divergence that disappears (strict xfail) or a new failure fails here, and every
torch-only entry must have matched cases.
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


def test_keras_on_the_torch_backend_is_green_and_uses_its_entries(tmp_path: Path) -> None:
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    out = tmp_path / "results.json"
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--tb=line",
         "--backend", "keras", "--results", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    doc = json.loads(out.read_text())
    assert "torch" in doc["backends"]["keras"]["packages"], doc["backends"]["keras"]
    applied = {(a["file"], a["index"]) for a in doc["registry"]["applied"]}
    torch_only = {e.key for e in load_registry() if e.keras_backend == ("torch",)}
    assert len(torch_only) > 100 and torch_only <= applied, sorted(torch_only - applied)
    assert doc["totals"].get("pass", 0) > 5000 and not doc["totals"].get("fail")
