"""``verify(graph)``: the IR invariants every pass must keep; raises VerifyError naming the layer.

Graph structure: unique names (``GRAPH_INPUT`` reserved), every producer named earlier in
``Graph.layers`` (topological order, hence acyclic), the number of inputs each op takes, input
shapes and datatypes equal to the producers' outputs, and one output: every layer but the last
feeds a later one (so every layer is reachable from the input and reaches the output).
"""

from __future__ import annotations

import numpy as np

from hwgen.errors import VerifyError
from hwgen.ir.datatypes import BIPOLAR
from hwgen.ir.graph import GRAPH_INPUT, Graph
from hwgen.ir.layers import (
    Add,
    AvgPool,
    Concat,
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
    outs = {GRAPH_INPUT: (tuple(graph.input_shape), graph.input_dtype)}
    used: set[str] = set()
    for i, layer in enumerate(graph.layers):
        def fail(msg: str, hint: str = "", _l=layer) -> VerifyError:
            return VerifyError(msg, node=_l.name, op=_l.op, hint=hint)

        if layer.name in outs:
            raise fail("layer name is not unique" if layer.name != GRAPH_INPUT else
                       f"{GRAPH_INPUT!r} names the graph input", hint="rename the layer")
        srcs = graph.producers(i)
        arity = 2 if isinstance(layer, (Add, Concat)) else 1
        if len(srcs) != arity:
            raise fail(f"takes {arity} input(s), not {len(srcs)} ({', '.join(srcs)})",
                       hint="list the producer layers in Layer.inputs")
        for port, src in enumerate(srcs):
            if src not in outs:
                known = src in {x.name for x in graph.layers}
                raise fail(f"input {port} is {src!r}, which " + (
                    "comes later in Graph.layers (a cycle or a wrong order)" if known
                    else "is no layer"), hint="layers must be in topological order")
            used.add(src)
            want_shape, want_dtype = outs[src]
            if tuple(layer.in_shapes[port]) != want_shape:
                raise fail(f"input {port} shape must be {want_shape} (the output of {src}), "
                           f"not {layer.in_shapes[port]}")
            if layer.in_dtypes[port] != want_dtype:
                raise fail(f"input {port} datatype must be {want_dtype} (the output of {src}), "
                           f"not {layer.in_dtypes[port]}")
        shape, dtype = tuple(layer.in_shape), layer.in_dtype
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
        elif isinstance(layer, Add):
            if any(k < 1 for k in layer.coeffs) or len(layer.coeffs) != 2:
                raise fail(f"coeffs must be two positive integers, not {layer.coeffs}")
            if BIPOLAR in layer.in_dtypes:
                raise fail("BIPOLAR inputs cannot be added (the sum has no bipolar code)",
                           hint="use a non-bipolar quantizer before the add")
        elif isinstance(layer, Concat):
            if len(shape) != len(layer.in_shape1) or shape[:-1] != tuple(layer.in_shape1[:-1]):
                raise fail(f"inputs {shape} and {layer.in_shape1} differ outside the channel axis")
        else:
            raise fail("unknown layer type")
        outs[layer.name] = (tuple(layer.out_shape), layer.out_dtype)
    dead = [x.name for x in graph.layers[:-1] if x.name not in used]
    if dead:
        raise VerifyError(f"the output of {dead[0]} is never used; the graph must have one output "
                          f"(the last layer, {graph.layers[-1].name})", node=dead[0],
                          hint="remove the dead branch or make it feed the output")
    return graph
