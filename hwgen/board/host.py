"""Export what the board driver needs from the IR: stream formats, prologue and epilogue.

The driver runs on the board with numpy only, so the host-side float ops of the prologue and
epilogue (hwgen.ir.graph / hwgen.ir.floatops) are written out as plain JSON: every constant as
float64 numbers, which round-trip float32 and float64 values exactly.
"""

from __future__ import annotations

import numpy as np

from hwgen.ir.floatops import FloatOp, QuantSpec
from hwgen.ir.graph import Graph
from hwgen.targets import Target

__all__ = ["FORMAT", "host_spec"]

FORMAT = "hwgen-driver/1"


def _array(a: np.ndarray) -> dict:
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": a.reshape(-1).tolist()}


def _op(op: FloatOp) -> dict:
    return {"kind": op.kind, "consts": [_array(c) for c in op.consts]}


def _quant(q: QuantSpec) -> dict:
    return {
        "kind": q.kind, "scale": _array(q.scale), "bits": q.bits, "signed": q.signed,
        "narrow": q.narrow, "rounding": q.rounding,
        "thresholds": None if q.thresholds is None else _array(q.thresholds),
        "mt_bias": q.mt_bias, "mt_step": q.mt_step,
        # Derived values, so the driver needs no copy of QuantSpec's rules.
        "qmin": q.qmin, "qmax": q.qmax, "step": q.step, "bipolar": q.bipolar,
    }


def _stream(io: dict) -> dict:
    keys = ("shape", "onnx_shape", "kind", "dtype", "elem_bits", "elems", "dma_bits",
            "dma_words_per_frame")
    return {k: io[k] for k in keys}


def host_spec(graph: Graph, manifest: dict, target: Target) -> dict:
    """The driver's JSON: DMA limits, stream formats, prologue and epilogue."""
    pro, epi = graph.prologue, graph.epilogue
    dt = graph.input_dtype
    return {
        "format": FORMAT,
        "design": manifest["design"],
        "source_sha256": manifest["source_sha256"],
        "target": target.name,
        "clock_mhz": manifest["clock_mhz"],
        "fps_estimate": manifest["fps"]["achieved"],
        "dma": {"name": "axi_dma_0", "bits": target.dma_bits,
                "length_width": target.dma_length_width},
        # UltraRAM weights: the image the driver loads through the weight-load DMA (tcl.py)
        "weight_load": None if not manifest.get("weight_load") else {
            "dma": "axi_dma_1", **{k: manifest["weight_load"][k]
                                   for k in ("file", "dma_bits", "bytes", "sha256")}},
        "input": {**_stream(manifest["io"]["input"]), "onnx_shape": list(graph.onnx_input_shape),
                  "min": dt.min, "max": dt.max},
        "output": {**_stream(manifest["io"]["output"]),
                   "onnx_shape": list(graph.onnx_output_shape)},
        "prologue": {
            "kind": pro.kind,
            "pre_ops": [_op(op) for op in pro.pre_ops],
            "quant": None if pro.quant is None else _quant(pro.quant),
        },
        "epilogue": {
            "ops": [_op(op) for op in epi.ops],
            "gather": None if epi.gather is None else [int(i) for i in epi.gather],
            "top1": epi.top1,
        },
    }
