"""Golden executor throughput on TFC-W1A1 over the 10,000 MNIST test images (prints images/s).

Uses hwgen/data/examples/tfc_w1a1.onnx when present, else the zoo's random-weight TFC-W1A1.
Run: python benchmarks/golden_speed.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import hwgen  # noqa: E402 (after the sys.path set-up above)
from tests.zoo import export, mnist_images  # noqa: E402 (after the sys.path set-up above)


def main() -> None:
    example = ROOT / "hwgen/data/examples/tfc_w1a1.onnx"
    with tempfile.TemporaryDirectory() as tmp:
        path = example if example.exists() else export("tfc_w1a1", tmp)
        graph = hwgen.load(path)
    data = mnist_images()
    if data is None:
        x = np.random.default_rng(0).integers(0, 256, (10000, 1, 28, 28)).astype(np.float32)
        source = "random pixels (MNIST not found)"
    else:
        x, source = data[0], "MNIST test set (raw uint8 pixels)"
    x = x.reshape((len(x),) + tuple(graph.onnx_input_shape[1:]))
    hwgen.execute(graph, x[:100])  # warm up
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        hwgen.execute(graph, x)
        best = min(best, time.perf_counter() - t)
    print(f"{path.name}: {len(x)} images ({source}) in {best:.3f} s = {len(x) / best:,.0f} images/s")


if __name__ == "__main__":
    main()
