"""Yosys `synth_xilinx -family xc7` cell counts of the RTL templates at TFC-W1A1's folding.

Layers (DESIGN.md section 6, first folding): input Thresholding of 784 UINT8 pixels, PE 49,
1 threshold; MVAUs 784->64 (PE 16, SIMD 49), 64->64 (PE 8, SIMD 8) twice, 64->10 (PE 10,
SIMD 8), XNOR-popcount, 1-bit thresholds except the last (raw). Weights/thresholds are random
(fixed seed): ROM contents change LUT counts a little. Prints LUT (LUT1..6, LUT-RAMs by LUTs
used, SRLs), FF, BRAM18 (RAMB18E1 + 2*RAMB36E1) per layer and in total.

Run: python benchmarks/rtl_resources.py [--ram-style auto|distributed|block] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hwgen.backend.memfiles import write_thresholds, write_weights  # noqa: E402 (after the sys.path set-up above)
from hwgen.tools import run_yosys  # noqa: E402 (after the sys.path set-up above)

TEMPLATES = REPO / "rtl_templates"
MODULES = ["hwgen_axis_register", "hwgen_adder_tree", "hwgen_popcount", "hwgen_thresh_search", "hwgen_mvau",
           "hwgen_thresholding"]
INCUMBENT = {"LUT": 8502, "BRAM18": 26}
# LUTs used per cell for LUT-based cells
LUT_WEIGHT = {
    "LUT1": 1, "LUT2": 1, "LUT3": 1, "LUT4": 1, "LUT5": 1, "LUT6": 1,
    "RAM64M": 4, "RAM32M": 4, "RAM64X1D": 2, "RAM32X1D": 2, "RAM128X1D": 4,
    "RAM64X1S": 1, "RAM32X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM32M16": 8, "RAM64M8": 8,
    "SRL16E": 1, "SRLC32E": 1, "SRLC16E": 1,
}
FF_CELLS = {"FDRE", "FDSE", "FDCE", "FDPE"}


def clog2(v: int) -> int:
    return max(0, (v - 1).bit_length())


def layers(ram_style: str) -> list[tuple[str, str, dict, dict]]:
    """(name, top, parameters, {file: writer}) of each TFC-W1A1 layer."""
    rng = np.random.default_rng(0)
    out = []
    pix_thr = np.full(784, 128)  # one threshold per pixel, e.g. x >= 0.5
    out.append(("00_thr 784 u8 PE49", "hwgen_thresholding",
                {"CHANNELS": 784, "PE": 49, "N_THRES": 1, "IN_BITS": 8, "IN_SIGNED": 0, "THR_BITS": 9,
                     "OUT_BITS": 1, "THRESH_FILE": "l0_thr.mem", "RAM_STYLE": ram_style},
                {"l0_thr.mem": lambda p: write_thresholds(p, pix_thr[:, None], 49, 9)}))
    shapes = [(784, 64, 49, 16, 1), (64, 64, 8, 8, 1), (64, 64, 8, 8, 1), (64, 10, 8, 10, 0)]
    for i, (mw, mh, simd, pe, n_thr) in enumerate(shapes, start=1):
        w = rng.choice([-1, 1], size=(mh, mw))
        acc_bits = clog2(mw + 1) + 1
        thr_bits = clog2(mw + 2) + 1
        t = np.sort(rng.integers(0, mw + 1, size=(mh, 1)), axis=1)
        files = {f"l{i}_w.mem": (lambda p, w=w, simd=simd, pe=pe:
                                 write_weights(p, w, simd, pe, 1, "bipolar"))}
        params = {"MW": mw, "MH": mh, "SIMD": simd, "PE": pe, "IN_BITS": 1, "IN_TYPE": 2, "W_BITS": 1, "W_TYPE": 2,
                      "ACC_BITS": acc_bits, "N_THRES": n_thr, "THR_BITS": thr_bits, "OUT_BITS": 1,
                      "WEIGHT_FILE": f"l{i}_w.mem", "THRESH_FILE": f"l{i}_t.mem", "RAM_STYLE": ram_style}
        if n_thr:
            files[f"l{i}_t.mem"] = (lambda p, t=t, pe=pe, tb=thr_bits: write_thresholds(p, t, pe, tb))
        kind = "thr1" if n_thr else "raw"
        out.append((f"{i:02d}_mvau {mw}x{mh} PE{pe} SIMD{simd} {kind}", "hwgen_mvau", params, files))
    return out


def synth(work: Path, name: str, top: str, params: dict, files: dict) -> dict[str, int]:
    folder = work / name.split()[0]
    folder.mkdir()
    srcs = []
    for mod in MODULES:
        shutil.copy(TEMPLATES / f"{mod}.v", folder / f"{mod}.v")
        srcs.append(f"{mod}.v")
    # read_verilog also elaborates the default parameters: their files must exist
    for fname, words in {"weights.mem": 64, "thresh.mem": 1, "thresholds.mem": 8}.items():
        (folder / fname).write_text("0\n" * words)
    for fname, writer in files.items():
        writer(folder / fname)
    chp = " ".join(f'-set {k} "{v}"' if isinstance(v, str) else f"-set {k} {v}"
                   for k, v in params.items())
    script = (f"read_verilog -sv {' '.join(srcs)}\n"
              f"chparam {chp} {top}\n"
              f"synth_xilinx -family xc7 -flatten -top {top}\n"
              "tee -q -o stat.json stat -json\n")
    run_yosys(script, folder)
    stat = json.loads((folder / "stat.json").read_text())
    cells = stat["design"]["num_cells_by_type"]
    lut = sum(n * LUT_WEIGHT.get(c, 0) for c, n in cells.items())
    ff = sum(n for c, n in cells.items() if c in FF_CELLS)
    bram = cells.get("RAMB18E1", 0) + 2 * cells.get("RAMB36E1", 0)
    dsp = cells.get("DSP48E1", 0)
    return {"LUT": lut, "FF": ff, "BRAM18": bram, "DSP": dsp}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ram-style", default="auto", choices=["auto", "distributed", "block"])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", help="also write the table here")
    args = ap.parse_args()
    todo = layers(args.ram_style)
    with (tempfile.TemporaryDirectory(prefix="hwgen-res-", dir=Path.home()) as tmp,
          ThreadPoolExecutor(args.jobs) as pool):
        futures = [pool.submit(synth, Path(tmp), *layer) for layer in todo]
        results = [f.result() for f in futures]
    total = {k: sum(r[k] for r in results) for k in ("LUT", "FF", "BRAM18", "DSP")}
    print(f"TFC-W1A1 layers, yosys synth_xilinx -family xc7, RAM_STYLE={args.ram_style}")
    print(f"{'layer':40s} {'LUT':>7s} {'FF':>7s} {'BRAM18':>7s} {'DSP':>5s}")
    for (name, *_), r in zip(todo, results):
        print(f"{name:40s} {r['LUT']:7d} {r['FF']:7d} {r['BRAM18']:7d} {r['DSP']:5d}")
    print(f"{'total':40s} {total['LUT']:7d} {total['FF']:7d} {total['BRAM18']:7d} {total['DSP']:5d}")
    print(f"{'incumbent (estimate)':40s} {INCUMBENT['LUT']:7d} {'':>7s} {INCUMBENT['BRAM18']:7d}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"layers": {n: r for (n, *_), r in zip(todo, results)}, "total": total}, indent=1))


if __name__ == "__main__":
    main()
