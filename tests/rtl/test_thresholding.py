"""hwgen_thresholding against a numpy reference: 1..255 steps, duplicates, shared tables."""

from __future__ import annotations

import numpy as np
import pytest
from axis_bench import BenchSpec

from hwgen.backend.memfiles import threshold_words
from hwgen.backend.streams import pack_beats

CASES = {
    # name: CHANNELS, PE, N_THRES, IN_BITS, IN_SIGNED, OUT_BITS, OUT_BIAS, SHARED, pixels
    "n1_tfc_784_pe49_u8": (784, 49, 1, 8, 0, 1, 0, 0, 1),
    "n2_c8_pe2_i4": (8, 2, 2, 4, 1, 2, -1, 0, 3),
    "n3_c6_pe3_u4_shared": (6, 3, 3, 4, 0, 2, 0, 1, 4),
    "n6_c4_pe1_i6": (4, 1, 6, 6, 1, 3, 0, 0, 3),
    "n15_c16_pe4_u8": (16, 4, 15, 8, 0, 4, 0, 0, 2),
    "n254_c4_pe2_u8": (4, 2, 254, 8, 0, 8, -127, 0, 4),
    "n255_c3_pe3_i8_shared": (3, 3, 255, 8, 1, 8, -128, 1, 5),
}
FRAMES = 5


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(CASES))
def test_thresholding(bench, name: str) -> None:
    c, pe, n, in_bits, signed, out_bits, out_bias, shared, pixels = CASES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    lo, hi = (-(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1) if signed else (0, (1 << in_bits) - 1)
    rows = 1 if shared else c
    # ascending with duplicates; some below lo (always fire), some at hi + 1 (never fire)
    t = np.sort(rng.integers(lo - 1, hi + 3, size=(rows, n)), axis=1)
    t = np.clip(t, lo, hi + 1)
    if n > 1:
        t[0, : n // 2] = t[0, n // 2]  # a run of equal thresholds
    thr_bits = in_bits + 2
    x = rng.integers(lo, hi + 1, size=(FRAMES, pixels, c))
    x[1] = lo
    x[2] = hi
    x[3, 0, :] = np.clip(t[0, 0] if shared else t[:, 0], lo, hi)  # exactly on a threshold
    tt = t[0][None, None, None, :] if shared else t[None, None, :, :]
    y = out_bias + (x[..., None] >= tt).sum(axis=-1)

    words = threshold_words(t[0] if shared else t, pe, thr_bits)
    width = (1 if shared else pe) * n * thr_bits
    files = {"thresholds.mem": "".join(f"{w:0{(width + 3) // 4}x}\n" for w in words)}
    params = {"CHANNELS": c, "PE": pe, "N_THRES": n, "IN_BITS": in_bits, "IN_SIGNED": signed,
                  "THR_BITS": thr_bits, "OUT_BITS": out_bits, "OUT_BIAS": out_bias, "SHARED": shared}
    spec = BenchSpec(in_beats=pack_beats(x, pe, in_bits), out_beats=pack_beats(y, pe, out_bits),
                     seed=n)
    res = bench("hwgen_thresholding", params, spec, files)

    beats = c // pe * pixels
    last = res["fast"]["out_cycles"][beats - 1::beats]
    assert (np.diff(last) == beats).all(), f"frame intervals {np.diff(last)}, expected {beats}"
    # latency: clog2(N+1) search stages + input register + output register
    fast = res["fast"]
    assert fast["out_cycles"][0] - fast["in_cycles"][0] == int(np.ceil(np.log2(n + 1))) + 2
