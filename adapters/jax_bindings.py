"""JAX / optax adapter: ``jax.nn``, ``jax.scipy.special`` and ``optax.losses``.

Every binding runs under ``jax.jit`` (see :func:`bindings`). ``backend(device)`` converts
NumPy arrays to ``jax.Array`` exactly (float16, bfloat16, float32, float64, int32/int64
labels) and differentiates with ``jax.vjp`` inside one ``jax.jit`` program per case (as
``jax.jit(jax.grad(loss))`` runs in training: XLA compiles the forward and backward pass
together, and may simplify across them; see the multiclass hinge entries of the registry).
It turns on ``jax_enable_x64`` (a process-wide JAX flag): without it
``jnp.asarray(float64)`` silently becomes float32 and int64 labels become int32, so
float64 cases would test float32.

The Keras adapter reuses :func:`backend` for ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._binding import LOGITS_PAIR_REGIMES, Backend, dtype_name, fit_cotangent, memo_by_id

__all__ = ["backend", "bindings"]

_DTYPES = ("float16", "bfloat16", "float32", "float64", "int32", "int64", "bool")


def _enable_x64() -> None:
    import jax

    # Real float64 / int64 arrays; jax defaults to 32-bit and downcasts silently otherwise.
    jax.config.update("jax_enable_x64", True)


def backend(device: str = "cpu") -> Backend:
    """The JAX :class:`Backend` placing arrays on the first device of kind ``device``."""
    import jax
    import jax.numpy as jnp

    _enable_x64()
    target = jax.devices(device)[0]

    def to_framework(array: np.ndarray, dtype: str) -> Any:
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {list(_DTYPES)}, got {dtype!r}")
        # The cast in NumPy (a private copy; exact: ml_dtypes.bfloat16 arrays, or float32
        # holding bf16 values, convert bit for bit), then one transfer to the device.
        # (jnp.asarray is faster here, 85 us an input against device_put's 165, but its
        # uncommitted arrays made each jitted value case 6 ms slower to dispatch: measured.)
        cast = np.asarray(array).astype(jnp.bfloat16 if dtype == "bfloat16" else np.dtype(dtype))
        return jax.device_put(cast, target)

    def to_numpy(value: Any) -> np.ndarray:
        return np.asarray(value)

    def dtype_of(value: Any) -> str:
        return dtype_name(value.dtype if isinstance(value, jax.Array) else jnp.asarray(value).dtype)

    # One jitted VJP program per (function, wrt): jax.jit caches its compilations by
    # function, shapes and dtypes, so the runner hands the same function case after case.
    programs: dict[int, tuple[Any, Any]] = {}

    def program(call: Any, wrt: int) -> Any:
        """The VJP of ``call`` in its argument ``wrt``, jitted: ``(args, ct) -> grad``."""
        per_wrt = memo_by_id(programs, call, lambda _: {})
        if wrt not in per_wrt:
            def pullback(args: tuple[Any, ...], ct: Any) -> Any:
                def partial(arg: Any) -> Any:
                    return call(*args[:wrt], arg, *args[wrt + 1:])
                return jax.vjp(partial, args[wrt])[1](ct)[0]
            # The VJP as one XLA program, as jax.jit(jax.grad(loss)) runs in training:
            # one compilation per case instead of two (jax.vjp of a jitted function
            # compiles its linearized forward and its transpose separately).
            per_wrt[wrt] = jax.jit(pullback)
        return per_wrt[wrt]

    def vjp(call: Any, inputs: list[Any], wrt: int, cotangent: Any) -> np.ndarray:
        args = tuple(inputs)
        out = jax.eval_shape(call, *args)
        # Cast and reshape in NumPy (the same IEEE rounding): done as JAX ops, each new
        # shape and dtype would compile a program of its own.
        ct = fit_cotangent(np.asarray(cotangent).astype(out.dtype), out.shape)
        return np.asarray(program(call, wrt)(args, jax.device_put(ct, target)))

    return Backend(
        name="jax",
        version=jax.__version__,
        to_framework=to_framework,
        to_numpy=to_numpy,
        dtype_of=dtype_of,
        vjp=vjp,
        device=device,
        packages=("jax", "jaxlib", "optax"),
    )


_NN = "jax/_src/nn/functions.py"
_SPECIAL = "jax/_src/scipy/special.py"
_OPS = "jax/_src/ops/special.py"
_CLS = "optax/losses/_classification.py"
_REG = "optax/losses/_regression.py"
# optax's multiclass hinge/perceptron gather s[y] as a dot product with
# jax.nn.one_hot(labels, C), whose default dtype is jnp.float_: float64 under x64 (which
# this adapter turns on), float32 without it. The loss is promoted to that dtype.
_ONE_HOT_NOTE = ("returns float64 for every score dtype under jax_enable_x64 (float32 "
                 "without x64): s[y] is a dot product with jax.nn.one_hot(labels, C), "
                 "whose default dtype is jnp.float_")


def _act(api: str, reference: str, call: Any, source: str, **fields: Any) -> Any:
    """An activation binding (``args=("x",)``, gradient checked)."""
    from ._binding import Binding

    info = {"input_space": "real", "source": source}
    info.update(fields.pop("info", {}))
    return Binding(api=api, backend="jax", kind="activation", reference=reference,
                   call=call, info=info, **fields)


def _loss(api: str, reference: str, call: Any, source: str, **fields: Any) -> Any:
    """A loss binding; optax losses take ``(predictions, targets)`` and never reduce."""
    from ._binding import Binding

    info = {"default_reduction": "none", "source": source}
    info.update(fields.pop("info", {}))
    fields.setdefault("args", ("y_pred", "y_true"))
    return Binding(api=api, backend="jax", kind="loss", reference=reference, call=call,
                   info=info, **fields)


class _Present:
    """A module whose missing attributes read as None: APIs added after jax 0.4 (identity,
    squareplus, sparse_plus, jax.scipy.special.softmax ...) are left out on older versions."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name, None)


def _present(bindings: list[Any]) -> list[Any]:
    """Drop the bindings whose API the installed version lacks (call is None)."""
    return [b for b in bindings if b.call is not None]


def _lazy(module: _Present, name: str, **kwargs: Any) -> Any:
    """``module.name(x, **kwargs)``, or None when the installed version lacks it."""
    fn = getattr(module, name)
    return None if fn is None else (lambda x: fn(x, **kwargs))


def _activation_bindings() -> list[Any]:
    import jax.nn
    import jax.scipy.special

    nn = _Present(jax.nn)
    jss = _Present(jax.scipy.special)
    return _present([
        _act("jax.nn.relu", "relu", nn.relu, f"{_NN}:relu (custom_jvp: x > 0)",
             grad_conventions={"grad_at_zero": 0.0}, info={"kink_grad": "relu'(0)=0"}),
        _act("jax.nn.relu6", "relu6", nn.relu6, f"{_NN}:relu6 (custom_jvp: 0 < x < 6)",
             grad_conventions={"grad_at_zero": 0.0, "grad_at_max": 0.0},
             info={"kink_grad": "relu6'(0)=0, relu6'(6)=0"}),
        _act("jax.nn.leaky_relu", "leaky_relu", nn.leaky_relu,
             f"{_NN}:leaky_relu (where(x >= 0, x, slope*x))",
             conventions={"negative_slope": 0.01}, grad_conventions={"grad_at_zero": 1.0},
             info={"defaults": "negative_slope=0.01", "kink_grad": "leaky_relu'(0)=1"}),
        _act("jax.nn.hard_tanh", "hard_tanh", nn.hard_tanh,
             f"{_NN}:hard_tanh (where(x > 1, 1, where(x < -1, -1, x)))",
             grad_conventions={"grad_at_min": 1.0, "grad_at_max": 1.0},
             info={"kink_grad": "hard_tanh'(-1)=hard_tanh'(1)=1"}),
        _act("jax.nn.hard_sigmoid", "hard_sigmoid", nn.hard_sigmoid,
             f"{_NN}:hard_sigmoid (relu6(x + 3) / 6)",
             grad_conventions={"grad_at_min": 0.0, "grad_at_max": 0.0},
             info={"defaults": "slope=1/6, offset=0.5",
                   "kink_grad": "hard_sigmoid'(-3)=hard_sigmoid'(3)=0 (relu6's)"}),
        _act("jax.nn.elu", "elu", nn.elu, f"{_NN}:elu", conventions={"alpha": 1.0},
             info={"defaults": "alpha=1.0", "kink_grad": "elu'(0)=alpha (x <= 0 branch)"}),
        _act("jax.nn.celu", "celu", nn.celu, f"{_NN}:celu", conventions={"alpha": 1.0},
             info={"defaults": "alpha=1.0"}),
        _act("jax.nn.selu", "selu", nn.selu, f"{_NN}:selu (scale * elu(x, alpha))",
             grad_conventions={"grad_at_zero": 1.7580993408473766},
             info={"kink_grad": "selu'(0)=scale*alpha (x <= 0 branch)"}),
        _act("jax.nn.gelu", "gelu_tanh", nn.gelu, f"{_NN}:gelu (approximate=True default)",
             info={"defaults": "approximate=True (tanh approximation)"},
             notes="jax.nn.gelu defaults to the tanh approximation; torch/keras default "
                   "to the exact erf form."),
        _act("jax.nn.gelu(approximate=False)", "gelu",
             _lazy(nn, "gelu", approximate=False), f"{_NN}:gelu (0.5 x erfc(-x/sqrt2))"),
        _act("jax.nn.glu", "glu", nn.glu, f"{_NN}:glu (x1 * sigmoid(x2), split axis=-1)",
             conventions={"axis": -1}),
        _act("jax.nn.sigmoid", "sigmoid", nn.sigmoid, f"{_NN}:sigmoid (lax.logistic)"),
        _act("jax.scipy.special.expit", "sigmoid", jss.expit,
             f"{_SPECIAL}:expit (lax.logistic)"),
        _act("jax.nn.log_sigmoid", "log_sigmoid", nn.log_sigmoid,
             f"{_NN}:log_sigmoid (-softplus(-x))"),
        _act("jax.nn.softplus", "softplus", nn.softplus, f"{_NN}:softplus (logaddexp(x, 0))"),
        _act("jax.nn.soft_sign", "softsign", nn.soft_sign, f"{_NN}:soft_sign"),
        _act("jax.nn.silu", "silu", nn.silu, f"{_NN}:silu (x * sigmoid(x); swish alias)"),
        _act("jax.nn.mish", "mish", nn.mish, f"{_NN}:mish (x * tanh(softplus(x)))"),
        _act("jax.nn.hard_silu", "hard_silu", nn.hard_silu,
             f"{_NN}:hard_silu (x * hard_sigmoid(x); hard_swish alias)",
             grad_conventions={"grad_at_min": 0.0, "grad_at_max": 0.0},
             info={"kink_grad": "hard_sigmoid'(+-3)=0 inside the product rule: "
                                "hard_silu'(-3)=0, hard_silu'(3)=1"}),
        _act("jax.nn.squareplus", "squareplus", nn.squareplus,
             f"{_NN}:squareplus ((x + sqrt(x^2 + b)) / 2)", conventions={"b": 4.0},
             info={"defaults": "b=4"}),
        _act("jax.nn.sparse_plus", "sparse_plus", nn.sparse_plus, f"{_NN}:sparse_plus"),
        _act("jax.nn.sparse_sigmoid", "sparse_sigmoid", nn.sparse_sigmoid,
             f"{_NN}:sparse_sigmoid (0.5 * clip(x + 1, 0, 2))",
             info={"kink_grad": "sparse_sigmoid'(+-1)=0.25 (jnp.clip splits the tie)"}),
        _act("jax.nn.tanh", "tanh", nn.tanh, "jax/nn/__init__.py (jax.numpy.tanh)"),
        _act("jax.nn.identity", "linear", nn.identity, f"{_NN}:identity"),
        _act("jax.nn.softmax", "softmax", nn.softmax,
             f"{_NN}:softmax (custom_jvp, axis=-1)", conventions={"axis": -1}),
        _act("jax.nn.log_softmax", "log_softmax", nn.log_softmax, f"{_NN}:log_softmax",
             conventions={"axis": -1}),
        # jax.scipy.special.softmax defaults to axis=None (the whole array, as SciPy).
        _act("jax.scipy.special.softmax(axis=-1)", "softmax",
             _lazy(jss, "softmax", axis=-1), f"{_SPECIAL}:softmax",
             conventions={"axis": -1}, info={"defaults": "axis=None (whole array)"}),
        _act("jax.scipy.special.log_softmax(axis=-1)", "log_softmax",
             _lazy(jss, "log_softmax", axis=-1), f"{_SPECIAL}:log_softmax",
             conventions={"axis": -1}, info={"defaults": "axis=None (whole array)"}),
        # jax.nn.logsumexp is jax.scipy.special.logsumexp; axis defaults to None.
        _act("jax.nn.logsumexp(axis=-1)", "logsumexp", _lazy(nn, "logsumexp", axis=-1),
             f"{_OPS}:logsumexp", conventions={"axis": -1},
             info={"defaults": "axis=None (whole array)"}),
        _act("jax.scipy.special.logsumexp(axis=-1)", "logsumexp",
             _lazy(jss, "logsumexp", axis=-1), f"{_OPS}:logsumexp",
             conventions={"axis": -1}, info={"defaults": "axis=None (whole array)"}),
        # logmeanexp = logsumexp - log(count); axis defaults to None (whole array).
        _act("jax.nn.logmeanexp(axis=-1)", "logmeanexp", _lazy(nn, "logmeanexp", axis=-1),
             f"{_NN}:logmeanexp (_logsumexp - log(_count))", conventions={"axis": -1},
             info={"defaults": "axis=None (whole array)"}),
        # where(x < log 2, log(-expm1(-x)), log1p(-exp(-x))): undefined (NaN) for x < 0.
        _act("jax.nn.log1mexp", "log1mexp", nn.log1mexp,
             f"{_NN}:log1mexp (custom_jvp; Maechler's split at log 2)",
             info={"input_space": "non-negative"}),
    ])


def _special_bindings() -> list[Any]:
    import jax.scipy.special as jss

    two = ("y_pred", "y_true")  # (x, y) of the two-argument special functions
    return [
        _loss("jax.scipy.special.entr", "entr", jss.entr, f"{_SPECIAL}:entr (custom_jvp xlogx)",
              args=("x",), info={"input_space": "probabilities", "kink_grad": "entr'(0)=+inf"}),
        _loss("jax.scipy.special.xlogy", "xlogy", jss.xlogy,
              f"{_SPECIAL}:xlogy (custom_jvp; 0 where x == 0)", args=two),
        _loss("jax.scipy.special.xlog1py", "xlog1py", jss.xlog1py,
              f"{_SPECIAL}:xlog1py (custom_jvp; 0 where x == 0)", args=two),
        # rel_entr evaluates log only where p, q > 0 (safe_p = where(both, p, 1)): its
        # derivative at p = 0 < q is 0 (and kl_div's, rel_entr - p + q, is -1).
        _loss("jax.scipy.special.rel_entr", "rel_entr", jss.rel_entr,
              f"{_SPECIAL}:rel_entr (double where)", args=two,
              grad_conventions={"grad_at_zero": 0.0},
              info={"kink_grad": "d/dp rel_entr(0, q) = 0"}),
        _loss("jax.scipy.special.kl_div", "kl_div_elementwise", jss.kl_div,
              f"{_SPECIAL}:kl_div (rel_entr(p, q) - p + q)", args=two,
              grad_conventions={"grad_at_zero": -1.0},
              info={"kink_grad": "d/dp kl_div(0, q) = -1"}),
    ]


# optax.projections.projection_simplex computes relu(s / idx + ...) with idx =
# jnp.count_nonzero(...): optax <= 0.2.4 has s = 1.0 (weakly typed, the input dtype is
# kept), 0.2.5 on s = 1, an int, so under x64 s / idx is a float64 and so is the loss
# (registered in jax.toml with the gradient's TypeError it causes).
_SIMPLEX_NOTE = ("optax >= 0.2.5 returns float64 for every score dtype under jax_enable_x64 "
                 "(projection_simplex's s / count_nonzero(cond) with s = 1, an int); "
                 "optax 0.2.4 and older keep the input dtype")


def _sparsemax_losses(L: Any) -> list[Any]:
    """optax's sparsemax (Fenchel-Young) losses, where the installed optax has them
    (sparsemax_loss since 0.2.3; binary_sparsemax_loss is its deprecated alias)."""
    out = []
    if hasattr(L, "sparsemax_loss"):
        out.append(_loss("optax.losses.sparsemax_loss", "binary_sparsemax_loss",
                         L.sparsemax_loss,
                         f"{_CLS}:sparsemax_loss (sparse_plus(where(labels, -logits, logits)))",
                         conventions={"labels": "01"},
                         info={"input_space": "logits", "labels": "0/1 (any non-zero is 1)"}))
    if hasattr(L, "multiclass_sparsemax_loss"):
        out.append(_loss("optax.losses.multiclass_sparsemax_loss", "multiclass_sparsemax_loss",
                         L.multiclass_sparsemax_loss,
                         f"{_CLS}:multiclass_sparsemax_loss (vmap over rows: "
                         "projection_simplex, <p, s - s_y> + (1 - <p, p>) / 2)",
                         regimes=("typical", "large", "extreme", "ties", "single", "empty",
                                  "many_classes", "nan_inf"),
                         notes=_SIMPLEX_NOTE,
                         info={"input_space": "logits", "labels": "index",
                               "shape": "(N, C) only: vmapped over the rows"}))
    return out


def _optax_bindings() -> list[Any]:
    import optax

    L = optax.losses
    logits_soft = {"input_space": "logits", "labels": "soft"}
    return [
        _loss("optax.losses.sigmoid_binary_cross_entropy", "sigmoid_binary_cross_entropy",
              L.sigmoid_binary_cross_entropy,
              f"{_CLS}:sigmoid_binary_cross_entropy (log_sigmoid(x), log_sigmoid(-x))",
              info={"input_space": "logits", "labels": "binary"}),
        _loss("optax.losses.sigmoid_focal_loss", "sigmoid_focal_loss", L.sigmoid_focal_loss,
              f"{_CLS}:sigmoid_focal_loss (log-space focal weight)",
              conventions={"gamma": 2.0, "alpha": None},
              info={"input_space": "logits", "labels": "binary",
                    "defaults": "alpha=None, gamma=2.0"}),
        _loss("optax.losses.softmax_cross_entropy", "softmax_cross_entropy",
              L.softmax_cross_entropy, f"{_CLS}:softmax_cross_entropy (log_softmax, axis=-1)",
              conventions={"axis": -1}, info=logits_soft),
        _loss("optax.losses.safe_softmax_cross_entropy", "softmax_cross_entropy",
              L.safe_softmax_cross_entropy,
              f"{_CLS}:safe_softmax_cross_entropy (0 log 0 = 0 at -inf logits)",
              conventions={"axis": -1}, info=logits_soft),
        _loss("optax.losses.softmax_cross_entropy_with_integer_labels",
              "sparse_softmax_cross_entropy", L.softmax_cross_entropy_with_integer_labels,
              f"{_CLS}:softmax_cross_entropy_with_integer_labels (logsumexp - gather)",
              conventions={"axis": -1},
              info={"input_space": "logits", "labels": "index"}),
        _loss("optax.losses.hinge_loss", "hinge", L.hinge_loss,
              f"{_CLS}:hinge_loss (max(0, 1 - p*t))", conventions={"labels": "pm1"},
              grad_conventions={"grad_at_margin": 0.5},
              info={"input_space": "real", "labels": "pm1",
                    "kink_grad": "jnp.maximum splits the tie: 0.5*(-t) at t*p = 1"}),
        _loss("optax.losses.perceptron_loss", "perceptron", L.perceptron_loss,
              f"{_CLS}:perceptron_loss (max(0, -p*t))", conventions={"labels": "pm1"},
              grad_conventions={"grad_at_zero": 0.5},
              info={"input_space": "real", "labels": "pm1",
                    "kink_grad": "jnp.maximum splits the tie: 0.5*(-t) at p = 0"}),
        _loss("optax.losses.multiclass_hinge_loss", "multiclass_hinge",
              L.multiclass_hinge_loss,
              f"{_CLS}:multiclass_hinge_loss (max(s + 1 - onehot) - s[y])",
              output_dtype="float64", notes=_ONE_HOT_NOTE,
              info={"input_space": "real", "labels": "index",
                    "kink_grad": "jnp.max splits tied maxima evenly"}),
        _loss("optax.losses.multiclass_perceptron_loss", "multiclass_perceptron",
              L.multiclass_perceptron_loss,
              f"{_CLS}:multiclass_perceptron_loss (max(s) - s[y])",
              output_dtype="float64", notes=_ONE_HOT_NOTE,
              info={"input_space": "real", "labels": "index",
                    "kink_grad": "jnp.max splits tied maxima evenly"}),
        *_sparsemax_losses(L),
        _loss("optax.losses.poly_loss_cross_entropy", "poly1_cross_entropy",
              L.poly_loss_cross_entropy,
              f"{_CLS}:poly_loss_cross_entropy (CE + epsilon * sum(t * (1 - p)))",
              conventions={"epsilon": 2.0, "axis": -1},
              info={**logits_soft, "defaults": "epsilon=2.0"}),
        _loss("optax.losses.squared_error", "squared_error", L.squared_error,
              f"{_REG}:squared_error", info={"input_space": "real"}),
        _loss("optax.losses.l2_loss", "squared_error", L.l2_loss,
              f"{_REG}:l2_loss (0.5 * squared_error)", conventions={"scale": 0.5},
              info={"input_space": "real", "defaults": "0.5 (p - t)^2 (Bishop's convention)"}),
        _loss("optax.losses.huber_loss", "huber", L.huber_loss,
              f"{_REG}:huber_loss (0.5 min(|e|,d)^2 + d (|e| - min(|e|,d)))",
              conventions={"delta": 1.0}, info={"input_space": "real", "defaults": "delta=1.0"}),
        _loss("optax.losses.log_cosh", "log_cosh", L.log_cosh,
              f"{_REG}:log_cosh (logaddexp(e, -e) - log 2)", info={"input_space": "real"}),
        _loss("optax.losses.cosine_similarity", "cosine_similarity", L.cosine_similarity,
              f"{_REG}:cosine_similarity (epsilon=0 clips each squared norm)",
              conventions={"axis": -1},
              info={"input_space": "real", "epsilon": "0.0 (clip of squared norms)"}),
        _loss("optax.losses.cosine_distance", "cosine_distance", L.cosine_distance,
              f"{_REG}:cosine_distance (1 - cosine_similarity; epsilon=0 clips each squared "
              "norm)", conventions={"axis": -1},
              info={"input_space": "real", "epsilon": "0.0 (clip of squared norms)"}),
        *_kl_bindings(L),
        *_triplet_bindings(L),
        *_ntxent_bindings(L),
        *_dice_bindings(L),
        *_ranking_bindings(L),
        _loss("optax.losses.ctc_loss (paddings from lengths)", "ctc", _ctc_from_lengths(L.ctc_loss),
              f"{_CLS}:ctc_loss -> ctc_loss_with_forward_probs (log_epsilon=-1e5 for log 0)",
              args=("y_pred", "y_true", "input_lengths", "label_lengths"),
              conventions={"input_space": "logits", "blank": 0, "log_epsilon": -1e5},
              label_dtype="int32", output_dtype="float64",
              notes="returns float64 for every logits dtype under jax_enable_x64 (float32 "
                    "without x64): the lattice starts from jnp.ones(...) * log_epsilon, whose "
                    "default dtype is jnp.float_",
              info={"input_space": "logits", "labels": "index, padded",
                    "defaults": "blank_id=0, log_epsilon=-1e5; lengths given as 0/1 paddings "
                                "(1 past each length), built here from the case's lengths"}),
        *_ctc_forward_probs_bindings(L),
    ]


def _ctc_from_lengths(ctc_loss: Any, output: int | None = None) -> Any:
    """optax's ``ctc_loss(logits, logit_paddings, labels, label_paddings)`` called with
    lengths: padding[n, t] = 1.0 where t >= length[n], in the logits' dtype. ``output``:
    the element of ctc_loss_with_forward_probs's tuple to return; the lattices (T, B, .)
    transposed to the reference's batch-major (B, T, .) (exact)."""
    import jax.numpy as jnp

    def call(logits: Any, labels: Any, input_lengths: Any, label_lengths: Any) -> Any:
        frames = jnp.arange(logits.shape[1])[None, :] >= input_lengths[:, None]
        slots = jnp.arange(labels.shape[1])[None, :] >= label_lengths[:, None]
        out = ctc_loss(logits, frames.astype(logits.dtype), labels, slots.astype(logits.dtype))
        if output is None:
            return out
        return out[0] if output == 0 else jnp.transpose(out[output], (1, 0, 2))

    return call


def _ctc_forward_probs_bindings(L: Any) -> list[Any]:
    """optax.losses.ctc_loss_with_forward_probs: (per_seq_loss, logalpha_phi,
    logalpha_emit), one binding per lattice (per_seq_loss is what optax.losses.ctc_loss
    returns, bit for bit, and its binding checks it; tests/test_adapter_jax.py holds the
    two equal). Its lattice starts from log_epsilon = -1e5
    rather than log 0 and adds log_epsilon to the forbidden arcs (declared: the reference's
    log_epsilon); logalpha_phi's last row also takes the final epsilon arc emit -> blank
    (close_last_frame), which is where the loss is read."""
    fn = getattr(L, "ctc_loss_with_forward_probs", None)
    if fn is None:
        return []
    where = (f"{_CLS}:ctc_loss_with_forward_probs (log_epsilon=-1e5: jnp.ones(...) * "
             "log_epsilon start, log_epsilon * repeat on the arcs; logit paddings carry the "
             "previous row; logalpha_phi.at[-1].set(update_phi_score(phi[-1], emit[-1])))")
    args = ("y_pred", "y_true", "input_lengths", "label_lengths")
    conv = {"input_space": "logits", "blank": 0, "log_epsilon": -1e5}
    info = {"input_space": "logits", "labels": "index, padded",
            "defaults": "blank_id=0, log_epsilon=-1e5; lengths given as 0/1 paddings (1 past "
                        "each length), built here from the case's lengths",
            "epsilon": "log_epsilon=-1e5 for log 0: impossible states and the infeasible "
                       "loss are finite (~ multiples of -1e5)"}
    notes = ("float64 under jax_enable_x64 for every logits dtype (log_softmax rounds in the "
             "logits' dtype, the lattice runs in jnp.float_); the lattice covers every label "
             "slot, padding included (label_paddings only pick the loss's state)")
    out = [
        _loss("optax.losses.ctc_loss_with_forward_probs[1] (logalpha_phi, batch-major)",
              "ctc_log_alpha_blank", _ctc_from_lengths(fn, 1), where, args=args,
              conventions={**conv, "close_last_frame": True}, label_dtype="int32",
              output_dtype="float64", notes=notes,
              info={**info, "default_reduction": "none (the (T, B, N + 1) lattice)"}),
        _loss("optax.losses.ctc_loss_with_forward_probs[2] (logalpha_emit, batch-major)",
              "ctc_log_alpha_label", _ctc_from_lengths(fn, 2), where, args=args,
              conventions=conv, label_dtype="int32", output_dtype="float64", notes=notes,
              info={**info, "default_reduction": "none (the (T, B, N) lattice)"}),
    ]
    return out


def _kl_bindings(L: Any) -> list[Any]:
    """optax's KL losses from log-predictions, summed over axis=-1 (``where=None``).
    generalized_kl_divergence is optax >= 0.2.4; convex_kl_divergence its deprecated alias."""
    logq = {"input_space": "log_probabilities", "defaults": "axis=-1, where=None"}
    zero = ("targets * (where(targets == 0, 0, log(targets)) - log_predictions): "
            "0 * (-inf) = NaN where t = 0 and q = 0")
    out = [
        _loss("optax.losses.kl_divergence", "kl_div_log_input", L.kl_divergence,
              f"{_CLS}:kl_divergence ({zero}; jnp.sum over axis)",
              conventions={"axis": -1, "log_target": False}, info={**logq, "labels": "soft"}),
        _loss("optax.losses.kl_divergence_with_log_targets", "kl_div_log_input",
              L.kl_divergence_with_log_targets,
              f"{_CLS}:kl_divergence_with_log_targets (exp(lt) * (lt - log_predictions))",
              conventions={"axis": -1, "log_target": True},
              info={**logq, "labels": "log_probabilities"}),
    ]
    # the KL between two policies from their logits the way ports write it
    import jax

    out.append(_loss(
        "optax.losses.kl_divergence_with_log_targets(jax.nn.log_softmax(b), "
        "jax.nn.log_softmax(a))", "softmax_kl_divergence",
        lambda b, a: L.kl_divergence_with_log_targets(jax.nn.log_softmax(b),
                                                      jax.nn.log_softmax(a)),
        f"{_CLS}:kl_divergence_with_log_targets (exp(lt) * (lt - log_predictions)); "
        "jax/_src/nn/functions.py:log_softmax",
        conventions={"axis": -1},
        regimes=(*LOGITS_PAIR_REGIMES, "nan_inf"),
        info={"input_space": "logits (y_true the target's, y_pred the prediction's)"}))
    gen = "kl_divergence(...) + sum(exp(log_predictions) - targets)"
    for name in ("generalized_kl_divergence", "convex_kl_divergence"):
        fn = getattr(L, name, None)
        if fn is not None:
            out.append(_loss(
                f"optax.losses.{name}", "generalized_kl_div_log_input", fn,
                f"{_CLS}:{name} ({gen}"
                + ("; deprecated alias, warn_deprecated_function)" if "convex" in name else ")"),
                conventions={"axis": -1}, info={**logq, "labels": "soft"}))
    return out


def _triplet_bindings(L: Any) -> list[Any]:
    """optax.losses.triplet_margin_loss (optax >= 0.2.4; absent from 0.2.3)."""
    fn = getattr(L, "triplet_margin_loss", None)
    if fn is None:
        return []
    import functools

    where = ("optax/losses/_self_supervised.py:triplet_margin_loss "
             "((sum (a - p)^norm_degree + eps)^(1/norm_degree), jnp.maximum(., 0))")
    info = {"input_space": "embeddings", "defaults": "axis=-1, norm_degree=2, margin=1.0, eps=1e-6",
            "epsilon": "eps=1e-6 added to the sum of powers, inside the root (torch adds it to "
                       "the difference)",
            "kink_grad": "jnp.maximum splits the tie: half the gradient at z == 0"}
    conv = {"margin": 1.0, "p": 2.0, "eps": 1e-6, "eps_mode": "sum"}
    args = ("anchor", "positive", "negative")
    return [
        _loss("optax.losses.triplet_margin_loss", "triplet_margin", fn, where, conventions=conv,
              grad_conventions={"grad_at_margin": 0.5}, args=args, info=info),
        _loss("optax.losses.triplet_margin_loss(norm_degree=1)", "triplet_margin",
              functools.partial(fn, norm_degree=1), where, conventions={**conv, "p": 1.0},
              grad_conventions={"grad_at_margin": 0.5}, args=args, info=info),
    ]


def _ranking_bindings(L: Any) -> list[Any]:
    """optax.losses.ranking_softmax_loss (optax/losses/_ranking.py; the same code in 0.2.3
    and 0.2.8 but for type checks): labels *= weights after the mask, -sum(labels *
    log_softmax(logits), where=where) with masked logits at -inf; _safe_reduce then
    reduces over the lists with jnp.any(where, -1), and turns a NaN jnp.mean of no list
    into 0 (unless the losses hold a NaN)."""
    fn = getattr(L, "ranking_softmax_loss", None)
    if fn is None:
        return []
    import functools

    import jax.numpy as jnp

    src = ("optax/losses/_ranking.py:ranking_softmax_loss (labels * weights, masked logits "
           "-inf, -sum(labels * log_softmax, where=where)), _safe_reduce")
    info = {"input_space": "scores", "labels": "relevance >= 0, not normalised",
            "default_reduction": "jnp.mean over the lists (with where: those holding a "
                                 "valid item); a mean over no list is 0"}
    mean = {"reduction": "mean", "mean_of_empty": 0.0}
    lists = ("y_pred", "y_true")
    return [
        _loss("optax.losses.ranking_softmax_loss", "ranking_softmax_cross_entropy", fn, src,
              conventions=mean, info=info,
              regimes=("typical", "zero_labels", "large", "ties", "single", "nan", "neg_inf")),
        _loss("optax.losses.ranking_softmax_loss(where=)", "ranking_softmax_cross_entropy", fn,
              src, args=(*lists, "where=where"), conventions=mean, info=info,
              regimes=("typical", "masked_lists", "all_masked", "nan", "neg_inf")),
        _loss("optax.losses.ranking_softmax_loss(weights=)", "ranking_softmax_cross_entropy",
              fn, src, args=(*lists, "weights=weights"), conventions=mean, info=info,
              regimes=("typical", "binary", "large")),
        _loss("optax.losses.ranking_softmax_loss(where=, weights=, reduce_fn=jnp.sum)",
              "ranking_softmax_cross_entropy", functools.partial(fn, reduce_fn=jnp.sum), src,
              args=(*lists, "where=where", "weights=weights"), conventions={"reduction": "sum"},
              info={**info, "reduction": "reduce_fn=jnp.sum"},
              regimes=("typical", "masked_lists")),
        _loss("optax.losses.ranking_softmax_loss(where=, reduce_fn=None)",
              "ranking_softmax_cross_entropy", functools.partial(fn, reduce_fn=None), src,
              args=(*lists, "where=where"), conventions={"reduction": "none"},
              info={**info, "reduction": "reduce_fn=None: one loss per list, 0 for a "
                                          "fully masked list"},
              regimes=("typical", "masked_lists", "all_masked")),
    ]


def _ntxent_bindings(L: Any) -> list[Any]:
    """optax.losses.ntxent (optax >= 0.2.3): cosine similarities through
    cosine_similarity(epsilon=jnp.finfo(embeddings.dtype).eps), which clips each squared
    norm at the dtype's machine epsilon: one binding per dtype, each declaring its eps.
    optax 0.2.3's ntxent passes no epsilon (cosine_similarity's default 0: no clamp, a
    zero vector gives 0/0 = NaN): eps=0 is declared there."""
    fn = getattr(L, "ntxent", None)
    if fn is None:
        return []
    import functools
    import inspect

    import ml_dtypes
    # whether this optax's ntxent passes an epsilon to cosine_similarity (read from its
    # source: 0.2.8 passes finfo(dtype).eps, 0.2.3 none; the release that changed it is
    # not pinned down here). Without its source (a zipped or compiled install): 0.2.8's.
    try:
        clips = "epsilon" in inspect.getsource(fn)
    except (OSError, TypeError):
        clips = True

    where = ("optax/losses/_self_supervised.py:ntxent (cosine_similarity("
             + ("epsilon=finfo(dtype).eps" if clips else "no epsilon: 0") + ") / temperature; "
             "-sum over positive pairs of log softmax against the row's negatives / "
             "matches.sum())")
    info = {"input_space": "embeddings", "labels": "index (same label: positive pair)",
            "default_reduction": "mean over the positive pairs (NaN without one)",
            "defaults": "temperature=0.07"}
    out = []
    for dtype in ("float16", "bfloat16", "float32", "float64"):
        eps = float(ml_dtypes.finfo(dtype).eps)
        conv = {"temperature": 0.07, "eps": eps if clips else 0.0, "reduction": "mean"}
        eps_info = {**info, "epsilon": f"{eps!r} = finfo({dtype}).eps, clip of squared norms"
                    if clips else "none (a zero vector gives NaN)"}
        out.append(_loss(f"optax.losses.ntxent on {dtype}", "ntxent", fn, where,
                         conventions=conv, dtypes=(dtype,), info=eps_info))
        if dtype in ("float32", "float64"):
            out.append(_loss(f"optax.losses.ntxent(temperature=0.5) on {dtype}", "ntxent",
                             functools.partial(fn, temperature=0.5), where,
                             conventions={**conv, "temperature": 0.5}, dtypes=(dtype,),
                             info=eps_info))
    return out


def _dice_bindings(L: Any) -> list[Any]:
    """optax.losses.dice_loss and binary_dice_loss (optax/losses/_segmentation.py, optax
    >= 0.2.6): per (sample, class) Tversky ratio over the spatial axes (all but the first
    and the last; none for (N, C)), smooth = 1 in numerator and denominator, alpha on
    P - I (false positives), beta on T - I; softmax over the classes (sigmoid for one
    channel), class_weights, then the mean over the classes."""
    dice, binary = getattr(L, "dice_loss", None), getattr(L, "binary_dice_loss", None)
    if dice is None:
        return []
    import functools

    where = "optax/losses/_segmentation.py:dice_loss"
    conv = {"axis": "spatial", "smooth": 1.0, "input_space": "softmax_logits", "mean_axis": -1}
    info = {"input_space": "logits (softmax over the last axis)", "labels": "one-hot masks",
            "defaults": "smooth=1, alpha=beta=0.5, reduction='mean' over classes, axis = "
                        "spatial (all but first and last)"}
    seg = ("spatial", "absent_class", "perfect_overlap", "empty_masks")  # C = 3
    p = functools.partial
    out = [
        _loss("optax.losses.dice_loss", "tversky", dice, where, conventions=conv, info=info),
        _loss("optax.losses.dice_loss(alpha=0.3, beta=0.7)", "tversky",
              p(dice, alpha=0.3, beta=0.7), where,
              conventions={**conv, "alpha": 0.3, "beta": 0.7}, info=info),
        _loss("optax.losses.dice_loss(reduction='none')", "tversky", p(dice, reduction="none"),
              where, conventions={k: v for k, v in conv.items() if k != "mean_axis"},
              info={**info, "default_reduction": "none (per sample and class)"}),
        _loss("optax.losses.dice_loss(class_weights=(0.5, 1.0, 2.0))", "tversky",
              _with_class_weights(dice, (0.5, 1.0, 2.0)), where, regimes=seg,
              conventions={**conv, "class_weight": (0.5, 1.0, 2.0)}, info=info),
        # the probabilities path checks jnp.allclose(sum over classes, 1, rtol=1e-5) in
        # Python: it cannot be traced (jax.jit, jax.vjp's jitted pullback: a
        # TracerBoolConversionError), so it runs eagerly, values only; all-zero and NaN
        # predictions raise, and so do half-precision softmax rows (sums off by 2^-11)
        _loss("optax.losses.dice_loss(apply_softmax=False)", "tversky",
              p(dice, apply_softmax=False), where + " (ValueError unless rows sum to 1)",
              conventions={**conv, "input_space": "probabilities"}, grad=False,
              dtypes=("float32", "float64"),
              regimes=("typical", "spatial", "absent_class", "perfect_overlap", "soft_labels",
                       "near_01", "single", "empty"),
              info={**info, "input_space": "probabilities (rows must sum to 1)",
                    "execution": "eager"}),
    ]
    generalized = getattr(L, "multiclass_generalized_dice_loss", None)
    if generalized is not None:
        # class weights 1 / (F_c^2 + 1e-7) from the targets' class counts, mean 1; the mean
        # over every (sample, class) value
        out.append(_loss("optax.losses.multiclass_generalized_dice_loss", "tversky",
                         generalized,
                         "optax/losses/_segmentation.py:multiclass_generalized_dice_loss",
                         conventions={"axis": "spatial", "smooth": 1.0,
                                      "input_space": "softmax_logits",
                                      "class_weight": "inverse_square_frequency",
                                      "reduction": "mean"},
                         info={**info, "defaults": "smooth=1, class weights from the targets, "
                                                   "one scalar"}))
    if binary is not None:
        # (N, ...) predictions get a channel axis, sigmoid, and the sums run over every
        # axis but the first
        out.append(_loss("optax.losses.binary_dice_loss", "tversky", binary,
                         "optax/losses/_segmentation.py:binary_dice_loss -> dice_loss",
                         conventions={"axis": "per_sample", "smooth": 1.0,
                                      "input_space": "sigmoid_logits"},
                         info={"input_space": "logits (sigmoid)", "labels": "binary masks",
                               "defaults": "smooth=1, one value per sample"}))
    return out


def _with_class_weights(dice: Any, weights: tuple[float, ...]) -> Any:
    """dice_loss with class_weights in the predictions' dtype (a float64 array would
    promote a float32 loss to float64 under x64)."""
    import jax.numpy as jnp

    def call(predictions: Any, targets: Any) -> Any:
        return dice(predictions, targets,
                    class_weights=jnp.asarray(weights, dtype=predictions.dtype))

    return call


def bindings() -> list[Any]:
    """Every ``jax.nn`` activation, ``jax.scipy.special`` function and optax loss that
    matches a reference function, with its conventions (read from jax 0.10 / optax 0.2.8
    sources; file and function in each ``info["source"]``)."""
    import dataclasses

    import jax

    _enable_x64()
    # Every call runs under jax.jit, as JAX code runs in practice: one XLA program per
    # case. Op by op, JAX compiles every primitive for every shape and dtype on first use
    # (measured: 0.4 s a case for jax.nn.gelu, ten times torch's), which made the JAX
    # backend alone take about 20 minutes on two cores.
    return [b if b.info.get("execution") == "eager" else
            dataclasses.replace(b, call=jax.jit(b.call), info={**b.info, "execution": "jax.jit"})
            for b in (*_activation_bindings(), *_special_bindings(), *_optax_bindings())]
