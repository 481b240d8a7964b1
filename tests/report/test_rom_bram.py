"""Block-ROM BRAM18 counts against Yosys (issue 18): Yosys puts the words of several address
groups side by side in one block's data lanes, so deep, narrow weight ROMs take fewer BRAM18
than tiling them at one aspect ratio would."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hwgen.estimate.cost import estimate_instance, rom_cost
from hwgen.estimate.synth import Instance, synth_instance
from tests.report.designs import mvau_instance

RTL = Path(__file__).resolve().parents[2] / "rtl_templates"

# Weight ROMs (words, bits) of CNV-W2A2 (tests/zoo.py) at the incumbent's folding
# (../shared/incumbent/cnv_w2a2_fexfold.json) and the BRAM18 Yosys mapped them to
# (synth_xilinx -family xc7 up to memory mapping, on the build's own memory files).
MEASURED = {
    "08_mvau (PE 8, SIMD 16)": (1152, 256, 22),
    "11_mvau (PE 4, SIMD 8)": (9216, 64, 32),
    "13_mvau (PE 1, SIMD 8)": (73728, 16, 64),
    "14_mvau (PE 1, SIMD 2)": (65536, 4, 15),
    "15_mvau (PE 2, SIMD 2)": (65536, 8, 29),
    "03_mvau (PE 16, SIMD 16)": (144, 512, 15),
}


def tiled(depth: int, width: int) -> int:
    """BRAM18 tiled at the best single BRAM18 aspect ratio (UG473: 512x36 ... 16Kx1)."""
    return min(math.ceil(depth / d) * math.ceil(width / w)
               for d, w in ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1)))


@pytest.mark.parametrize("name", list(MEASURED))
def test_block_rom_brams_follow_yosys(name: str) -> None:
    depth, width, yosys = MEASURED[name]
    assert rom_cost(depth, width, "block").BRAM18 == yosys


def test_lane_packing_never_exceeds_tiling() -> None:
    for depth, width, _ in MEASURED.values():
        assert rom_cost(depth, width, "block").BRAM18 <= tiled(depth, width)
    # the deep ones are where tiling wastes blocks: 36 and 72 BRAM18 tiled, 32 and 64 in Yosys
    assert tiled(9216, 64) == 36 and tiled(73728, 16) == 72


@pytest.mark.synth
def test_small_deep_rom_brams_match_yosys(tmp_path: Path) -> None:
    """A ternary MVAU whose ROM is 4,608 words x 16 bits: 5 BRAM18 tiled, 4 in Yosys."""
    module, params = mvau_instance(tmp_path, 576, 64, 8, 1, 1, 2, 3, 2, 3)
    params["RAM_STYLE"] = "block"
    got = synth_instance(Instance("u", module, params, "g", "layer"), RTL, tmp_path)
    assert tiled(4608, 16) == 5
    assert estimate_instance(module, params).BRAM18 == got["BRAM18"] == 4
