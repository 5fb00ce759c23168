"""Exact gradients w.r.t. the targets of losses that are affine in them.

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
_SPARE_DIGITS = 40


def _lost_digits(moved: list[Any], base: list[Any]) -> float:
    """Digits the differences moved - base cancel (0 where they are exactly equal)."""
    worst = 0.0
    for m, b in zip(moved, base, strict=True):
        d = m - b
        if d:
            worst = max(worst, float(mp.log10(max(abs(m), abs(b)) / abs(d))))
    return worst


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
        if wrt != "y_true":
            raise ValueError(f"this oracle differentiates w.r.t. y_true only, got wrt={wrt!r}")
        t = np.array(y_true, dtype=np.float64)
        if t.size > MAX_ELEMENTS:
            raise ValueError(f"y_true has {t.size} elements, more than this oracle's "
                             f"{MAX_ELEMENTS} (one value evaluation per element)")
        vkw = conventions(dict(kw)) if conventions is not None else kw
        gs = [mp.mpf(float(v)) for v in np.ravel(np.asarray(g, dtype=np.float64))]
        spare = _SPARE_DIGITS
        while True:
            with mp.extradps(spare):
                grads, lost = _differences(value, y_pred, t, gs, vkw)
            if lost <= spare - 20:
                return [+v for v in grads]  # rounded to the caller's precision
            spare = int(lost) + _SPARE_DIGITS

    return exact
