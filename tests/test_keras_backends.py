"""Keras 3 on its torch and JAX backends, checked in every run of the harness's tests.

The conformance suite runs Keras on the backend the environment picks (TensorFlow by
default), so the registry entries written for ``KERAS_BACKEND=torch`` and ``=jax``
(``conformance/divergences/keras_torch_*.toml``, ``keras_jax_*.toml``) would otherwise be
checked only by the ``keras(3.15-torch)`` and ``keras(3.15-jax)`` nox sessions. This test
runs every Keras binding on each of those backends in a subprocess (torch about 25 s;
JAX about 4 min of one core with JAX's compilation cache warm, more on a first run): the
run must be green, so a divergence that disappears (strict xfail) or a new failure fails
here, and every entry for that backend alone must have matched cases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.registry import cpu_flags_hold, load_registry, machine_cpu_flags

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_keras_on_another_backend_is_green_and_uses_its_entries(tmp_path: Path, backend: str) -> None:
    pytest.importorskip("keras")
    pytest.importorskip(backend)
    out = tmp_path / "results.json"
    env = {**os.environ, "KERAS_BACKEND": backend}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider", "--tb=line",
         "--backend", "keras", "--results", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    doc = json.loads(out.read_text())
    assert backend in doc["backends"]["keras"]["packages"], doc["backends"]["keras"]
    applied = {(a["file"], a["index"]) for a in doc["registry"]["applied"]}
    # this backend's own entries that apply to this run: on the CPU, for the installed
    # versions (not cuda.toml's, not the ones for another torch: `also`), on this CPU
    # (not the ones whose cpu_flags name another), without a --max-ulp ceiling (not the
    # precision entries, which only a ceiling applies)
    flags = machine_cpu_flags()
    own = {e.key for e in load_registry() if e.keras_backend == (backend,) and not e.max_ulp
           and (e.devices is None or "cpu" in e.devices) and e.version_applies({})
           and (e.cpu_flags is None or cpu_flags_hold(e.cpu_flags, flags))}
    assert len(own) > 100 and own <= applied, sorted(own - applied)
    # the compute backend's own entries (torch.toml, jax.toml) are not this run's to match
    assert not [u for u in doc["registry"]["unmatched"] if not u["file"].startswith("keras")]
    assert doc["totals"].get("pass", 0) > 5000 and not doc["totals"].get("fail")


def test_keras_on_torch_clip_subgradients_are_the_declared_ones() -> None:
    """torch 2.14 changed clip's gradient at a bound; the Keras adapter declares it by
    torch's version and kind of bound. Measured here on the installed torch: relu's
    max_value and keras.ops.clip (tensor bounds) and the cross-entropies' torch.clip
    (number bounds) at a bound, against the declarations."""
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    script = (
        "import json, torch, keras\n"
        "from adapters import keras_bindings as kb\n"
        "x = torch.tensor([5.0], dtype=torch.float64, requires_grad=True)\n"
        "keras.activations.relu(x, max_value=5.0).sum().backward(); relu = x.grad.item()\n"
        "x.grad = None; keras.ops.clip(x, 0.0, 5.0).sum().backward(); ops_clip = x.grad.item()\n"
        "x.grad = None; torch.clip(x, 0.0, 5.0).sum().backward(); number = x.grad.item()\n"
        "b = {b.api: b for b in kb.bindings()}\n"
        "print(json.dumps({'relu': relu, 'ops_clip': ops_clip, 'number': number,\n"
        "  'declared_relu': b['keras.activations.relu(max_value=5.0)'].grad_conventions['grad_at_max'],\n"
        "  'tensor': kb.grad_at_clip('torch', 'tensor'), 'scalar': kb.grad_at_clip('torch')}))\n")
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["relu"] == got["declared_relu"] == got["tensor"], got
    assert got["ops_clip"] == got["tensor"] and got["number"] == got["scalar"], got
