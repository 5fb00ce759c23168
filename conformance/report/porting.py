"""The porting guide: per reference function, every framework's API side by side.

Read from the binding declarations each results file carries (``backends[name].bindings``,
written by ``test_backend_available``): API name, input space, label format, argument
order, default reduction, epsilon, default hyperparameters, the gradient convention at
kinks, the declared conventions; and from the cases: the registered divergences (reason,
source) and how many cases fail without one. Identical declarations in several versions
of one framework are one row naming all the versions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .merge import Column, Merged

FIELDS = ("api", "framework", "input_space", "labels", "args", "default_reduction", "epsilon",
          "defaults", "kink_grad", "conventions", "divergences")
HEADERS = {"api": "API", "framework": "framework", "input_space": "input space",
           "labels": "labels", "args": "argument order", "default_reduction": "default reduction",
           "epsilon": "epsilon", "defaults": "defaults", "kink_grad": "gradient at kinks",
           "conventions": "declared conventions", "divergences": "known divergences"}

# Input space / label format implied by the reference function's input family.
_SPACE = {"binary_prob": "probabilities", "binary_logits": "logits",
          "categorical_prob": "probabilities", "categorical_logits": "logits",
          "categorical_logprob": "log_probabilities", "sparse_prob": "probabilities",
          "sparse_logits": "logits", "sparse_logprob": "log_probabilities",
          "log_distribution_pair": "log_probabilities", "distribution_pair": "probabilities",
          "distribution": "probabilities", "log_rates": "log rates", "rates": "rates"}
_LABELS = {"binary_prob": "binary/soft", "binary_logits": "binary/soft",
           "categorical_prob": "one-hot/soft", "categorical_logits": "one-hot/soft",
           "categorical_logprob": "one-hot/soft", "sparse_prob": "index", "sparse_logits": "index",
           "sparse_logprob": "index", "margin": "pm1", "binary_metric": "binary",
           "categorical_metric": "one-hot", "sparse_metric": "index",
           "topk_sparse_metric": "index", "topk_categorical_metric": "one-hot",
           "multilabel_metric": "binary", "multilabel": "binary", "labels": "index"}


def implied_space(reference: str) -> tuple[str, str]:
    """(input space, label format) implied by a reference function's family ('' if none)."""
    from ..families import FAMILY_OF

    family = FAMILY_OF.get(reference, "")
    space = _SPACE.get(family, "real" if family in ("unary", "axis", "regression", "vectors",
                                                     "margin") else "")
    return space, _LABELS.get(family, "")


@dataclass
class Divergence:
    reason: str
    source: str
    versions: str
    checks: set[str] = field(default_factory=set)
    cases: int = 0


@dataclass
class PortingRow:
    reference: str
    kind: str
    backend: str
    columns: list[Column]
    values: dict[str, str]
    divergences: list[Divergence] = field(default_factory=list)
    unexplained: int = 0

    @property
    def framework(self) -> str:
        first = self.columns[0]
        versions = ", ".join(c.version for c in self.columns)
        return f"{first.backend} {versions}" + (f" ({first.variant})" if first.variant else "")


def _fmt(value: Any) -> str:
    if value is None or value == "" or value == {}:
        return ""
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_fmt_scalar(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _fmt_scalar(v: Any) -> str:
    return repr(v) if isinstance(v, str) else json.dumps(v) if isinstance(v, (list, dict)) else str(v)


def declarations(merged: Merged) -> dict[Column, list[dict[str, Any]]]:
    """Binding declarations per column; reconstructed from the cases where a file has none."""
    out: dict[Column, list[dict[str, Any]]] = {}
    for col in merged.columns:
        decl = (merged.backends.get(col) or {}).get("bindings")
        if isinstance(decl, list) and decl:
            out[col] = [d for d in decl if isinstance(d, dict) and isinstance(d.get("api"), str)]
    known = {col: {d["api"] for d in decls} for col, decls in out.items()}
    for case in merged.cases:
        col = case["_column"]
        if case["binding"] in known.setdefault(col, set()):
            continue
        known[col].add(case["binding"])
        out.setdefault(col, []).append({
            "api": case["binding"], "backend": case["backend"],
            "kind": case.get("binding_kind") or case.get("kind"),
            "reference": case.get("reference") or "?",
            "conventions": case.get("conventions") or {},
            "grad_conventions": case.get("grad_conventions") or {}, "args": [], "info": {}})
    return out


def porting_guide(merged: Merged) -> dict[str, list[PortingRow]]:
    """reference function -> rows (one per API, identical declarations across versions merged)."""
    divergences: dict[tuple[Column, str], dict[str, Divergence]] = defaultdict(dict)
    unexplained: dict[tuple[Column, str], int] = defaultdict(int)
    for case in merged.cases:
        key = (case["_column"], case["binding"])
        div = case.get("divergence")
        if isinstance(div, dict) and case["outcome"] in ("xfail", "xpass"):
            reason = str(div.get("reason", ""))
            entry = divergences[key].setdefault(reason, Divergence(
                reason, str(div.get("source", "")), str(div.get("versions", ""))))
            entry.checks.add(str(case.get("check") or "value"))
            entry.cases += 1
        elif case["outcome"] in ("fail", "error"):
            unexplained[key] += 1
    groups: dict[tuple[str, str, str, str], PortingRow] = {}
    for col, decls in declarations(merged).items():
        for d in decls:
            values = _values(d)
            key = (d["api"], col.backend, col.variant,
                   json.dumps(values, sort_keys=True)
                   + json.dumps(sorted(divergences[(col, d["api"])]), sort_keys=True))
            row = groups.get(key)
            if row is None:
                row = groups[key] = PortingRow(str(d.get("reference") or "?"), str(d.get("kind") or ""),
                                               col.backend, [], values)
                row.divergences = list(divergences[(col, d["api"])].values())
            row.columns.append(col)
            row.unexplained += unexplained[(col, d["api"])]
    guide: dict[str, list[PortingRow]] = defaultdict(list)
    for row in groups.values():
        guide[row.reference].append(row)
    for rows in guide.values():
        rows.sort(key=lambda r: (r.backend, r.values["api"]))
    return dict(sorted(guide.items()))


def _values(d: Mapping[str, Any]) -> dict[str, str]:
    info = d.get("info") if isinstance(d.get("info"), dict) else {}
    conv = d.get("conventions") if isinstance(d.get("conventions"), dict) else {}
    grad_conv = d.get("grad_conventions") if isinstance(d.get("grad_conventions"), dict) else {}
    space, labels = implied_space(str(d.get("reference") or ""))
    eps = info.get("epsilon")
    if eps is None:
        eps = {k: v for k, v in conv.items() if "eps" in k or k == "log_clamp"} or None
    return {
        "api": str(d["api"]),
        "input_space": _fmt(info.get("input_space") or space),
        "labels": _fmt(info.get("labels") or labels),
        "args": _fmt(d.get("args")),
        "default_reduction": _fmt(info.get("default_reduction") or conv.get("reduction")),
        "epsilon": _fmt(eps),
        "defaults": _fmt(info.get("defaults")),
        "kink_grad": _fmt(info.get("kink_grad") or grad_conv),
        "conventions": _fmt(conv),
        "source": _fmt(info.get("source")),
    }
