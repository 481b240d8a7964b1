"""10,000 MNIST test images through the bundled TFC-W1A1 at the 64-cycle folding in Verilator.

Goals: issue 6, under 60 s wall on 2 cores including the Verilator build (cold); issue 18,
under 20 s warm (the Verilator model cached). Prints the cold figure (fresh build folder:
Verilator build + run), the median (min, max) wall and CPU time of N warm runs of
`hwgen sim --qonnx-check 0`, and one warm run with the default QONNX check (execute_onnx on
the first 1,000 frames). Each run is the whole CLI: Python start-up, the golden model, packing
the inputs, the simulator process (cocotb start-up included), reading and checking the outputs.
Runs use Python's bytecode cache (as an installed hwgen does; see build_speed.py).
Usage: python benchmarks/sim_speed.py [--runs N] [MNIST_DIR] [COUNT]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FOLDING = {"00_thr": {"PE": 49}, "01_mvau": {"PE": 16, "SIMD": 49},
           "02_mvau": {"PE": 8, "SIMD": 8}, "03_mvau": {"PE": 8, "SIMD": 8},
           "04_mvau": {"PE": 10, "SIMD": 8}}
WARM_GOAL_S = 20.0  # issue 18, 10,000 frames


def _child_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _sim(out: Path, mnist: str, count: str, qonnx_check: str | None) -> tuple[float, float, dict]:
    """One `hwgen sim` run: wall s, CPU s (with the simulator's), results.json."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cmd = [sys.executable, "-m", "hwgen", "sim", str(out), "--mnist", mnist, "--count", count]
    if qonnx_check is not None:
        cmd += ["--qonnx-check", qonnx_check]
    t0, c0 = time.perf_counter(), _child_cpu_s()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall, cpu = time.perf_counter() - t0, _child_cpu_s() - c0
    if proc.returncode:
        print(proc.stdout, proc.stderr)
        raise SystemExit(proc.returncode)
    return wall, cpu, json.loads((out / "sim" / "results.json").read_text())


def _line(label: str, wall: float, cpu: float, r: dict) -> str:
    return (f"{label}: {r['frames']} frames, {r['mismatches']} mismatches, {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU; simulator run {r['sim_run_s']:.1f} s, "
            f"{r['sim_cycles_per_s']:,.0f} simulated cycles/s, interval "
            f"{r['interval_cycles']:g} cycles")


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="warm runs (default 3)")
    ap.add_argument("mnist", nargs="?", default=str(root.parent / "shared" / "data" / "mnist"))
    ap.add_argument("count", nargs="?", default="10000")
    args = ap.parse_args()
    print(f"goals: cold under 60 s (issue 6); warm under {WARM_GOAL_S:g} s for 10,000 frames "
          "(issue 18)")
    with tempfile.TemporaryDirectory() as tmp:
        fold = Path(tmp) / "folding.json"
        fold.write_text(json.dumps(FOLDING))
        out = Path(tmp) / "tfc"
        subprocess.run([sys.executable, "-m", "hwgen", "build", "example:tfc_w1a1", "-o", str(out),
                        "--folding", str(fold)], check=True, capture_output=True)
        print(_line("cold (Verilator build + run)", *_sim(out, args.mnist, args.count, "0")))
        walls, cpus = [], []
        for i in range(args.runs):
            wall, cpu, r = _sim(out, args.mnist, args.count, "0")
            walls.append(wall)
            cpus.append(cpu)
            print(_line(f"  warm run {i + 1}", wall, cpu, r))
        med = statistics.median(walls)
        verdict = "met" if med < WARM_GOAL_S or args.count != "10000" else "NOT met"
        print(f"warm (cached model), --qonnx-check 0: {med:.1f} s wall median of {len(walls)} "
              f"(min {min(walls):.1f}, max {max(walls):.1f}), CPU {statistics.median(cpus):.1f} s "
              f"median; goal {verdict}")
        wall, cpu, r = _sim(out, args.mnist, args.count, None)
        print(_line("warm with the default QONNX check", wall, cpu, r)
              + f"; QONNX frames {r.get('qonnx_frames', 0)}, contract violations "
              f"{len(r.get('qonnx_violations', []))}")


if __name__ == "__main__":
    main()
