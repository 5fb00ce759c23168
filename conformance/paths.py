"""Logits path vs probabilities path: do the two APIs for one loss agree?

A binding that takes probabilities may name its logits twin (``Binding.pair``). Both are
fed one underlying distribution: logits ``z`` for the twin, ``sigmoid(z)`` / ``softmax(z)``
(rounded to the case dtype) for the probabilities API.

* Checked (pass/fail): for ``|z| <= 4`` the two frameworks' answers agree within the dtype
  tolerance plus the gap the exact mathematics itself has between the two rounded inputs
  (the canonical reference evaluated on both).
* Measured (recorded, plotted): a sweep ``z in [-50, 50]`` with both labels, the gap
  between the paths at each ``z`` and the smallest ``|z|`` where it exceeds the
  tolerance: where the probability path saturates (clipping, log clamps, rounding of p).
  "positive" rows are those whose labelled class is the one with logit ``z``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import reference
from adapters._binding import Backend, Binding, reference_conventions

from .cases import CaseSpec, numpy_dtype
from .runner import CaseResult, _describe_exception
from .tolerance import TOLERANCES, measure

_SWEEP = np.linspace(-50.0, 50.0, 201)
_UNSATURATED = np.linspace(-4.0, 4.0, 33)


def _to_probabilities(family: str, z: np.ndarray) -> np.ndarray:
    if family.startswith("binary"):
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _inputs(family: str, z_values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(logits, labels, z axis) for a family: binary rows of z with labels 1 and 0;
    categorical rows [z, 0, 0] with the true class 0 and 1."""
    if family.startswith("binary"):
        # A column (2n, 1): per-z values survive a mean over the last axis (Keras).
        z = np.concatenate([z_values, z_values])[:, None]
        y = np.concatenate([np.ones_like(z_values), np.zeros_like(z_values)])[:, None]
        return z, y, z_values
    z = np.zeros((2 * z_values.size, 3))
    z[:, 0] = np.concatenate([z_values, z_values])
    labels = np.concatenate([np.zeros(z_values.size), np.ones(z_values.size)]).astype(np.int64)
    return z, labels, z_values


def _run(binding: Binding, backend: Backend, pred: np.ndarray, labels: np.ndarray,
         dtype: str, sparse: bool) -> np.ndarray:
    y = labels.astype(binding.label_dtype) if sparse else (
        labels if labels.ndim == pred.ndim else np.eye(pred.shape[-1])[labels]
    ).astype(numpy_dtype(dtype))
    inputs = {"y_pred": backend.to_framework(pred.astype(numpy_dtype(dtype)), dtype),
              "y_true": backend.to_framework(y, str(y.dtype) if sparse else dtype)}
    return np.asarray(backend.to_numpy(binding.invoke(inputs))).astype(np.float64)


def run_paths(prob: Binding, logit: Binding, backend: Backend, spec: CaseSpec) -> CaseResult:
    """Compare the two paths; the record carries the saturation sweep."""
    from .families import FAMILY_OF

    family = FAMILY_OF[prob.reference]
    sparse = family.startswith("sparse")
    result = CaseResult(spec, "error")
    curves: dict[str, Any] = {}
    try:
        for name, zs in (("unsaturated", _UNSATURATED), ("sweep", _SWEEP)):
            z, labels, axis = _inputs(family, zs)
            p = _to_probabilities(family, z)
            z_cast = z.astype(numpy_dtype(spec.dtype)).astype(np.float64)
            p_cast = p.astype(numpy_dtype(spec.dtype)).astype(np.float64)
            out_p = _run(prob, backend, p, labels, spec.dtype, sparse)
            out_z = _run(logit, backend, z, labels, spec.dtype, sparse)
            curves[name] = (axis, z_cast, p_cast, labels, out_p, out_z)
    except Exception as exc:
        result.message = f"{prob.api} / {logit.api} raised {_describe_exception(exc)}"
        return result
    axis, z_cast, p_cast, labels, out_p, out_z = curves["unsaturated"]
    if out_p.shape != out_z.shape:
        result.outcome = "fail"
        result.message = f"shape: {prob.api} gave {out_p.shape}, {logit.api} gave {out_z.shape}"
        return result
    # The gap the exact mathematics has between the two rounded inputs (canonical reference).
    exact_gap = _canonical_gap(prob, logit, family, p_cast, z_cast, labels, out_p.shape)
    rtol, atol = TOLERANCES[spec.dtype]
    allowed = (rtol, atol)
    gap = np.abs(out_p - out_z)
    measured = measure(out_p, out_z, spec.dtype, allowed) if exact_gap is None else measure(
        np.maximum(gap - exact_gap, 0.0) + out_z, out_z, spec.dtype, allowed)
    result.measured = measured
    result.shape = tuple(out_p.shape)
    result.outcome = "pass" if measured.passed else "fail"
    result.message = (("paths agree for |z| <= 4: " if measured.passed else "paths disagree for |z| <= 4: ")
                      + measured.summary())
    if not measured.passed:  # which side is off: each path against the reference on its input
        result.message += _each_path(prob, logit, p_cast, z_cast, labels, out_p, out_z, spec.dtype)
    axis, _, _, _, sp, sz = curves["sweep"]
    result.extra["saturation"] = _saturation(axis, sp, sz, spec.dtype)
    return result


def _each_path(prob: Binding, logit: Binding, p: np.ndarray, z: np.ndarray, labels: np.ndarray,
               out_p: np.ndarray, out_z: np.ndarray, dtype: str) -> str:
    parts = []
    for binding, x, out in ((prob, p, out_p), (logit, z, out_z)):
        try:
            fn = reference.FUNCTIONS[binding.reference]
            ref = np.asarray(fn(x, labels, **reference_conventions(binding, fn)))
        except (ValueError, TypeError):
            continue
        if ref.shape == out.shape:
            m = measure(out, ref, dtype)
            parts.append(f"{binding.api} vs the reference: max rel {m.max_rel:.3g}, max {m.max_ulp:.3g} ULP")
    return ("; " + "; ".join(parts)) if parts else ""


def _canonical_gap(prob: Binding, logit: Binding, family: str, p: np.ndarray, z: np.ndarray,
                   labels: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """|L(p) - L(z)| of the exact reference (no conventions) on the two cast inputs."""
    kw_p = {k: v for k, v in prob.conventions.items() if k in ("reduction", "mean_axis", "axis")}
    kw_z = {k: v for k, v in logit.conventions.items() if k in ("reduction", "mean_axis", "axis")}
    y = labels
    try:
        lp = np.asarray(reference.FUNCTIONS[prob.reference](p, y, **kw_p))
        lz = np.asarray(reference.FUNCTIONS[logit.reference](z, y, **kw_z))
    except (ValueError, TypeError):
        return None
    if lp.shape != shape or lz.shape != shape:
        return None
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(np.abs(lp - lz), nan=np.inf)


def _saturation(axis: np.ndarray, out_p: np.ndarray, out_z: np.ndarray, dtype: str) -> dict[str, Any]:
    rtol, atol = TOLERANCES[dtype]
    rows = out_p.reshape(2, -1) if out_p.size == 2 * axis.size else None
    if rows is None:
        return {"note": f"output shape {out_p.shape} is reduced; no per-z curve"}
    zrows = out_z.reshape(2, -1)
    with np.errstate(invalid="ignore"):
        gap = np.abs(rows - zrows)
        bad = ~(gap <= atol + rtol * np.abs(zrows))
    departs = [float(np.min(np.abs(axis[b]))) if b.any() else None for b in bad]
    g = np.where(np.isnan(gap), np.inf, gap)
    worst = np.unravel_index(int(np.argmax(g)), g.shape)
    return {
        "z": axis.tolist(),
        "gap_positive": [float(v) for v in gap[0]],
        "gap_negative": [float(v) for v in gap[1]],
        "departs_at_abs_z": {"positive": departs[0], "negative": departs[1]},
        "max_gap": float(g.max()),
        "max_gap_at_z": float(axis[worst[1]]),
    }
