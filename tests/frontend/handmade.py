"""Tiny hand-written QONNX graphs (onnx.helper) for tie handling and error paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper

QDOMAIN = "qonnx.custom_op.general"


class Builder:
    """Chain builder: ``b.node(op, [extra inputs], **attrs)`` appends to the current tensor."""

    def __init__(self, shape: tuple[int, ...], dtype: str | None = "INT10",
                 qonnx_opset: int = 1) -> None:
        self.shape, self.dtype, self.qonnx_opset = shape, dtype, qonnx_opset
        self.nodes: list = []
        self.inits: list = []
        self.cur = "x"
        self.n = 0

    def const(self, value, name: str | None = None) -> str:
        self.n += 1
        name = name or f"c{self.n}"
        self.inits.append(numpy_helper.from_array(np.asarray(value, np.float32), name))
        return name

    def node(self, op: str, extra: list[str] = (), domain: str = "", out: str | None = None,
             first: list[str] | None = None, **attrs) -> str:
        self.n += 1
        out = out or f"t{self.n}"
        ins = first if first is not None else [self.cur, *extra]
        self.nodes.append(helper.make_node(op, ins, [out], name=f"{op}_{self.n}", domain=domain,
                                           **attrs))
        self.cur = out
        return out

    def quant(self, scale, bits: int, signed: int = 1, narrow: int = 0, zp=0.0,
              rounding: str = "ROUND", src: str | None = None) -> str:
        ins = [src or self.cur, self.const(scale), self.const(zp), self.const(bits)]
        return self.node("Quant", domain=QDOMAIN, first=ins, signed=signed, narrow=narrow,
                         rounding_mode=rounding)

    def weight_quant(self, w_int: np.ndarray, scale: float, bits: int) -> str:
        src = self.const(np.asarray(w_int, np.float32) * np.float32(scale))
        ins = [src, self.const(scale), self.const(0.0), self.const(bits)]
        save = self.cur
        out = self.node("Quant", domain=QDOMAIN, first=ins, signed=1, narrow=0,
                        rounding_mode="ROUND")
        self.cur = save
        return out

    def save(self, path: Path) -> Path:
        g = helper.make_graph(
            self.nodes, "handmade",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(self.shape))],
            [helper.make_tensor_value_info(self.cur, TensorProto.INT64 if self.nodes[-1].op_type in
                                           ("ArgMax", "TopK") else TensorProto.FLOAT, None)],
            self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13),
                                                helper.make_opsetid(QDOMAIN, self.qonnx_opset)])
        m.ir_version = 8
        wrapped = ModelWrapper(m)
        if self.dtype:
            wrapped.set_tensor_datatype("x", DataType[self.dtype])
        wrapped.save(str(path))
        return path
