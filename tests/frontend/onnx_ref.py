"""Test helpers: QONNX's execute_onnx on a whole batch, and the layer-by-layer integer check."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from qonnx.core.onnx_exec import execute_onnx

from hwgen.frontend.lower import eval_path
from hwgen.frontend.reference import batched
from hwgen.golden import prologue, run_layer
from hwgen.ir import GRAPH_INPUT, Graph, MatMul, Threshold
from hwgen.ir.layers import AvgPool, DepthwiseMatMul


def run_onnx(model, x: np.ndarray, full: bool = False):
    m = batched(model, x.shape[0])
    ctx = execute_onnx(m, {m.graph.input[0].name: x}, return_full_exec_context=full)
    return ctx if full else ctx[m.graph.output[0].name]


def to_hw(t: np.ndarray) -> np.ndarray:
    if t.ndim == 3:  # (N, C, L) -> (N, L, C), NHWC (1, L, C)
        return t.transpose(0, 2, 1)
    return t.transpose(0, 2, 3, 1) if t.ndim == 4 else t


def compare_layers(graph: Graph, paths: dict, model, x: np.ndarray) -> dict[str, int]:
    """Golden vs execute_onnx, one threshold segment at a time, fed ONNX's own integers.

    Returns {threshold layer: number of differing elements}; every difference must be one level,
    explained by onnxruntime's float32 accumulator alone: ONNX's matrix-product output is within
    4 float32 ulp (at the magnitude of the accumulation, sum |x_j w_ij| * scale) of the exact
    accumulator, and the layer's float path evaluated on ONNX's value gives ONNX's level.
    """
    ctx = run_onnx(model, x, full=True)
    nodes = {n.name: n for n in model.graph.node}
    stream = prologue(graph, x)
    if graph.prologue.kind == "quant":
        q = nodes[graph.prologue.onnx_name]
        ref = to_hw(ctx[q.output[0]] / graph.prologue.quant.scale)
        assert np.array_equal(stream.reshape(ref.shape), ref), "host prologue != QONNX Quant"
    counts: dict[str, int] = {}
    last_mm = None
    streams = {GRAPH_INPUT: stream}
    for i, layer in enumerate(graph.layers):
        args = tuple(streams[p] for p in graph.producers(i))
        stream = args[0]
        out = run_layer(layer, args if len(args) > 1 else stream)
        if isinstance(layer, MatMul):
            last_mm, mm_acc = layer, out
            mm_abs = np.abs(stream).astype(np.float64) @ np.abs(layer.weights.T).astype(np.float64)
        if isinstance(layer, DepthwiseMatMul):
            last_mm, mm_acc = layer, out
            mm_abs = run_layer(replace(layer, weights=np.abs(layer.weights)), np.abs(stream))
        if isinstance(layer, AvgPool):  # onnxruntime's float mean: the same ulp argument
            last_mm, mm_acc = layer, out
            mm_abs = run_layer(layer, np.abs(stream))
        if isinstance(layer, Threshold):
            ops, spec = paths[layer.name]
            q = nodes[layer.onnx_name]
            ref_f = to_hw(ctx[q.output[0]])
            ref = ref_f if spec.kind == "multithreshold" else ref_f / spec.scale
            ref = np.round(ref).astype(np.int64).reshape(out.shape)
            diff = out != ref
            n = int(diff.sum())
            if n:
                assert last_mm is not None, f"{layer.name}: differs without a matrix product"
                assert np.all(np.abs(out - ref)[diff] == spec.step), f"{layer.name}: > 1 level"
                mm_node = nodes[last_mm.onnx_name]
                v_onnx = to_hw(ctx[mm_node.output[0]]).reshape(out.shape)
                # the ops up to the product's (or pool's) own: its output in ONNX
                cut = max(i for i, op in enumerate(ops) if op.onnx_name == last_mm.onnx_name) + 1
                inside, rest = tuple(ops[:cut]), tuple(ops[cut:])
                exact = eval_path(inside, mm_acc).astype(np.float64)
                # float32 accumulation error scales with the partial sums: ulp of sum |x_j w_ij|
                mag = np.abs(eval_path(tuple(op for op in inside if op.kind != "add"),
                                       mm_abs)).astype(np.float64)
                mag += sum(np.abs(op.consts[0]) for op in inside[1:] if op.kind == "add")
                tol = 4 * np.spacing(mag.astype(np.float32)).astype(np.float64)
                assert np.all(np.abs(v_onnx - exact)[diff] <= tol[diff]), \
                    f"{layer.name}: ONNX accumulator more than 4 ulp off"
                redo = spec.values(eval_path(rest, v_onnx))
                assert np.array_equal(redo[diff], ref[diff]), \
                    f"{layer.name}: difference not explained by the accumulator rounding"
            counts[layer.name] = n
            out = ref  # continue from ONNX's own integers (layer by layer)
        streams[layer.name] = out
    return counts

