"""``format_inspect(graph)``: a plain-text table of the lowered IR (used by ``hwgen inspect``)."""

from __future__ import annotations

from hwgen.ir.graph import Graph
from hwgen.ir.layers import MatMul, MaxPool, SlidingWindow, Threshold, TopK

__all__ = ["format_inspect"]


def _detail(layer) -> tuple[str, str, str]:
    """(accumulator / threshold info, MACs per frame, extra)."""
    if isinstance(layer, MatMul):
        mode = "xnor" if layer.xnor else "int"
        return (f"acc {layer.acc_dtype} [{layer.acc_min}, {layer.acc_max}]", f"{layer.macs:,}",
                f"W {layer.mh}x{layer.mw} {layer.w_dtype} {mode}")
    if isinstance(layer, Threshold):
        rows = "shared" if layer.thresholds.shape[0] == 1 else "per-channel"
        return (f"{layer.n_thresholds} thr ({rows}, {layer.t_dtype})", "",
                f"y = {layer.out_bias} + {layer.out_step}k")
    if isinstance(layer, SlidingWindow):
        return ("", "", f"k {layer.kernel} s {layer.stride} pad {layer.pad}")
    if isinstance(layer, MaxPool):
        return ("", "", f"k {layer.kernel} s {layer.stride}")
    if isinstance(layer, TopK):
        return ("", "", "top-1, ties to lowest index")
    return ("", "", "")


def format_inspect(graph: Graph) -> str:
    """Layers with shapes, datatypes, accumulator widths, threshold counts and MACs per frame."""
    head = ("layer", "op", "in", "out", "in dtype", "out dtype", "acc / thresholds", "MACs",
            "detail")
    rows = [head]
    for layer in graph.layers:
        acc, macs, extra = _detail(layer)
        rows.append((layer.name, layer.op, str(layer.in_shape), str(layer.out_shape),
                     str(layer.in_dtype), str(layer.out_dtype), acc, macs, extra))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"model {graph.name}  (sha256 {graph.source_sha256[:12]})",
             f"prologue: {graph.prologue.kind}; ONNX input {graph.onnx_input_shape} -> hardware "
             f"{graph.input_shape} {graph.input_dtype}"]
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    total = sum(x.macs for x in graph.layers if isinstance(x, MatMul))
    epi = graph.epilogue
    ops = ", ".join(op.kind for op in epi.ops) or "none"
    lines.append(f"epilogue: float ops [{ops}], top-1 {epi.top1}; ONNX output "
                 f"{graph.onnx_output_shape}")
    lines.append(f"total MACs per frame: {total:,}")
    return "\n".join(lines) + "\n"
