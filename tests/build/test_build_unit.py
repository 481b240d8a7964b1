"""Unit tests of hwgen build: lowering, folding rules, errors, files (no simulation)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hwgen.build import build
from hwgen.errors import FoldingError, HwgenError
from hwgen.targets import all_targets
from tests.conftest import TFC_REFERENCE_FOLDING


def test_tfc_reference_folding_is_64_cycles(built) -> None:
    out, result = built("tfc_w1a1", TFC_REFERENCE_FOLDING)
    m = result.manifest
    assert [layer["name"] for layer in m["layers"]] == list(TFC_REFERENCE_FOLDING)
    assert m["max_cycles"] == 64
    # 784 UINT8 pixels = 98 words of 64 bits: the DMA port binds at 1.02 M frames/s.
    assert m["io_cycles"] == 98 and m["fps"]["bound"] == "io"
    assert round(m["fps"]["achieved"]) == round(100e6 / 98)
    assert json.loads((out / "folding.json").read_text())["01_mvau"]["SIMD"] == 49
    depths = json.loads((out / "fifo_depths.json").read_text())
    widths = {"00_thr": 49 * 8, "01_mvau": 49, "02_mvau": 8, "03_mvau": 8, "04_mvau": 8}
    assert m["fifo_bits"] == sum(depths[name] * w for name, w in widths.items())
    for layer in m["layers"]:
        for name in layer["files"].values():
            assert (out / "mem" / name).exists()
    files = (out / "rtl" / "filelist.f").read_text().split()
    assert all((out / "rtl" / f).exists() for f in files)
    assert "hwgen_accel.v" in files


def test_auto_ram_style_resolves_by_rule(built, tmp_path: Path) -> None:
    """ram_style "auto" stays in folding.json; RTL, manifest and estimate carry the choice."""
    from hwgen.estimate.cost import BRAM18_LUTS, lut_rom_cost, rom_cost, rom_style

    out, result = built("tfc_w1a1", TFC_REFERENCE_FOLDING)
    folding = json.loads((out / "folding.json").read_text())
    rtl = (out / "rtl" / "hwgen_accel_pipeline.v").read_text()
    layers = {layer["name"]: layer for layer in result.manifest["layers"]}
    for hw in result.hw.layers:
        if hw.op != "mvau":
            continue
        depth, width = hw.nf * hw.sf, hw.PE * hw.SIMD * hw.w_dtype.code_bits
        lut, bram = lut_rom_cost(depth, width).LUT, rom_cost(depth, width, "block")
        want = "block" if lut > BRAM18_LUTS * bram.BRAM18 else "distributed"
        assert folding[hw.name]["ram_style"] == "auto" == layers[hw.name]["ram_style"]
        assert layers[hw.name]["weight_memory"] == want == rom_style(depth, width, "auto")
        inst = rtl[rtl.index(f") u_{hw.name} (") - 400:rtl.index(f") u_{hw.name} (")]
        assert f'.RAM_STYLE("{want}")' in inst
    # 64 words x 784 bits: one LUT6 per bit (hwgen_rom), 784 LUT, or 22 BRAM18 (1,408 LUT at
    # the exchange rate): LUTs; 8 words x 80 bits: 80 LUT
    assert lut_rom_cost(64, 784).LUT == 784
    assert layers["01_mvau"]["weight_memory"] == "distributed"
    assert layers["04_mvau"]["weight_memory"] == "distributed"
    # an explicit style wins over the rule
    folding["01_mvau"]["ram_style"] = "block"
    (tmp_path / "f.json").write_text(json.dumps(folding))
    blk = build(out / "model.onnx", tmp_path / "blk", folding_file=tmp_path / "f.json").manifest
    entry = next(layer for layer in blk["layers"] if layer["name"] == "01_mvau")
    assert entry["weight_memory"] == entry["ram_style"] == "block"
    assert entry["estimate"]["BRAM18"] == 22
    assert entry["estimate"]["LUT"] < layers["01_mvau"]["estimate"]["LUT"] - 700
    # a deep ROM (PE 1: 1,024 words x 49 bits, about 940 LUT or 3 BRAM18) goes to block RAM
    assert rom_style(1024, 49, "auto") == "block"


def test_cycle_formula_per_layer(built) -> None:
    _, result = built("tfc_w1a1", TFC_REFERENCE_FOLDING)
    for layer in result.hw.layers:
        if layer.op == "mvau":
            assert layer.cycles == (layer.mh // layer.PE) * (layer.mw // layer.SIMD)
        if layer.op == "thr":
            assert layer.cycles == 784 // 49


def test_folding_file_round_trips(built, tmp_path: Path) -> None:
    out, result = built("tfc_w1a1", TFC_REFERENCE_FOLDING)
    again = build(out / "model.onnx", tmp_path / "again", folding_file=out / "folding.json")
    assert again.manifest["layers"] == result.manifest["layers"]


def test_build_is_deterministic(zoo_export, tmp_path: Path) -> None:
    src = zoo_export("tfc_w1a1")
    build(src, tmp_path / "a")
    build(src, tmp_path / "b")
    for f in sorted((tmp_path / "a").rglob("*")):
        if f.is_file():
            assert f.read_bytes() == (tmp_path / "b" / f.relative_to(tmp_path / "a")).read_bytes(), f


def test_fps_target_folds_slower_layers_cheaper(zoo_export, tmp_path: Path) -> None:
    src = zoo_export("tfc_w1a1")
    slow = build(src, tmp_path / "slow", fps=100_000).manifest
    assert slow["max_cycles"] <= 1000  # 100 MHz / 100k FPS
    fast = build(src, tmp_path / "fast", fps=1_000_000).manifest
    assert fast["max_cycles"] <= 100
    assert slow["estimate"]["total"]["LUT"] < fast["estimate"]["total"]["LUT"]


def test_impossible_folding_names_layer_and_legal_values(zoo_export, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"02_mvau": {"PE": 7}}))
    with pytest.raises(FoldingError, match=r"node '02_mvau' \(mvau\): PE must be a positive "
                       r"divisor of 64, not 7 \(hint: legal values: 1, 2, 4, 8, 16, 32, 64\)"):
        build(zoo_export("tfc_w1a1"), tmp_path / "out", folding_file=bad)
    assert not (tmp_path / "out").exists()


def test_unknown_layer_and_key_in_folding(zoo_export, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"09_mvau": {"PE": 1}}))
    with pytest.raises(FoldingError, match=r"unknown layer '09_mvau' in folding; layers are: "
                       r"00_thr, 01_mvau"):
        build(zoo_export("tfc_w1a1"), tmp_path / "out", folding_file=bad)
    bad.write_text(json.dumps({"00_thr": {"SIMD": 1}}))
    with pytest.raises(FoldingError, match=r"unknown folding key 'SIMD'; thr takes PE"):
        build(zoo_export("tfc_w1a1"), tmp_path / "out", folding_file=bad)


def test_unreachable_fps_reports_best(zoo_export, tmp_path: Path) -> None:
    with pytest.raises(FoldingError, match=r"above the I/O bound of 1,020,408 frames/s"):
        build(zoo_export("tfc_w1a1"), tmp_path / "out", fps=5_000_000)
    assert not (tmp_path / "out").exists()


def test_ignore_io_bound_plans_the_core_alone(zoo_export, tmp_path: Path) -> None:
    """io_bound=False (--ignore-io-bound): --fps past the DMA port's bound gets a folding at
    most clock/fps cycles per frame, the cheapest per layer (auto_fold, as for any --fps), and
    the default is the fastest folding whose estimate fits; the DMA-width top keeps its own
    I/O-bound interval."""
    from hwgen.build import io_cycles
    from hwgen.build.fold import auto_fold
    from hwgen.estimate.cost import estimate_layer

    src = zoo_export("tfc_w1a1")
    res = build(src, tmp_path / "fast", fps=10_000_000, io_bound=False)
    m = res.manifest
    assert m["max_cycles"] <= 10 < max(io_cycles(res.hw, 64)) == 98
    assert m["interval_cycles"] == 98 and m["fps"]["core"] == 100e6 / m["max_cycles"]
    assert m["estimate"]["fits"]
    cheapest = auto_fold(res.hw, 10, lambda layer: estimate_layer(layer).LUT)
    assert [x.folding() for x in res.hw.layers] == [x.folding() for x in cheapest.layers]
    default = build(src, tmp_path / "default", io_bound=False).manifest
    assert default["estimate"]["fits"] and default["max_cycles"] <= m["max_cycles"]
    assert default["estimate"]["total"]["LUT"] <= 53_200 * 0.85
    # one rung faster (the next layer cycles below) no longer fits the estimate
    with pytest.raises(FoldingError, match=r"frames/s needs about LUT .* OVER"):
        build(src, tmp_path / "over", fps=100e6 / (default["max_cycles"] // 2), io_bound=False)


def test_fps_at_exactly_the_io_bound_is_reached(zoo_export, tmp_path: Path) -> None:
    """--fps = clock / cycles (what the I/O-bound message prints, as a float) gets those cycles:
    float rounding of the ratio must not lose one and call the bound unreachable."""
    import hwgen
    from hwgen.build import cycles_for_fps, io_cycles
    from hwgen.build.lower import lower
    from hwgen.targets import get_target

    for cycles in (98, 49, 7, 1000):
        assert cycles_for_fps(100e6, 100e6 / cycles) == cycles
        assert cycles_for_fps(100e6, 100e6 / cycles * (1 + 1e-6)) == cycles - 1
    src = zoo_export("tfc_w1a1")
    bound = max(io_cycles(lower(hwgen.load(src)), get_target("pynq-z2").dma_bits))
    m = build(src, tmp_path / "out", fps=100e6 / bound).manifest
    assert m["max_cycles"] == bound


def test_unwritable_output_folder(zoo_export) -> None:
    # /proc refuses new folders even to root, so this holds for every user
    with pytest.raises(HwgenError, match="cannot write the output folder"):
        build(zoo_export("tfc_w1a1"), Path("/proc/hwgen-test/out"))


def test_output_under_a_file_is_a_clear_error(zoo_export, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HwgenError, match="cannot write the output folder"):
        build(zoo_export("tfc_w1a1"), blocker / "out")


def test_cli_build_prints_summary_and_errors_on_one_line(zoo_export, tmp_path: Path) -> None:
    src = zoo_export("tfc_w1a1")
    proc = subprocess.run([sys.executable, "-m", "hwgen", "build", str(src), "-o",
                           str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "frames/s at 100 MHz" in proc.stdout and "01_mvau" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "hwgen", "build", str(src), "-o",
                           str(tmp_path / "o2"), "--target", "zedboard"], capture_output=True,
                          text=True)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    known = ", ".join(all_targets())  # the targets table, in its order
    assert lines == [f"hwgen: error: unknown target 'zedboard'; known targets: {known} "
                     "(hint: run 'hwgen targets' to list them)"]


@pytest.mark.parametrize("model_id", ["tfc_w1a1", "cnv_small", "tfc_w1a1_top1"])
def test_generated_tops_are_lint_clean(built, model_id: str) -> None:
    from hwgen.tools import verilator_env

    out, _ = built(model_id)
    rtl = out / "rtl"
    files = (rtl / "filelist.f").read_text().split()
    for top in ("hwgen_accel", "hwgen_accel_core"):
        proc = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", top, *files],
                              cwd=rtl, env=verilator_env(), capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[:3000]


def test_instances_named_after_layers_with_onnx_comment(built) -> None:
    out, result = built("tfc_w1a1", TFC_REFERENCE_FOLDING)
    text = (out / "rtl" / "hwgen_accel_pipeline.v").read_text()
    for layer in result.hw.layers:
        assert f") u_{layer.name} (" in text
        assert f"// {layer.name}: ONNX node {layer.onnx_name!r}" in text


def test_unsupported_layer_is_a_clear_error() -> None:
    """An average pool of bipolar codes has no hardware layer (the codes are not the values)."""
    from hwgen.build.lower import lower
    from hwgen.errors import UnsupportedError
    from hwgen.ir import BIPOLAR, UINT, Epilogue, Graph, Prologue, Threshold
    from hwgen.ir.layers import AvgPool

    thr = Threshold(name="00_thr", onnx_name="act0", in_shape=(6, 6, 2), in_dtype=UINT(8),
                    thresholds=np.array([[128]]), out_bias=-1, out_step=2)
    pool = AvgPool(name="01_avgpool", onnx_name="pool0", in_shape=(6, 6, 2), in_dtype=BIPOLAR,
                   kernel=(3, 3), stride=(2, 2))
    graph = Graph(name="g", layers=(thr, pool), input_shape=(6, 6, 2), input_dtype=UINT(8),
                  onnx_input_shape=(1, 2, 6, 6), onnx_output_shape=(1, 2, 2, 2),
                  prologue=Prologue("identity"), epilogue=Epilogue())
    with pytest.raises(UnsupportedError, match=r"node 'pool0' \(AveragePool\): an average pool "
                       r"of bipolar codes is not supported \(hint: pool a non-bipolar"):
        lower(graph)


def test_fps_beyond_the_device_names_the_need(zoo_export) -> None:
    import dataclasses

    import hwgen
    from hwgen.build import choose_folding
    from hwgen.build.lower import lower
    from hwgen.targets import get_target

    hw = lower(hwgen.load(zoo_export("tfc_w1a1")))
    small = dataclasses.replace(get_target("pynq-z2"), name="tiny", LUT=1000, BRAM18=4)
    with pytest.raises(FoldingError, match=r"1,000,000 frames/s needs about LUT [\d,]+ = "
                       r"[\d.]+ % of 1,000 \(limit 85 % OVER\), BRAM18 \d+ = [\d.]+ % of 4 "
                       r"\(limit 90 % OVER\) on tiny \(hint: lower --fps, or raise "
                       r"--max-utilization\)"):
        choose_folding(hw, small, 100.0, 1_000_000, None)


def test_fps_beyond_a_layer_names_the_layer_and_best(zoo_export, tmp_path: Path) -> None:
    with pytest.raises(FoldingError, match=r"200,000 frames/s is unreachable: node '00_swg' "
                       r"\(swg\): cannot reach 500 cycles per frame; fully parallel it needs 1024; "
                       r"the best achievable is 97,656 frames/s"):
        build(zoo_export("cnv_w1a1"), tmp_path / "out", fps=200_000)
    assert not (tmp_path / "out").exists()


def test_window_parallel_swg_folding(zoo_export) -> None:
    """SWG SIMD = M*C (M | K*K): legal values, matched to the MVAU's SIMD, chosen by auto_fold."""
    import hwgen
    from hwgen.build.emit import template
    from hwgen.build.fold import apply_folding, auto_fold
    from hwgen.build.lower import lower
    from hwgen.estimate.cost import estimate_layer

    hw = lower(hwgen.load(zoo_export("cnv_small")))  # 00_swg 12x12x1 pad 1, 03_swg 6x6x4
    assert hw.layers[0].simd_choices == [1, 3, 9]
    assert hw.layers[3].simd_choices == [1, 2, 4, 12, 36]
    par = apply_folding(hw, {"01_mvau": {"SIMD": 9}, "04_mvau": {"SIMD": 12}})
    swg, swg2 = par.layers[0], par.layers[3]
    assert (swg.SIMD, swg.in_beat_elems, swg.cycles, template(swg)) == (9, 1, 144, "hwgen_swg_par")
    # 6x6 input, no padding: 2 rows of the next frame wait for the buffer (held rows)
    assert (swg2.SIMD, swg2.in_beat_elems, swg2.held_rows) == (12, 4, 2)
    assert swg2.cycles == 16 * 3 + 2 * 6
    with pytest.raises(FoldingError, match=r"SIMD must be a divisor of C = 4 or a multiple of "
                       r"it dividing 36, not 6 .*legal values: 1, 2, 4, 12, 36"):
        apply_folding(hw, {"03_swg": {"SIMD": 6}})
    fast = auto_fold(hw, 5184 // 16, lambda layer: estimate_layer(layer).LUT)
    assert fast.max_cycles <= 5184 // 16 and fast.layers[0].window_parallel


# (model, device limits): tfc_w1a1 on 2,000 LUT; devices where whether a folding fits is not
# monotone in the cycle target (doubling + bisection settled on a slower folding, or on a
# fully folded one that did not fit at all: tfc_w1a1 with 5 BRAM18 under the earlier popcount
# model; under the current one no folding of the ladder fits in 5, the fastest in 6 runs 392
# cycles); cnv_small, whose I/O bound is faster than any folding the sliding windows allow.
# The capacities are those budgets over the default utilization limits (85 % LUT, 90 %
# BRAM18): 2,353 LUT leave the automatic folding 2,000; 7 BRAM18 leave 6. ternary_sign's
# I/O-bound folding is estimated at 2,340 LUT, 2,282 with every weight ROM and threshold
# memory moved to block RAM (fit_memories): 2,650 LUT leave 2,252, below it. With BRAM18 short alone, the
# weights go into LUTs at the I/O bound (test_bram_short_moves_weights_not_the_folding);
# 4,000 LUT (3,400 to use) are too few for that (3,809 and 3,984 LUT), so those cases fold
# down.
FIT_CASES = [("tfc_w1a1", {"LUT": 2353}), ("tfc_w1a1", {"BRAM18": 7, "LUT": 4000}),
             ("ternary_sign", {"LUT": 2650}), ("ternary_sign", {"BRAM18": 7, "LUT": 4000}),
             ("cnv_small", {"LUT": 3210})]


@pytest.mark.parametrize("model_id,limits", FIT_CASES)
def test_default_folding_fits_the_device(zoo_export, model_id: str, limits: dict) -> None:
    """Without --fps or --folding, a design too big for the device at the I/O bound is folded
    down to the fastest folding whose estimate fits within the utilization limits (85 % of LUT
    and FF, 90 % of BRAM18 and DSP: headroom for place and route): every cycle target from the
    I/O-bound folding's up gives either a slower folding or one that exceeds them. (Foldings
    faster than
    the I/O bound are not searched: they cannot raise the frame rate, though with very few
    BRAMs one can fit where the I/O-bound one does not, its weights in LUT ROMs.)"""
    import dataclasses

    import hwgen
    from hwgen.build import (
        _design_cost,
        _fastest_cycles,
        _fits,
        auto_fold,
        choose_folding,
        fit_memories,
    )
    from hwgen.build.fifos import fifo_depths
    from hwgen.build.lower import lower
    from hwgen.estimate.cost import estimate_layer
    from hwgen.targets import get_target

    hw = lower(hwgen.load(zoo_export(model_id)))
    pynq = get_target("pynq-z2")
    small = dataclasses.replace(pynq, name="small", **limits)
    io_bound = choose_folding(hw, pynq, 100.0, None, None)
    fitted = choose_folding(hw, small, 100.0, None, None)

    def cycles(g):
        return max(layer.cycles for layer in g.layers)

    def total(g):
        return _design_cost(g, fifo_depths(g), small.dma_bits)[1]

    assert not _fits(total(io_bound), small)
    assert _fits(total(fitted), small)
    budget = {k: int(v * (0.85 if k in ("LUT", "FF") else 0.9)) for k, v in limits.items()}
    assert all(getattr(total(fitted), k) <= v for k, v in budget.items())
    assert cycles(fitted) > cycles(io_bound)
    for target in range(max(cycles(io_bound), _fastest_cycles(hw)), cycles(fitted)):
        faster = fit_memories(auto_fold(hw, target, lambda layer: estimate_layer(layer).LUT),
                              small, None)
        assert cycles(faster) >= cycles(fitted) or not _fits(total(faster), small), target


@pytest.mark.parametrize("model_id", ["tfc_w1a1", "ternary_sign"])
def test_bram_short_moves_weights_not_the_folding(zoo_export, model_id: str) -> None:
    """With BRAM18 short (7 blocks, 6 to use) and LUTs plenty, the default folding stays at
    the I/O bound and its block-RAM weights go into LUTs (hwgen.build.fit_memories)."""
    import dataclasses

    import hwgen
    from hwgen.build import _design_cost, _fits, choose_folding
    from hwgen.build.fifos import fifo_depths
    from hwgen.build.lower import lower
    from hwgen.targets import get_target

    hw = lower(hwgen.load(zoo_export(model_id)))
    pynq = get_target("pynq-z2")
    small = dataclasses.replace(pynq, name="small", BRAM18=7)
    io_bound, fitted = choose_folding(hw, pynq, 100.0, None, None), \
        choose_folding(hw, small, 100.0, None, None)
    total = _design_cost(fitted, fifo_depths(fitted), small.dma_bits)[1]
    assert _design_cost(io_bound, fifo_depths(io_bound), 64)[1].BRAM18 > 6
    assert fitted.max_cycles == io_bound.max_cycles and _fits(total, small)
    assert total.BRAM18 <= 6
    moved = [la.name for la, lb in zip(io_bound.layers, fitted.layers)
             if getattr(la, "ram_style", None) != getattr(lb, "ram_style", None)]
    assert moved and all(fitted.layer(n).ram_style == "distributed" for n in moved)


def test_threshold_memories_move_to_bram_most_saving_first(zoo_export) -> None:
    """With BRAM18s to fill (--prefer-bram), MVAU threshold memories go from LUTs to block
    RAM, most LUTs saved per BRAM18 first (by the estimate), never past the BRAM18 budget; the
    moved unit's instance asks for THR_STYLE "block" (hwgen.build.fit_memories)."""
    import hwgen
    from hwgen.build import _design_cost, _move_thresholds, choose_folding, fit_memories
    from hwgen.build.emit import layer_params
    from hwgen.build.fifos import fifo_depths
    from hwgen.build.hwlayers import HwMVAU
    from hwgen.build.lower import lower
    from hwgen.estimate.cost import estimate_layer
    from hwgen.targets import get_target

    pynq = get_target("pynq-z2")
    g = choose_folding(lower(hwgen.load(zoo_export("tfc_w1a1"))), pynq, 100.0, None, None)
    moves = []
    for layer in g.layers:
        if isinstance(layer, HwMVAU) and layer.thresholds is not None:
            now, new = estimate_layer(layer), estimate_layer(layer.folded(thr_style="block"))
            saved, blocks = now.LUT - new.LUT, new.BRAM18 - now.BRAM18
            assert blocks > 0
            if saved > 0:
                moves.append((-saved / blocks, layer.name, blocks, saved))
    moves.sort()
    assert len(moves) >= 2, moves

    def total(graph):
        return _design_cost(graph, fifo_depths(graph), pynq.dma_bits)[1]

    def block_thresholds(graph):
        return {layer.name for layer in graph.layers
                if isinstance(layer, HwMVAU) and layer.thr_style == "block"}

    before = total(g)
    # room for the best move only
    room = before.BRAM18 + moves[0][2]
    one = _move_thresholds(g, pynq, {"BRAM18": room / pynq.BRAM18}, fill=True)
    assert block_thresholds(one) == {moves[0][1]}
    assert total(one).BRAM18 == room
    assert total(one).LUT == before.LUT - moves[0][3]
    moved = next(layer for layer in one.layers if layer.name == moves[0][1])
    files = {"weights": "w.mem", "thresholds": "t.mem"}
    assert layer_params(moved, files)["THR_STYLE"] == "block"
    # without fill and with the LUTs within budget nothing moves
    assert block_thresholds(_move_thresholds(g, pynq, None)) == set()
    # room for all: every memory that saves LUTs moves
    every = _move_thresholds(g, pynq, None, fill=True)
    assert block_thresholds(every) == {m[1] for m in moves}
    # folding.json names the moved memories, and a rebuild from it gives the same design
    from hwgen.build.fold import apply_folding, folding_dict

    written = folding_dict(one)
    assert written[moves[0][1]]["thr_style"] == "block"
    assert all("thr_style" not in e for n, e in written.items() if n != moves[0][1])
    again = fit_memories(apply_folding(g, written), pynq, {"BRAM18": room / pynq.BRAM18}, True)
    assert block_thresholds(again) == {moves[0][1]}
    assert total(again).LUT == total(one).LUT


def test_headroom_limits_the_default_folding(zoo_export) -> None:
    """The default folding keeps 15 % of the LUTs free; --max-utilization 1 gives them back
    (a faster folding, over the 85 % budget but within the device)."""
    import dataclasses

    import hwgen
    from hwgen.build import _design_cost, choose_folding
    from hwgen.build.fifos import fifo_depths
    from hwgen.build.lower import lower
    from hwgen.targets import get_target, parse_max_utilization

    hw = lower(hwgen.load(zoo_export("tfc_w1a1")))
    small = dataclasses.replace(get_target("pynq-z2"), name="small", LUT=2353)
    assert small.budget() == {"LUT": 2000, "FF": 90440, "BRAM18": 252, "DSP": 198}

    def lut_cycles(g):
        return _design_cost(g, fifo_depths(g), small.dma_bits)[1].LUT, g.max_cycles

    lut85, cycles85 = lut_cycles(choose_folding(hw, small, 100.0, None, None))
    full = parse_max_utilization("1")
    lut100, cycles100 = lut_cycles(choose_folding(hw, small, 100.0, None, None, full))
    assert lut85 <= 2000 < lut100 <= 2353
    assert cycles100 < cycles85


@pytest.mark.parametrize("text,expected", [
    ("0.9", dict.fromkeys(("LUT", "FF", "BRAM18", "URAM", "DSP"), 0.9)),
    ("LUT=0.8,BRAM18=0.95", {"LUT": 0.8, "BRAM18": 0.95}),
    (" DSP = 1 ", {"DSP": 1.0}),
    ("lut=0.8,bram18=0.95", {"LUT": 0.8, "BRAM18": 0.95}),  # any case on the command line
])
def test_max_utilization_parses(text: str, expected: dict) -> None:
    from hwgen.targets import get_target, parse_max_utilization

    got = parse_max_utilization(text)
    assert got == expected
    limits = get_target("pynq-z2").limits(got)
    assert limits == {"LUT": 0.85, "FF": 0.85, "BRAM18": 0.9, "URAM": 0.9, "DSP": 0.9} | expected


@pytest.mark.parametrize("text,message", [
    ("0", r"--max-utilization must be a number in \(0, 1\], not 0"),
    ("1.5", r"--max-utilization must be a number in \(0, 1\], not 1.5"),
    ("nan", r"--max-utilization must be a number in \(0, 1\], not nan"),
    ("inf", r"--max-utilization must be a number in \(0, 1\], not inf"),
    ("LUT=-0.1", r"max_utilization of LUT must be a number in \(0, 1\], not -0.1"),
    ("CLB=0.8", r"unknown resource 'CLB' in max_utilization; known: LUT, FF, BRAM18, URAM, DSP"),
    ("LUT=abc", r"'abc' is not a number"),
    ("LUT", r"'LUT' is not a number"),
    ("LUT=0.8,0.9", r"'0.9' is not RESOURCE=SHARE"),
])
def test_max_utilization_rejects(text: str, message: str) -> None:
    from hwgen.errors import TargetError
    from hwgen.targets import parse_max_utilization

    with pytest.raises(TargetError, match=message):
        parse_max_utilization(text)


def test_max_utilization_cli_one_line_and_manifest(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "hwgen", "build", "example:tfc_w1a1", "-o",
                           str(tmp_path / "bad"), "--max-utilization", "LUT=1.2"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and not (tmp_path / "bad").exists()
    assert proc.stderr.strip().splitlines() == [
        "hwgen: error: --max-utilization: max_utilization of LUT must be a number in (0, 1], "
        "not 1.2 (hint: e.g. 0.85 for 85 % of the device)"]
    proc = subprocess.run([sys.executable, "-m", "hwgen", "build", "example:tfc_w1a1", "-o",
                           str(tmp_path / "ok"), "--max-utilization", "LUT=0.5"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    m = json.loads((tmp_path / "ok" / "manifest.json").read_text())
    assert m["max_utilization"] == {"LUT": 0.5, "FF": 0.85, "BRAM18": 0.9, "DSP": 0.9}
    lut = m["estimate"]["total"]["LUT"]
    assert m["estimate"]["fits"] is (lut <= 0.5 * 53200)
    assert (f"utilization estimate (within the limits): LUT {lut:,} = {100 * lut / 53200:.1f} % "
            f"of 53,200 (limit 50 %)") in proc.stdout


def test_fit_by_synth_steps_down_the_ladder(tmp_path: Path, monkeypatch, capsys) -> None:
    """--fit-by synth with a stand-in for Yosys (the estimate x 1.25, so the estimate's choice
    is over the limit by "Yosys"): the build steps down the folding ladder, rung by rung (each
    the cheapest folding of a cycle target 2^(1/8) slower), to the first whose "Yosys" total is
    within the limit; with --fps it refuses instead, and when even the slowest folding is over
    it says so. (Real Yosys per instance is hwgen.estimate.synth, checked in tests/report.)"""
    import math

    import hwgen
    import hwgen.build as hb
    from hwgen.build import _design_cost, auto_fold, choose_folding, resolve_model
    from hwgen.build.fifos import fifo_depths
    from hwgen.build.lower import lower
    from hwgen.estimate.cost import estimate_layer
    from hwgen.targets import get_target

    def fake(hw, *args):
        est = _design_cost(hw, fifo_depths(hw), 64)[1]
        return {"LUT": math.ceil(1.25 * est.LUT), "FF": est.FF, "BRAM18": est.BRAM18,
                "DSP": est.DSP}

    monkeypatch.setattr(hb, "_synth_total", fake)
    src = resolve_model("example:tfc_w1a1")
    hw = lower(hwgen.load(src))
    pynq = get_target("pynq-z2")
    lim = {"LUT": 0.05}
    budget = int(0.05 * 53200)
    first = choose_folding(hw, pynq, 100.0, None, None, lim)
    result = build(src, tmp_path / "b", max_utilization=lim, fit_by="synth")
    fit = result.manifest["fit_by"]
    tried = fit["tried"]
    assert fit["method"] == "synth" and len(tried) >= 2
    assert tried[0]["max_cycles"] == first.max_cycles and tried[0]["folding"] == \
        hb.folding_dict(first)
    assert [t["fits"] for t in tried] == [False] * (len(tried) - 1) + [True]
    assert [t["yosys"]["LUT"] > budget for t in tried] == [not t["fits"] for t in tried]
    assert fit["yosys_total"] == tried[-1]["yosys"] == fake(result.hw)
    assert result.manifest["max_cycles"] == tried[-1]["max_cycles"]
    # each rung: the cheapest folding of the first ladder target that is slower than the last
    cost = lambda layer: estimate_layer(layer).LUT  # noqa: E731
    for a, b in zip(tried, tried[1:]):
        c = a["max_cycles"]
        while True:
            c = max(math.ceil(c * 2 ** (1 / 8)), c + 1)
            g = auto_fold(hw, c, cost)
            if g.max_cycles > a["max_cycles"]:
                break
        assert hb.folding_dict(g) == b["folding"]
    # the command line says how many steps it took and the Yosys utilization against the limit
    from hwgen.cli import main

    assert main(["build", str(src), "-o", str(tmp_path / "c"), "--max-utilization", "LUT=0.05",
                 "--fit-by", "synth"]) == 0
    lut = tried[-1]["yosys"]["LUT"]
    assert (f"utilization by Yosys (within the limits, after {len(tried) - 1} step(s) down the "
            f"folding ladder): LUT {lut:,} = {100 * lut / 53200:.1f} % of 53,200 (limit 5 %)"
            ) in capsys.readouterr().out
    # --fps: a slower folding would miss the frame rate
    with pytest.raises(FoldingError, match=r"frames/s needs, by Yosys, LUT [\d,]+ = [\d.]+ % of "
                       r"53,200 \(limit 5 % OVER\) on pynq-z2"):
        build(src, tmp_path / "f", max_utilization=lim, fit_by="synth",
              fps=0.999e8 / first.max_cycles)
    # nothing fits
    with pytest.raises(FoldingError, match="even the slowest folding"):
        build(src, tmp_path / "n", max_utilization={"LUT": 0.001}, fit_by="synth")
    assert not (tmp_path / "f").exists() and not (tmp_path / "n").exists()


def test_fit_by_synth_option_errors(tmp_path: Path) -> None:
    from hwgen.build import build

    (tmp_path / "f.json").write_text("{}")
    with pytest.raises(HwgenError, match="--fit-by synth chooses the folding; it cannot be "
                       "combined with --folding"):
        build("example:tfc_w1a1", tmp_path / "x", folding_file=tmp_path / "f.json",
              fit_by="synth")
    with pytest.raises(HwgenError, match="--fit-by must be one of estimate, synth, not 'yosys'"):
        build("example:tfc_w1a1", tmp_path / "x", fit_by="yosys")
    assert not (tmp_path / "x").exists()


def test_swg_buffers_twice_the_rows_only_where_the_block_ram_is_free() -> None:
    """hwgen_swg's row buffer doubles (ROWS_LOG2) where twice the rows fit the same BRAM18s:
    CNV-W2A2's 5x5x128 window at SIMD 8, 2-bit: 4 rows are 320 beats of 16 bits, 8 rows 640,
    both one 1K x 18 BRAM18, and no row of the next frame waits (no FIFO for them); its
    12x12x128 window at SIMD 16: 4 rows are 384 x 32 bits (one 512 x 36 BRAM18), 8 rows would
    take two, so it keeps 4 rows and its 2 held rows."""
    from hwgen.build.emit import layer_params
    from hwgen.build.hwlayers import HwSWG
    from hwgen.ir.datatypes import UINT

    def swg(h: int, c: int, simd: int) -> HwSWG:
        oh = h - 2
        return HwSWG(name="swg", onnx_name="", in_dtype=UINT(2), out_dtype=UINT(2),
                     in_elems=h * h * c, out_elems=oh * oh * 9 * c, SIMD=simd, in_hwc=(h, h, c),
                     kernel=(3, 3))

    small, big = swg(5, 128, 8), swg(12, 128, 16)
    assert (small.buffer_rows, small.held_rows) == (8, 0)
    assert layer_params(small, {})["ROWS_LOG2"] == 3
    assert small.cycles == small.out_beats  # the reader never waits for the next frame's rows
    assert (big.buffer_rows, big.held_rows) == (4, 2) and "ROWS_LOG2" not in layer_params(big, {})


def test_mvau_after_a_window_of_its_width_gets_no_fifo(zoo_export) -> None:
    """An MVAU fed by a sliding window of its beat width: no FIFO where it has the time to
    wait out the window's gap between frames (the window emits the vector through its own
    output skid as the MVAU reads it), else the beats it reads in the gap, never two input
    vectors; an MVAU fed by
    another MVAU (one vector per frame): the beats of its vector the
    producer makes while the consumer computes and the next period has begun (the rate bound,
    hwgen.build.fifos._vector_need), plus 4, at most SF; plus 2."""

    import hwgen
    from hwgen.build.fifos import fifo_depths
    from hwgen.build.hwlayers import HwMVAU, HwSWG
    from hwgen.build.lower import lower

    hw = lower(hwgen.load(zoo_export("cnv_small")))
    depths = fifo_depths(hw)
    seen = 0
    for i, layer in enumerate(hw.layers[1:], 1):
        src = hw.layers[i - 1]
        if isinstance(layer, HwMVAU) and isinstance(src, HwSWG):
            assert src.SIMD * src.in_bits == layer.SIMD * layer.in_bits
            # none where the MVAU can wait out the window's gap between frames (its held rows,
            # one beat per clock); else the beats it reads in the gap (one per NF clocks), + 2
            gap = src.held_rows * src.in_hwc[1] * src.in_hwc[2] // src.in_beat_elems
            slack = hw.max_cycles - layer.cycles
            assert depths[layer.name] == (0 if gap <= slack
                                          else max(2, -(-(gap - slack) // layer.nf) + 2) + 2)
            seen += 1
        elif isinstance(layer, HwMVAU) and isinstance(src, HwMVAU):
            # a period: the producer's c_P (1 - D / SF) clocks for the beats not buffered, then
            # the consumer's (NF - 1) SF clocks of compute; it must fit in the interval T
            t, c_p, busy = hw.max_cycles, src.cycles, (layer.nf - 1) * layer.sf
            d = next(d for d in range(layer.sf + 1) if c_p * (1 - d / layer.sf) + busy <= t)
            assert depths[layer.name] == min(layer.sf, d + 4) + 2
            seen += 1
    assert seen >= 2
