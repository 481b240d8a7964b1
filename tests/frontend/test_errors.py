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


def test_add_of_unquantized_operand(tmp_path):
    b = Builder((1, 2))
    t = b.node("Relu")
    b.node("Add", first=[t, t])
    with pytest.raises(UnsupportedError, match=r"\(Add\): operand 0 \('t\d+'\) is not a "
                                               r"quantized activation \(float ops after its last "
                                               r"quantizer: relu\) \(hint: put an activation"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def _two_quants(b: Builder, sa: float, sb: float) -> tuple[str, str]:
    qa = b.quant(sa, 4, src="x")
    qb = b.quant(sb, 4, src="x")
    return qa, qb


def test_add_of_incompatible_scales(tmp_path):
    b = Builder((1, 3))
    qa, qb = _two_quants(b, 0.5, 0.3)
    b.node("Add", first=[qa, qb])
    with pytest.raises(UnsupportedError, match=r"node 'Add_\d+' \(Add\): operand scales 0.5 and "
                                               r"0.3 differ and neither is an integer multiple.*"
                                               r"\(hint: share the quantizer"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_concat_of_different_scales(tmp_path):
    b = Builder((1, 3))
    qa, qb = _two_quants(b, 0.5, 0.25)
    b.node("Concat", first=[qa, qb], axis=1)
    with pytest.raises(UnsupportedError, match=r"\(Concat\): operand scales 0.5 and 0.25 differ "
                                               r"\(hint: share the quantizer"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_add_of_integer_multiple_scales_is_exact(tmp_path):
    """Scales 0.5 and 0.25: the add re-codes (2 * a + b) exactly; golden == execute_onnx."""
    from tests.frontend.onnx_ref import run_onnx

    b = Builder((1, 3))
    qa, qb = _two_quants(b, 0.5, 0.25)
    b.node("Add", first=[qa, qb])
    b.quant(0.75, 3, signed=1)
    path = b.save(tmp_path / "m.onnx")
    g = hwgen.load(path)
    add = g.layers[-2]
    assert add.op == "Add" and add.coeffs == (2, 1) and g.producers(add) == ("00_thr", "01_thr")
    x = np.arange(-40, 41, dtype=np.float32).reshape(-1, 1)[:, [0, 0, 0]] * [1, -1, 0.5]
    x = np.round(x).astype(np.float32)
    want = run_onnx(hwgen.frontend.read(path), x)
    np.testing.assert_array_equal(hwgen.execute(g, x), want)


def test_several_inputs_or_outputs(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    b = Builder((1, 2))
    qa, qb = _two_quants(b, 0.5, 0.5)
    p = b.save(tmp_path / "m.onnx")
    m = onnx.load(p)
    m.graph.output.append(helper.make_tensor_value_info(qa, TensorProto.FLOAT, None))
    onnx.save(m, tmp_path / "two_out.onnx")
    with pytest.raises(UnsupportedError, match=r"one input and one output, not 1 \(x\) and 2 "
                                               r".*\(hint: export a single-input"):
        hwgen.load(tmp_path / "two_out.onnx")
    m = onnx.load(p)
    m.graph.input.append(helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2]))
    m.graph.node[-1].input[0] = "y"
    onnx.save(m, tmp_path / "two_in.onnx")
    with pytest.raises(UnsupportedError, match=r"one input and one output, not 2 \(x, y\) and 1"):
        hwgen.load(tmp_path / "two_in.onnx")


def test_dead_branch(tmp_path):
    b = Builder((1, 2))
    dead = b.node("Relu")
    b.quant(0.5, 4, src="x")
    with pytest.raises(UnsupportedError, match=rf"node 'Relu_\d+' \(Relu\): its output '{dead}' "
                                               r"is never used: the graph must have one output"):
        hwgen.load(b.save(tmp_path / "m.onnx"))


def test_fork_before_the_input_quantizer(tmp_path):
    b = Builder((1, 2), dtype=None)
    qa, qb = _two_quants(b, 0.5, 0.5)
    b.node("Add", first=[qa, qb])
    with pytest.raises(UnsupportedError, match=r"the float input 'x' feeds 2 nodes before its "
                                               r"quantizer \(hint: quantize the input once"):
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
    b = Builder((1, 2, 4, 4))
    w = b.weight_quant(np.ones((2, 1, 3, 3)), 1.0, 2)
    b.node("Conv", [w], kernel_shape=[3, 3], group=2)
    with pytest.raises(UnsupportedError, match=r"\(Conv\): group must be 1, not 2 \(hint: "):
        hwgen.load(b.save(tmp_path / "m.onnx"))
