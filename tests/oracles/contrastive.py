"""mpmath oracles for the batch-pairwise contrastive losses (reference/_contrastive.py):
ntxent and circle, values at 50 digits from the definitions, VJPs (w.r.t. the embeddings)
by mpmath's numerical differentiation of sum(g * loss) at 50 digits (not the reference's
analytic formula). Regimes keep away from the kinks (clipped norms exactly at eps, d = 0,
zero weights), where a numerical derivative would average the two sides.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from tests.oracles import OracleCase
from tests.oracles._reduce import exact_rows as _rows
from tests.oracles._reduce import object_array, reduce_exact
from tests.oracles.regression import mpf

_RNG = np.random.default_rng(8080)


def _dot(a: list[Any], b: list[Any]) -> Any:
    return mpmath.fsum(p * q for p, q in zip(a, b, strict=True))


def _lse(values: list[Any]) -> Any:
    return mpmath.log(mpmath.fsum(mpmath.exp(v) for v in values)) if values else mpmath.ninf


def _softplus(z: Any) -> Any:
    return mpmath.mpf(0) if z == mpmath.ninf else mpmath.log1p(mpmath.exp(z))


# ----------------------------------------------------------------------------- NT-Xent


def _ntxent_pairs(rows: list[list[Any]], y: np.ndarray, temperature: float, eps: float
                  ) -> list[Any]:
    units = []
    for r in rows:
        n = mpmath.sqrt(max(_dot(r, r), mpf(eps)))
        units.append([v / n for v in r])
    t = mpf(temperature)
    s = [[_dot(a, b) / t for b in units] for a in units]
    out = []
    for i in range(len(rows)):
        negs = [s[i][k] for k in range(len(rows)) if y[k] != y[i]]
        for j in range(len(rows)):
            if j != i and y[j] == y[i]:
                out.append(_softplus(_lse(negs) - s[i][j]) if negs else mpmath.mpf(0))
    return out


def _ntxent_reduce(pairs: list[Any], reduction: str) -> Any:
    if reduction == "none":
        return pairs
    total = mpmath.fsum(pairs)
    return total if reduction == "sum" else (total / len(pairs) if pairs else mpmath.nan)


def _ntxent(x, y, *, temperature=0.07, eps=0.0, reduction="mean"):
    out = _ntxent_reduce(_ntxent_pairs(_rows(x), y, temperature, eps), reduction)
    return out if reduction == "none" else [out]


def _grad_of(scalar, x):
    """d scalar / dx at 50 digits, element by element (mpmath.diff along each axis)."""
    base = _rows(x)
    out = []
    for i, row in enumerate(base):
        for k in range(len(row)):
            def along(h, i=i, k=k):
                moved = [list(r) for r in base]
                moved[i][k] = moved[i][k] + h
                return scalar(moved)
            out.append(mpmath.diff(along, 0))
    return out


def _ntxent_d(x, y, *, g, temperature=0.07, eps=0.0, reduction="mean"):
    gs = [mpf(v) for v in np.ravel(g)]

    def scalar(rows):
        pairs = _ntxent_pairs(rows, y, temperature, eps)
        red = _ntxent_reduce(pairs, reduction)
        return mpmath.fsum(a * b for a, b in zip(gs, pairs if reduction == "none" else [red],
                                                 strict=True))
    return _grad_of(scalar, x)


# ------------------------------------------------------------------------------ Circle


def _circle_rows(rows, y, gamma, margin, remove_diagonal, refs=None, ref_y=None):
    """Each row's loss against the reference rows ``refs`` (the batch's own when None),
    whose labels are ``ref_y`` (``y`` when None); remove_diagonal drops j == i by index."""
    gm, m = mpf(gamma), mpf(margin)
    refs = rows if refs is None else refs
    ref_y = y if ref_y is None else ref_y
    out = []
    for i in range(len(rows)):
        pos, neg = [], []
        for j in range(len(refs)):
            d = max(1 - _dot(rows[i], refs[j]), mpmath.mpf(0))
            if ref_y[j] == y[i] and (j != i or not remove_diagonal):
                pos.append(-gm * max(m + d, mpmath.mpf(0)) * (m - d))
            if ref_y[j] != y[i]:
                neg.append(gm * max(1 + m - d, mpmath.mpf(0)) * (1 - m - d))
        out.append(_softplus(_lse(pos) + _lse(neg)) if pos and neg else mpmath.mpf(0))
    return out


def _circle_reduce(values, reduction, mean_over, sample_weight=None,
                   mean_of_empty=float("nan"), keep=None):
    """reduce_loss of the rows' losses; the Circle class's mean (mean_over="positive") sums
    the weighted rows with a positive loss (``keep``: fixed at the point differentiated)
    and divides by their count, ``mean_of_empty`` when there are none."""
    if reduction == "none" or reduction == "sum" or mean_over == "all":
        out = reduce_exact(object_array(values, (len(values),)), reduction, sample_weight,
                           mean_of_empty=mean_of_empty)
        return list(out) if reduction == "none" else out[()]
    keep = [v > 0 for v in values] if keep is None else keep
    w = [mpf(1)] * len(values) if sample_weight is None else [
        mpf(v) for v in np.broadcast_to(np.ravel(sample_weight), (len(values),))]
    count = sum(keep)
    if count == 0:
        return mpf(mean_of_empty)
    return mpmath.fsum(wi * v for wi, v, k in zip(w, values, keep, strict=True) if k) / count


def _refs(ref_embeddings):
    return None if ref_embeddings is None else _rows(ref_embeddings)


def _circle(x, y, *, gamma=80.0, margin=0.4, remove_diagonal=True, mean_over="all",
            mean_of_empty=float("nan"), reduction="none", sample_weight=None,
            ref_embeddings=None, ref_labels=None):
    out = _circle_reduce(_circle_rows(_rows(x), y, gamma, margin, remove_diagonal,
                                      _refs(ref_embeddings), ref_labels),
                         reduction, mean_over, sample_weight, mean_of_empty)
    return out if reduction == "none" else [out]


def _circle_d(x, y, *, g, gamma=80.0, margin=0.4, remove_diagonal=True, mean_over="all",
              mean_of_empty=float("nan"), reduction="none", sample_weight=None,
              grad_at_clip=0.0, ref_embeddings=None, ref_labels=None, wrt="y_pred"):
    gs = [mpf(v) for v in np.ravel(g)]
    refs = _refs(ref_embeddings)
    # the Circle class's mask (loss > 0) is piecewise constant: fixed at x
    keep = [v > 0 for v in _circle_rows(_rows(x), y, gamma, margin, remove_diagonal, refs,
                                        ref_labels)]

    def scalar(moved):
        rows, ref_rows = (_rows(x), moved) if wrt == "ref_embeddings" else (moved, refs)
        values = _circle_rows(rows, y, gamma, margin, remove_diagonal, ref_rows, ref_labels)
        out = _circle_reduce(values, reduction, mean_over, sample_weight, mean_of_empty, keep)
        if reduction == "none":
            return mpmath.fsum(a * b for a, b in zip(gs, out, strict=True))
        return gs[0] * out if not (mean_over == "positive" and not any(keep)) else mpf(0)
    return _grad_of(scalar, ref_embeddings if wrt == "ref_embeddings" else x)


# ----------------------------------------------------------------------------- regimes


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _regimes() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    first = _RNG.normal(0, 1, (4, 4))
    groups = np.array([0, 1, 2, 0, 1, 0, 2, 1, 3])
    tiny = _RNG.normal(0, 1, (6, 3))
    tiny[0] *= 1e-5  # |x_0|^2 ~ 1e-10 < eps = 1e-7: the clipped norm
    return {
        "typical": (_unit(_RNG.normal(0, 1, (9, 4))), groups),
        "unnormalised": (_RNG.normal(0, 0.7, (8, 3)), groups[:8]),
        "views": (np.concatenate([first, first + _RNG.normal(0, 0.3, first.shape)]),
                  np.tile(np.arange(4), 2)),
        # 1 - x.y ~ 1e-7 for the positives: the exact fsum of 1 - x.y matters
        "near_duplicates": (_unit(np.concatenate([first, first + _RNG.normal(0, 3e-4, first.shape)])),
                            np.tile(np.arange(4), 2)),
        "clipped_norm": (tiny, np.array([0, 0, 1, 1, 2, 2])),
        "no_negatives": (_unit(_RNG.normal(0, 1, (4, 3))), np.zeros(4, dtype=np.int64)),
        # the suite's near_duplicates rows (Keras): pairs 1e-6 apart whose losses are ~1e-11
        # (sigmoid of -24), so a row's gradient is the positive pair's 2 gamma d term (818
        # ULP until 2026-12-06, when (m - d) - (m + d) was formed as such)
        "quiet_duplicates": (_unit(np.array([
            [-0.23726213, -0.60837927, 0.51528666, 0.55503243],
            [-0.41292727, -0.08279003, 0.60272317, -0.67776225],
            [-0.08369023, 0.63386798, -0.7451485, 0.18963394],
            [0.90814174, -0.41488458, -0.03393421, 0.04469708],
            [-0.23774031, -0.6084805, 0.51463111, 0.55532499],
            [-0.41258671, -0.08346692, 0.60304431, -0.67760094],
            [-0.08338734, 0.6344047, -0.74454181, 0.1903542],
            [0.90799218, -0.41517632, -0.03350055, 0.04534912]])), np.arange(8) % 4),
    }


def _cases(name, value, grad, regimes, *, kwargs=None, grad_kwargs=None, g_shape=()):
    cases = []
    kwargs = dict(kwargs or {})
    for regime, inputs in regimes.items():
        cases.append(OracleCase(name, regime, inputs, value, dict(kwargs), elementwise=False))
        shape = inputs[0].shape[:1] if g_shape == "rows" else g_shape
        g = _RNG.uniform(-2, 2, shape)
        cases.append(OracleCase(name, regime, inputs, grad,
                                {**kwargs, **(grad_kwargs or {}), "g": g}, grad=True,
                                elementwise=False))
    return cases


_R = _regimes()
# the reference sets from a generator of their own (the cases above keep their draws)
_REF_RNG = np.random.default_rng(8081)
_REF = {"ref_embeddings": _unit(_REF_RNG.normal(0, 1, (6, 4))),
        "ref_labels": np.array([0, 1, 2, 3, 1, 4])}
# the views' first halves moved by 0.2 as references: near positives, unnormalised
_REF_VIEWS = {"ref_embeddings": _R["views"][0][:4] + _REF_RNG.normal(0, 0.2, (4, 4)),
              "ref_labels": np.array([1, 0, 3, 2])}
_NT = {k: _R[k] for k in ("typical", "views", "near_duplicates", "clipped_norm", "no_negatives")}
_CI = {k: _R[k] for k in ("typical", "unnormalised", "views", "near_duplicates", "no_negatives")}

CASES: list[OracleCase] = [
    *_cases("ntxent", _ntxent, _ntxent_d, _NT, kwargs={"eps": 1e-7}),
    *_cases("ntxent", _ntxent, _ntxent_d, {"t0.5": _R["typical"], "t0.5_views": _R["views"]},
            kwargs={"temperature": 0.5, "eps": 2.0 ** -52}),
    *_cases("ntxent", _ntxent, _ntxent_d, {"sum": _R["views"]}, kwargs={"reduction": "sum"}),
    *[c for c in _cases("ntxent", _ntxent, _ntxent_d, {"none": _R["typical"]},
                        kwargs={"reduction": "none"}, g_shape=(14,))],
    *_cases("circle", _circle, _circle_d, _CI, g_shape="rows"),
    *_cases("circle", _circle, _circle_d, {"gamma_margin": _R["typical"]},
            kwargs={"gamma": 32.0, "margin": 0.25}, g_shape="rows"),
    *_cases("circle", _circle, _circle_d, {"keep_diagonal": _R["unnormalised"]},
            kwargs={"remove_diagonal": False}, g_shape="rows"),
    *_cases("circle", _circle, _circle_d, {"mean_positive": _R["typical"]},
            kwargs={"reduction": "mean", "mean_over": "positive"}),
    *_cases("circle", _circle, _circle_d, {"sum": _R["typical"]}, kwargs={"reduction": "sum"}),
    # the Circle class with sample weights (Keras: mean over the positive losses, 0 if none)
    *[c for regime in ("typical", "no_negatives") for c in _cases(
        "circle", _circle, _circle_d, {f"mean_positive_weighted_{regime}": _R[regime]},
        kwargs={"reduction": "sum_over_batch_size", "mean_over": "positive",
                "mean_of_empty": 0.0,
                "sample_weight": _REF_RNG.uniform(0.2, 2, len(_R[regime][1]))})],
    # a separate reference set (Keras' ref_embeddings / ref_labels): rows 0-2 of the batch
    # share their label with reference row 0-2 (index-diagonal pairs remove_diagonal drops)
    *_cases("circle", _circle, _circle_d, {"ref_set": _R["typical"]}, kwargs=_REF,
            g_shape="rows"),
    *_cases("circle", _circle, _circle_d, {"ref_set_keep_diagonal": _R["typical"]},
            kwargs={**_REF, "remove_diagonal": False}, g_shape="rows"),
    *_cases("circle", _circle, _circle_d, {"ref_set_wrt_ref": _R["typical"]}, kwargs=_REF,
            grad_kwargs={"wrt": "ref_embeddings"}, g_shape="rows"),
    *_cases("circle", _circle, _circle_d, {"ref_set_sum_wrt_ref": _R["views"]},
            kwargs={**_REF_VIEWS, "reduction": "sum"}, grad_kwargs={"wrt": "ref_embeddings"}),
    # last, so that the cases above keep their cotangents: drawn before it, the weighted
    # mean_positive case's gave an element 150 times smaller than its row 17 ULP off
    # (circle_vjp's docstring)
    *_cases("circle", _circle, _circle_d, {"quiet_duplicates": _R["quiet_duplicates"]},
            g_shape="rows"),
]
