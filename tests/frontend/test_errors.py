"""Every frontend error path raises a HwgenError naming node, op, what is supported and a hint."""

from __future__ import annotations

import numpy as np
import pytest

import hwgen
from hwgen.errors import ModelError, UnsupportedError
from tests.frontend.handmade import QDOMAIN, Builder

WI = np.array([[1, -1], [2, 0]], np.float32)


def _mm(b: Builder) -> None:
    w = b.weight_quant(WI, 0.5, 4)
    b.node("MatMul", [w])


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match=r"model file '.*nope.onnx' does not exist \(hint: pass"):
        hwgen.load(tmp_path / "nope.onnx")


def test_malformed_file(tmp_path):
    p = tmp_path / "bad.onnx"
    p.write_bytes(b"\x00garbage, not a protobuf")
    with pytest.raises(ModelError, match=r"cannot read .* as an ONNX/QONNX model.*\(hint: "):
        hwgen.load(p)


def test_unsupported_op(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    b.node("Softmax", axis=1)
    with pytest.raises(UnsupportedError,
                       match=r"node 'Softmax_\d+' \(Softmax\): op Softmax is not supported; "
                             r"supported ops: .*MatMul.*\(hint: replace it"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_nonzero_zero_point(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    b.quant(0.5, 4, zp=1.0)
    with pytest.raises(UnsupportedError, match=r"\(Quant\): zero point must be 0, not \[1.0\] "
                                               r"\(hint: use a symmetric"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_float_op_not_absorbable(tmp_path):
    b = Builder((1, 2))
    b.node("Relu")
    _mm(b)
    with pytest.raises(UnsupportedError, match=r"\(MatMul\): float ops \[relu\] between the last "
                                               r"quantizer and this matrix product cannot be "
                                               r"absorbed.*\(hint: put a quantizer"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_float_input_never_quantized(tmp_path):
    b = Builder((1, 2), dtype=None)
    _mm(b)
    with pytest.raises(UnsupportedError, match=r"\(MatMul\): the float input reaches a matrix "
                                               r"product without a quantizer \(hint: quantize"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_float_weights(tmp_path):
    b = Builder((1, 2))
    b.node("MatMul", [b.const(np.array([[0.3, 1], [2, 0]]))])
    with pytest.raises(UnsupportedError, match=r"weight 'c\d+' is float and not quantized "
                                               r"\(hint: quantize the weights"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_branch(tmp_path):
    b = Builder((1, 2))
    t = b.node("Relu")
    b.node("Add", first=[t, t])
    with pytest.raises(UnsupportedError, match=r"feeds 2 nodes; only chains are supported "
                                               r"\(hint: branches"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_bipolar_zero_padding(tmp_path):
    b = Builder((1, 1, 4, 4), dtype=None)
    b.node("BipolarQuant", [b.const(1.0)], domain=QDOMAIN)
    w = b.weight_quant(np.ones((2, 1, 3, 3)), 1.0, 2)
    b.node("Conv", [w], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    with pytest.raises(UnsupportedError, match=r"\(Conv\): zero padding of a BIPOLAR \(\+1/-1\) "
                                               r"input has no code \(hint: use padding=0"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_decreasing_activation_without_weights(tmp_path):
    b = Builder((1, 2))
    b.node("Mul", [b.const(-0.5)])
    b.quant(1.0, 4)
    with pytest.raises(UnsupportedError, match=r"\(Quant\): the activation decreases with the "
                                               r"integer input, and there is no weight matrix"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_grouped_conv(tmp_path):
    b = Builder((1, 4, 4, 4))
    w = b.weight_quant(np.ones((4, 2, 3, 3)), 1.0, 2)
    b.node("Conv", [w], kernel_shape=[3, 3], group=2)
    with pytest.raises(UnsupportedError, match=r"\(Conv\): group must be 1 or the channel count "
                                               r"4 .*not 2 with 4 outputs \(hint: "):
        hwgen.load(b.save(tmp_path / "m.onnx"))
