"""Smoke tests of the weight-distributions and bounded-rectifiers flows in ``--quick`` mode.

Each runs end to end on sklearn digits (train, export QONNX, golden executor, hwgen build, RTL
simulation of 100 test images): accuracy well above chance (10 %), RTL output == golden output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(flow: str, out: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", f"flows.{flow}", "--quick", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "results.md").is_file()
    return json.loads((out / "results.json").read_text())


def _hardware_ok(hw: dict) -> None:
    assert hw["sim"]["frames"] == 100
    assert hw["sim"]["mismatches"] == 0, hw["sim"]
    assert hw["sim"]["accuracy_rtl"] == hw["sim"]["accuracy_golden"]
    assert hw["estimate"]["LUT"] > 0 and hw["fps"]["achieved"] > 0


def test_weight_distributions_quick(tmp_path: Path) -> None:
    r = _run("weight_distributions", tmp_path / "wd")
    rows = {row["kind"]: row for row in r["table"]}
    assert set(rows) == {"ternary", "binary"}
    for row in rows.values():
        # Quick run: about 92 % (distribution) and 90 % (argmax weights) on digits.
        assert row["distribution_test_accuracy"] > 0.6, row
        assert row["deterministic_test_accuracy"] > 0.6, row
    assert 0 < rows["ternary"]["zero_weight_fraction"] < 1
    assert rows["binary"]["zero_weight_fraction"] == 0
    # Golden (ternary net) == torch on every test image; RTL == golden.
    assert r["golden"]["top1_disagreements_vs_torch"] == 0
    assert r["golden"]["accuracy"] > 0.6
    _hardware_ok(r["hardware"])


def test_bounded_rectifiers_quick(tmp_path: Path) -> None:
    r = _run("bounded_rectifiers", tmp_path / "br")
    rows = {row["mode"]: row for row in r["table"]}
    assert set(rows) == {"relu", "last", "all"}
    for row in rows.values():
        assert row["test_accuracy"] > 0.6, row
    # The slopes grew far beyond their initial value 1.
    assert min(rows["all"]["final_slopes"]) > 10, rows["all"]
    assert r["golden"]["accuracy"] > 0.5
    _hardware_ok(r["hardware"])
