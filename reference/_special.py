"""Private float64 special functions and error-free transformations for the reference.

NumPy has no ``erf``/``erfc`` (and scipy may not be imported by the reference), so they are
ported here from Sun's fdlibm ``s_erf.c`` (the rational approximations used by most C
libraries, error < 1 ULP), vectorised with masks instead of branches.

``two_prod``/``two_sum`` are the classical error-free transformations (Dekker/Veltkamp
splitting, Knuth's two-sum): ``a*b = p + e`` and ``a+b = s + e`` exactly. They let the
activations carry a product like ``beta*x`` or ``x/sqrt(2)`` to ~106 bits where the function
downstream amplifies the argument's rounding error (``exp(-z**2)`` tails).
"""

from __future__ import annotations

import numpy as np

__all__ = ["erf", "erfc", "erfcx_large", "two_prod", "two_sum"]

_ERX = 8.45062911510467529297e-01
_EFX = 1.28379167095512586316e-01
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02)
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)


def _poly(coeffs: tuple[float, ...], z: np.ndarray) -> np.ndarray:
    out = np.full_like(z, coeffs[-1])
    for c in coeffs[-2::-1]:
        out = c + z * out
    return out


def _tail(a: np.ndarray) -> np.ndarray:
    """erfc(a) for 1.25 <= a < 28 (a >= 0); fdlibm's exp(-z*z - 0.5625) * exp(R/S) / a."""
    s = 1.0 / (a * a)
    near = a < 1.0 / 0.35
    ratio = np.where(near, _poly(_RA, s) / _poly(_SA, s), _poly(_RB, s) / _poly(_SB, s))
    # z = a with its low 32 bits cleared, so z*z is exact and exp(-a*a) loses nothing.
    z = (a.view(np.uint64) & np.uint64(0xFFFFFFFF00000000)).view(np.float64)
    e1 = np.exp(-z * z - 0.5625)
    e2 = np.exp((z - a) * (z + a) + ratio)
    # (e1*e2)/a with an exact product and one corrected division: only the exps round.
    p, pe = two_prod(e1, e2)
    q = p / a
    qa, qa_err = two_prod(q, a)
    return q + (((p - qa) - qa_err) + pe) / a


def _comp_poly(coeffs: tuple[float, ...], z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compensated Horner (Graillat et al.): the polynomial as hi + lo, ~twice the bits."""
    hi = np.full_like(z, coeffs[-1])
    lo = np.zeros_like(z)
    for c in coeffs[-2::-1]:
        p, p_err = two_prod(hi, z)
        hi, s_err = two_sum(p, np.full_like(z, c))
        lo = lo * z + (p_err + s_err)
    return hi, lo


def _div(
    p: np.ndarray, p_lo: np.ndarray, q: np.ndarray, q_lo: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(p + p_lo) / (q + q_lo) as hi + lo (one correction step of the rounded quotient)."""
    hi = p / q
    prod, prod_err = two_prod(hi, q)
    return hi, (((p - prod) - prod_err) + p_lo - hi * q_lo) / q


def erfcx_large(a: np.ndarray) -> np.ndarray:
    """Scaled erfc, exp(a^2) erfc(a), for a >= 1.25 (a float64 array).

    fdlibm's tail is erfc(a) = exp(-a^2 - 0.5625 + R/S) / a, so erfcx(a) = exp(R/S - 0.5625) / a
    with no a^2 to round; beyond a = 28 (where fdlibm's fit stops) the asymptotic series
    1/(a sqrt(pi)) (1 - t + 3t^2 - 15t^3 + ...), t = 1/(2a^2), to the t^8 term (error < 1e-19).
    """
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(all="ignore"):
        a_mid = np.where((a >= 1.25) & (a < 28.0), a, 2.0)
        s = 1.0 / (a_mid * a_mid)
        near = a_mid < 1.0 / 0.35
        ratio = np.where(near, _poly(_RA, s) / _poly(_SA, s), _poly(_RB, s) / _poly(_SB, s))
        mid = np.exp(ratio - 0.5625) / a_mid
        t = 1.0 / (2.0 * a * a)
        series = np.ones_like(a)
        for k in range(15, 0, -2):  # 1 - t(1 - 3t(1 - 5t(... (1 - 15t))))
            series = 1.0 - k * t * series
        series = series / (a * 1.7724538509055160273)
    return np.where(a < 28.0, mid, series)


def erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function of a float64 array (fdlibm s_erf.c, < 1 ULP)."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        # |x| < 0.84375: erfc = 1 - (x + x*y)
        z = x * x
        y = _poly(_PP, z) / _poly(_QQ, z)
        # 1 - x - x*y carried in double-double: erfc(x) loses no bits to the cancellation.
        yh, yl = _div(*_comp_poly(_PP, z), *_comp_poly(_QQ, z))
        xy, xy_err = two_prod(x, yh)
        hi, lo = two_sum(1.0 - x, -xy)  # 1 - x is exact for 0.25 <= |x| < 0.84375
        refined = hi + (lo - (xy_err + x * yl))
        small = np.where(a < 0.25, 1.0 - (x + x * y), refined)
        # 0.84375 <= |x| < 1.25: around erf(1) = erx + P/Q
        s = a - 1.0
        pq, pq_lo = _div(*_comp_poly(_PA, s), *_comp_poly(_QA, s))
        hi, lo = two_sum(np.where(x >= 0, 1.0 - _ERX, 1.0 + _ERX), np.where(x >= 0, -pq, pq))
        mid = hi + (lo + np.where(x >= 0, -pq_lo, pq_lo))
        a_safe = np.where((a >= 1.25) & (a < 28.0), a, 2.0)  # no overflow in unused lanes
        r = _tail(a_safe)
        tail = np.where(x > 0, r, 2.0 - r)
        big = np.where(x > 0, 0.0, 2.0)
    out = np.where(a < 0.84375, small, np.where(a < 1.25, mid, np.where(a < 28.0, tail, big)))
    return np.where(np.isnan(x), np.nan, out)


def erf(x: np.ndarray) -> np.ndarray:
    """Error function of a float64 array (fdlibm s_erf.c, < 1 ULP)."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    with np.errstate(all="ignore"):
        z = x * x
        small = x + x * (_poly(_PP, z) / _poly(_QQ, z))
        s = a - 1.0
        pq = _poly(_PA, s) / _poly(_QA, s)
        mid = np.copysign(_ERX + pq, x)
        a_safe = np.where((a >= 1.25) & (a < 6.0), a, 2.0)
        tail = np.copysign(1.0 - _tail(a_safe), x)
    out = np.where(a < 0.84375, small, np.where(a < 1.25, mid, np.where(a < 6.0, tail,
                                                                           np.sign(x))))
    return np.where(np.isnan(x), np.nan, out)


_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = _SPLIT * a
    hi = t - (t - a)
    return hi, a - hi


def two_prod(a: np.ndarray, b: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(p, e) with p = fl(a*b) and p + e = a*b exactly (Dekker), for |a|,|b| < ~1e290.

    Callers keep the inputs in that range (mask huge lanes before calling): outside it the
    splitting overflows and ``e`` is NaN.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(all="ignore"):
        p = a * b
        ah, al = _split(a)
        bh, bl = _split(b)
        e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(s, e) with s = fl(a+b) and s + e = a+b exactly (Knuth)."""
    with np.errstate(invalid="ignore", over="ignore"):
        s = a + b
        bb = s - a
        return s, (a - (s - bb)) + (b - bb)
