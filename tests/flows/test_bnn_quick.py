"""Smoke test of the BNN-baselines flow: ``--quick`` (sklearn digits, seconds) end to end.

Checks that the flow trains above chance, exports a QONNX model annotated UINT8 that QONNX and
hwgen's golden executor run identically to torch, builds it with hwgen, simulates 100 test images
in RTL with no mismatch against the golden executor, and writes its results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bnn_baselines_quick(tmp_path: Path) -> None:
    out = tmp_path / "quick"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.bnn_baselines",
            "--quick",
            "--out",
            str(out),
            "--check-samples",
            "100",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert (out / "results.md").is_file()
    # 10 classes: chance is 10 %; the quick run reaches about 80 %.
    assert results["torch_test_accuracy"] > 0.6, results["torch_test_accuracy"]
    assert results["qonnx_check"]["top1_disagreements"] == 0, results["qonnx_check"]
    # hwgen's golden executor agrees with torch on every test image.
    assert results["golden"]["top1_disagreements_vs_torch"] == 0, results["golden"]
    assert results["golden"]["accuracy"] == results["torch_test_accuracy"]
    hw = results["hardware"]
    assert hw["sim"]["frames"] == 100
    assert hw["sim"]["mismatches"] == 0, hw["sim"]
    assert hw["sim"]["accuracy_rtl"] == hw["sim"]["accuracy_golden"] > 0.5
    assert hw["estimate"]["LUT"] > 0 and hw["fps"]["achieved"] > 0
    assert hw["sim"]["interval_cycles"] == hw["sim"]["analytic_interval_cycles"]
    assert "## Hardware (hwgen build + sim)" in (out / "results.md").read_text()

    from qonnx.core.modelwrapper import ModelWrapper

    model = ModelWrapper(str(out / "model.onnx"))
    assert model.get_tensor_datatype(model.graph.input[0].name).name == "UINT8"
    # The 1/255 scaling is in the graph: the input feeds a Mul.
    assert [n.op_type for n in model.find_consumers(model.graph.input[0].name)] == ["Mul"]
