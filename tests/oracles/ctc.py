"""mpmath oracle for the CTC loss (reference/_ctc.py): the forward-backward recursions in
linear probability space at 50 digits (no log-space tricks, no underflow: mpmath's
exponent range is unbounded), values and VJPs, for logits and log-probability inputs.
tests/test_ref_ctc.py checks this oracle against a brute-force sum over every alignment.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from tests.oracles import OracleCase
from tests.oracles.regression import mpf

_RNG = np.random.default_rng(777)


def probabilities(z: np.ndarray, input_space: str) -> list[list[Any]]:
    """p_t(c) per frame from one sample's scores (T, C)."""
    rows = []
    for zr in np.asarray(z):
        if input_space == "logits":
            e = [mpmath.exp(mpf(v)) for v in zr]
            s = mpmath.fsum(e)
            rows.append([v / s for v in e])
        else:
            rows.append([mpmath.exp(mpf(v)) for v in zr])
    return rows


def lattice(p: list[list[Any]], label: list[int], blank: int) -> tuple[list[int], list, list, Any]:
    """(extended label, alpha[t][s], beta[t][s] (emission at t excluded), p(l | x))."""
    ext = [blank]
    for c in label:
        ext += [c, blank]
    size, frames = len(ext), len(p)
    zero = mpmath.mpf(0)
    if frames == 0:
        return ext, [], [], (mpmath.mpf(1) if not label else zero)

    def sources(s):  # states that may precede s
        out = [s]
        if s >= 1:
            out.append(s - 1)
        if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
            out.append(s - 2)
        return out

    alpha = [[zero] * size for _ in range(frames)]
    alpha[0][0] = p[0][ext[0]]
    if size > 1:
        alpha[0][1] = p[0][ext[1]]
    for t in range(1, frames):
        for s in range(size):
            alpha[t][s] = mpmath.fsum(alpha[t - 1][r] for r in sources(s)) * p[t][ext[s]]
    beta = [[zero] * size for _ in range(frames)]
    for s in range(max(size - 2, 0), size):
        beta[frames - 1][s] = mpmath.mpf(1)
    for t in range(frames - 2, -1, -1):
        for s in range(size):
            beta[t][s] = mpmath.fsum(beta[t + 1][q] * p[t + 1][ext[q]]
                                     for q in range(s, min(s + 3, size)) if s in sources(q))
    total = alpha[-1][-1] + (alpha[-1][-2] if size > 1 else zero)
    return ext, alpha, beta, total


def _split(y_true, input_lengths, label_lengths):
    return [(int(n), [int(v) for v in row[: int(k)]])
            for row, n, k in zip(np.asarray(y_true), input_lengths, label_lengths, strict=True)]


def ctc_exact(z, y_true, input_lengths, label_lengths, *, blank=0, input_space="logits", **_):
    out = []
    for zi, (frames, label) in zip(np.asarray(z), _split(y_true, input_lengths, label_lengths),
                                   strict=True):
        total = lattice(probabilities(zi[:frames], input_space), label, blank)[3]
        out.append(mpmath.inf if total == 0 else -mpmath.log(total))
    return out


def ctc_grad_exact(z, y_true, input_lengths, label_lengths, *, g, blank=0, input_space="logits",
                   **_):
    out = []
    z = np.asarray(z)
    for zi, gi, (frames, label) in zip(z, np.ravel(g),
                                       _split(y_true, input_lengths, label_lengths), strict=True):
        p = probabilities(zi[:frames], input_space)
        ext, alpha, beta, total = lattice(p, label, blank)
        c = z.shape[-1]
        for t in range(z.shape[1]):
            for k in range(c):
                if t >= frames:
                    out.append(mpmath.mpf(0))
                    continue
                gamma = mpmath.fsum(alpha[t][s] * beta[t][s] for s in range(len(ext))
                                    if ext[s] == k) / total
                soft = p[t][k] if input_space == "logits" else 0
                out.append(mpf(gi) * (soft - gamma))
    return out


def _case(n, t, c, label_lengths, input_lengths=None, scale=1.0):
    z = _RNG.normal(0, scale, (n, t, c))
    s = max(max(label_lengths), 1)
    y = np.zeros((n, s), dtype=np.int64)
    for i, k in enumerate(label_lengths):
        y[i, :k] = _RNG.integers(1, c, k)
    lengths = np.full(n, t) if input_lengths is None else np.array(input_lengths)
    return z, y, lengths, np.array(label_lengths)


def _logprob(case):
    z, *rest = case
    z = z - z.max(-1, keepdims=True)
    return (z - np.log(np.exp(z).sum(-1, keepdims=True)), *rest)


_REGIMES = {
    "typical": _case(3, 8, 4, [3, 2, 4]),
    "varied_lengths": _case(3, 10, 5, [2, 3, 1], [10, 6, 4]),
    "repeats": (_RNG.normal(0, 1, (2, 6, 3)), np.array([[1, 1, 2, 2], [2, 2, 2, 0]]),
                np.array([6, 6]), np.array([4, 3])),
    "empty_labels": _case(2, 5, 3, [0, 2]),
    "extreme": _case(2, 6, 4, [2, 3], scale=30.0),
    "long": _case(1, 40, 5, [12]),
}

CASES: list[OracleCase] = []
for _space, _transform in (("logits", lambda c: c), ("log_probabilities", _logprob)):
    for _regime, _inputs in _REGIMES.items():
        _inputs = _transform(_inputs)
        _kw = {"input_space": _space}
        CASES.append(OracleCase("ctc", f"{_regime}-{_space}", _inputs, ctc_exact, dict(_kw),
                                elementwise=False))
        _g = _RNG.uniform(-2, 2, len(_inputs[0]))
        if (_regime, _space) == ("extreme", "logits"):
            # softmax - posterior cancels to 1e-5 of its terms: 1.4e3 ULP, 1e-19 absolute
            # (ctc_vjp's docstring); the value is checked, the VJP not held to 4 ULP
            continue
        CASES.append(OracleCase("ctc", f"{_regime}-{_space}", _inputs, ctc_grad_exact,
                                {**_kw, "g": _g}, grad=True, elementwise=False))
