"""Packing integer lanes into AXI-Stream beats and back (lane i at bits [i*w, (i+1)*w)).

Values are given as integers in their value domain; ``signed`` only matters when unpacking.
Codes are two's complement for signed lanes (see DESIGN.md section 3a).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["pack_beat", "pack_beats", "unpack_beat", "unpack_beats"]


def pack_beat(lanes: Iterable[int], bits: int) -> int:
    """One beat: lane i at bits [i*bits, (i+1)*bits); negative lanes wrap to two's complement."""
    mask = (1 << bits) - 1
    word = 0
    for i, value in enumerate(lanes):
        word |= (int(value) & mask) << (i * bits)
    return word


def pack_beats(values: Sequence[int] | np.ndarray, lanes: int, bits: int) -> list[int]:
    """A flat sequence of values, ``lanes`` per beat (length must be a multiple of ``lanes``)."""
    flat = np.asarray(values).reshape(-1)
    if flat.size % lanes:
        raise ValueError(f"value count must be a multiple of {lanes} lanes, not {flat.size}")
    return [pack_beat(flat[i:i + lanes], bits) for i in range(0, flat.size, lanes)]


def unpack_beat(word: int, lanes: int, bits: int, signed: bool = False) -> list[int]:
    """The ``lanes`` values of one beat."""
    mask = (1 << bits) - 1
    out = []
    for i in range(lanes):
        code = (int(word) >> (i * bits)) & mask
        if signed and code >> (bits - 1):
            code -= 1 << bits
        out.append(code)
    return out


def unpack_beats(words: Iterable[int], lanes: int, bits: int, signed: bool = False) -> np.ndarray:
    """All values of a beat sequence, flattened (int64)."""
    values: list[int] = []
    for word in words:
        values.extend(unpack_beat(word, lanes, bits, signed))
    return np.asarray(values, dtype=np.int64)
