"""scikit-learn adapter: the ``sklearn.metrics`` losses and accuracy scores.

NumPy in, a Python float out (``output_dtype="float64"``), no autodiff (``grad=False``).
scikit-learn takes ``(y_true, y_pred)`` and always reduces: ``normalize=True`` / the
default is the mean (``np.average``, so with ``sample_weight`` it is the weighted mean
Σ w·l / Σ w), ``normalize=False`` the (weighted) sum.

Classification metrics infer the set of classes from ``y_true`` unless ``labels`` is
given; a batch that happens to miss a class would then fail or change meaning, so the
multiclass bindings pass ``labels=np.arange(n_classes)`` (visible in the api name).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._binding import Backend, Binding
from ._numpy_backend import numpy_backend

__all__ = ["backend", "bindings"]

_CLS = "sklearn/metrics/_classification.py"
_RANK = "sklearn/metrics/_ranking.py"
_REG = "sklearn/metrics/_regression.py"
_SW = "sample_weight=sample_weight"

# scikit-learn's input validation (check_array) rejects NaN/inf, empty batches and arrays
# of more than two dimensions with a ValueError: by contract, not a numerical divergence.
# The bindings run on the regimes inside that domain; the skipped ones are named in notes.
_DOMAIN = "check_array: 1-D/2-D only, no NaN/inf, at least one sample (ValueError)"
_SPARSE_PROB = ("typical", "many_classes", "single", "near_01", "exact_01", "unnormalised")
_SPARSE_LOGITS = ("typical", "many_classes", "single", "large", "extreme", "ties")
_BINARY_2D = ("typical", "near_01", "exact_01", "single")  # hard 0/1 labels only
_BINARY_1D = ("near_01", "exact_01")
_REGRESSION = ("typical", "large", "kinks", "zeros", "single")
_NONNEG = ("typical", "zeros", "large", "single")
_TOPK = ("typical", "ties", "many_classes", "single")


def backend(device: str = "cpu") -> Backend:
    """The scikit-learn :class:`Backend` (NumPy arrays, CPU only, no autodiff)."""
    import sklearn

    if device != "cpu":
        raise ValueError(f"device must be 'cpu' for sklearn, got {device!r}")
    return numpy_backend("sklearn", sklearn.__version__, ("scikit-learn",))


def _b(api: str, kind: str, reference: str, call: Any, source: str, *,
       weighted: bool = False, info: dict[str, Any] | None = None, **fields: Any) -> Binding:
    """A binding taking ``(y_true, y_pred)`` (and ``sample_weight=`` when ``weighted``)."""
    args = ("y_true", "y_pred", _SW) if weighted else ("y_true", "y_pred")
    return Binding(api=f"{api}+sample_weight" if weighted else api, backend="sklearn",
                   kind=kind, reference=reference, call=call, args=args, grad=False,
                   output_dtype=fields.pop("output_dtype", "float64"), dtypes=fields.pop("dtypes", ("float16", "float32",
                                                                         "float64")),
                   info={"default_reduction": "mean", "source": source, "domain": _DOMAIN,
                         **(info or {})},
                   **fields)


def _labels(y_pred: Any) -> np.ndarray:
    return np.arange(np.shape(y_pred)[-1])


def _log_loss_bindings() -> list[Binding]:
    from sklearn.metrics import log_loss

    def multiclass(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        return log_loss(y_true, y_pred, labels=_labels(y_pred), sample_weight=sample_weight)

    def multiclass_sum(y_true: Any, y_pred: Any) -> float:
        return log_loss(y_true, y_pred, labels=_labels(y_pred), normalize=False)

    def binary(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        return log_loss(y_true, y_pred, labels=(0, 1), sample_weight=sample_weight)

    def binary_flat(y_true: Any, y_pred: Any) -> float:
        # log_loss takes 1-D P(class 1): a (N, k) batch of binary outputs is flattened.
        return log_loss(np.ravel(y_true), np.ravel(y_pred), labels=(0, 1))

    from sklearn.metrics import _classification

    # the clip lives in log_loss itself up to scikit-learn 1.7, in _log_loss from 1.8
    where = "_log_loss" if hasattr(_classification, "_log_loss") else "log_loss"
    src = f"{_CLS}:{where} (clip to [eps, 1-eps], eps = finfo(dtype).eps of the probabilities)"
    probs = {"input_space": "probabilities", "labels": "index",
             "epsilon": "finfo(dtype).eps clip; rows not renormalized (warns)"}
    out: list[Binding] = []
    # The clip epsilon is the machine epsilon of the dtype log_loss computes in: one
    # binding per dtype, each declaring its own clip_eps.
    for dtype, suffix in (("float64", ""), ("float32", " on float32"), ("float16", " on float16")):
        eps = float(np.finfo(dtype).eps)
        out.append(_b(f"sklearn.metrics.log_loss(labels=arange(C)){suffix}", "loss",
                      "sparse_categorical_cross_entropy", multiclass, src, dtypes=(dtype,),
                      regimes=_SPARSE_PROB,
                      conventions={"axis": -1, "clip_eps": eps, "reduction": "mean"},
                      info={**probs, "epsilon": f"{eps!r} = finfo({dtype}).eps"}))
    eps64 = float(np.finfo(np.float64).eps)
    out += [
        _b("sklearn.metrics.log_loss(labels=arange(C))", "loss",
           "sparse_categorical_cross_entropy", multiclass, src, weighted=True,
           dtypes=("float64",), info=probs, regimes=_SPARSE_PROB,
           conventions={"axis": -1, "clip_eps": eps64, "reduction": "weighted_mean"}),
        _b("sklearn.metrics.log_loss(labels=arange(C), normalize=False)", "loss",
           "sparse_categorical_cross_entropy", multiclass_sum, src, dtypes=("float64",),
           regimes=_SPARSE_PROB,
           conventions={"axis": -1, "clip_eps": eps64, "reduction": "sum"},
           info={**probs, "default_reduction": "sum (normalize=False)"}),
        _b("sklearn.metrics.log_loss(np.ravel(y_true), np.ravel(y_pred), labels=(0, 1))",
           "loss", "binary_cross_entropy", binary_flat, src, dtypes=("float64",),
           regimes=_BINARY_2D, conventions={"clip_eps": eps64, "reduction": "mean"},
           info={"input_space": "probabilities", "labels": "binary",
                 "epsilon": f"{eps64!r} clip"},
           notes="1-D y_proba is P(class 1); y_true must be hard 0/1 labels (soft labels "
                 "raise)"),
        _b("sklearn.metrics.log_loss(labels=(0, 1))", "loss", "binary_cross_entropy", binary,
           src, weighted=True, dtypes=("float64",), regimes=_BINARY_1D,
           conventions={"clip_eps": eps64, "reduction": "weighted_mean"},
           info={"input_space": "probabilities", "labels": "binary"}),
    ]
    return out


def _accuracy_bindings() -> list[Binding]:
    from sklearn.metrics import accuracy_score, hamming_loss, top_k_accuracy_score, zero_one_loss

    def count(y_true: Any, y_pred: Any) -> float:
        return accuracy_score(y_true, y_pred, normalize=False)

    def mismatches(y_true: Any, y_pred: Any) -> float:
        return zero_one_loss(y_true, y_pred, normalize=False)

    def top_k(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        return top_k_accuracy_score(y_true, y_pred, labels=_labels(y_pred),
                                    sample_weight=sample_weight)

    acc = f"{_CLS}:accuracy_score (_average of y_true == y_pred)"
    zol = f"{_CLS}:zero_one_loss (1 - accuracy_score, or n - count with normalize=False)"
    ham = f"{_CLS}:hamming_loss (_average of y_true != y_pred on 1-d labels)"
    # argsort(kind="mergesort")[:, ::-1]: among tied scores the HIGHER class index ranks first.
    topk = f"{_RANK}:top_k_accuracy_score (argsort mergesort, reversed)"
    tk_info = {"input_space": "real", "labels": "index", "defaults": "k=2, normalize=True",
               "ties": "last (reversed stable mergesort: higher index wins)"}
    return [
        # Label arrays only: the case's float dtype plays no part, one dtype is enough.
        _b("sklearn.metrics.accuracy_score", "metric", "label_accuracy", accuracy_score, acc,
           conventions={"normalize": True}, info={"labels": "index"}, dtypes=("float64",)),
        _b("sklearn.metrics.accuracy_score", "metric", "label_accuracy", accuracy_score, acc,
           weighted=True, conventions={"normalize": True}, info={"labels": "index"}),
        _b("sklearn.metrics.accuracy_score(normalize=False)", "metric", "label_accuracy",
           count, acc, conventions={"normalize": False}, dtypes=("float64",),
           info={"labels": "index", "default_reduction": "count (normalize=False)"}),
        _b("sklearn.metrics.zero_one_loss", "metric", "zero_one_loss", zero_one_loss, zol,
           conventions={"normalize": True}, dtypes=("float64",),
           info={"labels": "index", "defaults": "normalize=True: 1 - accuracy_score"}),
        _b("sklearn.metrics.zero_one_loss", "metric", "zero_one_loss", zero_one_loss, zol,
           weighted=True, conventions={"normalize": True},
           info={"labels": "index"}),
        _b("sklearn.metrics.zero_one_loss(normalize=False)", "metric", "zero_one_loss",
           mismatches, zol, conventions={"normalize": False},
           dtypes=("float64",),
           info={"labels": "index", "default_reduction": "count (normalize=False)"}),
        _b("sklearn.metrics.hamming_loss", "metric", "zero_one_loss", hamming_loss, ham,
           conventions={"normalize": True}, dtypes=("float64",),
           info={"labels": "index"},
           notes="1-d labels only here: on a multilabel indicator hamming_loss averages every "
                 "element, zero_one_loss every row"),
        _b("sklearn.metrics.hamming_loss", "metric", "zero_one_loss", hamming_loss, ham,
           weighted=True, conventions={"normalize": True},
           info={"labels": "index"}),
        _b("sklearn.metrics.top_k_accuracy_score(labels=arange(C))", "metric",
           "top_k_accuracy", top_k, topk, info=tk_info, regimes=_TOPK,
           conventions={"k": 2, "ties": "last", "axis": -1, "reduction": "mean"},
           notes="k defaults to 2; needs n_classes >= 3 (2 classes is sklearn's binary "
                 "path, which wants 1-D scores)"),
        _b("sklearn.metrics.top_k_accuracy_score(labels=arange(C))", "metric",
           "top_k_accuracy", top_k, topk, weighted=True, info=tk_info, regimes=_TOPK,
           conventions={"k": 2, "ties": "last", "axis": -1, "reduction": "weighted_mean"}),
    ]


def _margin_bindings() -> list[Binding]:
    from sklearn.metrics import hinge_loss

    def multiclass(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        return hinge_loss(y_true, y_pred, labels=_labels(y_pred), sample_weight=sample_weight)

    def binary_flat(y_true: Any, y_pred: Any) -> float:
        # hinge_loss takes 1-D decisions: a (N, k) batch of binary outputs is flattened.
        return hinge_loss(np.ravel(y_true), np.ravel(y_pred))

    src = f"{_CLS}:hinge_loss"
    binary_note = ("binary labels go through LabelBinarizer(neg_label=-1): the smaller "
                   "label becomes -1, the larger +1, so y_true must hold both classes")
    out: list[Binding] = []
    for labels, tag in (("pm1", "with y_true in {-1, 1}"), ("01", "with y_true in {0, 1}")):
        info = {"input_space": "real", "labels": labels}
        out += [
            _b(f"sklearn.metrics.hinge_loss(np.ravel(y_true), np.ravel(y_pred)) {tag}",
               "loss", "hinge", binary_flat, src, regimes=("typical", "kinks", "large", "single"),
               conventions={"labels": labels, "reduction": "mean"}, info=info,
               notes=binary_note),
            _b(f"sklearn.metrics.hinge_loss {tag}", "loss", "hinge", hinge_loss, src,
               weighted=True, regimes=("kinks",), info=info, notes=binary_note,
               conventions={"labels": labels, "reduction": "weighted_mean"}),
        ]
    for weighted in (False, True):
        out.append(_b("sklearn.metrics.hinge_loss(labels=arange(C))", "loss",
                      "multiclass_hinge", multiclass, f"{src} (Crammer-Singer margin)",
                      weighted=weighted, regimes=_SPARSE_LOGITS,
                      conventions={"reduction": "weighted_mean" if weighted else "mean"},
                      info={"input_space": "real", "labels": "index"},
                      notes="max(0, 1 - (s[y] - max_{j != y} s[j])), averaged"))
    return out


def _regression_bindings() -> list[Binding]:
    import sklearn.metrics as m

    eps64 = float(np.finfo(np.float64).eps)
    table = [
        ("mean_squared_error", "squared_error", {}, _REGRESSION, f"{_REG}:mean_squared_error"),
        ("mean_absolute_error", "absolute_error", {}, _REGRESSION,
         f"{_REG}:mean_absolute_error"),
        ("mean_absolute_percentage_error", "absolute_percentage_error",
         {"eps": eps64, "scale": 1.0}, _REGRESSION,
         f"{_REG}:mean_absolute_percentage_error (|p - t| / max(|t|, float64 eps))"),
        ("mean_squared_log_error", "squared_log_error", {}, _NONNEG,
         f"{_REG}:mean_squared_log_error (mean_squared_error of log1p; raises for <= -1)"),
    ]
    out: list[Binding] = []
    for name, reference, conventions, regimes, source in table:
        for weighted in (False, True):
            reduction = "weighted_mean" if weighted else "mean"
            out.append(_b(f"sklearn.metrics.{name}", "loss", reference, getattr(m, name),
                          source, weighted=weighted, regimes=regimes,
                          conventions={**conventions, "reduction": reduction},
                          info={"input_space": "real",
                                "defaults": "multioutput='uniform_average'"}))
    return out


def _root_bindings() -> list[Binding]:
    from sklearn.metrics import root_mean_squared_error, root_mean_squared_log_error

    def raw(fn: Any) -> Any:
        def call(y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
            return fn(y_true, y_pred, sample_weight=sample_weight, multioutput="raw_values")
        return call

    table = [
        ("root_mean_squared_error", "root_mean_squared_error", root_mean_squared_error,
         _REGRESSION, f"{_REG}:root_mean_squared_error (xp.sqrt of mean_squared_error("
                      "multioutput='raw_values'), then _average over the outputs)"),
        ("root_mean_squared_log_error", "root_mean_squared_log_error",
         root_mean_squared_log_error, _NONNEG,
         f"{_REG}:root_mean_squared_log_error (root_mean_squared_error of log1p; raises "
         "for <= -1)"),
    ]
    out: list[Binding] = []
    for name, reference, fn, regimes, source in table:
        for weighted in (False, True):
            out += [
                _b(f"sklearn.metrics.{name}", "loss", reference, fn, source,
                   weighted=weighted, regimes=regimes,
                   conventions={"multioutput": "uniform_average"},
                   info={"input_space": "real", "defaults": "multioutput='uniform_average'"},
                   notes="the mean of each output column's root (not the root of the mean "
                         "over every element)"),
            ]
            # raw_values answers an array, not a Python float: in the inputs' dtype, except
            # that _check_sample_weight turns float16 weights into float64 (only float32
            # and float64 are kept) and _average then answers float64.
            split = (("", ("float32", "float64"), "same"),
                     (" on float16", ("float16",), "float64")) if weighted else (
                         ("", ("float16", "float32", "float64"), "same"),)
            for suffix, dtypes, out_dtype in split:
                out.append(_b(
                    f"sklearn.metrics.{name}(multioutput='raw_values'){suffix}", "loss",
                    reference, raw(fn), source, weighted=weighted, regimes=regimes,
                    dtypes=dtypes, output_dtype=out_dtype,
                    conventions={"multioutput": "raw_values"},
                    info={"input_space": "real",
                          "default_reduction": "one root per output column"}))
    return out


def _brier_bindings() -> list[Binding]:
    from sklearn.metrics import brier_score_loss

    def flat(y_true: Any, y_pred: Any) -> float:
        # brier_score_loss takes 1-D P(positive): a (N, k) batch of binary outputs is flattened
        return brier_score_loss(np.ravel(y_true), np.ravel(y_pred))

    def flat_unhalved(y_true: Any, y_pred: Any) -> float:
        return brier_score_loss(np.ravel(y_true), np.ravel(y_pred), scale_by_half=False)

    def flat_pos0(y_true: Any, y_pred: Any) -> float:
        # the labels recoded so that 0 is the class y_pred is the probability of
        return brier_score_loss(1 - np.ravel(y_true), np.ravel(y_pred), pos_label=0)

    def flat_pm1(y_true: Any, y_pred: Any) -> float:
        return brier_score_loss(2 * np.ravel(y_true) - 1, np.ravel(y_pred))

    def multiclass(y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        return brier_score_loss(y_true, y_pred, labels=_labels(y_pred),
                                sample_weight=sample_weight)

    def multiclass_halved(y_true: Any, y_pred: Any) -> float:
        return brier_score_loss(y_true, y_pred, labels=_labels(y_pred), scale_by_half=True)

    src = (f"{_CLS}:brier_score_loss (1-D y_proba: _validate_binary_probabilistic_prediction "
           "stacks [1 - p, p] against [1 - y, y]; (n, C): "
           "_validate_multiclass_probabilistic_prediction; row sums of squares, _average, "
           "times 0.5 where scale_by_half, 'auto' = C < 3)")
    binary = {"input_space": "probabilities", "labels": "binary",
              "defaults": "scale_by_half='auto': halved (binary)"}
    note = ("1-D y_proba is P(pos_label); y_true must be binary (hard labels: soft labels "
            "raise)")
    index = {"input_space": "probabilities", "labels": "index",
             "defaults": "scale_by_half='auto': not halved for C >= 3"}
    mnote = ("labels=arange(C): the class set is not inferred from the batch; rows not "
             "summing to 1 warn and are not renormalised")
    return [
        _b("sklearn.metrics.brier_score_loss(np.ravel(y_true), np.ravel(y_pred))", "loss",
           "brier_score", flat, src, regimes=_BINARY_2D, info=binary, notes=note,
           conventions={"scale": 1.0, "reduction": "mean"}),
        _b("sklearn.metrics.brier_score_loss(np.ravel(y_true), np.ravel(y_pred), "
           "scale_by_half=False)", "loss", "brier_score", flat_unhalved, src,
           regimes=_BINARY_2D, info=binary, notes=note,
           conventions={"scale": 2.0, "reduction": "mean"}),
        _b("sklearn.metrics.brier_score_loss(1 - np.ravel(y_true), np.ravel(y_pred), "
           "pos_label=0)", "loss", "brier_score", flat_pos0, src, regimes=_BINARY_2D,
           info=binary, notes=note, conventions={"scale": 1.0, "reduction": "mean"}),
        _b("sklearn.metrics.brier_score_loss with y_true in {-1, 1}", "loss", "brier_score",
           flat_pm1, src, regimes=_BINARY_2D, info={**binary, "labels": "pm1"},
           notes=note + "; pos_label inferred as 1 for {-1, 1}",
           conventions={"scale": 1.0, "reduction": "mean"}),
        _b("sklearn.metrics.brier_score_loss", "loss", "brier_score", brier_score_loss, src,
           weighted=True, regimes=_BINARY_1D, info=binary, notes=note,
           conventions={"scale": 1.0, "reduction": "weighted_mean"}),
        _b("sklearn.metrics.brier_score_loss(labels=arange(C))", "loss",
           "multiclass_brier_score", multiclass, src, regimes=_SPARSE_PROB, info=index,
           notes=mnote, conventions={"axis": -1, "scale": 1.0, "reduction": "mean"}),
        _b("sklearn.metrics.brier_score_loss(labels=arange(C))", "loss",
           "multiclass_brier_score", multiclass, src, weighted=True, regimes=_SPARSE_PROB,
           info=index, notes=mnote,
           conventions={"axis": -1, "scale": 1.0, "reduction": "weighted_mean"}),
        _b("sklearn.metrics.brier_score_loss(labels=arange(C), scale_by_half=True)", "loss",
           "multiclass_brier_score", multiclass_halved, src, regimes=_SPARSE_PROB,
           info=index, notes=mnote,
           conventions={"axis": -1, "scale": 0.5, "reduction": "mean"}),
    ]


def bindings() -> list[Binding]:
    """The ``sklearn.metrics`` functions that match a reference function (conventions
    read from scikit-learn 1.9.1: the file and function in each ``info["source"]``)."""
    import sklearn  # noqa: F401  (ImportError here makes the backend skip)

    return [*_log_loss_bindings(), *_accuracy_bindings(), *_margin_bindings(),
            *_regression_bindings(), *_root_bindings(), *_brier_bindings()]
