"""Resource models of the graph templates (hwgen_dup, hwgen_concat) against Yosys."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwgen.estimate.cost import estimate_instance
from hwgen.estimate.synth import Instance, synth_instance

RTL = Path(__file__).resolve().parents[2] / "rtl_templates"
CASES = [
    ("hwgen_dup", {"WIDTH": 16}),
    ("hwgen_dup", {"WIDTH": 3}),
    ("hwgen_concat", {"C0": 16, "C1": 32, "PE": 4, "BITS": 4}),
]


@pytest.mark.synth
@pytest.mark.parametrize("module,params", CASES, ids=[f"{m}-{i}" for i, (m, _) in
                                                      enumerate(CASES)])
def test_graph_template_costs_match_yosys(module: str, params: dict, tmp_path: Path) -> None:
    got = synth_instance(Instance("u", module, params, "g", "layer"), RTL, tmp_path)
    est = estimate_instance(module, params)
    assert abs(est.LUT - got["LUT"]) <= 0.25 * got["LUT"] + 2, (est, got)
    assert abs(est.FF - got["FF"]) <= 0.25 * got["FF"] + 2, (est, got)
    assert est.BRAM18 == got["BRAM18"] == 0
