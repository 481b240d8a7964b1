"""10,000 MNIST test images through the bundled TFC-W1A1 at the 64-cycle folding in Verilator.

Goal (issue 6): under 60 s wall on 2 cores, including the Verilator build. Prints the cold
figure (fresh build folder: Verilator build + run) and the warm one (cached model).
Usage: python benchmarks/sim_speed.py [MNIST_DIR] [COUNT]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FOLDING = {"00_thr": {"PE": 49}, "01_mvau": {"PE": 16, "SIMD": 49},
           "02_mvau": {"PE": 8, "SIMD": 8}, "03_mvau": {"PE": 8, "SIMD": 8},
           "04_mvau": {"PE": 10, "SIMD": 8}}


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    mnist = sys.argv[1] if len(sys.argv) > 1 else str(root.parent / "shared" / "data" / "mnist")
    count = sys.argv[2] if len(sys.argv) > 2 else "10000"
    with tempfile.TemporaryDirectory() as tmp:
        fold = Path(tmp) / "folding.json"
        fold.write_text(json.dumps(FOLDING))
        out = Path(tmp) / "tfc"
        subprocess.run([sys.executable, "-m", "hwgen", "build", "example:tfc_w1a1", "-o", str(out),
                        "--folding", str(fold)], check=True, capture_output=True)
        for label in ("cold (Verilator build + run)", "warm (cached model)"):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "hwgen", "sim", str(out), "--mnist", mnist,
                                   "--count", count, "--qonnx-check", "0"],
                                  capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if proc.returncode:
                print(proc.stdout, proc.stderr)
                raise SystemExit(proc.returncode)
            r = json.loads((out / "sim" / "results.json").read_text())
            print(f"{label}: {r['frames']} frames, {r['mismatches']} mismatches, "
                  f"{wall:.1f} s wall, {r['sim_cycles_per_s']:,.0f} simulated cycles/s, "
                  f"interval {r['interval_cycles']:g} cycles")


if __name__ == "__main__":
    main()
