"""``python -m conformance diff API_A API_B``: what changes when porting from A to B.

Three parts:

* conventions side by side: the declared reference keywords and the porting facts
  (input space, labels, argument order, default reduction, epsilon, defaults, kinks);
* the argument translation: swapped arguments, logits <-> probabilities (drop or add the
  softmax/sigmoid), one-hot <-> index labels (argmax / one_hot), the class axis, the
  reduction, epsilons and hyperparameters that differ;
* the numerical gap, measured with the real frameworks: both APIs get one underlying
  distribution per standard regime (logits z and index labels, say), each in the space
  it expects (``softmax(z)`` for a probabilities API, one-hot labels for a one-hot API),
  in one dtype; their outputs are reduced to comparable values (per element, per sample
  or the mean per loss term) and the max abs / max rel gap is reported per regime.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adapters._binding import Backend, Binding

from .. import regimes as R
from ..families import FAMILIES, FAMILY_OF
from ..regimes import seed_of
from .porting import implied_space

_GROUP = {"binary_prob": "binary", "binary_logits": "binary",
          "categorical_prob": "categorical", "categorical_logits": "categorical",
          "categorical_logprob": "categorical", "sparse_prob": "categorical",
          "sparse_logits": "categorical", "sparse_logprob": "categorical"}
_STANDARD = ("typical", "large", "extreme", "ties", "near_01", "exact_01", "unnormalised",
             "soft_labels", "many_classes", "single", "spatial")
_NOT_STANDARD = ("empty", "nan", "nan_inf", "ignore_index")
FACTS = ("input_space", "labels", "default_reduction", "epsilon", "defaults", "kink_grad")


@dataclass
class Side:
    """One API of the diff and what its declaration implies."""

    binding: Binding
    backend: Backend
    family: str
    group: str
    space: str
    labels: str

    @property
    def sparse(self) -> bool:
        return self.family.startswith("sparse")


@dataclass
class Gap:
    regime: str
    compared: str = ""
    max_abs: float = math.nan
    max_rel: float = math.nan
    worst: tuple[float, float] | None = None
    note: str = ""


@dataclass
class DiffResult:
    a: Side
    b: Side
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    translation: list[str] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    dtype: str = "float32"
    note: str = ""


def side(binding: Binding, backend: Backend) -> Side:
    family = FAMILY_OF.get(binding.reference, "")
    space, labels = implied_space(binding.reference)
    info = dict(binding.info)
    return Side(binding, backend, family, _GROUP.get(family, family),
                str(info.get("input_space") or space or "real"),
                "index" if family.startswith("sparse") else
                ("one-hot" if _GROUP.get(family) == "categorical" else str(labels)))


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v!r}" for k, v in value.items()) or "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "-"
    return str(value)


def default_reduction(s: Side) -> str:
    """The declared default reduction, else the reduction convention, else per-sample values."""
    declared = dict(s.binding.info).get("default_reduction")
    if declared:
        return str(declared)
    reduction = dict(s.binding.conventions).get("reduction")
    return str(reduction) if reduction else "none (per-element / per-sample values)"


def side_by_side(a: Side, b: Side) -> list[tuple[str, str, str]]:
    """(what, A, B) rows: reference, args, facts, every convention keyword of either."""
    ia, ib = dict(a.binding.info), dict(b.binding.info)
    rows = [("reference", a.binding.reference, b.binding.reference),
            ("argument order", _fmt(a.binding.args), _fmt(b.binding.args)),
            ("input space", a.space, b.space), ("labels", _fmt(a.labels), _fmt(b.labels))]
    rows.append(("default reduction", default_reduction(a), default_reduction(b)))
    for key in FACTS[3:]:
        rows.append((key.replace("_", " "), _fmt(ia.get(key)), _fmt(ib.get(key))))
    ca, cb = dict(a.binding.conventions), dict(b.binding.conventions)
    for key in sorted(set(ca) | set(cb)):
        rows.append((f"convention {key}", _fmt(ca.get(key, "(default)")), _fmt(cb.get(key, "(default)"))))
    ga, gb = dict(a.binding.grad_conventions), dict(b.binding.grad_conventions)
    for key in sorted(set(ga) | set(gb)):
        rows.append((f"gradient {key}", _fmt(ga.get(key, "(default)")), _fmt(gb.get(key, "(default)"))))
    return rows


def translation(a: Side, b: Side) -> list[str]:
    """Sentences: what to change in a call of A to make it a call of B."""
    out = []
    an, bn = a.binding.api, b.binding.api
    if a.binding.reference != b.binding.reference:
        out.append(f"function: {an} computes {a.binding.reference}, {bn} computes "
                   f"{b.binding.reference}" + (f" ({bn}: {b.binding.info['defaults']})"
                                               if b.binding.info.get("defaults") else "")
                   + "; the gap below is partly the mathematics")
    args_a, args_b = [x.rpartition("=") for x in a.binding.args], [x.rpartition("=") for x in b.binding.args]
    if a.binding.args != b.binding.args:
        call_a = ", ".join(f"{k}={n}" if k else n for k, _, n in args_a)
        call_b = ", ".join(f"{k}={n}" if k else n for k, _, n in args_b)
        order_a = [n for _, _, n in args_a]
        order_b = [n for _, _, n in args_b]
        swap = " (the arguments swap places)" if order_a != order_b and sorted(order_a) == sorted(order_b) else ""
        out.append(f"arguments: {an}({call_a}) becomes {bn}({call_b}){swap}")
    if a.space != b.space:
        out.append(_space_change(a.space, b.space, a.group))
    if a.labels != b.labels and a.labels and b.labels:
        if a.labels == "one-hot" and b.labels == "index":
            out.append("labels: one-hot -> class indices: pass y_true.argmax(axis=class_axis) "
                       "(soft labels have no index equivalent)")
        elif a.labels == "index" and b.labels == "one-hot":
            out.append("labels: class indices -> one-hot: pass one_hot(y_true, num_classes)")
        else:
            out.append(f"labels: {a.labels} -> {b.labels}")
    ca, cb = dict(a.binding.conventions), dict(b.binding.conventions)
    axa, axb = ca.get("axis", -1), cb.get("axis", -1)
    if a.group == "categorical" and axa != axb:
        out.append(f"class axis: {axa} -> {axb} (for (N, C) inputs both are the last axis; with "
                   "spatial dims move the class axis: channels-last vs channels-first)")
    ra, rb = default_reduction(a), default_reduction(b)
    if ra != rb:
        out.append(f"reduction: {an} returns {ra}, {bn} {rb} (by default)")
    for key in sorted((set(ca) | set(cb)) - {"axis", "reduction"}):
        va, vb = ca.get(key), cb.get(key)
        if va != vb:
            out.append(f"{key}: {_fmt(va) if key in ca else 'not applied'} in {an}, "
                       f"{_fmt(vb) if key in cb else 'not applied'} in {bn}"
                       + (" (a numerical convention: expect a gap where it acts)"
                          if "eps" in key or "clamp" in key else ""))
    if not out:
        out.append("no change declared: same inputs, same conventions")
    return out


def _space_change(sa: str, sb: str, group: str) -> str:
    squash = "sigmoid" if group == "binary" else "softmax"
    if sa == "probabilities" and sb == "logits":
        return (f"inputs: probabilities -> logits: drop the final {squash} and pass the logits "
                "(more accurate: no saturation of p near 0 and 1)")
    if sa == "logits" and sb == "probabilities":
        return f"inputs: logits -> probabilities: apply {squash} first (saturates for large |z|)"
    if sb == "log_probabilities":
        return f"inputs: {sa} -> log-probabilities: apply log_softmax to logits (not log of a softmax)"
    if sa == "log_probabilities" and sb == "logits":
        return "inputs: log-probabilities are valid logits: pass them unchanged"
    if sa == "log_probabilities" and sb == "probabilities":
        return "inputs: log-probabilities -> probabilities: exp() them"
    return f"inputs: {sa} -> {sb}"


# ----------------------------------------------------------------------- numerical gap
def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def _to_space(pred: np.ndarray, common: str, space: str, group: str) -> np.ndarray:
    if common == space:
        return pred
    if common != "logits":
        raise ValueError(f"cannot convert {common} to {space}")
    if group == "binary":
        return 0.5 * (1.0 + np.tanh(0.5 * pred)) if space == "probabilities" else pred
    return _softmax(pred) if space == "probabilities" else _log_softmax(pred)


def regimes_for(a: Side, b: Side) -> tuple[str, dict[str, R.Generator]]:
    """(common space, the standard regime generators both sides can be fed from)."""
    if a.group != b.group:
        raise ValueError(f"{a.binding.api} ({a.family or 'no family'}) and {b.binding.api} "
                         f"({b.family or 'no family'}) take different kinds of input")
    if a.group == "categorical":
        common = a.space if a.space == b.space else "logits"
        gens = R.categorical(common, sparse=True)
    elif a.group == "binary":
        common = a.space if a.space == b.space else "logits"
        gens = R.BINARY_PROB if common == "probabilities" else R.BINARY_LOGITS
    else:
        if a.family != b.family:
            raise ValueError(f"families differ: {a.family} vs {b.family}")
        common, gens = "native", FAMILIES[a.family].regimes
    names = [n for n in _STANDARD if n in gens] + [
        n for n in gens if n not in _STANDARD and n not in _NOT_STANDARD]
    return common, {n: gens[n] for n in names}


def _inputs(s: Side, raw: Mapping[str, np.ndarray], common: str) -> dict[str, np.ndarray]:
    out = {k: np.asarray(v) for k, v in raw.items()}
    if s.group in ("categorical", "binary"):
        pred = _to_space(out["y_pred"].astype(np.float64), common, s.space, s.group)
        y = out["y_true"]
        if s.group == "categorical":
            if not s.sparse:
                y = np.eye(pred.shape[-1])[y.astype(np.int64)]
            axis = int(dict(s.binding.conventions).get("axis", -1))
            if pred.ndim > 2 and axis not in (-1, pred.ndim - 1):
                pred = np.moveaxis(pred, -1, axis)
                y = y if s.sparse else np.moveaxis(y, -1, axis)
        out["y_pred"], out["y_true"] = pred, y
    names = [n for _, n in s.binding.arg_names()]
    if "sample_weight" in names and "sample_weight" not in out:
        first = out.get("y_pred", out.get("x"))
        out["sample_weight"] = np.ones(first.shape[0] if first.ndim else 1)
    return {n: out[n] for n in names}


def _call(s: Side, inputs: Mapping[str, np.ndarray], dtype: str) -> np.ndarray:
    from ..cases import numpy_dtype

    fw = {}
    int_inputs = FAMILIES[s.family].int_inputs if s.family in FAMILIES else ()
    for name, arr in inputs.items():
        if name in int_inputs:
            fw[name] = s.backend.to_framework(arr.astype(s.binding.label_dtype), s.binding.label_dtype)
        elif arr.dtype.kind == "b":
            fw[name] = s.backend.to_framework(arr, "bool")
        else:
            with np.errstate(over="ignore"):
                fw[name] = s.backend.to_framework(arr.astype(np.float64).astype(numpy_dtype(dtype)), dtype)
    return np.asarray(s.backend.to_numpy(s.binding.invoke(fw))).astype(np.float64)


def _comparable(oa: np.ndarray, ob: np.ndarray, a: Side, b: Side,
                n_terms: int) -> tuple[np.ndarray, np.ndarray, str]:
    if oa.shape == ob.shape:
        return oa, ob, "per element" if oa.ndim else "scalar"
    if oa.ndim and ob.ndim:
        if oa.shape == ob.shape[:-1]:
            return oa, ob.mean(axis=-1), "per sample (B averaged over its last axis)"
        if ob.shape == oa.shape[:-1]:
            return oa.mean(axis=-1), ob, "per sample (A averaged over its last axis)"

    def mean(o: np.ndarray, s: Side) -> np.ndarray:
        if o.ndim:
            return np.asarray(o.mean() if o.size else np.nan)
        red = dict(s.binding.conventions).get("reduction")
        return o / max(n_terms, 1) if red == "sum" else o

    return mean(oa, a), mean(ob, b), "mean per loss term"


def measure_gap(a: Side, b: Side, dtype: str = "float32") -> list[Gap]:
    """The gap between A and B per standard regime (feeding both one distribution)."""
    common, gens = regimes_for(a, b)
    gaps = []
    for regime, gen in gens.items():
        gap = Gap(regime)
        rng = np.random.default_rng(seed_of(f"diff/{a.group}/{common}", regime))
        try:
            raw = gen(rng, dict(a.binding.conventions))
        except (KeyError, ValueError) as exc:
            gap.note = f"regime not generated: {exc}"
            gaps.append(gap)
            continue
        outs = []
        for s in (a, b):
            try:
                outs.append(_call(s, _inputs(s, raw, common), dtype))
            except Exception as exc:  # a framework refusing the inputs is a finding
                gap.note = f"{s.binding.api} raised {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
                break
        if len(outs) == 2:
            first = raw.get("y_true") if a.group == "categorical" else raw.get("y_pred", raw.get("x"))
            n_terms = int(np.asarray(first).size)
            va, vb, gap.compared = _comparable(outs[0], outs[1], a, b, n_terms)
            _fill(gap, va, vb)
        gaps.append(gap)
    return gaps


def _fill(gap: Gap, va: np.ndarray, vb: np.ndarray) -> None:
    va, vb = np.broadcast_arrays(np.asarray(va, np.float64), np.asarray(vb, np.float64))
    if va.size == 0:
        gap.max_abs = gap.max_rel = 0.0
        gap.note = "empty output"
        return
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        same = (va == vb) | (np.isnan(va) & np.isnan(vb))
        diff = np.where(same, 0.0, np.abs(va - vb))
        diff = np.where(np.isnan(diff), np.inf, diff)
        # relative to the larger magnitude: a value against an underflowed 0 is 100% off
        rel = np.where(same, 0.0, diff / np.maximum(np.maximum(np.abs(va), np.abs(vb)),
                                                     np.finfo(np.float64).tiny))
    i = int(np.argmax(diff))
    gap.max_abs, gap.max_rel = float(diff.max()), float(rel.max())
    gap.worst = (float(va.ravel()[i]), float(vb.ravel()[i]))


def run_diff(api_a: str, api_b: str, *, dtype: str = "float32", adapters: list[str] | None = None,
             device: str = "cpu") -> DiffResult:
    """Look both APIs up, compare declarations and measure the gap."""
    from ..cli import _find

    found = []
    for api in (api_a, api_b):
        try:
            binding, backend, _ = _find(api, list(adapters or []), device)
        except SystemExit as exc:
            raise LookupError(str(exc).replace("repro: ", "", 1) + _suggest(api)) from None
        found.append(side(binding, backend))
    a, b = found
    result = DiffResult(a, b, side_by_side(a, b), translation(a, b), dtype=dtype)
    try:
        result.gaps = measure_gap(a, b, dtype)
    except ValueError as exc:
        result.note = f"no numerical gap measured: {exc}"
    return result


def _suggest(api: str) -> str:
    """Close binding names from the built-in adapters whose prefix matches."""
    from ..cases import did_you_mean
    from ..loader import load_all

    names = []
    try:
        for loaded in load_all(None, []).values():
            names += [b.api for b in loaded.bindings]
    except Exception:
        return ""
    return did_you_mean(api, names, cutoff=0.6)


def render_diff(r: DiffResult) -> str:
    a, b = r.a.binding, r.b.binding
    lines = [f"diff: {a.api} ({r.a.backend.name} {r.a.backend.version}) -> "
             f"{b.api} ({r.b.backend.name} {r.b.backend.version})", "", "conventions side by side:"]
    w = max(len(x[0]) for x in r.rows)
    wa = min(max(len(x[1]) for x in r.rows), 48)
    lines.append(f"  {'':{w}}  {'A':{wa}}  B")
    for what, va, vb in r.rows:
        mark = " " if va == vb else "*"
        lines.append(f"{mark} {what:{w}}  {va:{wa}}  {vb}")
    lines += ["", "argument translation (A -> B):"] + [f"  - {t}" for t in r.translation]
    lines += ["", f"numerical gap on the standard regimes ({r.dtype}, same underlying inputs):"]
    if r.note:
        lines.append(f"  {r.note}")
    for g in r.gaps:
        if g.note and math.isnan(g.max_abs):
            lines.append(f"  {g.regime:14} {g.note}")
            continue
        worst = f"  worst: A {g.worst[0]:.9g} vs B {g.worst[1]:.9g}" if g.worst else ""
        lines.append(f"  {g.regime:14} max abs {g.max_abs:<10.3g} max rel {g.max_rel:<10.3g} "
                     f"({g.compared}){worst}" + (f"  [{g.note}]" if g.note else ""))
    return "\n".join(lines) + "\n"


def diff_json(r: DiffResult) -> dict[str, Any]:
    from ..results import jsonable

    return jsonable({
        "a": {"api": r.a.binding.api, "backend": r.a.backend.name, "version": r.a.backend.version},
        "b": {"api": r.b.binding.api, "backend": r.b.backend.name, "version": r.b.backend.version},
        "side_by_side": [{"what": w, "a": x, "b": y, "same": x == y} for w, x, y in r.rows],
        "translation": r.translation, "dtype": r.dtype, "note": r.note,
        "gaps": [{"regime": g.regime, "compared": g.compared, "max_abs": g.max_abs,
                  "max_rel": g.max_rel, "worst": list(g.worst) if g.worst else None, "note": g.note}
                 for g in r.gaps]})
