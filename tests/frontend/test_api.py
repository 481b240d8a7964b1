"""Golden API (upto / trace / batch), TopK placement, MultiThreshold input, inspect, verify."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hwgen
from hwgen.errors import VerifyError
from hwgen.frontend import read
from hwgen.inspect import format_inspect
from hwgen.ir import Threshold, TopK, verify
from tests.frontend.handmade import QDOMAIN, Builder
from tests.frontend.onnx_ref import run_onnx

EXAMPLE = Path(__file__).parents[2] / "hwgen/data/examples/tfc_w1a1.onnx"
WI = np.array([[1, -1, 2], [2, 0, -3]], np.float32)


def _topk_model(tmp_path, op: str, positive: bool) -> Path:
    b = Builder((1, 2))
    w = b.weight_quant(WI, 0.5, 4)
    b.node("MatMul", [w])
    b.node("Mul", [b.const(0.25 if positive else np.array([0.25, -0.5, 1.0], np.float32))])
    b.node("Add", [b.const(1.0)])
    if op == "ArgMax":
        b.node("ArgMax", axis=1, keepdims=1)
    else:
        b.nodes.append(__import__("onnx").helper.make_node(
            "TopK", [b.cur, b.const(np.array([1], np.int64).astype(np.float32))],
            ["vals", "idx"], name="TopK_1", axis=-1))
        b.cur = "idx"
    return b.save(tmp_path / f"{op}.onnx")


@pytest.mark.parametrize("positive", [True, False])
def test_argmax_placement(tmp_path, positive):
    path = _topk_model(tmp_path, "ArgMax", positive)
    g = hwgen.load(path)
    assert isinstance(g.layers[-1], TopK) == positive
    assert g.epilogue.top1 == ("hw" if positive else "host")
    x = np.arange(-30, 30, dtype=np.float32).reshape(-1, 2)
    got = hwgen.execute(g, x)
    assert got.dtype == np.int64 and np.array_equal(got, run_onnx(read(path), x))


def test_upto_hw_and_trace(zoo_export, mnist):
    g = hwgen.load(zoo_export("tfc_w2a2"))
    x = mnist[0][:7].astype(np.float32)
    hw = hwgen.execute(g, x, upto="hw")
    tr = hwgen.execute(g, x, trace=True)
    assert hw.dtype == np.int64 and hw.shape == (7, 10)
    assert list(tr) == ["input"] + [layer.name for layer in g.layers]
    assert np.array_equal(tr[g.layers[-1].name], hw)
    for layer in g.layers:
        assert layer.out_dtype.allowed(tr[layer.name]), layer.name
    assert np.array_equal(hwgen.execute(g, x[:1]), hwgen.execute(g, x)[:1])


def test_multithreshold_input(tmp_path):
    b = Builder((1, 2))
    t = np.array([[-1.5, 0.5, 2.5], [0.0, 1.0, 1.0]], np.float32)
    b.node("MultiThreshold", [b.const(t)], domain=QDOMAIN, out_dtype="INT2", out_bias=-1.0)
    path = b.save(tmp_path / "mt.onnx")
    g = hwgen.load(path)
    assert isinstance(g.layers[0], Threshold) and g.layers[0].out_bias == -1
    x = np.stack(np.meshgrid(np.arange(-4, 5), np.arange(-4, 5)), -1).reshape(-1, 2)
    x = x.astype(np.float32)
    assert np.array_equal(hwgen.execute(g, x), run_onnx(read(path), x))


def test_inspect_and_verify(zoo_export):
    g = hwgen.load(zoo_export("cnv_small"))
    text = format_inspect(g)
    for word in ("00_swg", "SlidingWindow", "acc INT", "thr (per-channel", "MACs", "Flatten"):
        assert word in text
    bad = g.layers[2]
    from dataclasses import replace

    broken = replace(g, layers=g.layers[:2] + (replace(bad, thresholds=bad.thresholds[:, ::-1]),)
                     + g.layers[3:])
    with pytest.raises(VerifyError, match=r"node '02_thr' \(Threshold\): thresholds must be "
                                          r"ascending"):
        verify(broken)


@pytest.mark.skipif(not EXAMPLE.exists(), reason="bundled example not generated yet")
def test_bundled_example(mnist):
    g = hwgen.load(EXAMPLE)
    x = mnist[0][:200].reshape((200,) + g.onnx_input_shape[1:]).astype(np.float32)
    ref = run_onnx(read(EXAMPLE), x)
    got = hwgen.execute(g, x)
    assert np.abs(got - ref).max() <= 1e-4 * np.abs(ref).max()
    assert np.mean(got.argmax(1) == mnist[1][:200]) > 0.85
