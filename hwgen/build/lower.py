"""Lowering the IR to hardware layers: a readable, ordered list of pure passes.

    graph (IR) --fold_code_maps--> --to_hardware--> HwGraph --verify_hw--> (folding, FIFOs: later)

The stream between two hardware layers carries CODES; the IR computes on VALUES. Where a
threshold layer emits a value that is not its own code (mid-rise levels: value = bias + 2k), the
code is k and the consumer folds value = a + s * code into its own thresholds (DESIGN.md 3a).
BIPOLAR needs no folding: every MVAU mode reads code 1 as +1, 0 as -1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwgen.build.hwlayers import (
    HwGraph,
    HwLabelSelect,
    HwLayer,
    HwMaxPool,
    HwMVAU,
    HwSWG,
    HwThreshold,
)
from hwgen.errors import UnsupportedError, VerifyError
from hwgen.ir.datatypes import BIPOLAR, UINT, DataType
from hwgen.ir.graph import GRAPH_INPUT, Graph
from hwgen.ir.layers import Flatten, MatMul, MaxPool, SlidingWindow, Threshold, TopK

__all__ = ["lower", "verify_hw"]


@dataclass(frozen=True)
class CodeMap:
    """value = offset + step * code for the elements of one stream (step > 0)."""

    offset: int = 0
    step: int = 1

    @property
    def identity(self) -> bool:
        return self.offset == 0 and self.step == 1


def _ceil_div(a: np.ndarray, b: int) -> np.ndarray:
    return -((-a) // b)


def _threshold_code(layer: Threshold, values: bool = False
                    ) -> tuple[DataType, int, CodeMap, np.ndarray]:
    """Output code datatype, the bias the hardware adds to the count, the value map, and the
    thresholds to compare (on the layer's input).

    Mid-rise levels (value = bias + 2k) are emitted as the level index k, and the consumer folds
    the map into its own thresholds. A consumer that cannot fold (a layer without activation,
    or the hardware output itself) gets the values instead (``values=True``): every threshold
    is listed twice, so each crossing adds 2 to the count, and the count plus the bias is the
    value in two's complement.
    """
    n = layer.n_thresholds
    t = np.asarray(layer.thresholds, dtype=np.int64)
    if layer.out_dtype == BIPOLAR:
        return BIPOLAR, 0, CodeMap(), t
    if layer.out_step == 1:
        return layer.out_dtype, int(layer.out_bias), CodeMap(), t
    if values:
        if layer.out_step != 2:
            raise UnsupportedError(
                f"levels {layer.out_step} apart cannot be emitted as values",
                node=layer.onnx_name, op="Threshold", hint="use steps of 1 or 2",
            )
        return layer.out_dtype, int(layer.out_bias), CodeMap(), np.repeat(t, 2, axis=1)
    return UINT(max(1, n.bit_length())), 0, CodeMap(int(layer.out_bias), int(layer.out_step)), t


def _consumer_folds(layers: list, i: int) -> bool:
    """Whether the stream leaving layer ``i`` reaches a layer that folds a code map (a MatMul
    with an activation, or a threshold layer) before the hardware output."""
    for j in range(i + 1, len(layers)):
        layer = layers[j]
        if isinstance(layer, (Flatten, MaxPool, SlidingWindow)):
            continue
        if isinstance(layer, MatMul):
            return j + 1 < len(layers) and isinstance(layers[j + 1], Threshold)
        return isinstance(layer, Threshold)
    return False


def _clip(t: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(t, lo, hi + 1)


def _fused_mvau(mm: MatMul, thr: Threshold | None, cmap: CodeMap, code: DataType, pixels: int,
                idx: int, values: bool = False, raw_acc: bool = False) -> tuple[HwMVAU, CodeMap]:
    w = np.asarray(mm.weights, dtype=np.int64)
    in_code_dtype = mm.in_dtype if cmap.identity and not raw_acc else code
    if mm.xnor:
        acc_lo, acc_hi = 0, mm.mw  # popcount
    else:
        lo, hi = in_code_dtype.min, in_code_dtype.max
        if in_code_dtype == BIPOLAR:
            lo, hi = -1, 1
        a, b = w * lo, w * hi
        acc_lo, acc_hi = int(np.minimum(a, b).sum(1).min()), int(np.maximum(a, b).sum(1).max())
    if thr is None:
        if not cmap.identity:
            raise UnsupportedError(
                "a layer without activation cannot read a mid-rise (step 2) stream",
                node=mm.onnx_name, op="MatMul",
                hint="end the network on a quantized activation or use an odd number of levels",
            )
        raw_lo, raw_hi = (-mm.mw, mm.mw) if mm.xnor else (acc_lo, acc_hi)
        acc_dtype = DataType.smallest(min(raw_lo, -1), raw_hi)
        hw = HwMVAU(
            name=f"{idx:02d}_mvau", onnx_name=mm.onnx_name, in_dtype=in_code_dtype,
            out_dtype=acc_dtype, in_elems=pixels * mm.mw, out_elems=pixels * mm.mh,
            weights=w, w_dtype=mm.w_dtype, pixels=pixels, xnor=mm.xnor, thresholds=None,
            acc_dtype=acc_dtype, thr_dtype=None,
        )
        return hw, CodeMap()
    out_dtype, out_bias, out_map, t = _threshold_code(thr, values)
    if t.shape[0] == 1:
        t = np.repeat(t, mm.mh, axis=0)
    if mm.xnor:
        t = _ceil_div(t + mm.mw, 2)  # dot = 2 * popcount - MW
    elif not cmap.identity:
        rowsum = w.sum(axis=1, keepdims=True)
        t = _ceil_div(t - cmap.offset * rowsum, cmap.step)
    t = _clip(t, acc_lo, acc_hi)
    thr_dtype = DataType.smallest(min(int(t.min()), acc_lo, -1), max(int(t.max()), acc_hi))
    hw = HwMVAU(
        name=f"{idx:02d}_mvau", onnx_name=mm.onnx_name, in_dtype=in_code_dtype,
        out_dtype=out_dtype, in_elems=pixels * mm.mw, out_elems=pixels * mm.mh,
        weights=w, w_dtype=mm.w_dtype, pixels=pixels, xnor=mm.xnor, thresholds=t,
        out_bias=out_bias, acc_dtype=thr_dtype, thr_dtype=thr_dtype,
    )
    return hw, out_map


def lower(graph: Graph) -> HwGraph:
    """IR graph -> hardware layers (MVAU with fused thresholds, thresholding, SWG, pool, top-1)."""
    if not graph.is_chain:  # forks and joins (issue 16): the hardware build is not there yet
        join = next(x for i, x in enumerate(graph.layers)
                    if len(graph.producers(i)) > 1 or graph.producers(i)[0] !=
                    (graph.layers[i - 1].name if i else GRAPH_INPUT))
        raise UnsupportedError(
            f"the hardware build supports chains only; {join.name} reads "
            f"{', '.join(graph.producers(join))}", node=join.onnx_name, op=join.op,
            hint="golden execution (hwgen.execute) supports graphs; the hardware for forks, "
            "adds and concatenations (rtl_templates/hwgen_dup, hwgen_add, hwgen_concat) is not "
            "wired into the build yet")
    layers = list(graph.layers)
    out: list[HwLayer] = []
    cmap = CodeMap()
    raw_acc = False  # the stream is a raw MVAU accumulator (signed code, value == code)
    i = 0
    while i < len(layers):
        layer = layers[i]
        idx = len(out)
        stream = out[-1].out_dtype if out else graph.input_dtype  # the codes arriving here
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(layer, Flatten):
            i += 1  # NHWC streams are already in HWC order: nothing to do in hardware
            continue
        if isinstance(layer, MatMul):
            pixels = int(np.prod(layer.in_shape[:-1], dtype=np.int64))
            thr = nxt if isinstance(nxt, Threshold) else None
            values = thr is not None and not _consumer_folds(layers, i + 1)
            hw, cmap = _fused_mvau(layer, thr, cmap, stream, pixels, idx, values, raw_acc)
            out.append(hw)
            raw_acc = thr is None
            i += 2 if thr is not None else 1
            continue
        elems = int(np.prod(layer.in_shape, dtype=np.int64))
        code_dtype = layer.in_dtype if cmap.identity else stream
        if raw_acc:
            # a raw MVAU emits its accumulator as a signed code (one bit wider than the IR's
            # unsigned type when every product is >= 0); pools and windows pass it on as it is
            code_dtype = stream
        if isinstance(layer, Threshold):
            out_dtype, out_bias, new_map, t = _threshold_code(layer,
                                                              not _consumer_folds(layers, i))
            tmap = cmap
            if code_dtype == BIPOLAR:  # compare codes 0/1 (value = 2 * code - 1) as UINT1
                code_dtype, tmap = UINT(1), CodeMap(-1, 2)
            if not tmap.identity:
                t = _ceil_div(t - tmap.offset, tmap.step)
            lo, hi = code_dtype.min, code_dtype.max
            t = _clip(t, lo, hi)
            thr_dtype = DataType.smallest(min(int(t.min()), lo, -1), max(int(t.max()), hi))
            out.append(HwThreshold(
                name=f"{idx:02d}_thr", onnx_name=layer.onnx_name, in_dtype=code_dtype,
                out_dtype=out_dtype, in_elems=elems, out_elems=elems, thresholds=t,
                channels=layer.channels, pixels=elems // layer.channels, out_bias=out_bias,
                thr_dtype=thr_dtype,
            ))
            cmap = new_map
            raw_acc = False
        elif isinstance(layer, SlidingWindow):
            pad_code = layer.pad_value
            if any(layer.pad):
                if code_dtype == BIPOLAR:
                    raise UnsupportedError(
                        "zero padding of a bipolar (+1/-1) input has no code",
                        node=layer.onnx_name, op="Conv",
                        hint="pad with a value the activation can take, or use no padding",
                    )
                if (pad_code - cmap.offset) % cmap.step:
                    raise UnsupportedError(
                        f"pad value {pad_code} is not a level of the input stream",
                        node=layer.onnx_name, op="Conv", hint="use an odd number of levels",
                    )
                pad_code = (pad_code - cmap.offset) // cmap.step
            (kh, kw), (sh, sw) = layer.kernel, layer.stride
            if kh != kw or sh != sw or len(set(layer.pad)) != 1 or pad_code != 0:
                raise UnsupportedError(
                    f"sliding window kernel {layer.kernel}, stride {layer.stride}, pad "
                    f"{layer.pad} (code {pad_code})", node=layer.onnx_name, op="Conv",
                    hint="hwgen supports square kernels, equal strides, symmetric zero padding",
                )
            out_elems = int(np.prod(layer.out_shape, dtype=np.int64))
            out.append(HwSWG(
                name=f"{idx:02d}_swg", onnx_name=layer.onnx_name, in_dtype=code_dtype,
                out_dtype=code_dtype, in_elems=elems, out_elems=out_elems,
                in_hwc=tuple(layer.in_shape), kernel=tuple(layer.kernel),
                stride=tuple(layer.stride), pad=tuple(layer.pad), pad_value=int(pad_code),
            ))
        elif isinstance(layer, MaxPool):
            if tuple(layer.kernel) != tuple(layer.stride):
                raise UnsupportedError(
                    f"max pool kernel {layer.kernel} with stride {layer.stride}",
                    node=layer.onnx_name, op="MaxPool", hint="hwgen supports stride == kernel",
                )
            out_elems = int(np.prod(layer.out_shape, dtype=np.int64))
            out.append(HwMaxPool(
                name=f"{idx:02d}_pool", onnx_name=layer.onnx_name, in_dtype=code_dtype,
                out_dtype=code_dtype, in_elems=elems, out_elems=out_elems,
                in_hwc=tuple(layer.in_shape), kernel=tuple(layer.kernel),
                stride=tuple(layer.stride),
            ))
        elif isinstance(layer, TopK):
            out.append(HwLabelSelect(
                name=f"{idx:02d}_label", onnx_name=layer.onnx_name, in_dtype=code_dtype,
                out_dtype=layer.out_dtype, in_elems=elems, out_elems=1,
                channels=int(layer.in_shape[-1]),
            ))
        else:
            raise UnsupportedError(
                f"no hardware layer for IR op {layer.op}", node=layer.onnx_name, op=layer.op,
                hint="supported: MatMul, Threshold, SlidingWindow, MaxPool, Flatten, TopK",
            )
        i += 1
    if not out:
        raise UnsupportedError("the model has no layer to put in hardware", op="graph")
    return HwGraph(
        name=graph.name, layers=tuple(out), in_dtype=out[0].in_dtype, out_dtype=out[-1].out_dtype,
        in_elems=out[0].in_elems, out_elems=out[-1].out_elems,
    )


def verify_hw(hw: HwGraph) -> None:
    """Stream chain consistency and legal folding; raises VerifyError naming the layer."""
    prev = None
    for layer in hw.layers:
        if prev is not None:
            if prev.out_elems != layer.in_elems:
                raise VerifyError(
                    f"{prev.out_elems} elements per frame in, expected {layer.in_elems}",
                    node=layer.name, op=layer.op,
                )
            if prev.out_dtype.code_bits != layer.in_dtype.code_bits:
                raise VerifyError(
                    f"input code of {prev.out_dtype.code_bits} bits from {prev.name}, expected "
                    f"{layer.in_dtype.code_bits}", node=layer.name, op=layer.op,
                )
        if isinstance(layer, HwMVAU):
            if layer.mw % layer.SIMD or layer.mh % layer.PE:
                raise VerifyError(f"SIMD {layer.SIMD} / PE {layer.PE} do not divide MW {layer.mw}"
                                  f" / MH {layer.mh}", node=layer.name, op=layer.op)
            if layer.thresholds is not None and np.any(np.diff(layer.thresholds, axis=1) < 0):
                raise VerifyError("thresholds not ascending", node=layer.name, op=layer.op)
        prev = layer
