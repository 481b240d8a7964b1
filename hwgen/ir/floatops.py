"""The float32 operations at the host/hardware boundary and inside activation paths.

A ``FloatOp`` is one elementwise ONNX op with constants along the channel (last) axis, evaluated
in float32 exactly as onnxruntime evaluates it (same op order, same rounding). A ``QuantSpec``
is one QONNX quantizer (Quant, BipolarQuant, MultiThreshold) that maps floats to level indices.
The frontend evaluates ``FloatOp`` chains + ``QuantSpec`` to place thresholds; the golden
executor uses the same definitions for the prologue and the epilogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hwgen.runtime.floatops import ROUNDING, apply_op, quant_index, round_mode

__all__ = ["FloatOp", "QuantSpec", "apply_ops"]

_OPS = ("scale", "mul", "add", "sub", "rsub", "div", "relu", "tanh", "sigmoid", "clip", "bn")


def _frozen(a: object, dtype: type = np.float32) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class FloatOp:
    """One elementwise float op; ``consts`` are scalars or per-channel vectors (last axis).

    kinds: ``scale`` (integer -> float32: ``float32(x * c)`` with the product in float64, the
    accumulator of a MatMul/Conv of quantized operands), ``mul``/``add``/``sub``/``div``
    (``x op c``), ``rsub`` (``c - x``), ``relu``, ``tanh``, ``sigmoid``, ``clip`` (consts lo, hi),
    ``bn`` (consts scale, bias, mean, var, eps; onnxruntime's order: ``x * s' + b'`` with
    ``s' = scale / sqrt(var + eps)``, ``b' = bias - mean * s'``).
    """

    kind: str
    consts: tuple[np.ndarray, ...] = field(default=())
    onnx_name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _OPS:
            raise ValueError(f"FloatOp kind must be one of {_OPS}, not {self.kind!r}")
        dtype = np.float64 if self.kind == "scale" else np.float32
        object.__setattr__(self, "consts", tuple(_frozen(c, dtype) for c in self.consts))

    @property
    def per_channel(self) -> bool:
        return any(c.size > 1 for c in self.consts)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Apply to ``x`` (channels on the last axis); returns float32."""
        return apply_op(self.kind, self.consts, x)

    def __repr__(self) -> str:
        return f"FloatOp({self.kind}, {[c.shape for c in self.consts]})"


def apply_ops(ops: tuple[FloatOp, ...], x: np.ndarray) -> np.ndarray:
    for op in ops:
        x = op.apply(x)
    return x


@dataclass(frozen=True, eq=False)
class QuantSpec:
    """A quantizer: float32 -> level index in [0, levels - 1], value = bias + step * index.

    kind ``int`` (QONNX Quant, zero point 0: ``clip(x / scale)`` then rounding, 1-bit signed is
    the sign), ``bipolar`` (BipolarQuant: ``x >= 0`` -> +1 else -1), ``multithreshold``
    (``#{k : x >= thresholds[c, k]}``), ``trunc`` (QONNX Trunc v2: ``round(x / in_scale)``
    divided by ``trunc_scale``, clipped, then ``rounding``). ``scale`` is the real value of one
    integer step.
    """

    kind: str
    scale: np.ndarray  # float32, scalar or per channel (last axis)
    bits: int = 1
    signed: bool = True
    narrow: bool = False
    rounding: str = "ROUND"
    thresholds: np.ndarray | None = None  # multithreshold only: (C or 1, K) float32
    mt_bias: int = 0  # multithreshold only: value of index 0
    mt_step: int = 1  # multithreshold only
    onnx_name: str = ""
    in_scale: np.ndarray | None = None  # trunc only: the input's scale (QONNX Trunc v2)
    trunc_scale: float = 1.0  # trunc only: the power of two the rounded input is divided by

    def __post_init__(self) -> None:
        if self.kind not in ("int", "bipolar", "multithreshold", "trunc"):
            raise ValueError("QuantSpec kind must be int/bipolar/multithreshold/trunc, not "
                             f"{self.kind!r}")
        if self.in_scale is not None:
            object.__setattr__(self, "in_scale", _frozen(self.in_scale))
        if self.rounding not in ROUNDING:
            raise ValueError(f"rounding must be one of {ROUNDING}, not {self.rounding!r}")
        object.__setattr__(self, "scale", _frozen(self.scale))
        if self.thresholds is not None:
            object.__setattr__(self, "thresholds", _frozen(self.thresholds))

    @property
    def bipolar(self) -> bool:
        return self.kind == "bipolar" or (self.kind == "int" and self.bits == 1 and self.signed)

    @property
    def qmin(self) -> int:
        if self.bipolar:
            return -1
        if self.kind == "multithreshold":
            return self.mt_bias
        if not self.signed:
            return 0
        return -(1 << (self.bits - 1)) + (1 if self.narrow else 0)

    @property
    def qmax(self) -> int:
        if self.bipolar:
            return 1
        if self.kind == "multithreshold":
            return self.mt_bias + self.mt_step * self.thresholds.shape[1]
        if not self.signed:
            return (1 << self.bits) - 1 - (1 if self.narrow else 0)
        return (1 << (self.bits - 1)) - 1

    @property
    def step(self) -> int:
        """Distance between adjacent integer output values (2 for bipolar)."""
        if self.bipolar:
            return 2
        return self.mt_step if self.kind == "multithreshold" else 1

    @property
    def levels(self) -> int:
        return (self.qmax - self.qmin) // self.step + 1

    def index(self, x: np.ndarray) -> np.ndarray:
        """Level index (int64) of float32 input ``x``, channels on the last axis."""
        if self.kind == "trunc":  # QONNX Trunc v2, in float32 as qonnx computes it
            y = np.round(np.asarray(x, np.float32) / self.in_scale)
            y = y / np.float32(self.trunc_scale)
            y = np.clip(y, np.float32(self.qmin), np.float32(self.qmax))
            return round_mode(self.rounding, y).astype(np.int64) - self.qmin
        return quant_index(self.kind, x, self.scale, self.bipolar, self.qmin, self.qmax,
                           self.rounding, self.thresholds)

    def values(self, x: np.ndarray) -> np.ndarray:
        """Integer output values (int64) of float32 input ``x``."""
        return self.qmin + self.step * self.index(x)
