"""Running a flow's ``--quick`` mode in a subprocess and checking its hardware results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_quick(flow: str, out: Path, *extra: str) -> dict:
    """``python -m flows.<flow> --quick --out OUT [extra ...]``; returns OUT/results.json."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", f"flows.{flow}", "--quick", "--out", str(out), *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "results.md").is_file()
    return json.loads((out / "results.json").read_text())


def hardware_ok(hw: dict) -> None:
    """100 frames simulated, RTL == golden on every output, resources and FPS reported."""
    assert hw["sim"]["frames"] == 100
    assert hw["sim"]["mismatches"] == 0, hw["sim"]
    assert hw["sim"]["accuracy_rtl"] == hw["sim"]["accuracy_golden"]
    assert hw["estimate"]["LUT"] > 0 and hw["fps"]["achieved"] > 0
