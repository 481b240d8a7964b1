"""The MVAU model on CNV-sized layers against recorded Yosys LUT counts (no Yosys run).

benchmarks/estimate_vs_yosys.json holds the figures and says where they come from
(benchmarks/estimate_vs_yosys.py measures and appends more with --record)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hwgen.estimate.cost import K, _tree_bits, estimate_instance

RECORD = json.loads((Path(__file__).parents[2] / "benchmarks" / "estimate_vs_yosys.json")
                    .read_text())
ROWS = RECORD["recorded"] + RECORD["measured"]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.get('design', 'issue22')}-{r['layer']}"
                                           for r in ROWS])
def test_wide_mvau_lut_against_yosys(row: dict) -> None:
    """A layer's estimate (its MVAU, input FIFO and width converter) within 15 % of Yosys
    (calibration rows) or 25 % (rows of test designs, never fitted: 'tolerance')."""
    insts = row.get("instances") or [{"module": "hwgen_mvau", "params": row["params"]}]
    est = sum(estimate_instance(i["module"], i["params"]).LUT for i in insts)
    tol = row.get("tolerance", 0.15)  # test designs' layers: the report tests' 25 %
    assert abs(est - row["yosys_LUT"]) <= tol * row["yosys_LUT"], (est, row["yosys_LUT"])


def test_wide_popcount_above_simd_32(monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to SIMD 32 (the calibration sweeps) the popcount costs pop_lut_per_bit (0.57) per
    result bit of a binary tree over SIMD bits, per lane; wider, 0.235 more per doubling of
    SIMD, at most pop_wide_lut_per_bit (0.83): SIMD 64 pays 0.805, 192 the cap."""
    base = {"MW": 576, "MH": 64, "PE": 16, "IN_BITS": 1, "W_BITS": 1, "IN_TYPE": 2,
            "W_TYPE": 2, "ACC_BITS": 11, "N_THRES": 0, "THR_BITS": 11, "OUT_BITS": 11,
            "RAM_STYLE": "block"}
    assert (K["pop_lut_per_bit"], K["pop_ramp_per_oct"], K["pop_wide_lut_per_bit"]) == \
        (0.57, 0.235, 0.83)
    simds = (16, 32, 64, 192)
    wide = {simd: estimate_instance("hwgen_mvau", dict(base, SIMD=simd)).LUT for simd in simds}
    monkeypatch.setitem(K, "pop_ramp_per_oct", 0.0)
    narrow = {simd: estimate_instance("hwgen_mvau", dict(base, SIMD=simd)).LUT for simd in simds}
    assert wide[16] == narrow[16] and wide[32] == narrow[32]
    for simd, per_bit in ((64, 0.805), (192, 0.83)):
        extra = (per_bit - 0.57) * 16 * _tree_bits(simd, 1)
        assert abs(wide[simd] - narrow[simd] - extra) <= 1, simd


def test_constant_thresholds_compare_per_lane(monkeypatch: pytest.MonkeyPatch) -> None:
    """NF = 1 (MH = PE): each lane compares its accumulator with constant thresholds,
    const_cmp_per_bit per stage and compare bit (max(THR_BITS, acc + 1)); with NF > 1 the
    compares are in the threshold memories' cost, with constant weights (NF x SF = 1) in the
    constant-weight fit, and the term is absent."""
    base = {"MW": 288, "SIMD": 16, "IN_BITS": 1, "W_BITS": 1, "IN_TYPE": 2, "W_TYPE": 2,
            "ACC_BITS": 10, "N_THRES": 1, "THR_BITS": 10, "OUT_BITS": 1, "RAM_STYLE": "block"}
    one = dict(base, MH=64, PE=64)
    two = dict(base, MH=128, PE=64)
    got = {n: estimate_instance("hwgen_mvau", p).LUT for n, p in (("one", one), ("two", two))}
    const = dict(base, MW=16, MH=64, PE=64)
    got["const"] = estimate_instance("hwgen_mvau", const).LUT
    monkeypatch.setitem(K, "const_cmp_per_bit", 0.0)
    assert estimate_instance("hwgen_mvau", two).LUT == got["two"]
    assert estimate_instance("hwgen_mvau", const).LUT == got["const"]
    # acc = clog2(288 + 1) = 9 bits, compare width max(10, 9 + 1) = 10, one stage, 64 lanes
    assert abs(got["one"] - estimate_instance("hwgen_mvau", one).LUT - 0.725 * 64 * 10) <= 1

