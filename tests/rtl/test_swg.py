"""hwgen_swg against a numpy im2col reference: K in {1, 3}, stride {1, 2}, padding {0, 1}."""

from __future__ import annotations

import numpy as np
import pytest
from axis_bench import BenchSpec

from hwgen.backend.streams import pack_beats

CASES = {
    # name: H, W, C, SIMD, K, STRIDE, PAD, BITS
    "k3_s1_p1_6x5_c4_simd2": (6, 5, 4, 2, 3, 1, 1, 4),
    "k3_s2_p0_7x7_c2_simd1": (7, 7, 2, 1, 3, 2, 0, 3),
    "k3_s2_p1_6x6_c3_simd3": (6, 6, 3, 3, 3, 2, 1, 2),
    "k1_s2_p0_5x4_c2_simd2": (5, 4, 2, 2, 1, 2, 0, 4),
}
FRAMES = 4


def im2col(x: np.ndarray, k: int, stride: int, pad: int) -> np.ndarray:
    """frames x H x W x C -> frames x OH x OW x (kh, kw, c)."""
    f, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    out = np.zeros((f, oh, ow, k, k, c), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = xp[:, i * stride:i * stride + k, j * stride:j * stride + k, :]
    return out.reshape(f, oh, ow, k * k * c)


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(CASES))
def test_swg(bench, name: str) -> None:
    h, w, c, simd, k, stride, pad, bits = CASES[name]
    rng = np.random.default_rng(h * w * k + stride + pad)
    x = rng.integers(1, 1 << bits, size=(FRAMES, h, w, c))  # nonzero: padding shows as 0
    y = im2col(x, k, stride, pad)
    spec = BenchSpec(in_beats=pack_beats(x, simd, bits), out_beats=pack_beats(y, simd, bits),
                     seed=k + stride)
    params = {"H": h, "W": w, "C": c, "SIMD": simd, "K": k, "STRIDE": stride, "PAD": pad, "BITS": bits}
    res = bench("hwgen_swg", params, spec)

    cf = c // simd
    oh, ow = y.shape[1], y.shape[2]
    out_beats = oh * ow * k * k * cf
    last = np.asarray(res["fast"]["out_cycles"][out_beats - 1::out_beats])
    ideal = max(out_beats, h * w * cf)
    # steady state (frames back to back): at most one input row of start-up wait per frame
    overhead = np.diff(last) - ideal
    assert (overhead >= 0).all() and (overhead <= w * cf + 4).all(), (np.diff(last), ideal)
