"""hwgen_dup, hwgen_add and hwgen_concat against numpy references, with independent random idles
on every input and backpressure on every output (multi_bench)."""

from __future__ import annotations

import numpy as np
import pytest
from multi_bench import MultiSpec

from hwgen.backend.memfiles import threshold_words
from hwgen.backend.streams import pack_beats
from hwgen.ir.datatypes import INT

FRAMES = 4


def _range(bits: int, signed: int) -> tuple[int, int]:
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


def _intervals(cycles: list[int], beats: int) -> np.ndarray:
    return np.diff(np.asarray(cycles)[beats - 1::beats])


@pytest.mark.rtl
@pytest.mark.parametrize("width", [1, 12])
def test_dup(bench, width: int) -> None:
    rng = np.random.default_rng(width)
    x = [int(v) for v in rng.integers(0, 1 << width, 60)]
    spec = MultiSpec(ins={"s_axis": x}, outs={"m0_axis": x, "m1_axis": x}, seed=width)
    res = bench("hwgen_dup", {"WIDTH": width}, spec)
    fast = res["fast"]["cycles"]
    assert fast["m0_axis"] == fast["m1_axis"]  # both copies in the same cycle when not stalled
    assert np.all(np.diff(fast["m0_axis"]) == 1)  # one beat per clock


CONCAT = {
    # name: C0, C1, PE, BITS, pixels
    "c4_c6_pe2": (4, 6, 2, 3, 5),
    "c1_c3_pe1": (1, 3, 1, 2, 4),
}


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(CONCAT))
def test_concat(bench, name: str) -> None:
    c0, c1, pe, bits, pixels = CONCAT[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    a = rng.integers(0, 1 << bits, (FRAMES, pixels, c0))
    b = rng.integers(0, 1 << bits, (FRAMES, pixels, c1))
    y = np.concatenate([a, b], axis=-1)
    spec = MultiSpec(ins={"s0_axis": pack_beats(a, pe, bits), "s1_axis": pack_beats(b, pe, bits)},
                     outs={"m_axis": pack_beats(y, pe, bits)}, seed=pixels)
    res = bench("hwgen_concat", {"C0": c0, "C1": c1, "PE": pe, "BITS": bits}, spec)
    beats = pixels * (c0 + c1) // pe
    assert np.all(_intervals(res["fast"]["cycles"]["m_axis"], beats) == beats)


ADD = {
    # name: CHANNELS, PE, IN0 (bits, signed), IN1, K0, K1, N_THRES, OUT_BIAS, SHARED, pixels
    "u3_u3_n3": (8, 2, (3, 0), (3, 0), 1, 1, 3, 0, 0, 3),
    "u2_i4_k2_n15_shared": (4, 4, (2, 0), (4, 1), 2, 1, 15, -8, 1, 2),
    "i3_i3_raw": (4, 1, (3, 1), (3, 1), 1, 3, 0, 0, 0, 3),
}


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(ADD))
def test_add(bench, name: str) -> None:
    c, pe, (b0, s0), (b1, s1), k0, k1, n, out_bias, shared, pixels = ADD[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    lo0, hi0 = _range(b0, s0)
    lo1, hi1 = _range(b1, s1)
    a = rng.integers(lo0, hi0 + 1, (FRAMES, pixels, c))
    b = rng.integers(lo1, hi1 + 1, (FRAMES, pixels, c))
    a[1], b[1] = hi0, hi1  # the largest sum
    a[2], b[2] = lo0, lo1
    s = k0 * a + k1 * b
    smin, smax = k0 * lo0 + k1 * lo1, k0 * hi0 + k1 * hi1
    sum_bits = max(INT(1).smallest(smin, smax).bits + (smin >= 0), b0 + 1, b1 + 1)
    params = {"CHANNELS": c, "PE": pe, "IN0_BITS": b0, "IN0_SIGNED": s0, "IN1_BITS": b1,
              "IN1_SIGNED": s1, "K0": k0, "K1": k1, "SUM_BITS": sum_bits, "N_THRES": n}
    files = {}
    if n:
        rows = 1 if shared else c
        t = np.sort(rng.integers(smin - 1, smax + 3, (rows, n)), axis=1)
        t = np.clip(t, smin, smax + 1)
        thr_bits = sum_bits + 1
        tt = t[0] if shared else t
        y = out_bias + (s[..., None] >= (t[0] if shared else t[None, None])).sum(-1)
        out_bits = INT(1).smallest(out_bias, out_bias + n).bits
        words = threshold_words(tt, pe, thr_bits)
        width = (1 if shared else pe) * n * thr_bits
        files["thresholds.mem"] = "".join(f"{w:0{(width + 3) // 4}x}\n" for w in words)
        params |= {"THR_BITS": thr_bits, "OUT_BITS": out_bits, "OUT_BIAS": out_bias,
                   "SHARED": shared}
    else:
        y, out_bits = s, sum_bits
        params |= {"OUT_BITS": out_bits}
    spec = MultiSpec(ins={"s0_axis": pack_beats(a, pe, b0), "s1_axis": pack_beats(b, pe, b1)},
                     outs={"m_axis": pack_beats(y, pe, out_bits)}, seed=c)
    res = bench("hwgen_add", params, spec, files)
    beats = pixels * c // pe
    fast = res["fast"]["cycles"]
    assert np.all(_intervals(fast["m_axis"], beats) == beats)
    latency = int(np.ceil(np.log2(n + 1))) + 4 if n else 3  # skid, sum, search, out register
    assert fast["m_axis"][0] - fast["s0_axis"][0] == latency
