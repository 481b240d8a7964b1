"""The IR graph: a DAG of integer layers between a host prologue and a host epilogue.

``Graph.layers`` is in topological order; each layer names its producers in ``Layer.inputs``
(``()``: the layer just before it, or ``GRAPH_INPUT`` for the first layer, so a chain is the
special case that names nothing). One graph input (``GRAPH_INPUT``), one graph output: the last
layer. ``Graph.producers``/``Graph.consumers`` resolve the edges.

``Prologue``: ONNX input -> first integer stream (``identity``: the input already carries an
integer datatype; ``quant``: scalar float ops and the first Quant run on the host with QONNX's
formula), then NCHW -> NHWC and reshape to ``Graph.input_shape``.
``Epilogue``: last integer stream -> ONNX output: float ops (per-channel scale/bias in float32,
onnxruntime's order), a gather back to ONNX element order, and top-1 on the host when the
hardware cannot do it (``top1 == "host"``); ``top1 == "hw"`` means the last layer is a TopK and
the hardware output already is the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from hwgen.ir.datatypes import DataType
from hwgen.ir.floatops import FloatOp, QuantSpec
from hwgen.ir.layers import Layer

__all__ = ["GRAPH_INPUT", "Epilogue", "Graph", "Prologue"]

GRAPH_INPUT = "input"  # the name of the first integer stream (what the prologue delivers)


@dataclass(frozen=True, eq=False)
class Prologue:
    kind: str  # "identity" | "quant"
    pre_ops: tuple[FloatOp, ...] = ()  # scalar float ops before the quantizer (host)
    quant: QuantSpec | None = None
    onnx_name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("identity", "quant"):
            raise ValueError(f"Prologue kind must be identity/quant, not {self.kind!r}")


@dataclass(frozen=True, eq=False)
class Epilogue:
    ops: tuple[FloatOp, ...] = ()  # float ops on the last stream (channels last)
    gather: np.ndarray | None = None  # onnx_flat = hw_flat[..., gather] per frame; None = same
    top1: str = "none"  # "none" | "host" | "hw"
    onnx_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.top1 not in ("none", "host", "hw"):
            raise ValueError(f"Epilogue top1 must be none/host/hw, not {self.top1!r}")
        if self.gather is not None:
            g = np.array(self.gather, dtype=np.int64)
            g.setflags(write=False)
            object.__setattr__(self, "gather", g)


@dataclass(frozen=True, eq=False)
class Graph:
    name: str
    layers: tuple[Layer, ...]
    input_shape: tuple[int, ...]  # hardware input per frame (NHWC or (features,))
    input_dtype: DataType
    onnx_input_shape: tuple[int, ...]  # with the batch axis, as in the ONNX file
    onnx_output_shape: tuple[int, ...]
    prologue: Prologue
    epilogue: Epilogue
    source_sha256: str = ""
    notes: tuple[str, ...] = ()  # how the source was read (QCDQ, QuantTensor outputs), for inspect

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.layers[-1].out_shape if self.layers else self.input_shape

    @property
    def output_dtype(self) -> DataType:
        return self.layers[-1].out_dtype if self.layers else self.input_dtype

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer {name!r}; layers: {', '.join(x.name for x in self.layers)}")

    def producers(self, layer: Layer | int) -> tuple[str, ...]:
        """The names of the layers (or ``GRAPH_INPUT``) feeding ``layer`` (a layer or index)."""
        i = layer if isinstance(layer, int) else self._index[layer.name]
        ly = self.layers[i]
        if ly.inputs:
            return tuple(ly.inputs)
        return (self.layers[i - 1].name if i else GRAPH_INPUT,)

    def consumers(self, name: str) -> tuple[str, ...]:
        """The names of the layers reading the stream ``name`` (a layer or ``GRAPH_INPUT``),
        in order, once per input port (an add of a stream with itself lists it twice)."""
        return self._consumers.get(name, ())

    @property
    def is_chain(self) -> bool:
        return all(self.producers(i) == ((self.layers[i - 1].name if i else GRAPH_INPUT),)
                   for i in range(len(self.layers)))

    @cached_property
    def _index(self) -> dict[str, int]:
        return {layer.name: i for i, layer in enumerate(self.layers)}

    @cached_property
    def _consumers(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for i, layer in enumerate(self.layers):
            for p in self.producers(i):
                out.setdefault(p, []).append(layer.name)
        return {k: tuple(v) for k, v in out.items()}
