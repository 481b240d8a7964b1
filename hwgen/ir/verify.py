"""``verify(graph)``: the IR invariants every pass must keep; raises VerifyError naming the layer."""

from __future__ import annotations

import numpy as np

from hwgen.errors import VerifyError
from hwgen.ir.datatypes import BIPOLAR
from hwgen.ir.graph import Graph
from hwgen.ir.layers import (
    AvgPool,
    DepthwiseMatMul,
    Flatten,
    MatMul,
    MaxPool,
    SlidingWindow,
    Threshold,
    TopK,
)

__all__ = ["verify"]

_EXACT = 1 << 53


def verify(graph: Graph) -> Graph:
    """Check shapes, datatypes, threshold order and accumulator size; return the graph."""
    shape, dtype = tuple(graph.input_shape), graph.input_dtype
    names: set[str] = set()
    for layer in graph.layers:
        def fail(msg: str, hint: str = "", _l=layer) -> VerifyError:
            return VerifyError(msg, node=_l.name, op=_l.op, hint=hint)

        if layer.name in names:
            raise fail("layer name is not unique")
        names.add(layer.name)
        if tuple(layer.in_shape) != shape:
            raise fail(f"input shape must be {shape} (the previous output), not {layer.in_shape}")
        if layer.in_dtype != dtype:
            raise fail(f"input datatype must be {dtype} (the previous output), not {layer.in_dtype}")
        if isinstance(layer, MatMul):
            if layer.mw != shape[-1]:
                raise fail(f"weights must have {shape[-1]} columns, not {layer.mw}")
            if not layer.w_dtype.allowed(layer.weights):
                raise fail(f"weights do not fit {layer.w_dtype}")
            if layer.xnor != (layer.w_dtype == BIPOLAR and dtype == BIPOLAR):
                raise fail("xnor must be set exactly when input and weights are BIPOLAR")
            if max(-layer.acc_min, layer.acc_max) >= _EXACT:
                raise fail("accumulator range reaches 2^53", hint="use fewer bits or a smaller layer")
        elif isinstance(layer, SlidingWindow):
            if len(shape) != 3:
                raise fail(f"input must be (H, W, C), not {shape}")
            if dtype == BIPOLAR and any(layer.pad):
                raise fail("BIPOLAR input cannot be padded (no code for 0)")
            if min(layer.out_shape[:2]) < 1:
                raise fail(f"kernel {layer.kernel} does not fit input {shape}")
        elif isinstance(layer, Threshold):
            t = layer.thresholds
            if t.ndim != 2 or t.shape[0] not in (1, shape[-1]):
                raise fail(f"thresholds must be (1 or {shape[-1]}, N-1), not {t.shape}")
            if t.shape[1] and np.any(np.diff(t, axis=1) < 0):
                rows = np.nonzero(np.any(np.diff(t, axis=1) < 0, axis=1))[0]
                raise fail(f"thresholds must be ascending; channel {int(rows[0])} is not")
            if layer.out_step < 1:
                raise fail(f"out_step must be >= 1, not {layer.out_step}")
        elif isinstance(layer, DepthwiseMatMul):
            if len(shape) != 3 or shape[-1] != layer.window * layer.channels:
                raise fail(f"input must be (OH, OW, {layer.window}*{layer.channels}), not {shape}")
            if not layer.w_dtype.allowed(layer.weights):
                raise fail(f"weights do not fit {layer.w_dtype}")
        elif isinstance(layer, (MaxPool, AvgPool)):
            if len(shape) != 3 or min(layer.out_shape[:2]) < 1:
                raise fail(f"pool {layer.kernel} does not fit input {shape}")
        elif isinstance(layer, Flatten):
            if len(shape) != 3:
                raise fail(f"input must be (H, W, C), not {shape}")
        elif isinstance(layer, TopK):
            if layer.k != 1:
                raise fail(f"k must be 1, not {layer.k}")
        else:
            raise fail("unknown layer type")
        shape, dtype = tuple(layer.out_shape), layer.out_dtype
    return graph
