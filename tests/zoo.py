"""The test model zoo: small seeded Brevitas models by id, and their QONNX export.

Every later test suite (build, sim, reports, HLS) takes its models from here::

    from tests.zoo import MODELS, build, export
    model, example = build("tfc_w1a1")
    path = export("tfc_w1a1", tmp_dir)               # dynamo=False flavour
    path = export("tfc_w1a1", tmp_dir, dynamo=True)  # torch.export (dynamo) flavour

Weights are random (seeded); BatchNorm statistics are set from a calibration batch so that the
activations spread over their levels instead of collapsing onto one. Models whose input is
``"uint8"`` take raw pixels (0..255, the /255 is inside the graph) and their exported input is
annotated UINT8; ``"float"`` inputs are quantized by the first Quant node (on the host).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = ["MODELS", "ZooEntry", "build", "export", "inputs_for", "mnist_images"]


@dataclass(frozen=True)
class ZooEntry:
    """One row of the zoo: how to build it and what it is made of."""

    id: str
    make: Callable[[], nn.Module]
    input_shape: tuple[int, ...]  # one frame, with the batch axis (1, ...)
    input_kind: str  # "uint8" (raw pixels, annotated UINT8) or "float"
    quantizers: str  # human-readable: which quantizers the model uses
    pow2: bool  # every scale is a power of two: golden == execute_onnx exactly
    seed: int = 0  # default seed of build(); chosen so that the model is not degenerate


def _q():  # imported lazily: brevitas import costs ~1 s
    import brevitas.nn as qnn
    import brevitas.quant as bq

    return qnn, bq


class _Pixels(nn.Module):
    """Raw UINT8 pixels -> [0, 1] (the /255 the hardware absorbs into its first thresholds)."""

    def __init__(self, bipolar: bool) -> None:
        super().__init__()
        self.bipolar = bipolar

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], -1) * (1.0 / 255.0)
        return 2.0 * x - 1.0 if self.bipolar else x


def _tfc(wbits: int, abits: int, hidden: tuple[int, ...] = (64, 64, 64)) -> nn.Module:
    """TFC-style MLP 784-...-10 on raw UINT8 pixels (Brevitas examples' TFC shape)."""
    qnn, bq = _q()

    def wq() -> dict:
        if wbits == 1:
            return {"weight_quant": bq.SignedBinaryWeightPerTensorConst}
        if wbits == 2:
            return {"weight_quant": bq.Int8WeightPerTensorFloat, "weight_bit_width": 2}
        return {"weight_quant": bq.Int8WeightPerChannelFloat, "weight_bit_width": wbits}

    def act(first: bool) -> nn.Module:
        if abits == 1:
            return qnn.QuantIdentity(act_quant=bq.SignedBinaryActPerTensorConst)
        if first:
            return qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFloat, bit_width=abits, max_val=1.0)
        return qnn.QuantReLU(act_quant=bq.Uint8ActPerTensorFloat, bit_width=abits, max_val=2.0)

    layers: list[nn.Module] = [_Pixels(bipolar=True), act(True)]
    width = 784
    for h in hidden:
        layers += [qnn.QuantLinear(width, h, bias=False, **wq()), nn.BatchNorm1d(h), act(False)]
        width = h
    layers.append(qnn.QuantLinear(width, 10, bias=False, **wq()))
    return nn.Sequential(*layers)


def _mlp_a8() -> nn.Module:
    """8-bit weights and activations (256 levels), per-channel weight scales, with biases."""
    qnn, bq = _q()
    return nn.Sequential(
        _Pixels(bipolar=False),
        qnn.QuantIdentity(act_quant=bq.Uint8ActPerTensorFloat, bit_width=8, max_val=1.0),
        qnn.QuantLinear(784, 32, bias=True, weight_quant=bq.Int8WeightPerChannelFloat),
        nn.BatchNorm1d(32),
        qnn.QuantReLU(act_quant=bq.Uint8ActPerTensorFloat, bit_width=8, max_val=2.5),
        qnn.QuantLinear(32, 10, bias=True, weight_quant=bq.Int8WeightPerTensorFloat),
    )


def _tanh6() -> nn.Module:
    """QuantTanh-style: Tanh followed by a signed 6-bit quantizer (max 1)."""
    qnn, bq = _q()
    return nn.Sequential(
        _Pixels(bipolar=True),
        qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFloat, bit_width=6, max_val=1.0),
        qnn.QuantLinear(784, 32, bias=False, weight_quant=bq.Int8WeightPerTensorFloat,
                        weight_bit_width=4),
        nn.BatchNorm1d(32),
        nn.Tanh(),
        qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFloat, bit_width=6, max_val=1.0),
        qnn.QuantLinear(32, 10, bias=False, weight_quant=bq.Int8WeightPerTensorFloat,
                        weight_bit_width=4),
    )


def _ternary_sign() -> nn.Module:
    """Ternary weights {-1, 0, +1} with sign (bipolar) activations."""
    qnn, bq = _q()
    tern = {"weight_quant": bq.SignedTernaryWeightPerTensorConst}
    sign = bq.SignedBinaryActPerTensorConst
    model = nn.Sequential(
        _Pixels(bipolar=True),
        qnn.QuantIdentity(act_quant=sign),
        qnn.QuantLinear(784, 48, bias=False, **tern),
        nn.BatchNorm1d(48),
        qnn.QuantIdentity(act_quant=sign),
        qnn.QuantLinear(48, 10, bias=False, **tern),
    )
    # the ternary quantizer's threshold is 0.5 (constant scale 1): spread the weights over it
    for m in model.modules():
        if isinstance(m, qnn.QuantLinear):
            with torch.no_grad():
                m.weight.uniform_(-1.2, 1.2)
    return model


def _mlp_pow2(quant_tensor: bool = False) -> nn.Module:
    """Power-of-two scales everywhere (FixedPoint quantizers, no BatchNorm): exact vs QONNX.

    ``quant_tensor``: the last layer returns a QuantTensor (``return_quant_tensor=True``), so the
    export has six outputs (value, scale, zero point, bit width, signed, training).
    """
    qnn, bq = _q()
    qt = {"return_quant_tensor": True} if quant_tensor else {}
    return nn.Sequential(
        _Pixels(bipolar=False),
        qnn.QuantIdentity(act_quant=bq.Uint8ActPerTensorFixedPoint, bit_width=4, max_val=1.0),
        qnn.QuantLinear(784, 32, bias=False, weight_quant=bq.Int8WeightPerTensorFixedPoint,
                        weight_bit_width=4),
        qnn.QuantReLU(act_quant=bq.Uint8ActPerTensorFixedPoint, bit_width=3, max_val=4.0),
        qnn.QuantLinear(32, 24, bias=False, weight_quant=bq.Int8WeightPerTensorFixedPoint,
                        weight_bit_width=3),
        qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFixedPoint, bit_width=2, max_val=1.0, **qt),
        qnn.QuantLinear(24, 10, bias=False, weight_quant=bq.Int8WeightPerTensorFixedPoint,
                        weight_bit_width=4, **qt),
    )


class _SmallCnv(nn.Module):
    """conv3x3(pad 1)-BN-ReLU2-maxpool2-conv3x3-BN-ReLU2-linear on 1x12x12 float input."""

    def __init__(self) -> None:
        super().__init__()
        qnn, bq = _q()
        w = {"weight_quant": bq.Int8WeightPerChannelFloat, "weight_bit_width": 2}
        relu = {"act_quant": bq.Uint8ActPerTensorFloat, "bit_width": 2, "max_val": 2.0}
        self.inp = qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFloat, bit_width=8, max_val=1.0)
        self.conv1 = qnn.QuantConv2d(1, 4, 3, padding=1, bias=False, **w)
        self.bn1 = nn.BatchNorm2d(4)
        self.act1 = qnn.QuantReLU(**relu)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = qnn.QuantConv2d(4, 8, 3, bias=False, **w)
        self.bn2 = nn.BatchNorm2d(8)
        self.act2 = qnn.QuantReLU(**relu)
        self.fc = qnn.QuantLinear(8 * 4 * 4, 10, bias=True, weight_quant=bq.Int8WeightPerTensorFloat,
                                  weight_bit_width=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.act1(self.bn1(self.conv1(self.inp(x)))))
        x = self.act2(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


class _Top1(nn.Module):
    """A model followed by ArgMax (exported as an ONNX ArgMax: top-1 in hardware)."""

    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.argmax(self.body(x), dim=1, keepdim=True)


class _Cnv(nn.Module):
    """The incumbent's CNV topology (CIFAR-10 shape 3x32x32): conv 64-64-pool-128-128-pool-
    256-256, FC 512-512-10; 8-bit power-of-two input quantizer. ``bits`` 1: bipolar weights and
    activations (CNV-W1A1); 2: ternary weights (2-bit narrow) and signed 2-bit activations, as
    Brevitas' bnn_pynq CNV-W2A2."""

    def __init__(self, bits: int = 1) -> None:
        super().__init__()
        qnn, bq = _q()
        if bits == 1:
            w = {"weight_quant": bq.SignedBinaryWeightPerTensorConst, "bias": False}

            def act() -> nn.Module:
                return qnn.QuantIdentity(act_quant=bq.SignedBinaryActPerTensorConst)
        else:
            w = {"weight_quant": bq.Int8WeightPerTensorFloat, "weight_bit_width": bits,
                 "bias": False}

            def act() -> nn.Module:
                return qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFloat, bit_width=bits,
                                         max_val=1.0)
        self.inp = qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFixedPoint, bit_width=8,
                                     max_val=1.0)
        layers: list[nn.Module] = []
        chans = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256)]
        for i, (cin, cout) in enumerate(chans):
            layers += [qnn.QuantConv2d(cin, cout, 3, **w), nn.BatchNorm2d(cout), act()]
            if i in (1, 3):
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        fc: list[nn.Module] = []
        for cin, cout in [(256, 512), (512, 512)]:
            fc += [qnn.QuantLinear(cin, cout, **w), nn.BatchNorm1d(cout), act()]
        fc.append(qnn.QuantLinear(512, 10, **w))
        self.classifier = nn.Sequential(*fc)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(self.inp(x)), 1))


class _ResBlock(nn.Module):
    """Brevitas-style basic block: conv-BN-ReLU-conv-BN-q(shared) + shortcut, then QuantReLU.

    The second branch's quantizer is the shortcut's quantizer instance (Brevitas requires equal
    scales for a QuantTensor add); a strided block has a 1x1 conv-BN-QuantReLU projection.
    """

    def __init__(self, cin: int, cout: int, stride: int, shared: nn.Module, bits: int) -> None:
        super().__init__()
        qnn, bq = _q()
        w = {"weight_quant": bq.Int8WeightPerTensorFixedPoint, "weight_bit_width": 3,
             "bias": False}
        self.conv1 = qnn.QuantConv2d(cin, cout, 3, stride=stride, padding=1, **w)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = _relu(bits)
        self.conv2 = qnn.QuantConv2d(cout, cout, 3, padding=1, **w)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(qnn.QuantConv2d(cin, cout, 1, stride=stride, **w),
                                      nn.BatchNorm2d(cout), _relu(bits))
            shared = self.down[-1]
        self.relu2 = shared
        self.relu_out = _relu(bits)

    def forward(self, x):
        out = self.relu2(self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x))))))
        if self.down is not None:
            x = self.down(x)
        return self.relu_out(out + x)


def _relu(bits: int) -> nn.Module:
    qnn, bq = _q()
    return qnn.QuantReLU(act_quant=bq.Uint8ActPerTensorFixedPoint, bit_width=bits, max_val=2.0,
                         return_quant_tensor=True)


class _ResNetSmall(nn.Module):
    """1x12x12 float -> stem conv 8 -> identity block -> stride-2 block with a 1x1 projection
    (16 channels) -> linear 10. Power-of-two scales, 2- to 4-bit activations, 3-bit weights."""

    def __init__(self) -> None:
        super().__init__()
        qnn, bq = _q()
        self.inp = qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFixedPoint, bit_width=4,
                                     max_val=1.0, return_quant_tensor=True)
        self.stem = qnn.QuantConv2d(1, 8, 3, padding=1, bias=False,
                                    weight_quant=bq.Int8WeightPerTensorFixedPoint,
                                    weight_bit_width=4)
        self.bn = nn.BatchNorm2d(8)
        self.relu = _relu(3)
        self.block1 = _ResBlock(8, 8, 1, self.relu, 2)
        self.block2 = _ResBlock(8, 16, 2, None, 4)
        self.fc = qnn.QuantLinear(16 * 6 * 6, 10, bias=False,
                                  weight_quant=bq.Int8WeightPerTensorFixedPoint, weight_bit_width=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn(self.stem(self.inp(x))))
        x = self.block2(self.block1(x))
        return self.fc(torch.flatten(x, 1))


class _ConcatNet(nn.Module):
    """1x12x12 float -> conv 4 -> pool -> two branches (1x1 conv, 3x3 conv) sharing one output
    quantizer -> concatenation on channels (8) -> conv 3x3 -> linear 10. Power-of-two scales."""

    def __init__(self) -> None:
        super().__init__()
        qnn, bq = _q()
        w = {"weight_quant": bq.Int8WeightPerTensorFixedPoint, "weight_bit_width": 3,
             "bias": False}
        self.inp = qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFixedPoint, bit_width=4,
                                     max_val=1.0)
        self.stem = qnn.QuantConv2d(1, 4, 3, padding=1, **w)
        self.bn = nn.BatchNorm2d(4)
        self.relu = _relu(2)
        self.pool = nn.MaxPool2d(2)
        self.a = qnn.QuantConv2d(4, 4, 1, **w)
        self.bn_a = nn.BatchNorm2d(4)
        self.b = qnn.QuantConv2d(4, 4, 3, padding=1, **w)
        self.bn_b = nn.BatchNorm2d(4)
        self.shared = _relu(3)
        self.conv = qnn.QuantConv2d(8, 8, 3, **w)
        self.bn_c = nn.BatchNorm2d(8)
        self.relu_c = _relu(2)
        self.fc = qnn.QuantLinear(8 * 4 * 4, 10, bias=False,
                                  weight_quant=bq.Int8WeightPerTensorFixedPoint, weight_bit_width=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.relu(self.bn(self.stem(self.inp(x)))))
        a = self.shared(self.bn_a(self.a(x)))
        b = self.shared(self.bn_b(self.b(x)))
        x = self.relu_c(self.bn_c(self.conv(torch.cat([a, b], dim=1))))
        return self.fc(torch.flatten(x, 1))


# -- mobile, audio and radio networks (issue 17) ------------------------------------------------


class _MobileTiny(nn.Module):
    """MobileNet-v1 in miniature on raw UINT8 pixels (1x28x28): conv3x3/2 straight on the
    pixels (times 1/255, no input quantizer), three depthwise-separable blocks (the last two
    with stride-2 depthwise convs), BatchNorm, 4-bit ReLUs, a truncating 4x4 global average pool
    (TruncAvgPool2d, FLOOR, 4 bits) and a linear head with an Int32Bias."""

    def __init__(self) -> None:
        super().__init__()
        qnn, bq = _q()
        from brevitas.quant import Int32Bias

        w4 = {"weight_quant": bq.Int8WeightPerChannelFloat, "weight_bit_width": 4, "bias": False}

        def relu(ret: bool = False) -> nn.Module:
            return qnn.QuantReLU(act_quant=bq.Uint8ActPerTensorFloat, bit_width=4, max_val=2.0,
                                 return_quant_tensor=ret)

        self.conv0 = qnn.QuantConv2d(1, 8, 3, stride=2, padding=1, **w4)
        self.bn0, self.act0 = nn.BatchNorm2d(8), relu()
        self.dw1 = qnn.QuantConv2d(8, 8, 3, padding=1, groups=8, **w4)
        self.bn1, self.act1 = nn.BatchNorm2d(8), relu()
        self.pw1 = qnn.QuantConv2d(8, 16, 1, **w4)
        self.bn2, self.act2 = nn.BatchNorm2d(16), relu()
        self.dw2 = qnn.QuantConv2d(16, 16, 3, stride=2, padding=1, groups=16, **w4)
        self.bn3, self.act3 = nn.BatchNorm2d(16), relu()
        self.pw2 = qnn.QuantConv2d(16, 16, 1, **w4)
        self.bn4, self.act4 = nn.BatchNorm2d(16), relu()
        self.dw3 = qnn.QuantConv2d(16, 16, 3, stride=2, padding=1, groups=16, **w4)
        self.bn5, self.act5 = nn.BatchNorm2d(16), relu()
        self.pw3 = qnn.QuantConv2d(16, 16, 1, **w4)
        self.bn6 = nn.BatchNorm2d(16)
        # a constant scale (no statistics collected in the calibration passes), so that the
        # pooled means spread over the levels
        self.act6 = qnn.QuantReLU(act_quant=bq.Uint8ActPerTensorFloat, bit_width=4, max_val=0.75,
                                  scaling_impl_type="const", return_quant_tensor=True)
        self.pool = qnn.TruncAvgPool2d(kernel_size=4, stride=1, bit_width=4,
                                       float_to_int_impl_type="FLOOR")
        self.fc = qnn.QuantLinear(16, 10, bias=True, weight_quant=bq.Int8WeightPerTensorFloat,
                                  bias_quant=Int32Bias)
        with torch.no_grad():  # pooled features are all positive: spread the classes
            self.fc.weight.normal_(0.0, 1.0)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act0(self.bn0(self.conv0(x * (1.0 / 255.0))))
        x = self.act2(self.bn2(self.pw1(self.act1(self.bn1(self.dw1(x))))))
        x = self.act4(self.bn4(self.pw2(self.act3(self.bn3(self.dw2(x))))))
        x = self.act6(self.bn6(self.pw3(self.act5(self.bn5(self.dw3(x))))))
        return torch.flatten(self.pool(x), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))

    def after_calibration(self, calib: torch.Tensor) -> None:
        """Centre the head on the calibration features (the pooled features are all positive
        and alike, so a random head would pick one class for every image)."""
        with torch.no_grad():
            f = self.features(calib)
            f = torch.as_tensor(getattr(f, "value", f))  # a QuantTensor's value
            self.fc.bias.copy_(-(f.mean(0) @ self.fc.weight.T))


class _Cnn1d(nn.Module):
    """Radio-style 1-D CNN on a (2, 64) I/Q signal: 8-bit fixed-point input quantizer, conv5
    (same padding) - BN - ReLU4 - maxpool1d 2, conv3 stride 2 dilation 2 padding 2 -
    BN - ReLU4 - maxpool1d 3 / 2 with padding 1, linear head."""

    def __init__(self) -> None:
        super().__init__()
        qnn, bq = _q()
        w = {"weight_quant": bq.Int8WeightPerChannelFloat, "weight_bit_width": 4, "bias": False}
        relu = {"act_quant": bq.Uint8ActPerTensorFloat, "bit_width": 4, "max_val": 2.0}
        self.inp = qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFixedPoint, bit_width=8,
                                     max_val=1.0)
        self.conv1 = qnn.QuantConv1d(2, 8, 5, padding=2, **w)
        self.bn1, self.act1 = nn.BatchNorm1d(8), qnn.QuantReLU(**relu)
        self.pool1 = nn.MaxPool1d(2)
        self.conv2 = qnn.QuantConv1d(8, 8, 3, stride=2, padding=2, dilation=2, **w)
        self.bn2, self.act2 = nn.BatchNorm1d(8), qnn.QuantReLU(**relu)
        self.pool2 = nn.MaxPool1d(3, stride=2, padding=1)
        self.fc = qnn.QuantLinear(8 * 8, 10, bias=True, weight_quant=bq.Int8WeightPerTensorFloat,
                                  weight_bit_width=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.act1(self.bn1(self.conv1(self.inp(x)))))
        x = self.pool2(self.act2(self.bn2(self.conv2(x))))
        return self.fc(torch.flatten(x, 1))


def _kws_w3a3() -> nn.Module:
    """Keyword-spotting style MLP on 490 MFCC-like features (49 frames x 10 coefficients),
    3-bit weights and activations, 12 classes."""
    qnn, bq = _q()
    w3 = {"weight_quant": bq.Int8WeightPerTensorFloat, "weight_bit_width": 3, "bias": False}
    relu = {"act_quant": bq.Uint8ActPerTensorFloat, "bit_width": 3, "max_val": 2.0}
    return nn.Sequential(
        qnn.QuantIdentity(act_quant=bq.Int8ActPerTensorFloat, bit_width=8, max_val=1.0),
        qnn.QuantLinear(490, 64, **w3), nn.BatchNorm1d(64), qnn.QuantReLU(**relu),
        qnn.QuantLinear(64, 64, **w3), nn.BatchNorm1d(64), qnn.QuantReLU(**relu),
        qnn.QuantLinear(64, 12, bias=True, weight_quant=bq.Int8WeightPerTensorFloat,
                        weight_bit_width=3),
    )


def _entries() -> dict[str, ZooEntry]:
    px = (1, 1, 28, 28)
    rows = [
        ZooEntry("tfc_w1a1", lambda: _tfc(1, 1), px, "uint8",
                 "SignedBinaryWeightPerTensorConst / SignedBinaryActPerTensorConst, BatchNorm", False),
        ZooEntry("tfc_w1a2", lambda: _tfc(1, 2), px, "uint8",
                 "SignedBinaryWeightPerTensorConst / Int8ActPerTensorFloat(2) input, "
                 "Uint8ActPerTensorFloat(2) QuantReLU, BatchNorm", False),
        ZooEntry("tfc_w2a2", lambda: _tfc(2, 2), px, "uint8",
                 "Int8WeightPerTensorFloat(2, narrow = ternary values) / Int8ActPerTensorFloat(2), "
                 "Uint8ActPerTensorFloat(2), BatchNorm", False),
        ZooEntry("sfc_w1a1", lambda: _tfc(1, 1, (256, 256, 256)), px, "uint8",
                 "as tfc_w1a1 with 256-wide hidden layers (Brevitas examples' SFC shape)", False),
        ZooEntry("lfc_w1a1", lambda: _tfc(1, 1, (1024, 1024, 1024)), px, "uint8",
                 "as tfc_w1a1 with 1024-wide hidden layers (Brevitas examples' LFC shape)", False),
        ZooEntry("tfc_w4a4", lambda: _tfc(4, 4), px, "uint8",
                 "Int8WeightPerChannelFloat(4) / Int8ActPerTensorFloat(4), "
                 "Uint8ActPerTensorFloat(4), BatchNorm", False),
        ZooEntry("mlp_a8", _mlp_a8, px, "uint8",
                 "Int8WeightPerChannelFloat(8) + bias / Uint8ActPerTensorFloat(8), BatchNorm", False),
        ZooEntry("tanh6", _tanh6, px, "uint8",
                 "Int8WeightPerTensorFloat(4) / BatchNorm, Tanh, Int8ActPerTensorFloat(6)", False),
        ZooEntry("ternary_sign", _ternary_sign, px, "uint8",
                 "SignedTernaryWeightPerTensorConst / SignedBinaryActPerTensorConst, BatchNorm", False),
        ZooEntry("mlp_pow2", _mlp_pow2, px, "uint8",
                 "Int8WeightPerTensorFixedPoint(4,3) / Uint8ActPerTensorFixedPoint(4,3), "
                 "Int8ActPerTensorFixedPoint(2); no BatchNorm", True, seed=3),
        ZooEntry("mlp_pow2_qt", lambda: _mlp_pow2(quant_tensor=True), px, "uint8",
                 "as mlp_pow2, the last layer returns a QuantTensor (six ONNX outputs)", True,
                 seed=3),
        ZooEntry("cnv_small", _SmallCnv, (1, 1, 12, 12), "float",
                 "Int8ActPerTensorFloat(8) input on host / Int8WeightPerChannelFloat(2) conv, "
                 "BatchNorm, Uint8ActPerTensorFloat(2) QuantReLU, MaxPool, "
                 "Int8WeightPerTensorFloat(4) linear + bias", False),
        ZooEntry("tfc_w1a1_top1", lambda: _Top1(_tfc(1, 1)), px, "uint8",
                 "as tfc_w1a1, then ArgMax (top-1 in hardware: label select)", False),
        ZooEntry("cnv_w1a1", _Cnv, (1, 3, 32, 32), "float",
                 "Int8ActPerTensorFixedPoint(8) input on host / SignedBinaryWeightPerTensorConst "
                 "conv + linear, BatchNorm, SignedBinaryActPerTensorConst, MaxPool", False),
        ZooEntry("cnv_w2a2", lambda: _Cnv(2), (1, 3, 32, 32), "float",
                 "Int8ActPerTensorFixedPoint(8) input on host / Int8WeightPerTensorFloat(2, "
                 "narrow = ternary values) conv + linear, BatchNorm, Int8ActPerTensorFloat(2) "
                 "(signed 2-bit), MaxPool", False),
        ZooEntry("resnet_small", _ResNetSmall, (1, 1, 12, 12), "float",
                 "Int8ActPerTensorFixedPoint(4) input on host / Int8WeightPerTensorFixedPoint(3,4)"
                 " conv + linear, BatchNorm, Uint8ActPerTensorFixedPoint(2-4) QuantReLU, residual "
                 "adds of QuantTensors (identity and stride-2 1x1 projection)", True),
        ZooEntry("concat_small", _ConcatNet, (1, 1, 12, 12), "float",
                 "Int8ActPerTensorFixedPoint(4) input on host / Int8WeightPerTensorFixedPoint(3,4)"
                 " conv + linear, BatchNorm, Uint8ActPerTensorFixedPoint(2-3), MaxPool, two "
                 "branches concatenated on channels (one shared quantizer)", True),
        ZooEntry("mobilenet_tiny", _MobileTiny, px, "uint8",
                 "raw UINT8 pixels into conv3x3/2 (no input quantizer) / Int8WeightPerChannel"
                 "Float(4) depthwise + pointwise convs, BatchNorm, Uint8ActPerTensorFloat(4), "
                 "TruncAvgPool2d(4, FLOOR, 4 bits), linear + Int32Bias", False),
        ZooEntry("cnn1d", _Cnn1d, (1, 2, 64), "float",
                 "Int8ActPerTensorFixedPoint(8) input on host / Int8WeightPerChannelFloat(4) "
                 "Conv1d (same; stride 2 dilation 2), BatchNorm, "
                 "Uint8ActPerTensorFloat(4), MaxPool1d 2 and 3/2 pad 1", False),
        ZooEntry("kws_w3a3", _kws_w3a3, (1, 490), "float",
                 "Int8ActPerTensorFloat(8) input on host / Int8WeightPerTensorFloat(3), "
                 "BatchNorm, Uint8ActPerTensorFloat(3)", False),
    ]
    return {r.id: r for r in rows}


MODELS: dict[str, ZooEntry] = _entries()


def mnist_dir() -> Path | None:
    """The MNIST IDX folder (``HWGEN_MNIST_DIR`` or ``../shared/data/mnist`` next to the repo)."""
    env = os.environ.get("HWGEN_MNIST_DIR")
    folder = Path(env) if env else (Path(__file__).parents[1] / "../shared/data/mnist").resolve()
    return folder if (folder / "t10k-images-idx3-ubyte.gz").exists() else None


def mnist_images(count: int | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """MNIST test images (N, 1, 28, 28) uint8 and labels, or None when the files are absent."""
    folder = mnist_dir()
    if folder is None:
        return None
    with gzip.open(folder / "t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(folder / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images[:count], labels[:count]


def inputs_for(id: str, images: np.ndarray) -> np.ndarray:
    """Turn uint8 MNIST images (N, 1, 28, 28) into the model's input (float32 array)."""
    entry = MODELS[id]
    x = images.astype(np.float32)
    if entry.input_kind == "uint8":
        return x
    if entry.input_shape in ((1, 2, 64), (1, 490)):
        # a signal / feature vector: a band of MNIST pixels, scaled to [-1, 1]
        n = int(np.prod(entry.input_shape[1:]))
        flat = x.reshape(len(x), -1)[:, 200:200 + n]
        return (flat / 127.5 - 1.0).reshape((len(x),) + entry.input_shape[1:]).astype(np.float32)
    if entry.input_shape == (1, 3, 32, 32):
        # 3x32x32 float: MNIST padded to 32x32, the same image in 3 channels, in [-1, 1]
        x = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
        return (np.repeat(x, 3, axis=1) / 127.5 - 1.0).astype(np.float32)
    # 1x12x12 float: centre crop 24x24, 2x2 average, scaled to [-1, 1]
    x = x[:, :, 2:26, 2:26].reshape(-1, 1, 12, 2, 12, 2).mean(axis=(3, 5))
    return (x / 127.5 - 1.0).astype(np.float32)


def _calibration(entry: ZooEntry, rng: np.random.Generator) -> np.ndarray:
    data = mnist_images(256)
    if data is not None:
        return inputs_for(entry.id, data[0])
    shape = (256,) + entry.input_shape[1:]
    if entry.input_kind == "uint8":
        return rng.integers(0, 256, size=shape).astype(np.float32)
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


def build(id: str, seed: int | None = None) -> tuple[nn.Module, torch.Tensor]:
    """The seeded model ``id`` in eval mode (BatchNorm statistics from data) and an example input."""
    if id not in MODELS:
        raise KeyError(f"unknown zoo model {id!r}; known: {', '.join(MODELS)}")
    entry = MODELS[id]
    seed = entry.seed if seed is None else seed
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = entry.make()
    calib = torch.from_numpy(_calibration(entry, rng))
    calibrate_batchnorm(model, calib)
    if hasattr(model, "after_calibration"):
        model.after_calibration(calib)
    example = calib[:1].clone()
    return model, example


def calibrate_batchnorm(model, calib, passes: int | None = None) -> None:
    """Random BatchNorm affines (weight in [0.6, 1.4], bias in [-0.2, 0.2], from torch's
    generator) and statistics from the data: in train mode with momentum 1 each pass sets the
    running mean/var to the batch statistics, one more layer settled per pass (so no layer
    collapses); ``passes`` defaults to the number of BatchNorm layers. Leaves ``model`` in
    eval mode."""
    import torch
    from torch import nn

    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.momentum = 1.0
        with torch.no_grad():
            bn.weight.uniform_(0.6, 1.4)
            bn.bias.uniform_(-0.2, 0.2)
    model.train()
    with torch.no_grad():
        for _ in range(len(bns) if passes is None else passes):
            model(calib)
    model.eval()


def export(id: str, folder: str | Path, dynamo: bool = False, seed: int | None = None,
           qcdq: bool = False) -> Path:
    """Export zoo model ``id`` to ``folder/<id>[_dynamo|_qcdq].onnx`` with Brevitas'
    export_qonnx (or export_onnx_qcdq: QuantizeLinear / Clip / DequantizeLinear)."""
    from brevitas.export import export_onnx_qcdq, export_qonnx

    entry = MODELS[id]
    model, example = build(id, seed)
    path = Path(folder) / f"{id}{'_dynamo' if dynamo else ''}{'_qcdq' if qcdq else ''}.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        if qcdq:
            export_onnx_qcdq(model, example, export_path=str(path), dynamo=dynamo)
        else:
            export_qonnx(model, example, export_path=str(path), dynamo=dynamo)
    if entry.input_kind == "uint8":
        from qonnx.core.datatype import DataType
        from qonnx.core.modelwrapper import ModelWrapper

        wrapped = ModelWrapper(str(path))
        wrapped.set_tensor_datatype(wrapped.graph.input[0].name, DataType["UINT8"])
        wrapped.save(str(path))
    return path


# -- full-size MobileNet-v1 (issue 17): brevitas_examples' quant_mobilenet_v1, 4 bits --------


class _PixelInput(nn.Module):
    """Raw UINT8 pixels (0..255) into ``net``: the /255 and the reference preprocessing's
    common /0.226 as one Mul inside the graph (the per-channel mean is left out: a shift before
    a zero-padded convolution is not a scale, and the weights are random anyway)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * (1.0 / (255.0 * 0.226)))


def mobilenet_v1(width: float = 1.0, seed: int = 0) -> nn.Module:
    """``brevitas_examples.imagenet_classification.models.quant_mobilenet_v1`` with the
    quant_mobilenet_v1_4b configuration (4-bit weights and activations, 8-bit first layer,
    TruncAvgPool2d 7 FLOOR, 1000 classes) at ``width``, random seeded weights, on raw UINT8
    224 x 224 RGB pixels; BatchNorm statistics and activation scales from a small random batch
    (the zoo's per-BatchNorm passes over 256 images would take minutes at 224 x 224)."""
    from configparser import ConfigParser

    from brevitas_examples.imagenet_classification.models.mobilenetv1 import quant_mobilenet_v1

    torch.manual_seed(seed)
    cfg = ConfigParser()
    cfg.read_dict({"MODEL": {"WIDTH_SCALE": str(width)},
                   "QUANT": {"BIT_WIDTH": "4", "ROUND_AVG_POOL": "false"}})
    model = _PixelInput(quant_mobilenet_v1(cfg))
    calib = torch.from_numpy(np.random.default_rng(seed).integers(
        0, 256, size=(4, 3, 224, 224)).astype(np.float32))
    calibrate_batchnorm(model, calib, passes=3)  # activation scales settle in 3
    return model


def export_mobilenet_v1(folder: str | Path, width: float = 1.0, seed: int = 0) -> Path:
    """QONNX export of ``mobilenet_v1(width, seed)`` (input annotated UINT8, as the zoo's
    pixel models) to ``folder/mobilenet_v1_w<width>.onnx``."""
    from brevitas.export import export_qonnx
    from qonnx.core.datatype import DataType
    from qonnx.core.modelwrapper import ModelWrapper

    model = mobilenet_v1(width, seed)
    path = Path(folder) / f"mobilenet_v1_w{width:g}.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, 3, 224, 224)
    with torch.no_grad():
        export_qonnx(model, example, export_path=str(path))
    wrapped = ModelWrapper(str(path))
    wrapped.set_tensor_datatype(wrapped.graph.input[0].name, DataType["UINT8"])
    wrapped.save(str(path))
    return path
