"""hwgen_maxpool against a numpy reference (KxK, stride K, floor mode)."""

from __future__ import annotations

import numpy as np
import pytest
from axis_bench import BenchSpec

from hwgen.backend.streams import pack_beats

CASES = {
    # name: H, W, C, PE, K, BITS, SIGNED
    "k2_6x6_c4_pe2_u4": (6, 6, 4, 2, 2, 4, 0),
    "k3_7x8_c3_pe1_i5": (7, 8, 3, 1, 3, 5, 1),
}
FRAMES = 4


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(CASES))
def test_maxpool(bench, name: str) -> None:
    h, w, c, pe, k, bits, signed = CASES[name]
    rng = np.random.default_rng(h * w + c)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    x = rng.integers(lo, hi + 1, size=(FRAMES, h, w, c))
    x[1] = lo
    oh, ow = h // k, w // k
    y = x[:, : oh * k, : ow * k, :].reshape(FRAMES, oh, k, ow, k, c).max(axis=(2, 4))
    spec = BenchSpec(in_beats=pack_beats(x, pe, bits), out_beats=pack_beats(y, pe, bits), seed=k)
    params = {"H": h, "W": w, "C": c, "PE": pe, "K": k, "BITS": bits, "SIGNED": signed}
    res = bench("hwgen_maxpool", params, spec)
    per_frame = oh * ow * c // pe
    last = res["fast"]["out_cycles"][per_frame - 1::per_frame]
    # input bound: exactly H*W*C/PE cycles per frame
    assert (np.diff(last) == h * w * c // pe).all(), np.diff(last)
