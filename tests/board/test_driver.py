"""The generated PYNQ driver: numpy only, byte-identical packing, exact against hwgen.execute.

The driver runs in a subprocess that blocks pynq/hwgen/onnx imports (fake_board.py), against a
fake AXI DMA whose transfers are served here by a hardware model: the golden executor on the
integer stream, or the Verilator simulation of the DMA-width top (tlast once per batch).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import hwgen
from hwgen.board import DRIVER_FILES
from hwgen.golden import run_layer
from hwgen.runtime import packing

ROOT = Path(__file__).resolve().parents[2]
FAKE = Path(__file__).with_name("fake_board.py")
Hardware = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def _io(out: Path) -> tuple[dict, dict]:
    m = json.loads((out / "manifest.json").read_text())
    return m["io"]["input"], m["io"]["output"]


def golden_hardware(out: Path) -> Hardware:
    """DMA send bytes -> (output words, tlast flags) from the golden executor's integer layers."""
    graph = hwgen.load(out / "model.onnx")
    io_in, io_out = _io(out)
    wb = io_in["dma_bits"] // 8

    def run(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        words = data.reshape(-1, io_in["dma_words_per_frame"], wb)
        codes = packing.unpack_words(words, io_in["elem_bits"], io_in["dma_bits"], io_in["elems"])
        v = packing.decode(codes, io_in["kind"], io_in["elem_bits"])
        v = v.reshape((len(words),) + tuple(io_in["shape"]))
        for layer in graph.layers:
            v = run_layer(layer, v)
        codes = packing.encode(v.reshape(len(v), -1), io_out["kind"], io_out["elem_bits"])
        o = packing.pack_words(codes, io_out["elem_bits"], io_out["dma_bits"]).reshape(-1, wb)
        last = np.zeros(len(o), np.int64)
        last[-1] = 1  # the DMA sets tlast once, at the end of the batch
        return o, last

    return run


def run_driver(out: Path, tmp: Path, x: np.ndarray, hardware: Hardware, *, length_width: int = 26,
               spec_length_width: int | None = None, batch: int | None = None,
               weights: Callable[[np.ndarray], None] | None = None) -> dict:
    """Run OUT/driver on ``x`` in a numpy-only subprocess; returns its outputs and DMA stats.
    ``weights`` gets the bytes of each weight-load DMA send (designs with UltraRAM weights)."""
    tmp.mkdir(parents=True, exist_ok=True)
    np.save(tmp / "x.npy", x)
    args = {"driver_dir": str(out / "driver"), "folder": str(tmp), "input": str(tmp / "x.npy"),
            "output": str(tmp / "result.npz"), "length_width": length_width,
            "spec_length_width": spec_length_width, "batch": batch}
    (tmp / "args.json").write_text(json.dumps(args))
    proc = subprocess.Popen([sys.executable, "-I", str(FAKE), str(tmp / "args.json")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=tmp)
    leaked = None
    try:
        for line in proc.stdout:
            kind, _, arg = line.strip().partition(" ")
            if kind == "REQ":
                words, last = hardware(np.load(arg))
                reply = arg.replace(".npy", "_reply.npz")
                np.savez(reply, words=words, last=last)
                proc.stdin.write(f"OK {reply}\n")
                proc.stdin.flush()
            elif kind == "WREQ":
                if weights is None:
                    raise AssertionError("the driver loaded weights into a design without any")
                weights(np.load(arg))
                proc.stdin.write("OK\n")
                proc.stdin.flush()
            elif kind == "DONE":
                leaked = json.loads(arg)
    finally:
        proc.stdin.close()
        rc = proc.wait(timeout=60)
        err = proc.stderr.read()
    if rc != 0:
        raise RuntimeError(f"driver subprocess failed (rc {rc}): {err.strip().splitlines()[-1:]}")
    assert leaked == [], f"driver imported {leaked}"
    with np.load(tmp / "result.npz") as r:
        return {k: r[k] for k in r.files}


@pytest.fixture(scope="module")
def tfc(board_build):
    out = board_build("pynq-z2")
    return out, hwgen.load(out / "model.onnx")


def test_driver_files_are_copies(tfc) -> None:
    out, _ = tfc
    from hwgen.board import RUNTIME_FILES

    assert set(RUNTIME_FILES) == {"packing.py", "floatops.py", "idx.py"}
    for folder in (out / "driver", out / "deploy"):
        for shared in RUNTIME_FILES:  # hwgen's numpy-only runtime, byte for byte
            src = ROOT / "hwgen" / "runtime" / shared
            assert (folder / "hwgen_driver" / shared).read_bytes() == src.read_bytes()
        for name in DRIVER_FILES:
            assert (folder / "hwgen_driver" / name).read_bytes() == \
                (ROOT / "hwgen" / "board" / "driver" / name).read_bytes()
        assert (folder / "validate.py").is_file()
    for path in (out / "driver").rglob("*.py"):  # PYNQ 2.7 images run Python 3.8
        ast.parse(path.read_text(), filename=str(path), feature_version=(3, 8))


@pytest.mark.parametrize("count", [1, 100])
def test_driver_golden_mnist(tfc, mnist, tmp_path: Path, count: int) -> None:
    out, graph = tfc
    x = mnist[0][:count].reshape(count, 784)
    r = run_driver(out, tmp_path, x, golden_hardware(out))
    assert np.array_equal(r["h"], hwgen.execute(graph, x, upto="hw"))
    want = hwgen.execute(graph, x)
    assert r["y"].dtype == want.dtype and np.array_equal(r["y"], want)
    # one transfer per batch, each received in full at its single tlast
    assert int(r["transfers"]) == 2 and int(r["leftover"]) == 0
    assert list(r["received"]) == [2 * count, 2 * count]


def test_driver_splits_at_the_length_register(tfc, mnist, tmp_path: Path) -> None:
    out, graph = tfc
    x = mnist[0][:12].reshape(12, 784)
    # A 12-bit length register takes 4095 bytes: 5 frames of 784 bytes per transfer.
    r = run_driver(out, tmp_path / "a", x, golden_hardware(out), length_width=12,
                   spec_length_width=12)
    assert np.array_equal(r["y"], hwgen.execute(graph, x))
    assert int(r["transfers"]) == 6  # (5 + 5 + 2) twice
    with pytest.raises(RuntimeError, match="exceeds the length register"):
        run_driver(out, tmp_path / "b", x, golden_hardware(out), length_width=12)


VERILATOR_BATCH = 4


@pytest.mark.rtl
def test_driver_through_verilator(tfc, mnist, tmp_path: Path) -> None:
    """The DMA-width top in Verilator, one batch per transfer with tlast only at its end."""
    from hwgen.simulate.verilator import build_sim, run_sim

    out, graph = tfc
    io_in, io_out = _io(out)
    n = VERILATOR_BATCH
    rtl = out / "rtl"
    sources = [rtl / name for name in (rtl / "filelist.f").read_text().split()]
    sim = build_sim(sources, "hwgen_accel", out / "sim" / "board_batch", in_bits=io_in["dma_bits"],
                    out_bits=io_out["dma_bits"], in_words_per_frame=n * io_in["dma_words_per_frame"],
                    out_words_per_frame=n * io_out["dma_words_per_frame"])
    runs = []

    def hardware(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        wb = io_in["dma_bits"] // 8
        hexw = packing.words_to_hex(data.reshape(-1, wb), io_in["dma_bits"])
        run = run_sim(sim, out / "sim" / f"board_run{len(runs)}", hexw, 1,
                      sorted((out / "mem").glob("*.mem")), idle_pct=20, bp_pct=20)
        runs.append(run)
        return run.out_words, run.out_last

    x = mnist[0][:n].reshape(n, 784)
    r = run_driver(out, tmp_path, x, hardware, batch=n)
    assert np.array_equal(r["h"], hwgen.execute(graph, x, upto="hw"))
    assert np.array_equal(r["y"], hwgen.execute(graph, x))
    assert [int(run.out_last.sum()) for run in runs] == [1, 1]
    assert int(r["leftover"]) == 0


def test_host_spec_matches_golden_quant_prologue(zoo_export, tmp_path: Path) -> None:
    """cnv_small: float input quantized on the host (NCHW -> NHWC), float epilogue."""
    import importlib.util

    from hwgen.build import build

    out = tmp_path / "cnv"
    build(zoo_export("cnv_small"), out)
    graph = hwgen.load(out / "model.onnx")
    pkg = out / "driver" / "hwgen_driver"
    spec_ = importlib.util.spec_from_file_location("hwgen_driver_host", pkg / "host.py")
    mod = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(mod)
    host = mod.Host(mod.load_spec(pkg / "host.json"))
    assert host.spec["prologue"]["kind"] == "quant"
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.2, 1.2, size=(64, 1, 12, 12)).astype(np.float32)
    x[:4] = np.round(x[:4] * 8) / 8  # values on quantizer boundaries too
    from hwgen.golden import epilogue, prologue

    v = host.prologue(x)
    assert np.array_equal(v, prologue(graph, x))
    h = hwgen.execute(graph, x, upto="hw")
    y = host.epilogue(h)
    want = epilogue(graph, h)
    assert y.dtype == want.dtype and np.array_equal(y, want)


@pytest.mark.rtl
def test_driver_loads_ultraram_weights(zoo_export, mnist, tmp_path: Path) -> None:
    """UltraRAM weights on zcu104: the driver's constructor sends the weight image through the
    weight-load DMA (split at a 12-bit length register), and the "hardware" is the DMA-width
    top in Verilator, its UltraRAM zeroed, fed exactly the bytes the driver sent before each
    batch (standing in for memory that keeps them): outputs == hwgen.execute."""
    from hwgen.build import build
    from hwgen.simulate.verilator import build_sim, run_sim

    folding = tmp_path / "folding.json"
    folding.write_text(json.dumps({"01_mvau": {"PE": 16, "SIMD": 49, "ram_style": "ultra"},
                                   "03_mvau": {"PE": 8, "SIMD": 8, "ram_style": "ultra"}}))
    out = build(zoo_export("tfc_w1a1"), tmp_path / "out", target="zcu104",
                folding_file=folding).out
    graph = hwgen.load(out / "model.onnx")
    wl = json.loads((out / "manifest.json").read_text())["weight_load"]
    shipped = out / "deploy" / "hwgen_driver" / wl["file"]
    assert shipped.read_bytes() == (out / "mem" / wl["file"]).read_bytes()
    io_in, io_out = _io(out)
    n = VERILATOR_BATCH
    rtl = out / "rtl"
    sources = [rtl / name for name in (rtl / "filelist.f").read_text().split()]
    sim = build_sim(sources, "hwgen_accel", out / "sim" / "board_batch", in_bits=io_in["dma_bits"],
                    out_bits=io_out["dma_bits"], in_words_per_frame=n * io_in["dma_words_per_frame"],
                    out_words_per_frame=n * io_out["dma_words_per_frame"],
                    wl_bits=wl["dma_bits"])
    sent: list[np.ndarray] = []
    runs = []

    def hardware(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        wb = io_in["dma_bits"] // 8
        hexw = packing.words_to_hex(data.reshape(-1, wb), io_in["dma_bits"])
        image = np.concatenate(sent).reshape(-1, wl["dma_bits"] // 8)
        run = run_sim(sim, out / "sim" / f"board_run{len(runs)}", hexw, 1,
                      sorted((out / "mem").glob("*.mem")), idle_pct=20, bp_pct=20,
                      wl_hex=packing.words_to_hex(image, wl["dma_bits"]))
        runs.append(run)
        return run.out_words, run.out_last

    from tests.zoo import inputs_for

    x = inputs_for("tfc_w1a1", mnist[0][:n])
    r = run_driver(out, tmp_path / "drv", x, hardware, batch=n, length_width=12,
                   spec_length_width=12, weights=sent.append)
    assert sum(len(part) for part in sent) == wl["bytes"]
    assert int(r["weight_transfers"]) == -(-wl["bytes"] // 4080)  # 255 words of 16 bytes each
    assert np.array_equal(r["h"], hwgen.execute(graph, x, upto="hw"))
    assert np.array_equal(r["y"], hwgen.execute(graph, x))
