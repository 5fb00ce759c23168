"""Hypothesis fuzzing of the reference's public functions (issue 6).

Arbitrary shapes (empty, 0-d, up to 3-d, mismatched between arguments), dtypes (bool,
int, float16/32/64, complex, object, Python lists and scalars) and values (NaN, ±inf,
huge, subnormal) for every function in ``reference.FUNCTIONS`` and every VJP: the only
exceptions allowed are the documented ValueError and TypeError (whose message names the
parameter), and no NumPy warning may escape. Derandomized: the same examples every run.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import reference as R
from conformance.families import family_of

settings.register_profile(
    "crossconform-fuzz", derandomize=True, max_examples=40, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FUZZ = settings.get_profile("crossconform-fuzz")

_SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
_FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
_DTYPES = st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int8, np.bool_,
                           np.complex128])


@st.composite
def _array(draw: st.DrawFn, shape: tuple[int, ...] | None = None) -> Any:
    dtype = np.dtype(draw(_DTYPES))
    shape = draw(_SHAPES) if shape is None else shape
    if dtype.kind == "f":
        elements = st.floats(allow_nan=True, allow_infinity=True, width=dtype.itemsize * 8)
    elif dtype.kind == "c":
        elements = st.complex_numbers(allow_nan=True, allow_infinity=True)
    elif dtype.kind == "b":
        elements = st.booleans()
    else:
        info = np.iinfo(dtype)
        elements = st.integers(int(info.min), int(info.max))
    arr = draw(hnp.arrays(dtype, shape, elements=elements))
    form = draw(st.sampled_from(["array", "array", "array", "list", "object"]))
    if form == "list":
        return arr.tolist()
    if form == "object" and arr.size:
        return arr.astype(object)
    return arr


@st.composite
def _arguments(draw: st.DrawFn, name: str) -> list[Any]:
    """The function's inputs: sometimes sharing one shape (to reach the arithmetic),
    sometimes independent (to reach validation); labels sometimes small class indices."""
    names = family_of(name).inputs
    shared = draw(st.booleans())
    shape = draw(_SHAPES) if shared else None
    args = []
    for input_name in names:
        if input_name in family_of(name).int_inputs and draw(st.booleans()):
            lead = shape[:-1] if shape else draw(_SHAPES)
            args.append(draw(hnp.arrays(np.int64, lead, elements=st.integers(-2, 5))))
        elif draw(st.integers(0, 9)) == 0:
            args.append(draw(_FLOATS))  # a Python scalar
        else:
            args.append(draw(_array(shape)))
    return args


ALLOWED = (ValueError, TypeError)


def _call(fn: Any, *args: Any, **kwargs: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any NumPy RuntimeWarning / ComplexWarning fails
        try:
            fn(*args, **kwargs)
        except ALLOWED as exc:
            message = str(exc)
            assert message and "\n" not in message.strip(), repr(exc)


@pytest.mark.parametrize("name", sorted(R.FUNCTIONS))
@FUZZ
@given(data=st.data())
def test_function_raises_only_documented_errors_and_never_warns(name: str, data: st.DataObject) -> None:
    args = data.draw(_arguments(name), label="args")
    _call(R.FUNCTIONS[name], *args)


@pytest.mark.parametrize("name", sorted(R.VJPS))
@FUZZ
@given(data=st.data())
def test_vjp_raises_only_documented_errors_and_never_warns(name: str, data: st.DataObject) -> None:
    args = data.draw(_arguments(name), label="args")
    g = data.draw(_array(), label="cotangent")
    _call(R.VJPS[name], g, *args)


@pytest.mark.parametrize("name", sorted(R.FUNCTIONS))
@FUZZ
@given(reduction=st.one_of(st.text(max_size=8), st.integers(), st.none()),
       axis=st.one_of(st.integers(-6, 6), st.floats(allow_nan=True), st.text(max_size=3)))
def test_bad_keywords_are_named(name: str, reduction: Any, axis: Any) -> None:
    """Keyword values of the wrong kind or out of range: a named ValueError/TypeError."""
    import inspect

    params = inspect.signature(R.FUNCTIONS[name]).parameters
    kwargs = {k: v for k, v in (("reduction", reduction), ("axis", axis)) if k in params}
    required = [p for p in params.values() if p.kind is p.KEYWORD_ONLY and p.default is p.empty]
    if not kwargs or required:  # (gaussian_nll's var: fuzzed with the inputs above)
        return
    args = [np.full((2, 3), 0.25) if n not in family_of(name).int_inputs else np.array([0, 1])
            for n in family_of(name).inputs]
    try:
        R.FUNCTIONS[name](*args)
    except ALLOWED:
        return  # these generic inputs do not fit this function: nothing to pin on the keywords
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            R.FUNCTIONS[name](*args, **kwargs)
        except ALLOWED as exc:  # the inputs are fine: the message must name the bad keyword
            assert any(k in str(exc) for k in kwargs), repr(exc)
