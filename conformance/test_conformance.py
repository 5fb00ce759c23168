"""The conformance suite: every binding x dtype x regime, value and gradient.

Parametrized by ``conformance/plugin.py``; a case id reads ``api[dtype-regime]`` (value)
or ``api[dtype-regime-grad]`` (gradient). A failing case prints its reproducer.
"""

from __future__ import annotations

import pytest

from conformance.cases import CaseSpec
from conformance.paths import run_paths
from conformance.plugin import (
    CONTEXT_LOST_NOTE,
    PrecisionFailed,
    State,
    context_lost,
    get_state,
    reproducer,
)
from conformance.registry import (
    installed_version,
    runs_tensorflow,
    tensorflow_onednn,
    xla_onednn_softmax,
)
from conformance.results import jsonable
from conformance.runner import PRECISION, run_case


def test_case(case_spec: CaseSpec, request: pytest.FixtureRequest) -> None:
    # The state straight from the config: a fixture per case costs more than the case.
    conformance_state = get_state(request.config)
    lost = getattr(request.config, "_crossconform_context_lost", None)
    if lost:  # without xdist: no fresh process to take over (see plugin.CONTEXT_LOST)
        pytest.skip(f"the accelerator context of this process was lost at {lost}; rerun "
                    "with pytest-xdist (-n) so that a fresh worker runs the cases left")
    binding, backend = conformance_state.lookup[(case_spec.backend, case_spec.api)]
    if case_spec.check == "paths":
        twin, _ = conformance_state.lookup[(case_spec.backend, binding.pair)]
        result = run_paths(binding, twin, backend, case_spec)
    else:
        result = run_case(binding, backend, case_spec)
    if context_lost(result.message):
        request.config._crossconform_context_lost = case_spec.id
        result.message += CONTEXT_LOST_NOTE
    record = {"outcome": result.outcome, "message": result.message,
              "shape": list(result.shape) if result.shape is not None else None,
              "out_dtype": result.out_dtype, **result.figures(), **result.extra}
    record.pop("traceback", None)
    request.node.user_properties.append(("crossconform_result", jsonable(record)))
    if result.outcome != "pass":
        repro = reproducer(case_spec, conformance_state.adapters[case_spec.backend],
                           request.config.option.device)
        text = f"{case_spec.id}: {result.outcome}: {result.message}\n  reproduce: {repro}"
        if result.outcome == "fail" and result.message.startswith(PRECISION):
            raise PrecisionFailed(text, pytrace=False)
        pytest.fail(text, pytrace=False)


def test_backend_available(adapter_name: str, conformance_state: State,
                           request: pytest.FixtureRequest) -> None:
    loaded = conformance_state.adapters[adapter_name]
    info = {"name": adapter_name, "module": loaded.module, "plugin": loaded.plugin,
            "available": loaded.backend is not None, "reason": loaded.unavailable}
    if loaded.backend is not None:
        info |= {"version": str(loaded.backend.version), "packages": list(loaded.backend.packages),
                 "package_versions": {d: installed_version(d) for d in loaded.backend.packages},
                 "device": loaded.backend.device, "dtypes": list(loaded.backend.dtypes),
                 "bindings": [binding_info(b) for b in loaded.bindings]}
        onednn = tensorflow_onednn()  # None unless this worker loaded TensorFlow
        if onednn is not None and runs_tensorflow(adapter_name, loaded.backend.packages):
            info["tensorflow_onednn"] = onednn  # its CPU kernels depend on it (registry: onednn)
        xla = xla_onednn_softmax()  # None unless this worker loaded JAX
        if xla is not None and "jax" in (adapter_name, *loaded.backend.packages):
            info["xla_onednn_softmax"] = xla  # XLA's softmax rewrite (registry: xla_onednn)
    request.node.user_properties.append(("crossconform_backend", jsonable(info)))
    if loaded.backend is None:
        pytest.skip(f"{adapter_name} unavailable: {loaded.unavailable}")
    assert loaded.bindings, f"{adapter_name}: bindings() returned no binding"


def binding_info(b: object) -> dict:
    """A binding's declaration, for the porting guide and ``conformance list``."""
    return jsonable({
        "api": b.api, "backend": b.backend, "kind": b.kind, "reference": b.reference,
        "args": list(b.args), "conventions": dict(b.conventions),
        "grad_conventions": dict(b.grad_conventions), "grad": b.grad, "dtypes": list(b.dtypes),
        "label_dtype": b.label_dtype, "output_dtype": b.output_dtype,
        "compute_dtype": b.compute_dtype, "info": dict(b.info),
        "pair": b.pair, "notes": b.notes,
    })
