"""Brevitas' quant_mobilenet_v1 (brevitas_examples, 4-bit, 224 x 224, random weights) at width
0.25: golden == QONNX execute_onnx on 2 frames (per the contract, layer by layer), and the
PYNQ-Z2 build. Marked slow (export ~45 s, build ~40 s on 2 cores). Width 1.0 for the ZCU104
(export about 2 minutes) is benchmarks/mobilenet_v1.py --check."""

from __future__ import annotations

import numpy as np
import pytest

import hwgen
from hwgen.frontend import read
from hwgen.frontend.lower import lower_with_paths
from tests.frontend.onnx_ref import compare_layers, run_onnx
from tests.zoo import export_mobilenet_v1

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mobilenet_w025(tmp_path_factory):
    return export_mobilenet_v1(tmp_path_factory.mktemp("mnv1"), 0.25)


def test_golden_equals_execute_onnx(mobilenet_w025) -> None:
    model = read(mobilenet_w025)
    graph, paths = lower_with_paths(model)
    ops = [layer.op for layer in graph.layers]
    # conv 3x3/2 on the pixels, 13 depthwise-separable blocks, the 7x7 average pool, the head
    assert ops.count("DepthwiseMatMul") == 13 and ops.count("MatMul") == 1 + 13 + 1
    assert ops.count("AvgPool") == 1
    x = np.random.default_rng(1).integers(0, 256, size=(2, 3, 224, 224)).astype(np.float32)
    ref = run_onnx(model, x)
    gold = hwgen.execute(graph, x)
    assert gold.shape == ref.shape == (2, 1000)
    assert np.abs(gold - ref).max() <= 1e-4 * np.abs(ref).max() + 1e-5
    compare_layers(graph, paths, model, x)


def test_builds_for_pynq_z2(mobilenet_w025, tmp_path) -> None:
    """The default folding fits the device (within its LUT, BRAM18 and DSP counts; the build
    summary says where it exceeds the 85 % headroom limit) with 13 depthwise units."""
    from hwgen.build import build
    from hwgen.targets import get_target

    result = build(mobilenet_w025, tmp_path / "out", target="pynq-z2")
    total = result.manifest["estimate"]["total"]
    cap = get_target("pynq-z2").capacity()
    assert all(total[k] <= cap[k] for k in ("LUT", "BRAM18", "DSP"))
    assert sum(layer.op == "vvau" for layer in result.hw.layers) == 13
    assert result.manifest["fps"]["achieved"] > 0
