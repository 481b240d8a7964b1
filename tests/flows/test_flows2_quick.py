"""Smoke tests of the weight-distributions and bounded-rectifiers flows in ``--quick`` mode.

Each runs end to end on sklearn digits (train, export QONNX, golden executor, hwgen build, RTL
simulation of 100 test images): accuracy well above chance (10 %), RTL output == golden output.
"""

from __future__ import annotations

from pathlib import Path

from tests.flows.quick import hardware_ok as _hardware_ok
from tests.flows.quick import run_quick as _run


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
