"""Mobile, audio and radio networks in hardware (issue 17): depthwise convolutions (hwgen_vvau),
average and padded max pools, general sliding windows, 1-D layers.

Lowering checks are fast; the whole-design Verilator runs (marked slow) check RTL == golden
bit for bit on >= 20 frames with random idles and backpressure, and the measured interval ==
the analytic one.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import hwgen
from hwgen.build import build
from hwgen.build.hwlayers import HwAvgPool, HwSWG, HwVVAU, HwWindowMax
from hwgen.build.lower import lower
from hwgen.golden import prologue
from tests.frontend.handmade import Builder
from tests.frontend.test_windows import CHAINS, _conv, _relu4, chain_input
from tests.zoo import inputs_for

FRAMES = 20


def _sim(out, graph, x):
    """Simulate ``x`` twice (back to back; then 25 % idles, 35 % backpressure): both exact;
    returns the back-to-back run."""
    from hwgen.simulate.design import simulate

    expected = hwgen.execute(graph, x, upto="hw")
    runs = []
    for idle, bp in ((0, 0), (25, 35)):
        run = simulate(out, prologue(graph, x), level="core", idle_pct=idle, bp_pct=bp, seed=7)
        got = run.outputs.reshape(expected.shape)
        bad = np.argwhere(got != expected)
        assert bad.size == 0, f"{len(bad)} mismatches (idle {idle}, bp {bp}), first at {bad[0]}"
        assert run.out_last_ok
        runs.append(run)
    return runs[0]


@pytest.fixture(scope="module")
def chains(tmp_path_factory):
    root = tmp_path_factory.mktemp("chains")
    cache: dict[str, tuple] = {}

    def get(name: str, folding: dict | None = None):
        key = name + json.dumps(folding, sort_keys=True)
        if key not in cache:
            path = CHAINS[name](root / f"{name}_{len(cache)}.onnx")
            ffile = None
            if folding is not None:
                ffile = root / f"{name}_{len(cache)}_folding.json"
                ffile.write_text(json.dumps(folding))
            out = root / f"{name}_{len(cache)}"
            cache[key] = (path, out, build(path, out, folding_file=ffile))
        return cache[key]

    return get


def test_windows_chain_lowers_to_window_units(chains):
    path, _out, result = chains("windows")
    hw = lower(hwgen.load(path))
    kinds = [(type(layer).__name__, layer.name) for layer in hw.layers]
    assert kinds == [
        ("HwSWG", "00_swg"), ("HwMVAU", "01_mvau"), ("HwSWG", "02_swg"), ("HwWindowMax", "03_pool"),
        ("HwSWG", "04_swg"), ("HwVVAU", "05_vvau"), ("HwMVAU", "06_mvau"), ("HwSWG", "07_swg"),
        ("HwAvgPool", "08_avgpool"), ("HwSWG", "09_swg"), ("HwAvgPool", "10_avgpool"),
    ]
    swg = hw.layers[0]
    assert isinstance(swg, HwSWG) and not swg.cf_major and swg.simd_choices == [1, 3]
    assert swg.dilation == (2, 1) and swg.pad == (0, 1, 1, 0)
    pool_swg, pool = hw.layers[2], hw.layers[3]
    assert isinstance(pool, HwWindowMax) and pool.mode == "max" and pool_swg.cf_major
    assert pool_swg.pad_value == 0  # UINT4 codes: the smallest code pads a max pool
    vvau = hw.layers[5]
    assert isinstance(vvau, HwVVAU) and vvau.mode == "dot" and vvau.n_thresholds == 15
    assert vvau.weights.shape == (4, 9) and vvau.window == 9
    avg = hw.layers[8]
    assert isinstance(avg, HwAvgPool) and avg.mode == "sum" and avg.weights is None
    # the window sum's thresholds: floor(sum(codes) * 1.0 / 4 / 0.25 / 4) >= k  <=>  sum >= 4k
    assert np.array_equal(avg.thresholds[0], 4 * np.arange(1, 16))
    # folding.json keys and cycles: one beat per window position and channel fold
    fold = json.loads((_out / "folding.json").read_text())
    layer = result.manifest["layers"][5]
    assert fold["05_vvau"] == {"PE": layer["PE"]} and fold["04_swg"] == {"SIMD": layer["PE"]}
    assert layer["cycles"] == vvau.pixels * (4 // layer["PE"]) * 9


def _check_shared(out, result) -> list[bool]:
    """Every thresholded window unit of a build: SHARED = 1 and a one-word .mem file exactly
    when all channels have the same thresholds; returns the units' uniformity."""
    from hwgen.build.emit import layer_params

    seen = []
    for layer in result.hw.layers:
        if not isinstance(layer, HwVVAU) or layer.thresholds is None:
            continue
        uniform = bool((layer.thresholds == layer.thresholds[0]).all())
        files = next(x for x in result.manifest["layers"] if x["name"] == layer.name)["files"]
        words = (out / "mem" / files["thresholds"]).read_text().split()
        assert layer.shared_thresholds == uniform, layer.name
        assert layer_params(layer, files)["SHARED"] == int(uniform), layer.name
        assert len(words) == (1 if uniform else layer.cf), layer.name  # C / lanes words
        seen.append(uniform)
    return seen


def test_uniform_thresholds_are_emitted_shared(chains, built):
    """Average pools (one set for every channel: the division and truncation) get SHARED = 1;
    the depthwise units of a net with BatchNorm keep their per-channel words."""
    _path, out, result = chains("windows")
    _check_shared(out, result)
    assert result.hw.layer("08_avgpool").shared_thresholds
    tiny = _check_shared(*built("mobilenet_tiny"))
    assert True in tiny and False in tiny


def test_vvau_folding_drives_its_window(chains):
    path, out, result = chains("windows", {"05_vvau": {"PE": 2}})
    layers = {x["name"]: x for x in result.manifest["layers"]}
    assert layers["05_vvau"]["PE"] == 2 and layers["04_swg"]["SIMD"] == 2
    assert layers["05_vvau"]["cycles"] == 4 * 3 * 2 * 9


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CHAINS))
def test_window_chain_rtl_exact(chains, name):
    _path, out, result = chains(name)
    graph = hwgen.load(out / "model.onnx")  # the model the design was built from
    run = _sim(out, graph, chain_input(name, FRAMES))
    assert run.interval_cycles == result.manifest["max_cycles"]


@pytest.mark.slow
@pytest.mark.parametrize("model_id", ["mobilenet_tiny", "cnn1d", "kws_w3a3"])
def test_zoo_mobile_rtl_exact(built, mnist, model_id):
    out, result = built(model_id)
    graph = hwgen.load(out / "model.onnx")
    run = _sim(out, graph, inputs_for(model_id, mnist[0][:FRAMES]))
    assert run.interval_cycles == result.manifest["max_cycles"]


def _dwpar_chain(path):
    """UINT4 (1, 4, 8, 8): depthwise 3x3 pad 1 - quant - max pool 3x3 / 1 pad 1 - global
    average pool - quant: three window units after square windows (window-parallel legal)."""
    b = Builder((1, 4, 8, 8), "UINT4")
    rng = np.random.default_rng(23)
    _conv(b, rng, 4, 1, (3, 3), group=4, pads=[1, 1, 1, 1])
    _relu4(b, 1.0)
    b.node("MaxPool", kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1])
    b.node("GlobalAveragePool")
    b.quant(0.5, 3, signed=0)
    return b.save(path)


# window-parallel: the depthwise unit 3 window positions per beat (PE = 3*C), binding the
# interval at 64 pixels x 3 beats; the max pool a whole window per beat; the average pool 4
DWPAR_FOLDING = {"01_vvau": {"PE": 12}, "03_pool": {"PE": 36}, "05_avgpool": {"PE": 16}}


def test_window_parallel_folding_keys(tmp_path):
    """A window unit after a square window takes PE | C or PE = M*C (M | window); its window
    generator follows at SIMD = PE (hwgen_swg_par); other PE values are refused by name."""
    from hwgen.errors import FoldingError

    path = _dwpar_chain(tmp_path / "dwpar.onnx")
    hw = lower(hwgen.load(path))
    vvau = hw.layer("01_vvau")
    assert isinstance(vvau, HwVVAU) and vvau.par_window
    assert vvau.pe_choices == [1, 2, 4, 12, 36]
    fast = vvau.folded(PE=36)
    assert (fast.lanes, fast.simd, fast.cycles) == (4, 9, 64) and vvau.cycles == 64 * 4 * 9
    ffile = tmp_path / "folding.json"
    ffile.write_text(json.dumps(DWPAR_FOLDING))
    result = build(path, tmp_path / "out", folding_file=ffile)
    layers = {x["name"]: x for x in result.manifest["layers"]}
    assert layers["00_swg"]["SIMD"] == 12 and layers["01_vvau"]["cycles"] == 64 * 3
    assert result.manifest["max_cycles"] == 64 * 3
    assert "hwgen_swg_par" in (tmp_path / "out" / "rtl" / "hwgen_accel_pipeline.v").read_text()
    ffile.write_text(json.dumps({"01_vvau": {"PE": 8}}))  # M = 2 does not divide 9
    with pytest.raises(FoldingError, match="01_vvau"):
        build(path, tmp_path / "bad", folding_file=ffile)


@pytest.mark.slow
def test_window_parallel_rtl_exact(tmp_path):
    path = _dwpar_chain(tmp_path / "dwpar.onnx")
    ffile = tmp_path / "folding.json"
    ffile.write_text(json.dumps(DWPAR_FOLDING))
    out = tmp_path / "out"
    result = build(path, out, folding_file=ffile)
    graph = hwgen.load(out / "model.onnx")
    x = np.random.default_rng(5).integers(0, 16, size=(FRAMES, 4, 8, 8)).astype(np.float32)
    run = _sim(out, graph, x)
    assert run.interval_cycles == result.manifest["max_cycles"] == 64 * 3
