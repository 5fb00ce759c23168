"""Overlap (segmentation) losses: soft Dice and Tversky.

For predictions p and targets t of one shape, summed over the ``axis`` axes:

    I = Σ p t          FP = Σ p (1 - t)          FN = Σ (1 - p) t

    dice     L = 1 - (2 I + smooth) / (2 I + FP + FN + smooth + eps)
             (2 I + FP + FN = Σ p + Σ t: Keras' ``1 - 2 I / (Σ t + Σ p + eps)``)
    tversky  L = 1 - (I + smooth) / (I + α FP + β FN + smooth + eps)
             (Salehi et al. 2017: α weighs the false positives, β the false negatives;
             α = β = 1/2 is Dice's ratio with smooth and eps halved)

``smooth`` is added to numerator and denominator (optax ``dice_loss``, smooth = 1),
``eps`` to the denominator only (Keras' ``backend.epsilon()``). With both 0 an empty mask
and an empty prediction give 0 / 0 = NaN, the honest answer.

Evaluation: 1 - ratio cancels at perfect overlap, so the loss is computed as
(α FP + β FN + eps) / (I + α FP + β FN + smooth + eps), a ratio of sums with no
cancellation for p, t in [0, 1]; I, FP and FN are summed in extended precision.

``axis``: None (every axis: one scalar, Keras' default), an int or a tuple of ints,
"spatial" (every axis but the first and the last: optax's default, one value per
(sample, class)) or "per_sample" (every axis but the first). The summed axes are
removed. ``class_weight`` (optax): multiplies the values along their last axis (an array
of one weight per class, or "inverse_square_frequency": 1 / (F_c^2 + 1e-7) scaled to mean
1, F_c = Σ t over every axis but the last, optax's multiclass_generalized_dice_loss; the
weights depend on y_true only, so the VJP w.r.t. y_pred treats them as constants), then
``mean_axis`` averages one axis of them (optax's reduction over classes), then
``reduction`` / ``sample_weight`` as everywhere (:mod:`reference._reduce`).

``input_space``: "probabilities" (p given), "softmax_logits" (p = softmax of the logits
along the last axis, optax ``apply_softmax=True`` with C > 1), "sigmoid_logits" (p =
sigmoid(logits), optax with one channel / ``binary_dice_loss``). The VJPs are w.r.t. the
predictions in that space.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ._loss_common import EXT, pair, sigmoid, to64
from ._reduce import chain, reduce_loss, reduce_loss_vjp
from ._validate import as_float64, check_axis, check_choice, check_finite_scalar, wrt_target

INPUT_SPACES = ("probabilities", "softmax_logits", "sigmoid_logits")
AXIS_WORDS = ("spatial", "per_sample")
CLASS_WEIGHT_WORDS = ("inverse_square_frequency",)
FREQUENCY_EPS = 1e-7  # optax multiclass_generalized_dice_loss: 1 / (F^2 + 1e-7)

__all__ = ["dice", "dice_vjp", "tversky", "tversky_vjp"]


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, str):
        check_choice(axis, "axis", AXIS_WORDS)
        return tuple(range(1, ndim - 1)) if axis == "spatial" else tuple(range(1, ndim))
    try:
        items = [operator.index(axis)]
    except TypeError:
        if not isinstance(axis, (tuple, list)):
            raise TypeError(f"axis must be None, an int, a tuple of ints or one of "
                            f"{list(AXIS_WORDS)}, got {axis!r}") from None
        items = list(axis)
    out = tuple(sorted(check_axis(a, ndim) for a in items))
    if len(set(out)) != len(out):
        raise ValueError(f"axis must not repeat an axis, got {axis!r}")
    return out


def _probabilities(z: np.ndarray, input_space: str) -> tuple[np.ndarray, np.ndarray]:
    """(p, 1 - p) in extended precision; 1 - p from the other classes' mass (softmax) or
    sigmoid(-z), not by subtraction: saturated logits keep their tiny complements."""
    ze = z.astype(EXT)
    with np.errstate(invalid="ignore", over="ignore"):
        if input_space == "probabilities":
            return ze, 1 - ze
        if input_space == "sigmoid_logits":
            return sigmoid(ze), sigmoid(-ze)
        if z.size == 0:
            return ze, ze
        e = np.exp(ze - np.max(ze, axis=-1, keepdims=True))  # max-shifted: no overflow
        total = np.sum(e, axis=-1, keepdims=True)
        return e / total, (total - e) / total if z.shape[-1] == 1 else _rest(e) / total


def _rest(e: np.ndarray) -> np.ndarray:
    """Σ_{c≠j} e_c for every j along the last axis (e >= 0), without cancellation."""
    c = e.shape[-1]
    off = ~np.eye(c, dtype=bool)
    return np.sum(np.where(off, e[..., None, :], 0), axis=-1)


def _logit_vjp(gp: np.ndarray, z: np.ndarray, p: np.ndarray, q: np.ndarray,
               input_space: str) -> np.ndarray:
    """Chain the probability-space gradient through softmax / sigmoid."""
    if input_space == "probabilities":
        return to64(gp)
    with np.errstate(invalid="ignore", over="ignore"):
        ge = gp.astype(EXT)
        if input_space == "sigmoid_logits":
            return to64(ge * p * q)  # p (1 - p) with 1 - p = sigmoid(-z)
        if z.size == 0:
            return np.zeros(z.shape)
        # softmax VJP p_j (g_j - Σ_c g_c p_c) = p_j Σ_c (g_j - g_c) p_c: no cancellation
        # between g_j and Σ g p where p saturates
        diff = ge[..., :, None] - ge[..., None, :]
        return to64(p * np.sum(diff * p[..., None, :], axis=-1))


def _inputs(y_pred: Any, y_true: Any, axis: Any, input_space: str, smooth: Any, eps: Any,
            class_weight: Any) -> tuple[Any, ...]:
    z, t = pair(y_pred, y_true)
    check_choice(input_space, "input_space", INPUT_SPACES)
    s = check_finite_scalar(smooth, "smooth", low=0.0)
    e = check_finite_scalar(eps, "eps", low=0.0)
    axes = _axes(axis, z.ndim)
    if input_space != "probabilities" and z.ndim == 0:
        raise ValueError(f"y_pred must have a class axis with input_space={input_space!r}, "
                         "got a 0-d array")
    p, q = _probabilities(z, input_space)
    out_shape = tuple(n for i, n in enumerate(z.shape) if i not in axes)
    cw = None
    if isinstance(class_weight, str):
        check_choice(class_weight, "class_weight", CLASS_WEIGHT_WORDS)
        if z.ndim == 0 or (z.ndim - 1) in axes:
            raise ValueError("class_weight='inverse_square_frequency' needs the last (class) "
                             f"axis kept, got axis={axis!r} for {z.ndim} dimensions")
        cw = _inverse_square_frequency(t)
    elif class_weight is not None:
        cw = as_float64(class_weight, "class_weight")
        if cw.ndim != 1 or not out_shape or cw.shape[0] != out_shape[-1]:
            raise ValueError(f"class_weight must have shape ({out_shape[-1] if out_shape else 0},)"
                             f" (the last axis of the per-sample values), got {cw.shape}")
    return z, t, p, q, axes, s, e, cw


def _inverse_square_frequency(t: np.ndarray) -> np.ndarray:
    """optax's multiclass_generalized_dice_loss weights: w_c = 1 / (F_c^2 + 1e-7), F_c the
    targets summed over every axis but the last, scaled to mean 1 (w C / Σ w). In extended
    precision: the softmax chain differences the per-class cotangents they scale, and a
    float64 rounding of each weight became 30 ULP of the logits' gradient (soft labels)."""
    _, w = _frequency_weights(t)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return w / np.sum(w) * w.shape[0]


def _frequency_weights(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(F, w'): the class frequencies F_c (t summed over every axis but the last) and the
    unnormalised weights w'_c = 1 / (F_c^2 + 1e-7), in extended precision."""
    f = np.sum(t.astype(EXT), axis=tuple(range(t.ndim - 1)))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return f, 1.0 / (f * f + FREQUENCY_EPS)


def _sums(p: np.ndarray, q: np.ndarray, t: np.ndarray,
          axes: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    te = t.astype(EXT)
    with np.errstate(invalid="ignore", over="ignore"):
        # three sums of products that are >= 0 for p, t in [0, 1]: no cancellation
        inter = np.sum(p * te, axis=axes)
        fp = np.sum(p * (1 - te), axis=axes)
        fn = np.sum(q * te, axis=axes)
    return inter, fp, fn


def _finish(values: np.ndarray, cw: np.ndarray | None, reduction: str, sample_weight: Any,
            mean_axis: Any) -> np.ndarray:
    if cw is not None:
        values = to64(values * cw)
    return reduce_loss(values, reduction, sample_weight=sample_weight, mean_axis=mean_axis)


def _values_cot(g: Any, shape: tuple[int, ...], cw: np.ndarray | None, reduction: str,
                sample_weight: Any, mean_axis: Any) -> tuple[np.ndarray, np.ndarray]:
    cot, dead = reduce_loss_vjp(g, shape, reduction, sample_weight=sample_weight,
                                mean_axis=mean_axis)
    if cw is not None:
        cot = cot * cw
        dead = dead | (cw == 0)
    return cot, dead


def _expand(a: np.ndarray, axes: tuple[int, ...], shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(np.expand_dims(a, axes), shape)


def _target_vjp(g: Any, p: np.ndarray, q: np.ndarray, t: np.ndarray, axes: tuple[int, ...],
                s: float, e: float, cw: np.ndarray | None, class_weight: Any,
                abk: tuple[float, float, float], sums: tuple[np.ndarray, ...], reduction: str,
                sample_weight: Any, mean_axis: Any) -> np.ndarray:
    """VJP w.r.t. the targets of L = N / (k I + N + s), N = α FP + β FN + eps (Tversky: k = 1;
    Dice: α = β = 1, k = 2), the predictions' probabilities p held fixed:

        dL/dt_i = ((β (1 - p_i) - α p_i)(k I + s) - k N p_i) / D^2
                = (k (β (I - p_i T) - p_i (α P + eps)) + s (β (1 - p_i) - α p_i)) / D^2,

    T = Σ t, P = Σ p: the second form, as computed, because β (1 - p_i) I and β p_i FN
    cancel to β Σ_j t_j (p_j - p_i) (exactly 0 on a one-hot row at its class, where the
    first form lost 5e3 ULP to N ~ 1 + eps against 1 - p_i with predictions of 1e-200).

    With class_weight="inverse_square_frequency" the weights are functions of the targets
    too (optax does not stop their gradient): w = C w' / Σ w', w'_c = 1 / (F_c^2 + 1e-7),
    F_c = Σ t over every axis but the last, so each target of class c also gets
    Σ_k (Σ_samples cot_k L_k) dw_k/dF_c."""
    a, b, k = abk
    inter, fp, fn = sums
    cot, dead = _values_cot(g, inter.shape, cw, reduction, sample_weight, mean_axis)
    te = t.astype(EXT)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        num = a * fp + b * fn + e
        den = k * inter + s + num
        total_t = _expand(np.sum(te, axis=axes), axes, t.shape)
        total_p = _expand(np.sum(p, axis=axes), axes, t.shape)
        local = ((k * (b * (_expand(inter, axes, t.shape) - p * total_t)
                       - p * (a * total_p + e)) + s * (b * q - a * p))
                 / _expand(den * den, axes, t.shape))
    grad = chain(_expand(cot, axes, t.shape), _expand(dead, axes, t.shape), local)
    if isinstance(class_weight, str):
        raw, _ = _values_cot(g, inter.shape, None, reduction, sample_weight, mean_axis)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            values = num / den
            f, w = _frequency_weights(t)
            dw = -2.0 * f * w * w  # dw'_c / dF_c
            total = np.sum(w)
            c = w.shape[0]
            h = np.sum(raw * values, axis=tuple(range(values.ndim - 1)))  # Σ cot_k L_k
            # d(C w'_k / Σ w')/dF_c = C (δ_kc dw_c Σ - w'_k dw_c) / Σ^2
            per_class = c * dw * (h * total - np.sum(h * w)) / (total * total)
        grad = grad + np.broadcast_to(per_class, t.shape)
    return to64(grad)


def dice(
    y_pred: Any, y_true: Any, *, axis: Any = None, smooth: float = 0.0, eps: float = 0.0,
    input_space: str = "probabilities", class_weight: Any = None, mean_axis: int | None = None,
    reduction: str = "none", sample_weight: Any = None,
) -> np.ndarray:
    """Soft Dice loss 1 - (2 I + smooth) / (Σ p + Σ t + smooth + eps) over ``axis``.

    Args:
      y_pred: predictions (any shape; probabilities, or logits per ``input_space``).
      y_true: targets, y_pred's shape (0/1 masks or soft).
      axis, smooth, eps, input_space, class_weight, mean_axis: see the module docstring.
      reduction, sample_weight: :func:`reference.reduce_loss`.

    Returns:
      float64: y_pred's shape less ``axis`` (then reduced).
    """
    _z, t, p, q, axes, s, e, cw = _inputs(y_pred, y_true, axis, input_space, smooth, eps,
                                      class_weight)
    inter, fp, fn = _sums(p, q, t, axes)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        num = fp + fn + e  # 1 - ratio without the cancellation
        values = to64(num / (2 * inter + num + s))
    return _finish(values, cw, reduction, sample_weight, mean_axis)


def dice_vjp(
    g: Any, y_pred: Any, y_true: Any, *, axis: Any = None, smooth: float = 0.0,
    eps: float = 0.0, input_space: str = "probabilities", class_weight: Any = None,
    mean_axis: int | None = None, reduction: str = "none", sample_weight: Any = None,
    wrt: str = "y_pred",
) -> np.ndarray:
    """dL/dp_i = ((1 - t_i)(2 I + s) - t_i (2 N + 2 I + s)) / D^2, N = FP + FN + eps,
    D = 2 I + N + s (d D / d p_i = 1): both terms of one sign for p, t in [0, 1].
    ``wrt="y_true"``: see :func:`_target_vjp` (α = β = 1, I counted twice)."""
    z, t, p, q, axes, s, e, cw = _inputs(y_pred, y_true, axis, input_space, smooth, eps,
                                      class_weight)
    inter, fp, fn = _sums(p, q, t, axes)
    if wrt_target(wrt):
        return _target_vjp(g, p, q, t, axes, s, e, cw, class_weight, (1.0, 1.0, 2.0),
                           (inter, fp, fn), reduction, sample_weight, mean_axis)
    cot, dead = _values_cot(g, inter.shape, cw, reduction, sample_weight, mean_axis)
    te = t.astype(EXT)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        num = fp + fn + e
        a = 2 * inter + s
        den = a + num
        # kept in extended precision until after the softmax chain (which differences it)
        local = (((1 - te) * _expand(a, axes, t.shape)
                  - te * _expand(2 * num + a, axes, t.shape))
                 / _expand(den * den, axes, t.shape))
    gp = chain(_expand(cot, axes, t.shape), _expand(dead, axes, t.shape), local)
    return _logit_vjp(gp, z, p, q, input_space)


def _check_weights(alpha: Any, beta: Any) -> tuple[float, float]:
    return (check_finite_scalar(alpha, "alpha", low=0.0),
            check_finite_scalar(beta, "beta", low=0.0))


def tversky(
    y_pred: Any, y_true: Any, *, alpha: float = 0.5, beta: float = 0.5, axis: Any = None,
    smooth: float = 0.0, eps: float = 0.0, input_space: str = "probabilities",
    class_weight: Any = None, mean_axis: int | None = None, reduction: str = "none",
    sample_weight: Any = None,
) -> np.ndarray:
    """Tversky loss 1 - (I + smooth) / (I + α FP + β FN + smooth + eps) over ``axis``.

    Args:
      y_pred: predictions (any shape; probabilities, or logits per ``input_space``).
      y_true: targets, y_pred's shape (0/1 masks or soft).
      alpha: weight of the false positives FP = Σ p (1 - t), >= 0.
      beta: weight of the false negatives FN = Σ (1 - p) t, >= 0.
      axis, smooth, eps, input_space, class_weight, mean_axis: see the module docstring.
      reduction, sample_weight: :func:`reference.reduce_loss`.

    Returns:
      float64: y_pred's shape less ``axis`` (then reduced).
    """
    a, b = _check_weights(alpha, beta)
    _z, t, p, q, axes, s, e, cw = _inputs(y_pred, y_true, axis, input_space, smooth, eps,
                                      class_weight)
    inter, fp, fn = _sums(p, q, t, axes)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        num = a * fp + b * fn + e  # 1 - ratio without the cancellation
        values = to64(num / (inter + num + s))
    return _finish(values, cw, reduction, sample_weight, mean_axis)


def tversky_vjp(
    g: Any, y_pred: Any, y_true: Any, *, alpha: float = 0.5, beta: float = 0.5,
    axis: Any = None, smooth: float = 0.0, eps: float = 0.0,
    input_space: str = "probabilities", class_weight: Any = None,
    mean_axis: int | None = None, reduction: str = "none", sample_weight: Any = None,
    wrt: str = "y_pred",
) -> np.ndarray:
    """dL/dp_i = ((1 - t_i) α (I + s) - t_i (β (I + s) + N)) / D^2, N = α FP + β FN + eps,
    D = I + N + s (d D / d p_i = α (1 - t_i) + (1 - β) t_i).
    ``wrt="y_true"``: see :func:`_target_vjp`."""
    a, b = _check_weights(alpha, beta)
    z, t, p, q, axes, s, e, cw = _inputs(y_pred, y_true, axis, input_space, smooth, eps,
                                      class_weight)
    inter, fp, fn = _sums(p, q, t, axes)
    if wrt_target(wrt):
        return _target_vjp(g, p, q, t, axes, s, e, cw, class_weight, (a, b, 1.0),
                           (inter, fp, fn), reduction, sample_weight, mean_axis)
    cot, dead = _values_cot(g, inter.shape, cw, reduction, sample_weight, mean_axis)
    te = t.astype(EXT)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        num = a * fp + b * fn + e
        i_s = inter + s
        den = i_s + num
        # kept in extended precision until after the softmax chain (which differences it)
        local = (((1 - te) * _expand(a * i_s, axes, t.shape)
                  - te * _expand(b * i_s + num, axes, t.shape))
                 / _expand(den * den, axes, t.shape))
    gp = chain(_expand(cot, axes, t.shape), _expand(dead, axes, t.shape), local)
    return _logit_vjp(gp, z, p, q, input_space)
