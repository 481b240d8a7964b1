"""benchmarks/resources_vs_reference.py maps the incumbent's folding onto hwgen's layers."""

from __future__ import annotations

import json

import pytest

from benchmarks.resources_vs_reference import INCUMBENT, ROWS, incumbent_folding

# hwgen's CNV pipeline (tests/zoo.py cnv_w1a1 / cnv_w2a2: the input quantizer runs on the host)
CNV = [("00_swg", "swg"), ("01_mvau", "mvau"), ("02_swg", "swg"), ("03_mvau", "mvau"),
       ("04_pool", "pool"), ("05_swg", "swg"), ("06_mvau", "mvau"), ("07_swg", "swg"),
       ("08_mvau", "mvau"), ("09_pool", "pool"), ("10_swg", "swg"), ("11_mvau", "mvau"),
       ("12_swg", "swg"), ("13_mvau", "mvau"), ("14_mvau", "mvau"), ("15_mvau", "mvau"),
       ("16_mvau", "mvau")]


def test_cnv_layers_in_pipeline_order() -> None:
    theirs = {"Thresholding_rtl_0": {"PE": 1}, "ConvolutionInputGenerator_rtl_0": {"SIMD": 3}}
    theirs |= {f"MVAU_hls_{i}": {"PE": i + 1, "SIMD": 2 * i + 1} for i in range(9)}
    theirs |= {f"ConvolutionInputGenerator_rtl_{i}": {"SIMD": 10 + i} for i in range(1, 6)}
    theirs["LabelSelect_hls_0"] = {"PE": 1}
    fold = incumbent_folding(theirs, CNV)
    mvaus = [n for n, op in CNV if op == "mvau"]
    assert [fold[n] for n in mvaus] == [{"PE": i + 1, "SIMD": 2 * i + 1} for i in range(9)]
    assert fold["00_swg"] == {"SIMD": 3} and fold["12_swg"] == {"SIMD": 15}
    # pools take the PE of the MVAU before; no thresholding or label select in hwgen's design
    assert fold["04_pool"] == {"PE": fold["03_mvau"]["PE"]}
    assert fold["09_pool"] == {"PE": fold["08_mvau"]["PE"]}
    assert len(fold) == len(CNV)


def test_count_mismatch_is_refused() -> None:
    with pytest.raises(SystemExit, match="2 incumbent MVAU layers, 1 hwgen mvau"):
        incumbent_folding({"MVAU_hls_0": {"PE": 1, "SIMD": 1}, "MVAU_hls_1": {"PE": 1, "SIMD": 1}},
                          [("00_mvau", "mvau")])


@pytest.mark.skipif(not INCUMBENT.is_dir(), reason="../shared/incumbent is not here")
def test_every_row_has_its_file() -> None:
    for row in ROWS:
        data = json.loads((INCUMBENT / f"{row}.json").read_text())
        assert {"model", "folding", "LUT", "BRAM18", "max_cycles"} <= set(data)
