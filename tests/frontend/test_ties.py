"""Tie handling: single-layer power-of-two models fed every accumulator value in their range.

The activation scale is coarse enough that many accumulators land exactly on a rounding
boundary; golden must equal execute_onnx elementwise (round half to even, sign(0) = +1).
"""

from __future__ import annotations

import numpy as np
import pytest

import hwgen
from hwgen.frontend import read
from tests.frontend.handmade import QDOMAIN, Builder
from tests.frontend.onnx_ref import run_onnx

W = np.array([[1, -1, 3, -2, 4, -8]], np.float32)  # (in=1, out=6), INT4; -8 gets negated


def _case(kind: str, bits: int, signed: int, narrow: int, rounding: str = "ROUND") -> Builder:
    b = Builder((1, 1), dtype="INT8")
    w = b.weight_quant(W, 2.0 ** -3, 4)
    b.node("MatMul", [w])
    if kind == "relu":
        b.node("Relu")
    if kind == "hardtanh":
        b.node("Clip", [b.const(-1.0), b.const(1.0)])
    if kind == "bipolar":
        b.node("Add", [b.const(0.0)])
        b.node("BipolarQuant", [b.const(1.0)], domain=QDOMAIN)
    else:
        b.quant(2.0 ** -2, bits, signed, narrow, rounding=rounding)
    return b


CASES = [
    ("identity", 2, 1, 0), ("identity", 2, 1, 1), ("identity", 4, 1, 0), ("identity", 4, 1, 1),
    ("identity", 8, 1, 0), ("relu", 2, 0, 0), ("relu", 4, 0, 0), ("relu", 8, 0, 0),
    ("relu", 3, 0, 1), ("hardtanh", 3, 1, 0), ("identity", 1, 1, 0), ("bipolar", 1, 1, 0),
]


@pytest.mark.parametrize("kind,bits,signed,narrow", CASES,
                         ids=[f"{k}-{b}b-{'s' if s else 'u'}{'-narrow' if n else ''}"
                              for k, b, s, n in CASES])
def test_every_accumulator(tmp_path, kind, bits, signed, narrow):
    path = _case(kind, bits, signed, narrow).save(tmp_path / "m.onnx")
    graph = hwgen.load(path)
    x = np.arange(-128, 128, dtype=np.float32)[:, None]
    ref = run_onnx(read(path), x)
    got = hwgen.execute(graph, x)
    assert np.array_equal(got, ref)
    # ties really happen: accumulators on a rounding boundary (x * w * 2^-3 = (k + 1/2) 2^-2)
    acc = x * W * 2.0 ** -3 / 2.0 ** -2
    assert np.any(acc - np.floor(acc) == 0.5)


@pytest.mark.parametrize("rounding", ["FLOOR", "CEIL", "HALF_UP", "HALF_DOWN", "UP", "DOWN"])
def test_rounding_modes(tmp_path, rounding):
    path = _case("identity", 4, 1, 0, rounding).save(tmp_path / "m.onnx")
    x = np.arange(-128, 128, dtype=np.float32)[:, None]
    assert np.array_equal(hwgen.execute(hwgen.load(path), x), run_onnx(read(path), x))


def test_negative_factor_negates_weights(tmp_path):
    b = Builder((1, 1), dtype="INT8")
    w = b.weight_quant(W, 2.0 ** -3, 4)
    b.node("MatMul", [w])
    b.node("Mul", [b.const(np.array([-1, 1, -1, 1, 1, -1], np.float32))])
    b.quant(2.0 ** -2, 4, 1, 0)
    path = b.save(tmp_path / "m.onnx")
    graph = hwgen.load(path)
    mm = graph.layers[0]
    assert mm.weights[:, 0].tolist() == [-1, -1, -3, -2, 4, 8]
    assert str(mm.w_dtype) == "INT5"  # -8 negated needs one more bit
    x = np.arange(-128, 128, dtype=np.float32)[:, None]
    assert np.array_equal(hwgen.execute(graph, x), run_onnx(read(path), x))
    assert np.all(np.diff(graph.layers[1].thresholds, axis=1) >= 0)


def _argmax_model(path, bias: float):
    b = Builder((1, 1), dtype="INT8")
    w = b.weight_quant(np.array([[1, 2, 3]], np.float32), 1.0, 4)  # acc = x * (1, 2, 3)
    b.node("MatMul", [w])
    b.node("Add", [b.const(bias)])
    b.node("ArgMax", axis=1, keepdims=0)
    return b.save(path)


def test_top1_stays_on_host_when_float32_merges_accumulators(tmp_path):
    # acc + 2^25 in float32 rounds neighbouring accumulators to one value: ONNX ArgMax then sees
    # ties that the integers do not have, so top-1 in hardware would differ
    path = _argmax_model(tmp_path / "m.onnx", 2.0 ** 25)
    graph = hwgen.load(path)
    assert graph.epilogue.top1 == "host"
    x = np.arange(-128, 128, dtype=np.float32)[:, None]
    ref = run_onnx(read(path), x)
    assert np.array_equal(hwgen.execute(graph, x).reshape(-1), ref.reshape(-1))
    assert np.any(ref.reshape(-1) != np.where(x[:, 0] > 0, 2, 0))  # ties really happen


def test_top1_in_hardware_when_the_epilogue_is_strictly_increasing(tmp_path):
    path = _argmax_model(tmp_path / "m.onnx", 1000.0)
    graph = hwgen.load(path)
    assert graph.epilogue.top1 == "hw"
    x = np.arange(-128, 128, dtype=np.float32)[:, None]
    ref = run_onnx(read(path), x)
    assert np.array_equal(hwgen.execute(graph, x).reshape(-1), ref.reshape(-1))
