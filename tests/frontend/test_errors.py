"""Every frontend error path raises a HwgenError naming node, op, what is supported and a hint."""

from __future__ import annotations

import numpy as np
import pytest

import hwgen
from hwgen.errors import HwgenError, ModelError, UnsupportedError
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
    with pytest.raises(UnsupportedError, match=r"must have one output, not 2: only the first "
                                               r".*\(hint: export a single-output"):
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
    b = Builder((1, 4, 4, 4))
    w = b.weight_quant(np.ones((4, 2, 3, 3)), 1.0, 2)
    b.node("Conv", [w], kernel_shape=[3, 3], group=2)
    with pytest.raises(UnsupportedError, match=r"\(Conv\): group must be 1 or the channel count "
                                               r"4 .*not 2 with 4 outputs \(hint: "):
        hwgen.load(b.save(tmp_path / "m.onnx"))


# -- issue 15, item 3: malformed models, each with the message a user sees ------------------------


def _load_msg(path) -> str:
    with pytest.raises(HwgenError) as info:
        hwgen.load(path)
    return str(info.value)


def _set_input_dims(path, dims) -> None:
    import onnx

    m = onnx.load(str(path))
    shape = m.graph.input[0].type.tensor_type.shape
    for d, v in zip(shape.dim, dims):
        d.Clear()
        if isinstance(v, str):
            d.dim_param = v
        else:
            d.dim_value = v
    onnx.save(m, str(path))


def test_folder_as_model(tmp_path):
    with pytest.raises(ModelError, match=r"model path '.*' is a folder, not a file \(hint: pass"):
        hwgen.load(tmp_path)


def test_symbolic_batch_is_accepted(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    path = b.save(tmp_path / "m.onnx")
    _set_input_dims(path, ["batch", 2])
    graph = hwgen.load(path)
    x = np.array([[3, -2], [1, 1]], np.float32)
    assert np.array_equal(hwgen.execute(graph, x, upto="hw"), x @ WI.astype(np.int64))


def test_symbolic_feature_size_is_refused(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    path = b.save(tmp_path / "m.onnx")
    _set_input_dims(path, ["batch", "features"])
    assert "input 'x' must have static feature and spatial sizes, but axis 1 of shape " \
           "('batch', 'features') is symbolic ('features')" in _load_msg(path)


def test_zero_size_input(tmp_path):
    b = Builder((1, 0))
    b.node("Relu")
    assert "input 'x' is empty: shape (1, 0) has a zero-size dimension" in \
        _load_msg(b.save(tmp_path / "m.onnx"))


def test_absurdly_large_declared_tensor_refused_before_cleanup(tmp_path):
    # a constant-of-shape weight 100000 x 100000: qonnx's folding would allocate 37 GiB
    from onnx import TensorProto, helper

    b = Builder((1, 100000))
    shp = b.const(np.array([100000, 100000], np.float32))
    b.inits[-1] = helper.make_tensor(shp, TensorProto.INT64, [2], [100000, 100000])
    wt = b.node("ConstantOfShape", first=[shp],
                value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0]))
    b.cur = "x"
    b.node("MatMul", [wt])
    msg = _load_msg(b.save(tmp_path / "m.onnx"))
    assert "(ConstantOfShape): tensor 't2' declares 10,000,000,000 elements (shape (100000, " \
           "100000)); hwgen accepts at most 67,108,864 per tensor" in msg


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_float_weights(tmp_path, bad):
    b = Builder((1, 2))
    b.node("MatMul", [b.const(np.array([[1, bad], [2, 0]], np.float32))])
    word = "NaN" if np.isnan(bad) else "Inf"
    assert f"node 'MatMul_2' (MatMul): constant 'c1' must be finite, but 1 of its 4 values are " \
           f"{word} (hint: the trained parameters are corrupt" in _load_msg(b.save(tmp_path / "m.onnx"))


def test_nan_quant_scale(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    b.quant(np.nan, 4)
    assert "(Quant): constant 'c7' must be finite, but 1 of its 1 values are NaN" in \
        _load_msg(b.save(tmp_path / "m.onnx"))


def _bn(b: Builder, var, mean=(0.0, 0.0), scale=(1.0, 1.0)) -> None:
    b.node("BatchNormalization", [b.const(np.array(scale, np.float32)), b.const(np.zeros(2)),
                                  b.const(np.array(mean, np.float32)),
                                  b.const(np.array(var, np.float32))], epsilon=1e-5)


def test_nan_batchnorm_statistics(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    _bn(b, [1.0, 1.0], mean=(np.nan, 0.0))
    b.quant(0.5, 4)
    assert "(BatchNormalization): constant 'c9' must be finite, but 1 of its 2 values are NaN" \
        in _load_msg(b.save(tmp_path / "m.onnx"))


def test_batchnorm_variance_plus_eps_not_positive(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    _bn(b, [1.0, -1.0])
    b.quant(0.5, 4)
    assert "(BatchNormalization): variance + epsilon must be > 0 in every channel, not -1 + 1e-05 " \
           "(channel 1)" in _load_msg(b.save(tmp_path / "m.onnx"))


def test_batchnorm_of_wrong_length(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    _bn(b, [1.0, 1.0, 1.0])
    b.quant(0.5, 4)
    assert "(BatchNormalization): variance must have 2 values (one per channel), not 3" in \
        _load_msg(b.save(tmp_path / "m.onnx"))


def test_bias_of_wrong_length(tmp_path):
    b = Builder((1, 2))
    w = b.weight_quant(WI.T, 0.5, 4)
    b.node("Gemm", [w, b.const(np.zeros(3))], transB=1)
    b.quant(0.5, 4)
    assert "(Gemm): bias must have 2 values (one per output), not 3" in \
        _load_msg(b.save(tmp_path / "m.onnx"))


def test_nan_bias_and_threshold(tmp_path):
    b = Builder((1, 2))
    w = b.weight_quant(WI.T, 0.5, 4)
    b.node("Gemm", [w, b.const(np.array([0.0, np.nan]))], transB=1)
    b.quant(0.5, 4)
    assert "(Gemm): constant 'c6' must be finite" in _load_msg(b.save(tmp_path / "m.onnx"))
    b = Builder((1, 2))
    _mm(b)
    b.node("MultiThreshold", [b.const(np.array([[0.0, np.inf]]))], domain=QDOMAIN)
    assert "(MultiThreshold): constant 'c7' must be finite, but 1 of its 2 values are Inf" in \
        _load_msg(b.save(tmp_path / "m2.onnx"))


def test_per_channel_scale_of_wrong_length(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    b.quant(np.array([0.5, 0.5, 0.5], np.float32), 4)
    assert "(Quant): constant of shape (3,) does not broadcast to the tensor of shape (1, 2): " \
           "expected a scalar or one value per channel (2)" in _load_msg(b.save(tmp_path / "m.onnx"))


def test_weight_scale_of_wrong_length(tmp_path):
    b = Builder((1, 2))
    src = b.const(WI)
    w = b.node("Quant", domain=QDOMAIN, first=[src, b.const(np.ones(3)), b.const(0.0),
                                               b.const(4)], signed=1, narrow=0)
    b.cur = "x"
    b.node("MatMul", [w])
    assert "weight scale of shape (3,) does not broadcast to the weights of shape (2, 2)" in \
        _load_msg(b.save(tmp_path / "m.onnx"))


def test_multithreshold_table_of_wrong_shape(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    b.node("MultiThreshold", [b.const(np.zeros((3, 4)))], domain=QDOMAIN)
    assert "(MultiThreshold): thresholds must have 1 or 2 rows (one per channel), not 3" in \
        _load_msg(b.save(tmp_path / "m.onnx"))
    b = Builder((1, 2))
    _mm(b)
    b.node("MultiThreshold", [b.const(np.zeros(4))], domain=QDOMAIN)
    assert "(MultiThreshold): thresholds must be a 2-D table (channels, steps), not of shape " \
           "(4,)" in _load_msg(b.save(tmp_path / "m2.onnx"))


def test_multithreshold_nhwc_per_channel_refused(tmp_path):
    b = Builder((1, 2, 3, 3))
    b.node("MultiThreshold", [b.const(np.array([[0.0, 1.0], [1.0, 2.0]]))], domain=QDOMAIN,
           data_layout="NHWC")
    assert "(MultiThreshold): data_layout NHWC on the NCHW tensor (1, 2, 3, 3) applies 2 " \
           "threshold rows along its last axis" in _load_msg(b.save(tmp_path / "m.onnx"))


def test_multithreshold_nhwc_on_a_flat_tensor_refused(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    b.node("MultiThreshold", [b.const(np.zeros((1, 2)))], domain=QDOMAIN, data_layout="NHWC")
    assert "(MultiThreshold): data_layout NHWC needs a 4-D tensor, not (1, 2) (QONNX cannot " \
           "execute it)" in _load_msg(b.save(tmp_path / "m.onnx"))


def test_multithreshold_nhwc_shared_row_matches_qonnx(tmp_path):
    from hwgen.frontend import read
    from tests.frontend.onnx_ref import run_onnx

    b = Builder((1, 2, 3, 3))
    w = b.weight_quant(np.ones((2, 2, 1, 1)), 1.0, 3)
    b.node("Conv", [w], kernel_shape=[1, 1])
    b.node("MultiThreshold", [b.const(np.array([[-3.0, 0.0, 5.0]]))], domain=QDOMAIN,
           data_layout="NHWC")
    path = b.save(tmp_path / "m.onnx")
    x = np.random.default_rng(0).integers(-20, 20, (4, 2, 3, 3)).astype(np.float32)
    assert np.array_equal(hwgen.execute(hwgen.load(path), x), run_onnx(read(path), x))


@pytest.mark.parametrize("op,attrs,msg", [
    ("Conv", {"kernel_shape": [3, 3], "strides": [0, 0]}, "strides must all be >= 1, not [0, 0]"),
    ("Conv", {"kernel_shape": [3, 3], "strides": [-1, 1]}, "strides must all be >= 1, not [-1, 1]"),
    ("MaxPool", {"kernel_shape": [0, 0]}, "kernel_shape must all be >= 1, not [0, 0]"),
    ("MaxPool", {"kernel_shape": [2, 2], "strides": [0, 2]}, "strides must all be >= 1, not [0, 2]"),
    ("Conv", {"kernel_shape": [3, 3], "pads": [-1, 0, 0, 0]}, "pads must all be >= 0, not [-1, "),
])
def test_window_attributes(tmp_path, op, attrs, msg):
    b = Builder((1, 2, 4, 4))
    extra = [b.weight_quant(np.ones((2, 2, 3, 3)), 1.0, 2)] if op == "Conv" else []
    b.node(op, extra, **attrs)
    assert f"({op}): {msg}" in _load_msg(b.save(tmp_path / "m.onnx"))


def test_unknown_rounding_mode(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    b.quant(0.5, 4, rounding="BOGUS")
    assert "(Quant): rounding_mode must be one of ROUND, HALF_EVEN, CEIL, FLOOR, UP, DOWN, " \
           "HALF_UP, HALF_DOWN, not 'BOGUS'" in _load_msg(b.save(tmp_path / "m.onnx"))


def test_non_float_input(tmp_path):
    import onnx

    b = Builder((1, 2))
    _mm(b)
    path = b.save(tmp_path / "m.onnx")
    m = onnx.load(str(path))
    m.graph.input[0].type.tensor_type.elem_type = onnx.TensorProto.DOUBLE
    onnx.save(m, str(path))
    assert "input 'x' must be a float32 tensor, not double" in _load_msg(path)


def test_unknown_attribute_and_domain(tmp_path):
    b = Builder((1, 2))
    w = b.weight_quant(WI, 0.5, 4)
    b.node("MatMul", [w], bogus=1)
    assert "(MatMul): attribute 'bogus' is not defined for MatMul; expected one of: none" in \
        _load_msg(b.save(tmp_path / "m.onnx"))
    b = Builder((1, 2))
    _mm(b)
    b.node("Relu", domain=QDOMAIN)
    assert "(Relu): op Relu in domain 'qonnx.custom_op.general' is not a QONNX op hwgen reads; " \
           "expected one of: Quant, BipolarQuant, MultiThreshold" in \
        _load_msg(b.save(tmp_path / "m2.onnx"))


def test_quant_parameter_sizes(tmp_path):
    b = Builder((1, 2))
    _mm(b)
    b.quant(0.5, np.array([4, 4]))
    assert "(Quant): bit width must be one value, not 2" in _load_msg(b.save(tmp_path / "m.onnx"))
    b = Builder((1, 2))
    _mm(b)
    b.quant(0.5, 4, zp=np.zeros(3))
    assert "(Quant): zero point must have 1 value or one per scale (1), not 3" in \
        _load_msg(b.save(tmp_path / "m2.onnx"))
