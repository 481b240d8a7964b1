"""Lowering the IR to hardware layers: a readable, ordered list of pure passes.

    graph (IR) --fold_code_maps--> --to_hardware--> HwGraph --verify_hw--> (folding, FIFOs: later)

The stream between two hardware layers carries CODES; the IR computes on VALUES. Where a
threshold layer emits a value that is not its own code (mid-rise levels: value = bias + 2k), the
code is k and the consumer folds value = a + s * code into its own thresholds (DESIGN.md 3a).
BIPOLAR needs no folding: every MVAU mode reads code 1 as +1, 0 as -1.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from hwgen.build.hwlayers import (
    HwAdd,
    HwAvgPool,
    HwConcat,
    HwDup,
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
from hwgen.ir.datatypes import BIPOLAR, INT, UINT, DataType
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


@dataclass(frozen=True)
class _Src:
    """An IR stream in hardware: the hardware layer emitting it (or GRAPH_INPUT), its codes,
    their value map, and whether it is a raw accumulator (signed code, value == code)."""

    hw: str
    code: DataType
    cmap: CodeMap = CodeMap()
    raw: bool = False


class _Dag:
    """Edges of the IR graph for the lowering: sole consumers (what a unit may fuse) and
    whether every path from a stream reaches a layer that folds a code map."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.layers = list(graph.layers)
        self.index = {x.name: i for i, x in enumerate(self.layers)}

    def sole(self, name: str) -> Layer | None:
        """The one layer reading ``name`` (through one port), or None."""
        users = self.graph.consumers(name)
        if len(users) != 1:
            return None
        nxt = self.layers[self.index[users[0]]]
        return nxt if len(self.graph.producers(nxt)) == 1 else None

    def folds(self, name: str) -> bool:
        """Whether every consumer of stream ``name`` folds a code map before the hardware
        output (a MatMul, window unit or add with a fused activation, or a threshold layer);
        windows, pools, flattens and concatenations pass the codes on."""
        users = self.graph.consumers(name)
        if not users:
            return False
        for user in users:
            layer = self.layers[self.index[user]]
            if isinstance(layer, (Flatten, MaxPool, SlidingWindow, Concat)):
                if not self.folds(layer.name):
                    return False
            elif isinstance(layer, (MatMul, DepthwiseMatMul, AvgPool, Add)):
                if not isinstance(self.sole(layer.name), Threshold):
                    return False
            elif not isinstance(layer, Threshold):
                return False
        return True

    def window_threshold(self, layer: Layer) -> tuple[Threshold | None, list[str]]:
        """The Threshold a window unit fuses (its sole consumer, or the one after a Flatten of
        a 1 x 1 map), and the IR layers the unit then stands for."""
        nxt = self.sole(layer.name)
        if isinstance(nxt, Threshold):
            return nxt, [layer.name, nxt.name]
        after = self.sole(nxt.name) if nxt is not None else None
        if isinstance(nxt, Flatten) and isinstance(after, Threshold) and \
                tuple(layer.out_shape[:2]) == (1, 1):
            return after, [layer.name, nxt.name, after.name]
        return None, [layer.name]


def _join_code(layer: Layer, src: _Src, port: int) -> tuple[DataType, CodeMap]:
    """The codes arriving at a join's ``port`` and their value map (bipolar: UINT1 codes,
    value = 2 * code - 1)."""
    code = layer.in_dtypes[port] if src.cmap.identity and not src.raw else src.code
    if code == BIPOLAR:
        return UINT(1), CodeMap(-1, 2)
    return code, src.cmap


def _add(idx: int, layer: Add, srcs: list[_Src], thr: Threshold | None, values: bool
         ) -> tuple[HwAdd, CodeMap]:
    """hwgen_add for ``layer`` (coefficients on values) with ``thr`` fused: on codes,
    y = k0 * (o0 + s0 * c0) + k1 * (o1 + s1 * c1) = O + g * (K0 * c0 + K1 * c1) with
    g = gcd(k0 s0, k1 s1): an exact integer re-coding of any two value maps."""
    (c0, m0), (c1, m1) = (_join_code(layer, s, p) for p, s in enumerate(srcs))
    k0, k1 = layer.coeffs
    a0, a1 = k0 * m0.step, k1 * m1.step
    g = math.gcd(a0, a1)
    kk0, kk1, offset = a0 // g, a1 // g, k0 * m0.offset + k1 * m1.offset
    lo, hi = kk0 * c0.min + kk1 * c1.min, kk0 * c0.max + kk1 * c1.max
    sum_bits = max(DataType.smallest(min(lo, -1), hi).bits, c0.code_bits + 1,
                   c1.code_bits + 1)
    if sum_bits > 32:
        raise UnsupportedError(
            f"the sum {kk0} * a + {kk1} * b needs {sum_bits} bits (at most 32)",
            node=layer.onnx_name, op="Add",
            hint="quantize both operands with one shared quantizer (equal scales)")
    sum_dtype = INT(sum_bits)
    pixels = int(np.prod(layer.in_shape[:-1], dtype=np.int64))
    channels = int(layer.in_shape[-1])
    common = dict(name=f"{idx:02d}_add", onnx_name=layer.onnx_name, in_dtype=c0, in_dtype1=c1,
                  in_elems=pixels * channels, out_elems=pixels * channels, channels=channels,
                  pixels=pixels, k0=kk0, k1=kk1, sum_dtype=sum_dtype)
    if thr is None:
        if offset != 0 or g != 1:
            raise UnsupportedError(
                f"an add without activation of streams with value maps {m0} and {m1} has no "
                "integer output code", node=layer.onnx_name, op="Add",
                hint="quantize the sum (an activation after the add), or both operands with "
                "one shared quantizer")
        return HwAdd(out_dtype=sum_dtype, **common), CodeMap()
    out_dtype, out_bias, out_map, t = _threshold_code(thr, values)
    t = _clip(_ceil_div(t - offset, g), lo, hi)  # value >= T  <=>  sum >= ceil((T - O) / g)
    thr_bits = max(DataType.smallest(min(int(t.min()), lo, -1), max(int(t.max()), hi)).bits,
                   sum_bits)
    return HwAdd(out_dtype=out_dtype, thresholds=t, out_bias=out_bias, thr_dtype=INT(thr_bits),
                 **common), out_map


def _concat(idx: int, layer: Concat, srcs: list[_Src]) -> HwConcat:
    (c0, m0), (c1, m1) = (_join_code(layer, s, p) for p, s in enumerate(srcs))
    if c0 != c1 or m0 != m1:
        raise UnsupportedError(
            f"input 0 carries {c0.name} codes (value = {m0.offset} + {m0.step} * code), input "
            f"1 {c1.name} codes (value = {m1.offset} + {m1.step} * code): a concatenation "
            "needs the same codes on both", node=layer.onnx_name, op="Concat",
            hint="quantize both branches with one shared quantizer (same bit width, sign "
            "and scale)")
    pixels = int(np.prod(layer.in_shape[:-1], dtype=np.int64))
    a, b = int(layer.in_shape[-1]), int(layer.in_shape1[-1])
    code = srcs[0].code if srcs[0].code == BIPOLAR else c0
    return HwConcat(name=f"{idx:02d}_cat", onnx_name=layer.onnx_name, in_dtype=code,
                    out_dtype=code, in_elems=pixels * a, out_elems=pixels * (a + b), c0=a, c1=b,
                    pixels=pixels)


def lower(graph: Graph) -> HwGraph:
    """IR graph -> hardware layers (MVAU with fused thresholds, thresholding, SWG, pool, top-1,
    add with fused thresholds, concatenation; a fork becomes hwgen_dup units)."""
    dag = _Dag(graph)
    layers = dag.layers
    out: list[HwLayer] = []
    ins: list[tuple[str, ...]] = []  # producer stream (first-pass hardware names) per port
    srcs: dict[str, _Src] = {GRAPH_INPUT: _Src(GRAPH_INPUT, graph.input_dtype)}
    done: set[str] = set()

    def emit(hw: HwLayer, producers: tuple[str, ...]) -> None:
        out.append(hw)
        ins.append(producers)

    for i, layer in enumerate(layers):
        if layer.name in done:  # fused into the unit of an earlier layer
            continue
        feed = [srcs[p] for p in graph.producers(i)]
        src = feed[0]
        idx = len(out)
        stream, cmap, raw = src.code, src.cmap, src.raw  # the codes arriving here
        nxt = dag.sole(layer.name)
        fused = [layer.name]
        if isinstance(layer, Flatten):
            srcs[layer.name] = src  # NHWC streams are already in HWC order: nothing to do
            continue
        if isinstance(layer, Add):
            thr = nxt if isinstance(nxt, Threshold) else None
            values = thr is not None and not dag.folds(thr.name)
            hw, new_map = _add(idx, layer, feed, thr, values)
            emit(hw, tuple(s.hw for s in feed))
            fused += [thr.name] if thr is not None else []
            for name in fused:
                srcs[name] = _Src(hw.name, hw.out_dtype, new_map, thr is None)
            done.update(fused)
            continue
        if isinstance(layer, Concat):
            hw = _concat(idx, layer, feed)
            emit(hw, tuple(s.hw for s in feed))
            srcs[layer.name] = _Src(hw.name, hw.out_dtype, feed[0].cmap, feed[0].raw)
            continue
        if isinstance(layer, MatMul):
            pixels = int(np.prod(layer.in_shape[:-1], dtype=np.int64))
            thr = nxt if isinstance(nxt, Threshold) else None
            values = thr is not None and not dag.folds(thr.name)
            hw, cmap = _fused_mvau(layer, thr, cmap, stream, pixels, idx, values, raw)
            emit(hw, (src.hw,))
            fused += [thr.name] if thr is not None else []
            for name in fused:
                srcs[name] = _Src(hw.name, hw.out_dtype, cmap, thr is None)
            done.update(fused)
            continue
        elems = int(np.prod(layer.in_shape, dtype=np.int64))
        # the codes arriving: the IR datatype, unless a code map or a raw accumulator is in
        # between (a raw MVAU or window unit emits its accumulator as a signed code, one bit
        # wider than the IR's unsigned type when every product is >= 0; wider than the IR's value
        # range for a window sum): pools, windows and thresholds read it as it is
        code_dtype = layer.in_dtype if cmap.identity and not raw else stream
        new: list[HwLayer] = []
        if isinstance(layer, Threshold):
            out_dtype, out_bias, new_map, t = _threshold_code(layer, not dag.folds(layer.name))
            tmap = cmap
            if code_dtype == BIPOLAR:  # compare codes 0/1 (value = 2 * code - 1) as UINT1
                code_dtype, tmap = UINT(1), CodeMap(-1, 2)
            if not tmap.identity:
                t = _ceil_div(t - tmap.offset, tmap.step)
            lo, hi = code_dtype.min, code_dtype.max
            t = _clip(t, lo, hi)
            thr_dtype = DataType.smallest(min(int(t.min()), lo, -1), max(int(t.max()), hi))
            new.append(HwThreshold(
                name=f"{idx:02d}_thr", onnx_name=layer.onnx_name, in_dtype=code_dtype,
                out_dtype=out_dtype, in_elems=elems, out_elems=elems, thresholds=t,
                channels=layer.channels, pixels=elems // layer.channels, out_bias=out_bias,
                thr_dtype=thr_dtype,
            ))
            cmap, raw = new_map, False
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
            new.append(_swg(idx, layer.onnx_name, code_dtype, tuple(layer.in_shape),
                            tuple(layer.kernel), tuple(layer.stride), tuple(layer.pad),
                            int(pad_code), tuple(layer.dilation),
                            cf_major=isinstance(nxt, DepthwiseMatMul)))
        elif isinstance(layer, DepthwiseMatMul):
            thr, fused = dag.window_threshold(layer)
            values = thr is not None and not dag.folds(fused[-1])
            hw, cmap = _window_unit(HwVVAU, idx, layer, "dot", code_dtype, cmap, thr, values,
                                    layer.weights, layer.w_dtype)
            new.append(hw)
            raw = thr is None
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
            new.append(_swg(idx, layer.onnx_name, code_dtype, tuple(layer.in_shape),
                            tuple(layer.kernel), tuple(layer.stride), tuple(layer.pad),
                            pad_code, (1, 1), cf_major=True))
            thr, fused = dag.window_threshold(layer)
            values = thr is not None and not dag.folds(fused[-1])
            ones = np.ones((layer.in_shape[-1], layer.window), np.int64)
            hw, cmap = _window_unit(HwAvgPool, idx + 1, layer, "sum", code_dtype, cmap, thr,
                                    values, ones, None)
            new.append(hw)
            raw = thr is None
        elif isinstance(layer, MaxPool) and (
                tuple(layer.kernel) != tuple(layer.stride) or any(layer.pad)
                or layer.kernel[0] != layer.kernel[1]):
            _check_window_pads(layer.onnx_name, "MaxPool", layer.kernel, layer.pad)
            low = 0 if code_dtype == BIPOLAR else code_dtype.min  # the smallest code
            new.append(_swg(idx, layer.onnx_name, code_dtype, tuple(layer.in_shape),
                            tuple(layer.kernel), tuple(layer.stride), tuple(layer.pad),
                            low, (1, 1), cf_major=True))
            c = int(layer.in_shape[-1])
            pixels = int(np.prod(layer.out_shape[:-1], dtype=np.int64))
            new.append(HwWindowMax(
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
            new.append(HwMaxPool(
                name=f"{idx:02d}_pool", onnx_name=layer.onnx_name, in_dtype=code_dtype,
                out_dtype=code_dtype, in_elems=elems, out_elems=out_elems,
                in_hwc=tuple(layer.in_shape), kernel=tuple(layer.kernel),
                stride=tuple(layer.stride),
            ))
        elif isinstance(layer, TopK):
            new.append(HwLabelSelect(
                name=f"{idx:02d}_label", onnx_name=layer.onnx_name, in_dtype=code_dtype,
                out_dtype=layer.out_dtype, in_elems=elems, out_elems=1,
                channels=int(layer.in_shape[-1]),
            ))
        else:
            raise UnsupportedError(
                f"no hardware layer for IR op {layer.op}", node=layer.onnx_name, op=layer.op,
                hint="supported: MatMul, Threshold, SlidingWindow, MaxPool, Flatten, TopK, "
                "DepthwiseMatMul, AvgPool, Add, Concat",
            )
        prev = src.hw
        for hw in new:
            if isinstance(hw, HwVVAU) and out and out[-1].name == prev and \
                    isinstance(out[-1], HwSWG) and out[-1].par_ok:
                hw = dataclasses.replace(hw, par_window=True)  # PE = M*C: hwgen_swg_par
            emit(hw, (prev,))
            prev = hw.name
        for name in fused:
            srcs[name] = _Src(prev, new[-1].out_dtype, cmap, raw)
        done.update(fused)
    if not out:
        raise UnsupportedError("the model has no layer to put in hardware", op="graph")
    last = srcs[layers[-1].name].hw
    if last != out[-1].name:  # cannot happen with layers in topological order
        raise VerifyError(f"the graph output comes from {last}, not the last hardware layer",
                          node=last, op="graph")
    return _forks(graph.name, out, ins)


def _forks(name: str, layers: list[HwLayer], ins: list[tuple[str, ...]]) -> HwGraph:
    """Insert a hwgen_dup after every stream read by several ports (a cascade of n - 1 for n
    readers), then name every layer positionally (``NN_op``) in the final order; a layer fed by
    the layer just before it names no inputs (a chain stays a chain)."""
    readers: dict[str, list[tuple[int, int]]] = {}
    for i, producers in enumerate(ins):
        for port, p in enumerate(producers):
            readers.setdefault(p, []).append((i, port))
    order: list[tuple[HwLayer, list[str]]] = []  # layer (first-pass name), producers
    by_name = {x.name: k for k, x in enumerate(layers)}
    feeds = [list(p) for p in ins]

    def forks(stream: str, dtype: DataType, elems: int) -> None:
        users = readers.get(stream, [])
        src = stream
        for k in range(len(users) - 1):
            dup = HwDup(name=f"dup{stream}{k}", onnx_name="", in_dtype=dtype, out_dtype=dtype,
                        in_elems=elems, out_elems=elems)
            order.append((dup, [src]))
            i, port = users[k]
            feeds[i][port] = dup.name
            src = dup.name
        if len(users) > 1:
            i, port = users[-1]
            feeds[i][port] = src

    first = layers[0]
    forks(GRAPH_INPUT, first.in_dtype, first.in_elems)
    for layer in layers:
        order.append((layer, feeds[by_name[layer.name]]))
        forks(layer.name, layer.out_dtype, layer.out_elems)
    rename = {GRAPH_INPUT: GRAPH_INPUT}
    for k, (layer, _) in enumerate(order):
        rename[layer.name] = f"{k:02d}_{layer.op}"
    out: list[HwLayer] = []
    for layer, producers in order:
        names = tuple(rename[p] for p in producers)
        before = out[-1].name if out else GRAPH_INPUT
        inputs = () if names == (before,) else names
        onnx = layer.onnx_name or f"fork of {rename[producers[0]]}"
        out.append(dataclasses.replace(layer, name=rename[layer.name], onnx_name=onnx,
                                       inputs=inputs))
    return HwGraph(
        name=name, layers=tuple(out), in_dtype=out[0].in_dtype, out_dtype=out[-1].out_dtype,
        in_elems=out[0].in_elems, out_elems=out[-1].out_elems,
    )


def verify_hw(hw: HwGraph) -> None:
    """Stream consistency on every edge and legal folding; raises VerifyError naming the layer."""
    names = {GRAPH_INPUT} | {x.name for x in hw.layers}
    seen = {GRAPH_INPUT}
    for i, layer in enumerate(hw.layers):
        producers = hw.producers(i)
        if len(producers) != layer.n_inputs:
            raise VerifyError(f"{len(producers)} inputs, expected {layer.n_inputs}",
                              node=layer.name, op=layer.op)
        for port, p in enumerate(producers):
            if p not in seen:
                raise VerifyError(f"input {port} reads {p}, which is "
                                  + ("not a layer" if p not in names else "not before it"),
                                  node=layer.name, op=layer.op)
            if p == GRAPH_INPUT:
                continue
            prev = hw.layer(p)
            if prev.out_elems != layer.port_elems(port):
                raise VerifyError(
                    f"{prev.out_elems} elements per frame in, expected {layer.port_elems(port)}",
                    node=layer.name, op=layer.op,
                )
            if prev.out_dtype.code_bits != layer.port_bits(port):
                raise VerifyError(
                    f"input code of {prev.out_dtype.code_bits} bits from {prev.name}, expected "
                    f"{layer.port_bits(port)}", node=layer.name, op=layer.op,
                )
        seen.add(layer.name)
        users = hw.consumers(layer.name)
        if len(users) > (2 if isinstance(layer, HwDup) else 1) or (
                isinstance(layer, HwDup) and len(users) != 2):
            raise VerifyError(f"read by {len(users)} ports ({', '.join(u for u, _ in users)})",
                              node=layer.name, op=layer.op,
                              hint="a stream read twice needs a hwgen_dup")
        prev = hw.layer(producers[0]) if producers[0] != GRAPH_INPUT else None
        if isinstance(layer, HwMVAU):
            if layer.mw % layer.SIMD or layer.mh % layer.PE:
                raise VerifyError(f"SIMD {layer.SIMD} / PE {layer.PE} do not divide MW {layer.mw}"
                                  f" / MH {layer.mh}", node=layer.name, op=layer.op)
            if layer.thresholds is not None and np.any(np.diff(layer.thresholds, axis=1) < 0):
                raise VerifyError("thresholds not ascending", node=layer.name, op=layer.op)
        if isinstance(layer, HwAdd) and layer.channels % layer.PE:
            raise VerifyError(f"PE {layer.PE} does not divide the {layer.channels} channels",
                              node=layer.name, op=layer.op)
        if isinstance(layer, HwVVAU) and layer.PE not in layer.pe_choices:
            raise VerifyError(f"PE {layer.PE} neither divides the {layer.channels} channels nor "
                              f"is M*{layer.channels} with M | {layer.window} (window-parallel "
                              f"after a square window)", node=layer.name, op=layer.op)
        if isinstance(layer, HwConcat) and (layer.c0 % layer.PE or layer.c1 % layer.PE):
            raise VerifyError(f"PE {layer.PE} does not divide both inputs' channels "
                              f"{layer.c0} and {layer.c1}", node=layer.name, op=layer.op)
        if isinstance(layer, HwVVAU) and not (isinstance(prev, HwSWG) and prev.cf_major
                                              and prev.SIMD == layer.PE):
            raise VerifyError("a window unit must follow a channel-fold-major sliding window "
                              "of SIMD = its PE", node=layer.name, op=layer.op)
    if hw.layers and hw.consumers(hw.layers[-1].name):
        raise VerifyError("the last layer must be the graph output", node=hw.layers[-1].name,
                          op=hw.layers[-1].op)
