"""The UART path end to end: the generated pyserial driver (OUT/driver/hwgen_driver) talks
through a pseudo-terminal to the Verilator model of OUT/board/hwgen_uart_accel.v (UART
receiver, input FIFO, hwgen_accel, UART transmitter); its results equal hwgen.execute bit for
bit, at the hardware boundary and at the ONNX output.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import hwgen
from hwgen.tools import verilator_runner
from tests.frontend.handmade import Builder

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the cocotb bench module must be importable by the simulator
    sys.path.insert(0, str(HERE))
CLKS = 8  # clocks per bit in simulation (the board uses clock / baud; the logic is the same)


def tiny_mlp(path: Path) -> Path:
    """8 UINT4 inputs -> 6 (ternary weights, 3-bit ReLU) -> 4 (ternary weights, INT4)."""
    rng = np.random.default_rng(0)
    b = Builder((1, 8), "UINT4")
    w1 = b.weight_quant(rng.integers(-1, 2, (8, 6)), 0.5, 2)
    b.node("MatMul", [w1])
    b.quant(2.0, 3, signed=0)
    w2 = b.weight_quant(rng.integers(-1, 2, (6, 4)), 0.5, 2)
    b.node("MatMul", [w2])
    b.quant(1.0, 4, signed=1)
    return b.save(path)


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hwgen.build import build

    root = tmp_path_factory.mktemp("ulx3s_tiny")
    out = root / "out"
    build(tiny_mlp(root / "tiny.onnx"), out, target="ulx3s-85f")
    return out


def _driver(out: Path):
    sys.path.insert(0, str(out / "driver"))
    try:
        for name in [m for m in sys.modules if m.startswith("hwgen_driver")]:
            del sys.modules[name]
        return importlib.import_module("hwgen_driver")
    finally:
        sys.path.pop(0)


@pytest.mark.rtl
def test_uart_cosim_equals_golden(tiny_build: Path, tmp_path: Path) -> None:
    import serial
    from cocotb_tools.runner import get_results

    out = tiny_build
    board = json.loads((out / "board" / "board.json").read_text())
    sources = [(out / "board" / s).resolve() for s in board["sources"]
               if s != "hwgen_board_top.v"]  # the PLL top is for the FPGA only
    runner = verilator_runner()
    runner.build(sources=sources, hdl_toplevel="hwgen_uart_accel",
                 parameters={"CLKS_PER_BIT": CLKS}, build_dir=tmp_path / "sim_build",
                 build_args=["-Wno-fatal"], always=True)
    run = tmp_path / "run"
    run.mkdir()
    for mem in (out / "mem").glob("*.mem"):
        shutil.copyfile(mem, run / mem.name)

    graph = hwgen.load(out / "model.onnx")
    rng = np.random.default_rng(1)
    x = rng.integers(0, 16, (25, 8)).astype(np.float32)
    drv = _driver(out)
    spec = drv.load_spec(out / "driver" / "hwgen_driver" / "host.json")
    spec["link"]["window_frames"] = 3  # exercise the in-flight window (the FIFO holds 2048)
    got: dict = {}
    sim_over = threading.Event()

    def host() -> None:
        try:
            while not (run / "pty.txt").exists():
                if sim_over.is_set():
                    raise RuntimeError("the simulation ended before it opened its pty")
                time.sleep(0.05)
            port = serial.Serial((run / "pty.txt").read_text(), timeout=0.05)
            acc = drv.Accelerator(serial=port, spec=spec, timeout=60)
            got["hw"] = acc.run_hw(acc.host.prologue(x[:10]))
            got["y"] = acc.execute(x)
            port.close()
        except Exception as exc:  # reported by the main thread
            got["error"] = exc
        finally:
            (run / "done").write_text("done\n")

    thread = threading.Thread(target=host)
    thread.start()
    try:
        xml = runner.test(test_module="uart_cosim_bench", testcase="serve",
                          hdl_toplevel="hwgen_uart_accel",
                          hdl_toplevel_lang="verilog", build_dir=tmp_path / "sim_build",
                          test_dir=run, extra_env={"HWGEN_CLKS": str(CLKS),
                                                   "HWGEN_PTY_DIR": str(run)},
                          results_xml=str(run / "results.xml"))
    finally:
        sim_over.set()
        thread.join(timeout=120)
    total, failed = get_results(xml)
    assert total > 0 and failed == 0, f"cocotb bench failed, see {run}"
    if "error" in got:
        raise got["error"]
    flags = json.loads((run / "flags.json").read_text())
    assert flags["overflow"] == 0 and flags["framing_error"] == 0 and flags["bad_stop"] == 0
    words = spec["link"]["in_words_per_frame"] * spec["link"]["word_bytes"]
    assert flags["to_fpga"] == 35 * words  # 10 + 25 frames, nothing resent
    expected_hw = hwgen.execute(graph, x, upto="hw")
    assert np.array_equal(got["hw"], expected_hw[:10])
    assert np.array_equal(got["y"], hwgen.execute(graph, x))
    assert len(np.unique(expected_hw)) > 3  # the model is not trivially constant

    # A line break clears a half-sent frame: the next frame's result is the golden one.
    frame = acc_pack(drv, spec, graph, x[3:4])
    brk = tmp_path / "brk"
    brk.mkdir()
    for mem in (out / "mem").glob("*.mem"):
        shutil.copyfile(mem, brk / mem.name)
    out_bytes = spec["link"]["out_words_per_frame"] * spec["link"]["word_bytes"]
    xml = runner.test(test_module="uart_cosim_bench", testcase="break_resets",
                      hdl_toplevel="hwgen_uart_accel", hdl_toplevel_lang="verilog",
                      build_dir=tmp_path / "sim_build", test_dir=brk,
                      extra_env={"HWGEN_CLKS": str(CLKS), "HWGEN_FRAME_HEX": frame.hex(),
                                 "HWGEN_OUT_BYTES": str(out_bytes)},
                      results_xml=str(brk / "results.xml"))
    total, failed = get_results(xml)
    assert total > 0 and failed == 0, f"cocotb bench failed, see {brk}"
    res = json.loads((brk / "break.json").read_text())
    assert res["framing_in_break"] == 1  # the break first looks like a bad byte; then resets
    assert (res["framing_error"], res["overflow"]) == (0, 0)
    acc = drv.Accelerator(serial=object(), spec=spec)
    assert np.array_equal(acc.unpack(bytes(res["got"]), 1), expected_hw[3:4])


def acc_pack(drv, spec: dict, graph, x: np.ndarray) -> bytes:
    """The bytes the driver sends for ``x`` (one or more frames)."""
    acc = drv.Accelerator(serial=object(), spec=spec)
    return acc.pack(acc.host.prologue(x)).tobytes()
