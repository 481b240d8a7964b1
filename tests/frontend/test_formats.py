"""Brevitas exports as people make them (issue 15, item 5): QuantTensor outputs and QCDQ."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

import hwgen
from hwgen.errors import UnsupportedError
from hwgen.frontend import read
from hwgen.inspect import format_inspect
from tests.frontend.handmade import Builder
from tests.frontend.onnx_ref import run_onnx
from tests.zoo import export, inputs_for


def _same_layers(a: hwgen.ir.Graph, b: hwgen.ir.Graph) -> None:
    assert [(x.op, x.in_shape, str(x.in_dtype), str(x.out_dtype)) for x in a.layers] == \
        [(x.op, x.in_shape, str(x.in_dtype), str(x.out_dtype)) for x in b.layers]
    for x, y in zip(a.layers, b.layers):
        for field in ("weights", "thresholds"):
            if hasattr(x, field):
                assert np.array_equal(getattr(x, field), getattr(y, field)), (x.name, field)


@pytest.fixture(scope="module")
def exports(tmp_path_factory, zoo_export):
    folder = tmp_path_factory.mktemp("formats")
    return {"qonnx": zoo_export("mlp_pow2"), "qt": zoo_export("mlp_pow2_qt"),
            "qcdq": export("mlp_pow2", folder, qcdq=True)}


def test_quant_tensor_output_reads_the_value(exports, mnist):
    path = exports["qt"]
    assert len(onnx.load(str(path)).graph.output) == 6  # value, scale, zp, bits, signed, training
    graph = hwgen.load(path)
    _same_layers(graph, hwgen.load(exports["qonnx"]))
    x = inputs_for("mlp_pow2_qt", mnist[0][:64])
    # pow2 scales: golden == execute_onnx exactly (DESIGN.md section 2), on the value output
    assert np.array_equal(hwgen.execute(graph, x), run_onnx(read(path), x))
    assert [o.name for o in read(path).graph.output] == \
        [onnx.load(str(path)).graph.output[0].name]  # the value output, nothing else
    assert "source: QuantTensor output: reading the value" in format_inspect(graph)


def test_quant_tensor_with_a_computed_extra_output_is_refused(tmp_path):
    b = Builder((1, 2))
    w = b.weight_quant(np.array([[1, -1], [2, 0]], np.float32), 0.5, 4)
    t = b.node("MatMul", [w])
    b.node("Relu")
    path = b.save(tmp_path / "m.onnx")
    m = onnx.load(str(path))
    m.graph.output.append(onnx.helper.make_tensor_value_info(t, onnx.TensorProto.FLOAT, None))
    onnx.save(m, str(path))
    with pytest.raises(UnsupportedError, match=r"the model must have one output, not 2: only the "
                       r"first \(a QuantTensor's value\) may depend on the input, but outputs 't\d+', "
                       r"'t\d+' do \(hint: export a single-output model"):
        hwgen.load(path)


def test_qcdq_golden_equals_onnxruntime(exports, mnist):
    import onnxruntime as ort

    path = exports["qcdq"]
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops and "Quant" not in ops
    graph = hwgen.load(path)
    assert "source: QCDQ export" in format_inspect(graph)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    for x in (inputs_for("mlp_pow2", mnist[0][:64]),
              np.random.default_rng(2).integers(0, 256, (64, 1, 28, 28)).astype(np.float32)):
        ref = np.concatenate([sess.run(None, {name: x[i:i + 1]})[0] for i in range(len(x))])
        assert np.array_equal(hwgen.execute(graph, x), ref)  # pow2 scales: exact


def test_qcdq_builds_the_same_hardware_as_its_qonnx_twin(exports, tmp_path):
    from hwgen.build import build

    _same_layers(hwgen.load(exports["qcdq"]), hwgen.load(exports["qonnx"]))
    a = build(exports["qcdq"], tmp_path / "qcdq")
    b = build(exports["qonnx"], tmp_path / "qonnx")
    assert [(x.name, str(x.in_dtype), str(x.out_dtype)) for x in a.hw.layers] == \
        [(x.name, str(x.in_dtype), str(x.out_dtype)) for x in b.hw.layers]
    for x, y in zip(a.hw.layers, b.hw.layers):
        for field in ("weights", "thresholds"):
            if getattr(x, field, None) is not None:
                assert np.array_equal(getattr(x, field), getattr(y, field))
    mems = sorted(p.name for p in (tmp_path / "qonnx" / "mem").glob("*.mem"))
    assert mems and all((tmp_path / "qcdq" / "mem" / m).read_bytes() ==
                        (tmp_path / "qonnx" / "mem" / m).read_bytes() for m in mems)
