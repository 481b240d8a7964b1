"""Hardware layers: what ``hwgen build`` instantiates, one per rtl_templates module.

Frozen dataclasses over the same int64 tensors as the IR, plus folding (PE/SIMD, memory style).
They carry VALUE semantics for weights; codes are made when memory files are written. Names are
positional (``NN_op``, DESIGN.md 3a) and stable across export flavours.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from hwgen.ir.datatypes import DataType
from hwgen.ir.layers import window_out_hw

__all__ = ["HwLayer", "HwMVAU", "HwThreshold", "HwSWG", "HwMaxPool", "HwLabelSelect", "HwGraph",
           "divisors", "HwVVAU", "HwAvgPool", "HwWindowMax", "HwDup", "HwAdd", "HwConcat",
           "GRAPH_INPUT"]

GRAPH_INPUT = "input"  # the pipeline's input stream (hwgen_accel_pipeline s_axis)


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


@dataclass(frozen=True, eq=False)
class HwLayer:
    """Common fields: names, per-frame element counts and stream datatypes."""

    name: str
    onnx_name: str
    in_dtype: DataType
    out_dtype: DataType
    in_elems: int  # elements per frame on the input stream
    out_elems: int  # elements per frame on the output stream
    PE: int = 1
    SIMD: int = 1
    ram_style: str = "auto"
    res_type: str = "lut"
    # producers (hardware layer names, or GRAPH_INPUT), one per input port; () = the layer
    # just before it in HwGraph.layers (a chain names nothing, as in the IR)
    inputs: tuple[str, ...] = field(default=(), kw_only=True)

    # Class constants (not fields): the op tag and the folding keys folding.json accepts.
    op = "layer"
    folding_keys = ("PE",)

    @property
    def in_beat_elems(self) -> int:
        return self.PE

    @property
    def out_beat_elems(self) -> int:
        return self.PE

    @property
    def in_bits(self) -> int:
        return self.in_dtype.code_bits

    @property
    def n_inputs(self) -> int:
        return 1

    def port_bits(self, port: int) -> int:
        """Element code bits on input ``port``."""
        return self.in_bits

    def port_elems(self, port: int) -> int:
        """Elements per frame on input ``port``."""
        return self.in_elems

    @property
    def out_bits(self) -> int:
        return self.out_dtype.code_bits

    @property
    def in_beats(self) -> int:
        return self.in_elems // self.in_beat_elems

    @property
    def out_beats(self) -> int:
        return self.out_elems // self.out_beat_elems

    @property
    def cycles(self) -> int:
        """Analytic cycles per frame (no backpressure)."""
        raise NotImplementedError

    def folded(self, **kw: object) -> HwLayer:
        return dataclasses.replace(self, **kw)

    def folding(self) -> dict[str, object]:
        entry: dict[str, object] = {k: getattr(self, k) for k in self.folding_keys}
        if "ram_style" in self.folding_keys or isinstance(self, HwMVAU):
            entry["ram_style"] = self.ram_style
        if getattr(self, "thr_style", "auto") != "auto":  # an MVAU's moved threshold memory
            entry["thr_style"] = self.thr_style
        return entry


@dataclass(frozen=True, eq=False)
class HwMVAU(HwLayer):
    """Matrix-vector unit over ``pixels`` input vectors per frame, optional fused thresholds.

    ``weights`` (MH, MW) values; ``thresholds`` (MH, N) or None (raw accumulator out) in the
    accumulator domain the hardware compares (popcount for XNOR).
    """

    weights: np.ndarray = None  # type: ignore[assignment]
    w_dtype: DataType = None  # type: ignore[assignment]
    pixels: int = 1
    xnor: bool = False
    thresholds: np.ndarray | None = None
    out_bias: int = 0
    acc_dtype: DataType = None  # type: ignore[assignment]
    thr_dtype: DataType | None = None
    # threshold memory: "auto" (LUTs, unless fit_memories moves it to block RAM while the
    # BRAM18 budget lasts), "distributed" or "block"; folding.json names it when not "auto"
    thr_style: str = "auto"

    op = "mvau"
    folding_keys = ("PE", "SIMD", "ram_style", "res_type")

    @property
    def mh(self) -> int:
        return int(self.weights.shape[0])

    @property
    def mw(self) -> int:
        return int(self.weights.shape[1])

    @property
    def in_beat_elems(self) -> int:
        return self.SIMD

    @property
    def nf(self) -> int:
        return self.mh // self.PE

    @property
    def sf(self) -> int:
        return self.mw // self.SIMD

    @property
    def cycles(self) -> int:
        return self.pixels * self.nf * self.sf

    @property
    def n_thresholds(self) -> int:
        return 0 if self.thresholds is None else int(self.thresholds.shape[1])

    @property
    def macs(self) -> int:
        return self.pixels * self.mh * self.mw


@dataclass(frozen=True, eq=False)
class HwThreshold(HwLayer):
    """Standalone multi-threshold unit: ``channels`` channels, ``pixels`` pixels per frame."""

    thresholds: np.ndarray = None  # type: ignore[assignment]
    channels: int = 1
    pixels: int = 1
    out_bias: int = 0
    thr_dtype: DataType = None  # type: ignore[assignment]

    op = "thr"
    folding_keys = ("PE",)

    @property
    def cycles(self) -> int:
        return self.pixels * self.channels // self.PE

    @property
    def n_thresholds(self) -> int:
        return int(self.thresholds.shape[1])


@dataclass(frozen=True, eq=False)
class HwSWG(HwLayer):
    """Sliding-window generator (im2col as a stream), SIMD window elements per output beat.

    SIMD | C: SIMD channels per beat in and out (hwgen_swg). SIMD = M*C with M | K*K: window
    parallel, M window pixels per output beat, one pixel per input beat (hwgen_swg_par).
    """

    in_hwc: tuple[int, int, int] = (1, 1, 1)
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    pad: tuple[int, int, int, int] = (0, 0, 0, 0)
    pad_value: int = 0  # the CODE of a padding element
    dilation: tuple[int, int] = (1, 1)
    cf_major: bool = False  # (cf, kh, kw) order for hwgen_vvau instead of (kh, kw, c)
    rows_log2: int = 0  # log2 of hwgen_swg's buffered rows; 0: chosen by ``buffer_rows``

    op = "swg"
    folding_keys = ("SIMD",)

    @property
    def out_hw(self) -> tuple[int, int]:
        h, w, _ = self.in_hwc
        return window_out_hw((h, w), self.kernel, self.stride, self.pad, self.dilation)

    @property
    def square(self) -> bool:
        """A K x K window, equal strides, the same padding on every side, no dilation, (kh, kw,
        c) order, zero padding: the shape hwgen_swg_par also handles."""
        return self.par_ok and not self.cf_major

    @property
    def par_ok(self) -> bool:
        """``square`` in any order: with SIMD = M*C (whole window pixels per beat) the
        channel-fold-major order is the (kh, kw, c) order of hwgen_swg_par."""
        return (self.kernel[0] == self.kernel[1] and self.stride[0] == self.stride[1]
                and len(set(self.pad)) == 1 and self.dilation == (1, 1) and self.pad_value == 0)

    @property
    def eff_kernel(self) -> tuple[int, int]:
        """The dilated window's extent in input rows and columns."""
        (kh, kw), (dh, dw) = self.kernel, self.dilation
        return (kh - 1) * dh + 1, (kw - 1) * dw + 1

    @property
    def window_parallel(self) -> bool:
        return self.SIMD > self.in_hwc[2]

    @property
    def simd_choices(self) -> list[int]:
        """Legal SIMD values: divisors of C, and (square windows) M*C for every M | K*K."""
        c, window = self.in_hwc[2], self.kernel[0] * self.kernel[1]
        if not self.par_ok:
            return divisors(c)
        return sorted(set(divisors(c)) | {m * c for m in divisors(window)})

    @property
    def in_beat_elems(self) -> int:
        return self.in_hwc[2] if self.window_parallel else self.SIMD

    @property
    def buffer_rows(self) -> int:
        """NB, the rows of hwgen_swg's circular row buffer: the fewest, 2^clog2(K + STRIDE),
        unless twice as many fit the same BRAM18s (hwgen.estimate.cost.memory_cost): then the
        writer stores the next frame's first rows while the reader finishes a frame, and the
        FIFO in front need not hold them (``held_rows``). ``rows_log2`` sets it (tests);
        hwgen_swg_par always has the fewest."""
        from hwgen.estimate.cost import memory_cost

        fewest = 1 << (self.eff_kernel[0] + self.stride[0] - 1).bit_length()
        if self.rows_log2:
            return max(fewest, 1 << self.rows_log2)
        if self.window_parallel or not self._held(fewest):
            return fewest
        row, width = self.in_beats // self.in_hwc[0], self.SIMD * self.in_bits
        now = memory_cost(fewest * row, width).BRAM18
        return 2 * fewest if now and memory_cost(2 * fewest * row, width).BRAM18 == now else fewest

    def _held(self, nb: int) -> int:
        h, k, s, pad = self.in_hwc[0], self.eff_kernel[0], self.stride[0], self.pad[0]
        low = max(0, (self.out_hw[0] - 1) * s - pad)  # lowest row of the last output row
        return max(0, (k - pad) - (low + nb - h))

    @property
    def held_beats(self) -> int:
        """Input beats of the held rows (``held_rows`` x one row's beats): the clocks between
        frames in which the window emits nothing while it stores them."""
        return self.held_rows * (self.in_beats // self.in_hwc[0])

    @property
    def held_rows(self) -> int:
        """Input rows of the next frame the SWG cannot take while it finishes a frame: its
        NB-row buffer (``buffer_rows``) still holds the last output row's rows, and the next
        frame's first output row needs K - PAD rows (hwgen_swg, hwgen_swg_par)."""
        return self._held(self.buffer_rows)

    @property
    def out_beat_elems(self) -> int:
        return self.SIMD

    @property
    def cycles(self) -> int:
        # One output beat and one input beat per clock, read alongside each other; between
        # frames the reader waits while the writer stores the held rows.
        return max(self.out_beats + self.held_beats, self.in_beats)


@dataclass(frozen=True, eq=False)
class HwMaxPool(HwLayer):
    """KxK max pool with stride K on NHWC, PE channels per beat."""

    in_hwc: tuple[int, int, int] = (1, 1, 1)
    kernel: tuple[int, int] = (2, 2)
    stride: tuple[int, int] = (2, 2)

    op = "pool"
    folding_keys = ("PE",)

    @property
    def cycles(self) -> int:
        return self.in_beats


@dataclass(frozen=True, eq=False)
class HwVVAU(HwLayer):
    """Vector-vector unit after a channel-fold-major sliding window (hwgen_vvau): per channel,
    a reduction over the ``window`` positions, PE channels per beat, ``pixels`` windows per
    frame. Mode ``dot`` (depthwise convolution: ``weights`` (C, window) values), ``sum``
    (average pool: the window sum) or ``max`` (max pool). Optional fused thresholds (C, N) on
    the accumulator, as the MVAU's.

    PE is the input elements per beat, as a sliding window's SIMD: PE | C (PE channels of one
    window position), or, when ``par_window`` (its window is one hwgen_swg_par can emit),
    PE = M*C with M | window: M window positions of all C channels per beat (window-parallel,
    ``simd`` = M), window/M beats per output pixel."""

    channels: int = 1
    window: int = 1
    pixels: int = 1
    mode: str = "dot"
    weights: np.ndarray | None = None
    w_dtype: DataType | None = None
    thresholds: np.ndarray | None = None
    out_bias: int = 0
    acc_dtype: DataType = None  # type: ignore[assignment]
    thr_dtype: DataType | None = None
    par_window: bool = False  # the feeding window may go window-parallel (PE = M*C)

    op = "vvau"
    folding_keys = ("PE",)

    @property
    def lanes(self) -> int:
        """Channels per beat (the template's PE)."""
        return min(self.PE, self.channels)

    @property
    def simd(self) -> int:
        """Window positions per beat (the template's SIMD)."""
        return max(1, self.PE // self.channels)

    @property
    def pe_choices(self) -> list[int]:
        """Legal PE values: divisors of C, and (``par_window``) M*C for every M | window."""
        c = self.channels
        if not self.par_window:
            return divisors(c)
        return sorted(set(divisors(c)) | {m * c for m in divisors(self.window)})

    @property
    def out_beat_elems(self) -> int:
        return self.lanes

    @property
    def cf(self) -> int:
        return self.channels // self.lanes

    @property
    def cycles(self) -> int:
        return self.pixels * self.cf * self.window // self.simd

    @property
    def n_thresholds(self) -> int:
        return 0 if self.thresholds is None else int(self.thresholds.shape[1])

    @property
    def shared_thresholds(self) -> bool:
        """Whether every channel has the same threshold set (an average pool's division and
        truncation): the template then holds one set (SHARED = 1), folded to constants."""
        t = self.thresholds
        return t is not None and bool((t == t[:1]).all())

    @property
    def macs(self) -> int:
        return self.pixels * self.channels * self.window if self.mode == "dot" else 0


@dataclass(frozen=True, eq=False)
class HwAvgPool(HwVVAU):
    """Average pool: the window sum of hwgen_vvau (mode ``sum``) with the division and any
    truncation folded into its thresholds."""

    op = "avgpool"


@dataclass(frozen=True, eq=False)
class HwWindowMax(HwVVAU):
    """Max pool with padding or a stride other than the kernel (hwgen_vvau, mode ``max``)."""

    op = "pool"


@dataclass(frozen=True, eq=False)
class HwLabelSelect(HwLayer):
    """Top-1 over ``channels`` values (ties to the lowest index); outputs the index."""

    channels: int = 1

    op = "label"
    folding_keys = ("PE",)

    @property
    def out_beat_elems(self) -> int:
        return 1

    @property
    def cycles(self) -> int:
        return self.in_beats


@dataclass(frozen=True, eq=False)
class HwDup(HwLayer):
    """Stream fork (hwgen_dup): every beat to both outputs; PE elements per beat, set to its
    producer's output beat by the build (no folding key of its own). Output port ``k`` feeds
    the ``k``-th consumer in ``HwGraph.consumers``."""

    op = "dup"
    folding_keys = ()

    @property
    def cycles(self) -> int:
        return self.in_beats


@dataclass(frozen=True, eq=False)
class HwAdd(HwLayer):
    """Elementwise add of two code streams (hwgen_add): ``s = K0 * a + K1 * b`` per lane, then
    the fused activation's thresholds on ``s`` (``thresholds`` (C, N) or (1, N) shared), or
    the raw sum (``thresholds`` None, out_dtype = sum_dtype). PE lanes on both inputs."""

    in_dtype1: DataType = None  # type: ignore[assignment]
    channels: int = 1
    pixels: int = 1
    k0: int = 1
    k1: int = 1
    sum_dtype: DataType = None  # type: ignore[assignment]
    thresholds: np.ndarray | None = None
    out_bias: int = 0
    thr_dtype: DataType | None = None

    op = "add"
    folding_keys = ("PE",)

    @property
    def n_inputs(self) -> int:
        return 2

    def port_bits(self, port: int) -> int:
        return (self.in_dtype, self.in_dtype1)[port].code_bits

    @property
    def n_thresholds(self) -> int:
        return 0 if self.thresholds is None else int(self.thresholds.shape[1])

    @property
    def cycles(self) -> int:
        return self.pixels * self.channels // self.PE


@dataclass(frozen=True, eq=False)
class HwConcat(HwLayer):
    """Channel concatenation (hwgen_concat): per pixel C0/PE beats of input 0, then C1/PE of
    input 1; both inputs carry the same codes (``in_dtype``)."""

    c0: int = 1
    c1: int = 1
    pixels: int = 1

    op = "cat"
    folding_keys = ("PE",)

    @property
    def n_inputs(self) -> int:
        return 2

    def port_elems(self, port: int) -> int:
        return self.pixels * (self.c0, self.c1)[port]

    @property
    def cycles(self) -> int:
        return self.pixels * (self.c0 + self.c1) // self.PE


@dataclass(frozen=True, eq=False)
class HwGraph:
    """The hardware pipeline: layers in stream order plus the boundary datatypes."""

    name: str
    layers: tuple[HwLayer, ...]
    in_dtype: DataType
    out_dtype: DataType
    in_elems: int
    out_elems: int

    @property
    def max_cycles(self) -> int:
        return max(layer.cycles for layer in self.layers) if self.layers else 0

    def layer(self, name: str) -> HwLayer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def replace_layers(self, layers: tuple[HwLayer, ...]) -> HwGraph:
        return dataclasses.replace(self, layers=tuple(layers))

    def producers(self, layer: HwLayer | int) -> tuple[str, ...]:
        """The layers (or GRAPH_INPUT) feeding each input port of ``layer``."""
        i = layer if isinstance(layer, int) else self._index[layer.name]
        if self.layers[i].inputs:
            return tuple(self.layers[i].inputs)
        return (self.layers[i - 1].name if i else GRAPH_INPUT,)

    def consumers(self, name: str) -> tuple[tuple[str, int], ...]:
        """(consumer, input port) pairs reading stream ``name``, in layer order; a fork's
        output port k feeds the k-th."""
        return self._consumers.get(name, ())

    @property
    def is_chain(self) -> bool:
        return not any(layer.inputs for layer in self.layers)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {layer.name: i for i, layer in enumerate(self.layers)}

    @cached_property
    def _consumers(self) -> dict[str, tuple[tuple[str, int], ...]]:
        out: dict[str, list[tuple[str, int]]] = {}
        for i, layer in enumerate(self.layers):
            for port, p in enumerate(self.producers(i)):
                out.setdefault(p, []).append((layer.name, port))
        return {k: tuple(v) for k, v in out.items()}
