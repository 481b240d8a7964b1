"""Test helpers: QONNX's execute_onnx on a whole batch, and the layer-by-layer integer check."""

from __future__ import annotations

import numpy as np
from qonnx.core.onnx_exec import execute_onnx

from hwgen.frontend.reference import batched, contract_check
from hwgen.ir import Graph


def run_onnx(model, x: np.ndarray, full: bool = False):
    m = batched(model, x.shape[0])
    ctx = execute_onnx(m, {m.graph.input[0].name: x}, return_full_exec_context=full)
    return ctx if full else ctx[m.graph.output[0].name]


def compare_layers(graph: Graph, paths: dict, model, x: np.ndarray) -> dict[str, int]:
    """Golden vs execute_onnx, one threshold segment at a time, fed ONNX's own integers: the
    simulator's own check (``hwgen.frontend.reference.contract_check``, DESIGN.md section 2),
    asserted. Returns {threshold layer: number of differing elements}."""
    import hwgen

    res = contract_check(model, graph, paths, x, hwgen.execute(graph, x))
    assert res.ok, "; ".join(res.violations)
    return res.layer_diffs
