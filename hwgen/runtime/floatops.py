"""The host's float ops (prologue and epilogue) on numpy arrays: numpy only, Python 3.8 syntax.

One definition used by the IR (``hwgen.ir.floatops.FloatOp.apply``, hence the golden executor)
and copied byte-identical into the board driver, so the board computes the ONNX output exactly
as ``hwgen.execute`` does. Arithmetic is float32 in onnxruntime's order; ``scale`` (the
hardware-boundary integer times a scale) is exact in float64 and then rounded once.
"""

import numpy as np

__all__ = ["KINDS", "ROUNDING", "apply_op", "quant_index", "round_mode"]

ROUNDING = ("ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN")
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


def round_mode(mode, y):
    """QONNX's rounding modes on float32 ``y`` (ROUND is half to even, as numpy rounds)."""
    if mode in ("ROUND", "HALF_EVEN"):
        return np.round(y)
    if mode == "CEIL":
        return np.ceil(y)
    if mode == "FLOOR":
        return np.floor(y)
    if mode == "UP":
        return np.sign(y) * np.ceil(np.abs(y))
    if mode == "DOWN":
        return np.fix(y)
    if mode == "HALF_UP":
        return np.sign(y) * np.floor(np.abs(y) + np.float32(0.5))
    if mode == "HALF_DOWN":
        return np.sign(y) * np.ceil(np.abs(y) - np.float32(0.5))
    raise ValueError("unknown rounding mode {!r}; known: {}".format(mode, ", ".join(ROUNDING)))


def quant_index(kind, x, scale=None, bipolar=False, qmin=0, qmax=0, rounding="ROUND",
                thresholds=None):
    """Level index (int64) of a quantizer on float32 ``x`` (channels last): ``bipolar``
    (x >= 0), ``multithreshold`` (#{k : x >= thresholds[c, k]}) or ``int`` (QONNX Quant with
    zero point 0: x / scale, clipped to [qmin, qmax], rounded; 1-bit signed is the sign)."""
    x = np.asarray(x, np.float32)
    if kind == "bipolar":
        return (x >= np.float32(0)).astype(np.int64)
    if kind == "multithreshold":
        return (x[..., None] >= thresholds).sum(axis=-1).astype(np.int64)
    y = x / scale
    if bipolar:
        return (y >= np.float32(0)).astype(np.int64)
    y = np.clip(y, np.float32(qmin), np.float32(qmax))
    return round_mode(rounding, y).astype(np.int64) - qmin
