"""Wall time of `hwgen build` end to end from the CLI (goal: under 3 s for TFC on 2 cores).

Usage: python benchmarks/build_speed.py [MODEL ...]
(default: the bundled TFC-W1A1 and the test zoo's small conv net, exported first)
Prints one line per model: the median of 3 runs of `python -m hwgen build MODEL -o TMP`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def time_build(model: str, runs: int = 3) -> float:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "hwgen", "build", model, "-o",
                            str(Path(tmp) / f"out{i}")], check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    models = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        if not models:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from tests.zoo import export

            models = ["example:tfc_w1a1", str(export("cnv_small", tmp))]
        for model in models:
            print(f"hwgen build {Path(model).name}: {time_build(model):.2f} s wall "
                  "(median of 3, CLI end to end)")


if __name__ == "__main__":
    main()
