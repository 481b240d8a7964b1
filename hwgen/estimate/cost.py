"""First-cut resource models per hardware layer (LUT, FF, BRAM18, DSP).

Simple closed forms in the layer's parameters; the constants are first estimates from the
structure of the templates (one LUT6 per 2-3 input bits of logic) and are meant to be
calibrated against Yosys (``hwgen report --synth``). Memories: a ROM of ``depth`` x ``width``
bits goes to BRAM18 when ram_style is "block", or when "auto" and it holds more than 4 Kib in
words of at least 16 entries; otherwise LUTRAM at 64 bits per LUT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hwgen.build.hwlayers import HwLabelSelect, HwLayer, HwMaxPool, HwMVAU, HwSWG, HwThreshold

__all__ = ["Cost", "estimate_layer", "estimate_fifo", "estimate_dwc", "memory_cost"]


@dataclass(frozen=True)
class Cost:
    LUT: int = 0
    FF: int = 0
    BRAM18: int = 0
    DSP: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.LUT + other.LUT, self.FF + other.FF, self.BRAM18 + other.BRAM18,
                    self.DSP + other.DSP)

    def as_dict(self) -> dict[str, int]:
        return {"LUT": self.LUT, "FF": self.FF, "BRAM18": self.BRAM18, "DSP": self.DSP}


def _bram18(depth: int, width: int) -> int:
    # BRAM18 aspect ratios: 512x36, 1Kx18, 2Kx9, 4Kx4, 8Kx2, 16Kx1
    best = None
    for d, w in ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1)):
        n = math.ceil(depth / d) * math.ceil(width / w)
        best = n if best is None else min(best, n)
    return best or 0


def memory_cost(depth: int, width: int, ram_style: str = "auto") -> Cost:
    bits = depth * width
    use_bram = ram_style == "block" or (ram_style == "auto" and bits > 4096 and depth >= 16)
    if use_bram:
        return Cost(BRAM18=_bram18(depth, width))
    if depth <= 1:
        return Cost(FF=width)
    return Cost(LUT=math.ceil(depth / 64) * width, FF=width)


def _thr_logic(lanes: int, n: int, bits: int) -> int:
    if n <= 8:
        return lanes * n * math.ceil(bits / 2)
    stages = math.ceil(math.log2(n + 1))
    return lanes * stages * (math.ceil(bits / 2) + bits)


def estimate_layer(layer: HwLayer) -> Cost:
    if isinstance(layer, HwMVAU):
        pe, simd = layer.PE, layer.SIMD
        wb, ib = layer.w_dtype.code_bits, layer.in_dtype.code_bits
        acc = layer.acc_dtype.bits
        if layer.xnor:
            prod = pe * simd  # xnor + popcount compressor
            tree = pe * simd // 2
        elif layer.w_dtype.kind in ("BIPOLAR", "TERNARY") or layer.in_dtype.kind == "BIPOLAR":
            prod = pe * simd * (ib + 1)
            tree = pe * simd * acc // 2
        else:
            prod = pe * simd * max(1, wb * ib // 2)
            tree = pe * simd * acc // 2
        dsp = 0
        if layer.res_type == "dsp" and not layer.xnor:
            dsp, prod = pe * simd, 0
        thr = _thr_logic(pe, layer.n_thresholds, acc) if layer.n_thresholds else 0
        mem = memory_cost(layer.nf * layer.sf, pe * simd * wb, layer.ram_style)
        tmem = Cost()
        if layer.n_thresholds:
            tmem = memory_cost(layer.nf, pe * layer.n_thresholds * acc, "distributed")
        ibuf = memory_cost(layer.sf, simd * ib, "distributed")
        ctrl = Cost(LUT=40, FF=40 + pe * acc * 2)
        return Cost(LUT=prod + tree + thr + dsp * 0, DSP=dsp) + mem + tmem + ibuf + ctrl
    if isinstance(layer, HwThreshold):
        bits = layer.thr_dtype.bits
        n = layer.n_thresholds
        depth = layer.channels // layer.PE
        shared = layer.thresholds.shape[0] == 1 or bool((layer.thresholds == layer.thresholds[0]).all())
        lanes_t = 1 if shared else layer.PE
        mem = memory_cost(depth if not shared else 1, lanes_t * n * bits, "distributed")
        return Cost(LUT=_thr_logic(layer.PE, n, bits) + 20,
                    FF=layer.PE * (layer.out_bits + bits) + 20) + mem
    if isinstance(layer, HwSWG):
        h, w, c = layer.in_hwc
        kh, kw = layer.kernel
        width = layer.SIMD * layer.in_bits
        depth = (kh + layer.stride[0]) * (w + layer.pad[1] + layer.pad[3]) * (c // layer.SIMD)
        return memory_cost(depth, width) + Cost(LUT=120 + width, FF=100 + width)
    if isinstance(layer, HwMaxPool):
        h, w, c = layer.in_hwc
        width = layer.PE * layer.in_bits
        row = memory_cost((w // layer.kernel[1]) * (c // layer.PE), width)
        return row + Cost(LUT=layer.PE * layer.in_bits * 2 + 40, FF=width * 2 + 40)
    if isinstance(layer, HwLabelSelect):
        bits = layer.in_bits
        return Cost(LUT=layer.PE * bits * 2 + 30, FF=bits + 20)
    return Cost()


def estimate_fifo(depth: int, width: int) -> Cost:
    if depth <= 2:
        return Cost(LUT=width // 2 + 4, FF=2 * width + 4)
    if depth <= 32:
        return Cost(LUT=width + 12, FF=width + 12)  # SRL32 per bit
    return memory_cost(depth, width) + Cost(LUT=20, FF=width + 20)


def estimate_dwc(in_w: int, out_w: int) -> Cost:
    lanes = in_w + out_w
    g = math.gcd(in_w, out_w)
    fan = max(1, in_w // g)
    return Cost(LUT=lanes * max(1, math.ceil(fan / 4)) + 20, FF=lanes + 30)
