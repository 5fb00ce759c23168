"""benchmarks/device_replay.py runs where a GPU session will run it: here on the CPU, on
the suite's own cases (a replay that cannot run says why instead of stopping the rest)."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = """
torch.softmax(dim=-1)[float16-typical-grad]
torch.nn.functional.log_softmax(dim=-1)[float16-typical-grad]
keras.ops.softmax[bfloat16-many_classes-grad]
jax.nn.log_softmax[float16-large-grad]
no.such.binding[float16-typical]
"""


def test_replays_upcasts_and_programs_on_the_cpu(tmp_path: Path) -> None:
    for module in ("torch", "jax", "keras"):
        pytest.importorskip(module)
    cases = tmp_path / "cases.txt"
    cases.write_text(CASES, encoding="utf-8")
    env = {**os.environ, "KERAS_BACKEND": "torch", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "device_replay.py"),
                           "--device", "cpu", "--out", str(tmp_path / "out"), "--cases", str(cases)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600, check=False)
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    # torch: the binding's VJP is autograd's, compared with the CUDA-source formula (which the
    # CPU kernel need not follow) element by element
    assert "replay: the binding's VJP == autograd of the bare op in 24/24" in out
    assert "autograd == CUDA-source formula in" in out
    # Keras on torch, bfloat16 (never upcast by Keras): bit for bit torch's VJP on any device
    assert "same: VJP == torch.softmax(dim=-1)'s on this device in 2000/2000 elements" in out
    assert "upcast: native" in out and "float32 upcast rounded once pass" in out
    assert "no.such.binding[float16-typical]\n    skipped: no binding" in out
    with tarfile.open(tmp_path / "out" / "hlo.tar.gz") as tar:
        names = tar.getnames()
    assert any(n.startswith("hlo/jax.nn.log_softmax") for n in names), names
