"""Resource models on the shapes of CNV-W1A1 / CNV-W2A2 layers (issue 22), against Yosys on
small instances that are not calibration points (each synthesizes in seconds).

The CNV layers themselves take Yosys minutes each; benchmarks/estimate_vs_yosys.py measures
them and benchmarks/estimate_vs_yosys.json records the figures (tests/report/test_wide_layers.py
checks the models against those without running Yosys). Here: sliding-window generators over
CNV's feature maps (narrow and wide beats, LUT-RAM and block-RAM row buffers, and the single
window position of the last 3 x 3 layers), and XNOR MVAUs in the fully-connected layers
regime at the incumbent's folding (PE 1, narrow SIMD, hundreds of neuron folds: a deep
threshold ROM next to block-RAM weights)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwgen.estimate.cost import estimate_instance
from hwgen.estimate.synth import Instance, synth_instance
from tests.report.designs import CALIBRATION_INSTANCES, xnor_instance

RTL = Path(__file__).resolve().parents[2] / "rtl_templates"

# hwgen_swg (H = W, C, SIMD, BITS), 3 x 3 windows, stride 1, no padding: CNV-W2A2's 05_swg
# (14 x 14 x 64, 8 channels per beat, a block-RAM row buffer), 10_swg at 2 channels per beat,
# and a single window position (3 x 3 x 256 at 16 channels per beat, 1-bit: CNV-W1A1's
# 12_swg shape; the model's single-position constant was fitted to CNV-W2A2's 12_swg at 2 x 2
# bits).
SWG_SHAPES: list[tuple[int, int, int, int]] = [
    (14, 64, 8, 2),
    (5, 128, 2, 2),
    (3, 256, 16, 1),
]


def swg_params(h: int, c: int, simd: int, bits: int) -> dict:
    return {"H": h, "W": h, "C": c, "SIMD": simd, "K": 3, "STRIDE": 1, "PAD": 0, "BITS": bits}


def test_swg_shapes_are_not_calibration_instances() -> None:
    calib = [p for m, p in CALIBRATION_INSTANCES if m == "hwgen_swg"]
    assert not [s for s in SWG_SHAPES if swg_params(*s) in calib]


@pytest.mark.synth
@pytest.mark.parametrize("shape", SWG_SHAPES, ids=[f"{s[0]}x{s[0]}x{s[1]}-simd{s[2]}-b{s[3]}"
                                                   for s in SWG_SHAPES])
def test_swg_cost_matches_yosys(shape: tuple, tmp_path: Path) -> None:
    params = swg_params(*shape)
    got = synth_instance(Instance("u", "hwgen_swg", params, "g", "layer"), RTL, tmp_path)
    est = estimate_instance("hwgen_swg", params)
    assert abs(est.LUT - got["LUT"]) <= 0.25 * got["LUT"], (est, got)
    assert est.BRAM18 == got["BRAM18"], (est, got)


# XNOR MVAUs (MW, MH, SIMD, PE), one threshold, block-RAM weights, random weights and
# thresholds (16 values around MW / 2, as BatchNorm puts CNV's): CNV-W1A1's 14_mvau and
# 15_mvau at the incumbent's folding (SIMD 4 and 8, PE 1: 512 neuron folds; 32,768 x 4 weight
# bits in 8 BRAM18 without a read mux, 32,768 x 8 in 15 BRAM18 with one over 16 address
# groups). The deep XNOR threshold ROM term (K["narrow_thr_rom_lut"]) was fitted to CNV-W1A1's
# own layers (benchmarks/estimate_vs_yosys.json), not to these; the read mux is not fitted.
# Yosys: 100 and 163 LUT (the former model: 413 and 464).
XNOR_FC_SHAPES: list[tuple[int, int, int, int]] = [
    (256, 512, 4, 1),
    (512, 512, 8, 1),
]


@pytest.mark.synth
@pytest.mark.parametrize("shape", XNOR_FC_SHAPES, ids=[f"{s[0]}x{s[1]}-simd{s[2]}-pe{s[3]}"
                                                       for s in XNOR_FC_SHAPES])
def test_xnor_fc_cost_matches_yosys(shape: tuple, tmp_path: Path) -> None:
    """The threshold ROM of 256..512 neuron folds was priced as MobileNet's 4-bit thresholds
    (quadratic in depth): 413 LUT estimated for 256 x 512 where Yosys needs 100."""
    module, params = xnor_instance(tmp_path, *shape, 1)
    params["RAM_STYLE"] = "block"
    got = synth_instance(Instance("u", module, params, "g", "layer"), RTL, tmp_path)
    est = estimate_instance(module, params)
    assert abs(est.LUT - got["LUT"]) <= 0.25 * got["LUT"], (est, got)
    assert est.BRAM18 == got["BRAM18"], (est, got)
