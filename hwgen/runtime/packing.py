"""Packing integer frames into stream words and back: the one definition of the wire format.

This module is copied byte-identical into the generated PYNQ driver, so it imports numpy only
and keeps Python 3.8 syntax. Contract (DESIGN.md section 3a):

* value codes: INTn two's complement, UINTn plain, BIPOLAR 1 = +1 / 0 = -1, TERNARY as INT2;
* a frame is its elements in stream order, element i at bits [i*w, (i+1)*w) of the frame's bit
  string; the frame is zero-padded to whole words; words are little-endian (bit 0 of word j is
  bit j*W of the frame);
* a DMA buffer of a batch is the frames' words back to back.
"""

import numpy as np

__all__ = [
    "encode",
    "decode",
    "frame_bits",
    "bits_to_frames",
    "pack_words",
    "unpack_words",
    "words_to_hex",
    "hex_to_words",
    "words_per_frame",
]


def encode(values, kind, bits):
    """Integer values -> unsigned codes (uint64) of ``bits`` bits for datatype ``kind``."""
    v = np.asarray(values).astype(np.int64)
    if kind == "BIPOLAR":
        if np.any((v != 1) & (v != -1)):
            raise ValueError("BIPOLAR values must be -1 or +1")
        return ((v + 1) // 2).astype(np.uint64)
    mask = (1 << bits) - 1
    return (v & mask).astype(np.uint64)


def decode(codes, kind, bits):
    """Unsigned codes -> int64 values for datatype ``kind`` (inverse of ``encode``)."""
    c = np.asarray(codes).astype(np.int64)
    if kind == "BIPOLAR":
        return 2 * c - 1
    if kind in ("INT", "TERNARY"):
        sign = 1 << (bits - 1)
        return (c ^ sign) - sign
    return c


def frame_bits(codes, elem_bits):
    """(frames, elems) codes -> (frames, elems * elem_bits) bit array, LSB of element 0 first."""
    c = np.ascontiguousarray(codes, dtype="<u8")
    # the low bytes of each little-endian code, unpacked LSB first: one uint8 per bit (a uint64
    # per bit, as a shift-and-mask would make, is 8x the memory and several times slower)
    low = c.view(np.uint8).reshape(c.shape + (8,))[..., : -(-elem_bits // 8)]
    bits = np.unpackbits(low, axis=-1, bitorder="little")[..., :elem_bits]
    return bits.reshape(c.shape[0], -1)


def bits_to_frames(bits, elem_bits, elems):
    """Inverse of ``frame_bits`` (extra padding bits at the end are ignored)."""
    b = np.asarray(bits, dtype=np.uint64)[:, : elems * elem_bits]
    b = b.reshape(b.shape[0], elems, elem_bits)
    weights = np.uint64(1) << np.arange(elem_bits, dtype=np.uint64)
    return (b * weights).sum(axis=-1, dtype=np.uint64)


def words_per_frame(elems, elem_bits, word_bits):
    """Words a frame takes on a ``word_bits`` stream (zero-padded to whole words)."""
    return -(-elems * elem_bits // word_bits)


def pack_words(codes, elem_bits, word_bits):
    """(frames, elems) codes -> (frames, words, ceil(word_bits / 8)) uint8, little-endian words."""
    c = np.asarray(codes)
    frames, elems = c.shape
    nwords = words_per_frame(elems, elem_bits, word_bits)
    bits = np.zeros((frames, nwords * word_bits), dtype=np.uint8)
    bits[:, : elems * elem_bits] = frame_bits(c, elem_bits)
    bits = bits.reshape(frames, nwords, word_bits)
    pad = (-word_bits) % 8
    if pad:
        bits = np.concatenate([bits, np.zeros((frames, nwords, pad), np.uint8)], axis=-1)
    return np.packbits(bits, axis=-1, bitorder="little")


def unpack_words(words, elem_bits, word_bits, elems):
    """Inverse of ``pack_words``: (frames, words, bytes) uint8 -> (frames, elems) uint64 codes."""
    w = np.asarray(words, dtype=np.uint8)
    frames = w.shape[0]
    bits = np.unpackbits(w, axis=-1, bitorder="little")[..., :word_bits]
    return bits_to_frames(bits.reshape(frames, -1), elem_bits, elems)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def words_to_hex(words, word_bits):
    """(n, bytes) uint8 little-endian words -> list of hex strings, most significant digit first."""
    w = np.asarray(words, dtype=np.uint8).reshape(-1, words.shape[-1])
    digits = -(-word_bits // 4)
    nib = np.empty((w.shape[0], w.shape[1] * 2), dtype=np.uint8)
    nib[:, 0::2] = w & 0xF
    nib[:, 1::2] = w >> 4
    nib = nib[:, :digits][:, ::-1]
    text = _HEX[nib]
    return [row.tobytes().decode("ascii") for row in text]


def hex_to_words(lines, word_bits):
    """Inverse of ``words_to_hex``: hex strings -> (n, ceil(word_bits / 8)) uint8."""
    nbytes = -(-word_bits // 8)
    out = np.zeros((len(lines), nbytes), dtype=np.uint8)
    for i, line in enumerate(lines):
        value = int(line, 16)
        out[i] = np.frombuffer(value.to_bytes(nbytes, "little"), dtype=np.uint8)
    return out
