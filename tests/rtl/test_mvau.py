"""hwgen_mvau against a numpy reference: XNOR, multiply, ternary, one-bipolar-operand modes."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from axis_bench import BenchSpec

from hwgen.backend.memfiles import threshold_words, weight_words
from hwgen.backend.streams import pack_beats

TYPES = {"uint": 0, "int": 1, "bipolar": 2, "ternary": 3}


def value_range(kind: str, bits: int) -> tuple[int, int]:
    return {
        "uint": (0, (1 << bits) - 1),
        "int": (-(1 << (bits - 1)), (1 << (bits - 1)) - 1),
        "bipolar": (-1, 1),
        "ternary": (-1, 1),
    }[kind]


def signed_bits(lo: int, hi: int) -> int:
    """Smallest two's complement width holding [lo, hi]."""
    b = 1
    while not (-(1 << (b - 1)) <= lo and hi <= (1 << (b - 1)) - 1):
        b += 1
    return b


def random_values(rng: np.random.Generator, kind: str, bits: int, shape) -> np.ndarray:
    lo, hi = value_range(kind, bits)
    if kind == "bipolar":
        return rng.choice([-1, 1], size=shape)
    return rng.integers(lo, hi + 1, size=shape)


CASES = {
    # name: MW, MH, SIMD, PE, (in kind, bits), (w kind, bits), N_THRES, OUT_BITS, OUT_BIAS, REG_EVERY
    "xnor_784x32_s49_p4_thr1": (784, 32, 49, 4, ("bipolar", 1), ("bipolar", 1), 1, 1, 0, 3),
    "xnor_64x32_s64_p2_raw": (64, 32, 64, 2, ("bipolar", 1), ("bipolar", 1), 0, 0, 0, 3),
    # fully unfolded (NF = SF = 1: one vector per cycle, a one-word weight ROM)
    "xnor_48x8_s48_p8_thr1": (48, 8, 48, 8, ("bipolar", 1), ("bipolar", 1), 1, 1, 0, 3),
    "mul_u4xi4_64x32_s1_p32_thr3": (64, 32, 1, 32, ("uint", 4), ("int", 4), 3, 2, -1, 3),
    "mul_i8xi8_64x32_s8_p4_raw": (64, 32, 8, 4, ("int", 8), ("int", 8), 0, 0, 0, 1),
    "tern_i4_64x32_s16_p4_thr15": (64, 32, 16, 4, ("int", 4), ("ternary", 2), 15, 4, 0, 2),
    "sign_u2xbip_64x32_s32_p1_raw": (64, 32, 32, 1, ("uint", 2), ("bipolar", 1), 0, 0, 0, 3),
    # add/subtract and ternary modes put the negations' "+1" on the tree's carry chains:
    # odd SIMD (pass-through nodes), a register after every level, SIMD 1 (no adder at all)
    "tern_u2_64x16_s8_p4_thr3": (64, 16, 8, 4, ("uint", 2), ("ternary", 2), 3, 2, 0, 3),
    "tern_i2_98x8_s49_p2_raw": (98, 8, 49, 2, ("int", 2), ("ternary", 2), 0, 0, 0, 1),
    "tern_u3_12x4_s1_p2_raw": (12, 4, 1, 2, ("uint", 3), ("ternary", 2), 0, 0, 0, 3),
    "sign_bipxi3_42x6_s7_p3_thr3": (42, 6, 7, 3, ("bipolar", 1), ("int", 3), 3, 2, 1, 2),
    # "_lut": the weight ROM in LUTs (RAM_STYLE "distributed": hwgen_rom, its own hierarchy
    # level); the others leave the memory to the simulator's "auto"
    "xnor_784x32_s49_p4_thr1_lut": (784, 32, 49, 4, ("bipolar", 1), ("bipolar", 1), 1, 1, 0, 3),
    "tern_i4_64x32_s16_p4_thr15_lut": (64, 32, 16, 4, ("int", 4), ("ternary", 2), 15, 4, 0, 2),
    # "_uram": RAM_STYLE "ultra", the memory starts zeroed and the bench writes the weights
    # through s_wl: a whole image of random words first, then the real one over it (wrapping)
    "xnor_784x32_s49_p4_thr1_uram": (784, 32, 49, 4, ("bipolar", 1), ("bipolar", 1), 1, 1, 0, 3),
    "tern_i4_64x32_s16_p4_thr15_uram": (64, 32, 16, 4, ("int", 4), ("ternary", 2), 15, 4, 0, 2),
    "mul_i8xi8_64x32_s8_p4_raw_uram": (64, 32, 8, 4, ("int", 8), ("int", 8), 0, 0, 0, 1),
    "xnor_48x8_s48_p8_thr1_uram": (48, 8, 48, 8, ("bipolar", 1), ("bipolar", 1), 1, 1, 0, 3),
    # 64 neuron folds: the threshold ROM is deeper than 32 words (hwgen_rom in LUTs)
    "tern_u2_16x64_s8_p1_thr3": (16, 64, 8, 1, ("uint", 2), ("ternary", 2), 3, 2, 0, 3),
    # "_thrblock": the threshold memory asked for block RAM (THR_STYLE "block")
    "tern_u2_16x64_s8_p1_thr3_thrblock": (16, 64, 8, 1, ("uint", 2), ("ternary", 2), 3, 2, 0, 3),
}


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(CASES))
def test_mvau(bench, name: str) -> None:
    mw, mh, simd, pe, (xk, xb), (wk, wb), n_thr, out_bits, out_bias, reg_every = CASES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # stable across processes
    sf, nf = mw // simd, mh // pe
    xnor = xk == "bipolar" and wk == "bipolar"

    # weights: random rows plus worst-case rows (all max / all min)
    w = random_values(rng, wk, wb, (mh, mw))
    wlo, whi = value_range(wk, wb)
    w[0, :], w[1, :] = whi, wlo
    # frames: random, all max, all min, random, random (>= 4 back to back)
    xlo, xhi = value_range(xk, xb)
    frames = [random_values(rng, xk, xb, mw), np.full(mw, xhi), np.full(mw, xlo)]
    frames += [random_values(rng, xk, xb, mw) for _ in range(3)]
    x = np.stack(frames)
    acc = x @ w.T  # frames x MH, the exact dot products

    prods = [a * b for a in (xlo, xhi) for b in (wlo, whi)]
    acc_lo, acc_hi = mw * min(prods), mw * max(prods)
    acc_bits = signed_bits(acc_lo, acc_hi)
    assert acc_lo <= acc.min() and acc.max() <= acc_hi
    params = {"MW": mw, "MH": mh, "SIMD": simd, "PE": pe, "IN_BITS": xb, "IN_TYPE": TYPES[xk], "W_BITS": wb,
                  "W_TYPE": TYPES[wk], "ACC_BITS": acc_bits, "N_THRES": n_thr, "REG_EVERY": reg_every}
    if name.endswith("_lut"):
        params["RAM_STYLE"] = '"distributed"'  # a Verilog string literal for -G
    if name.endswith("_thrblock"):
        params["THR_STYLE"] = '"block"'
    wwords = weight_words(w, simd, pe, wb, wk)
    write_width = pe * simd * wb
    files = {"weights.mem": "".join(f"{v:0{(write_width + 3) // 4}x}\n" for v in wwords)}
    load: list[int] = []
    if name.endswith("_uram"):
        params["RAM_STYLE"] = '"ultra"'
        files = {}  # "ultra" never reads WEIGHT_FILE: only the load puts weights in
        junk = weight_words(random_values(rng, wk, wb, (mh, mw)), simd, pe, wb, wk)
        load = junk + wwords

    if n_thr:
        # thresholds on the dot product, ascending, with duplicates, clipped to [lo, hi + 1]
        t = np.sort(rng.integers(acc_lo - 2, acc_hi + 3, size=(mh, n_thr)), axis=1)
        t[2, :] = t[2, 0]  # one channel of all-equal thresholds
        t = np.clip(t, acc_lo, acc_hi + 1)
        y = out_bias + (acc[:, :, None] >= t[None, :, :]).sum(axis=2)
        t_hw = -((-(t + mw)) // 2) if xnor else t  # XNOR: ceil((T + K) / 2) on the popcount
        thr_bits = signed_bits(int(t_hw.min()), int(t_hw.max()))
        params.update(THR_BITS=thr_bits, OUT_BITS=out_bits, OUT_BIAS=out_bias)
        words = threshold_words(t_hw, pe, thr_bits)
        digits = (pe * n_thr * thr_bits + 3) // 4
        files["thresh.mem"] = "".join(f"{v:0{digits}x}\n" for v in words)
        lane_bits = out_bits
    else:
        y = acc
        lane_bits = acc_bits

    in_beats = pack_beats(np.where(x > 0, 1, 0) if xk == "bipolar" else x, simd, xb)
    out_beats = pack_beats(y, pe, lane_bits)
    spec = BenchSpec(in_beats=in_beats, out_beats=out_beats, seed=len(name), load_beats=load)
    res = bench("hwgen_mvau", params, spec, files)

    # exact cycles per vector: NF*SF between the last output beats of consecutive frames
    last = res["fast"]["out_cycles"][nf - 1::nf]
    intervals = np.diff(last)
    assert (intervals == nf * sf).all(), f"intervals {intervals}, expected {nf * sf}"
    # latency (README): last input handshake of fold 0 to the first output handshake
    mul = xk not in ("bipolar",) and wk not in ("bipolar", "ternary")
    terms = (((simd + 2) // 3) + 2) // 3 if xnor else simd  # XNOR: popcount's 9:4 stage first
    d = int(np.ceil(np.log2(terms)))
    pl = int(mul) + int(xnor) + (max(1, -(-d // reg_every)) if d else 1)
    lat = pl + 3 + (int(np.ceil(np.log2(n_thr + 1))) + 1 if n_thr else 0)
    fast = res["fast"]
    assert fast["out_cycles"][0] - fast["in_cycles"][sf - 1] == lat
