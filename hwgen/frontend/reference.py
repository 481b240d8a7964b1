"""QONNX's own execution of a model on a batch (the independent reference for ``hwgen sim``).

``contract_check`` applies DESIGN.md section 2's exactness contract between the golden executor
and QONNX's ``execute_onnx``: identical outputs when every scale is a power of two; otherwise,
layer by layer as integers, every differing element must be one level off and explained by
float32 accumulation (ONNX's accumulator within 4 ulp of the exact one, and the layer's float
path on ONNX's value giving ONNX's level).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

__all__ = ["ContractResult", "batched", "contract_check", "execute_qonnx", "power_of_two_scales"]


def batched(model, n: int):
    """A copy of a cleaned-up ModelWrapper whose batch axis is ``n`` (for one execute_onnx)."""
    from qonnx.transformation.infer_shapes import InferShapes

    m = copy.deepcopy(model)
    g = m.graph
    for node in g.node:
        if node.op_type == "Reshape":
            shape = m.get_initializer(node.input[1])
            if shape is not None:
                shape = shape.copy()
                shape[0] = n
                m.set_initializer(node.input[1], shape)
    del g.value_info[:]
    inits = {i.name for i in g.initializer}
    for vi in list(g.input) + list(g.output):
        if vi.name not in inits and vi.type.tensor_type.shape.dim:
            vi.type.tensor_type.shape.dim[0].dim_value = n
    return m.transform(InferShapes())


def execute_qonnx(path: str | Path, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """``qonnx.core.onnx_exec.execute_onnx`` on ``x`` (batch first), ``batch`` frames per call.

    The cleaned-up model (``hwgen.frontend.read``) is re-shaped for the batch: Reshape targets
    and the graph input/output get the batch size.
    """
    from qonnx.core.onnx_exec import execute_onnx

    from hwgen.frontend.lower import read

    base = read(path)
    outs = []
    cache: dict[int, object] = {}
    for start in range(0, x.shape[0], batch):
        chunk = np.ascontiguousarray(x[start:start + batch])
        n = chunk.shape[0]
        if n not in cache:
            cache[n] = batched(base, n)
        m = cache[n]
        ctx = execute_onnx(m, {m.graph.input[0].name: chunk.astype(np.float32)})
        outs.append(np.asarray(ctx[m.graph.output[0].name]))
    return np.concatenate(outs, axis=0)


def _is_pow2(v: np.ndarray) -> bool:
    v = np.abs(np.asarray(v, dtype=np.float64)).ravel()
    return bool(np.all(v > 0) and np.all(np.frexp(v)[0] == 0.5))


def power_of_two_scales(model) -> bool:
    """Every quantizer scale and every float Mul/Div factor is a power of two, no BatchNorm.

    Then the float path is exact in float32 and golden == execute_onnx bit for bit (DESIGN.md 2).
    Input preprocessing ahead of the input quantizer (``x / 255``: the same float ops on the host
    and in QONNX) does not count.
    """
    raw = {model.graph.input[0].name}  # tensors computed from the input before any quantizer
    for node in model.graph.node:
        quant = node.op_type in ("Quant", "BipolarQuant", "Trunc", "MultiThreshold")
        before_quant = not quant and any(i in raw for i in node.input)
        if before_quant:
            raw.update(node.output)
        if node.op_type == "BatchNormalization":
            return False
        if node.op_type in ("Quant", "BipolarQuant", "Trunc"):
            scale = model.get_initializer(node.input[1])
            if scale is None or not _is_pow2(scale):
                return False
        if node.op_type in ("Mul", "Div") and not before_quant:
            consts = [model.get_initializer(i) for i in node.input]
            if any(c is not None and not _is_pow2(c) for c in consts):
                return False
    return True


def _to_hw(t: np.ndarray) -> np.ndarray:
    if t.ndim == 3:  # (N, C, L) -> (N, L, C), NHWC (1, L, C)
        return t.transpose(0, 2, 1)
    return t.transpose(0, 2, 3, 1) if t.ndim == 4 else t


@dataclass
class ContractResult:
    """Golden vs execute_onnx on some frames, per DESIGN.md section 2."""

    frames: int
    pow2: bool
    layer_diffs: dict[str, int] = field(default_factory=dict)  # explained differences per layer
    violations: list[str] = field(default_factory=list)  # what breaks the contract
    outputs: np.ndarray | None = None  # execute_onnx's outputs on the frames

    @property
    def ok(self) -> bool:
        return not self.violations


def contract_check(model, graph, paths: dict, x: np.ndarray, golden_out: np.ndarray,
                   onnx_out: np.ndarray | None = None) -> ContractResult:
    """Golden vs execute_onnx on ``x``: layer by layer as integers (fed ONNX's own integers),
    and whole outputs exactly for power-of-two models.

    ``model``: the cleaned-up ModelWrapper (``read``); ``graph, paths``: ``lower_with_paths``;
    ``golden_out``: ``hwgen.execute(graph, x)``.
    """
    from qonnx.core.onnx_exec import execute_onnx

    from hwgen.frontend.lower import eval_path
    from hwgen.golden import prologue, run_layer
    from hwgen.ir import GRAPH_INPUT, MatMul, Threshold
    from hwgen.ir.layers import AvgPool, DepthwiseMatMul

    m = batched(model, x.shape[0])
    ctx = execute_onnx(m, {m.graph.input[0].name: np.ascontiguousarray(x, np.float32)},
                       return_full_exec_context=True)
    res = ContractResult(int(x.shape[0]), power_of_two_scales(model))
    if onnx_out is None:
        onnx_out = np.asarray(ctx[m.graph.output[0].name])
    res.outputs = onnx_out
    nodes = {n.name: n for n in model.graph.node}
    stream = prologue(graph, x)
    if graph.prologue.kind == "quant":
        q = nodes[graph.prologue.onnx_name]
        ref = _to_hw(ctx[q.output[0]] / graph.prologue.quant.scale)
        if not np.array_equal(stream.reshape(ref.shape), ref):
            res.violations.append(f"input quantizer {q.name}: the host prologue differs from "
                                  "QONNX's Quant")
    last_mm = None
    streams = {GRAPH_INPUT: stream}
    for i, layer in enumerate(graph.layers):
        args = tuple(streams[p] for p in graph.producers(i))
        stream = args[0]
        out = run_layer(layer, args if len(args) > 1 else stream)
        if isinstance(layer, MatMul):
            last_mm, mm_acc = layer, out
            mm_abs = np.abs(stream).astype(np.float64) @ np.abs(layer.weights.T).astype(np.float64)
        elif isinstance(layer, DepthwiseMatMul):
            last_mm, mm_acc = layer, out
            mm_abs = run_layer(replace(layer, weights=np.abs(layer.weights)), np.abs(stream))
        elif isinstance(layer, AvgPool):  # onnxruntime's float mean: the same ulp argument
            last_mm, mm_acc = layer, out
            mm_abs = run_layer(layer, np.abs(stream))
        if isinstance(layer, Threshold) and layer.name in paths:
            ops, spec = paths[layer.name]
            q = nodes[layer.onnx_name]
            ref_f = _to_hw(ctx[q.output[0]])
            ref = ref_f if spec.kind == "multithreshold" else ref_f / spec.scale
            ref = np.round(ref).astype(np.int64).reshape(out.shape)
            diff = out != ref
            n = int(diff.sum())
            res.layer_diffs[layer.name] = n
            if n:
                where = f"layer {layer.name} (ONNX node {layer.onnx_name}): {n} elements differ"
                if res.pow2:
                    res.violations.append(f"{where}, but every scale is a power of two (must be "
                                          "exact)")
                elif last_mm is None:
                    res.violations.append(f"{where} without a matrix product before it")
                elif not np.all(np.abs(out - ref)[diff] == spec.step):
                    res.violations.append(f"{where}, some by more than one level")
                else:
                    mm_node = nodes[last_mm.onnx_name]
                    v_onnx = _to_hw(ctx[mm_node.output[0]]).reshape(out.shape)
                    # the ops up to the product's (or pool's) own: its output in ONNX
                    cut = max(k for k, op in enumerate(ops)
                              if op.onnx_name == last_mm.onnx_name) + 1
                    inside, rest = tuple(ops[:cut]), tuple(ops[cut:])
                    exact = eval_path(inside, mm_acc).astype(np.float64)
                    # float32 accumulation error scales with the partial sums: ulp of sum |x w|
                    mag = np.abs(eval_path(tuple(op for op in inside if op.kind != "add"),
                                           mm_abs)).astype(np.float64)
                    mag += sum(np.abs(op.consts[0]) for op in inside[1:] if op.kind == "add")
                    tol = 4 * np.spacing(mag.astype(np.float32)).astype(np.float64)
                    far = int(np.sum((np.abs(v_onnx - exact) > tol)[diff]))
                    redo = spec.values(eval_path(rest, v_onnx))
                    unexplained = int(np.sum((redo != ref)[diff]))
                    if far:
                        res.violations.append(f"{where}; at {far} of them ONNX's accumulator is "
                                              "more than 4 float32 ulp from the exact one")
                    elif unexplained:
                        res.violations.append(f"{where}; {unexplained} are not explained by "
                                              "the accumulator's rounding")
            out = ref  # continue from ONNX's own integers (layer by layer)
        streams[layer.name] = out
    golden_out = np.asarray(golden_out)
    if res.pow2 and not res.violations:
        same = golden_out.shape == onnx_out.reshape(golden_out.shape).shape and np.array_equal(
            golden_out, onnx_out.reshape(golden_out.shape).astype(golden_out.dtype))
        if not same:
            bad = np.flatnonzero((golden_out.reshape(len(x), -1)
                                  != onnx_out.reshape(len(x), -1)).any(axis=1))
            res.violations.append(f"outputs differ on {len(bad)} of {len(x)} frames (first: "
                                  f"frame {int(bad[0]) if len(bad) else 0}), but every scale is a "
                                  "power of two (must be exact)")
    return res
