"""QONNX export of trained Brevitas models, and checking the export against torch.

``export_qonnx_model`` uses Brevitas' TorchScript exporter (``dynamo=False``: plain MatMul
graphs), runs QONNX's cleanup (constant folding, shape inference, stable node names) and, for
models that take raw pixels, annotates the input as UINT8 so hwgen treats it as an integer
stream (DESIGN.md section 3a: the prologue is then a no-op).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = ["check_qonnx_agreement", "export_qonnx_model", "run_qonnx"]


def export_qonnx_model(
    model: nn.Module, path: str | Path, in_shape: tuple[int, ...], *, uint8_input: bool = True
) -> Path:
    """Export ``model`` (moved to CPU, eval mode) to a cleaned-up QONNX file at ``path``."""
    from brevitas.export import export_qonnx
    from qonnx.core.datatype import DataType
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.cleanup import cleanup_model

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.cpu().eval()
    example = torch.zeros(in_shape, dtype=torch.float32)
    export_qonnx(model, input_t=example, export_path=str(path), dynamo=False)
    wrapper = cleanup_model(ModelWrapper(str(path)))
    if uint8_input:
        wrapper.set_tensor_datatype(wrapper.graph.input[0].name, DataType["UINT8"])
    # The exporter stamps no time or path, but drop free-text fields so regenerating is stable.
    wrapper.model.doc_string = ""
    wrapper.save(str(path))
    return path


def run_qonnx(path: str | Path, x: np.ndarray) -> np.ndarray:
    """Outputs of ``qonnx.core.onnx_exec.execute_onnx`` for each row of ``x`` (N, features)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx

    wrapper = ModelWrapper(str(path))
    iname = wrapper.graph.input[0].name
    oname = wrapper.graph.output[0].name
    ishape = wrapper.get_tensor_shape(iname)
    rows = []
    for i in range(len(x)):
        sample = x[i : i + 1].astype(np.float32).reshape(ishape)
        rows.append(execute_onnx(wrapper, {iname: sample})[oname].reshape(-1))
    return np.stack(rows)


def check_qonnx_agreement(
    path: str | Path, x: np.ndarray, torch_out: np.ndarray, y: np.ndarray
) -> dict:
    """Compare QONNX execution with torch outputs on the same samples.

    Returns the sample count, top-1 disagreements, the largest absolute output difference and
    the QONNX top-1 accuracy on those samples.
    """
    q_out = run_qonnx(path, x)
    return {
        "samples": len(x),
        "top1_disagreements": int((q_out.argmax(1) != torch_out.argmax(1)).sum()),
        "max_abs_diff": float(np.abs(q_out - torch_out).max()),
        "qonnx_accuracy": float((q_out.argmax(1) == y).mean()),
    }
