"""Lowering a cleaned-up QONNX graph (a DAG of nodes) to hwgen's IR.

The walk visits the ONNX nodes that read activations in graph (topological) order. Every
activation tensor carries a small state: the current integer stream (IR shape, datatype, per-channel value range), the
float ops that map its integers to the ONNX tensor's real values (``pending``), and ``gather``,
the map from ONNX element order to hardware (NHWC / HWC) element order. Weight quantizers fold
to integer matrices; each activation quantizer becomes a Threshold layer whose thresholds are
found by bisection over the integer range, evaluating ``pending`` + the quantizer in float32 in
ONNX node order (exact for every monotone path; round-half-even ties come out as QONNX's).
A tensor read by several nodes (a fork) hands its state to each; ``Add``/``Concat`` of two
quantized streams join two states (DESIGN.md 3b: integer add of equal scales, exact re-coding
of integer-multiple scales, or a refusal naming the node).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from hwgen.errors import HwgenError, ModelError, UnsupportedError
from hwgen.frontend.checks import prepare
from hwgen.ir.datatypes import BIPOLAR, INT, TERNARY, UINT, DataType
from hwgen.ir.floatops import FloatOp, QuantSpec
from hwgen.ir.graph import GRAPH_INPUT, Epilogue, Graph, Prologue
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
from hwgen.ir.verify import verify
from hwgen.runtime.floatops import ROUNDING

__all__ = [
    "SUPPORTED_OPS",
    "eval_path",
    "load",
    "lower",
    "lower_with_paths",
    "place_thresholds",
    "read",
]

_ELEMENTWISE = ("Mul", "Add", "Sub", "Div", "Relu", "Tanh", "Sigmoid", "Clip", "BatchNormalization")
_LAYOUT = ("Reshape", "Flatten", "Identity", "Dropout")
SUPPORTED_OPS = tuple(
    sorted(
        {"MatMul", "Gemm", "Conv", "MaxPool", "Quant", "BipolarQuant", "MultiThreshold", "ArgMax",
         "TopK", "AveragePool", "GlobalAveragePool", "ReduceMean", "Trunc", *_ELEMENTWISE,
         *_LAYOUT}
    )
)
_SUPPORTED_TEXT = ", ".join(SUPPORTED_OPS)
_TOP1_CHECK_LIMIT = 1 << 22  # top-1 in hardware only if every stream value can be checked


def read(path: Any) -> Any:
    """Parse and clean up a QONNX file; returns a qonnx ``ModelWrapper``."""
    import onnx
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.fold_constants import FoldConstants
    from qonnx.transformation.general import GiveUniqueNodeNames, RemoveStaticGraphInputs
    from qonnx.transformation.infer_shapes import InferShapes

    p = Path(path)
    if p.is_dir():
        raise ModelError(f"model path {str(p)!r} is a folder, not a file",
                         hint="pass the path of a .onnx file written by brevitas export_qonnx")
    if not p.is_file():
        raise ModelError(f"model file {str(p)!r} does not exist",
                         hint="pass the path of a .onnx file written by brevitas export_qonnx")
    try:
        proto = onnx.load(str(p))
    except Exception as exc:
        raise ModelError(f"cannot read {str(p)!r} as an ONNX/QONNX model: {exc}".splitlines()[0],
                         hint="pass a .onnx file written by brevitas export_qonnx") from exc
    proto = prepare(proto)  # before qonnx allocates or folds anything
    notes = _drop_constant_outputs(proto)
    try:
        model = ModelWrapper(proto)
        model = model.transform(RemoveStaticGraphInputs())
        names = [n.name for n in model.graph.node]
        if "" in names or len(set(names)) != len(names):
            model = model.transform(GiveUniqueNodeNames())
        if any(n.op_type in ("QuantizeLinear", "DequantizeLinear") for n in model.graph.node):
            from qonnx.transformation.qcdq_to_qonnx import QCDQToQuant

            # the conversion needs shapes and constant scales, but not folded weight chains
            model = model.transform(InferShapes())
            model = model.transform(FoldConstants(exclude_op_types=[
                "Quant", "BipolarQuant", "QuantizeLinear", "Clip", "DequantizeLinear"]))
            model = model.transform(InferShapes())
            _constant_dequant_to_quant(model)
            model = model.transform(QCDQToQuant())
            notes.append("QCDQ export (QuantizeLinear/Clip/DequantizeLinear) read as QONNX Quant "
                         "nodes")
        model = model.transform(InferShapes())
        model = model.transform(FoldConstants())
        model = model.transform(InferShapes())
    except HwgenError:
        raise
    except Exception as exc:
        raise ModelError(f"cannot read {str(p)!r} as an ONNX/QONNX model: {exc}".splitlines()[0],
                         hint="pass a .onnx file written by brevitas export_qonnx") from exc
    model._hwgen_sha256 = hashlib.sha256(p.read_bytes()).hexdigest()
    model._hwgen_name = p.stem
    model._hwgen_notes = tuple(notes)
    return model


def _constant_dequant_to_quant(model: Any) -> None:
    """QCDQ weights are exported already quantized: integer constant -> Clip -> DequantizeLinear
    (no QuantizeLinear, so qonnx's QCDQToQuant leaves them). Rewrite each chain as the QONNX
    Quant of ``(q - zp) * scale`` with the bit width, sign and narrow range of the Clip."""
    from onnx import helper

    g = model.graph
    producer = {t: n for n in g.node for t in n.output}
    for dq in [n for n in g.node if n.op_type == "DequantizeLinear"]:
        src, clip = dq.input[0], None
        if src in producer and producer[src].op_type == "Clip":
            clip = producer[src]
            src = clip.input[0]
        q = model.get_initializer(src)
        scale = model.get_initializer(dq.input[1])
        zp = model.get_initializer(dq.input[2]) if len(dq.input) > 2 and dq.input[2] else None
        if q is None or scale is None or q.dtype.kind not in "iu":
            continue
        info = np.iinfo(q.dtype)
        lo, hi = int(info.min), int(info.max)
        if clip is not None:
            bounds = [model.get_initializer(t) for t in clip.input[1:3]]
            if len(bounds) != 2 or any(b is None for b in bounds):
                continue
            lo, hi = int(bounds[0]), int(bounds[1])
        zero = np.zeros((), np.float32) if zp is None else np.asarray(zp, np.float32)
        signed = lo < 0
        narrow = signed and lo == -hi
        bits = max(1, int(np.ceil(np.log2(hi - lo + 1))))
        axis = int(next((a.i for a in dq.attribute if a.name == "axis"), 1))
        sc = np.asarray(scale, np.float32)
        if sc.ndim == 1 and q.ndim > 1:  # per-axis scale: broadcast along ``axis``
            shape = [1] * q.ndim
            shape[axis] = -1
            sc, zero = sc.reshape(shape), zero.reshape(shape) if zero.size > 1 else zero
        name = dq.output[0]
        model.set_initializer(name + "_hwgen_w", ((np.clip(q, lo, hi) - zero) * sc)
                              .astype(np.float32))
        model.set_initializer(name + "_hwgen_s", sc)
        model.set_initializer(name + "_hwgen_z", np.zeros((), np.float32))
        model.set_initializer(name + "_hwgen_b", np.asarray(bits, np.float32))
        quant = helper.make_node(
            "Quant", [name + "_hwgen_w", name + "_hwgen_s", name + "_hwgen_z", name + "_hwgen_b"],
            [name], name=dq.name or name, domain="qonnx.custom_op.general", signed=int(signed),
            narrow=int(narrow), rounding_mode="ROUND")
        idx = list(g.node).index(dq)
        g.node.remove(dq)
        g.node.insert(idx, quant)
        if clip is not None and all(clip.output[0] not in n.input for n in g.node):
            g.node.remove(clip)


def _drop_constant_outputs(proto: Any) -> list[str]:
    """A Brevitas QuantTensor output (``return_quant_tensor=True``) exports six outputs: value,
    scale, zero point, bit width, signed, training. Keep the value (the first output) when the
    other five are constants or computed only from constants; otherwise refuse."""
    g = proto.graph
    outs = list(g.output)
    if len(outs) < 2:
        return []
    const = {i.name for i in g.initializer}
    for node in g.node:  # ONNX node order is topological
        if all(t in const for t in node.input if t):
            const.update(node.output)
    dynamic = [o.name for o in outs if o.name not in const]
    if dynamic != [outs[0].name]:
        raise UnsupportedError(
            f"the model must have one output, not {len(outs)}: only the first (a QuantTensor's "
            f"value) may depend on the input, but outputs {', '.join(repr(d) for d in dynamic)} "
            "do",
            hint="export a single-output model (a QuantTensor's scale, zero point, bit width, "
            "signed and training outputs are accepted when they are constants)")
    for o in outs[1:]:
        g.output.remove(o)
    return [f"QuantTensor output: reading the value {outs[0].name!r}; the {len(outs) - 1} "
            f"constant outputs (scale, zero point, bit width, signed, training) are dropped"]


def load(path: Any) -> Graph:
    """Read a QONNX file and lower it to a verified IR graph."""
    return lower(read(path))


# ----------------------------------------------------------------------------------------------
# float path evaluation (the frontend evaluates Tanh/Sigmoid with onnxruntime, as execute_onnx)

_ORT: dict[str, Any] = {}


def _ort_unary(kind: str, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    from onnx import TensorProto, helper

    op = {"tanh": "Tanh", "sigmoid": "Sigmoid"}[kind]
    if op not in _ORT:
        g = helper.make_graph(
            [helper.make_node(op, ["x"], ["y"])], "u",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        )
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        _ORT[op] = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return _ORT[op].run(None, {"x": np.ascontiguousarray(x, np.float32)})[0]


def eval_path(ops: tuple[FloatOp, ...], acc: np.ndarray) -> np.ndarray:
    """float32 value of the ONNX tensor at the end of ``ops`` for integer stream values ``acc``."""
    x: np.ndarray = acc
    for op in ops:
        x = _ort_unary(op.kind, x) if op.kind in ("tanh", "sigmoid") else op.apply(x)
    return np.asarray(x, np.float32)


def place_thresholds(ops: tuple[FloatOp, ...], quant: QuantSpec, lo: np.ndarray,
                     hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds (C, N-1) and channel signs (C,) for ``quant(eval_path(ops, sign * acc))``.

    ``lo``/``hi`` (C,) bound the integer stream per channel. A channel whose level falls with
    the accumulator gets sign -1 (its weights must be negated); T[c, k] is the smallest
    accumulator in [lo, hi + 1] (after the sign) whose level index is >= k + 1.
    """
    n = quant.levels

    def level(a: np.ndarray) -> np.ndarray:
        return quant.index(eval_path(ops, a))

    lo, hi = np.asarray(lo, np.int64), np.asarray(hi, np.int64)
    dec = level(hi[None])[0] < level(lo[None])[0]
    sign = np.where(dec, -1, 1).astype(np.int64)
    lo2, hi2 = np.where(dec, -hi, lo), np.where(dec, -lo, hi)
    target = np.arange(1, n, dtype=np.int64)[:, None]
    a_lo = np.broadcast_to(lo2, (n - 1, lo2.size)).copy()
    a_hi = np.broadcast_to(hi2 + 1, (n - 1, lo2.size)).copy()
    while True:
        active = a_lo < a_hi
        if not active.any():
            break
        mid = (a_lo + a_hi) // 2
        ok = level(sign * mid) >= target
        a_hi = np.where(active & ok, mid, a_hi)
        a_lo = np.where(active & ~ok, mid + 1, a_lo)
    return a_lo.T.copy(), sign


# ----------------------------------------------------------------------------------------------


def _dtype_from_qonnx(dt: Any) -> DataType | None:
    name = dt.name
    if name in ("BIPOLAR", "BINARY", "TERNARY"):
        return {"BIPOLAR": BIPOLAR, "TERNARY": TERNARY, "BINARY": UINT(1)}[name]
    for kind in ("UINT", "INT"):
        if name.startswith(kind) and name[len(kind):].isdigit():
            return DataType(kind, int(name[len(kind):]))
    return None


def _canonical_gather(onnx_shape: tuple[int, ...]) -> np.ndarray:
    """ONNX element order -> hardware order for an NCHW (or N, F) tensor stored NHWC."""
    if len(onnx_shape) == 4:
        _, c, h, w = onnx_shape
        return np.arange(h * w * c).reshape(h, w, c).transpose(2, 0, 1).reshape(-1)
    if len(onnx_shape) == 3:  # (N, C, L) is NHWC (1, L, C)
        _, c, length = onnx_shape
        return np.arange(length * c).reshape(length, c).transpose(1, 0).reshape(-1)
    return np.arange(int(np.prod(onnx_shape[1:])))


class _Lowering:
    def __init__(self, model: Any) -> None:
        self.m = model
        g = model.graph
        self.inits = {i.name for i in g.initializer}
        self.consumers: dict[str, list[Any]] = {}
        self.producer: dict[str, Any] = {}
        for node in g.node:
            for t in node.input:
                self.consumers.setdefault(t, []).append(node)
            for t in node.output:
                self.producer[t] = node
        self.layers: list[Layer] = []
        self.pending: list[FloatOp] = []
        self.mm_index: int | None = None  # MatMul that produced the stream (for negation)
        self.paths: dict[str, tuple[tuple[FloatOp, ...], QuantSpec]] = {}

    # -- helpers ---------------------------------------------------------------------------

    def const(self, name: str, node: Any) -> np.ndarray:
        value = self.m.get_initializer(name)
        if value is None:
            raise UnsupportedError(
                f"input {name!r} must be a constant (initializer), but it is computed at run time",
                node=node.name, op=node.op_type,
                hint="only chains of one activation tensor with constant parameters are supported",
            )
        return np.asarray(value)

    def shape(self, tensor: str) -> tuple[int, ...]:
        s = self.m.get_tensor_shape(tensor)
        if s is None:
            raise ModelError(f"tensor {tensor!r} has no inferred shape",
                             hint="export with static shapes (a fixed example input)")
        if not all(isinstance(d, (int, np.integer)) and d > 0 for d in s):
            raise ModelError(f"tensor {tensor!r} must have a static, non-empty shape, not "
                             f"{tuple(s)}", hint="export with static shapes (a fixed example "
                             "input)")
        return tuple(int(d) for d in s)

    def attrs(self, node: Any) -> dict[str, Any]:
        from onnx import helper

        out = {}
        for a in node.attribute:
            v = helper.get_attribute_value(a)
            out[a.name] = v.decode() if isinstance(v, bytes) else v
        return out

    def channel_const(self, value: np.ndarray, node: Any) -> np.ndarray:
        """A constant broadcast against the ONNX tensor -> scalar or per-channel (hardware order)."""
        value = np.asarray(value, np.float32)
        if value.size == 1:
            return value.reshape(())
        try:
            full = np.broadcast_to(value, self.onnx_shape)[0].reshape(-1)
        except ValueError as exc:
            raise ModelError(
                f"constant of shape {value.shape} does not broadcast to the tensor of shape "
                f"{self.onnx_shape}: expected a scalar or one value per channel "
                f"({self.onnx_shape[1] if len(self.onnx_shape) > 1 else 1})",
                node=node.name, op=node.op_type, hint="per-channel constants only") from exc
        hw = np.empty_like(full)
        hw[self.gather] = full
        hw = hw.reshape(self.hw_shape)
        per_c = hw.reshape(-1, self.hw_shape[-1])
        if not np.all(per_c == per_c[:1]):
            raise UnsupportedError(
                f"constant of shape {value.shape} varies along a spatial axis; only scalars and "
                "per-channel constants can be absorbed", node=node.name, op=node.op_type,
                hint="use per-channel scales/biases (Brevitas per-channel quantizers, BatchNorm)")
        return per_c[0].copy()

    def fail(self, node: Any, msg: str, hint: str) -> UnsupportedError:
        return UnsupportedError(msg, node=node.name, op=node.op_type, hint=hint)

    def add_layer(self, layer: Layer) -> None:
        prev = self.layers[-1].name if self.layers else GRAPH_INPUT
        if not layer.inputs and self.src != prev:  # a branch: name the producer
            layer = replace(layer, inputs=(self.src,))
        self.layers.append(layer)
        self.src = layer.name
        self.hw_shape = tuple(layer.out_shape)
        self.dtype = layer.out_dtype
        self.mm_index = None
        self.lo = np.full(self.hw_shape[-1], self.dtype.min, np.int64)
        self.hi = np.full(self.hw_shape[-1], self.dtype.max, np.int64)

    def lname(self, kind: str) -> str:
        return f"{len(self.layers):02d}_{kind}"

    def input_scale(self, node: Any, depthwise: int = 0) -> float | np.ndarray:
        """The per-tensor real value of one integer step of the stream entering a MatMul/Conv.

        ``depthwise`` (its channel count): each output channel reads only its own input channel, so one positive
        scale per channel (a per-channel activation quantizer before it, as in Brevitas'
        MobileNet-v1) is absorbed too; the result is then a (C,) vector."""
        p = self.pending
        if self.dtype is None:
            raise self.fail(node, "the float input reaches a matrix product without a quantizer",
                            "quantize the input first (a QuantIdentity / Quant node)")
        if not p:
            return 1.0
        if len(p) == 1 and p[0].kind == "scale" and p[0].consts[0].size == 1:
            return float(p[0].consts[0])
        if depthwise and len(p) == 1 and p[0].kind == "scale" \
                and p[0].consts[0].size == depthwise and np.all(p[0].consts[0] > 0):
            return np.asarray(p[0].consts[0], np.float64).reshape(depthwise)
        if all(op.kind in ("scale", "mul", "div") and op.consts[0].size == 1 for op in p):
            # e.g. raw UINT8 pixels times 1/255 into the first conv: one per-tensor factor
            # (the float path then differs from ONNX's by float32 rounding only, DESIGN.md 2)
            f = 1.0
            for op in p:
                c = float(op.consts[0])
                f = f / c if op.kind == "div" else f * c
            if f > 0:
                return f
        ops = ", ".join(op.kind for op in p)
        raise self.fail(node, f"float ops [{ops}] between the last quantizer and this matrix "
                        "product cannot be absorbed (the input must be integers times one "
                        "per-tensor scale)",
                        "put a quantizer (QuantIdentity/QuantReLU) before this layer")

    # -- weights ---------------------------------------------------------------------------

    def weight(self, tensor: str, node: Any) -> tuple[np.ndarray, np.ndarray, DataType]:
        """Integer weights (ONNX orientation), broadcast float scale, declared datatype."""
        if tensor in self.inits:
            w = np.asarray(self.m.get_initializer(tensor), np.float64)
            if not np.all(w == np.round(w)):
                raise self.fail(node, f"weight {tensor!r} is float and not quantized",
                                "quantize the weights (Brevitas weight_quant) so they fold to "
                                "integers")
            w = w.astype(np.int64)
            lo, hi = int(w.min(initial=0)), int(w.max(initial=0))
            return w, np.ones(w.shape, np.float32), DataType.smallest(lo, hi)
        prod = self.producer.get(tensor)
        if prod is not None and prod.op_type == "Transpose":
            w, s, dt = self.weight(prod.input[0], node)
            perm = self.attrs(prod).get("perm", list(range(w.ndim))[::-1])
            return w.transpose(perm), s.transpose(perm), dt
        if prod is not None and prod.op_type in ("Quant", "BipolarQuant"):
            spec = self.quant_spec(prod, weights=True)
            raw = self.const(prod.input[0], prod).astype(np.float32)
            try:
                np.broadcast_shapes(spec.scale.shape, raw.shape)
            except ValueError as exc:
                raise ModelError(f"weight scale of shape {spec.scale.shape} does not broadcast "
                                 f"to the weights of shape {raw.shape}: expected a scalar or one "
                                 "value per output channel", node=prod.name, op=prod.op_type,
                                 hint="check the per-channel weight scale") from exc
            w = spec.values(raw)
            s = np.broadcast_to(spec.scale, w.shape).astype(np.float32)
            if spec.bipolar:
                dt = BIPOLAR
            elif spec.signed and spec.bits == 2 and spec.narrow:
                dt = TERNARY
            else:
                dt = INT(spec.bits) if spec.signed else UINT(spec.bits)
            return w, s, dt
        op = prod.op_type if prod is not None else "graph input"
        raise self.fail(node, f"weight {tensor!r} comes from {op}; expected an initializer or a "
                        "Quant/BipolarQuant of one", "export weights as constants")

    def per_output_scale(self, s: np.ndarray, axis: int, node: Any) -> np.ndarray:
        """Weight scale (broadcast, like the weights) -> (O,) along output ``axis``."""
        s = np.moveaxis(s, axis, 0).reshape(s.shape[axis], -1)
        if not np.all(s == s[:, :1]):
            raise self.fail(node, "weight scale varies inside an output channel",
                            "use per-tensor or per-output-channel weight scales")
        return s[:, 0].astype(np.float64)

    def bias(self, tensor: str, node: Any) -> np.ndarray:
        """A float bias: an initializer, or a Quant (e.g. Brevitas Int32Bias) of one."""
        if tensor in self.inits:
            return self.const(tensor, node).astype(np.float32).reshape(-1)
        prod = self.producer.get(tensor)
        if prod is not None and prod.op_type == "Quant":
            spec = self.quant_spec(prod, weights=True)
            raw = self.const(prod.input[0], prod).astype(np.float32)
            vals = spec.values(raw).astype(np.float32) * np.broadcast_to(spec.scale, raw.shape)
            return vals.astype(np.float32).reshape(-1)
        op = prod.op_type if prod is not None else "graph input"
        raise self.fail(node, f"bias {tensor!r} comes from {op}; expected an initializer or a "
                        "Quant of one", "export biases as constants")

    def trunc_spec(self, node: Any) -> QuantSpec:
        """QONNX Trunc v2 (x, scale, zeropt, in_bits, out_scale, out_bits) as a quantizer."""
        version = max([o.version for o in self.m.model.opset_import if o.domain == node.domain]
                      or [1])
        if len(node.input) != 6 or version < 2:
            raise self.fail(node, f"Trunc with {len(node.input)} inputs in opset {version} of "
                            f"{node.domain} (QONNX Trunc v1) is not supported; expected Trunc v2 "
                            "(6 inputs, opset >= 2)",
                            "export with a Brevitas version that writes Trunc v2")
        a = self.attrs(node)
        scale = self.const(node.input[1], node).astype(np.float32)
        zp = self.const(node.input[2], node)
        out_scale = self.const(node.input[4], node).astype(np.float32)
        bits = self.const(node.input[5], node)
        if np.any(zp != 0) or scale.size != 1 or out_scale.size != 1 or bits.size != 1:
            raise self.fail(node, "Trunc needs a zero point of 0 and per-tensor scales and bit "
                            "width", "use Brevitas' TruncAvgPool2d defaults")
        trunc_scale = float(2.0 ** np.round(np.log2(out_scale / scale)))
        return QuantSpec("trunc", out_scale.reshape(()), bits=int(float(bits)),
                         signed=bool(a.get("signed", 1)), narrow=bool(a.get("narrow", 0)),
                         rounding=str(a.get("rounding_mode", "FLOOR")).upper(),
                         onnx_name=node.name, in_scale=scale.reshape(()),
                         trunc_scale=trunc_scale)

    def quant_spec(self, node: Any, weights: bool = False) -> QuantSpec:
        if node.op_type == "Trunc":
            return self.trunc_spec(node)
        if node.op_type == "BipolarQuant":
            scale = self.const(node.input[1], node).astype(np.float32)
            return QuantSpec("bipolar", scale if weights else self.channel_const(scale, node),
                             onnx_name=node.name)
        if node.op_type == "MultiThreshold":
            return self.multithreshold_spec(node)
        a = self.attrs(node)
        scale = self.const(node.input[1], node).astype(np.float32)
        zp = self.const(node.input[2], node)
        bits = self.const(node.input[3], node)
        if np.any(zp != 0):
            raise self.fail(node, f"zero point must be 0, not {zp.reshape(-1)[:4].tolist()}",
                            "use a symmetric (zero_point=0) quantizer; asymmetric ones are "
                            "not supported")
        top = 32 if weights else 16  # weights: also quantized biases (Brevitas Int32Bias)
        if bits.size != 1 or float(bits) != int(float(bits)) or not 1 <= int(float(bits)) <= top:
            raise self.fail(node, f"bit width must be one integer in 1..{top}, not "
                            f"{bits.tolist()}",
                            "use a fixed integer bit width")
        if np.any(scale <= 0):
            raise self.fail(node, "scale must be positive", "check the quantizer's scale")
        rounding = str(a.get("rounding_mode", "ROUND")).upper()
        if rounding not in ROUNDING:
            raise self.fail(node, f"rounding_mode must be one of {', '.join(ROUNDING)}, not "
                            f"{rounding!r}", "export with a QONNX rounding mode")
        return QuantSpec("int", scale if weights else self.channel_const(scale, node),
                         bits=int(float(bits)), signed=bool(a.get("signed", 1)),
                         narrow=bool(a.get("narrow", 0)), rounding=rounding, onnx_name=node.name)

    def multithreshold_spec(self, node: Any) -> QuantSpec:
        a = self.attrs(node)
        t = self.const(node.input[1], node).astype(np.float32)
        scale, bias = float(a.get("out_scale", 1.0)), float(a.get("out_bias", 0.0))
        if scale != int(scale) or bias != int(bias) or scale < 1:
            raise self.fail(node, f"out_scale {scale} / out_bias {bias} must be integers "
                            "(out_scale >= 1)", "fold float output scales into the next layer")
        layout = a.get("data_layout", "NCHW")
        if layout not in ("NCHW", "NHWC", "NC"):
            raise self.fail(node, f"data_layout must be NCHW or NHWC, not {layout}", "")
        if t.ndim != 2 or t.shape[1] < 1:
            raise ModelError(f"thresholds must be a 2-D table (channels, steps), not of shape "
                             f"{t.shape}", node=node.name, op=node.op_type,
                             hint="one row per channel (or one shared row), one column per step")
        if layout == "NHWC" and len(self.onnx_shape) != 4:
            raise self.fail(node, f"data_layout NHWC needs a 4-D tensor, not {self.onnx_shape} "
                            "(QONNX cannot execute it)", "use data_layout NCHW")
        if layout == "NHWC" and t.shape[0] > 1:
            # QONNX then reads the last ONNX axis (W of this NCHW tensor) as the channels
            raise self.fail(node, f"data_layout NHWC on the NCHW tensor {self.onnx_shape} applies "
                            f"{t.shape[0]} threshold rows along its last axis; hwgen supports "
                            "per-channel thresholds along axis 1 only",
                            "use data_layout NCHW (or one shared threshold row)")
        channels = self.onnx_shape[1] if len(self.onnx_shape) > 1 else 1
        if t.shape[0] not in (1, channels):
            raise ModelError(f"thresholds must have 1 or {channels} rows (one per channel), not "
                             f"{t.shape[0]}", node=node.name, op=node.op_type,
                             hint="the threshold table does not match its input's channels")
        if t.shape[0] > 1:
            if len(self.onnx_shape) == 4:
                pass  # rows are channels, already hardware channel order
            else:
                rows = np.empty_like(t)
                rows[self.gather] = t
                t = rows
        return QuantSpec("multithreshold", np.float32(1), thresholds=t, mt_bias=int(bias),
                         mt_step=int(scale), onnx_name=node.name)

    # -- node handlers ---------------------------------------------------------------------

    def quantizer(self, node: Any) -> None:
        spec = self.quant_spec(node)
        if self.dtype is None:  # float input: the first quantizer runs on the host
            if any(op.per_channel for op in self.pending) or spec.scale.size != 1 or \
                    spec.kind == "multithreshold":
                raise self.fail(node, "the input quantizer must be per-tensor",
                                "use a per-tensor input quantizer")
            self.prologue = Prologue("quant", tuple(self.pending), spec, onnx_name=node.name)
            self.dtype = BIPOLAR if spec.bipolar else DataType.smallest(spec.qmin, spec.qmax)
            self.lo = np.full(self.hw_shape[-1], spec.qmin, np.int64)
            self.hi = np.full(self.hw_shape[-1], spec.qmax, np.int64)
        else:
            ops = tuple(self.pending)
            t, sign = place_thresholds(ops, spec, self.lo, self.hi)
            if np.any(sign < 0):
                if self.mm_index is None:
                    raise self.fail(node, "the activation decreases with the integer input, and "
                                    "there is no weight matrix to negate",
                                    "use a positive scale before this quantizer")
                mm = self.layers[self.mm_index]
                w = mm.weights * sign[:, None]
                wdt = mm.w_dtype if mm.w_dtype.allowed(w) else (
                    INT(mm.w_dtype.bits + 1) if mm.w_dtype.kind == "INT"
                    else DataType.smallest(int(w.min()), int(w.max())))
                self.layers[self.mm_index] = replace(mm, weights=w, w_dtype=wdt)
                self.dtype = self.layers[self.mm_index].out_dtype
            if np.all(t == t[:1]):
                t = t[:1]
            self.paths[self.lname("thr")] = (ops, spec)
            self.add_layer(Threshold(self.lname("thr"), node.name, self.hw_shape, self.dtype, t,
                                     out_bias=spec.qmin, out_step=spec.step))
        self.pending = [] if spec.kind == "multithreshold" else [
            FloatOp("scale", (spec.scale,), onnx_name=node.name)]

    def elementwise(self, node: Any) -> None:
        op = node.op_type
        if op == "Relu":
            self.pending.append(FloatOp("relu", onnx_name=node.name))
            return
        if op in ("Tanh", "Sigmoid"):
            self.pending.append(FloatOp(op.lower(), onnx_name=node.name))
            return
        if op == "Clip":
            lo = self.const(node.input[1], node) if len(node.input) > 1 and node.input[1] else \
                np.float32(self.attrs(node).get("min", -np.inf))
            hi = self.const(node.input[2], node) if len(node.input) > 2 and node.input[2] else \
                np.float32(self.attrs(node).get("max", np.inf))
            self.pending.append(FloatOp("clip", (lo, hi), onnx_name=node.name))
            return
        if op == "BatchNormalization":
            eps = np.float32(self.attrs(node).get("epsilon", 1e-5))
            channels = self.onnx_shape[1] if len(self.onnx_shape) > 1 else 1
            parts = []
            for t, role in zip(node.input[1:5], ("scale", "bias", "mean", "variance")):
                c = self.const(t, node).astype(np.float32)
                if c.size != channels:
                    raise ModelError(f"{role} must have {channels} values (one per channel), "
                                     f"not {c.size}", node=node.name, op=node.op_type,
                                     hint="the BatchNorm does not match its input's channels")
                shape = [1] * len(self.onnx_shape)
                shape[1] = -1
                parts.append(self.channel_const(c.reshape(shape), node))
            if not np.isfinite(eps) or np.any(parts[3] + eps <= 0):
                bad = int(np.argmax(parts[3] + eps <= 0))
                var = float(np.broadcast_to(parts[3], (channels,))[bad])
                raise ModelError(f"variance + epsilon must be > 0 in every channel, not "
                                 f"{var:g} + {float(eps):g} (channel {bad})", node=node.name,
                                 op=node.op_type, hint="the BatchNorm statistics are corrupt")
            self.pending.append(FloatOp("bn", (*parts, eps), onnx_name=node.name))
            return
        # binary ops with one constant operand
        if node.input[0] == self.tensor:
            c = self.const(node.input[1], node)
            kind = {"Mul": "mul", "Add": "add", "Sub": "sub", "Div": "div"}[op]
        else:
            c = self.const(node.input[0], node)
            kind = {"Mul": "mul", "Add": "add", "Sub": "rsub", "Div": None}[op]
            if kind is None:
                raise self.fail(node, "constant divided by the activation cannot be absorbed",
                                "divide the activation by a constant instead")
        self.pending.append(FloatOp(kind, (self.channel_const(c, node),), onnx_name=node.name))

    def matmul(self, node: Any, w: np.ndarray, s: np.ndarray, wdt: DataType,
               bias: np.ndarray | None) -> None:
        """``w`` (O, I) in ONNX input order, ``s`` (O,) weight scale."""
        s_x = self.input_scale(node)
        if len(self.hw_shape) != 1 and len(self.onnx_shape) not in (3, 4):
            raise self.fail(node, f"matrix product on a tensor of shape {self.onnx_shape}",
                            "flatten to (batch, features) first")
        if w.shape[1] != self.hw_shape[-1]:
            raise ModelError(f"weights must have {self.hw_shape[-1]} inputs (the features of "
                             f"the input {self.onnx_shape}), not {w.shape[1]}", node=node.name,
                             op=node.op_type, hint="the weight matrix does not match its input")
        if bias is not None and bias.size != w.shape[0]:
            raise ModelError(f"bias must have {w.shape[0]} values (one per output), not "
                             f"{bias.size}", node=node.name, op=node.op_type,
                             hint="the bias does not match the layer's outputs")
        cols = w
        if len(self.hw_shape) == 1:
            cols = np.empty_like(w)
            cols[:, self.gather] = w  # ONNX feature order -> hardware (HWC) order
        xnor = wdt == BIPOLAR and self.dtype == BIPOLAR
        self.add_layer(MatMul(self.lname("mm"), node.name, self.hw_shape, self.dtype, cols, wdt,
                              xnor=xnor))
        self.mm_index = len(self.layers) - 1
        mm = self.layers[-1]
        self.lo, self.hi = mm.row_min.copy(), mm.row_max.copy()
        self.pending = [FloatOp("scale", (s_x * s,), onnx_name=node.name)]
        if bias is not None:
            self.pending.append(FloatOp("add", (bias.astype(np.float32),), onnx_name=node.name))

    def gemm_or_matmul(self, node: Any) -> None:
        if len(self.onnx_shape) != 2:
            raise self.fail(node, f"the input must be (batch, features), not {self.onnx_shape}",
                            "flatten before the Linear layer")
        if node.op_type == "MatMul":
            w, s, wdt = self.weight(node.input[1], node)
            alpha, beta, bias = 1.0, 1.0, None
            if w.ndim != 2:
                raise self.fail(node, f"weights must be 2-D, not {w.shape}", "")
            w, s = w.T, s.T
        else:
            a = self.attrs(node)
            if a.get("transA", 0):
                raise self.fail(node, "transA=1 is not supported", "export a plain Linear layer")
            w, s, wdt = self.weight(node.input[1], node)
            if not a.get("transB", 0):
                w, s = w.T, s.T
            alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
            bias = None
            if len(node.input) > 2 and node.input[2]:
                bias = self.bias(node.input[2], node)
                if beta != 1.0:
                    bias = bias * np.float32(beta)
            if alpha != 1.0:
                raise self.fail(node, f"alpha must be 1, not {alpha}", "")
        if node.input[0] != self.tensor:
            raise self.fail(node, "the activation must be the first operand", "")
        scale = self.per_output_scale(s, 0, node)
        if bias is not None and bias.size == 1:
            bias = np.full(w.shape[0], bias.reshape(()), np.float32)
        self.matmul(node, w, scale, wdt, bias)

    def window_attrs(self, node: Any, kernel: tuple[int, ...]
                     ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int, int, int],
                                tuple[int, int]]:
        """Kernel, strides, pads (top, left, bottom, right), dilations of a Conv/pool node on
        the current (N, C, H, W) or (N, C, L) tensor, as 2-D (1-D: H = 1)."""
        a = self.attrs(node)
        rank = len(self.onnx_shape) - 2
        if rank not in (1, 2) or len(kernel) != rank:
            raise self.fail(node, f"window of rank {len(kernel)} on a tensor of shape "
                            f"{self.onnx_shape}", "use 1-D (N, C, L) or 2-D (N, C, H, W) layers")
        strides = list(a.get("strides", [1] * rank))
        dil = list(a.get("dilations", [1] * rank))
        pads = list(a.get("pads", [0] * (2 * rank)))
        auto = a.get("auto_pad", "NOTSET") or "NOTSET"
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            pads = [0] * (2 * rank)
            for d in range(rank):
                size = self.onnx_shape[2 + d]
                out = -(-size // strides[d])
                total = max(0, (out - 1) * strides[d] + (kernel[d] - 1) * dil[d] + 1 - size)
                small, big = total // 2, total - total // 2
                pads[d], pads[rank + d] = (small, big) if auto == "SAME_UPPER" else (big, small)
        elif auto == "VALID":
            pads = [0] * (2 * rank)
        elif auto != "NOTSET":
            raise self.fail(node, f"auto_pad {auto} is not supported",
                            "use NOTSET, VALID, SAME_UPPER or SAME_LOWER")
        for d in range(rank):
            span = (kernel[d] - 1) * dil[d] + 1
            if span > self.onnx_shape[2 + d] + pads[d] + pads[rank + d]:
                raise ModelError(f"kernel {tuple(kernel)} is larger than the padded input "
                                 f"{tuple(self.onnx_shape[2:])} (pads {list(pads)})",
                                 node=node.name, op=node.op_type, hint="check the input size")
        if rank == 1:
            return ((1, kernel[0]), (1, strides[0]), (0, pads[0], 0, pads[1]), (1, dil[0]))
        return ((kernel[0], kernel[1]), (strides[0], strides[1]),
                (pads[0], pads[1], pads[2], pads[3]), (dil[0], dil[1]))

    def conv(self, node: Any) -> None:
        a = self.attrs(node)
        if len(self.onnx_shape) not in (3, 4):
            raise self.fail(node, f"input must be NCHW or NCL, not {self.onnx_shape}", "")
        w, s, wdt = self.weight(node.input[1], node)
        if w.ndim == 3:  # Conv1d: (O, C, K) -> (O, C, 1, K)
            w, s = w[:, :, None, :], s[:, :, None, :]
        o, cg, kh, kw = w.shape
        c_in = self.hw_shape[-1]
        group = int(a.get("group", 1))
        kernel, stride, pads, dil = self.window_attrs(node, tuple(w.shape[2:]) if len(
            self.onnx_shape) == 4 else (kw,))
        depthwise = group > 1 and group == c_in and o == c_in and cg == 1
        if group == 1 and cg != c_in:
            raise ModelError(f"weights must be (out, {c_in}, kh, kw) for the input "
                             f"{self.onnx_shape}, not {w.shape}", node=node.name, op=node.op_type,
                             hint="the weights do not match the input channels")
        if group != 1 and not depthwise:
            raise self.fail(node, f"group must be 1 or the channel count {c_in} (depthwise, one "
                            f"output per channel), not {group} with {o} outputs",
                            "grouped convolutions (1 < group < channels) and depthwise channel "
                            "multipliers are not supported; split them into separate convs")
        general = (kh, kw, stride, pads, dil) != (1, 1, (1, 1), (0, 0, 0, 0), (1, 1))
        if general or depthwise:
            if self.dtype == BIPOLAR and any(pads):
                raise self.fail(node, "zero padding of a BIPOLAR (+1/-1) input has no code",
                                "use padding=0 or a non-bipolar quantizer on the conv input")
            self.add_layer(SlidingWindow(self.lname("swg"), node.name, self.hw_shape, self.dtype,
                                         kernel, stride, pads, 0, dilation=dil))
            self.mm_index = None
        s_x = self.input_scale(node, c_in if depthwise else 0)  # check before building
        bias = None
        if len(node.input) > 2 and node.input[2]:
            bias = self.bias(node.input[2], node)
        scale = self.per_output_scale(s, 0, node)
        if depthwise:
            self.depthwise(node, w.reshape(o, kh * kw), scale, wdt, bias, s_x)
            return
        w2 = w.transpose(0, 2, 3, 1).reshape(o, kh * kw * cg)
        self.matmul(node, w2, scale, wdt, bias)

    def depthwise(self, node: Any, w: np.ndarray, s: np.ndarray, wdt: DataType,
                  bias: np.ndarray | None, s_x: float | np.ndarray) -> None:
        """Depthwise conv: ``w`` (C, K) integer weights, ``s`` (C,) weight scales, ``s_x`` the
        input's scale (per tensor, or (C,) per channel)."""
        if wdt == BIPOLAR:
            raise self.fail(node, "bipolar weights in a depthwise convolution are not supported",
                            "use integer (e.g. Int8WeightPerTensorFloat) depthwise weights")
        self.add_layer(DepthwiseMatMul(self.lname("dw"), node.name, self.hw_shape, self.dtype,
                                       w, wdt))
        self.mm_index = len(self.layers) - 1
        dw = self.layers[-1]
        self.lo, self.hi = dw.row_min.copy(), dw.row_max.copy()
        self.pending = [FloatOp("scale", (s_x * s,), onnx_name=node.name)]
        if bias is not None:
            self.pending.append(FloatOp("add", (bias.astype(np.float32),), onnx_name=node.name))

    def pool_input_ok(self, node: Any) -> None:
        p = self.pending
        if self.dtype is None or not all(op.kind == "scale" and np.all(op.consts[0] > 0)
                                         for op in p):
            raise self.fail(node, f"{node.op_type} must follow a quantizer directly",
                            "put the pool after the activation quantizer")

    def maxpool(self, node: Any) -> None:
        a = self.attrs(node)
        if a.get("ceil_mode", 0) or any(d != 1 for d in a.get("dilations", [1, 1])):
            raise self.fail(node, "MaxPool with ceil_mode or dilation is not supported",
                            "use nn.MaxPool2d/1d(k, stride, padding) with ceil_mode=False")
        self.pool_input_ok(node)
        ks = tuple(a["kernel_shape"])
        kernel, stride, pads, _ = self.window_attrs(node, ks)
        if "strides" not in a:
            stride = kernel  # hwgen's MaxPool default since the first release
        self.add_layer(MaxPool(self.lname("pool"), node.name, self.hw_shape, self.dtype,
                               kernel, stride, pads))

    def avgpool(self, node: Any, out: str) -> None:
        """AveragePool / GlobalAveragePool / ReduceMean(spatial): a window sum in integers,
        then the mean as a float op the next quantizer (Trunc, Quant) folds into thresholds."""
        a = self.attrs(node)
        op = node.op_type
        self.pool_input_ok(node)
        rank = len(self.onnx_shape) - 2
        if rank not in (1, 2):
            raise self.fail(node, f"{op} on a tensor of shape {self.onnx_shape}",
                            "pool (N, C, H, W) or (N, C, L) tensors")
        spatial = tuple(self.onnx_shape[2:])
        if op == "AveragePool":
            if a.get("ceil_mode", 0):
                raise self.fail(node, "ceil_mode=1 is not supported", "use ceil_mode=False")
            kernel, stride, pads, _ = self.window_attrs(node, tuple(a["kernel_shape"]))
            if any(pads) and not a.get("count_include_pad", 0):
                raise self.fail(node, "padding with count_include_pad=0 divides by a "
                                "position-dependent count", "use count_include_pad=True")
        else:
            if op == "ReduceMean":
                axes = a.get("axes")
                if axes is None and len(node.input) > 1 and node.input[1]:
                    axes = self.const(node.input[1], node).reshape(-1).tolist()
                axes = sorted(int(x) % len(self.onnx_shape) for x in (axes or []))
                if axes != list(range(2, len(self.onnx_shape))):
                    raise self.fail(node, f"ReduceMean over axes {axes}; only the spatial axes "
                                    f"{list(range(2, len(self.onnx_shape)))} are supported",
                                    "average over the spatial axes (global average pool)")
            kernel = (1, spatial[0]) if rank == 1 else (spatial[0], spatial[1])
            stride, pads = (1, 1), (0, 0, 0, 0)
        layer = AvgPool(self.lname("avgpool"), node.name, self.hw_shape, self.dtype, kernel,
                        stride, pads)
        self.add_layer(layer)
        self.pending = list(self.pending) + [
            FloatOp("div", (np.float32(layer.window),), onnx_name=node.name)]
        if len(self.shape(out)) == 2:  # ReduceMean keepdims=0: (N, C) straight away
            self.add_layer(Flatten(self.lname("flat"), node.name, self.hw_shape, self.dtype))
            self.gather = np.arange(self.hw_shape[0])

    def reshape(self, node: Any, out: str) -> None:
        new = self.shape(out)
        if len(new) == 2 and len(self.hw_shape) == 3:
            if any(op.per_channel for op in self.pending) and self.hw_shape[:2] != (1, 1):
                raise self.fail(node, "per-channel float ops cannot cross a Flatten",
                                "quantize before flattening")
            if self.layers:
                self.add_layer(Flatten(self.lname("flat"), node.name, self.hw_shape, self.dtype))
            else:  # still at the input: the prologue delivers the flat vector (HWC order)
                self.hw_shape = (int(np.prod(self.hw_shape)),)
                if self.dtype is not None:
                    self.lo = np.full(self.hw_shape[0], self.dtype.min, np.int64)
                    self.hi = np.full(self.hw_shape[0], self.dtype.max, np.int64)
        elif int(np.prod(new[1:])) != int(np.prod(self.onnx_shape[1:])) or new[0] != \
                self.onnx_shape[0] or (len(new) != len(self.onnx_shape)):
            raise self.fail(node, f"reshape {self.onnx_shape} -> {new} is not supported",
                            "only flattening (batch, C, H, W) -> (batch, C*H*W) is supported")

    def topk(self, node: Any) -> None:
        a = self.attrs(node)
        axis = a.get("axis", 0 if node.op_type == "ArgMax" else -1)
        rank = len(self.onnx_shape)
        if rank != 2 or axis not in (1, -1):
            raise self.fail(node, f"top-1 must run over the last axis of a (batch, classes) "
                            f"tensor, not axis {axis} of {self.onnx_shape}", "")
        if node.op_type == "ArgMax" and a.get("select_last_index", 0):
            raise self.fail(node, "select_last_index=1 is not supported", "")
        if node.op_type == "TopK":
            k = self.const(node.input[1], node)
            if int(k.reshape(-1)[0]) != 1 or not a.get("largest", 1):
                raise self.fail(node, "only TopK with k=1, largest=1 is supported", "")
            if self.consumers.get(node.output[0]) or node.output[0] in self.outputs:
                raise self.fail(node, "the TopK values output must be unused",
                                "use only the indices")
        # one positive per-tensor scale plus per-tensor bias keeps the order of the classes
        monotone = all(
            op.kind in ("scale", "mul", "add", "sub", "div")
            and np.all(op.consts[0] == op.consts[0].flat[0])
            and (op.kind in ("add", "sub") or float(op.consts[0].flat[0]) > 0)
            for op in self.pending
        )
        identity = np.array_equal(self.gather, np.arange(self.gather.size))
        if self.layers and monotone and identity and self.strictly_increasing_epilogue():
            self.add_layer(TopK(self.lname("topk"), node.name, self.hw_shape, self.dtype))
            self.top1 = "hw"
            self.pending = []
        else:
            self.top1 = "host"
        self.top1_node = node.name

    def strictly_increasing_epilogue(self) -> bool:
        """True when the float32 epilogue maps distinct stream values to distinct, increasing
        floats over the whole stream range, so top-1 of the integers equals ONNX ArgMax (float32
        ``acc * s + b`` can round neighbours to one value when |b| / s >= 2^24)."""
        lo, hi = int(self.lo.min()), int(self.hi.max())
        if hi - lo >= _TOP1_CHECK_LIMIT:
            return False  # too wide to check every value: top-1 stays on the host
        with np.errstate(all="ignore"):
            y = eval_path(tuple(self.pending), np.arange(lo, hi + 1, dtype=np.int64)[:, None])
        return bool(np.all(np.diff(y, axis=0) > 0))

    # -- the walk ----------------------------------------------------------------------------

    def run(self) -> Graph:
        g = self.m.graph
        inputs = [i.name for i in g.input if i.name not in self.inits]
        self.outputs = [o.name for o in g.output]
        if len(inputs) != 1 or len(self.outputs) != 1:
            raise UnsupportedError(
                f"the model must have one input and one output, not {len(inputs)} "
                f"({', '.join(inputs)}) and {len(self.outputs)} ({', '.join(self.outputs)})",
                op="graph", hint="export a single-input single-output model (merge the extra "
                "inputs into one tensor, return one output tensor)")
        self.tensor = inputs[0]
        onnx_in = self.shape(self.tensor)
        self.onnx_shape = onnx_in
        if len(onnx_in) == 4:
            self.hw_shape = (onnx_in[2], onnx_in[3], onnx_in[1])
        elif len(onnx_in) == 3:  # (N, C, L): NHWC (1, L, C), DESIGN.md 3b
            self.hw_shape = (1, onnx_in[2], onnx_in[1])
        elif len(onnx_in) == 2:
            self.hw_shape = (onnx_in[1],)
        else:
            raise UnsupportedError(f"input must be (batch, C, H, W), (batch, C, L) or (batch, "
                                   "features), not "
                                   f"{onnx_in}", hint="export with an NCHW or flat input")
        self.gather = _canonical_gather(onnx_in)
        self.dtype = _dtype_from_qonnx(self.m.get_tensor_datatype(self.tensor))
        self.prologue = Prologue("identity") if self.dtype is not None else None
        self.lo = self.hi = np.zeros(0, np.int64)
        if self.dtype is not None:
            self.lo = np.full(self.hw_shape[-1], self.dtype.min, np.int64)
            self.hi = np.full(self.hw_shape[-1], self.dtype.max, np.int64)
        self.top1, self.top1_node = "none", ""
        self.src = GRAPH_INPUT
        # The walk: ONNX nodes in graph order (topological) that read an activation tensor; each
        # activation tensor keeps the stream state it was produced with (forks restore it).
        states = {self.tensor: self.save_state()}
        for node in g.node:
            acts = [t for t in node.input if t in states]
            if not acts:
                continue  # weight quantizers and transposes, read by their consumers
            if self.top1 != "none":
                raise self.fail(node, "nothing may follow the final ArgMax/TopK", "")
            op = node.op_type
            out = node.output[1] if op == "TopK" else node.output[0]
            if op in ("Add", "Concat") and len(acts) == 2:
                self.join(node, [states[t] for t in acts])
            elif len(acts) != 1:
                raise self.fail(node, f"{len(acts)} activation inputs; only Add and Concat may "
                                "join two streams", "join branches with an Add or a Concat")
            else:
                self.load_state(states[acts[0]], node)
                self.node(node, out)
            states[out] = self.save_state()
        out = self.outputs[0]
        if out not in states:
            raise UnsupportedError(f"the graph output {out!r} does not depend on the input",
                                   op="graph", hint="export a model whose output is computed "
                                   "from its input")
        used = {t for n in g.node for t in n.input}
        dead = [t for t in states if t not in used and t != out]
        if dead:
            node = self.producer[dead[0]]
            raise self.fail(node, f"its output {dead[0]!r} is never used: the graph must have "
                            "one output", "remove the unused branch or return one tensor")
        self.load_state(states[out], None)
        if self.layers and self.src != self.layers[-1].name:
            raise UnsupportedError(f"the graph output comes from layer {self.src}, not from the "
                                   f"last layer {self.layers[-1].name}", op="graph",
                                   hint="every branch must reach the output")
        if self.dtype is None:
            raise UnsupportedError("the input is float and never quantized",
                                   hint="add a QuantIdentity at the model input or annotate the "
                                   "input with an integer datatype")
        onnx_out = self.shape(self.tensor)
        gather = None if np.array_equal(self.gather, np.arange(self.gather.size)) else self.gather
        if self.top1 == "hw":
            epi = Epilogue((), None, "hw", (self.top1_node,))
        else:
            names = tuple(dict.fromkeys(op.onnx_name for op in self.pending))
            epi = Epilogue(tuple(self.pending), gather, self.top1, names)
        self.canonical_order()
        first_shape = self.layers[0].in_shape if self.layers else self.hw_shape
        graph = Graph(
            name=getattr(self.m, "_hwgen_name", "model"),
            layers=tuple(self.layers),
            input_shape=tuple(first_shape),
            input_dtype=self.layers[0].in_dtype if self.layers else self.dtype,
            onnx_input_shape=tuple(onnx_in),
            onnx_output_shape=tuple(onnx_out),
            prologue=self.prologue,
            epilogue=epi,
            source_sha256=getattr(self.m, "_hwgen_sha256", ""),
            notes=getattr(self.m, "_hwgen_notes", ()),
        )
        return verify(graph)

    def node(self, node: Any, out: str) -> None:
        """Lower one single-input node reading the current stream (``self.tensor``)."""
        op = node.op_type
        if op in ("Quant", "BipolarQuant", "MultiThreshold", "Trunc"):
            self.quantizer(node)
        elif op in _ELEMENTWISE:
            self.elementwise(node)
        elif op in ("MatMul", "Gemm"):
            self.gemm_or_matmul(node)
        elif op == "Conv":
            self.conv(node)
        elif op == "MaxPool":
            self.maxpool(node)
        elif op in ("AveragePool", "GlobalAveragePool", "ReduceMean"):
            self.avgpool(node, out)
        elif op in ("Reshape", "Flatten"):
            self.reshape(node, out)
        elif op in ("Identity", "Dropout"):
            pass
        elif op in ("ArgMax", "TopK"):
            self.topk(node)
        else:
            raise self.fail(node, f"op {op} is not supported; supported ops: "
                            f"{_SUPPORTED_TEXT}",
                            "replace it in the model or open an issue with the model attached")
        if op not in ("ArgMax", "TopK"):
            self.onnx_shape = self.shape(out)
            if len(self.onnx_shape) in (3, 4) and op != "Identity" or op in ("MatMul", "Gemm"):
                self.gather = _canonical_gather(self.onnx_shape)
        self.tensor = out

    # -- graphs: stream states, forks and joins (issue 16) -----------------------------------

    def canonical_order(self) -> None:
        """Reorder and rename the layers: depth first from the output, input 0 before input 1.

        The order does not depend on how the exporter interleaved independent branches (the
        dynamo flavour does), so positional names stay stable across flavours; a chain keeps its
        order; each branch is contiguous, so a matrix product still precedes its quantizer.
        """
        by_name = {x.name: x for x in self.layers}
        prev = {x.name: (self.layers[i - 1].name if i else GRAPH_INPUT)
                for i, x in enumerate(self.layers)}
        srcs = {x.name: tuple(x.inputs) or (prev[x.name],) for x in self.layers}
        order: list[str] = []
        seen = {GRAPH_INPUT}
        stack = [(self.layers[-1].name, False)] if self.layers else []
        while stack:  # iterative post-order DFS
            name, expanded = stack.pop()
            if expanded:
                order.append(name)
                continue
            if name in seen:
                continue
            seen.add(name)
            stack.append((name, True))
            stack.extend((s, False) for s in reversed(srcs[name]) if s not in seen)
        rename = {GRAPH_INPUT: GRAPH_INPUT}
        for i, name in enumerate(order):
            rename[name] = f"{i:02d}_{name.split('_', 1)[1]}"
        layers: list[Layer] = []
        for name in order:
            ins = tuple(rename[s] for s in srcs[name])
            before = layers[-1].name if layers else GRAPH_INPUT
            keep = len(ins) > 1 or ins != (before,)
            layers.append(replace(by_name[name], name=rename[name], inputs=ins if keep else ()))
        self.paths = {rename[k]: v for k, v in self.paths.items() if k in rename}
        self.layers = layers
        self.src = rename.get(self.src, self.src)

    _STATE = ("tensor", "hw_shape", "dtype", "lo", "hi", "pending", "gather", "onnx_shape",
              "mm_index", "src")

    def save_state(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._STATE} | {"pending": tuple(self.pending)}

    def load_state(self, state: dict[str, Any], node: Any) -> None:
        """Continue from a saved stream; a stream read by several nodes (a fork) must already be
        quantized integers (a matrix product's raw output is fused with its quantizer)."""
        for k, v in state.items():
            setattr(self, k, list(v) if k == "pending" else v)
        users = self.consumers.get(self.tensor, [])
        if node is None or len(users) < 2:
            return
        if self.dtype is None:
            raise self.fail(node, f"the float input {self.tensor!r} feeds {len(users)} nodes "
                            "before its quantizer", "quantize the input once (one QuantIdentity)"
                            " before branching")
        if self.mm_index is not None:
            raise self.fail(node, f"the matrix product output {self.tensor!r} feeds {len(users)}"
                            " nodes before a quantizer", "put the activation quantizer before "
                            "the branch point")

    def stream_scale(self, node: Any, state: dict[str, Any], port: int) -> np.ndarray:
        """The real value of one integer step of a join operand (scalar or per channel)."""
        p = state["pending"]
        if state["dtype"] is None or state["mm_index"] is not None or len(p) > 1 or \
                (p and p[0].kind != "scale"):
            ops = ", ".join(op.kind for op in p) or "no quantizer"
            raise self.fail(node, f"operand {port} ({state['tensor']!r}) is not a quantized "
                            f"activation (float ops after its last quantizer: {ops})",
                            "put an activation quantizer (QuantIdentity/QuantReLU, one shared "
                            "instance for both operands) right before the join")
        return np.asarray(p[0].consts[0], np.float64) if p else np.float64(1.0)

    def join(self, node: Any, states: list[dict[str, Any]]) -> None:
        """``Add`` of two quantized streams (an integer add, or exact re-coding when one scale is
        an integer multiple of the other) or ``Concat`` on the channel axis (equal scales)."""
        a, b = states
        ca, cb = (self.stream_scale(node, s, i) for i, s in enumerate(states))
        fix = ("share the quantizer: quantize both operands with one activation quantizer "
               "instance (Brevitas: pass the same QuantReLU/QuantIdentity, e.g. shared_quant_act)")
        self.load_state(a, None)
        out = node.output[0]
        if node.op_type == "Add":
            if a["onnx_shape"] != b["onnx_shape"]:
                raise self.fail(node, f"operand shapes {a['onnx_shape']} and {b['onnx_shape']} "
                                "differ (no broadcasting between streams)",
                                "add tensors of equal shape")
            if not np.array_equal(a["gather"], b["gather"]):
                raise self.fail(node, "the operands' element orders differ (one was flattened "
                                "from a feature map)", "add tensors of the same layout")
            coeffs, scale = (1, 1), ca
            if not np.array_equal(ca, cb):
                ratio = float(ca.max()) / float(cb.max())
                k = round(max(ratio, 1 / ratio))
                if ca.size == 1 and cb.size == 1 and k > 1 and float(ca) == k * float(cb):
                    coeffs, scale = (k, 1), cb
                elif ca.size == 1 and cb.size == 1 and k > 1 and float(cb) == k * float(ca):
                    coeffs, scale = (1, k), ca
                else:
                    raise self.fail(node, f"operand scales {_fmt(ca)} and {_fmt(cb)} differ and "
                                    "neither is an integer multiple of the other: the add has "
                                    "no exact integer form", fix)
            if BIPOLAR in (a["dtype"], b["dtype"]):
                raise self.fail(node, "bipolar (+1/-1) operands cannot be added in hardware "
                                "codes", "use a QuantReLU/QuantIdentity with >= 2 bits before "
                                "the add")
            layer = Add(self.lname("add"), node.name, a["hw_shape"], a["dtype"], b["dtype"],
                        coeffs=coeffs, inputs=(a["src"], b["src"]))
            lo = coeffs[0] * a["lo"] + coeffs[1] * b["lo"]
            hi = coeffs[0] * a["hi"] + coeffs[1] * b["hi"]
        else:
            axis = self.attrs(node).get("axis", 1)
            rank = len(a["onnx_shape"])
            if axis not in (1, 1 - rank) or rank not in (2, 4):
                raise self.fail(node, f"concatenation on axis {axis} of a {rank}-D tensor",
                                "concatenate on the channel axis (1) of NCHW or (N, F) tensors")
            if a["onnx_shape"][2:] != b["onnx_shape"][2:]:
                raise self.fail(node, f"operand shapes {a['onnx_shape']} and {b['onnx_shape']} "
                                "differ outside the channel axis", "")
            if rank == 2 and not (np.array_equal(a["gather"], np.arange(a["gather"].size)) and
                                  np.array_equal(b["gather"], np.arange(b["gather"].size))):
                raise self.fail(node, "flattened feature maps cannot be concatenated",
                                "concatenate the feature maps before flattening")
            if not np.array_equal(ca, cb):
                raise self.fail(node, f"operand scales {_fmt(ca)} and {_fmt(cb)} differ",
                                fix)
            scale = ca
            layer = Concat(self.lname("cat"), node.name, a["hw_shape"], a["dtype"],
                           b["hw_shape"], b["dtype"], inputs=(a["src"], b["src"]))
            lo, hi = np.concatenate([a["lo"], b["lo"]]), np.concatenate([a["hi"], b["hi"]])
        self.add_layer(layer)
        self.lo, self.hi = lo.astype(np.int64), hi.astype(np.int64)
        self.pending = [FloatOp("scale", (scale,), onnx_name=node.name)] if \
            a["pending"] or b["pending"] else []
        self.onnx_shape = self.shape(out)
        self.gather = _canonical_gather(self.onnx_shape)
        self.tensor = out


def _fmt(c: np.ndarray) -> str:
    return f"{float(c):.6g}" if np.size(c) == 1 else f"(per channel, {np.size(c)} values)"


def lower(model: Any) -> Graph:
    """Lower a cleaned-up qonnx ``ModelWrapper`` (see ``read``) to a verified IR graph."""
    return _Lowering(model).run()


def lower_with_paths(model: Any) -> tuple[Graph, dict[str, tuple[tuple[FloatOp, ...], QuantSpec]]]:
    """``lower`` plus, per Threshold layer, the float path and quantizer it was placed from
    (for tests and debugging: ``eval_path(ops, acc)`` then ``quant.values``)."""
    lowering = _Lowering(model)
    return lowering.run(), lowering.paths
