"""Memory init files (.mem, read with $readmemh) for the RTL templates. Pure numpy.

Formats (also in rtl_templates/README.md):

- One hexadecimal word per line, most significant digit first, ceil(width/4) digits, no
  address markers; line number = address.
- Weights of ``hwgen_mvau`` (W is MH x MW, SF = MW/SIMD, NF = MH/PE): word ``nf*SF + sf`` holds
  W[nf*PE + p][sf*SIMD + s] at bits [(p*SIMD + s)*W_BITS, +W_BITS).
- Thresholds (``hwgen_mvau``, ``hwgen_thresholding``; T is C x N ascending per row): word ``nf``
  holds T[nf*PE + p][k] at bits [(p*N + k)*THR_BITS, +THR_BITS), NF = C/PE words. Shared
  thresholds (one row of N, SHARED = 1): a single word with T[k] at bits [k*THR_BITS, ...).

- Weight image (run-time load of "ultra" weight memories, ``weight_image``): the memories in
  order, each its words in file order, each word split into ceil(width/DMA_BITS) DMA words,
  least significant bits first, the last one zero-padded; DMA words little-endian bytes.

Value codes (DESIGN.md 3a): ``uint`` plain, ``int`` two's complement, ``bipolar`` +1 -> 1 and
-1 -> 0, ``ternary`` as INT2 (+1 -> 01, 0 -> 00, -1 -> 11).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hwgen.runtime.packing import frame_bits

__all__ = [
    "encode",
    "threshold_words",
    "weight_image",
    "weight_words",
    "write_mem",
    "write_thresholds",
    "write_weights",
]

_KINDS = ("uint", "int", "bipolar", "ternary")


def encode(values: np.ndarray, bits: int, kind: str) -> np.ndarray:
    """Codes (non-negative int64) of integer ``values`` in the given datatype; checks the range."""
    v = np.asarray(values, dtype=np.int64)
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, not {kind!r}")
    if kind == "bipolar":
        if bits != 1 or not np.isin(v, (-1, 1)).all():
            raise ValueError("bipolar values must be -1 or +1 with bits = 1")
        return (v > 0).astype(np.int64)
    if kind == "ternary":
        if bits != 2 or not np.isin(v, (-1, 0, 1)).all():
            raise ValueError("ternary values must be -1, 0 or +1 with bits = 2")
        return v & 3
    lo, hi = (0, (1 << bits) - 1) if kind == "uint" else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    if v.size and (v.min() < lo or v.max() > hi):
        raise ValueError(f"{kind}{bits} values must lie in [{lo}, {hi}], not [{v.min()}, {v.max()}]")
    return v & ((1 << bits) - 1)


def _pack_rows(codes: np.ndarray, bits: int) -> list[int]:
    """Each row of a (rows, n) code array packed LSB first into one integer (code i at bits
    [i*bits, (i+1)*bits)), through numpy's bit packing rather than a shift per code."""
    raw = np.packbits(frame_bits(codes, bits), axis=-1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in raw]


def weight_words(w: np.ndarray, simd: int, pe: int, bits: int, kind: str) -> list[int]:
    """The NF*SF weight words of an MH x MW matrix for ``hwgen_mvau``."""
    w = np.asarray(w)
    mh, mw = w.shape
    if mw % simd or mh % pe:
        raise ValueError(f"MW % SIMD and MH % PE must be 0, not {mw} % {simd}, {mh} % {pe}")
    codes = encode(w, bits, kind)
    nf, sf = mh // pe, mw // simd
    # [nf, p, sf, s] -> [nf, sf, p, s]
    tiles = codes.reshape(nf, pe, sf, simd).transpose(0, 2, 1, 3)
    return _pack_rows(tiles.reshape(nf * sf, pe * simd), bits)


def threshold_words(t: np.ndarray, pe: int, bits: int) -> list[int]:
    """Threshold words: ``t`` is C x N (per channel, NF = C/PE words) or N (shared, one word)."""
    t = np.asarray(t, dtype=np.int64)
    if t.ndim == 1:
        t = t[None, :]
        pe = 1
    c, n = t.shape
    if c % pe:
        raise ValueError(f"channels must be a multiple of PE, not {c} % {pe}")
    if n < 1 or (np.diff(t, axis=1) < 0).any():
        raise ValueError("thresholds must be ascending per channel, at least one per channel")
    codes = encode(t, bits, "int")
    return _pack_rows(codes.reshape(c // pe, pe * n), bits)


def write_mem(path: str | Path, words: list[int], width: int) -> Path:
    """Write words as $readmemh hex lines, ceil(width/4) digits each."""
    digits = max(1, (width + 3) // 4)
    for word in words:
        if word < 0 or word >> width:
            raise ValueError(f"word {word:#x} does not fit in {width} bits")
    path = Path(path)
    path.write_text("".join(f"{word:0{digits}x}\n" for word in words))
    return path


def write_weights(path: str | Path, w: np.ndarray, simd: int, pe: int, bits: int, kind: str) -> Path:
    """The weight .mem file of ``hwgen_mvau``."""
    return write_mem(path, weight_words(w, simd, pe, bits, kind), pe * simd * bits)


def write_thresholds(path: str | Path, t: np.ndarray, pe: int, bits: int) -> Path:
    """The threshold .mem file of ``hwgen_mvau`` / ``hwgen_thresholding``."""
    t = np.asarray(t)
    lanes = 1 if t.ndim == 1 else pe
    n = t.shape[-1]
    return write_mem(path, threshold_words(t, pe, bits), lanes * n * bits)


def weight_image(memories: list[tuple[list[int], int]], dma_bits: int) -> bytes:
    """The weight-load image of ``memories`` ((words, word width) each, in load order):
    every word as ceil(width / dma_bits) little-endian DMA words, least significant first."""
    if dma_bits % 8:
        raise ValueError(f"dma_bits must be a multiple of 8, not {dma_bits}")
    out = bytearray()
    for words, width in memories:
        size = -(-width // dma_bits) * dma_bits // 8
        for word in words:
            if word < 0 or word >> width:
                raise ValueError(f"word {word:#x} does not fit in {width} bits")
            out += word.to_bytes(size, "little")
    return bytes(out)
