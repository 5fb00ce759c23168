"""The cross-entropy family: binary and categorical, on probabilities, logits and
log-probabilities, with integer or soft labels, and the focal / poly-1 variants.

Everything takes ``(y_pred, y_true)`` in that order plus keyword-only conventions whose
default is the exact mathematics (no clipping, no epsilon, no smoothing):

=================================== ============================================================
binary_cross_entropy                probabilities; clip_eps (Keras 3), log_eps (Keras 2 backend),
                                    log_clamp (torch BCELoss -100), label_smoothing, pos_weight
sigmoid_binary_cross_entropy        logits; label_smoothing, pos_weight
binary_focal_cross_entropy          probabilities (Keras BinaryFocalCrossentropy)
sigmoid_focal_loss                  logits (optax / torchvision)
categorical_cross_entropy           probabilities, soft targets; clip_eps, renormalize (Keras)
softmax_cross_entropy               logits, soft targets; label_smoothing, class_weight (torch)
log_softmax_cross_entropy           log-probabilities, soft targets
categorical_focal_cross_entropy     probabilities (Keras CategoricalFocalCrossentropy)
poly1_cross_entropy                 logits (optax poly_loss_cross_entropy)
sparse_categorical_cross_entropy    probabilities, int labels; clip_eps, renormalize, ignore_index
sparse_softmax_cross_entropy        logits, int labels; class_weight, ignore_index, label_smoothing
nll_loss                            log-probabilities, int labels (torch F.nll_loss)
linear_cross_entropy                features x, a weight matrix (C, F) and int labels: the
                                    logits x W^T + b never rounded (``_linear_ce.py``; takes
                                    (x, linear_weight, y_true), its VJP is w.r.t. x)
binary_sparsemax_loss               logits, 0/1 labels: sparse_plus(-t z) (optax sparsemax_loss)
multiclass_sparsemax_loss           logits, int labels: the Fenchel-Young loss of sparsemax
                                    (optax multiclass_sparsemax_loss; ``_sparsemax_losses.py``)
ctc                                 sequences: logits or log-probabilities (N, T, C), padded int
                                    labels (N, S), input and label lengths; blank, per_label,
                                    zero_infinity, log_epsilon (``_ctc.py``; its VJP takes all
                                    four inputs)
ctc_log_alpha_blank                 the CTC forward lattice's blank states log alpha_t(2k), (N, T,
                                    S + 1); log_epsilon, close_last_frame (optax's logalpha_phi;
                                    ``_ctc_lattice.py``)
ctc_log_alpha_label                 its label (emit) states log alpha_t(2k + 1), (N, T, S)
                                    (optax's logalpha_emit)
generalized_cross_entropy           probabilities, int labels: (1 - p_y^q) / q (Keras
                                    categorical_generalized_cross_entropy)
ranking_softmax_cross_entropy       scores [..., list], relevance labels >= 0 (not normalised),
                                    item mask ``where`` and ``weights``; per list, sum or mean
                                    over unmasked lists (optax ranking_softmax_loss;
                                    ``_ranking.py``)
=================================== ============================================================

Each has a ``<name>_vjp(g, y_pred, y_true, **kwargs)``: the gradient w.r.t. y_pred of
Σ g · loss, g shaped like the (reduced) output. Implementation in the private modules
``_crossentropy_{common,binary,categorical,sparse}.py``.
"""

from __future__ import annotations

from ._crossentropy_binary import (
    binary_cross_entropy,
    binary_cross_entropy_vjp,
    binary_focal_cross_entropy,
    binary_focal_cross_entropy_vjp,
    sigmoid_binary_cross_entropy,
    sigmoid_binary_cross_entropy_vjp,
    sigmoid_focal_loss,
    sigmoid_focal_loss_vjp,
)
from ._crossentropy_categorical import (
    categorical_cross_entropy,
    categorical_cross_entropy_vjp,
    categorical_focal_cross_entropy,
    categorical_focal_cross_entropy_vjp,
    log_softmax_cross_entropy,
    log_softmax_cross_entropy_vjp,
    poly1_cross_entropy,
    poly1_cross_entropy_vjp,
    softmax_cross_entropy,
    softmax_cross_entropy_vjp,
)
from ._crossentropy_generalized import (
    generalized_cross_entropy,
    generalized_cross_entropy_vjp,
)
from ._crossentropy_sparse import (
    nll_loss,
    nll_loss_vjp,
    sparse_categorical_cross_entropy,
    sparse_categorical_cross_entropy_vjp,
    sparse_softmax_cross_entropy,
    sparse_softmax_cross_entropy_vjp,
)
from ._ctc import ctc, ctc_vjp
from ._ctc_lattice import (
    ctc_log_alpha_blank,
    ctc_log_alpha_blank_vjp,
    ctc_log_alpha_label,
    ctc_log_alpha_label_vjp,
)
from ._linear_ce import linear_cross_entropy, linear_cross_entropy_vjp
from ._ranking import ranking_softmax_cross_entropy, ranking_softmax_cross_entropy_vjp
from ._sparsemax_losses import (
    binary_sparsemax_loss,
    binary_sparsemax_loss_vjp,
    multiclass_sparsemax_loss,
    multiclass_sparsemax_loss_vjp,
)

KIND = "loss"

FUNCTIONS = {
    "binary_cross_entropy": binary_cross_entropy,
    "sigmoid_binary_cross_entropy": sigmoid_binary_cross_entropy,
    "binary_focal_cross_entropy": binary_focal_cross_entropy,
    "sigmoid_focal_loss": sigmoid_focal_loss,
    "categorical_cross_entropy": categorical_cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
    "log_softmax_cross_entropy": log_softmax_cross_entropy,
    "categorical_focal_cross_entropy": categorical_focal_cross_entropy,
    "poly1_cross_entropy": poly1_cross_entropy,
    "sparse_categorical_cross_entropy": sparse_categorical_cross_entropy,
    "sparse_softmax_cross_entropy": sparse_softmax_cross_entropy,
    "nll_loss": nll_loss,
    "linear_cross_entropy": linear_cross_entropy,
    "binary_sparsemax_loss": binary_sparsemax_loss,
    "multiclass_sparsemax_loss": multiclass_sparsemax_loss,
    "ctc": ctc,
    "ctc_log_alpha_blank": ctc_log_alpha_blank,
    "ctc_log_alpha_label": ctc_log_alpha_label,
    "generalized_cross_entropy": generalized_cross_entropy,
    "ranking_softmax_cross_entropy": ranking_softmax_cross_entropy,
}

VJPS = {
    "binary_cross_entropy": binary_cross_entropy_vjp,
    "sigmoid_binary_cross_entropy": sigmoid_binary_cross_entropy_vjp,
    "binary_focal_cross_entropy": binary_focal_cross_entropy_vjp,
    "sigmoid_focal_loss": sigmoid_focal_loss_vjp,
    "categorical_cross_entropy": categorical_cross_entropy_vjp,
    "softmax_cross_entropy": softmax_cross_entropy_vjp,
    "log_softmax_cross_entropy": log_softmax_cross_entropy_vjp,
    "categorical_focal_cross_entropy": categorical_focal_cross_entropy_vjp,
    "poly1_cross_entropy": poly1_cross_entropy_vjp,
    "sparse_categorical_cross_entropy": sparse_categorical_cross_entropy_vjp,
    "sparse_softmax_cross_entropy": sparse_softmax_cross_entropy_vjp,
    "nll_loss": nll_loss_vjp,
    "linear_cross_entropy": linear_cross_entropy_vjp,
    "binary_sparsemax_loss": binary_sparsemax_loss_vjp,
    "multiclass_sparsemax_loss": multiclass_sparsemax_loss_vjp,
    "ctc": ctc_vjp,
    "ctc_log_alpha_blank": ctc_log_alpha_blank_vjp,
    "ctc_log_alpha_label": ctc_log_alpha_label_vjp,
    "generalized_cross_entropy": generalized_cross_entropy_vjp,
    "ranking_softmax_cross_entropy": ranking_softmax_cross_entropy_vjp,
}

__all__ = ["FUNCTIONS", "KIND", "VJPS", *sorted(FUNCTIONS)]
