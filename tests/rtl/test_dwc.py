"""hwgen_dwc against a bit-stream reference (LSB first) for up, down and odd ratios."""

from __future__ import annotations

import math

import numpy as np
import pytest
from axis_bench import BenchSpec

CASES = {"32to8": (32, 8), "16to24": (16, 24), "7to3": (7, 3)}


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(CASES))
def test_dwc(bench, name: str) -> None:
    iw, ow = CASES[name]
    rng = np.random.default_rng(iw * 100 + ow)
    lcm = iw * ow // math.gcd(iw, ow)
    n_in = 6 * lcm // iw
    ins = [int(rng.integers(0, 1 << 62)) & ((1 << iw) - 1) for _ in range(n_in)]
    stream = sum(b << (i * iw) for i, b in enumerate(ins))
    outs = [(stream >> (j * ow)) & ((1 << ow) - 1) for j in range(n_in * iw // ow)]
    res = bench("hwgen_dwc", {"IN_WIDTH": iw, "OUT_WIDTH": ow},
                BenchSpec(in_beats=ins, out_beats=outs, seed=iw))
    fast = res["fast"]
    span = fast["out_cycles"][-1] - fast["in_cycles"][0]
    assert span <= max(len(ins), len(outs)) + 2, span  # full throughput on the narrow side
