"""The golden executor: the bit-exact numpy definition of every IR layer.

``execute(graph, x)`` returns what ``qonnx.core.onnx_exec.execute_onnx`` returns for the same
input (epilogue applied); ``upto="hw"`` returns the int64 values of the last hardware stream;
``trace=True`` returns ``{layer name: int64 tensor}`` (plus ``"input"``, the first stream).
Layers run in ``Graph.layers`` order (topological) on their producers' tensors.
Integer layers run in float64 BLAS, which is exact while |acc| < 2^53 (the verifier's bound).
"""

from __future__ import annotations

import weakref

import numpy as np

from hwgen.errors import HwgenError, ModelError
from hwgen.ir.floatops import apply_ops
from hwgen.ir.graph import GRAPH_INPUT, Graph
from hwgen.ir.layers import (
    Add,
    AvgPool,
    Concat,
    DepthwiseMatMul,
    Flatten,
    Layer,
    MatMul,
    MaxPool,
    SlidingWindow,
    Threshold,
    TopK,
)

__all__ = ["epilogue", "execute", "prologue", "run_layer"]


def prologue(graph: Graph, x: np.ndarray) -> np.ndarray:
    """ONNX-layout input (batch first) -> int64 first hardware stream (B, *input_shape)."""
    x = np.asarray(x)
    want = tuple(graph.onnx_input_shape[1:])
    if x.ndim != len(graph.onnx_input_shape) or tuple(x.shape[1:]) != want:
        raise ModelError(
            f"input must be shaped (batch, {', '.join(map(str, want))}), not {x.shape}",
            hint="pass a batch in the ONNX input layout",
        )
    pro = graph.prologue
    if pro.kind == "quant":
        v = pro.quant.values(apply_ops(pro.pre_ops, x.astype(np.float32)))
    else:
        v = x if x.dtype.kind in "iu" else np.asarray(x, np.float32)
        if v.dtype.kind == "f" and not np.array_equal(v, np.round(v)) or \
                not graph.input_dtype.allowed(v):
            raise ModelError(
                f"input must hold {graph.input_dtype} integers",
                hint="the model's input is annotated with an integer datatype; pass raw values",
            )
        v = v.astype(np.int64)
    if v.ndim == 4:
        v = v.transpose(0, 2, 3, 1)
    elif v.ndim == 3:  # (N, C, L) -> NHWC (1, L, C)
        v = v.transpose(0, 2, 1)
    return np.ascontiguousarray(v).reshape((v.shape[0],) + tuple(graph.input_shape))


def _windows(x: np.ndarray, layer: SlidingWindow) -> np.ndarray:
    return _window_view(x, layer.kernel, layer.stride, layer.pad, layer.pad_value,
                        getattr(layer, "dilation", (1, 1))).reshape(
        (x.shape[0],) + tuple(layer.out_shape))


def _window_view(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
                 pad: tuple[int, int, int, int], pad_value: int,
                 dilation: tuple[int, int] = (1, 1)) -> np.ndarray:
    """(B, H, W, C) -> read-only view (B, OH, OW, kh, kw, C) of the (padded, dilated) windows."""
    (kh, kw), (sh, sw), (pt, pl, pb, pr), (dh, dw) = kernel, stride, pad, dilation
    x = np.ascontiguousarray(x)
    if any(pad):
        x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=pad_value)
    b, h, w, c = x.shape
    oh = (h - ((kh - 1) * dh + 1)) // sh + 1
    ow = (w - ((kw - 1) * dw + 1)) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (b, oh, ow, kh, kw, c), (s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]),
        writeable=False)


_WEIGHTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _float_weights(layer: MatMul) -> np.ndarray:
    """W.T as float32 when every partial sum stays below 2^24 (exact in float32), else float64."""
    if layer not in _WEIGHTS:
        bound = int(np.abs(layer.weights).sum(axis=1).max(initial=0)) * max(
            abs(layer.in_dtype.min), abs(layer.in_dtype.max))
        dtype = np.float32 if bound < (1 << 24) else np.float64
        _WEIGHTS[layer] = np.ascontiguousarray(layer.weights.T.astype(dtype))
    return _WEIGHTS[layer]


def run_layer(layer: Layer, x: np.ndarray, out_dtype: type = np.int64) -> np.ndarray:
    """One layer on a batch of int64 values (B, *in_shape) -> int64 (B, *out_shape).

    A join (``Add``, ``Concat``) takes a tuple of its inputs' batches.

    ``out_dtype`` float32 lets a single-threshold layer hand exact float values straight to the
    next MatMul (the fast path of ``execute``); every other layer ignores it.
    """
    if isinstance(layer, MatMul):
        w = _float_weights(layer)
        return (np.asarray(x, w.dtype) @ w).astype(np.int64)
    if isinstance(layer, Threshold):
        t, lo, step = layer.thresholds, layer.out_bias, layer.out_step
        if t.shape[1] == 1:
            return np.where(x >= t[:, 0], out_dtype(lo + step), out_dtype(lo))
        if t.shape[1] <= 16:
            count = np.zeros(x.shape, np.int16)
            for k in range(t.shape[1]):
                count += x >= t[:, k]
        elif t.shape[0] == 1:
            count = np.searchsorted(t[0], x, side="right")
        else:
            count = np.empty(x.shape, np.int64)
            for c in range(t.shape[0]):
                count[..., c] = np.searchsorted(t[c], x[..., c], side="right")
        return lo + step * count.astype(np.int64)
    if isinstance(layer, SlidingWindow):
        return _windows(np.ascontiguousarray(x), layer)
    if isinstance(layer, MaxPool) and any(layer.pad):
        view = _window_view(x, layer.kernel, layer.stride, layer.pad, layer.in_dtype.min)
        return np.ascontiguousarray(view.max(axis=(3, 4)))
    if isinstance(layer, MaxPool):
        (kh, kw), (sh, sw) = layer.kernel, layer.stride
        oh, ow, _ = layer.out_shape
        out = None
        for i in range(kh):
            for j in range(kw):
                part = x[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw, :]
                out = part if out is None else np.maximum(out, part)
        return np.ascontiguousarray(out)
    if isinstance(layer, Flatten):
        return x.reshape(x.shape[0], -1)
    if isinstance(layer, TopK):
        return np.argmax(x, axis=-1)[..., None].astype(np.int64)
    if isinstance(layer, (Add, Concat)):
        return _run_join(layer, x)
    mobile = _run_mobile(layer, x)
    if mobile is not None:
        return mobile
    raise HwgenError(f"no golden definition for {layer.op}", node=layer.name, op=layer.op)


def epilogue(graph: Graph, h: np.ndarray) -> np.ndarray:
    """Last hardware stream (int64, B first) -> the ONNX output."""
    epi = graph.epilogue
    b = h.shape[0]
    out_shape = (b,) + tuple(graph.onnx_output_shape[1:])
    if epi.top1 == "hw":
        return h.reshape(out_shape).astype(np.int64)
    y = apply_ops(epi.ops, h) if epi.ops else h.astype(np.float32)
    y = y.reshape(b, -1)
    if epi.gather is not None:
        y = y[:, epi.gather]
    if epi.top1 == "host":
        return np.argmax(y, axis=-1).astype(np.int64).reshape(out_shape)
    return np.ascontiguousarray(y).reshape(out_shape)


def execute(graph: Graph, x: np.ndarray, upto: str = "output", trace: bool = False):
    """Run ``graph`` on a batch ``x`` in the ONNX input layout (see the module docstring)."""
    if upto not in ("output", "hw"):
        raise HwgenError(f"upto must be 'output' or 'hw', not {upto!r}")
    v = prologue(graph, x)
    record = {GRAPH_INPUT: v} if trace else None
    layers = graph.layers
    live = {GRAPH_INPUT: v}
    left = {name: len(users) for name, users in _consumer_counts(graph).items()}
    for i, layer in enumerate(layers):
        srcs = graph.producers(i)
        args = tuple(live[s] for s in srcs)
        for s in srcs:  # free a tensor once its last consumer has read it
            left[s] -= 1
            if not left[s] and record is None:
                del live[s]
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        fast = record is None and isinstance(nxt, MatMul) and \
            graph.consumers(layer.name) == (nxt.name,) and _float_weights(nxt).dtype == np.float32
        v = run_layer(layer, args[0] if len(args) == 1 else args,
                      np.float32 if fast else np.int64)
        live[layer.name] = v
        if record is not None:
            record[layer.name] = v
    if record is not None:
        return record
    return v if upto == "hw" else epilogue(graph, v)


def _consumer_counts(graph: Graph) -> dict[str, tuple[str, ...]]:
    names = [GRAPH_INPUT] + [x.name for x in graph.layers]
    return {n: graph.consumers(n) for n in names}


# ----------------------------------------------------------------------------------------------
# graphs: joins (issue 16)


def _run_join(layer: Add | Concat, xs: tuple[np.ndarray, ...]) -> np.ndarray:
    a, b = (np.asarray(x, np.int64) for x in xs)
    if isinstance(layer, Add):
        k0, k1 = layer.coeffs
        return k0 * a + k1 * b
    return np.concatenate([a, b], axis=-1)


# ----------------------------------------------------------------------------------------------
# mobile layers (issue 17)


def _run_mobile(layer: Layer, x: np.ndarray) -> np.ndarray | None:
    """Golden definitions of DepthwiseMatMul and AvgPool (None for any other layer)."""
    if isinstance(layer, DepthwiseMatMul):
        b = x.shape[0]
        k, c = layer.window, layer.channels
        win = np.asarray(x, np.int64).reshape(b, -1, k, c)
        acc = np.einsum("bpkc,ck->bpc", win, layer.weights)
        return acc.reshape((b,) + tuple(layer.out_shape))
    if isinstance(layer, AvgPool):
        view = _window_view(np.asarray(x, np.int64), layer.kernel, layer.stride, layer.pad, 0)
        return np.ascontiguousarray(view.sum(axis=(3, 4)))
    return None
