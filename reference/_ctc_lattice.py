"""The CTC forward lattice split as optax's ``ctc_loss_with_forward_probs`` returns it: the
log forward variable of the blank states and of the label (emit) states, and the CTC loss
under optax's finite stand-in for log 0.

For a label sequence l_1..l_S (every slot of the padded ``y_true`` row: optax's lattice
runs over all of them, its label paddings only choose the state the loss reads) the
extended label is (blank, l_1, blank, l_2, ..., l_S, blank); alpha_t(s) is the probability
that the frames 0..t emit a path prefix ending in state s (Graves et al. 2006). Then

    blank[n, t, k] = log alpha_t(2k)      (k = 0..S: the blank after k labels)
    label[n, t, k] = log alpha_t(2k + 1)  (k = 0..S-1: the emit state of l_{k+1})

with the recursion, per frame t < input_lengths[n] (p_t = softmax of the scores, or
exp of them for input_space="log_probabilities"),

    alpha_t(2k)     = p_t(blank) (alpha_{t-1}(2k) + W_b alpha_{t-1}(2k - 1))
    alpha_t(2k + 1) = p_t(l_{k+1}) (alpha_{t-1}(2k) + alpha_{t-1}(2k + 1)
                                    + W_k alpha_{t-1}(2k - 1))

from alpha_{-1} = (1, eps, eps, ...), where eps = e^log_epsilon, the skip weight W_k is 1
where l_{k+1} != l_k and eps where they repeat, and W_b = 1 + eps. The canonical
log_epsilon = -inf gives eps = 0: the exact CTC lattice (a skip onto a repeated label is
impossible). optax uses log_epsilon = -1e5 (a declared convention): impossible states then
hold finite values near multiples of -1e5 (it reaches blank 2k from 2k - 1 both by an
epsilon arc, penalised if the labels repeat, and by a blank arc, penalised if they do not:
hence W_b = 1 + eps). A label slot equal to blank (optax's padding) emits the blank class;
the skip rule compares label values only.

Frames at or past input_lengths[n] are skipped (optax's logit paddings): those rows repeat
the last computed row (the start row alpha_{-1} when input_lengths[n] = 0).
close_last_frame=True adds to the last row (t = T - 1) the final epsilon arc of optax's
lattice, blank[n, T-1, k] = log(alpha(2k) + alpha(2k - 1)): the probability that the
frames emitted exactly l_1..l_k, which is where optax's loss reads -log p(l | x).

Numerics: each value is held as (k, r), value = k log_epsilon + r, k the fewest eps
factors on any path that reaches it: the multiples of -1e5 never enter a subtraction, so
the log-sum-exp shifts and the VJP's weights exp(term - total) are evaluated on numbers
of the size of a loss, in extended precision, and the value is rounded to float64 once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._ctc import _inputs, _ints
from ._loss_common import EXT, to64

_NEG = EXT(-np.inf)
_NONE = np.iinfo(np.int64).max


def _check_options(log_epsilon: Any, close_last_frame: Any = False) -> EXT:
    if not isinstance(close_last_frame, (bool, np.bool_)):
        raise TypeError(f"close_last_frame must be a bool, got {close_last_frame!r}")
    if isinstance(log_epsilon, (bool, np.bool_)) or not isinstance(
            log_epsilon, (int, float, np.integer, np.floating)):
        raise TypeError(f"log_epsilon must be a real number, got {log_epsilon!r}")
    if not float(log_epsilon) <= 0.0:  # NaN fails too
        raise ValueError(f"log_epsilon must be a log-probability (<= 0, -inf for log 0), "
                         f"got {log_epsilon!r}")
    return EXT(float(log_epsilon))


def _padded_labels(y_true: Any, label_lengths: np.ndarray, c: int) -> np.ndarray:
    """The whole padded label array: slots past label_lengths must be classes too (the
    lattice runs over them; the blank is allowed there)."""
    labels = _ints(y_true, "y_true", np.shape(y_true))
    bad = (labels < 0) | (labels >= c)
    if np.any(bad):
        raise ValueError(f"y_true must hold class indices in [0, {c}) in every slot (the "
                         f"lattice runs over the padding too), got {labels[bad][:5].tolist()}")
    return labels


def _scaled(k: np.ndarray, r: np.ndarray, k_total: np.ndarray, r_total: np.ndarray,
            eps: EXT) -> np.ndarray:
    """exp(k eps + r - (k_total eps + r_total)) with the eps multiples taken apart (0 for a
    term that is log 0, or whose extra eps factors are e^-inf)."""
    d = k - k_total
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        shift = np.where(d == 0, EXT(0), d * eps)
        x = np.where(r == -np.inf, _NEG, r + shift - r_total)
        return np.where(r_total == -np.inf, EXT(0), np.exp(x))


def _combine(terms: list[tuple[np.ndarray, np.ndarray]], eps: EXT
             ) -> tuple[np.ndarray, np.ndarray]:
    """(k, r) of log sum_j exp(k_j eps + r_j): k the fewest eps factors among the terms
    that are not log 0, r the log-sum of all relative to k eps."""
    ks = np.stack([k for k, _ in terms])
    rs = np.stack([r for _, r in terms])
    live = rs != -np.inf  # NaN counts as live: it propagates
    k = np.min(np.where(live, ks, _NONE), axis=0)
    k = np.where(k == _NONE, 0, k)
    d = ks - k
    with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):
        x = np.where(live, rs + np.where(d == 0, EXT(0), d * eps), _NEG)
        # log-sum-exp with the largest term taken out: m + log1p(sum of the others' exp(x - m))
        # (no overflow, and no lost digits where a state is near log 1 and the rest tiny)
        m = np.max(x, axis=0)
        safe = np.where(np.isfinite(m), m, 0)
        e = np.exp(x - safe)
        np.put_along_axis(e, np.argmax(x, axis=0)[None], 0, axis=0)
        r = safe + np.log1p(np.sum(e, axis=0))
    return k, np.where(m == -np.inf, _NEG, np.where(m == np.inf, m, r))


def _value(k: np.ndarray, r: np.ndarray, eps: EXT) -> np.ndarray:
    """k eps + r, rounded once to float64 (k = 0 needs no eps: no 0 * -inf)."""
    with np.errstate(invalid="ignore"):
        return to64(np.where(k == 0, r, k * eps + r))


class _Sample:
    """One sample's lattice in (k, r) form: ``rows[i]`` the state after i frames
    (phi k, phi r, emit k, emit r), ``sums[t]`` the per-state sums of frame t before its
    emission is added (the VJP's denominators)."""

    def __init__(self, lp: np.ndarray, labels: np.ndarray, frames: int, blank: int,
                 eps: EXT) -> None:
        s = len(labels)
        self.labels, self.frames, self.blank, self.eps = labels, frames, blank, eps
        self.repeat = (labels[1:] == labels[:-1]).astype(np.int64)  # skip onto a repeat: eps
        self.w_blank = np.log1p(np.exp(eps))  # W_b = 1 + eps (epsilon arc + blank arc)
        kp = np.ones(s + 1, dtype=np.int64)
        kp[0] = 0
        row = (kp, np.zeros(s + 1, dtype=EXT), np.ones(s, dtype=np.int64), np.zeros(s, dtype=EXT))
        self.rows, self.sums = [row], []
        for t in range(frames):
            kp, rp, ke, re = row
            skip = (np.concatenate([[0], ke[:-1] + self.repeat])[:s],
                    np.concatenate([[_NEG], re[:-1]]).astype(EXT)[:s])
            k_e, c_e = _combine([(kp[:-1], rp[:-1]), (ke, re), skip], eps)
            k_p, c_p = _combine([(kp[1:], rp[1:]), (ke, re + self.w_blank)], eps)
            self.sums.append((k_e, c_e, k_p, c_p))
            e, b = lp[t, labels], lp[t, blank]
            with np.errstate(invalid="ignore"):
                row = (np.concatenate([kp[:1], k_p]), np.concatenate([rp[:1], c_p]) + b,
                       k_e, c_e + e)
            self.rows.append(row)

    def dead(self, k: np.ndarray, r: np.ndarray) -> np.ndarray:
        """States whose value is log 0."""
        return (r == -np.inf) | ((k > 0) & (self.eps == -np.inf))

    def closed(self) -> tuple[np.ndarray, np.ndarray]:
        """The blank states of the last row with the final epsilon arc emit k -> blank k+1."""
        kp, rp, ke, re = self.rows[-1]
        k, r = _combine([(kp[1:], rp[1:]), (ke, re)], self.eps)
        return np.concatenate([kp[:1], k]), np.concatenate([rp[:1], r])

    def values(self, t_max: int, close: bool) -> tuple[np.ndarray, np.ndarray]:
        """(blank (T, S+1), label (T, S)) in float64."""
        s = len(self.labels)
        blank, label = np.empty((t_max, s + 1)), np.empty((t_max, s))
        for t in range(t_max):
            kp, rp, ke, re = self.rows[min(t, self.frames - 1) + 1]
            blank[t], label[t] = _value(kp, rp, self.eps), _value(ke, re, self.eps)
        if close and t_max:
            blank[-1] = _value(*self.closed(), self.eps)
        return blank, label

    def vjp(self, g_blank: np.ndarray, g_label: np.ndarray, c: int, close: bool) -> np.ndarray:
        """d sum(g_blank * blank + g_label * label) / d log p (T, C), extended precision:
        each state's adjoint flows back to the terms of its sum, weighted by
        exp(term - sum) (in [0, 1])."""
        eps, labels = self.eps, self.labels
        t_max = len(g_blank)
        a_p = np.zeros(len(labels) + 1, dtype=EXT)
        a_e = np.zeros(len(labels), dtype=EXT)
        dlp = np.zeros((t_max, c), dtype=EXT)
        for t in range(t_max - 1, -1, -1):
            gp, ge = g_blank[t].astype(EXT), g_label[t].astype(EXT)
            if close and t == t_max - 1:  # through the final epsilon arc
                kp, rp, ke, re = self.rows[-1]
                kc, rc = self.closed()
                a_p[0] += gp[0]
                a_p[1:] += gp[1:] * _scaled(kp[1:], rp[1:], kc[1:], rc[1:], eps)
                a_e += gp[1:] * _scaled(ke, re, kc[1:], rc[1:], eps)
                a_e += ge
            else:
                a_p += gp
                a_e += ge
            if t >= self.frames:  # a skipped frame repeats the row: its adjoint carries over
                continue
            # a state that is log 0 is -inf around the input: it passes nothing back
            kp, rp, ke, re = self.rows[t + 1]
            a_p = np.where(self.dead(kp, rp), EXT(0), a_p)
            a_e = np.where(self.dead(ke, re), EXT(0), a_e)
            kp, rp, ke, re = self.rows[t]
            k_e, c_e, k_p, c_p = self.sums[t]
            dlp[t, self.blank] += np.sum(a_p)
            np.add.at(dlp[t], labels, a_e)
            prev_p = np.zeros_like(a_p)
            prev_e = np.zeros_like(a_e)
            prev_p[:-1] += a_e * _scaled(kp[:-1], rp[:-1], k_e, c_e, eps)
            prev_e += a_e * _scaled(ke, re, k_e, c_e, eps)
            prev_e[:-1] += a_e[1:] * _scaled(ke[:-1] + self.repeat, re[:-1], k_e[1:], c_e[1:], eps)
            prev_p[0] += a_p[0]
            prev_p[1:] += a_p[1:] * _scaled(kp[1:], rp[1:], k_p, c_p, eps)
            prev_e += a_p[1:] * _scaled(ke, re + self.w_blank, k_p, c_p, eps)
            a_p, a_e = prev_p, prev_e
        return dlp


def _logits_grad(dlp: np.ndarray, lp: np.ndarray, input_space: str) -> np.ndarray:
    """d/d scores from d/d log p (T, C), extended precision, rounded once."""
    if input_space != "logits":
        return to64(dlp)
    with np.errstate(invalid="ignore", over="ignore"):
        # log_softmax's backward dlp - softmax * sum(dlp); it cancels in the most probable
        # class where softmax ~ 1: as the row sums to 0, take it as minus the others' sum
        d = dlp - np.exp(lp) * np.sum(dlp, axis=-1, keepdims=True)
        top = np.argmax(lp, axis=-1)
        at = np.arange(len(lp))
        d[at, top] = 0
        d[at, top] = -np.sum(d, axis=-1)
    return to64(d)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """log softmax over the last axis in extended precision, as m-shifted scores minus
    log1p of the other classes' sum (the most probable class keeps its digits when its
    log-probability is near 0); a row of -inf/+inf follows the shifted formula."""
    xe = np.asarray(x).astype(EXT)
    with np.errstate(invalid="ignore", over="ignore"):
        m = np.max(xe, axis=-1, keepdims=True)
        safe = np.where(np.isfinite(m), m, 0)
        e = np.exp(xe - safe)
        if xe.shape[-1]:
            np.put_along_axis(e, np.argmax(xe, axis=-1)[..., None], 0, axis=-1)
        return xe - safe - np.log1p(np.sum(e, axis=-1, keepdims=True))


def _lattices(y_pred: Any, y_true: Any, input_lengths: Any, label_lengths: Any, blank: Any,
              input_space: str, log_epsilon: Any, close_last_frame: Any
              ) -> tuple[np.ndarray, list[_Sample]]:
    eps = _check_options(log_epsilon, close_last_frame)
    lp, _, lengths, _, blank = _inputs(y_pred, y_true, input_lengths, label_lengths, blank,
                                       input_space)
    labels = _padded_labels(y_true, np.asarray(label_lengths), lp.shape[-1])
    return lp, [_Sample(lp[i], labels[i], int(lengths[i]), blank, eps)
                for i in range(lp.shape[0])]


def ctc_log_alpha_blank(
    y_pred: Any, y_true: Any, input_lengths: Any, label_lengths: Any, *, blank: int = 0,
    input_space: str = "logits", log_epsilon: float = -np.inf, close_last_frame: bool = False,
) -> np.ndarray:
    """log alpha_t(2k) of the blank states, shape (N, T, S + 1), batch-major (optax's
    logalpha_phi transposed from (T, N, S + 1)); see the module docstring. label_lengths
    is validated (no blank within a label) but does not enter the lattice."""
    lp, samples = _lattices(y_pred, y_true, input_lengths, label_lengths, blank, input_space,
                            log_epsilon, close_last_frame)
    n, t, _ = lp.shape
    out = np.empty((n, t, np.shape(y_true)[1] + 1))
    for i, sample in enumerate(samples):
        out[i] = sample.values(t, close_last_frame)[0]
    return out


def ctc_log_alpha_label(
    y_pred: Any, y_true: Any, input_lengths: Any, label_lengths: Any, *, blank: int = 0,
    input_space: str = "logits", log_epsilon: float = -np.inf,
) -> np.ndarray:
    """log alpha_t(2k + 1) of the label (emit) states, shape (N, T, S), batch-major
    (optax's logalpha_emit transposed from (T, N, S)); see the module docstring."""
    lp, samples = _lattices(y_pred, y_true, input_lengths, label_lengths, blank, input_space,
                            log_epsilon, False)
    n, t, _ = lp.shape
    out = np.empty((n, t, np.shape(y_true)[1]))
    for i, sample in enumerate(samples):
        out[i] = sample.values(t, False)[1]
    return out


def _vjp(g_blank: np.ndarray | None, g_label: np.ndarray | None, lp: np.ndarray,
         samples: list[_Sample], input_space: str, close: bool) -> np.ndarray:
    _, t, c = lp.shape
    grad = np.zeros(lp.shape)
    for i, sample in enumerate(samples):
        s = len(sample.labels)
        gb = np.zeros((t, s + 1)) if g_blank is None else g_blank[i]
        gl = np.zeros((t, s)) if g_label is None else g_label[i]
        grad[i] = _logits_grad(sample.vjp(gb, gl, c, close), lp[i], input_space)
        grad[i, sample.frames:] = 0.0  # skipped frames do not enter the lattice
    return grad


def _cotangent(g: Any, shape: tuple[int, ...]) -> np.ndarray:
    g = np.asarray(g, dtype=np.float64)
    if g.shape != shape:
        raise ValueError(f"g must have the output's shape {shape}, got {g.shape}")
    return g


def ctc_log_alpha_blank_vjp(
    g: Any, y_pred: Any, y_true: Any, input_lengths: Any, label_lengths: Any, *,
    blank: int = 0, input_space: str = "logits", log_epsilon: float = -np.inf,
    close_last_frame: bool = False,
) -> np.ndarray:
    """Gradient w.r.t. y_pred of sum(g * ctc_log_alpha_blank(...)): the reverse of the
    forward recursion, each state's adjoint passed to the terms of its sum in proportion
    exp(term - state); frames past input_lengths get 0. A state that is log 0 (log_epsilon
    = -inf) passes nothing back. Within 4 ULP of the oracle (tests/oracles/ctc.py) except
    where the cotangent-weighted adjoints of a frame's class cancel: logits ~ N(0, 30) with
    N(0, 1) cotangents, 11 ULP (ctc_log_alpha_label: 24 ULP) on elements of ~0.02 made of
    terms of ~1. With optax's log_epsilon = -1e5 more: on the conformance suite's ``long``
    case, 10 ULP here and 246 ULP (4.5e-14 relative) for ctc_log_alpha_label against mpmath
    (2026-12-06)."""
    lp, samples = _lattices(y_pred, y_true, input_lengths, label_lengths, blank, input_space,
                            log_epsilon, close_last_frame)
    g = _cotangent(g, (lp.shape[0], lp.shape[1], np.shape(y_true)[1] + 1))
    return _vjp(g, None, lp, samples, input_space, close_last_frame)


def ctc_log_alpha_label_vjp(
    g: Any, y_pred: Any, y_true: Any, input_lengths: Any, label_lengths: Any, *,
    blank: int = 0, input_space: str = "logits", log_epsilon: float = -np.inf,
) -> np.ndarray:
    """Gradient w.r.t. y_pred of sum(g * ctc_log_alpha_label(...)) (as
    :func:`ctc_log_alpha_blank_vjp`)."""
    lp, samples = _lattices(y_pred, y_true, input_lengths, label_lengths, blank, input_space,
                            log_epsilon, False)
    g = _cotangent(g, (lp.shape[0], lp.shape[1], np.shape(y_true)[1]))
    return _vjp(None, g, lp, samples, input_space, False)


def finite_epsilon_nll(lp: np.ndarray, rows: list[np.ndarray], lengths: np.ndarray, blank: int,
                       eps: EXT) -> tuple[np.ndarray, list[_Sample]]:
    """-log p(l | x) per sample as optax computes it with a finite log_epsilon: minus the
    closed last row's blank state after the whole label (float64), and the lattices."""
    samples = [_Sample(lp[i], rows[i], int(lengths[i]), blank, eps) for i in range(len(rows))]
    nll = np.array([-_value(*s.closed(), eps)[len(s.labels)] for s in samples])
    return nll, samples


def finite_epsilon_nll_vjp(samples: list[_Sample], lp: np.ndarray, cot: np.ndarray,
                           input_space: str) -> np.ndarray:
    """d sum(cot * nll) / d scores for :func:`finite_epsilon_nll`'s lattices."""
    _, t, c = lp.shape
    grad = np.zeros(lp.shape)
    for i, sample in enumerate(samples):
        s = len(sample.labels)
        gb = np.zeros((t, s + 1))
        if t:
            gb[-1, s] = -cot[i]
        dlp = sample.vjp(gb, np.zeros((t, s)), c, True)
        grad[i] = _logits_grad(dlp, lp[i], input_space)
        grad[i, sample.frames:] = 0.0
    return grad
