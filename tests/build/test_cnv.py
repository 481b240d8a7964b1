"""CNV-W1A1 (the incumbent's CIFAR-10 topology, random weights) at the incumbent's published
PYNQ folding: analytic 32,768 cycles per frame (3,052 frames/s at 100 MHz), and 2 frames
simulated bit-exactly in Verilator with the measured interval equal to the analytic one.

The Verilator build of this design is the largest in the suite (a few minutes of C++ compile on
2 cores); it runs in CI, marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest

import hwgen
from hwgen.golden import prologue
from hwgen.simulate.design import simulate
from tests.zoo import inputs_for

# The incumbent's published folding for CNV on the PYNQ boards (MVAU (PE, SIMD) per layer).
# Max pools take the PE of the MVAU in front of them (no width converter in between).
CNV_FOLDING = {
    "01_mvau": {"PE": 16, "SIMD": 3}, "03_mvau": {"PE": 32, "SIMD": 32},
    "04_pool": {"PE": 32},
    "06_mvau": {"PE": 16, "SIMD": 32}, "08_mvau": {"PE": 16, "SIMD": 32},
    "09_pool": {"PE": 16},
    "11_mvau": {"PE": 4, "SIMD": 32}, "13_mvau": {"PE": 1, "SIMD": 32},
    "14_mvau": {"PE": 1, "SIMD": 4}, "15_mvau": {"PE": 1, "SIMD": 8},
    "16_mvau": {"PE": 5, "SIMD": 1},
}


def test_cnv_w1a1_analytic_cycles(built) -> None:
    _, result = built("cnv_w1a1", CNV_FOLDING)
    m = result.manifest
    assert m["max_cycles"] == 32768
    assert round(m["fps"]["achieved"]) == 3052 and m["fps"]["bound"] == "core"
    cycles = {layer["name"]: layer["cycles"] for layer in m["layers"]}
    # conv0: 30x30 pixels x (64/16) x (27/3); fc0: (512/1) x (256/4)
    assert cycles["01_mvau"] == 900 * 4 * 9 and cycles["14_mvau"] == 512 * 64


@pytest.mark.slow
def test_cnv_w1a1_two_frames_exact(built, mnist) -> None:
    out, result = built("cnv_w1a1", CNV_FOLDING)
    graph = hwgen.load(out / "model.onnx")
    x = inputs_for("cnv_w1a1", mnist[0][:3])
    expected = hwgen.execute(graph, x, upto="hw")
    run = simulate(out, prologue(graph, x), level="core")
    got = run.outputs.reshape(expected.shape)
    assert np.array_equal(got, expected)
    assert run.interval_cycles == result.manifest["max_cycles"] == 32768


@pytest.mark.slow
def test_cnv_w1a1_default_folding_meets_its_interval(built, mnist) -> None:
    """The default PYNQ-Z2 folding (5,400 cycles per frame at this writing): its first MVAU is
    the bottleneck behind an unpadded window, which emits nothing for 64 clocks between frames
    while it stores the next frame's first rows; the FIFO between them holds the beats the
    MVAU reads meanwhile (hwgen.build.fifos). Bit-exact, and the measured interval is the
    analytic one (5,453 with the former 4-deep FIFO)."""
    out, result = built("cnv_w1a1")
    graph = hwgen.load(out / "model.onnx")
    x = inputs_for("cnv_w1a1", mnist[0][:4])
    expected = hwgen.execute(graph, x, upto="hw")
    run = simulate(out, prologue(graph, x), level="core")
    assert np.array_equal(run.outputs.reshape(expected.shape), expected)
    assert run.interval_cycles == result.manifest["max_cycles"]
