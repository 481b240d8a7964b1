"""The model matrix at two foldings, whole designs in Verilator (issues 4 and 6).

For each model: fully folded (PE = SIMD = 1 everywhere) and a fast folding with
max_cycles <= fully folded / 16. Each design: golden == RTL on every output, measured
steady-state interval == analytic (MLPs) or within 5 % (conv), and exact again with random
input idles and output backpressure (nothing lost or duplicated).
"""

from __future__ import annotations

import numpy as np
import pytest

import hwgen
from hwgen.build import _fastest_cycles
from hwgen.golden import prologue
from hwgen.simulate.design import simulate
from tests.zoo import inputs_for

pytestmark = pytest.mark.slow

MATRIX = ["tfc_w1a1", "tfc_w1a2", "tfc_w2a2", "mlp_a8", "ternary_sign", "tfc_w1a1_top1",
          "cnv_small"]


def _frames(model_id: str, full: bool) -> int:
    return 3 if (full and model_id.startswith("cnv")) else 20


def _run(out, model_id, images, **kw):
    graph = hwgen.load(out / "model.onnx")
    x = inputs_for(model_id, images)
    expected = hwgen.execute(graph, x, upto="hw")
    run = simulate(out, prologue(graph, x), level="core", **kw)
    got = run.outputs.reshape(expected.shape)
    bad = np.argwhere(got != expected)
    assert bad.size == 0, f"{len(bad)} mismatching elements, first at {bad[0].tolist()}"
    assert run.out_last_ok
    return run


@pytest.mark.parametrize("variant", ["full", "fast"])
@pytest.mark.parametrize("model_id", MATRIX)
def test_matrix(built, mnist, model_id: str, variant: str) -> None:
    full_out, full = built(model_id, "full")
    full_cycles = full.manifest["max_cycles"]
    if variant == "full":
        out, result = full_out, full
    else:
        target = full_cycles // 16
        fastest = _fastest_cycles(full.hw)
        assert fastest <= target
        out, result = built(model_id, fps=result_fps(full.manifest["clock_mhz"], target))
        assert result.manifest["max_cycles"] <= target
    images = mnist[0][: _frames(model_id, variant == "full")]
    run = _run(out, model_id, images)
    analytic = result.manifest["max_cycles"]
    if model_id.startswith("cnv"):
        assert analytic <= run.interval_cycles <= 1.05 * analytic
    else:
        assert run.interval_cycles == analytic
    _run(out, model_id, images, idle_pct=25, bp_pct=35, seed=3)


def result_fps(clock_mhz: float, cycles: int) -> float:
    return clock_mhz * 1e6 / cycles
