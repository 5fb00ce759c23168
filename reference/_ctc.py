"""Connectionist temporal classification (Graves et al. 2006): the sequence loss
-log p(l | x), summed over every frame-level alignment that collapses to the label
sequence l (merge repeats, then drop blanks).

Inputs are batch-major: ``y_pred`` (N, T, C) scores, ``y_true`` (N, S) integer labels
padded past each ``label_lengths[n]`` (pad values are ignored), ``input_lengths`` (N,) the
frames of each sample used (<= T). Alignments run over the extended label l' = (blank,
l1, blank, l2, ..., blank) of 2 S_n + 1 states; the forward variable alpha_t(s) and the
backward beta_t(s) (emission at t excluded) are evaluated in log space in extended
precision and rounded once. Registered in :mod:`reference.crossentropy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._loss_common import EXT, to64
from ._reduce import chain, reduce_loss
from ._reduce import reduce_loss_vjp as reduce_vjp
from ._validate import as_float64, check_choice

INPUT_SPACES = ("logits", "log_probabilities")
_NEG = EXT(-np.inf)


def _ints(x: Any, name: str, shape: tuple[int, ...], high: int | None = None) -> np.ndarray:
    """Whole numbers of ``shape`` as int64, within [0, high] when ``high`` is given."""
    arr = np.asarray(x)
    if arr.dtype.kind == "f" or str(arr.dtype) == "bfloat16":
        arr = as_float64(arr, name)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(arr) | (arr != np.round(arr)) | (np.abs(arr) >= 2.0**62)
        if np.any(bad):
            raise ValueError(f"{name} must hold whole numbers, got {arr[bad].ravel()[:5].tolist()}")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind in "iub":
        arr = arr.astype(np.int64)
    else:
        raise TypeError(f"{name} must be an array of integers, got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if high is not None:
        bad = (arr < 0) | (arr > high)
        if np.any(bad):
            raise ValueError(f"{name} must lie in [0, {high}], got {arr[bad][:5].tolist()}")
    return arr


def _check_blank(blank: Any, c: int) -> int:
    if isinstance(blank, (bool, np.bool_)) or not isinstance(blank, (int, np.integer)):
        raise TypeError(f"blank must be an integer class index, got {blank!r}")
    if not 0 <= int(blank) < c:
        raise ValueError(f"blank={int(blank)} is not a class index of y_pred's {c} classes")
    return int(blank)


def _inputs(y_pred: Any, y_true: Any, input_lengths: Any, label_lengths: Any, blank: Any,
            input_space: str) -> tuple[np.ndarray, list[np.ndarray], np.ndarray, np.ndarray, int]:
    """(log-probabilities (N, T, C) in EXT, labels per sample, input lengths, label
    lengths, blank), validated."""
    check_choice(input_space, "input_space", INPUT_SPACES)
    x = as_float64(y_pred, "y_pred")
    if x.ndim != 3:
        raise ValueError(f"y_pred must have shape (N, T, C), got {x.shape}")
    n, t, c = x.shape
    if c == 0:
        raise ValueError("y_pred must have at least one class (the blank), got C = 0")
    blank = _check_blank(blank, c)
    labels = np.asarray(y_true)
    if labels.ndim != 2 or labels.shape[0] != n:
        raise ValueError(f"y_true must have shape (N, S) = ({n}, S), got {labels.shape}")
    labels = _ints(labels, "y_true", labels.shape)
    lengths_in = _ints(input_lengths, "input_lengths", (n,), t)
    lengths_lab = _ints(label_lengths, "label_lengths", (n,), labels.shape[1])
    rows = [labels[i, : lengths_lab[i]] for i in range(n)]
    for row in rows:
        bad = (row < 0) | (row >= c) | (row == blank)
        if np.any(bad):
            raise ValueError(f"y_true must hold class indices in [0, {c}) other than "
                             f"blank={blank} within label_lengths, got {row[bad][:5].tolist()}")
    # log_softmax with the row max subtracted (no overflow of exp), log1p of the others
    lp = log_softmax(x) if input_space == "logits" else x.astype(EXT)
    return lp, rows, lengths_in, lengths_lab, blank


def _lse3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """log(e^a + e^b + e^c), -inf where all are -inf, NaN propagating."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        m = np.maximum(np.maximum(a, b), c)
        safe = np.where(np.isfinite(m), m, 0)
        out = safe + np.log(np.exp(a - safe) + np.exp(b - safe) + np.exp(c - safe))
    return np.where(m == -np.inf, _NEG, np.where(m == np.inf, m, out))


def _shift(v: np.ndarray, k: int) -> np.ndarray:
    """v moved k states right (k > 0) or left (k < 0), -inf filling."""
    out = np.full_like(v, _NEG)
    if k > 0:
        out[k:] = v[:-k]
    else:
        out[:k] = v[-k:]
    return out


def _lattice(lp: np.ndarray, row: np.ndarray, frames: int, blank: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    """(extended label, log alpha (T_n, L), log beta (T_n, L), log-likelihood)."""
    ext = np.full(2 * len(row) + 1, blank, dtype=np.int64)
    ext[1::2] = row
    size = len(ext)
    # a skip s-2 -> s is allowed onto a label that differs from the previous label
    skip = np.zeros(size, dtype=bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    emis = lp[:frames][:, ext]
    alpha = np.full((frames, size), _NEG)
    beta = np.full((frames, size), _NEG)
    if frames == 0:
        return ext, alpha, beta, (EXT(0) if len(row) == 0 else _NEG)
    alpha[0, : min(2, size)] = emis[0, : min(2, size)]
    for t in range(1, frames):
        a = alpha[t - 1]
        alpha[t] = _lse3(a, _shift(a, 1), np.where(skip, _shift(a, 2), _NEG)) + emis[t]
    beta[frames - 1, max(size - 2, 0):] = 0
    for t in range(frames - 2, -1, -1):
        e = emis[t + 1] + beta[t + 1]
        beta[t] = _lse3(e, _shift(e, -1), _shift(np.where(skip, e, _NEG), -2))
    last = alpha[frames - 1]
    with np.errstate(invalid="ignore"):
        loglik = np.logaddexp(last[-1], last[-2]) if size > 1 else last[-1]
    return ext, alpha, beta, loglik


def _per_sample(lp: np.ndarray, rows: list[np.ndarray], lengths: np.ndarray, blank: int
                ) -> np.ndarray:
    return np.array([-_lattice(lp[i], rows[i], int(lengths[i]), blank)[3]
                     for i in range(len(rows))], dtype=EXT)


def _finish(nll: np.ndarray, label_lengths: np.ndarray, per_label: bool, zero_infinity: bool
            ) -> np.ndarray:
    v = to64(nll)
    if zero_infinity:
        v = np.where(v == np.inf, 0.0, v)
    if per_label:
        v = v / np.maximum(label_lengths, 1)
    return v


def _flags(per_label: Any, zero_infinity: Any) -> None:
    for name, value in (("per_label", per_label), ("zero_infinity", zero_infinity)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool, got {value!r}")


def ctc(
    y_pred: Any, y_true: Any, input_lengths: Any, label_lengths: Any, *, blank: int = 0,
    input_space: str = "logits", per_label: bool = False, zero_infinity: bool = False,
    reduction: str = "none", sample_weight: Any = None, log_epsilon: float = -np.inf,
) -> np.ndarray:
    """-log sum over alignments pi of prod_t p_t(pi_t), per sample; +inf where no
    alignment fits in input_lengths[n] frames (a label needs one frame per symbol plus one
    blank between repeated symbols).

    input_space="logits": p_t = softmax(y_pred[n, t]) (tf.nn.ctc_loss, Keras, optax);
    "log_probabilities": y_pred holds log p_t as given, not renormalised (torch
    ``ctc_loss``). per_label=True divides each loss by max(label length, 1) (torch's
    reduction="mean" then averages over the batch); zero_infinity=True maps +inf to 0.
    log_epsilon: the log of the weight of an impossible start state or skip (optax's
    finite stand-in for log 0, -1e5): the loss is then optax's, -log of the closed blank
    state after the label in reference/_ctc_lattice.py's lattice (finite, ~ -k log_epsilon,
    where no alignment fits).
    """
    _flags(per_label, zero_infinity)
    eps = _check_options(log_epsilon)
    lp, rows, lengths, label_lengths, blank = _inputs(y_pred, y_true, input_lengths,
                                                      label_lengths, blank, input_space)
    if eps == -np.inf:
        nll = _per_sample(lp, rows, lengths, blank)
    else:
        nll = finite_epsilon_nll(lp, rows, lengths, blank, eps)[0]
    v = _finish(nll, label_lengths, per_label, zero_infinity)
    return reduce_loss(v, reduction, sample_weight=sample_weight)


def ctc_vjp(
    g: Any, y_pred: Any, y_true: Any, input_lengths: Any, label_lengths: Any, *,
    blank: int = 0, input_space: str = "logits", per_label: bool = False,
    zero_infinity: bool = False, reduction: str = "none", sample_weight: Any = None,
    log_epsilon: float = -np.inf,
) -> np.ndarray:
    """d/d log p_t(c) = -gamma_t(c), the posterior probability that frame t emits c
    (sum over the states s of c of alpha_t(s) beta_t(s) / p(l | x)); for logits
    softmax_t(c) - gamma_t(c). Frames at or past input_lengths[n] get 0. A sample with
    p(l | x) = 0 has no derivative (NaN), or 0 with zero_infinity=True. Where softmax_t(c)
    and gamma_t(c) agree to k digits their difference loses those digits of the extended
    evaluation: with logits ~ N(0, 30), 1.4e3 float64 ULP on an 8e-8 element (1e-19
    absolute); elsewhere within 4 ULP (tests/oracles/ctc.py). A finite log_epsilon: the
    reverse of reference/_ctc_lattice.py's recursion from the closed blank state (every
    sample has a derivative there)."""
    _flags(per_label, zero_infinity)
    eps = _check_options(log_epsilon)
    lp, rows, lengths, label_lengths, blank = _inputs(y_pred, y_true, input_lengths,
                                                      label_lengths, blank, input_space)
    n, _, c = lp.shape
    cot, dead = reduce_vjp(g, (n,), reduction, sample_weight=sample_weight)
    if eps != -np.inf:
        scale = 1.0 / np.maximum(label_lengths, 1) if per_label else np.ones(n)
        samples = finite_epsilon_nll(lp, rows, lengths, blank, eps)[1]
        grad = finite_epsilon_nll_vjp(samples, lp, np.ones(n) * scale, input_space)
        return chain(cot[:, None, None], dead[:, None, None], grad)
    grad = np.zeros(lp.shape)
    for i in range(n):
        frames = int(lengths[i])
        ext, alpha, beta, loglik = _lattice(lp[i], rows[i], frames, blank)
        if frames == 0:
            continue
        if loglik == -np.inf:
            grad[i, :frames] = 0.0 if zero_infinity else np.nan
            continue
        with np.errstate(invalid="ignore", over="ignore", under="ignore"):
            post = np.exp(alpha + beta - loglik)  # (frames, L)
            gamma = np.zeros((frames, c), dtype=EXT)
            np.add.at(gamma.T, ext, post.T)
            d = -gamma
            if input_space == "logits":
                d = np.exp(lp[i, :frames]) + d
                # softmax - gamma cancels in the most probable class where both are ~1: as
                # both sum to 1 over the classes, take it as minus the sum of the others
                top = np.argmax(lp[i, :frames], axis=-1)
                at = np.arange(frames)
                d[at, top] = 0
                d[at, top] = -np.sum(d, axis=-1)
        scale = 1.0 / max(int(label_lengths[i]), 1) if per_label else 1.0
        grad[i, :frames] = to64(d) * scale
    return chain(cot[:, None, None], dead[:, None, None], grad)


# the lattice module imports this one's validation: imported last (no cycle at import time)
from ._ctc_lattice import (  # noqa: E402
    _check_options,
    finite_epsilon_nll,
    finite_epsilon_nll_vjp,
    log_softmax,
)
