"""Staircase MLPs of mean-field theory, and their QONNX graphs written with onnx.helper.

Hidden unit: ``y = sum_k sign(h - t_k)``, k = 1..N-1, thresholds ``t_k = D * (k - N/2)`` (D the
optimal spacing of :func:`hwgen.inspect.quantized_depth_scale`, in units of the pre-activation
standard deviation at initialization). For even N the levels are -(N-1)..(N-1) in steps of 2
(symmetric mid-rise, no zero level); N = 2 is the sign function.

Layer: ``h = s * (W_int @ x)`` with ``W_int`` 8-bit narrow-range integers and ``s`` a power of
two (fake-quantized, straight-through), ``x`` the previous layer's integer levels (the first
layer takes raw pixels 0..255). Since ``s`` is a power of two, ``h >= t_k`` is exactly
``W_int @ x >= ceil(t_k / s)``: torch, QONNX and hwgen agree bit for bit.

Initialization (mean field): weight variance ``1 / (fan_in * E[x^2])`` so that every
pre-activation has unit variance at initialization, with ``E[x^2] = Var(phi)`` of the staircase
under a unit Gaussian for hidden layers and the measured pixel second moment for the first.

Backward: straight-through with a clipped linear surrogate of the staircase's mean slope
(2 / D per unit of h, saturating where the staircase does; slope 1 on |h| <= 1 for N = 2).

Export: ``MatMul`` (integer-valued float initializer) -> ``MultiThreshold`` (integer thresholds,
``out_scale`` 2, ``out_bias`` -(N-1)) per hidden layer, then ``MatMul`` -> ``Mul`` (one
positive float scale) for the logits; the input is annotated UINT8.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from hwgen.inspect import quantized_depth_scale

__all__ = ["StaircaseMLP", "export_onnx", "staircase_variance"]

WEIGHT_MAX = 127  # 8-bit narrow-range signed weights
QDOMAIN = "qonnx.custom_op.general"


def staircase_thresholds(n_levels: int) -> tuple[np.ndarray, float]:
    """Thresholds t_k (unit pre-activation std) and the surrogate-gradient slope."""
    if n_levels == 2:
        return np.zeros(1), 1.0
    _, spacing = quantized_depth_scale(n_levels)
    t = spacing * (np.arange(1, n_levels) - n_levels / 2)
    return t, 2.0 / spacing


def staircase_variance(n_levels: int) -> float:
    """E[phi(z)^2] for z ~ N(0, 1) (phi has mean 0 by symmetry)."""
    t, _ = staircase_thresholds(n_levels)
    levels = np.arange(-(n_levels - 1), n_levels, 2, dtype=np.float64)
    cdf = np.array([0.5 * (1 + math.erf(x / math.sqrt(2))) for x in t])
    probs = np.diff(np.concatenate([[0.0], cdf, [1.0]]))
    return float((probs * levels**2).sum())


def _pow2_scale(w: torch.Tensor) -> torch.Tensor:
    """Smallest power of two s with max|w| / s <= WEIGHT_MAX (a constant, no gradient)."""
    m = float(w.detach().abs().max().clamp_min(1e-12))
    return torch.tensor(2.0 ** math.ceil(math.log2(m / WEIGHT_MAX)))


class _Staircase(torch.autograd.Function):
    @staticmethod
    def forward(ctx, h: torch.Tensor, t: torch.Tensor, slope: float, top: float) -> torch.Tensor:
        ctx.save_for_backward(h)
        ctx.slope, ctx.top = slope, top
        count = torch.bucketize(h, t, right=True)  # #{k : h >= t_k}
        return 2.0 * count.to(h.dtype) - top

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (h,) = ctx.saved_tensors
        inside = (h * ctx.slope).abs() <= ctx.top
        return grad * ctx.slope * inside.to(grad.dtype), None, None, None


class StaircaseMLP(nn.Module):
    """``depth`` hidden layers of ``width`` N-level staircase units; 10 logits."""

    def __init__(self, depth: int, width: int, n_levels: int, pixel_second_moment: float,
                 in_features: int = 784, num_classes: int = 10) -> None:
        super().__init__()
        self.n_levels = n_levels
        t, self.slope = staircase_thresholds(n_levels)
        self.register_buffer("t", torch.tensor(t, dtype=torch.float64))
        var = staircase_variance(n_levels)
        dims = [in_features] + [width] * depth
        # Weights are std * v with v ~ N(0, 1) trained: Adam's step is then relative to the
        # mean-field scale of each layer (the first layer's std is ~1e-4 on raw pixels).
        self.hidden = nn.ParameterList()
        self.stds: list[float] = []
        for i in range(depth):
            moment = pixel_second_moment if i == 0 else var
            self.stds.append(1.0 / math.sqrt(dims[i] * moment))
            self.hidden.append(nn.Parameter(torch.randn(dims[i + 1], dims[i])))
        self.out_std = 1.0 / math.sqrt(width * var)
        self.out = nn.Parameter(torch.randn(num_classes, width))
        self.out_scale = nn.Parameter(torch.tensor(1.0))

    @staticmethod
    def quantized(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(integer weights with a straight-through gradient, power-of-two scale)."""
        s = _pow2_scale(w)
        w_int = torch.clamp(torch.round(w / s), -WEIGHT_MAX, WEIGHT_MAX)
        return (w / s) + (w_int - w / s).detach(), s

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(torch.float64)
        top = float(self.n_levels - 1)
        for std, w in zip(self.stds, self.hidden):
            w_int, s = self.quantized(w.to(torch.float64) * std)
            h = (x @ w_int.T) * s  # exact: integer products, power-of-two scale
            x = _Staircase.apply(h, self.t, self.slope, top)
        w_int, s = self.quantized(self.out.to(torch.float64) * self.out_std)
        return ((x @ w_int.T) * (s * self.out_scale.to(torch.float64))).to(torch.float32)

    def integer_layers(self) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray, float]:
        """Hidden (W_int (out, in), thresholds on the accumulator (N-1,)), output W_int, and
        the output's float scale."""
        hidden = []
        for std, w in zip(self.stds, self.hidden):
            w_int, s = self.quantized(w.detach().to(torch.float64) * std)
            thr = np.ceil(self.t.numpy() / float(s))
            hidden.append((w_int.detach().numpy().astype(np.int64), thr))
        w_int, s = self.quantized(self.out.detach().to(torch.float64) * self.out_std)
        scale = float(s) * float(self.out_scale.detach())
        return hidden, w_int.detach().numpy().astype(np.int64), scale


def export_onnx(model: StaircaseMLP, path: str | Path, in_features: int = 784) -> Path:
    """Write ``model`` as a QONNX graph (MatMul + MultiThreshold per hidden layer)."""
    from onnx import TensorProto, helper, numpy_helper
    from qonnx.core.datatype import DataType
    from qonnx.core.modelwrapper import ModelWrapper

    n = model.n_levels
    hidden, w_out, scale = model.integer_layers()
    nodes, inits = [], []
    cur = "x"
    out_dtype = "BIPOLAR" if n == 2 else f"INT{math.ceil(math.log2(n)) + 1}"
    for i, (w_int, thr) in enumerate(hidden):
        wname, tname, hname, yname = f"W{i}", f"T{i}", f"h{i}", f"a{i}"
        inits.append(numpy_helper.from_array(w_int.T.astype(np.float32), wname))
        inits.append(numpy_helper.from_array(thr.reshape(1, -1).astype(np.float32), tname))
        nodes.append(helper.make_node("MatMul", [cur, wname], [hname], name=f"MatMul_{i}"))
        nodes.append(helper.make_node(
            "MultiThreshold", [hname, tname], [yname], name=f"MultiThreshold_{i}", domain=QDOMAIN,
            out_dtype=out_dtype, out_scale=2.0, out_bias=float(-(n - 1))))
        cur = yname
    inits.append(numpy_helper.from_array(w_out.T.astype(np.float32), "W_out"))
    inits.append(numpy_helper.from_array(np.array(scale, np.float32), "out_scale"))
    nodes.append(helper.make_node("MatMul", [cur, "W_out"], ["logits_int"], name="MatMul_out"))
    nodes.append(helper.make_node("Mul", ["logits_int", "out_scale"], ["logits"], name="Mul_out"))
    graph = helper.make_graph(
        nodes, f"staircase_n{n}_d{len(hidden)}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, in_features])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, int(w_out.shape[0])])],
        inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                         helper.make_opsetid(QDOMAIN, 1)])
    onnx_model.ir_version = 8
    wrapper = ModelWrapper(onnx_model)
    wrapper.set_tensor_datatype("x", DataType["UINT8"])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper.save(str(path))
    return path
