"""torch.distributions' Categorical and Bernoulli: the entropy and log-likelihood a
policy-gradient or variational port computes with them (PPO's entropy bonus and
log-probabilities), declared against the reference.

Conventions, read in torch 2.13's sources and checked by running it:

* ``Categorical(probs=p)`` stores ``p / p.sum(-1, keepdim=True)`` and its logits as
  ``log(clamp_probs(probs))``, ``clamp_probs`` clamping to [eps, 1 - eps] with
  eps = ``finfo(dtype).eps`` (torch/distributions/categorical.py: __init__, logits;
  torch/distributions/utils.py: probs_to_logits, clamp_probs). Its ``entropy()`` is
  ``-(clamp(logits, min=finfo.min) * probs).sum(-1)``: the weights unclipped, the logs
  clipped (a one-hot row's entropy is -log(1 - eps) ~ eps, not 0), and ``log_prob(y)``
  gathers the clipped log. The epsilon is the dtype's: one binding per dtype.
* ``Categorical(logits=x)`` stores ``x - x.logsumexp(-1)``; ``entropy()`` is then the
  entropy of softmax(x) (the clamp at finfo.min only turns 0 * -inf into 0).
* ``kl_divergence(Categorical(logits=a), Categorical(logits=b))`` is
  ``sum(p.probs * (p.logits - q.logits))``, the terms set to inf where ``q.probs == 0`` and
  then to 0 where ``p.probs == 0`` (torch/distributions/kl.py: _kl_categorical_categorical):
  KL(softmax(a) || softmax(b)), the target first. Of two ``Categorical(probs=...)`` it is
  sum T (log clamp(T) - log clamp(Q)) over the normalised rows, the same masks: the
  reference's kl_divergence with ``log_clip_eps`` (one binding per dtype). Of two
  ``Bernoulli(logits=...)`` (torch/distributions/kl.py: _kl_bernoulli_bernoulli) it is
  p (softplus(-lq) - softplus(-lp)) + (1 - p)(softplus(lq) - softplus(lp)), p = sigmoid(lp)
  rounded to the dtype, the terms set to inf where q's probability is 0 or 1 and to 0
  where p's is: the reference's sigmoid_kl_divergence.
* ``Bernoulli(logits=x).log_prob(t)`` is ``-binary_cross_entropy_with_logits(x, t,
  reduction="none")``; ``Bernoulli(probs=p)`` takes its logits as
  ``log(pc) - log1p(-pc)``, pc = ``clamp_probs(p)`` (torch/distributions/bernoulli.py:
  log_prob, logits): the binary cross-entropy of p clipped to [eps, 1 - eps].

``log_prob`` is a log-likelihood, the negated loss: the adapter negates it (exact in every
dtype) to compare it with the reference's loss. The distributions validate their
arguments by default (``Distribution._validate_args``): NaN parameters and labels outside
the support raise ValueError, so the regimes holding them (nan_inf, ignore_index, soft
Bernoulli labels) are not run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._binding import ALL_DTYPES, LOGITS_PAIR_REGIMES, Binding

CATEGORICAL = "torch/distributions/categorical.py"
BERNOULLI = "torch/distributions/bernoulli.py"
UTILS = "torch/distributions/utils.py"
KL = "torch/distributions/kl.py"

KL_ORDER = {"argument_order": "kl_divergence(p, q) = KL(p || q): the target first"}
_VALIDATED = "regimes with NaN parameters or labels outside the support not run (argument validation raises)"


def _negated(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(y_pred: Any, y_true: Any) -> Any:
        return -fn(y_pred, y_true)
    return call


def distribution_bindings(source: Callable[..., str], clamp_grad: float) -> list[Binding]:
    """The declarations; ``source(*where)`` formats ``info["source"]``, ``clamp_grad`` is the
    installed torch's clamp subgradient at a bound (clamp_grad_at_bound)."""
    import torch
    from torch.distributions import Bernoulli, Categorical, kl_divergence

    out: list[Binding] = []

    def add(api: str, reference: str, call: Any, args: tuple[str, ...], *, where: tuple[str, ...],
            conventions: dict, info: dict, regimes: tuple[str, ...] | None = None,
            dtypes: tuple[str, ...] = ALL_DTYPES, grad_conventions: dict | None = None,
            notes: str = "") -> None:
        out.append(Binding(
            api=api, backend="torch", kind="loss", reference=reference, call=call, args=args,
            conventions=conventions, grad_conventions=grad_conventions or {}, dtypes=dtypes,
            regimes=regimes, notes=notes,
            info={"default_reduction": "none (one value per distribution)", **info,
                  "source": source(*where)}))

    add("torch.distributions.Categorical(logits=x).entropy()", "softmax_entropy",
        lambda x: Categorical(logits=x).entropy(), ("x",),
        where=(f"{CATEGORICAL}:__init__, entropy",), conventions={"axis": -1},
        regimes=("typical", "large", "extreme", "ties", "many_classes", "spatial", "single",
                 "empty", "subnormal"),
        info={"input_space": "logits (normalised by logsumexp over the last dim)"},
        notes="The entropy of softmax(x) over the last dim; " + _VALIDATED + ".")
    add("torch.distributions.Categorical(logits=x).log_prob(y) (negated)", "sparse_softmax_cross_entropy",
        _negated(lambda x, y: Categorical(logits=x).log_prob(y)), ("y_pred", "y_true"),
        where=(f"{CATEGORICAL}:__init__, log_prob",), conventions={"axis": -1},
        regimes=("typical", "many_classes", "single", "empty", "spatial", "large", "extreme",
                 "ties"),
        info={"input_space": "logits", "labels": "index (int64, last dim the classes)"},
        notes="log_softmax(x) gathered at y, negated by the adapter; " + _VALIDATED + ".")
    add("torch.distributions.Bernoulli(logits=x).log_prob(t) (negated)", "sigmoid_binary_cross_entropy",
        _negated(lambda x, t: Bernoulli(logits=x).log_prob(t)), ("y_pred", "y_true"),
        where=(f"{BERNOULLI}:log_prob",), conventions={},
        regimes=("typical", "large", "extreme", "single", "empty"),
        info={"input_space": "logits", "labels": "0/1 (the support: soft labels raise)"},
        notes="binary_cross_entropy_with_logits(x, t, reduction='none'), negated by the "
              "adapter; " + _VALIDATED + ".")
    add("torch.distributions.kl_divergence(Categorical(logits=a), Categorical(logits=b))",
        "softmax_kl_divergence",
        lambda b, a: kl_divergence(Categorical(logits=a), Categorical(logits=b)),
        ("y_pred", "y_true"), where=(f"{KL}:_kl_categorical_categorical",
                                     f"{CATEGORICAL}:__init__, probs"),
        conventions={"axis": -1},
        regimes=LOGITS_PAIR_REGIMES,
        info={"input_space": "logits (y_true the first distribution's, y_pred the second's)",
              **KL_ORDER},
        notes="sum P (log P - log Q) over the normalised logits, set to inf where "
              "softmax(b) == 0 and to 0 where softmax(a) == 0; " + _VALIDATED + ".")
    add("torch.distributions.kl_divergence(Bernoulli(logits=a), Bernoulli(logits=b))",
        "sigmoid_kl_divergence",
        lambda b, a: kl_divergence(Bernoulli(logits=a), Bernoulli(logits=b)),
        ("y_pred", "y_true"), where=(f"{KL}:_kl_bernoulli_bernoulli",
                                     f"{BERNOULLI}:__init__, probs"),
        conventions={},
        regimes=LOGITS_PAIR_REGIMES,
        info={"input_space": "logits, elementwise (y_true the first distribution's)",
              **KL_ORDER},
        notes="p * (softplus(-lq) - softplus(-lp)) + (1 - p) * (softplus(lq) - softplus(lp)), "
              "p = sigmoid(lp) in the dtype, the terms set to inf where q.probs is 0 or 1 and "
              "to 0 where p.probs is.")
    for dtype in ALL_DTYPES:
        eps = float(torch.finfo(getattr(torch, dtype)).eps)
        suffix = f" on {dtype}"
        eps_info = {"epsilon": f"{eps!r} = finfo({dtype}).eps: logs of clamp(probs, eps, 1 - eps)"}
        clip = {"grad_at_clip": clamp_grad}
        add(f"torch.distributions.Categorical(probs=p).entropy(){suffix}", "entropy",
            lambda p: Categorical(probs=p).entropy(), ("x",),
            where=(f"{CATEGORICAL}:__init__, logits, entropy", f"{UTILS}:probs_to_logits, clamp_probs"),
            conventions={"axis": -1, "normalize": True, "log_clip_eps": eps}, dtypes=(dtype,),
            grad_conventions=clip,
            info={"input_space": "probabilities (divided by their sum)", **eps_info},
            notes="-sum P log clamp(P, eps, 1 - eps), P = p / sum p: a one-hot row gives "
                  "-log(1 - eps), not 0.")
        add(f"torch.distributions.Categorical(probs=p).log_prob(y) (negated){suffix}",
            "sparse_categorical_cross_entropy",
            _negated(lambda p, y: Categorical(probs=p).log_prob(y)), ("y_pred", "y_true"),
            where=(f"{CATEGORICAL}:__init__, logits, log_prob",
                   f"{UTILS}:probs_to_logits, clamp_probs"),
            conventions={"axis": -1, "renormalize": True, "clip_eps": eps}, dtypes=(dtype,),
            grad_conventions=clip,
            regimes=("typical", "many_classes", "single", "empty", "spatial", "near_01",
                     "exact_01", "unnormalised", "subnormal"),
            info={"input_space": "probabilities (divided by their sum)",
                  "labels": "index (int64)", **eps_info},
            notes="log clamp(P_y, eps, 1 - eps), negated by the adapter; " + _VALIDATED + ".")
        add(f"torch.distributions.kl_divergence(Categorical(probs=t), Categorical(probs=p)){suffix}",
            "kl_divergence",
            lambda p, t: kl_divergence(Categorical(probs=t), Categorical(probs=p)),
            ("y_pred", "y_true"),
            where=(f"{KL}:_kl_categorical_categorical", f"{CATEGORICAL}:__init__, logits",
                   f"{UTILS}:probs_to_logits, clamp_probs"),
            conventions={"axis": -1, "normalize": True, "log_clip_eps": eps}, dtypes=(dtype,),
            grad_conventions=clip,
            info={"input_space": "probabilities (each divided by its sum)",
                  **KL_ORDER,
                  **eps_info},
            notes="sum T (log clamp(T, eps, 1 - eps) - log clamp(Q, eps, 1 - eps)), T and Q "
                  "the normalised rows, set to inf where Q == 0 and to 0 where T == 0.")
        add(f"torch.distributions.kl_divergence(Bernoulli(probs=t), Bernoulli(probs=p)){suffix}",
            "binary_kl_divergence",
            lambda p, t: kl_divergence(Bernoulli(probs=t), Bernoulli(probs=p)),
            ("y_pred", "y_true"),
            where=(f"{KL}:_kl_bernoulli_bernoulli", f"{BERNOULLI}:__init__, logits",
                   f"{UTILS}:probs_to_logits, clamp_probs"),
            conventions={"log_clip_eps": eps}, dtypes=(dtype,), grad_conventions=clip,
            regimes=("typical", "near_01", "exact_01", "soft_labels", "smoothed_labels",
                     "single", "empty", "subnormal"),
            info={"input_space": "probabilities, elementwise",
                  **KL_ORDER,
                  **eps_info},
            notes="t (log pc_t - log pc_p) + (1 - t)(log(1 - pc_t) - log(1 - pc_p)) through "
                  "softplus of the clamped logits, pc = clamp(., eps, 1 - eps); inf where p "
                  "is 0 or 1 and t is not, 0 where t is.")
        add(f"torch.distributions.Bernoulli(probs=p).log_prob(t) (negated){suffix}", "binary_cross_entropy",
            _negated(lambda p, t: Bernoulli(probs=p).log_prob(t)), ("y_pred", "y_true"),
            where=(f"{BERNOULLI}:log_prob, logits", f"{UTILS}:probs_to_logits, clamp_probs"),
            conventions={"clip_eps": eps}, dtypes=(dtype,), grad_conventions=clip,
            regimes=("typical", "near_01", "exact_01", "single", "empty"),
            info={"input_space": "probabilities",
                  "labels": "0/1 (the support: soft labels raise)", **eps_info},
            notes="-BCE with logits of log(pc) - log1p(-pc), pc = clamp(p, eps, 1 - eps), "
                  "negated by the adapter; " + _VALIDATED + ".")
    return out
