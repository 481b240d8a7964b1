"""Frame latency from the pipeline structure (analytic, no back-pressure).

Each template instance has two delays, from rtl_templates/README.md:
``first`` = clock cycles from its first input beat of a frame to its first output beat, and
``tail`` = cycles from its last input beat to its last output beat. A frame enters stage i at
``start_i = sum(first_j, j < i)``; the stage that finishes last sets the latency:
``latency = max_i(start_i + busy_i + sum(tail_j, j >= i))`` with ``busy_i`` the stage's cycles per
frame (its input beats for pass-through stages). The DMA-side converters are included.
"""

from __future__ import annotations

import math

__all__ = ["pipeline_latency", "stage_delays"]


def _clog2(v: int) -> int:
    return max(0, (int(v) - 1).bit_length())


def stage_delays(module: str, p: dict[str, int | str]) -> tuple[int, int, int]:
    """(first, tail, busy) in cycles for one instance with Verilog parameters ``p``."""
    if module == "hwgen_mvau":
        sf, nf = p["MW"] // p["SIMD"], p["MH"] // p["PE"]
        mul = 1 if (p["IN_TYPE"] != 2 and p["W_TYPE"] not in (2, 3)) else 0
        tree = 1 if p["SIMD"] == 1 else math.ceil(_clog2(p["SIMD"]) / 3)
        lat = mul + tree + 3
        if p["N_THRES"]:
            lat += _clog2(p["N_THRES"] + 1) + 1
        return sf + lat, (nf - 1) * sf + lat + 1, nf * sf
    if module == "hwgen_thresholding":
        lat = _clog2(p["N_THRES"] + 1) + 2
        beats = p["CHANNELS"] // p["PE"]
        return lat, lat, beats
    if module in ("hwgen_swg", "hwgen_swg_par"):
        # input beats per pixel (hwgen_swg_par: one pixel per beat), output beats per window
        cf = 1 if module == "hwgen_swg_par" else p["C"] // p["SIMD"]
        wf = p["K"] * p["K"] * p["C"] // p["SIMD"]
        k, pad, w = p["K"], p["PAD"], p["W"]
        rows = max(0, k - 1 - pad)
        ow = (w + 2 * pad - k) // p["STRIDE"] + 1
        first = (rows * w + max(1, k - pad)) * cf + 3
        return first, ow * wf + 3, p["H"] * w * cf
    if module == "hwgen_maxpool":
        cf = p["C"] // p["PE"]
        first = ((p["K"] - 1) * p["W"] + p["K"]) * cf + 2
        return first, 2, p["H"] * p["W"] * cf
    if module == "hwgen_vvau":
        kb = p["KK"] // p.get("SIMD", 1)  # beats per window
        beats = p["C"] // p["PE"] * kb
        lat = 2 + (_clog2(p["N_THRES"] + 1) + 3 if p["N_THRES"] else 0)
        return kb + lat, lat, beats
    if module == "hwgen_label_select":
        beats = p["C"] // p["PE"]
        return beats + 2, 2, beats
    if module == "hwgen_fifo":
        return 2, 2, 0
    if module in ("hwgen_frame_dwc", "hwgen_dwc"):
        in_w = p.get("IN_W", p.get("IN_WIDTH", 1))
        out_w = p.get("OUT_W", p.get("OUT_WIDTH", 1))
        gather = max(1, math.ceil(out_w / in_w))
        spread = max(1, math.ceil(in_w / out_w))
        frame = p.get("FRAME_BITS")
        if frame is not None:
            from hwgen.estimate.cost import dwc_structure

            if dwc_structure(in_w, out_w, frame) == "whole":  # the whole frame, then its beats
                return math.ceil(frame / in_w) + 1, math.ceil(frame / out_w) + 1, 0
        return gather + 1, spread + 1, 0
    return 1, 1, 0


def pipeline_latency(stages: list[tuple[str, dict[str, int | str]]]) -> int:
    """Latency in cycles of a frame through ``stages`` (module, parameters) in stream order."""
    delays = [stage_delays(m, p) for m, p in stages]
    best = 0
    start = 0
    for i, (first, _tail, busy) in enumerate(delays):
        after = sum(t for _f, t, _b in delays[i:])
        best = max(best, start + busy + after)
        start += first
    return best
