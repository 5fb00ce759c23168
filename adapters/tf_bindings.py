"""TensorFlow adapter: ``backend()`` (tf.Tensor conversion, tf.GradientTape) and
``bindings()`` (tf.nn / tf.math activations, losses and metrics).

Covered: tf.nn / tf.math activations, tf.nn losses (logits APIs, no reduction), the TF1
losses still shipped as ``tf.compat.v1.losses`` (they compute in float32 whatever the input
dtype), and ``tf.math.in_top_k``. Optional APIs are looked up with ``hasattr`` so the module
builds on older TensorFlow (2.15).

TensorFlow is imported inside the functions only (``TF_CPP_MIN_LOG_LEVEL=2`` is set first
to keep the C++ logs quiet). Keras is not covered here (see ``adapters.keras_bindings``,
which reuses :func:`backend` for Keras on the TensorFlow backend).
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import numpy as np

from ._binding import Backend, Binding, fit_cotangent

__all__ = ["backend", "bindings"]

_FLOATS = ("float16", "bfloat16", "float32", "float64")
_INTS = ("int32", "int64")


def _import_tf() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    return tf


def _device_name(device: str) -> str:
    """"cpu" -> "/device:CPU:0", "gpu"/"cuda" -> "/device:GPU:0"; TF strings pass through."""
    lowered = device.lower()
    if lowered in ("cpu", "gpu", "cuda"):
        kind = "CPU" if lowered == "cpu" else "GPU"
        return f"/device:{kind}:0"
    if lowered.startswith("cuda:"):
        return f"/device:GPU:{lowered.split(':', 1)[1]}"
    return device


def backend(device: str = "cpu") -> Backend:
    """The TensorFlow :class:`Backend`: exact conversions, ``tf.GradientTape`` VJPs.

    Args:
      device: "cpu" (default), "gpu"/"cuda"/"cuda:N", or a TensorFlow device string
        ("/GPU:0"). Every tensor the backend creates is placed there.
    """
    tf = _import_tf()
    where = _device_name(device)

    def to_framework(array: np.ndarray, dtype: str) -> Any:
        if dtype not in _FLOATS + _INTS:
            raise ValueError(f"dtype must be one of {list(_FLOATS + _INTS)}, got {dtype!r}")
        with tf.device(where):
            if dtype == "bfloat16":
                # float32 holds every bfloat16 exactly; the cast back is exact too (works
                # whether or not this TF version shares ml_dtypes' bfloat16 type).
                wide = np.asarray(array).astype(np.float32)
                return tf.cast(tf.identity(tf.constant(wide, dtype=tf.float32)), tf.bfloat16)
            return tf.identity(tf.constant(np.asarray(array).astype(dtype), dtype=dtype))

    def to_numpy(value: Any) -> np.ndarray:
        if hasattr(value, "numpy"):
            return np.asarray(value.numpy())
        return np.asarray(value)

    def dtype_of(value: Any) -> str:
        if hasattr(value, "dtype") and hasattr(value.dtype, "name"):
            return str(value.dtype.name)
        return str(np.asarray(value).dtype)

    def vjp(call: Any, inputs: list[Any], wrt: int, cotangent: Any) -> np.ndarray:
        inputs = list(inputs)
        with tf.device(where):
            with tf.GradientTape() as tape:
                tape.watch(inputs[wrt])
                out = call(*inputs)
            if isinstance(cotangent, np.ndarray) or np.isscalar(cotangent):
                cotangent = to_framework(np.array(fit_cotangent(cotangent, tuple(out.shape))),
                                         dtype_of(out))
            grad = tape.gradient(out, inputs[wrt], output_gradients=cotangent)
        if grad is None:  # the output does not depend on this input
            return np.zeros(tuple(inputs[wrt].shape), dtype=to_numpy(inputs[wrt]).dtype)
        if isinstance(grad, tf.IndexedSlices):
            grad = tf.convert_to_tensor(grad)
        return to_numpy(grad)

    return Backend(
        name="tensorflow",
        version=tf.__version__,
        to_framework=to_framework,
        to_numpy=to_numpy,
        dtype_of=dtype_of,
        vjp=vjp,
        device=device,
        packages=("tensorflow", "tensorflow-cpu"),
        dtypes=_FLOATS,
    )


_NN = "tensorflow/python/ops/nn_ops.py"
_IMPL = "tensorflow/python/ops/nn_impl.py"
_MATH = "tensorflow/python/ops/math_ops.py"
_GEN_MATH = "tensorflow/python/ops/gen_math_ops.py"  # generated op wrappers (tanh, xlogy)
_V1 = "tensorflow/python/ops/losses/losses_impl.py"
# TF v1's softmax_cross_entropy stops the gradient at its labels (losses_impl.py:
# onehot_labels = array_ops.stop_gradient(onehot_labels, name="labels_stop_gradient")),
# where tf.nn.softmax_cross_entropy_with_logits (v2 in TF 2) lets it flow.
_V1_LABELS_STOP = {"label_gradient": False}
_K = "tensorflow/include/tensorflow/core/kernels"  # C++ kernel headers shipped in the wheel

_SELU_SCALE = 1.0507009873554804934193349852946


def _binding(kind: str, api: str, reference: str, call: Any, source: str,
             **fields: Any) -> Binding:
    info: dict[str, Any] = {"source": source}
    if kind == "activation":
        info["input_space"] = "real"
    info.update(fields.pop("info", {}))
    return Binding(api=api, backend="tensorflow", kind=kind, reference=reference,
                   call=call, info=info, **fields)


def _activation_bindings(tf: Any) -> list[Binding]:
    nn, math = tf.nn, tf.math
    act = lambda *a, **k: _binding("activation", *a, **k)  # noqa: E731
    out = [
        act("tf.math.sigmoid", "sigmoid", math.sigmoid,
            f"{_MATH}:sigmoid (gen_math_ops.sigmoid)",
            notes="tf.nn.sigmoid and tf.sigmoid are the same function object."),
        act("tf.math.log_sigmoid", "log_sigmoid", math.log_sigmoid,
            f"{_MATH}:log_sigmoid (-softplus(-x))"),
        act("tf.nn.softmax", "softmax", nn.softmax, f"{_NN}:softmax_v2 (axis=None -> -1)",
            conventions={"axis": -1}, info={"defaults": "axis=-1"},
            notes="tf.math.softmax is the same function."),
        act("tf.nn.log_softmax", "log_softmax", nn.log_softmax,
            f"{_NN}:log_softmax_v2 (axis=None -> -1)", conventions={"axis": -1},
            info={"defaults": "axis=-1"}),
        act("tf.nn.relu", "relu", nn.relu,
            f"gen_nn_ops.relu; {_K}/relu_op_functor.h:ReluGrad (features > 0)",
            grad_conventions={"grad_at_zero": 0.0}, info={"kink_grad": "relu'(0)=0"}),
        act("tf.nn.relu6", "relu6", nn.relu6,
            f"{_NN}:relu6; {_K}/relu_op_functor.h:Relu6Grad (0 < features < 6)",
            grad_conventions={"grad_at_zero": 0.0, "grad_at_max": 0.0},
            info={"kink_grad": "relu6'(0)=0, relu6'(6)=0"}),
        act("tf.nn.leaky_relu", "leaky_relu", nn.leaky_relu,
            f"{_NN}:leaky_relu (alpha=0.2); {_K}/relu_op_functor.h:LeakyReluGrad "
            "(features > 0 ? g : alpha*g)",
            conventions={"negative_slope": 0.2}, grad_conventions={"grad_at_zero": 0.2},
            info={"defaults": "alpha=0.2", "kink_grad": "leaky_relu'(0)=alpha"},
            notes="tf.nn.leaky_relu's default slope is 0.2 (torch/jax: 0.01; Keras 3 "
                  "LeakyReLU: 0.3)."),
        act("tf.nn.leaky_relu(alpha=0.01)", "leaky_relu",
            lambda x: nn.leaky_relu(x, alpha=0.01),
            f"{_NN}:leaky_relu; {_K}/relu_op_functor.h:LeakyReluGrad",
            conventions={"negative_slope": 0.01}, grad_conventions={"grad_at_zero": 0.01},
            info={"kink_grad": "leaky_relu'(0)=alpha"}),
        act("tf.nn.elu", "elu", nn.elu,
            f"gen_nn_ops.elu; {_K}/relu_op_functor.h:EluGrad (activations < 0)",
            conventions={"alpha": 1.0},
            info={"defaults": "alpha=1 (fixed)", "kink_grad": "elu'(0)=1 (smooth)"}),
        act("tf.nn.selu", "selu", nn.selu,
            f"gen_nn_ops.selu; {_K}/relu_op_functor.h:SeluGrad (activations < 0)",
            grad_conventions={"grad_at_zero": _SELU_SCALE},
            info={"kink_grad": "selu'(0)=scale (x >= 0 branch)"}),
        act("tf.nn.softplus", "softplus", nn.softplus,
            f"{_MATH}:softplus; {_K}/softplus_op.h:Softplus (x or exp(x) beyond "
            "|log(eps)+2|)",
            info={"epsilon": "switches to x / exp(x) at |x| > -log(eps(dtype)) - 2"},
            notes="tf.math.softplus is the same function."),
        act("tf.nn.softsign", "softsign", nn.softsign, f"gen_nn_ops.softsign; "
            f"{_K}/softsign_op.h"),
        act("tf.math.tanh", "tanh", math.tanh, f"{_GEN_MATH}:tanh",
            notes="tf.nn.tanh is the same function."),
        act("tf.math.reduce_logsumexp(axis=-1)", "logsumexp",
            lambda x: math.reduce_logsumexp(x, axis=-1),
            f"{_MATH}:reduce_logsumexp (max-shift, non-finite max -> 0)",
            conventions={"axis": -1}, info={"defaults": "axis=None (whole tensor)"}),
        act("tf.math.reduce_logsumexp(axis=-1, keepdims=True)", "logsumexp",
            lambda x: math.reduce_logsumexp(x, axis=-1, keepdims=True),
            f"{_MATH}:reduce_logsumexp", conventions={"axis": -1, "keepdims": True}),
    ]
    out.append(
        act("tf.nn.crelu", "crelu", nn.crelu,
            f"{_NN}:crelu (gen_nn_ops.relu(concat([features, -features], axis))); "
            f"{_K}/relu_op_functor.h:ReluGrad (features > 0)",
            conventions={"axis": -1}, grad_conventions={"grad_at_zero": 0.0},
            info={"defaults": "axis=-1", "kink_grad": "crelu'(0) = 0 in both halves (relu'(0)=0)"},
            notes="the output is twice as wide along axis: relu(x) then relu(-x)."))
    if hasattr(nn, "gelu"):  # TF >= 2.4
        out += [
            act("tf.nn.gelu", "gelu", nn.gelu,
                f"{_NN}:gelu (approximate=False: 0.5 x erfc(-x/sqrt2))",
                info={"defaults": "approximate=False (exact erf form)"}),
            act("tf.nn.gelu(approximate=True)", "gelu_tanh",
                lambda x: nn.gelu(x, approximate=True), f"{_NN}:gelu (tanh approximation)"),
        ]
    silu = getattr(nn, "silu", None) or getattr(nn, "swish", None)
    if silu is not None:
        out.append(
            act("tf.nn.silu", "silu", silu, f"{_IMPL}:swish (x * sigmoid(beta x))",
                conventions={"beta": 1.0}, info={"defaults": "beta=1.0"},
                notes="tf.nn.swish is the same function."))
    if silu is not None and "beta" in inspect.signature(silu).parameters:  # not in old TF
        out += [
            act("tf.nn.silu(beta=1.5)", "silu", lambda x: silu(x, beta=1.5),
                f"{_IMPL}:swish", conventions={"beta": 1.5}),
        ]
    return out


def _nn_loss_bindings(tf: Any) -> list[Binding]:
    nn = tf.nn
    loss = lambda *a, **k: _binding("loss", *a, **k)  # noqa: E731
    logits = {"input_space": "logits", "default_reduction": "none"}
    out = [
        loss("tf.nn.sigmoid_cross_entropy_with_logits", "sigmoid_binary_cross_entropy",
             nn.sigmoid_cross_entropy_with_logits,
             f"{_IMPL}:sigmoid_cross_entropy_with_logits "
             "(max(x, 0) - x z + log1p(exp(-|x|)))",
             args=("labels=y_true", "logits=y_pred"), info={**logits, "labels": "soft"}),
        loss("tf.nn.weighted_cross_entropy_with_logits(pos_weight=2.5)",
             "sigmoid_binary_cross_entropy",
             lambda labels, logits: nn.weighted_cross_entropy_with_logits(
                 labels=labels, logits=logits, pos_weight=2.5),
             f"{_IMPL}:weighted_cross_entropy_with_logits_v2 "
             "((1 - z) x + (1 + (q - 1) z)(log1p(exp(-|x|)) + max(-x, 0)))",
             args=("labels=y_true", "logits=y_pred"), conventions={"pos_weight": 2.5},
             info={**logits, "labels": "soft", "defaults": "pos_weight required"}),
        loss("tf.nn.softmax_cross_entropy_with_logits", "softmax_cross_entropy",
             nn.softmax_cross_entropy_with_logits,
             f"{_NN}:softmax_cross_entropy_with_logits_v2; {_K}/xent_op.h",
             args=("labels=y_true", "logits=y_pred"), conventions={"axis": -1},
             info={**logits, "labels": "soft", "defaults": "axis=-1"},
             notes="Also backpropagates into labels (stop_gradient them if fixed)."),
    ]
    for label_dtype in ("int64", "int32"):
        suffix = "" if label_dtype == "int64" else "(labels=int32)"
        out.append(loss(
            f"tf.nn.sparse_softmax_cross_entropy_with_logits{suffix}",
            "sparse_softmax_cross_entropy", nn.sparse_softmax_cross_entropy_with_logits,
            f"{_NN}:sparse_softmax_cross_entropy_with_logits_v2; {_K}/sparse_xent_op.h "
            "(label out of range: error on CPU, NaN on GPU)",
            args=("labels=y_true", "logits=y_pred"), conventions={"axis": -1},
            label_dtype=label_dtype, info={**logits, "labels": "index"}))
    out += [
        loss("tf.nn.log_poisson_loss", "poisson_nll_log_input", nn.log_poisson_loss,
             f"{_IMPL}:log_poisson_loss (exp(c) - z c)",
             args=("targets=y_true", "log_input=y_pred"),
             info={"input_space": "log_rate", "default_reduction": "none",
                   "defaults": "compute_full_loss=False"}),
        loss("tf.nn.log_poisson_loss(compute_full_loss=True)", "poisson_nll_log_input",
             lambda targets, log_input: nn.log_poisson_loss(
                 targets, log_input, compute_full_loss=True),
             f"{_IMPL}:log_poisson_loss (+ z log z - z + 0.5 log(2 pi z) where not 0<=z<=1)",
             args=("targets=y_true", "log_input=y_pred"), conventions={"stirling": True},
             info={"input_space": "log_rate", "default_reduction": "none"}),
    ]
    if hasattr(nn, "ctc_loss"):
        out.append(loss(
            "tf.nn.ctc_loss(logits_time_major=False, blank_index=0)", "ctc",
            lambda labels, logits, label_length, logit_length: nn.ctc_loss(
                labels=labels, logits=logits, label_length=label_length,
                logit_length=logit_length, logits_time_major=False, blank_index=0),
            "tensorflow/python/ops/ctc_ops.py:ctc_loss_v3 -> ctc_loss_dense (log_softmax of "
            "the logits, forward-backward with a custom gradient)",
            args=("labels=y_true", "logits=y_pred", "label_length=label_lengths",
                  "logit_length=input_lengths"),
            conventions={"input_space": "logits", "blank": 0}, label_dtype="int32",
            dtypes=("float16", "bfloat16", "float32"),
            notes="float64 raises InvalidArgumentError (a float32 constant multiplied in "
                  "ctc_loss_dense); not run.",
            info={"input_space": "logits", "labels": "index, dense padded",
                  "default_reduction": "none",
                  "defaults": "logits_time_major=True, blank_index=0 when None (declared "
                              "batch-major here; tf.compat.v1.nn.ctc_loss uses C - 1)"}))
    out.append(loss("tf.nn.l2_loss", "squared_norm", nn.l2_loss,
                    "gen_nn_ops.l2_loss (L2Loss: sum(t ** 2) / 2, a scalar, in the input dtype); "
                    "nn_grad.py:_L2LossGrad (op.inputs[0] * grad)",
                    args=("x",), conventions={"scale": 0.5},
                    info={"input_space": "real", "default_reduction": "sum over all elements",
                          "defaults": "0.5 sum(t^2): no mean, no square root"}))
    math = tf.math
    if hasattr(math, "xlogy"):
        out.append(loss("tf.math.xlogy", "xlogy", math.xlogy,
                        f"{_GEN_MATH}:xlogy (0 where x == 0); tensorflow/python/ops/"
                        "math_grad.py:_XLogyGrad (d/dx = xlogy(x != 0, y): 0 at x == 0)",
                        args=("y_pred", "y_true"), grad_conventions={"zero_x_grad": 0.0},
                        info={"input_space": "real", "kink_grad": "d/dx at x=0 is 0 for every y"}))
    if hasattr(math, "xlog1py"):  # TF >= 2.2
        out.append(loss("tf.math.xlog1py", "xlog1py", math.xlog1py,
                        f"{_MATH}:xlog1py (gen_math_ops.xlog1py: 0 where x == 0); "
                        "math_grad.py:_XLog1pyGrad (d/dx = xlog1py(x != 0, y))",
                        args=("y_pred", "y_true"), grad_conventions={"zero_x_grad": 0.0},
                        info={"input_space": "real", "kink_grad": "d/dx at x=0 is 0 for every y"}))
    return out


def _v1_loss_bindings(tf: Any) -> list[Binding]:
    v1 = getattr(getattr(tf, "compat", None), "v1", None)
    losses = getattr(v1, "losses", None)
    if losses is None:
        return []
    none = losses.Reduction.NONE
    loss = lambda *a, **k: _binding("loss", *a, **k)  # noqa: E731
    f32 = "casts labels and predictions to float32 (losses_impl.py); returns float32"
    wl = "compute_weighted_loss casts the losses to float32 before weighting"
    default = {"default_reduction": "SUM_BY_NONZERO_WEIGHTS (mean with weights=1)"}
    out = [
        loss("tf.compat.v1.losses.log_loss(reduction=NONE)", "binary_cross_entropy",
             lambda labels, predictions: losses.log_loss(labels, predictions, reduction=none),
             f"{_V1}:log_loss (-z log(p + eps) - (1 - z) log(1 - p + eps), eps=1e-7)",
             args=("labels=y_true", "predictions=y_pred"), conventions={"log_eps": 1e-7},
             output_dtype="float32", info={"input_space": "probabilities", "labels": "soft",
                                           "epsilon": "1e-7 inside each log, no clip",
                                           **default}, notes=_v1_note(f32)),
        loss("tf.compat.v1.losses.log_loss()", "binary_cross_entropy",
             lambda labels, predictions: losses.log_loss(labels, predictions),
             f"{_V1}:log_loss; {_V1}:compute_weighted_loss", output_dtype="float32",
             args=("labels=y_true", "predictions=y_pred"),
             conventions={"log_eps": 1e-7, "reduction": "mean"},
             info={"input_space": "probabilities", "labels": "soft", **default}),
        loss("tf.compat.v1.losses.sigmoid_cross_entropy(reduction=NONE)",
             "sigmoid_binary_cross_entropy",
             lambda multi_class_labels, logits: losses.sigmoid_cross_entropy(
                 multi_class_labels, logits, reduction=none),
             f"{_V1}:sigmoid_cross_entropy (tf.nn.sigmoid_cross_entropy_with_logits)",
             args=("multi_class_labels=y_true", "logits=y_pred"),
             info={"input_space": "logits", "labels": "soft", **default}, notes=wl),
        loss("tf.compat.v1.losses.sigmoid_cross_entropy(label_smoothing=0.1, "
             "reduction=NONE)", "sigmoid_binary_cross_entropy",
             lambda multi_class_labels, logits: losses.sigmoid_cross_entropy(
                 multi_class_labels, logits, label_smoothing=0.1, reduction=none),
             f"{_V1}:sigmoid_cross_entropy (z (1 - ls) + 0.5 ls)",
             args=("multi_class_labels=y_true", "logits=y_pred"),
             conventions={"label_smoothing": 0.1},
             info={"input_space": "logits", "labels": "soft", **default}, notes=wl),
        loss("tf.compat.v1.losses.softmax_cross_entropy(reduction=NONE)",
             "softmax_cross_entropy",
             lambda onehot_labels, logits: losses.softmax_cross_entropy(
                 onehot_labels, logits, reduction=none),
             f"{_V1}:softmax_cross_entropy", args=("onehot_labels=y_true", "logits=y_pred"),
             conventions={"axis": -1}, grad_conventions=_V1_LABELS_STOP,
             info={"input_space": "logits", "labels": "one-hot", **default}, notes=wl),
        loss("tf.compat.v1.losses.softmax_cross_entropy(label_smoothing=0.1, "
             "reduction=NONE)", "softmax_cross_entropy",
             lambda onehot_labels, logits: losses.softmax_cross_entropy(
                 onehot_labels, logits, label_smoothing=0.1, reduction=none),
             f"{_V1}:softmax_cross_entropy (y (1 - ls) + ls / C)",
             args=("onehot_labels=y_true", "logits=y_pred"),
             conventions={"axis": -1, "label_smoothing": 0.1}, grad_conventions=_V1_LABELS_STOP,
             info={"input_space": "logits", "labels": "one-hot", **default}, notes=wl),
        loss("tf.compat.v1.losses.softmax_cross_entropy()", "softmax_cross_entropy",
             lambda onehot_labels, logits: losses.softmax_cross_entropy(onehot_labels, logits),
             f"{_V1}:softmax_cross_entropy; {_V1}:compute_weighted_loss",
             args=("onehot_labels=y_true", "logits=y_pred"),
             conventions={"axis": -1, "reduction": "mean"}, grad_conventions=_V1_LABELS_STOP,
             info={"input_space": "logits", "labels": "one-hot", **default}, notes=wl),
        loss("tf.compat.v1.losses.sparse_softmax_cross_entropy(reduction=NONE)",
             "sparse_softmax_cross_entropy",
             lambda labels, logits: losses.sparse_softmax_cross_entropy(labels, logits,
                                                                        reduction=none),
             f"{_V1}:sparse_softmax_cross_entropy", args=("labels=y_true", "logits=y_pred"),
             conventions={"axis": -1},
             info={"input_space": "logits", "labels": "index", **default}, notes=wl),
        loss("tf.compat.v1.losses.hinge_loss(reduction=NONE)", "hinge",
             lambda labels, logits: losses.hinge_loss(labels, logits, reduction=none),
             f"{_V1}:hinge_loss (relu(1 - (2z - 1) x))", args=("labels=y_true", "logits=y_pred"),
             conventions={"labels": "01"}, output_dtype="float32",
             info={"input_space": "logits", "labels": "binary", **default},
             notes=_v1_note(f32)),
        loss("tf.compat.v1.losses.huber_loss(reduction=NONE)", "huber",
             lambda labels, predictions: losses.huber_loss(labels, predictions,
                                                           reduction=none),
             f"{_V1}:huber_loss (0.5 min(|d|, delta)^2 + delta (|d| - min(|d|, delta)))",
             args=("labels=y_true", "predictions=y_pred"), conventions={"delta": 1.0},
             output_dtype="float32",
             info={"input_space": "real", "defaults": "delta=1.0", **default},
             notes=_v1_note(f32)),
        loss("tf.compat.v1.losses.mean_squared_error(reduction=NONE)", "squared_error",
             lambda labels, predictions: losses.mean_squared_error(labels, predictions,
                                                                   reduction=none),
             f"{_V1}:mean_squared_error (squared_difference)",
             args=("labels=y_true", "predictions=y_pred"), output_dtype="float32",
             info={"input_space": "real", **default}, notes=_v1_note(f32)),
        loss("tf.compat.v1.losses.absolute_difference(reduction=NONE)", "absolute_error",
             lambda labels, predictions: losses.absolute_difference(labels, predictions,
                                                                    reduction=none),
             f"{_V1}:absolute_difference (abs; abs'(0)=sign(0)=0)",
             args=("labels=y_true", "predictions=y_pred"), output_dtype="float32",
             grad_conventions={"grad_at_zero": 0.0},
             info={"input_space": "real", "kink_grad": "|d|'(0)=0", **default},
             notes=_v1_note(f32)),
        loss("tf.compat.v1.losses.cosine_distance(axis=-1, reduction=NONE)",
             "unit_cosine_distance",
             lambda labels, predictions: losses.cosine_distance(labels, predictions, axis=-1,
                                                                reduction=none),
             f"{_V1}:cosine_distance (1 - reduce_sum(predictions * labels, axis, "
             "keepdims=True); no normalisation)",
             args=("labels=y_true", "predictions=y_pred"),
             conventions={"axis": -1, "keepdims": True},
             output_dtype="float32",
             info={"input_space": "unit vectors (assumed, not normalised)",
                   "defaults": "axis required", **default},
             notes=_v1_note(f32 + "; assumes unit-normalised inputs (1 - x.y is not 1 - cos "
                                  "otherwise)")),
        loss("tf.compat.v1.losses.cosine_distance(axis=-1)", "unit_cosine_distance",
             lambda labels, predictions: losses.cosine_distance(labels, predictions, axis=-1),
             f"{_V1}:cosine_distance; {_V1}:compute_weighted_loss",
             args=("labels=y_true", "predictions=y_pred"),
             conventions={"axis": -1, "reduction": "mean"},
             output_dtype="float32",
             info={"input_space": "unit vectors (assumed, not normalised)", **default}),
        loss("tf.compat.v1.losses.mean_pairwise_squared_error", "mean_pairwise_squared_error",
             lambda labels, predictions: losses.mean_pairwise_squared_error(labels, predictions),
             f"{_V1}:mean_pairwise_squared_error (2 div_no_nan(sum d^2, n - 1) - "
             "2 div_no_nan((sum d)^2, n (n - 1)) per sample, reduce_sum over the batch)",
             args=("labels=y_true", "predictions=y_pred"),
             conventions={"reduction": "sum", "no_pairs": 0.0}, output_dtype="float32",
             info={"input_space": "real",
                   "default_reduction": "sum over the batch (no reduction argument)",
                   "defaults": "weights=1.0; pairs within each sample (axes 1..), not across"},
             notes=_v1_note(f32 + "; despite its name it sums the per-sample means over the "
                                  "batch, and a one-element sample counts 0")),
        # The same call traced by tf.function: in graph mode _num_present takes its
        # per_batch path (eagerly, scalar weights short-cut to the whole batch's count).
        loss("tf.compat.v1.losses.mean_pairwise_squared_error (tf.function)",
             "mean_pairwise_squared_error",
             tf.function(lambda labels, predictions: losses.mean_pairwise_squared_error(
                 labels, predictions), autograph=False),
             f"{_V1}:mean_pairwise_squared_error, _num_present (graph mode: per_batch counts)",
             args=("labels=y_true", "predictions=y_pred"),
             conventions={"reduction": "sum", "no_pairs": 0.0}, output_dtype="float32",
             info={"input_space": "real", "execution": "tf.function (graph)",
                   "default_reduction": "sum over the batch (no reduction argument)"},
             notes=_v1_note(f32)),
    ]
    return out


def _v1_note(text: str) -> str:
    return f"TF1 loss: {text}; float64 inputs are computed in float32."


def _metric_bindings(tf: Any) -> list[Binding]:
    in_top_k = tf.math.in_top_k
    out = []
    for k in (1, 3):
        def call(targets: Any, predictions: Any, _k: int = k) -> Any:
            # in_top_k answers bool; the accuracy is its float32 cast.
            return tf.cast(in_top_k(targets, predictions, _k), tf.float32)

        out.append(_binding(
            "metric", f"tf.math.in_top_k(k={k})", "top_k_accuracy", call,
            f"{_NN}:in_top_k_v2; {_K}/in_topk_op.h:InTopKFunctor (count of strictly "
            "greater scores < k; any non-finite score in the row -> False)",
            args=("targets=y_true", "predictions=y_pred"),
            conventions={"k": k, "ties": "include"}, grad=False, dtypes=("float32",),
            label_dtype="int32", output_dtype="float32",
            info={"input_space": "scores", "labels": "index", "default_reduction": "none"},
            notes="float32 predictions only; ties at the k-th score all count as in the top "
                  "k; returns bool (cast to float32 here); tf.nn.in_top_k is the same."))
    return out


def bindings() -> list[Binding]:
    """Every TensorFlow (non-Keras) API matched to a reference function."""
    tf = _import_tf()
    return (_activation_bindings(tf) + _nn_loss_bindings(tf) + _v1_loss_bindings(tf)
            + _metric_bindings(tf))
