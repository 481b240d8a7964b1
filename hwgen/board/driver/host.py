"""Host-side prologue and epilogue of a hwgen design, reimplemented in numpy from host.json.

Mirrors hwgen.golden.prologue/epilogue and hwgen.ir.floatops exactly (same float32/float64
operations in the same order), so ``Accelerator.execute`` equals ``hwgen.execute`` bit for bit.
Python 3.8 syntax, numpy only.
"""

from __future__ import annotations

import json
import os

import numpy as np

try:
    from .floatops import apply_op, quant_index
except ImportError:  # in the hwgen source tree the module lives in hwgen.runtime
    from hwgen.runtime.floatops import apply_op, quant_index

__all__ = ["Host", "load_spec"]


def load_spec(path=None):
    """The design's host.json (default: the one next to this file)."""
    if path is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "host.json")
    with open(path) as f:
        return json.load(f)


def _array(d):
    return np.array(d["data"], dtype=d["dtype"]).reshape(d["shape"])


def _apply_op(op, x):
    return apply_op(op["kind"], [_array(a) for a in op["consts"]], x)


def _quant_values(q, x):
    thresholds = _array(q["thresholds"]) if q["kind"] == "multithreshold" else None
    scale = _array(q["scale"]) if q["kind"] == "int" else None
    index = quant_index(q["kind"], x, scale, q["bipolar"], q["qmin"], q["qmax"], q["rounding"],
                        thresholds)
    return q["qmin"] + q["step"] * index


class Host:
    """Prologue (ONNX input -> first hardware stream) and epilogue (last stream -> ONNX output)."""

    def __init__(self, spec):
        self.spec = spec
        self.inp = spec["input"]
        self.out = spec["output"]

    def prologue(self, x):
        """ONNX-layout batch -> int64 (batch, *hardware input shape)."""
        x = np.asarray(x)
        want = tuple(self.inp["onnx_shape"][1:])
        if x.ndim != len(self.inp["onnx_shape"]) or tuple(x.shape[1:]) != want:
            raise ValueError("input must be shaped (batch, {}), not {}".format(
                ", ".join(str(n) for n in want), x.shape))
        pro = self.spec["prologue"]
        if pro["kind"] == "quant":
            v = x.astype(np.float32)
            for op in pro["pre_ops"]:
                v = _apply_op(op, v)
            v = _quant_values(pro["quant"], v)
        else:
            v = x if x.dtype.kind in "iu" else np.asarray(x, np.float32)
            if v.dtype.kind == "f" and not np.array_equal(v, np.round(v)):
                raise ValueError("input must hold {} integers".format(self.inp["dtype"]))
            v = v.astype(np.int64)
            bad = (v < self.inp["min"]) | (v > self.inp["max"])
            if self.inp["kind"] == "BIPOLAR":
                bad |= v == 0
            if np.any(bad):
                raise ValueError("input must hold {} integers".format(self.inp["dtype"]))
        if v.ndim == 4:
            v = v.transpose(0, 2, 3, 1)
        elif v.ndim == 3:  # (N, C, L) -> NHWC (1, L, C)
            v = v.transpose(0, 2, 1)
        return np.ascontiguousarray(v).reshape((v.shape[0],) + tuple(self.inp["shape"]))

    def epilogue(self, h):
        """int64 (batch, *hardware output shape) -> the ONNX output."""
        epi = self.spec["epilogue"]
        b = h.shape[0]
        out_shape = (b,) + tuple(self.out["onnx_shape"][1:])
        if epi["top1"] == "hw":
            return h.reshape(out_shape).astype(np.int64)
        y = h
        for op in epi["ops"]:
            y = _apply_op(op, y)
        if not epi["ops"]:
            y = h.astype(np.float32)
        y = y.reshape(b, -1)
        if epi["gather"] is not None:
            y = y[:, np.array(epi["gather"], dtype=np.int64)]
        if epi["top1"] == "host":
            return np.argmax(y, axis=-1).astype(np.int64).reshape(out_shape)
        return np.ascontiguousarray(y).reshape(out_shape)
