"""``hwgen build`` subcommand."""

from __future__ import annotations

import argparse
import os
import sys
import time

__all__ = ["DEFAULT_TARGET", "register"]
DEFAULT_TARGET = "pynq-z2"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="compile a QONNX model into a streaming design",
                       description="Compile a QONNX model into a self-contained streaming design.")
    p.add_argument("model", help="QONNX .onnx file, or example:tfc_w1a1 for the bundled model")
    p.add_argument("--target", default=DEFAULT_TARGET,
                   help=f"board target (default: {DEFAULT_TARGET}; 'hwgen targets' lists them)")
    p.add_argument("-o", "--out", required=True,
                   help="output folder: must be new, empty or an earlier hwgen build (replaced)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--fps", type=float, help="frames/s to reach at the clock (auto folding)")
    g.add_argument("--folding", help="folding.json with PE/SIMD per layer")
    p.add_argument("--ignore-io-bound", action="store_true",
                   help="automatic folding plans the core alone: --fps may exceed the DMA "
                        "port's I/O bound, and the default is the fastest folding within the "
                        "utilization limits (core-level throughput)")
    p.add_argument("--clock-mhz", type=float,
                   help="fabric clock in MHz (default: the target's, see 'hwgen targets')")
    p.add_argument("--fifo-depths", help="JSON {layer: depth} overriding computed FIFO depths "
                   "(a join: [depth input 0, depth input 1])")
    p.add_argument("--verify", action="store_true", help="run the IR verifier after each pass")
    p.add_argument("--max-utilization", metavar="SHARE",
                   help="utilization limit of automatic folding: one share for all resources "
                        "(0.9) or per resource (LUT=0.8,BRAM18=0.95); default: the target's "
                        "(85 %% LUT/FF, 90 %% BRAM18/URAM/DSP)")
    p.add_argument("--prefer-bram", action="store_true",
                   help="weight memories go to block RAM while the BRAM18 limit allows, those "
                        "saving the most LUTs first (default: each memory where it is "
                        "cheaper, a BRAM18 worth 64 LUTs)")
    p.add_argument("--fit-by", choices=("estimate", "synth"), default="estimate",
                   help="what automatic folding must keep within the utilization limits: the "
                        "analytic estimate (default), or also Yosys per template instance "
                        "(synth: minutes on large designs, cached; steps down the folding "
                        "ladder until Yosys fits)")
    p.add_argument("--backend", choices=("rtl", "hls", "both"), default="rtl",
                   help="rtl: Verilog (default); hls: Vitis HLS C++ in OUT/hls; both")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hwgen.build import build

    t0 = time.perf_counter()
    result = build(args.model, args.out, target=args.target, clock_mhz=args.clock_mhz,
                   fps=args.fps, folding_file=args.folding, fifo_depths_file=args.fifo_depths,
                   verify=args.verify, backend=args.backend,
                   max_utilization=args.max_utilization, fit_by=args.fit_by,
                   io_bound=not args.ignore_io_bound, prefer_bram=args.prefer_bram,
                   synth_jobs=os.cpu_count() or 1, progress=lambda m: print(m, file=sys.stderr, flush=True))
    m = result.manifest
    tot = m["estimate"]["total"]
    fps = m["fps"]
    clock = m["clock_mhz"]
    interval = m["interval_cycles"]
    # Per layer as in OUT/report: the layer with its input FIFO and width converter; "io": the
    # DMA-side converters and frame tracker (the rest of the total).
    rows = [("layer", "op", "PE", "SIMD", "cycles", "LUT est", "BRAM18 est")]
    lut = bram = 0
    for layer in m["layers"]:
        est = {k: layer["estimate"][k] + layer["estimate_streams"][k] for k in ("LUT", "BRAM18")}
        lut, bram = lut + est["LUT"], bram + est["BRAM18"]
        mark = " *" if layer["cycles"] == m["max_cycles"] else ""
        rows.append((layer["name"] + mark, layer["op"], str(layer["PE"]),
                     str(layer["SIMD"] or "-"), str(layer["cycles"]), f"{est['LUT']:,}",
                     str(est["BRAM18"])))
    rows.append(("io", "", "", "", "", f"{tot['LUT'] - lut:,}", str(tot["BRAM18"] - bram)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
    print("(* slowest layer; per layer: the layer with its input FIFO and width converter, as "
          "in OUT/report; io: the DMA-side converters)")
    if fps["core"] < fps["io"]:
        bound = "core-bound"
    else:
        bound = "I/O-bound" + (", the core exactly as fast" if fps["core"] == fps["io"] else "")
    uram = f", {tot['URAM']} URAM" if tot.get("URAM") else ""
    print(f"total (with FIFOs, converters): ~{tot['LUT']:,} LUT, ~{tot['FF']:,} FF, "
          f"{tot['BRAM18']} BRAM18, {tot['DSP']} DSP{uram} on {m['target']} ({m['part']})")
    from hwgen.build import utilization_text
    from hwgen.targets import get_target

    limits = m.get("max_utilization")
    within = "within" if m["estimate"].get("fits", True) else "OVER"
    print(f"utilization estimate ({within} the limits): "
          f"{utilization_text(tot, get_target(m['target']), limits)}")
    fit = m.get("fit_by") or {}
    if fit.get("method") == "synth":
        steps = len(fit["tried"]) - 1
        print(f"utilization by Yosys (within the limits"
              f"{f', after {steps} step(s) down the folding ladder' if steps else ''}): "
              f"{utilization_text(fit['yosys_total'], get_target(m['target']), limits)}")
    print(f"FIFOs: {m['fifo_bits']:,} bits in total (depths in fifo_depths.json)")
    for join in m.get("fifo_paths", []):  # reconvergent paths: the FIFO on each join input
        paths = ", ".join(f"from {p['from']} {p['depth']} x {p['bits'] // max(1, p['depth'])} "
                          f"= {p['bits']:,} bits ({p['ram_style']})" for p in join["inputs"])
        print(f"  into {join['join']}: {paths}")
    print(f"max cycles/frame {m['max_cycles']}, I/O {m['io_cycles']} words/frame -> "
          f"{fps['achieved']:,.0f} frames/s at {clock:g} MHz ({bound}; "
          f"core {fps['core']:,.0f}, I/O {fps['io']:,.0f}); interval {interval} cycles "
          f"= {interval / clock:.2f} us")
    again = " (replacing the earlier build there)" if result.replaced is not None else ""
    print(f"wrote {result.out}{again} in {time.perf_counter() - t0:.2f} s")
    return 0
