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
    HwAvgPool,
    HwGraph,
    HwLabelSelect,
    HwLayer,
    HwMaxPool,
    HwMVAU,
    HwSWG,
    HwThreshold,
    HwVVAU,
    HwWindowMax,
)
from hwgen.errors import UnsupportedError, VerifyError
from hwgen.ir.datatypes import BIPOLAR, UINT, DataType
from hwgen.ir.graph import GRAPH_INPUT, Graph
from hwgen.ir.layers import (
    AvgPool,
    DepthwiseMatMul,
    Flatten,
    MatMul,
    MaxPool,
    SlidingWindow,
    Threshold,
    TopK,
)

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
        if isinstance(layer, (MatMul, DepthwiseMatMul, AvgPool)):
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


def _check_window_pads(node: str, op: str, kernel: tuple[int, int],
                       pad: tuple[int, int, int, int], dilation: tuple[int, int] = (1, 1)) -> None:
    ekh, ekw = (kernel[0] - 1) * dilation[0] + 1, (kernel[1] - 1) * dilation[1] + 1
    pt, pl, pb, pr = pad
    if max(pt, pb) >= ekh or max(pl, pr) >= ekw:
        raise UnsupportedError(
            f"padding {pad} reaches a whole window {(ekh, ekw)}", node=node, op=op,
            hint="pad by less than the (dilated) window on each side")


def _swg(idx: int, onnx_name: str, dtype: DataType, hwc: tuple[int, ...],
         kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int, int, int],
         pad_code: int, dilation: tuple[int, int], cf_major: bool) -> HwSWG:
    h, w, c = hwc
    probe = HwSWG(name="", onnx_name="", in_dtype=dtype, out_dtype=dtype, in_elems=1,
                  out_elems=1, in_hwc=(h, w, c), kernel=kernel, stride=stride, pad=pad,
                  dilation=dilation)
    oh, ow = probe.out_hw
    return HwSWG(
        name=f"{idx:02d}_swg", onnx_name=onnx_name, in_dtype=dtype, out_dtype=dtype,
        in_elems=h * w * c, out_elems=oh * ow * kernel[0] * kernel[1] * c, in_hwc=(h, w, c),
        kernel=kernel, stride=stride, pad=pad, pad_value=int(pad_code), dilation=dilation,
        cf_major=cf_major,
    )


def _window_threshold(layers: list, i: int) -> tuple[Threshold | None, int]:
    """The Threshold a window unit at ``i`` fuses (the next layer, or the one after a Flatten
    of a 1 x 1 map), and how many IR layers the unit then consumes."""
    nxt = layers[i + 1] if i + 1 < len(layers) else None
    if isinstance(nxt, Threshold):
        return nxt, 2
    after = layers[i + 2] if i + 2 < len(layers) else None
    if isinstance(nxt, Flatten) and isinstance(after, Threshold) and \
            tuple(layers[i].out_shape[:2]) == (1, 1):
        return after, 3
    return None, 1


def _window_unit(cls: type, idx: int, layer, mode: str, code: DataType, cmap: CodeMap,
                 thr: Threshold | None, values: bool, w: np.ndarray, w_dtype: DataType | None
                 ) -> tuple[HwVVAU, CodeMap]:
    """hwgen_vvau for a DepthwiseMatMul (``dot``) or an AvgPool (``sum``, unit weights), with
    the next Threshold fused; thresholds move to the code domain as for the MVAU."""
    c, k = int(w.shape[0]), int(w.shape[1])
    pixels = int(np.prod(layer.out_shape[:-1], dtype=np.int64))
    lo, hi = code.min, code.max
    a, b = w * lo, w * hi
    acc_lo, acc_hi = int(np.minimum(a, b).sum(1).min()), int(np.maximum(a, b).sum(1).max())
    common = dict(onnx_name=layer.onnx_name, in_dtype=code, in_elems=pixels * k * c,
                  out_elems=pixels * c, channels=c, window=k, pixels=pixels, mode=mode,
                  weights=w if mode == "dot" else None, w_dtype=w_dtype)
    name = f"{idx:02d}_{cls.op}"
    if thr is None:
        if not cmap.identity:
            raise UnsupportedError(
                "a window unit without activation cannot read a mid-rise (step 2) stream",
                node=layer.onnx_name, op=layer.op,
                hint="end the network on a quantized activation or use an odd number of levels")
        acc = DataType.smallest(min(acc_lo, -(1 << code.code_bits)), acc_hi)
        return cls(name=name, out_dtype=acc, acc_dtype=acc, **common), CodeMap()
    out_dtype, out_bias, out_map, t = _threshold_code(thr, values)
    if t.shape[0] == 1:
        t = np.repeat(t, c, axis=0)
    if not cmap.identity:
        rowsum = w.sum(axis=1, keepdims=True)
        t = _ceil_div(t - cmap.offset * rowsum, cmap.step)
    t = _clip(t, acc_lo, acc_hi)
    thr_dtype = DataType.smallest(min(int(t.min()), acc_lo, -(1 << code.code_bits)),
                                  max(int(t.max()), acc_hi))
    return cls(name=name, out_dtype=out_dtype, thresholds=t, out_bias=out_bias,
               acc_dtype=thr_dtype, thr_dtype=thr_dtype, **common), out_map


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
    # the stream is a raw MVAU or window-unit accumulator (signed code, value == code); windows
    # and pools pass it on unchanged, the next threshold, MVAU or window unit consumes it
    raw = False
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
            hw, cmap = _fused_mvau(layer, thr, cmap, stream, pixels, idx, values, raw)
            out.append(hw)
            raw = thr is None
            i += 2 if thr is not None else 1
            continue
        elems = int(np.prod(layer.in_shape, dtype=np.int64))
        # the codes arriving: the IR datatype, unless a code map or a raw accumulator is in
        # between (a raw MVAU or window unit emits its accumulator as a signed code, one bit
        # wider than the IR's unsigned type when every product is >= 0; wider than the IR's value
        # range for a window sum): pools, windows and thresholds read it as it is
        code_dtype = layer.in_dtype if cmap.identity and not raw else stream
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
            raw = False
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
            _check_window_pads(layer.onnx_name, "Conv", layer.kernel, layer.pad, layer.dilation)
            out.append(_swg(idx, layer.onnx_name, code_dtype, tuple(layer.in_shape),
                            tuple(layer.kernel), tuple(layer.stride), tuple(layer.pad),
                            int(pad_code), tuple(layer.dilation),
                            cf_major=isinstance(nxt, DepthwiseMatMul)))
        elif isinstance(layer, DepthwiseMatMul):
            thr, used = _window_threshold(layers, i)
            values = thr is not None and not _consumer_folds(layers, i + used - 1)
            hw, cmap = _window_unit(HwVVAU, idx, layer, "dot", code_dtype, cmap, thr, values,
                                    layer.weights, layer.w_dtype)
            out.append(hw)
            raw = thr is None
            i += used
            continue
        elif isinstance(layer, AvgPool):
            if code_dtype == BIPOLAR:
                raise UnsupportedError("an average pool of bipolar codes is not supported",
                                       node=layer.onnx_name, op="AveragePool",
                                       hint="pool a non-bipolar activation")
            _check_window_pads(layer.onnx_name, "AveragePool", layer.kernel, layer.pad)
            if any(layer.pad) and (-cmap.offset) % cmap.step:
                raise UnsupportedError("pad value 0 is not a level of the input stream",
                                       node=layer.onnx_name, op="AveragePool",
                                       hint="use an odd number of levels")
            pad_code = (0 - cmap.offset) // cmap.step if any(layer.pad) else 0
            out.append(_swg(idx, layer.onnx_name, code_dtype, tuple(layer.in_shape),
                            tuple(layer.kernel), tuple(layer.stride), tuple(layer.pad),
                            pad_code, (1, 1), cf_major=True))
            thr, used = _window_threshold(layers, i)
            values = thr is not None and not _consumer_folds(layers, i + used - 1)
            ones = np.ones((layer.in_shape[-1], layer.window), np.int64)
            hw, cmap = _window_unit(HwAvgPool, idx + 1, layer, "sum", code_dtype, cmap, thr,
                                    values, ones, None)
            out.append(hw)
            raw = thr is None
            i += used
            continue
        elif isinstance(layer, MaxPool) and (
                tuple(layer.kernel) != tuple(layer.stride) or any(layer.pad)
                or layer.kernel[0] != layer.kernel[1]):
            _check_window_pads(layer.onnx_name, "MaxPool", layer.kernel, layer.pad)
            low = 0 if code_dtype == BIPOLAR else code_dtype.min  # the smallest code
            out.append(_swg(idx, layer.onnx_name, code_dtype, tuple(layer.in_shape),
                            tuple(layer.kernel), tuple(layer.stride), tuple(layer.pad),
                            low, (1, 1), cf_major=True))
            c = int(layer.in_shape[-1])
            pixels = int(np.prod(layer.out_shape[:-1], dtype=np.int64))
            out.append(HwWindowMax(
                name=f"{idx + 1:02d}_pool", onnx_name=layer.onnx_name, in_dtype=code_dtype,
                out_dtype=code_dtype, in_elems=pixels * layer.kernel[0] * layer.kernel[1] * c,
                out_elems=pixels * c, channels=c, window=layer.kernel[0] * layer.kernel[1],
                pixels=pixels, mode="max", acc_dtype=code_dtype,
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
                hint="supported: MatMul, Threshold, SlidingWindow, MaxPool, Flatten, TopK, "
                "DepthwiseMatMul, AvgPool",
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
        if isinstance(layer, HwVVAU) and layer.channels % layer.PE:
            raise VerifyError(f"PE {layer.PE} does not divide the {layer.channels} channels",
                              node=layer.name, op=layer.op)
        if isinstance(layer, HwVVAU) and not (isinstance(prev, HwSWG) and prev.cf_major
                                              and prev.SIMD == layer.PE):
            raise VerifyError("a window unit must follow a channel-fold-major sliding window "
                              "of SIMD = its PE", node=layer.name, op=layer.op)
        prev = layer
