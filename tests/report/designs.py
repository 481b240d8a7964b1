"""The designs of the resource-model calibration and of the report tests (disjoint sets).

``python -m tests.report.designs [calibration|test|all]`` builds each design, synthesizes
every template instance with Yosys (cached) and prints estimate vs Yosys per instance, the
table the constants in hwgen/estimate/cost.py were fitted to.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from tests.conftest import TFC_REFERENCE_FOLDING  # DESIGN.md section 6

# (zoo model id, folding or None for the default): the constants were fitted to these.
CALIBRATION_DESIGNS: dict[str, dict | None] = {
    "tfc_w1a2": TFC_REFERENCE_FOLDING,
    "tfc_w2a2": TFC_REFERENCE_FOLDING,
    "ternary_sign": None,
    "tanh6": {"00_thr": {"PE": 8}, "01_mvau": {"PE": 4, "SIMD": 8}, "02_mvau": {"PE": 5, "SIMD": 1}},
    "mlp_a8": {"00_thr": {"PE": 8}, "01_mvau": {"PE": 2, "SIMD": 8},
               "02_mvau": {"PE": 2, "SIMD": 2}},
}

# Standalone template instances (no memory files) that complete the calibration: the conv
# and top-1 templates and more width-converter / FIFO shapes than the MLPs above have.
CALIBRATION_INSTANCES: list[tuple[str, dict]] = [
    ("hwgen_swg", {"H": 16, "W": 16, "C": 8, "SIMD": 2, "K": 3, "STRIDE": 1, "PAD": 0, "BITS": 2}),
    ("hwgen_swg", {"H": 8, "W": 8, "C": 16, "SIMD": 16, "K": 3, "STRIDE": 1, "PAD": 1, "BITS": 1}),
    ("hwgen_swg", {"H": 32, "W": 32, "C": 3, "SIMD": 3, "K": 3, "STRIDE": 1, "PAD": 0, "BITS": 8}),
    ("hwgen_swg_par", {"H": 10, "W": 10, "C": 2, "SIMD": 6, "K": 3, "STRIDE": 1, "PAD": 1,
                       "BITS": 4}),
    ("hwgen_swg_par", {"H": 6, "W": 6, "C": 4, "SIMD": 36, "K": 3, "STRIDE": 1, "PAD": 0,
                       "BITS": 2}),
    ("hwgen_swg_par", {"H": 16, "W": 16, "C": 8, "SIMD": 24, "K": 3, "STRIDE": 1, "PAD": 0,
                       "BITS": 2}),
    ("hwgen_swg_par", {"H": 32, "W": 32, "C": 3, "SIMD": 27, "K": 3, "STRIDE": 1, "PAD": 0,
                       "BITS": 8}),
    ("hwgen_maxpool", {"H": 8, "W": 8, "C": 16, "PE": 4, "K": 2, "BITS": 2, "SIGNED": 0}),
    ("hwgen_maxpool", {"H": 28, "W": 28, "C": 8, "PE": 1, "K": 2, "BITS": 4, "SIGNED": 1}),
    ("hwgen_label_select", {"C": 10, "PE": 10, "IN_BITS": 16, "IN_SIGNED": 1, "OUT_BITS": 4}),
    ("hwgen_label_select", {"C": 100, "PE": 4, "IN_BITS": 8, "IN_SIGNED": 0, "OUT_BITS": 7}),
    ("hwgen_frame_dwc", {"IN_W": 64, "OUT_W": 24, "FRAME_BITS": 2352}),
    ("hwgen_frame_dwc", {"IN_W": 32, "OUT_W": 128, "FRAME_BITS": 1024}),
    ("hwgen_frame_dwc", {"IN_W": 10, "OUT_W": 64, "FRAME_BITS": 40}),
    ("hwgen_frame_dwc", {"IN_W": 4, "OUT_W": 12, "FRAME_BITS": 96}),
    ("hwgen_fifo", {"WIDTH": 16, "DEPTH": 64}),
    ("hwgen_fifo", {"WIDTH": 32, "DEPTH": 256}),
    ("hwgen_fifo", {"WIDTH": 128, "DEPTH": 4}),
    ("hwgen_fifo", {"WIDTH": 36, "DEPTH": 1024}),
]

# hwgen_frame_dwc's "whole" structure, narrow to wide (IN_W, OUT_W, FRAME_BITS): the
# _whole_dwc model of hwgen/estimate/cost.py (its two Yosys mappings and where each appeared)
# was fitted to these; the test designs' whole converters (mlp_pow2 18 -> 64 / 90, cnv_small
# 11 -> 64 / 110) are not among them.
CALIBRATION_WHOLE_DWC: list[tuple[int, int, int]] = [
    (10, 64, 100), (55, 64, 110), (12, 32, 60), (24, 64, 120), (20, 48, 100), (6, 16, 40),
    (40, 64, 200), (30, 64, 90), (18, 64, 72), (12, 64, 90), (9, 64, 90), (14, 64, 70),
    (18, 64, 108), (20, 64, 100), (22, 64, 110), (27, 64, 108), (36, 64, 180), (18, 32, 90),
    (28, 64, 140), (16, 24, 80), (10, 32, 50), (7, 64, 70),
]

# XNOR-popcount MVAUs (no calibration design above has one), random seeded +-1 weights and
# thresholds: (MW, MH, SIMD, PE, N_THRES).
CALIBRATION_XNOR: list[tuple[int, int, int, int, int]] = [
    (256, 32, 32, 8, 1),
    (128, 64, 16, 4, 0),
    (576, 64, 64, 16, 1),
    (100, 100, 10, 10, 1),
    (96, 12, 12, 12, 0),
    (128, 16, 16, 16, 0),
]


# CNV-sized wide MVAUs, one lane row (PE 1) so that Yosys finishes in minutes, block-RAM
# weights (the popcount / adder tree alone): XNOR (MW, MH, SIMD) and ternary-weight x signed
# 2-bit input with 2 thresholds (MW, MH, SIMD). Yosys figures in
# benchmarks/estimate_vs_yosys.json ("measured"), checked by tests/report/test_wide_layers.py.
CALIBRATION_WIDE_XNOR: list[tuple[int, int, int]] = [(576, 4, 192), (1152, 4, 288)]
CALIBRATION_WIDE_TERN: list[tuple[int, int, int]] = [(576, 4, 96), (1152, 4, 192)]


# CNV-sized MVAUs with many lanes (PE 8..64), block-RAM weights, as the default foldings of
# CNV put them (lanes x SIMD up to 4,096 bits of weights per cycle): (MW, MH, SIMD, PE, W_BITS,
# N_THRES); W_BITS 1 is XNOR, 2 ternary weights x signed 2-bit inputs. One with NF = 1 (MH = PE:
# each lane's thresholds are constants).
CALIBRATION_WIDE_PE: list[tuple[int, int, int, int, int, int]] = [
    (576, 64, 32, 16, 1, 1),
    (1152, 64, 64, 32, 1, 1),
    (288, 64, 16, 64, 1, 1),
    (576, 64, 32, 16, 2, 2),
]


# Deep block-RAM weight ROMs (NF x SF words in several BRAM banks): (MW, MH, SIMD, PE, W_BITS,
# N_THRES) as above. Measured, not fitted (they disagree: -15 % and +11 %; see
# benchmarks/estimate_vs_yosys.json).
CALIBRATION_DEEP_ROM: list[tuple[int, int, int, int, int, int]] = [
    (1024, 256, 2, 8, 2, 2),
    (2048, 128, 8, 8, 1, 1),
]


def wide_instances(folder: Path) -> list[tuple[str, dict]]:
    """The CALIBRATION_WIDE_* instances (memory files written into ``folder``)."""
    todo = [xnor_instance(folder, mw, mh, simd, 1, 1) for mw, mh, simd in CALIBRATION_WIDE_XNOR]
    todo += [mvau_instance(folder, mw, mh, simd, 1, 1, 2, 3, 2, 2)
             for mw, mh, simd in CALIBRATION_WIDE_TERN]
    todo += [xnor_instance(folder, mw, mh, simd, pe, n) if wb == 1 else
             mvau_instance(folder, mw, mh, simd, pe, 1, 2, 3, 2, n)
             for mw, mh, simd, pe, wb, n in CALIBRATION_WIDE_PE + CALIBRATION_DEEP_ROM]
    for _, params in todo:
        params["RAM_STYLE"] = "block"
    return todo


# Per-channel (non-shared) threshold units, random thresholds: the search stages of the MVAU
# too. (CHANNELS, PE, N_THRES, IN_BITS, THR_BITS)
CALIBRATION_THRESH: list[tuple[int, int, int, int, int]] = [
    (32, 4, 7, 14, 15),
    (64, 8, 3, 11, 12),
    (16, 2, 15, 10, 11),
    (48, 4, 1, 12, 13),
]


def thresh_instance(folder: Path, channels: int, pe: int, n: int, in_bits: int, thr_bits: int,
                    seed: int = 0) -> tuple[str, dict]:
    """Write the memory file of one random signed hwgen_thresholding; (module, params)."""
    import numpy as np

    from hwgen.backend.memfiles import write_thresholds

    rng = np.random.default_rng(seed + channels * 5 + n)
    tag = f"t{channels}_{pe}_{n}_{in_bits}_{thr_bits}"
    lim = 1 << (in_bits - 1)
    t = np.sort(rng.integers(-lim, lim, size=(channels, n)), axis=1)
    write_thresholds(folder / f"{tag}.mem", t, pe, thr_bits)
    out_bits = max(1, (n).bit_length())
    return "hwgen_thresholding", {
        "CHANNELS": channels, "PE": pe, "N_THRES": n, "IN_BITS": in_bits, "IN_SIGNED": 1,
        "THR_BITS": thr_bits, "OUT_BITS": out_bits, "OUT_BIAS": 0, "SHARED": 0,
        "THRESH_FILE": f"{tag}.mem"}


# Multiply-mode MVAUs, raw output: (MW, MH, SIMD, PE, IN_TYPE, IN_BITS, W_TYPE, W_BITS).
CALIBRATION_MUL: list[tuple[int, int, int, int, int, int, int, int]] = [
    (64, 16, 8, 4, 0, 4, 1, 4),
    (32, 32, 16, 2, 0, 3, 1, 3),
    (48, 8, 4, 8, 1, 8, 1, 8),
]


# Multiply / ternary-mode MVAUs with thresholds (the activation fused in, as in a real layer):
# (MW, MH, SIMD, PE, IN_TYPE, IN_BITS, W_TYPE, W_BITS, N_THRES).
CALIBRATION_MUL_THR: list[tuple[int, int, int, int, int, int, int, int, int]] = [
    (96, 16, 12, 4, 0, 4, 1, 4, 7),
    (64, 24, 8, 2, 0, 3, 1, 3, 3),
    (128, 32, 32, 2, 1, 2, 1, 2, 3),
    (27, 8, 3, 2, 1, 6, 3, 2, 3),
    (96, 6, 2, 1, 0, 3, 1, 3, 0),
]

# Constant-weight MVAUs (one weight word, NF*SF == 1: MW == SIMD, MH == PE), random weights,
# the K["const_*"] constants of the MVAU model were fitted to these alone.
CALIBRATION_CONST: list[tuple[int, int, int, int, int, int, int, int, int]] = [
    (18, 2, 18, 2, 1, 4, 3, 2, 3),
    (12, 6, 12, 6, 0, 3, 3, 2, 1),
    (8, 4, 8, 4, 0, 4, 1, 4, 0),
    (16, 3, 16, 3, 1, 8, 3, 2, 0),
    (6, 8, 6, 8, 1, 6, 1, 3, 3),
    (32, 2, 32, 2, 1, 3, 3, 2, 7),
]


# hwgen_vvau (depthwise dot / window sum / window max), random weights and thresholds:
# (C, PE, KK, MODE, IN_BITS, IN_SIGNED, W_BITS, ACC_BITS, N_THRES). The lane constants of the
# vvau model were fitted to CALIBRATION_VVAU; tests/report/test_vvau_costs.py checks TEST_VVAU.
CALIBRATION_VVAU: list[tuple[int, int, int, int, int, int, int, int, int]] = [
    (16, 4, 9, 0, 4, 0, 4, 12, 15),
    (32, 8, 9, 0, 4, 0, 4, 12, 0),
    (16, 4, 16, 1, 4, 0, 1, 9, 15),
    (32, 8, 4, 1, 4, 0, 1, 7, 0),
    (16, 4, 9, 2, 4, 0, 1, 5, 0),
]
TEST_VVAU: list[tuple[int, int, int, int, int, int, int, int, int]] = [
    (64, 2, 9, 0, 4, 0, 8, 15, 7),
    (24, 3, 25, 1, 3, 0, 1, 9, 0),
    (8, 8, 9, 2, 8, 1, 1, 9, 0),
]


# Whole-window depthwise units (SIMD = KK window positions per beat, PE = C: one weight word,
# constants Yosys folds into the products), 15 real thresholds; never fitted (the model reuses
# the MVAU's const_mul_factor). (C, PE, KK, MODE, IN_BITS, IN_SIGNED, W_BITS, ACC_BITS,
# N_THRES, SIMD)
TEST_VVAU_PAR: list[tuple[int, int, int, int, int, int, int, int, int, int]] = [
    (8, 8, 9, 0, 4, 0, 4, 11, 15, 9),
]


# Average pools with one threshold set for every channel (SHARED = 1, as the build emits for
# MobileNet-v1's final pool); tests/report/test_vvau_costs.py checks them, never fitted.
TEST_VVAU_SHARED: list[tuple[int, int, int, int, int, int, int, int, int]] = [
    (64, 2, 49, 1, 4, 0, 1, 11, 15),
]


def vvau_instance(folder: Path, c: int, pe: int, kk: int, mode: int, in_bits: int,
                  in_signed: int, w_bits: int, acc: int, n_thres: int,
                  seed: int = 0, real_thr: bool = False, shared: bool = False,
                  simd: int = 1) -> tuple[str, dict]:
    """Write the memory files of one random hwgen_vvau into ``folder``; (module, params).
    Thresholds: uniform in +-2^(acc - 2), or ``real_thresholds`` with ``real_thr``; with
    ``shared`` one set for every channel (SHARED = 1, a one-word file). ``simd`` > 1: window
    positions per beat (window-parallel, needs pe == c)."""
    import numpy as np

    from hwgen.backend.memfiles import write_thresholds, write_weights

    rng = np.random.default_rng(seed + c * 3 + kk)
    tag = f"v{c}_{pe}_{kk}_{mode}_{in_bits}{in_signed}_{w_bits}_{acc}_{n_thres}"
    tag += f"_s{simd}" if simd > 1 else ""
    params = {"C": c, "PE": pe, "KK": kk, **({"SIMD": simd} if simd > 1 else {}), "MODE": mode, "IN_BITS": in_bits,
              "IN_SIGNED": in_signed, "W_BITS": w_bits if mode == 0 else 1,
              "W_SIGNED": 1 if mode == 0 else 0, "ACC_BITS": acc if mode != 2 else in_bits + 1,
              "N_THRES": n_thres, "THR_BITS": acc if n_thres else 2,
              "OUT_BITS": n_thres.bit_length() if n_thres else (in_bits if mode == 2 else acc),
              "OUT_BIAS": 0, "WEIGHT_FILE": "", "THRESH_FILE": ""}
    if mode == 0:
        w = rng.integers(-(1 << (w_bits - 1)), 1 << (w_bits - 1), size=(c, kk))
        write_weights(folder / f"{tag}_w.mem", w, simd, pe, w_bits, "int")
        params["WEIGHT_FILE"] = f"{tag}_w.mem"
    if n_thres:
        lim = 1 << (acc - 2)
        t = np.sort(rng.integers(-lim, lim, size=(c, n_thres)), axis=1)
        if real_thr:
            t = real_thresholds(rng, c, n_thres, acc)
        if shared:
            t, tag = t[0], tag + "_s"
            params["SHARED"] = 1
        write_thresholds(folder / f"{tag}_t.mem", t, pe, acc)
        params["THRESH_FILE"] = f"{tag}_t.mem"
    return "hwgen_vvau", params


def xnor_instance(folder: Path, mw: int, mh: int, simd: int, pe: int, n_thres: int,
                  seed: int = 0) -> tuple[str, dict]:
    """Write the memory files of one random XNOR MVAU into ``folder``; (module, params)."""
    return mvau_instance(folder, mw, mh, simd, pe, 2, 1, 2, 1, n_thres, seed)


def real_thresholds(rng, channels: int, n: int, acc: int):
    """Thresholds as BatchNorm and a uniform activation quantizer give them: per channel an
    arithmetic sequence, random offset in +-span/4 and step in [span/(4n), span/n], span =
    2^(acc - 6) (MobileNet-v1 width 0.25's 4-bit layers: 9-10 of 14-15 bits vary)."""
    import numpy as np

    span = 1 << (acc - 6)
    off = rng.integers(-span // 4, span // 4 + 1, size=(channels, 1))
    step = rng.integers(max(1, span // (4 * n)), max(2, span // n) + 1, size=(channels, 1))
    return off + step * (np.arange(n) - n // 2)


# Held-out MobileNet-like units (4 bits, 15 fused thresholds, many neuron folds / channel
# groups, real_thresholds); the deep threshold-ROM model (_deep_search, _thr_rom_lut) was
# fitted to MobileNet-v1 width 0.25's 22_mvau and mlp_a8, never to these.
# MVAU: (MW, MH, SIMD, PE, IN_TYPE, IN_BITS, W_TYPE, W_BITS, N_THRES), weights in block RAM.
TEST_MVAU_REAL_THR: list[tuple[int, int, int, int, int, int, int, int, int]] = [
    (96, 96, 2, 1, 0, 4, 1, 4, 15),
]
# VVAU: (C, PE, KK, MODE, IN_BITS, IN_SIGNED, W_BITS, ACC_BITS, N_THRES)
TEST_VVAU_REAL_THR: list[tuple[int, int, int, int, int, int, int, int, int]] = [
    (96, 2, 9, 0, 4, 0, 4, 11, 15),
]


def mvau_instance(folder: Path, mw: int, mh: int, simd: int, pe: int, in_type: int,
                  in_bits: int, w_type: int, w_bits: int, n_thres: int = 0,
                  seed: int = 0, real_thr: bool = False) -> tuple[str, dict]:
    """Write the memory files of one random MVAU into ``folder``; (module, params).
    Thresholds: 16 values around MW / 2, or ``real_thresholds`` with ``real_thr``."""
    import numpy as np

    from hwgen.backend.memfiles import write_thresholds, write_weights

    rng = np.random.default_rng(seed + mw * 7 + mh)
    tag = f"m{mw}_{mh}_{simd}_{pe}_{in_type}{in_bits}_{w_type}{w_bits}_{n_thres}"
    xnor = in_type == 2 and w_type == 2
    if w_type == 2:
        w, kind = rng.choice([-1, 1], size=(mh, mw)), "bipolar"
    elif w_type == 3:  # ternary: INT2 codes of -1, 0, +1
        w, kind = rng.integers(-1, 2, size=(mh, mw)), "int"
    else:
        lo = -(1 << (w_bits - 1)) if w_type == 1 else 0
        w, kind = rng.integers(lo, lo + (1 << w_bits), size=(mh, mw)), "int" if w_type else "uint"
    x_max = 1 if in_type == 2 else (1 << in_bits)
    acc = (mw * x_max * (1 << w_bits)).bit_length() + 1
    if xnor:
        acc = (mw + 1 - 1).bit_length() + 1
    write_weights(folder / f"{tag}_w.mem", w, simd, pe, w_bits, kind)
    params = {"MW": mw, "MH": mh, "SIMD": simd, "PE": pe, "IN_BITS": in_bits,
              "IN_TYPE": in_type, "W_BITS": w_bits, "W_TYPE": w_type, "ACC_BITS": acc,
              "N_THRES": n_thres, "THR_BITS": acc, "OUT_BITS": n_thres.bit_length() if n_thres else acc,
              "OUT_BIAS": 0, "WEIGHT_FILE": f"{tag}_w.mem",
              "THRESH_FILE": f"{tag}_t.mem" if n_thres else "", "RAM_STYLE": "auto"}
    if n_thres:
        t = np.sort(rng.integers(mw // 2 - 8, mw // 2 + 8, size=(mh, n_thres)), axis=1)
        if real_thr:
            t = real_thresholds(rng, mh, n_thres, acc)
        write_thresholds(folder / f"{tag}_t.mem", t, pe, acc)
    return "hwgen_mvau", params

# The acceptance designs of tests/report (never used for fitting).
TEST_DESIGNS: dict[str, dict | None] = {
    "tfc_w1a1": TFC_REFERENCE_FOLDING,
    "mlp_pow2": {"00_thr": {"PE": 8}, "01_mvau": {"PE": 4, "SIMD": 16},
                 "02_mvau": {"PE": 1, "SIMD": 8}, "03_mvau": {"PE": 2, "SIMD": 2}},
    # 03_swg window-parallel (hwgen_swg_par); the default folding is checked as well
    # (TEST_DEFAULT_FOLDING: both SWGs window-parallel, 01_mvau with constant weights)
    "cnv_small": {"00_swg": {"SIMD": 1}, "01_mvau": {"PE": 4, "SIMD": 1}, "02_pool": {"PE": 1},
                  "03_swg": {"SIMD": 36}, "04_mvau": {"PE": 1, "SIMD": 36},
                  "05_mvau": {"PE": 1, "SIMD": 1}},
}

# Test designs checked at their default folding too (besides the folding above).
TEST_DEFAULT_FOLDING: tuple[str, ...] = ("cnv_small",)



def compare(out: Path, jobs: int = 1) -> list[dict]:
    """Rows (instance, module, group, estimate, synth) of the build in ``out``."""
    from hwgen.report import collect

    data = collect(out, synth=True, jobs=jobs, progress=lambda m: print(m, file=sys.stderr))
    return list(data["instances"])


def sweeps(folder: Path) -> list[dict]:
    """Estimate vs Yosys of the standalone calibration instances (templates of the repo)."""
    from hwgen.estimate.cost import estimate_instance
    from hwgen.estimate.synth import Instance, synth_instance
    from hwgen.tools import package_dir

    folder.mkdir(parents=True, exist_ok=True)
    todo = list(CALIBRATION_INSTANCES)
    todo += [("hwgen_frame_dwc", {"IN_W": i, "OUT_W": o, "FRAME_BITS": f})
             for i, o, f in CALIBRATION_WHOLE_DWC]
    todo += [xnor_instance(folder, *spec) for spec in CALIBRATION_XNOR]
    todo += [mvau_instance(folder, *spec) for spec in CALIBRATION_MUL]
    todo += [mvau_instance(folder, *spec) for spec in CALIBRATION_MUL_THR]
    todo += [mvau_instance(folder, *spec) for spec in CALIBRATION_CONST]
    todo += wide_instances(folder)
    todo += [thresh_instance(folder, *spec) for spec in CALIBRATION_THRESH]
    todo += [vvau_instance(folder, *spec) for spec in CALIBRATION_VVAU]
    rows = []
    for i, (module, params) in enumerate(todo):
        syn = synth_instance(Instance(f"u_s{i}", module, params, "sweep", "layer"),
                             package_dir("rtl_templates"), folder)
        est = estimate_instance(module, params).as_dict()
        rows.append({"module": module, "params": params, "estimate": est, "synth": syn})
        print(f"sweep {module:20s} LUT {est['LUT']:6d} / {syn['LUT']:6d}  BRAM18 "
              f"{est['BRAM18']:3d} / {syn['BRAM18']:3d}  {json.dumps(params)}", flush=True)
    return rows


def main(which: str = "calibration") -> None:
    import hwgen.build  # noqa: F401  (import order: build before estimate)
    from hwgen.build import build
    from tests.zoo import export

    sets = {"calibration": CALIBRATION_DESIGNS, "test": TEST_DESIGNS,
            "all": {**TEST_DESIGNS, **CALIBRATION_DESIGNS}}[which]
    root = Path(tempfile.mkdtemp(prefix="hwgen-calib-", dir=Path.home()))
    table = {}
    for model_id, folding in sets.items():
        ffile = None
        if folding is not None:
            ffile = root / f"{model_id}_folding.json"
            ffile.write_text(json.dumps(folding))
        out = root / model_id
        build(export(model_id, root / "onnx"), out, folding_file=ffile)
        rows = compare(out, jobs=2)
        table[model_id] = rows
        for r in rows:
            e, s = r["estimate"], r["synth"]
            print(f"{model_id:13s} {r['name']:18s} {r['module']:20s} LUT {e['LUT']:6d} / "
                  f"{s['LUT']:6d}  FF {e['FF']:6d} / {s['FF']:6d}  BRAM18 {e['BRAM18']:3d} / "
                  f"{s['BRAM18']:3d}  {json.dumps(r['params'])}", flush=True)
    if which in ("calibration", "all"):
        table["sweeps"] = sweeps(root / "sweeps")
    (root / "table.json").write_text(json.dumps(table, indent=1))
    print(f"table: {root / 'table.json'}")


if __name__ == "__main__":
    main(*sys.argv[1:])
