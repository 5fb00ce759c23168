"""Exact gradients w.r.t. the targets: of losses affine in them, and of smooth losses
whose value oracle takes exact (mpf) targets.

A cross-entropy is affine in its targets, L(t) = a + Σ_i b_i t_i: label smoothing, class
and positive weights, clipping of the predictions, reductions and sample weights keep it
so. The exact gradient is then a difference of two exact values, with no truncation error
for any step δ_i:

    ∂L/∂t_i = (L(t + δ_i e_i) - L(t)) / δ_i.

The oracle derives it from the value oracle alone, so it shares no derivative formula with
the reference. Each step moves t_i by 1/4 toward 1/2 (t stays in [0, 1]); δ_i is the
exact difference of the two float64 targets. The two values agree to about
log10(|L| / |b_i δ_i|) digits, which the subtraction cancels: they are evaluated with
that many digits more than the caller's precision (40 more, then more if a difference
lost more). Cost: one evaluation of the value oracle per target element, so targets of
more than ``MAX_ELEMENTS`` elements are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath as mp
import numpy as np

MAX_ELEMENTS = 400
MAX_DIGITS = 1000
_SPARE_DIGITS = 40


def _targets_and_cotangents(y_true: Any, g: Any, wrt: str, cost: str
                            ) -> tuple[np.ndarray, list[Any]]:
    """(the float64 targets, the exact cotangents); ValueError for another ``wrt`` or more
    than MAX_ELEMENTS targets (``cost``: the value evaluations each one takes)."""
    if wrt != "y_true":
        raise ValueError(f"this oracle differentiates w.r.t. y_true only, got wrt={wrt!r}")
    t = np.array(y_true, dtype=np.float64)
    if t.size > MAX_ELEMENTS:
        raise ValueError(f"y_true has {t.size} elements, more than this oracle's "
                         f"{MAX_ELEMENTS} ({cost} per element)")
    return t, [mp.mpf(float(v)) for v in np.ravel(np.asarray(g, dtype=np.float64))]


def _lost_digits(moved: list[Any], base: list[Any]) -> float:
    """Digits the differences moved - base cancel; inf where every difference is exactly 0
    but the values are not (a change below the working precision, or none at all: the
    callers then retry with twice the digits, up to MAX_DIGITS, before they take 0)."""
    worst, changed = 0.0, False
    for m, b in zip(moved, base, strict=True):
        d = m - b
        if d:
            changed = True
            worst = max(worst, float(mp.log10(max(abs(m), abs(b)) / abs(d))))
    return worst if changed or not any(moved) else float("inf")


def _digit_cap() -> int:
    """MAX_DIGITS, or more when the caller works at more (reference_on_cases' retry at
    1,000 digits: the cap must not undercut the precision asked for)."""
    return max(MAX_DIGITS, 3 * mp.mp.dps + 100)


def _more_digits(digits: int, lost: float, needed: int, cap: int) -> int | None:
    """The precision to retry with, or None when ``digits`` suffice (or nothing more can
    be done: an exactly zero derivative looks like a change below any precision)."""
    if lost == float("inf"):
        return None if digits >= cap else min(2 * digits, cap)
    return None if digits - lost >= needed else int(lost) + needed + 10


def _differences(value: Callable[..., list[Any]], y_pred: Any, t: np.ndarray,
                 g: list[Any], kw: dict[str, Any]) -> tuple[list[Any], float]:
    """(Σ_j g_j ∂L_j/∂t_i for every i, the most digits any difference cancelled)."""
    base = value(y_pred, t, **kw)
    if len(g) == 1 and len(base) != 1:
        g = g * len(base)
    if len(g) != len(base):
        raise ValueError(f"g has {len(g)} elements, the loss {len(base)}")
    out, lost = [], 0.0
    for i in range(t.size):
        moved_t = t.copy()
        ti = float(t.flat[i])
        moved_t.flat[i] = ti + (0.25 if ti <= 0.5 else -0.25)
        delta = mp.mpf(float(moved_t.flat[i])) - mp.mpf(ti)
        moved = value(y_pred, moved_t, **kw)
        lost = max(lost, _lost_digits(moved, base))
        out.append(mp.fsum(gj * (m - b) for gj, m, b in zip(g, moved, base, strict=True))
                   / delta)
    return out, lost


def affine_target_vjp(value: Callable[..., list[Any]],
                      conventions: Callable[[dict[str, Any]], dict[str, Any]] | None = None
                      ) -> Callable[..., list[Any]]:
    """The exact VJP w.r.t. ``y_true`` (the second input) of ``value(y_pred, y_true, **kw)``,
    a loss affine in ``y_true``. ``conventions(kw)`` maps the VJP's keywords to the value
    oracle's (it raises on a convention it does not model); by default they pass as they
    are. ``wrt`` must be "y_true"."""

    def exact(y_pred: Any, y_true: Any, *, g: Any, wrt: str = "y_pred",
              **kw: Any) -> list[Any]:
        t, gs = _targets_and_cotangents(y_true, g, wrt, "one value evaluation")
        vkw = conventions(dict(kw)) if conventions is not None else kw
        digits, cap = mp.mp.dps + _SPARE_DIGITS, _digit_cap()
        while True:
            with mp.workdps(digits):
                grads, lost = _differences(value, y_pred, t, gs, vkw)
            retry = _more_digits(digits, lost, mp.mp.dps + 20, cap)
            if retry is None:
                return [+v for v in grads]  # rounded to the caller's precision
            digits = retry

    return exact


def smooth_target_vjp(value: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    """The VJP w.r.t. ``y_true`` of ``value(y_pred, y_true, **kw)``, a loss analytic in
    ``y_true`` whose oracle takes an object array of mpf targets as they are: central
    differences D(h) = (L(t + h e_i) - L(t - h e_i)) / 2h, element by element.

    The truncation error, h^2 |d^3 L / dt^3| / 6, is small only where h is small against
    the scale on which L varies (a focal loss at a prediction of 1e-300 varies on 1e-300),
    so h starts at 10^-(dps + 10) and shrinks by 10^-20 until two successive D agree to
    dps + 5 digits (``ValueError`` if they never do). The two values of a difference agree
    to about log10(|L| / |2 h L'|) digits, which the subtraction cancels: they are
    evaluated with that many and dps + 20 more (up to ``MAX_DIGITS``). Cost: four value
    evaluations or more per target element (``MAX_ELEMENTS`` at most)."""

    def exact(y_pred: Any, y_true: Any, *, g: Any, wrt: str = "y_pred",
              **kw: Any) -> list[Any]:
        t, gs = _targets_and_cotangents(y_true, g, wrt, "four value evaluations or more")
        dps = mp.mp.dps
        return [+_derivative(value, y_pred, t, i, gs, dps, kw) for i in range(t.size)]

    return exact


def _derivative(value: Callable[..., list[Any]], y_pred: Any, t: np.ndarray, i: int,
                gs: list[Any], dps: int, kw: dict[str, Any]) -> Any:
    """Σ_j g_j dL_j/dt_i: central differences with a shrinking step, until two agree."""
    cap = _digit_cap()
    h_exp, digits, previous = dps + 10, 2 * dps + 40, None
    for _ in range(16):
        while True:
            with mp.workdps(digits):
                d, lost = _central_difference(value, y_pred, t, i, gs, h_exp, kw)
            retry = _more_digits(digits, lost, dps + 20, cap)
            if retry is None:
                break
            digits = retry
        if previous is not None and abs(d - previous) <= abs(d) * mp.mpf(10) ** -(dps + 5):
            return d
        previous, h_exp, digits = d, h_exp + 20, min(digits + 20, cap)
    raise ValueError(f"the central differences w.r.t. y_true element {i} do not converge")


def _central_difference(value: Callable[..., list[Any]], y_pred: Any, t: np.ndarray, i: int,
                        gs: list[Any], h_exp: int, kw: dict[str, Any]) -> tuple[Any, float]:
    """(Σ_j g_j (L_j(t + h e_i) - L_j(t - h e_i)) / 2h, the digits the difference cancelled)
    with h = 10^-h_exp, at the working precision."""
    h = mp.mpf(10) ** -h_exp
    up = np.empty(t.shape, dtype=object)
    up.flat[:] = [mp.mpf(float(v)) for v in t.flat]
    down = up.copy()
    up.flat[i] += h
    down.flat[i] -= h
    hi, lo = value(y_pred, up, **kw), value(y_pred, down, **kw)
    weights = gs * len(hi) if len(gs) == 1 else gs
    return (mp.fsum(w * (a - b) for w, a, b in zip(weights, hi, lo, strict=True)) / (2 * h),
            _lost_digits(hi, lo))
