"""Checks on the raw ONNX graph, before qonnx's cleanup touches it.

qonnx's cleanup allocates every tensor whose shape is declared (constant folding builds a full
execution context) and runs constant subgraphs, so a malformed file must be refused before it:
absurdly large or zero-size declared tensors, symbolic feature sizes, non-finite constants and
illegal window attributes. ``prepare(proto)`` raises a ``ModelError`` naming the tensor or node,
and otherwise returns the proto with a symbolic batch axis fixed to 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hwgen.errors import ModelError

__all__ = ["MAX_ELEMENTS", "prepare"]

MAX_ELEMENTS = 1 << 26  # per tensor (256 MiB of float32): far beyond any streaming design
_WINDOW_OPS = ("Conv", "MaxPool", "AveragePool")
_HINT_EXPORT = "export the model with static shapes (a fixed example input)"


def _where(consumers: dict[str, list[Any]], name: str) -> tuple[str, str]:
    users = consumers.get(name, [])
    return (users[0].name, users[0].op_type) if users else ("", "")


def _dims(vi: Any) -> list[Any] | None:
    """Dims of a value_info: int (known), str (symbolic) or None (unknown); None if no shape."""
    t = vi.type.tensor_type
    if not t.HasField("shape"):
        return None
    out: list[Any] = []
    for d in t.shape.dim:
        if d.HasField("dim_value"):
            out.append(int(d.dim_value))
        elif d.HasField("dim_param"):
            out.append(d.dim_param)
        else:
            out.append(None)
    return out


def _check_size(name: str, dims: list[int] | tuple[int, ...], what: str, node: str = "",
                op: str = "") -> None:
    if any(d < 0 for d in dims):
        raise ModelError(f"{what} {name!r} has a negative dimension: shape {tuple(dims)}",
                         node=node, op=op, hint=_HINT_EXPORT)
    if any(d == 0 for d in dims):
        raise ModelError(f"{what} {name!r} is empty: shape {tuple(dims)} has a zero-size "
                         "dimension", node=node, op=op,
                         hint="every tensor must have at least one element")
    n = int(np.prod(np.asarray(dims, dtype=np.float64)))
    if n > MAX_ELEMENTS:
        raise ModelError(f"{what} {name!r} declares {n:,} elements (shape {tuple(dims)}); hwgen "
                         f"accepts at most {MAX_ELEMENTS:,} per tensor", node=node, op=op,
                         hint="check the exported shapes: a streaming design of this size "
                         "cannot be built")


def _check_constant(name: str, arr: np.ndarray, consumers: dict[str, list[Any]]) -> None:
    if arr.dtype.kind not in "fc" or np.all(np.isfinite(arr)):
        return
    node, op = _where(consumers, name)
    users = consumers.get(name, [])
    if not np.any(np.isnan(arr)) and users and all(u.op_type == "Clip" for u in users):
        return  # an infinite clip bound is a legal "no bound"
    bad = "NaN" if np.any(np.isnan(arr)) else "Inf"
    count = int(np.sum(~np.isfinite(arr)))
    raise ModelError(f"constant {name!r} must be finite, but {count} of its {arr.size} values "
                     f"are {bad}", node=node, op=op,
                     hint="the trained parameters are corrupt (NaN/Inf weights, scales, "
                     "BatchNorm statistics, thresholds or biases): retrain or re-export")


def _check_quant_params(node: Any, g: Any) -> None:
    """A Quant's bit width is one value; its zero point has one value or one per scale."""
    from onnx import numpy_helper

    inits = {i.name: i for i in g.initializer}
    sizes = {}
    for k, role in ((1, "scale"), (2, "zero point"), (3, "bit width")):
        if node.input[k] in inits:
            sizes[role] = int(numpy_helper.to_array(inits[node.input[k]]).size)
    if sizes.get("bit width", 1) != 1:
        raise ModelError(f"bit width must be one value, not {sizes['bit width']}",
                         node=node.name, op=node.op_type, hint="use a fixed integer bit width")
    if sizes.get("zero point", 1) not in (1, sizes.get("scale", 1)):
        raise ModelError(f"zero point must have 1 value or one per scale "
                         f"({sizes.get('scale', 1)}), not {sizes['zero point']}",
                         node=node.name, op=node.op_type, hint="use a zero point of 0")


def _check_window_attrs(node: Any) -> None:
    from onnx import helper

    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    for key, least in (("kernel_shape", 1), ("strides", 1), ("dilations", 1), ("pads", 0)):
        if key in a:
            vals = list(a[key]) if isinstance(a[key], (list, tuple)) else [a[key]]
            if any(int(v) < least for v in vals):
                raise ModelError(f"{key} must all be >= {least}, not {vals}", node=node.name,
                                 op=node.op_type, hint="check the layer's kernel, stride and "
                                 "padding")


_QONNX_ATTRS = {
    "Quant": {"signed", "narrow", "rounding_mode"},
    "BipolarQuant": set(),
    "MultiThreshold": {"out_dtype", "out_scale", "out_bias", "data_layout"},
    "Trunc": {"rounding_mode", "narrow", "signed"},
}


def _check_attr_names(node: Any, opset: dict[str, int]) -> None:
    """Attributes a node's op does not define make the file invalid (onnxruntime refuses it)."""
    import onnx

    domain = node.domain or ""
    if domain in ("", "ai.onnx"):
        try:
            schema = onnx.defs.get_schema(node.op_type, opset.get("", 13), "")
        except Exception:  # an unknown op: the lowering names it
            return
        known = set(schema.attributes)
    elif domain.startswith("qonnx") or domain.startswith("finn"):
        if node.op_type not in _QONNX_ATTRS:
            raise ModelError(f"op {node.op_type} in domain {domain!r} is not a QONNX op hwgen "
                             f"reads; expected one of: {', '.join(_QONNX_ATTRS)}",
                             node=node.name, op=node.op_type,
                             hint="standard ONNX ops belong to the default domain")
        known = _QONNX_ATTRS[node.op_type]
    else:
        return
    for a in node.attribute:
        if a.name not in known:
            raise ModelError(f"attribute {a.name!r} is not defined for {node.op_type}; expected "
                             f"one of: {', '.join(sorted(known)) or 'none'}", node=node.name,
                             op=node.op_type, hint="the file is not valid ONNX: re-export it")


def prepare(proto: Any) -> Any:
    """Refuse what qonnx's cleanup must never see; fix a symbolic batch axis to 1."""
    import onnx
    from onnx import numpy_helper

    g = proto.graph
    opset = {o.domain or "": o.version for o in proto.opset_import}
    consumers: dict[str, list[Any]] = {}
    for node in g.node:
        for t in node.input:
            consumers.setdefault(t, []).append(node)
    inits = {i.name for i in g.initializer}
    for init in g.initializer:
        node, op = _where(consumers, init.name)
        _check_size(init.name, tuple(init.dims), "constant", node, op)
        try:
            arr = numpy_helper.to_array(init)
        except Exception as exc:
            raise ModelError(f"constant {init.name!r} cannot be read: {exc}".splitlines()[0],
                             node=node, op=op, hint="the file is damaged: re-export it") from exc
        _check_constant(init.name, arr, consumers)
    for node in g.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    _check_size(node.output[0], tuple(a.t.dims), "constant", node.name,
                                node.op_type)
                    _check_constant(node.output[0], numpy_helper.to_array(a.t), consumers)
        if node.op_type in _WINDOW_OPS:
            _check_window_attrs(node)
        if node.op_type == "Quant" and len(node.input) == 4:
            _check_quant_params(node, g)
        _check_attr_names(node, opset)

    for vi in g.input:
        elem = vi.type.tensor_type.elem_type
        if vi.name not in inits and elem != onnx.TensorProto.FLOAT:
            node, op = _where(consumers, vi.name)
            raise ModelError(f"input {vi.name!r} must be a float32 tensor, not "
                             f"{onnx.TensorProto.DataType.Name(elem).lower()}", node=node, op=op,
                             hint="export with a float input; mark integer pixels with a QONNX "
                             "datatype annotation (e.g. UINT8)")
    # graph inputs: a symbolic/unknown batch axis becomes 1; symbolic feature sizes are refused
    for vi in [*g.input, *g.output]:
        if vi.name in inits:
            continue
        dims = _dims(vi)
        if dims is None:
            continue
        kind = "input" if any(vi is x for x in g.input) else "output"
        for axis, d in enumerate(dims):
            if isinstance(d, int) or axis == 0:
                continue
            if kind == "output":
                break  # shape inference recomputes the output's shape from the input
            node, op = _where(consumers, vi.name)
            raise ModelError(
                f"input {vi.name!r} must have static feature and spatial sizes, but axis {axis} "
                f"of shape {tuple(dims)} is {'symbolic' if d else 'unknown'}"
                f"{f' ({d!r})' if d else ''}", node=node, op=op,
                hint="only the batch axis may be dynamic: " + _HINT_EXPORT)
        shape = vi.type.tensor_type.shape
        if dims and not isinstance(dims[0], int):
            shape.dim[0].Clear()
            shape.dim[0].dim_value = 1
        if kind == "output" and any(not isinstance(d, int) for d in dims[1:]):
            vi.type.tensor_type.ClearField("shape")
        elif kind == "input":
            _check_size(vi.name, [int(d) for d in _dims(vi)], "input")
    # intermediate shapes: drop symbolic ones (recomputed), check the declared and inferred sizes
    keep = [vi for vi in g.value_info if all(isinstance(d, int) for d in (_dims(vi) or []))]
    del g.value_info[:]
    g.value_info.extend(keep)
    try:
        inferred = onnx.shape_inference.infer_shapes(proto, data_prop=True).graph
    except Exception:  # custom domains or odd attributes: qonnx's own inference decides later
        inferred = g
    producer = {t: n for n in inferred.node for t in n.output}
    for vi in [*inferred.value_info, *inferred.output]:
        dims = _dims(vi)
        if dims is None or not all(isinstance(d, int) for d in dims):
            continue
        p = producer.get(vi.name)
        _check_size(vi.name, dims, "tensor", p.name if p is not None else "",
                    p.op_type if p is not None else "")
    return proto
