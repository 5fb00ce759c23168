"""A worked plugin: the lessons' own NumPy code under the conformance suite.

    python -m pytest conformance --adapter examples.seeds_plugin --backend plugin

Each binding declares one function of ``shared/seeds`` (run verbatim by
:mod:`examples.seed_code`) against the reference function it claims to compute, with the
conventions the lesson chose written as reference keywords (``clip_eps=1e-6`` for the
clipped cross-entropy, ``axis=0`` for a softmax over the first axis, ``reduction="sum"``
for a loss summed over the batch). What the suite then reports is the lesson's numerics:
where it conforms, where it conforms *under a convention*, and where it is wrong.

Glue written here, not in the lessons (kept minimal and named):

* :func:`_per_row`: a function the lesson wrote for one distribution (a 1-D ``p``) is
  applied to each row of the batch (the last axis is the class axis), as ``jax.vmap``
  would; it changes no arithmetic.
* ``grad_fn`` of an activation class: the backward pass its ``gradient(x)`` method
  stands for, ``g * gradient(x)`` (elementwise chain rule, the way the lessons use it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from adapters import Binding, numpy_adapter, numpy_binding
from examples.seed_code import cell

__all__ = ["backend", "bindings"]


def _per_row(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` of 1-D distributions, applied to each row (last axis) of its arguments."""

    def rows(*arrays: np.ndarray) -> np.ndarray:
        batch = arrays[0].shape[:-1]
        if not all(batch):  # an empty batch: nothing to call the lesson's function on
            return np.zeros(batch, dtype=arrays[0].dtype)
        out = [fn(*(a[index] for a in arrays)) for index in np.ndindex(batch)]
        return np.array(out).reshape(batch)

    rows.__name__ = f"per_row({getattr(fn, '__name__', fn)})"
    return rows


def _backward(activation: Any) -> Callable[[np.ndarray, np.ndarray], Any]:
    """The VJP an activation class's ``gradient(x)`` stands for: ``g * gradient(x)``."""

    def vjp(g: np.ndarray, x: np.ndarray) -> Any:
        return g * activation.gradient(x)

    return vjp


def _seed000() -> list[Binding]:
    in2, in7, in9, in11 = (cell("000", c) for c in ("In[2]", "In[7]", "In[9]", "In[11]"))
    bits = cell("000", "In[None]")
    out = [
        numpy_binding("seeds.000.In2.binary_cross_entropy_loss", in2["binary_cross_entropy_loss"],
                      "binary_cross_entropy", reduction="mean",
                      notes="mean over every element, no clipping: 0*log(0) is nan"),
        numpy_binding("seeds.000.In7.entropy", _per_row(in7["entropy"]), "entropy", base=2,
                      notes="in bits; -p*log2(p) at p=0 is 0*(-inf) = nan (the lesson's In[8])"),
        numpy_binding("seeds.000.In9.entropy", _per_row(in9["entropy"]), "entropy", base=2,
                      notes="clips p to [1e-6, 1-1e-6] inside the log: no reference convention "
                            "models a clipped entropy, so the clip shows as an error at p=1"),
        numpy_binding("seeds.000.In11.cross_entropy", _per_row(in11["cross_entropy"]),
                      "categorical_cross_entropy", args=("y_true", "y_pred"), clip_eps=1e-6,
                      notes="cross_entropy(p, q): target first; q clipped to [1e-6, 1-1e-6]"),
        numpy_binding("seeds.000.InNone.kl_divergence", _per_row(bits["kl_divergence"]),
                      "kl_divergence", args=("y_true", "y_pred"), base=2,
                      notes="math.log2 of each scalar: raises at p=0 (math domain error) and "
                            "at q=0 (ZeroDivisionError) instead of 0 / inf"),
        numpy_binding("seeds.000.InNone.entropy", _per_row(bits["entropy"]), "entropy", base=2,
                      notes="math.log2 of each scalar: raises at p=0 (math domain error)"),
    ]
    try:
        in12 = cell("000", "In[12]")
    except ImportError:  # scipy not installed: this one binding is left out
        return out
    return [*out, numpy_binding(
        "seeds.000.In12.cross_entropy_via_scipy", _per_row(in12["cross_entropy_via_scipy"]),
        "categorical_cross_entropy", args=("y_true", "y_pred"), dtypes=("float32", "float64"),
        notes="scipy.stats.entropy(x, y) is KL(x || y) on normalised inputs, not H(x, y); "
              "equal only when H(x) = 0 (one-hot targets). float16 left out: SciPy answers "
              "it in float32 (the scipy adapter checks that)")]


def _seed001() -> list[Binding]:
    sigmoid = cell("001", "In[5]")["Sigmoid"]()
    softmax = cell("001", "In[16]")["Softmax"]()
    relu = cell("001", "In[21]")["ReLu"]()
    leaky = cell("001", "In[25]")["Leaky_ReLu"]()
    tanh = cell("001", "In[27]")["TanH"]()
    return [
        numpy_binding("seeds.001.In5.Sigmoid()", sigmoid, "sigmoid", grad_fn=_backward(sigmoid),
                      notes="(1/ 1+np.exp(-x)) is 1 + exp(-x): operator precedence"),
        numpy_binding("seeds.001.In16.Softmax()", softmax, "softmax", axis=1,
                      grad_fn=_backward(softmax),
                      notes="no max shift (overflow at large logits); gradient() is only the "
                            "Jacobian's diagonal p*(1-p)"),
        numpy_binding("seeds.001.In21.ReLu()", relu, "relu", grad_fn=_backward(relu),
                      grad_conventions={"grad_at_zero": 1.0},
                      notes="x>=0 branch: relu'(0) = 1 (declared); gradient() is an int64 mask"),
        numpy_binding("seeds.001.In25.Leaky_ReLu()", leaky, "leaky_relu", negative_slope=0.01,
                      grad_fn=_backward(leaky),
                      notes="alpha=0.01; gradient() is a float64 array whatever x's dtype"),
        numpy_binding("seeds.001.In27.TanH()", tanh, "tanh", grad_fn=_backward(tanh),
                      notes="2/(1+exp(-2x)) - 1 cancels for small |x|"),
    ]


def _seed002_003() -> list[Binding]:
    sum_log = cell("002", "In[10]")["Sum_Log"]
    softmax = cell("003", "In[2]")["softmax"]
    cross_entropy = cell("003", "In[5]")["cross_entropy"]
    return [
        numpy_binding("seeds.002.In10.Sum_Log", _per_row(sum_log), "categorical_cross_entropy",
                      args=("y_true", "y_pred"), notes="- sum(p*np.log(q)); 0*log(0) is nan"),
        numpy_binding("seeds.003.In2.softmax", softmax, "softmax", axis=0,
                      notes="np.sum(..., axis=0): the class axis is the first; no max shift"),
        numpy_binding("seeds.003.In5.cross_entropy", cross_entropy, "categorical_cross_entropy",
                      args=("y_true", "y_pred"), reduction="sum",
                      notes="-np.sum over every element: the batch's sum"),
    ]


def _seed004() -> list[Binding]:
    first, second = cell("004", "In[23]"), cell("004", "In[28]")
    loss = first["Loss_CategoricalCrossEntropy"]()
    return [
        numpy_binding("seeds.004.In23.Loss_CategoricalCrossEntropy().calculate",
                      loss.calculate, "categorical_cross_entropy", clip_eps=1e-7,
                      reduction="mean", notes="one-hot targets; clip [1e-7, 1-1e-7]; batch mean"),
        numpy_binding("seeds.004.In23.Loss_CategoricalCrossEntropy().calculate+int_labels",
                      loss.calculate, "sparse_categorical_cross_entropy", clip_eps=1e-7,
                      reduction="mean", notes="integer targets (len(targets.shape) == 1)"),
        numpy_binding("seeds.004.In23.Loss_CategoricalCrossEntropy().forward",
                      loss.forward, "categorical_cross_entropy", clip_eps=1e-7,
                      notes="per-sample losses kept as a column: keepdims=True gives (N, 1)"),
        numpy_binding("seeds.004.In28.Activation_Softmax().forward",
                      second["Activation_Softmax"]().forward, "softmax", axis=1,
                      notes="the max-shifted softmax: the lesson's fix"),
        numpy_binding("seeds.004.In28.Activation_ReLU().forward",
                      second["Activation_ReLU"]().forward, "relu",
                      notes="forward() has no return statement: it answers None"),
        numpy_binding("seeds.004.In28.Loss_CategoricalCrossEntropy().calculate",
                      second["Loss_CategoricalCrossEntropy"]().calculate,
                      "categorical_cross_entropy", clip_eps=1e-7, reduction="mean",
                      notes="forward() has no return: calculate() takes np.mean(None)"),
    ]


backend, bindings = numpy_adapter(
    "seeds", [*_seed000(), *_seed001(), *_seed002_003(), *_seed004()],
    version="shared/seeds (5 lessons)")
