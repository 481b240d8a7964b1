"""Integer datatypes of IR values: what a stream element or a weight may hold, and its code.

Values are always the mathematical integers (BIPOLAR is -1/+1, not 0/1); ``code_bits`` is the
width of the code on a stream or in a memory file (DESIGN.md 3a): INTn two's complement, UINTn
plain, BIPOLAR 1 = +1 / 0 = -1, TERNARY as INT2, BINARY as UINT1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BINARY", "BIPOLAR", "INT", "TERNARY", "UINT", "DataType"]

_KINDS = ("INT", "UINT", "BIPOLAR", "BINARY", "TERNARY")


@dataclass(frozen=True)
class DataType:
    """An integer datatype: ``kind`` in INT/UINT/BIPOLAR/BINARY/TERNARY and its bit count."""

    kind: str
    bits: int

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"DataType kind must be one of {_KINDS}, not {self.kind!r}")
        fixed = {"BIPOLAR": 1, "BINARY": 1, "TERNARY": 2}
        if self.kind in fixed and self.bits != fixed[self.kind]:
            raise ValueError(f"{self.kind} has {fixed[self.kind]} bits, not {self.bits}")
        if self.bits < 1 or self.bits > 64:
            raise ValueError(f"DataType bits must be in 1..64, not {self.bits}")

    @property
    def name(self) -> str:
        return self.kind if self.kind in ("BIPOLAR", "BINARY", "TERNARY") else f"{self.kind}{self.bits}"

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return self.name

    @property
    def signed(self) -> bool:
        return self.kind in ("INT", "BIPOLAR", "TERNARY")

    @property
    def min(self) -> int:
        if self.kind == "INT":
            return -(1 << (self.bits - 1))
        return -1 if self.kind in ("BIPOLAR", "TERNARY") else 0

    @property
    def max(self) -> int:
        if self.kind == "INT":
            return (1 << (self.bits - 1)) - 1
        if self.kind == "UINT":
            return (1 << self.bits) - 1
        return 1

    @property
    def code_bits(self) -> int:
        """Bits of one element's code on a stream or in a memory file."""
        return self.bits

    def allowed(self, values: object) -> bool:
        """True when every value in ``values`` is representable (BIPOLAR: only -1 and +1)."""
        v = np.asarray(values)
        if v.size == 0:
            return True
        if not np.all(np.asarray(v) == np.round(v)):
            return False
        if self.kind == "BIPOLAR":
            return bool(np.all((v == 1) | (v == -1)))
        return bool(v.min() >= self.min and v.max() <= self.max)

    @staticmethod
    def smallest(lo: int, hi: int) -> DataType:
        """The smallest INTn / UINTn holding every integer in [lo, hi]."""
        lo, hi = int(lo), int(hi)
        if lo > hi:
            raise ValueError(f"empty range [{lo}, {hi}]")
        if lo >= 0:
            return UINT(max(1, hi.bit_length()))
        bits = max((-lo - 1).bit_length(), hi.bit_length() if hi > 0 else 0) + 1
        return INT(bits)


def INT(bits: int) -> DataType:
    return DataType("INT", bits)


def UINT(bits: int) -> DataType:
    return DataType("UINT", bits)


BIPOLAR = DataType("BIPOLAR", 1)
BINARY = DataType("BINARY", 1)
TERNARY = DataType("TERNARY", 2)
