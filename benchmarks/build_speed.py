"""Wall time of `hwgen build` end to end from the CLI (issue 18 goal: TFC-W1A1 under 1 s).

Usage: python benchmarks/build_speed.py [--runs N] [MODEL ...]
(default: the bundled TFC-W1A1 and the test zoo's small conv net, exported first)
Prints one line per model: the median (and min/max) of N runs (default 5) of
`python -m hwgen build MODEL -o TMP`, after one untimed warm-up run.

The runs are made with Python's bytecode cache on (PYTHONDONTWRITEBYTECODE removed), as an
installed hwgen has it (pip compiles the .pyc files at install time): without it, every run
compiles hwgen's sources again (~0.15 s). Most of the rest is import time: look with
`python -X importtime -m hwgen build example:tfc_w1a1 -o OUT`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 1.0  # issue 18: the bundled TFC-W1A1, CLI end to end, on the project's 2-core machines


def _child_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def time_build(model: str, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each timed run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs + 1):  # run 0: warm-up (bytecode cache, file system cache)
            t0, c0 = time.perf_counter(), _child_cpu_s()
            subprocess.run([sys.executable, "-m", "hwgen", "build", model, "-o",
                            str(Path(tmp) / f"out{i}")], check=True, capture_output=True, env=env)
            if i:
                walls.append(time.perf_counter() - t0)
                cpus.append(_child_cpu_s() - c0)
    return walls, cpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs per model (default 5)")
    ap.add_argument("models", nargs="*", help="QONNX files or example:NAME")
    args = ap.parse_args()
    print(f"goal: hwgen build example:tfc_w1a1 under {GOAL_S:g} s wall (median, CLI end to end)")
    with tempfile.TemporaryDirectory() as tmp:
        models = args.models
        if not models:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from tests.zoo import export

            models = ["example:tfc_w1a1", str(export("cnv_small", tmp))]
        for model in models:
            t, cpu = time_build(model, args.runs)
            verdict = ""
            if model == "example:tfc_w1a1":
                verdict = " (goal met)" if statistics.median(t) < GOAL_S else " (goal NOT met)"
            print(f"hwgen build {Path(model).name}: {statistics.median(t):.2f} s wall median of "
                  f"{len(t)} (min {min(t):.2f}, max {max(t):.2f}){verdict}; CPU {statistics.median(cpu):.2f} s "
                  "(the figure to compare when other jobs load the machine)")


if __name__ == "__main__":
    main()
