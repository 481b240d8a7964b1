"""``format_inspect(graph)``: a plain-text table of the lowered IR (used by ``hwgen inspect``).

Each IR layer is shown with the hardware layer it becomes (``01_mvau``: the names folding.json
and the build use; a Threshold after a MatMul is fused into that MatMul's MVAU). It ends with a warning when the network is deeper than mean-field theory says a network with
its activation levels can be trained (:func:`depth_warning`).
"""

from __future__ import annotations

import math

from hwgen.errors import HwgenError
from hwgen.ir.graph import Graph
from hwgen.ir.layers import (
    Add,
    AvgPool,
    Concat,
    DepthwiseMatMul,
    Flatten,
    MatMul,
    MaxPool,
    SlidingWindow,
    Threshold,
    TopK,
)

__all__ = ["depth_warning", "format_inspect", "hardware_names", "quantized_depth_scale"]


def hardware_names(graph: Graph) -> tuple[list[str], str | None]:
    """(the hardware layer each IR layer becomes, "-" for none; None, or a note on why the
    names are not shown).

    Follows ``hwgen.build.lower.lower``: a MatMul and the Threshold after it become one MVAU,
    a Flatten becomes nothing, every other layer one hardware layer, in order."""
    from hwgen.build.lower import lower

    try:
        hw = [layer.name for layer in lower(graph).layers]
    except HwgenError as exc:
        return ["?"] * len(graph.layers), f"cannot be built: {exc}"
    names, j = [], 0
    for i, layer in enumerate(graph.layers):
        if isinstance(layer, Flatten):
            names.append("-")
        elif isinstance(layer, Threshold) and i and isinstance(graph.layers[i - 1], MatMul):
            names.append(f"{names[-1]} (fused)")
        else:
            names.append(hw[j] if j < len(hw) else "?")
            j += 1
    if j != len(hw):  # the rule above no longer follows lower(): show no names, not wrong ones
        return ["?"] * len(graph.layers), "names not shown (report this as a hwgen bug)"
    return names, None


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
        dil = f" dil {layer.dilation}" if layer.dilation != (1, 1) else ""
        return ("", "", f"k {layer.kernel} s {layer.stride} pad {layer.pad}{dil}")
    if isinstance(layer, MaxPool):
        pad = f" pad {layer.pad}" if any(layer.pad) else ""
        return ("", "", f"k {layer.kernel} s {layer.stride}{pad}")
    if isinstance(layer, DepthwiseMatMul):
        return (f"acc {layer.out_dtype}", f"{layer.macs:,}",
                f"depthwise W {layer.channels}x{layer.window} {layer.w_dtype}")
    if isinstance(layer, AvgPool):
        return (f"sum {layer.out_dtype}", "",
                f"k {layer.kernel} s {layer.stride} pad {layer.pad} (window sum)")
    if isinstance(layer, TopK):
        return ("", "", "top-1, ties to lowest index")
    if isinstance(layer, Add):
        return ("", "", f"{layer.coeffs[0]} * {layer.inputs[0]} + {layer.coeffs[1]} * "
                f"{layer.inputs[1]}")
    if isinstance(layer, Concat):
        return ("", "", f"channels of {layer.inputs[0]}, then {layer.inputs[1]}")
    return ("", "", f"from {layer.inputs[0]}" if layer.inputs else "")


def format_inspect(graph: Graph) -> str:
    """Layers with shapes, datatypes, accumulator widths, threshold counts and MACs per frame."""
    head = ("layer", "hardware", "op", "in", "out", "in dtype", "out dtype", "acc / thresholds",
            "MACs", "detail")
    rows = [head]
    hw_names, lower_error = hardware_names(graph)
    for layer, hw_name in zip(graph.layers, hw_names):
        acc, macs, extra = _detail(layer)
        rows.append((layer.name, hw_name, layer.op, str(layer.in_shape), str(layer.out_shape),
                     str(layer.in_dtype), str(layer.out_dtype), acc, macs, extra))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [f"model {graph.name}  (sha256 {graph.source_sha256[:12]})",
             f"prologue: {graph.prologue.kind}; ONNX input {graph.onnx_input_shape} -> hardware "
             f"{graph.input_shape} {graph.input_dtype}"]
    lines[1:1] = [f"source: {note}" for note in graph.notes]
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    total = sum(x.macs for x in graph.layers if isinstance(x, (MatMul, DepthwiseMatMul)))
    epi = graph.epilogue
    ops = ", ".join(op.kind for op in epi.ops) or "none"
    lines.append(f"epilogue: float ops [{ops}], top-1 {epi.top1}; ONNX output "
                 f"{graph.onnx_output_shape}")
    lines.append(f"total MACs per frame: {total:,}")
    if lower_error is None:
        lines.append("hardware: the layer names hwgen build, folding.json and the report use")
    else:
        lines.append(f"hardware: {lower_error}")
    warning = depth_warning(graph)
    if warning:
        lines.append(warning)
    return "\n".join(lines) + "\n"


# Trainable-depth rule of thumb of signal-propagation theory (Schoenholz et al. 2017): a
# network trains when its depth is below about 6 correlation depth scales.
DEPTH_SCALES = 6.0


def _chi(n_levels: int, spacing: float) -> float:
    """Correlation-map slope at the fixed point c* = 0 of a random network whose activation
    is the sum of ``n_levels - 1`` unit steps at offsets ``spacing * (k - n_levels/2)``,
    k = 1..n_levels-1 (pre-activations of unit variance, weight variance chosen so that the
    variance is preserved). Blumenfeld, Gilboa, Soudry 2019, eq. for chi:
    (sum_i pdf(g_i))^2 / sum_ij Phi(min(g_i, g_j)) * (1 - Phi(max(g_i, g_j)))."""
    g = [spacing * (k - n_levels / 2) for k in range(1, n_levels)]
    pdf = sum(math.exp(-0.5 * x * x) for x in g) / math.sqrt(2 * math.pi)
    cdf = [0.5 * (1 + math.erf(x / math.sqrt(2))) for x in g]  # g ascending
    cov, tail = 0.0, 0.0  # tail = sum over j > i of (1 - cdf[j]); O(N), not O(N^2)
    for c in reversed(cdf):
        cov += c * (1 - c) + 2 * c * tail
        tail += 1 - c
    return pdf * pdf / cov


def quantized_depth_scale(n_levels: int) -> tuple[float, float]:
    """(xi, spacing): correlation depth scale xi = -1 / ln(chi_max) of a network whose hidden
    activations take ``n_levels`` equally spaced values, and the step spacing (in units of the
    pre-activation standard deviation) that maximizes chi.

    Mean-field theory of quantized networks (Blumenfeld, Gilboa, Soudry, NeurIPS 2019): chi < 1
    for every finite N, so correlations between inputs decay as chi^L and a network of depth L
    is trainable only up to about 6 xi(N) layers; xi grows as about N^1.82. Examples:
    xi(2) = 2.2, xi(4) = 7.9, xi(16) = 86, xi(256) = 1.1e4.
    """
    if n_levels < 2:
        raise ValueError(f"n_levels must be at least 2, not {n_levels}")
    if n_levels == 2:
        return -1.0 / math.log(2 / math.pi), 0.0  # one step at 0: chi = 2/pi, any spacing
    lo, hi = 1e-4, 4.0 / math.sqrt(n_levels - 1) + 2.0
    for _ in range(100):  # golden-section search: chi is unimodal in the spacing
        a, b = hi - 0.618034 * (hi - lo), lo + 0.618034 * (hi - lo)
        if _chi(n_levels, a) < _chi(n_levels, b):
            lo = a
        else:
            hi = b
    spacing = (lo + hi) / 2
    return -1.0 / math.log(_chi(n_levels, spacing)), spacing


def depth_warning(graph: Graph) -> str | None:
    """A warning line when the hidden-activation depth exceeds about 6 xi(N), N being the
    fewest levels among the hidden activations (Threshold layers after a MatMul); else None.
    A heuristic from random-initialization theory: BatchNorm or skip connections change it."""
    levels, depth, after_mm = [], 0, False
    for layer in graph.layers:
        if isinstance(layer, MatMul):
            after_mm = True
        elif isinstance(layer, Threshold) and after_mm:
            depth += 1
            levels.append(layer.n_thresholds + 1)
    if not levels:
        return None
    n = min(levels)
    xi, _ = quantized_depth_scale(n)
    if depth <= DEPTH_SCALES * xi:
        return None
    return (f"warning: {depth} hidden activation layers with {n} levels exceed about "
            f"{DEPTH_SCALES:g} xi(N) = {DEPTH_SCALES * xi:.1f} layers, the trainable depth that "
            f"mean-field theory of quantized networks predicts (Blumenfeld et al. 2019); "
            f"use more levels or fewer layers")
