"""The IR as a DAG (issue 16): producers, verifier rules, golden execution of forks and joins.

Expected values come from plain numpy formulas written here, independent of ``hwgen.golden``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hwgen.errors import VerifyError
from hwgen.golden import execute
from hwgen.ir import (
    GRAPH_INPUT,
    INT,
    UINT,
    Add,
    Concat,
    Epilogue,
    Graph,
    MatMul,
    Prologue,
    Threshold,
    verify,
)

RNG = np.random.default_rng(16)


def _graph(layers, shape=(4,), dtype=None) -> Graph:
    dtype = dtype or UINT(2)
    last = layers[-1]
    return Graph("g", tuple(layers), shape, dtype, (1, *shape), (1, *last.out_shape),
                 Prologue("identity"), Epilogue())


def _residual() -> tuple[Graph, np.ndarray, np.ndarray, np.ndarray]:
    """input -> mm -> thr ->(+ input)-> add -> thr2; plus a concat of input and thr."""
    w = RNG.integers(-2, 3, (4, 4))
    t = np.sort(RNG.integers(-6, 7, (4, 3)), axis=1)
    t2 = np.sort(RNG.integers(0, 7, (1, 3)), axis=1)
    mm = MatMul("00_mm", "mm", (4,), UINT(2), w, INT(3))
    thr = Threshold("01_thr", "q", (4,), mm.out_dtype, t, out_bias=0)
    add = Add("02_add", "add", (4,), UINT(2), UINT(2), inputs=("01_thr", GRAPH_INPUT))
    thr2 = Threshold("03_thr", "q2", (4,), add.out_dtype, t2, out_bias=0)
    cat = Concat("04_cat", "cat", (4,), UINT(2), (4,), UINT(2), inputs=(GRAPH_INPUT, "03_thr"))
    return _graph([mm, thr, add, thr2, cat]), w, t, t2


def test_chain_producers_are_implicit():
    w = RNG.integers(-2, 3, (3, 4))
    mm = MatMul("00_mm", "mm", (4,), UINT(2), w, INT(3))
    thr = Threshold("01_thr", "q", (3,), mm.out_dtype, np.array([[0, 1, 2]]), out_bias=0)
    g = verify(_graph([mm, thr]))
    assert g.producers(0) == (GRAPH_INPUT,)
    assert g.producers(thr) == ("00_mm",)
    assert g.consumers(GRAPH_INPUT) == ("00_mm",)
    assert g.is_chain


def test_dag_golden_matches_numpy_and_traces_every_layer():
    g, w, t, t2 = _residual()
    verify(g)
    assert not g.is_chain
    assert g.consumers(GRAPH_INPUT) == ("00_mm", "02_add", "04_cat")
    x = RNG.integers(0, 4, (7, 4))
    acc = x @ w.T
    q = (acc[..., None] >= t[None]).sum(-1)
    s = q + x
    q2 = (s[..., None] >= t2[0]).sum(-1)
    want = np.concatenate([x, q2], axis=-1)
    rec = execute(g, x, trace=True)
    assert set(rec) == {GRAPH_INPUT, "00_mm", "01_thr", "02_add", "03_thr", "04_cat"}
    np.testing.assert_array_equal(rec["02_add"], s)
    np.testing.assert_array_equal(rec["04_cat"], want)
    np.testing.assert_array_equal(execute(g, x, upto="hw"), want)


def test_add_coefficients_recode_unequal_steps():
    assert Add("a", "a", (3,), UINT(2), UINT(3), coeffs=(2, 1)).out_dtype == UINT(4)  # 6 + 7
    add = Add("00_add", "add", (3,), UINT(2), UINT(2), coeffs=(2, 1),
              inputs=(GRAPH_INPUT, GRAPH_INPUT))
    g = verify(_graph([add], (3,), UINT(2)))
    x = RNG.integers(0, 4, (5, 3))
    np.testing.assert_array_equal(execute(g, x, upto="hw"), 3 * x)


@pytest.mark.parametrize("case, message", [
    ("later", "comes later in Graph.layers"),
    ("unknown", "is no layer"),
    ("arity", "takes 2 input(s), not 1"),
    ("shape", "input 1 shape must be (4,)"),
    ("dtype", "input 1 datatype must be UINT2"),
    ("dead", "never used"),
    ("reserved", "names the graph input"),
])
def test_verifier_names_the_layer(case, message):
    g, *_ = _residual()
    layers = list(g.layers)
    if case == "later":
        layers[2] = replace(layers[2], inputs=("03_thr", GRAPH_INPUT))
    elif case == "unknown":
        layers[2] = replace(layers[2], inputs=("01_thr", "nope"))
    elif case == "arity":
        layers[2] = replace(layers[2], inputs=("01_thr",))
    elif case == "shape":
        layers[2] = Concat("02_add", "add", (4,), UINT(2), (5,), UINT(2),
                           inputs=("01_thr", GRAPH_INPUT))
    elif case == "dtype":
        layers[2] = replace(layers[2], in_dtype1=UINT(3))
    elif case == "dead":
        layers[4] = replace(layers[4], inputs=(GRAPH_INPUT, GRAPH_INPUT))
    elif case == "reserved":
        layers[0] = replace(layers[0], name=GRAPH_INPUT)
    with pytest.raises(VerifyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        verify(replace(g, layers=tuple(layers)))
