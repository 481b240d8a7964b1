"""IR layers: frozen dataclasses over int64 numpy tensors (read-only), value semantics.

Shapes are per frame without the batch axis, NHWC ((H, W, C)) or (features,). Every layer has
``name`` (unique, stable, positional), ``onnx_name`` (the ONNX node it came from),
``in_shape``/``in_dtype`` (fields) and ``out_shape``/``out_dtype`` (derived properties).
``inputs`` names the producer layers (keyword only): ``()`` means the layer just before it in
``Graph.layers`` (the graph input, ``hwgen.ir.graph.GRAPH_INPUT``, for the first layer), so a
chain needs no names; multi-input layers (``Add``, ``Concat``) list theirs explicitly and
describe input ``i`` by ``in_shapes[i]``/``in_dtypes[i]``.
The executable definition of every layer is ``hwgen.golden``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from hwgen.ir.datatypes import BIPOLAR, UINT, DataType

__all__ = [
    "Flatten", "Layer", "MatMul", "MaxPool", "SlidingWindow", "Threshold", "TopK",
    # graphs (joins)
    "Add", "Concat",
    # mobile layers (issue 17)
    "AvgPool", "DepthwiseMatMul", "window_out_hw",
]


def _ro(a: object) -> np.ndarray:
    arr = np.array(a, dtype=np.int64)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Layer:
    name: str
    onnx_name: str
    in_shape: tuple[int, ...]
    in_dtype: DataType
    inputs: tuple[str, ...] = field(default=(), kw_only=True)

    @property
    def in_shapes(self) -> tuple[tuple[int, ...], ...]:
        """Shape of each input (one for every layer but the joins)."""
        return (tuple(self.in_shape),)

    @property
    def in_dtypes(self) -> tuple[DataType, ...]:
        return (self.in_dtype,)

    @property
    def out_shape(self) -> tuple[int, ...]:
        return self.in_shape

    @property
    def out_dtype(self) -> DataType:
        return self.in_dtype

    @property
    def op(self) -> str:
        return type(self).__name__


class _WeightRows:
    """Accumulator range per weight row (one row per output) over the input datatype's range,
    from the weights actually present: ``row_min``/``row_max`` (int64, read-only)."""

    @cached_property
    def _row_range(self) -> tuple[np.ndarray, np.ndarray]:
        w = self.weights  # type: ignore[attr-defined]
        a, b = w * self.in_dtype.min, w * self.in_dtype.max  # type: ignore[attr-defined]
        return _ro(np.minimum(a, b).sum(axis=1)), _ro(np.maximum(a, b).sum(axis=1))

    @property
    def row_min(self) -> np.ndarray:
        return self._row_range[0]

    @property
    def row_max(self) -> np.ndarray:
        return self._row_range[1]


@dataclass(frozen=True, eq=False)
class MatMul(Layer, _WeightRows):
    """acc = W @ x on the last axis, on VALUES. ``weights`` (MH, MW) int64, rows = outputs.

    ``xnor`` only when input and weights are both BIPOLAR (XNOR-popcount in hardware).
    The accumulator range comes from the weights actually present (``acc_min``/``acc_max``,
    per row in ``row_min``/``row_max``).
    """

    weights: np.ndarray
    w_dtype: DataType
    xnor: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", _ro(self.weights))

    @property
    def mh(self) -> int:
        return int(self.weights.shape[0])

    @property
    def mw(self) -> int:
        return int(self.weights.shape[1])

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(self.in_shape[:-1]) + (self.mh,)


    @property
    def acc_min(self) -> int:
        return int(self.row_min.min())

    @property
    def acc_max(self) -> int:
        return int(self.row_max.max())

    @property
    def acc_dtype(self) -> DataType:
        return DataType.smallest(self.acc_min, self.acc_max)

    @property
    def out_dtype(self) -> DataType:
        return self.acc_dtype

    @property
    def macs(self) -> int:
        return int(np.prod(self.in_shape[:-1], dtype=np.int64)) * self.mh * self.mw


@dataclass(frozen=True, eq=False)
class SlidingWindow(Layer):
    """im2col: (H, W, C) -> (OH, OW, kh*kw*C), order (kh, kw, c) with c innermost.

    ``dilation`` (dh, dw): window element (i, j) reads input (oh*sh - pt + i*dh, ow*sw - pl + j*dw).
    """

    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int, int, int]  # top, left, bottom, right
    pad_value: int = 0
    dilation: tuple[int, int] = (1, 1)

    @property
    def out_shape(self) -> tuple[int, ...]:
        h, w, c = self.in_shape
        oh, ow = window_out_hw((h, w), self.kernel, self.stride, self.pad, self.dilation)
        return (oh, ow, self.kernel[0] * self.kernel[1] * c)


@dataclass(frozen=True, eq=False)
class Threshold(Layer):
    """y = out_bias + out_step * #{k : x[..., c] >= thresholds[c, k]} (rows ascending).

    ``thresholds`` is (C, N-1) or (1, N-1) (one row shared by all channels), int64.
    """

    thresholds: np.ndarray
    out_bias: int
    out_step: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "thresholds", _ro(self.thresholds))

    @property
    def channels(self) -> int:
        return int(self.in_shape[-1])

    @property
    def n_thresholds(self) -> int:
        return int(self.thresholds.shape[1])

    @property
    def levels(self) -> int:
        return self.n_thresholds + 1

    @property
    def out_dtype(self) -> DataType:
        lo, hi = self.out_bias, self.out_bias + self.out_step * self.n_thresholds
        if (lo, hi, self.out_step) == (-1, 1, 2):
            return BIPOLAR
        return DataType.smallest(lo, hi)

    @property
    def t_dtype(self) -> DataType:
        """Datatype wide enough for the thresholds and the input (the comparator width)."""
        t = self.thresholds
        lo = min(self.in_dtype.min, int(t.min()) if t.size else 0)
        hi = max(self.in_dtype.max, int(t.max()) if t.size else 0)
        return DataType.smallest(lo, hi)


@dataclass(frozen=True, eq=False)
class MaxPool(Layer):
    """Max pool on NHWC values, floor mode; ``pad`` (top, left, bottom, right) cells never win
    (they hold the input datatype's minimum, as ONNX pads with -inf)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def out_shape(self) -> tuple[int, ...]:
        h, w, c = self.in_shape
        return window_out_hw((h, w), self.kernel, self.stride, self.pad) + (c,)


@dataclass(frozen=True, eq=False)
class Flatten(Layer):
    """(H, W, C) -> (H*W*C,) in HWC order."""

    @property
    def out_shape(self) -> tuple[int, ...]:
        return (int(np.prod(self.in_shape)),)


@dataclass(frozen=True, eq=False)
class TopK(Layer):
    """Top-1 index over the last axis; ties go to the lowest index."""

    k: int = 1

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(self.in_shape[:-1]) + (1,)

    @property
    def out_dtype(self) -> DataType:
        return UINT(max(1, (int(self.in_shape[-1]) - 1).bit_length()))


# ----------------------------------------------------------------------------------------------
# graphs: joins of two streams (issue 16). ``in_shape``/``in_dtype`` describe input 0.


@dataclass(frozen=True, eq=False)
class Add(Layer):
    """y = coeffs[0] * x0 + coeffs[1] * x1 on VALUES, equal shapes (``inputs`` names both).

    ``coeffs`` are positive integers: (1, 1) when both operands share a scale; (m, 1) when input
    0's scale is m times input 1's (an exact integer re-coding of unequal scales).
    """

    in_dtype1: DataType
    coeffs: tuple[int, int] = (1, 1)

    @property
    def in_shapes(self) -> tuple[tuple[int, ...], ...]:
        return (tuple(self.in_shape), tuple(self.in_shape))

    @property
    def in_dtypes(self) -> tuple[DataType, ...]:
        return (self.in_dtype, self.in_dtype1)

    @property
    def out_dtype(self) -> DataType:
        lo = sum(k * d.min for k, d in zip(self.coeffs, self.in_dtypes, strict=True))
        hi = sum(k * d.max for k, d in zip(self.coeffs, self.in_dtypes, strict=True))
        return DataType.smallest(lo, hi)


@dataclass(frozen=True, eq=False)
class Concat(Layer):
    """Channels of input 0 then input 1 (last axis, NHWC), values unchanged."""

    in_shape1: tuple[int, ...]
    in_dtype1: DataType

    @property
    def in_shapes(self) -> tuple[tuple[int, ...], ...]:
        return (tuple(self.in_shape), tuple(self.in_shape1))

    @property
    def in_dtypes(self) -> tuple[DataType, ...]:
        return (self.in_dtype, self.in_dtype1)

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(self.in_shape[:-1]) + (int(self.in_shape[-1]) + int(self.in_shape1[-1]),)

    @property
    def out_dtype(self) -> DataType:
        a, b = self.in_dtypes
        if a == b:
            return a
        return DataType.smallest(min(a.min, b.min), max(a.max, b.max))


# mobile layers (issue 17): windows in general, depthwise convolution, average pooling


def window_out_hw(hw: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
                  pad: tuple[int, int, int, int], dilation: tuple[int, int] = (1, 1)
                  ) -> tuple[int, int]:
    """Output (OH, OW) of a window (floor mode): (H + pt + pb - ((kh-1)*dh + 1)) // sh + 1."""
    (h, w), (kh, kw), (sh, sw), (pt, pl, pb, pr) = hw, kernel, stride, pad
    dh, dw = dilation
    return ((h + pt + pb - ((kh - 1) * dh + 1)) // sh + 1,
            (w + pl + pr - ((kw - 1) * dw + 1)) // sw + 1)


@dataclass(frozen=True, eq=False)
class DepthwiseMatMul(Layer, _WeightRows):
    """Depthwise product after a SlidingWindow: (OH, OW, K*C) in (k, c) order -> (OH, OW, C),
    acc[c] = sum_k weights[c, k] * x[k*C + c], on VALUES. ``weights`` (C, K) int64 with
    K = kh*kw window positions in (kh, kw) order."""

    weights: np.ndarray
    w_dtype: DataType

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", _ro(self.weights))

    @property
    def channels(self) -> int:
        return int(self.weights.shape[0])

    @property
    def window(self) -> int:
        return int(self.weights.shape[1])

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(self.in_shape[:-1]) + (self.channels,)


    @property
    def out_dtype(self) -> DataType:
        return DataType.smallest(int(self.row_min.min()), int(self.row_max.max()))

    @property
    def macs(self) -> int:
        return int(np.prod(self.in_shape[:-1], dtype=np.int64)) * self.channels * self.window


@dataclass(frozen=True, eq=False)
class AvgPool(Layer):
    """Window SUM on NHWC values (the division and any truncation are the next Threshold's
    business): (H, W, C) -> (OH, OW, C); padding cells hold 0 (ONNX count_include_pad=1)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def window(self) -> int:
        return self.kernel[0] * self.kernel[1]

    @property
    def out_shape(self) -> tuple[int, ...]:
        h, w, c = self.in_shape
        return window_out_hw((h, w), self.kernel, self.stride, self.pad) + (c,)

    @property
    def out_dtype(self) -> DataType:
        lo = min(self.in_dtype.min, 0) * self.window
        return DataType.smallest(lo, max(self.in_dtype.max, 0) * self.window)
