"""Smoke tests of the weight-distributions and bounded-rectifiers flows in ``--quick`` mode.

Each runs end to end on sklearn digits (train, export QONNX, golden executor, hwgen build, RTL
simulation of 100 test images): accuracy well above chance (10 %), RTL output == golden output.
The weight-distributions flow is run as an MLP (two weight kinds, then LRT sampling with 3-level
activations) and as the small conv net (``--arch conv``).
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


def test_weight_distributions_sampled_quick(tmp_path: Path) -> None:
    """LRT sampling, 3-level activations, sampled weights to hardware (one weight kind)."""
    r = _run("weight_distributions", tmp_path / "wd", "--kinds", "ternary", "--sampling", "lrt",
             "--act-levels", "3", "--hw-weights", "sample", "--epochs", "8")
    (row,) = r["table"]
    assert (row["sampling"], row["act_levels"], r["hardware_weights"]) == ("lrt", 3, "sample")
    assert row["distribution_test_accuracy"] > 0.6, row
    assert row["deterministic_test_accuracy"] > 0.6, row
    assert row["sampled_weights_test_accuracy"] > 0.2, row
    assert r["golden"]["top1_disagreements_vs_torch"] == 0
    _hardware_ok(r["hardware"])


def test_weight_distributions_conv_quick(tmp_path: Path) -> None:
    """The small conv net (8, 16 channels, FC 32, sign activations, max pool after the sign):
    mean-field training, argmax weights, golden == torch, RTL == golden, measured interval ==
    analytic."""
    # One torch thread: the small convolutions gain nothing from two, and two threads on a
    # loaded machine made the training 50x slower (OpenMP workers waiting for each other).
    r = _run("weight_distributions", tmp_path / "wdc", "--arch", "conv", "--kinds", "ternary",
             "--threads", "1")
    (row,) = r["table"]
    assert r["arch"] == "conv"
    # Quick run: about 85 % (distribution) and 83 % (argmax weights) on digits.
    assert row["distribution_test_accuracy"] > 0.6, row
    assert row["deterministic_test_accuracy"] > 0.6, row
    assert r["golden"]["top1_disagreements_vs_torch"] == 0
    assert r["golden"]["accuracy"] == row["deterministic_test_accuracy"]
    hw = r["hardware"]
    _hardware_ok(hw)
    assert {"swg", "pool"} <= {layer["op"] for layer in hw["layers"]}, hw["layers"]
    assert hw["sim"]["interval_cycles"] == hw["sim"]["analytic_interval_cycles"], hw["sim"]


def test_bounded_rectifiers_quick(tmp_path: Path) -> None:
    # One torch thread: on a loaded 2-core machine two threads made the run 2-3x slower.
    r = _run("bounded_rectifiers", tmp_path / "br", "--threads", "1")
    rows = {row["mode"]: row for row in r["table"]}
    assert set(rows) == {"relu", "last", "all"}
    for row in rows.values():
        # Quick run (surrogate gradient, the default): about 98 % ReLU, 97 % binarized.
        assert row["test_accuracy"] > 0.9, row
    for mode in ("last", "all"):
        row = rows[mode]
        # The slopes grew far beyond their initial value 1; the units are genuine steps: under
        # 1 % of them sit inside the ramp at the end, and converting them to 1-bit steps (before
        # any BatchNorm re-estimation) costs at most 1 pp.
        assert min(row["final_slopes"]) > 10, row
        assert max(row["final_ramp_fraction"]) < 0.01, row
        assert row["test_accuracy_before_bn_reestimate"] >= row["soft_test_accuracy"] - 0.01, row
    # The exported all-binarized net computes what torch computes (1-bit steps exported as
    # unsigned Quant, not BipolarQuant); RTL == golden.
    assert r["golden"]["top1_disagreements_vs_torch"] == 0
    assert r["golden"]["accuracy"] == rows["all"]["test_accuracy"]
    _hardware_ok(r["hardware"])
