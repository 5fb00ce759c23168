"""Entropy and KL divergence of softmax distributions, from logits
(torch.distributions.Categorical(logits=x).entropy(): a policy's entropy bonus;
kl_divergence(Categorical(logits=a), Categorical(logits=b)): PPO's and TRPO's KL), and
their VJPs. Private: registered by divergences.py."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._activations_common import as_cotangent, as_input
from ._activations_softmax import _parts, log_softmax, softmax
from ._divergence_kernels import exp_minus_one_plus
from ._loss_common import EXT, to64
from ._normalized import centred_values
from ._validate import as_float64, check_axis, check_same_shape, wrt_target


def softmax_entropy(x: Any, *, axis: int = -1) -> np.ndarray:
    """H(softmax(x)) = -sum_i s_i log s_i = -sum_i s_i ls_i along ``axis``, s = softmax(x),
    ls = log_softmax(x) (each accurate in the tails); the terms are all >= 0, summed in EXT.

    0 log 0 = 0: an entry of -inf (s_i = 0, ls_i = -inf) adds nothing. A row holding NaN
    or +inf, or only -inf, gives NaN. Returns x's shape with ``axis`` removed.
    """
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    s, ls = softmax(x, axis=ax), log_softmax(x, axis=ax)
    with np.errstate(invalid="ignore"):
        terms = np.where(s == 0, 0.0, -s.astype(EXT) * ls)
        bad = np.isnan(s).any(axis=ax)  # NaN / +inf in the row, or a row of -inf
    return np.where(bad, np.nan, to64(np.sum(terms, axis=ax)))


def softmax_entropy_vjp(g: Any, x: Any, *, axis: int = -1) -> np.ndarray:
    """dH/dx_j = -s_j (ls_j + H) = -s_j (x_j - sum_i s_i x_i), times g.

    ls_j + H = sum_i s_i (x_j - x_i): centred on x's softmax-weighted mean in EXT, lanes
    that cancel recomputed pairwise from the exact differences (exactly 0 on a row of ties,
    where the gradient vanishes). 0 where s_j = 0 (an entry of -inf: the limit of
    s_j (x_j - mean)); NaN for the rows softmax_entropy calls NaN.
    """
    x = as_input(x)
    ax = check_axis(axis, x.ndim)
    g = np.expand_dims(as_cotangent(g, x.shape[:ax] + x.shape[ax + 1:]), ax)
    _, e, total, _, _ = _parts(x, ax, EXT)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = e / total
    # x_j - max, so the weighted mean is near 0 and the centring's error is relative to the
    # row's spread, not to |x| (logits of 1e4)
    m = np.max(x, axis=ax, keepdims=True) if x.shape[ax] else np.zeros_like(x)
    with np.errstate(invalid="ignore"):
        z = x.astype(EXT) - np.where(np.isfinite(m), m, 0.0)  # exact unless far apart
    c = centred_values(s, np.where(np.isfinite(z), z, EXT(0)), ax)
    with np.errstate(invalid="ignore", over="ignore"):
        grad = np.where(s == 0, EXT(0), -g * s * c)
        bad = np.isnan(s).any(axis=ax, keepdims=True)  # softmax's own NaN rows (same parts)
    return np.where(bad, np.nan, to64(grad))


def _kl_rows(y_pred: Any, y_true: Any, axis: int) -> tuple[np.ndarray, ...]:
    """(s, u, ls, c, kl, bad, inf) of the rows of a = y_true, b = y_pred, in EXT:
    s = softmax(a), u = softmax(b), ls = log s, c_i = d_i - sum_j s_j d_j (d = b - a, 0
    where s_i = 0), kl the divergence (keepdims), bad the rows that are NaN, inf the rows
    where some s_i > 0 meets b_i = -inf."""
    b, a = as_float64(y_pred, "y_pred"), as_float64(y_true, "y_true")
    check_same_shape(b, a, "y_pred", "y_true")
    ax = check_axis(axis, a.ndim)
    _, ea, ta, _, _ = _parts(a, ax, EXT)
    _, eb, tb, _, _ = _parts(b, ax, EXT)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        s, u = ea / ta, eb / tb
        ls = np.log(s)  # in EXT: z - log(total) would keep z's float64 rounding (1e-16)
        live = s > 0
        bad = (np.isnan(s) | np.isnan(u)).any(axis=ax, keepdims=True)
        inf = (live & (b == -np.inf)).any(axis=ax, keepdims=True) & ~bad
        ok = live & np.isfinite(b)
        d = np.where(ok, b.astype(EXT) - np.where(ok, a, 0.0), EXT(0))
        w = np.where(bad | inf, EXT(0), s)
    c = centred_values(w, d, ax)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # sum_i s_i (e^c_i - 1 - c_i) >= 0 (sum_i s_i c_i = 0): the series near c = 0,
        # where the terms would cancel to c^2 / 2; exp(ls + c) = s e^c beyond, no overflow
        small = np.abs(c) <= 2
        phi = np.where(small, w * exp_minus_one_plus(np.where(small, -c, EXT(0))),
                       np.exp(ls + c) - w * (1 + c))
        total = np.sum(np.where(w > 0, phi, EXT(0)), axis=ax, keepdims=True)
        kl = np.log1p(total)
        # KL beyond EXT's range of e^KL: log sum_i s_i e^c_i as a log-sum-exp of ls + c
        v = np.where(w > 0, ls + c, -np.inf)
        top = np.max(v, axis=ax, keepdims=True) if v.shape[ax] else np.zeros_like(total)
        lse = top + np.log(np.sum(np.exp(v - top), axis=ax, keepdims=True))
        kl = np.where(np.isfinite(total), kl, lse)
        # that is KL(s || u restricted to the live classes, renormalised); the mass
        # U_dead that u puts where s = 0 adds -log(1 - U_dead)
        u_dead = np.sum(np.where(live, EXT(0), u), axis=ax, keepdims=True)
        u_live = np.sum(np.where(live, u, EXT(0)), axis=ax, keepdims=True)
        kl = kl - np.where(u_dead < 0.5, np.log1p(-u_dead), np.log(u_live))
    return s, u, ls, c, kl, bad, inf


def softmax_kl_divergence(y_pred: Any, y_true: Any, *, axis: int = -1) -> np.ndarray:
    """KL(softmax(a) || softmax(b)) = sum_i s_i (log s_i - log u_i), a = y_true, b = y_pred
    (the target distribution second, as kl_divergence), s = softmax(a), u = softmax(b).

    With d = b - a and c_i = d_i - sum_j s_j d_j (centred on its s-weighted mean),
    KL = log sum_i s_i e^c_i = log1p(sum_i s_i (e^c_i - 1 - c_i)): non-negative terms, no
    cancellation near a = b, and no softmax rounded to 0: the exact value where u_i
    underflows (u_i of 1e-4000 still adds its s_i log(s_i / u_i)). Terms with s_i = 0 (a_i
    = -inf, a masked class) are 0, whatever b_i; the mass U that u puts on those classes
    adds -log(1 - U) (the sums above run over the others). Inf where s_i > 0 meets
    b_i = -inf; NaN for rows holding NaN or +inf, or only -inf. Returns the shape with
    ``axis`` removed.
    """
    _, _, _, _, kl, bad, inf = _kl_rows(y_pred, y_true, axis)
    out = np.where(bad, np.nan, np.where(inf, np.inf, to64(kl)))
    return np.squeeze(out, axis=check_axis(axis, np.ndim(y_true)))


def softmax_kl_divergence_vjp(g: Any, y_pred: Any, y_true: Any, *, axis: int = -1,
                              wrt: str = "y_pred") -> np.ndarray:
    """dKL/db_j = u_j - s_j = s_j expm1(c_j - KL) (exact near u_j = s_j, where the
    difference of the two softmaxes would cancel); dKL/da_j = -s_j c_j (``wrt="y_true"``).
    0 at s_j = 0 for a, u_j for b. NaN on the rows softmax_kl_divergence calls NaN or inf
    (an infinite divergence has no gradient)."""
    s, u, _, c, kl, bad, inf = _kl_rows(y_pred, y_true, axis)
    ax = check_axis(axis, np.ndim(y_true))
    g = np.expand_dims(as_cotangent(g, s.shape[:ax] + s.shape[ax + 1:]), ax)
    with np.errstate(invalid="ignore", over="ignore"):
        if wrt_target(wrt):
            grad = np.where(s > 0, -s * c, EXT(0))
        else:
            r = c - kl
            near = np.abs(r) <= 1  # beyond, u and s differ by a factor e: no cancellation
            grad = np.where((s > 0) & near, s * np.expm1(np.where(near, r, EXT(0))), u - s)
        grad = g * grad
    return np.where(bad | inf, np.nan, to64(grad))


def _binary_row(x: np.ndarray) -> np.ndarray:
    """The two-class logits of a logit x: softmax = [sigmoid(x), sigmoid(-x)]. [x, 0], or
    the same shifted, [0, -x], for x > 0 (x = +inf is then [0, -inf]: probability 1)."""
    with np.errstate(invalid="ignore"):
        pos = x > 0
        return np.stack([np.where(pos, 0.0, x), np.where(pos, -x, 0.0)], axis=-1)


def _binary_rows(y_pred: Any, y_true: Any) -> tuple[np.ndarray, np.ndarray]:
    b, a = as_float64(y_pred, "y_pred"), as_float64(y_true, "y_true")
    check_same_shape(b, a, "y_pred", "y_true")
    return _binary_row(b), _binary_row(a)


def sigmoid_kl_divergence(y_pred: Any, y_true: Any) -> np.ndarray:
    """KL(Bernoulli(sigmoid(a)) || Bernoulli(sigmoid(b))) elementwise, a = y_true, b = y_pred:
    s log(s / u) + (1 - s) log((1 - s) / (1 - u)), s = sigmoid(a), u = sigmoid(b). The
    two-class softmax KL of the rows [a, 0] and [b, 0] (softmax_kl_divergence): exact where
    sigmoid rounds to 0 or 1 (a logit of 20 in float32), the terms never formed from
    rounded probabilities. inf where s > 0 meets u = 0 or s < 1 meets u = 1 (infinite
    logits); NaN for NaN."""
    return softmax_kl_divergence(*_binary_rows(y_pred, y_true), axis=-1)


def sigmoid_kl_divergence_vjp(g: Any, y_pred: Any, y_true: Any, *, wrt: str = "y_pred"
                              ) -> np.ndarray:
    """dKL/db = u - s, dKL/da = s (1 - s)(a - b): the two-class softmax VJP's component of
    x in the row [x, 0], or minus that of -x in the row [0, -x] (x > 0)."""
    b2, a2 = _binary_rows(y_pred, y_true)
    target = wrt_target(wrt)
    x = as_float64(y_true, "y_true") if target else as_float64(y_pred, "y_pred")
    grad = softmax_kl_divergence_vjp(g, b2, a2, axis=-1, wrt=wrt)
    with np.errstate(invalid="ignore"):
        return np.where(x > 0, -grad[..., 1], grad[..., 0])
