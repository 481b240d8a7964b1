"""Whole designs in Verilator (Verilog-side testbench): bit-exact vs the golden executor.

Marked slow (each Verilator build of a whole design takes tens of seconds) but run in CI.
"""

from __future__ import annotations

import numpy as np
import pytest

import hwgen
from hwgen.golden import prologue
from hwgen.simulate.design import simulate
from tests.conftest import TFC_REFERENCE_FOLDING
from tests.zoo import inputs_for

pytestmark = pytest.mark.slow


def _check(out, model_id, images, level, idle=0, bp=0):
    graph = hwgen.load(out / "model.onnx")
    x = inputs_for(model_id, images)
    expected = hwgen.execute(graph, x, upto="hw")
    run = simulate(out, prologue(graph, x), level=level, idle_pct=idle, bp_pct=bp, seed=7)
    got = run.outputs.reshape(expected.shape)
    mismatches = np.argwhere(got != expected)
    assert mismatches.size == 0, f"{len(mismatches)} mismatches, first at {mismatches[0]}"
    assert run.out_last_ok, "tlast must mark exactly the last word of every frame"
    return run


def test_tfc_w1a1_reference_folding_core_interval_is_64(built, mnist) -> None:
    out, result = built("tfc_w1a1", TFC_REFERENCE_FOLDING)
    images = mnist[0][:24]
    run = _check(out, "tfc_w1a1", images, "core")
    assert result.manifest["max_cycles"] == 64
    assert run.interval_cycles == 64  # measured steady state == analytic, exactly
    _check(out, "tfc_w1a1", images, "core", idle=25, bp=35)  # random idles and backpressure


def test_tfc_w1a1_dma_top_is_io_bound(built, mnist) -> None:
    out, result = built("tfc_w1a1", TFC_REFERENCE_FOLDING)
    images = mnist[0][:20]
    run = _check(out, "tfc_w1a1", images, "accel")
    assert run.interval_cycles == result.manifest["interval_cycles"] == 98
    # the analytic pipeline latency of the report (DMA converters included) vs the measured one
    import json

    report = json.loads((out / "report" / "report.json").read_text())
    assert abs(report["latency_cycles"] - run.latency_cycles) <= 0.15 * run.latency_cycles
    _check(out, "tfc_w1a1", images, "accel", idle=20, bp=30)


@pytest.mark.parametrize("model_id", ["tfc_w2a2", "mlp_a8", "cnv_small"])
def test_default_folding_exact(built, mnist, model_id) -> None:
    out, result = built(model_id)
    frames = 6 if model_id.startswith("cnv") else 20
    run = _check(out, model_id, mnist[0][:frames], "core")
    analytic = result.manifest["max_cycles"]
    if model_id.startswith("cnv"):
        assert analytic <= run.interval_cycles <= 1.05 * analytic
    else:
        assert run.interval_cycles == analytic


def test_core_level_folding_past_the_io_bound_exact(zoo_export, mnist, tmp_path) -> None:
    """--ignore-io-bound: automatic folding at 32 cycles per frame, three times faster than
    the DMA port's 98-word bound (01_mvau 64 x 28 lanes, one vector XNOR per PE): bit-exact,
    and the measured core interval is the analytic one (the slowest layer's cycles)."""
    from hwgen.build import build

    res = build(zoo_export("tfc_w1a1"), tmp_path / "out", fps=100e6 / 32, io_bound=False)
    analytic = res.manifest["max_cycles"]
    assert analytic <= 32 < res.manifest["interval_cycles"] == 98
    run = _check(res.out, "tfc_w1a1", mnist[0][:16], "core")
    assert run.interval_cycles == analytic
    _check(res.out, "tfc_w1a1", mnist[0][:16], "core", idle=25, bp=35)


def test_unbalanced_fc_chain_short_fifos_keep_the_interval(built, mnist) -> None:
    """An MVAU fed by a faster MVAU gets only the part of its vector the rate bound asks for
    (hwgen.build.fifos._vector_need), not the whole vector: the measured interval is still the
    analytic one, bit-exact, also with idles and backpressure. TFC-W1A1 with the first layer
    the bottleneck (3,136 cycles); 03_mvau (2,048 cycles, 1,984 of them computing) needs about
    28 of its 64 beats buffered while 02_mvau (2,048) makes them: with a 2-word FIFO the
    interval would be about 3,970."""
    folding = {"01_mvau": {"PE": 1, "SIMD": 16}, "02_mvau": {"PE": 1, "SIMD": 2},
               "03_mvau": {"PE": 2, "SIMD": 1}, "04_mvau": {"PE": 1, "SIMD": 1}}
    out, result = built("tfc_w1a1", folding)
    import json

    depths = json.loads((out / "fifo_depths.json").read_text())
    hw = {layer["name"]: layer for layer in result.manifest["layers"]}
    for name, sf in (("03_mvau", 64), ("04_mvau", 64)):
        assert depths[name] < sf + 2, (name, depths[name])  # the whole vector would be SF + 2
    assert result.manifest["max_cycles"] == 3136 == hw["01_mvau"]["cycles"]
    images = mnist[0][:8]
    run = _check(out, "tfc_w1a1", images, "core")
    assert run.interval_cycles == 3136
    _check(out, "tfc_w1a1", images, "core", idle=25, bp=35)
