"""General windows on hand-written QONNX graphs (power-of-two scales: golden == execute_onnx
exactly): 1-D and non-square convolutions with strides, dilation, asymmetric and "same"
padding, depthwise convolutions, padded max pools (3x3 / 2), average pools (padded, global,
ReduceMean) followed by a quantizer or QONNX Trunc; grouped convolutions are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hwgen
from hwgen.errors import UnsupportedError
from tests.frontend.handmade import QDOMAIN, Builder
from tests.frontend.onnx_ref import run_onnx


def _conv(b: Builder, rng: np.random.Generator, o: int, cg: int, k: tuple[int, ...],
          scale: float = 0.25, **attrs) -> None:
    # weights drawn from the chain's own generator: a chain is the same model on every call
    # (a module-wide generator made each call differ, and a test that rebuilt a chain into the
    # same path then checked an earlier design against the new weights)
    w = rng.integers(-7, 8, size=(o, cg) + k)
    b.node("Conv", [b.weight_quant(w, scale, 4)], kernel_shape=list(k), **attrs)


def _relu4(b: Builder, scale: float = 0.5) -> None:
    b.quant(scale, 4, signed=0)


def windows_chain(path: Path) -> Path:
    """UINT4 (1, 3, 9, 10): conv (2, 3) stride (1, 2) dilation (2, 1) pads (0, 1, 1, 0) -
    quant - max pool 3x3 / 2 pad 1 - depthwise 3x3 SAME_UPPER - quant - conv 1x1 - quant -
    average pool 2x2 / 1 pads (0, 0, 1, 1) - Trunc (FLOOR) - global average pool - quant."""
    b = Builder((1, 3, 9, 10), "UINT4", qonnx_opset=2)  # Trunc v2
    rng = np.random.default_rng(17)
    _conv(b, rng, 4, 3, (2, 3), strides=[1, 2], dilations=[2, 1], pads=[0, 1, 1, 0])
    _relu4(b, 2.0)
    b.node("MaxPool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    _conv(b, rng, 4, 1, (3, 3), group=4, auto_pad="SAME_UPPER")
    _relu4(b, 1.0)
    _conv(b, rng, 6, 4, (1, 1))
    _relu4(b, 1.0)
    b.node("AveragePool", kernel_shape=[2, 2], strides=[1, 1], pads=[0, 0, 1, 1],
           count_include_pad=1)
    # Trunc v2: x, scale, zero point, input bit width, output scale, output bit width
    ins = [b.cur, b.const(0.25), b.const(0.0), b.const(6.0), b.const(1.0), b.const(4.0)]
    b.node("Trunc", domain=QDOMAIN, first=ins, rounding_mode="FLOOR", signed=0, narrow=0)
    b.node("GlobalAveragePool")
    b.quant(0.5, 3, signed=0)
    return b.save(path)


def signal_chain(path: Path) -> Path:
    """UINT4 (1, 2, 17) signal: conv1d k4 stride 2 SAME_LOWER - quant - conv1d k3 dilation 3
    pads (3, 1) - quant - max pool 1d 3 / 2 pad 1 - ReduceMean over L (keepdims 0) - quant."""
    b = Builder((1, 2, 17), "UINT4")
    rng = np.random.default_rng(19)
    _conv(b, rng, 4, 2, (4,), strides=[2], auto_pad="SAME_LOWER")
    _relu4(b, 2.0)
    _conv(b, rng, 4, 4, (3,), dilations=[3], pads=[3, 1])
    _relu4(b, 2.0)
    b.node("MaxPool", kernel_shape=[3], strides=[2], pads=[1, 1])
    b.node("ReduceMean", axes=[2], keepdims=0)
    b.quant(0.25, 4, signed=0)
    return b.save(path)


CHAINS = {"windows": windows_chain, "signal": signal_chain}


def chain_input(name: str, n: int) -> np.ndarray:
    shape = {"windows": (n, 3, 9, 10), "signal": (n, 2, 17)}[name]
    return np.random.default_rng(5).integers(0, 16, size=shape).astype(np.float32)


@pytest.mark.parametrize("name", list(CHAINS))
def test_golden_equals_execute_onnx(tmp_path, name):
    from hwgen.frontend import read

    path = CHAINS[name](tmp_path / f"{name}.onnx")
    graph = hwgen.load(path)
    x = chain_input(name, 64)
    ref = run_onnx(read(path), x)
    got = hwgen.execute(graph, x)
    assert got.shape == ref.shape and np.array_equal(got, ref)
    assert np.unique(ref).size >= 3  # not a constant output
    ops = [layer.op for layer in graph.layers]
    if name == "windows":
        assert ops == ["SlidingWindow", "MatMul", "Threshold", "MaxPool", "SlidingWindow",
                       "DepthwiseMatMul", "Threshold", "MatMul", "Threshold", "AvgPool",
                       "Threshold", "AvgPool", "Threshold"]
        swg = graph.layers[0]
        assert swg.dilation == (2, 1) and swg.pad == (0, 1, 1, 0) and swg.stride == (1, 2)
        assert graph.layers[3].pad == (1, 1, 1, 1)
        assert graph.layers[4].pad == (1, 1, 1, 1)  # SAME_UPPER, 3x3, stride 1
    else:
        assert graph.input_shape == (1, 17, 2)
        assert graph.layers[0].pad == (0, 2, 0, 1)  # SAME_LOWER: the extra pad goes first
        assert ops[-2:] == ["Flatten", "Threshold"]


def test_grouped_conv_is_refused(tmp_path):
    b = Builder((1, 4, 5, 5), "UINT4")
    _conv(b, np.random.default_rng(3), 4, 2, (3, 3), group=2)
    _relu4(b)
    with pytest.raises(UnsupportedError, match=r"node 'Conv_\d+' \(Conv\): group must be 1 or "
                       r"the channel count 4 .*not 2.*\(hint: grouped convolutions"):
        hwgen.load(b.save(tmp_path / "g.onnx"))


def test_count_exclude_pad_is_refused(tmp_path):
    b = Builder((1, 2, 5, 5), "UINT4")
    b.node("AveragePool", kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0)
    b.quant(0.5, 4, signed=0)
    with pytest.raises(UnsupportedError, match=r"AveragePool.*count_include_pad=0.*\(hint: "):
        hwgen.load(b.save(tmp_path / "a.onnx"))


def _per_channel_chain(path: Path, group: int) -> Path:
    """UINT4 (1, 4, 6, 6): conv 1x1 - quant with one scale per channel (as Brevitas'
    MobileNet-v1 activations) - 3x3 conv pad 1 (group 4: depthwise) - quant."""
    b = Builder((1, 4, 6, 6), "UINT4")
    rng = np.random.default_rng(23)
    _conv(b, rng, 4, 4, (1, 1))
    b.quant(np.array([0.5, 1.0, 2.0, 0.25], np.float32).reshape(1, 4, 1, 1), 4, signed=0)
    _conv(b, rng, 4, 4 // group, (3, 3), group=group, pads=[1, 1, 1, 1])
    _relu4(b, 2.0)
    return b.save(path)


def test_per_channel_scale_into_depthwise(tmp_path):
    """A per-channel activation scale before a depthwise conv folds into its per-channel
    weight scales (each output reads only its own channel): golden == execute_onnx exactly;
    before a full conv it cannot, and is refused."""
    from hwgen.frontend import read

    path = _per_channel_chain(tmp_path / "dw.onnx", group=4)
    graph = hwgen.load(path)
    x = np.random.default_rng(6).integers(0, 16, size=(32, 4, 6, 6)).astype(np.float32)
    ref = run_onnx(read(path), x)
    got = hwgen.execute(graph, x)
    assert np.array_equal(got, ref) and np.unique(ref).size >= 3
    assert "DepthwiseMatMul" in [layer.op for layer in graph.layers]
    with pytest.raises(UnsupportedError, match="cannot be absorbed"):
        hwgen.load(_per_channel_chain(tmp_path / "full.onnx", group=1))
