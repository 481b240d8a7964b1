"""Verilog emitter: the generated pipeline and its two wrappers, plus the layer memory files.

Generated code is only netlists: instances of the hand-written templates in rtl_templates/,
named after the hardware layer, each with a comment naming the ONNX node it came from.

* ``hwgen_accel_pipeline``: the layers in stream order; width converters where beat widths
  differ; a FIFO in front of every layer (depths from hwgen.build.fifos). No tlast.
* ``hwgen_accel_core``: the pipeline at its native beat widths, with tlast carried across.
* ``hwgen_accel``: the DMA-width top (target port width) with frame-aware converters.
Wrappers use ``ap_clk``/``ap_rst_n`` (active-low at the boundary for Vivado; the templates'
reset is synchronous active-high).

When weights sit in UltraRAM (``weight_memory`` "ultra"), all three also have a weight-load
stream ``s_axis_wl`` (``s_wl`` on the pipeline; DMA width, tlast ignored): a fixed-order image
(``load_layout``: the "ultra" MVAUs in pipeline order, each its NF*SF words, each word padded
to whole DMA words, hwgen.backend.memfiles.weight_image) split by one ``hwgen_wload`` per such
MVAU into its ``s_wl`` load port. Load it before the first frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwgen.build.hwlayers import (
    GRAPH_INPUT,
    HwAdd,
    HwConcat,
    HwDup,
    HwGraph,
    HwLabelSelect,
    HwLayer,
    HwMaxPool,
    HwMVAU,
    HwSWG,
    HwThreshold,
    HwVVAU,
)
from hwgen.estimate.cost import rom_style

__all__ = ["Stream", "LoadSegment", "emit_pipeline", "emit_core", "emit_accel", "layer_params",
           "load_layout", "template", "TYPE_CODES", "weight_memory", "edge_depth", "fifo_memory"]

# Frames the accelerator top's tlast tracker holds in flight (hwgen_frame_tlast DEPTH).
TLAST_DEPTH = 32

# IN_TYPE / W_TYPE codes of the templates.
TYPE_CODES = {"UINT": 0, "BINARY": 0, "INT": 1, "BIPOLAR": 2, "TERNARY": 3}


@dataclass(frozen=True)
class Stream:
    """One element stream at the pipeline boundary: element bits and beat width."""

    elem_bits: int
    beat_bits: int
    frame_bits: int


def _v(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return str(int(value))


def _code_signed(dtype) -> bool:
    """Whether codes compare as two's complement. BIPOLAR codes (0 = -1, 1 = +1) order like the
    values when read unsigned, so max pool and top-1 compare them unsigned."""
    return dtype.signed and dtype.kind != "BIPOLAR"


def weight_memory(layer: HwMVAU) -> str:
    """"block", "distributed" or "ultra": the MVAU's ram_style with "auto" resolved (hwgen.estimate.cost
    .rom_style); folding.json keeps "auto", the RTL and the manifest carry the choice."""
    return rom_style(layer.nf * layer.sf, layer.PE * layer.SIMD * layer.w_dtype.code_bits,
                     layer.ram_style)


@dataclass(frozen=True)
class LoadSegment:
    """One "ultra" MVAU's part of the weight-load image: beats ``start`` ..
    ``start + words * beats_per_word - 1``."""

    layer: str
    words: int  # NF*SF weight words
    word_bits: int  # PE*SIMD*W_BITS
    beats_per_word: int  # ceil(word_bits / load_bits)
    start: int

    @property
    def beats(self) -> int:
        return self.words * self.beats_per_word


def load_layout(hw: HwGraph, load_bits: int) -> list[LoadSegment]:
    """The weight-load image's segments: the MVAUs whose weights are "ultra", in pipeline order
    (empty: the design has no weight-load port)."""
    segments: list[LoadSegment] = []
    start = 0
    for layer in hw.layers:
        if isinstance(layer, HwMVAU) and weight_memory(layer) == "ultra":
            bits = layer.PE * layer.SIMD * layer.w_dtype.code_bits
            seg = LoadSegment(layer.name, layer.nf * layer.sf, bits, -(-bits // load_bits), start)
            segments.append(seg)
            start += seg.beats
    return segments


def edge_depth(depths: dict[str, int | list[int]], layer: HwLayer, port: int = 0) -> int:
    """The depth of the FIFO in front of input ``port`` of ``layer`` (fifo_depths.json: a
    number per layer, a list of one per input for a join)."""
    d = depths.get(layer.name, 0)
    return int(d[port]) if isinstance(d, list) else (int(d) if port == 0 else 0)


def fifo_memory(depth: int, width: int) -> str:
    """"block" when a FIFO of ``depth`` x ``width`` bits is cheaper in BRAM (a skip buffer),
    else "auto" (LUT RAM or registers)."""
    from hwgen.estimate.cost import memory_cost

    return "block" if depth > 64 and memory_cost(depth, width, "auto").BRAM18 else "auto"


def layer_params(layer: HwLayer, files: dict[str, str]) -> dict[str, object]:
    """Verilog parameters of the template instance for ``layer``."""
    if isinstance(layer, HwDup):
        return {"WIDTH": layer.in_beat_elems * layer.in_bits}
    if isinstance(layer, HwConcat):
        return {"C0": layer.c0, "C1": layer.c1, "PE": layer.PE, "BITS": layer.in_bits}
    if isinstance(layer, HwAdd):
        p = {
            "CHANNELS": layer.channels, "PE": layer.PE,
            "IN0_BITS": layer.in_dtype.code_bits, "IN0_SIGNED": int(_code_signed(layer.in_dtype)),
            "IN1_BITS": layer.in_dtype1.code_bits,
            "IN1_SIGNED": int(_code_signed(layer.in_dtype1)),
            "K0": layer.k0, "K1": layer.k1, "SUM_BITS": layer.sum_dtype.bits,
            "N_THRES": layer.n_thresholds, "OUT_BITS": layer.out_dtype.code_bits,
        }
        if layer.thresholds is not None:
            p.update({"THR_BITS": layer.thr_dtype.bits, "OUT_BIAS": layer.out_bias,
                      "SHARED": int(layer.thresholds.shape[0] == 1),
                      "THRESH_FILE": files["thresholds"]})
        return p
    if isinstance(layer, HwMVAU):
        p: dict[str, object] = {
            "MW": layer.mw, "MH": layer.mh, "SIMD": layer.SIMD, "PE": layer.PE,
            "IN_BITS": layer.in_dtype.code_bits, "IN_TYPE": TYPE_CODES[layer.in_dtype.kind],
            "W_BITS": layer.w_dtype.code_bits, "W_TYPE": TYPE_CODES[layer.w_dtype.kind],
            "ACC_BITS": layer.acc_dtype.bits if layer.thresholds is not None else layer.out_dtype.bits,
            "N_THRES": layer.n_thresholds,
            "THR_BITS": layer.thr_dtype.bits if layer.thr_dtype is not None else 2,
            "OUT_BITS": layer.out_dtype.code_bits, "OUT_BIAS": layer.out_bias,
            "WEIGHT_FILE": files["weights"],
            "THRESH_FILE": files.get("thresholds", ""),
            "RAM_STYLE": weight_memory(layer),
        }
        if layer.thr_style == "block":
            p["THR_STYLE"] = "block"
        return p
    if isinstance(layer, HwThreshold):
        shared = layer.thresholds.shape[0] == 1
        return {
            "CHANNELS": layer.channels, "PE": layer.PE, "N_THRES": layer.n_thresholds,
            "IN_BITS": layer.in_dtype.code_bits, "IN_SIGNED": int(layer.in_dtype.signed),
            "THR_BITS": layer.thr_dtype.bits, "OUT_BITS": layer.out_dtype.code_bits,
            "OUT_BIAS": layer.out_bias, "SHARED": int(shared),
            "THRESH_FILE": files["thresholds"],
        }
    if isinstance(layer, HwSWG):
        h, w, c = layer.in_hwc
        p = {
            "H": h, "W": w, "C": c, "SIMD": layer.SIMD, "K": layer.kernel[0],
            "STRIDE": layer.stride[0], "PAD": layer.pad[0], "BITS": layer.in_dtype.code_bits,
        }
        if not layer.square and not layer.window_parallel:  # general windows: hwgen_swg's extras
            (kh, kw), (sh, sw), (pt, pl, pb, pr) = layer.kernel, layer.stride, layer.pad
            p.update({"KH": kh, "KW": kw, "SH": sh, "SW": sw, "PT": pt, "PL": pl, "PB": pb,
                      "PR": pr, "DIL_H": layer.dilation[0], "DIL_W": layer.dilation[1],
                      "CFMAJOR": int(layer.cf_major),
                      "PAD_CODE": layer.pad_value % (1 << layer.in_dtype.code_bits)})
        nb = layer.buffer_rows
        if nb != 1 << (layer.eff_kernel[0] + layer.stride[0] - 1).bit_length():
            p["ROWS_LOG2"] = nb.bit_length() - 1  # more rows than the fewest (HwSWG.buffer_rows)
        return p
    if isinstance(layer, HwVVAU):
        mode = {"dot": 0, "sum": 1, "max": 2}[layer.mode]
        wd = layer.w_dtype
        return {
            "C": layer.channels, "PE": layer.lanes, "SIMD": layer.simd, "KK": layer.window,
            "MODE": mode,
            "IN_BITS": layer.in_dtype.code_bits, "IN_SIGNED": int(_code_signed(layer.in_dtype)),
            "W_BITS": wd.code_bits if wd is not None else 1,
            "W_SIGNED": int(wd.signed) if wd is not None else 0,
            "ACC_BITS": layer.acc_dtype.bits if mode != 2 else layer.in_dtype.code_bits + 1,
            "N_THRES": layer.n_thresholds,
            "THR_BITS": layer.thr_dtype.bits if layer.thr_dtype is not None else 2,
            "OUT_BITS": layer.out_dtype.code_bits,
            "OUT_BIAS": layer.out_bias, "SHARED": int(layer.shared_thresholds),
            "WEIGHT_FILE": files.get("weights", ""), "THRESH_FILE": files.get("thresholds", ""),
        }
    if isinstance(layer, HwMaxPool):
        h, w, c = layer.in_hwc
        return {
            "H": h, "W": w, "C": c, "PE": layer.PE, "K": layer.kernel[0],
            "BITS": layer.in_dtype.code_bits, "SIGNED": int(_code_signed(layer.in_dtype)),
        }
    if isinstance(layer, HwLabelSelect):
        return {
            "C": layer.channels, "PE": layer.PE, "IN_BITS": layer.in_dtype.code_bits,
            "IN_SIGNED": int(_code_signed(layer.in_dtype)), "OUT_BITS": layer.out_dtype.code_bits,
        }
    raise TypeError(type(layer).__name__)


TEMPLATE = {"mvau": "hwgen_mvau", "thr": "hwgen_thresholding", "swg": "hwgen_swg",
            "pool": "hwgen_maxpool", "label": "hwgen_label_select", "dup": "hwgen_dup",
            "add": "hwgen_add", "cat": "hwgen_concat"}


def template(layer: HwLayer) -> str:
    """The rtl_templates module of ``layer`` (a window-parallel SWG: hwgen_swg_par)."""
    if isinstance(layer, HwSWG) and layer.window_parallel:
        return "hwgen_swg_par"
    if isinstance(layer, HwVVAU):
        return "hwgen_vvau"
    return TEMPLATE[layer.op]


def _instance(module: str, name: str, params: dict[str, object], ports: dict[str, str],
              comment: str) -> list[str]:
    lines = [f"    // {comment}"] if comment else []
    if params:
        lines.append(f"    {module} #(")
        items = [f"        .{k}({_v(v)})" for k, v in params.items()]
        lines.append(",\n".join(items))
        lines.append(f"    ) {name} (")
    else:
        lines.append(f"    {module} {name} (")
    lines.append(",\n".join(f"        .{k}({v})" for k, v in ports.items()))
    lines.append("    );")
    return lines


def _axis_ports(s: str, m: str) -> dict[str, str]:
    return {
        "clk": "clk", "rst": "rst",
        "s_axis_tdata": f"{s}_tdata", "s_axis_tvalid": f"{s}_tvalid", "s_axis_tready": f"{s}_tready",
        "m_axis_tdata": f"{m}_tdata", "m_axis_tvalid": f"{m}_tvalid", "m_axis_tready": f"{m}_tready",
    }


def _link(src: str, dst: str, src_w: int, dst_w: int, frame_bits: int, inst: str,
          comment: str) -> list[str]:
    """Stream ``src`` -> ``dst``: wires when the widths agree, else a frame-aware converter."""
    if src_w == dst_w:
        return [f"    assign {dst}_tdata = {src}_tdata;", f"    assign {dst}_tvalid = {src}_tvalid;",
                f"    assign {src}_tready = {dst}_tready;"]
    return _instance("hwgen_frame_dwc", inst,
                     {"IN_W": src_w, "OUT_W": dst_w, "FRAME_BITS": frame_bits},
                     _axis_ports(src, dst), comment)


def _wires(name: str, width: int) -> list[str]:
    return [f"    wire [{width - 1}:0] {name}_tdata;", f"    wire {name}_tvalid;",
            f"    wire {name}_tready;"]


def _out_stream(hw: HwGraph, src: str, consumer: str, port: int) -> str:
    """The wire prefix of stream ``src`` as read by ``consumer``'s ``port`` (a fork: the
    output port given by the consumer's position among its readers)."""
    if src == GRAPH_INPUT:
        return "s_axis"
    layer = hw.layer(src)
    if isinstance(layer, HwDup):
        k = hw.consumers(src).index((consumer, port))
        return f"w_{src}_out{k}"
    return f"w_{src}_out"


def _out_width(hw: HwGraph, src: str) -> int:
    if src == GRAPH_INPUT:
        first = hw.layers[0]
        return first.in_beat_elems * first.in_bits
    layer = hw.layer(src)
    return layer.out_beat_elems * layer.out_bits


def _load_splitter(segments: list[LoadSegment], load_bits: int) -> tuple[list[str], list[str]]:
    """(declarations, body) of the weight-load splitter: one hwgen_wload per segment on the
    shared s_wl stream, each feeding wires w_<layer>_wl_* (its MVAU's load port)."""
    total = segments[-1].start + segments[-1].beats
    decl = ["    wire wl_fire = s_wl_tvalid && s_wl_tready;  // a weight-load beat is taken"]
    body: list[str] = []
    for seg in segments:
        w = f"w_{seg.layer}_wl"
        decl += _wires(w, seg.word_bits) + [f"    wire {w}_take;"]
        body += _instance(
            "hwgen_wload", f"u_{seg.layer}_wl",
            {"IN_W": load_bits, "OUT_W": seg.word_bits, "WORDS": seg.words, "START": seg.start,
             "TOTAL": total},
            {"clk": "clk", "rst": "rst", "s_tdata": "s_wl_tdata", "s_tvalid": "s_wl_tvalid",
             "s_tready": f"{w}_take", "s_fire": "wl_fire", "m_tdata": f"{w}_tdata",
             "m_tvalid": f"{w}_tvalid", "m_tready": f"{w}_tready"},
            f"weight-load beats {seg.start}..{seg.start + seg.beats - 1} -> {seg.layer} "
            f"({seg.words} words of {seg.word_bits} bits)")
    takes = " | ".join(f"w_{seg.layer}_wl_take" for seg in segments)
    body.append(f"    assign s_wl_tready = {takes};")
    return decl, body


def emit_pipeline(hw: HwGraph, fifo_depths: dict[str, int | list[int]],
                  files: dict[str, dict[str, str]], source: str, load_bits: int = 64) -> str:
    """The layer graph as ``hwgen_accel_pipeline`` (native beat widths at both ends): per input
    port of each layer a width converter where beat widths differ and a FIFO; forks are
    hwgen_dup instances, each output its own stream. With "ultra" weights, the weight-load
    stream ``s_wl`` (``load_bits`` wide) and its splitter (``load_layout``)."""
    first, last = hw.layers[0], hw.layers[-1]
    in_w = first.in_beat_elems * first.in_bits
    out_w = last.out_beat_elems * last.out_bits
    segments = load_layout(hw, load_bits)
    loaded = {seg.layer for seg in segments}
    body: list[str] = []
    decl: list[str] = []
    if segments:
        decl, body = _load_splitter(segments, load_bits)
    for i, layer in enumerate(hw.layers):
        ports: dict[str, str] = {"clk": "clk", "rst": "rst"}
        producers = hw.producers(i)
        for port, src in enumerate(producers):
            tag = "" if layer.n_inputs == 1 else str(port)
            prev = _out_stream(hw, src, layer.name, port)
            prev_w = _out_width(hw, src)
            lw = layer.in_beat_elems * layer.port_bits(port)
            frame_bits = layer.port_elems(port) * layer.port_bits(port)
            if lw != prev_w:
                dwc = f"w_{layer.name}_dwc{tag}"
                decl += _wires(dwc, lw)
                body += _link(prev, dwc, prev_w, lw, frame_bits, f"u_{layer.name}_dwc{tag}",
                              f"{prev_w} -> {lw} bit beats into {layer.name}"
                              + (f" input {port}" if tag else ""))
                prev = dwc
            depth = edge_depth(fifo_depths, layer, port)
            if depth > 0:
                fifo = f"w_{layer.name}_fifo{tag}"
                decl += _wires(fifo, lw)
                params: dict[str, object] = {"WIDTH": lw, "DEPTH": depth}
                if fifo_memory(depth, lw) == "block":
                    params["RAM_STYLE"] = "block"
                body += _instance(
                    "hwgen_fifo", f"u_{layer.name}_fifo{tag}", params,
                    _axis_ports(prev, fifo),
                    f"FIFO in front of {layer.name}" + (f" input {port} (from {src})"
                                                        if tag else ""),
                )
                prev = fifo
            s = f"s{tag}_axis"
            ports.update({f"{s}_tdata": f"{prev}_tdata", f"{s}_tvalid": f"{prev}_tvalid",
                          f"{s}_tready": f"{prev}_tready"})
        ow = layer.out_beat_elems * layer.out_bits
        outs = [f"w_{layer.name}_out{k}" for k in range(2)] if isinstance(layer, HwDup) \
            else [f"w_{layer.name}_out"]
        for k, name in enumerate(outs):
            decl += _wires(name, ow)
            m = f"m{k}_axis" if len(outs) > 1 else "m_axis"
            ports.update({f"{m}_tdata": f"{name}_tdata", f"{m}_tvalid": f"{name}_tvalid",
                          f"{m}_tready": f"{name}_tready"})
        if isinstance(layer, HwMVAU) and layer.name in loaded:
            w = f"w_{layer.name}_wl"
            ports.update({"s_wl_tdata": f"{w}_tdata", "s_wl_tvalid": f"{w}_tvalid",
                          "s_wl_tready": f"{w}_tready"})
        elif isinstance(layer, HwMVAU):  # weights from its file: the load port unused
            decl.append(f"    wire unused_{layer.name}_wl_tready;")
            ports.update({"s_wl_tdata": f"{layer.PE * layer.SIMD * layer.w_dtype.code_bits}'d0",
                          "s_wl_tvalid": "1'b0", "s_wl_tready": f"unused_{layer.name}_wl_tready"})
        what = (f"{layer.name}: fork of {producers[0]} to "
                f"{' and '.join(c for c, _ in hw.consumers(layer.name))}"
                if isinstance(layer, HwDup) else
                f"{layer.name}: ONNX node {layer.onnx_name!r}, {layer.cycles} cycles/frame")
        body += _instance(template(layer), f"u_{layer.name}",
                          layer_params(layer, files.get(layer.name, {})), ports, what)
    prev = f"w_{last.name}_out"
    body += [
        f"    assign m_axis_tdata = {prev}_tdata;",
        f"    assign m_axis_tvalid = {prev}_tvalid;",
        f"    assign {prev}_tready = m_axis_tready;",
    ]
    head = [
        f"// Generated by hwgen from {source}: do not edit; rebuild instead.",
        "// Streaming pipeline of the hardware layers (see OUT/manifest.json).",
        "`default_nettype none",
        "",
        "module hwgen_accel_pipeline (",
        "    input  wire clk,",
        "    input  wire rst,",
        f"    input  wire [{in_w - 1}:0] s_axis_tdata,",
        "    input  wire s_axis_tvalid,",
        "    output wire s_axis_tready,",
        f"    output wire [{out_w - 1}:0] m_axis_tdata,",
        "    output wire m_axis_tvalid,",
        "    input  wire m_axis_tready" + ("," if segments else ""),
    ] + ([f"    input  wire [{load_bits - 1}:0] s_wl_tdata,  // weight image (load_layout)",
          "    input  wire s_wl_tvalid,",
          "    output wire s_wl_tready"] if segments else []) + [
        ");",
    ]
    return "\n".join(head + decl + [""] + body + ["endmodule", "", "`default_nettype wire", ""])


def _wrapper(module: str, in_w: int, out_w: int, core_in: int, core_out: int,
             frame_in_bits: int, frame_out_bits: int, source: str, what: str,
             load_bits: int = 0) -> str:
    """A top around the pipeline; ``load_bits`` > 0: with the weight-load port s_axis_wl."""
    in_beats = -(-frame_in_bits // in_w)
    out_beats = -(-frame_out_bits // out_w)
    lines = [
        f"// Generated by hwgen from {source}: do not edit; rebuild instead.",
        f"// {what}",
        "`default_nettype none",
        "",
        f"module {module} (",
        "    input  wire ap_clk,",
        "    input  wire ap_rst_n,",
        f"    input  wire [{in_w - 1}:0] s_axis_tdata,",
        "    input  wire s_axis_tvalid,",
        "    output wire s_axis_tready,",
        "    input  wire s_axis_tlast,",
        f"    output wire [{out_w - 1}:0] m_axis_tdata,",
        "    output wire m_axis_tvalid,",
        "    input  wire m_axis_tready,",
        "    output wire m_axis_tlast" + ("," if load_bits else ""),
    ] + ([f"    input  wire [{load_bits - 1}:0] s_axis_wl_tdata,  // weight image, before frames",
          "    input  wire s_axis_wl_tvalid,",
          "    output wire s_axis_wl_tready,",
          "    input  wire s_axis_wl_tlast  // ignored: the image length is fixed"]
         if load_bits else []) + [
        ");",
        "    wire clk = ap_clk;",
        "    reg rst;",
        "    always @(posedge clk) rst <= !ap_rst_n;  // registered, synchronous active-high",
        "    wire in_tready;  // the pipeline side (or its input converter) accepts a word",
    ]
    lines += _wires("host_in", in_w) + _wires("pipe_in", core_in) + _wires("pipe_out", core_out)
    lines += _instance(
        "hwgen_frame_tlast", "u_tlast",
        {"IN_BEATS": in_beats, "OUT_BEATS": out_beats, "DEPTH": TLAST_DEPTH},
        {"clk": "clk", "rst": "rst", "in_valid": "s_axis_tvalid", "in_last": "s_axis_tlast",
         "core_ready": "in_tready", "in_ready": "s_axis_tready",
         "out_fire": "m_axis_tvalid && m_axis_tready", "out_last": "m_axis_tlast"},
        "tlast of each output frame = tlast of its input frame",
    )
    lines += ["    assign host_in_tdata = s_axis_tdata;",
              "    assign host_in_tvalid = s_axis_tvalid && s_axis_tready;",
              "    assign in_tready = host_in_tready;"]
    lines += _link("host_in", "pipe_in", in_w, core_in, frame_in_bits, "u_dwc_in",
                   "host words -> first layer beats")
    ports = _axis_ports("pipe_in", "pipe_out")
    if load_bits:
        lines.append("    wire unused_wl_tlast = s_axis_wl_tlast;")
        ports.update({"s_wl_tdata": "s_axis_wl_tdata", "s_wl_tvalid": "s_axis_wl_tvalid",
                      "s_wl_tready": "s_axis_wl_tready"})
    lines += _instance("hwgen_accel_pipeline", "u_pipeline", {}, ports, "the layers")
    lines += _link("pipe_out", "m_axis", core_out, out_w, frame_out_bits, "u_dwc_out",
                   "last layer beats -> host words")
    lines += ["endmodule", "", "`default_nettype wire", ""]
    return "\n".join(lines)


def boundary(hw: HwGraph) -> tuple[int, int, int, int]:
    first, last = hw.layers[0], hw.layers[-1]
    return (first.in_beat_elems * first.in_bits, last.out_beat_elems * last.out_bits,
            first.in_elems * first.in_bits, last.out_elems * last.out_bits)


def emit_core(hw: HwGraph, source: str, load_bits: int = 64) -> str:
    core_in, core_out, fin, fout = boundary(hw)
    return _wrapper("hwgen_accel_core", core_in, core_out, core_in, core_out, fin, fout, source,
                    "The pipeline at its native beat widths, with tlast (simulation and reuse).",
                    load_bits if load_layout(hw, load_bits) else 0)


def emit_accel(hw: HwGraph, dma_bits: int, source: str) -> str:
    core_in, core_out, fin, fout = boundary(hw)
    return _wrapper("hwgen_accel", dma_bits, dma_bits, core_in, core_out, fin, fout, source,
                    f"DMA-facing top: {dma_bits}-bit AXI-Stream in and out, frames padded to "
                    "whole words.", dma_bits if load_layout(hw, dma_bits) else 0)
