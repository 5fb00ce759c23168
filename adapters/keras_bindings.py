"""Keras adapter: ``keras.activations``, ``keras.ops``, ``keras.losses`` (functions and
Loss classes), ``keras.metrics`` accuracy functions and the activation layers.

Keras has no arrays of its own: what a Keras call takes and returns depends on
``keras.backend.backend()`` (the ``KERAS_BACKEND`` environment variable, read when Keras
is first imported: "tensorflow" by default, "jax" or "torch"). :func:`backend` therefore
reuses the matching framework adapter (:mod:`adapters.tf_bindings`,
:mod:`adapters.jax_bindings`, :mod:`adapters.torch_bindings`) for conversions and
autodiff, renamed "keras". Keras 2 (``tf.keras`` of TensorFlow <= 2.15, the standalone
``keras`` 2.x package) only has the TensorFlow backend.

Conventions differ between Keras 2 and Keras 3 and, for a few losses, between Keras 3's
backends; :func:`bindings` reads the installed version and backend and declares each
convention for what is installed (see :mod:`adapters._keras_losses` for the losses and
metrics, this module for activations and layers). Every declaration was checked against
the installed sources under ``site-packages/keras/src`` (Keras 3.15.1); the Keras 2
branches follow the Keras 2.15 sources (``keras/src/backend.py``, ``keras/src/losses.py``,
``keras/src/activations.py``, ``keras/src/utils/losses_utils.py``; tf-keras: ``tf_keras/src/``),
where :func:`keras2_source` points their citations, and are run by the nox sessions
``keras(2.13)`` to ``keras(2.15)`` and ``keras(tf-keras-2.21)`` (registry:
``conformance/divergences/keras2.toml``).

Facts worth knowing when porting (all measured or read, see ``info["source"]``):

* ``keras.activations.gelu`` is exact by default (``approximate=False``) but
  ``keras.ops.gelu`` defaults to the tanh approximation (``approximate=True``).
* ``keras.activations.leaky_relu`` / ``keras.ops.leaky_relu`` default to slope 0.2, the
  layer ``keras.layers.LeakyReLU`` to 0.3 (Keras 2: ``alpha=0.3``).
* ``keras.activations.hard_sigmoid`` is ``relu6(x + 3) / 6`` in Keras 3, ``0.2 x + 0.5``
  clipped in Keras 2.
* Loss classes and layers compute in ``keras.backend.floatx()`` (float32) whatever the
  input dtype; loss and metric functions follow the input (except where noted). Keras 3's
  Loss classes and the layers (Keras 2 and 3) declare it (``compute_dtype="float32"``): a
  float64 case's value and its float64 gradient, which flows back through the cast with
  float32's rounding, are held to float32's tolerance.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import re
from collections.abc import Callable
from typing import Any

from ._binding import Backend, Binding

__all__ = ["backend", "bindings", "keras_backend_name", "keras_major"]

# keras.backend.backend() -> the adapter module whose Backend Keras' arrays live in.
_BASE_ADAPTERS = {
    "tensorflow": "adapters.tf_bindings",
    "jax": "adapters.jax_bindings",
    "torch": "adapters.torch_bindings",
}
# The distribution each Keras backend's arrays come from (recorded with the results).
_BASE_PACKAGES = {"tensorflow": ("tensorflow", "tensorflow-cpu"), "jax": ("jax", "jaxlib"),
                  "torch": ("torch",)}
_ACTIVATIONS_SRC = "keras/src/activations/activations.py"
_OPS_NN_SRC = "keras/src/ops/nn.py"
_LAYERS_SRC = "keras/src/layers/activations"


def _import_keras() -> Any:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ.get("TF_USE_LEGACY_KERAS", "").lower() in ("1", "true"):
        # tf.keras is then tf-keras (Keras 2) beside an installed Keras 3: test that one.
        import tf_keras as keras
    else:
        import keras

    return keras


def keras_major(keras: Any) -> int:
    """The installed Keras major version (2 for tf.keras-era Keras, 3 for Keras 3)."""
    return int(str(keras.__version__).split(".")[0])


def keras_backend_name(keras: Any) -> str:
    """"tensorflow", "jax" or "torch": the backend Keras computes with (Keras 2: tensorflow)."""
    if keras_major(keras) < 3:
        return "tensorflow"
    return str(keras.backend.backend())


def backend(device: str = "cpu") -> Backend:
    """The Keras :class:`Backend`: the arrays and autodiff of Keras' backend framework.

    Args:
      device: passed to the backend framework's adapter ("cpu" default).

    Raises:
      ValueError: Keras runs on a backend this project has no adapter for ("numpy",
        "openvino": no autodiff there).
    """
    keras = _import_keras()
    name = keras_backend_name(keras)
    if name not in _BASE_ADAPTERS:
        raise ValueError(
            f"keras backend {name!r} is not supported (KERAS_BACKEND must be one of "
            f"{sorted(_BASE_ADAPTERS)})"
        )
    base = importlib.import_module(_BASE_ADAPTERS[name]).backend(device)
    return dataclasses.replace(
        base,
        name="keras",
        version=str(keras.__version__),
        # the distribution: tf-keras is the module tf_keras (beside Keras 3's "keras")
        packages=("tf-keras" if keras.__name__.startswith("tf_keras") else "keras",
                  *_BASE_PACKAGES[name]),
    )


def _binding(api: str, kind: str, reference: str, call: Callable[..., Any], *,
             source: str, **fields: Any) -> Binding:
    """A keras :class:`Binding`; ``source`` goes into ``info["source"]``."""
    info = dict(fields.pop("info", {}))
    info["source"] = source
    return Binding(api=api, backend="keras", kind=kind, reference=reference, call=call,
                   info=info, **fields)


# Subgradients at kinks, per Keras backend (measured with each backend's autodiff and
# read in keras/src/backend/<backend>/nn.py + the framework's gradient rules):
# * tf.nn.relu/relu6 grads are 0 at the kinks (ReluGrad/Relu6Grad: strict inequalities);
#   jax.nn.relu/relu6 custom JVPs and torch's threshold_backward/hardtanh_backward too.
# * a max/min/clip tie: tf.maximum / tf.clip_by_value / torch.clip (torch < 2.14) pass the
#   whole gradient to x, jnp.maximum / jnp.clip (and torch.maximum) split it in halves;
#   torch >= 2.14's clip gives 0 with number bounds, 0.5 with tensor bounds (grad_at_clip).
# * leaky_relu'(0): tf LeakyReluGrad and torch leaky_relu_backward use x > 0 (slope);
#   jax.nn.leaky_relu is where(x >= 0, ...) (1).
# * selu'(0): tf.nn.selu (SeluGrad: x > 0 ? scale : ...) gives scale*alpha only for x < 0,
#   so scale at 0; jax/torch give scale*alpha (the reference default).
# * hard_tanh'(+-1): torch F.hardtanh's backward excludes the bounds (0); tf/jax pass (1).
# * sparse_sigmoid'(+-1): tf.where / torch where give 0; jax.nn.sparse_sigmoid's clip
#   splits (0.25, the reference default).
_TIE = {"tensorflow": 1.0, "jax": 0.5, "torch": 0.5}  # max(x, c) at x == c: share to x
_CLIP_TIE = {"tensorflow": 1.0, "jax": 0.5}  # clip(x, lo, hi) at a bound (torch: by version)
_SELU_SCALE = 1.0507009873554804934193349852946


def grad_at_clip(backend_name: str, bounds: str = "scalar") -> float:
    """d clip(p, eps, 1 - eps)/dp exactly at a bound, for Keras on ``backend_name``.

    On torch it is torch's clamp subgradient, which torch 2.14 changed
    (:func:`adapters._torch_losses.clamp_grad_at_bound`): ``bounds="scalar"`` for
    ``torch.clip`` with Python-float bounds (the cross-entropies of
    ``keras/src/backend/torch/nn.py``), ``"tensor"`` for ``keras.ops.clip``, which converts
    both bounds to tensors (``keras/src/backend/torch/numpy.py: clip``)."""
    if backend_name == "torch":
        import torch

        from ._torch_losses import clamp_grad_at_bound

        return clamp_grad_at_bound(torch.__version__, bounds)
    return _CLIP_TIE.get(backend_name, 1.0)


def grad_at_max_tie(backend_name: str) -> float:
    """d max(x, c)/dx at x == c (ops.maximum), for Keras on ``backend_name``."""
    return _TIE.get(backend_name, 1.0)


def _leaky_grad_at_zero(backend_name: str, slope: float) -> float:
    # tf LeakyReluGrad and torch leaky_relu_backward: x > 0 ? g : slope*g; jax: x >= 0.
    return 1.0 if backend_name == "jax" else slope


def _activations(keras: Any, major: int, backend_name: str) -> list[Binding]:
    acts = keras.activations
    out: list[Binding] = []
    # relu's max_value goes through keras.ops.clip: tensor bounds on torch (0.5 from 2.14)
    clip_tie = grad_at_clip(backend_name, "tensor")
    jax = backend_name == "jax"

    def add(api_name: str, reference: str, call: Callable[..., Any] | None = None, *,
            source: str = _ACTIVATIONS_SRC, **fields: Any) -> None:
        fn_name = api_name.split("(")[0]
        if call is None:
            if not hasattr(acts, fn_name):  # absent in this Keras version
                return
            call = getattr(acts, fn_name)
        # Cite the function that is defined (keras.activations.swish is silu exported twice).
        defined = getattr(getattr(call, "func", call), "__name__", fn_name)
        cite = f"{source}:{defined}" + ("" if defined == fn_name else
                                        f" (exported as keras.activations.{fn_name})")
        out.append(_binding(f"keras.activations.{api_name}", "activation", reference, call,
                            source=cite, **fields))

    def variant(fn_name: str, **kwargs: Any) -> Callable[..., Any] | None:
        fn = getattr(acts, fn_name, None)
        return None if fn is None else functools.partial(fn, **kwargs)

    # relu's slope keyword: negative_slope (Keras 3), alpha (Keras 2).
    slope_kw = "negative_slope" if major >= 3 else "alpha"
    add("relu", "relu", info={"input_space": "real", "kink_grad": "relu'(0)=0"})
    # negative_slope without max/threshold -> backend leaky_relu (jax: 1 at 0).
    add(f"relu({slope_kw}=0.1)", "relu", variant("relu", **{slope_kw: 0.1}),
        conventions={"negative_slope": 0.1},
        grad_conventions={"grad_at_zero": 1.0} if jax else {},
        info={"defaults": "negative_slope=0.0, max_value=None, threshold=0.0",
              "kink_grad": "relu'(0)=slope (jax backend: 1)"})
    # max_value != 6 -> relu then backend clip: the bound's gradient is the clip tie rule.
    add("relu(max_value=5.0)", "relu", variant("relu", max_value=5.0),
        conventions={"max_value": 5.0}, grad_conventions={"grad_at_max": clip_tie},
        info={"kink_grad": f"relu'(max_value)={clip_tie}"})
    add("relu(threshold=0.5)", "relu", variant("relu", threshold=0.5),
        conventions={"threshold": 0.5},
        notes="x <= threshold gives 0: where(x > threshold, x, 0), discontinuous at the "
              "threshold.")
    # where(x > t, x, 0) - slope * relu(t - x): 0 at x == t.
    add(f"relu({slope_kw}=0.1, max_value=5.0, threshold=0.5)", "relu",
        variant("relu", **{slope_kw: 0.1}, max_value=5.0, threshold=0.5),
        conventions={"negative_slope": 0.1, "max_value": 5.0, "threshold": 0.5},
        grad_conventions={"grad_at_zero": 0.0, "grad_at_max": clip_tie})
    add("relu6", "relu6", info={"kink_grad": "relu6'(0)=relu6'(6)=0"})
    if hasattr(acts, "leaky_relu"):
        add("leaky_relu", "leaky_relu", conventions={"negative_slope": 0.2},
            grad_conventions={"grad_at_zero": _leaky_grad_at_zero(backend_name, 0.2)},
            info={"defaults": "negative_slope=0.2 (torch/jax: 0.01; keras.layers.LeakyReLU: "
                              "0.3)",
                  "kink_grad": f"leaky_relu'(0)={_leaky_grad_at_zero(backend_name, 0.2)}"})
    add("elu", "elu", info={"defaults": "alpha=1.0"})
    add("elu(alpha=0.5)", "elu", variant("elu", alpha=0.5), conventions={"alpha": 0.5})
    if backend_name == "tensorflow":  # tf.nn.selu: scale at 0 (SeluGrad's x > 0 branch)
        add("selu", "selu", grad_conventions={"grad_at_zero": _SELU_SCALE},
            info={"kink_grad": "selu'(0)=scale (tf.nn.selu)"})
    else:
        add("selu", "selu")
    add("softplus", "softplus")
    add("softsign", "softsign")
    add("soft_shrink", "softshrink", conventions={"lambd": 0.5},
        info={"defaults": "threshold=0.5 (torch: lambd=0.5)"})
    add("soft_shrink(threshold=1.0)", "softshrink", variant("soft_shrink", threshold=1.0),
        conventions={"lambd": 1.0})
    add("sparse_plus", "sparse_plus")
    add("sparse_sigmoid", "sparse_sigmoid",
        grad_conventions={} if jax else {"grad_at_min": 0.0, "grad_at_max": 0.0})
    add("silu", "silu")
    add("swish", "silu")
    add("squareplus", "squareplus", conventions={"b": 4.0}, info={"defaults": "b=4"})
    # gelu: exact by default here; keras.ops.gelu defaults to approximate=True.
    add("gelu", "gelu", info={"defaults": "approximate=False (keras.ops.gelu: True)"})
    add("gelu(approximate=True)", "gelu_tanh", variant("gelu", approximate=True))
    if backend_name == "tensorflow":
        # backend/tensorflow/nn.py:celu is tf.maximum(x, 0) + alpha * expm1(tf.minimum(x, 0)
        # / alpha): at x == 0 both tf.maximum and tf.minimum pass the whole gradient to x
        # (their tie rule), so celu'(0) = 2. jax.nn.celu / torch celu give 1 (default).
        add("celu", "celu", grad_conventions={"grad_at_zero": 2.0},
            info={"defaults": "alpha=1.0", "kink_grad": "celu'(0)=2 (tf.maximum + tf.minimum)"})
    else:
        add("celu", "celu", info={"defaults": "alpha=1.0"})
    add("glu", "glu", conventions={"axis": -1})
    add("tanh", "tanh")
    add("tanh_shrink", "tanhshrink")
    add("hard_tanh", "hard_tanh",
        grad_conventions=({"grad_at_min": 0.0, "grad_at_max": 0.0}
                          if backend_name == "torch" else {}))
    add("sigmoid", "sigmoid")
    add("exponential", "exponential")
    if major >= 3:  # relu6(x + 3) / 6: backend/*/nn.py:hard_sigmoid
        add("hard_sigmoid", "hard_sigmoid", conventions={"slope": 1 / 6, "offset": 0.5},
            info={"defaults": "relu6(x + 3) / 6 (Keras 2: clip(0.2 x + 0.5, 0, 1))"})
    else:  # Keras 2 keras/backend.py:hard_sigmoid: clip(0.2 x + 0.5, 0, 1)
        add("hard_sigmoid", "hard_sigmoid", conventions={"slope": 0.2, "offset": 0.5},
            source="keras/backend.py", info={"defaults": "clip(0.2 x + 0.5, 0, 1)"})
    add("hard_silu", "hard_silu", conventions={"slope": 1 / 6, "offset": 0.5})
    add("hard_swish", "hard_silu", conventions={"slope": 1 / 6, "offset": 0.5})
    add("hard_shrink", "hardshrink", conventions={"lambd": 0.5})
    add("threshold(threshold=0.5, default_value=-1.0)", "threshold",
        variant("threshold", threshold=0.5, default_value=-1.0),
        conventions={"threshold": 0.5, "value": -1.0})
    add("linear", "linear")
    add("mish", "mish")
    add("log_sigmoid", "log_sigmoid")
    add("softmax", "softmax", conventions={"axis": -1})
    add("log_softmax", "log_softmax", conventions={"axis": -1})
    # Keras >= 3.8; the backend's sparsemax (keras/src/backend/<backend>/nn.py).
    add("sparsemax", "sparsemax", conventions={"axis": -1},
        info={"defaults": "axis=-1", "note": "the threshold from the sum of the support's "
              "cumulative sums in 3.15.1 (keras-team/keras#23425)"})
    return out


# keras.ops activations bound like their keras.activations twins (the same backend
# function, Keras 3.15.1): (op, reference function, extra keyword arguments).
_OPS_LIKE_ACTIVATIONS = (
    ("relu", "relu", {}), ("relu6", "relu6", {}), ("sigmoid", "sigmoid", {}),
    ("sparse_sigmoid", "sparse_sigmoid", {}), ("softplus", "softplus", {}),
    ("softsign", "softsign", {}), ("soft_shrink", "softshrink", {}),
    ("sparse_plus", "sparse_plus", {}), ("silu", "silu", {}), ("squareplus", "squareplus", {}),
    ("log_sigmoid", "log_sigmoid", {}), ("hard_sigmoid", "hard_sigmoid", {}),
    ("hard_silu", "hard_silu", {}), ("elu", "elu", {}), ("selu", "selu", {}),
    ("celu", "celu", {}), ("glu", "glu", {}), ("tanh_shrink", "tanhshrink", {}),
    ("hard_tanh", "hard_tanh", {}), ("hard_shrink", "hardshrink", {}),
    ("threshold", "threshold", {"threshold": 0.5, "default_value": -1.0}),
    ("softmax", "softmax", {}), ("log_softmax", "log_softmax", {}),
    ("sparsemax", "sparsemax", {}),
)


def _ops(keras: Any, backend_name: str, activations: list[Binding]) -> list[Binding]:
    """keras.ops activations (Keras 3 only; Keras 2 has no keras.ops).

    ``keras.activations.<name>`` returns ``ops.<name>`` (Keras 3.15.1,
    keras/src/activations/activations.py), so each op in :data:`_OPS_LIKE_ACTIVATIONS` is
    declared as its twin in ``activations`` (reference, conventions, per-backend
    subgradients), with its own call and source: ``ops.relu`` is ``relu(x)`` only,
    ``ops.threshold`` needs its two arguments. An op absent from the installed Keras
    (3.3.3 has no celu, glu, hard_shrink, ...) is not bound; one whose twin is missing
    (3.3.3's ops.log_sigmoid: no activations.log_sigmoid) takes the reference alone;
    ``ops.swish`` and ``ops.hard_swish`` are ``ops.silu`` and ``ops.hard_silu`` (aliases,
    not bound twice). ``ops.gelu`` and ``ops.logsumexp`` differ in their defaults.
    """
    ops = getattr(keras, "ops", None)
    if ops is None:
        return []
    by_api = {b.api: b for b in activations}
    nn_src = f"keras/src/backend/{backend_name}/nn.py"
    out: list[Binding] = []
    for name, reference, kwargs in _OPS_LIKE_ACTIVATIONS:
        fn = getattr(ops, name, None)
        if fn is None:
            continue
        shown = name + (f"({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})" if kwargs else "")
        api, call = f"keras.ops.{shown}", functools.partial(fn, **kwargs) if kwargs else fn
        source = f"{_OPS_NN_SRC}:{name} + {nn_src}:{name}"
        twin = by_api.get(f"keras.activations.{shown}")
        if twin is None:
            out.append(_binding(api, "activation", reference, call, source=source))
        else:
            out.append(dataclasses.replace(twin, api=api, call=call,
                                           info={**twin.info, "source": source}))
    src = f"{_OPS_NN_SRC}:gelu"
    out += [
        _binding("keras.ops.gelu", "activation", "gelu_tanh", ops.gelu, source=src,
                 info={"defaults": "approximate=True (keras.activations.gelu: False)"}),
        _binding("keras.ops.gelu(approximate=False)", "activation", "gelu",
                 functools.partial(ops.gelu, approximate=False), source=src),
        _binding("keras.ops.leaky_relu", "activation", "leaky_relu", ops.leaky_relu,
                 source=f"{_OPS_NN_SRC}:leaky_relu", conventions={"negative_slope": 0.2},
                 grad_conventions={"grad_at_zero": _leaky_grad_at_zero(backend_name, 0.2)}),
        _binding("keras.ops.logsumexp(axis=-1)", "activation", "logsumexp",
                 functools.partial(ops.logsumexp, axis=-1),
                 source="keras/src/ops/math.py:logsumexp", conventions={"axis": -1},
                 info={"defaults": "axis=None (all axes)"}),
    ]
    return out


def _layers(keras: Any, major: int, backend_name: str) -> list[Binding]:
    """Activation layers whose defaults differ from the functions. They compute in floatx."""
    layers = keras.layers
    common = {"output_dtype": "float32", "compute_dtype": "float32",
              "notes": "layers cast inputs to keras.backend.floatx() (float32)"}
    slope = 0.3
    out = [
        _binding("keras.layers.LeakyReLU()", "activation", "leaky_relu", layers.LeakyReLU(),
                 source=f"{_LAYERS_SRC}/leaky_relu.py:LeakyReLU",
                 conventions={"negative_slope": slope},
                 grad_conventions={"grad_at_zero": _leaky_grad_at_zero(backend_name, slope)},
                 info={"defaults": "negative_slope=0.3" if major >= 3 else "alpha=0.3"},
                 **common),
        _binding("keras.layers.ELU()", "activation", "elu", layers.ELU(),
                 source=f"{_LAYERS_SRC}/elu.py:ELU", **common),
        _binding("keras.layers.ReLU(max_value=6.0)", "activation", "relu",
                 layers.ReLU(max_value=6.0), source=f"{_LAYERS_SRC}/relu.py:ReLU",
                 conventions={"max_value": 6.0}, **common),
        _binding("keras.layers.Softmax()", "activation", "softmax", layers.Softmax(),
                 source=f"{_LAYERS_SRC}/softmax.py:Softmax", conventions={"axis": -1},
                 **common),
    ]
    # PReLU: relu(x) - alpha * relu(-x) with a trainable alpha of shape input_shape[1:],
    # initialised to zeros (a relu until trained; torch's PReLU starts at 0.25). A fresh
    # layer per call: alpha's shape is fixed by the first input. At x = 0 both relu terms
    # have derivative 0 on every backend, so the gradient there is 0 (not 1, not alpha).
    prelu_src = f"{_LAYERS_SRC}/prelu.py:PReLU"
    for api, init, slope in (("keras.layers.PReLU()", "zeros", 0.0),
                             ("keras.layers.PReLU(alpha_initializer=Constant(0.25))",
                              keras.initializers.Constant(0.25), 0.25)):
        out.append(_binding(api, "activation", "leaky_relu",
                            functools.partial(_fresh_prelu, layers.PReLU, init),
                            source=prelu_src, conventions={"negative_slope": slope},
                            grad_conventions={"grad_at_zero": 0.0},
                            info={"defaults": "alpha_initializer='zeros' (a relu at "
                                              "initialisation)"}, **common))
    return out


def _fresh_prelu(cls: Any, init: Any, x: Any) -> Any:
    return cls(alpha_initializer=init)(x)


def bindings() -> list[Binding]:
    """Every Keras binding for the installed Keras version and backend."""
    from . import _keras_losses

    keras = _import_keras()
    major = keras_major(keras)
    backend_name = keras_backend_name(keras)
    out = _activations(keras, major, backend_name)
    out += _ops(keras, backend_name, out)
    out += _layers(keras, major, backend_name)
    losses = _keras_losses.loss_bindings(keras, major, backend_name)
    out += losses
    out += _keras_losses.loss_metric_bindings(keras, major, losses)
    out += _keras_losses.metric_bindings(keras, major, backend_name)
    if major < 3:
        package = keras.__name__.split(".")[0]
        out = [dataclasses.replace(b, info={**b.info, "source": keras2_source(
            b.info.get("source", ""), package)}) for b in out]
    return out


# The bindings cite Keras 3's files. Keras 2 (2.13 to 2.15: keras/src/...; tf-keras:
# tf_keras/src/...) defines the same functions in fewer files, so a Keras 2 binding's
# citations are rewritten to its own files (tests/test_sources.py checks, in each Keras 2
# nox session, that every cited file exists and defines the cited name).
_KERAS2_FILES = (  # (Keras 3 file, or Keras <= 2.12 layout; the Keras 2.13+ file)
    ("keras/src/activations/activations.py", "src/activations.py"),
    ("keras/src/backend/tensorflow/nn.py", "src/backend.py"),
    ("keras/src/losses/losses.py", "src/losses.py"),
    ("keras/src/layers/activations/", "src/layers/activation/"),
    ("keras/src/metrics/", "src/metrics/"),
    ("tf_keras/src/", "src/"),
    ("keras/backend.py", "src/backend.py"),
    ("keras/losses.py", "src/losses.py"),
    ("keras/utils/losses_utils.py", "src/utils/losses_utils.py"),
)


def keras2_source(source: str, package: str) -> str:
    """``source`` with Keras 3's file paths replaced by Keras 2's in ``package``
    ("keras" for Keras 2.13 to 2.15, "tf_keras" for tf-keras)."""
    for keras3, keras2 in _KERAS2_FILES:
        source = re.sub(rf"(?<![\w/]){re.escape(keras3)}", f"{package}/{keras2}", source)
    return source
