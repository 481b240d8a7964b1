"""HLS back end on graphs (issue 16): forks (hwgen::dup), residual adds with their fused
activation (hwgen::add) and channel concatenation (hwgen::concat) in the dataflow top, g++ C
simulation bit for bit against the golden executor.

The zoo's residual and two-branch nets go through ``build(..., backend="hls")`` and
``run_csim`` on 100 MNIST frames; small IR graphs (the graph input read three times: a cascade
of forks; an add of a signed stream with coefficients and no activation; per-channel
thresholds on a sum) go through lower -> fold -> ``write_hls`` -> g++ directly, serial and
with joins whose inputs arrive at other beat widths (width converters on the join inputs).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import hwgen
from hwgen.build import build, choose_folding
from hwgen.build.fifos import fifo_depths
from hwgen.build.lower import lower, verify_hw
from hwgen.golden import execute
from hwgen.hls import compile_csim, run_csim, write_hls
from hwgen.ir import GRAPH_INPUT, INT, UINT, Add, MatMul, Threshold, verify
from hwgen.runtime.packing import decode, encode, pack_words, unpack_words
from hwgen.targets import get_target
from tests.frontend.test_graph_ir import _graph, _residual
from tests.zoo import inputs_for

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")

FRAMES = 100
DMA_BITS = 64


@pytest.fixture(scope="module")
def graph_builds(tmp_path_factory, zoo_export):
    """``graph_builds(model_id) -> BuildResult`` with backend="hls", once per module."""
    root = tmp_path_factory.mktemp("hls_graphs")
    cache: dict[str, object] = {}

    def get(model_id: str):
        if model_id not in cache:
            cache[model_id] = build(zoo_export(model_id), root / model_id, backend="hls")
        return cache[model_id]

    return get


@pytest.mark.parametrize("model_id", ["resnet_small", "concat_small"])
def test_csim_graph_equals_golden(model_id, graph_builds, mnist, tmp_path):
    result = graph_builds(model_id)
    top = (result.out / "hls" / "hwgen_top.cpp").read_text()
    for op, func in (("dup", "dup"), ("add", "add"), ("cat", "concat")):
        n = sum(layer.op == op for layer in result.hw.layers)
        assert top.count(f"hwgen::{func}<") == n, op
    assert any(layer.op in ("add", "cat") for layer in result.hw.layers)
    # each join input's stream is as deep as its FIFO in fifo_depths.json
    for join in result.manifest["fifo_paths"]:
        for p in join["inputs"]:
            assert re.search(rf"STREAM variable=s_{join['join']}_in{p['port']} "
                             rf"depth={p['depth']}\b", top), (join["join"], p["port"])
    x = inputs_for(model_id, mnist[0][:FRAMES])
    r = run_csim(result.out, x, cache=tmp_path / "bin")
    expected = hwgen.execute(hwgen.load(result.out / "model.onnx"), x, upto="hw")
    assert r["frames"] == FRAMES
    assert r["mismatches"] == 0, r["mismatch_details"]
    np.testing.assert_array_equal(r["outputs"], expected)


def test_csim_add_thresholds_are_read(graph_builds, mnist, tmp_path):
    """The first residual add's fused thresholds shifted by one in hwgen_params.h: the C
    simulation no longer equals the golden model (the add really applies them)."""
    out = tmp_path / "resnet"
    shutil.copytree(graph_builds("resnet_small").out, out)
    params = out / "hls" / "hwgen_params.h"
    text = params.read_text()
    start = text.index("hwgen_07_add_thresholds")
    i = text.index("{{{", start) + 3
    j = text.index("}", i)
    shifted = ",".join(str(int(v) + 1) for v in text[i:j].split(","))
    params.write_text(text[:i] + shifted + text[j:])
    x = inputs_for("resnet_small", mnist[0][:20])
    r = run_csim(out, x, cache=tmp_path / "bin")
    assert r["mismatches"] > 0


def _signed_raw_add():
    """input (INT3) -> mm -> thr -> 2 * thr + input, no activation: the raw signed sum leaves."""
    rng = np.random.default_rng(11)
    w = rng.integers(-2, 3, (4, 4))
    t = np.sort(rng.integers(-8, 9, (4, 3)), axis=1)
    mm = MatMul("00_mm", "mm", (4,), INT(3), w, INT(3))
    thr = Threshold("01_thr", "q", (4,), mm.out_dtype, t, out_bias=0)
    add = Add("02_add", "add", (4,), UINT(2), INT(3), coeffs=(2, 1),
              inputs=("01_thr", GRAPH_INPUT))
    return _graph([mm, thr, add], dtype=INT(3))


def _per_channel_add():
    """input -> mm -> thr -> thr + 3 * input -> per-channel thresholds."""
    rng = np.random.default_rng(12)
    w = rng.integers(-2, 3, (4, 4))
    t = np.sort(rng.integers(-6, 7, (4, 3)), axis=1)
    t2 = np.sort(rng.integers(0, 13, (4, 3)), axis=1)
    mm = MatMul("00_mm", "mm", (4,), UINT(2), w, INT(3))
    thr = Threshold("01_thr", "q", (4,), mm.out_dtype, t, out_bias=0)
    add = Add("02_add", "add", (4,), UINT(2), UINT(2), coeffs=(1, 3),
              inputs=("01_thr", GRAPH_INPUT))
    thr2 = Threshold("03_thr", "q2", (4,), add.out_dtype, t2, out_bias=0)
    return _graph([mm, thr, add, thr2])


GRAPHS = {"residual_cat": lambda: _residual()[0], "signed_raw_add": _signed_raw_add,
          "per_channel_add": _per_channel_add}
# mixed: the MVAU at PE 4, joins at PE 2 and 4, so join inputs arrive at other beat widths
MIXED = {"mvau": {"PE": 4, "SIMD": 2}, "add": {"PE": 2}, "cat": {"PE": 4}}


def _csim_ir(graph, x: np.ndarray, folding: str, folder: Path) -> tuple[np.ndarray, str]:
    """lower -> fold -> write_hls -> g++ -> run on ``x``: the decoded outputs and the top."""
    hw = lower(verify(graph))
    fold = {layer.name: {k: 1 for k in layer.folding_keys if k in ("PE", "SIMD")}
            for layer in hw.layers}
    if folding == "mixed":
        fold = {name: dict(entry, **MIXED.get(hw.layer(name).op, {}))
                for name, entry in fold.items()}
    hw = choose_folding(hw, get_target("pynq-z2"), 100.0, None, fold)
    verify_hw(hw)
    write_hls(folder, hw, fifo_depths(hw), dma_bits=DMA_BITS, part="xc7z020clg400-1",
              clock_mhz=100.0, source="test")
    binary = compile_csim(folder, folder / "bin")
    n = len(x)
    codes = encode(x.reshape(n, -1), hw.in_dtype.kind, hw.in_dtype.code_bits)
    (folder / "in.bin").write_bytes(pack_words(codes, hw.in_dtype.code_bits, DMA_BITS).tobytes())
    proc = subprocess.run([str(binary), str(folder / "in.bin"), str(folder / "out.bin")],
                          check=False, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    raw = np.frombuffer((folder / "out.bin").read_bytes(), np.uint8).reshape(n, -1, DMA_BITS // 8)
    bits = hw.out_dtype.code_bits
    got = decode(unpack_words(raw, bits, DMA_BITS, hw.out_elems), hw.out_dtype.kind, bits)
    return got, (folder / "hwgen_top.cpp").read_text()


@pytest.mark.parametrize("folding", ["serial", "mixed"])
@pytest.mark.parametrize("name", list(GRAPHS))
def test_csim_small_graphs(name, folding, tmp_path):
    graph = GRAPHS[name]()
    rng = np.random.default_rng(5)
    dt = graph.input_dtype
    x = rng.integers(dt.min, dt.max + 1, (64, 4))
    got, top = _csim_ir(graph, x, folding, tmp_path / "hls")
    expected = execute(graph, x, upto="hw")
    np.testing.assert_array_equal(got.reshape(expected.shape), expected)
    assert np.unique(expected).size >= 3  # the outputs vary
    if folding == "mixed":
        assert "_dwc" in top  # width converters on join inputs
