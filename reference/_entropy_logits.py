"""The entropy of softmax(x), from logits (torch.distributions.Categorical(logits=x)
.entropy(): a policy's entropy bonus), and its VJP. Private: registered by divergences.py."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._activations_common import as_cotangent, as_input
from ._activations_softmax import _parts, log_softmax, softmax
from ._loss_common import EXT, to64
from ._normalized import centred_values
from ._validate import check_axis


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
