"""FINN-style quantized MLPs (TFC / SFC / LFC) and a small conv net (CNV) from Brevitas layers.

Structure, for ``hidden = (H, H, H)``::

    x (N, 784) float pixels 0..255
    -> x * (1/255) - 0.5                   PixelScale: ONNX Mul + Add, so the input can be UINT8
    -> QuantIdentity (in_bits)             input quantizer (1 bit: sign, i.e. pixel >= 128)
    -> [QuantLinear(bias=False) -> BatchNorm1d -> QuantIdentity (abits)] x len(hidden)
    -> QuantLinear(H, 10, bias=False)
    -> x * s                               OutputScale: one positive per-tensor scale (float
                                           epilogue; keeps top-1 hardware-friendly)

Every quantizer has a constant power-of-two scale; the BatchNorm in front of each activation
sets the range, so nothing is lost. Weights: 1 bit = ``SignedBinaryWeightPerTensorConst`` with
scale 1.0 (BIPOLAR); b >= 2 bits = narrow-range signed ints with scale 2^(2-b) (2 bits: ternary
{-1, 0, +1}). Activations: 1 bit = ``SignedBinaryActPerTensorConst`` (``QuantIdentity(bit_width=1)``
disagrees between torch and export); b >= 2 bits = signed ints with scale 2^(2-b) (range
[-2, 2)); the input quantizer's scale is 2^-b (range [-0.5, 0.5), the pixels' range).
Power-of-two scales keep the golden executor bit-exact with QONNX (DESIGN.md section 2).

:class:`CNV` puts ``[QuantConv2d -> BatchNorm2d -> activation -> MaxPool2d]`` stages in front
of the same fully connected part (max pool after the quantizer, as hwgen requires).

Why constant: a learned power-of-two scale moves in factors of two. Trained with Adam it hovers
at a rounding boundary and flips between two scales from step to step; BatchNorm in train mode
follows each flip through its batch statistics, but its running statistics (eval mode, export)
belong to a mixture of both, and test accuracy collapsed (TFC W1A2: 92 % train, 27 % test when
the 2-bit input quantizer sat at the smaller scale at the end of training).
"""

from __future__ import annotations

import math

import torch
from brevitas.inject.enum import ScalingImplType
from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear
from brevitas.quant import (
    Int8ActPerTensorFixedPoint,
    Int8WeightPerTensorFixedPoint,
    SignedBinaryActPerTensorConst,
    SignedBinaryWeightPerTensorConst,
)
from torch import nn

from hwgen.errors import HwgenError

__all__ = ["CNV", "FC", "FC_HIDDEN", "OutputScale", "PixelScale", "build_fc", "signed_act"]

# Hidden layer widths of the FINN/Brevitas BNN-PYNQ MLPs.
FC_HIDDEN = {"tfc": (64, 64, 64), "sfc": (256, 256, 256), "lfc": (1024, 1024, 1024)}


class BinaryWeightUnitScale(SignedBinaryWeightPerTensorConst):
    """Bipolar weights {-1, +1}: scale 1.0 (a power of two) instead of Brevitas' default 0.1."""

    scaling_const = 1.0


class PixelScale(nn.Module):
    """Raw pixels 0..255 to [-0.5, 0.5]; exported as Mul(1/255) then Add(-0.5)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * (1.0 / 255.0) + (-0.5)


class OutputScale(nn.Module):
    """One learned per-tensor scale on the logits (softmax temperature during training)."""

    def __init__(self, init: float) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(float(init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


# Brevitas divides these by 2^(bits-1): weights get scale 2^(2-bits) (narrow range), activations
# with range [-r, r) get scale r / 2^(bits-1).
_WEIGHT_SCALING_CONST = 2.0
_HIDDEN_RANGE = 2.0
_INPUT_RANGE = 0.5


def _weight_quant(bits: int) -> dict:
    if bits == 1:
        return {"weight_quant": BinaryWeightUnitScale}
    quant = Int8WeightPerTensorFixedPoint.let(
        scaling_impl_type=ScalingImplType.CONST, scaling_const=_WEIGHT_SCALING_CONST
    )
    return {"weight_quant": quant, "weight_bit_width": bits}


def signed_act(bits: int, value_range: float = _HIDDEN_RANGE) -> QuantIdentity:
    """Signed uniform levels on [-value_range, value_range) with a constant power-of-two
    scale value_range / 2^(bits-1) (the sign for bits == 1)."""
    if bits == 1:
        return QuantIdentity(act_quant=SignedBinaryActPerTensorConst)
    quant = Int8ActPerTensorFixedPoint.let(
        scaling_impl_type=ScalingImplType.CONST, min_val=-value_range, max_val=value_range
    )
    return QuantIdentity(act_quant=quant, bit_width=bits)


class FC(nn.Module):
    """Quantized MLP on flattened uint8-valued images; see the module docstring."""

    def __init__(
        self,
        hidden: tuple[int, ...],
        wbits: int,
        abits: int,
        in_bits: int,
        in_features: int = 784,
        num_classes: int = 10,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        # Dropout after each quantizer as in the Brevitas BNN-PYNQ recipe (training only: the
        # eval-mode export has no Dropout node); none at all when dropout == 0.
        drop = [nn.Dropout(dropout)] if dropout > 0 else []
        layers: list[nn.Module] = [PixelScale(), signed_act(in_bits, _INPUT_RANGE), *drop]
        width = in_features
        for h in hidden:
            layers += [
                QuantLinear(width, h, bias=False, **_weight_quant(wbits)),
                nn.BatchNorm1d(h),
                signed_act(abits),
                *([nn.Dropout(dropout)] if dropout > 0 else []),
            ]
            width = h
        self.features = nn.Sequential(*layers)
        self.classifier = QuantLinear(width, num_classes, bias=False, **_weight_quant(wbits))
        self.output_scale = OutputScale(1.0 / math.sqrt(width))
        self.wbits = wbits
        # Latent weights start in [-1, 1]: the binary quantizer's clamp range, and spread over
        # the levels of the constant-scale integer quantizers (the default init, about
        # 1/sqrt(fan_in), would round every multi-bit weight to zero).
        for m in self.modules():
            if isinstance(m, QuantLinear):
                nn.init.uniform_(m.weight, -1.0, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output_scale(self.classifier(self.features(x)))


class CNV(FC):
    """Small quantized conv net on uint8-valued images, the convolutional sibling of :class:`FC`.

    ``PixelScale -> input quantizer -> [QuantConv2d(k x k, no padding, bias=False) ->
    BatchNorm2d -> activation -> MaxPool2d(pool)] per entry of channels -> Flatten ->`` the
    fully connected part of :class:`FC` (``hidden``, classifier, output scale), with the same
    quantizers (constant power-of-two scales). The max pool comes after the activation
    quantizer, as hwgen requires. Takes (N, C, H, W) images or flattened rows (N, C*H*W),
    reshaped to ``in_shape``; export it with a 4D input.
    """

    def __init__(
        self,
        channels: tuple[int, ...],
        hidden: tuple[int, ...],
        wbits: int,
        abits: int,
        in_bits: int,
        in_shape: tuple[int, int, int] = (1, 28, 28),
        num_classes: int = 10,
        kernel: int = 3,
        pool: int = 2,
    ) -> None:
        c, h, w = in_shape
        convs: list[nn.Module] = []
        for ch in channels:
            conv = QuantConv2d(c, ch, kernel, bias=False, **_weight_quant(wbits))
            nn.init.uniform_(conv.weight, -1.0, 1.0)  # latent weights in [-1, 1], as in FC
            convs += [conv, nn.BatchNorm2d(ch), signed_act(abits), nn.MaxPool2d(pool)]
            c, h, w = ch, (h - kernel + 1) // pool, (w - kernel + 1) // pool
        if h < 1 or w < 1:
            raise HwgenError(f"CNV input {in_shape} must stay at least 1x1 after "
                             f"{len(channels)} conv/pool stages, not {h}x{w}",
                             hint="use fewer conv layers or a larger input")
        super().__init__(hidden, wbits, abits, in_bits, c * h * w, num_classes)
        self.in_shape = tuple(in_shape)
        # FC's features: PixelScale, input quantizer, then the dense layers.
        front, dense = list(self.features)[:2], list(self.features)[2:]
        self.features = nn.Sequential(*front, *convs, nn.Flatten(), *dense)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:  # flattened rows as flows.common.train.pixels gives them
            x = x.reshape(len(x), *self.in_shape)
        return super().forward(x)


def build_fc(
    name: str,
    wbits: int = 1,
    abits: int = 1,
    in_bits: int | None = None,
    in_features: int = 784,
    num_classes: int = 10,
    dropout: float = 0.0,
) -> FC:
    """TFC/SFC/LFC with ``wbits``-bit weights and ``abits``-bit activations.

    ``in_bits`` is the input quantizer's width (default: ``abits``); ``dropout`` the training
    dropout rate after every quantizer (0: no Dropout modules).
    """
    if name not in FC_HIDDEN:
        raise HwgenError(
            f"model must be one of {', '.join(FC_HIDDEN)}, not {name!r}", hint="use --model tfc"
        )
    for label, bits in (("wbits", wbits), ("abits", abits), ("in_bits", in_bits or abits)):
        if not 1 <= bits <= 8:
            raise HwgenError(f"{label} must be in 1..8, not {bits}")
    if not 0.0 <= dropout < 1.0:
        raise HwgenError(f"dropout must be in [0, 1), not {dropout}")
    return FC(FC_HIDDEN[name], wbits, abits, in_bits or abits, in_features, num_classes, dropout)
