"""The HLS C++ writer: OUT/hls/ from the folded hardware graph (DESIGN.md sections 3, 3a, 4).

Generated code is small: constant arrays (weights and thresholds, as codes, laid out by the
folding), one wrapper function per dataflow process (the layer templates of
``include/hwgen_layers.h`` instantiated with the layer's parameters, plus the pragmas the folding
implies), and ``hwgen_top`` with ``#pragma HLS DATAFLOW``, AXI-Stream ports at the DMA width and
stream depths equal to the FIFO depths of the build. ``include/hwgen_hls.h`` selects the vendor
headers when present and hwgen's portable ones otherwise, so g++ alone runs the C simulation.

Files: hwgen_hls.h, hwgen_layers.h (copies), hwgen_params.h, hwgen_top.h, hwgen_top.cpp,
tb_hwgen.cpp, tb_in.bin (one all-zero frame, so csim runs out of the box), run_hls.tcl.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from hwgen.backend.memfiles import encode
from hwgen.build.emit import edge_depth, weight_memory
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
from hwgen.errors import UnsupportedError

__all__ = ["HEADERS", "TYPE_CODES", "include_dir", "write_hls"]

HEADERS = ("hwgen_hls.h", "hwgen_layers.h")
# Type codes of the layer templates (as the RTL templates' IN_TYPE / W_TYPE).
TYPE_CODES = {"UINT": 0, "BINARY": 0, "INT": 1, "BIPOLAR": 2, "TERNARY": 3}
_KINDS = {"UINT": "uint", "BINARY": "uint", "INT": "int", "BIPOLAR": "bipolar",
          "TERNARY": "ternary"}
MIN_AP_WIDTH = 1024  # the vendor's default AP_INT_MAX_W


def include_dir() -> Path:
    """The folder of the package's C++ headers."""
    return Path(__file__).resolve().parent / "include"


def _code_signed(dtype) -> bool:
    """Codes compare as two's complement; BIPOLAR codes (0 = -1, 1 = +1) order unsigned."""
    return dtype.signed and dtype.kind != "BIPOLAR"


def _ident(layer: HwLayer) -> str:
    return f"hwgen_{layer.name}"


def _beat(layer: HwLayer, side: str, port: int = 0) -> int:
    if side == "in":
        return layer.in_beat_elems * layer.port_bits(port)
    return layer.out_beat_elems * layer.out_bits


def _array(name: str, ctype: str, values: np.ndarray) -> str:
    """A constant C array of ``values`` (any rank), rows on their own lines."""
    dims = "".join(f"[{d}]" for d in values.shape)

    def body(v: np.ndarray, indent: str) -> str:
        if v.ndim == 1:
            return "{" + ",".join(str(int(x)) for x in v.tolist()) + "}"
        inner = (",\n" + indent + " ").join(body(row, indent + " ") for row in v)
        return "{" + inner + "}"

    return f"static const {ctype} {name}{dims} =\n    {body(values, '    ')};\n"


def _mvau_arrays(layer: HwMVAU) -> tuple[str, int]:
    pe, simd, nf, sf = layer.PE, layer.SIMD, layer.nf, layer.sf
    wbits = layer.w_dtype.code_bits
    codes = encode(layer.weights, wbits, _KINDS[layer.w_dtype.kind])
    # lane p*SIMD + s, address nf*SF + sf  <-  W[nf*PE + p][sf*SIMD + s]
    lanes = codes.reshape(nf, pe, sf, simd).transpose(1, 3, 0, 2).reshape(pe * simd, nf * sf)
    text = _array(f"{_ident(layer)}_weights", f"ap_uint<{wbits}>", lanes)
    if layer.thresholds is None:
        thr_bits = 2
        t = np.zeros((pe, nf, 1), np.int64)
    else:
        thr_bits = layer.thr_dtype.bits
        n = layer.n_thresholds
        t = np.asarray(layer.thresholds, np.int64).reshape(nf, pe, n).transpose(1, 0, 2)
    text += _array(f"{_ident(layer)}_thresholds", f"ap_int<{thr_bits}>", t)
    return text, thr_bits


def _vvau_arrays(layer: HwVVAU) -> tuple[str, int]:
    """Weights [PE][CF*KK] (codes) and thresholds [PE][CF][N] of a vvau; returns its MODE."""
    pe, cf, kk = layer.lanes, layer.cf, layer.window
    mode = {"dot": 0, "sum": 1, "max": 2}[layer.mode]
    if mode == 0:
        wbits = layer.w_dtype.code_bits
        codes = encode(layer.weights, wbits, _KINDS[layer.w_dtype.kind])
        # lane p, address cf*KK + k  <-  W[cf*PE + p][k]
        lanes = codes.reshape(cf, pe, kk).transpose(1, 0, 2).reshape(pe, cf * kk)
    else:
        wbits, lanes = 1, np.zeros((pe, 1), np.int64)
    text = _array(f"{_ident(layer)}_weights", f"ap_uint<{wbits}>", lanes)
    if layer.thresholds is None:
        thr_bits, t = 2, np.zeros((pe, cf, 1), np.int64)
    else:
        thr_bits = layer.thr_dtype.bits
        t = np.asarray(layer.thresholds, np.int64).reshape(cf, pe, -1).transpose(1, 0, 2)
    text += _array(f"{_ident(layer)}_thresholds", f"ap_int<{thr_bits}>", t)
    return text, mode


def _thr_array(layer: HwThreshold | HwAdd) -> tuple[str, bool]:
    t = np.asarray(layer.thresholds, np.int64)
    shared = t.shape[0] == 1
    n = t.shape[1]
    if shared:
        t = t.reshape(1, 1, n)
    else:
        cf = layer.channels // layer.PE
        t = t.reshape(cf, layer.PE, n).transpose(1, 0, 2)
    return _array(f"{_ident(layer)}_thresholds", f"ap_int<{layer.thr_dtype.bits}>", t), shared


def _stream(width: int) -> str:
    return f"hls::stream<ap_uint<{width}> >"


def _process(name: str, comment: str, in_types: list[str], out_types: list[str],
             pragmas: list[str], call: str) -> str:
    """A dataflow process: ``in`` and ``out`` streams (``in0, in1`` / ``out0, out1`` when
    there are two)."""
    def ports(kind: str, types: list[str]) -> list[str]:
        return [f"{t}& {kind}{k if len(types) > 1 else ''}" for k, t in enumerate(types)]

    args = ", ".join(ports("in", in_types) + ports("out", out_types))
    lines = [f"// {comment}", f"static void {name}({args}) {{", "#pragma HLS INLINE off"]
    lines += pragmas
    lines += [f"    {call};", "}", ""]
    return "\n".join(lines)


def _layer_process(layer: HwLayer, params: list[str]) -> tuple[str, list[int]]:
    """The wrapper function of one layer (and the ap widths it uses)."""
    name = _ident(layer)
    ins = [_beat(layer, "in", p) for p in range(layer.n_inputs)]
    win, wout = ins[0], _beat(layer, "out")
    outs = [wout, wout] if isinstance(layer, HwDup) else [wout]
    comment = (f"{layer.name}: ONNX node {layer.onnx_name!r}, PE {layer.PE}, SIMD {layer.SIMD}, "
               f"{layer.cycles} cycles/frame")
    pragmas: list[str] = []
    widths = [*ins, wout]
    if isinstance(layer, HwDup):
        comment = f"{layer.name}: fork, {layer.in_beats} beats/frame to both outputs"
        call = f"hwgen::dup<{win}, {layer.in_beats}>(in, out0, out1)"
    elif isinstance(layer, HwAdd):
        n = layer.n_thresholds
        if n:
            arrays, shared = _thr_array(layer)
            thr_bits = layer.thr_dtype.bits
        else:
            shared, thr_bits = True, 2
            arrays = _array(f"{name}_thresholds", "ap_int<2>", np.zeros((1, 1, 1), np.int64))
        params.append(f"// {layer.name}: thresholds [PE][CHANNELS/PE][N] (shared or none: "
                      f"[1][1][N])\n{arrays}")
        pragmas.append(f"#pragma HLS ARRAY_PARTITION variable={name}_thresholds complete dim=1")
        pragmas.append(f"#pragma HLS ARRAY_PARTITION variable={name}_thresholds complete dim=3")
        d0, d1 = layer.in_dtype, layer.in_dtype1
        targs = [layer.channels, layer.PE, layer.pixels, d0.code_bits, int(_code_signed(d0)),
                 d1.code_bits, int(_code_signed(d1)), layer.k0, layer.k1, layer.sum_dtype.bits,
                 n, thr_bits, layer.out_bits, layer.out_bias if n else 0, int(shared)]
        call = f"hwgen::add<{', '.join(map(str, targs))}>(in0, in1, out, {name}_thresholds)"
        widths += [thr_bits, layer.sum_dtype.bits, 32 + max(d0.code_bits, d1.code_bits) + 2]
    elif isinstance(layer, HwConcat):
        targs = [layer.c0, layer.c1, layer.PE, layer.pixels, layer.in_bits]
        call = f"hwgen::concat<{', '.join(map(str, targs))}>(in0, in1, out)"
    elif isinstance(layer, HwMVAU):
        arrays, thr_bits = _mvau_arrays(layer)
        params.append(f"// {layer.name}: weights [PE*SIMD lanes][NF*SF addresses], thresholds "
                      f"[PE][NF][N]\n{arrays}")
        n = layer.n_thresholds
        acc_bits = layer.acc_dtype.bits if n else layer.out_dtype.bits
        w = f"{name}_weights"
        pragmas.append(f"#pragma HLS ARRAY_PARTITION variable={w} complete dim=1  "
                       f"// PE*SIMD = {layer.PE * layer.SIMD} lanes")
        # the memory the RTL builds (ram_style "auto" resolved by the same rule)
        if weight_memory(layer) == "ultra":
            raise UnsupportedError(
                "the HLS back end keeps weights in ROMs, and UltraScale+ UltraRAM cannot hold "
                "an initialised ROM", node=layer.name, op=layer.op,
                hint='set ram_style "block" or "distributed" for this layer in folding.json, '
                     "or build the RTL back end")
        impl = "lutram" if weight_memory(layer) == "distributed" else "bram"
        pragmas.append(f"#pragma HLS BIND_STORAGE variable={w} type=rom_1p impl={impl}")
        pragmas.append(f"#pragma HLS ARRAY_PARTITION variable={name}_thresholds complete dim=1")
        pragmas.append(f"#pragma HLS ARRAY_PARTITION variable={name}_thresholds complete dim=3")
        targs = [layer.mw, layer.mh, layer.SIMD, layer.PE, layer.pixels, layer.in_bits,
                 TYPE_CODES[layer.in_dtype.kind], layer.w_dtype.code_bits,
                 TYPE_CODES[layer.w_dtype.kind], acc_bits, n, thr_bits,
                 layer.out_bits if n else 1, layer.out_bias]
        call = (f"hwgen::mvau<{', '.join(map(str, targs))}>(in, out, {w}, "
                f"{name}_thresholds)")
        widths += [acc_bits, thr_bits, layer.in_bits + layer.w_dtype.code_bits + 2]
    elif isinstance(layer, HwThreshold):
        arrays, shared = _thr_array(layer)
        params.append(f"// {layer.name}: thresholds [PE][CHANNELS/PE][N] (shared: [1][1][N])\n"
                      f"{arrays}")
        pragmas.append(f"#pragma HLS ARRAY_PARTITION variable={name}_thresholds complete dim=1")
        pragmas.append(f"#pragma HLS ARRAY_PARTITION variable={name}_thresholds complete dim=3")
        targs = [layer.channels, layer.PE, layer.pixels, layer.n_thresholds, layer.in_bits,
                 int(_code_signed(layer.in_dtype)), layer.thr_dtype.bits, layer.out_bits,
                 layer.out_bias, int(shared)]
        call = f"hwgen::thresholding<{', '.join(map(str, targs))}>(in, out, {name}_thresholds)"
        widths += [layer.thr_dtype.bits, layer.in_bits + 1]
    elif isinstance(layer, HwVVAU):
        arrays, mode = _vvau_arrays(layer)
        params.append(f"// {layer.name}: weights [PE][CF*KK] (no weights: [PE][1] zeros), "
                      f"thresholds [PE][CF][N]\n{arrays}")
        w = f"{name}_weights"
        pragmas.append(f"#pragma HLS ARRAY_PARTITION variable={w} complete dim=1  "
                       f"// PE = {layer.lanes} lanes")
        # hwgen_vvau keeps its weights in LUT ROM
        pragmas.append(f"#pragma HLS BIND_STORAGE variable={w} type=rom_1p impl=lutram")
        pragmas.append(f"#pragma HLS ARRAY_PARTITION variable={name}_thresholds complete dim=1")
        pragmas.append(f"#pragma HLS ARRAY_PARTITION variable={name}_thresholds complete dim=3")
        n, wd = layer.n_thresholds, layer.w_dtype
        acc_bits = layer.acc_dtype.bits if mode != 2 else layer.in_bits + 1
        thr_bits = layer.thr_dtype.bits if layer.thr_dtype is not None else 2
        targs = [layer.channels, layer.lanes, layer.window, layer.simd, layer.pixels, mode,
                 layer.in_bits,
                 int(_code_signed(layer.in_dtype)), wd.code_bits if mode == 0 else 1,
                 TYPE_CODES[wd.kind] if mode == 0 else 0, acc_bits, n, thr_bits,
                 layer.out_bits if n else 1, layer.out_bias]
        call = f"hwgen::vvau<{', '.join(map(str, targs))}>(in, out, {w}, {name}_thresholds)"
        widths += [acc_bits, thr_bits, layer.in_bits + 1 + (wd.code_bits + 1 if mode == 0 else 0)]
    elif isinstance(layer, HwSWG) and not layer.square and not layer.window_parallel:
        h, w_, c = layer.in_hwc
        (kh, kw), (sh, sw), (pt, pl, pb, pr) = layer.kernel, layer.stride, layer.pad
        targs = [h, w_, c, layer.SIMD, kh, kw, sh, sw, pt, pl, pb, pr, *layer.dilation,
                 int(layer.cf_major), layer.pad_value % (1 << layer.in_bits), layer.in_bits]
        call = f"hwgen::swg_general<{', '.join(map(str, targs))}>(in, out)"
    elif isinstance(layer, HwSWG):
        h, w_, c = layer.in_hwc
        targs = [h, w_, c, layer.SIMD, layer.kernel[0], layer.stride[0], layer.pad[0],
                 layer.in_bits]
        func = "swg_par" if layer.window_parallel else "swg"
        call = f"hwgen::{func}<{', '.join(map(str, targs))}>(in, out)"
    elif isinstance(layer, HwMaxPool):
        h, w_, c = layer.in_hwc
        targs = [h, w_, c, layer.PE, layer.kernel[0], layer.in_bits,
                 int(_code_signed(layer.in_dtype))]
        call = f"hwgen::maxpool<{', '.join(map(str, targs))}>(in, out)"
        widths.append(layer.in_bits + 1)
    elif isinstance(layer, HwLabelSelect):
        targs = [layer.channels, layer.PE, layer.in_bits, int(_code_signed(layer.in_dtype)),
                 layer.out_bits]
        call = f"hwgen::label_select<{', '.join(map(str, targs))}>(in, out)"
        widths.append(layer.in_bits + 1)
    else:
        raise TypeError(f"no HLS layer for {type(layer).__name__}")
    return _process(name, comment, [_stream(w) for w in ins], [_stream(w) for w in outs],
                    pragmas, call), widths


def write_hls(folder: Path, hw: HwGraph, depths: dict[str, int | list[int]], *, dma_bits: int, part: str,
              clock_mhz: float, source: str) -> list[str]:
    """Write OUT/hls/ for ``hw``; returns the file names written."""
    if dma_bits % 8:
        raise ValueError(f"the DMA width must be whole bytes, not {dma_bits} bits")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in HEADERS:
        shutil.copyfile(include_dir() / name, folder / name)
    head = f"// Generated by hwgen from {source}: do not edit; rebuild instead.\n"
    first, last = hw.layers[0], hw.layers[-1]
    core_in, core_out = _beat(first, "in"), _beat(last, "out")
    fin, fout = first.in_elems * first.in_bits, last.out_elems * last.out_bits
    in_words, out_words = -(-fin // dma_bits), -(-fout // dma_bits)

    params: list[str] = []
    procs: list[str] = []
    decls: list[str] = []
    calls: list[str] = []
    widths = [dma_bits, core_in + dma_bits, core_out + dma_bits]

    def stream(name: str, width: int, depth: int, why: str) -> None:
        decls.append(f"    {_stream(width)} {name}(\"{name}\");")
        decls.append(f"#pragma HLS STREAM variable={name} depth={max(depth, 1)}  // {why}")

    axis = f"hls::stream<ap_axiu<{dma_bits}, 0, 0, 0> >"
    procs.append("\n".join([
        f"// DMA words ({dma_bits} bits) -> {core_in}-bit beats of {first.name}; tlast -> last",
        (f"static void hwgen_axis_in({axis}& in, {_stream(core_in)}& out, "
         "hls::stream<ap_uint<1> >& last) {"),
        "#pragma HLS INLINE off",
        f"    hwgen::axis_in<{dma_bits}, {core_in}, {fin}>(in, out, last);",
        "}", ""]))
    decls.append("    hls::stream<ap_uint<1> > frame_last(\"frame_last\");")
    decls.append("#pragma HLS STREAM variable=frame_last depth=32  // tlast of frames in flight")
    # every edge producer -> (consumer, port): the FIFO stream the consumer reads and the
    # stream the producer writes (the FIFO itself, or a width converter's input)
    fifo_of: dict[tuple[str, int], str] = {}
    writes: dict[tuple[str, int], str] = {}
    for layer in hw.layers:
        for port, src in enumerate(hw.producers(layer)):
            tag = f"_in{port}" if layer.n_inputs > 1 else ""
            fifo_of[layer.name, port] = f"s_{layer.name}{tag}"
            src_w = core_in if src == GRAPH_INPUT else _beat(hw.layer(src), "out")
            same = src_w == _beat(layer, "in", port)
            writes[layer.name, port] = (fifo_of[layer.name, port] if same
                                        else f"s_{layer.name}_dwc{port if tag else ''}")

    def written(src: str) -> list[str]:
        """The streams ``src`` (a layer, or GRAPH_INPUT) writes, one per output port."""
        return [writes[c] for c in hw.consumers(src)] or ["s_out"]

    calls.append(f"    hwgen_axis_in(s_axis, {written(GRAPH_INPUT)[0]}, frame_last);")
    for layer in hw.layers:
        ins = []
        for port, src in enumerate(hw.producers(layer)):
            lw = _beat(layer, "in", port)
            src_w = core_in if src == GRAPH_INPUT else _beat(hw.layer(src), "out")
            s_in, s_w = fifo_of[layer.name, port], writes[layer.name, port]
            into = f"{layer.name}" + (f" input {port}" if layer.n_inputs > 1 else "")
            if s_w != s_in:
                stream(s_w, src_w, 2, f"{src} -> width converter")
                frame_bits = layer.port_elems(port) * layer.port_bits(port)
                conv = f"{_ident(layer)}_dwc" + (str(port) if layer.n_inputs > 1 else "")
                procs.append(_process(
                    conv, f"{src_w} -> {lw} bit beats into {into}", [_stream(src_w)],
                    [_stream(lw)], [], f"hwgen::dwc<{src_w}, {lw}, {frame_bits}>(in, out)"))
                calls.append(f"    {conv}({s_w}, {s_in});")
                widths.append(src_w + lw)
            why = f"FIFO in front of {into}" + (f" (from {src})" if layer.n_inputs > 1 else "")
            stream(s_in, lw, edge_depth(depths, layer, port), f"{why} (fifo_depths.json)")
            ins.append(s_in)
        proc, used = _layer_process(layer, params)
        procs.append(proc)
        widths += used
        calls.append(f"    {_ident(layer)}({', '.join(ins + written(layer.name))});")
    stream("s_out", core_out, 2, f"{last.name} -> DMA words")
    calls.append("    hwgen_axis_out(s_out, m_axis, frame_last);")
    procs.append("\n".join([
        f"// {core_out}-bit beats of {last.name} -> DMA words, tlast of the frame on its last word",
        (f"static void hwgen_axis_out({_stream(core_out)}& in, {axis}& out, "
         "hls::stream<ap_uint<1> >& last) {"),
        "#pragma HLS INLINE off",
        f"    hwgen::axis_out<{core_out}, {dma_bits}, {fout}>(in, out, last);",
        "}", ""]))
    max_w = max(widths)
    ap_w = max(MIN_AP_WIDTH, -(-max_w // 64) * 64)

    top_h = head + "\n".join([
        f"// hwgen_top: the dataflow pipeline of {hw.name} ({len(hw.layers)} layers), one frame",
        "// per call: AXI-Stream in and out at the DMA width, tlast on a frame's last word.",
        "#ifndef HWGEN_TOP_H",
        "#define HWGEN_TOP_H",
        "",
        f"#define HWGEN_MAX_WIDTH {max_w}  // the widest ap_(u)int the folding needs",
        "#ifndef AP_INT_MAX_W",
        f"#define AP_INT_MAX_W {ap_w}",
        "#endif",
        '#include "hwgen_hls.h"',
        "",
        f"#define HWGEN_DMA_BITS {dma_bits}",
        f"#define HWGEN_IN_WORDS {in_words}  // DMA words per input frame",
        f"#define HWGEN_OUT_WORDS {out_words}  // DMA words per output frame",
        f"#define HWGEN_IN_ELEMS {hw.in_elems}  // {hw.in_dtype.name} elements per input frame",
        f"#define HWGEN_OUT_ELEMS {hw.out_elems}  // {hw.out_dtype.name} elements per output frame",
        "static_assert(HWGEN_MAX_WIDTH <= AP_INT_MAX_W, \"AP_INT_MAX_W too small for this design\");",
        "",
        f"void hwgen_top(hls::stream<ap_axiu<{dma_bits}, 0, 0, 0> >& s_axis,",
        f"               hls::stream<ap_axiu<{dma_bits}, 0, 0, 0> >& m_axis);",
        "",
        "#endif  // HWGEN_TOP_H",
        ""])
    params_h = head + "\n".join([
        "// Weights and thresholds as codes (DESIGN.md 3a), laid out by the folding.",
        "#ifndef HWGEN_PARAMS_H", "#define HWGEN_PARAMS_H", '#include "hwgen_hls.h"', "",
        *params, "#endif  // HWGEN_PARAMS_H", ""])
    top_cpp = head + "\n".join([
        '#include "hwgen_top.h"',
        '#include "hwgen_layers.h"',
        '#include "hwgen_params.h"',
        "",
        *procs,
        f"void hwgen_top({axis}& s_axis, {axis}& m_axis) {{",
        "#pragma HLS INTERFACE axis port=s_axis",
        "#pragma HLS INTERFACE axis port=m_axis",
        "#pragma HLS INTERFACE ap_ctrl_none port=return",
        "#pragma HLS DATAFLOW",
        *decls,
        "",
        *calls,
        "}",
        ""])
    files = {
        "hwgen_top.h": top_h,
        "hwgen_params.h": params_h,
        "hwgen_top.cpp": top_cpp,
        "tb_hwgen.cpp": head + _TESTBENCH,
        "run_hls.tcl": _tcl(source, part, clock_mhz),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "tb_in.bin").write_bytes(bytes(in_words * dma_bits // 8))
    return list(HEADERS) + list(files) + ["tb_in.bin"]


_TESTBENCH = r"""// C testbench: raw little-endian DMA words in, the design's DMA words out.
//   tb_hwgen [IN.bin [OUT.bin]]   (defaults tb_in.bin, tb_out.bin)
// IN holds whole frames of HWGEN_IN_WORDS words (hwgen/runtime/packing.py); every frame gets
// tlast on its last word; the bench checks that each output frame is HWGEN_OUT_WORDS words with
// tlast on the last one only, and exits 1 otherwise.
#include <cstdio>
#include <vector>

#include "hwgen_top.h"

static_assert(HWGEN_DMA_BITS % 8 == 0, "DMA words must be whole bytes");
static const int BYTES = HWGEN_DMA_BITS / 8;

int main(int argc, char** argv) {
    const char* in_path = argc > 1 ? argv[1] : "tb_in.bin";
    const char* out_path = argc > 2 ? argv[2] : "tb_out.bin";
    FILE* fi = std::fopen(in_path, "rb");
    if (!fi) {
        std::fprintf(stderr, "tb_hwgen: cannot open %s\n", in_path);
        return 1;
    }
    FILE* fo = std::fopen(out_path, "wb");
    if (!fo) {
        std::fprintf(stderr, "tb_hwgen: cannot write %s\n", out_path);
        return 1;
    }
    std::vector<unsigned char> in(HWGEN_IN_WORDS * BYTES), out(HWGEN_OUT_WORDS * BYTES);
    hls::stream<ap_axiu<HWGEN_DMA_BITS, 0, 0, 0> > s_axis("s_axis"), m_axis("m_axis");
    long frames = 0;
    while (std::fread(in.data(), 1, in.size(), fi) == in.size()) {
        for (int j = 0; j < HWGEN_IN_WORDS; j++) {
            ap_axiu<HWGEN_DMA_BITS, 0, 0, 0> w;
            w.data = 0;
            for (int b = 0; b < BYTES; b++) w.data.range(8 * b + 7, 8 * b) = in[j * BYTES + b];
            w.keep = -1;
            w.strb = -1;
            w.last = j == HWGEN_IN_WORDS - 1 ? 1 : 0;
            s_axis.write(w);
        }
        hwgen_top(s_axis, m_axis);
        for (int j = 0; j < HWGEN_OUT_WORDS; j++) {
            if (m_axis.empty()) {
                std::fprintf(stderr, "tb_hwgen: frame %ld: %d of %d output words\n", frames, j,
                             HWGEN_OUT_WORDS);
                return 1;
            }
            const ap_axiu<HWGEN_DMA_BITS, 0, 0, 0> w = m_axis.read();
            if ((w.last == 1) != (j == HWGEN_OUT_WORDS - 1)) {
                std::fprintf(stderr, "tb_hwgen: frame %ld word %d: tlast %d\n", frames, j,
                             w.last.to_int());
                return 1;
            }
            for (int b = 0; b < BYTES; b++) {
                const ap_uint<8> byte = w.data.range(8 * b + 7, 8 * b);
                out[j * BYTES + b] = static_cast<unsigned char>(byte.to_uint());
            }
        }
        if (!m_axis.empty()) {
            std::fprintf(stderr, "tb_hwgen: frame %ld: extra output words\n", frames);
            return 1;
        }
        std::fwrite(out.data(), 1, out.size(), fo);
        frames++;
    }
    std::fclose(fi);
    std::fclose(fo);
    std::printf("tb_hwgen: %ld frames\n", frames);
    return 0;
}
"""


def _tcl(source: str, part: str, clock_mhz: float) -> str:
    period = 1000.0 / clock_mhz
    return f"""# Generated by hwgen from {source}: do not edit; rebuild instead.
# vitis_hls -f run_hls.tcl : C simulation (tb_in.bin -> tb_out.bin), synthesis, IP export.
set here [file dirname [file normalize [info script]]]
open_project -reset hwgen_hls_prj
set_top hwgen_top
add_files $here/hwgen_top.cpp -cflags "-std=c++14 -I$here"
add_files -tb $here/tb_hwgen.cpp -cflags "-std=c++14 -I$here"
open_solution -reset sol1 -flow_target vivado
set_part {{{part}}}
create_clock -period {period:g} -name default
csim_design -argv "$here/tb_in.bin $here/tb_out.bin"
csynth_design
export_design -format ip_catalog -rtl verilog
exit
"""
