"""Which inputs each reference function takes: its *family* of regimes.

``FAMILY_OF[reference function name] -> family name``; ``FAMILIES[family]`` gives the
regime generators, the input names in reference order, and which inputs are integer
labels (everything else is cast to the case's float dtype).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import regimes as R


@dataclass(frozen=True)
class Family:
    """``inputs`` go to the reference positionally, in order. ``optional_inputs`` (an
    item mask, item weights) are drawn by every regime but reach the binding, and the
    reference as keywords of the same name, only where the binding's ``args`` name them.
    ``int_inputs`` are cast to the binding's label dtype, ``bool_inputs`` to bool, the
    rest to the case's float dtype."""

    regimes: dict[str, R.Generator]
    inputs: tuple[str, ...] = ("y_pred", "y_true")
    int_inputs: tuple[str, ...] = ()
    optional_inputs: tuple[str, ...] = ()
    bool_inputs: tuple[str, ...] = ()
    # further inputs the reference VJP differentiates, by its keyword ``wrt=NAME`` (each a
    # "grad_NAME" check beside "grad", which is w.r.t. ``grad_input``; an optional input's
    # only for the bindings that take it)
    more_grad_inputs: tuple[str, ...] = ()
    # draw with another family's seeds (a family that extends that one's regimes with an
    # input drawn last, so the shared inputs and cotangents are that family's, bit for bit)
    seed_as: str | None = None

    @property
    def grad_input(self) -> str | None:
        """The input the reference VJP differentiates (its first), or None where that is a
        target (``cross_entropy(p, q)`` takes the target first) or integer labels."""
        first = self.inputs[0]
        return None if first == "y_true" or first in self.int_inputs else first


# the loss families whose real-valued targets are differentiated too ("grad_y_true" cases)
TARGET = ("y_true",)

FAMILIES: dict[str, Family] = {
    "unary": Family(R.UNARY, ("x",)),
    "nonneg_unary": Family(R.NONNEG_UNARY, ("x",)),
    "axis": Family(R.AXIS, ("x",)),
    "binary_prob": Family(R.BINARY_PROB, more_grad_inputs=TARGET),
    "binary_logits": Family(R.BINARY_LOGITS, more_grad_inputs=TARGET),
    "categorical_prob": Family(R.categorical("probabilities", sparse=False),
                               more_grad_inputs=TARGET),
    "categorical_logits": Family(R.categorical("logits", sparse=False), more_grad_inputs=TARGET),
    "categorical_logprob": Family(R.categorical("log_probabilities", sparse=False)),
    "sparse_prob": Family(R.categorical("probabilities", sparse=True), int_inputs=("y_true",)),
    "sparse_logits": Family(R.categorical("logits", sparse=True), int_inputs=("y_true",)),
    "sparse_logprob": Family(R.categorical("log_probabilities", sparse=True), int_inputs=("y_true",)),
    "distribution": Family(R.DISTRIBUTION, ("x",)),
    "distribution_pair": Family(R.DISTRIBUTION_PAIR, more_grad_inputs=TARGET),
    # cross_entropy(p, q) takes the target distribution first (H(P, Q) as in the lessons).
    "target_first_pair": Family(R.DISTRIBUTION_PAIR, ("y_true", "y_pred")),
    "log_distribution_pair": Family(R.LOG_DISTRIBUTION_PAIR, more_grad_inputs=TARGET),
    "logits_pair": Family(R.LOGITS_PAIR, more_grad_inputs=TARGET),
    "nonneg_pair": Family(R.NONNEG_PAIR, more_grad_inputs=TARGET),
    "regression": Family(R.REGRESSION, more_grad_inputs=TARGET),
    # regression plus a variance input (drawn last; the regression seeds): its gradient
    # only for the bindings that take the variance as an input
    "gaussian": Family(R.GAUSSIAN, optional_inputs=("var",), more_grad_inputs=("y_true", "var"),
                       seed_as="regression"),
    # regression plus a normalizer (drawn last; the regression seeds), the relative error's
    "relative": Family(R.RELATIVE, ("y_pred", "y_true", "normalizer"),
                       more_grad_inputs=("y_true", "normalizer"), seed_as="regression"),
    "nonneg_regression": Family(R.NONNEG_REGRESSION, more_grad_inputs=TARGET),
    "rates": Family(R.RATES, more_grad_inputs=TARGET),
    "log_rates": Family(R.LOG_RATES, more_grad_inputs=TARGET),
    "vectors": Family(R.VECTORS, more_grad_inputs=TARGET),
    "margin": Family(R.MARGIN),
    "multilabel": Family(R.MULTILABEL, more_grad_inputs=TARGET),
    "multilabel_index": Family(R.MULTILABEL_INDEX, int_inputs=("y_true",)),
    "binary_metric": Family(R.BINARY_METRIC),
    "categorical_metric": Family(R.CATEGORICAL_METRIC),
    "sparse_metric": Family(R.SPARSE_METRIC, int_inputs=("y_true",)),
    "topk_categorical_metric": Family(R.TOPK_CATEGORICAL_METRIC),
    "topk_sparse_metric": Family(R.TOPK_SPARSE_METRIC, int_inputs=("y_true",)),
    "labels": Family(R.LABELS, int_inputs=("y_pred", "y_true")),
    "multilabel_metric": Family(R.MULTILABEL_METRIC),
    "ranking": Family(R.RANKING, ("x1", "x2", "y_true"), more_grad_inputs=("x2",)),
    "embedding_pair": Family(R.EMBEDDING_PAIR, ("x1", "x2", "y_true"), more_grad_inputs=("x2",)),
    "triplet": Family(R.TRIPLET, ("anchor", "positive", "negative"),
                      more_grad_inputs=("positive", "negative")),
    # a batch of embeddings and their integer labels (pairs are formed within the batch,
    # or against a separate reference set and its labels on demand)
    "contrastive": Family(R.CONTRASTIVE, int_inputs=("y_true", "ref_labels"),
                          optional_inputs=("ref_embeddings", "ref_labels"),
                          more_grad_inputs=("ref_embeddings",)),
    "linear_features": Family(R.LINEAR_FEATURES, ("x", "linear_weight", "y_true"),
                              int_inputs=("y_true",), more_grad_inputs=("linear_weight",)),
    "overlap": Family(R.OVERLAP, more_grad_inputs=TARGET),
    "ctc": Family(R.CTC, ("y_pred", "y_true", "input_lengths", "label_lengths"),
                  int_inputs=("y_true", "input_lengths", "label_lengths")),
    # scores [lists, items] and relevance labels; an item mask and item weights on demand
    "ranking_lists": Family(R.RANKING_LISTS, optional_inputs=("where", "weights"),
                            more_grad_inputs=TARGET,
                            bool_inputs=("where",)),
}

_UNARY = """sigmoid log_sigmoid tanh relu relu6 leaky_relu elu selu celu gelu gelu_tanh silu mish
softplus softsign hard_sigmoid hard_silu hard_tanh exponential linear threshold softshrink
hardshrink tanhshrink squareplus sparse_plus sparse_sigmoid"""

FAMILY_OF: dict[str, str] = {name: "unary" for name in _UNARY.split()}
FAMILY_OF |= {n: "axis" for n in ("softmax", "log_softmax", "softmin", "logsumexp", "logmeanexp",
                                   "sparsemax", "glu", "crelu", "softmax_entropy")}
FAMILY_OF |= {
    "binary_cross_entropy": "binary_prob",
    "binary_focal_cross_entropy": "binary_prob",
    "sigmoid_binary_cross_entropy": "binary_logits",
    "sigmoid_focal_loss": "binary_logits",
    "categorical_cross_entropy": "categorical_prob",
    "categorical_focal_cross_entropy": "categorical_prob",
    "softmax_cross_entropy": "categorical_logits",
    "poly1_cross_entropy": "categorical_logits",
    "log_softmax_cross_entropy": "categorical_logprob",
    "sparse_categorical_cross_entropy": "sparse_prob",
    "sparse_softmax_cross_entropy": "sparse_logits",
    "nll_loss": "sparse_logprob",
    "linear_cross_entropy": "linear_features",
    "binary_sparsemax_loss": "margin",
    "multiclass_sparsemax_loss": "sparse_logits",
    "ctc": "ctc",
    "ctc_log_alpha_blank": "ctc",
    "ctc_log_alpha_label": "ctc",
    "generalized_cross_entropy": "sparse_prob",
    "ranking_softmax_cross_entropy": "ranking_lists",
    "dice": "overlap",
    "tversky": "overlap",
    "entropy": "distribution",
    "entr": "nonneg_unary",
    "log1mexp": "nonneg_unary",
    "cross_entropy": "target_first_pair",
    "kl_divergence": "distribution_pair",
    "softmax_kl_divergence": "logits_pair",
    "sigmoid_kl_divergence": "logits_pair",
    "binary_kl_divergence": "binary_prob",
    "jensen_shannon": "distribution_pair",
    "jensen_shannon_distance": "distribution_pair",
    "kl_div_log_input": "log_distribution_pair",
    "generalized_kl_div_log_input": "log_distribution_pair",
    "rel_entr": "nonneg_pair",
    "kl_div_elementwise": "nonneg_pair",
    "xlogy": "nonneg_pair",
    "xlog1py": "nonneg_pair",
    "squared_error": "regression",
    "squared_norm": "unary",
    "mean_pairwise_squared_error": "regression",
    "absolute_error": "regression",
    "huber": "regression",
    "smooth_l1": "regression",
    "pseudo_huber": "regression",
    "log_cosh": "regression",
    "absolute_percentage_error": "regression",
    "squared_log_error": "nonneg_regression",
    "root_mean_squared_error": "regression",
    "root_mean_squared_log_error": "nonneg_regression",
    "brier_score": "binary_prob",
    "multiclass_brier_score": "sparse_prob",
    "poisson_nll": "rates",
    "poisson_nll_log_input": "log_rates",
    "gaussian_nll": "gaussian",
    "relative_error": "relative",
    "cosine_similarity": "vectors",
    "cosine_distance": "vectors",
    "unit_cosine_distance": "vectors",
    "hinge": "margin",
    "squared_hinge": "margin",
    "soft_margin": "margin",
    "hinge_embedding": "margin",
    "margin_ranking": "ranking",
    "cosine_embedding": "embedding_pair",
    "triplet_margin": "triplet",
    "ntxent": "contrastive",
    "circle": "contrastive",
    "perceptron": "margin",
    "categorical_hinge": "categorical_logits",
    "multilabel_soft_margin": "multilabel",
    "multilabel_margin": "multilabel_index",
    "multi_margin": "sparse_logits",
    "multiclass_hinge": "sparse_logits",
    "multiclass_perceptron": "sparse_logits",
    "binary_accuracy": "binary_metric",
    "categorical_accuracy": "categorical_metric",
    "sparse_categorical_accuracy": "sparse_metric",
    "top_k_accuracy": "topk_sparse_metric",
    "top_k_categorical_accuracy": "topk_categorical_metric",
    "exact_match_accuracy": "multilabel_metric",
    "label_accuracy": "labels",
    "zero_one_loss": "labels",
}


def seed_family(reference_name: str) -> str:
    """The family name a reference function's inputs are seeded by (its family's own, or
    the one it is ``seed_as``)."""
    return family_of(reference_name).seed_as or FAMILY_OF[reference_name]


def family_of(reference_name: str) -> Family:
    """The input family of a reference function; KeyError names it if it has none."""
    try:
        return FAMILIES[FAMILY_OF[reference_name]]
    except KeyError:
        raise KeyError(
            f"reference function {reference_name!r} has no input family in "
            "conformance/families.py FAMILY_OF"
        ) from None
