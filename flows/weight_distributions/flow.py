"""Weight distributions: discrete weights learned as per-weight categorical distributions.

Each weight of an MLP (``--arch mlp``) or a small conv net (``--arch conv``) with discrete
activations is a categorical distribution over ``{-1, 0, +1}`` (ternary) or ``{-1, +1}``
(binary), held as logits. Training propagates the distribution of the pre-activations:

- pre-activation of a unit: by the central limit theorem a Gaussian with mean
  ``m = sum_j E[w_j] E[h_j]`` and variance ``v = sum_j E[w_j^2] E[h_j^2] - E[w_j]^2 E[h_j]^2``
  (bipolar inputs: ``E[h_j^2] = 1``); for a convolution the same sums over each window,
  ``m = conv(E[h], E[w])``, ``v = conv(E[h^2], E[w^2]) - conv(E[h]^2, E[w]^2)``;
- BatchNorm on the Gaussian: normalised by the batch mean of ``m`` and the total variance
  ``Var_batch(m) + mean(v)`` (per channel; for feature maps over N, H, W), then the affine
  transform (``v`` scales by ``gamma^2 / var``);
- activation (``--act-levels``): the sign (2 levels, ``sign(0) = +1``) or ``N`` = 3, 7, 15
  integer levels ``-(N-1)/2 .. (N-1)/2`` with thresholds halfway; how it is trained
  (``--sampling``):

  - ``meanfield`` (default): the expectation, ``E[h] = erf(m / sqrt(2 v))`` for the sign, and
    the second moment from the level probabilities (Gaussian CDF at the thresholds);
  - ``lrt`` (local reparameterization): one pre-activation sample ``a = m + sqrt(v) eps`` per
    example and unit, quantized; gradient straight through the clipped identity;
  - ``gumbel``: a Gumbel-softmax (for the sign: binary concrete) relaxed sample of the level,
    whose probabilities come from the Gaussian, temperature ``--tau``;

  at evaluation the distribution network always uses the mean-field pass;
- conv net only: a 2x2 max pool after the activation (hwgen needs MaxPool directly after a
  quantizer). Mean-field, units independent: ``P(max <= l) = prod_i P(h_i <= l)`` for every
  level ``l`` (all of 2, 3, 7, 15 levels are supported); for the sign
  ``E[max] = 1 - 2 prod_i (1 - E[h_i]) / 2``. Sampled training: the max of the sampled values;
- last layer: cross-entropy on logits sampled from the output Gaussian (local
  reparameterization, ``m + sqrt(v) eps``) times a learned output scale.
- entropy penalty (``--entropy W``, default 4): ``lambda(t) * H / N_train`` added to the
  loss, ``H`` the summed entropy of every weight distribution, ``lambda`` rising linearly from
  0 at ``--entropy-start`` (default half-way) to ``W`` at the end. It sharpens the
  distributions onto the most probable weights, so the deterministic network is the one the
  mean-field pass trained (MNIST 784-512-512-10: distribution-to-deterministic loss 0.79 pp
  without it, 0.29 pp with it; results.md).

After training two deterministic networks are made: every weight at its most probable value
(argmax) and every weight drawn once from its distribution (sampled). Each is a
:class:`flows.common.models.FC` (or :class:`flows.common.models.CNV`, exported with a
(1, 1, 28, 28) input) with 2-bit narrow (ternary) or bipolar weights, bipolar activations (or
narrow signed 2/3/4-bit activations with scale 1 for 3/7/15 levels; sign(0) = +1 as in QONNX),
and gets its BatchNorm statistics re-estimated on the training set. The one named by
``--hw-weights`` is exported to QONNX and goes through the golden executor, ``hwgen build`` and
``hwgen sim``.

The conv net (defaults; ``--quick``: 8, 16 channels and FC 32): 28x28x1 bipolar input ->
conv3x3 16 (no padding) -> BN -> sign -> maxpool2 -> conv3x3 32 -> BN -> sign -> maxpool2 (11x11
-> 5x5, the last row and column dropped) -> flatten 800 -> FC 128 -> BN -> sign -> FC 10 ->
learned output scale.

Reported: test accuracy of the distribution network (mean-field, argmax of the mean logits), of
the deterministic torch network, golden and RTL accuracy, and the loss from distribution to
deterministic network.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from flows.common.cli import add_run_args, int_list, run_main
from hwgen.errors import HwgenError

__all__ = ["GaussActPool", "ProbCNV", "ProbConv2d", "ProbMLP", "build_parser", "main", "run",
           "to_deterministic"]

DEFAULT_DATA_DIR = "../shared/data/mnist"
SAMPLINGS = ("meanfield", "lrt", "gumbel")
ARCHS = ("mlp", "conv")
_EPS = 1e-5


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m flows.weight_distributions",
        description="Ternary/binary weights as categorical distributions (mean-field training), "
        "then the most probable network through hwgen.",
    )
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="folder with MNIST IDX .gz files")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--arch", choices=ARCHS, default="mlp",
                   help="mlp: 784-hidden-10; conv: 28x28 -> [conv3x3 (no padding) -> BN -> "
                   "activation -> maxpool2] per --channels -> flatten -> hidden -> 10")
    p.add_argument("--hidden", type=int_list, default=None,
                   help="fully connected hidden widths (default mlp 512,512, conv 128; "
                   "--quick mlp 128, conv 32)")
    p.add_argument("--channels", type=int_list, default=None,
                   help="conv channels per conv/pool stage (--arch conv; default 16,32; "
                   "--quick 8,16)")
    p.add_argument("--kinds", default="ternary,binary",
                   help="weight kinds to train (the first goes through hardware)")
    p.add_argument("--epochs", type=int, default=None, help="epochs (default 20; --quick 15)")
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--batch-size", type=int, default=None, help="default 250; --quick 100")
    p.add_argument("--sampling", choices=SAMPLINGS, default="meanfield",
                   help="hidden layers while training: meanfield (expectations, output logits "
                   "sampled), lrt (pre-activations sampled from N(m, v), straight-through "
                   "quantizer) or gumbel (Gumbel-softmax relaxation of the activation)")
    p.add_argument("--act-levels", type=int, default=2,
                   help="activation levels: 2 = sign (bipolar), or odd 3, 7, 15 = integers "
                   "-(N-1)/2 .. (N-1)/2 (narrow signed, scale 1)")
    p.add_argument("--entropy", type=float, default=4.0,
                   help="weight of the entropy penalty: lambda(t) times the summed weight entropy "
                   "per training example, lambda rising linearly from 0 at --entropy-start to "
                   "ENTROPY at the end; sharpens the distributions toward the most probable "
                   "(deterministic) net (default 4; 0: off)")
    p.add_argument("--entropy-start", type=float, default=0.5,
                   help="training progress (0..1) at which the entropy penalty starts")
    p.add_argument("--tau", type=float, default=2 / 3, help="Gumbel-softmax temperature")
    p.add_argument("--hw-weights", choices=("argmax", "sample"), default="argmax",
                   help="deterministic net sent to hardware: most probable or sampled weights")
    p.add_argument("--fold-fps", type=float, default=None,
                   help="folding target in frames/s (default: hwgen's; --quick 20 k)")
    add_run_args(p, quick_help="sklearn digits, 784-128-10 (CI smoke run)")
    return p


def _binarize_input(pixels: torch.Tensor) -> torch.Tensor:
    """Raw pixels -> bipolar inputs as the deterministic net sees them: sign(p/255 - 0.5),
    sign(0) = +1."""
    return torch.where(pixels * (1.0 / 255.0) + (-0.5) >= 0, 1.0, -1.0)


class _CategoricalWeights(nn.Module):
    """Weights of shape ``shape``, each an independent categorical distribution over
    ``values`` held as logits (small random: every value starts close to equally likely)."""

    def __init__(self, shape: tuple[int, ...], values: tuple[float, ...]) -> None:
        super().__init__()
        self.register_buffer("values", torch.tensor(values))
        self.logits = nn.Parameter(0.5 * torch.randn(*shape, len(values)))

    def moments(self) -> tuple[torch.Tensor, torch.Tensor]:
        """E[w] and E[w^2] of every weight."""
        p = torch.softmax(self.logits, -1)
        return (p * self.values).sum(-1), (p * self.values**2).sum(-1)

    def most_probable(self) -> torch.Tensor:
        return self.values[self.logits.argmax(-1)]

    def entropy(self) -> torch.Tensor:
        """Sum of the weights' categorical entropies (nats)."""
        logp = torch.log_softmax(self.logits, -1)
        return -(logp.exp() * logp).sum()

    def sample(self, gen: torch.Generator) -> torch.Tensor:
        """One draw of every weight from its categorical distribution."""
        p = torch.softmax(self.logits.detach(), -1).reshape(-1, len(self.values))
        return self.values[torch.multinomial(p, 1, generator=gen).reshape(self.logits.shape[:-1])]


class ProbLinear(_CategoricalWeights):
    """Linear layer whose weights are independent categorical distributions over ``values``."""

    def __init__(self, n_in: int, n_out: int, values: tuple[float, ...]) -> None:
        super().__init__((n_out, n_in), values)

    def forward(self, a: torch.Tensor, a2: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Input mean ``a`` and second moment ``a2`` (``None``: bipolar, E[h^2] = 1) ->
        pre-activation mean and variance (independent weights and inputs)."""
        mw, m2w = self.moments()
        m = a @ mw.t()
        e2 = m2w.sum(1) if a2 is None else a2 @ m2w.t()
        return m, (e2 - (a * a) @ (mw * mw).t()).clamp_min(_EPS)


class ProbConv2d(_CategoricalWeights):
    """2D convolution (no padding, stride 1, no bias) whose weights are independent categorical
    distributions over ``values``; the convolutional sibling of :class:`ProbLinear`."""

    def __init__(self, c_in: int, c_out: int, kernel: int, values: tuple[float, ...]) -> None:
        super().__init__((c_out, c_in, kernel, kernel), values)

    def forward(self, a: torch.Tensor, a2: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Input mean ``a`` and second moment ``a2`` (N, C, H, W; ``None``: bipolar, E[h^2] = 1)
        -> pre-activation mean ``conv(E[h], E[w])`` and variance ``conv(E[h^2], E[w^2]) -
        conv(E[h]^2, E[w]^2)`` (independent weights and inputs)."""
        conv = nn.functional.conv2d
        mw, m2w = self.moments()
        m = conv(a, mw)
        # No padding: every output sees a full window, so with E[h^2] = 1 the first term is
        # the per-channel sum of E[w^2].
        e2 = m2w.sum((1, 2, 3)).view(1, -1, 1, 1) if a2 is None else conv(a2, m2w)
        return m, (e2 - conv(a * a, mw * mw)).clamp_min(_EPS)


class GaussBatchNorm(nn.Module):
    """BatchNorm on Gaussian pre-activations (running statistics as nn.BatchNorm1d/2d): per
    channel (dim 1); batch statistics over every other dim (N, or N, H, W for feature maps)."""

    def __init__(self, n: int, momentum: float = 0.1) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.bias = nn.Parameter(torch.zeros(n))
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(n))
        self.register_buffer("running_var", torch.ones(n))

    def forward(self, m: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        dims = (0, *range(2, m.dim()))
        shape = (-1, *([1] * (m.dim() - 2)))  # broadcast per channel
        if self.training:
            mean = m.mean(dims)
            var = m.var(dims, unbiased=False) + v.mean(dims)
            with torch.no_grad():
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(var, self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        k = (self.weight / torch.sqrt(var + _EPS)).view(shape)
        return (m - mean.view(shape)) * k + self.bias.view(shape), v * k * k


def act_levels(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Output levels and thresholds of an ``n``-level activation: sign (levels -1, +1,
    threshold 0, sign(0) = +1 as QONNX) or, for odd ``n``, the integers -(n-1)/2 .. (n-1)/2
    with thresholds halfway (the exported quantizer rounds a tie to even; ties have
    probability zero under the Gaussian)."""
    if n == 2:
        return torch.tensor([-1.0, 1.0]), torch.tensor([0.0])
    if n not in (3, 7, 15):
        raise HwgenError(f"--act-levels must be 2, 3, 7 or 15, not {n}",
                         hint="odd level counts map to narrow signed 2/3/4-bit activations")
    half = (n - 1) // 2
    levels = torch.arange(-half, half + 1, dtype=torch.float32)
    return levels, levels[:-1] + 0.5


class GaussAct(nn.Module):
    """The discrete activation applied to a Gaussian pre-activation ``N(m, v)``.

    ``meanfield``: level probabilities ``p_j`` from the Gaussian CDF at the thresholds, output
    mean and second moment (sign: ``E[h] = erf(m / sqrt(2 v))``, ``E[h^2] = 1``). While
    training, ``lrt`` samples ``a = m + sqrt(v) eps`` per example and quantizes it (gradient:
    straight through the clipped identity), ``gumbel`` draws a Gumbel-softmax relaxed sample
    of the level (temperature ``tau``); both pass a value (second moment = its square) on.
    """

    def __init__(self, n_levels: int, sampling: str, tau: float) -> None:
        super().__init__()
        levels, thresholds = act_levels(n_levels)
        self.register_buffer("levels", levels)
        self.register_buffer("thresholds", thresholds)
        self.sampling, self.tau = sampling, tau

    def level_probs(self, m: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        z = (m.unsqueeze(-1) - self.thresholds) / torch.sqrt(2.0 * v).unsqueeze(-1)
        above = 0.5 * (1.0 + torch.erf(z))  # P(a >= t_k), k = 0 .. N-2 (decreasing in k)
        ones, zeros = torch.ones_like(above[..., :1]), torch.zeros_like(above[..., :1])
        cum = torch.cat([ones, above, zeros], -1)  # P(level >= j), j = 0 .. N
        return (cum[..., :-1] - cum[..., 1:]).clamp_min(0.0)

    def forward(self, m: torch.Tensor, v: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.training and self.sampling == "lrt":
            a = m + torch.sqrt(v) * torch.randn_like(m)
            hard = self.levels[torch.bucketize(a.detach(), self.thresholds, right=True)]
            lo, hi = float(self.levels[0]), float(self.levels[-1])
            soft = a.clamp(lo, hi)
            h = hard + soft - soft.detach()
            return h, h * h
        if len(self.levels) == 2 and not (self.training and self.sampling == "gumbel"):
            return torch.erf(m / torch.sqrt(2.0 * v)), None
        p = self.level_probs(m, v)
        if self.training and self.sampling == "gumbel":
            g = -torch.log(-torch.log(torch.rand_like(p).clamp(1e-10, 1.0 - 1e-7)))
            y = torch.softmax((torch.log(p + 1e-10) + g) / self.tau, -1)
            h = y @ self.levels
            return h, h * h
        return p @ self.levels, p @ (self.levels**2)


def _window_prod(x: torch.Tensor, k: int) -> torch.Tensor:
    """Product over non-overlapping k x k windows of (N, C, H, W, ...) (floor: a partial last
    row/column is dropped, as nn.MaxPool2d(k))."""
    oh, ow = x.shape[2] // k, x.shape[3] // k
    out = None
    for i in range(k):
        for j in range(k):
            part = x[:, :, i : i + k * oh : k, j : j + k * ow : k]
            out = part if out is None else out * part
    return out


class GaussActPool(nn.Module):
    """The discrete activation (a :class:`GaussAct`) followed by a k x k max pool (stride k).

    Mean-field: with independent units, ``P(max <= l) = prod_i P(h_i <= l)`` for every level
    ``l``; the pooled level probabilities are the differences of that CDF. For the sign this is
    ``P(max = -1) = prod_i (1 - E[h_i]) / 2``, i.e. ``E[max] = 1 - 2 prod_i (1 - E[h_i]) / 2``,
    ``E[max^2] = 1``. Sampled training (``lrt``, ``gumbel``): the max pool of the sampled values.
    """

    def __init__(self, act: GaussAct, kernel: int) -> None:
        super().__init__()
        self.act, self.kernel = act, kernel

    def forward(self, m: torch.Tensor, v: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        act, k = self.act, self.kernel
        if self.training and act.sampling in ("lrt", "gumbel"):
            h = nn.functional.max_pool2d(act(m, v)[0], k)
            return h, h * h
        if len(act.levels) == 2:
            e = act(m, v)[0]
            return 1.0 - 2.0 * _window_prod((1.0 - e) * 0.5, k), None
        cdf = _window_prod(act.level_probs(m, v).cumsum(-1).clamp(0.0, 1.0), k)
        p = torch.diff(cdf, dim=-1, prepend=torch.zeros_like(cdf[..., :1])).clamp_min(0.0)
        return p @ act.levels, p @ (act.levels**2)


class ProbMLP(nn.Module):
    """784-H...-10 network: categorical weights, BatchNorm, discrete activations (see GaussAct)."""

    def __init__(self, hidden: tuple[int, ...], values: tuple[float, ...], n_in: int = 784,
                 n_out: int = 10, *, act_levels: int = 2, sampling: str = "meanfield",
                 tau: float = 2 / 3) -> None:
        super().__init__()
        dims = [n_in, *hidden]
        self.layers = nn.ModuleList(ProbLinear(a, b, values) for a, b in zip(dims[:-1], dims[1:]))
        self.norms = nn.ModuleList(GaussBatchNorm(b) for b in hidden)
        self.acts = nn.ModuleList(GaussAct(act_levels, sampling, tau) for _ in hidden)
        self.classifier = ProbLinear(dims[-1], n_out, values)
        self.act_levels = act_levels
        # Conv stages in front of the dense layers: none here (see ProbCNV).
        self.in_shape: tuple[int, ...] = (n_in,)
        self.convs, self.conv_norms, self.conv_acts = (nn.ModuleList() for _ in range(3))
        # Output scale init 1/sqrt(fan-in * E[h^2]) of the widest-spread activation level.
        self.log_scale = nn.Parameter(torch.tensor(
            -0.5 * math.log(dims[-1] * float(self.acts[-1].levels[-1]) ** 2)))

    def weight_layers(self) -> list[_CategoricalWeights]:
        """Every layer with weight distributions, input to output."""
        return [*self.convs, *self.layers, self.classifier]

    def weight_entropy(self) -> torch.Tensor:
        """Sum of every weight distribution's entropy (nats)."""
        return sum(layer.entropy() for layer in self.weight_layers())

    def gaussian_logits(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and variance of the output logits for raw pixels, flat or (N, C, H, W)."""
        a, a2 = _binarize_input(pixels).reshape(len(pixels), *self.in_shape), None
        for conv, norm, act in zip(self.convs, self.conv_norms, self.conv_acts):
            a, a2 = act(*norm(*conv(a, a2)))
        a, a2 = a.flatten(1), None if a2 is None else a2.flatten(1)
        for layer, norm, act in zip(self.layers, self.norms, self.acts):
            a, a2 = act(*norm(*layer(a, a2)))
        m, v = self.classifier(a, a2)
        s = self.log_scale.exp()
        return m * s, v * s * s

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        m, v = self.gaussian_logits(pixels)
        if self.training:  # local reparameterization: one sample of the output Gaussian
            return m + torch.sqrt(v) * torch.randn_like(m)
        return m


class ProbCNV(ProbMLP):
    """Small conv net: ``[ProbConv2d(k x k, no padding) -> GaussBatchNorm -> GaussActPool]`` per
    entry of ``channels``, flatten, then the fully connected part of :class:`ProbMLP`
    (``hidden`` widths and the classifier). Input: flattened (N, C*H*W) or (N, C, H, W) raw
    pixels, binarized as in ProbMLP."""

    def __init__(self, channels: tuple[int, ...], hidden: tuple[int, ...],
                 values: tuple[float, ...], in_shape: tuple[int, int, int] = (1, 28, 28),
                 n_out: int = 10, *, kernel: int = 3, pool: int = 2, act_levels: int = 2,
                 sampling: str = "meanfield", tau: float = 2 / 3) -> None:
        c, h, w = in_shape
        convs = []
        for ch in channels:
            convs.append(ProbConv2d(c, ch, kernel, values))
            c, h, w = ch, (h - kernel + 1) // pool, (w - kernel + 1) // pool
        if h < 1 or w < 1:
            raise HwgenError(f"--channels {','.join(map(str, channels))} on a {in_shape} input "
                             f"must leave at least a 1x1 map, not {h}x{w}",
                             hint="use fewer conv layers")
        super().__init__(hidden, values, c * h * w, n_out, act_levels=act_levels,
                         sampling=sampling, tau=tau)
        self.in_shape, self.kernel, self.pool = tuple(in_shape), kernel, pool
        self.convs = nn.ModuleList(convs)
        self.conv_norms = nn.ModuleList(GaussBatchNorm(ch) for ch in channels)
        self.conv_acts = nn.ModuleList(GaussActPool(GaussAct(act_levels, sampling, tau), pool)
                                       for _ in channels)


def _narrow_act_quant(bits: int):
    """Narrow-range signed ``bits``-bit activation with the constant scale 1 (power of two):
    integers -(2^(bits-1) - 1) .. 2^(bits-1) - 1, thresholds halfway between them."""
    from brevitas.inject.enum import ScalingImplType
    from brevitas.quant import Int8ActPerTensorFixedPoint

    class NarrowIntActConst(Int8ActPerTensorFixedPoint):
        bit_width = bits
        narrow_range = True
        scaling_impl_type = ScalingImplType.CONST
        scaling_const = float(2 ** (bits - 1))  # Brevitas: scale = scaling_const / 2^(b-1)
        max_val = scaling_const
        min_val = -scaling_const

    return NarrowIntActConst


def to_deterministic(prob: ProbMLP, kind: str, weights: str = "argmax",
                     gen: torch.Generator | None = None) -> nn.Module:
    """A deterministic network as a Brevitas FC (a :class:`ProbMLP`) or CNV (a
    :class:`ProbCNV`): the most probable weights (``argmax``) or one draw from the
    distributions (``sample``); BatchNorm statistics not yet estimated."""
    from brevitas.nn import QuantConv2d, QuantIdentity

    from flows.common.models import CNV, FC

    hidden = tuple(layer.logits.shape[0] for layer in prob.layers)
    wbits = 2 if kind == "ternary" else 1
    if isinstance(prob, ProbCNV):
        channels = tuple(conv.logits.shape[0] for conv in prob.convs)
        det = CNV(channels, hidden, wbits=wbits, abits=1, in_bits=1, in_shape=prob.in_shape,
                  kernel=prob.kernel, pool=prob.pool)
        pnorms = [*prob.conv_norms, *prob.norms]
    else:
        det = FC(hidden, wbits=wbits, abits=1, in_bits=1,
                 in_features=prob.layers[0].logits.shape[1])
        pnorms = list(prob.norms)
    players = prob.weight_layers()
    if prob.act_levels > 2:
        bits = (prob.act_levels - 1).bit_length()  # 3 -> 2, 7 -> 3, 15 -> 4
        acts = [i for i, m in enumerate(det.features) if isinstance(m, QuantIdentity)]
        for i in acts[1:]:  # every hidden activation; the input quantizer stays the sign
            det.features[i] = QuantIdentity(act_quant=_narrow_act_quant(bits))
    linears = [m for m in det.features if isinstance(m, (nn.Linear, QuantConv2d))]
    linears.append(det.classifier)
    bns = [m for m in det.features if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    gen = gen or torch.Generator().manual_seed(0)
    with torch.no_grad():
        for lin, player in zip(linears, players, strict=True):
            lin.weight.copy_(player.most_probable() if weights == "argmax"
                             else player.sample(gen))
        for bn, pnorm in zip(bns, pnorms, strict=True):
            bn.weight.copy_(pnorm.weight)
            bn.bias.copy_(pnorm.bias)
        det.output_scale.scale.copy_(prob.log_scale.exp())
    return det


@torch.no_grad()
def reestimate_bn(model: nn.Module, x: np.ndarray, batch_size: int = 500) -> None:
    """Recompute every BatchNorm's running mean/variance on ``x`` (cumulative average)."""
    from flows.common.train import pixels

    bns = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    for i in range(0, len(x), batch_size):
        model(pixels(x[i : i + batch_size]))
    model.eval()


def _nll(logits: np.ndarray, y: np.ndarray) -> float:
    t = torch.from_numpy(logits)
    return float(nn.functional.cross_entropy(t, torch.from_numpy(y)))


def _entropy_schedule(prob: ProbMLP, weight: float, start: float
                      ) -> Callable[[float], torch.Tensor | float]:
    """The entropy penalty at training progress t: 0 before ``start``, then
    ``weight * (t - start) / (1 - start)`` times the summed weight entropy."""
    if not 0.0 <= start < 1.0:
        raise HwgenError(f"--entropy-start must be in [0, 1), not {start}")

    def penalty(t: float) -> torch.Tensor | float:
        if t < start:
            return 0.0
        return (weight * (t - start) / (1.0 - start)) * prob.weight_entropy()

    return penalty


def train_kind(kind: str, data, args: argparse.Namespace, log: Callable[[str], None]
               ) -> tuple[dict[str, Any], nn.Module]:
    from flows.common.train import predict, seed_everything, train

    seed_everything(args.seed)
    values = (-1.0, 0.0, 1.0) if kind == "ternary" else (-1.0, 1.0)
    opts = {"act_levels": args.act_levels, "sampling": args.sampling, "tau": args.tau}
    if args.arch == "conv":
        prob: ProbMLP = ProbCNV(tuple(args.channels), tuple(args.hidden), values, **opts)
    else:
        prob = ProbMLP(tuple(args.hidden), values, **opts)
    log(f"[{kind}] {args.sampling} training {_net_name(args)}, "
        f"{args.act_levels}-level activations, {args.epochs} epochs")
    reg = None
    if args.entropy > 0:
        reg = _entropy_schedule(prob, args.entropy / len(data.y_train), args.entropy_start)
    res = train(prob, data, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                seed=args.seed, device=args.device, log=lambda s: log(f"[{kind}] {s}"),
                regularizer=reg)
    prob.cpu()
    p_out = predict(prob, data.x_test)
    nets: dict[str, nn.Module] = {}
    accs: dict[str, float] = {}
    for weights in ("argmax", "sample"):
        det = to_deterministic(prob, kind, weights, torch.Generator().manual_seed(args.seed))
        accs[f"{weights}_raw"] = float((predict(det, data.x_test).argmax(1) == data.y_test).mean())
        reestimate_bn(det, data.x_train)
        nets[weights] = det
    d_out = predict(nets["argmax"], data.x_test)
    s_out = predict(nets["sample"], data.x_test)
    mods = prob.weight_layers()
    conf = float(torch.cat([torch.softmax(m.logits.detach(), -1).max(-1).values.flatten()
                            for m in mods]).mean())
    zeros = float(np.mean(np.concatenate(
        [(m.most_probable() == 0).flatten().numpy() for m in mods])))
    row = {
        "kind": kind,
        "sampling": args.sampling,
        "act_levels": args.act_levels,
        "distribution_test_accuracy": float((p_out.argmax(1) == data.y_test).mean()),
        "deterministic_test_accuracy": float((d_out.argmax(1) == data.y_test).mean()),
        "deterministic_test_accuracy_before_bn_reestimate": accs["argmax_raw"],
        "sampled_weights_test_accuracy": float((s_out.argmax(1) == data.y_test).mean()),
        "distribution_test_nll": _nll(p_out, data.y_test),
        "deterministic_test_nll": _nll(d_out, data.y_test),
        "mean_max_weight_probability": conf,
        "zero_weight_fraction": zeros,
        "train_seconds": round(res.train_seconds, 1),
        "history": res.history,
    }
    row["accuracy_loss_distribution_to_deterministic"] = (
        row["distribution_test_accuracy"] - row["deterministic_test_accuracy"])
    log(f"[{kind}] distribution net {100 * row['distribution_test_accuracy']:.2f} %, "
        f"deterministic (argmax weights, BN re-estimated) "
        f"{100 * row['deterministic_test_accuracy']:.2f} % (before BN re-estimate "
        f"{100 * accs['argmax_raw']:.2f} %), sampled weights "
        f"{100 * row['sampled_weights_test_accuracy']:.2f} %, mean max probability "
        f"{conf:.3f}, zeros {100 * zeros:.1f} %")
    return row, nets[args.hw_weights]


def run(args: argparse.Namespace, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    from flows.bnn_baselines.flow import golden_step
    from flows.common.data import load_digits_28, load_mnist
    from flows.common.export import export_qonnx_model
    from flows.common.hardware import hardware_for_args
    from flows.common.report import write_results
    from flows.common.train import log_line, predict

    log = log or log_line
    torch.set_num_threads(args.threads)
    conv = args.arch == "conv"
    if conv:
        args.channels = args.channels or ([8, 16] if args.quick else [16, 32])
        args.hidden = args.hidden or ([32] if args.quick else [128])
    elif args.channels:
        raise HwgenError("--channels needs --arch conv", hint="drop --channels or add --arch conv")
    else:
        args.hidden = args.hidden or ([128] if args.quick else [512, 512])
    args.epochs = args.epochs or (15 if args.quick else 20)
    args.batch_size = args.batch_size or (100 if args.quick else 250)
    act_levels(args.act_levels)  # fail fast on an unsupported level count
    args.sim_images = args.sim_images or (100 if args.quick else 500)
    kinds = [k for k in args.kinds.split(",") if k]
    bad = [k for k in kinds if k not in ("ternary", "binary")]
    if bad or not kinds:
        raise HwgenError(f"--kinds must be among ternary, binary, not {args.kinds!r}")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = load_digits_28(seed=args.seed) if args.quick else load_mnist(args.data_dir)
    log(f"weight_distributions on {data.name}: kinds {', '.join(kinds)}")
    t0 = time.perf_counter()
    table, det_hw = [], None
    for kind in kinds:
        row, det = train_kind(kind, data, args, log)
        table.append(row)
        det_hw = det_hw or (kind, det)
    kind, det = det_hw
    in_shape = (1, *det.in_shape) if conv else (1, 784)
    onnx_path = export_qonnx_model(det, out_dir / f"model_{kind}.onnx", in_shape)
    results: dict[str, Any] = {
        "flow": "weight_distributions", "dataset": data.name,
        "train_samples": len(data.y_train), "test_samples": len(data.y_test),
        "arch": args.arch,
        "net": f"{_net_name(args)}, {args.act_levels}-level activations",
        "sampling": args.sampling, "act_levels": args.act_levels, "batch_size": args.batch_size,
        "epochs": args.epochs, "entropy": args.entropy, "entropy_start": args.entropy_start,
        "table": table, "hardware_kind": kind,
        "hardware_weights": args.hw_weights,
    }
    results.update(golden_step(onnx_path, data.x_test, data.y_test, predict(det, data.x_test)))
    results.update(hardware_for_args(args, onnx_path, out_dir, data.x_test, data.y_test, log))
    results["total_seconds"] = round(time.perf_counter() - t0, 1)
    write_results(out_dir, results, f"weight_distributions on {data.name}")
    _append_table(out_dir / "results.md", results)
    log(f"wrote {out_dir}/results.json and results.md")
    return results


def _net_name(args: argparse.Namespace) -> str:
    fc = "-".join(map(str, args.hidden))
    if args.arch == "conv":
        convs = " ".join(f"c{c}-p2" for c in args.channels)
        return f"28x28 {convs} {fc}-10 (conv 3x3, no padding)"
    return f"784-{fc}-10"


def _append_table(md: Path, r: dict) -> None:
    lines = ["", "## Distribution vs most probable (deterministic) network", "",
             "| weights | training | act. levels | distribution acc | deterministic (argmax) acc "
             "| loss | sampled weights acc | argmax acc before BN re-estimate | mean max prob "
             "| zero weights | train s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in r["table"]:
        lines.append(
            f"| {row['kind']} | {row['sampling']} | {row['act_levels']} | "
            f"{100 * row['distribution_test_accuracy']:.2f} % | "
            f"{100 * row['deterministic_test_accuracy']:.2f} % | "
            f"{100 * row['accuracy_loss_distribution_to_deterministic']:.2f} pp | "
            f"{100 * row['sampled_weights_test_accuracy']:.2f} % | "
            f"{100 * row['deterministic_test_accuracy_before_bn_reestimate']:.2f} % | "
            f"{row['mean_max_weight_probability']:.3f} | {100 * row['zero_weight_fraction']:.1f} % "
            f"| {row['train_seconds']} |")
    g = r.get("golden", {})
    if "accuracy" in g:
        lines += ["", f"Golden ({r['hardware_kind']}, {r['hardware_weights']} weights): "
                  f"{100 * g['accuracy']:.2f} %, "
                  f"{g['top1_disagreements_vs_torch']} top-1 disagreements with torch."]
    md.write_text(md.read_text() + "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    return run_main(build_parser(), run, argv)
