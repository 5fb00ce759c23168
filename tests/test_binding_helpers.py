"""The small helpers the runner and adapters share: per-object memo, dtype names, cotangents."""

from __future__ import annotations

import numpy as np
import pytest

from adapters._binding import (
    Binding,
    BindingError,
    CotangentShapeError,
    dtype_name,
    fit_cotangent,
    memo_by_id,
    validate_binding,
)
from conformance.cases import numpy_dtype
from reference import FUNCTIONS, VJPS


def test_memo_by_id_computes_once_per_object_and_tells_equal_objects_apart() -> None:
    calls: list[object] = []
    cache: dict[int, tuple[object, object]] = {}

    def compute(obj: dict) -> int:
        calls.append(obj)
        return len(calls)

    a, b = {"x": 1}, {"x": 1}  # equal, unhashable, distinct
    assert memo_by_id(cache, a, compute) == 1
    assert memo_by_id(cache, a, compute) == 1
    assert memo_by_id(cache, b, compute) == 2
    assert calls == [a, b] and calls[0] is a and calls[1] is b


def test_memo_by_id_does_not_trust_a_reused_id() -> None:
    cache: dict[int, tuple[object, object]] = {}
    a = {"x": 1}
    other = {"y": 2}
    cache[id(other)] = (a, "stale")  # an entry whose key is another object's id
    assert memo_by_id(cache, other, lambda o: "fresh") == "fresh"


def test_dtype_name_matches_numpy_for_every_case_dtype() -> None:
    for name in ("float16", "float32", "float64", "int32", "int64", "bool"):
        assert dtype_name(np.dtype(name)) == np.dtype(name).name == name
    assert dtype_name(np.dtype(numpy_dtype("bfloat16"))) == "bfloat16"


def test_fit_cotangent_reshapes_broadcasts_or_names_both_shapes() -> None:
    g = np.array(1.5)
    assert fit_cotangent(g, (1,)).shape == (1,)  # same size: a loss returned as (1,)
    assert fit_cotangent(g, (0,)).shape == (0,)  # an empty batch's unreduced losses
    assert fit_cotangent(np.arange(6.0).reshape(2, 3), (3, 2)).tolist() == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(CotangentShapeError, match=r"shape \(4,\) and the reference's \(3,\)"):
        fit_cotangent(np.zeros(3), (4,))


def _binding(**fields: object) -> Binding:
    return Binding(api="lib.loss", backend="lib", kind="loss", reference="sigmoid_binary_cross_entropy",
                   call=lambda *a: None, args=("y_true", "y_pred"), grad=False, **fields)


def test_returns_reads_each_form_of_output_dtype() -> None:
    assert _binding().returns("bfloat16") == "bfloat16"
    assert _binding(output_dtype="float32").returns("float64") == "float32"
    half_up = _binding(output_dtype={"float16": "float32", "bfloat16": "float32"})
    assert [half_up.returns(d) for d in ("float16", "bfloat16", "float32", "float64")] == [
        "float32", "float32", "float32", "float64"]


@pytest.mark.parametrize("mapping", [{"float16": "float23"}, {"int8": "float32"}])
def test_an_output_dtype_mapping_outside_the_dtypes_is_refused(mapping: dict) -> None:
    validate_binding(_binding(output_dtype={"float16": "float32"}), FUNCTIONS, VJPS)
    with pytest.raises(BindingError, match="output_dtype maps case dtypes") as err:
        validate_binding(_binding(output_dtype=mapping), FUNCTIONS, VJPS)
    assert repr(next(iter(mapping)))[1:-1] in str(err.value)
