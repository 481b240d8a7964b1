"""The Brevitas bnn_pynq ``QuantResNet`` (``QuantBasicBlock``) body, up to the average pool.

Integer RGB input annotated UINT8 (no input quantizer), shared quantizers on the residual adds
(identity and stride-2 1x1-projection shortcuts). The truncating average pool and the linear head
belong to the mobile-layers issue; until then the body's features are the model output.
Float scales: golden vs execute_onnx layer by layer (DESIGN.md 2), and the whole body.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from hwgen.frontend import read
from hwgen.frontend.lower import lower_with_paths
from hwgen.golden import execute
from tests.frontend.onnx_ref import compare_layers, run_onnx


class _Body(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.net
        x = r.maxpool(r.relu(r.bn1(r.conv1(x))))
        return r.layer4(r.layer3(r.layer2(r.layer1(x)))).value


@pytest.mark.slow
def test_bnn_pynq_quant_resnet_body(tmp_path):
    from brevitas.export import export_qonnx
    from brevitas_examples.bnn_pynq.models.resnet import QuantBasicBlock, QuantResNet
    from qonnx.core.datatype import DataType
    from qonnx.core.modelwrapper import ModelWrapper

    torch.manual_seed(0)
    net = QuantResNet(QuantBasicBlock, [1, 1, 1, 1], act_bit_width=4, weight_bit_width=4)
    net.final_pool, net.linear = nn.Identity(), nn.Identity()  # not exported: issue 17
    body = _Body(net)
    calib = torch.randint(0, 256, (32, 3, 32, 32)).float()
    bns = [m for m in body.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in bns:
        bn.momentum = 1.0
    body.train()
    with torch.no_grad():
        for _ in range(3):  # BatchNorm statistics from data, so no layer collapses
            body(calib)
    body.eval()
    path = tmp_path / "qresnet_body.onnx"
    export_qonnx(body, calib[:1], export_path=str(path), dynamo=False)
    wrapped = ModelWrapper(str(path))
    wrapped.set_tensor_datatype(wrapped.graph.input[0].name, DataType["UINT8"])
    wrapped.save(str(path))

    model = read(path)
    graph, paths = lower_with_paths(model)
    assert graph.prologue.kind == "identity" and str(graph.input_dtype) == "UINT8"
    adds = [x for x in graph.layers if x.op == "Add"]
    assert len(adds) == 4 and all(x.coeffs == (1, 1) for x in adds)
    # blocks 2-4 downsample: their shortcut is a 1x1 stride-2 convolution (SWG + MatMul)
    strided = [x for x in graph.layers if x.op == "SlidingWindow" and x.kernel == (1, 1)]
    assert [x.stride for x in strided] == [(2, 2)] * 3
    x = calib[:2].numpy()
    with torch.no_grad():
        t = body(calib[:2]).numpy()
    onnx_out = run_onnx(model, x)
    assert np.abs(t - onnx_out).max() <= 1e-4 * np.abs(onnx_out).max()
    counts = compare_layers(graph, paths, model, x)
    gold = execute(graph, x)
    if not any(counts.values()):  # no threshold crossed within float ulps: exact end to end
        assert np.array_equal(gold, onnx_out)
