"""``hwgen explore MODEL --target NAME -o DIR``: the throughput / resources trade-off on Ray."""

from __future__ import annotations

import argparse
import sys
import time

from hwgen.explore.engine import add_engine_args

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explore", help="sweep foldings: resources vs frames/s, Pareto front (Ray)",
        description="Build N foldings spread over the throughput range, estimate them (with "
                    "--synth: Yosys; with --sim-frames: Verilator), each point a Ray task; "
                    "write DIR/explore.json, DIR/explore.html and DIR/points/ID/folding.json. "
                    "A rerun with the same options resumes: finished points are kept.")
    p.add_argument("model", help="QONNX .onnx file, or example:tfc_w1a1 for the bundled model")
    p.add_argument("--target", default="pynq-z2", help="board target (see 'hwgen targets')")
    p.add_argument("-o", "--out", required=True, metavar="DIR",
                   help="output folder (new, empty, or an earlier explore folder to resume)")
    p.add_argument("--points", type=int, default=8, help="number of foldings (default 8)")
    p.add_argument("--fps-min", type=float, help="slowest point, frames/s (default: fully "
                   "folded)")
    p.add_argument("--fps-max", type=float, help="fastest point, frames/s (default: the "
                   "fastest folding the target allows within --max-utilization)")
    p.add_argument("--synth", action="store_true",
                   help="synthesize every point with Yosys (per-instance cache)")
    p.add_argument("--sim-frames", type=int, default=0, metavar="K",
                   help="co-simulate K random frames per point in Verilator (default 0)")
    p.add_argument("--clock-mhz", type=float, help="fabric clock (default: the target's)")
    p.add_argument("--ignore-io-bound", action="store_true",
                   help="plan and rate the core alone (as hwgen build --ignore-io-bound): "
                        "points may run faster than the DMA port feeds them; frames/s is "
                        "the core's")
    p.add_argument("--max-utilization", metavar="SHARE",
                   help="utilization limit for the fastest point and 'fits': one share for all "
                        "resources (0.9) or per resource (LUT=0.8,BRAM18=0.95); default: the "
                        "target's (85 %% LUT/FF, 90 %% BRAM18/URAM/DSP)")
    add_engine_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hwgen.explore import explore

    t0 = time.perf_counter()
    doc = explore(args.model, args.out, target=args.target, points=args.points,
                  fps_min=args.fps_min, fps_max=args.fps_max, synth=args.synth,
                  sim_frames=args.sim_frames, clock_mhz=args.clock_mhz, address=args.address,
                  max_utilization=args.max_utilization, io_bound=not args.ignore_io_bound,
                  progress=lambda m: print(m, file=sys.stderr, flush=True))
    fig = doc["figures"]
    rows = [("id", "cycles", "frames/s", "LUT", "FF", "BRAM18", "DSP", "LUT %", "fits",
             "Pareto", "sim")]
    for p in doc["points"]:
        r = p[fig] or p["estimate"]
        s = p["sim"]
        rows.append((p["id"], f"{p['max_cycles']:,}", f"{p['fps']:,.0f}", f"{r['LUT']:,}",
                     f"{r['FF']:,}", str(r["BRAM18"]), str(r["DSP"]),
                     f"{100 * p['utilization']['LUT']:.1f}", "yes" if p["fits"] else "no",
                     "*" if p["pareto"] else "",
                     f"{s['mismatches']} mismatches, {s['interval_cycles']:g} cyc" if s else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.rjust(w) if 0 < i < 8 else c.ljust(w)
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    lim = ", ".join(f"{k} {100 * v:g} %" for k, v in doc["max_utilization"].items())
    print(f"figures: {'Yosys' if fig == 'synth' else 'estimate'}; LUT %: of the device; fits: "
          f"within the utilization limits ({lim}); * = Pareto front. Rebuild a "
          f"point: hwgen build {args.model} --target {doc['target']} -o OUT "
          f"--folding {args.out}/points/ID/folding.json")
    print(f"wrote {args.out}/explore.json, explore.html in {time.perf_counter() - t0:.1f} s")
    bad = [p["id"] for p in doc["points"] if p["sim"] and p["sim"]["mismatches"]]
    if bad:
        print(f"hwgen: error: RTL differs from the golden model at {', '.join(bad)}",
              file=sys.stderr)
        return 1
    return 0
