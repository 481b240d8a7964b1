"""UltraRAM weight memories (issue 17): ram_style "ultra" in folding.json on targets with URAM
(zcu104, kv260), the attribute in the RTL, URAM in the estimate and the report, the refusal on
targets without URAM, and the default folding moving block-RAM weights to URAM when BRAM18
runs short."""

from __future__ import annotations

import json

import numpy as np
import pytest

import hwgen
from hwgen.build import build
from hwgen.estimate.cost import uram_blocks
from hwgen.targets import get_target


def test_uram_blocks_follow_the_4k_x_72_aspect() -> None:
    assert uram_blocks(4096, 72) == 1
    assert uram_blocks(4097, 72) == 2
    assert uram_blocks(49, 1024) == 15  # ceil(1024 / 72) side by side
    assert uram_blocks(8192, 144) == 4


def _folding(tmp_path, entries: dict):
    path = tmp_path / "folding.json"
    path.write_text(json.dumps(entries))
    return path


def test_ultra_is_refused_without_uram(zoo_export, tmp_path) -> None:
    ffile = _folding(tmp_path, {"01_mvau": {"ram_style": "ultra"}})
    with pytest.raises(hwgen.HwgenError, match=r'"ultra" needs UltraRAM.*pynq-z2 has none') as e:
        build(zoo_export("tfc_w1a1"), tmp_path / "out", folding_file=ffile)
    assert "01_mvau" in str(e.value) and "zcu104" in str(e.value)


def test_unknown_ram_style_names_ultra(zoo_export, tmp_path) -> None:
    ffile = _folding(tmp_path, {"01_mvau": {"ram_style": "uram"}})
    with pytest.raises(hwgen.HwgenError, match="ultra"):
        build(zoo_export("tfc_w1a1"), tmp_path / "out", target="zcu104", folding_file=ffile)


def test_ultra_on_zcu104(zoo_export, tmp_path) -> None:
    """The chosen layer's weights: (* ram_style = "ultra" *) in the RTL, URAM blocks by the
    4K x 72 formula in the manifest and the report, zero BRAM18; the board script adds the
    weight-load DMA (no UltraRAM initialisation on UltraScale+); the HLS back end refuses."""
    ffile = _folding(tmp_path, {"01_mvau": {"ram_style": "ultra"}})
    result = build(zoo_export("tfc_w1a1"), tmp_path / "out", target="zcu104", folding_file=ffile)
    out = result.out
    layer = result.hw.layer("01_mvau")
    blocks = uram_blocks(layer.nf * layer.sf, layer.PE * layer.SIMD * layer.w_dtype.code_bits)
    entry = next(x for x in result.manifest["layers"] if x["name"] == "01_mvau")
    assert entry["ram_style"] == entry["weight_memory"] == "ultra"
    assert entry["estimate"]["URAM"] == blocks and entry["estimate"]["BRAM18"] == 0
    assert result.manifest["estimate"]["total"]["URAM"] == blocks
    assert json.loads((out / "folding.json").read_text())["01_mvau"]["ram_style"] == "ultra"
    pipeline = (out / "rtl" / "hwgen_accel_pipeline.v").read_text()
    assert pipeline.count('.RAM_STYLE("ultra")') == 1
    assert '(* ram_style = "ultra" *)' in (out / "rtl" / "hwgen_mvau.v").read_text()
    report = json.loads((out / "report" / "report.json").read_text())
    assert report["estimate"]["total"]["URAM"] == blocks
    assert report["estimate"]["utilization"]["URAM"] == round(blocks / get_target("zcu104").URAM, 4)
    assert "URAM est" in (out / "report" / "report.md").read_text()
    tcl = (out / "board" / "create_project.tcl").read_text()
    assert "hwgen_fail \"weights of" not in tcl  # loaded at run time (axi_dma_1, tests/board)
    assert "connect_bd_intf_net [get_bd_intf_pins axi_dma_1/M_AXIS_MM2S] " \
           "[get_bd_intf_pins hwgen_accel_0/s_axis_wl]" in tcl
    with pytest.raises(hwgen.HwgenError, match="UltraRAM cannot hold an initialised ROM"):
        build(zoo_export("tfc_w1a1"), tmp_path / "hls", target="zcu104", folding_file=ffile,
              backend="hls")


@pytest.mark.parametrize("target", ["zcu104", "pynq-z2"])
def test_default_folding_uses_uram_when_bram_runs_short(zoo_export, tmp_path, target) -> None:
    """At 20,000 frames/s (ROMs of 512..1,024 words: "auto" puts 01..03_mvau in block RAM) with
    0.5 % of the BRAM18 allowed, automatic folding on zcu104 moves block-RAM weights to
    UltraRAM and fits; pynq-z2 has none, so they go into LUTs instead (the LUT route is
    tests/build/test_bram_budget.py), and it fits too."""
    result = build(zoo_export("tfc_w1a1"), tmp_path / target, target=target, fps=20_000,
                   max_utilization="BRAM18=0.005")
    tgt = get_target(target)
    total = result.manifest["estimate"]["total"]
    styles = {layer.name: layer.ram_style for layer in result.hw.layers}
    assert total["BRAM18"] <= int(0.005 * tgt.BRAM18) and result.manifest["estimate"]["fits"]
    if target == "zcu104":
        assert "ultra" in styles.values() and total["URAM"] > 0
    else:
        assert "ultra" not in styles.values() and total["URAM"] == 0
        assert "distributed" in styles.values()


def test_default_folding_keeps_bram_when_it_fits(zoo_export, tmp_path) -> None:
    result = build(zoo_export("tfc_w1a1"), tmp_path / "zcu", target="zcu104")
    assert all(layer.ram_style != "ultra" for layer in result.hw.layers)
    assert result.manifest["estimate"]["total"]["URAM"] == 0


@pytest.mark.slow
@pytest.mark.rtl
def test_ultra_weights_simulate_exactly(zoo_export, tmp_path, mnist) -> None:
    """The UltraRAM branch of hwgen_mvau reads its weights like the others: Verilator ==
    golden on 20 MNIST frames with idles and backpressure."""
    import numpy as np

    from hwgen.golden import prologue
    from hwgen.simulate.design import simulate
    from tests.zoo import inputs_for

    ffile = _folding(tmp_path, {"01_mvau": {"ram_style": "ultra"}})
    result = build(zoo_export("tfc_w1a1"), tmp_path / "out", target="zcu104", folding_file=ffile)
    graph = hwgen.load(result.out / "model.onnx")
    x = inputs_for("tfc_w1a1", mnist[0][:20])
    expected = hwgen.execute(graph, x, upto="hw")
    run = simulate(result.out, prologue(graph, x), level="core", idle_pct=25, bp_pct=35, seed=3)
    np.testing.assert_array_equal(run.outputs.reshape(expected.shape), expected)


# 01_mvau: 784-bit weight words (7 beats of 128 bits each); 03_mvau: 64-bit words (one padded
# beat each): the two segments of the weight image cover both cases of hwgen_wload
TWO_ULTRA = {"01_mvau": {"PE": 16, "SIMD": 49, "ram_style": "ultra"},
             "03_mvau": {"PE": 8, "SIMD": 8, "ram_style": "ultra"}}


@pytest.fixture(scope="module")
def two_ultra(zoo_export, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two_ultra")
    return build(zoo_export("tfc_w1a1"), tmp / "out", target="zcu104",
                 folding_file=_folding(tmp, TWO_ULTRA))


def test_weight_image_holds_the_weight_files(two_ultra) -> None:
    """OUT/mem/weights_image.bin: the "ultra" MVAUs in pipeline order, each word of its .mem
    file (the order the other styles read) as whole little-endian DMA words; the manifest
    describes it; the pipeline has one hwgen_wload per segment and the tops the s_axis_wl port."""
    import hashlib

    out, m = two_ultra.out, two_ultra.manifest
    wl = m["weight_load"]
    dma = get_target("zcu104").dma_bits
    assert wl["dma_bits"] == dma and wl["port"] == "s_axis_wl"
    assert [s["layer"] for s in wl["segments"]] == ["01_mvau", "03_mvau"]
    image = (out / "mem" / wl["file"]).read_bytes()
    assert len(image) == wl["bytes"] == wl["beats"] * dma // 8
    assert hashlib.sha256(image).hexdigest() == wl["sha256"]
    beats = np.frombuffer(image, dtype=np.uint8).reshape(wl["beats"], dma // 8)
    start = 0
    for seg in wl["segments"]:
        layer = two_ultra.hw.layer(seg["layer"])
        assert seg["word_bits"] == layer.PE * layer.SIMD * layer.w_dtype.code_bits
        assert seg["words"] == layer.nf * layer.sf and seg["start"] == start
        bpw = -(-seg["word_bits"] // dma)
        assert seg["beats_per_word"] == bpw and seg["beats"] == seg["words"] * bpw
        file_words = [int(line, 16) for line in
                      (out / "mem" / f"{seg['layer']}_weights.mem").read_text().split()]
        part = beats[start:start + seg["beats"]].reshape(seg["words"], bpw * dma // 8)
        assert [int.from_bytes(row.tobytes(), "little") for row in part] == file_words
        start += seg["beats"]
    assert start == wl["beats"]
    pipeline = (out / "rtl" / "hwgen_accel_pipeline.v").read_text()
    assert pipeline.count("hwgen_wload #(") == 2
    for top in ("hwgen_accel.v", "hwgen_accel_core.v"):
        assert f"input  wire [{dma - 1}:0] s_axis_wl_tdata" in (out / "rtl" / top).read_text()


def test_no_weight_load_without_ultra(zoo_export, tmp_path) -> None:
    result = build(zoo_export("tfc_w1a1"), tmp_path / "out", target="zcu104")
    assert result.manifest["weight_load"] is None
    assert not (result.out / "mem" / "weights_image.bin").exists()
    assert "s_axis_wl" not in (result.out / "rtl" / "hwgen_accel.v").read_text()


@pytest.mark.rtl
@pytest.mark.parametrize("level", ["core", "accel"])
def test_ultra_weights_load_at_run_time(two_ultra, mnist, level) -> None:
    """The UltraRAM memories start zeroed (as on the board); the weight image streamed through
    s_axis_wl first (random idles), then 24 MNIST frames with idles and backpressure: RTL ==
    golden. The same run without the load gives other outputs: the loader is what puts the
    weights in."""
    from hwgen.golden import prologue
    from hwgen.simulate.design import simulate
    from tests.zoo import inputs_for

    out = two_ultra.out
    graph = hwgen.load(out / "model.onnx")
    x = inputs_for("tfc_w1a1", mnist[0][:24])
    expected = hwgen.execute(graph, x, upto="hw")
    hw_in = prologue(graph, x)
    run = simulate(out, hw_in, level=level, idle_pct=25, bp_pct=35, seed=5)
    np.testing.assert_array_equal(run.outputs.reshape(expected.shape), expected)
    assert run.out_last_ok
    unloaded = simulate(out, hw_in, level=level, idle_pct=25, bp_pct=35, seed=5,
                        load_weights=False)
    assert (unloaded.outputs.reshape(expected.shape) != expected).any()


@pytest.mark.rtl
def test_second_weight_image_overwrites_the_first(two_ultra, mnist) -> None:
    """Two images back to back, a random one and then the built one: every hwgen_wload and MVAU
    address counter wraps at the image's end, so the second lands on the first (RTL ==
    golden); the random image alone gives other outputs."""
    from hwgen.golden import prologue
    from hwgen.runtime.packing import words_to_hex
    from hwgen.simulate.design import pack_inputs, simulate, weight_image_hex
    from hwgen.simulate.verilator import build_sim, run_sim
    from tests.zoo import inputs_for

    out, m = two_ultra.out, two_ultra.manifest
    wl = m["weight_load"]
    graph = hwgen.load(out / "model.onnx")
    x = inputs_for("tfc_w1a1", mnist[0][:20])
    expected = hwgen.execute(graph, x, upto="hw")
    io_in, io_out = m["io"]["input"], m["io"]["output"]
    in_w, out_w = io_in["tdata_bits"], io_out["tdata_bits"]
    rtl = out / "rtl"
    sources = [rtl / name for name in (rtl / "filelist.f").read_text().split()]
    in_wpf = -(-io_in["elems"] * io_in["elem_bits"] // in_w)
    out_wpf = -(-io_out["elems"] * io_out["elem_bits"] // out_w)
    sim = build_sim(sources, m["core_top"], out / "sim" / "twice_build", in_bits=in_w,
                    out_bits=out_w, in_words_per_frame=in_wpf, out_words_per_frame=out_wpf,
                    wl_bits=wl["dma_bits"])
    rng = np.random.default_rng(7)
    junk = words_to_hex(rng.integers(0, 256, size=(wl["beats"], wl["dma_bits"] // 8),
                                     dtype=np.uint8), wl["dma_bits"])
    mems = sorted((out / "mem").glob("*.mem"))
    in_hex = pack_inputs(m, prologue(graph, x), in_w)
    outs = []
    for name, image in (("twice", junk + weight_image_hex(out, m)), ("junk", junk)):
        run = run_sim(sim, out / "sim" / f"{name}_run", in_hex, len(x), mems, idle_pct=20,
                      bp_pct=30, seed=9, wl_hex=image, timeout_cycles=2_000_000)
        outs.append(run.out_words)
    ref = simulate(out, prologue(graph, x), level="core")  # the single, built image
    assert np.array_equal(ref.outputs.reshape(expected.shape), expected)
    assert np.array_equal(outs[0], ref.run.out_words)
    assert not np.array_equal(outs[1], ref.run.out_words)
