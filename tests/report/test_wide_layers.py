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


def test_wide_term_only_above_simd_64(monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to SIMD 64 (the calibration sweeps) the wide-layer term changes nothing; at SIMD 192
    it adds pop_wide_per_oct (0.2) x log2(192 / 64) times the narrow popcount (pop_lut_per_bit
    per
    result bit of a binary tree over SIMD bits, per lane)."""
    import math

    base = {"MW": 576, "MH": 64, "PE": 16, "IN_BITS": 1, "W_BITS": 1, "IN_TYPE": 2,
            "W_TYPE": 2, "ACC_BITS": 11, "N_THRES": 0, "THR_BITS": 11, "OUT_BITS": 11,
            "RAM_STYLE": "block"}
    assert K["pop_wide_per_oct"] == 0.2
    wide = {simd: estimate_instance("hwgen_mvau", dict(base, SIMD=simd)).LUT
            for simd in (32, 64, 192)}
    monkeypatch.setitem(K, "pop_wide_per_oct", 0.0)
    narrow = {simd: estimate_instance("hwgen_mvau", dict(base, SIMD=simd)).LUT
              for simd in (32, 64, 192)}
    assert wide[32] == narrow[32] and wide[64] == narrow[64]
    extra = 0.2 * math.log2(3) * 0.57 * 16 * _tree_bits(192, 1)
    assert abs(wide[192] - narrow[192] - extra) <= 1
