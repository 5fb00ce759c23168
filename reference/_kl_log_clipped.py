"""KL(T || Q) with the logs of clip(., eps, 1 - eps), the weights unclipped: the KL of
two ``torch.distributions.Categorical(probs=...)`` (torch/distributions/kl.py:
_kl_categorical_categorical over logits = log(clamp_probs(probs))), eps = finfo(dtype).eps,
and of two Bernoulli distributions elementwise (binary_kl, clipped or not: two
``Bernoulli(probs=...)``, _kl_bernoulli_bernoulli). Private: kl_divergence(log_clip_eps=)
and binary_kl_divergence dispatch here."""

from __future__ import annotations

import numpy as np

from ._crossentropy_common import clip_mask, clipped_log
from ._divergence_kernels import kl_div_series
from ._loss_common import EXT, normalized_log, to64
from ._normalized import centred_values, exact_dot, normalized_difference, sum_ext
from ._special import two_sum


def _side(x: np.ndarray, ax: int, normalize: bool, eps: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X float64 for the comparisons, X in EXT, log clip(X, eps, 1 - eps) in EXT), X = x or
    x / sum x; the log from normalized_log inside the clip (exact sums, 1 - X from the rest)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        x64 = x / np.sum(x, axis=ax, keepdims=True) if normalize else x
        xe, log_x = normalized_log(x, ax, EXT)[:2] if normalize else (x.astype(EXT),
                                                                        np.log(x.astype(EXT)))
    return x64, xe, clipped_log(log_x, x64 < eps, x64 > 1.0 - eps, eps)


def _rows_state(p64: np.ndarray, t64: np.ndarray, ax: int) -> tuple[np.ndarray, np.ndarray]:
    """(bad, infinite) rows: NaN in either; some T_i > 0 where Q_i = 0."""
    bad = (np.isnan(p64) | np.isnan(t64)).any(axis=ax, keepdims=True)
    inf = ((t64 > 0) & (p64 == 0)).any(axis=ax, keepdims=True) & ~bad
    return bad, inf


def kl_log_clipped(p: np.ndarray, t: np.ndarray, ax: int, normalize: bool, eps: float
                   ) -> np.ndarray:
    """sum_i T_i (log clip(T_i) - log clip(Q_i)) over ``ax`` (kept), Q = p, T = t
    (normalised if asked): 0 where T_i = 0, inf where T_i > 0 = Q_i (torch's masks; the
    clipped logs alone would give a finite log(1 / eps) term there). Terms and sum in EXT."""
    q64, _, lq = _side(p, ax, normalize, eps)
    t64, te, lt = _side(t, ax, normalize, eps)
    with np.errstate(invalid="ignore"):
        terms = np.where(t64 == 0, EXT(0), te * (lt - lq))
    bad, inf = _rows_state(q64, t64, ax)
    value = to64(np.sum(np.where(bad | inf, EXT(0), terms), axis=ax, keepdims=True))
    return np.where(bad, np.nan, np.where(inf, np.inf, value))


def kl_log_clipped_vjp(cot: np.ndarray, p: np.ndarray, t: np.ndarray, ax: int,
                       normalize: bool, eps: float, grad_at_clip: float, target: bool
                       ) -> np.ndarray:
    """The VJP of kl_log_clipped for the cotangent ``cot`` (class axis kept, size 1).

    Q side: -T_i / Q_i inside the clip, times ``grad_at_clip`` at a bound, 0 beyond it and
    where T_i = 0. T side: log clip(T_i) - log clip(Q_i) + (the clip's slope at T_i); at
    T_i = 0 (clipped: slope 0) log(eps) - log clip(Q_i), the formula's one-sided derivative.
    Through the normalisation: (l_j - sum_i X_i l_i) / sum x, centred by centred_values
    (pairwise where it cancels: -T_j / Q_j is within 1e-12 of sum T on rows near a corner);
    log(T_i / Q_i) as log1p((T_i - Q_i) / Q_i) near 1, the difference from the exact sums.
    NaN on the rows kl_log_clipped calls NaN or inf (an infinite divergence has no gradient).
    """
    q64, qe, lq = _side(p, ax, normalize, eps)
    t64, te, lt = _side(t, ax, normalize, eps)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if target:
            inside = (t64 > eps) & (t64 < 1.0 - eps) & (q64 > eps) & (q64 < 1.0 - eps)
            d = normalized_difference(t, p, ax) if normalize else t.astype(EXT) - p
            near = inside & (np.abs(d) <= 0.5 * qe)
            ratio = np.where(near, np.log1p(np.where(near, d / qe, EXT(0))), lt - lq)
            local = ratio + clip_mask(t64, eps, grad_at_clip)
        else:
            local = np.where(t64 == 0, EXT(0), -te / qe * clip_mask(q64, eps, grad_at_clip))
    xe = te if target else qe
    bad, inf = _rows_state(q64, t64, ax)
    if normalize:
        c = centred_values(np.where(bad | inf, EXT(0), xe), np.where(bad | inf, EXT(0), local), ax)
        if not target:
            c = _refine_pred(c, local, p, t, clip_mask(q64, eps, grad_at_clip), ax)
        with np.errstate(invalid="ignore", over="ignore"):
            grad = to64(cot * c / sum_ext(t if target else p, ax))
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            grad = to64(cot * local)
    return np.where(bad | inf, np.nan, grad)


def _refine_pred(c: np.ndarray, local: np.ndarray, p: np.ndarray, t: np.ndarray,
                 m: np.ndarray, ax: int) -> np.ndarray:
    """The Q side's centred gradient c_j = sum_k m_k T_k - T_j / Q_j (slope m_j = 1) where
    it cancels by more than 2^8, exactly: [q_j sum_k m_k t_k - t_j sum_k q_k] / (q_j sum t)
    from the raw entries' exact products (the clip's held mass and Q_j - T_j cancel to 1e-20
    of 1 on a row [0.5, 0.4, 1e-20, 0.1] against [0.5, 0.5, 1e-9, 0]: 1e12 ULP in EXT)."""
    cl, ll, pl, tl, ml = (np.moveaxis(a, ax, -1) for a in (c, local, p, t, m))
    with np.errstate(invalid="ignore"):
        lanes = np.argwhere((ml == 1) & (tl > 0) & np.isfinite(cl)
                            & (np.abs(cl) * 2.0**8 < np.abs(ll)))
    if not lanes.size:
        return c
    out = cl.copy()
    for lane in lanes:
        row = tuple(lane[:-1])
        q, tt, k = pl[row], tl[row], lane[-1]
        held = np.where(ml[row] == 1, tt, 0.0)  # the slopes are 0 or 1 on these rows
        if np.any((ml[row] != 0) & (ml[row] != 1)):
            continue
        n = len(q)
        bracket = exact_dot(np.concatenate([np.full(n, q[k]), np.full(n, -tt[k])]),
                            np.concatenate([held, q]))
        out[(*row, k)] = bracket / (EXT(q[k]) * sum_ext(tt, 0)[0])
    return np.moveaxis(out, -1, ax)


def _binary_logs(x: np.ndarray, eps: float | None) -> tuple[np.ndarray, np.ndarray]:
    """(log clip(x), log clip(1 - x)) in EXT; 1 - x never rounded (log1p(-x))."""
    xe = x.astype(EXT)
    with np.errstate(divide="ignore", invalid="ignore"):
        one, zero = np.log(xe), np.log1p(-xe)
        if eps is None:
            return one, zero
        return (clipped_log(one, x < eps, x > 1.0 - eps, eps),
                clipped_log(zero, x > 1.0 - eps, x < eps, eps))


def _binary_state(p: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(NaN, infinite) elements: t > 0 = p or t < 1 = p (the masks torch applies)."""
    bad = np.isnan(p) | np.isnan(t)
    return bad, ((t > 0) & (p == 0)) | ((t < 1) & (p == 1))


def binary_kl(p: np.ndarray, t: np.ndarray, eps: float | None) -> np.ndarray:
    """KL(Bernoulli(t) || Bernoulli(p)) elementwise: t (log t - log p) + (1 - t)(log(1 - t)
    - log(1 - p)), logs of clip(., eps, 1 - eps) if ``eps``; 0 where the weight is 0, inf
    where t > 0 = p or t < 1 = p. Where neither side is clipped, as kl_div(t, p) +
    kl_div(1 - t, 1 - p) (their linear parts cancel): non-negative terms, each by the kl_div
    series from the exact t - p where t / p (or (1 - t) / (1 - p)) is within [1/7, 3]."""
    l1p, l0p = _binary_logs(p, eps)
    l1t, l0t = _binary_logs(t, eps)
    te = t.astype(EXT)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        direct = (np.where(t == 0, EXT(0), te * (l1t - l1p))
                  + np.where(t == 1, EXT(0), (1 - te) * (l0t - l0p)))
        inside = (p > 0) & (p < 1) & (t > 0) & (t < 1)
        if eps is not None:
            inside &= (p > eps) & (p < 1.0 - eps) & (t > eps) & (t < 1.0 - eps)
        dh, dl = two_sum(t, -p)  # t - p exactly
        one, near1 = kl_div_series(dh, dl, t + p)
        zero, near0 = kl_div_series(-dh, -dl, (1.0 - t) + (1.0 - p))
        # each side's kl_div directly where its series does not apply (no cancellation)
        side1 = np.where(near1, one, te * (l1t - l1p) - te + p)
        side0 = np.where(near0, zero, (1 - te) * (l0t - l0p) + (te - p))
        value = to64(np.where(inside, side1 + side0, direct))
    bad, inf = _binary_state(p, t)
    return np.where(bad, np.nan, np.where(inf, np.inf, value))


def binary_kl_vjp(g: np.ndarray, p: np.ndarray, t: np.ndarray, eps: float | None,
                  grad_at_clip: float, target: bool) -> np.ndarray:
    """The VJP of binary_kl. w.r.t. p: (p - t) / (p (1 - p)) (= -t/p + (1 - t)/(1 - p), the
    difference exact) times the clip's slope at p; w.r.t. t: [log clip(t) - log clip(p)] -
    [log clip(1 - t) - log clip(1 - p)] (the clip's slopes cancel), the one-sided limit at
    t = 0 or 1 (-inf, +inf unclipped). NaN where binary_kl is NaN or inf."""
    l1p, l0p = _binary_logs(p, eps)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if target:
            l1t, l0t = _binary_logs(t, eps)
            near = (t > 0) & (p > 0) & (t < 1) & (p < 1)
            if eps is not None:
                near &= (t > eps) & (p > eps) & (t < 1.0 - eps) & (p < 1.0 - eps)
            dh, dl = two_sum(t, -p)
            d = dh.astype(EXT) + dl
            pe = np.where(near, p, 0.5).astype(EXT)
            # log(t / p) and log((1 - t) / (1 - p)) as log1p of the exact t - p where the
            # ratio is near 1 (log1p's argument near -1 would cancel instead)
            one = np.where(near & (np.abs(d) <= 0.5 * pe), np.log1p(d / pe), l1t - l1p)
            zero = np.where(near & (np.abs(d) <= 0.5 * (1 - pe)), np.log1p(-d / (1 - pe)),
                            l0t - l0p)
            local = one - zero
        else:
            m = np.ones_like(p) if eps is None else clip_mask(p, eps, grad_at_clip)
            pe = p.astype(EXT)
            dh, dl = two_sum(p, -t)
            local = (dh.astype(EXT) + dl) / (pe * (1 - pe)) * m
            # t = 0 (or 1): only the other term, 1 / (1 - p) (or -1 / p), finite at p = 0 (1)
            local = np.where((t == 0) & (p == 0), m, np.where((t == 1) & (p == 1), -m, local))
        grad = to64(g * local)
    bad, inf = _binary_state(p, t)
    return np.where(bad | inf, np.nan, grad)
