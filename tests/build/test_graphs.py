"""Graphs in hardware (issue 16): forks (hwgen_dup), residual adds (hwgen_add) and channel
concatenation (hwgen_concat), FIFO depths on reconvergent paths from the beat schedules.

Lowering and FIFO checks are fast; the whole-design Verilator runs (marked slow) check RTL ==
golden bit for bit on 20 frames, back to back and with random idles and backpressure, the
measured interval == the analytic one, and that a starved skip path fails naming a stream.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import hwgen
from hwgen.build.fifos import join_paths
from hwgen.build.hwlayers import HwAdd, HwConcat, HwDup
from hwgen.build.lower import lower, verify_hw
from hwgen.errors import SimulationError, UnsupportedError
from hwgen.golden import prologue
from hwgen.ir import GRAPH_INPUT, UINT, Concat, Threshold, verify
from tests.frontend.test_graph_ir import _graph, _residual
from tests.zoo import inputs_for

FRAMES = 20


def test_resnet_lowers_forks_and_adds(zoo_export):
    graph = hwgen.load(zoo_export("resnet_small"))
    hw = lower(graph)
    verify_hw(hw)
    dups = [x for x in hw.layers if isinstance(x, HwDup)]
    adds = [x for x in hw.layers if isinstance(x, HwAdd)]
    assert [x.name for x in dups] == ["02_dup", "08_dup"]
    assert [hw.producers(x) for x in adds] == [("06_mvau", "02_dup"), ("12_mvau", "14_mvau")]
    assert [c for c, _ in hw.consumers("08_dup")] == ["09_swg", "13_swg"]
    # the add's fused activation is the IR threshold after the Add (equal maps: codes add,
    # thresholds unchanged up to clipping to the sum's range)
    ir_add = [x for x in graph.layers if x.op == "Add"][0]
    thr = graph.layer(graph.consumers(ir_add.name)[0])
    assert isinstance(thr, Threshold)
    add = adds[0]
    lo, hi = add.in_dtype.min + add.in_dtype1.min, add.in_dtype.max + add.in_dtype1.max
    assert (add.k0, add.k1) == (1, 1)
    np.testing.assert_array_equal(add.thresholds, np.clip(thr.thresholds, lo, hi + 1))


def test_concat_lowers_to_one_unit(zoo_export):
    hw = lower(hwgen.load(zoo_export("concat_small")))
    cat = [x for x in hw.layers if isinstance(x, HwConcat)]
    assert len(cat) == 1 and (cat[0].c0, cat[0].c1, cat[0].pixels) == (4, 4, 36)
    assert hw.producers(cat[0]) == ("04_mvau", "06_mvau")
    assert [c for c, _ in hw.consumers("03_dup")] == ["04_mvau", "05_swg"]


def test_small_dag_lowers_with_a_cascade_of_forks():
    """The graph input read three times: two hwgen_dup in a cascade."""
    g, *_ = _residual()
    hw = lower(verify(g))
    verify_hw(hw)
    assert [x.op for x in hw.layers] == ["dup", "dup", "mvau", "add", "cat"]
    assert hw.producers(0) == (GRAPH_INPUT,)
    readers = [r for d in ("00_dup", "01_dup") for r, _ in hw.consumers(d)]
    assert sorted(readers) == ["01_dup", "02_mvau", "03_add", "04_cat"]


def test_concat_of_different_codes_is_refused_by_name():
    cat = Concat("00_cat", "my_concat", (4,), UINT(2), (4,), UINT(3),
                 inputs=(GRAPH_INPUT, GRAPH_INPUT))
    g = _graph([cat], (4,), UINT(2))
    with pytest.raises(UnsupportedError, match=r"node 'my_concat' \(Concat\): input 0 carries "
                                               r"UINT2 codes .* shared quantizer"):
        lower(g)


def test_build_files_keep_their_formats(built):
    out, result = built("resnet_small")
    fold = json.loads((out / "folding.json").read_text())
    depths = json.loads((out / "fifo_depths.json").read_text())
    names = [x["name"] for x in result.manifest["layers"]]
    assert list(fold) == list(depths) == names
    assert fold["02_dup"] == {} and set(fold["07_add"]) == {"PE"}
    for layer in result.hw.layers:  # a number per layer, a list of one per input for a join
        d = depths[layer.name]
        assert (isinstance(d, list) and len(d) == 2) if layer.n_inputs == 2 else isinstance(d, int)
    paths = result.manifest["fifo_paths"]
    assert [j["join"] for j in paths] == ["07_add", "15_add"]
    for join, analytic in zip(paths, join_paths(result.hw), strict=True):
        for p, a in zip(join["inputs"], analytic["inputs"], strict=True):
            assert p["depth"] == p["analytic_depth"] == a["depth"]
            assert depths[join["join"]][p["port"]] == p["depth"]
    bits = sum(p["bits"] for j in paths for p in j["inputs"])
    assert bits <= result.manifest["fifo_bits"]


@pytest.mark.parametrize("model_id", ["resnet_small", "concat_small"])
def test_skip_fifo_holds_the_long_branch_lookahead(built, model_id):
    """The shortcut's FIFO must hold at least what the long branch reads before it emits the
    join's first beat (else the fork stalls with the long branch starved: deadlock); the long
    branch's FIFO, with nothing waiting in it, is hwgen_fifo's smallest."""
    _, result = built(model_id)
    hw = result.hw
    for join in join_paths(hw):
        waits = [p["waiting_beats"] for p in join["inputs"]]
        depths = [p["depth"] for p in join["inputs"]]
        assert max(waits) > 0 and max(depths) > 4 and min(depths) == 2


def _sim(out, graph, x, idle, bp):
    from hwgen.simulate.design import simulate

    expected = hwgen.execute(graph, x, upto="hw")
    run = simulate(out, prologue(graph, x), level="core", idle_pct=idle, bp_pct=bp, seed=7)
    got = run.outputs.reshape(expected.shape)
    bad = np.argwhere(got != expected)
    assert bad.size == 0, f"{len(bad)} mismatches (idle {idle}, bp {bp}), first at {bad[0]}"
    assert run.out_last_ok
    return run


@pytest.mark.slow
@pytest.mark.parametrize("model_id", ["concat_small", "resnet_small"])
def test_graph_rtl_exact(built, mnist, model_id):
    out, result = built(model_id)
    graph = hwgen.load(out / "model.onnx")
    x = inputs_for(model_id, mnist[0][:FRAMES])
    run = _sim(out, graph, x, 0, 0)
    assert run.interval_cycles == result.manifest["max_cycles"]
    _sim(out, graph, x, 25, 35)


@pytest.mark.slow
def test_starved_skip_path_names_the_stalled_stream(zoo_export, mnist, tmp_path):
    """The identity shortcut of the first residual block (fork -> add, no unit in between) with
    a 2-beat FIFO cannot hold the long branch's two window rows of lookahead: the fork stalls,
    the long branch starves (deadlock), and the simulation stops naming a stream that holds
    data. (The concat design's branches have enough storage of their own not to deadlock.)"""
    from hwgen.build import build

    src = zoo_export("resnet_small")
    ffile = tmp_path / "fifo.json"
    ffile.write_text(json.dumps({"07_add": [8, 2]}))
    out = tmp_path / "out"
    build(src, out, fifo_depths_file=ffile)
    graph = hwgen.load(out / "model.onnx")
    x = inputs_for("resnet_small", mnist[0][:3])
    with pytest.raises(SimulationError, match=r"stalled: .*stream 07_add_fifo1 holds valid data "
                                              r"without ready.*FIFO from --fifo-depths"):
        _sim(out, graph, x, 0, 0)


def test_join_fifo_depths_need_one_per_input(zoo_export, tmp_path):
    from hwgen.build import build
    from hwgen.errors import FoldingError

    ffile = tmp_path / "fifo.json"
    ffile.write_text(json.dumps({"07_cat": 16}))
    with pytest.raises(FoldingError, match=r"07_cat.*a join's FIFO depths must be a list of 2 "
                                           r"integers .* not 16"):
        build(zoo_export("concat_small"), tmp_path / "out", fifo_depths_file=ffile)

