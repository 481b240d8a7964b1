"""HLS back end end to end: build with backend="hls", run the g++ C simulation on MNIST images,
compare bit for bit with the golden executor; check the pragmas the folding implies."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hwgen
from hwgen.build import build
from hwgen.hls import run_csim

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")

# mobilenet_tiny, cnn1d, kws_w3a3 (issue 17): general windows, depthwise / average / padded max
# window units (hwgen::swg_general, hwgen::vvau), raw UINT8 pixels, Int32Bias
MODELS = ("tfc_w1a1", "tfc_w2a2", "mlp_a8", "cnv_small", "mobilenet_tiny", "cnn1d", "kws_w3a3")
FRAMES = 100


@pytest.fixture(scope="session")
def hls_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Compiled testbenches, one per source hash, for this test session."""
    return tmp_path_factory.mktemp("hls_bin")


@pytest.fixture(scope="session")
def hls_built(tmp_path_factory: pytest.TempPathFactory, zoo_export):
    """``hls_built(model_id, folding=None) -> BuildResult`` built with backend="hls", once."""
    root = tmp_path_factory.mktemp("hls_builds")
    cache: dict[str, object] = {}

    def get(model_id: str, folding: dict | None = None):
        key = model_id + json.dumps(folding, sort_keys=True)
        if key not in cache:
            ffile = None
            if folding is not None:
                ffile = root / f"{model_id}_{len(cache)}_folding.json"
                ffile.write_text(json.dumps(folding))
            cache[key] = build(zoo_export(model_id), root / f"{model_id}_{len(cache)}",
                               folding_file=ffile, backend="hls")
        return cache[key]

    return get


# mlp_pow2_qt is mlp_pow2 with a QuantTensor output (same hardware): the frontend tests cover it
HLS_MODELS = [m for m in MODELS if m != "mlp_pow2_qt"]

def _inputs(model_id: str, mnist) -> np.ndarray:
    from tests.zoo import inputs_for

    images, _ = mnist
    return inputs_for(model_id, images[:FRAMES])


@pytest.mark.parametrize("model_id", HLS_MODELS)
def test_csim_equals_golden(model_id: str, hls_built, hls_cache, mnist) -> None:
    result = hls_built(model_id)
    x = _inputs(model_id, mnist)
    r = run_csim(result.out, x, cache=hls_cache)
    graph = hwgen.load(result.out / "model.onnx")
    expected = hwgen.execute(graph, x, upto="hw")
    assert r["frames"] == FRAMES
    assert r["mismatches"] == 0, r["mismatch_details"]
    np.testing.assert_array_equal(r["outputs"], expected)
    saved = json.loads((result.out / "sim" / "hls_results.json").read_text())
    assert saved["mismatches"] == 0 and saved["frames"] == FRAMES


def test_csim_window_parallel_swg(hls_built, hls_cache, mnist) -> None:
    """cnv_small with every MVAU after a sliding window taking whole windows per beat
    (SIMD = K*K*C > C): both SWGs window-parallel (hwgen::swg_par), csim == golden."""
    probe = hls_built("cnv_small")
    folding = json.loads((probe.out / "folding.json").read_text())
    layers = probe.hw.layers
    for prev, layer in zip(layers, layers[1:]):
        if prev.op == "swg" and layer.op == "mvau":
            folding[prev.name]["SIMD"] = folding[layer.name]["SIMD"] = layer.mw
    result = hls_built("cnv_small", folding)
    swgs = [layer for layer in result.hw.layers if layer.op == "swg"]
    assert len(swgs) == 2 and all(layer.window_parallel for layer in swgs)
    assert "hwgen::swg_par<" in (result.out / "hls" / "hwgen_top.cpp").read_text()
    x = _inputs("cnv_small", mnist)
    r = run_csim(result.out, x, cache=hls_cache)
    expected = hwgen.execute(hwgen.load(result.out / "model.onnx"), x, upto="hw")
    assert r["mismatches"] == 0, r["mismatch_details"]
    np.testing.assert_array_equal(r["outputs"], expected)


def test_csim_top1_full_folding(hls_built, hls_cache, mnist) -> None:
    """Label select (top-1 in hardware) and PE = SIMD = 1 everywhere (other array layouts)."""
    probe = hls_built("tfc_w1a1_top1")
    full = {name: {k: 1 for k, v in entry.items() if isinstance(v, int)}
            for name, entry in json.loads((probe.out / "folding.json").read_text()).items()}
    result = hls_built("tfc_w1a1_top1", full)
    assert any(layer.op == "label" for layer in result.hw.layers)
    x = _inputs("tfc_w1a1_top1", mnist)
    r = run_csim(result.out, x, cache=hls_cache)
    assert r["mismatches"] == 0, r["mismatch_details"]


@pytest.fixture(scope="module")
def window_chain(tmp_path_factory):
    """``window_chain(name, folding=None) -> (BuildResult, inputs)`` for the general-window
    chains of tests/frontend/test_windows.py (dilation, asymmetric and SAME padding, 1-D,
    depthwise, average pools with and without thresholds, padded max pools), backend="hls"."""
    from tests.frontend.test_windows import CHAINS, chain_input

    root = tmp_path_factory.mktemp("hls_windows")
    cache: dict[str, tuple] = {}

    def get(name: str, folding: dict | None = None):
        key = name + json.dumps(folding, sort_keys=True)
        if key not in cache:
            tag = f"{name}_{len(cache)}"
            path = CHAINS[name](root / f"{tag}.onnx")
            ffile = None
            if folding is not None:
                ffile = root / f"{tag}_folding.json"
                ffile.write_text(json.dumps(folding))
            result = build(path, root / tag, folding_file=ffile, backend="hls")
            cache[key] = (result, chain_input(name, 20))
        return cache[key]

    return get


@pytest.mark.parametrize("name", ["windows", "signal"])
@pytest.mark.parametrize("fold", ["default", "serial"])
def test_csim_general_windows(name: str, fold: str, window_chain, hls_cache) -> None:
    """Every SWG of the chains is a general one (hwgen::swg_general) and every window unit a
    hwgen::vvau; at the default folding and at PE = SIMD = 1 everywhere, csim == golden."""
    folding = None
    if fold == "serial":
        probe, _ = window_chain(name)
        folding = {n: {k: 1 for k, v in e.items() if isinstance(v, int)}
                   for n, e in json.loads((probe.out / "folding.json").read_text()).items()}
    result, x = window_chain(name, folding)
    top = (result.out / "hls" / "hwgen_top.cpp").read_text()
    n_swg = sum(layer.op == "swg" for layer in result.hw.layers)
    n_vvau = sum(layer.op in ("vvau", "avgpool") or type(layer).__name__ == "HwWindowMax"
                 for layer in result.hw.layers)
    assert top.count("hwgen::swg_general<") == n_swg > 0
    assert top.count("hwgen::vvau<") == n_vvau > 0
    if fold == "serial":
        assert all(layer.PE == layer.SIMD == 1 for layer in result.hw.layers)
    r = run_csim(result.out, x, cache=hls_cache)
    expected = hwgen.execute(hwgen.load(result.out / "model.onnx"), x, upto="hw")
    assert r["frames"] == len(x)
    assert r["mismatches"] == 0, r["mismatch_details"]
    np.testing.assert_array_equal(r["outputs"], expected)


def test_csim_vvau_weight_flip_is_caught(hls_built, hls_cache, mnist, tmp_path) -> None:
    """One depthwise weight of mobilenet_tiny changed in hwgen_params.h: csim != golden (the
    vvau's weights are really read, in the layout the writer claims)."""
    out = tmp_path / "mobile"
    shutil.copytree(hls_built("mobilenet_tiny").out, out)
    x = _inputs("mobilenet_tiny", mnist)[:20]
    params = out / "hls" / "hwgen_params.h"
    text = params.read_text()
    start = text.index("hwgen_03_vvau_weights")
    i = text.index("{{", start) + 2
    j = text.index(",", i)
    value = int(text[i:j])
    params.write_text(text[:i] + str((value + 7) % 16) + text[j:])
    r = run_csim(out, x, cache=tmp_path / "bin")
    assert r["mismatches"] > 0


@pytest.mark.parametrize("model_id", HLS_MODELS)
def test_pragmas_follow_folding(model_id: str, hls_built) -> None:
    result = hls_built(model_id)
    hls = result.out / "hls"
    top = (hls / "hwgen_top.cpp").read_text()
    params = (hls / "hwgen_params.h").read_text()
    layers_h = (hls / "hwgen_layers.h").read_text()
    assert "#pragma HLS DATAFLOW" in top
    assert "#pragma HLS INTERFACE axis port=s_axis" in top
    assert "#pragma HLS INTERFACE axis port=m_axis" in top
    assert "#pragma HLS PIPELINE II=1" in layers_h
    depths = json.loads((result.out / "fifo_depths.json").read_text())
    manifest = json.loads((result.out / "manifest.json").read_text())
    for entry in manifest["layers"]:
        name = entry["name"]
        assert depths[name] == entry["fifo_depth"]
        assert re.search(rf"#pragma HLS STREAM variable=s_{name} depth={max(entry['fifo_depth'], 1)}\b",
                         top), name
        if entry["op"] == "mvau":
            lanes = entry["PE"] * entry["SIMD"]
            addrs = (entry["MH"] // entry["PE"]) * (entry["MW"] // entry["SIMD"])
            assert (f"#pragma HLS ARRAY_PARTITION variable=hwgen_{name}_weights complete dim=1"
                    f"  // PE*SIMD = {lanes} lanes") in top
            assert f"hwgen_{name}_weights[{lanes}][{addrs}]" in params
            assert f"hwgen::mvau<{entry['MW']}, {entry['MH']}, {entry['SIMD']}, {entry['PE']}," \
                in top
    assert f"set_part {{{manifest['part']}}}" in (hls / "run_hls.tcl").read_text()
    for step in ("csim_design", "csynth_design", "export_design -format ip_catalog"):
        assert step in (hls / "run_hls.tcl").read_text()


def test_max_width_defined(hls_built) -> None:
    top_h = (hls_built("tfc_w1a1").out / "hls" / "hwgen_top.h").read_text()
    m = re.search(r"#define HWGEN_MAX_WIDTH (\d+)", top_h)
    assert m and int(m.group(1)) >= 64
    assert "static_assert(HWGEN_MAX_WIDTH <= AP_INT_MAX_W" in top_h


def test_output_is_deterministic(hls_built, zoo_export, tmp_path) -> None:
    first = hls_built("cnv_small").out / "hls"
    again = build(zoo_export("cnv_small"), tmp_path / "again", backend="hls").out / "hls"
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name


def test_backend_rtl_writes_no_hls(zoo_export, tmp_path) -> None:
    out = build(zoo_export("cnv_small"), tmp_path / "rtl").out
    assert not (out / "hls").exists() and (out / "rtl" / "hwgen_accel.v").is_file()
    with pytest.raises(hwgen.HwgenError, match="backend must be one of"):
        build(zoo_export("cnv_small"), tmp_path / "bad", backend="vhdl")


def test_sim_cli_hls(hls_built, hls_cache, tmp_path, mnist) -> None:
    """``hwgen sim OUT --hls``: exit 0 when equal (``--outputs`` written); exit 1 once a weight
    is corrupted."""
    src = hls_built("cnv_small").out
    out = tmp_path / "cnv"
    shutil.copytree(src, out)
    np.save(tmp_path / "x.npy", _inputs("cnv_small", mnist)[:20])
    cmd = [sys.executable, "-m", "hwgen", "sim", str(out), "--hls", "--inputs",
           str(tmp_path / "x.npy")]
    ok = subprocess.run(cmd + ["--outputs", str(tmp_path / "y.npy")], check=False,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads((out / "sim" / "hls_results.json").read_text())["mismatches"] == 0
    assert re.search(r"QONNX check       20 frames: .*, contract (exact|ok)", ok.stdout), ok.stdout
    # --outputs with --hls: the C simulation's outputs, epilogue applied, like hwgen.execute
    expected = hwgen.execute(hwgen.load(out / "model.onnx"), np.load(tmp_path / "x.npy"))
    got = np.load(tmp_path / "y.npy")
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    params = out / "hls" / "hwgen_params.h"
    text = params.read_text()
    start = text.index("hwgen_01_mvau_weights")
    i = text.index("{{", start) + 2
    flipped = text[:i] + ("1" if text[i] == "0" else "0") + text[i + 1:]
    params.write_text(flipped)
    bad = subprocess.run(cmd, check=False, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "does not match" in bad.stderr
    assert json.loads((out / "sim" / "hls_results.json").read_text())["mismatches"] > 0


def test_csim_per_channel_scale_into_depthwise(tmp_path, hls_cache) -> None:
    """A per-channel activation scale folded into a depthwise conv (Brevitas' MobileNet-v1):
    the thresholds the build derives from it are exact in the C simulation too."""
    from tests.frontend.test_windows import _per_channel_chain

    path = _per_channel_chain(tmp_path / "dw.onnx", group=4)
    result = build(path, tmp_path / "out", backend="hls")
    assert any(layer.op == "vvau" for layer in result.hw.layers)
    x = np.random.default_rng(6).integers(0, 16, size=(20, 4, 6, 6)).astype(np.float32)
    r = run_csim(result.out, x, cache=hls_cache)
    expected = hwgen.execute(hwgen.load(result.out / "model.onnx"), x, upto="hw")
    assert r["mismatches"] == 0, r["mismatch_details"]
    np.testing.assert_array_equal(r["outputs"], expected)
    assert np.unique(expected).size >= 3
