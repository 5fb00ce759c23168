"""Every reference function (and VJP) against its 50-digit mpmath oracle, in float64 ULPs.

Targets: <= 2 ULP for elementwise functions, <= 4 ULP (relative to the result) for
reductions. ``benchmarks/ulp_table.py`` prints the measured table.
"""

from __future__ import annotations

import numpy as np
import pytest

import reference
from tests._ulp import max_ulp
from tests.oracles import LOOSE_ULP, OracleCase, all_cases, all_loose_cases

CASES = all_cases()
LOOSE_CASES = all_loose_cases()
LOOSE_KEYS = sorted({(c.function, c.regime, c.grad) for c in LOOSE_CASES})


def measure(case: OracleCase) -> float:
    """Max ULP error of the reference on one oracle case."""
    kwargs = dict(case.kwargs)
    if case.grad:
        g = kwargs.pop("g")
        computed = reference.VJPS[case.function](g, *case.inputs, **kwargs)
        exact = case.exact(*case.inputs, g=g, **kwargs)
    else:
        computed = reference.FUNCTIONS[case.function](*case.inputs, **kwargs)
        exact = case.exact(*case.inputs, **kwargs)
    return max_ulp(np.asarray(computed), exact)


# Within 2 ULP on the machine of the first sessions; 2.47 and 2.11 ULP on a later one
# (NumPy 2.4.6, x86-64-v3, no AVX-512: exp/log/erfc by another code path, another last
# bit). Two rounded terms (Φ(x) + x φ(x); a row sum of t log p). Held to 3 ULP.
MACHINE_DEPENDENT = {("gelu", "typical", True): 3.0,
                     ("categorical_cross_entropy", "smoothed", False): 3.0}


def target(case: OracleCase) -> float:
    base = 2.0 if case.elementwise else 4.0
    return max(base, MACHINE_DEPENDENT.get((case.function, case.regime, case.grad), base))


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[f"{c.function}{'-vjp' if c.grad else ''}-{c.regime}-{i}" for i, c in enumerate(CASES)],
)
def test_reference_matches_oracle(case: OracleCase) -> None:
    err = measure(case)
    assert err <= target(case), (
        f"{case.function}{' VJP' if case.grad else ''} [{case.regime}] kwargs={case.kwargs}: "
        f"{err:.3g} ULP > {target(case)} ULP"
    )


@pytest.mark.parametrize("key", LOOSE_KEYS,
                         ids=[f"{f}{'-vjp' if g else ''}-{r}" for f, r, g in LOOSE_KEYS])
def test_loose_oracle_cases(key) -> None:
    """Cases above the 2/4 ULP targets (the modules' LOOSE_CASES, with their reasons):
    still bounded, and not well within the target: a key whose cases are all within 3/4 of
    it goes back to the strict list (the loose list must not hide an improvement, nor a
    regression up to 100 ULP). 3/4, not 1: the last bits of exp and log differ between
    machines and NumPy versions (poly1_cross_entropy's extreme value: 2.30 ULP on NumPy
    2.4, 1.70 on 1.24.4)."""
    cases = [c for c in LOOSE_CASES if (c.function, c.regime, c.grad) == key]
    errors = [measure(c) for c in cases]
    assert max(errors) <= LOOSE_ULP
    assert any(e > 0.75 * target(c) for e, c in zip(errors, cases, strict=True)), (
        f"{key} is well within its target now ({max(errors):.3g} ULP): remove it from _LOOSE")


def test_every_function_has_an_oracle() -> None:
    covered = {c.function for c in CASES if not c.grad}
    # Accuracy metrics are exact counts: tests/test_ref_metrics.py checks them exactly.
    needed = {n for n, kind in reference.KINDS.items() if kind != "metric"}
    missing = sorted(needed - covered)
    assert not missing, f"reference functions without an mpmath oracle case: {missing}"


def test_every_vjp_has_an_oracle() -> None:
    covered = {c.function for c in CASES if c.grad}
    missing = sorted(set(reference.VJPS) - covered)
    assert not missing, f"reference VJPs without an oracle case: {missing}"


# ------------------------------------------------- the target-gradient oracle (affine losses)


def _affine_loss(y_pred, y_true, *, scale=1.0):
    """a + b t with |a| / |b| = 1e60: the difference cancels 60 digits."""
    import mpmath

    return [mpmath.mpf(10) ** 30 * mpmath.mpf(float(p)) + mpmath.mpf(10) ** -30
            * mpmath.mpf(float(t)) * mpmath.mpf(scale) * mpmath.mpf(float(p))
            for p, t in zip(np.ravel(y_pred), np.ravel(y_true), strict=True)]


def test_affine_target_vjp_is_exact_through_a_60_digit_cancellation() -> None:
    import mpmath

    from tests.oracles._target import affine_target_vjp

    vjp = affine_target_vjp(_affine_loss)
    p, t, g = np.array([1.5, -3.0]), np.array([0.1, 0.9]), np.array([2.0, 0.5])
    got = vjp(p, t, g=g, wrt="y_true", scale=3.0)
    want = [mpmath.mpf(10) ** -30 * 3 * mpmath.mpf(pv) * mpmath.mpf(gv)
            for pv, gv in zip(p, g, strict=True)]
    # 50 digits right, where a difference at the caller's precision would keep none
    assert all(abs(a - b) <= abs(b) * mpmath.mpf(10) ** -48 for a, b in zip(got, want,
                                                                          strict=True))


def test_affine_target_vjp_refuses_other_inputs_and_large_targets() -> None:
    from tests.oracles._target import MAX_ELEMENTS, affine_target_vjp

    vjp = affine_target_vjp(_affine_loss)
    with pytest.raises(ValueError, match="wrt='y_pred'"):
        vjp(np.ones(2), np.ones(2), g=np.ones(2))
    with pytest.raises(ValueError, match=f"more than this oracle's {MAX_ELEMENTS}"):
        vjp(np.ones(MAX_ELEMENTS + 1), np.ones(MAX_ELEMENTS + 1), g=1.0, wrt="y_true")


def test_crossentropy_oracles_refuse_conventions_they_do_not_model() -> None:
    from tests.oracles.crossentropy import _EXACT, _TARGET_VJP

    p, t = np.full((2, 3), 1 / 3), np.eye(3)[[0, 2]]
    with pytest.raises(TypeError, match="does not model \\['from_logits'\\]"):
        _EXACT["categorical_cross_entropy"][0](p, t, from_logits=True)
    with pytest.raises(TypeError, match="grad_at_clip"):
        _EXACT["softmax_cross_entropy"][1](p, t, g=np.ones(2), grad_at_clip=0.5)
    with pytest.raises(TypeError, match="label_gradient"):
        _TARGET_VJP["categorical_cross_entropy"](p, t, g=np.ones(2), wrt="y_true",
                                                 label_gradient=False)
    # TF v1's stop_gradient on the labels: exactly 0, and the logits' gradient unchanged
    assert _TARGET_VJP["softmax_cross_entropy"](p, t, g=np.ones(2), wrt="y_true",
                                                label_gradient=False) == [0] * 6


def test_smooth_target_vjp_through_a_200_digit_cancellation() -> None:
    """L = 1 + 1e-200 p t^3 (the scale of Dice on predictions of 1e-200): the central
    differences cancel 200 digits plus h's; the precision rises until they are exact."""
    import mpmath

    from tests.oracles._target import smooth_target_vjp

    def loss(y_pred, y_true):
        return [1 + mpmath.mpf(10) ** -200 * mpmath.mpf(float(p)) * t ** 3
                for p, t in zip(np.ravel(y_pred), np.ravel(y_true), strict=True)]

    vjp = smooth_target_vjp(loss)
    p, t, g = np.array([1.5, -3.0]), np.array([0.1, 0.9]), np.array([2.0, 0.5])
    got = vjp(p, t, g=g, wrt="y_true")
    want = [mpmath.mpf(10) ** -200 * 3 * mpmath.mpf(pv) * mpmath.mpf(tv) ** 2 * mpmath.mpf(gv)
            for pv, tv, gv in zip(p, t, g, strict=True)]
    assert all(abs(a - b) <= abs(b) * mpmath.mpf(10) ** -45 for a, b in zip(got, want,
                                                                          strict=True))


def test_kink_conventions_are_refused_on_a_kink_only() -> None:
    from tests.oracles.margin import _CH, _cat_hinge, _smooth_off_kinks
    from tests.oracles.margin import _per_sample_reduced as lift

    vjp = _smooth_off_kinks(lift(_cat_hinge, None)[0])
    x, y = _CH["kinks"]  # rows with tied largest negative scores
    with pytest.raises(TypeError, match="on a kink"):
        vjp(x, y, g=np.ones(len(x)), wrt="y_true", grad_at_margin=1.0)
    x, y = _CH["tiny"]  # no kink: the convention has no effect
    assert len(vjp(x, y, g=np.ones(len(x)), wrt="y_true", grad_at_margin=1.0)) == x.size
