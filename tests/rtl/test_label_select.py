"""hwgen_label_select against numpy argmax (ties to the lowest index), with forced ties."""

from __future__ import annotations

import numpy as np
import pytest
from axis_bench import BenchSpec

from hwgen.backend.streams import pack_beats

CASES = {
    # name: C, PE, IN_BITS, IN_SIGNED, OUT_BITS
    "c10_pe1_i8": (10, 1, 8, 1, 4),
    "c10_pe5_u3": (10, 5, 3, 0, 4),
}


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(CASES))
def test_label_select(bench, name: str) -> None:
    c, pe, bits, signed, out_bits = CASES[name]
    rng = np.random.default_rng(c * pe + bits)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    x = rng.integers(lo, hi + 1, size=(12, c))
    x[0] = hi                      # all tied at the maximum -> 0
    x[1] = lo                      # all tied at the minimum -> 0
    x[2, [3, 7]] = hi              # tie between two lanes -> 3
    x[3, [c - 1, c - 2]] = hi      # tie at the end
    x[4] = lo
    x[4, c - 1] = lo + 1           # unique maximum in the last lane
    y = np.argmax(x, axis=1)       # numpy picks the first maximum
    spec = BenchSpec(in_beats=pack_beats(x, pe, bits), out_beats=[int(v) for v in y], seed=c)
    res = bench("hwgen_label_select",
                {"C": c, "PE": pe, "IN_BITS": bits, "IN_SIGNED": signed, "OUT_BITS": out_bits}, spec)
    last = res["fast"]["out_cycles"]
    assert (np.diff(last) == c // pe).all()
