"""QONNX's own execution of a model on a batch (the independent reference for ``hwgen sim``)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

__all__ = ["execute_qonnx"]


def execute_qonnx(path: str | Path, x: np.ndarray, batch: int = 256) -> np.ndarray:
    """``qonnx.core.onnx_exec.execute_onnx`` on ``x`` (batch first), ``batch`` frames per call.

    The cleaned-up model (``hwgen.frontend.read``) is re-shaped for the batch: Reshape targets
    and the graph input/output get the batch size.
    """
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    from hwgen.frontend.lower import read

    base = read(path)
    outs = []
    cache: dict[int, object] = {}
    for start in range(0, x.shape[0], batch):
        chunk = np.ascontiguousarray(x[start:start + batch])
        n = chunk.shape[0]
        if n not in cache:
            m = copy.deepcopy(base)
            g = m.graph
            for node in g.node:
                if node.op_type == "Reshape":
                    shape = m.get_initializer(node.input[1])
                    if shape is not None:
                        shape = shape.copy()
                        shape[0] = n
                        m.set_initializer(node.input[1], shape)
            del g.value_info[:]
            inits = {i.name for i in g.initializer}
            for vi in list(g.input) + list(g.output):
                if vi.name not in inits and vi.type.tensor_type.shape.dim:
                    vi.type.tensor_type.shape.dim[0].dim_value = n
            cache[n] = m.transform(InferShapes())
        m = cache[n]
        ctx = execute_onnx(m, {m.graph.input[0].name: chunk.astype(np.float32)})
        outs.append(np.asarray(ctx[m.graph.output[0].name]))
    return np.concatenate(outs, axis=0)
