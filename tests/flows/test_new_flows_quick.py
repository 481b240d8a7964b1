"""Smoke tests of the discrete-levels and mean-field-depth flows in ``--quick`` mode.

Each runs end to end (train on sklearn digits, export QONNX, hwgen build, RTL simulation of 100
test images) and must train above chance and give RTL outputs equal to the golden executor's.
"""

from __future__ import annotations

from pathlib import Path

from tests.flows.quick import hardware_ok as _hardware_ok
from tests.flows.quick import run_quick as _run


def test_discrete_levels_quick(tmp_path: Path) -> None:
    r = _run("discrete_levels", tmp_path / "dl")
    mnist = {(row["unit"], row["N"]): row["metric"] for row in r["table"] if row["task"] == "mnist"}
    # 10 classes: chance is 10 %; 256 levels reach about 80 % in the quick run.
    assert mnist[("relu", 256)] > 0.5 and mnist[("tanh", 256)] > 0.5, mnist
    assert {row["task"] for row in r["table"]} == {"mnist", "regression", "memorization",
                                                    "autoencoder"}
    # The 8-bit net: golden == torch on every test image, RTL == golden.
    assert r["golden"]["top1_disagreements_vs_torch"] == 0
    assert r["hw_torch_test_accuracy"] > 0.5
    _hardware_ok(r["hardware"])
    assert (tmp_path / "dl" / "mnist.svg").read_text().startswith("<svg")
    assert r["engine"]["name"] == "ray" and r["engine"]["nodes"] == 1  # grid points on Ray


def test_meanfield_depth_quick(tmp_path: Path) -> None:
    r = _run("meanfield_depth", tmp_path / "mf")
    acc = {(s["N"], s["depth"]): s["test_accuracy"] for s in r["sweep"]}
    assert acc[(4, 2)] > 0.5, acc
    # N = 2 at depth 16 (> 6 xi(2) = 13.3) does not train; N = 4 at depth 2 does.
    assert acc[(2, 16)] < acc[(4, 2)] - 0.3, acc
    theory = {t["N"]: t["L_max"] for t in r["theory"]}
    assert 13 < theory[2] < 14 and 47 < theory[4] < 48
    assert 1.7 < r["fitted_exponent"] < 1.9
    assert r["engine"]["name"] == "ray" and r["engine"]["nodes"] == 1  # grid points on Ray
    assert r["golden"]["top1_disagreements_vs_torch"] == 0
    assert r["golden"]["output_mismatches_vs_torch"] == 0
    assert r["inspect_warning"].startswith("warning: 16 hidden activation layers with 2 levels")
    _hardware_ok(r["hardware"])


def test_depth_scale_values() -> None:
    from hwgen.inspect import quantized_depth_scale

    xi2, _ = quantized_depth_scale(2)
    xi4, spacing4 = quantized_depth_scale(4)
    assert abs(xi2 - 2.2) < 0.05 and abs(xi4 - 7.9) < 0.05
    # Optimal spacing of the authors' numerical scan for 4 states: about 0.9955.
    assert abs(spacing4 - 0.9955) < 0.01
