"""hwgen_swg and hwgen_swg_par (SIMD = M*C, window-parallel) against a numpy im2col reference:
K in {1, 2, 3}, stride {1, 2, 3}, padding {0, 1, 2}."""

from __future__ import annotations

import numpy as np
import pytest
from axis_bench import BenchSpec

from hwgen.backend.streams import pack_beats
from hwgen.build.hwlayers import HwSWG
from hwgen.ir.datatypes import UINT

CASES = {
    # name: H, W, C, SIMD, K, STRIDE, PAD, BITS
    "k3_s1_p1_6x5_c4_simd2": (6, 5, 4, 2, 3, 1, 1, 4),
    "k3_s2_p0_7x7_c2_simd1": (7, 7, 2, 1, 3, 2, 0, 3),
    "k3_s2_p1_6x6_c3_simd3": (6, 6, 3, 3, 3, 2, 1, 2),
    "k1_s2_p0_5x4_c2_simd2": (5, 4, 2, 2, 1, 2, 0, 4),
    "k3_s1_p0_6x6_c4_simd2": (6, 6, 4, 2, 3, 1, 0, 2),  # 2 held rows per frame
    # 8 buffered rows (ROWS_LOG2 = 3): the same image holds no rows of the next frame
    "rows8_k3_s1_p0_6x6_c4_simd2": (6, 6, 4, 2, 3, 1, 0, 2),
    # window-parallel (hwgen_swg_par): SIMD = M*C, M | K*K
    "par_k3_s1_p1_12x12_c1_simd9": (12, 12, 1, 9, 3, 1, 1, 8),
    "par_k3_s1_p1_6x5_c2_simd6": (6, 5, 2, 6, 3, 1, 1, 4),
    "par_k3_s2_p2_7x8_c2_simd18": (7, 8, 2, 18, 3, 2, 2, 3),
    "par_k2_s3_p0_7x8_c3_simd6": (7, 8, 3, 6, 2, 3, 0, 2),
    "par_k3_s1_p0_5x7_c1_simd1": (5, 7, 1, 1, 3, 1, 0, 3),
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
    params = {"H": h, "W": w, "C": c, "SIMD": simd, "K": k, "STRIDE": stride, "PAD": pad, "BITS": bits}
    rows_log2 = 3 if name.startswith("rows8_") else 0
    if rows_log2:
        params["ROWS_LOG2"] = rows_log2
    par = name.startswith("par_")
    in_simd = c if par else simd  # hwgen_swg_par reads one pixel per beat
    spec = BenchSpec(in_beats=pack_beats(x, in_simd, bits), out_beats=pack_beats(y, simd, bits),
                     seed=k + stride)
    res = bench("hwgen_swg_par" if par else "hwgen_swg", params, spec)

    out_beats = y.shape[1] * y.shape[2] * k * k * c // simd
    last = np.asarray(res["fast"]["out_cycles"][out_beats - 1::out_beats])
    # steady state (frames back to back) equals the analytic cycles exactly (HwSWG.cycles: the
    # reader also waits while the writer stores the next frame's rows it could not prefetch)
    layer = _layer(h, w, c, simd, k, stride, pad, rows_log2)
    ideal = layer.cycles
    assert (np.diff(last) == ideal).all(), (np.diff(last), ideal)
    if rows_log2:
        assert layer.held_rows == 0 and ideal == layer.out_beats  # no reader wait per frame


def _layer(h: int, w: int, c: int, simd: int, k: int, stride: int, pad: int,
           rows_log2: int = 0) -> HwSWG:
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    return HwSWG(name="swg", onnx_name="", in_dtype=UINT(8), out_dtype=UINT(8), in_elems=h * w * c,
                 out_elems=oh * ow * k * k * c, SIMD=simd, in_hwc=(h, w, c), kernel=(k, k),
                 stride=(stride, stride), pad=(pad,) * 4, rows_log2=rows_log2)


# General windows (issue 17): non-square kernels, unequal strides, dilation, asymmetric
# padding, a padding code, channel-fold-major order (the input of hwgen_vvau).
GENERAL = {
    # name: H, W, C, SIMD, (KH, KW), (SH, SW), (PT, PL, PB, PR), (DH, DW), CFMAJOR, PAD_CODE, BITS
    "k2x3_s1x2_d2x1_asym_c3": (9, 10, 3, 1, (2, 3), (1, 2), (0, 1, 1, 0), (2, 1), 0, 0, 4),
    "k1x4_1d_same_lower_c2": (1, 17, 2, 2, (1, 4), (1, 2), (0, 2, 0, 1), (1, 1), 0, 0, 3),
    "k3_s2_p1_cfmajor_c4_simd2_padcode": (7, 6, 4, 2, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 1,
                                          5, 3),
    "k1x3_d3_cfmajor_c4_simd1": (1, 9, 4, 1, (1, 3), (1, 1), (0, 3, 0, 1), (1, 3), 1, 0, 4),
}


def _general_reference(x, kernel, stride, pad, dil, cf_major, pad_code, simd):
    from hwgen.golden import _window_view

    view = np.asarray(_window_view(x, kernel, stride, pad, pad_code, dil))  # F, OH, OW, kh, kw, C
    f, oh, ow, kh, kw, c = view.shape
    if not cf_major:
        return view.reshape(f, oh, ow, kh * kw * c)
    # (cf, kh, kw, lane): SIMD-channel groups outermost
    v = view.reshape(f, oh, ow, kh, kw, c // simd, simd).transpose(0, 1, 2, 5, 3, 4, 6)
    return v.reshape(f, oh, ow, kh * kw * c)


@pytest.mark.rtl
@pytest.mark.parametrize("name", list(GENERAL))
def test_swg_general(bench, name: str) -> None:
    h, w, c, simd, kernel, stride, pad, dil, cf_major, pad_code, bits = GENERAL[name]
    rng = np.random.default_rng(h * w + c)
    x = rng.integers(0, 1 << bits, size=(FRAMES, h, w, c))
    y = _general_reference(x, kernel, stride, pad, dil, cf_major, pad_code, simd)
    layer = HwSWG(name="swg", onnx_name="", in_dtype=UINT(bits), out_dtype=UINT(bits),
                  in_elems=h * w * c, out_elems=int(np.prod(y.shape[1:])), SIMD=simd,
                  in_hwc=(h, w, c), kernel=kernel, stride=stride, pad=pad, pad_value=pad_code,
                  dilation=dil, cf_major=bool(cf_major))
    assert tuple(y.shape[1:3]) == layer.out_hw
    from hwgen.build.emit import layer_params

    params = layer_params(layer, {})
    assert params["KH"] == kernel[0] and params["CFMAJOR"] == cf_major
    spec = BenchSpec(in_beats=pack_beats(x, simd, bits), out_beats=pack_beats(y, simd, bits),
                     seed=len(name))
    res = bench("hwgen_swg", params, spec)
    out_beats = layer.out_beats
    last = np.asarray(res["fast"]["out_cycles"][out_beats - 1::out_beats])
    assert (np.diff(last) == layer.cycles).all(), (np.diff(last), layer.cycles)
