"""reference/margin.py beyond the oracle: bad inputs, label encodings, kink conventions,
reductions, finite differences and IEEE special values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import reference
from reference import margin as M

X = np.array([[0.1, 0.5, 0.2], [0.3, 0.1, 0.9]])
PM = np.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])
Y = np.array([0, 2])
OH = np.eye(3)[Y]

BINARY = ["hinge", "squared_hinge", "perceptron", "soft_margin"]

BAD = [
    ("hinge", (X, PM[:, :2]), {}, ValueError, "y_pred and y_true"),
    ("hinge", (X, PM * 2), {}, ValueError, "y_true"),
    ("hinge", (X, (PM + 1) / 2), {"labels": "pm1"}, ValueError, "-1/1"),
    ("squared_hinge", (X, PM), {"labels": "01"}, ValueError, "0/1"),
    ("perceptron", (X, PM), {"labels": "signs"}, ValueError, "labels"),
    ("soft_margin", (X, PM), {"reduction": "avg"}, ValueError, "reduction"),
    ("hinge_embedding", (X, PM), {"margin": np.nan}, ValueError, "margin"),
    ("hinge_embedding", (X, PM * 0), {}, ValueError, "y_true"),
    ("multi_margin", (X, Y), {"p": 3}, ValueError, "p must"),
    ("multi_margin", (X, np.array([0, 3])), {}, ValueError, "y_true"),
    ("multi_margin", (X, np.array([0.5, 1])), {}, ValueError, "y_true"),
    ("multi_margin", (X, Y), {"class_weight": np.ones(2)}, ValueError, "class_weight"),
    ("multi_margin", (X, np.array([0, 1, 2])), {}, ValueError, "y_true"),
    ("multiclass_hinge", (X, Y), {"axis": 5}, ValueError, "axis"),
    ("multiclass_perceptron", (np.zeros((2, 0)), np.zeros(2, int)), {}, ValueError, "y_pred"),
    ("categorical_hinge", (X, OH * 2), {}, ValueError, "y_true"),
    ("categorical_hinge", (X, OH), {"sample_weight": np.ones(3)}, ValueError,
     "sample_weight"),
    ("multilabel_soft_margin", (X, OH - 1), {}, ValueError, "y_true"),
    ("multilabel_soft_margin", (X, OH), {"class_weight": np.ones((3, 1))}, ValueError,
     "class_weight"),
    ("hinge", (X, None), {}, TypeError, "y_true"),
    ("multilabel_margin", (X, np.array([[0, -1, 3], [1, 2, -1]])), {}, ValueError,
     r"y_true must lie in \[0, 3\).*got \[3\]"),
    ("multilabel_margin", (X, np.array([[0, -2, 1], [1, 2, -1]])), {}, ValueError,
     r"padding -1, got \[-2\]"),
    ("multilabel_margin", (X, OH), {}, TypeError, "integer class indices.*float64"),
    ("multilabel_margin", (X, np.array([0, 2])), {}, ValueError, r"y_pred's shape \(2, 3\)"),
    ("multilabel_margin", (X, None), {}, TypeError, "y_true"),
    ("multilabel_margin", (X, np.array([[0, -1, 1], [1, 2, -1]])), {"axis": 2}, ValueError,
     "axis"),
]


@pytest.mark.parametrize(("name", "args", "kw", "exc", "match"), BAD,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_inputs_name_the_parameter(name, args, kw, exc, match):
    with pytest.raises(exc, match=match):
        M.FUNCTIONS[name](*args, **kw)
    with pytest.raises(exc, match=match):
        M.VJPS[name](np.ones(1), *args, **kw)


def test_vjp_keyword_validation():
    with pytest.raises(ValueError, match="ties"):
        M.multiclass_hinge_vjp(np.ones(2), X, Y, ties="last")
    with pytest.raises(ValueError, match="g must have"):
        M.hinge_vjp(np.ones(2), X, PM)


# --------------------------------------------------------------------------- labels


def test_label_encodings():
    p = np.array([0.3, -2.0, 1.0])
    pm = np.array([1.0, -1.0, -1.0])
    zo = (pm + 1) / 2
    for name in BINARY:
        ref = M.FUNCTIONS[name](p, pm)
        np.testing.assert_array_equal(M.FUNCTIONS[name](p, zo, labels="01"), ref)
        np.testing.assert_array_equal(M.FUNCTIONS[name](p, zo, labels="auto"), ref)
        np.testing.assert_array_equal(M.FUNCTIONS[name](p, pm, labels="auto"), ref)
    # Keras: all ones is "binary" too and maps to +1 (the same labels)
    np.testing.assert_array_equal(M.hinge(p, np.ones(3), labels="auto"), M.hinge(p, np.ones(3)))


def test_keras_categorical_hinge_includes_true_class_zero():
    # every wrong-class score negative: Keras' neg = max((1-t) p) = 0 (from the true class)
    x = np.array([[-3.0, 0.5, -2.0]])
    assert M.categorical_hinge(x, np.array([[0.0, 1.0, 0.0]]))[0] == 0.5


# --------------------------------------------------------------------------- kinks


def test_kink_conventions():
    g = np.ones(4)
    p = np.array([1.0, -1.0, 0.5, 2.0])
    t = np.array([1.0, -1.0, 1.0, 1.0])
    np.testing.assert_array_equal(M.hinge_vjp(g, p, t), [0, 0, -1, 0])
    np.testing.assert_array_equal(M.hinge_vjp(g, p, t, grad_at_margin=0.5),  # optax
                                  [-0.5, 0.5, -1, 0])
    np.testing.assert_array_equal(M.hinge_vjp(g, p, t, grad_at_margin=1.0),  # Keras/TF
                                  [-1, 1, -1, 0])
    np.testing.assert_array_equal(
        M.perceptron_vjp(np.ones(3), np.array([0.0, 0.0, 1.0]), np.array([1.0, -1, -1]),
                         grad_at_zero=0.5), [-0.5, 0.5, 1])  # optax measured
    np.testing.assert_array_equal(  # torch hinge_embedding measured [-1, -1, 0, 1]
        M.hinge_embedding_vjp(g, np.array([1.0, 0.5, 2.0, 1.0]), np.array([-1.0, -1, -1, 1]),
                              grad_at_margin=1.0), [-1, -1, 0, 1])
    # torch multi_margin at z = 0: gradient 0 (measured)
    np.testing.assert_array_equal(M.multi_margin_vjp(np.ones(1), np.array([[1.0, 2.0, 1.0]]),
                                                     np.array([1])), [[0, 0, 0]])
    # optax multiclass_hinge: ties split (measured [[-1, .5, .5]] and [[.5, -.5, 0]])
    np.testing.assert_array_equal(
        M.multiclass_hinge_vjp(np.ones(1), np.array([[1.0, 3.0, 3.0]]), np.array([0])),
        [[-1, 0.5, 0.5]])
    np.testing.assert_array_equal(
        M.multiclass_hinge_vjp(np.ones(1), np.array([[2.0, 3.0, 1.0]]), np.array([1])),
        [[0.5, -0.5, 0]])
    # Keras categorical_hinge: ties split, kink gradient 1 (measured [-1,.5,.5], [1,-1,0])
    np.testing.assert_array_equal(
        M.categorical_hinge_vjp(np.ones(1), np.array([[1.0, 3.0, 3.0]]),
                                np.array([[1.0, 0, 0]])), [[-1, 0.5, 0.5]])
    np.testing.assert_array_equal(
        M.categorical_hinge_vjp(np.ones(1), np.array([[2.0, 3.0, 1.0]]),
                                np.array([[0.0, 1, 0]]), grad_at_margin=1.0), [[1, -1, 0]])


def test_torch_multi_margin_values():
    # torch 2.13: multi_margin_loss(x, y, weight=[2,1,3], reduction='none') = [1.6667, 0.6]
    w = np.array([2.0, 1.0, 3.0])
    np.testing.assert_allclose(M.multi_margin(X, Y, class_weight=w), [5 / 3, 0.6], rtol=1e-15)
    assert M.multi_margin(X, Y, class_weight=w, reduction="mean") == pytest.approx(1.1333333,
                                                                                   rel=1e-6)
    np.testing.assert_allclose(M.multi_margin(X, Y, p=2, margin=0.7), [0.6166666667, 0.0033333333],
                               rtol=1e-5)


# --------------------------------------------------------------------------- reductions


def _args(name):
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, (3, 4))
    if name in ("multi_margin", "multiclass_hinge", "multiclass_perceptron"):
        return x, np.array([0, 3, 1]), {}
    if name == "categorical_hinge":
        return x, np.eye(4)[[0, 3, 1]], {}
    if name == "multilabel_soft_margin":
        return x, rng.uniform(0, 1, (3, 4)), {}
    if name == "multilabel_margin":
        return x, np.array([[0, 2, -1, 3], [1, -1, 0, 0], [3, 3, 0, -1]]), {}
    if name == "hinge_embedding":
        return np.abs(x), rng.choice([-1.0, 1.0], (3, 4)), {"mean_axis": -1}
    return x, rng.choice([-1.0, 1.0], (3, 4)), {"mean_axis": -1}


# the pair and triplet embedding losses take three inputs: tests/test_ref_embedding.py; the
# contrastive losses a batch and its integer labels: tests/test_ref_contrastive.py
TWO_INPUT = sorted(set(M.FUNCTIONS) - {"margin_ranking", "cosine_embedding", "triplet_margin",
                                       "ntxent", "circle"})


@pytest.mark.parametrize("name", TWO_INPUT)
def test_vjp_with_reduction_matches_finite_differences(name):
    x, t, kw = _args(name)
    kw = {**kw, "reduction": "weighted_mean", "sample_weight": np.array([1.0, 0.0, 2.0])}
    f = M.FUNCTIONS[name]
    np.testing.assert_array_equal(
        f(x, t, **kw),
        reference.reduce_loss(f(x, t, **{k: v for k, v in kw.items()
                                         if k not in ("reduction", "sample_weight")}),
                              "weighted_mean", sample_weight=kw["sample_weight"]))
    grad = M.VJPS[name](np.asarray(0.7), x, t, **kw)
    fd = np.zeros_like(x)
    h = 1e-7
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        fd[i] = 0.7 * (f(x + e, t, **kw) - f(x - e, t, **kw)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    assert np.all(grad[1] == 0)


def test_class_axis_keyword():
    x = np.random.default_rng(0).normal(size=(2, 3, 5))
    y = np.array([[0, 1, 2, 0, 1], [2, 2, 1, 0, 0]])
    a = M.multi_margin(x, y, axis=1)
    b = M.multi_margin(np.moveaxis(x, 1, -1), y)
    np.testing.assert_array_equal(a, b)
    ga = M.multi_margin_vjp(np.ones((2, 5)), x, y, axis=1)
    gb = M.multi_margin_vjp(np.ones((2, 5)), np.moveaxis(x, 1, -1), y)
    np.testing.assert_array_equal(ga, np.moveaxis(gb, -1, 1))


# --------------------------------------------------------------------------- IEEE


@pytest.mark.parametrize("name", TWO_INPUT)
def test_special_values_no_warnings(name):
    x = np.array([[np.nan, 1.0, 2.0], [np.inf, -np.inf, 0.0], [1e308, -1e308, 5.0]])
    if name in ("multi_margin", "multiclass_hinge", "multiclass_perceptron"):
        t = np.array([0, 1, 2])
    elif name in ("categorical_hinge", "multilabel_soft_margin"):
        t = np.eye(3)[[0, 1, 2]]
    elif name == "multilabel_margin":
        t = np.array([[1, -1, 0], [0, 2, -1], [2, 0, -1]])
    else:
        t = np.array([[1.0, -1.0, 1.0]] * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = M.FUNCTIONS[name](x, t)
        M.VJPS[name](np.ones(v.shape), x, t)
    assert np.isnan(v.ravel()[0])


# --------------------------------------------------------------------------- multilabel_margin


def test_multilabel_margin_torch_values():
    # torch docs' MultiLabelMarginLoss example: x = [[0.1, 0.2, 0.4, 0.8]], y = [[3, 0, -1, 1]]
    # -> 0.85; torch 2.13 measured gradient [[-0.5, 0.5, 0.5, -0.5]] ('mean', g = 1)
    x = np.array([[0.1, 0.2, 0.4, 0.8]])
    y = np.array([[3, 0, -1, 1]])
    assert M.multilabel_margin(x, y, reduction="mean") == pytest.approx(0.85, rel=1e-15)
    np.testing.assert_array_equal(M.multilabel_margin_vjp(np.asarray(1.0), x, y,
                                                          reduction="mean"),
                                  [[-0.5, 0.5, 0.5, -0.5]])
    # the 1-D form: a scalar per-sample value
    assert M.multilabel_margin(x[0], y[0]).shape == ()


def test_multilabel_margin_target_lists():
    x = np.array([0.1, 0.2, 0.4, 0.8])
    f = M.multilabel_margin
    # a repeated index counts once per occurrence (torch 2.13: 0.65 and 0.325)
    assert f(x, np.array([3, 3, -1, 1])) == pytest.approx(0.65, rel=1e-15)
    assert f(x, np.array([3, -1, -1, 1])) == pytest.approx(0.325, rel=1e-15)
    # no target, and every class a target: 0
    assert f(x, np.array([-1, 0, 1, 2])) == 0.0
    assert f(x, np.array([0, 1, 2, 3])) == 0.0
    # what follows the first -1 is ignored
    assert f(x, np.array([3, -1, 0, 1])) == f(x, np.array([3, -1, 2, 2]))
    g = M.multilabel_margin_vjp(np.asarray(1.0), x, np.array([3, 3, -1, 1]))
    np.testing.assert_array_equal(g, np.array([2, 2, 2, -6]) / 4)
    np.testing.assert_array_equal(M.multilabel_margin_vjp(np.asarray(1.0), x,
                                                          np.array([-1, 0, 1, 2])), np.zeros(4))


def test_multilabel_margin_kink_and_nan():
    # 1 - x[0] + x[1] == 0 exactly: torch's kernel tests z > 0 (measured [[-1/3, 0, 1/3]])
    x = np.array([[1.0, 0.0, 0.5]])
    y = np.array([[0, -1, 0]])
    np.testing.assert_array_equal(M.multilabel_margin_vjp(np.ones(1), x, y),
                                  [[-1 / 3, 0, 1 / 3]])
    np.testing.assert_array_equal(M.multilabel_margin_vjp(np.ones(1), x, y, grad_at_margin=0.5),
                                  [[-1.5 / 3, 0.5 / 3, 1 / 3]])
    # a NaN non-target score: NaN loss; NaN gradient for it and the targets only
    x = np.array([[np.nan, 1.0, 2.0, 0.0]])
    y = np.array([[1, -1, 0, 0]])
    assert np.isnan(M.multilabel_margin(x, y)[0])
    g = M.multilabel_margin_vjp(np.ones(1), x, y)
    np.testing.assert_array_equal(np.isnan(g), [[True, True, False, False]])
    assert g[0, 2] == 0.25 and g[0, 3] == 0.0


def test_multilabel_margin_class_axis():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 3))
    y = np.array([[[0, 3, -1, 1], [2, -1, 0, 0], [1, 1, 2, 3]]] * 2)
    a = M.multilabel_margin(x, np.moveaxis(y, -1, 1), axis=1)
    np.testing.assert_array_equal(a, M.multilabel_margin(np.moveaxis(x, 1, -1), y))
    ga = M.multilabel_margin_vjp(np.ones((2, 3)), x, np.moveaxis(y, -1, 1), axis=1)
    gb = M.multilabel_margin_vjp(np.ones((2, 3)), np.moveaxis(x, 1, -1), y)
    np.testing.assert_array_equal(ga, np.moveaxis(gb, -1, 1))
