"""Fused thresholds with many neuron folds / channel groups and realistic threshold values
(MobileNet-like 4-bit units, tests/report/designs.py TEST_*_REAL_THR) against Yosys: the
deep threshold-ROM model of hwgen/estimate/cost.py (_deep_search, _thr_rom_lut), which was
fitted to other designs (MobileNet-v1 width 0.25's 22_mvau, mlp_a8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwgen.estimate.cost import estimate_instance
from hwgen.estimate.synth import Instance, synth_instance
from tests.report.designs import (
    TEST_MVAU_REAL_THR,
    TEST_VVAU_REAL_THR,
    mvau_instance,
    vvau_instance,
)

RTL = Path(__file__).resolve().parents[2] / "rtl_templates"


def _check(module: str, params: dict, folder: Path) -> None:
    got = synth_instance(Instance("u", module, params, "g", "layer"), RTL, folder)
    est = estimate_instance(module, params)
    assert abs(est.LUT - got["LUT"]) <= 0.25 * got["LUT"] + 2, (est, got)
    # the thresholds are LUT logic; the MVAU's weight ROM (4608 x 8 bits) is 3 BRAM18 by the
    # model's aspect-ratio rule, 2 in Yosys (weights, not this test's subject)
    assert abs(est.BRAM18 - got["BRAM18"]) <= (module == "hwgen_mvau"), (est, got)


@pytest.mark.synth
@pytest.mark.parametrize("spec", TEST_MVAU_REAL_THR, ids=[f"mvau-NF{s[1] // s[3]}" for s in TEST_MVAU_REAL_THR])
def test_mvau_real_thresholds_match_yosys(spec: tuple, tmp_path: Path) -> None:
    module, params = mvau_instance(tmp_path, *spec, real_thr=True)
    params["RAM_STYLE"] = "block"
    _check(module, params, tmp_path)


@pytest.mark.synth
@pytest.mark.parametrize("spec", TEST_VVAU_REAL_THR, ids=[f"vvau-C{s[0]}-PE{s[1]}" for s in TEST_VVAU_REAL_THR])
def test_vvau_real_thresholds_match_yosys(spec: tuple, tmp_path: Path) -> None:
    module, params = vvau_instance(tmp_path, *spec, real_thr=True)
    _check(module, params, tmp_path)
