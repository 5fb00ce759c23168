"""SciPy adapter: ``scipy.special``, ``scipy.stats.entropy``, ``scipy.spatial.distance``.

NumPy in, NumPy out, no autodiff: every binding declares ``grad=False``. SciPy's ufuncs
do not all keep float16: several compute and answer in float32 or float64 (measured with
scipy 1.17.1 and checked in ``tests/test_adapter_scipy.py``), so the float16 case of such a
function is its own binding, suffixed ``on float16 -> float32`` (no brackets: api names are
fnmatch patterns in the divergence registry), whose ``output_dtype`` says what comes back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._binding import Backend, Binding, release
from ._numpy_backend import numpy_backend

__all__ = ["backend", "bindings"]

_SP = "scipy/special (ufunc kernels, scipy/special/xsf)"
_SPECIAL = "scipy/special/_logsumexp.py"
_ENTROPY = "scipy/stats/_entropy.py:entropy"
_JS = "scipy/spatial/distance.py:jensenshannon"


def backend(device: str = "cpu") -> Backend:
    """The SciPy :class:`Backend` (NumPy arrays, CPU only, no autodiff)."""
    import scipy

    if device != "cpu":
        raise ValueError(f"device must be 'cpu' for scipy, got {device!r}")
    return numpy_backend("scipy", scipy.__version__, ("scipy",))


def _pair(api: str, reference: str, call: Any, *, f16_out: str | None, kind: str = "loss",
          args: tuple[str, ...] = ("x",), **fields: Any) -> list[Binding]:
    """The binding for float32/float64 (dtype kept) and, when SciPy answers float16 input
    in another dtype (``f16_out``), a float16-only binding declaring that dtype."""
    common = dict(backend="scipy", kind=kind, reference=reference, call=call, args=args,
                  grad=False, **fields)
    if f16_out is None:
        return [Binding(api=api, dtypes=("float16", "float32", "float64"), **common)]
    return [
        Binding(api=api, dtypes=("float32", "float64"), **common),
        Binding(api=f"{api} on float16 -> {f16_out}", dtypes=("float16",), output_dtype=f16_out,
                **common),
    ]


def _special_bindings() -> list[Binding]:
    import scipy
    import scipy.special as sp

    scipy_version = scipy.__version__

    def info(source: str, **extra: Any) -> dict[str, Any]:
        return {"input_space": "real", "default_reduction": "none", "source": source,
                **extra}

    def residual(y_pred: Any, y_true: Any) -> Any:
        # In the precision SciPy's loop computes in (no float16 loop: float32), so the
        # caller's subtraction adds no rounding of its own below that precision. inf - inf
        # is the nan_inf regime's NaN, on purpose: no warning for it.
        with np.errstate(invalid="ignore", over="ignore"):
            return np.subtract(y_pred, y_true,
                               dtype=np.promote_types(y_pred.dtype, np.float32))

    def huber(y_pred: Any, y_true: Any) -> Any:
        # scipy.special.huber(delta, r) takes the residual r; delta comes first.
        return sp.huber(1.0, residual(y_pred, y_true))

    def pseudo_huber(y_pred: Any, y_true: Any) -> Any:
        # scipy.special.pseudo_huber(delta, r) takes the residual r; delta comes first.
        return sp.pseudo_huber(1.0, residual(y_pred, y_true))

    two = ("y_pred", "y_true")  # (x, y) of SciPy's two-argument special functions
    axis_none = "axis=None (the whole array)"
    out: list[Binding] = []
    out += _pair("scipy.special.expit", "sigmoid", sp.expit, kind="activation",
                 f16_out="float64", info=info(f"{_SP}:expit"))
    out += _pair("scipy.special.log_expit", "log_sigmoid", sp.log_expit, kind="activation",
                 f16_out="float64", info=info(f"{_SP}:log_expit"))
    out += _pair("scipy.special.softmax(axis=-1)", "softmax",
                 lambda x: sp.softmax(x, axis=-1), kind="activation", f16_out=None,
                 conventions={"axis": -1},
                 info=info(f"{_SPECIAL}:softmax", defaults=axis_none))
    out += _pair("scipy.special.log_softmax(axis=-1)", "log_softmax",
                 lambda x: sp.log_softmax(x, axis=-1), kind="activation", f16_out=None,
                 conventions={"axis": -1},
                 info=info(f"{_SPECIAL}:log_softmax", defaults=axis_none))
    out += _pair("scipy.special.logsumexp(axis=-1)", "logsumexp",
                 lambda x: sp.logsumexp(x, axis=-1), kind="activation", f16_out=None,
                 conventions={"axis": -1},
                 info=info(f"{_SPECIAL}:logsumexp", defaults=axis_none))
    out += _pair("scipy.special.entr", "entr", sp.entr, f16_out="float32",
                 info=info(f"{_SP}:entr", input_space="probabilities"))
    # float16 takes the first loop it casts to safely: SciPy 1.16 put 'dd->d' before
    # 'ff->f' in xlogy's and xlog1py's loop tables (measured: ufunc.types is
    # ['ff->f', 'dd->d', ...] on 1.15.3, ['dd->d', 'ff->f', ...] on 1.16.3 and 1.17.1).
    xlog_f16 = "float64" if release(scipy_version) >= (1, 16) else "float32"
    out += _pair("scipy.special.xlogy", "xlogy", sp.xlogy, args=two, f16_out=xlog_f16,
                 info=info(f"{_SP}:xlogy"))
    out += _pair("scipy.special.xlog1py", "xlog1py", sp.xlog1py, args=two,
                 f16_out=xlog_f16, info=info(f"{_SP}:xlog1py"))
    out += _pair("scipy.special.rel_entr", "rel_entr", sp.rel_entr, args=two,
                 f16_out="float32", info=info(f"{_SP}:rel_entr", input_space="probabilities"))
    out += _pair("scipy.special.kl_div", "kl_div_elementwise", sp.kl_div, args=two,
                 f16_out="float32", info=info(f"{_SP}:kl_div", input_space="probabilities"))
    out += _pair("scipy.special.huber(1.0, y_pred - y_true)", "huber", huber, args=two,
                 f16_out="float32", conventions={"delta": 1.0},
                 info=info(f"{_SP}:huber", defaults="no default: huber(delta, r)"),
                 notes="SciPy takes (delta, r) with the residual r = y_pred - y_true "
                       "computed by the caller (here in float32 for float16 inputs, the "
                       "precision of SciPy's loop).")
    out += _pair("scipy.special.pseudo_huber(1.0, y_pred - y_true)", "pseudo_huber",
                 pseudo_huber, args=two, f16_out="float32", conventions={"delta": 1.0},
                 info=info(f"{_SP}:pseudo_huber", defaults="no default: pseudo_huber(delta, r)"),
                 notes="SciPy takes (delta, r) with the residual r = y_pred - y_true "
                       "computed by the caller (here in float32 for float16 inputs, the "
                       "precision of SciPy's loop).")
    return out


def _distribution_bindings() -> list[Binding]:
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import entropy

    def info(source: str, **extra: Any) -> dict[str, Any]:
        return {"input_space": "probabilities", "default_reduction": "none",
                "epsilon": "none", "source": source, **extra}

    normalizes = "normalizes pk (and qk) to sum 1 over axis; axis=0 default"
    out: list[Binding] = []
    out += _pair("scipy.stats.entropy(pk)", "entropy", lambda p: entropy(p, axis=-1),
                 f16_out="float32", conventions={"axis": -1, "normalize": True},
                 info=info(_ENTROPY, defaults=normalizes),
                 notes="called with axis=-1 (SciPy's default axis is 0)")
    out += _pair("scipy.stats.entropy(pk, base=2)", "entropy",
                 lambda p: entropy(p, base=2, axis=-1), f16_out="float32",
                 conventions={"axis": -1, "normalize": True, "base": 2.0},
                 info=info(_ENTROPY, defaults=normalizes))
    # entropy(pk, qk) is KL(pk || qk) = sum pk log(pk / qk): the target comes first.
    out += _pair("scipy.stats.entropy(pk, qk)", "kl_divergence",
                 lambda t, p: entropy(t, p, axis=-1), args=("y_true", "y_pred"),
                 f16_out="float32", conventions={"axis": -1, "normalize": True},
                 info=info(_ENTROPY, defaults=normalizes),
                 notes="with qk, scipy.stats.entropy is the KL divergence KL(pk || qk), "
                       "not the cross-entropy.")
    out += _pair("scipy.stats.entropy(pk, qk, base=2)", "kl_divergence",
                 lambda t, p: entropy(t, p, base=2, axis=-1), args=("y_true", "y_pred"),
                 f16_out="float32", conventions={"axis": -1, "normalize": True, "base": 2.0},
                 info=info(_ENTROPY, defaults=normalizes))
    # jensenshannon returns the Jensen-Shannon *distance*: the square root of the divergence.
    out += _pair("scipy.spatial.distance.jensenshannon", "jensen_shannon_distance",
                 lambda p, q: jensenshannon(p, q, axis=-1), args=("y_pred", "y_true"),
                 f16_out="float32", conventions={"axis": -1, "normalize": True},
                 info=info(_JS, defaults="base=None (nats), axis=0; normalizes p and q"),
                 notes="returns sqrt(JS divergence)")
    return out


def bindings() -> list[Binding]:
    """SciPy's special functions and distribution divergences that match a reference
    function (read from scipy 1.17.1: the file in each ``info["source"]``)."""
    import scipy  # noqa: F401  (ImportError here makes the backend skip)

    return [*_special_bindings(), *_distribution_bindings()]
