"""Overlap (segmentation) losses: soft Dice and Tversky (``_overlap.py``).

=========== ===============================================================================
dice        1 - (2 I + smooth) / (Σ p + Σ t + smooth + eps) over ``axis`` (Keras dice:
            eps = 1e-7)
tversky     1 - (I + smooth) / (I + α FP + β FN + smooth + eps) (Keras tversky: eps = 1e-7,
            its alpha on Σ (1 - p) t; optax dice_loss: smooth = 1, logits, class weights,
            mean over classes)
=========== ===============================================================================

Each has a ``<name>_vjp(g, y_pred, y_true, **kwargs)`` w.r.t. y_pred (in its input space).
"""

from __future__ import annotations

from ._overlap import dice, dice_vjp, tversky, tversky_vjp

KIND = "loss"

FUNCTIONS = {"dice": dice, "tversky": tversky}
VJPS = {"dice": dice_vjp, "tversky": tversky_vjp}

__all__ = ["FUNCTIONS", "KIND", "VJPS", *sorted(FUNCTIONS)]
