"""mpmath oracles for the overlap losses (reference/_overlap.py: dice, tversky) and the
generalized cross-entropy (reference/_crossentropy_generalized.py), values and VJPs.

The oracle sums I, FP, FN at 50 digits and evaluates 1 - ratio directly (the reference
rearranges it to avoid the cancellation); the VJPs by the quotient rule, chained through
an exact softmax / sigmoid Jacobian for the logit input spaces.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from tests.oracles import OracleCase
from tests.oracles._reduce import object_array, reduce_exact, reduce_vjp_exact
from tests.oracles._target import smooth_target_vjp
from tests.oracles.regression import mpf

_RNG = np.random.default_rng(5151)


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if axis == "spatial":
        return tuple(range(1, ndim - 1))
    if axis == "per_sample":
        return tuple(range(1, ndim))
    return tuple(sorted(a % ndim for a in ((axis,) if isinstance(axis, int) else axis)))


def _probs(z: np.ndarray, space: str) -> np.ndarray:
    """Object array of mpf probabilities."""
    zm = np.vectorize(mpf, otypes=[object])(z)
    if space == "probabilities":
        return zm
    if space == "sigmoid_logits":
        return np.vectorize(lambda v: 1 / (1 + mpmath.exp(-v)), otypes=[object])(zm)
    e = np.vectorize(mpmath.exp, otypes=[object])(zm)
    return e / e.sum(axis=-1, keepdims=True)


def _groups(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """(kept..., summed) with the summed axes flattened last."""
    keep = [i for i in range(a.ndim) if i not in axes]
    moved = np.transpose(a, keep + list(axes))
    summed = int(np.prod([a.shape[i] for i in axes]))
    return moved.reshape((*tuple(a.shape[i] for i in keep), summed))


def _ratio_parts(p, t, alpha, beta, dice):
    inter = mpmath.fsum(a * b for a, b in zip(p, t, strict=True))
    fp = mpmath.fsum(a * (1 - b) for a, b in zip(p, t, strict=True))
    fn = mpmath.fsum((1 - a) * b for a, b in zip(p, t, strict=True))
    if dice:
        return 2 * inter, 2 * inter + fp + fn
    return inter, inter + alpha * fp + beta * fn


def _class_weights(class_weight: Any, t: np.ndarray) -> np.ndarray | None:
    """Exact per-class weights: an array, or optax's inverse square frequency
    1 / (F_c^2 + 1e-7) scaled to mean 1 (F_c: t summed over every axis but the last)."""
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        tm = np.vectorize(mpf, otypes=[object])(np.asarray(t)).reshape(-1, np.shape(t)[-1])
        w = [1 / (mpmath.fsum(col) ** 2 + mpf(1e-7)) for col in tm.T]
        return np.array([v * len(w) / mpmath.fsum(w) for v in w], dtype=object)
    return np.vectorize(mpf, otypes=[object])(np.asarray(class_weight, dtype=np.float64))


_REDUCE = ("reduction", "sample_weight", "mean_axis")


def _reduction(red: dict[str, Any]) -> dict[str, Any]:
    """The reduction's keywords; any other keyword is a convention not modelled here."""
    unknown = sorted(set(red) - set(_REDUCE))
    if unknown:
        raise TypeError(f"the overlap oracle does not model {unknown}")
    return red


def _loss(dice: bool):
    """The ratio's complement per kept index, times class_weight along the last kept axis,
    then mean_axis / reduction / sample_weight as reduce_loss does."""
    def exact(y_pred, y_true, *, axis=None, smooth=0.0, eps=0.0, alpha=0.5, beta=0.5,
              input_space="probabilities", class_weight=None, **red):
        axes = _axes(axis, np.ndim(y_pred))
        kept = tuple(n for i, n in enumerate(np.shape(y_pred)) if i not in axes)
        p = _groups(_probs(np.asarray(y_pred), input_space), axes)
        t = _groups(np.vectorize(mpf, otypes=[object])(np.asarray(y_true)), axes)
        s, e = mpf(smooth), mpf(eps)
        out = []
        n_rows = int(np.prod(kept))
        for pr, tr in zip(p.reshape(n_rows, p.shape[-1]), t.reshape(n_rows, t.shape[-1]),
                          strict=True):
            n, d = _ratio_parts(list(pr), list(tr), mpf(alpha), mpf(beta), dice)
            out.append(1 - (n + s) / (d + s + e))
        v = object_array(out, kept)
        cw = _class_weights(class_weight, y_true)
        if cw is not None:
            v = v * cw
        return list(np.ravel(reduce_exact(v, **_reduction(red))))
    return exact


def _loss_d(dice: bool):
    """w.r.t. y_pred (its probabilities, then the chain through softmax / sigmoid); w.r.t.
    y_true by central differences of the exact loss (tests/oracles/_target.py), which
    differentiates the inverse-frequency class weights too."""
    by_targets = smooth_target_vjp(_loss(dice))

    def exact(y_pred, y_true, *, g, axis=None, smooth=0.0, eps=0.0, alpha=0.5, beta=0.5,
              input_space="probabilities", class_weight=None, wrt="y_pred", **red):
        if wrt == "y_true":
            return by_targets(y_pred, y_true, g=g, wrt=wrt, axis=axis, smooth=smooth,
                              eps=eps, alpha=alpha, beta=beta, input_space=input_space,
                              class_weight=class_weight, **_reduction(red))
        if wrt != "y_pred":
            raise ValueError(f"wrt must be 'y_pred' or 'y_true', got {wrt!r}")
        z = np.asarray(y_pred)
        axes = _axes(axis, z.ndim)
        pm = _probs(z, input_space)
        tm = np.vectorize(mpf, otypes=[object])(np.asarray(y_true))
        a, b, s, e = mpf(alpha), mpf(beta), mpf(smooth), mpf(eps)
        keep = [i for i in range(z.ndim) if i not in axes]
        kept = tuple(z.shape[i] for i in keep)
        gp = np.empty(z.shape, dtype=object)
        # the cotangent of each value: the reduction's, times its class weight (the
        # weights depend on y_true only: constants here)
        cot = reduce_vjp_exact(g, kept, **_reduction(red))
        cw = _class_weights(class_weight, y_true)
        if cw is not None:
            cot = cot * cw
        for kidx in np.ndindex(*kept):
            sel = [slice(None)] * z.ndim
            for i, k in zip(keep, kidx, strict=True):
                sel[i] = k
            sel = tuple(sel)
            # (no summed axis left: a single element, made a 0-d array)
            pr, tr = (np.asarray(m[sel], dtype=object) for m in (pm, tm))
            n, d = _ratio_parts(list(pr.ravel()), list(tr.ravel()), a, b, dice)
            n, d = n + s, d + s + e
            if dice:
                dn, dd = 2 * tr, np.ones(tr.shape, dtype=object)
            else:
                dn, dd = tr, tr + a * (1 - tr) - b * tr
            gp[sel] = cot[kidx] * -(dn * d - n * dd) / (d * d)
        if input_space == "probabilities":
            out = gp
        elif input_space == "sigmoid_logits":
            out = gp * pm * (1 - pm)
        else:
            out = pm * (gp - (gp * pm).sum(axis=-1, keepdims=True))
        return list(out.ravel())
    return exact


def _cases(name: str, regimes: dict[str, tuple[np.ndarray, ...]], kwargs: dict[str, Any],
           suffix: str = "") -> list[OracleCase]:
    dice = name == "dice"
    out = []
    for regime, (p, t) in regimes.items():
        axes = _axes(kwargs.get("axis"), p.ndim)
        gshape = tuple(n for i, n in enumerate(p.shape) if i not in axes)
        if kwargs.get("mean_axis") is not None:
            gshape = gshape[:kwargs["mean_axis"] % len(gshape)] + gshape[
                kwargs["mean_axis"] % len(gshape) + 1:]
        if kwargs.get("reduction", "none") != "none":
            gshape = ()
        g = _RNG.uniform(0.5, 2.0, gshape)
        out.append(OracleCase(name, regime + suffix, (p, t), _loss(dice), dict(kwargs),
                              elementwise=False))
        out.append(OracleCase(name, regime + suffix, (p, t), _loss_d(dice),
                              {**kwargs, "g": g}, grad=True, elementwise=False))
    return out


def _target_cases(name: str, regimes: dict[str, tuple[np.ndarray, ...]],
                  kwargs: dict[str, Any], suffix: str = "") -> list[OracleCase]:
    """VJP cases w.r.t. y_true (wrt="y_true"), their cotangents from their own generator
    (the cases above keep theirs)."""
    out = []
    for regime, (p, t) in regimes.items():
        axes = _axes(kwargs.get("axis"), p.ndim)
        gshape = tuple(n for i, n in enumerate(p.shape) if i not in axes)
        if kwargs.get("mean_axis") is not None:
            m = kwargs["mean_axis"] % len(gshape)
            gshape = gshape[:m] + gshape[m + 1:]
        if kwargs.get("reduction", "none") != "none":
            gshape = ()
        out.append(OracleCase(name, regime + suffix + "_wrt_y_true", (p, t), _loss_d(
            name == "dice"), {**kwargs, "g": _TARGET_RNG.uniform(0.5, 2.0, gshape),
                              "wrt": "y_true"}, grad=True, elementwise=False))
    return out


_TARGET_RNG = np.random.default_rng(20261206)


def _onehot(shape: tuple[int, ...]) -> np.ndarray:
    return np.eye(shape[-1])[_RNG.integers(0, shape[-1], shape[:-1])]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_SEG = (2, 4, 4, 3)
_PROB_REGIMES = {
    "typical": (_softmax(_RNG.normal(0, 2, (6, 5))), _onehot((6, 5))),
    "spatial": (_softmax(_RNG.normal(0, 2, _SEG)), _onehot(_SEG)),
    "soft_labels": (_RNG.uniform(0, 1, (6, 5)), _RNG.uniform(0, 1, (6, 5))),
    # one miss in 200: 1 - ratio ~ 1e-3 (and p = 1 - 1e-9 elsewhere: ~1e-9)
    "near_perfect": (np.where(_onehot((40, 5)) > 0, 1 - 1e-9, 1e-9), _onehot((40, 5))),
    "tiny": (_RNG.uniform(0, 1e-200, (4, 5)), _onehot((4, 5))),
}
_LOGIT_REGIMES = {
    "logits": (_RNG.normal(0, 2, _SEG), _onehot(_SEG)),
    "large_logits": (_RNG.normal(0, 20, (3, 6, 4)), _onehot((3, 6, 4))),
}


# ------------------------------------------------------------ generalized cross-entropy
def _gce(y_pred, y_true, *, q=0.5, axis=-1, reduction="none", sample_weight=None):
    p = np.moveaxis(np.asarray(y_pred), axis, -1)
    v = [(1 - mpf(row[y]) ** mpf(q)) / mpf(q)
         for row, y in zip(p.reshape(-1, p.shape[-1]), np.ravel(y_true), strict=True)]
    v = object_array(v, np.shape(y_true))
    return list(np.ravel(reduce_exact(v, reduction, sample_weight)))


def _gce_d(y_pred, y_true, *, g, q=0.5, axis=-1, reduction="none", sample_weight=None):
    p = np.moveaxis(np.asarray(y_pred), axis, -1)
    dv = np.ravel(reduce_vjp_exact(g, np.shape(y_true), reduction, sample_weight))
    out = []
    for row, y, gi in zip(p.reshape(-1, p.shape[-1]), np.ravel(y_true), dv, strict=True):
        out += [gi * -(mpf(v) ** (mpf(q) - 1)) if c == y else mpmath.mpf(0)
                for c, v in enumerate(row)]
    return list(np.ravel(np.moveaxis(object_array(out, p.shape), -1, axis)))


def _gce_cases() -> list[OracleCase]:
    regimes = {
        "typical": (_softmax(_RNG.normal(0, 2, (8, 5))), _RNG.integers(0, 5, 8)),
        # p_y within 1e-12 of 1: 1 - p^q ~ 1e-12 relative to itself
        "near_1": (np.array([[1 - 1e-12, 1e-12], [1e-15, 1 - 1e-15], [0.5, 0.5]]),
                   np.array([0, 1, 1])),
        "tiny": (np.array([[1e-300, 1.0], [1e-20, 1.0], [2.0 ** -1074, 1.0]]),
                 np.array([0, 0, 0])),
        "spatial": (_softmax(_RNG.normal(0, 2, (2, 3, 4))), _RNG.integers(0, 4, (2, 3))),
    }
    out = []
    for q in (0.5, 0.7, 1e-3):
        for regime, (p, y) in regimes.items():
            g = _RNG.uniform(0.5, 2.0, y.shape)
            out += [OracleCase("generalized_cross_entropy", f"{regime}_q{q}", (p, y), _gce,
                               {"q": q}),
                    OracleCase("generalized_cross_entropy", f"{regime}_q{q}", (p, y), _gce_d,
                               {"q": q, "g": g}, grad=True)]
    return out


# (name, regimes, conventions, suffix) of the cases for the VJPs w.r.t. y_pred and y_true
_SPECS = {
    "dice": ("dice", _PROB_REGIMES, {}),
    "dice_keras_axis": ("dice", _PROB_REGIMES, {"axis": -1, "eps": 1e-7}, "_keras_axis"),
    "tversky": ("tversky", _PROB_REGIMES, {"alpha": 0.3, "beta": 0.7, "eps": 1e-7}),
    "tversky_logits": ("tversky", _LOGIT_REGIMES, {"axis": "spatial", "smooth": 1.0,
                                                   "input_space": "softmax_logits"}),
    "dice_sigmoid": ("dice", _LOGIT_REGIMES, {"axis": "per_sample", "smooth": 1.0,
                                              "input_space": "sigmoid_logits"}),
    # optax's reductions: class weights (given, or from the targets' frequencies, constants
    # of the VJP w.r.t. y_pred), then a mean over the classes and over the batch
    "dice_class_weight": ("dice", {k: _LOGIT_REGIMES[k] for k in ("logits",)},
                          {"axis": "spatial", "smooth": 1.0, "input_space": "softmax_logits",
                           "class_weight": np.array([0.5, 1.0, 2.0]), "mean_axis": -1,
                           "reduction": "mean"}, "_class_weight"),
}
CASES: list[OracleCase] = [
    *_cases(*_SPECS["dice"]),
    *_cases(*_SPECS["dice_keras_axis"]),
    *_cases("dice", _PROB_REGIMES, {"axis": "per_sample", "smooth": 1.0}, "_smooth"),
    *_cases(*_SPECS["tversky"]),
    *_cases("tversky", _PROB_REGIMES, {"axis": "per_sample", "alpha": 1.0, "beta": 0.2},
            "_per_sample"),
    *_cases(*_SPECS["tversky_logits"]),
    *_cases(*_SPECS["dice_sigmoid"]),
    *_cases(*_SPECS["dice_class_weight"]),
    *_cases("dice", {k: _PROB_REGIMES[k] for k in ("spatial",)},
            {"axis": "spatial", "smooth": 1.0, "class_weight": "inverse_square_frequency",
             "mean_axis": -1, "reduction": "sum"}, "_inverse_frequency"),
    # Keras' Dice / Tversky classes: one value per sample (axis=(1, 2, 3)), weighted mean
    *_cases("tversky", {k: _PROB_REGIMES[k] for k in ("spatial",)},
            {"axis": (1, 2, 3), "alpha": 0.3, "beta": 0.7, "eps": 1e-7,
             "reduction": "sum_over_batch_size", "sample_weight": np.array([0.3, 1.7])},
            "_weighted"),
    *_gce_cases(),
    # gradients w.r.t. the targets (soft masks trained too), optax's and Keras' conventions
    *(case for spec in _SPECS.values() for case in _target_cases(*spec)),
    # the inverse-frequency weights are functions of the targets: differentiated too
    *_target_cases("dice", {k: _PROB_REGIMES[k] for k in ("spatial", "soft_labels")},
                   {"axis": "spatial", "smooth": 1.0, "class_weight": "inverse_square_frequency",
                    "reduction": "mean"}, "_generalized"),
    # optax's multiclass_generalized_dice_loss on soft labels through the softmax: the chain
    # differences the class-weighted cotangents, so a float64 rounding of each weight (and
    # of its class sum) showed as 30 ULP of the logits' gradient (this case: 14.3 ULP before 2026-12-06)
    *_cases("dice", {"soft_labels": (_RNG.normal(0, 2, (6, 5)), _RNG.uniform(0, 1, (6, 5)))},
            {"axis": "spatial", "smooth": 1.0, "input_space": "softmax_logits",
             "class_weight": "inverse_square_frequency", "reduction": "mean"}, "_generalized"),
]
