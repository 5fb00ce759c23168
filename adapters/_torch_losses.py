"""PyTorch loss bindings (``torch.nn.functional`` and the ``torch.nn`` Loss modules).

Each loss is declared with torch's default ``reduction='mean'`` under its plain name and
with the ``'none'`` / ``'sum'`` variants (variant in the api name). Reduction mapping:

* elementwise losses: torch 'mean' = Σ l / numel -> reference ``reduction="mean"``;
* index-target losses (cross_entropy, nll_loss): torch 'mean' = Σ w[y] l / Σ w[y] over
  the targets that are not ``ignore_index`` (default -100) -> ``"weighted_mean"`` with
  ``ignore_index=-100`` declared;
* probability-target cross_entropy: Σ l / (number of per-sample values) -> ``"mean"``;
* kl_div: 'mean' averages over every element (torch warns that it is not the KL
  divergence); 'batchmean' divides by the batch size.

The class axis is dim 1 in torch (``(N, C)`` or spatial ``(N, C, d1, d2)``): declared as
``axis=1``. Only imported from :func:`adapters.torch_bindings.bindings`.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from ._binding import ALL_DTYPES, LOGITS_PAIR_REGIMES, Binding, release

__all__ = ["loss_bindings"]

FUNCTIONAL = "torch/nn/functional.py"
DECOMP = "torch/_decomp/decompositions.py"
REFS = "torch/_refs/nn/functional/__init__.py"
REDUCTIONS = ("mean", "none", "sum")
PAIR = ("y_pred", "y_true")
# Regimes of conformance/regimes.py categorical() per family, less many_classes: all of
# these have C = 5 classes, so a 5-entry class weight fits them (an allowlist: Binding has
# no exclusion list).
_COMMON = ("typical", "single", "empty", "spatial", "nan_inf")
SPARSE_LOGITS_5 = (*_COMMON, "large", "extreme", "ties", "ignore_index")
SOFT_LOGITS_5 = (*_COMMON, "large", "extreme", "ties", "soft_labels", "smoothed_labels")
SPARSE_LOGPROB_5 = (*_COMMON, "near_01", "extreme", "ignore_index")
CLASS_WEIGHT = (0.5, 1.0, 2.0, 1.5, 0.25)
# conformance/regimes.py LINEAR_FEATURES less many_classes (C = 5 everywhere else)
LINEAR_5 = ("typical", "large", "ties", "ignore_index", "single", "vector", "empty", "nan_inf")
# ATen's EPSILON (aten/src/ATen/native/Loss.cpp, cuda/Loss.cu: ``constexpr float EPSILON =
# 1e-12``) is a float: every dtype, float64 included, uses 1e-12 rounded to float32,
# 4.0e-9 below 1e-12 (float(np.float32(1e-12))).
ATEN_EPSILON = 9.999999960041972e-13


def clamp_grad_at_bound(version: str, bounds: str = "scalar") -> float:
    """d clamp(z, lo, hi) / dz at z == a bound in torch ``version``: the subgradient every
    function built on ``clamp``/``clamp_min``/``clip`` takes at its kink.

    1 before torch 2.14 (derivatives.yaml: ``self >= min`` passes the gradient at the
    bound); from 2.14 on the minimum-norm subgradient (pytorch/pytorch#184574): 0 with
    ``bounds="scalar"`` (Python-number bounds, as relu and hardtanh already had), 0.5 with
    ``bounds="tensor"`` (tensor bounds: the tie is split between z and the bound).
    Measured in float64 at z = 0 and z = 1 of ``clamp(z, 0, 1)``: 1 on 2.11.0 and 2.13.0
    either way; 0 (scalar) and 0.5 (tensor, one- or two-sided) on 2.14.1 and 2.15.0.
    """
    if bounds not in ("scalar", "tensor"):
        raise ValueError(f"bounds must be 'scalar' or 'tensor', got {bounds!r}")
    if release(version) < (2, 14):
        return 1.0
    return 0.0 if bounds == "scalar" else 0.5


def _kl_div(*args: Any, **kwargs: Any) -> Any:
    import torch.nn.functional as F

    with warnings.catch_warnings():
        # reduction='mean' warns that it is not the true KL divergence: expected here.
        warnings.simplefilter("ignore", UserWarning)
        return F.kl_div(*args, **kwargs)


def _with_pos_weight(fn: Callable[..., Any], value: float) -> Callable[..., Any]:
    import torch

    def call(y_pred: Any, y_true: Any) -> Any:
        weight = torch.tensor(value, dtype=y_pred.dtype, device=y_pred.device)
        return fn(y_pred, y_true, pos_weight=weight)

    return call


# Losses whose reduced result over an empty batch is uninitialised memory: the CPU kernel
# resizes the 0-d output and returns before writing it when input.numel() == 0.
# multi_margin_loss: measured -6.0e-18, 0.0, 6.6e12, -9.9e28, 6.9e-310 in successive runs;
# multilabel_margin_loss ('mean'): -1.8e-31, 1.5e-25, -1.8e-31, 1.5e-25, 1.5e-25.
UNINITIALISED_WHEN_EMPTY = {
    "multi_margin_loss": "LossMultiMargin.cpp: multi_margin_loss_out_cpu_template",
    "multilabel_margin_loss": "LossMultiLabelMargin.cpp: "
                              "multilabel_margin_loss_forward_out_cpu_template",
}


def _without_empty(regimes: tuple[str, ...], notes: str, name: str) -> tuple[tuple[str, ...], str]:
    """``name``'s reduced forms over an empty batch return uninitialised memory
    (aten/src/ATen/native/<UNINITIALISED_WHEN_EMPTY[name]>). No strict verdict exists, so
    the empty batch is not run for them."""
    return (tuple(r for r in regimes if r != "empty"),
            (notes + " Empty batch not run: the reduced result is uninitialised memory "
             f"({UNINITIALISED_WHEN_EMPTY[name]}).").strip())


def _with_var(fn: Callable[..., Any], value: float, **kwargs: Any) -> Callable[..., Any]:
    """``fn(y_pred, y_true, torch.full_like(y_pred, value), **kwargs)``: a fixed variance
    tensor in y_pred's dtype and device (built from y_pred's values, not its graph: the
    gradient is w.r.t. the prediction only)."""
    import torch

    def call(y_pred: Any, y_true: Any) -> Any:
        return fn(y_pred, y_true, torch.full_like(y_pred.detach(), value), **kwargs)

    return call


def _with_weight(fn: Callable[..., Any], weight: tuple[float, ...], **kwargs: Any) -> Callable[..., Any]:
    """``fn(y_pred, y_true, weight=<tensor in y_pred's dtype and device>, **kwargs)``."""
    import torch

    def call(y_pred: Any, y_true: Any) -> Any:
        w = torch.tensor(weight, dtype=y_pred.dtype, device=y_pred.device)
        return fn(y_pred, y_true, weight=w, **kwargs)

    return call


def _linear_ce(fn: Callable[..., Any], weight: tuple[float, ...] | None,
               **kwargs: Any) -> Callable[..., Any]:
    """``fn(x, linear_weight, y_true, weight=<class weights in x's dtype or None>, **kwargs)``."""
    import torch

    def call(x: Any, linear_weight: Any, y_true: Any) -> Any:
        w = None if weight is None else torch.tensor(weight, dtype=x.dtype, device=x.device)
        return fn(x, linear_weight, y_true, weight=w, **kwargs)

    return call


def _linear_ce_module(cls: Any) -> Callable[..., Any]:
    """``cls(in_features, num_classes)`` in x's dtype called on (x, y_true) with the case's
    weight matrix as its ``linear.weight`` (``torch.func.functional_call``: the gradient
    flows to it, as to the parameter in training)."""
    from torch.func import functional_call

    def call(x: Any, linear_weight: Any, y_true: Any) -> Any:
        module = cls(linear_weight.shape[1], linear_weight.shape[0], dtype=x.dtype)
        return functional_call(module, {"linear.weight": linear_weight}, (x, y_true))

    return call


def _time_major(fn: Callable[..., Any], **kwargs: Any) -> Callable[..., Any]:
    """``fn(log_probs (T, N, C), targets, input_lengths, target_lengths, **kwargs)`` called
    with the cases' batch-major (N, T, C) scores (a transposed view: exact)."""
    def call(y_pred: Any, y_true: Any, input_lengths: Any, label_lengths: Any) -> Any:
        return fn(y_pred.transpose(0, 1), y_true, input_lengths, label_lengths, **kwargs)

    return call


def loss_bindings(source: Callable[..., str]) -> list[Binding]:
    """The loss declarations; ``source(*where)`` formats the ``info["source"]`` string."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    out: list[Binding] = []

    def add(api: str, reference: str, call: Any, *, conventions: dict,
            info: dict, grad_conventions: dict | None = None, reduction_kw: str = "mean",
            pair: str | None = None, dtypes: tuple[str, ...] = ALL_DTYPES,
            regimes: tuple[str, ...] | None = None, notes: str = "",
            args: tuple[str, ...] = PAIR) -> None:
        facts = {k: v for k, v in info.items() if k != "where"}
        out.append(Binding(
            api=api, backend="torch", kind="loss", reference=reference, call=call,
            args=args, conventions=conventions, grad_conventions=grad_conventions or {},
            dtypes=dtypes, label_dtype="int64", pair=pair, regimes=regimes, notes=notes,
            info={"default_reduction": "mean", **facts,
                  "source": source(*info.get("where", (FUNCTIONAL,)))},
        ))

    def family(name: str, reference: str, fn: Any, *, conventions: dict, info: dict,
               mean: str = "mean", kwargs: dict | None = None, suffix: str = "",
               module: tuple[str, Any] | None = None, pair: str | None = None,
               grad_conventions: dict | None = None, dtypes: tuple[str, ...] = ALL_DTYPES,
               weight: tuple[float, ...] | None = None, regimes: tuple[str, ...] | None = None,
               notes: str = "", args: tuple[str, ...] = PAIR) -> None:
        """``fn`` with each reduction (+ its ``nn`` module form with the default one)."""
        kwargs = kwargs or {}
        shown = {**kwargs, **({"weight": list(weight)} if weight is not None else {})}
        if weight is not None:
            conventions = {**conventions, "class_weight": list(weight)}
        for reduction in REDUCTIONS:
            inner = ", ".join([*(f"{k}={v!r}" for k, v in shown.items()),
                               *([f"reduction={reduction!r}"] if reduction != "mean" else [])])
            api = f"torch.nn.functional.{name}" + (f"({inner})" if inner else "") + suffix
            twin = None
            if pair is not None:
                twin = f"torch.nn.functional.{pair}" + (
                    f"(reduction={reduction!r})" if reduction != "mean" else "")
            ref_reduction = mean if reduction == "mean" else reduction
            call = (functools.partial(fn, reduction=reduction, **kwargs) if weight is None
                    else _with_weight(fn, weight, reduction=reduction, **kwargs))
            these_regimes, these_notes = regimes, notes
            if name in UNINITIALISED_WHEN_EMPTY and reduction != "none" and regimes is not None:
                these_regimes, these_notes = _without_empty(regimes, notes, name)
            add(api, reference, call, conventions={**conventions, "reduction": ref_reduction},
                info=info, grad_conventions=grad_conventions, pair=twin, dtypes=dtypes,
                regimes=these_regimes, notes=these_notes, args=args)
        if module is not None:
            module_api, instance = module
            these_regimes, these_notes = regimes, notes
            if name in UNINITIALISED_WHEN_EMPTY and regimes is not None:
                these_regimes, these_notes = _without_empty(regimes, notes, name)
            add(module_api, reference, instance, conventions={**conventions, "reduction": mean},
                info=info, grad_conventions=grad_conventions, dtypes=dtypes,
                regimes=these_regimes, notes=these_notes, args=args)

    # -- binary cross-entropy ---------------------------------------------------------
    family("binary_cross_entropy", "binary_cross_entropy", F.binary_cross_entropy,
           conventions={"log_clamp": -100.0}, module=("torch.nn.BCELoss()", nn.BCELoss()),
           # The backward is (p - t) / max(p (1 - p), EPSILON), not the derivative of the
           # clamped forward (binary_cross_entropy_backward); the target's is -logit(p),
           # unclamped (FunctionsManual.cpp: binary_cross_entropy_target_backward).
           grad_conventions={"grad_eps": ATEN_EPSILON, "target_grad_clamped": False},
           pair="binary_cross_entropy_with_logits",
           info={"input_space": "probabilities", "labels": "soft", "epsilon":
                 "each log term clamped >= -100; backward divides by max(p(1-p), "
                 "float32(1e-12))",
                 "where": (f"{FUNCTIONAL}:binary_cross_entropy",
                           f"{DECOMP}:binary_cross_entropy, binary_cross_entropy_backward")})
    bce_logits = {"input_space": "logits", "labels": "soft",
                  "where": (f"{FUNCTIONAL}:binary_cross_entropy_with_logits",
                            f"{DECOMP}:binary_cross_entropy_with_logits")}
    family("binary_cross_entropy_with_logits", "sigmoid_binary_cross_entropy",
           F.binary_cross_entropy_with_logits, conventions={}, info=bce_logits,
           module=("torch.nn.BCEWithLogitsLoss()", nn.BCEWithLogitsLoss()))
    add("torch.nn.functional.binary_cross_entropy_with_logits(pos_weight=2.0)",
        "sigmoid_binary_cross_entropy",
        _with_pos_weight(F.binary_cross_entropy_with_logits, 2.0),
        conventions={"pos_weight": 2.0, "reduction": "mean"},
        info={**bce_logits, "defaults": "pos_weight: a tensor broadcast over the last dim"})

    # -- softmax cross-entropy, index targets (class dim 1, ignore_index=-100) ----------
    ce_where = (f"{FUNCTIONAL}:cross_entropy",
                "aten/src/ATen/native/LossNLL.cpp:cross_entropy_loss_label_smoothing")
    index = {"axis": 1, "ignore_index": -100}
    ce_info = {"input_space": "logits", "labels": "index", "where": ce_where,
               "defaults": "dim=1 is the class axis, ignore_index=-100, label_smoothing=0.0"}
    family("cross_entropy", "sparse_softmax_cross_entropy", F.cross_entropy,
           conventions=index, mean="weighted_mean", info=ce_info,
           module=("torch.nn.CrossEntropyLoss()", nn.CrossEntropyLoss()))
    family("cross_entropy", "sparse_softmax_cross_entropy", F.cross_entropy,
           conventions={**index, "label_smoothing": 0.1}, mean="weighted_mean",
           kwargs={"label_smoothing": 0.1}, info=ce_info,
           module=("torch.nn.CrossEntropyLoss(label_smoothing=0.1)",
                   nn.CrossEntropyLoss(label_smoothing=0.1)))
    family("cross_entropy", "sparse_softmax_cross_entropy", F.cross_entropy,
           conventions={"axis": 1, "ignore_index": 0}, mean="weighted_mean",
           kwargs={"ignore_index": 0}, info=ce_info)
    add("torch.nn.functional.cross_entropy(ignore_index=0, label_smoothing=0.1)",
        "sparse_softmax_cross_entropy",
        functools.partial(F.cross_entropy, ignore_index=0, label_smoothing=0.1),
        conventions={"axis": 1, "ignore_index": 0, "label_smoothing": 0.1,
                     "reduction": "weighted_mean"}, info=ce_info)
    # Class weights (C = 5 classes: every regime of the family but many_classes).
    family("cross_entropy", "sparse_softmax_cross_entropy", F.cross_entropy,
           conventions=index, mean="weighted_mean", info=ce_info, weight=CLASS_WEIGHT,
           regimes=SPARSE_LOGITS_5)
    family("cross_entropy", "sparse_softmax_cross_entropy", F.cross_entropy,
           conventions={**index, "label_smoothing": 0.1}, mean="weighted_mean", info=ce_info,
           kwargs={"label_smoothing": 0.1}, weight=CLASS_WEIGHT, regimes=SPARSE_LOGITS_5)
    # -- softmax cross-entropy, probability targets ----------------------------------
    probs_info = {**ce_info, "labels": "soft",
                  "defaults": "dim=1 is the class axis; 'mean' divides by N (x spatial size)"}
    family("cross_entropy", "softmax_cross_entropy", F.cross_entropy,
           conventions={"axis": 1}, info=probs_info, suffix=" [probability targets]",
           module=("torch.nn.CrossEntropyLoss() [probability targets]",
                   nn.CrossEntropyLoss()))
    add("torch.nn.functional.cross_entropy(label_smoothing=0.1) [probability targets]",
        "softmax_cross_entropy", functools.partial(F.cross_entropy, label_smoothing=0.1),
        conventions={"axis": 1, "label_smoothing": 0.1, "reduction": "mean"},
        info=probs_info)
    family("cross_entropy", "softmax_cross_entropy", F.cross_entropy, conventions={"axis": 1},
           info=probs_info, suffix=" [probability targets]", weight=CLASS_WEIGHT,
           regimes=SOFT_LOGITS_5)
    # -- nll_loss: log-probabilities + index targets ---------------------------------
    nll_info = {"input_space": "log_probabilities", "labels": "index",
                "defaults": "dim=1 is the class axis, ignore_index=-100",
                "where": (f"{FUNCTIONAL}:nll_loss", f"{REFS}:nll_loss, _nll_loss_nd")}
    family("nll_loss", "nll_loss", F.nll_loss, conventions=index, mean="weighted_mean",
           info=nll_info, module=("torch.nn.NLLLoss()", nn.NLLLoss()))
    family("nll_loss", "nll_loss", F.nll_loss, conventions={"axis": 1, "ignore_index": 0},
           mean="weighted_mean", kwargs={"ignore_index": 0}, info=nll_info)
    family("nll_loss", "nll_loss", F.nll_loss, conventions=index, mean="weighted_mean",
           info=nll_info, weight=CLASS_WEIGHT, regimes=SPARSE_LOGPROB_5)

    # -- linear_cross_entropy: cross_entropy(linear(x, W, b), y) (options=None) --------
    # New in torch 2.13 (torch 2.11 has neither the function nor the module): bound
    # where the installed torch has it.
    if hasattr(F, "linear_cross_entropy"):
        _bind_linear_cross_entropy(add, F, nn)

    # -- kl_div: pointwise t * (log t - input), input = log q ------------------------
    kl_info = {"input_space": "log_probabilities", "labels": "soft",
               "defaults": "reduction='mean' averages every element (warns); use 'batchmean'",
               "where": (f"{FUNCTIONAL}:kl_div",)}
    for log_target in (False, True):
        for reduction in ("mean", "batchmean", "none", "sum"):
            inner = [f"reduction={reduction!r}"] if reduction != "mean" else []
            if log_target:
                inner.append("log_target=True")
            api = "torch.nn.functional.kl_div" + (f"({', '.join(inner)})" if inner else "")
            add(api, "kl_div_log_input",
                functools.partial(_kl_div, reduction=reduction, log_target=log_target),
                conventions={"log_target": log_target, "reduction": reduction},
                info={**kl_info, "labels": "log_probabilities" if log_target else "soft"})
    add("torch.nn.KLDivLoss(reduction='batchmean')", "kl_div_log_input",
        nn.KLDivLoss(reduction="batchmean"),
        conventions={"log_target": False, "reduction": "batchmean"}, info=kl_info)
    # The KL between two policies from their logits the way ports write it (the same
    # quantity as torch.distributions.kl_divergence of two Categorical(logits=...))
    add("torch.nn.functional.kl_div(log_softmax(b), log_softmax(a), reduction='none', "
        "log_target=True).sum(-1)", "softmax_kl_divergence",
        lambda b, a: _kl_div(F.log_softmax(b, dim=-1), F.log_softmax(a, dim=-1),
                             reduction="none", log_target=True).sum(-1),
        conventions={"axis": -1},
        regimes=(*LOGITS_PAIR_REGIMES, "nan_inf"),
        info={"input_space": "logits (y_true the target's, y_pred the prediction's)",
              "default_reduction": "none, summed over the classes",
              "where": (f"{FUNCTIONAL}:kl_div, log_softmax",)})

    # -- regression -------------------------------------------------------------------
    real = {"input_space": "real", "labels": "real"}
    family("mse_loss", "squared_error", F.mse_loss, conventions={},
           info={**real, "where": (f"{FUNCTIONAL}:mse_loss", f"{DECOMP}:mse_loss")},
           module=("torch.nn.MSELoss()", nn.MSELoss()))
    family("l1_loss", "absolute_error", F.l1_loss, conventions={},
           grad_conventions={"grad_at_zero": 0.0},
           info={**real, "kink_grad": "abs'(0)=0 (sign(0))",
                 "where": (f"{FUNCTIONAL}:l1_loss", f"{REFS}:l1_loss")},
           module=("torch.nn.L1Loss()", nn.L1Loss()))
    huber_info = {**real, "defaults": "delta=1.0",
                  "where": (f"{FUNCTIONAL}:huber_loss", f"{DECOMP}:huber_loss_backward")}
    family("huber_loss", "huber", F.huber_loss, conventions={"delta": 1.0}, info=huber_info,
           module=("torch.nn.HuberLoss()", nn.HuberLoss()))
    family("huber_loss", "huber", F.huber_loss, conventions={"delta": 2.0},
           kwargs={"delta": 2.0}, info=huber_info)
    smooth_info = {**real, "defaults": "beta=1.0 (= huber_loss / delta)",
                   "where": (f"{FUNCTIONAL}:smooth_l1_loss", f"{DECOMP}:smooth_l1_loss")}
    family("smooth_l1_loss", "smooth_l1", F.smooth_l1_loss, conventions={"beta": 1.0},
           info=smooth_info, module=("torch.nn.SmoothL1Loss()", nn.SmoothL1Loss()))
    family("smooth_l1_loss", "smooth_l1", F.smooth_l1_loss, conventions={"beta": 0.5},
           kwargs={"beta": 0.5}, info=smooth_info)
    pois = {"input_space": "log_rate", "labels": "counts", "defaults": "log_input=True, "
            "full=False, eps=1e-8 (log_input=False only); full adds Stirling for t > 1",
            "where": (f"{FUNCTIONAL}:poisson_nll_loss", f"{REFS}:poisson_nll_loss")}
    family("poisson_nll_loss", "poisson_nll_log_input", F.poisson_nll_loss,
           conventions={}, info=pois,
           module=("torch.nn.PoissonNLLLoss()", nn.PoissonNLLLoss()))
    family("poisson_nll_loss", "poisson_nll_log_input", F.poisson_nll_loss,
           conventions={"stirling": True}, kwargs={"full": True}, info=pois)
    family("poisson_nll_loss", "poisson_nll", F.poisson_nll_loss, conventions={"eps": 1e-8},
           kwargs={"log_input": False}, info={**pois, "input_space": "rate",
                                              "epsilon": "log(input + 1e-8)"})
    family("poisson_nll_loss", "poisson_nll", F.poisson_nll_loss,
           conventions={"eps": 1e-8, "stirling": True},
           kwargs={"log_input": False, "full": True},
           info={**pois, "input_space": "rate", "epsilon": "log(input + 1e-8)"})

    # -- gaussian_nll_loss: a fixed variance tensor (full_like), clamped at eps=1e-6 -----
    gauss_info = {**real, "defaults": "full=False, eps=1e-6, reduction='mean'",
                  "epsilon": "var.clamp_(min=eps) under no_grad, in var's dtype",
                  "where": (f"{FUNCTIONAL}:gaussian_nll_loss",
                            "torch/nn/modules/loss.py:GaussianNLLLoss")}
    # var=1e-8 < eps shows the clamp (the reference's eps=1e-6 convention). A constant
    # variance ignores the regimes that vary it: the regression family's regimes only.
    fixed = ("typical", "large", "kinks", "zeros", "single", "empty", "nan_inf")
    for var, full in ((0.5, False), (0.5, True), (1e-8, False)):
        shown = f"var={var!r}" + (", full=True" if full else "")
        conv = {"var": var, "eps": 1e-6, "full": full}
        for reduction in REDUCTIONS if not full else ("mean",):
            inner = shown + (f", reduction={reduction!r}" if reduction != "mean" else "")
            add(f"torch.nn.functional.gaussian_nll_loss({inner})", "gaussian_nll",
                _with_var(F.gaussian_nll_loss, var, full=full, reduction=reduction),
                conventions={**conv, "reduction": reduction}, info=gauss_info,
                regimes=fixed, notes="var: torch.full_like(input, var), a constant; the "
                "gradients are w.r.t. the prediction and the target only.")
        if var == 0.5 and not full:
            add("torch.nn.GaussianNLLLoss() [var=0.5]", "gaussian_nll",
                _with_var(nn.GaussianNLLLoss(), var),
                conventions={**conv, "reduction": "mean"}, info=gauss_info, regimes=fixed)
    # var as an input (one per element, one per sample, broadcast along a size-1 axis):
    # gradients w.r.t. it too. "The clamping of var is ignored with respect to autograd"
    # (GaussianNLLLoss's note; clamp_ under no_grad): below eps its gradient is the
    # formula's at eps, where that of max(var, eps) is 0.
    var_info = {**gauss_info, "kink_grad": "d/dvar passes the clamp (straight through)"}
    for full in (False, True):
        for reduction in REDUCTIONS if not full else ("mean",):
            inner = ", ".join([*(["full=True"] if full else []),
                               *([f"reduction={reduction!r}"] if reduction != "mean" else [])])
            add("torch.nn.functional.gaussian_nll_loss" + (f"({inner})" if inner else ""),
                "gaussian_nll",
                functools.partial(F.gaussian_nll_loss, full=full, reduction=reduction),
                conventions={"eps": 1e-6, "full": full, "reduction": reduction},
                grad_conventions={"var_grad": "straight_through"}, info=var_info,
                args=("y_pred", "y_true", "var"))
    add("torch.nn.GaussianNLLLoss()", "gaussian_nll", nn.GaussianNLLLoss(),
        conventions={"eps": 1e-6, "full": False, "reduction": "mean"},
        grad_conventions={"var_grad": "straight_through"}, info=var_info,
        args=("y_pred", "y_true", "var"))

    # -- margin -------------------------------------------------------------------------
    family("soft_margin_loss", "soft_margin", F.soft_margin_loss, conventions={},
           info={"input_space": "logits", "labels": "pm1",
                 "where": (f"{FUNCTIONAL}:soft_margin_loss", f"{DECOMP}:soft_margin_loss")},
           module=("torch.nn.SoftMarginLoss()", nn.SoftMarginLoss()))
    family("multilabel_soft_margin_loss", "multilabel_soft_margin",
           F.multilabel_soft_margin_loss, conventions={},
           info={"input_space": "logits", "labels": "binary",
                 "defaults": "mean over the class (last) dim, then reduction",
                 "where": (f"{FUNCTIONAL}:multilabel_soft_margin_loss",)},
           module=("torch.nn.MultiLabelSoftMarginLoss()", nn.MultiLabelSoftMarginLoss()))
    # No Half/BFloat16 CPU kernel ("multi_margin_loss_cpu_kernel" not implemented), and the
    # input must be 2-D (no spatial form).
    margin_dtypes = ("float32", "float64")
    margin_regimes = ("typical", "many_classes", "single", "empty", "large", "extreme", "ties",
                      "nan_inf")
    family("multi_margin_loss", "multi_margin", F.multi_margin_loss,
           conventions={"p": 1, "margin": 1.0}, dtypes=margin_dtypes, regimes=margin_regimes,
           grad_conventions={"grad_at_margin": 0.0},
           info={"input_space": "logits", "labels": "index",
                 "defaults": "p=1, margin=1; per-sample sum over i != y divided by C",
                 "kink_grad": "0 where margin - x[y] + x[i] == 0",
                 "where": (f"{FUNCTIONAL}:multi_margin_loss", f"{DECOMP}:multi_margin_loss")},
           module=("torch.nn.MultiMarginLoss()", nn.MultiMarginLoss()))
    family("multi_margin_loss", "multi_margin", F.multi_margin_loss,
           conventions={"p": 2, "margin": 1.0}, kwargs={"p": 2}, dtypes=margin_dtypes,
           regimes=margin_regimes, info={"input_space": "logits", "labels": "index",
                                         "where": (f"{DECOMP}:multi_margin_loss",)})
    family("multi_margin_loss", "multi_margin", F.multi_margin_loss,
           conventions={"p": 1, "margin": 1.0}, dtypes=margin_dtypes, weight=CLASS_WEIGHT,
           grad_conventions={"grad_at_margin": 0.0},
           regimes=tuple(r for r in margin_regimes if r != "many_classes"),
           info={"input_space": "logits", "labels": "index",
                 "where": (f"{DECOMP}:multi_margin_loss",)})
    # Targets: int64 class indices, y_pred's shape, the list ending at the first -1 (every
    # entry, padding included, range-checked to [-1, C)); 1-D or 2-D only; float32/float64
    # only (AT_DISPATCH_FLOATING_TYPES: "not implemented for 'Half'" / 'BFloat16').
    family("multilabel_margin_loss", "multilabel_margin", F.multilabel_margin_loss,
           conventions={}, dtypes=margin_dtypes,
           regimes=("typical", "ties", "large", "extreme", "tail_ignored", "no_targets",
                    "all_targets", "repeats", "many_classes", "single", "vector", "empty",
                    "nan_inf"),
           grad_conventions={"grad_at_margin": 0.0},
           info={"input_space": "logits", "labels": "index lists padded with -1",
                 "defaults": "per sample: sum over target positions j (repeats counted) and "
                             "non-target classes i of max(0, 1 - x[j] + x[i]), divided by C",
                 "kink_grad": "0 where 1 - x[j] + x[i] == 0 (the kernel tests z > 0)",
                 "where": (f"{FUNCTIONAL}:multilabel_margin_loss",
                           "aten/src/ATen/native/LossMultiLabelMargin.cpp:"
                           "multilabel_margin_loss_forward_inner_sum_cpu, "
                           "multilabel_margin_loss_backward_out_frame")},
           module=("torch.nn.MultiLabelMarginLoss()", nn.MultiLabelMarginLoss()))
    # Losses on clamp_min(z, 0): their subgradient at z == 0 is torch's, by version.
    at_bound = clamp_grad_at_bound(torch.__version__)
    clamp = ("clamp_min passes its bound: the full gradient at z == 0 (torch < 2.14)"
             if at_bound else "clamp_min gives 0 at its bound (torch >= 2.14, the "
                              "minimum-norm subgradient: pytorch/pytorch#184574)")
    family("hinge_embedding_loss", "hinge_embedding", F.hinge_embedding_loss,
           conventions={"margin": 1.0},
           info={"input_space": "distance", "labels": "pm1", "defaults": "margin=1.0",
                 "kink_grad": "d/dx max(0, margin - x) at x == margin: " + clamp,
                 "where": (f"{FUNCTIONAL}:hinge_embedding_loss", f"{REFS}:hinge_embedding_loss")},
           grad_conventions={"grad_at_margin": at_bound},
           module=("torch.nn.HingeEmbeddingLoss()", nn.HingeEmbeddingLoss()))

    # -- pair and triplet embedding losses (gradient w.r.t. input1 / the anchor) ---------
    ranking = {"input_space": "scores", "labels": "pm1", "kink_grad": clamp,
               "where": (f"{FUNCTIONAL}:margin_ranking_loss", f"{REFS}:margin_ranking_loss")}
    for margin in (0.0, 0.5):
        family("margin_ranking_loss", "margin_ranking", F.margin_ranking_loss,
               conventions={"margin": margin}, kwargs={"margin": margin} if margin else {},
               grad_conventions={"grad_at_margin": at_bound}, args=("x1", "x2", "y_true"),
               info={**ranking, "defaults": "margin=0.0"},
               module=None if margin else ("torch.nn.MarginRankingLoss()",
                                           nn.MarginRankingLoss()))
    cosine = {"input_space": "real", "labels": "pm1", "kink_grad": clamp,
              "epsilon": "float32(1e-12) added to each squared norm (ATen EPSILON)",
              "where": (f"{FUNCTIONAL}:cosine_embedding_loss",
                        "aten/src/ATen/native/Loss.cpp:cosine_embedding_loss")}
    for margin in (0.0, 0.5):
        family("cosine_embedding_loss", "cosine_embedding", F.cosine_embedding_loss,
               conventions={"margin": margin, "eps": ATEN_EPSILON},
               kwargs={"margin": margin} if margin else {},
               grad_conventions={"grad_at_margin": at_bound}, args=("x1", "x2", "y_true"),
               info={**cosine, "defaults": "margin=0.0, the last axis is the feature axis"},
               module=None if margin else ("torch.nn.CosineEmbeddingLoss()",
                                           nn.CosineEmbeddingLoss()))
    triplet = {"input_space": "embeddings", "kink_grad": clamp,
               "epsilon": "pairwise_distance: ||a - p + eps||_p, eps=1e-6 added to the difference",
               "defaults": "margin=1.0, p=2, eps=1e-6, swap=False",
               "where": (f"{FUNCTIONAL}:triplet_margin_loss",
                         f"{REFS}:triplet_margin_loss, pairwise_distance")}
    trip_args = ("anchor", "positive", "negative")
    trip_conv = {"margin": 1.0, "p": 2.0, "eps": 1e-6, "eps_mode": "difference"}
    for kwargs in ({}, {"p": 1}, {"swap": True}):
        family("triplet_margin_loss", "triplet_margin", F.triplet_margin_loss,
               conventions={**trip_conv, **{k: float(v) if k == "p" else v
                                            for k, v in kwargs.items()}},
               kwargs=kwargs,
               grad_conventions={"grad_at_margin": at_bound, "grad_at_swap_tie": 0.5},
               args=trip_args, info=triplet,
               module=None if kwargs else ("torch.nn.TripletMarginLoss()", nn.TripletMarginLoss()))
    family("triplet_margin_with_distance_loss", "triplet_margin",
           F.triplet_margin_with_distance_loss, conventions=trip_conv,
           grad_conventions={"grad_at_margin": at_bound}, args=trip_args,
           info={**triplet, "defaults": "distance_function=None: torch.pairwise_distance "
                                        "(p=2, eps=1e-6), margin=1.0, swap=False",
                 "where": (f"{FUNCTIONAL}:triplet_margin_with_distance_loss",)},
           module=("torch.nn.TripletMarginWithDistanceLoss()",
                   nn.TripletMarginWithDistanceLoss()))

    # -- CTC (batch-major cases; torch takes log_probs time-major (T, N, C)) ------------
    ctc_args = ("y_pred", "y_true", "input_lengths", "label_lengths")
    ctc_info = {"input_space": "log_probabilities (not renormalised)", "labels": "index, padded",
                "defaults": "blank=0, reduction='mean' (each loss / max(target length, 1), "
                            "then the batch mean), zero_infinity=False; log_probs (T, N, C)",
                "source": source(f"{FUNCTIONAL}:ctc_loss", "aten/src/ATen/native/LossCTC.cpp")}
    ctc_conv = {"input_space": "log_probabilities", "blank": 0}
    for reduction, zero_inf in (("mean", False), ("none", False), ("sum", False), ("none", True)):
        kw = {"reduction": reduction, "zero_infinity": zero_inf}
        shown = ", ".join([*(["zero_infinity=True"] if zero_inf else []),
                           *([f"reduction={reduction!r}"] if reduction != "mean" else [])])
        out.append(Binding(
            api="torch.nn.functional.ctc_loss" + (f"({shown})" if shown else ""), backend="torch",
            kind="loss", reference="ctc", call=_time_major(F.ctc_loss, **kw), args=ctc_args,
            conventions={**ctc_conv, "reduction": reduction, "per_label": reduction == "mean",
                         "zero_infinity": zero_inf},
            dtypes=("float32", "float64"), info=ctc_info,
            notes="float16 and bfloat16: not implemented on CPU (ctc_loss_cpu)."))
    out.append(Binding(
        api="torch.nn.CTCLoss()", backend="torch", kind="loss", reference="ctc",
        call=_time_major(nn.CTCLoss()), args=ctc_args,
        conventions={**ctc_conv, "reduction": "mean", "per_label": True},
        dtypes=("float32", "float64"), info=ctc_info))
    # The documented use: log_softmax in the graph, so the gradient reaching the logits is
    # right although ctc_loss's own backward w.r.t. log_probs is not (registry).
    out.append(Binding(
        api="torch.nn.functional.ctc_loss(log_softmax(logits), reduction='none')",
        backend="torch", kind="loss", reference="ctc",
        call=_time_major(lambda lp, *rest, **kw: F.ctc_loss(F.log_softmax(lp, dim=-1), *rest, **kw),
                         reduction="none"),
        args=ctc_args, conventions={"input_space": "logits", "blank": 0},
        dtypes=("float32", "float64"),
        info={**ctc_info, "input_space": "logits through F.log_softmax(dim=-1)"}))

    # -- torch.special elementwise kernels (scipy.special names; kind "loss" as reference) --
    special = "torch/_refs/special/__init__.py"
    entr_info = {"input_space": "probabilities", "default_reduction": "none",
                 "kink_grad": "entr'(0)=+inf, entr'(x<0)=nan",
                 "source": source(f"{special}:entr")}
    out.append(Binding(
        api="torch.special.entr", backend="torch", kind="loss", reference="entr",
        call=torch.special.entr, args=("x",),
        grad_conventions={"grad_at_negative": float("nan")}, info=entr_info))
    for api, ref, call, where in (
            ("torch.special.xlogy", "xlogy", torch.special.xlogy, "torch/_refs/__init__.py:xlogy"),
            ("torch.xlogy", "xlogy", torch.xlogy, "torch/_refs/__init__.py:xlogy"),
            ("torch.special.xlog1py", "xlog1py", torch.special.xlog1py, f"{special}:xlog1py")):
        out.append(Binding(
            api=api, backend="torch", kind="loss", reference=ref, call=call, args=PAIR,
            grad_conventions={"grad_at_zero": 0.0},
            info={"input_space": "real", "default_reduction": "none",
                  "kink_grad": "d/dx = 0 where x == 0 and the log is undefined",
                  "source": source(where)}))

    # -- cosine similarity (not reduced) ----------------------------------------------
    cos_info = {"input_space": "real", "labels": "real", "default_reduction": "none",
                "epsilon": "x1.x2 / (max(|x1|, 1e-8) * max(|x2|, 1e-8))",
                "defaults": "dim=1, eps=1e-8", "source": source(f"{FUNCTIONAL}:cosine_similarity")}
    for api, call in (("torch.nn.functional.cosine_similarity", F.cosine_similarity),
                      ("torch.nn.CosineSimilarity()", nn.CosineSimilarity())):
        out.append(Binding(
            api=api, backend="torch", kind="loss", reference="cosine_similarity", call=call,
            args=PAIR, conventions={"axis": 1, "eps": 1e-8, "eps_mode": "separate"},
            info=cos_info))
    return out


def _bind_linear_cross_entropy(add: Any, F: Any, nn: Any) -> None:
    """``F.linear_cross_entropy`` (reference path, chunked path) and its module."""
    lce_info = {"input_space": "features (logits = x W^T)", "labels": "index",
                "defaults": "linear_bias=None, weight=None, ignore_index=None (-100 for index "
                            "targets), label_smoothing=0.0, options=None (the unchunked "
                            "reference path: linear then cross_entropy)",
                "where": (f"{FUNCTIONAL}:linear_cross_entropy",
                          "torch/nn/modules/loss.py:LinearCrossEntropyLoss")}
    lce_args = ("x", "linear_weight", "y_true")
    for weight in (None, CLASS_WEIGHT):
        for reduction in REDUCTIONS:
            inner = ", ".join([*([f"weight={list(weight)!r}"] if weight else []),
                               *([f"reduction={reduction!r}"] if reduction != "mean" else [])])
            add("torch.nn.functional.linear_cross_entropy" + (f"({inner})" if inner else ""),
                "linear_cross_entropy", _linear_ce(F.linear_cross_entropy, weight,
                                                   reduction=reduction),
                conventions={"ignore_index": -100,
                             **({"class_weight": list(weight)} if weight else {}),
                             "reduction": "weighted_mean" if reduction == "mean" else reduction},
                info=lce_info, args=lce_args,
                regimes=LINEAR_5 if weight else None,
                notes="Not bound: label_smoothing and probability targets (the reference has "
                "neither), linear_bias and K-dimensional weights (no such family input).")
    # The chunked path (a custom op computing the gradient in its forward), default options.
    for reduction in REDUCTIONS:
        inner = ", ".join(["options=LinearCrossEntropyOptions()",
                           *([f"reduction={reduction!r}"] if reduction != "mean" else [])])
        add(f"torch.nn.functional.linear_cross_entropy({inner})", "linear_cross_entropy",
            _linear_ce(F.linear_cross_entropy, None, reduction=reduction,
                       options=nn.LinearCrossEntropyOptions()),
            conventions={"ignore_index": -100,
                         "reduction": "weighted_mean" if reduction == "mean" else reduction},
            info={**lce_info, "defaults": "options=LinearCrossEntropyOptions(): "
                  "_linear_cross_entropy_batch_chunked (acc_policy='auto')",
                  "where": (f"{FUNCTIONAL}:linear_cross_entropy",
                            "torch/nn/modules/linear_cross_entropy.py")}, args=lce_args)
    add("torch.nn.LinearCrossEntropyLoss(in_features, num_classes)", "linear_cross_entropy",
        _linear_ce_module(nn.LinearCrossEntropyLoss),
        conventions={"ignore_index": -100, "reduction": "weighted_mean"}, info=lce_info,
        args=lce_args, notes="A module per call (in_features, num_classes from the case) "
        "whose linear.weight is the case's weight matrix (torch.func.functional_call): "
        "gradients w.r.t. x and the weight.")
