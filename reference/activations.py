"""Activation functions: the NumPy float64 reference, with analytic VJPs.

Every function takes an array ``x`` (any shape, any real dtype; computed in float64) and
keyword-only options; elementwise ones return x's shape, the softmax family keeps x's shape
(``logsumexp`` removes ``axis`` unless ``keepdims``; ``glu`` halves it). Each VJP
``name_vjp(g, x, **kwargs)`` is the gradient of ``sum(g * f(x))`` w.r.t. ``x`` (full
Jacobian for softmax, log_softmax, softmin, logsumexp, glu) and takes the subgradient at
each kink as a keyword (``grad_at_zero``, ``grad_at_max`` ...) whose default is jax's choice;
the table of framework choices is in ``reference/_activations_piecewise.py``.

Stability tricks (each named where it is used): softplus = logaddexp(x, 0); log_sigmoid =
-softplus(-x); sigmoid from exp(-|x|); exact gelu through erfc (fdlibm port in
``_special.py``, argument -x/sqrt(2) carried in double-double); gelu_tanh as x sigmoid(v);
elu/selu/celu via expm1; tanhshrink by its series below 1; derivatives with a root
(gelu, gelu_tanh, silu, mish) by their Taylor series about that root; softmax/logsumexp
shifted by the row max; log1mexp split at log 2 (expm1 below, log1p above); logmeanexp
through expm1 of the shifted row where the mean is near its max.

Validation: TypeError naming ``x`` (or ``g``) for non-numeric input; ValueError naming the
hyperparameter for bad values (non-finite, beta <= 0, lambd < 0, alpha = 0 for celu,
max_val < min_val, odd glu axis, axis out of range).
"""

from __future__ import annotations

from ._activations_gelu import gelu, gelu_tanh, gelu_tanh_vjp, gelu_vjp
from ._activations_piecewise import (
    crelu,
    crelu_vjp,
    hard_sigmoid,
    hard_sigmoid_vjp,
    hard_silu,
    hard_silu_vjp,
    hard_tanh,
    hard_tanh_vjp,
    hardshrink,
    hardshrink_vjp,
    leaky_relu,
    leaky_relu_vjp,
    relu,
    relu6,
    relu6_vjp,
    relu_vjp,
    softshrink,
    softshrink_vjp,
    sparse_plus,
    sparse_plus_vjp,
    sparse_sigmoid,
    sparse_sigmoid_vjp,
    threshold,
    threshold_vjp,
)
from ._activations_smooth import (
    celu,
    celu_vjp,
    elu,
    elu_vjp,
    exponential,
    exponential_vjp,
    linear,
    linear_vjp,
    log1mexp,
    log1mexp_vjp,
    log_sigmoid,
    log_sigmoid_vjp,
    mish,
    mish_vjp,
    selu,
    selu_vjp,
    sigmoid,
    sigmoid_vjp,
    silu,
    silu_vjp,
    softplus,
    softplus_vjp,
    softsign,
    softsign_vjp,
    squareplus,
    squareplus_vjp,
    tanh,
    tanh_vjp,
    tanhshrink,
    tanhshrink_vjp,
)
from ._activations_softmax import (
    glu,
    glu_vjp,
    log_softmax,
    log_softmax_vjp,
    logmeanexp,
    logmeanexp_vjp,
    logsumexp,
    logsumexp_vjp,
    softmax,
    softmax_vjp,
    softmin,
    softmin_vjp,
)
from ._activations_sparsemax import sparsemax, sparsemax_vjp

KIND = "activation"

FUNCTIONS = {
    "sigmoid": sigmoid, "log_sigmoid": log_sigmoid, "softmax": softmax,
    "log_softmax": log_softmax, "softmin": softmin, "logsumexp": logsumexp, "tanh": tanh,
    "relu": relu, "relu6": relu6, "leaky_relu": leaky_relu, "elu": elu, "selu": selu,
    "celu": celu, "gelu": gelu, "gelu_tanh": gelu_tanh, "silu": silu, "mish": mish,
    "softplus": softplus, "softsign": softsign, "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu, "hard_tanh": hard_tanh, "exponential": exponential,
    "linear": linear, "threshold": threshold, "softshrink": softshrink,
    "hardshrink": hardshrink, "tanhshrink": tanhshrink, "glu": glu, "squareplus": squareplus,
    "sparse_plus": sparse_plus, "sparse_sigmoid": sparse_sigmoid, "log1mexp": log1mexp,
    "logmeanexp": logmeanexp, "sparsemax": sparsemax, "crelu": crelu,
}

VJPS = {
    "sigmoid": sigmoid_vjp, "log_sigmoid": log_sigmoid_vjp, "softmax": softmax_vjp,
    "log_softmax": log_softmax_vjp, "softmin": softmin_vjp, "logsumexp": logsumexp_vjp,
    "tanh": tanh_vjp, "relu": relu_vjp, "relu6": relu6_vjp, "leaky_relu": leaky_relu_vjp,
    "elu": elu_vjp, "selu": selu_vjp, "celu": celu_vjp, "gelu": gelu_vjp,
    "gelu_tanh": gelu_tanh_vjp, "silu": silu_vjp, "mish": mish_vjp, "softplus": softplus_vjp,
    "softsign": softsign_vjp, "hard_sigmoid": hard_sigmoid_vjp, "hard_silu": hard_silu_vjp,
    "hard_tanh": hard_tanh_vjp, "exponential": exponential_vjp, "linear": linear_vjp,
    "threshold": threshold_vjp, "softshrink": softshrink_vjp, "hardshrink": hardshrink_vjp,
    "tanhshrink": tanhshrink_vjp, "glu": glu_vjp, "squareplus": squareplus_vjp,
    "sparse_plus": sparse_plus_vjp, "sparse_sigmoid": sparse_sigmoid_vjp,
    "log1mexp": log1mexp_vjp, "logmeanexp": logmeanexp_vjp, "sparsemax": sparsemax_vjp,
    "crelu": crelu_vjp,
}

__all__ = ["FUNCTIONS", "KIND", "VJPS", *sorted(FUNCTIONS)]
