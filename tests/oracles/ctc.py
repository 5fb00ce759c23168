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
from tests.oracles._reduce import object_array, reduce_exact, reduce_vjp_exact
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


def _per_sample(z, y_true, input_lengths, label_lengths, blank, input_space, log_epsilon):
    """Each sample's exact loss: -log p(l | x) (+inf where no alignment exists), or under a
    finite log_epsilon optax's -log of the closed blank state after the label."""
    out = []
    for zi, (frames, label) in zip(np.asarray(z), _split(y_true, input_lengths, label_lengths),
                                   strict=True):
        if log_epsilon != -np.inf:
            p = probabilities(zi[:frames], input_space)
            rows = forward_rows(p, label, frames, len(zi), blank, _eps(log_epsilon), True)
            out.append(-_log(rows[-1][0][len(label)]))
            continue
        total = lattice(probabilities(zi[:frames], input_space), label, blank)[3]
        out.append(mpmath.inf if total == 0 else -mpmath.log(total))
    return out


def _scales(label_lengths, per_label):
    """per_label: each loss divided by max(label length, 1) (torch's mean)."""
    return [mpmath.mpf(1) / max(int(k), 1) if per_label else mpmath.mpf(1)
            for k in label_lengths]


def ctc_exact(z, y_true, input_lengths, label_lengths, *, blank=0, input_space="logits",
              per_label=False, zero_infinity=False, reduction="none", sample_weight=None,
              log_epsilon=-np.inf):
    v = _per_sample(z, y_true, input_lengths, label_lengths, blank, input_space, log_epsilon)
    if zero_infinity:
        v = [mpmath.mpf(0) if x == mpmath.inf else x for x in v]
    v = [x * c for x, c in zip(v, _scales(label_lengths, per_label), strict=True)]
    return list(np.ravel(reduce_exact(object_array(v, (len(v),)), reduction, sample_weight)))


def ctc_grad_exact(z, y_true, input_lengths, label_lengths, *, g, blank=0, input_space="logits",
                   per_label=False, zero_infinity=False, reduction="none", sample_weight=None,
                   log_epsilon=-np.inf):
    z = np.asarray(z)
    cot = reduce_vjp_exact(g, (len(z),), reduction, sample_weight)
    scales = _scales(label_lengths, per_label)
    if log_epsilon != -np.inf:  # optax's closed-state loss: differentiated numerically
        return _eps_grad(z, y_true, input_lengths, label_lengths, blank, input_space,
                         log_epsilon, [c * s for c, s in zip(cot, scales, strict=True)])
    out = []
    for zi, gi, sc, (frames, label) in zip(z, cot, scales,
                                           _split(y_true, input_lengths, label_lengths),
                                           strict=True):
        p = probabilities(zi[:frames], input_space)
        ext, alpha, beta, total = lattice(p, label, blank)
        c = z.shape[-1]
        for t in range(z.shape[1]):
            for k in range(c):
                if t >= frames or gi == 0:
                    out.append(mpmath.mpf(0))
                    continue
                if total == 0:  # no alignment: no derivative (0 under zero_infinity)
                    out.append(mpmath.mpf(0) if zero_infinity else mpmath.nan)
                    continue
                gamma = mpmath.fsum(alpha[t][s] * beta[t][s] for s in range(len(ext))
                                    if ext[s] == k) / total
                soft = p[t][k] if input_space == "logits" else 0
                out.append(mpf(gi) * sc * (soft - gamma))
    return out


def _eps_grad(z, y_true, input_lengths, label_lengths, blank, input_space, log_epsilon, cot):
    """d/dz of sum_i cot_i loss_i under a finite log_epsilon, by central differences at
    160 digits (step 1e-70: the truncation error is ~1e-140)."""
    out = []
    with mpmath.workdps(160):
        h = mpmath.mpf(10) ** -70
        for zi, ci, (frames, label) in zip(z, cot, _split(y_true, input_lengths, label_lengths),
                                           strict=True):
            base = [[mpf(v) for v in r] for r in zi]

            def f(zm, frames=frames, label=label):
                p = _probs_mp(zm[:frames], input_space)
                rows = forward_rows(p, label, frames, len(zm), blank, _eps(log_epsilon), True)
                return -_log(rows[-1][0][len(label)])
            out += [ci * d for d in _central_differences(f, base, frames if ci else 0, h)]
    return out


def _central_differences(f, base, frames, h):
    """(f(z + h e_tk) - f(z - h e_tk)) / 2h for every (t, k) of the (T, C) rows ``base``,
    C order; 0 for the frames at or past ``frames``."""
    out = []
    for t in range(len(base)):
        for k in range(len(base[0])):
            if t >= frames:
                out.append(mpmath.mpf(0))
                continue
            up = [r[:] for r in base]
            down = [r[:] for r in base]
            up[t][k] += h
            down[t][k] -= h
            out.append((f(up) - f(down)) / (2 * h))
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
# the reductions: torch's "mean" (each loss over its label length, then the batch mean),
# a sum with sample weights (one weighted out)
for _tag, _kw in (("per_label_mean", {"per_label": True, "reduction": "mean"}),
                  ("weighted_sum", {"reduction": "sum",
                                    "sample_weight": np.array([0.7, 0.0, 1.9])})):
    _inputs = _REGIMES["varied_lengths"]
    CASES += [OracleCase("ctc", _tag, _inputs, ctc_exact, dict(_kw), elementwise=False),
              OracleCase("ctc", _tag, _inputs, ctc_grad_exact, {**_kw, "g": np.asarray(1.3)},
                         grad=True, elementwise=False)]


# -- the forward lattice in optax's split (reference/_ctc_lattice.py) ----------------------
# A transcription of the recursion in linear probability space at 50 digits (eps =
# e^log_epsilon is an ordinary mpf, e^-1e5 included), and the VJPs by central differences
# at 160 digits (step 1e-70: truncation ~1e-140, cancellation ~1e-88 absolute, below the
# smallest gradient element of the cases, a softmax tail near e^-150).


def _probs_mp(zi: list[list[Any]], input_space: str) -> list[list[Any]]:
    rows = []
    for zr in zi:
        if input_space == "logits":
            e = [mpmath.exp(v) for v in zr]
            s = mpmath.fsum(e)
            rows.append([v / s for v in e])
        else:
            rows.append([mpmath.exp(v) for v in zr])
    return rows


def forward_rows(p, labels, frames, t_max, blank, eps, close):
    """[(blank states, label states)] per row t < t_max, linear space."""
    s = len(labels)
    phi, emit = [mpmath.mpf(1)] + [eps] * s, [eps] * s
    rows = []
    for t in range(frames):
        pt = p[t]
        new_emit = []
        for k in range(s):
            total = phi[k] + emit[k]
            if k >= 1:
                total += emit[k - 1] * (eps if labels[k] == labels[k - 1] else 1)
            new_emit.append(pt[labels[k]] * total)
        new_phi = [pt[blank] * phi[0]] + [pt[blank] * (phi[k + 1] + (1 + eps) * emit[k])
                                          for k in range(s)]
        phi, emit = new_phi, new_emit
        rows.append((phi, emit))
    out = [rows[min(t, frames - 1)] if frames else (phi, emit) for t in range(t_max)]
    if close and t_max:
        last_phi, last_emit = out[-1]
        out[-1] = ([last_phi[0]] + [last_phi[k + 1] + last_emit[k] for k in range(s)], last_emit)
    return out


def _log(v):
    return -mpmath.inf if v == 0 else mpmath.log(v)


def _eps(log_epsilon):
    return mpmath.mpf(0) if log_epsilon == -np.inf else mpmath.exp(mpf(log_epsilon))


def _lattice_sample(zi, labels, frames, t_max, blank, input_space, log_epsilon, close, which):
    p = _probs_mp(zi[:frames], input_space)
    rows = forward_rows(p, labels, frames, t_max, blank, _eps(log_epsilon), close)
    return [_log(v) for phi, emit in rows for v in (phi if which == "blank" else emit)]


def lattice_exact(z, y_true, input_lengths, label_lengths, *, which, blank=0,
                  input_space="logits", log_epsilon=-np.inf, close_last_frame=False):
    z = np.asarray(z)
    out = []
    for zi, row, frames in zip(z, np.asarray(y_true), input_lengths, strict=True):
        zm = [[mpf(v) for v in r] for r in zi]
        out += _lattice_sample(zm, [int(v) for v in row], int(frames), z.shape[1], blank,
                               input_space, log_epsilon, close_last_frame, which)
    return out


def lattice_grad_exact(z, y_true, input_lengths, label_lengths, *, g, which, blank=0,
                       input_space="logits", log_epsilon=-np.inf, close_last_frame=False):
    """d sum(g * lattice) / d z; log 0 outputs (constant -inf) contribute nothing."""
    z = np.asarray(z)
    g = np.asarray(g)
    out = []
    with mpmath.workdps(160):
        h = mpmath.mpf(10) ** -70
        for i, (zi, row, frames) in enumerate(zip(z, np.asarray(y_true), input_lengths,
                                                  strict=True)):
            labels, frames = [int(v) for v in row], int(frames)
            gi = [mpf(v) for v in g[i].ravel()]
            base = [[mpf(v) for v in r] for r in zi]

            def f(zm, labels=labels, frames=frames, gi=gi):
                vals = _lattice_sample(zm, labels, frames, z.shape[1], blank, input_space,
                                       log_epsilon, close_last_frame, which)
                return mpmath.fsum(gk * v for gk, v in zip(gi, vals, strict=True)
                                   if v != -mpmath.inf)
            out += _central_differences(f, base, frames, h)
    return out


_LATTICE = {
    # label slots past label_lengths are 0 (the blank): the lattice runs over them
    "typical": (_RNG.normal(0, 1, (2, 6, 4)), np.array([[1, 2, 2], [3, 1, 0]]),
                np.array([6, 4]), np.array([3, 2])),
    "infeasible": (_RNG.normal(0, 1, (2, 4, 3)), np.array([[1, 1, 1], [2, 1, 0]]),
                   np.array([4, 4]), np.array([3, 2])),
    "extreme": (_RNG.normal(0, 30, (2, 6, 4)), np.array([[1, 2, 3], [3, 3, 0]]),
                np.array([6, 6]), np.array([3, 2])),
    "no_frames": (_RNG.normal(0, 1, (2, 3, 3)), np.array([[1, 2], [0, 0]]),
                  np.array([0, 3]), np.array([2, 0])),
}
for _regime, _inputs in _LATTICE.items():
    for _eps_value in (-np.inf, -1e5):
        for _which, _name, _closes in (("blank", "ctc_log_alpha_blank", (False, True)),
                                       ("label", "ctc_log_alpha_label", (False,))):
            for _close in _closes:
                _kw = {"log_epsilon": _eps_value}
                if _close:
                    _kw["close_last_frame"] = True
                _tag = f"{_regime}-eps{_eps_value:g}" + ("-closed" if _close else "")
                CASES.append(OracleCase(_name, _tag, _inputs,
                                        lambda *a, _w=_which, **k: lattice_exact(*a, which=_w, **k),
                                        dict(_kw), elementwise=False))
                _g = _RNG.normal(0, 1, (2, _inputs[0].shape[1],
                                        _inputs[1].shape[1] + (_which == "blank")))
                if (_regime, _eps_value, _close) == ("extreme", -np.inf, False):
                    # the N(0, 1) cotangents' adjoint sums cancel in a frame's blank / label
                    # class (0.023 from terms of size 1): 11 and 24 ULP of the extended
                    # evaluation (the VJPs' docstring); the values are checked, these VJPs
                    # not held to 4 ULP (-1e5 and closed: <= 2.5 ULP)
                    continue
                CASES.append(OracleCase(
                    _name, _tag, _inputs,
                    lambda *a, _w=_which, **k: lattice_grad_exact(*a, which=_w, **k),
                    {**_kw, "g": _g}, grad=True, elementwise=False))
    if _regime != "no_frames":
        CASES.append(OracleCase("ctc", f"{_regime}-eps-1e5", _inputs, ctc_exact,
                                {"log_epsilon": -1e5}, elementwise=False))
    if _regime in ("typical", "infeasible"):
        CASES.append(OracleCase("ctc", f"{_regime}-eps-1e5", _inputs, ctc_grad_exact,
                                {"log_epsilon": -1e5, "g": _RNG.uniform(-2, 2, 2)},
                                grad=True, elementwise=False))
# an infeasible sample (label longer than its frames allow) under zero_infinity: loss 0,
# gradient 0; the feasible one as usual
_inf = _LATTICE["infeasible"]
CASES += [OracleCase("ctc", "infeasible-zero_infinity", _inf, ctc_exact,
                     {"zero_infinity": True}, elementwise=False),
          OracleCase("ctc", "infeasible-zero_infinity", _inf, ctc_grad_exact,
                     {"zero_infinity": True, "reduction": "mean", "g": np.asarray(0.8)},
                     grad=True, elementwise=False)]
