"""Wrong results found by review (issue 15, item 6): each one pinned by a regression test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hwgen
from hwgen.build import build
from hwgen.golden import prologue
from tests.frontend.handmade import QDOMAIN, Builder


def _conv_pool_quant(path: Path) -> Path:
    """Conv with unsigned weights on an unsigned input, MaxPool on the raw accumulator, Quant."""
    b = Builder((1, 2, 4, 4), dtype="UINT2")
    src = b.const(np.random.default_rng(0).integers(0, 4, (3, 2, 3, 3)).astype(np.float32))
    save = b.cur
    w = b.node("Quant", domain=QDOMAIN, first=[src, b.const(1.0), b.const(0.0), b.const(3)],
               signed=0, narrow=0, rounding_mode="ROUND")
    b.cur = save
    b.node("Conv", [w], kernel_shape=[3, 3])
    b.node("MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    b.quant(4.0, 4, signed=0)
    return b.save(path)


def test_pool_on_unsigned_raw_accumulator_builds(tmp_path: Path) -> None:
    graph = hwgen.load(_conv_pool_quant(tmp_path / "m.onnx"))
    assert [la.op for la in graph.layers] == ["SlidingWindow", "MatMul", "MaxPool", "Threshold"]
    assert str(graph.layers[1].out_dtype) == "UINT7"  # IR: unsigned accumulator [0, 90]
    result = build(tmp_path / "m.onnx", tmp_path / "out")
    _swg, mvau, pool, thr = result.hw.layers
    # the raw MVAU emits a signed accumulator code; the pool and the threshold read it as is
    assert str(mvau.out_dtype) == str(pool.in_dtype) == str(pool.out_dtype) == str(thr.in_dtype)
    assert str(mvau.out_dtype) == "INT8"


@pytest.mark.slow
def test_pool_on_unsigned_raw_accumulator_simulates_exactly(tmp_path: Path) -> None:
    from hwgen.simulate.design import simulate

    graph = hwgen.load(_conv_pool_quant(tmp_path / "m.onnx"))
    build(tmp_path / "m.onnx", tmp_path / "out")
    x = np.random.default_rng(1).integers(0, 4, (20, 2, 4, 4)).astype(np.float32)
    expected = hwgen.execute(graph, x, upto="hw")
    assert len(np.unique(expected)) > 3  # the data exercises several output levels
    run = simulate(tmp_path / "out", prologue(graph, x), level="core")
    np.testing.assert_array_equal(run.outputs.reshape(expected.shape), expected)
