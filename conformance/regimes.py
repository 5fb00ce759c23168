"""Named, deterministic input regimes per input family.

A *family* is the kind of inputs a reference function takes (an activation's ``x``;
probabilities and binary labels; logits and integer labels ...). Each family has a dict of
regimes: ``regime -> generator(rng, conv) -> {input name: float64 or int64 array}``. The
seed of a case depends only on (family, regime), never on the framework, so every binding
of one family sees the same raw inputs (then cast to the case dtype). ``conv`` is the
binding's conventions (a class axis, an ignore_index, a threshold, k ... shape the inputs).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

Generator = Callable[[np.random.Generator, Mapping[str, Any]], dict[str, np.ndarray]]


def seed_of(family: str, regime: str) -> int:
    """A seed stable across machines, processes and Python versions."""
    return zlib.crc32(f"crossconform/{family}/{regime}".encode())


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _signs(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=n)


def _class_axis(conv: Mapping[str, Any]) -> int:
    return int(conv.get("axis", -1))


def _place(arr: np.ndarray, conv: Mapping[str, Any]) -> np.ndarray:
    """Move the class axis (generated last) to the binding's class axis."""
    axis = _class_axis(conv)
    return arr if axis in (-1, arr.ndim - 1) else np.moveaxis(arr, -1, axis)


# --------------------------------------------------------------------------- activations
def _both_loops(values: list[float], body: int = 64) -> np.ndarray:
    """``values`` repeated through a vectorized body of ``body`` elements, then once more,
    in order, as the tail: ``body + len(values)`` elements.

    A CPU elementwise kernel runs a vectorized loop over whole blocks (torch: two vectors,
    64 half-precision, 32 float32 or 16 float64 elements with AVX512) and a scalar loop
    over what is left, and the two are separate code: torch's backward kernels of elu,
    selu, celu, hardswish, hardtanh, relu6, hardshrink and softshrink answer differently at
    NaN in each (measured; aten/src/ATen/native/cpu/Activation.cpp: elu's scalar lambda
    tests ``x <= 0``, its vector lambda blends on ``x > 0``). Six values alone run only
    the scalar loop; here every value runs in both."""
    values = np.asarray(values, dtype=np.float64)
    n = body + values.size
    return values[(np.arange(n) - n) % values.size]


_EXTREME = np.array([1e4, 5e3, 1e3, 710.0, 500.0, 100.0, 89.0, 88.0, 50.0, 40.0, 20.0])
_TINY = np.array([1e-30, 1e-20, 1e-10, 1e-7, 1e-4, 1e-2])
# Finite but far past "extreme", up to float32's and bfloat16's largest values: where x^2
# (1.8e19) and x^3 (7e12) overflow in float32, x * 6 (5.7e37), 2x (1.7e38). float16 holds
# none of them (65504 is its largest): the regime has no float16 cases (REGIME_DTYPES).
_HUGE = np.array([1e5, 1e7, 1e10, 3e12, 1e13, 1e15, 1e19, 2e19, 1e25, 1e30, 1e35, 6e37, 1e38,
                  1.8e38, 2.4e38, 3.38e38])
_KINKS = np.array([-20, -6, -3, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 6, 20], dtype=np.float64)
# Subnormals of each dtype, both signs: float64's (0 once cast to the others), float32's
# and bfloat16's (normal in float64, 0 in float16), float16's (normal in the others). A CPU
# running with DAZ/FTZ (denormals-are-zero on input, flush-to-zero on output) reads them
# as 0 and writes 0 for them, which moves a branch at 0 (relu's gradient) as well as the
# value.
_SUBNORMAL = [1e-310, -1e-310, 5e-324, -5e-324, 1e-39, -1e-39, 1.4e-45, -1.4e-45,
              3e-6, -3e-6, 6e-8, -6e-8]
_POS_SUBNORMAL = _SUBNORMAL[::2]

# Regimes whose values only some dtypes hold (the others would cast them to inf): the
# dtypes they have cases in. Every other regime runs in every dtype of its binding.
REGIME_DTYPES: dict[str, tuple[str, ...]] = {"huge": ("bfloat16", "float32", "float64")}

# Regimes whose gradient cases take a cotangent of magnitudes [low, high] (random signs)
# instead of N(0, 1)'s. At x near float32's largest value a pullback that forms ct * x
# before the factor that vanishes there (sigmoid(x) at x -> -inf) overflows to inf and
# gives inf * 0 = NaN once |ct| > max / |x|: at -3.38e38 any |ct| > 1.007. N(0, 1) leaves
# two thirds of the points below 1, so whether a case saw it was the seed's chance.
COTANGENT_RANGE: dict[str, tuple[float, float]] = {"huge": (1.5, 4.0)}

UNARY: dict[str, Generator] = {
    "typical": lambda rng, conv: {"x": rng.normal(0.0, 3.0, size=(8, 16))},
    "large": lambda rng, conv: {"x": _signs(rng, 64) * 10 ** rng.uniform(1, 2, size=64)},
    "extreme": lambda rng, conv: {"x": np.concatenate([_EXTREME, -_EXTREME])},
    "huge": lambda rng, conv: {"x": np.concatenate([_HUGE, -_HUGE])},
    "tiny": lambda rng, conv: {"x": np.concatenate([_TINY, -_TINY, [0.0, -0.0]])},
    "kinks": lambda rng, conv: {"x": np.concatenate([_KINKS, [-0.0]])},
    "nan_inf": lambda rng, conv: {"x": _both_loops([np.nan, np.inf, -np.inf, 0.0, 1.0, -1.0])},
    "subnormal": lambda rng, conv: {"x": _both_loops(_SUBNORMAL)},
    "empty": lambda rng, conv: {"x": np.zeros((0,))},
}

NONNEG_UNARY: dict[str, Generator] = {
    "typical": lambda rng, conv: {"x": rng.uniform(0.0, 2.0, size=(8, 8))},
    "zeros": lambda rng, conv: {"x": np.array([0.0, 0.0, 1.0, 0.5, 1e-300, 1e-20])},
    "large": lambda rng, conv: {"x": 10 ** rng.uniform(1, 4, size=32)},
    "nan_inf": lambda rng, conv: {"x": np.array([np.nan, np.inf, 0.0, 1.0])},
    # the positive subnormals of each dtype, in both loops: under DAZ log(x) is log(0)
    "subnormal": lambda rng, conv: {"x": _both_loops(_POS_SUBNORMAL)},
    "empty": lambda rng, conv: {"x": np.zeros((0,))},
}


def _axis_rows(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> np.ndarray:
    return rng.normal(0.0, scale, size=shape)


AXIS: dict[str, Generator] = {
    "typical": lambda rng, conv: {"x": _place(_axis_rows(rng, (4, 6), 3.0), conv)},
    "large": lambda rng, conv: {"x": _place(_signs(rng, 24).reshape(4, 6)
                                            * 10 ** rng.uniform(1, 2, (4, 6)), conv)},
    "extreme": lambda rng, conv: {"x": _place(np.array([
        [1e4, -1e4, 0.0, 1.0, 5e3, -5e3],
        [-1e4, -1e4, -1e4, -1e4, -1e4, -1e4 + 1],
        [1e4, 1e4, 1e4 - 1, 0.0, -1e4, 2.0],
        [88.0, 89.0, 710.0, -745.0, 0.0, 100.0]]), conv)},
    "ties": lambda rng, conv: {"x": _place(np.array([
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        [2.0, 2.0, 0.0, -1.0, 2.0, 0.5],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]), conv)},
    "many_classes": lambda rng, conv: {"x": _place(_axis_rows(rng, (2, 1000), 3.0), conv)},
    "spatial": lambda rng, conv: {"x": _place(_axis_rows(rng, (2, 3, 4, 6), 3.0), conv)},
    "single": lambda rng, conv: {"x": _place(_axis_rows(rng, (1, 6), 3.0), conv)},
    "empty": lambda rng, conv: {"x": _place(np.zeros((0, 6)), conv)},
    "nan_inf": lambda rng, conv: {"x": _place(np.array([
        [np.nan, 1.0, 2.0, 0.0, 0.0, 0.0],
        [np.inf, 1.0, 2.0, 0.0, 0.0, 0.0],
        [-np.inf, 1.0, 2.0, 0.0, 0.0, 0.0],
        [-np.inf, -np.inf, -np.inf, -np.inf, -np.inf, -np.inf]]), conv)},
    # the unary regime's subnormals, both signs, 4 rows of 20 (even, for glu's halves):
    # the elementwise parts (crelu's relu, glu's product) see them as 0 under FTZ/DAZ
    "subnormal": lambda rng, conv: {"x": _place(_both_loops(_SUBNORMAL, body=68).reshape(4, 20),
                                                conv)},
}

# ------------------------------------------------------------------------- binary losses
_BIN = (8, 4)


def _bernoulli(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return (rng.uniform(size=shape) < 0.5).astype(np.float64)


def _binary(pred: np.ndarray, true: np.ndarray) -> dict[str, np.ndarray]:
    return {"y_pred": pred, "y_true": true}


_NEAR = np.array([1e-12, 1 - 1e-12, 1e-7, 1 - 1e-7, 1e-3, 1 - 1e-3, 0.5, 1e-30])
_EXACT = np.array([0.0, 1.0, 0.5, 0.0, 1.0, 0.5])

BINARY_PROB: dict[str, Generator] = {
    "typical": lambda rng, conv: _binary(_sigmoid(rng.normal(0, 2, _BIN)), _bernoulli(rng, _BIN)),
    "near_01": lambda rng, conv: _binary(np.tile(_NEAR, 2), np.repeat([0.0, 1.0], 8)),
    "exact_01": lambda rng, conv: _binary(np.tile(_EXACT, 2), np.repeat([0.0, 1.0], 6)),
    "soft_labels": lambda rng, conv: _binary(_sigmoid(rng.normal(0, 2, _BIN)), rng.uniform(size=_BIN)),
    "smoothed_labels": lambda rng, conv: _binary(
        _sigmoid(rng.normal(0, 2, _BIN)), np.where(_bernoulli(rng, _BIN) > 0, 0.95, 0.05)),
    "single": lambda rng, conv: _binary(np.array([[0.9]]), np.array([[1.0]])),
    "empty": lambda rng, conv: _binary(np.zeros((0, 4)), np.zeros((0, 4))),
    "nan": lambda rng, conv: _binary(np.array([[np.nan, 0.5], [0.2, 0.7]]),
                                     np.array([[1.0, np.nan], [0.0, 1.0]])),
    # predictions at each dtype's positive subnormals against 0 and 1, and subnormal soft
    # targets: under DAZ a subnormal p is 0 (log(p) = -inf where nothing clips it)
    "subnormal": lambda rng, conv: _binary(
        np.concatenate([_POS_SUBNORMAL, _POS_SUBNORMAL, [0.3, 0.7, 0.5, 0.9, 0.1, 0.6]]).reshape(3, 6),
        np.concatenate([np.zeros(6), np.ones(6), _POS_SUBNORMAL]).reshape(3, 6)),
}

BINARY_LOGITS: dict[str, Generator] = {
    "typical": lambda rng, conv: _binary(rng.normal(0, 3, _BIN), _bernoulli(rng, _BIN)),
    "large": lambda rng, conv: _binary(_signs(rng, 32).reshape(_BIN) * rng.uniform(10, 40, _BIN),
                                       _bernoulli(rng, _BIN)),
    "extreme": lambda rng, conv: _binary(
        np.array([1e4, -1e4, 1e4, -1e4, 100.0, -100.0, 0.0, 17.0]),
        np.array([1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0])),
    "soft_labels": lambda rng, conv: _binary(rng.normal(0, 3, _BIN), rng.uniform(size=_BIN)),
    "smoothed_labels": lambda rng, conv: _binary(
        rng.normal(0, 3, _BIN), np.where(_bernoulli(rng, _BIN) > 0, 0.95, 0.05)),
    "single": lambda rng, conv: _binary(np.array([[2.1972245773362196]]), np.array([[1.0]])),
    "empty": lambda rng, conv: _binary(np.zeros((0, 4)), np.zeros((0, 4))),
    "nan_inf": lambda rng, conv: _binary(np.array([np.nan, np.inf, -np.inf, np.inf, -np.inf, 1.0]),
                                         np.array([1.0, 1.0, 1.0, 0.0, 0.0, np.nan])),
}

# ---------------------------------------------------------------- class-axis losses
_N, _C = 6, 5


# Rows of 5 probabilities holding each dtype's positive subnormals (each row sums to 1 within
# 6e-8, float16's subnormal; 1 + a smaller one rounds to 1), where a second distribution (the
# rows reversed) is normal and where it is subnormal too. Under DAZ a subnormal p reads as 0.
_SUB_ROWS = np.array([[1.0, 1e-310, 5e-324, 1e-39, 1.4e-45],
                      [1 - 3e-6 - 6e-8, 3e-6, 6e-8, 1e-39, 1e-310],
                      [0.5, 0.5, 1.4e-45, 6e-8, 5e-324],
                      [1e-39, 0.25, 0.25, 0.25, 0.25],
                      [6e-8, 1.4e-45, 0.5, 0.5, 1e-310],
                      [1 - 3e-6 - 6e-8, 1e-310, 1e-39, 6e-8, 3e-6]])
# the class each row's label points at: a subnormal one (rows 0 to 4), a normal one (row 5)
_SUB_LABELS = np.array([3, 1, 2, 0, 0, 0])


def _onehot(labels: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[labels]


def _labels(rng: np.random.Generator, shape: tuple[int, ...], c: int) -> np.ndarray:
    return rng.integers(0, c, size=shape).astype(np.int64)


def _cat_pred(space: str, z: np.ndarray) -> np.ndarray:
    if space == "logits":
        return z
    s = _softmax(z)
    if space == "log_probabilities":
        # log-softmax computed stably, not log of a rounded softmax.
        m = z.max(axis=-1, keepdims=True)
        return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return s


def _cat_case(space: str, sparse: bool, z: np.ndarray, labels: np.ndarray,
              conv: Mapping[str, Any], soft: np.ndarray | None = None,
              pred: np.ndarray | None = None) -> dict[str, np.ndarray]:
    p = _cat_pred(space, z) if pred is None else pred
    if sparse:
        return {"y_pred": _place(p, conv), "y_true": labels}
    target = _onehot(labels, z.shape[-1]) if soft is None else soft
    return {"y_pred": _place(p, conv), "y_true": _place(target, conv)}


def categorical(space: str, sparse: bool) -> dict[str, Generator]:
    """Regimes for class-axis inputs: ``space`` of the predictions, index or one-hot labels."""

    def normal(shape: tuple[int, ...], scale: float) -> Generator:
        def gen(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
            z = rng.normal(0, scale, shape)
            return _cat_case(space, sparse, z, _labels(rng, shape[:-1], shape[-1]), conv)
        return gen

    def soft(smoothed: bool) -> Generator:
        def gen(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
            z = rng.normal(0, 2, (_N, _C))
            labels = _labels(rng, (_N,), _C)
            t = _onehot(labels, _C) * 0.9 + 0.1 / _C if smoothed else _softmax(rng.normal(0, 1, (_N, _C)))
            return _cat_case(space, sparse, z, labels, conv, soft=t)
        return gen

    def extreme(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        z = np.array([[1e4, -1e4, 0.0, 1.0, 5e3], [-1e4, -1e4, -1e4, -1e4, -1e4 + 1],
                      [1e4, 1e4, 1e4 - 1, 0.0, -1e4], [88.0, 89.0, 710.0, -745.0, 0.0]])
        return _cat_case(space, sparse, z, np.array([0, 4, 3, 2]), conv)

    def ties(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        z = np.array([[1.0] * 5, [2.0, 2.0, 0.0, -1.0, 2.0], [0.0] * 5])
        return _cat_case(space, sparse, z, np.array([0, 1, 4]), conv)

    def near_01(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        p = np.full((4, _C), 1e-12)
        p[np.arange(4), [0, 1, 2, 3]] = 1 - 4e-12
        p[3] = [1e-300, 1e-20, 1e-7, 1 - 1e-7 - 1e-20 - 1e-300, 0.0]
        z = np.log(np.maximum(p, 1e-300))
        pred = p if space == "probabilities" else None
        return _cat_case(space, sparse, z, np.array([0, 2, 2, 3]), conv, pred=pred)

    def exact_01(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        p = np.eye(_C)[[0, 1, 2, 3]]
        return _cat_case(space, sparse, np.log(p + 1e-300), np.array([0, 2, 2, 4]), conv, pred=p)

    def subnormal(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        return _cat_case(space, sparse, np.log(_SUB_ROWS), _SUB_LABELS, conv, pred=_SUB_ROWS)

    def unnormalised(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        p = rng.uniform(0.05, 1.0, (_N, _C))
        return _cat_case(space, sparse, np.log(p), _labels(rng, (_N,), _C), conv, pred=p)

    def spatial(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        z = rng.normal(0, 2, (2, 3, 4, _C))
        return _cat_case(space, sparse, z, _labels(rng, (2, 3, 4), _C), conv)

    def empty(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        return _cat_case(space, sparse, np.zeros((0, _C)), np.zeros((0,), dtype=np.int64), conv)

    def nan_inf(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        z = np.array([[np.nan, 1.0, 2.0, 0.0, 0.0], [np.inf, 1.0, 2.0, 0.0, 0.0],
                      [-np.inf, 1.0, 2.0, 0.0, 0.0]])
        if space == "logits":
            return _cat_case(space, sparse, z, np.array([1, 1, 1]), conv)
        p = np.array([[np.nan, 0.2, 0.3, 0.25, 0.25], [0.2, 0.2, 0.2, 0.2, 0.2],
                      [0.0, 0.2, 0.3, 0.25, 0.25]])
        pred = p if space == "probabilities" else np.log(np.where(p > 0, p, 1.0)) - np.where(p > 0, 0, np.inf)
        return _cat_case(space, sparse, z, np.array([1, 1, 1]), conv, pred=pred)

    def ignore_index(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        case = normal((_N, _C), 2.0)(rng, conv)
        labels = case["y_true"].copy()
        labels[[1, 4]] = int(conv["ignore_index"])
        case["y_true"] = labels
        return case

    regimes: dict[str, Generator] = {
        "typical": normal((_N, _C), 2.0),
        "many_classes": normal((2, 1000), 3.0),
        "single": normal((1, _C), 2.0),
        "empty": empty,
        "spatial": spatial,
    }
    if space == "logits":
        regimes |= {"large": normal((_N, _C), 30.0), "extreme": extreme, "ties": ties,
                    "nan_inf": nan_inf}
    else:
        regimes |= {"near_01": near_01, "nan_inf": nan_inf}
        if space == "probabilities":
            regimes |= {"exact_01": exact_01, "unnormalised": unnormalised, "subnormal": subnormal}
        else:
            regimes |= {"extreme": extreme}
    if not sparse:
        regimes |= {"soft_labels": soft(False), "smoothed_labels": soft(True)}
    else:
        regimes["ignore_index"] = ignore_index
    return regimes


# ---------------------------------------------------------------------- distributions
def _dist_pair(p: np.ndarray, q: np.ndarray) -> dict[str, np.ndarray]:
    """(y_pred, y_true) = (q, p): predictions first, the target distribution second."""
    return {"y_pred": q, "y_true": p}


def _zeros_rows() -> tuple[np.ndarray, np.ndarray]:
    p = np.array([[0.5, 0.5, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0], [0.2, 0.2, 0.2, 0.2, 0.2]])
    q = np.array([[0.25, 0.25, 0.25, 0.25, 0.0], [0.9, 0.1, 0.0, 0.0, 0.0], [0.6, 0.1, 0.1, 0.1, 0.1]])
    return p, q


DISTRIBUTION_PAIR: dict[str, Generator] = {
    "typical": lambda rng, conv: _dist_pair(_softmax(rng.normal(0, 1, (_N, _C))),
                                            _softmax(rng.normal(0, 1, (_N, _C)))),
    "zeros": lambda rng, conv: _dist_pair(*_zeros_rows()),
    "support_mismatch": lambda rng, conv: _dist_pair(np.array([[0.5, 0.5, 0.0]]),
                                                     np.array([[1.0, 0.0, 0.0]])),
    "near_01": lambda rng, conv: _dist_pair(np.array([[1 - 1e-12, 1e-12, 0.0], [1e-300, 0.5, 0.5]]),
                                            np.array([[1e-12, 1 - 1e-12, 0.0], [0.5, 0.25, 0.25]])),
    "unnormalised": lambda rng, conv: _dist_pair(rng.uniform(0.05, 1, (_N, _C)),
                                                 rng.uniform(0.05, 1, (_N, _C))),
    "many_classes": lambda rng, conv: _dist_pair(_softmax(rng.normal(0, 2, (2, 1000))),
                                                 _softmax(rng.normal(0, 2, (2, 1000)))),
    "single": lambda rng, conv: _dist_pair(np.array([[0.5, 0.5]]), np.array([[0.9, 0.1]])),
    "empty": lambda rng, conv: _dist_pair(np.zeros((0, _C)), np.zeros((0, _C))),
    # subnormal q where p is normal (p log(p/q) is large, inf under DAZ) and the reverse
    "subnormal": lambda rng, conv: _dist_pair(_SUB_ROWS, _SUB_ROWS[:, ::-1]),
}

DISTRIBUTION: dict[str, Generator] = {
    "typical": lambda rng, conv: {"x": _softmax(rng.normal(0, 1, (_N, _C)))},
    "zeros": lambda rng, conv: {"x": _zeros_rows()[0]},
    "near_01": lambda rng, conv: {"x": np.array([[1 - 1e-12, 1e-12, 0.0], [1e-300, 0.5, 0.5]])},
    "unnormalised": lambda rng, conv: {"x": rng.uniform(0.05, 1, (_N, _C))},
    "many_classes": lambda rng, conv: {"x": _softmax(rng.normal(0, 2, (2, 1000)))},
    "single": lambda rng, conv: {"x": np.array([[0.9, 0.1]])},
    "empty": lambda rng, conv: {"x": np.zeros((0, _C))},
    "subnormal": lambda rng, conv: {"x": _SUB_ROWS},
}


def _log_input(rng: np.random.Generator, conv: Mapping[str, Any], p: np.ndarray,
               q: np.ndarray) -> dict[str, np.ndarray]:
    with np.errstate(divide="ignore"):
        target = np.log(p) if conv.get("log_target") else p
        return {"y_pred": np.log(q), "y_true": target}


LOG_DISTRIBUTION_PAIR: dict[str, Generator] = {
    "typical": lambda rng, conv: _log_input(rng, conv, _softmax(rng.normal(0, 1, (_N, _C))),
                                            _softmax(rng.normal(0, 1, (_N, _C)))),
    "zeros": lambda rng, conv: _log_input(rng, conv, *_zeros_rows()),
    "many_classes": lambda rng, conv: _log_input(rng, conv, _softmax(rng.normal(0, 2, (2, 1000))),
                                                 _softmax(rng.normal(0, 2, (2, 1000)))),
    "single": lambda rng, conv: _log_input(rng, conv, np.array([[0.5, 0.5]]), np.array([[0.9, 0.1]])),
    "empty": lambda rng, conv: _log_input(rng, conv, np.zeros((0, _C)), np.zeros((0, _C))),
    # subnormal targets (their logs, -745 to -14, are normal numbers)
    "subnormal": lambda rng, conv: _log_input(rng, conv, _SUB_ROWS, _SUB_ROWS[:, ::-1]),
}

def _logit_rows(p: np.ndarray, q: np.ndarray, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """(y_pred, y_true) = (q, p) logits, the class axis where the binding wants it."""
    return {"y_pred": _place(q, conv), "y_true": _place(p, conv)}


def _near_logits(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    p = rng.normal(0, 3, (_N, _C))
    return _logit_rows(p, p + rng.normal(0, 1e-3, (_N, _C)), conv)


_NEG = -np.inf
# logits of two softmax distributions (KL(softmax(y_true) || softmax(y_pred)) from logits:
# torch.distributions.kl_divergence of two Categorical(logits=...))
LOGITS_PAIR: dict[str, Generator] = {
    "typical": lambda rng, conv: _logit_rows(rng.normal(0, 3, (_N, _C)), rng.normal(0, 3, (_N, _C)),
                                             conv),
    # a policy one update step from its old self: KL ~ 1e-6, the terms cancel to it
    "near": _near_logits,
    # the same distribution: equal rows, rows shifted by a constant (softmax ignores it)
    "equal": lambda rng, conv: _logit_rows(
        np.array([[0.5, -1.0, 2.0, 0.0, 3.0], [1.0, 1.0, 1.0, 1.0, 1.0], [4.0, -4.0, 0.0, 1.0, 2.0]]),
        np.array([[0.5, -1.0, 2.0, 0.0, 3.0], [7.0, 7.0, 7.0, 7.0, 7.0], [6.0, -2.0, 2.0, 3.0, 4.0]]),
        conv),
    # spreads of ~100: softmax(y_pred) underflows in float32 and the half dtypes, not the KL
    "large": lambda rng, conv: _logit_rows(rng.normal(0, 30, (_N, _C)), rng.normal(0, 30, (_N, _C)),
                                           conv),
    # spreads of 1e4: softmax(y_pred) underflows in float64 too, the KL is ~1e4
    "extreme": lambda rng, conv: _logit_rows(
        np.array([[0.0, 0.0, 0.0, 0.0, 0.0], [1e4, 0.0, -1e4, 5.0, 1.0], [-1e4, -1e4, 1e3, 0.0, 2.0]]),
        np.array([[1e4, -1e4, 0.0, 0.0, 0.0], [-1e4, 0.0, 1e4, 5.0, 1.0], [-1e4, -1e4, 1e3, 900.0, 2.0]]),
        conv),
    # masked classes (-inf logits, an invalid action): in both at the same places, in the
    # target only, and a masked target class where the prediction is finite
    "masked": lambda rng, conv: _logit_rows(
        np.array([[0.0, 1.0, _NEG, 2.0, _NEG], [0.0, 1.0, _NEG, 2.0, -1.0], [_NEG, _NEG, _NEG, 3.0, 0.5]]),
        np.array([[0.5, 0.0, _NEG, 1.0, _NEG], [0.5, 0.0, 2.0, 1.0, -1.0], [1.0, _NEG, 0.0, 3.0, 1.5]]),
        conv),
    "many_classes": lambda rng, conv: _logit_rows(rng.normal(0, 3, (2, 1000)),
                                                  rng.normal(0, 3, (2, 1000)), conv),
    "spatial": lambda rng, conv: _logit_rows(rng.normal(0, 3, (2, 3, 4, _C)),
                                             rng.normal(0, 3, (2, 3, 4, _C)), conv),
    "single": lambda rng, conv: _logit_rows(np.array([[2.0, -1.0, 0.5]]), np.array([[0.0, 1.0, 0.0]]),
                                            conv),
    "empty": lambda rng, conv: _logit_rows(np.zeros((0, _C)), np.zeros((0, _C)), conv),
    # the unary regime's subnormals as logits: near-uniform rows, KL ~ 1e-600 (0 in float64)
    "subnormal": lambda rng, conv: _logit_rows(np.array(_SUBNORMAL[:10]).reshape(2, 5),
                                               np.array(_SUBNORMAL[2:12]).reshape(2, 5), conv),
    "nan_inf": lambda rng, conv: _logit_rows(
        np.array([[np.nan, 0.0, 1.0], [0.0, np.inf, 1.0], [_NEG, _NEG, _NEG], [0.0, 1.0, 2.0]]),
        np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, 1.0, 2.0], [0.0, _NEG, 2.0]]), conv),
}

NONNEG_PAIR: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": rng.uniform(0, 3, 32), "y_true": rng.uniform(0, 3, 32)},
    "zeros": lambda rng, conv: {"y_pred": np.array([0.0, 0.0, 1.0, 2.0, 0.5]),
                                "y_true": np.array([0.0, 1.0, 0.0, 0.0, 1e-300])},
    "tiny": lambda rng, conv: {"y_pred": np.array([1e-300, 1e-20, 1e-8, 2e-300]),
                               "y_true": np.array([1e-300, 1e-300, 1e-30, 1e-5])},
    "large": lambda rng, conv: {"y_pred": 10 ** rng.uniform(1, 30, 16),
                                "y_true": 10 ** rng.uniform(1, 30, 16)},
    # subnormal second arguments where the first is normal (x log y is large, -inf under
    # DAZ), the reverse, and both subnormal
    "subnormal": lambda rng, conv: {
        "y_pred": np.concatenate([_POS_SUBNORMAL, np.full(6, 0.5), _POS_SUBNORMAL]),
        "y_true": np.concatenate([np.full(6, 0.5), _POS_SUBNORMAL, _POS_SUBNORMAL[::-1]])},
    "negative": lambda rng, conv: {"y_pred": np.array([-1.0, 1.0, -0.5, 0.0]),
                                   "y_true": np.array([1.0, -1.0, -0.5, -2.0])},
    "nan_inf": lambda rng, conv: {"y_pred": np.array([np.nan, 1.0, np.inf, 0.0, np.inf]),
                                  "y_true": np.array([1.0, np.nan, 1.0, np.inf, np.inf])},
    "empty": lambda rng, conv: {"y_pred": np.zeros((0,)), "y_true": np.zeros((0,))},
}

# ------------------------------------------------------------------------- regression
_REG = (8, 4)


def _kink_pairs(conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    # Residuals exactly at each kink (0, ±delta, ±beta, ±1), on exactly representable values.
    kinks = {0.0, 1.0, 0.5}
    for key in ("delta", "beta"):
        if key in conv:
            kinks.add(float(conv[key]))
    d = np.array(sorted(kinks | {-k for k in kinks}))
    base = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0])
    t = np.repeat(base, d.size)
    return {"y_pred": t + np.tile(d, base.size), "y_true": t}


REGRESSION: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": rng.normal(0, 2, _REG), "y_true": rng.normal(0, 2, _REG)},
    "large": lambda rng, conv: {"y_pred": rng.normal(0, 1e3, _REG), "y_true": rng.normal(0, 1e3, _REG)},
    "kinks": lambda rng, conv: _kink_pairs(conv),
    "zeros": lambda rng, conv: {"y_pred": rng.normal(0, 1, 6), "y_true": np.zeros(6)},
    "single": lambda rng, conv: {"y_pred": np.array([[0.3]]), "y_true": np.array([[1.0]])},
    "empty": lambda rng, conv: {"y_pred": np.zeros((0, 4)), "y_true": np.zeros((0, 4))},
    "nan_inf": lambda rng, conv: {"y_pred": np.array([np.nan, 1.0, np.inf, -np.inf, np.inf]),
                                  "y_true": np.array([1.0, np.nan, 1.0, 1.0, np.inf])},
    # residuals that are subnormal in each dtype, both signs (against a target of 0): under
    # FTZ/DAZ a kinked loss's sign(d) reads them as 0
    "subnormal": lambda rng, conv: {"y_pred": np.array(_SUBNORMAL).reshape(3, 4),
                                    "y_true": np.zeros((3, 4))},
}


def _plus(name: str, low: float, high: float) -> Callable[[Generator], Generator]:
    """A regression regime plus input ``name`` per element, uniform in [low, high), drawn
    after y_pred and y_true (so those equal the regression family's, seed for seed)."""
    def extend(draw: Generator) -> Generator:
        def gen(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
            out = draw(rng, conv)
            return {**out, name: rng.uniform(low, high, np.shape(out["y_pred"]))}
        return gen
    return extend


def _fixed(name: str, value: np.ndarray, shape: tuple[int, ...] | None = None) -> Generator:
    """Typical predictions and targets of ``shape`` (value's by default) with input
    ``name`` fixed to ``value``."""
    def gen(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        full = shape or value.shape
        return {"y_pred": rng.normal(0, 2, full), "y_true": rng.normal(0, 2, full), name: value}
    return gen


# Variances below, at and just above torch's clamp eps = 1e-6, zero among them; huge ones;
# one variance per sample (shape y_pred.shape[:-1], which torch unsqueezes) and a size-1
# axis broadcast along the features.
_SMALL_VAR = np.array([[0.0, 1e-8, 1e-7, 5e-7], [1e-6, 2e-6, 1e-5, 1e-3]])
GAUSSIAN: dict[str, Generator] = {
    **{name: _plus("var", 0.1, 3.0)(draw) for name, draw in REGRESSION.items()},
    "small_var": _fixed("var", np.tile(_SMALL_VAR, (2, 1))),
    "large_var": _fixed("var", np.array([[1e3, 1e4, 1e6, 3e7]] * 4)),
    "per_sample_var": _fixed("var", np.array([0.25, 1.0, 3e-7, 7.5, 0.0, 2.0]), (6, 4)),
    "broadcast_var": _fixed("var", np.array([[0.5], [2.0], [1e-8], [4.0], [1e-6]]), (5, 4)),
}


def _zero_normalizer(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    # divide_no_nan: 0 wherever the normalizer is 0 (or -0), an inf or NaN numerator too;
    # an inf normalizer elsewhere (no NaN one: it would make the whole mean NaN and hide
    # the rest)
    p = rng.normal(0, 2, (4, 4))
    p[0, :2] = [np.inf, np.nan]
    n = rng.uniform(0.5, 3.0, (4, 4))
    n[0, :2] = 0.0
    n[1, 1], n[2, 2], n[3, 0] = -0.0, 0.0, np.inf
    return {"y_pred": p, "y_true": rng.normal(0, 2, (4, 4)), "normalizer": n}


# The relative error |y_pred - y_true| / normalizer (Keras 2's MeanRelativeError): its
# normalizer zero (divide_no_nan), tiny (quotients up to ~1e21, in float32's range; 1e-8
# and below are 0 once cast to float16, a normalizer of 0 there), negative, and of a shape
# broadcast along the features or the samples.
RELATIVE: dict[str, Generator] = {
    **{name: _plus("normalizer", 0.5, 3.0)(draw) for name, draw in REGRESSION.items()},
    "zero_normalizer": _zero_normalizer,
    "tiny_normalizer": _fixed("normalizer", np.array([[1e-20, 1e-12, 1e-8, 3e-5]] * 4)),
    "negative_normalizer": _fixed("normalizer", np.array([[-1.0, -0.25, 2.0, -3e3]] * 4)),
    "column_normalizer": _fixed("normalizer", np.array([[0.5, 2.0, 0.0, 7.0]]), (5, 4)),
    "row_normalizer": _fixed("normalizer", np.array([[0.5], [2.0], [0.0], [4.0], [1e-3]]),
                             (5, 4)),
}

NONNEG_REGRESSION: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": rng.uniform(0, 5, _REG), "y_true": rng.uniform(0, 5, _REG)},
    "zeros": lambda rng, conv: {"y_pred": np.array([0.0, 1.0, 0.0, 2.5]),
                                "y_true": np.array([1.0, 0.0, 0.0, 2.5])},
    "large": lambda rng, conv: {"y_pred": rng.uniform(0, 1e3, _REG), "y_true": rng.uniform(0, 1e3, _REG)},
    "single": lambda rng, conv: {"y_pred": np.array([[0.3]]), "y_true": np.array([[1.0]])},
    "empty": lambda rng, conv: {"y_pred": np.zeros((0, 4)), "y_true": np.zeros((0, 4))},
}

RATES: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": rng.uniform(0.1, 5, _REG),
                                  "y_true": rng.poisson(2.0, _REG).astype(np.float64)},
    "zeros": lambda rng, conv: {"y_pred": np.array([0.0, 0.0, 1.0, 1e-9]),
                                "y_true": np.array([0.0, 2.0, 0.0, 1.0])},
    "large": lambda rng, conv: {"y_pred": rng.uniform(50, 500, _REG),
                                "y_true": rng.poisson(200.0, _REG).astype(np.float64)},
    "single": lambda rng, conv: {"y_pred": np.array([[0.3]]), "y_true": np.array([[1.0]])},
    "empty": lambda rng, conv: {"y_pred": np.zeros((0, 4)), "y_true": np.zeros((0, 4))},
}

LOG_RATES: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": rng.normal(0, 1, _REG),
                                  "y_true": rng.poisson(2.0, _REG).astype(np.float64)},
    "large": lambda rng, conv: {"y_pred": rng.uniform(-30, 30, _REG),
                                "y_true": rng.poisson(20.0, _REG).astype(np.float64)},
    "zeros": lambda rng, conv: {"y_pred": np.zeros(4), "y_true": np.array([0.0, 1.0, 2.0, 5.0])},
    "single": lambda rng, conv: {"y_pred": np.array([[0.3]]), "y_true": np.array([[1.0]])},
    "empty": lambda rng, conv: {"y_pred": np.zeros((0, 4)), "y_true": np.zeros((0, 4))},
}

VECTORS: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": _place(rng.normal(0, 1, (_N, 4)), conv),
                                  "y_true": _place(rng.normal(0, 1, (_N, 4)), conv)},
    "zero_vectors": lambda rng, conv: {"y_pred": _place(np.array([[0.0, 0, 0], [1, 2, 3], [0, 0, 0]]), conv),
                                       "y_true": _place(np.array([[1.0, 2, 3], [0, 0, 0], [0, 0, 0]]), conv)},
    "parallel": lambda rng, conv: {"y_pred": _place(np.array([[1.0, 2, 3], [1, 2, 3]]), conv),
                                   "y_true": _place(np.array([[2.0, 4, 6], [-1, -2, -3]]), conv)},
    "large": lambda rng, conv: {"y_pred": _place(rng.normal(0, 1e3, (_N, 4)), conv),
                                "y_true": _place(rng.normal(0, 1e3, (_N, 4)), conv)},
    "tiny": lambda rng, conv: {"y_pred": _place(rng.normal(0, 1e-5, (_N, 4)), conv),
                               "y_true": _place(rng.normal(0, 1e-5, (_N, 4)), conv)},
    "single": lambda rng, conv: {"y_pred": _place(np.array([[0.3, 0.4]]), conv),
                                 "y_true": _place(np.array([[1.0, 0.0]]), conv)},
    "empty": lambda rng, conv: {"y_pred": _place(np.zeros((0, 4)), conv),
                                "y_true": _place(np.zeros((0, 4)), conv)},
}


# ----------------------------------------------------------------------------- margin
def _margin_labels(rng: np.random.Generator, shape: tuple[int, ...], conv: Mapping[str, Any]) -> np.ndarray:
    y = rng.choice([-1.0, 1.0], size=shape)
    return (y + 1) / 2 if conv.get("labels") == "01" else y


def _margin_kinks(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    p = np.array([1.0, -1.0, 0.0, 2.0, -2.0, 0.5, 1.0, -1.0])
    t = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0, -1.0, 1.0])
    return {"y_pred": p, "y_true": (t + 1) / 2 if conv.get("labels") == "01" else t}


MARGIN: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": rng.normal(0, 2, _REG), "y_true": _margin_labels(rng, _REG, conv)},
    "kinks": _margin_kinks,
    "large": lambda rng, conv: {"y_pred": rng.normal(0, 1e3, _REG), "y_true": _margin_labels(rng, _REG, conv)},
    "single": lambda rng, conv: {"y_pred": np.array([[0.3]]), "y_true": _margin_labels(rng, (1, 1), conv)},
    "empty": lambda rng, conv: {"y_pred": np.zeros((0, 4)), "y_true": np.zeros((0, 4))},
}

MULTILABEL: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": rng.normal(0, 2, (_N, _C)), "y_true": _bernoulli(rng, (_N, _C))},
    "large": lambda rng, conv: {"y_pred": rng.normal(0, 50, (_N, _C)), "y_true": _bernoulli(rng, (_N, _C))},
    "single": lambda rng, conv: {"y_pred": np.array([[0.3, -1.0]]), "y_true": np.array([[1.0, 0.0]])},
    "empty": lambda rng, conv: {"y_pred": np.zeros((0, _C)), "y_true": np.zeros((0, _C))},
}



def _index_lists(x: np.ndarray, rows: list[list[int]], conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Scores and target class lists padded with -1 to y_pred's shape (class axis last,
    then placed): torch multilabel_margin_loss's int64 target."""
    c = x.shape[-1]
    y = np.full(x.shape, -1, dtype=np.int64)
    for r, row in zip(y.reshape(-1, c), rows, strict=True):
        r[: len(row)] = row
    return {"y_pred": _place(x, conv), "y_true": _place(y, conv)}


def _random_lists(rng: np.random.Generator, n: int, c: int) -> list[list[int]]:
    """Distinct target classes per sample, 1 to c - 1 of them (so some non-target)."""
    return [rng.permutation(c)[: rng.integers(1, c)].tolist() for _ in range(n)]


def _index_lists_tail(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Class indices (not -1) after the first -1: ignored, not a second list."""
    case = _index_lists(rng.normal(0, 2, (_N, _C)), _random_lists(rng, _N, _C), conv)
    y = np.moveaxis(case["y_true"], _class_axis(conv), -1).copy()
    for r in y:
        k = int(np.argmax(r < 0))
        if 0 < k < _C - 1:
            r[k + 1:] = rng.integers(0, _C, _C - k - 1)
    case["y_true"] = _place(y, conv)
    return case


MULTILABEL_INDEX: dict[str, Generator] = {
    "typical": lambda rng, conv: _index_lists(rng.normal(0, 2, (_N, _C)),
                                              _random_lists(rng, _N, _C), conv),
    # 1 - x[j] + x[i] == 0 exactly (the hinge's kink) beside ties of the scores
    "ties": lambda rng, conv: _index_lists(
        np.array([[1.0, 0.0, 0.5, 2.0, 0.0], [0.25, -0.75, 3.0, 1.25, -0.75],
                  [0.0, 0.0, 0.0, 0.0, 0.0], [2.0, 1.0, 1.0, 1.0, 1.5]]),
        [[0, 2], [0, 2, 3], [1, 2], [0]], conv),
    "large": lambda rng, conv: _index_lists(rng.normal(0, 30, (_N, _C)),
                                            _random_lists(rng, _N, _C), conv),
    "extreme": lambda rng, conv: _index_lists(
        np.array([[1e4, -1e4, 0.0, 1.0, 5e3], [-1e4, -1e4, -1e4, -1e4, -1e4 + 1],
                  [1e4, 1e4, 1e4 - 1, 0.0, -1e4], [88.0, 89.0, 710.0, -745.0, 0.0]]),
        [[0, 4], [4], [1, 3], [2, 3, 0]], conv),
    "tail_ignored": _index_lists_tail,
    "no_targets": lambda rng, conv: _index_lists(rng.normal(0, 2, (3, _C)), [[], [], [2]], conv),
    "all_targets": lambda rng, conv: _index_lists(rng.normal(0, 2, (3, _C)),
                                                  [rng.permutation(_C).tolist(), [0, 1, 2, 3, 4],
                                                   [1, 3]], conv),
    "repeats": lambda rng, conv: _index_lists(rng.normal(0, 2, (3, _C)),
                                              [[1, 1], [0, 3, 0, 3, 0], [2, 4, 2]], conv),
    "many_classes": lambda rng, conv: _index_lists(rng.normal(0, 3, (2, 1000)),
                                                   _random_lists(rng, 2, 1000), conv),
    "single": lambda rng, conv: _index_lists(rng.normal(0, 2, (1, _C)), [[3, 0]], conv),
    # torch's 1-D form: one sample without a batch axis (a 0-d loss)
    "vector": lambda rng, conv: _index_lists(rng.normal(0, 2, (_C,)), [[4, 1]], conv),
    "empty": lambda rng, conv: _index_lists(np.zeros((0, _C)), [], conv),
    "nan_inf": lambda rng, conv: _index_lists(
        np.array([[np.nan, 1.0, 2.0, 0.0, 0.0], [np.inf, 1.0, 2.0, 0.0, 0.0],
                  [-np.inf, 1.0, 2.0, 0.0, 0.0], [1.0, -np.inf, 2.0, 0.0, 0.0]]),
        [[1], [1], [1], [1, 2]], conv),
}


# ------------------------------------------------------------------ linear cross-entropy
def _linear(x: np.ndarray, w: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Features x (N, F), a weight matrix (C, F) (logits x W^T), int labels (N,)."""
    return {"x": x, "linear_weight": w, "y_true": y.astype(np.int64)}


def _linear_normal(n: int, f: int, c: int, scale: float) -> Generator:
    def gen(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        return _linear(rng.normal(0, scale, (n, f)), rng.normal(0, 1, (c, f)),
                       _labels(rng, (n,), c))
    return gen


def _linear_ignore(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    case = _linear_normal(_N, 4, _C, 1.5)(rng, conv)
    case["y_true"][[1, 4]] = int(conv.get("ignore_index", -100))
    return case


LINEAR_FEATURES: dict[str, Generator] = {
    "typical": _linear_normal(_N, 4, _C, 1.5),
    "large": _linear_normal(_N, 4, _C, 20.0),
    # equal logits: two identical weight rows, and a zero feature row (every logit 0)
    "ties": lambda rng, conv: _linear(
        np.array([[1.0, -0.5, 2.0, 0.25], [0.0, 0.0, 0.0, 0.0], [3.0, 1.0, -1.0, 0.5]]),
        np.array([[0.5, 1.0, -0.25, 2.0], [0.5, 1.0, -0.25, 2.0], [-1.0, 0.0, 0.5, 0.0],
                  [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]), np.array([0, 3, 1])),
    "ignore_index": _linear_ignore,
    "many_classes": _linear_normal(2, 8, 1000, 1.0),
    "single": _linear_normal(1, 4, _C, 1.5),
    # torch's unbatched form: x (F,), a 0-d label, a 0-d loss
    "vector": lambda rng, conv: _linear(rng.normal(0, 1.5, 4), rng.normal(0, 1, (_C, 4)),
                                        np.array(3)),
    "empty": lambda rng, conv: _linear(np.zeros((0, 4)), rng.normal(0, 1, (_C, 4)),
                                       np.zeros(0)),
    "nan_inf": lambda rng, conv: _linear(
        np.array([[np.nan, 1.0, 0.5, 0.0], [np.inf, 1.0, 0.5, 0.0], [-np.inf, 1.0, 0.5, 0.0]]),
        rng.normal(0, 1, (_C, 4)), np.array([1, 2, 3])),
}

# -------------------------------------------------------------------------- embedding
def _ranking_kinks(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """-y (x1 - x2) + margin == 0 exactly (x1 = x2 + margin y, small dyadic values)."""
    m = float(conv.get("margin", 0.0))
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    x2 = np.array([0.0, 1.0, -2.0, 0.5, 3.0, -1.5])
    x1 = x2 + m * y
    x1[4:] += np.array([0.25, 0.25])  # one active, one inactive beside the kinks
    return {"x1": x1, "x2": x2, "y_true": y}


RANKING: dict[str, Generator] = {
    "typical": lambda rng, conv: {"x1": rng.normal(0, 2, _REG), "x2": rng.normal(0, 2, _REG),
                                  "y_true": _margin_labels(rng, _REG, conv)},
    "kinks": _ranking_kinks,
    "large": lambda rng, conv: {"x1": rng.normal(0, 1e3, _REG), "x2": rng.normal(0, 1e3, _REG),
                                "y_true": _margin_labels(rng, _REG, conv)},
    "single": lambda rng, conv: {"x1": np.array([0.3]), "x2": np.array([-0.2]),
                                 "y_true": np.array([-1.0])},
    "empty": lambda rng, conv: {"x1": np.zeros(0), "x2": np.zeros(0), "y_true": np.zeros(0)},
}


def _pairs(x1: np.ndarray, x2: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    return {"x1": x1, "x2": x2, "y_true": y}


_E = (_N, 4)
EMBEDDING_PAIR: dict[str, Generator] = {
    "typical": lambda rng, conv: _pairs(rng.normal(0, 1, _E), rng.normal(0, 1, _E),
                                        _margin_labels(rng, (_N,), conv)),
    # cos = 1, -1 and 0 exactly: the y = -1 hinge at cos = margin = 0 is a kink
    "parallel": lambda rng, conv: _pairs(np.array([[1.0, 2, 3], [1, 2, 3], [1, -1, 2], [0.5, 0, 1]]),
                                         np.array([[2.0, 4, 6], [-1, -2, -3], [3, -3, 6], [-1, 0, -2]]),
                                         np.array([1.0, -1.0, -1.0, 1.0])),
    "orthogonal": lambda rng, conv: _pairs(np.array([[1.0, 0, 0], [1, 1, 0], [0, 2, 1], [3, 0, 1]]),
                                           np.array([[0.0, 1, 0], [1, -1, 0], [0, 1, -2], [0, 5, 0]]),
                                           np.array([-1.0, -1.0, 1.0, -1.0])),
    "zero_vectors": lambda rng, conv: _pairs(np.array([[0.0, 0, 0], [1, 2, 3], [0, 0, 0]]),
                                             np.array([[1.0, 2, 3], [0, 0, 0], [0, 0, 0]]),
                                             np.array([1.0, -1.0, 1.0])),
    "large": lambda rng, conv: _pairs(rng.normal(0, 1e2, _E), rng.normal(0, 1e2, _E),
                                      _margin_labels(rng, (_N,), conv)),
    "single": lambda rng, conv: _pairs(np.array([[0.3, 0.4]]), np.array([[1.0, 0.0]]),
                                       np.array([-1.0])),
    "empty": lambda rng, conv: _pairs(np.zeros((0, 4)), np.zeros((0, 4)), np.zeros(0)),
}


def _triplets(a: np.ndarray, p: np.ndarray, n: np.ndarray) -> dict[str, np.ndarray]:
    return {"anchor": a, "positive": p, "negative": n}


def _triplet_typical(rng: np.random.Generator, scale: float) -> dict[str, np.ndarray]:
    a = rng.normal(0, scale, _E)
    return _triplets(a, a + rng.normal(0, 0.5 * scale, _E), rng.normal(0, scale, _E))


def _triplet_swap(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The negative is nearer the positive than the anchor: swap=True changes the loss."""
    a = rng.normal(0, 1, _E)
    p = a + rng.normal(0, 1.0, _E)
    return _triplets(a, p, p + rng.normal(0, 0.3, _E))


TRIPLET: dict[str, Generator] = {
    "typical": lambda rng, conv: _triplet_typical(rng, 1.0),
    # positive == anchor: d(a, p) is the epsilon alone (and d(a, n) == d(p, n): a swap tie)
    "identical": lambda rng, conv: (lambda a: _triplets(a, a.copy(), rng.normal(0, 1, _E)))(
        rng.normal(0, 1, _E)),
    "swap": _triplet_swap,
    "large": lambda rng, conv: _triplet_typical(rng, 1e2),
    "tiny": lambda rng, conv: _triplet_typical(rng, 1e-4),
    "single": lambda rng, conv: _triplets(np.array([[0.3, 0.4]]), np.array([[0.5, 0.0]]),
                                          np.array([[-1.0, 0.2]])),
    "empty": lambda rng, conv: _triplets(np.zeros((0, 4)), np.zeros((0, 4)), np.zeros((0, 4))),
}

# ------------------------------------------------------------------------ contrastive
# A batch of embeddings (N, D) and one integer label per row: same label = positive pair.
_B = (8, 4)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _batch(x: np.ndarray, labels: Any) -> dict[str, np.ndarray]:
    return {"y_pred": x, "y_true": np.asarray(labels, dtype=np.int64)}


def _views(rng: np.random.Generator, noise: float, normalise: bool = True
           ) -> dict[str, np.ndarray]:
    """Two views of 4 samples (SimCLR's batch: labels 0 1 2 3 0 1 2 3), the second a
    perturbed copy of the first."""
    first = rng.normal(0, 1, (4, _B[1]))
    x = np.concatenate([first, first + rng.normal(0, noise, first.shape)])
    return _batch(_unit(x) if normalise else 0.5 * x, np.tile(np.arange(4), 2))


def _zero_rows(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Rows 0 and 5 are zero vectors (a norm below any epsilon): 0 has positives."""
    x = _unit(rng.normal(0, 1, _B))
    x[[0, 5]] = 0.0
    return _batch(x, [0, 0, 1, 1, 2, 3, 2, 3])


def _nan_entry(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One NaN feature (row 2): every similarity with row 2 is NaN."""
    x = _unit(rng.normal(0, 1, _B))
    x[2, 1] = np.nan
    return _batch(x, [0, 1, 2, 0, 1, 0, 2, 1])


def _with_references(draw: Generator, rows: tuple[int, ...] = (3, 4, 5, 6, 7),
                     labels: Any = None, noise: float = 0.05) -> Generator:
    """The regime's batch, then (drawn after it, so the batch is the same with or without)
    a separate reference set, Keras circle's ref_embeddings / ref_labels: the batch rows
    ``rows``, each moved by a Gaussian of ``noise`` times its norm per coordinate and
    scaled back to its norm (a zero row stays zero, a NaN row NaN), with their labels or
    ``labels``. Reference row j and batch row j
    are different samples: the index-diagonal pairs that remove_diagonal drops are real
    pairs here."""
    def generate(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        out = draw(rng, conv)
        x = out["y_pred"][list(rows)]
        norm = np.linalg.norm(x, axis=1, keepdims=True)
        moved = x + noise * norm * rng.normal(0, 1, x.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            moved = np.where(norm > 0, moved / np.linalg.norm(moved, axis=1, keepdims=True) * norm,
                             moved)
        out["ref_embeddings"] = moved
        out["ref_labels"] = np.asarray(out["y_true"][list(rows)] if labels is None else labels,
                                       dtype=np.int64)
        return out
    return generate


CONTRASTIVE: dict[str, Generator] = {
    # unit-norm embeddings (Keras' circle expects them), groups of varied sizes
    "typical": _with_references(lambda rng, conv: _batch(_unit(rng.normal(0, 1, _B)),
                                                         [0, 1, 2, 0, 1, 0, 2, 1])),
    # two views per sample, not normalised (norms ~1: circle uses the raw inner products)
    "views": _with_references(lambda rng, conv: _views(rng, 0.5, normalise=False)),
    # positives within ~1e-3 of each other: similarities ~1, 1 - x.y ~ 1e-6 (the
    # references too: each within ~1e-3 of its batch row)
    "near_duplicates": _with_references(lambda rng, conv: _views(rng, 1e-3), noise=1e-3),
    # every label distinct: no positive pair (NT-Xent 0/0; circle 0 per row; the
    # references' labels too)
    "no_positives": _with_references(
        lambda rng, conv: _batch(_unit(rng.normal(0, 1, _B)), np.arange(8)),
        labels=np.arange(8, 13)),
    # one label: no negative (NT-Xent and circle 0)
    "no_negatives": _with_references(
        lambda rng, conv: _batch(_unit(rng.normal(0, 1, _B)), np.zeros(8))),
    "zero_vectors": _with_references(lambda rng, conv: _zero_rows(rng)),
    # norms 1e-3: squared norms 4e-6 below half precision's eps (optax clips at eps)
    "tiny": _with_references(lambda rng, conv: _batch(1e-3 * _unit(rng.normal(0, 1, _B)),
                                                      [0, 1, 2, 0, 1, 0, 2, 1])),
    "large": _with_references(lambda rng, conv: _batch(100.0 * _unit(rng.normal(0, 1, _B)),
                                                       [0, 1, 2, 0, 1, 0, 2, 1])),
    # one sample against three references: two share its label (the first at index 0,
    # the pair remove_diagonal drops), one does not
    "single": _with_references(lambda rng, conv: _batch(np.array([[0.6, 0.8]]), [3]),
                               rows=(0, 0, 0), labels=[3, 3, 4], noise=0.3),
    "nan": _with_references(lambda rng, conv: _nan_entry(rng)),
}

# -------------------------------------------------------------------------------- ctc
def _ctc_case(conv: Mapping[str, Any], z: np.ndarray, labels: list[list[int]],
              input_lengths: list[int] | None = None) -> dict[str, np.ndarray]:
    """Logits (N, T, C) (log-softmaxed for input_space="log_probabilities"), labels padded
    with 0 (the blank: Keras' ctc counts the non-zero labels), lengths."""
    n, t, _ = z.shape
    s = max([len(r) for r in labels] + [1])
    y = np.zeros((n, s), dtype=np.int64)
    for i, row in enumerate(labels):
        y[i, : len(row)] = row
    z = _cat_pred(conv.get("input_space", "logits"), z)
    lengths = np.full(n, t) if input_lengths is None else np.array(input_lengths)
    return {"y_pred": z, "y_true": y, "input_lengths": lengths.astype(np.int64),
            "label_lengths": np.array([len(r) for r in labels], dtype=np.int64)}


def _ctc_labels(rng: np.random.Generator, lengths: list[int], c: int) -> list[list[int]]:
    return [rng.integers(1, c, k).tolist() for k in lengths]


CTC: dict[str, Generator] = {
    "typical": lambda rng, conv: _ctc_case(conv, rng.normal(0, 1, (4, 12, 5)),
                                           _ctc_labels(rng, [4, 3, 2, 4], 5)),
    # frames past input_lengths[n] are ignored (Keras' ctc loss uses every frame)
    "varied_lengths": lambda rng, conv: _ctc_case(conv, rng.normal(0, 1, (4, 12, 5)),
                                                  _ctc_labels(rng, [4, 2, 3, 1], 5),
                                                  [12, 9, 6, 12]),
    # repeated symbols need a blank between them; sample 0 fits in exactly T = 6 frames
    "repeats": lambda rng, conv: _ctc_case(conv, rng.normal(0, 1, (4, 6, 4)),
                                           [[1, 1, 2, 2], [3, 3, 3], [1, 2, 1, 2], [2, 2]]),
    "empty_labels": lambda rng, conv: _ctc_case(conv, rng.normal(0, 1, (3, 5, 4)),
                                                [[], [2, 3], []]),
    # [1, 1, 1] needs 5 frames: p(l | x) = 0, the loss is +inf
    "infeasible": lambda rng, conv: _ctc_case(conv, rng.normal(0, 1, (2, 4, 3)),
                                              [[1, 1, 1], [2, 1]]),
    "extreme": lambda rng, conv: _ctc_case(conv, rng.normal(0, 30, (3, 10, 5)),
                                           _ctc_labels(rng, [3, 5, 2], 5)),
    "long": lambda rng, conv: _ctc_case(conv, rng.normal(0, 2, (2, 80, 8)),
                                        _ctc_labels(rng, [20, 12], 8)),
    "many_classes": lambda rng, conv: _ctc_case(conv, rng.normal(0, 2, (2, 10, 50)),
                                                _ctc_labels(rng, [5, 3], 50)),
    "single": lambda rng, conv: _ctc_case(conv, np.array([[[0.5, -1.0, 0.2], [0.1, 2.0, -0.3],
                                                          [1.0, 0.0, 0.0]]]), [[1]]),
}

# ------------------------------------------------------------------- ranking lists
_LISTS = (6, 8)  # (lists, items)


def _ranked(rng: np.random.Generator, s: np.ndarray, y: np.ndarray,
            where: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Scores, relevance labels, and the optional inputs every regime draws: an item mask
    (about 1 item in 5 masked, never a whole list unless given) and item weights."""
    if where is None:
        where = rng.uniform(size=s.shape) < 0.8
        where[..., 0] |= ~where.any(axis=-1)
    return {"y_pred": s, "y_true": y, "where": where,
            "weights": rng.uniform(0.25, 2.0, s.shape)}


def _grades(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 5, shape).astype(np.float64)  # graded relevance 0..4


def _zero_label_lists(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Two lists whose labels are all 0 (loss 0, yet counted in the mean)."""
    y = _grades(rng, _LISTS)
    y[[1, 4]] = 0.0
    return _ranked(rng, rng.normal(0, 2, _LISTS), y)


def _masked_lists(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """A fully masked list (left out of the mean), a list with one valid item, masked items
    holding the largest scores and labels (they must leave the softmax and the sum)."""
    s, y = rng.normal(0, 2, _LISTS), _grades(rng, _LISTS)
    where = rng.uniform(size=_LISTS) < 0.6
    where[0] = False
    where[1] = False
    where[1, 3] = True
    where[2, :2] = False
    where[2, 2:] = True
    s[2, :2], y[2, :2] = 8.0, 4.0
    return _ranked(rng, s, y, where)


def _all_masked(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Every list masked: optax's mean over no list is 0."""
    return _ranked(rng, rng.normal(0, 2, (3, 4)), _grades(rng, (3, 4)), np.zeros((3, 4), bool))


def _ranking_nan(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """NaN in a masked item's score (harmless with the mask), in a valid item's label."""
    s = np.array([[0.5, 1.0, np.nan, -1.0, 2.0], [0.3, -0.2, 1.5, 0.0, 1.0],
                  [1.0, 2.0, 3.0, 4.0, 5.0]])
    y = np.array([[1.0, 0.0, 2.0, 0.0, 1.0], [0.0, np.nan, 1.0, 2.0, 0.0],
                  [0.0, 0.0, 1.0, 0.0, 3.0]])
    where = np.ones(s.shape, bool)
    where[0, 2] = False
    return _ranked(rng, s, y, where)


def _ranking_neg_inf(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """A valid item scored -inf with label 0 (0 · log 0 = 0: the list stays finite), and
    one that is masked."""
    s = np.array([[-np.inf, 1.0, 0.5, 0.0, 2.0], [0.3, -np.inf, 1.5, 0.0, 1.0],
                  [1.0, 2.0, 3.0, 4.0, 5.0]])
    y = np.array([[0.0, 1.0, 0.0, 2.0, 1.0], [1.0, 0.0, 0.0, 0.0, 3.0],
                  [0.0, 0.0, 1.0, 0.0, 3.0]])
    where = np.ones(s.shape, bool)
    where[1, 1] = False
    return _ranked(rng, s, y, where)


RANKING_LISTS: dict[str, Generator] = {
    "typical": lambda rng, conv: _ranked(rng, rng.normal(0, 2, _LISTS), _grades(rng, _LISTS)),
    "binary": lambda rng, conv: _ranked(rng, rng.normal(0, 1, _LISTS),
                                        (rng.uniform(size=_LISTS) < 0.3) * 1.0),
    "zero_labels": _zero_label_lists,
    "masked_lists": _masked_lists,
    "all_masked": _all_masked,
    "large": lambda rng, conv: _ranked(rng, rng.normal(0, 100, _LISTS), _grades(rng, _LISTS)),
    "ties": lambda rng, conv: _ranked(rng, np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 2.0, 2.0, -1.0],
                                                     [3.0, 3.0, 0.5, 3.0]]),
                                      np.array([[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 3.0],
                                                [1.0, 1.0, 1.0, 1.0]])),
    "single": lambda rng, conv: _ranked(rng, np.array([[0.7], [-3.0], [2.5]]),
                                        np.array([[2.0], [0.0], [1.0]])),
    "nan": _ranking_nan,
    "neg_inf": _ranking_neg_inf,
}

# -------------------------------------------------------------------- overlap losses
_SEG = (2, 4, 4, 3)  # (N, H, W, C): segmentation-like, one-hot masks


def _overlap_case(conv: Mapping[str, Any], t: np.ndarray, z: np.ndarray | None = None,
                  p: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Predictions in the binding's ``input_space`` (probabilities by default: the softmax
    of ``z`` over the last axis unless ``p`` is given; softmax_logits / sigmoid_logits:
    ``z``, or the logits of ``p``, its log for softmax, log(p / (1 - p)) for sigmoid)."""
    space = conv.get("input_space", "probabilities")
    with np.errstate(divide="ignore"):
        if space == "probabilities":
            pred = _softmax(z) if p is None else p
        elif z is not None:
            pred = z
        elif space == "softmax_logits":
            pred = np.log(p)
        else:
            pred = np.log(p) - np.log1p(-p)
    return {"y_pred": pred, "y_true": t}


def _masks(rng: np.random.Generator, shape: tuple[int, ...], classes: int | None = None
           ) -> np.ndarray:
    return _onehot(rng.integers(0, classes or shape[-1], shape[:-1]), shape[-1])


def _perfect(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """p = t exactly (probabilities); in a logit space 30-unit margins (p within 1e-13)."""
    t = _masks(rng, _SEG)
    if conv.get("input_space", "probabilities") == "probabilities":
        return _overlap_case(conv, t, p=t)
    return _overlap_case(conv, t, z=30.0 * t if conv["input_space"] == "softmax_logits"
                         else 30.0 * (2 * t - 1))


def _empty_masks(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """y_true all 0 and y_pred all 0 (probabilities: 0 / 0 without smooth or eps); in a
    logit space -30 everywhere (uniform for softmax, sigmoid ~ 1e-13)."""
    t = np.zeros(_SEG)
    if conv.get("input_space", "probabilities") == "probabilities":
        return _overlap_case(conv, t, p=np.zeros(_SEG))
    return _overlap_case(conv, t, z=np.full(_SEG, -30.0))


OVERLAP: dict[str, Generator] = {
    "typical": lambda rng, conv: _overlap_case(conv, _masks(rng, (_N, _C)),
                                               rng.normal(0, 2, (_N, _C))),
    "spatial": lambda rng, conv: _overlap_case(conv, _masks(rng, _SEG), rng.normal(0, 2, _SEG)),
    # class 2 never in the masks: its per-class T = 0 (optax's per-class Dice)
    "absent_class": lambda rng, conv: _overlap_case(conv, _masks(rng, _SEG, 2),
                                                    rng.normal(0, 2, _SEG)),
    "perfect_overlap": _perfect,
    "empty_masks": _empty_masks,
    "soft_labels": lambda rng, conv: _overlap_case(conv, _softmax(rng.normal(0, 1, (_N, _C))),
                                                   rng.normal(0, 2, (_N, _C))),
    "near_01": lambda rng, conv: _overlap_case(
        conv, _onehot(np.array([0, 1, 2, 3]), 4),
        p=np.array([[1 - 3e-12, 1e-12, 1e-12, 1e-12], [1e-7, 1 - 2e-7, 1e-7, 1e-300],
                    [0.25, 0.25, 0.5 - 1e-12, 1e-12], [1e-3, 1e-3, 1e-3, 1 - 3e-3]])),
    "single": lambda rng, conv: _overlap_case(conv, _masks(rng, (1, _C)),
                                              rng.normal(0, 2, (1, _C))),
    "empty": lambda rng, conv: _overlap_case(conv, np.zeros((0, _C)), np.zeros((0, _C))),
    "nan": lambda rng, conv: _overlap_case(conv, _masks(rng, (3, _C)), np.array(
        [[np.nan, 1.0, 0.0, 0.5, -1.0], [0.0, 1.0, 2.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0]])),
}

# ---------------------------------------------------------------------------- metrics
def _threshold_probs(rng: np.random.Generator, conv: Mapping[str, Any], shape: tuple[int, ...]) -> np.ndarray:
    t = float(conv.get("threshold", 0.5))
    return rng.normal(0, 3, shape) if t <= 0.0 or t >= 1.0 else _sigmoid(rng.normal(0, 2, shape))


def _threshold_ties(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
    t = float(conv.get("threshold", 0.5))
    p = np.array([t, t, t, t, 0.5, 0.0, 1.0, 0.25])
    return {"y_pred": p.reshape(2, 4), "y_true": np.array([1.0, 0, 1, 0, 1, 0, 1, 0]).reshape(2, 4)}


BINARY_METRIC: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": _threshold_probs(rng, conv, _BIN), "y_true": _bernoulli(rng, _BIN)},
    "ties": _threshold_ties,
    "single": lambda rng, conv: {"y_pred": np.array([[0.7]]), "y_true": np.array([[1.0]])},
    "empty": lambda rng, conv: {"y_pred": np.zeros((0, 4)), "y_true": np.zeros((0, 4))},
}


def _metric_rows(sparse: bool, c: int) -> dict[str, Generator]:
    def case(p: np.ndarray, labels: np.ndarray, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        y = labels if sparse else _place(_onehot(labels, p.shape[-1]), conv)
        return {"y_pred": _place(p, conv), "y_true": y}

    def ties(rng: np.random.Generator, conv: Mapping[str, Any]) -> dict[str, np.ndarray]:
        k = int(conv.get("k", 1))
        rows, labels = [], []
        for j in range(6):
            row = np.round(rng.uniform(0, 1, c), 1)
            order = np.argsort(-row, kind="stable")
            kth = row[order[min(k, c) - 1]]
            # The label ties exactly with the k-th largest score, at an index before or after.
            other = order[min(k, c) - 1]
            label = (other + (1 if j % 2 else -1)) % c
            row[label] = kth
            rows.append(row)
            labels.append(label)
        return case(np.array(rows), np.array(labels, dtype=np.int64), conv)

    return {
        "typical": lambda rng, conv: case(_softmax(rng.normal(0, 2, (12, c))), _labels(rng, (12,), c), conv),
        "ties": ties,
        "many_classes": lambda rng, conv: case(_softmax(rng.normal(0, 2, (4, 1000))),
                                               _labels(rng, (4,), 1000), conv),
        "single": lambda rng, conv: case(_softmax(rng.normal(0, 2, (1, c))), np.array([1]), conv),
        "empty": lambda rng, conv: case(np.zeros((0, c)), np.zeros((0,), dtype=np.int64), conv),
    }


LABELS: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": _labels(rng, (20,), 4), "y_true": _labels(rng, (20,), 4)},
    "single": lambda rng, conv: {"y_pred": np.array([1]), "y_true": np.array([1])},
}

MULTILABEL_METRIC: dict[str, Generator] = {
    "typical": lambda rng, conv: {"y_pred": _sigmoid(rng.normal(0, 2, (_N, 3))), "y_true": _bernoulli(rng, (_N, 3))},
    "ties": lambda rng, conv: {"y_pred": np.array([[0.5, 0.4, 0.6], [0.6, 0.5, 0.5]]),
                               "y_true": np.array([[1.0, 0, 1], [1, 0, 0]])},
    "single": lambda rng, conv: {"y_pred": np.array([[0.9, 0.2]]), "y_true": np.array([[1.0, 0.0]])},
}


CATEGORICAL_METRIC = _metric_rows(sparse=False, c=_C)
SPARSE_METRIC = _metric_rows(sparse=True, c=_C)
TOPK_CATEGORICAL_METRIC = _metric_rows(sparse=False, c=10)
TOPK_SPARSE_METRIC = _metric_rows(sparse=True, c=10)
