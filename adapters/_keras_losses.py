"""The Keras loss and accuracy-metric bindings (used by :mod:`adapters.keras_bindings`).

Conventions, read in the installed Keras 3 sources (``keras/src/...``):

* epsilon: ``keras.backend.epsilon()`` = 1e-7 everywhere below (MAPE on Keras 3.0 to 3.3:
  float32(1e-7), a floatx tensor, see ``_mape_eps``).
* ``losses/losses.py``: loss *functions* average the last axis for elementwise losses
  (``mean_axis=-1``); class-axis losses return one value per sample.
* binary cross-entropy from probabilities (``backend/*/nn.py:binary_crossentropy``):
  clip to [eps, 1 - eps] (Keras 3); Keras 2 (``keras/backend.py``) clips AND adds eps
  inside each log ("double epsilon": ``clip_eps`` and ``log_eps``).
* categorical cross-entropy from probabilities: divide by the sum over the class axis,
  then clip (``renormalize=True``, ``clip_eps``).
* label smoothing: binary ``y (1 - ls) + 0.5 ls``; categorical ``y (1 - ls) + ls / C``.
* Loss classes (``losses/loss.py``): default reduction "sum_over_batch_size" =
  sum(w l) / number of values (``ops.divide_no_nan``); they cast y_true and y_pred to
  ``floatx()`` (float32) before computing.
* accuracy (``metrics/accuracy_metrics.py``): binary_accuracy is ``y_pred > threshold``
  (strict), per element in Keras 3 (Keras 2: mean over the last axis); argmax takes the
  first maximum; ``ops.in_top_k`` counts ties in (tf.math.in_top_k; jax/torch backends
  compare with the k-th largest score).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ._binding import Binding, release
from .keras_bindings import grad_at_clip, grad_at_max_tie

__all__ = ["loss_bindings", "loss_metric_bindings", "metric_bindings"]

EPS = 1e-7  # keras.backend.epsilon(), checked at bindings() time
_LOSSES_SRC = "keras/src/losses/losses.py"
_NN_SRC = "keras/src/backend/{backend}/nn.py"
_OPS_NN_SRC = "keras/src/ops/nn.py"
_METRICS_SRC = "keras/src/metrics/accuracy_metrics.py"
_KERAS = ("y_true", "y_pred")
_KERAS_W = ("y_true", "y_pred", "sample_weight")
_PROBS = {"input_space": "probabilities", "epsilon": "1e-7 (keras.backend.epsilon())"}
_LOGITS = {"input_space": "logits"}
_CLASS_REDUCTION = {"default_reduction": "sum_over_batch_size (divide_no_nan)"}


def _b(api: str, reference: str, call: Callable[..., Any], *, source: str,
       kind: str = "loss", **fields: Any) -> Binding:
    info = dict(fields.pop("info", {}))
    info["source"] = source
    fields.setdefault("args", _KERAS)
    return Binding(api=api, backend="keras", kind=kind, reference=reference, call=call,
                   info=info, **fields)


def _scce_probs(backend_name: str) -> dict[str, Any]:
    """Sparse CE from probabilities: the jax/torch backends renormalise then clip; the
    TensorFlow backend (and Keras 2) clips, takes the log and feeds it to
    sparse_softmax_cross_entropy_with_logits, i.e. normalises AFTER clipping."""
    if backend_name == "tensorflow":
        return {"clip_eps": EPS, "normalize_after_clip": True}
    return {"clip_eps": EPS, "renormalize": True}


def _check_epsilon(keras: Any) -> None:
    eps = float(keras.backend.epsilon())
    if eps != EPS:  # the declarations below assume the default fuzz factor
        raise ValueError(
            f"keras.backend.epsilon() is {eps!r}; the Keras bindings declare clip_eps={EPS} "
            "(reset it with keras.backend.set_epsilon(1e-7))"
        )


def _focal_log_eps(major: int) -> dict[str, float]:
    """Keras 2's binary focal cross-entropy multiplies backend binary_crossentropy, which
    clips AND takes log(p + eps) (keras/backend.py:binary_focal_crossentropy); Keras 3
    only clips."""
    return {} if major >= 3 else {"log_eps": EPS}


def _huber_dtype(major: int) -> dict[str, str]:
    """Keras 2's huber casts y_true, y_pred and delta to floatx() (keras/losses.py:huber),
    so the function and the Huber class compute and return float32, and a float64
    gradient flows back through the cast with float32's rounding; Keras 3 keeps the input
    dtype in the function (the class casts anyway)."""
    return {} if major >= 3 else {"output_dtype": "float32", "compute_dtype": "float32"}


def _scce_output_dtype(keras: Any, major: int, backend_name: str) -> dict[str, Any]:
    """What the torch backend's sparse_categorical_crossentropy returns for half inputs.

    It computes -sum(one_hot(target) * log_prob): before Keras 3.11 one_hot's default dtype
    is "float32", and torch promotes float32 * float16 (bfloat16) to float32, so the loss of
    a half-dtype case comes back in float32 (log_prob itself is half: the values are the
    half ones); 3.11 made the default None, which keeps the labels' int64, and the loss
    stays in the input dtype (keras/src/backend/torch/nn.py: one_hot, read in the 3.10.0
    and 3.11.0 wheels; measured on 3.4.1 to 3.10.0 with torch 2.13.0)."""
    if (major >= 3 and backend_name == "torch"
            and release(str(keras.__version__)) < (3, 11)):
        return {"output_dtype": {"float16": "float32", "bfloat16": "float32"}}
    return {}


def _crossentropy(keras: Any, major: int, backend_name: str) -> list[Binding]:
    L = keras.losses
    nn_src = _NN_SRC.format(backend=backend_name)
    # Keras 3: clip only; Keras 2 keras/backend.py:binary_crossentropy clips and adds eps.
    bce_probs = {"clip_eps": EPS} if major >= 3 else {"clip_eps": EPS, "log_eps": EPS}
    bce_src = (f"{_LOSSES_SRC}:binary_crossentropy + {nn_src}:binary_crossentropy"
               if major >= 3 else "keras/losses.py + keras/backend.py:binary_crossentropy")
    cce_probs = {"clip_eps": EPS, "renormalize": True}
    cce_src = f"{_LOSSES_SRC}:categorical_crossentropy + {nn_src}:categorical_crossentropy"
    scce_src = (f"{_LOSSES_SRC}:sparse_categorical_crossentropy + "
                f"{nn_src}:sparse_categorical_crossentropy")
    scce_probs = _scce_probs(backend_name)
    scce_out = _scce_output_dtype(keras, major, backend_name)
    mean = {"mean_axis": -1}
    clip_grad = {"grad_conventions": {"grad_at_clip": grad_at_clip(backend_name)}}
    p = functools.partial
    out = [
        _b("keras.losses.binary_crossentropy", "binary_cross_entropy",
           L.binary_crossentropy, **clip_grad, source=bce_src, conventions={**bce_probs, **mean},
           info={**_PROBS, "labels": "binary/soft", "default_reduction": "mean over last axis"},
           pair="keras.losses.binary_crossentropy(from_logits=True)"),
        _b("keras.losses.binary_crossentropy(from_logits=True)",
           "sigmoid_binary_cross_entropy", p(L.binary_crossentropy, from_logits=True),
           source=bce_src, conventions=mean, info={**_LOGITS, "labels": "binary/soft"}),
        _b("keras.losses.binary_crossentropy(label_smoothing=0.1)", "binary_cross_entropy",
           p(L.binary_crossentropy, label_smoothing=0.1), **clip_grad, source=bce_src,
           conventions={**bce_probs, **mean, "label_smoothing": 0.1},
           info={**_PROBS, "defaults": "y*(1-ls) + 0.5*ls"}),
        _b("keras.losses.binary_crossentropy(from_logits=True, label_smoothing=0.1)",
           "sigmoid_binary_cross_entropy",
           p(L.binary_crossentropy, from_logits=True, label_smoothing=0.1), source=bce_src,
           conventions={**mean, "label_smoothing": 0.1}, info=_LOGITS),
        _b("keras.losses.categorical_crossentropy", "categorical_cross_entropy",
           L.categorical_crossentropy, **clip_grad, source=cce_src, conventions=cce_probs,
           info={**_PROBS, "labels": "one-hot/soft"},
           pair="keras.losses.categorical_crossentropy(from_logits=True)"),
        _b("keras.losses.categorical_crossentropy(from_logits=True)", "softmax_cross_entropy",
           p(L.categorical_crossentropy, from_logits=True), source=cce_src,
           info={**_LOGITS, "labels": "one-hot/soft"}),
        _b("keras.losses.categorical_crossentropy(label_smoothing=0.1)",
           "categorical_cross_entropy", p(L.categorical_crossentropy, label_smoothing=0.1),
           **clip_grad, source=cce_src, conventions={**cce_probs, "label_smoothing": 0.1},
           info={**_PROBS, "defaults": "y*(1-ls) + ls/C"}),
        _b("keras.losses.categorical_crossentropy(from_logits=True, label_smoothing=0.1)",
           "softmax_cross_entropy",
           p(L.categorical_crossentropy, from_logits=True, label_smoothing=0.1),
           source=cce_src, conventions={"label_smoothing": 0.1}, info=_LOGITS),
        _b("keras.losses.categorical_crossentropy(from_logits=True, axis=1)",
           "softmax_cross_entropy", p(L.categorical_crossentropy, from_logits=True, axis=1),
           source=cce_src, conventions={"axis": 1}, info={**_LOGITS, "labels": "one-hot/soft"}),
        # label smoothing takes C from y_true.shape[-1] whatever the axis (see findings).
        _b("keras.losses.categorical_crossentropy(from_logits=True, label_smoothing=0.1, "
           "axis=1)", "softmax_cross_entropy",
           p(L.categorical_crossentropy, from_logits=True, label_smoothing=0.1, axis=1),
           source=cce_src, conventions={"axis": 1, "label_smoothing": 0.1}, info=_LOGITS),
        _b("keras.losses.sparse_categorical_crossentropy",
           "sparse_categorical_cross_entropy", L.sparse_categorical_crossentropy,
           **clip_grad, **scce_out, source=scce_src, conventions=scce_probs,
           info={**_PROBS, "labels": "index"},
           pair="keras.losses.sparse_categorical_crossentropy(from_logits=True)"),
        _b("keras.losses.sparse_categorical_crossentropy(from_logits=True)",
           "sparse_softmax_cross_entropy",
           p(L.sparse_categorical_crossentropy, from_logits=True), **scce_out, source=scce_src,
           info={**_LOGITS, "labels": "index"})
    ]
    if major >= 3:
        out += [
            _b("keras.losses.sparse_categorical_crossentropy(from_logits=True, ignore_class=0)",
               "sparse_softmax_cross_entropy",
               p(L.sparse_categorical_crossentropy, from_logits=True, ignore_class=0),
               **scce_out, source=scce_src, conventions={"ignore_index": 0},
               info={**_LOGITS, "labels": "index", "defaults": "ignored samples give 0"}),
        ]
    focal_eps = _focal_log_eps(major)
    if hasattr(L, "binary_focal_crossentropy"):
        focal_src = f"{_LOSSES_SRC}:binary_focal_crossentropy"
        out += [
            _b("keras.losses.binary_focal_crossentropy", "binary_focal_cross_entropy",
               L.binary_focal_crossentropy, **clip_grad, source=focal_src,
               conventions={"gamma": 2.0, "clip_eps": EPS, **focal_eps, **mean},
               info={**_PROBS, "defaults": "gamma=2.0, apply_class_balancing=False "
                                           "(alpha=0.25 unused)"}),
            _b("keras.losses.binary_focal_crossentropy(apply_class_balancing=True)",
               "binary_focal_cross_entropy",
               p(L.binary_focal_crossentropy, apply_class_balancing=True), **clip_grad, source=focal_src,
               conventions={"gamma": 2.0, "alpha": 0.25, "clip_eps": EPS, **focal_eps, **mean},
               info=_PROBS),
        ]
    if hasattr(L, "categorical_focal_crossentropy"):
        out.append(
            _b("keras.losses.categorical_focal_crossentropy", "categorical_focal_cross_entropy",
               L.categorical_focal_crossentropy,  # ops.clip: tensor bounds on torch
               grad_conventions={"grad_at_clip": grad_at_clip(backend_name, "tensor")},
               source=f"{_LOSSES_SRC}:categorical_focal_crossentropy",
               conventions={"gamma": 2.0, "alpha": 0.25, **cce_probs},
               info={**_PROBS, "defaults": "alpha=0.25 always applied, gamma=2.0"}))
    ops = getattr(keras, "ops", None)
    if ops is not None:  # keras.ops: per element / per sample, no mean, no smoothing
        ops_src = f"{_OPS_NN_SRC}:{{fn}} + {nn_src}:{{fn}}"
        out += [
            _b("keras.ops.binary_crossentropy", "binary_cross_entropy", ops.binary_crossentropy,
               **clip_grad, source=ops_src.format(fn="binary_crossentropy"), conventions=bce_probs,
               info={**_PROBS, "default_reduction": "none"},
               pair="keras.ops.binary_crossentropy(from_logits=True)"),
            _b("keras.ops.binary_crossentropy(from_logits=True)",
               "sigmoid_binary_cross_entropy", p(ops.binary_crossentropy, from_logits=True),
               source=ops_src.format(fn="binary_crossentropy"), info=_LOGITS),
            _b("keras.ops.categorical_crossentropy(from_logits=True)", "softmax_cross_entropy",
               p(ops.categorical_crossentropy, from_logits=True),
               source=ops_src.format(fn="categorical_crossentropy"), info=_LOGITS),
            _b("keras.ops.sparse_categorical_crossentropy(from_logits=True)",
               "sparse_softmax_cross_entropy",
               p(ops.sparse_categorical_crossentropy, from_logits=True), **scce_out,
               source=ops_src.format(fn="sparse_categorical_crossentropy"), info=_LOGITS),
        ]
    return out



def _mape_eps(keras: Any, major: int) -> float:
    """The bound of |y_true| in mean_absolute_percentage_error. Keras 3.0 to 3.3 convert
    epsilon with ``ops.convert_to_tensor(backend.epsilon())``, a floatx (float32) tensor,
    so a float64 loss divides by float32(1e-7) = 1.0000000116860974e-07; Keras 3.4 converts
    it to y_pred's dtype (``dtype=y_pred.dtype``; read in the 3.3.3 and 3.4.0 wheels) and
    Keras 2 passes the Python float to ``backend.maximum``."""
    if major >= 3 and release(str(keras.__version__)) < (3, 4):
        return float(np.float32(EPS))
    return EPS


def _regression(keras: Any, major: int, backend_name: str) -> list[Binding]:
    L = keras.losses
    mean = {"mean_axis": -1}
    # ops.maximum(1 - t p, 0) at the margin: tf passes the gradient, jnp/torch.maximum halve it.
    margin = {"grad_conventions": {"grad_at_margin": grad_at_max_tie(backend_name)}}
    # msle: ops.maximum(y_pred, epsilon) with epsilon a float32 tensor on the TF backend, so
    # the bound is float32(1e-7) > 1e-7 and a float64 p = 1e-7 lies strictly outside (0);
    # jax/torch keep 1e-7 exactly and split the tie (0.5).
    msle_grad = {"grad_at_clip": 0.0 if backend_name == "tensorflow" else 0.5}
    # |y_true - y_pred| at y_pred == y_true: tf/torch sign(0) = 0 (the reference default);
    # jax's abs JVP is select(x >= 0, g, -g) (lax._abs_jvp_rule), +1 in y_true - y_pred,
    # so -1 in y_pred.
    abs_grad = {"grad_at_zero": -1.0} if backend_name == "jax" else {}
    # Keras 3 ops.nn.normalize: x * min(rsqrt(sum x^2), 1/eps), eps = 1e-7 (each input
    # normalised on its own); Keras 2 tf.linalg.l2_normalize: rsqrt(max(sum x^2, 1e-12)).
    cos = ({"negate": True, "eps": EPS, "eps_mode": "separate"} if major >= 3
           else {"negate": True, "eps": 1e-6, "eps_mode": "separate"})

    huber_dtype = _huber_dtype(major)

    def src(fn: str) -> str:
        return f"{_LOSSES_SRC}:{fn}"

    return [
        _b("keras.losses.mean_squared_error", "squared_error", L.mean_squared_error,
           source=src("mean_squared_error"), conventions=mean),
        _b("keras.losses.mean_absolute_error", "absolute_error", L.mean_absolute_error,
           source=src("mean_absolute_error"), conventions=mean, grad_conventions=abs_grad),
        _b("keras.losses.mean_absolute_percentage_error", "absolute_percentage_error",
           L.mean_absolute_percentage_error, source=src("mean_absolute_percentage_error"),
           conventions={"eps": _mape_eps(keras, major), "scale": 100.0, **mean},
           grad_conventions=abs_grad,
           info={"epsilon": "|t| clamped at 1e-7", "defaults": "scale 100"}),
        _b("keras.losses.mean_squared_logarithmic_error", "squared_log_error",
           L.mean_squared_logarithmic_error, source=src("mean_squared_logarithmic_error"),
           conventions={"clip_eps": EPS, **mean}, grad_conventions=msle_grad,
           dtypes=("float32", "float64"),
           notes="float16/bfloat16 inputs come back as float32 (epsilon is a float32 "
                 "tensor and promotes)"),
        _b("keras.losses.huber", "huber", L.huber, source=src("huber"),
           conventions={"delta": 1.0, **mean}, **huber_dtype),
        _b("keras.losses.huber(delta=0.5)", "huber", functools.partial(L.huber, delta=0.5),
           source=src("huber"), conventions={"delta": 0.5, **mean}, **huber_dtype),
        _b("keras.losses.log_cosh", "log_cosh", L.log_cosh, source=src("log_cosh"),
           conventions=mean),
        _b("keras.losses.poisson", "poisson_nll", L.poisson, source=src("poisson"),
           conventions={"eps": EPS, **mean}, info={"input_space": "rates"}),
        _b("keras.losses.kl_divergence", "kl_divergence", L.kl_divergence,
           source=src("kl_divergence"), conventions={"clip_eps": EPS},
           grad_conventions={"grad_at_clip": grad_at_clip(backend_name, "tensor")},
           info={**_PROBS, "defaults": "clips both y_true and y_pred to [1e-7, 1]"}),
        _b("keras.losses.cosine_similarity", "cosine_similarity", L.cosine_similarity,
           source=src("cosine_similarity") + (" + keras/src/ops/nn.py:_normalize"
                                              if major >= 3 else " + tensorflow/python/ops/"
                                              "nn_impl.py:l2_normalize"),
           conventions={"axis": -1, **cos},
           info={"defaults": "returns -cos; each input l2-normalised with norm clamped at "
                             "1e-7"}),
        _b("keras.losses.hinge", "hinge", L.hinge, source=src("hinge"),
           conventions={"labels": "01", **mean}, **margin,
           info={"labels": "0/1 converted to -1/1 when ALL labels are 0/1, else used as is"}),
        _b("keras.losses.squared_hinge", "squared_hinge", L.squared_hinge,
           source=src("squared_hinge"), conventions={"labels": "01", **mean}),
        _b("keras.losses.categorical_hinge", "categorical_hinge", L.categorical_hinge,
           source=src("categorical_hinge"), conventions={"axis": -1}, **margin,
           info={"labels": "one-hot"}),
    ]


def _loss_classes(keras: Any, major: int, backend_name: str) -> list[Binding]:
    """Loss objects: the function's value reduced (sum_over_batch_size) in floatx()."""
    L = keras.losses
    bce_probs = {"clip_eps": EPS} if major >= 3 else {"clip_eps": EPS, "log_eps": EPS}
    cce_probs = {"clip_eps": EPS, "renormalize": True}
    scce_probs = _scce_probs(backend_name)
    red = {"reduction": "sum_over_batch_size"}
    mean = {"mean_axis": -1, **red}
    if major >= 3:
        common = {"output_dtype": "float32", "compute_dtype": "float32", "info": _CLASS_REDUCTION,
                  "notes": "y_true and y_pred are cast to keras.backend.floatx() (float32) first"}
    else:
        # Keras 2 keras/losses.py: Loss.__call__ -> LossFunctionWrapper.call -> the function,
        # then utils/losses_utils.py:compute_weighted_loss, with no cast: the result has the
        # dtype of the function's values (the input dtype; huber casts to floatx itself).
        common = {"info": _CLASS_REDUCTION,
                  "notes": "Keras 2: no cast to floatx(); the result follows the input dtype "
                           "(Huber: float32, keras/losses.py:huber casts to floatx())"}
    # CosineSimilarity: the function's normalisation (see _regression), axis=-1.
    cos = ({"negate": True, "eps": EPS, "eps_mode": "separate"} if major >= 3
           else {"negate": True, "eps": 1e-6, "eps_mode": "separate"})
    specs: list[tuple[str, str, Any, dict[str, Any], bool]] = [
        # (api, reference, Loss object, conventions, add a +sample_weight variant)
        ("BinaryCrossentropy()", "binary_cross_entropy", L.BinaryCrossentropy(),
         {**bce_probs, **mean}, True),
        ("BinaryCrossentropy(from_logits=True)", "sigmoid_binary_cross_entropy",
         L.BinaryCrossentropy(from_logits=True), mean, True),
        ("CategoricalCrossentropy()", "categorical_cross_entropy",
         L.CategoricalCrossentropy(), {**cce_probs, **red}, True),
        ("CategoricalCrossentropy(from_logits=True)", "softmax_cross_entropy",
         L.CategoricalCrossentropy(from_logits=True), red, True),
        ("SparseCategoricalCrossentropy()", "sparse_categorical_cross_entropy",
         L.SparseCategoricalCrossentropy(), {**scce_probs, **red}, False),
        ("SparseCategoricalCrossentropy(from_logits=True)", "sparse_softmax_cross_entropy",
         L.SparseCategoricalCrossentropy(from_logits=True), red, True),
        ("KLDivergence()", "kl_divergence", L.KLDivergence(), {"clip_eps": EPS, **red}, False),
        ("Poisson()", "poisson_nll", L.Poisson(), {"eps": EPS, **mean}, False),
        ("MeanSquaredError()", "squared_error", L.MeanSquaredError(), mean, True),
        ("MeanAbsoluteError()", "absolute_error", L.MeanAbsoluteError(), mean, False),
        ("MeanAbsolutePercentageError()", "absolute_percentage_error",
         L.MeanAbsolutePercentageError(), {"eps": EPS, "scale": 100.0, **mean}, False),
        ("MeanSquaredLogarithmicError()", "squared_log_error",
         L.MeanSquaredLogarithmicError(), {"clip_eps": EPS, **mean}, False),
        ("CosineSimilarity()", "cosine_similarity", L.CosineSimilarity(),
         {"axis": -1, **cos, **red}, False),
        ("Huber()", "huber", L.Huber(), {"delta": 1.0, **mean}, False),
        ("LogCosh()", "log_cosh", L.LogCosh(), mean, False),
        ("Hinge()", "hinge", L.Hinge(), {"labels": "01", **mean}, False),
        ("SquaredHinge()", "squared_hinge", L.SquaredHinge(), {"labels": "01", **mean}, False),
        ("CategoricalHinge()", "categorical_hinge", L.CategoricalHinge(), red, False),
    ]
    if hasattr(L, "BinaryFocalCrossentropy"):
        specs.append(("BinaryFocalCrossentropy()", "binary_focal_cross_entropy",
                      L.BinaryFocalCrossentropy(),
                      {"gamma": 2.0, "clip_eps": EPS, **_focal_log_eps(major), **mean}, False))
    if hasattr(L, "CategoricalFocalCrossentropy"):
        specs.append(("CategoricalFocalCrossentropy()", "categorical_focal_cross_entropy",
                      L.CategoricalFocalCrossentropy(),
                      {"gamma": 2.0, "alpha": 0.25, **cce_probs, **red}, False))
    clip = {"grad_at_clip": grad_at_clip(backend_name)}
    # keras.ops.clip (tensor bounds on torch) in kl_divergence and the categorical focal loss
    ops_clip = {"grad_at_clip": grad_at_clip(backend_name, "tensor")}
    grads = {"binary_cross_entropy": clip, "categorical_cross_entropy": clip,
             "sparse_categorical_cross_entropy": clip, "kl_divergence": ops_clip,
             "binary_focal_cross_entropy": clip, "categorical_focal_cross_entropy": ops_clip,
             "hinge": {"grad_at_margin": grad_at_max_tie(backend_name)},
             "categorical_hinge": {"grad_at_margin": grad_at_max_tie(backend_name)}}
    if backend_name == "jax":  # abs'(0): see _regression
        grads |= {"absolute_error": {"grad_at_zero": -1.0},
                  "absolute_percentage_error": {"grad_at_zero": -1.0}}
    out = []
    for api, reference, obj, conventions, weighted in specs:
        name = type(obj).__name__
        source = (f"{_LOSSES_SRC}:{name} + keras/src/losses/loss.py:reduce_weighted_values"
                  if major >= 3 else
                  f"keras/losses.py:{name} + keras/utils/losses_utils.py:compute_weighted_loss")
        extra = {"conventions": conventions, "grad_conventions": grads.get(reference, {}),
                 **common, **(_huber_dtype(major) if reference == "huber" else {})}
        out.append(_b(f"keras.losses.{api}", reference, obj, source=source, **extra))
        if weighted:
            out.append(_b(f"keras.losses.{api}+sample_weight", reference, obj, source=source,
                          args=_KERAS_W, **extra))
        if weighted:
            out += _other_reductions(keras, major, api, reference, obj, source, extra,
                                     conventions)
    return out


# The Loss classes' other reductions, as the reference's: (keyword, its text in the API
# name, the reference reduction, extra conventions, what it does). Keras 3 spells "no
# reduction" None, Keras 2 "none" (losses_utils.ReductionV2.NONE).
_REDUCTIONS = {
    3: (
        ("sum", "'sum'", "sum", {}, "sum: sum(l * w)"),
        (None, "None", "none", {}, "None: the per-sample l * w, unreduced"),
        # Keras 3.7+: reduce_values divides sum(l * w) by sum(w) (divide_no_nan: 0 for a
        # zero total weight) instead of the batch size
        ("mean_with_sample_weight", "'mean_with_sample_weight'", "weighted_mean",
         {"mean_of_empty": 0.0}, "mean_with_sample_weight: sum(l * w) / sum(w) (divide_no_nan)"),
    ),
    2: (
        ("sum", "'sum'", "sum", {}, "sum: sum(l * w)"),
        ("none", "'none'", "none", {}, "none: the per-sample l * w, unreduced"),
    ),
}


def _other_reductions(keras: Any, major: int, api: str, reference: str, obj: Any, source: str,
                      extra: dict[str, Any], conventions: dict[str, Any]) -> list[Binding]:
    """A weighted Loss class under each further reduction its Keras knows, with sample
    weights (the class built again from its config with that reduction)."""
    out = []
    for keyword, text, ref_reduction, more, what in _REDUCTIONS[min(major, 3)]:
        if not _has_reduction(keras, keyword):
            continue
        obj_r = type(obj).from_config({**obj.get_config(), "reduction": keyword})
        name = api[:-1] + ("" if api.endswith("()") else ", ") + f"reduction={text})"
        out.append(_b(f"keras.losses.{name}+sample_weight", reference, obj_r,
                      source=f"{source} (reduce_values: {keyword})", args=_KERAS_W,
                      **{**extra, "conventions": {**conventions, "reduction": ref_reduction, **more},
                         "info": {**_CLASS_REDUCTION, "default_reduction": what}}))
    return out


def _has_reduction(keras: Any, reduction: str | None) -> bool:
    """Whether this Keras' Loss classes take ``reduction`` (standardize_reduction raises
    ValueError for one it does not know)."""
    try:
        keras.losses.MeanSquaredError(reduction=reduction)
    except ValueError:  # Keras 3's standardize_reduction, Keras 2's ReductionV2.validate
        return False
    return True


def _ctc(keras: Any, major: int, backend_name: str) -> list[Binding]:
    """keras.ops.ctc_loss, keras.losses.ctc and CTC (Keras 3): logits, blank (mask_index) 0.

    Every backend computes in keras.backend.result_type(dtype, "float32"), which is float32
    for float16, bfloat16 and, on the torch and JAX backends of Keras 3.12 and later,
    float64 inputs (declared as their own bindings, answering float32: 3.12 added
    BIT64_TO_BIT32_DTYPE to the result_type lattice; Keras 3.11 answers float64 there,
    computed in float64); the TensorFlow backend returns float64 for float64 inputs,
    computed in float32 (tf.nn.ctc_loss raises on float64; registry)."""
    ops, L = getattr(keras, "ops", None), keras.losses
    if major < 3 or not hasattr(ops, "ctc_loss"):
        return []
    src = (f"{_OPS_NN_SRC}:ctc_loss + {_NN_SRC.format(backend=backend_name)}:ctc_loss "
           "(result_type(output.dtype, 'float32'), log_softmax of the logits)")
    info = {"input_space": "logits", "labels": "index, padded", "default_reduction": "none",
            "defaults": "mask_index=0 is the blank"}
    conv = {"input_space": "logits", "blank": 0}
    lengths = ("y_true", "y_pred", "label_lengths", "input_lengths")
    # keras.losses.ctc uses every frame and counts the non-zero labels: the cases whose
    # input lengths are all T (every regime but varied_lengths) and labels padded with 0
    full = ("typical", "repeats", "empty_labels", "infeasible", "extreme", "long",
            "many_classes", "single")
    losses_src = f"{_LOSSES_SRC}:ctc (input_length = T, label_length = count of y_true != 0)"
    out = []
    # result_type(float64, "float32") is float32 off TensorFlow from Keras 3.12.0 (its
    # BIT64_TO_BIT32_DTYPE; measured: float64 on 3.11.3, float32 on 3.12.4 to 3.15.1, torch)
    if backend_name == "tensorflow" or release(str(keras.__version__)) < (3, 12):
        variants = (("", ("float32", "float64"), "same"),
                    (" on float16/bfloat16 -> float32", ("float16", "bfloat16"), "float32"))
    else:
        variants = (("", ("float32",), "same"),
                    (" on float16/bfloat16/float64 -> float32", ("float16", "bfloat16", "float64"),
                     "float32"))
    for suffix, dtypes, out_dtype in variants:
        out.append(_b(f"keras.ops.ctc_loss{suffix}", "ctc", ops.ctc_loss, source=src, args=lengths,
                      conventions=conv, label_dtype="int32", dtypes=dtypes,
                      output_dtype=out_dtype, info=info))
        if hasattr(L, "ctc"):
            out.append(_b(f"keras.losses.ctc{suffix}", "ctc", L.ctc, source=losses_src,
                          conventions=conv, label_dtype="int32", dtypes=dtypes,
                          output_dtype=out_dtype, regimes=full,
                          info={**info, "labels": "index, padded with 0 (counted as != 0)"}))
    if hasattr(L, "CTC"):  # a Loss class: inputs cast to floatx() (float32) first
        out.append(_b("keras.losses.CTC()", "ctc", L.CTC(), source=losses_src,
                      conventions={**conv, "reduction": "mean"}, label_dtype="int32",
                      output_dtype="float32", compute_dtype="float32", regimes=full,
                      info={**info, **_CLASS_REDUCTION},
                      notes="y_true and y_pred are cast to keras.backend.floatx() (float32) first"))
    return out


def _overlap(keras: Any, major: int, backend_name: str) -> list[Binding]:
    """dice / Dice, tversky / Tversky (eps = backend.epsilon() in the denominator only;
    Dice: 1 - 2 I / (Σ t + Σ p + eps), Tversky: 1 - I / (I + a FP + b FN + eps)) and the
    generalized cross-entropy (one_hot of the int labels, (1 - p_y^q) / q), Keras 3."""
    L = keras.losses
    out: list[Binding] = []
    seg = ("spatial", "absent_class", "perfect_overlap", "empty_masks")  # (N, H, W, C)
    cls = {"output_dtype": "float32", "compute_dtype": "float32", "info": _CLASS_REDUCTION,
           "notes": "y_true and y_pred are cast to keras.backend.floatx() (float32) first"}
    red = {"reduction": "sum_over_batch_size"}
    eps = {"eps": EPS}
    # axis=None: the function's value is 0-d, so the class has nothing to reduce, and on an
    # empty batch returns it (1 - 0 / eps = 1, as the reference); the registry's entry for
    # Loss classes on an empty batch (reduce_values skips shape-(0,) values) does not apply.
    # The empty batch stays checked through the functions.
    no_empty = ("typical", "spatial", "absent_class", "perfect_overlap", "empty_masks",
                "soft_labels", "near_01", "single", "nan")
    p = functools.partial
    if hasattr(L, "dice"):
        src = f"{_LOSSES_SRC}:dice (y_true cast to y_pred's dtype; backend.epsilon() added)"
        info = {"input_space": "probabilities", "labels": "masks (one-hot/soft)",
                "epsilon": "1e-7 in the denominator", "default_reduction": "none (axis=None: "
                "one scalar over every axis)"}
        out.append(_b("keras.losses.dice", "dice", L.dice, source=src, conventions=eps,
                      info=info))
        has_axis = "axis" in inspect.signature(L.dice).parameters
        if has_axis:
            out += [_b("keras.losses.dice(axis=-1)", "dice", p(L.dice, axis=-1), source=src,
                       conventions={**eps, "axis": -1}, info=info),
                    _b("keras.losses.dice(axis=(1, 2, 3))", "dice", p(L.dice, axis=(1, 2, 3)),
                       source=src, conventions={**eps, "axis": (1, 2, 3)}, regimes=seg,
                       info=info)]
        if hasattr(L, "Dice"):
            csrc = f"{_LOSSES_SRC}:Dice + keras/src/losses/loss.py:reduce_weighted_values"
            out.append(_b("keras.losses.Dice()", "dice", L.Dice(), source=csrc,
                          conventions={**eps, **red}, regimes=no_empty, **cls))
            if has_axis:
                obj = L.Dice(axis=(1, 2, 3))
                for suffix, args in (("", _KERAS), ("+sample_weight", _KERAS_W)):
                    out.append(_b(f"keras.losses.Dice(axis=(1, 2, 3)){suffix}", "dice", obj,
                                  source=csrc, args=args, regimes=seg,
                                  conventions={**eps, "axis": (1, 2, 3), **red}, **cls))
    if hasattr(L, "tversky"):
        src = f"{_LOSSES_SRC}:tversky"
        # Declared as documented (alpha on the false positives, the reference's alpha);
        # Keras 3.15.1 swaps them (y_true named ``inputs``; keras-team/keras#23333, fixed
        # after 3.15.1): registered, so that the fix shows as a changed number (XPASS).
        ab = {"alpha": 0.3, "beta": 0.7}
        info = {"input_space": "probabilities", "epsilon": "1e-7 in the denominator",
                "defaults": "alpha=beta=0.5; alpha documented on the false positives"}
        out += [_b("keras.losses.tversky", "tversky", L.tversky, source=src,
                   conventions=eps, info=info),
                _b("keras.losses.tversky(alpha=0.3, beta=0.7)", "tversky",
                   p(L.tversky, alpha=0.3, beta=0.7), source=src, conventions={**eps, **ab},
                   info=info)]
        has_axis = "axis" in inspect.signature(L.tversky).parameters
        if has_axis:
            out.append(_b("keras.losses.tversky(alpha=0.3, beta=0.7, axis=(1, 2, 3))",
                          "tversky", p(L.tversky, alpha=0.3, beta=0.7, axis=(1, 2, 3)),
                          source=src, conventions={**eps, **ab, "axis": (1, 2, 3)},
                          regimes=seg, info=info))
        if hasattr(L, "Tversky"):
            csrc = f"{_LOSSES_SRC}:Tversky + keras/src/losses/loss.py:reduce_weighted_values"
            out += [_b("keras.losses.Tversky()", "tversky", L.Tversky(), source=csrc,
                       conventions={**eps, **red}, regimes=no_empty, **cls),
                    _b("keras.losses.Tversky(alpha=0.3, beta=0.7)", "tversky",
                       L.Tversky(alpha=0.3, beta=0.7), source=csrc, regimes=no_empty,
                       conventions={**eps, **ab, **red}, **cls)]
            if has_axis:
                out.append(_b("keras.losses.Tversky(alpha=0.3, beta=0.7, axis=(1, 2, 3))"
                              "+sample_weight", "tversky",
                              L.Tversky(alpha=0.3, beta=0.7, axis=(1, 2, 3)), source=csrc,
                              args=_KERAS_W, regimes=seg,
                              conventions={**eps, **ab, "axis": (1, 2, 3), **red}, **cls))
    if hasattr(L, "categorical_generalized_cross_entropy"):
        src = (f"{_LOSSES_SRC}:categorical_generalized_cross_entropy (one_hot(cast(y_true, "
               "'int')), p = sum(y_pred * one_hot), (1 - power(p, q)) / q)")
        info = {**_PROBS, "labels": "index", "epsilon": "none",
                "defaults": "q required (the class: q=0.5, 0 < q < 1)"}
        out += [_b("keras.losses.categorical_generalized_cross_entropy(q=0.5)",
                   "generalized_cross_entropy",
                   p(L.categorical_generalized_cross_entropy, q=0.5), source=src,
                   conventions={"q": 0.5}, info=info),
                _b("keras.losses.categorical_generalized_cross_entropy(q=0.7)",
                   "generalized_cross_entropy",
                   p(L.categorical_generalized_cross_entropy, q=0.7), source=src,
                   conventions={"q": 0.7}, info=info)]
        if hasattr(L, "CategoricalGeneralizedCrossEntropy"):
            csrc = (f"{_LOSSES_SRC}:CategoricalGeneralizedCrossEntropy + "
                    "keras/src/losses/loss.py:reduce_weighted_values")
            obj = L.CategoricalGeneralizedCrossEntropy()
            for suffix, args in (("", _KERAS), ("+sample_weight", _KERAS_W)):
                out.append(_b(f"keras.losses.CategoricalGeneralizedCrossEntropy(){suffix}",
                              "generalized_cross_entropy", obj, source=csrc, args=args,
                              conventions={"q": 0.5, **red}, **cls))
    return out


def _circle(keras: Any, backend_name: str) -> list[Binding]:
    """keras.losses.circle and Circle (Keras >= 3.5): y_true integer labels, y_pred the
    embeddings as given (no normalisation), the batch as its own reference set or a
    separate one (the function's ref_embeddings / ref_labels); one value per sample. The
    class casts both to floatx() (float32) and averages over the rows
    whose loss is > 0 only: circle sets backend.set_keras_mask(loss, loss > 0), and
    reduce_weighted_values -> apply_mask weighs the unmasked rows by N / valid
    (divide_no_nan: 0 where every loss is 0)."""
    L = keras.losses
    if not hasattr(L, "circle"):
        return []
    p = functools.partial
    src = (f"{_LOSSES_SRC}:circle (1 - y_pred @ ref.T clamped at 0 by ops.maximum; "
           "keras/src/utils/numerical_utils.py:build_pos_neg_masks; softplus(logsumexp + "
           "logsumexp))")
    conv = {"gamma": 80.0, "margin": 0.4, "remove_diagonal": True}
    grads = {"grad_at_clip": grad_at_max_tie(backend_name)}
    info = {"input_space": "embeddings (expected L2-normalised; used as given)",
            "labels": "index (same label: positive pair)", "default_reduction": "none",
            "defaults": "gamma=80, margin=0.4, remove_diagonal=True, ref = the batch",
            "kink_grad": "ops.maximum(., 0) ties: TF passes, jnp/torch.maximum halve"}
    # regimes kept to the ones that tell the variants apart (the default run's time budget)
    main = ("typical", "views", "near_duplicates", "no_positives", "no_negatives",
            "zero_vectors", "large", "nan")
    few = ("typical", "views", "near_duplicates", "no_positives")
    out = [
        _b("keras.losses.circle", "circle", L.circle, source=src, conventions=conv,
           grad_conventions=grads, label_dtype="int32", regimes=main, info=info),
        _b("keras.losses.circle(gamma=32, margin=0.25)", "circle",
           p(L.circle, gamma=32.0, margin=0.25), source=src, label_dtype="int32",
           conventions={**conv, "gamma": 32.0, "margin": 0.25}, grad_conventions=grads,
           regimes=few, info=info),
        _b("keras.losses.circle(remove_diagonal=False)", "circle",
           p(L.circle, remove_diagonal=False), source=src, label_dtype="int32",
           conventions={**conv, "remove_diagonal": False}, grad_conventions=grads,
           regimes=few, info=info),
    ]
    # A separate reference set (ref_embeddings, ref_labels): gradients w.r.t. both sides.
    # build_pos_neg_masks removes ops.eye(N, M) from the positives, so the default
    # remove_diagonal=True drops the pairs (i, i) of batch row i and reference row i,
    # which are not self-pairs: the reference follows (its remove_diagonal is by index).
    ref = ("y_true", "y_pred", "ref_labels=ref_labels", "ref_embeddings=ref_embeddings")
    ref_info = {**info, "defaults": "gamma=80, margin=0.4, remove_diagonal=True",
                "reference_set": "ref_embeddings / ref_labels; remove_diagonal=True drops the "
                                 "index pairs (i, i) of batch and reference set (ops.eye(N, M)), "
                                 "which are not self-pairs there"}
    out += [
        _b("keras.losses.circle(ref_labels=, ref_embeddings=)", "circle", L.circle, args=ref,
           source=src, conventions=conv, grad_conventions=grads, label_dtype="int32",
           regimes=("typical", "views", "near_duplicates", "no_positives", "zero_vectors",
                    "large", "single", "nan"), info=ref_info),
        _b("keras.losses.circle(ref_labels=, ref_embeddings=, remove_diagonal=False)", "circle",
           p(L.circle, remove_diagonal=False), args=ref, source=src, label_dtype="int32",
           conventions={**conv, "remove_diagonal": False}, grad_conventions=grads,
           regimes=("typical", "views", "near_duplicates", "single"), info=ref_info),
    ]
    if hasattr(L, "Circle"):
        csrc = (f"{_LOSSES_SRC}:Circle + circle (set_keras_mask(loss, loss > 0)) + "
                "keras/src/losses/loss.py:reduce_weighted_values, apply_mask")
        cls = {"output_dtype": "float32", "compute_dtype": "float32", "label_dtype": "int32",
               "grad_conventions": grads,
               "notes": "y_true and y_pred are cast to keras.backend.floatx() (float32) first"}
        out += [
            _b("keras.losses.Circle()", "circle", L.Circle(), source=csrc,
               conventions={**conv, "reduction": "sum_over_batch_size", "mean_over": "positive",
                            "mean_of_empty": 0.0},
               regimes=("typical", "views", "no_positives", "zero_vectors", "single", "nan"),
               info={**info, "default_reduction": "sum_over_batch_size over the rows with "
                                                  "loss > 0 (Keras mask; divide_no_nan)"},
               **cls),
            _b("keras.losses.Circle(reduction='sum')", "circle", L.Circle(reduction="sum"),
               source=csrc, conventions={**conv, "reduction": "sum"},
               regimes=("typical", "views", "no_positives"), info={**info, "default_reduction": "sum"}, **cls),
        ]
    return out


def loss_bindings(keras: Any, major: int, backend_name: str) -> list[Binding]:
    """Loss functions, keras.ops cross-entropies and Loss classes."""
    _check_epsilon(keras)
    return (_crossentropy(keras, major, backend_name) + _regression(keras, major, backend_name)
            + _loss_classes(keras, major, backend_name) + _ctc(keras, major, backend_name)
            + _overlap(keras, major, backend_name) + _circle(keras, backend_name))


def _metric_class_call(cls: Any, **kwargs: Any) -> Callable[..., Any]:
    """A fresh stateful metric per call: update_state once, then result()."""
    def call(y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        metric = cls(**kwargs)
        metric.update_state(y_true, y_pred, sample_weight=sample_weight)
        return metric.result()

    return call


def _binary_accuracy_averages(M: Any) -> bool:
    """Whether Keras 3's binary_accuracy averages the last axis, asked of the installed
    Keras (one (1, 2) call): Keras 3.3.3 does (ops.mean(..., axis=-1)), 3.15.1 returns one
    value per element."""
    import numpy as np

    zeros = np.zeros((1, 2), dtype="float32")
    return tuple(M.binary_accuracy(zeros, zeros).shape) == (1,)


def metric_bindings(keras: Any, major: int, backend_name: str) -> list[Binding]:
    """Accuracy functions (per element / per sample) and their Metric classes (mean)."""
    M = keras.metrics
    # ops.in_top_k on the TF backend is tf.math.in_top_k, whose kernel takes float32 scores
    # only (InvalidArgumentError for half, bfloat16 and double); jax/torch take any float.
    topk = ({"dtypes": ("float32",), "notes": "TensorFlow backend: tf.math.in_top_k accepts "
                                              "float32 scores only"}
            if backend_name == "tensorflow" else {})
    # Keras 2 binary_accuracy averaged the last axis; Keras 3 returns every element, except
    # early Keras 3 (3.3.3: ops.mean(..., axis=-1) in metrics/accuracy_metrics.py).
    bin_mean = {} if major >= 3 and not _binary_accuracy_averages(M) else {"mean_axis": -1}
    common = {"kind": "metric", "grad": False, "output_dtype": "float32"}
    p = functools.partial

    def src(fn: str) -> str:
        return f"{_METRICS_SRC}:{fn}"

    return [
        _b("keras.metrics.binary_accuracy", "binary_accuracy", M.binary_accuracy,
           source=src("binary_accuracy"),
           conventions={"threshold": 0.5, "strict": True, **bin_mean},
           info={"defaults": "threshold=0.5, y_pred > threshold"}, **common),
        _b("keras.metrics.binary_accuracy(threshold=0.0)", "binary_accuracy",
           p(M.binary_accuracy, threshold=0.0), source=src("binary_accuracy"),
           conventions={"threshold": 0.0, "strict": True, **bin_mean},
           info={"input_space": "logits"}, **common),
        _b("keras.metrics.categorical_accuracy", "categorical_accuracy",
           M.categorical_accuracy, source=src("categorical_accuracy"),
           conventions={"ties": "first"}, info={"labels": "one-hot"}, **common),
        _b("keras.metrics.sparse_categorical_accuracy", "sparse_categorical_accuracy",
           M.sparse_categorical_accuracy, source=src("sparse_categorical_accuracy"),
           conventions={"ties": "first"}, info={"labels": "index"}, **common),
        _b("keras.metrics.top_k_categorical_accuracy(k=2)", "top_k_categorical_accuracy",
           p(M.top_k_categorical_accuracy, k=2), source=src("top_k_categorical_accuracy"),
           conventions={"k": 2, "ties": "include"},
           info={"defaults": "k=5; ties at the k-th score count as hits"}, **topk, **common),
        _b("keras.metrics.top_k_categorical_accuracy", "top_k_categorical_accuracy",
           M.top_k_categorical_accuracy, source=src("top_k_categorical_accuracy"),
           conventions={"k": 5, "ties": "include"}, **topk, **common),
        _b("keras.metrics.sparse_top_k_categorical_accuracy(k=2)", "top_k_accuracy",
           p(M.sparse_top_k_categorical_accuracy, k=2),
           source=src("sparse_top_k_categorical_accuracy"),
           conventions={"k": 2, "ties": "include"}, info={"labels": "index"}, **topk, **common),
        _b("keras.metrics.sparse_top_k_categorical_accuracy", "top_k_accuracy",
           M.sparse_top_k_categorical_accuracy, source=src("sparse_top_k_categorical_accuracy"),
           conventions={"k": 5, "ties": "include"}, **topk, **common),
        _b("keras.metrics.BinaryAccuracy()", "binary_accuracy",
           _metric_class_call(M.BinaryAccuracy), source=src("BinaryAccuracy"),
           conventions={"threshold": 0.5, "strict": True, **bin_mean, "reduction": "mean", "mean_of_empty": 0.0},
           **common),
        _b("keras.metrics.BinaryAccuracy()+sample_weight", "binary_accuracy",
           _metric_class_call(M.BinaryAccuracy), source=src("BinaryAccuracy"),
           conventions={"threshold": 0.5, "strict": True, **bin_mean,
                        "reduction": "weighted_mean", "mean_of_empty": 0.0}, args=_KERAS_W, **common),
        _b("keras.metrics.CategoricalAccuracy()", "categorical_accuracy",
           _metric_class_call(M.CategoricalAccuracy), source=src("CategoricalAccuracy"),
           conventions={"ties": "first", "reduction": "mean", "mean_of_empty": 0.0}, **common),
        _b("keras.metrics.SparseCategoricalAccuracy()", "sparse_categorical_accuracy",
           _metric_class_call(M.SparseCategoricalAccuracy),
           source=src("SparseCategoricalAccuracy"),
           conventions={"ties": "first", "reduction": "mean", "mean_of_empty": 0.0}, **common),
        _b("keras.metrics.TopKCategoricalAccuracy()", "top_k_categorical_accuracy",
           _metric_class_call(M.TopKCategoricalAccuracy), source=src("TopKCategoricalAccuracy"),
           conventions={"k": 5, "ties": "include", "reduction": "mean", "mean_of_empty": 0.0},
           info={"defaults": "k=5"}, **topk, **common),
        _b("keras.metrics.TopKCategoricalAccuracy(k=2)", "top_k_categorical_accuracy",
           _metric_class_call(M.TopKCategoricalAccuracy, k=2),
           source=src("TopKCategoricalAccuracy"),
           conventions={"k": 2, "ties": "include", "reduction": "mean", "mean_of_empty": 0.0}, **topk, **common),
        _b("keras.metrics.SparseTopKCategoricalAccuracy(k=2)", "top_k_accuracy",
           _metric_class_call(M.SparseTopKCategoricalAccuracy, k=2),
           source=src("SparseTopKCategoricalAccuracy"),
           conventions={"k": 2, "ties": "include", "reduction": "mean", "mean_of_empty": 0.0}, **topk, **common),
        # exact equality of labels: the float dtype plays no part, one dtype is enough
        _b("keras.metrics.Accuracy()", "label_accuracy", _metric_class_call(M.Accuracy),
           source=src("Accuracy") + " (mean of y_true == y_pred)",
           conventions={"normalize": True, "mean_of_empty": 0.0}, dtypes=("float32",),
           info={"labels": "index (compared for equality)"}, **common),
        _b("keras.metrics.Accuracy()+sample_weight", "label_accuracy",
           _metric_class_call(M.Accuracy), source=src("Accuracy") + " (weighted mean)",
           conventions={"normalize": True, "mean_of_empty": 0.0}, dtypes=("float32",), args=_KERAS_W,
           info={"labels": "index (compared for equality)"}, **common),
    ]


# Metric classes that average a loss function (keras/src/metrics/probabilistic_metrics.py,
# regression_metrics.py, hinge_metrics.py): each is a MeanMetricWrapper of the function
# bound above (``keras.losses.*``; CosineSimilarity wraps its own, un-negated
# ``metrics.regression_metrics.cosine_similarity``). reduction_metrics.py: update_state
# calls the function on the inputs as given, casts the per-sample values to the metric's
# dtype (floatx(), float32), averages any remaining axes per sample, and result() is
# divide_no_nan(sum(w * l), sum(w)) (w = 1 per sample without weights): the mean of every
# value, or the sample-weighted mean. Keras 2 (tf_keras/src/metrics/base_metric.py:
# MeanMetricWrapper) casts y_pred to the metric's dtype (float32) before calling the
# function, so its values are float32 computations.
_LOSS_METRICS: tuple[tuple[str, dict[str, Any], str, bool], ...] = (
    # (metric class, constructor keywords, the wrapped function's binding, +sample_weight)
    ("BinaryCrossentropy", {}, "keras.losses.binary_crossentropy", True),
    ("BinaryCrossentropy", {"from_logits": True},
     "keras.losses.binary_crossentropy(from_logits=True)", True),
    ("CategoricalCrossentropy", {}, "keras.losses.categorical_crossentropy", True),
    ("CategoricalCrossentropy", {"from_logits": True},
     "keras.losses.categorical_crossentropy(from_logits=True)", False),
    ("SparseCategoricalCrossentropy", {}, "keras.losses.sparse_categorical_crossentropy", False),
    ("SparseCategoricalCrossentropy", {"from_logits": True},
     "keras.losses.sparse_categorical_crossentropy(from_logits=True)", True),
    ("KLDivergence", {}, "keras.losses.kl_divergence", False),
    ("Poisson", {}, "keras.losses.poisson", False),
    ("MeanSquaredError", {}, "keras.losses.mean_squared_error", True),
    ("MeanAbsoluteError", {}, "keras.losses.mean_absolute_error", False),
    ("MeanAbsolutePercentageError", {}, "keras.losses.mean_absolute_percentage_error", False),
    ("MeanSquaredLogarithmicError", {}, "keras.losses.mean_squared_logarithmic_error", False),
    ("LogCoshError", {}, "keras.losses.log_cosh", False),
    ("CosineSimilarity", {}, "keras.losses.cosine_similarity", False),
    ("Hinge", {}, "keras.losses.hinge", False),
    ("SquaredHinge", {}, "keras.losses.squared_hinge", False),
    ("CategoricalHinge", {}, "keras.losses.categorical_hinge", False),
)
_METRIC_MODULES = {"BinaryCrossentropy": "probabilistic_metrics",
                   "CategoricalCrossentropy": "probabilistic_metrics",
                   "SparseCategoricalCrossentropy": "probabilistic_metrics",
                   "KLDivergence": "probabilistic_metrics", "Poisson": "probabilistic_metrics",
                   "Hinge": "hinge_metrics", "SquaredHinge": "hinge_metrics",
                   "CategoricalHinge": "hinge_metrics"}


def loss_metric_bindings(keras: Any, major: int, functions: list[Binding]) -> list[Binding]:
    """The metric classes wrapping the loss functions bound in ``functions``: the function's
    conventions, averaged over the batch (or sample-weighted), answered in float32."""
    by_api = {b.api: b for b in functions}
    out = []
    for name, kwargs, fn_api, weighted in _LOSS_METRICS:
        fn = by_api.get(fn_api)
        cls = getattr(keras.metrics, name, None)
        if fn is None or cls is None:
            continue
        conventions = dict(fn.conventions)
        if name == "CosineSimilarity":  # metrics' cosine_similarity: +cos, same normalisation
            conventions["negate"] = False
        module = _METRIC_MODULES.get(name, "regression_metrics")
        source = (f"keras/src/metrics/{module}.py:{name} + keras/src/metrics/"
                  "reduction_metrics.py:MeanMetricWrapper, Mean.result (divide_no_nan)"
                  if major >= 3 else
                  f"tf_keras/src/metrics/{module}.py:{name} + tf_keras/src/metrics/"
                  "base_metric.py:MeanMetricWrapper")
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        common = {"kind": "metric", "grad": False, "output_dtype": "float32",
                  "label_dtype": fn.label_dtype, "regimes": fn.regimes,
                  "info": {**{k: v for k, v in fn.info.items() if k != "source"},
                           "default_reduction": "mean over samples (divide_no_nan)",
                           "wraps": fn_api},
                  "notes": "a stateful metric: one update_state, then result(), in floatx() "
                           "(float32)"}
        variants = [("", "mean", _KERAS)] + ([("+sample_weight", "weighted_mean", _KERAS_W)]
                                             if weighted else [])
        for suffix, reduction, fn_args in variants:
            out.append(_b(f"keras.metrics.{name}({args}){suffix}", fn.reference,
                          _metric_class_call(cls, **kwargs), source=source, args=fn_args,
                          conventions={**conventions, "reduction": reduction,
                                       "mean_of_empty": 0.0}, **common))
    # RootMeanSquaredError is a Mean of the squared errors (inputs converted to the
    # metric's float32 first) with sqrt at result(): the root of the pooled mean over every
    # element (sample-weighted: Σ w e² / Σ w, one weight per sample broadcast over the row).
    if hasattr(keras.metrics, "RootMeanSquaredError"):
        src = ("keras/src/metrics/regression_metrics.py:RootMeanSquaredError (update_state: "
               "ops.square(y_pred - y_true) into Mean; result: ops.sqrt(divide_no_nan))"
               if major >= 3 else "tf_keras/src/metrics/regression_metrics.py:"
                                  "RootMeanSquaredError")
        for suffix, args in (("", _KERAS), ("+sample_weight", _KERAS_W)):
            out.append(_b(f"keras.metrics.RootMeanSquaredError(){suffix}",
                          "root_mean_squared_error",
                          _metric_class_call(keras.metrics.RootMeanSquaredError), source=src,
                          args=args, kind="metric", grad=False, output_dtype="float32",
                          conventions={"multioutput": "pooled", "mean_of_empty": 0.0},
                          info={"default_reduction": "root of the mean over every element "
                                                     "(divide_no_nan)"},
                          notes="y_true and y_pred are converted to floatx() (float32) first"))
    # Keras 2's MeanRelativeError (gone in Keras 3): divide_no_nan(|y_true - y_pred|,
    # normalizer) into a Mean, the normalizer fixed at construction (cast to float32 there).
    if major < 3 and hasattr(keras.metrics, "MeanRelativeError"):
        src = ("tf_keras/src/metrics/regression_metrics.py:MeanRelativeError (__init__: "
               "tf.cast(normalizer, self._dtype); update_state: tf.math.divide_no_nan("
               "tf.abs(y_true - y_pred), self.normalizer) into Mean)")
        for suffix, args, reduction in (("", _KERAS, "mean"),
                                        ("+sample_weight", _KERAS_W, "weighted_mean")):
            out.append(_b(f"keras.metrics.MeanRelativeError(normalizer){suffix}",
                          "relative_error", _mean_relative_error_call(keras.metrics),
                          source=src, args=(*args[:2], "normalizer", *args[2:]),
                          kind="metric", grad=False, output_dtype="float32",
                          conventions={"reduction": reduction, "mean_of_empty": 0.0},
                          info={"default_reduction": "mean over every element "
                                                     "(divide_no_nan)"},
                          notes="a stateful metric made per call with the case's normalizer; "
                                "inputs and normalizer converted to floatx() (float32)"))
    return out


def _mean_relative_error_call(metrics: Any) -> Callable[..., Any]:
    """A fresh MeanRelativeError over ``normalizer`` per call: update_state, result()."""
    def call(y_true: Any, y_pred: Any, normalizer: Any, sample_weight: Any = None) -> Any:
        metric = metrics.MeanRelativeError(normalizer=normalizer)
        metric.update_state(y_true, y_pred, sample_weight=sample_weight)
        return metric.result()

    return call
