"""A plugin on the real torch backend whose binding returns a tensor on another device
(torch's "meta" device: shape and dtype, no data), as a GPU tensor would reach a CPU-only
comparison. The adapter's conversion must fail the case, not crash the run."""

from __future__ import annotations

import dataclasses

from adapters import Binding, torch_bindings


def backend(device: str = "cpu"):
    return dataclasses.replace(torch_bindings.backend(device), name="faulty_torch")


def bindings() -> list[Binding]:
    import torch

    def on_meta(x):
        return torch.sigmoid(x).to("meta")

    return [Binding(api="faulty_torch.sigmoid_on_meta", backend="faulty_torch",
                    kind="activation", reference="sigmoid", call=on_meta, grad=False,
                    dtypes=("float64",), regimes=("typical",))]
