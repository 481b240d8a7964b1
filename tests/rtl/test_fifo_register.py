"""hwgen_fifo and hwgen_axis_register: order, no loss, full throughput."""

from __future__ import annotations

import numpy as np
import pytest
from axis_bench import BenchSpec

CASES = {
    # name: top, parameters, latency (input handshake to earliest output handshake)
    "register_w13": ("hwgen_axis_register", {"WIDTH": 13}, 1),
    "fifo_w8_d5": ("hwgen_fifo", {"WIDTH": 8, "DEPTH": 5}, 2),
    "fifo_w36_d64": ("hwgen_fifo", {"WIDTH": 36, "DEPTH": 64}, 2),
}


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(CASES))
def test_fifo_register(bench, name: str) -> None:
    top, params, latency = CASES[name]
    width = params["WIDTH"]
    rng = np.random.default_rng(width)
    beats = [int(v) for v in rng.integers(0, 1 << width, size=300, dtype=np.uint64)]
    res = bench(top, params, BenchSpec(in_beats=beats, out_beats=beats, seed=width))
    fast = res["fast"]
    assert fast["out_cycles"][0] - fast["in_cycles"][0] == latency
    assert fast["out_cycles"][-1] - fast["out_cycles"][0] == len(beats) - 1  # one per clock
