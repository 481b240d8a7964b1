"""QONNX frontend: read a Brevitas ``export_qonnx`` file and lower it to hwgen's IR.

The only package that imports onnx / qonnx / onnxruntime. ``load(path)`` = ``read`` (parse,
refuse malformed graphs before qonnx touches them (``checks``), read a QCDQ export as QONNX Quant
nodes, keep a QuantTensor's value output, clean up with qonnx transformations) + ``lower`` (walk
the chain of nodes, fold weight quantizers to integers, turn activation paths into integer
thresholds, see DESIGN.md section 2).
"""

from hwgen.frontend.lower import SUPPORTED_OPS, load, lower, read

__all__ = ["SUPPORTED_OPS", "load", "lower", "read"]
