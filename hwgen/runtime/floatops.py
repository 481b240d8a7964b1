"""The host's float ops (prologue and epilogue) on numpy arrays: numpy only, Python 3.8 syntax.

One definition used by the IR (``hwgen.ir.floatops.FloatOp.apply``, hence the golden executor)
and copied byte-identical into the board driver, so the board computes the ONNX output exactly
as ``hwgen.execute`` does. Arithmetic is float32 in onnxruntime's order; ``scale`` (the
hardware-boundary integer times a scale) is exact in float64 and then rounded once.
"""

import numpy as np

__all__ = ["KINDS", "apply_op"]

KINDS = ("scale", "mul", "add", "sub", "rsub", "div", "relu", "tanh", "sigmoid", "clip", "bn")


def apply_op(kind, consts, x):
    """Apply float op ``kind`` with constants ``consts`` to ``x`` (channels last): float32."""
    c = consts
    if kind == "scale":
        return (np.asarray(x, np.float64) * c[0]).astype(np.float32)
    x = np.asarray(x, np.float32)
    if kind == "mul":
        return x * c[0]
    if kind == "add":
        return x + c[0]
    if kind == "sub":
        return x - c[0]
    if kind == "rsub":
        return c[0] - x
    if kind == "div":
        return x / c[0]
    if kind == "relu":
        return np.maximum(x, np.float32(0))
    if kind == "tanh":
        return np.tanh(x)
    if kind == "sigmoid":
        return (np.float32(1) / (np.float32(1) + np.exp(-x))).astype(np.float32)
    if kind == "clip":
        return np.minimum(np.maximum(x, c[0]), c[1])
    if kind == "bn":
        scale, bias, mean, var, eps = c
        inv = np.float32(1) / np.sqrt(var + eps)
        s = inv * scale
        return x * s + (bias - mean * s)
    raise ValueError("unknown float op {!r}; known: {}".format(kind, ", ".join(KINDS)))
